//! A fake Marketing Cloud to test against: an in-process HTTP server on `127.0.0.1` that plays
//! the auth, REST and SOAP hosts of one tenant (feature `testing`).
//!
//! It behaves like Marketing Cloud (MC) on the wire, to the byte where MC's behaviour is known:
//!
//! - **Installed packages** are registered with [`FakeMarketingCloud::register_package`]
//!   (client id, secret, scopes, business units), which hands back [`Credentials`] pointing
//!   at the fake.
//! - **`POST /v2/token`** (JSON body, `client_credentials` grant) issues random opaque tokens
//!   with MC's response shape. Only scopes the package has are granted: scopes it lacks are
//!   silently dropped, `scope` omitted grants all of the package's scopes, `scope: ""` none.
//!   `account_id` (number or string) must be one of the package's business units, otherwise
//!   the answer is 401 `unauthorized_client`. A wrong id or secret, or a disabled package,
//!   gives 401 `invalid_client` in MC's exact body; an unknown grant type gives 400
//!   `unsupported_grant_type`; a body that is not a JSON object, or not sent as
//!   `application/json`, gives 400 `invalid_request`.
//! - **REST operations** check `Authorization: Bearer ...`: an unknown or expired token gets
//!   MC's 401 "Not Authorized", a token without a needed scope MC's 403 "Insufficient
//!   Privileges" (errorcode 20002). Every operation of the scope catalog
//!   ([`crate::scope::OPERATIONS`], generated from `scopes.toml`) is served with in-memory
//!   state you can inspect and seed (see [below](#what-the-fake-serves)); the method, path and
//!   scopes of each route come from that table, so the compile-time scope bounds and the
//!   fake's checks cannot disagree. [`routes`] and [`operations`] list what is enforced.
//! - **SOAP** (`POST /Service.asmx`, token in the `fueloauth` header) serves Retrieve,
//!   Create, Update, Delete and Perform on the catalog's SOAP object types, with scope checks
//!   per action and object type.
//! - Tokens expire by the fake's [`Clock`] (inject a [`ManualClock`](crate::ManualClock) to
//!   control it) or on demand ([`expire_tokens`](FakeMarketingCloud::expire_tokens)).
//! - **Every request is recorded** ([`requests`](FakeMarketingCloud::requests),
//!   [`token_request_count`](FakeMarketingCloud::token_request_count), ...), and tests can
//!   await request counts without sleeping
//!   ([`wait_for_token_requests`](FakeMarketingCloud::wait_for_token_requests)).
//! - **Faults** (status codes, rate limiting, delays, malformed bodies, spurious 401s, SOAP
//!   faults) can be injected for the next N requests with [`FakeMarketingCloud::inject`].
//!
//! The fake shuts down when the last clone of its [`FakeMarketingCloud`] is dropped. Debug
//! output of every type here hides client secrets and tokens.
//!
//! # Example
//!
//! ```
//! use mc_auth::testing::{FakeMarketingCloud, Fault, Package};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let fake = FakeMarketingCloud::start().await;
//! let creds = fake.register_package(
//!     Package::new("my-client-id", "my-client-secret").scopes(["email_read", "email_send"]),
//! );
//! assert_eq!(creds.auth_url.as_deref(), Some(fake.url()));
//!
//! // A token request, exactly as MC expects it.
//! let http = mc_auth::reqwest::Client::new();
//! let body = serde_json::json!({
//!     "grant_type": "client_credentials",
//!     "client_id": "my-client-id",
//!     "client_secret": "my-client-secret",
//!     "scope": "email_read data_extensions_write",
//! });
//! let response = http
//!     .post(format!("{}/v2/token", fake.url()))
//!     .header("Content-Type", "application/json")
//!     .body(body.to_string())
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(response.status(), 200);
//! let token: serde_json::Value = serde_json::from_slice(&response.bytes().await.unwrap()).unwrap();
//! assert_eq!(token["scope"], "email_read"); // the package lacks data_extensions_write
//! assert_eq!(token["expires_in"], 1080);
//! assert_eq!(token["rest_instance_url"], format!("{}/", fake.url()));
//!
//! // An API call with it.
//! let bearer = format!("Bearer {}", token["access_token"].as_str().unwrap());
//! let userinfo = http
//!     .get(format!("{}/v2/userinfo", fake.url()))
//!     .header("Authorization", &bearer)
//!     .send()
//!     .await
//!     .unwrap();
//! assert_eq!(userinfo.status(), 200);
//!
//! // Recorded requests, fault injection, expiry on demand.
//! assert_eq!(fake.token_request_count_for("my-client-id"), 1);
//! assert_eq!(fake.token_requests()[0].json().unwrap()["client_secret"], "my-client-secret");
//! assert!(!format!("{:?}", fake.requests()).contains("my-client-secret"));
//!
//! fake.inject(Fault::status(503).only_api_requests());
//! let get = || http.get(format!("{}/v2/userinfo", fake.url())).header("Authorization", &bearer);
//! assert_eq!(get().send().await.unwrap().status(), 503);
//! assert_eq!(get().send().await.unwrap().status(), 200);
//!
//! fake.expire_tokens();
//! assert_eq!(get().send().await.unwrap().status(), 401);
//! # });
//! ```
//!
//! # What the fake serves
//!
//! Error bodies are MC's `{"documentation", "errorcode", "message"}`; where MC's errorcode for
//! a case is unknown the fake uses its own (10000 for data, asset and contact validation,
//! 10001 for messaging, 30000 for journeys). Lists take `$page` (1-based) and `$pageSize`.
//!
//! | family | behaviour | inspect / seed |
//! |---|---|---|
//! | transactional email | definitions: create (needs `definitionKey`, `name`), list, get, update (merges fields; the key cannot change), delete; sends of one or a batch (a known definition, recipients with `to` or `contactKey`, batch message keys generated when missing) answer 202; message status | [`email_definitions`](FakeMarketingCloud::email_definitions), [`email_sends`](FakeMarketingCloud::email_sends), [`add_email_definition`](FakeMarketingCloud::add_email_definition) |
//! | transactional SMS | the same rules: definitions create and list, sends of one or a batch | [`sms_definitions`](FakeMarketingCloud::sms_definitions), [`sms_sends`](FakeMarketingCloud::sms_sends), [`add_sms_definition`](FakeMarketingCloud::add_sms_definition) |
//! | data extension rows | one store per external key, shared by REST and SOAP; synchronous upsert; async insert (`POST`) / upsert (`PUT`) answering 202 with a `requestId`, per-item results (duplicate or missing primary key), status `Complete` (or `Pending` for a set number of polls); row queries with real paging (at most 2,500 a page) and `$filter` (`Col eq 'v'`, also `ne gt ge lt le like`, `and`, `or`, parentheses; anything else a 400). Names and key values compare case-insensitively | [`data_extension_rows`](FakeMarketingCloud::data_extension_rows), [`data_extension_keys`](FakeMarketingCloud::data_extension_keys), [`add_data_extension`](FakeMarketingCloud::add_data_extension) (name and primary key), [`add_data_extension_rows`](FakeMarketingCloud::add_data_extension_rows), [`set_async_pending_polls`](FakeMarketingCloud::set_async_pending_polls) |
//! | journeys | entry events answer 201 with an `eventInstanceId` **only for event definition keys of added journeys** (others: 400, so typos show); list and get (by id, or `key:{key}`) | [`journey_events`](FakeMarketingCloud::journey_events), [`journeys`](FakeMarketingCloud::journeys), [`add_journey`](FakeMarketingCloud::add_journey) with [`FakeJourney`] |
//! | Content Builder | create (needs `name` and `assetType.id`; assigns `id` and a unique `customerKey`), list (`$filter` on dotted paths), get, query (`simpleOperator` `equal notEqual greaterThan greaterThanOrEqual lessThan lessThanOrEqual like contains in isNull isNotNull`, nested `AND`/`OR`, `sort`), update (merges fields), delete (then 404) | [`assets`](FakeMarketingCloud::assets), [`asset`](FakeMarketingCloud::asset), [`add_asset`](FakeMarketingCloud::add_asset) |
//! | contacts | create (a taken key fails) and update (an unknown key fails) with attribute sets; `operationStatus` `OK`, or a 400 with `FAIL` | [`contacts`](FakeMarketingCloud::contacts) |
//! | SOAP | see below | [`subscribers`](FakeMarketingCloud::subscribers), [`add_subscriber`](FakeMarketingCloud::add_subscriber), [`lists`](FakeMarketingCloud::lists), [`automations`](FakeMarketingCloud::automations), [`add_automation`](FakeMarketingCloud::add_automation), [`automation_runs`](FakeMarketingCloud::automation_runs) |
//!
//! **SOAP.** A request is checked in this order: `POST` (else 405); a SOAP envelope with a
//! body element (else an HTTP 500 fault); the `fueloauth` token (unknown or expired: MC's
//! HTTP 500 fault `Token Expired`, `faultcode` `soap:Client`); the `SOAPAction` header
//! (bare, quoted or a URI ending in the action) must match the body element (else a fault);
//! then the scopes of every (action, object type) the catalog lists: a missing one is an HTTP
//! 500 fault whose `faultstring` starts with `Insufficient Privileges` and names the scope
//! (MC's SOAP wording for this is unconfirmed).
//!
//! | object type | Retrieve | Create | Update | Delete | Perform |
//! |---|---|---|---|---|---|
//! | `DataExtension` | yes | | | | |
//! | `DataExtensionObject[X]` (X: a data extension's external key, or its name as MC uses) | yes | yes | yes | yes | |
//! | `Subscriber` | yes | yes | yes | yes | |
//! | `List` | yes | yes | | | |
//! | `Automation` | yes | | | | `start` |
//!
//! Retrieve returns the requested properties of the objects matching a `SimpleFilterPart`
//! (`equals notEquals greaterThan greaterThanOrEqual lessThan lessThanOrEqual like IN between
//! isNull isNotNull`) or `ComplexFilterPart`, [`soap_page_size`](FakeMarketingCloudBuilder::soap_page_size)
//! at a time (default 2,500) with `MoreDataAvailable`, a `RequestID` and `ContinueRequest`.
//! An unknown object type or property is reported in the `OverallStatus` (`Error: Unable to
//! find the object type T.`, `Error: The Request Property(s) ... do not match ...`), as MC
//! does, not as a fault. Create, Update, Delete and Perform answer one result per object
//! (`OverallStatus` `OK`, `Has Errors` or `Error`) with the fake's own `ErrorCode`s: 12000 a
//! required property is missing or invalid (a subscriber's `EmailAddress`, a list's
//! `ListName`, a row's primary key), 12001 the object does not exist, 12002 the action is not
//! supported on the object type, 12014 the object exists already. Subscribers are found by
//! `SubscriberKey` (defaulting to the `EmailAddress` on Create), else `ID`, else
//! `EmailAddress`; rows by `Keys` or the primary-key columns among their `Properties`.

