//! The SOAP API: Retrieve (with continuation, awaited or streamed), Create, Update, Delete,
//! Perform, Schedule, Configure and Describe.
//!
//! **Typed clients** (`#[mc_client]` types, with `mc_auth::api::prelude::*`) reach SOAP through
//! [`ScopedSoap::soap`]: every call names the object type, and compiles only when the client
//! declares the scopes of that action on that object:
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use mc_auth::api::prelude::*;
//! use mc_auth::soap::{self, RetrieveRequest, SimpleFilter};
//! use mc_auth::mc_client;
//!
//! #[mc_client(scopes = "tracking_events_read")]
//! struct Tracking;
//!
//! # async fn run(t: Tracking) -> mc_auth::Result<()> {
//! let request = RetrieveRequest::of::<soap::SentEvent>(["SubscriberKey", "EventDate"])
//!     .filter(SimpleFilter::equals("TriggeredSendDefinitionObjectID", "welcome"));
//! let mut events = t.soap().retrieve::<soap::SentEvent>(request).stream(); // one page at a time
//! while let Some(event) = events.next().await {
//!     println!("{:?}", event?.get("SubscriberKey"));
//! }
//! # Ok(()) }
//! ```
//!
//! The object types are the marker types of this module ([`Subscriber`], [`SentEvent`], ...;
//! [`OBJECTS`] is the whole table), generated from the `[[soap_object]]` tables of the
//! repository's `scopes.toml`; each implements the action traits ([`Retrieve`], [`Create`],
//! ...) it offers, whose `Scopes` the calls are bounded on. Marketing Cloud publishes no scope
//! table for SOAP objects, so those mappings are this project's (each object's docs give the
//! source). The fake Marketing Cloud checks the same table at run time.
//!
//! **The unchecked way**, for any object type: the runtime [`Client::soap`] (from a typed client,
//! `client.client().soap()`); the caller vouches that the token's scopes cover the call.
//!
//! ```no_run
//! use mc_auth::soap::{RetrieveRequest, SimpleFilter};
//! # async fn run(client: mc_auth::Client) -> mc_auth::Result<()> {
//! let request = RetrieveRequest::new("DataExtension", ["Name", "CustomerKey"])
//!     .filter(SimpleFilter::equals("CustomerKey", "customers"));
//! for de in client.soap().retrieve(&request).await? {
//!     println!("{:?}", de.get("Name"));
//! }
//! # Ok(()) }
//! ```
//!
//! A Retrieve reads the token's own business unit unless told otherwise:
//! [`RetrieveRequest::accounts`] with [`Accounts::All`] (`QueryAllAccounts`) or
//! [`Accounts::Only`] (`ClientIDs`) reads child units' objects in the same call.
//!
//! Requests go to `{soap_instance_url}/Service.asmx` with `Content-Type: text/xml`, a
//! `SOAPAction` header, the token in the `fueloauth` header element, and body elements in the
//! partner API namespace. Every value is escaped by an XML writer (quick-xml); nothing is
//! assembled by string concatenation.
//!
//! - A fault whose `faultstring` is `Token Expired` (HTTP 500), or an HTTP 401, gets one new
//!   token and one retry.
//! - Throttling faults, 429 and 5xx are retried for `Retrieve` and `Describe` (read-only) per
//!   the client's [`RetryPolicy`](crate::RetryPolicy); `Create`, `Update`, `Delete`,
//!   `Perform`, `Schedule`, `Configure` and `Execute` are not resent, except a Create whose
//!   every `SaveOption` is `UpdateAdd` on `*` (an upsert: idempotent).
//! - Other faults become [`Error::SoapFault`]; objects that fail become
//!   [`Error::SoapObjects`] with every object's result.

pub mod action;
mod envelope;
mod filter;
mod generated;
pub(crate) mod object;
mod response;
mod typed;
pub(crate) mod xml;

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use futures_util::stream::{self, Stream};
use reqwest::Method;

