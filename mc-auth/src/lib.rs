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
mod scopes;
mod secret;
mod token;
mod userinfo;

// ---- BEGIN scope/macro section (owned by the #[mc_client] work) ----
// ---- END scope/macro section ----

#[cfg(feature = "testing")]
pub mod testing;

pub use client::{Client, ClientBuilder, Stats};
pub use clock::{Clock, ManualClock};
pub use credentials::{validate_subdomain, AccountId, Credentials, ENV_VARS};
pub use endpoint::MC_DOMAIN;
pub use error::{Error, Result, TransportKind};
pub use request::{RequestBuilder, Response};
pub use scopes::ScopeSet;
pub use secret::{AccessToken, ClientSecret, RefreshToken};
pub use token::{RefreshPolicy, Token, TokenResponse, MAX_TOKEN_LIFETIME};
pub use userinfo::UserInfo;

/// Re-exported so that users name the same `reqwest` types (methods, headers) as mc-auth.
pub use reqwest;
