//! # mc-auth
//!
//! Typed, scope-checked clients for the Salesforce Marketing Cloud (MC) REST and SOAP APIs.
//!
//! An application declares, per component, the MC scopes it may use. The compiler holds it to
//! them, and the token each component gets carries exactly those scopes:
//!
//! ```no_run
//! use mc_auth::api::prelude::*;
//! use mc_auth::api::email::{EmailMessage, Recipient};
//! use mc_auth::{mc_client, scope, Credentials};
//!
//! /// Sends the welcome mail.
//! #[mc_client(scopes = "email_read email_send")]
//! pub struct Mailer;
//!
//! # async fn run() -> mc_auth::Result<()> {
//! // Client credentials, a token for exactly `email_read email_send`, checked on receipt.
//! let mailer = Mailer::connect(Credentials::from_env()?).await?;
//!
//! // A typed operation, bounded on the scope MC requires for it...
//! let msg = EmailMessage::new("welcome", Recipient::to("ada@example.com").contact_key("ada"));
//! mailer.send_email("welcome-ada-1", &msg).await?;
//!
//! // ...or any REST path, under the scope you name.
//! let defs = mailer.rest::<scope::EmailRead>().get("/messaging/v1/email/definitions").send().await?;
//! # Ok(()) }
//! ```
//!
//! A call that needs a scope the client did not declare is a compile error that names the
//! scope, the client and the fix:
//!
//! ```text
//! error[E0277]: `Mailer` lacks the Marketing Cloud scope `data_extensions_write`
//!  --> src/main.rs:8:17
//!   |
//! 8 |         .rest::<scope::DataExtensionsWrite>()
//!   |                 ^^^^^^^^^^^^^^^^^^^^^^^^^^ requires the scope `data_extensions_write`
//!   |
//!   = note: add `data_extensions_write` to the scopes of `Mailer`: #[mc_client(scopes = "... data_extensions_write")]
//! ```
//!
//! ## Contents
//!
//! | module / item | what |
//! |---|---|
//! | [`mc_client`], [`scope`] | client types with compile-time scope checks |
//! | [`Client`], [`Credentials`] | the runtime client: client credentials, token cache, REST requests |
//! | [`api`] | typed operations: transactional email and SMS, data extensions, journeys, assets, contacts, automations |
//! | [`soap`] | the SOAP API: Retrieve, Create, Update, Delete, Perform |
//! | [`web`] | web and public apps: authorization code, `state`, PKCE, rotating refresh tokens, token stores |
//! | [`store`] | tokens shared by processes and hosts: the [`store::TokenCache`] tier, leases, [`store::RedisStore`] (feature `redis`) |
//! | [`testing`] (feature `testing`) | a fake Marketing Cloud on loopback for your tests |
//! | [`Error`] | the one error type; every message says what to do next |
//!
//! ## The token cache
//!
//! Every request takes its token from the cache. A fresh token costs one atomic load and an
//! `Arc` clone. Concurrent callers that find no usable token share one token request; inside
//! the refresh window (5 minutes before expiry, with jitter) one background refresh runs while
//! callers keep the still-valid token; only within 30 seconds of expiry do callers wait. A 401
//! invalidates exactly the refused token, gets a new one and retries once. Each business unit
//! ([`Client::for_account`]) has its own partition.
//!
//! ## Security
//!
//! Tokens go only to `https://*.marketingcloudapis.com` (or loopback when the auth URL is
//! loopback); foreign instance URLs are refused and redirects are never followed. Secrets live
//! in types with a redacted `Debug`, no `Display`, zeroized on drop, and never reach errors or
//! logs.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;
pub mod api;
mod cache;
mod client;
mod clock;
mod credentials;
mod endpoint;
mod error;
mod expiry;
mod grant;
mod http;
mod request;
mod retry;
mod rotation;
mod scopes;
mod secret;
mod shared_flight;
pub mod soap;
mod stats;
pub mod store;
mod token;
mod userinfo;
pub mod web;

pub mod scope;