pub use action::{
    ActionInfo, Configure, Create, Delete, Describe, Execute, ObjectInfo, ObjectType, Perform, Retrieve, Schedule,
    SoapAction, Update,
};
pub use filter::{
    format_date_value, parse_mc_datetime, ComplexFilter, DateFilter, Filter, LogicalOperator, MAX_FILTER_DEPTH,
    MC_SERVER_OFFSET,
};
pub use generated::*;
pub use object::{
    ExecuteRequest, Field, FieldValue, ObjectDefinition, ObjectResult, PropertyDescription, SaveAction, SaveOption,
    SoapObject,
};
pub use typed::{Retrieval, ScopedSoap, SoapCall, TypedSoap};

use envelope::{envelope, Action};
use response::{classify, interpret, Reply};

use crate::client::Client;
use crate::error::{Error, Result};
use crate::request::{Base, RequestBuilder, SoapEnvelope};

/// Most continuation pages followed by one [`Soap::retrieve`] (a guard against a server that
/// never stops saying `MoreDataAvailable`).
pub const MAX_RETRIEVE_PAGES: usize = 10_000;

/// A `SimpleFilterPart` operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimpleOperator {
    /// `equals`
    Equals,
    /// `notEquals`
    NotEquals,
    /// `greaterThan`
    GreaterThan,
    /// `greaterThanOrEqual`
    GreaterThanOrEqual,
    /// `lessThan`
    LessThan,
    /// `lessThanOrEqual`
    LessThanOrEqual,
    /// `isNull`
    IsNull,
    /// `isNotNull`
    IsNotNull,
    /// `between` (two values)
    Between,
    /// `IN` (several values)
    In,
    /// `like`
    Like,
}

impl SimpleOperator {
    /// The operator as the SOAP API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SimpleOperator::Equals => "equals",
            SimpleOperator::NotEquals => "notEquals",
            SimpleOperator::GreaterThan => "greaterThan",
            SimpleOperator::GreaterThanOrEqual => "greaterThanOrEqual",
            SimpleOperator::LessThan => "lessThan",
            SimpleOperator::LessThanOrEqual => "lessThanOrEqual",
            SimpleOperator::IsNull => "isNull",
            SimpleOperator::IsNotNull => "isNotNull",
            SimpleOperator::Between => "between",
            SimpleOperator::In => "IN",
            SimpleOperator::Like => "like",
        }
    }

    /// Parses the SOAP spelling.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "equals" => SimpleOperator::Equals,
            "notEquals" => SimpleOperator::NotEquals,
            "greaterThan" => SimpleOperator::GreaterThan,
            "greaterThanOrEqual" => SimpleOperator::GreaterThanOrEqual,
            "lessThan" => SimpleOperator::LessThan,
            "lessThanOrEqual" => SimpleOperator::LessThanOrEqual,
            "isNull" => SimpleOperator::IsNull,
            "isNotNull" => SimpleOperator::IsNotNull,
            "between" => SimpleOperator::Between,
            "IN" => SimpleOperator::In,
            "like" => SimpleOperator::Like,
            _ => return None,
        })
    }
}

/// A simple filter: `property operator value(s)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleFilter {
    /// The property compared.
    pub property: String,
    /// The comparison.
    pub operator: SimpleOperator,
    /// The value(s) compared with (none for `isNull` / `isNotNull`).
    pub values: Vec<String>,
}

