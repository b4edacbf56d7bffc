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
//!   A route of MC's permission table ([`crate::scope::ROUTES`]) that the fake does not
//!   implement answers 404 with errorcode [`NOT_SERVED_ERRORCODE`] and a message that says the
//!   fake does not serve it (naming the route), before any token check.
//! - **SOAP** (`POST /Service.asmx`, token in the `fueloauth` header) serves Retrieve,
//!   Create, Update, Delete, Perform and Execute on the catalog's SOAP object types, with scope
//!   checks per action and object type, and business-unit visibility on every Retrieve.
//! - Tokens expire by the fake's [`Clock`] (inject a [`ManualClock`](crate::ManualClock) to
//!   control it) or on demand ([`tokens().expire_all`](TokensView::expire_all)).
//! - **Every request is recorded** ([`requests().all`](RequestsView::all),
//!   [`requests().token_count`](RequestsView::token_count), ...), and tests can
//!   await request counts without sleeping
//!   ([`requests().wait_for_token_count`](RequestsView::wait_for_token_count)).
//! - **Faults** (status codes, rate limiting, delays, malformed bodies, spurious 401s, SOAP
//!   faults) can be injected for the next N requests, or every n-th ([`Fault::every`]), with
//!   [`FakeMarketingCloud::inject`].
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
//! assert_eq!(fake.requests().token_count_for("my-client-id"), 1);
//! assert_eq!(fake.requests().token_requests()[0].json().unwrap()["client_secret"], "my-client-secret");
//! assert!(!format!("{:?}", fake.requests().all()).contains("my-client-secret"));
//!
//! fake.inject(Fault::status(503).only_api_requests());
//! let get = || http.get(format!("{}/v2/userinfo", fake.url())).header("Authorization", &bearer);
//! assert_eq!(get().send().await.unwrap().status(), 503);
//! assert_eq!(get().send().await.unwrap().status(), 200);
//!
//! fake.tokens().expire_all();
//! assert_eq!(get().send().await.unwrap().status(), 401);
//! # });
//! ```
//!
//! # The face
//!
//! [`FakeMarketingCloud`] itself holds the lifecycle ([`start`](FakeMarketingCloud::start),
//! [`builder`](FakeMarketingCloud::builder); it stops when the last clone is dropped), where it
//! is ([`url`](FakeMarketingCloud::url), [`addr`](FakeMarketingCloud::addr),
//! [`subdomain`](FakeMarketingCloud::subdomain)), its [`clock`](FakeMarketingCloud::clock),
//! installed packages ([`register_package`](FakeMarketingCloud::register_package),
//! [`register_default_package`](FakeMarketingCloud::register_default_package),
//! [`credentials`](FakeMarketingCloud::credentials)), the instance URLs its tokens carry
//! ([`set_instance_urls`](FakeMarketingCloud::set_instance_urls),
//! [`reset_instance_urls`](FakeMarketingCloud::reset_instance_urls)), faults
//! ([`inject`](FakeMarketingCloud::inject), [`clear_faults`](FakeMarketingCloud::clear_faults),
//! [`pending_faults`](FakeMarketingCloud::pending_faults)), latency of every API call
//! ([`set_latency`](FakeMarketingCloud::set_latency), for measuring loads) and a browser for web-app sign-ins
//! ([`authorize`](FakeMarketingCloud::authorize); a real browser gets a login page and a
//! consent page at `/v2/authorize`, as from Marketing Cloud). Everything else is reached through a view,
//! a small handle borrowing the fake:
//!
//! | view | what it holds |
//! |---|---|
//! | [`fake.tokens()`](TokensView) | the access tokens issued: [`issued`](TokensView::issued) (metadata), [`values`](TokensView::values); [`expire_all`](TokensView::expire_all), [`expire_client`](TokensView::expire_client) |
//! | [`fake.requests()`](RequestsView) | every request received: [`all`](RequestsView::all), [`token_requests`](RequestsView::token_requests), [`token_count`](RequestsView::token_count), [`token_count_for`](RequestsView::token_count_for), [`api_count`](RequestsView::api_count), [`clear`](RequestsView::clear), [`wait_for_token_count`](RequestsView::wait_for_token_count), [`wait_for_api_count`](RequestsView::wait_for_api_count) |
//! | [`fake.email()`](EmailView), [`fake.sms()`](SmsView) | transactional messaging: [`definitions`](EmailView::definitions), [`add_definition`](EmailView::add_definition), [`sends`](EmailView::sends) |
//! | [`fake.data_extensions()`](DataExtensionsView) | data extensions and rows: [`add`](DataExtensionsView::add), [`keys`](DataExtensionsView::keys), [`rows`](DataExtensionsView::rows), [`row_count`](DataExtensionsView::row_count), [`add_rows`](DataExtensionsView::add_rows), [`set_async_pending_polls`](DataExtensionsView::set_async_pending_polls), [`set_async_completion_delay`](DataExtensionsView::set_async_completion_delay), [`rows_received`](DataExtensionsView::rows_received), [`duplicate_rows_received`](DataExtensionsView::duplicate_rows_received) |
//! | [`fake.journeys()`](JourneysView) | journeys: [`add`](JourneysView::add), [`list`](JourneysView::list), [`events`](JourneysView::events) |
//! | [`fake.assets()`](AssetsView) | Content Builder: [`add`](AssetsView::add), [`list`](AssetsView::list), [`get`](AssetsView::get) |
//! | [`fake.contacts()`](ContactsView) | contacts: [`list`](ContactsView::list) |
//! | [`fake.soap()`](SoapView) | SOAP objects: [`subscribers`](SoapView::subscribers), [`add_subscriber`](SoapView::add_subscriber), [`lists`](SoapView::lists) |
//! | [`fake.automations()`](AutomationsView) | Automation Studio: [`add`](AutomationsView::add), [`list`](AutomationsView::list), [`set_status`](AutomationsView::set_status), [`runs`](AutomationsView::runs), [`set_pending_polls`](AutomationsView::set_pending_polls), [`put_file`](AutomationsView::put_file), [`add_file_transfer`](AutomationsView::add_file_transfer), [`query_definitions`](AutomationsView::query_definitions), [`imports`](AutomationsView::imports), [`tasks`](AutomationsView::tasks) |
//! | [`fake.business_units()`](BusinessUnitsView) | business units and objects in them: [`add`](BusinessUnitsView::add) (a child unit), [`list`](BusinessUnitsView::list), [`add_subscriber`](BusinessUnitsView::add_subscriber), [`add_list`](BusinessUnitsView::add_list), [`memberships`](BusinessUnitsView::memberships) (status per list) |
//! | [`fake.package(id)`](PackageView) | one package's client secrets: [`stage_secret`](PackageView::stage_secret) (at most once per 5 minutes), [`activate_staged`](PackageView::activate_staged), [`revoke`](PackageView::revoke), [`expire_secret_at`](PackageView::expire_secret_at), [`accepts`](PackageView::accepts) |
//! | [`fake.web()`](WebView) | web and public apps: [`set_user`](WebView::set_user) (who signs in), [`add_user`](WebView::add_user) (more users for a browser), [`refresh_tokens`](WebView::refresh_tokens), [`refresh_token_uses`](WebView::refresh_token_uses), [`revoke_refresh_tokens`](WebView::revoke_refresh_tokens) |
//!
//! # What the fake serves
//!
//! Error bodies are MC's `{"documentation", "errorcode", "message"}`; where MC's errorcode for
//! a case is unknown the fake uses its own (10000 for data, asset and contact validation,
//! 10001 for messaging, 30000 for journeys). Lists take `$page` (1-based) and `$pageSize`.
//!
//! | family | behaviour | inspect / seed |
//! |---|---|---|
//! | transactional email | definitions: create (needs `definitionKey`, `name`), list, get, update (merges fields; the key cannot change), delete; sends of one or a batch (a known definition, recipients with `to` or `contactKey`, batch message keys generated when missing) answer 202; message status | [`email().definitions`](EmailView::definitions), [`email().sends`](EmailView::sends), [`email().add_definition`](EmailView::add_definition) |
//! | transactional SMS | the same rules: definitions create and list, sends of one or a batch | [`sms().definitions`](SmsView::definitions), [`sms().sends`](SmsView::sends), [`sms().add_definition`](SmsView::add_definition) |
//! | data extension rows | one store per external key, shared by REST and SOAP; synchronous upsert; async insert (`POST`) / upsert (`PUT`) answering 202 with a `requestId`, per-item results (duplicate or missing primary key), status `Complete` (or `Pending` for a set number of polls or a set time), rows received counted per data extension (and rows received twice); row queries with real paging (at most 2,500 a page) and `$filter` (`Col eq 'v'`, also `ne gt ge lt le like`, `and`, `or`, parentheses; anything else a 400). Names and key values compare case-insensitively | [`data_extensions().rows`](DataExtensionsView::rows), [`data_extensions().keys`](DataExtensionsView::keys), [`data_extensions().add`](DataExtensionsView::add) (name and primary key), [`data_extensions().add_rows`](DataExtensionsView::add_rows), [`data_extensions().set_async_pending_polls`](DataExtensionsView::set_async_pending_polls) |
//! | journeys | entry events answer 201 with an `eventInstanceId` **only for event definition keys of added journeys** (others: 400, so typos show); list and get (by id, or `key:{key}`) | [`journeys().events`](JourneysView::events), [`journeys().list`](JourneysView::list), [`journeys().add`](JourneysView::add) with [`FakeJourney`] |
//! | Content Builder | create (needs `name` and `assetType.id`; assigns `id` and a unique `customerKey`), list (`$filter` on dotted paths), get, query (`simpleOperator` `equal notEqual greaterThan greaterThanOrEqual lessThan lessThanOrEqual like contains in isNull isNotNull`, nested `AND`/`OR`, `sort`), update (merges fields), delete (then 404) | [`assets().list`](AssetsView::list), [`assets().get`](AssetsView::get), [`assets().add`](AssetsView::add) |
//! | contacts | create (a taken key fails) and update (an unknown key fails) with attribute sets; `operationStatus` `OK`, or a 400 with `FAIL` | [`contacts().list`](ContactsView::list) |
//! | SOAP | see below | [`soap().subscribers`](SoapView::subscribers), [`soap().add_subscriber`](SoapView::add_subscriber), [`soap().lists`](SoapView::lists), [`automations()`](AutomationsView) |
//!
//! **SOAP.** A request is checked in this order: `POST` (else 405); a SOAP envelope with a
//! body element (else an HTTP 500 fault); the `fueloauth` token (unknown or expired: MC's
//! HTTP 500 fault `Token Expired`, `faultcode` `soap:Client`); the `SOAPAction` header
//! (bare, quoted or a URI ending in the action) must match the body element (else a fault);
//! then the scopes of the action on every object type of the request that the catalog's SOAP
//! object table lists ([`mc_auth::soap::OBJECTS`](crate::soap::OBJECTS), the table typed
//! clients' `soap().create::<soap::Subscriber>(..)` is bounded on): a missing one is an HTTP
//! 500 fault `Insufficient Privileges: {action} on {object} needs the scope(s) {scopes}.`
//! (MC's SOAP wording for this is unconfirmed), and an action the catalog does not offer on a
//! listed object is a fault saying so. Object types outside the catalog are not scope-checked.
//!
//! | object type | Retrieve | Create | Update | Delete | Perform | Describe |
//! |---|---|---|---|---|---|---|
//! | `DataExtension` | yes | yes (with typed `Fields`, checked as MC does; rows written later are checked against them) | | | `ClearData` | yes |
//! | `DataExtensionField` (filter on `DataExtension.CustomerKey`) | yes | | | | | |
//! | `DataFolder` (a top-level folder per content type: `dataextension`, `email`, `list`) | yes | yes (under a parent, of its content type) | | | | |
//! | `DataExtensionObject[X]` (X: a data extension's external key, or its name as MC uses) | yes | yes | yes | yes | | |
//! | `Subscriber` (per business unit; a plain Create of a taken `SubscriberKey` is 12014, `SaveOptions` `*` `UpdateAdd` updates it; `Lists` set the status per list) | yes | yes | yes | yes | | yes |
//! | `List` (per business unit; the same save mechanism) | yes | yes (and `UpdateAdd`) | yes | | | yes |
//! | `ListSubscriber` (one per subscriber and list: `ListID`, `SubscriberKey`, `Status`) | yes | | | | | |
//! | `BusinessUnit` (the tenant's tree; [`business_units`](FakeMarketingCloud::business_units)) | yes | | | | | |
//! | `LogUnsubEvent` (Execute: unsubscribes from `ListID`, or from everything, and logs an `UnsubEvent` that tracking Retrieves return) | | | | | | |
//! | `Automation` ([`automations`](FakeMarketingCloud::automations)) | yes | | | | `start` (a paused one is refused) | yes |
//! | `AutomationInstance` | yes (`Status` 3 for a set number of polls, then finished) | | | | | |
//! | `QueryDefinition` | yes | yes | yes | | `start` by `ObjectID` (the SQL is recorded, never executed) | |
//! | `ImportDefinition` | | yes (`DestinationObject` of `xsi:type` `DataExtension`) | | | `start` (counts the rows of a file seeded with `put_file`) | |
//! | `ImportResultsSummary`, `AsyncActivityStatus` | yes (by `TaskResultID`, `TaskID`) | | | | | |
//! | `FileTransferActivity` | | | | | `start` | |
//!
//! | `TriggeredSendDefinition` (per business unit; [`triggered_sends`](FakeMarketingCloud::triggered_sends)) | yes | | yes (`TriggeredSendStatus` `Active` starts, `Inactive` pauses) | | | |
//! | `TriggeredSend` | | yes (sends, or queues while paused; 17000 / 17010 as MC) | | | | |
//! | `SentEvent` `OpenEvent` `ClickEvent` `BounceEvent` `UnsubEvent` `NotSentEvent` (per business unit; [`tracking`](FakeMarketingCloud::tracking)) | yes | | | | | |
//!
//! Schedule `pause` on an `Automation` pauses it (MC's documented pause); Execute of
//! `LogUnsubEvent` is the only Execute modelled.
//!
//! Create, Update, Delete, Perform and Execute answer one result per object, `OverallStatus`
//! `OK`, `Has Errors` (some failed, on HTTP 200, as MC does) or `Error`. The per-object
//! `ErrorCode`s are the fake's own:
//!
//! | ErrorCode | meaning |
//! |---|---|
//! | 12000 | a required property is missing or invalid (a subscriber's `EmailAddress`, a list's `ListName`, a row's primary-key columns, a value that breaks a field's type or length, ...) |
//! | 12001 | the object to update, delete or start does not exist |
//! | 12002 | the fake does not support this action on this object type |
//! | 12014 | the object exists already (a `SubscriberKey`, a list's `CustomerKey`, a row's primary key, a folder's name) |
//!
//! Everything else the catalog lists passes the scope check and then gets a documented answer
//! that says the fake does not model it, never a silent success: Retrieve is `OverallStatus`
//! `Error: Unable to find the object type T.`; Create, Update, Delete, Perform, and every
//! Schedule and Configure, answer each object with `ErrorCode` 12002 (`The fake Marketing Cloud
//! does not model Schedule on T.`); Describe is a `soap:Client` fault (`The fake Marketing
//! Cloud does not model Describe on T.`).
//!
//! **Business units.** Every stored object belongs to one unit (its `Client.ID`). A Retrieve
//! returns the token's own unit's objects; with `QueryAllAccounts` also those of every unit
//! below it; with `ClientIDs` only the units named among those. A child unit's token never
//! reads its parent or siblings, even when it names them in `ClientIDs`. The fake starts with
//! one unit, the enterprise [`DEFAULT_MID`]; add children with
//! [`business_units().add`](BusinessUnitsView::add).
//!
//! Filters compare date-times as instants: `DateValue`s with any offset, and MC's offset-less
//! answers read as Central Standard Time (UTC−6).
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
mod authorize_page;
mod browser;
mod contacts;
mod data_extensions;
mod endpoint;
mod faults;
mod filter;
mod journeys;
mod message_definition_sends;
mod messaging;
mod model;
mod oauth;
mod record;
mod rotation;
mod server;
mod soap;
mod state;
mod token;
mod userinfo;
mod util;
mod views;

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

