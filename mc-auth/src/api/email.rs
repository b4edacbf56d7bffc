//! Transactional email: send one or a batch, definitions, message status.

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::encode_segment;
use super::paging::{paged_get, PageBody, Paged};
use crate::error::Result;
use crate::scope::op;
use crate::scope::{Has, ScopedClient};

/// The recipient of a transactional message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Recipient {
    /// The contact key (subscriber key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_key: Option<String>,
    /// The address (email address or mobile number).
    pub to: String,
    /// The message key, in batch sends (one per recipient).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_key: Option<String>,
    /// Personalisation attributes for this recipient.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl Recipient {
    /// A recipient with this address.
    pub fn to(address: impl Into<String>) -> Self {
        Recipient {
            to: address.into(),
            ..Default::default()
        }
    }

    /// Sets the contact key.
    pub fn contact_key(mut self, key: impl Into<String>) -> Self {
        self.contact_key = Some(key.into());
        self
    }

    /// Sets the message key (batch sends).
    pub fn message_key(mut self, key: impl Into<String>) -> Self {
        self.message_key = Some(key.into());
        self
    }

    /// Adds a personalisation attribute.
    pub fn attribute(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attributes.insert(name.into(), value.into());
        self
    }
}

/// `POST /messaging/v1/email/messages/{messageKey}`: one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EmailMessage {
    /// The definition to send.
    pub definition_key: String,
    /// Who gets it.
    pub recipient: Recipient,
    /// Attributes for every recipient.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl EmailMessage {
    /// A message of definition `definition_key` to `recipient`.
    pub fn new(definition_key: impl Into<String>, recipient: Recipient) -> Self {
        EmailMessage {
            definition_key: definition_key.into(),
            recipient,
            attributes: Map::new(),
        }
    }
}

/// `POST /messaging/v1/email/messages`: one definition, many recipients (each with its own
/// `message_key`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EmailBatch {
    /// The definition to send.
    pub definition_key: String,
    /// The recipients.
    pub recipients: Vec<Recipient>,
    /// Attributes for every recipient.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

impl EmailBatch {
    /// A batch of definition `definition_key`.
    pub fn new(definition_key: impl Into<String>, recipients: Vec<Recipient>) -> Self {
        EmailBatch {
            definition_key: definition_key.into(),
            recipients,
            attributes: Map::new(),
        }
    }
}

/// The answer to a send: MC accepted the messages for processing.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SendResponse {
    /// MC's request id.
    #[serde(default)]
    pub request_id: Option<String>,
    /// 0 when every message was accepted.
    #[serde(default)]
    pub errorcode: Option<i64>,
    /// One entry per message.
    #[serde(default)]
    pub responses: Vec<MessageResponse>,
}

/// One message's acceptance.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageResponse {
    /// The message key.
    #[serde(default)]
    pub message_key: Option<String>,
    /// The recipient's address.
    #[serde(default)]
    pub recipient_send_id: Option<String>,
    /// An error code for this message, if it was refused.
    #[serde(default)]
    pub error_code: Option<i64>,
    /// A message for this message's error.
    #[serde(default)]
    pub message: Option<String>,
}

/// A transactional email definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EmailDefinition {
    /// Unique key.
    pub definition_key: String,
    /// Display name.
    pub name: String,
    /// `Active`, `Inactive` or `Deleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `{"customerKey": ...}` of the email asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Value>,
    /// `{"list": ..., "dataExtension": ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<Value>,
    /// Other fields MC returns (options, created and modified dates, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl EmailDefinition {
    /// A definition sending the email asset with customer key `content_key`.
    pub fn new(definition_key: impl Into<String>, name: impl Into<String>, content_key: impl Into<String>) -> Self {
        EmailDefinition {
            definition_key: definition_key.into(),
            name: name.into(),
            content: Some(serde_json::json!({ "customerKey": content_key.into() })),
            ..Default::default()
        }
    }
}

/// The delivery status of one message.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MessageStatus {
    /// MC's request id.
    #[serde(default)]
    pub request_id: Option<String>,
    /// `Sent`, `Queued`, `NotSent`, ...
    #[serde(default)]
    pub event_category_type: Option<String>,
    /// When the status was recorded.
    #[serde(default)]
    pub timestamp: Option<String>,
    /// `{"messageKey", "contactKey", "to", "statusCode", "statusMessage"}`.
    #[serde(default)]
    pub info: Map<String, Value>,
}

#[derive(Deserialize)]
struct DefinitionsPage {
    #[serde(default)]
    definitions: Vec<EmailDefinition>,
}

