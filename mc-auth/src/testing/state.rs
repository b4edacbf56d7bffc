//! The fake's state: fixed configuration, each family's model state behind one `std` mutex,
//! and the data extension rows behind a second one of their own.
//!
//! # The layers
//!
//! A request passes through three layers, and each file of `testing/` belongs to one:
//!
//! 1. **Around every request** (`server.rs`, `endpoint.rs`, `record.rs`, `faults.rs`): the
//!    server records the request ([`Recorder`]), classifies it once as an
//!    [`Endpoint`](super::endpoint::Endpoint) (`Token`, `Authorize`, `Userinfo`, `Soap`,
//!    `Rest`), lets an injected fault ([`FaultQueue`]) answer or spoil it, and dispatches on
//!    the endpoint. The recorder's request kind and the faults' targets derive from the same
//!    classification.
//! 2. **The wire** (`token.rs`, `oauth.rs`, `api.rs` with the REST handler files such as
//!    `messaging.rs`, `journeys.rs`, `assets.rs`, `contacts.rs`, and `soap/`): reads the
//!    request, checks the token and its scopes (REST routes and SOAP objects both from the
//!    generated catalog), calls the model, and writes MC's answer: status codes, headers,
//!    MC's JSON and XML shapes, MC's error bodies. A model error becomes MC's error with
//!    `ApiError::from_model` (REST), `ModelError::soap_error_code` (SOAP) or an OAuth error.
//! 3. **The model** (`model/`): [`State`]'s families, MC's objects and MC's rules (scope
//!    granting, secret rotation, codes with PKCE, single-use refresh tokens, definitions and
//!    sends, journeys, assets, contacts, ...), with no HTTP in it; a broken rule is a
//!    `model::ModelError` (or, for token requests, `model::tokens::Refused`). Its unit tests
//!    need no server.
//!
//! Views (`views.rs`) hand tests a family's state through `fake.<family>()`, reading the
//! model under the same lock.
//!
//! # Adding a family
//!
//! 1. Its state and rules in `model/<family>.rs`, with unit tests: a struct with `Default`,
//!    methods that take plain values (keys, JSON objects, a `Sender`) and return
//!    `ModelResult<_>`.
//! 2. A field for it on [`State`] (and in [`State::new`]).
//! 3. Its wire: REST handlers in `testing/<family>.rs`, each a `fn(&mut Call) -> Response`
//!    that parses, calls the model under the lock and answers in MC's shape, one
//!    `Route::operation("<catalog name>", handler)` line per operation in `api.rs`'s
//!    `ROUTES` (lists answer through `api::list_page`); SOAP actions in
//!    `testing/soap/<family>.rs`.
//! 4. A typed view in `views.rs` (`fake.<family>()`) for tests to seed and inspect it.
//!
//! Handlers are synchronous and run under the lock, so a request's checks and effects are
//! atomic.
//!
//! # The rows lock
//!
//! Data extensions with their rows, and the asynchronous row requests ([`Rows`]), sit behind
//! their own mutex (`State::rows`), apart from everything else: a bulk load of a million rows
//! spends seconds storing them, and must not hold up token requests or other families
//! meanwhile. The asynchronous row uploads (`POST`/`PUT /data/v1/async/dataextensions/..`)
//! take the state lock only for the token and scope check, release it, parse their JSON body
//! with no lock held, and then take the rows lock alone to store the batch. Other code that
//! needs both takes the state lock first, then the rows lock, never the other way round.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::async_rows::AsyncRequest;
use super::data_extensions::DataExtension;
use super::faults::FaultQueue;
use super::model::assets::AssetState;
use super::model::contacts::ContactState;
use super::model::journeys::JourneyState;
use super::model::messaging::{EmailState, SmsState};
use super::model::packages::Package;
pub(crate) use super::model::tokens::TokenRecord;
use super::record::Recorder;
use super::soap::SoapState;
use crate::{Clock, ScopeSet};

/// Everything the server task and the [`FakeMarketingCloud`](super::FakeMarketingCloud)
/// handles share.
pub(crate) struct Shared {
    pub config: Config,
    pub state: Mutex<State>,
    /// The same rows as `State::rows`, for the row uploads to reach without the state lock.
    pub rows: Arc<Mutex<Rows>>,
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
    /// Data extensions, their rows and the async row requests, behind their own lock (see
    /// "The rows lock" above; take it after the state lock, never before).
    pub rows: Arc<Mutex<Rows>>,
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
    pub oauth: super::model::tokens::OAuthState,
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
            rows: Arc::new(Mutex::new(Rows::default())),
            latency: Duration::ZERO,
            journeys: JourneyState::default(),
            assets: AssetState::default(),
            contacts: ContactState::default(),
            soap: SoapState::default(),
            audience: Default::default(),
            business_units: super::model::business_units::BusinessUnits::new(super::DEFAULT_MID),
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

/// Data extensions and the asynchronous row requests: the state behind the rows lock.
#[derive(Default)]
pub(crate) struct Rows {
    /// Data extensions (with their rows) by external key.
    pub data_extensions: BTreeMap<String, DataExtension>,
    /// Asynchronous row requests by request id.
    pub async_requests: HashMap<String, AsyncRequest>,
    /// Status polls each new async request answers `Pending` before `Complete`.
    pub async_pending_polls: u32,
    /// How long after it came each new async request answers `Pending`.
    pub async_completion_delay: Duration,
}

impl State {
    /// The rows lock's state (see "The rows lock" above).
    pub fn rows(&self) -> std::sync::MutexGuard<'_, Rows> {
        super::util::lock(&self.rows)
    }
}

/// The `rest_instance_url` and `soap_instance_url` values, verbatim.
#[derive(Clone, Debug)]
pub(crate) struct InstanceUrls {
    pub rest: String,
    pub soap: String,
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
