//! Subscribers and lists over SOAP: create or update a subscriber (an upsert with
//! `SaveOptions` `UpdateAdd`), subscribe to and unsubscribe from lists, read one subscriber or
//! a stream of them, a subscriber's status on each list, and MC's `LogUnsubEvent`.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use mc_auth::api::prelude::*;
//! use mc_auth::api::subscribers::{LogUnsub, SubscriberQuery, SubscriberUpsert};
//! use mc_auth::mc_client;
//!
//! #[mc_client(scopes = "list_and_subscribers_read list_and_subscribers_write")]
//! struct Audience;
//!
//! # async fn run(c: Audience) -> mc_auth::Result<()> {
//! c.upsert_subscriber(&SubscriberUpsert::new("ada", "ada@example.com").attribute("First Name", "Ada"))
//!     .await?;
//! c.subscribe_to_list("ada", 42).await?;
//! for m in c.list_memberships("ada").await? {
//!     println!("list {}: {:?}", m.list_id, m.status);
//! }
//! c.log_unsub_event(&LogUnsub::subscriber_key("ada").list_id(42).reason("Profile center")).await?;
//! let mut all = c.subscribers(SubscriberQuery::all());
//! while let Some(s) = all.next().await {
//!     println!("{}", s?.subscriber_key);
//! }
//! # Ok(()) }
//! ```

use futures_util::stream::StreamExt;

use super::soap_reader::SoapReader;
use super::Continued;
use crate::error::{Error, Result};
use crate::scope::{op, Has, ScopedClient};
use crate::soap::{
    self, Accounts, Create, ExecuteRequest, Field, Filter, ObjectResult, RetrieveRequest, SaveOption, ScopedSoap,
    SimpleFilter, SoapCall, SoapObject, TypedSoap,
};

/// A subscriber's status (overall, or on one list), as MC spells it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriberStatus {
    /// `Active`: receives email.
    Active,
    /// `Bounced`: recent bounces.
    Bounced,
    /// `Held`: too many bounces; MC sends nothing.
    Held,
    /// `Unsubscribed`.
    Unsubscribed,
    /// `Deleted`.
    Deleted,
    /// A status this crate does not know, as MC spelled it (kept, never a panic).
    Other(String),
}

impl SubscriberStatus {
    /// Reads MC's spelling (surrounding blanks ignored); anything else is kept as
    /// [`Other`](Self::Other).
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "Active" => Self::Active,
            "Bounced" => Self::Bounced,
            "Held" => Self::Held,
            "Unsubscribed" => Self::Unsubscribed,
            "Deleted" => Self::Deleted,
            other => Self::Other(other.to_owned()),
        }
    }

    /// MC's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "Active",
            Self::Bounced => "Bounced",
            Self::Held => "Held",
            Self::Unsubscribed => "Unsubscribed",
            Self::Deleted => "Deleted",
            Self::Other(s) => s,
        }
    }
}

/// A subscriber to create or update ([`Subscribers::upsert_subscriber`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriberUpsert {
    /// `SubscriberKey`.
    pub subscriber_key: String,
    /// `EmailAddress`.
    pub email_address: String,
    /// `Status`, when it should be set.
    pub status: Option<SubscriberStatus>,
    /// Profile `Attributes` (`Name`, `Value`), in order.
    pub attributes: Vec<(String, String)>,
    /// Statuses on lists (`Lists` with `ID` and `Status`).
    pub lists: Vec<(u64, SubscriberStatus)>,
}

impl SubscriberUpsert {
    /// Subscriber `subscriber_key` at `email_address`.
    pub fn new(subscriber_key: impl Into<String>, email_address: impl Into<String>) -> Self {
        SubscriberUpsert {
            subscriber_key: subscriber_key.into(),
            email_address: email_address.into(),
            status: None,
            attributes: Vec::new(),
            lists: Vec::new(),
        }
    }

    /// Sets the overall `Status`.
    pub fn status(mut self, status: SubscriberStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets a profile attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }

