//! # mc-auth
//!
//! Typed, scope-checked clients for the Salesforce Marketing Cloud (MC) REST and SOAP APIs.
//!
//! (Crate docs are completed with the `#[mc_client]` macro.)
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

mod cache;
mod client;
mod clock;
mod credentials;
mod endpoint;
mod error;
mod grant;
mod http;
mod request;
mod retry;
mod scopes;
mod secret;
pub mod soap;
mod token;
mod userinfo;
pub mod web;

// ---- BEGIN scope/macro section (owned by the #[mc_client] work) ----
pub mod scope;
mod scoped;

/// Declares a Marketing Cloud client type and the scopes it needs; see [`scope`].
///
/// `#[mc_client(scopes = "email_read email_send")] pub struct Mailer;` turns the unit struct
/// into a cheap-to-clone client that requests a token for exactly those scopes
/// (`Mailer::connect(credentials)`), exposes them as `Mailer::SCOPES` (sorted), and implements
/// [`scope::Has`] for each, so `mailer.rest::<scope::EmailSend>()` compiles and
/// `mailer.rest::<scope::DataExtensionsWrite>()` does not.
///
/// Generated items: `SCOPES`, `connect`, `connect_with` (a [`ClientBuilder`] you configured),
/// `for_account` (another business unit, own token), `client` (the runtime [`Client`]),
/// `rest::<S>()`, `Clone`, a `Debug` without secrets, and [`scope::ScopedClient`].
pub use mc_auth_derive::mc_client;
pub use scoped::Rest;

/// Items for the code that `#[mc_client]` generates. Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::scope;
    pub use crate::scope::{Has, ScopedClient};
    pub use crate::{AccountId, Client, ClientBuilder, Credentials, Rest, Result};
    pub use core::clone::Clone;
    pub use core::fmt;

    /// `C: Declares<S>`: the `#[mc_client]` type `C` lists scope `S`. Implemented by the macro only.
    pub trait Declares<S> {}

    /// `connect` of a generated client type: a token for exactly `C::SCOPES`, verified.
    pub async fn connect<C: ScopedClient>(builder: ClientBuilder) -> Result<Client> {
        builder.scopes(C::SCOPES).name(C::NAME).connect().await
    }

    /// `Debug` of a generated client type: its name and scopes, nothing secret.
    pub fn debug<C: ScopedClient>(client: &Client, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct(C::NAME);
        s.field("scopes", &C::SCOPES);
        if let Some(account) = client.account_id() {
            s.field("account", &format_args!("{account}"));
        }
        s.finish_non_exhaustive()
    }
}
// ---- END scope/macro section ----

#[cfg(feature = "testing")]
pub mod testing;

pub use client::{Client, ClientBuilder, Stats};
pub use clock::{Clock, ManualClock};
pub use credentials::{validate_subdomain, AccountId, Credentials, ENV_VARS};
pub use endpoint::MC_DOMAIN;
pub use error::{Error, Result, TransportKind};
pub use request::{RequestBuilder, Response};
pub use retry::RetryPolicy;
pub use scopes::ScopeSet;
pub use secret::{AccessToken, AuthorizationCode, ClientSecret, RefreshToken};
pub use token::{RefreshPolicy, Token, TokenResponse, MAX_TOKEN_LIFETIME};
pub use userinfo::UserInfo;

/// Re-exported so that users name the same `reqwest` types (methods, headers) as mc-auth.
pub use reqwest;