impl SimpleFilter {
    /// `property operator values...`
    pub fn new<V: Into<String>>(
        property: impl Into<String>,
        operator: SimpleOperator,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        SimpleFilter {
            property: property.into(),
            operator,
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// `property equals value`
    pub fn equals(property: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new(property, SimpleOperator::Equals, [value.into()])
    }
}

/// Which business units (accounts) a Retrieve reads.
///
/// ```
/// use mc_auth::soap::{Accounts, RetrieveRequest, Subscriber};
/// let everywhere = RetrieveRequest::of::<Subscriber>(["SubscriberKey"]).accounts(Accounts::All);
/// let two = RetrieveRequest::of::<Subscriber>(["SubscriberKey"]).accounts(Accounts::Only(vec![200, 300]));
/// # let _ = (everywhere, two);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Accounts {
    /// The token's own business unit (MC's default; nothing extra is sent).
    #[default]
    Own,
    /// The token's unit and every unit below it: `<QueryAllAccounts>true</QueryAllAccounts>`.
    /// From an enterprise (parent) unit this reads its children's objects in one call; a
    /// child unit's token never sees its parent or siblings.
    All,
    /// Only these units (MIDs): one `<ClientIDs><ID>mid</ID></ClientIDs>` each, sent first in
    /// the `RetrieveRequest` as MC's WSDL orders it. An empty list is refused before sending.
    Only(Vec<u64>),
}

/// What to retrieve: an object type, its properties, an optional filter, and which business
/// units to read ([`Accounts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetrieveRequest {
    /// The object type, e.g. `Subscriber` or `DataExtensionObject[customers]`.
    pub object_type: String,
    /// The properties to return.
    pub properties: Vec<String>,
    /// An optional filter: simple, date, or `AND`/`OR` of filters ([`Filter`]).
    pub filter: Option<Filter>,
    /// The business units read (the token's own unless set).
    pub accounts: Accounts,
}

impl RetrieveRequest {
    /// Retrieve `properties` of `object_type`.
    pub fn new<P: Into<String>>(object_type: impl Into<String>, properties: impl IntoIterator<Item = P>) -> Self {
        RetrieveRequest {
            object_type: object_type.into(),
            properties: properties.into_iter().map(Into::into).collect(),
            filter: None,
            accounts: Accounts::Own,
        }
    }

    /// Retrieve `properties` of the catalog's object type `O`:
    /// `RetrieveRequest::of::<soap::SentEvent>(["SubscriberKey", "EventDate"])`.
    pub fn of<O: ObjectType>(properties: impl IntoIterator<Item = impl Into<String>>) -> Self {
        RetrieveRequest::new(O::NAME, properties)
    }

    /// Retrieve `properties` (columns) of the rows of the data extension named `name`
    /// (`DataExtensionObject[name]`; MC matches the name here, not the external key).
    pub fn rows(name: &str, properties: impl IntoIterator<Item = impl Into<String>>) -> Self {
        RetrieveRequest::new(format!("DataExtensionObject[{name}]"), properties)
    }

    /// Retrieve the rows of the data extension named `name` as [`rows`](Retrieval::rows) of
    /// your own type `T`: the properties asked for are `T`'s fields (as `#[serde(rename)]`
    /// spells them).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when `T` is not a plain struct (a map, or a struct with
    /// `#[serde(flatten)]`, has no fixed field list): list the columns with
    /// [`rows`](Self::rows) instead.
    pub fn rows_of<T: serde::de::DeserializeOwned>(name: &str) -> Result<Self> {
        match crate::api::row_codec::struct_fields::<T>() {
            Some(fields) if !fields.is_empty() => Ok(Self::rows(name, fields.iter().copied())),
            _ => Err(Error::config(
                "RetrieveRequest::rows_of",
                format!(
                    "`{}` has no fixed list of fields (a map, a struct with #[serde(flatten)], or not a struct), so the columns to retrieve are unknown; list them with RetrieveRequest::rows(name, [..]) (nothing was sent)",
                    std::any::type_name::<T>()
                ),
            )),
        }
    }

    /// Sets the filter: a [`SimpleFilter`], a [`DateFilter`] or a [`Filter`] tree (checked
    /// before sending, see [`Filter::check`]).
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// Reads these business units: [`Accounts::All`] (`QueryAllAccounts`), or
    /// [`Accounts::Only`] (`ClientIDs`); [`Accounts::Own`] is the default.
    pub fn accounts(mut self, accounts: Accounts) -> Self {
        self.accounts = accounts;
        self
    }

    /// Checks what can be checked before sending: the filter, and a non-empty `ClientIDs` list.
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(filter) = &self.filter {
            filter.check()?;
        }
        if matches!(&self.accounts, Accounts::Only(mids) if mids.is_empty()) {
            return Err(Error::config(
                "soap retrieve accounts",
                "Accounts::Only names no business unit; list at least one MID, or use Accounts::Own (nothing was sent)",
            ));
        }
        Ok(())
    }
}

