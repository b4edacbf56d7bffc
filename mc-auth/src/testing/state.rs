//! The fake's state: fixed configuration, and plain structs behind one `std` mutex.
//!
//! Adding a feature to the fake means adding a field here and a handler that reads or writes
//! it under the lock; handlers are synchronous, so a request's checks and effects are atomic.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::assets::AssetState;
use super::async_rows::AsyncRequest;
use super::contacts::ContactState;
use super::data_extensions::DataExtension;
use super::faults::FaultQueue;
use super::journeys::JourneyState;
use super::package::Package;
use super::record::Recorder;
use super::sms::SmsState;
use super::soap::SoapState;
use crate::{Clock, ScopeSet};

/// Everything the server task and the [`FakeMarketingCloud`](super::FakeMarketingCloud)
/// handles share.
pub(crate) struct Shared {
    pub config: Config,
    pub state: Mutex<State>,
    pub recorder: Recorder,
    pub faults: Mutex<FaultQueue>,
}

/// Settings fixed at start.
pub(crate) struct Config {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    pub subdomain: String,
    pub clock: Clock,
    /// Default access-token lifetime (packages may override it).
    pub expires_in: Duration,
    pub enterprise_id: u64,
    /// Objects per SOAP Retrieve page.
    pub soap_page_size: usize,
}

impl Config {
    /// The instance URL the fake hands out for itself: `http://127.0.0.1:PORT/`.
    pub fn own_instance_url(&self) -> String {
        format!("{}/", self.base_url)
    }
}

/// The mutable state.
pub(crate) struct State {
    pub packages: BTreeMap<String, Package>,
    /// Issued access tokens, by token value.
    pub tokens: HashMap<String, TokenRecord>,
    pub next_token_serial: u64,
    /// Instance URLs to hand out instead of the fake's own (tests of the client's host checks).
    pub instance_urls: Option<InstanceUrls>,
    pub user: FakeUser,
    pub email: EmailState,
    pub sms: SmsState,
    /// Data extensions (with their rows) by external key.
    pub data_extensions: BTreeMap<String, DataExtension>,
    /// Asynchronous row requests by request id.
    pub async_requests: HashMap<String, AsyncRequest>,
    /// Status polls each new async request answers `Pending` before `Complete`.
    pub async_pending_polls: u32,
    /// How long after it came each new async request answers `Pending`.
    pub async_completion_delay: Duration,
    /// How long every API call (not token requests) waits before it is answered.
    pub latency: Duration,
    pub journeys: JourneyState,
    pub assets: AssetState,
    pub contacts: ContactState,
    pub soap: SoapState,
    /// SOAP subscribers and lists ([`super::model::subscribers`]).
    pub audience: super::model::subscribers::Audience,
    /// The tenant's business units ([`super::model::business_units`]).
    pub business_units: super::model::business_units::BusinessUnits,
    /// Authorization codes, refresh tokens and the authorizing user.
    pub oauth: super::oauth::OAuthState,
}

impl State {
    pub fn new() -> Self {
        State {
            packages: BTreeMap::new(),
            tokens: HashMap::new(),
            next_token_serial: 1,
            instance_urls: None,
            user: FakeUser::default(),
            email: EmailState::default(),
            sms: SmsState::default(),
            data_extensions: BTreeMap::new(),
            async_requests: HashMap::new(),
            async_pending_polls: 0,
            async_completion_delay: Duration::ZERO,
            latency: Duration::ZERO,
            journeys: JourneyState::default(),
            assets: AssetState::default(),
            contacts: ContactState::default(),
            soap: SoapState::default(),
            audience: Default::default(),
            business_units: super::model::business_units::BusinessUnits::new(super::package::DEFAULT_MID),
            oauth: Default::default(),
        }
    }

    /// The REST and SOAP instance URLs to put in token and userinfo responses.
    pub fn instance_urls(&self, config: &Config) -> InstanceUrls {
        self.instance_urls.clone().unwrap_or_else(|| InstanceUrls {
            rest: config.own_instance_url(),
            soap: config.own_instance_url(),
        })
    }
}

/// The `rest_instance_url` and `soap_instance_url` values, verbatim.
#[derive(Clone, Debug)]
pub(crate) struct InstanceUrls {
    pub rest: String,
    pub soap: String,
}

/// An issued access token (the token value is the key of [`State::tokens`]).
#[derive(Clone, Debug)]
pub(crate) struct TokenRecord {
    pub serial: u64,
    pub client_id: String,
    pub account_id: u64,
    pub scopes: ScopeSet,
    pub expires_at: Instant,
    pub revoked: bool,
    /// The user a web or public app's token acts for; `None`: the API user of
    /// client-credentials tokens ([`State::user`]).
    pub user: Option<FakeUser>,
}

impl TokenRecord {
    /// True when the token can no longer be used: expired by the clock or on demand.
    pub fn is_expired(&self, now: Instant) -> bool {
        self.revoked || now >= self.expires_at
    }
}

/// A user as `/v2/userinfo` shows them: the API user behind client-credentials tokens, or a
/// user who signed in to a web or public app.
#[derive(Clone, Debug)]
pub(crate) struct FakeUser {
    pub sub: String,
    pub name: String,
    pub preferred_username: String,
    pub email: String,
}

impl Default for FakeUser {
    fn default() -> Self {
        FakeUser {
            sub: "700000001".to_owned(),
            name: "Fake API User".to_owned(),
            preferred_username: "fake-api-user".to_owned(),
            email: "api-user@example.com".to_owned(),
        }
    }
}

/// Transactional email state.
#[derive(Default)]
pub(crate) struct EmailState {
    /// Send definitions in creation order (JSON objects with a `definitionKey`).
    pub definitions: Vec<Value>,
    /// Recorded sends in arrival order.
    pub sends: Vec<EmailSend>,
}

/// A transactional email send recorded by the fake.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct EmailSend {
    /// The `messageKey` from the path.
    pub message_key: String,
    /// The `definitionKey` of the body.
    pub definition_key: String,
    /// The `recipient` object of the body.
    pub recipient: Value,
    /// The whole request body.
    pub body: Value,
    /// The MID of the business unit of the token that sent it.
    pub account_id: u64,
    /// The client id of the package whose token sent it.
    pub client_id: String,
}

/// A snapshot of an issued access token, without its value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IssuedToken {
    /// 1 for the first token the fake issued, 2 for the second, ...
    pub serial: u64,
    /// The package it was issued to.
    pub client_id: String,
    /// The MID of the business unit it acts in.
    pub account_id: u64,
    /// The granted scopes.
    pub scopes: ScopeSet,
    /// True when it is expired (by the clock or on demand) at the time of the snapshot.
    pub expired: bool,
}