mod api;
mod assets;
mod async_rows;
mod contacts;
mod data_extensions;
mod email;
mod faults;
mod filter;
mod journeys;
mod oauth;
mod package;
mod record;
mod server;
mod sms;
mod soap;
mod state;
mod token;
mod userinfo;
mod util;

#[cfg(test)]
mod operation_tests;
#[cfg(test)]
mod soap_tests;
#[cfg(test)]
mod tests;

use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use api::{operations, required_scopes, routes, EnforcedOperation, Route};
pub use contacts::StoredContact;
pub use data_extensions::DataExtensionRow;
pub use faults::Fault;
pub use journeys::{FakeJourney, JourneyEvent};
pub use oauth::{AuthorizingUser, CODE_LIFETIME};
pub use package::{Package, PackageKind, DEFAULT_MID};
pub use record::{RecordedRequest, RequestKind};
pub use sms::SmsSend;
pub use soap::{AutomationRun, SoapRecord};
pub use state::{EmailSend, IssuedToken};

use faults::FaultQueue;
use record::Recorder;
use state::{Config, InstanceUrls, Shared, State};
use util::lock;

use crate::{Clock, Credentials};

/// The tenant subdomain the fake plays unless told otherwise (a valid 28-character subdomain).
pub const DEFAULT_SUBDOMAIN: &str = "mc0fake0marketing0cloud00000";