    /// Sets the subscriber's status on list `list_id` (`Active` subscribes).
    pub fn list(mut self, list_id: u64, status: SubscriberStatus) -> Self {
        self.lists.push((list_id, status));
        self
    }

    /// The `Subscriber` object sent, after checking: a key that is not blank, an address with
    /// an `@`, attribute names that are not blank.
    pub fn to_object(&self) -> Result<SoapObject> {
        let bad = |reason: String| Err(Error::config("subscriber", format!("{reason} (nothing was sent)")));
        if self.subscriber_key.trim().is_empty() {
            return bad("the SubscriberKey is empty; pass the subscriber's key".into());
        }
        if !self.email_address.contains('@') || self.email_address.trim() != self.email_address {
            return bad(format!(
                "`{}` is not an email address (subscriber `{}`)",
                self.email_address, self.subscriber_key
            ));
        }
        if let Some((name, _)) = self.attributes.iter().find(|(n, _)| n.trim().is_empty()) {
            return bad(format!("an attribute has a blank name `{name}`"));
        }
        let mut o = SoapObject::new("Subscriber")
            .with("SubscriberKey", &self.subscriber_key)
            .with("EmailAddress", &self.email_address);
        if let Some(s) = &self.status {
            o = o.with("Status", s.as_str());
        }
        for (n, v) in &self.attributes {
            o.fields.push(Field::nested(
                "Attributes",
                vec![Field::text("Name", n), Field::text("Value", v)],
            ));
        }
        for (id, status) in &self.lists {
            o.fields.push(list_field(*id, status));
        }
        Ok(o)
    }
}

fn list_field(id: u64, status: &SubscriberStatus) -> Field {
    Field::nested(
        "Lists",
        vec![
            Field::text("ID", id.to_string()),
            Field::text("Status", status.as_str()),
        ],
    )
}

/// A subscriber, as retrieved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Subscriber {
    /// `SubscriberKey`.
    pub subscriber_key: String,
    /// `EmailAddress`.
    pub email_address: String,
    /// `Status`.
    pub status: SubscriberStatus,
    /// MC's numeric `ID`.
    pub id: Option<u64>,
    /// `CreatedDate`, as MC wrote it.
    pub created_date: Option<String>,
    /// `UnsubscribedDate`, as MC wrote it, when unsubscribed.
    pub unsubscribed_date: Option<String>,
    /// The MID of the business unit it was read from (`Client.ID`).
    pub client_id: Option<u64>,
}

const SUBSCRIBER_PROPERTIES: &[&str] = &[
    "ID",
    "SubscriberKey",
    "EmailAddress",
    "Status",
    "CreatedDate",
    "UnsubscribedDate",
    "Client.ID",
];

impl Subscriber {
    fn from_object(o: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(o, "Subscriber");
        Ok(Subscriber {
            subscriber_key: r.required("SubscriberKey")?,
            email_address: r.text("EmailAddress").unwrap_or_default(),
            status: SubscriberStatus::parse(&r.text("Status").unwrap_or_default()),
            id: r.number("ID")?,
            created_date: r.text("CreatedDate"),
            unsubscribed_date: r.text("UnsubscribedDate"),
            client_id: r.number("Client.ID")?,
        })
    }
}

/// A subscriber's status on one list (a `ListSubscriber`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListMembership {
    /// The list's `ID` (`ListID`).
    pub list_id: u64,
    /// `SubscriberKey`.
    pub subscriber_key: String,
    /// The status on this list.
    pub status: SubscriberStatus,
    /// The MID of the business unit (`Client.ID`).
    pub client_id: Option<u64>,
}

impl ListMembership {
    fn from_object(o: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(o, "ListSubscriber");
        Ok(ListMembership {
            list_id: r.required_number("ListID")?,
            subscriber_key: r.text("SubscriberKey").unwrap_or_default(),
            status: SubscriberStatus::parse(&r.text("Status").unwrap_or_default()),
            client_id: r.number("Client.ID")?,
        })
    }
}

