//! Triggered sends over SOAP: send a triggered send definition's email to subscribers (with
//! attributes), read definitions, start and pause them.
//!
//! Starting and pausing are MC's documented way: an Update of the definition's
//! `TriggeredSendStatus` to `Active` (start) or `Inactive` (pause). Sends to a paused
//! definition are queued by MC and go out when it is started again.
//!
//! ```no_run
//! use mc_auth::api::prelude::*;
//! use mc_auth::api::triggered_sends::{TriggeredSendRequest, TriggeredSubscriber};
//! use mc_auth::mc_client;
//!
//! #[mc_client(scopes = "email_send email_read email_write")]
//! struct Receipts;
//!
//! # async fn run(c: Receipts) -> mc_auth::Result<()> {
//! c.start_triggered_send("order-receipt").await?;
//! let request = TriggeredSendRequest::new("order-receipt")
//!     .subscriber(TriggeredSubscriber::new("ada@example.com").key("ada").attribute("OrderNumber", "A-1001"));
//! let results = c.send_triggered(&request).await?;
//! assert!(results.iter().all(|r| r.is_ok()));
//! # Ok(()) }
//! ```

use std::future::Future;

use futures_util::stream::StreamExt;

use serde::{Deserialize, Serialize};

use super::soap_reader::SoapReader;
use super::{encode_segment, Continued};
use crate::error::{Error, Result};
use crate::scope::{op, Has, ScopedClient};
use crate::soap::{
    self, Create, Field, Filter, ObjectResult, Retrieve, RetrieveRequest, ScopedSoap, SimpleFilter, SoapCall,
    SoapObject, Update,
};

/// One recipient of a triggered send: an email address, a subscriber key (MC uses the address
/// when none is given), and attributes that personalize the email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggeredSubscriber {
    /// `EmailAddress`.
    pub email_address: String,
    /// `SubscriberKey`, when it differs from the address.
    pub subscriber_key: Option<String>,
    /// `Attributes` (`Name`, `Value`), in order.
    pub attributes: Vec<(String, String)>,
}

impl TriggeredSubscriber {
    /// A recipient at `email_address`.
    pub fn new(email_address: impl Into<String>) -> Self {
        TriggeredSubscriber {
            email_address: email_address.into(),
            subscriber_key: None,
            attributes: Vec::new(),
        }
    }

    /// Sets the `SubscriberKey`.
    pub fn key(mut self, subscriber_key: impl Into<String>) -> Self {
        self.subscriber_key = Some(subscriber_key.into());
        self
    }

    /// Adds an attribute (a profile attribute or a value the email's AMPscript reads).
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.attributes.push((name.into(), value.into()));
        self
    }
}

/// A triggered send: the definition (by external key) and its recipients. Each recipient goes
/// in its own `TriggeredSend` object of one Create call, so each gets its own result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggeredSendRequest {
    /// The definition's external key (`TriggeredSendDefinition/CustomerKey`).
    pub definition_key: String,
    /// The recipients, in order (at most [`MAX_TRIGGERED_RECIPIENTS`] per call).
    pub subscribers: Vec<TriggeredSubscriber>,
}

/// Most recipients per [`Triggered::send_triggered`] call: MC's soft limit of about 50
/// objects per synchronous SOAP call (send more in several calls).
pub const MAX_TRIGGERED_RECIPIENTS: usize = 50;

impl TriggeredSendRequest {
    /// A send of definition `definition_key`, without recipients yet.
    pub fn new(definition_key: impl Into<String>) -> Self {
        TriggeredSendRequest {
            definition_key: definition_key.into(),
            subscribers: Vec::new(),
        }
    }

    /// Adds a recipient.
    pub fn subscriber(mut self, subscriber: TriggeredSubscriber) -> Self {
        self.subscribers.push(subscriber);
        self
    }

