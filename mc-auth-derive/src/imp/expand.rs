//! Generates the client type. Everything runtime is named through `::mc_auth::__private`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::LitStr;

use super::item::ClientItem;
use super::scopes::Declared;

/// The full expansion for a unit struct.
///
/// `complete` is false when errors were recorded: the struct and its API are still emitted
/// (so uses elsewhere resolve), and the type is made to satisfy every scope bound, so the
/// one real error is not followed by a missing-scope error at each call.
pub(crate) fn client(item: &ClientItem, declared: &[Declared], lit: Option<&LitStr>, complete: bool) -> TokenStream {
    let ClientItem {
        attrs,
        vis,
        ident,
        user_clone,
        user_debug,
    } = item;
    let p = quote!(::mc_auth::__private);
    let name = ident.to_string();
    let names: Vec<&str> = declared.iter().map(|d| d.name).collect();
    let listed = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    let decl_span = lit.map_or_else(|| ident.span(), LitStr::span);

    let scopes_doc = format!(" The Marketing Cloud scopes `{name}` declares, sorted: {listed}.");
    let connect_doc = format!(
        " Connects with client credentials: fetches a token for exactly [`{name}::SCOPES`] and \
         fails with `Error::ScopesNotGranted` unless Marketing Cloud granted every one."
    );
    let rest_doc = format!(" A REST handle for scope(s) `S`; compiles only if `{name}` declares them.");

    let declares = declared.iter().filter(|_| complete).map(|d| {
        let marker = format_ident!("{}", d.marker, span = d.span);
        quote_spanned!(d.span=> impl #p::Declares<#p::scope::#marker> for #ident {})
    });
    let grant_all = (!complete).then(|| quote!(impl<S> #p::Declares<S> for #ident {}));
    let has_bound = quote_spanned!(decl_span=> #p::Has<S>);

    let clone = (!user_clone).then(|| {
        quote! {
            impl #p::Clone for #ident {
                fn clone(&self) -> Self {
                    #ident { inner: #p::Clone::clone(&self.inner) }
                }
            }
        }
    });
    let debug = (!user_debug).then(|| {
        quote! {
            impl #p::fmt::Debug for #ident {
                fn fmt(&self, f: &mut #p::fmt::Formatter<'_>) -> #p::fmt::Result {
                    #p::debug::<Self>(&self.inner, f)
                }
            }
        }
    });

    quote! {
        #(#attrs)*
        #vis struct #ident {
            inner: #p::Client,
        }

        impl #ident {
            #[doc = #scopes_doc]
            pub const SCOPES: &'static [&'static str] = &[#(#names),*];

            #[doc = #connect_doc]
            pub async fn connect(credentials: #p::Credentials) -> #p::Result<Self> {
                Self::connect_with(#p::Client::builder(credentials)).await
            }

            /// Like `connect`, with a builder you configured (timeouts, refresh policy, clock);
            /// its scopes and name are set to this type's.
            pub async fn connect_with(builder: #p::ClientBuilder) -> #p::Result<Self> {
                #p::connect::<Self>(builder).await.map(|inner| Self { inner })
            }

            /// The same client for another business unit (MID): same credentials and
            /// connections, its own token.
            pub fn for_account(&self, account: impl ::core::convert::Into<#p::AccountId>) -> Self {
                Self { inner: self.inner.for_account(account) }
            }

            /// The runtime client. Requests made through it are not scope-checked.
            pub fn client(&self) -> &#p::Client {
                &self.inner
            }

            #[doc = #rest_doc]
            pub fn rest<S>(&self) -> #p::Rest<'_, S>
            where
                Self: #has_bound,
            {
                #p::ScopedClient::rest(self)
            }
        }

        impl #p::ScopedClient for #ident {
            const NAME: &'static str = #name;
            const SCOPES: &'static [&'static str] = #ident::SCOPES;

            fn client(&self) -> &#p::Client {
                &self.inner
            }
        }

        #clone
        #debug
        #(#declares)*
        #grant_all
    }
}

/// The item unchanged, next to the errors (for items that are not structs at all).
pub(crate) fn passthrough(item: TokenStream, errors: TokenStream) -> TokenStream {
    quote!(#errors #item)
}

/// The expansion followed by the errors, if any.
pub(crate) fn with_errors(tokens: TokenStream, errors: TokenStream) -> TokenStream {
    quote!(#tokens #errors)
}