/// Which subscribers [`Subscribers::subscribers`] reads: an optional filter and the business
/// units ([`Accounts`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriberQuery {
    filter: Option<Filter>,
    accounts: Accounts,
}

impl SubscriberQuery {
    /// Every subscriber of the token's business unit.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only those `filter` selects, e.g. `SimpleFilter::equals("Status", "Active")`.
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        self.filter = Some(filter.into());
        self
    }

    /// From these business units: [`Accounts::All`] reads child units too.
    pub fn accounts(mut self, accounts: Accounts) -> Self {
        self.accounts = accounts;
        self
    }
}

/// A `LogUnsubEvent` (MC's SOAP Execute): names the subscriber (by key, address or ID), and
/// optionally the job (`JobID`), list (`ListID`), batch (`BatchID`) and a reason. Without a
/// list, MC unsubscribes the subscriber from everything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogUnsub {
    parameters: Vec<(String, String)>,
}

impl LogUnsub {
    /// The subscriber with `SubscriberKey` `key`.
    pub fn subscriber_key(key: impl Into<String>) -> Self {
        LogUnsub {
            parameters: vec![("SubscriberKey".into(), key.into())],
        }
    }

    /// The subscriber at `EmailAddress` `address`.
    pub fn email_address(address: impl Into<String>) -> Self {
        LogUnsub {
            parameters: vec![("EmailAddress".into(), address.into())],
        }
    }

    /// Also names the address (MC checks that it is the same subscriber's).
    pub fn and_email_address(self, address: impl Into<String>) -> Self {
        self.with("EmailAddress", address.into())
    }

    /// The send (`JobID`) the unsubscribe is logged against.
    pub fn job_id(self, job_id: i64) -> Self {
        self.with("JobID", job_id.to_string())
    }

    /// The list (`ListID`) to leave; without one, every list.
    pub fn list_id(self, list_id: u64) -> Self {
        self.with("ListID", list_id.to_string())
    }

    /// The batch (`BatchID`) of the job.
    pub fn batch_id(self, batch_id: i64) -> Self {
        self.with("BatchID", batch_id.to_string())
    }

    /// Why the subscriber left (`Reason`).
    pub fn reason(self, reason: impl Into<String>) -> Self {
        self.with("Reason", reason.into())
    }

    fn with(mut self, name: &str, value: String) -> Self {
        self.parameters.retain(|(n, _)| n != name);
        self.parameters.push((name.to_owned(), value));
        self
    }

    /// The `ExecuteRequest` sent, after checking that the subscriber is named.
    pub fn to_request(&self) -> Result<ExecuteRequest> {
        let names_subscriber = self
            .parameters
            .iter()
            .any(|(n, v)| (n == "SubscriberKey" || n == "EmailAddress") && !v.trim().is_empty());
        if !names_subscriber {
            return Err(Error::config(
                "LogUnsubEvent",
                "the subscriber key or address is empty; name the subscriber (nothing was sent)",
            ));
        }
        let mut r = ExecuteRequest::new("LogUnsubEvent");
        for (n, v) in &self.parameters {
            r = r.parameter(n, v);
        }
        Ok(r)
    }
}

fn one(mut results: Vec<ObjectResult>, what: &str) -> Result<ObjectResult> {
    results.pop().ok_or_else(|| Error::UnexpectedResponse {
        status: 200,
        endpoint: format!("SOAP {what}"),
        problem: "no result for the object sent".into(),
        excerpt: String::new(),
    })
}

/// Sets `subscriber_key`'s status on list `list_id` to `status` (a Create with `UpdateAdd` of
/// the subscriber with that one `Lists` entry): the call behind
/// [`Subscribers::subscribe_to_list`] and [`Subscribers::unsubscribe_from_list`].
fn set_list_status<'a, C>(
    soap: TypedSoap<'a, C>,
    subscriber_key: &str,
    list_id: u64,
    status: SubscriberStatus,
) -> SoapCall<'a, ObjectResult>
where
    C: ScopedClient + Has<<soap::Subscriber as Create>::Scopes> + 'a,
{
    upsert_one(soap, membership_object(subscriber_key, list_id, status))
}