    /// The SOAP objects sent, after checking the request: a definition key, 1 to
    /// [`MAX_TRIGGERED_RECIPIENTS`] recipients, each with an address that has an `@`, and
    /// attribute names that are not blank. The error names the recipient and what to change.
    pub fn to_objects(&self) -> Result<Vec<SoapObject>> {
        let bad = |reason: String| Err(Error::config("triggered send", format!("{reason} (nothing was sent)")));
        if self.definition_key.trim().is_empty() {
            return bad("the definition key is empty; pass the triggered send definition's external key".into());
        }
        match self.subscribers.len() {
            0 => return bad("there are no recipients; add at least one with .subscriber(..)".into()),
            n if n > MAX_TRIGGERED_RECIPIENTS => {
                return bad(format!(
                    "{n} recipients is more than {MAX_TRIGGERED_RECIPIENTS} per call (MC's synchronous limit); send them in several calls"
                ))
            }
            _ => {}
        }
        let mut out = Vec::with_capacity(self.subscribers.len());
        for (i, s) in self.subscribers.iter().enumerate() {
            if !s.email_address.contains('@') || s.email_address.trim() != s.email_address {
                return bad(format!(
                    "recipient {i} (counting from 0) has the address `{}`, which is not an email address",
                    s.email_address
                ));
            }
            if let Some((name, _)) = s.attributes.iter().find(|(n, _)| n.trim().is_empty()) {
                return bad(format!(
                    "recipient {i} (counting from 0) has an attribute with a blank name `{name}`"
                ));
            }
            let mut sub = vec![Field::text("EmailAddress", &s.email_address)];
            if let Some(key) = &s.subscriber_key {
                sub.push(Field::text("SubscriberKey", key));
            }
            for (n, v) in &s.attributes {
                sub.push(Field::nested(
                    "Attributes",
                    vec![Field::text("Name", n), Field::text("Value", v)],
                ));
            }
            let mut o = SoapObject::new("TriggeredSend").with_nested(
                "TriggeredSendDefinition",
                [("CustomerKey", self.definition_key.as_str())],
            );
            o.fields.push(Field::nested("Subscribers", sub));
            out.push(o);
        }
        Ok(out)
    }
}

/// A triggered send definition's `TriggeredSendStatus`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TriggeredSendStatus {
    /// `New`: created, never started.
    New,
    /// `Active`: started; sends go out.
    Active,
    /// `Inactive`: paused; MC queues sends until it is started again.
    Inactive,
    /// `Canceled`: archived; cannot be started again.
    Canceled,
    /// `Deleted`.
    Deleted,
    /// `Moved`.
    Moved,
    /// A status this crate does not know, as MC spelled it.
    Other(String),
}

impl TriggeredSendStatus {
    fn parse(s: &str) -> Self {
        match s.trim() {
            "New" => Self::New,
            "Active" => Self::Active,
            "Inactive" => Self::Inactive,
            "Canceled" => Self::Canceled,
            "Deleted" => Self::Deleted,
            "Moved" => Self::Moved,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// A triggered send definition, as retrieved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TriggeredSendDefinition {
    /// The external key (`CustomerKey`).
    pub customer_key: String,
    /// `Name`.
    pub name: String,
    /// `Description`, when set.
    pub description: Option<String>,
    /// `TriggeredSendStatus`.
    pub status: TriggeredSendStatus,
    /// MC's `ObjectID`.
    pub object_id: Option<String>,
    /// The MID of the business unit that owns it (`Client.ID`).
    pub client_id: Option<u64>,
}

const DEFINITION_PROPERTIES: &[&str] = &[
    "CustomerKey",
    "Name",
    "Description",
    "TriggeredSendStatus",
    "ObjectID",
    "Client.ID",
];

impl TriggeredSendDefinition {
    fn from_object(o: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(o, "TriggeredSendDefinition");
        Ok(TriggeredSendDefinition {
            customer_key: r.required("CustomerKey")?,
            name: r.text("Name").unwrap_or_default(),
            description: r.text("Description"),
            status: TriggeredSendStatus::parse(&r.text("TriggeredSendStatus").unwrap_or_default()),
            object_id: r.text("ObjectID"),
            client_id: r.number("Client.ID")?,
        })
    }
}

/// The REST send of a triggered send definition to one recipient
/// (`POST /messaging/v1/messageDefinitionSends/key:{key}/send`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageDefinitionSend {
    /// The recipient.
    pub to: MessageRecipient,
    /// The sender, when it should differ from the definition's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<MessageSender>,
}

impl MessageDefinitionSend {
    /// A send to `address`.
    pub fn to(address: impl Into<String>) -> Self {
        MessageDefinitionSend {
            to: MessageRecipient {
                address: address.into(),
                subscriber_key: None,
                contact_attributes: ContactAttributes::default(),
            },
            from: None,
        }
    }