/// Declares a Marketing Cloud client type and the scopes it needs; see [`scope`].
///
/// `#[mc_client(scopes = "email_read email_send")] pub struct Mailer;` turns the unit struct
/// into a cheap-to-clone client that requests a token for exactly those scopes
/// (`Mailer::connect(credentials)`), exposes them as `Mailer::SCOPES` (sorted), and implements
/// [`scope::Has`] for each, so `mailer.rest::<scope::EmailSend>()` compiles and
/// `mailer.rest::<scope::DataExtensionsWrite>()` does not.
///
/// # Generated items
///
/// The struct gets one private field (the runtime [`Client`]); its visibility, docs and other
/// attributes are kept. For `Mailer`:
///
/// | item | what |
/// |---|---|
/// | `Mailer::SCOPES` | the declared scopes, sorted, as `&'static [&'static str]` |
/// | `Mailer::connect(credentials)` | client credentials, a token for exactly `SCOPES`, checked on receipt (async) |
/// | `Mailer::connect_with(builder)` | the same with a [`ClientBuilder`] you configured (timeouts, refresh policy, clock) |
/// | `mailer.for_account(mid)` | the same client for another business unit: shared connections, its own token |
/// | `mailer.client()` | the runtime [`Client`]; requests made through it are not scope-checked |
/// | `mailer.rest::<S>()` | a [`Rest`] handle for scope(s) `S`; compiles only if `Mailer` declares them |
/// | `Mailer::web_app(config)`, `Mailer::public_app(config)` | a [`web::App`] whose users' clients are `Mailer`s |
/// | `impl Clone` | cheap: the clones share the connection pool and token cache |
/// | `impl Debug` | the name, scopes and account, nothing secret |
/// | `impl` [`scope::ScopedClient`] | `NAME` (`"Mailer"`), `SCOPES` and `client()`; the [`api`] traits are implemented for it |
/// | `impl` [`web::FromClient`] | builds a `Mailer` around a runtime client (used by [`web::App`]) |
///
/// # Derives
///
/// Write `#[derive(...)]` after `#[mc_client]`: the macro then sees it. A derive of `Clone` or
/// `Debug` there replaces the generated impl; a derive that cannot apply to a client
/// (`PartialEq`, `Eq`, `PartialOrd`, `Ord`, `Hash`, `Default`, `Copy`, serde's `Serialize` and
/// `Deserialize`) is an error that says why: a client holds a connection pool and a token
/// cache, so compare clients by `NAME` or their scopes, and make them with `connect`.
///
/// A derive written before `#[mc_client]` runs first, on the unit struct as you wrote it, and
/// the macro does not see it: `Clone` and `Debug` there conflict with the generated impls
/// (E0119), and other derives would describe a struct without the client.
///
/// ```
/// use mc_auth::mc_client;
///
/// /// Reads journeys.
/// #[mc_client(scopes = "journeys_read")]
/// #[derive(Clone)]
/// pub struct Reader;
///
/// assert_eq!(Reader::SCOPES, ["journeys_read"]);
/// assert_eq!(<Reader as mc_auth::scope::ScopedClient>::NAME, "Reader");
/// ```
pub use mc_auth_derive::mc_client;

/// A scope-checked request to any route of MC's REST permission table:
/// `rest!(client, GET "/interaction/v1/interactions/{id}")`.
///
/// At compile time the macro finds the route (method and path template) in the catalog
/// ([`scope::ROUTES`]) and requires the client's type to hold every scope the route needs,
/// with the same error as a typed operation (one per missing scope). Each `{name}` in the
/// template is filled from the variable `name` in scope (or from `name = expr` after the path),
/// percent-encoded as one path segment (`key:{key}` keeps its `key:` prefix). It yields a
/// [`RequestBuilder`]: add `.query(..)`, `.json(..)`, then `.send().await`. A value that cannot be
/// a path segment (empty, `.` or `..`) is reported by `send` as [`Error::Config`] naming the
/// variable; nothing is sent.
///
/// ```no_run
/// use mc_auth::{mc_client, rest, Credentials};
///
/// #[mc_client(scopes = "journeys_read")]
/// struct Journeys;
///
/// # async fn run() -> mc_auth::Result<()> {
/// let journeys = Journeys::connect(Credentials::from_env()?).await?;
/// let id = "3b6e1c5a-0000-4000-8000-000000000001";
/// let journey = rest!(journeys, GET "/interaction/v1/interactions/{id}")
///     .query(&[("extras", "activities")])
///     .send()
///     .await?;
/// let audit = rest!(journeys, GET "/interaction/v1/interactions/{id}/audit/{action}", action = "Publish");
/// # let _ = (journey, audit); Ok(()) }
/// ```
///
/// A route the client type lacks a scope for does not compile:
///
/// ```compile_fail,E0277
/// # use mc_auth::{mc_client, rest};
/// # #[mc_client(scopes = "journeys_read")]
/// # struct Journeys;
/// # fn f(journeys: Journeys) {
/// rest!(journeys, POST "/messaging/v1/email/messages");  // needs email_send
/// # }
/// ```
///
/// Nor does a path that is not in the catalog: the error names the closest catalogued routes.
/// For such a route, the unchecked way is `client.rest::<S>().get(path)`, where you vouch
/// that `S` covers it.
pub use mc_auth_derive::rest;
pub use scope::Rest;