/// The access-token lifetime the fake grants unless told otherwise (`expires_in: 1080`).
pub const DEFAULT_EXPIRES_IN: Duration = Duration::from_secs(1080);

/// Objects per SOAP Retrieve page unless told otherwise (MC's page size).
pub const DEFAULT_SOAP_PAGE_SIZE: usize = 2500;

/// A running fake Marketing Cloud. Cheap to clone; clones share the server and its state, and
/// the server shuts down when the last clone is dropped.
///
/// Start one with [`start`](Self::start) or configure it with [`builder`](Self::builder).
/// See the [module documentation](self) for what it does and an example.
#[derive(Clone)]
pub struct FakeMarketingCloud {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    addr: SocketAddr,
    /// Dropping it (with the last handle) tells the server to shut down.
    _shutdown: oneshot::Sender<()>,
}

/// Configures a [`FakeMarketingCloud`] before it starts. Made by
/// [`FakeMarketingCloud::builder`].
#[must_use = "a builder does nothing until `start` is called"]
pub struct FakeMarketingCloudBuilder {
    clock: Clock,
    expires_in: Duration,
    subdomain: String,
    instance_urls: Option<InstanceUrls>,
    packages: Vec<Package>,
    soap_page_size: usize,
}

impl fmt::Debug for FakeMarketingCloudBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeMarketingCloudBuilder")
            .field("clock", &self.clock)
            .field("expires_in", &self.expires_in)
            .field("subdomain", &self.subdomain)
            .field("instance_urls", &self.instance_urls)
            .field("packages", &self.packages)
            .field("soap_page_size", &self.soap_page_size)
            .finish()
    }
}