    /// Sets the recipient's `SubscriberKey`.
    pub fn subscriber_key(mut self, key: impl Into<String>) -> Self {
        self.to.subscriber_key = Some(key.into());
        self
    }

    /// Adds a subscriber attribute (`To.ContactAttributes.SubscriberAttributes`).
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.to
            .contact_attributes
            .subscriber_attributes
            .insert(name.into(), value.into());
        self
    }

    /// Sets the sender (`From.Address`, `From.Name`).
    pub fn from(mut self, address: impl Into<String>, name: impl Into<String>) -> Self {
        self.from = Some(MessageSender {
            address: address.into(),
            name: name.into(),
        });
        self
    }
}

/// The `To` of a [`MessageDefinitionSend`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageRecipient {
    /// `Address`: the email address.
    pub address: String,
    /// `SubscriberKey` (MC uses the address when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber_key: Option<String>,
    /// `ContactAttributes`.
    pub contact_attributes: ContactAttributes,
}

/// `ContactAttributes` of a recipient.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContactAttributes {
    /// `SubscriberAttributes`: name to value.
    pub subscriber_attributes: std::collections::BTreeMap<String, String>,
}

/// The `From` of a [`MessageDefinitionSend`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MessageSender {
    /// `Address`.
    pub address: String,
    /// `Name`.
    pub name: String,
}

/// MC's answer to a [`MessageDefinitionSend`] (HTTP 202).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageDefinitionSendResponse {
    /// MC's `requestId`.
    #[serde(default)]
    pub request_id: Option<String>,
    /// One entry per recipient.
    #[serde(default)]
    pub responses: Vec<RecipientResponse>,
}

/// One recipient's entry of a [`MessageDefinitionSendResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecipientResponse {
    /// `recipientSendId`: MC's id of this recipient's send.
    #[serde(default)]
    pub recipient_send_id: Option<String>,
    /// `hasErrors`.
    #[serde(default)]
    pub has_errors: bool,
    /// `messages` (`Queued`, or what went wrong).
    #[serde(default)]
    pub messages: Vec<String>,
}

/// Triggered sends, for every client type with the scopes each call needs (from the catalog's
/// `TriggeredSend` and `TriggeredSendDefinition` SOAP objects, and its
/// `send_message_definition` operation). Calls return named boxed futures ([`SoapCall`]), so a
/// missing scope is one error at the call, awaited or not.
pub trait Triggered: ScopedClient {
    /// Sends the definition's email to each recipient (SOAP Create of one `TriggeredSend` per
    /// recipient; `email_send`). One [`ObjectResult`] per recipient, in order; if any fails,
    /// [`Error::SoapObjects`] carries every result. Not retried (a resend would email twice).
    fn send_triggered(&self, request: &TriggeredSendRequest) -> SoapCall<'_, Vec<ObjectResult>>
    where
        Self: Has<<soap::TriggeredSend as Create>::Scopes>,
    {
        let objects = request.to_objects();
        let soap = self.soap();
        Box::pin(async move {
            let objects = objects?;
            soap.create::<soap::TriggeredSend>(&objects).await
        })
    }