/// Items for the code that `#[mc_client]` generates. Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::scope;
    pub use crate::scope::{Has, ScopedClient};
    pub use crate::web::{App, FromClient, PublicAppConfig, WebAppConfig};
    pub use crate::{AccountId, Client, ClientBuilder, Credentials, Rest, Result};
    pub use core::clone::Clone;
    pub use core::convert::Into;
    pub use core::fmt;
    pub use core::future::Future;

    /// `C: Declares<S>`: the `#[mc_client]` type `C` lists scope `S`. Implemented by the macro only.
    pub trait Declares<S> {}

    pub use crate::scope::Piece;
    pub use reqwest::Method;

    /// What `rest!` expands to: `(client).__mc_rest_route::<Scopes>(..)`, a method so that the
    /// client expression may be a value or a reference; the bound is the compile-time check.
    pub trait CheckedRoute: ScopedClient {
        /// The request for `template` filled with `pieces`; compiles only where `Self: Has<S>`.
        fn __mc_rest_route<S>(
            &self,
            method: Method,
            template: &'static str,
            pieces: &[Piece<'_>],
        ) -> crate::RequestBuilder
        where
            Self: Has<S>,
        {
            crate::scope::build_route(self.client(), method, template, pieces)
        }
    }

    impl<C: ScopedClient> CheckedRoute for C {}

    /// `connect` and `connect_with` of a generated client type: a token for exactly
    /// `C::SCOPES`, verified. Generic and written once, so each client type's own methods are
    /// plain functions (cheaper to compile than one `async fn` per client type).
    pub async fn connect<C: ScopedClient>(builder: ClientBuilder, make: fn(Client) -> C) -> Result<C> {
        // A typed client's token carries exactly its declared scopes: scopes set on the
        // builder as well would be silently replaced, so they are refused unless equal.
        if let Some(set) = builder.requested_scopes() {
            let declared = crate::ScopeSet::new(C::SCOPES);
            if *set != declared {
                return Err(crate::Error::Config {
                    setting: "scopes".into(),
                    reason: format!(
                        "the builder asks for `{set}` but `{}` declares `{declared}`; a typed client requests exactly its declared scopes: remove `.scopes(..)` from the builder, or change #[mc_client(scopes = \"...\")]",
                        C::NAME
                    ),
                });
            }
        }
        builder.scopes(C::SCOPES).name(C::NAME).connect().await.map(make)
    }

    /// `rest` of a generated client type, whose `where Self: Has<S>` did the check. (Calling
    /// `ScopedClient::rest` there instead would re-prove the bound per client type, measurably
    /// slower to compile.)
    pub fn rest<S>(client: &Client) -> Rest<'_, S> {
        Rest::new(client)
    }

    /// `web_app` of a generated client type.
    pub fn web_app<C: ScopedClient + FromClient>(config: WebAppConfig) -> Result<App<C>> {
        App::web(config, C::SCOPES, C::NAME)
    }

    /// `public_app` of a generated client type.
    pub fn public_app<C: ScopedClient + FromClient>(config: PublicAppConfig) -> Result<App<C>> {
        App::public(config, C::SCOPES, C::NAME)
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

#[cfg(feature = "testing")]
pub mod testing;

pub use client::{
    Client, ClientBuilder, ClientSettings, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY, DEFAULT_REQUEST_TIMEOUT,
    DEFAULT_TOKEN_DEADLINE, DEFAULT_USER_AGENT,
};
pub use clock::{Clock, ManualClock};
pub use credentials::{
    validate_subdomain, AccountId, AccountIdInput, Credentials, CredentialsBuilder, ExpiryInput, ENV_VARS,
};

/// The states of a [`CredentialsBuilder`]: which required fields were given. You never name
/// these; they are what lets `build()` refuse, at compile time and in a sentence, credentials
/// that lack a subdomain, client id or client secret.
pub mod builder_state {
    pub use crate::credentials::{ClientIdGiven, ClientSecretGiven, Given, Missing, SubdomainGiven};
}
pub use endpoint::MC_DOMAIN;
pub use error::{Error, Result, TransportKind};
pub use expiry::{InvalidExpiry, RefusedSecret, SecretExpiry, SecretPosition, SECRET_EXPIRY_WARNING};
pub use request::{CallOptions, RequestBuilder, Response};
pub use retry::RetryPolicy;
pub use rotation::NewSecret;
pub use scopes::ScopeSet;
pub use secret::{AccessToken, AuthorizationCode, ClientSecret, RefreshToken};
pub use stats::Stats;
pub use token::{RefreshPolicy, Token, TokenResponse, MAX_TOKEN_LIFETIME};
pub use userinfo::UserInfo;

/// Re-exported so that users name the same `reqwest` types (methods, headers) as mc-auth.
pub use reqwest;
/// The `time` crate, whose `OffsetDateTime` types SOAP date filters and tracking event dates.
pub use time;