/// Transactional email, for every client type with the scopes each call needs.
///
/// ```no_run
/// use mc_auth::api::email::{EmailMessage, Recipient, TransactionalEmail};
/// use mc_auth::{mc_client, Credentials};
///
/// #[mc_client(scopes = "email_send")]
/// struct Mailer;
///
/// # async fn run() -> mc_auth::Result<()> {
/// let mailer = Mailer::connect(Credentials::from_env()?).await?;
/// let msg = EmailMessage::new("welcome", Recipient::to("ada@example.com").contact_key("ada"));
/// mailer.send_email("welcome-ada-1", &msg).await?;
/// # Ok(()) }
/// ```
pub trait TransactionalEmail: ScopedClient {
    /// Sends one message under `message_key` (your unique id for it).
    fn send_email(&self, message_key: &str, message: &EmailMessage) -> impl Future<Output = Result<SendResponse>> + Send
    where
        Self: Has<op::SendEmail>,
    {
        let req = encode_segment(message_key).map(|key| {
            self.client()
                .post(&format!("/messaging/v1/email/messages/{key}"))
                .json(message)
        });
        async move { req?.send().await?.json() }
    }

    /// Sends one definition to many recipients, each with its own `message_key`.
    fn send_email_batch(&self, batch: &EmailBatch) -> impl Future<Output = Result<SendResponse>> + Send
    where
        Self: Has<op::SendEmailBatch>,
    {
        let req = self.client().post("/messaging/v1/email/messages").json(batch);
        async move { req.send().await?.json() }
    }

    /// Creates a definition.
    fn create_email_definition(
        &self,
        definition: &EmailDefinition,
    ) -> impl Future<Output = Result<EmailDefinition>> + Send
    where
        Self: Has<op::CreateEmailDefinition>,
    {
        let req = self.client().post("/messaging/v1/email/definitions").json(definition);
        async move { req.send().await?.json() }
    }

    /// Gets a definition.
    fn get_email_definition(&self, definition_key: &str) -> impl Future<Output = Result<EmailDefinition>> + Send
    where
        Self: Has<op::GetEmailDefinition>,
    {
        let req = encode_segment(definition_key)
            .map(|key| self.client().get(&format!("/messaging/v1/email/definitions/{key}")));
        async move { req?.send().await?.json() }
    }

    /// Every definition, fetched `page_size` at a time as the stream is read.
    fn list_email_definitions(&self, page_size: u32) -> Paged<EmailDefinition>
    where
        Self: Has<op::ListEmailDefinitions>,
    {
        paged_get::<_, DefinitionsPage>(
            self.client().clone(),
            "/messaging/v1/email/definitions".into(),
            page_size,
            Vec::new(),
        )
    }

    /// Changes a definition: `changes` holds only the fields to change (for example
    /// `{"status": "Inactive"}`).
    fn update_email_definition(
        &self,
        definition_key: &str,
        changes: &Value,
    ) -> impl Future<Output = Result<EmailDefinition>> + Send
    where
        Self: Has<op::UpdateEmailDefinition>,
    {
        let req = encode_segment(definition_key).map(|key| {
            self.client()
                .patch(&format!("/messaging/v1/email/definitions/{key}"))
                .json(changes)
        });
        async move { req?.send().await?.json() }
    }

    /// Deletes a definition.
    fn delete_email_definition(&self, definition_key: &str) -> impl Future<Output = Result<()>> + Send
    where
        Self: Has<op::DeleteEmailDefinition>,
    {
        let req = encode_segment(definition_key)
            .map(|key| self.client().delete(&format!("/messaging/v1/email/definitions/{key}")));
        async move { req?.send().await.map(|_| ()) }
    }

    /// The status of one sent message.
    fn email_message_status(&self, message_key: &str) -> impl Future<Output = Result<MessageStatus>> + Send
    where
        Self: Has<op::GetEmailMessageStatus>,
    {
        let req =
            encode_segment(message_key).map(|key| self.client().get(&format!("/messaging/v1/email/messages/{key}")));
        async move { req?.send().await?.json() }
    }
}

impl<C: ScopedClient> TransactionalEmail for C {}

impl PageBody<EmailDefinition> for DefinitionsPage {
    /// MC's `count` on transactional messaging lists is the number of items on this page, not
    /// the total (a known MC quirk), so no total is reported and a short page ends the list.
    fn into_parts(self) -> (Vec<EmailDefinition>, Option<u64>) {
        (self.definitions, None)
    }
}
