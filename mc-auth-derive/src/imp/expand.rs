//! Generates the client type. Everything runtime is named through `::mc_auth::__private`.
//!
//! The struct itself is rebuilt from the user's tokens (so errors about the type point at the
//! user's `struct Mailer;`); the impls are rendered from a text template that the compiler
//! parses in one call. That is deliberate: it is paid per client type, and handing the compiler
//! one string costs a fraction of building each of the few hundred tokens through the
//! proc-macro bridge, or of `proc_macro2`'s own parse, which re-lexes the text in the macro
//! before handing it over (see `cargo xtask bench-compile`). The spans are the call site either
//! way, as with `quote!`.

use std::fmt::Write as _;

use proc_macro2::TokenStream;
use quote::quote;

use super::item::ClientItem;
use super::scopes::Declared;

/// The struct, as tokens; and its impls, as Rust source (see the module docs).
///
/// `complete` is false when errors were recorded: the struct and its API are still emitted
/// (so uses elsewhere resolve), and the type is made to satisfy every scope bound, so the
/// one real error is not followed by a missing-scope error at each call.
pub(crate) fn client(item: &ClientItem, declared: &[Declared], complete: bool) -> (TokenStream, String) {
    let ClientItem {
        attrs,
        vis,
        ident,
        user_clone,
        user_debug,
    } = item;
    let strukt = quote! {
        #(#attrs)*
        #vis struct #ident {
            inner: ::mc_auth::__private::Client,
        }
    };
    (
        strukt,
        render_impls(&ident.to_string(), declared, complete, !user_clone, !user_debug),
    )
}

/// The impls, as Rust source.
fn render_impls(name: &str, declared: &[Declared], complete: bool, clone: bool, debug: bool) -> String {
    let names: Vec<String> = declared.iter().map(|d| format!("{:?}", d.name)).collect();
    let listed: Vec<String> = declared.iter().map(|d| format!("`{}`", d.name)).collect();
    let doc = |s: String| format!("#[doc = {s:?}]");
    let scopes_doc = doc(format!(
        " The Marketing Cloud scopes `{name}` declares, sorted: {}.",
        listed.join(", ")
    ));
    let connect_doc = doc(format!(
        " Connects with client credentials (async): fetches a token for exactly \
         [`{name}::SCOPES`] and fails with `Error::ScopesNotGranted` unless Marketing Cloud \
         granted every one."
    ));
    let rest_doc = doc(format!(
        " A REST handle for scope(s) `S`; compiles only if `{name}` declares them."
    ));
    let scopes = names.join(", ");

    // The inherent impl stays at the top level, so that errors name `Mailer::rest` (inside a
    // `const _` block rustc would say `_::<impl Mailer>::rest`); it names runtime items by
    // absolute path. The trait impls go in a `const _` block with the short alias `__mc`.
    let mut o = format!(
        r#"impl {name} {{
    {scopes_doc}
    pub const SCOPES: &'static [&'static str] = &[{scopes}];

    {connect_doc}
    pub fn connect(
        credentials: ::mc_auth::__private::Credentials,
    ) -> impl ::mc_auth::__private::Future<Output = ::mc_auth::__private::Result<Self>> {{
        ::mc_auth::__private::connect(::mc_auth::__private::Client::builder(credentials), |inner| Self {{ inner }})
    }}

    /// Like `connect`, with a builder you configured (timeouts, refresh policy, clock);
    /// its scopes and name are set to this type's.
    pub fn connect_with(
        builder: ::mc_auth::__private::ClientBuilder,
    ) -> impl ::mc_auth::__private::Future<Output = ::mc_auth::__private::Result<Self>> {{
        ::mc_auth::__private::connect(builder, |inner| Self {{ inner }})
    }}

    /// A web app (authorization code with a client secret) whose users' clients are of this
    /// type, with exactly its scopes.
    pub fn web_app(
        config: ::mc_auth::__private::WebAppConfig,
    ) -> ::mc_auth::__private::Result<::mc_auth::__private::App<Self>> {{
        ::mc_auth::__private::web_app(config)
    }}

    /// A public app (authorization code and PKCE, no secret) whose users' clients are of this
    /// type, with exactly its scopes.
    pub fn public_app(
        config: ::mc_auth::__private::PublicAppConfig,
    ) -> ::mc_auth::__private::Result<::mc_auth::__private::App<Self>> {{
        ::mc_auth::__private::public_app(config)
    }}

    /// The same client for another business unit (MID): same credentials and
    /// connections, its own token.
    pub fn for_account(&self, account: impl ::mc_auth::__private::Into<::mc_auth::__private::AccountId>) -> Self {{
        Self {{ inner: self.inner.for_account(account) }}
    }}

    /// The runtime client. Requests made through it are not scope-checked.
    pub fn client(&self) -> &::mc_auth::__private::Client {{
        &self.inner
    }}

    {rest_doc}
    pub fn rest<S>(&self) -> ::mc_auth::__private::Rest<'_, S>
    where
        Self: ::mc_auth::__private::Has<S>,
    {{
        ::mc_auth::__private::rest(&self.inner)
    }}
}}

const _: () = {{
    use ::mc_auth::__private as __mc;

    impl __mc::ScopedClient for {name} {{
        const NAME: &'static str = {name:?};
        const SCOPES: &'static [&'static str] = {name}::SCOPES;

        fn client(&self) -> &__mc::Client {{
            &self.inner
        }}
    }}

    impl __mc::FromClient for {name} {{
        fn from_client(inner: __mc::Client) -> Self {{
            {name} {{ inner }}
        }}
    }}
"#
    );
    if clone {
        let _ = write!(
            o,
            r#"
    impl __mc::Clone for {name} {{
        fn clone(&self) -> Self {{
            {name} {{ inner: __mc::Clone::clone(&self.inner) }}
        }}
    }}
"#
        );
    }
    if debug {
        let _ = write!(
            o,
            r#"
    impl __mc::fmt::Debug for {name} {{
        fn fmt(&self, f: &mut __mc::fmt::Formatter<'_>) -> __mc::fmt::Result {{
            __mc::debug::<Self>(&self.inner, f)
        }}
    }}
"#
        );
    }
    if complete {
        for d in declared {
            let _ = write!(
                o,
                "\n    impl __mc::Declares<__mc::scope::{}> for {name} {{}}",
                d.marker
            );
        }
    } else {
        let _ = write!(o, "\n    impl<S> __mc::Declares<S> for {name} {{}}");
    }
    o.push_str("\n};\n");
    o
}