/// The SOAP API without a compile-time scope check: [`Client::soap`].
///
/// Typed clients (`#[mc_client]` types) use [`TypedSoap`] instead (`client.soap()` with
/// `mc_auth::api::prelude::*` in scope), whose calls name the object type and compile only when
/// the client declares the scopes of that action on that object. This handle takes any object
/// type: the caller vouches that the token's scopes cover it (Marketing Cloud answers
/// `Insufficient Privileges` otherwise).
#[derive(Clone, Copy)]
pub struct Soap<'a> {
    client: &'a Client,
}

impl fmt::Debug for Soap<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Soap").field("client", &self.client.name()).finish()
    }
}

impl<'a> Soap<'a> {
    /// Made by [`Client::soap`] and [`TypedSoap`].
    pub(crate) fn new(client: &'a Client) -> Self {
        Soap { client }
    }

    /// Retrieves every matching object, following `MoreDataAvailable` continuations (at most
    /// [`MAX_RETRIEVE_PAGES`] pages; [`Soap::retrieve_stream`] has no such limit and holds one
    /// page at a time).
    pub async fn retrieve(&self, request: &RetrieveRequest) -> Result<Vec<SoapObject>> {
        let mut out = Vec::new();
        let mut continue_id: Option<String> = None;
        for _ in 0..MAX_RETRIEVE_PAGES {
            let page = retrieve_page(self.client, request, continue_id.as_deref()).await?;
            out.extend(page.objects);
            match page.next {
                Some(id) => continue_id = Some(id),
                None => return Ok(out),
            }
        }
        Err(Error::UnexpectedResponse {
            status: 200,
            endpoint: "SOAP Retrieve".into(),
            problem: format!("still MoreDataAvailable after {MAX_RETRIEVE_PAGES} pages"),
            excerpt: String::new(),
        })
    }

    /// The matching objects as a lazy stream: one page (up to 2,500 objects at MC) is fetched
    /// when the previous one is used up, following `MoreDataAvailable` with `ContinueRequest`;
    /// an error ends the stream.
    pub fn retrieve_stream(&self, request: &RetrieveRequest) -> ObjectStream {
        ObjectStream::new(self.client.clone(), request.clone())
    }

    /// Creates objects. Fails with [`Error::SoapObjects`] if any object fails.
    pub async fn create(&self, objects: &[SoapObject]) -> Result<Vec<ObjectResult>> {
        self.results(&Action::Create(objects)).await
    }

    /// Creates objects with `Options/SaveOptions`: with [`SaveOption::upsert`] (`*`,
    /// `UpdateAdd`) an existing object is updated instead of refused, so creating twice
    /// leaves one object. Such a call is idempotent and retried like a Retrieve; any other
    /// option is not resent. Fails with [`Error::SoapObjects`] if any object fails.
    pub async fn create_with(&self, objects: &[SoapObject], options: &[SaveOption]) -> Result<Vec<ObjectResult>> {
        let idempotent = !options.is_empty() && options.iter().all(SaveOption::is_upsert);
        let action = Action::CreateWith { objects, options };
        match call(self.client, &action, idempotent).await? {
            Reply::Results(r) => Ok(r),
            _ => Err(wrong_reply("Create")),
        }
    }

    /// Executes named requests (`ExecuteRequestMsg`), e.g. `LogUnsubEvent`: one result per
    /// request, in order. Not retried. Fails with [`Error::SoapObjects`] if any request fails.
    pub async fn execute(&self, requests: &[ExecuteRequest]) -> Result<Vec<ObjectResult>> {
        self.results(&Action::Execute(requests)).await
    }

    /// Updates objects. Fails with [`Error::SoapObjects`] if any object fails.
    pub async fn update(&self, objects: &[SoapObject]) -> Result<Vec<ObjectResult>> {
        self.results(&Action::Update(objects)).await
    }