/// Creates `object` (a `Subscriber`), or updates it when its key exists (Create with
/// `SaveOption` `*` `UpdateAdd`); a bad `object` is its error, and nothing is sent.
fn upsert_one<'a, C>(soap: TypedSoap<'a, C>, object: Result<SoapObject>) -> SoapCall<'a, ObjectResult>
where
    C: ScopedClient + Has<<soap::Subscriber as Create>::Scopes> + 'a,
{
    Box::pin(async move {
        let objects = [object?];
        one(
            soap.create_with::<soap::Subscriber>(&objects, &[SaveOption::upsert()])
                .await?,
            "Create Subscriber",
        )
    })
}

fn membership_object(subscriber_key: &str, list_id: u64, status: SubscriberStatus) -> Result<SoapObject> {
    if subscriber_key.trim().is_empty() {
        return Err(Error::config(
            "subscriber",
            "the SubscriberKey is empty; pass the subscriber's key (nothing was sent)",
        ));
    }
    let mut o = SoapObject::new("Subscriber").with("SubscriberKey", subscriber_key);
    o.fields.push(list_field(list_id, &status));
    Ok(o)
}

/// Subscribers and lists, for every client type with the scopes each call needs (from the
/// catalog's operations). Calls return named boxed futures ([`SoapCall`]) or streams
/// ([`Continued`]), so a missing scope is one error at the call.
pub trait Subscribers: ScopedClient {
    /// Creates the subscriber, or updates it when its key exists (SOAP Create with
    /// `SaveOption` `*` `UpdateAdd`): calling it twice leaves one subscriber. Idempotent, so
    /// retried like a read.
    ///
    #[doc = crate::scope::op_doc!(upsert_subscriber)]
    fn upsert_subscriber(&self, subscriber: &SubscriberUpsert) -> SoapCall<'_, ObjectResult>
    where
        Self: Has<op::UpsertSubscriber>,
    {
        upsert_one(self.soap(), subscriber.to_object())
    }

    /// Subscribes an existing subscriber to list `list_id` (its `Lists` entry with `Status`
    /// `Active`, through `UpdateAdd`).
    ///
    #[doc = crate::scope::op_doc!(subscribe_to_list)]
    fn subscribe_to_list(&self, subscriber_key: &str, list_id: u64) -> SoapCall<'_, ObjectResult>
    where
        Self: Has<op::SubscribeToList>,
    {
        set_list_status(self.soap(), subscriber_key, list_id, SubscriberStatus::Active)
    }

    /// Unsubscribes the subscriber from list `list_id` only (`Status` `Unsubscribed` on that
    /// list, through `UpdateAdd`); its other lists are unchanged. To log the unsubscribe
    /// against a send, use [`log_unsub_event`](Self::log_unsub_event).
    ///
    #[doc = crate::scope::op_doc!(unsubscribe_from_list)]
    fn unsubscribe_from_list(&self, subscriber_key: &str, list_id: u64) -> SoapCall<'_, ObjectResult>
    where
        Self: Has<op::UnsubscribeFromList>,
    {
        set_list_status(self.soap(), subscriber_key, list_id, SubscriberStatus::Unsubscribed)
    }

    /// The subscriber with key `subscriber_key`, or `None`.
    ///
    #[doc = crate::scope::op_doc!(get_subscriber)]
    fn subscriber(&self, subscriber_key: &str) -> SoapCall<'_, Option<Subscriber>>
    where
        Self: Has<op::GetSubscriber>,
    {
        let request = RetrieveRequest::of::<soap::Subscriber>(SUBSCRIBER_PROPERTIES.iter().copied())
            .filter(SimpleFilter::equals("SubscriberKey", subscriber_key));
        let mut found = self.soap().retrieve::<soap::Subscriber>(request).stream();
        Box::pin(async move {
            match found.next().await {
                None => Ok(None),
                Some(o) => Subscriber::from_object(&o?).map(Some),
            }
        })
    }

