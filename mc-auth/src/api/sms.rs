//! Transactional SMS.

use std::future::Future;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::email::{Recipient, SendResponse};
use super::encode_segment;
use super::paging::{PageBody, Paged};
use crate::error::Result;
use crate::scope::{op, Has, ScopedClient};

/// `POST /messaging/v1/sms/messages/{messageKey}`: one text message.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SmsMessage {
    /// The SMS definition to send.
    pub definition_key: String,
    /// Who gets it (`to` is the mobile number).
    pub recipient: Recipient,
    /// Overrides the definition's content, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<SmsContent>,
    /// Attributes for the message.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
}

/// Message text overriding the definition's.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SmsContent {
    /// The text.
    pub message: String,
}

impl SmsMessage {
    /// A message of definition `definition_key` to `recipient`.
    pub fn new(definition_key: impl Into<String>, recipient: Recipient) -> Self {
        SmsMessage {
            definition_key: definition_key.into(),
            recipient,
            content: None,
            attributes: Map::new(),
        }
    }

    /// Replaces the definition's text.
    pub fn text(mut self, message: impl Into<String>) -> Self {
        self.content = Some(SmsContent {
            message: message.into(),
        });
        self
    }
}

/// `POST /messaging/v1/sms/messages`: one definition, many recipients (each with its own
/// `message_key`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SmsBatch {
    /// The SMS definition to send.
    pub definition_key: String,
    /// The recipients (`to` is the mobile number).
    pub recipients: Vec<Recipient>,
}

impl SmsBatch {
    /// A batch of definition `definition_key`.
    pub fn new(definition_key: impl Into<String>, recipients: Vec<Recipient>) -> Self {
        SmsBatch {
            definition_key: definition_key.into(),
            recipients,
        }
    }
}

/// A transactional SMS definition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SmsDefinition {
    /// Unique key.
    pub definition_key: String,
    /// Display name.
    pub name: String,
    /// `{"message": "..."}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<Value>,
    /// `{"shortCode": ..., "countryCode": ..., "keyword": ...}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscriptions: Option<Value>,
    /// Other fields MC returns.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl SmsDefinition {
    /// A definition sending `message`.
    pub fn new(definition_key: impl Into<String>, name: impl Into<String>, message: impl Into<String>) -> Self {
        SmsDefinition {
            definition_key: definition_key.into(),
            name: name.into(),
            content: Some(serde_json::json!({ "message": message.into() })),
            ..Default::default()
        }
    }
}

#[derive(Deserialize)]
struct SmsDefinitionsPage {
    #[serde(default)]
    definitions: Vec<SmsDefinition>,
}

/// Transactional SMS, for every client type with the scopes each call needs.
pub trait TransactionalSms: ScopedClient {
    /// Sends one text message under `message_key`.
    fn send_sms(&self, message_key: &str, message: &SmsMessage) -> impl Future<Output = Result<SendResponse>> + Send
    where
        Self: Has<op::SendSms>,
    {
        let req = encode_segment(message_key).map(|key| {
            self.client()
                .post(&format!("/messaging/v1/sms/messages/{key}"))
                .json(message)
        });
        async move { req?.send().await?.json() }
    }

    /// Sends one definition to many recipients.
    fn send_sms_batch(&self, batch: &SmsBatch) -> impl Future<Output = Result<SendResponse>> + Send
    where
        Self: Has<op::SendSmsBatch>,
    {
        let req = self.client().post("/messaging/v1/sms/messages").json(batch);
        async move { req.send().await?.json() }
    }

    /// Creates an SMS definition.
    fn create_sms_definition(&self, definition: &SmsDefinition) -> impl Future<Output = Result<SmsDefinition>> + Send
    where
        Self: Has<op::CreateSmsDefinition>,
    {
        let req = self.client().post("/messaging/v1/sms/definitions").json(definition);
        async move { req.send().await?.json() }
    }

    /// Every SMS definition, fetched `page_size` at a time as the stream is read.
    fn list_sms_definitions(&self, page_size: u32) -> Paged<SmsDefinition>
    where
        Self: Has<op::ListSmsDefinitions>,
    {
        super::paging::paged_get::<_, SmsDefinitionsPage>(
            self.client().clone(),
            "/messaging/v1/sms/definitions".into(),
            page_size,
            Vec::new(),
        )
    }
}

impl<C: ScopedClient> TransactionalSms for C {}

impl PageBody<SmsDefinition> for SmsDefinitionsPage {
    /// MC's `count` on transactional messaging lists is the number of items on this page, not
    /// the total (a known MC quirk), so no total is reported and a short page ends the list.
    fn into_parts(self) -> (Vec<SmsDefinition>, Option<u64>) {
        (self.definitions, None)
    }
}