    /// Deletes objects. Fails with [`Error::SoapObjects`] if any object fails.
    pub async fn delete(&self, objects: &[SoapObject]) -> Result<Vec<ObjectResult>> {
        self.results(&Action::Delete(objects)).await
    }

    /// Performs `action` (for example `start`) on `definitions`.
    pub async fn perform(&self, action: &str, definitions: &[SoapObject]) -> Result<Vec<ObjectResult>> {
        self.results(&Action::Perform { action, definitions }).await
    }

    /// Schedules `interactions` (`ScheduleRequestMsg`): `action` (for example `start`), and the
    /// schedule's properties (`Recurrence`, `RecurrenceType`, `StartDateTime`, ...) as the
    /// fields of `schedule` (its object type is not sent).
    pub async fn schedule(
        &self,
        action: &str,
        schedule: &SoapObject,
        interactions: &[SoapObject],
    ) -> Result<Vec<ObjectResult>> {
        self.results(&Action::Schedule {
            action,
            schedule,
            interactions,
        })
        .await
    }

    /// Configures objects (`ConfigureRequestMsg`), for example `create` on `PropertyDefinition`s.
    pub async fn configure(&self, action: &str, configurations: &[SoapObject]) -> Result<Vec<ObjectResult>> {
        self.results(&Action::Configure { action, configurations }).await
    }

    /// Describes `object_type`: its property definitions (`DefinitionRequestMsg`).
    pub async fn describe(&self, object_type: &str) -> Result<ObjectDefinition> {
        match call(self.client, &Action::Describe { object_type }, true).await? {
            Reply::Described(d) => Ok(d),
            _ => Err(wrong_reply("Describe")),
        }
    }

    async fn results(&self, action: &Action<'_>) -> Result<Vec<ObjectResult>> {
        match call(self.client, action, false).await? {
            Reply::Results(r) => Ok(r),
            _ => Err(wrong_reply(action.name())),
        }
    }
}

/// One Retrieve page: its objects and the `RequestID` to continue from, when there is more.
struct RetrievePage {
    objects: Vec<SoapObject>,
    next: Option<String>,
}

async fn retrieve_page(client: &Client, request: &RetrieveRequest, continue_id: Option<&str>) -> Result<RetrievePage> {
    request.check()?;
    let action = Action::Retrieve {
        request,
        continue_request: continue_id,
    };
    match call(client, &action, true).await? {
        Reply::Retrieved {
            objects,
            more,
            request_id,
        } => match (more, request_id) {
            (true, Some(_)) if objects.is_empty() => Err(Error::UnexpectedResponse {
                status: 200,
                endpoint: "SOAP Retrieve".into(),
                problem: "MoreDataAvailable on a page without objects (the continuation would not end)".into(),
                excerpt: String::new(),
            }),
            (true, Some(id)) => Ok(RetrievePage {
                objects,
                next: Some(id),
            }),
            (true, None) => Err(Error::UnexpectedResponse {
                status: 200,
                endpoint: "SOAP Retrieve".into(),
                problem: "MoreDataAvailable without a RequestID to continue from".into(),
                excerpt: String::new(),
            }),
            (false, _) => Ok(RetrievePage { objects, next: None }),
        },
        _ => Err(wrong_reply("Retrieve")),
    }
}

/// A lazy stream of retrieved objects ([`Soap::retrieve_stream`], or `.stream()` of a typed
/// [`Retrieval`]): [`Unpin`], so `next().await` works without pinning; it holds one page at a
/// time.
#[must_use = "streams do nothing unless polled"]
pub struct ObjectStream {
    inner: Pin<Box<dyn Stream<Item = Result<SoapObject>> + std::marker::Send>>,
}

