//! Transactional SMS.

use std::future::Future;

use serde::Serialize;
use serde_json::{Map, Value};

use super::email::{Recipient, SendResponse};
use super::encode_segment;
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

/// Transactional SMS, for every client type with `sms_send`.
pub trait TransactionalSms: ScopedClient {
    /// Sends one text message under `message_key`.
    fn send_sms(&self, message_key: &str, message: &SmsMessage) -> impl Future<Output = Result<SendResponse>> + Send
    where
        Self: Has<op::SendSms>,
    {
        let req = self
            .client()
            .post(&format!("/messaging/v1/sms/messages/{}", encode_segment(message_key)))
            .json(message);
        async move { req.send().await?.json() }
    }
}

impl<C: ScopedClient> TransactionalSms for C {}
