//! The `#[mc_client]` attribute macro and the `rest!` macro. Use it through [`mc_auth::mc_client`](https://docs.rs/mc-auth).
//!
//! The work happens in the private `imp` module (`imp::mc_client`, a plain function over
//! `proc_macro2` token streams), so that `cargo xtask expand` can run the same expansion outside the compiler.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod imp;

/// Declares a Marketing Cloud client type: `#[mc_client(scopes = "email_read email_send")]`
/// on a unit struct. See `mc_auth::mc_client` and `mc_auth::scope` for what it generates.
#[proc_macro_attribute]
pub fn mc_client(attr: TokenStream, item: TokenStream) -> TokenStream {
    let expansion = imp::mc_client(attr.into(), item.into());
    let mut out = TokenStream::from(expansion.tokens);
    // The compiler's own parser, in one call (not `proc_macro2`'s, which lexes the text again
    // first): this is most of what the macro costs per client type.
    match expansion.source.parse::<TokenStream>() {
        Ok(impls) => out.extend(impls),
        Err(e) => {
            let msg = format!("#[mc_client] generated invalid code (a bug in mc-auth-derive): {e}");
            out.extend(TokenStream::from(quote::quote!(::core::compile_error!(#msg);)));
        }
    }
    out.extend(TokenStream::from(expansion.errors));
    out
}

/// `rest!(client, GET "/interaction/v1/interactions/{id}")`: a request to a catalogued REST
/// route, compiled only where `client`'s type holds the route's scopes. See `mc_auth::rest`.
#[proc_macro]
pub fn rest(input: TokenStream) -> TokenStream {
    imp::rest(input.into()).into()
}