impl ObjectStream {
    fn new(client: Client, request: RetrieveRequest) -> Self {
        enum Next {
            First,
            Continue(String),
            Done,
        }
        struct State {
            client: Client,
            request: RetrieveRequest,
            buffer: VecDeque<SoapObject>,
            next: Next,
        }
        let state = State {
            client,
            request,
            buffer: VecDeque::new(),
            next: Next::First,
        };
        let s = stream::unfold(state, |mut s| async move {
            loop {
                if let Some(o) = s.buffer.pop_front() {
                    return Some((Ok(o), s));
                }
                let continue_id = match std::mem::replace(&mut s.next, Next::Done) {
                    Next::Done => return None,
                    Next::First => None,
                    Next::Continue(id) => Some(id),
                };
                match retrieve_page(&s.client, &s.request, continue_id.as_deref()).await {
                    Ok(page) => {
                        s.buffer.extend(page.objects);
                        if let Some(id) = page.next {
                            s.next = Next::Continue(id);
                        }
                    }
                    Err(e) => return Some((Err(e), s)),
                }
            }
        });
        ObjectStream { inner: Box::pin(s) }
    }

    /// A stream that yields `error` and ends (a request refused before sending).
    fn failed(error: Error) -> Self {
        ObjectStream {
            inner: Box::pin(stream::once(async move { Err(error) })),
        }
    }
}

impl Stream for ObjectStream {
    type Item = Result<SoapObject>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

impl fmt::Debug for ObjectStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ObjectStream").finish_non_exhaustive()
    }
}

/// Sends one SOAP request through the client's request path (the attempt driver: one new token
/// on `Token Expired` or 401, retries for idempotent actions) and reads the answer. Every error
/// is scrubbed of the client's secrets and the token sent.
async fn call(client: &Client, action: &Action<'_>, idempotent: bool) -> Result<Reply> {
    let (before, after) = envelope_parts(action);
    let answer = RequestBuilder::new(client.clone(), Base::Soap, Method::POST, "/Service.asmx")
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", action.name())
        .soap(SoapEnvelope { before, after }, classify)
        .idempotent(idempotent)
        .execute()
        .await?;
    let redactor = client.core().redactor().with(answer.token.access_token.expose_secret());
    let endpoint = format!("SOAP {} {}", action.name(), answer.token.soap_instance_url());
    interpret(answer.status, &answer.body, action.name(), &endpoint, &redactor).map_err(|e| e.redact(&redactor))
}

fn wrong_reply(action: &str) -> Error {
    Error::UnexpectedResponse {
        status: 200,
        endpoint: format!("SOAP {action}"),
        problem: "the response does not answer the request sent".into(),
        excerpt: String::new(),
    }
}

/// The envelope for `action`, split where the token goes (the `fueloauth` header comes before
/// the body, so the first slot is the header's).
fn envelope_parts(action: &Action<'_>) -> (Bytes, Bytes) {
    const SLOT: &str = "mc-auth-token-slot-5f0c";
    let whole = envelope(SLOT, action);
    match whole.windows(SLOT.len()).position(|w| w == SLOT.as_bytes()) {
        Some(at) => (
            Bytes::copy_from_slice(&whole[..at]),
            Bytes::copy_from_slice(&whole[at + SLOT.len()..]),
        ),
        None => (Bytes::from(whole), Bytes::new()),
    }
}

/// For `crate::__fuzz`: runs the response interpreter.
#[cfg(feature = "fuzzing")]
pub(crate) fn interpret_for_fuzzing(status: u16, data: &[u8], action: &str) -> Result<()> {
    interpret(status, data, action, "fuzz", &crate::secret::Redactor::new()).map(|_| ())
}

/// For `crate::__fuzz`: a Create envelope for one object with `token` in the header.
#[cfg(feature = "fuzzing")]
pub(crate) fn envelope_for_fuzzing(token: &str, object: &SoapObject) -> Vec<u8> {
    envelope(token, &Action::Create(std::slice::from_ref(object)))
}

impl Client {
    /// The SOAP API without a compile-time scope check: any object type, any action; the
    /// caller vouches that the token's scopes cover it. Typed clients use `client.soap()` from
    /// [`ScopedSoap`] instead, whose calls name the object type and are scope-checked.
    pub fn soap(&self) -> Soap<'_> {
        Soap::new(self)
    }
}
