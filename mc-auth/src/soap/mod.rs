//! The SOAP API: Retrieve (with continuation), Create, Update, Delete and Perform.
//!
//! Requests go to `{soap_instance_url}/Service.asmx` with `Content-Type: text/xml`, a
//! `SOAPAction` header, the token in the `fueloauth` header element, and body elements in the
//! partner API namespace. Every value is escaped by an XML writer (quick-xml); nothing is
//! assembled by string concatenation.
//!
//! - A fault whose `faultstring` is `Token Expired` (HTTP 500), or an HTTP 401, gets one new
//!   token and one retry.
//! - Throttling faults, 429 and 5xx are retried for `Retrieve` (read-only) per the client's
//!   [`RetryPolicy`](crate::RetryPolicy); `Create`, `Update`, `Delete` and `Perform` are not
//!   resent.
//! - Other faults become [`Error::SoapFault`]; objects that fail become
//!   [`Error::SoapObjects`] with every object's result.
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

mod envelope;
pub(crate) mod object;
mod response;
pub(crate) mod xml;

use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use reqwest::Method;

pub use object::{Field, FieldValue, ObjectResult, SoapObject};

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

/// What to retrieve: an object type, its properties, and an optional filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrieveRequest {
    /// The object type, e.g. `Subscriber` or `DataExtensionObject[customers]`.
    pub object_type: String,
    /// The properties to return.
    pub properties: Vec<String>,
    /// An optional filter.
    pub filter: Option<SimpleFilter>,
}

impl RetrieveRequest {
    /// Retrieve `properties` of `object_type`.
    pub fn new<P: Into<String>>(object_type: impl Into<String>, properties: impl IntoIterator<Item = P>) -> Self {
        RetrieveRequest {
            object_type: object_type.into(),
            properties: properties.into_iter().map(Into::into).collect(),
            filter: None,
        }
    }

    /// Adds a filter.
    pub fn filter(mut self, filter: SimpleFilter) -> Self {
        self.filter = Some(filter);
        self
    }
}

/// A SOAP API handle for scope(s) `S` (`()` when made from an untyped [`Client`]).
///
/// From a `#[mc_client]` type, `client.soap::<S>()` compiles only when `S` was declared; pick
/// the scope that covers the objects you touch (for example
/// [`DataExtensionsRead`](crate::scope::DataExtensionsRead) to retrieve data extensions).
pub struct Soap<'a, S = ()> {
    client: &'a Client,
    _scopes: PhantomData<fn() -> S>,
}

impl<S> Clone for Soap<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Soap<'_, S> {}

impl<S> fmt::Debug for Soap<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Soap").field("client", &self.client.name()).finish()
    }
}

impl<'a, S> Soap<'a, S> {
    /// Made by [`Client::soap`] or a scope-checked `soap::<S>()`.
    pub(crate) fn new(client: &'a Client) -> Self {
        Soap {
            client,
            _scopes: PhantomData,
        }
    }

    /// Retrieves every matching object, following `MoreDataAvailable` continuations.
    pub async fn retrieve(&self, request: &RetrieveRequest) -> Result<Vec<SoapObject>> {
        let mut out = Vec::new();
        let mut continue_id: Option<String> = None;
        for _ in 0..MAX_RETRIEVE_PAGES {
            let action = Action::Retrieve {
                request,
                continue_request: continue_id.as_deref(),
            };
            match self.call(&action, true).await? {
                Reply::Retrieved {
                    objects,
                    more,
                    request_id,
                } => {
                    out.extend(objects);
                    match (more, request_id) {
                        (true, Some(id)) => continue_id = Some(id),
                        (true, None) => {
                            return Err(Error::UnexpectedResponse {
                                status: 200,
                                endpoint: "SOAP Retrieve".into(),
                                problem: "MoreDataAvailable without a RequestID to continue from".into(),
                                excerpt: String::new(),
                            })
                        }
                        (false, _) => return Ok(out),
                    }
                }
                Reply::Results(_) => return Err(wrong_reply("Retrieve")),
            }
        }
        Err(Error::UnexpectedResponse {
            status: 200,
            endpoint: "SOAP Retrieve".into(),
            problem: format!("still MoreDataAvailable after {MAX_RETRIEVE_PAGES} pages"),
            excerpt: String::new(),
        })
    }

    /// Creates objects. Fails with [`Error::SoapObjects`] if any object fails.
    pub async fn create(&self, objects: &[SoapObject]) -> Result<Vec<ObjectResult>> {
        self.results(&Action::Create(objects)).await
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

    async fn results(&self, action: &Action<'_>) -> Result<Vec<ObjectResult>> {
        match self.call(action, false).await? {
            Reply::Results(r) => Ok(r),
            Reply::Retrieved { .. } => Err(wrong_reply(action.name())),
        }
    }

    /// Sends one SOAP request through the client's request path (the attempt driver:
    /// one new token on `Token Expired` or 401, retries for idempotent actions) and reads the
    /// answer. Every error is scrubbed of the client's secrets and the token sent.
    async fn call(&self, action: &Action<'_>, idempotent: bool) -> Result<Reply> {
        let (before, after) = envelope_parts(action);
        let answer = RequestBuilder::new(self.client.clone(), Base::Soap, Method::POST, "/Service.asmx")
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", action.name())
            .soap(SoapEnvelope { before, after }, classify)
            .idempotent(idempotent)
            .execute()
            .await?;
        let redactor = self
            .client
            .core()
            .redactor()
            .with(answer.token.access_token.expose_secret());
        let endpoint = format!("SOAP {} {}", action.name(), answer.token.soap_instance_url());
        interpret(answer.status, &answer.body, action.name(), &endpoint, &redactor).map_err(|e| e.redact(&redactor))
    }
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

/// `client.soap::<S>()` for `#[mc_client]` types: the SOAP API under scope(s) `S`, which must be
/// declared (in `mc_auth::api::prelude`).
///
/// ```compile_fail,E0277
/// use mc_auth::api::prelude::*;
/// use mc_auth::{mc_client, scope};
/// #[mc_client(scopes = "data_extensions_read")]
/// struct Reader;
/// fn f(r: &Reader) {
///     r.soap::<scope::ListAndSubscribersWrite>(); // not declared
/// }
/// ```
pub trait ScopedSoap: crate::scope::ScopedClient {
    /// The SOAP API for scope(s) `S`; compiles only if this client type declared them.
    fn soap<S>(&self) -> Soap<'_, S>
    where
        Self: crate::scope::Has<S>,
    {
        Soap::new(self.client())
    }
}

impl<C: crate::scope::ScopedClient> ScopedSoap for C {}

impl Client {
    /// The SOAP API, without a compile-time scope check (typed clients use `soap::<S>()`).
    pub fn soap(&self) -> Soap<'_> {
        Soap::new(self)
    }
}
