//! The `#[mc_client]` attribute macro. Use it through [`mc_auth::mc_client`](https://docs.rs/mc-auth).
//!
//! The work happens in [`imp`], a plain function over `proc_macro2` token streams, so that
//! `cargo xtask expand` can run the same expansion outside the compiler.
#![forbid(unsafe_code)]

use proc_macro::TokenStream;

mod imp;

/// Declares a Marketing Cloud client type: `#[mc_client(scopes = "email_read email_send")]`
/// on a unit struct. See `mc_auth::mc_client` and `mc_auth::scope` for what it generates.
#[proc_macro_attribute]
pub fn mc_client(attr: TokenStream, item: TokenStream) -> TokenStream {
    imp::mc_client(attr.into(), item.into()).into()
}