use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub use api::{example_path, operations, required_scopes, routes, EnforcedOperation, Route, NOT_SERVED_ERRORCODE};
pub use browser::AuthorizeRedirect;
pub use data_extensions::DataExtensionRow;
pub use faults::{Fault, SOAP_THROTTLED};
pub use model::automation::{
    ActivityTask, AutomationRun, FakeAutomation, FakeFileTransfer, FakeImportDefinition, FakeQueryDefinition, TaskKind,
};
pub use model::contacts::StoredContact;
pub use model::journeys::{FakeJourney, JourneyEvent};
pub use model::messaging::{EmailSend, SmsSend};
pub use model::packages::{Package, PackageKind, RotationRefused, DEFAULT_MID, SECRET_LIFETIME, STAGE_INTERVAL};
pub use model::tokens::{AuthorizingUser, CODE_LIFETIME};
pub use record::{RecordedRequest, RequestKind};
pub use rotation::PackageView;
pub use soap::{AutomationsView, BusinessUnitsView, SoapRecord};
pub use soap::{FakeEvent, TrackingView, TriggeredSendRecord, TriggeredSendsView};
pub use state::IssuedToken;
pub use views::{
    AssetsView, ContactsView, DataExtensionsView, EmailView, JourneysView, RequestsView, SmsView, SoapView, TokensView,
    WebView,
};

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