impl FakeMarketingCloudBuilder {
    /// Objects per SOAP Retrieve page ([`DEFAULT_SOAP_PAGE_SIZE`] unless set; 0 counts as 1):
    /// set it small to make a test follow `MoreDataAvailable` continuations.
    pub fn soap_page_size(mut self, size: usize) -> Self {
        self.soap_page_size = size.max(1);
        self
    }

    /// The clock tokens expire by (default [`Clock::System`]). With a
    /// [`ManualClock`](crate::ManualClock), tokens expire only when the test advances it.
    pub fn clock(mut self, clock: impl Into<Clock>) -> Self {
        self.clock = clock.into();
        self
    }

    /// The default access-token lifetime ([`DEFAULT_EXPIRES_IN`] unless set); a
    /// [`Package::expires_in`] overrides it. `expires_in` in responses is in whole seconds.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = lifetime;
        self
    }

    /// The tenant subdomain put in the [`Credentials`] the fake hands out
    /// ([`DEFAULT_SUBDOMAIN`] unless set). It is not validated, so tests can use bad ones.
    pub fn subdomain(mut self, subdomain: &str) -> Self {
        self.subdomain = subdomain.to_owned();
        self
    }

    /// Makes the token endpoint answer with these `rest_instance_url` and
    /// `soap_instance_url` values, verbatim, instead of the fake's own URL: for testing a
    /// client's refusal of foreign hosts (`"https://evil.example.com/"`) or its handling of
    /// bare hosts (`"mc...rest.marketingcloudapis.com"`). See also
    /// [`FakeMarketingCloud::set_instance_urls`].
    pub fn instance_urls(mut self, rest: &str, soap: &str) -> Self {
        self.instance_urls = Some(InstanceUrls {
            rest: rest.to_owned(),
            soap: soap.to_owned(),
        });
        self
    }

    /// Registers an installed package from the start.
    pub fn package(mut self, package: Package) -> Self {
        self.packages.push(package);
        self
    }

    /// Starts the server on `127.0.0.1` with an OS-assigned port, as a task on the current
    /// tokio runtime.
    ///
    /// # Panics
    /// When called outside a tokio runtime, or when no loopback port can be bound.
    pub async fn start(self) -> FakeMarketingCloud {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap_or_else(|e| panic!("the fake Marketing Cloud could not bind a port on 127.0.0.1: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("the fake Marketing Cloud could not read its address: {e}"));
        let mut state = State::new();
        state.instance_urls = self.instance_urls;
        for p in self.packages {
            state.packages.insert(p.client_id.clone(), p);
        }
        let shared = Arc::new(Shared {
            config: Config {
                base_url: format!("http://{addr}"),
                subdomain: self.subdomain,
                clock: self.clock,
                expires_in: self.expires_in,
                enterprise_id: DEFAULT_MID,
                soap_page_size: self.soap_page_size,
            },
            state: Mutex::new(state),
            recorder: Recorder::new(),
            faults: Mutex::new(FaultQueue::default()),
        });
        let (tx, rx) = oneshot::channel();
        server::spawn(listener, Arc::clone(&shared), rx);
        FakeMarketingCloud {
            inner: Arc::new(Inner {
                shared,
                addr,
                _shutdown: tx,
            }),
        }
    }
}

impl FakeMarketingCloud {
    /// Starts a fake with default settings: see [`FakeMarketingCloudBuilder::start`].
    pub async fn start() -> FakeMarketingCloud {
        Self::builder().start().await
    }

    /// A builder to configure the fake before starting it.
    pub fn builder() -> FakeMarketingCloudBuilder {
        FakeMarketingCloudBuilder {
            clock: Clock::System,
            expires_in: DEFAULT_EXPIRES_IN,
            subdomain: DEFAULT_SUBDOMAIN.to_owned(),
            instance_urls: None,
            packages: Vec::new(),
            soap_page_size: DEFAULT_SOAP_PAGE_SIZE,
        }
    }

    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.shared().state)
    }

    /// The base URL of the fake, `http://127.0.0.1:PORT` (no trailing slash). It serves the
    /// auth, REST and SOAP paths alike.
    pub fn url(&self) -> &str {
        &self.shared().config.base_url
    }

    /// The socket address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.inner.addr
    }

    /// The tenant subdomain the fake plays.
    pub fn subdomain(&self) -> &str {
        &self.shared().config.subdomain
    }

    /// The clock tokens expire by.
    pub fn clock(&self) -> &Clock {
        &self.shared().config.clock
    }

    // packages.

    /// Registers (or replaces, by client id) an installed package and returns credentials for
    /// it, pointing at the fake.
    pub fn register_package(&self, package: Package) -> Credentials {
        let creds = self.credentials_for(&package);
        self.state().packages.insert(package.client_id.clone(), package);
        creds
    }

    /// Registers a package with a random client id and secret, the given scopes and the
    /// default business unit ([`DEFAULT_MID`]), and returns its credentials.
    pub fn register_default_package<I, S>(&self, scopes: I) -> Credentials
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let package = Package::new(util::random_lower(24), util::random_alphanumeric(24)).scopes(scopes);
        self.register_package(package)
    }

    /// Credentials for a registered package: the fake's subdomain, the package's id and
    /// secret, no `account_id`, and `auth_url` set to [`url`](Self::url).
    ///
    /// # Panics
    /// When no package with this client id is registered.
    pub fn credentials(&self, client_id: &str) -> Credentials {
        let package = self
            .state()
            .packages
            .get(client_id)
            .cloned()
            .unwrap_or_else(|| panic!("no package with client id `{client_id}` is registered on the fake"));
        self.credentials_for(&package)
    }

    fn credentials_for(&self, package: &Package) -> Credentials {
        Credentials::builder()
            .subdomain(self.subdomain())
            .client_id(package.client_id.clone())
            .client_secret(package.client_secret.clone())
            .auth_url(self.url().to_owned())
            .build()
    }

    // tokens.

    /// Makes every token issued so far expired: API calls with them get 401.
    pub fn expire_tokens(&self) {
        for t in self.state().tokens.values_mut() {
            t.revoked = true;
        }
    }

    /// Makes every token issued so far to `client_id` expired.
    pub fn expire_token_of(&self, client_id: &str) {
        for t in self.state().tokens.values_mut().filter(|t| t.client_id == client_id) {
            t.revoked = true;
        }
    }

    /// The values of the access tokens issued so far, in issue order (for example to check
    /// that none of them shows up in logs).
    pub fn issued_tokens(&self) -> Vec<String> {
        let state = self.state();
        let mut tokens: Vec<(u64, &String)> = state.tokens.iter().map(|(v, t)| (t.serial, v)).collect();
        tokens.sort_by_key(|(serial, _)| *serial);
        tokens.into_iter().map(|(_, v)| v.clone()).collect()
    }

    /// What the fake knows about each token issued so far, in issue order, without the values.
    pub fn tokens(&self) -> Vec<IssuedToken> {
        let now = self.clock().now();
        let mut tokens: Vec<IssuedToken> = self
            .state()
            .tokens
            .values()
            .map(|t| IssuedToken {
                serial: t.serial,
                client_id: t.client_id.clone(),
                account_id: t.account_id,
                scopes: t.scopes.clone(),
                expired: t.is_expired(now),
            })
            .collect();
        tokens.sort_by_key(|t| t.serial);
        tokens
    }

    /// From now on, token responses carry these `rest_instance_url` and `soap_instance_url`
    /// values verbatim (see [`FakeMarketingCloudBuilder::instance_urls`]).
    pub fn set_instance_urls(&self, rest: &str, soap: &str) {
        self.state().instance_urls = Some(InstanceUrls {
            rest: rest.to_owned(),
            soap: soap.to_owned(),
        });
    }

    /// Token responses go back to carrying the fake's own URL, `http://127.0.0.1:PORT/`.
    pub fn reset_instance_urls(&self) {
        self.state().instance_urls = None;
    }

    // recorded requests.

    /// Every request received since the start (or the last
    /// [`clear_requests`](Self::clear_requests)), in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared().recorder.requests()
    }

    /// The `/v2/token` requests.
    pub fn token_requests(&self) -> Vec<RecordedRequest> {
        self.shared().recorder.requests_where(RecordedRequest::is_token_request)
    }

    /// The number of `/v2/token` requests.
    pub fn token_request_count(&self) -> usize {
        self.shared().recorder.counts().token
    }

    /// The number of `/v2/token` requests whose body named this `client_id`.
    pub fn token_request_count_for(&self, client_id: &str) -> usize {
        self.shared()
            .recorder
            .count_where(|r| r.is_token_request() && r.client_id() == Some(client_id))
    }

    /// The number of requests other than `/v2/token` (API calls, userinfo, unknown paths).
    pub fn api_request_count(&self) -> usize {
        self.shared().recorder.counts().api
    }

    /// Forgets the recorded requests; the counts start again from 0.
    pub fn clear_requests(&self) {
        self.shared().recorder.clear();
    }

    /// Waits until at least `n` token requests have arrived (counted like
    /// [`token_request_count`](Self::token_request_count)). Woken by each request: no polling.
    /// Wrap it in `tokio::time::timeout` if it might never happen.
    pub async fn wait_for_token_requests(&self, n: usize) {
        self.shared().recorder.wait_until(|c| c.token >= n).await;
    }

    /// Waits until at least `n` API requests have arrived (counted like
    /// [`api_request_count`](Self::api_request_count)).
    pub async fn wait_for_api_requests(&self, n: usize) {
        self.shared().recorder.wait_until(|c| c.api >= n).await;
    }

    // faults.

    /// Queues a fault for the next matching requests.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared().faults).push(fault);
    }

    /// Removes every queued fault.
    pub fn clear_faults(&self) {
        lock(&self.shared().faults).clear();
    }

    /// How many more requests queued faults will hit.
    pub fn pending_faults(&self) -> usize {
        lock(&self.shared().faults).pending()
    }

    // API state.

    /// Stores a transactional email definition as `POST /messaging/v1/email/definitions` would.
    ///
    /// # Panics
    /// When `definition` is not an object with non-empty `definitionKey` and `name`, or its key
    /// is taken.
    pub fn add_email_definition(&self, definition: Value) {
        let Value::Object(map) = definition else {
            panic!("an email definition must be a JSON object");
        };
        let mut state = self.state();
        if let Err(e) = email::store_definition(&mut state.email.definitions, map) {
            panic!("invalid email definition: {}", e.message);
        }
    }

    /// The stored transactional email definitions, in creation order.
    pub fn email_definitions(&self) -> Vec<Value> {
        self.state().email.definitions.clone()
    }

    /// The recorded transactional email sends, in arrival order.
    pub fn email_sends(&self) -> Vec<EmailSend> {
        self.state().email.sends.clone()
    }

    /// Stores a transactional SMS definition as `POST /messaging/v1/sms/definitions` would.
    ///
    /// # Panics
    /// When `definition` is not an object with non-empty `definitionKey` and `name`, or its key
    /// is taken.
    pub fn add_sms_definition(&self, definition: Value) {
        let Value::Object(map) = definition else {
            panic!("an SMS definition must be a JSON object");
        };
        let mut state = self.state();
        if let Err(e) = email::store_definition(&mut state.sms.definitions, map) {
            panic!("invalid SMS definition: {}", e.message);
        }
    }

    /// The stored transactional SMS definitions, in creation order.
    pub fn sms_definitions(&self) -> Vec<Value> {
        self.state().sms.definitions.clone()
    }

    /// The recorded transactional SMS sends (one per recipient), in arrival order.
    pub fn sms_sends(&self) -> Vec<SmsSend> {
        self.state().sms.sends.clone()
    }

    /// The rows of a data extension, by external key, in insertion order (empty if unknown).
    pub fn data_extension_rows(&self, key: &str) -> Vec<DataExtensionRow> {
        self.state()
            .data_extensions
            .get(key)
            .map(|de| de.rows.clone())
            .unwrap_or_default()
    }

    /// The external keys of the data extensions the fake knows, sorted.
    pub fn data_extension_keys(&self) -> Vec<String> {
        self.state().data_extensions.keys().cloned().collect()
    }

    /// Defines a data extension (or redefines one, keeping its rows): external key `key`,
    /// `name` (used by SOAP `DataExtensionObject[name]` and `DataExtension` retrieves), and its
    /// primary-key columns (they split async and SOAP rows into keys and values).
    pub fn add_data_extension<I, S>(&self, key: &str, name: &str, primary_keys: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut state = self.state();
        let de = state
            .data_extensions
            .entry(key.to_owned())
            .or_insert_with(|| data_extensions::DataExtension::new(key));
        de.name = name.to_owned();
        de.primary_keys = primary_keys.into_iter().map(Into::into).collect();
        for k in de.primary_keys.clone() {
            if !de.has_column(&k) {
                de.columns.push(k);
            }
        }
    }

    /// Upserts rows into data extension `key` (created if new) as the synchronous rowset
    /// endpoint would: rows with the same keys merge. A data extension without a primary key
    /// takes the key columns of the first row.
    pub fn add_data_extension_rows(&self, key: &str, rows: impl IntoIterator<Item = DataExtensionRow>) {
        let mut state = self.state();
        data_extensions::upsert_keyed(&mut state.data_extensions, key, rows.into_iter().collect());
    }

    /// Makes the status of each asynchronous row request created from now on answer
    /// `"Pending"` for its first `polls` status polls (and its results be empty meanwhile),
    /// to exercise a client's polling. 0 (the default) answers `"Complete"` at once.
    pub fn set_async_pending_polls(&self, polls: u32) {
        self.state().async_pending_polls = polls;
    }

    /// Adds a journey (served by `/interaction/v1/interactions`; its entry event key is
    /// accepted by `/interaction/v1/events`) and returns its id.
    pub fn add_journey(&self, journey: FakeJourney) -> String {
        self.state().journeys.add(journey)
    }

    /// The journeys, as the fake serves them, in creation order.
    pub fn journeys(&self) -> Vec<Value> {
        self.state().journeys.journeys.clone()
    }

    /// The recorded journey entry events, in arrival order.
    pub fn journey_events(&self) -> Vec<JourneyEvent> {
        self.state().journeys.events.clone()
    }

    /// Stores a Content Builder asset as `POST /asset/v1/content/assets` would and returns its
    /// id.
    ///
    /// # Panics
    /// When `asset` is not an object with a non-empty `name` and an `assetType` with a numeric
    /// `id`, or its `customerKey` is taken.
    pub fn add_asset(&self, asset: Value) -> i64 {
        let Value::Object(map) = asset else {
            panic!("an asset must be a JSON object");
        };
        match self.state().assets.create(map) {
            Ok(stored) => stored.get("id").and_then(Value::as_i64).unwrap_or_default(),
            Err(e) => panic!("invalid asset: {}", e.message),
        }
    }

    /// The Content Builder assets, as the fake serves them, in creation order.
    pub fn assets(&self) -> Vec<Value> {
        self.state().assets.assets.clone()
    }

    /// One asset by id, as the fake serves it.
    pub fn asset(&self, id: i64) -> Option<Value> {
        self.state()
            .assets
            .assets
            .iter()
            .find(|a| a.get("id").and_then(Value::as_i64) == Some(id))
            .cloned()
    }

    /// The contacts, in creation order.
    pub fn contacts(&self) -> Vec<StoredContact> {
        self.state().contacts.contacts.clone()
    }

    /// The SOAP subscribers, in creation order.
    pub fn subscribers(&self) -> Vec<SoapRecord> {
        self.state().soap.subscribers.clone()
    }

    /// Adds (or replaces, by key) a SOAP subscriber with status `Active`; returns its `ID`.
    pub fn add_subscriber(&self, subscriber_key: &str, email: &str) -> String {
        self.state().soap.add_subscriber(subscriber_key, email)
    }

    /// The SOAP lists, in creation order.
    pub fn lists(&self) -> Vec<SoapRecord> {
        self.state().soap.lists.clone()
    }

    /// Adds (or replaces, by key) an automation that SOAP can retrieve and start; returns its
    /// `ObjectID`.
    pub fn add_automation(&self, customer_key: &str, name: &str) -> String {
        self.state().soap.add_automation(customer_key, name)
    }

    /// The automations, in creation order.
    pub fn automations(&self) -> Vec<SoapRecord> {
        self.state().soap.automations.clone()
    }

    /// Every automation start (SOAP `Perform` `start`), in arrival order.
    pub fn automation_runs(&self) -> Vec<AutomationRun> {
        self.state().soap.automation_runs.clone()
    }

    /// Sets the user who signs in at `/v2/authorize` (approved at once, with these
    /// permissions, `tssd` and choice).
    pub fn set_authorizing_user(&self, user: AuthorizingUser) {
        self.state().oauth.user = user;
    }

    /// For every refresh token issued so far, in issue order: how many refresh requests
    /// presented it. With a client that never reuses a refresh token, every count is 0 or 1.
    pub fn refresh_token_uses(&self) -> Vec<u32> {
        let state = self.state();
        state
            .oauth
            .refresh_order
            .iter()
            .map(|t| state.oauth.refresh_tokens.get(t).map_or(0, |r| r.uses))
            .collect()
    }

    /// The values of the refresh tokens issued so far, in issue order (to check that none of
    /// them shows up in errors or logs).
    pub fn issued_refresh_tokens(&self) -> Vec<String> {
        self.state().oauth.refresh_order.to_vec()
    }

    /// Revokes every refresh token (the user signed out without the `offline` scope): the
    /// next refresh gets `invalid_grant`.
    pub fn revoke_refresh_tokens(&self) {
        for r in self.state().oauth.refresh_tokens.values_mut() {
            r.revoke();
        }
    }
}

impl fmt::Debug for FakeMarketingCloud {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (packages, tokens) = {
            let state = self.state();
            (state.packages.keys().cloned().collect::<Vec<_>>(), state.tokens.len())
        };
        let counts = self.shared().recorder.counts();
        f.debug_struct("FakeMarketingCloud")
            .field("url", &self.url())
            .field("subdomain", &self.subdomain())
            .field("packages", &packages)
            .field("tokens_issued", &tokens)
            .field("token_requests", &counts.token)
            .field("api_requests", &counts.api)
            .finish()
    }
}