    /// The triggered send definitions (SOAP Retrieve; `email_read`), optionally filtered
    /// (e.g. `SimpleFilter::equals("TriggeredSendStatus", "Active")`), as a lazy stream.
    fn triggered_send_definitions(&self, filter: Option<Filter>) -> Continued<TriggeredSendDefinition>
    where
        Self: Has<<soap::TriggeredSendDefinition as Retrieve>::Scopes>,
    {
        let mut request = RetrieveRequest::of::<soap::TriggeredSendDefinition>(DEFINITION_PROPERTIES.iter().copied());
        request.filter = filter;
        let objects = self.soap().retrieve::<soap::TriggeredSendDefinition>(request).stream();
        Continued::new(objects.map(|o| o.and_then(|o| TriggeredSendDefinition::from_object(&o))))
    }

    /// The definition with external key `customer_key`, or `None` (`email_read`).
    fn triggered_send_definition(&self, customer_key: &str) -> SoapCall<'_, Option<TriggeredSendDefinition>>
    where
        Self: Has<<soap::TriggeredSendDefinition as Retrieve>::Scopes>,
    {
        let mut found = self.triggered_send_definitions(Some(SimpleFilter::equals("CustomerKey", customer_key).into()));
        Box::pin(async move { found.next().await.transpose() })
    }

    /// Starts the definition (Update of `TriggeredSendStatus` to `Active`; `email_write`);
    /// sends queued while it was paused go out.
    fn start_triggered_send(&self, customer_key: &str) -> SoapCall<'_, ObjectResult>
    where
        Self: Has<<soap::TriggeredSendDefinition as Update>::Scopes>,
    {
        Box::pin(set_status(self.soap(), customer_key, "Active"))
    }

    /// Pauses the definition (Update of `TriggeredSendStatus` to `Inactive`; `email_write`);
    /// MC queues sends until it is started again.
    fn pause_triggered_send(&self, customer_key: &str) -> SoapCall<'_, ObjectResult>
    where
        Self: Has<<soap::TriggeredSendDefinition as Update>::Scopes>,
    {
        Box::pin(set_status(self.soap(), customer_key, "Inactive"))
    }

    /// Sends the definition with external key `definition_key` to one recipient over REST
    /// (`POST /messaging/v1/messageDefinitionSends/key:{key}/send`, `email_send`; the path MC
    /// documents, not the `messageDefintionSend` misprint of its permission table). Not
    /// retried. An address without `@` is refused before sending.
    fn send_message_definition(
        &self,
        definition_key: &str,
        send: &MessageDefinitionSend,
    ) -> SoapCall<'_, MessageDefinitionSendResponse>
    where
        Self: Has<op::SendMessageDefinition>,
    {
        let req = if send.to.address.trim().contains('@') {
            encode_segment(definition_key).map(|key| {
                self.client()
                    .post(&format!("/messaging/v1/messageDefinitionSends/key:{key}/send"))
                    .json(send)
            })
        } else {
            Err(Error::config(
                "triggered send",
                format!(
                    "the recipient address `{}` is not an email address (nothing was sent)",
                    send.to.address
                ),
            ))
        };
        Box::pin(async move { req?.send().await?.json() })
    }
}

impl<C: ScopedClient> Triggered for C {}

fn set_status<'a, C>(
    soap: soap::TypedSoap<'a, C>,
    customer_key: &str,
    status: &'static str,
) -> impl Future<Output = Result<ObjectResult>> + Send + 'a
where
    C: ScopedClient + Has<<soap::TriggeredSendDefinition as Update>::Scopes> + 'a,
{
    let key = customer_key.trim().to_owned();
    async move {
        if key.is_empty() {
            return Err(Error::config(
                "triggered send definition",
                "the definition key is empty; pass its external key (nothing was sent)",
            ));
        }
        let objects = [SoapObject::new("TriggeredSendDefinition")
            .with("CustomerKey", key)
            .with("TriggeredSendStatus", status)];
        let mut results = soap.update::<soap::TriggeredSendDefinition>(&objects).await?;
        results.pop().ok_or_else(|| Error::UnexpectedResponse {
            status: 200,
            endpoint: "SOAP Update TriggeredSendDefinition".into(),
            problem: "no result for the definition updated".into(),
            excerpt: String::new(),
        })
    }
}