/// Where a response redirects to, when it is a redirect with a usable `Location`.
fn redirect_of(response: &crate::reqwest::Response) -> Option<AuthorizeRedirect> {
    let location = response
        .headers()
        .get(crate::reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())?;
    response
        .status()
        .is_redirection()
        .then(|| AuthorizeRedirect::new(location.to_owned()))
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
            rows: Arc::clone(&state.rows),
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

    /// The rows lock's state, taken without holding the state lock.
    fn rows(&self) -> std::sync::MutexGuard<'_, state::Rows> {
        lock(&self.shared().rows)
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
            .client_secret(package.secrets.current())
            .auth_url(self.url().to_owned())
            .build()
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

    /// Makes every API call (REST and SOAP, not token requests) wait this long before it is
    /// answered, as a far-away server would: for measuring loads (`Duration::ZERO`, the
    /// default, answers at once). Faulted requests are answered without it.
    pub fn set_latency(&self, latency: Duration) {
        self.state().latency = latency;
    }

    /// Plays the browser of a web-app sign-in: opens `authorize_url` (the `/v2/authorize`
    /// URL an app's [`authorize_url`](crate::web::App::authorize_url) made), and on the login
    /// page it shows signs in as the user set with [`web().set_user`](WebView::set_user) and
    /// presses Allow on the consent page (Deny when that user
    /// [`declines`](AuthorizingUser::declines)). Returns where MC sends the browser back: the
    /// redirect URI with `code`, `state` and `tssd` (or an OAuth `error`, such as
    /// `access_denied`, or `unauthorized_client` for a server-to-server package).
    ///
    /// A real browser gets the same pages; see the browser tests for one driven by Chromium.
    ///
    /// ```
    /// use mc_auth::testing::{FakeMarketingCloud, Package};
    /// use mc_auth::web::{App, WebAppConfig};
    ///
    /// # tokio::runtime::Runtime::new().unwrap().block_on(async {
    /// let fake = FakeMarketingCloud::start().await;
    /// let redirect_uri = "https://app.example.com/callback";
    /// fake.register_package(Package::web_app("web-id", "web-secret", redirect_uri).scopes(["email_read"]));
    /// let config = WebAppConfig::builder()
    ///     .subdomain(fake.subdomain())
    ///     .client_id("web-id")
    ///     .client_secret("web-secret")
    ///     .redirect_uri(redirect_uri)
    ///     .auth_url(fake.url())
    ///     .build();
    /// let app = App::web(config, ["email_read"], "Docs").unwrap();
    ///
    /// let (url, pending) = app.authorize_url().unwrap();
    /// let redirect = fake.authorize(&url).await;
    /// assert!(redirect.url().starts_with(redirect_uri));
    /// assert_eq!(redirect.state(), Some(pending.state().as_str()));
    /// assert!(redirect.code().is_some());
    /// let client: mc_auth::Client = app.complete(pending, redirect.url()).await.unwrap();
    /// # let _ = client;
    /// # });
    /// ```
    ///
    /// # Panics
    /// When the request fails or the fake does not answer with a redirect (a 400 page for an
    /// unknown client or redirect URI, as MC shows instead of redirecting).
    pub async fn authorize(&self, authorize_url: &str) -> AuthorizeRedirect {
        let browser = crate::reqwest::Client::builder()
            .redirect(crate::reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_else(|e| panic!("the fake's browser could not be built: {e}"));
        let response = browser
            .get(authorize_url)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the browser could not reach {authorize_url}: {e}"));
        if let Some(redirect) = redirect_of(&response) {
            return redirect;
        }
        let status = response.status();
        if status != crate::reqwest::StatusCode::OK {
            let page = response.text().await.unwrap_or_default();
            panic!("the authorize URL answered HTTP {status} without a redirect: {page}")
        }
        // The login page: submit it and the consent page in one post, as the set user.
        let (username, declines) = {
            let state = self.state();
            (state.oauth.user.username.clone(), state.oauth.user.declines)
        };
        let (action, query) = authorize_url.split_once('?').unwrap_or((authorize_url, ""));
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            if authorize_page::CARRIED_PARAMS.contains(&k.as_ref()) {
                form.append_pair(&k, &v);
            }
        }
        form.append_pair("username", &username);
        form.append_pair("decision", if declines { "deny" } else { "allow" });
        let response = browser
            .post(action)
            .header(
                crate::reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(form.finish())
            .send()
            .await
            .unwrap_or_else(|e| panic!("the browser could not post the consent form to {action}: {e}"));
        match redirect_of(&response) {
            Some(redirect) => redirect,
            None => {
                let status = response.status();
                let page = response.text().await.unwrap_or_default();
                panic!("the consent form answered HTTP {status} without a redirect: {page}")
            }
        }
    }

    /// One installed package's client secrets: stage, activate, expire and revoke them, as
    /// in a Marketing Cloud secret rotation.
    ///
    /// # Panics
    /// When no package with this client id is registered (here or in the view's methods).
    pub fn package<'a>(&'a self, client_id: &'a str) -> PackageView<'a> {
        assert!(
            self.state().packages.contains_key(client_id),
            "no package with client id `{client_id}` is registered on the fake"
        );
        PackageView { fake: self, client_id }
    }

    /// The access tokens issued: their values and metadata; expiry on demand.
    pub fn tokens(&self) -> TokensView<'_> {
        TokensView { fake: self }
    }

    /// The recorded requests: all of them, the token requests, counts, waiting for counts.
    pub fn requests(&self) -> RequestsView<'_> {
        RequestsView { fake: self }
    }

    /// Transactional email: definitions and sends.
    pub fn email(&self) -> EmailView<'_> {
        EmailView { fake: self }
    }

    /// Transactional SMS: definitions and sends.
    pub fn sms(&self) -> SmsView<'_> {
        SmsView { fake: self }
    }

    /// Data extensions and their rows (REST and SOAP share them).
    pub fn data_extensions(&self) -> DataExtensionsView<'_> {
        DataExtensionsView { fake: self }
    }

    /// Journeys and their entry events.
    pub fn journeys(&self) -> JourneysView<'_> {
        JourneysView { fake: self }
    }

    /// Content Builder assets.
    pub fn assets(&self) -> AssetsView<'_> {
        AssetsView { fake: self }
    }

    /// Contacts.
    pub fn contacts(&self) -> ContactsView<'_> {
        ContactsView { fake: self }
    }

    /// SOAP subscribers and lists.
    pub fn soap(&self) -> SoapView<'_> {
        SoapView { fake: self }
    }

    /// SOAP tracking events (`SentEvent`, `OpenEvent`, `ClickEvent`, ...): add them for
    /// Retrieve to serve.
    pub fn tracking(&self) -> TrackingView<'_> {
        TrackingView { fake: self }
    }

    /// Business units: the tenant's tree (add children of the enterprise
    /// [`DEFAULT_MID`]), and subscribers and lists seeded into one unit. A Retrieve reads the
    /// token's unit, `QueryAllAccounts` the units below it too, `ClientIDs` the ones named.
    pub fn business_units(&self) -> BusinessUnitsView<'_> {
        BusinessUnitsView { fake: self }
    }

    /// SOAP triggered send definitions (start, pause) and the subscribers sent to.
    pub fn triggered_sends(&self) -> TriggeredSendsView<'_> {
        TriggeredSendsView { fake: self }
    }

    /// Automation Studio over SOAP: automations, runs, query activities, imports, file
    /// transfers, files for imports.
    pub fn automations(&self) -> AutomationsView<'_> {
        AutomationsView { fake: self }
    }

    /// Web and public apps: the user who signs in, the refresh tokens.
    pub fn web(&self) -> WebView<'_> {
        WebView { fake: self }
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