    /// The subscribers `query` selects, as a lazy stream that holds one Retrieve page at a
    /// time (following `MoreDataAvailable`); with [`Accounts::All`] child units' subscribers
    /// too, in one call.
    ///
    #[doc = crate::scope::op_doc!(list_subscribers)]
    fn subscribers(&self, query: SubscriberQuery) -> Continued<Subscriber>
    where
        Self: Has<op::ListSubscribers>,
    {
        let mut request =
            RetrieveRequest::of::<soap::Subscriber>(SUBSCRIBER_PROPERTIES.iter().copied()).accounts(query.accounts);
        request.filter = query.filter;
        let objects = self.soap().retrieve::<soap::Subscriber>(request).stream();
        Continued::new(objects.map(|o| o.and_then(|o| Subscriber::from_object(&o))))
    }

    /// The subscriber's status on each list it is on (SOAP Retrieve of `ListSubscriber`).
    ///
    #[doc = crate::scope::op_doc!(list_memberships)]
    fn list_memberships(&self, subscriber_key: &str) -> SoapCall<'_, Vec<ListMembership>>
    where
        Self: Has<op::ListMemberships>,
    {
        let request = RetrieveRequest::of::<soap::ListSubscriber>(["ListID", "SubscriberKey", "Status", "Client.ID"])
            .filter(SimpleFilter::equals("SubscriberKey", subscriber_key));
        let retrieval = self.soap().retrieve::<soap::ListSubscriber>(request);
        Box::pin(async move { retrieval.await?.iter().map(ListMembership::from_object).collect() })
    }

    /// Unsubscribes and logs an `UnsubEvent` against the job (MC's SOAP Execute of
    /// `LogUnsubEvent`), as a profile center does: from the list named, else from every list.
    /// Not retried (it logs an event).
    ///
    #[doc = crate::scope::op_doc!(log_unsub_event)]
    fn log_unsub_event(&self, unsub: &LogUnsub) -> SoapCall<'_, ObjectResult>
    where
        Self: Has<op::LogUnsubEvent>,
    {
        let request = unsub.to_request();
        let soap = self.soap();
        Box::pin(async move {
            let requests = [request?];
            one(
                soap.execute::<soap::LogUnsubEvent>(&requests).await?,
                "Execute LogUnsubEvent",
            )
        })
    }
}

impl<C: ScopedClient> Subscribers for C {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_keep_what_they_do_not_know() {
        assert_eq!(SubscriberStatus::parse(" Held "), SubscriberStatus::Held);
        assert_eq!(
            SubscriberStatus::parse("Quarantined"),
            SubscriberStatus::Other("Quarantined".into())
        );
        assert_eq!(SubscriberStatus::parse("").as_str(), "");
    }

    #[test]
    fn bad_input_is_refused_before_sending() {
        assert!(SubscriberUpsert::new(" ", "a@b.c").to_object().is_err());
        let e = SubscriberUpsert::new("ada", "not-an-address")
            .to_object()
            .unwrap_err()
            .to_string();
        assert!(e.contains("not-an-address"), "{e}");
        assert!(SubscriberUpsert::new("ada", "a@b.c")
            .attribute(" ", "x")
            .to_object()
            .is_err());
        assert!(LogUnsub::subscriber_key("").to_request().is_err());
        let o = SubscriberUpsert::new("ada", "a@b.c")
            .list(7, SubscriberStatus::Unsubscribed)
            .to_object()
            .unwrap();
        assert_eq!(o.get_path("Lists.Status"), Some("Unsubscribed"));
        let decoded =
            Subscriber::from_object(&SoapObject::new("Subscriber").with("SubscriberKey", "a").with("ID", "x"));
        assert!(decoded.unwrap_err().to_string().contains("`x`"));
    }
}
