//! Transactional messaging, email and SMS alike: send definitions and the messages sent with
//! them. The two channels of MC's transactional messaging API follow the same rules, so one
//! [`Channel`] holds either; only what a send records differs ([`EmailSend`], [`SmsSend`]).
//!
//! MC's rules as the fake plays them:
//! - a definition needs a non-empty `definitionKey` and `name`; a taken key is refused (as a
//!   bad value: MC's answer to it is a 400, not a 409); `status` defaults to `Active`;
//! - updating a definition merges the given fields into it; its `definitionKey` cannot change
//!   and its `name` cannot become empty; a deleted definition is gone;
//! - a send names a stored definition and recipients with a non-empty `to` or `contactKey`;
//!   in a batch, a recipient without a `messageKey` gets a generated one; a batch is accepted
//!   whole or not at all;
//! - a message key sent again replaces the earlier send.
//!
//! Definitions are shared by all business units of the fake.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::generate::request_id;
use super::{ModelError, ModelResult};

/// A transactional email send recorded by the fake.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct EmailSend {
    /// The `messageKey` from the path.
    pub message_key: String,
    /// The `definitionKey` of the body.
    pub definition_key: String,
    /// The `recipient` object of the body.
    pub recipient: Value,
    /// The whole request body.
    pub body: Value,
    /// The MID of the business unit of the token that sent it.
    pub account_id: u64,
    /// The client id of the package whose token sent it.
    pub client_id: String,
}

/// A transactional SMS send recorded by the fake (one per recipient).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SmsSend {
    /// The message key: from the path, or the recipient's `messageKey` in a batch.
    pub message_key: String,
    /// The `definitionKey` of the body.
    pub definition_key: String,
    /// The recipient object (`to`, `contactKey`, ...).
    pub recipient: Value,
    /// `content.message` of the body, when the send overrides the definition's text.
    pub text: Option<String>,
    /// The whole request body.
    pub body: Value,
    /// The MID of the business unit of the token that sent it.
    pub account_id: u64,
    /// The client id of the package whose token sent it.
    pub client_id: String,
}

/// Who sent a message: the business unit and package of the token.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sender<'a> {
    /// The MID the token acts in.
    pub account_id: u64,
    /// The package the token was issued to.
    pub client_id: &'a str,
}

/// One accepted message, before a channel records it.
pub(crate) struct Message<'a> {
    /// Its message key.
    pub message_key: String,
    /// The definition it was sent with.
    pub definition_key: &'a str,
    /// Its recipient object.
    pub recipient: Map<String, Value>,
    /// The whole send body.
    pub body: &'a Value,
    /// Who sent it.
    pub sender: Sender<'a>,
}

/// What a channel records per message.
pub(crate) trait Sent: Clone {
    /// The record of an accepted message.
    fn record(message: Message<'_>) -> Self;
    /// Its message key.
    fn message_key(&self) -> &str;
}

impl Sent for EmailSend {
    fn record(m: Message<'_>) -> Self {
        EmailSend {
            message_key: m.message_key,
            definition_key: m.definition_key.to_owned(),
            recipient: Value::Object(m.recipient),
            body: m.body.clone(),
            account_id: m.sender.account_id,
            client_id: m.sender.client_id.to_owned(),
        }
    }

    fn message_key(&self) -> &str {
        &self.message_key
    }
}

impl Sent for SmsSend {
    /// Also keeps `content.message`, the text that overrides the definition's.
    fn record(m: Message<'_>) -> Self {
        let text = m
            .body
            .get("content")
            .and_then(|c| c.get("message"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        SmsSend {
            message_key: m.message_key,
            definition_key: m.definition_key.to_owned(),
            recipient: Value::Object(m.recipient),
            text,
            body: m.body.clone(),
            account_id: m.sender.account_id,
            client_id: m.sender.client_id.to_owned(),
        }
    }

    fn message_key(&self) -> &str {
        &self.message_key
    }
}

/// One channel's definitions and sends.
pub(crate) struct Channel<S> {
    /// Definitions in creation order (JSON objects with a `definitionKey`).
    pub definitions: Vec<Value>,
    /// Sends in arrival order.
    pub sends: Vec<S>,
}

impl<S> Default for Channel<S> {
    fn default() -> Self {
        Channel {
            definitions: Vec::new(),
            sends: Vec::new(),
        }
    }
}

/// Transactional email state.
pub(crate) type EmailState = Channel<EmailSend>;
/// Transactional SMS state.
pub(crate) type SmsState = Channel<SmsSend>;

/// Message keys and their recipients.
type Recipients = Vec<(String, Map<String, Value>)>;

fn non_empty_string<'a>(map: &'a Map<String, Value>, field: &str) -> ModelResult<&'a str> {
    match map.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        _ => Err(ModelError::invalid(format!(
            "`{field}` is required and must be a non-empty string."
        ))),
    }
}

/// A recipient object with a non-empty `to` or `contactKey`.
fn recipient(value: Option<&Value>) -> ModelResult<Map<String, Value>> {
    match value {
        Some(Value::Object(r))
            if ["to", "contactKey"]
                .iter()
                .any(|f| r.get(*f).and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty())) =>
        {
            Ok(r.clone())
        }
        _ => Err(ModelError::invalid(
            "Every recipient must be an object with a non-empty `to` or `contactKey`.",
        )),
    }
}

/// The recipients of a batch body: `(messageKey, recipient)`, a key generated where missing.
fn batch_recipients(body: &Map<String, Value>) -> ModelResult<Recipients> {
    let Some(Value::Array(list)) = body.get("recipients") else {
        return Err(ModelError::invalid("`recipients` is required and must be an array."));
    };
    if list.is_empty() {
        return Err(ModelError::invalid("`recipients` must not be empty."));
    }
    list.iter()
        .map(|r| {
            let r = recipient(Some(r))?;
            let key = match r.get("messageKey") {
                None | Some(Value::Null) => request_id(),
                Some(Value::String(k)) if !k.trim().is_empty() => k.clone(),
                Some(_) => {
                    return Err(ModelError::invalid(
                        "A recipient's `messageKey` must be a non-empty string.",
                    ))
                }
            };
            Ok((key, r))
        })
        .collect()
}

impl<S: Sent> Channel<S> {
    fn index(&self, key: &str) -> Option<usize> {
        self.definitions
            .iter()
            .position(|d| d.get("definitionKey").and_then(Value::as_str) == Some(key))
    }

    fn not_found(key: &str) -> ModelError {
        ModelError::not_found(format!("No definition with definitionKey `{key}` was found."))
    }

    /// Validates and stores a definition; returns it as stored.
    pub fn add_definition(&mut self, mut definition: Map<String, Value>) -> ModelResult<Value> {
        let key = non_empty_string(&definition, "definitionKey")?.to_owned();
        non_empty_string(&definition, "name")?;
        if self.index(&key).is_some() {
            return Err(ModelError::invalid(format!(
                "A definition with definitionKey `{key}` already exists."
            )));
        }
        definition
            .entry("status")
            .or_insert_with(|| Value::String("Active".to_owned()));
        let stored = Value::Object(definition);
        self.definitions.push(stored.clone());
        Ok(stored)
    }

    /// The definition with this key.
    pub fn definition(&self, key: &str) -> ModelResult<&Value> {
        self.index(key)
            .map(|i| &self.definitions[i])
            .ok_or_else(|| Self::not_found(key))
    }

    /// Merges `changes` into the definition with this key; returns it as stored.
    pub fn update_definition(&mut self, key: &str, changes: Map<String, Value>) -> ModelResult<&Value> {
        let i = self.index(key).ok_or_else(|| Self::not_found(key))?;
        match changes.get("definitionKey") {
            None => {}
            Some(Value::String(k)) if k == key => {}
            Some(_) => {
                return Err(ModelError::invalid(
                    "The `definitionKey` of a definition cannot change.",
                ))
            }
        }
        if let Some(v) = changes.get("name") {
            if v.as_str().is_none_or(|n| n.trim().is_empty()) {
                return Err(ModelError::invalid("`name` must be a non-empty string."));
            }
        }
        let definition = &mut self.definitions[i];
        if let Value::Object(map) = definition {
            map.extend(changes);
        }
        Ok(definition)
    }

    /// Deletes the definition with this key.
    pub fn delete_definition(&mut self, key: &str) -> ModelResult<()> {
        let i = self.index(key).ok_or_else(|| Self::not_found(key))?;
        self.definitions.remove(i);
        Ok(())
    }

    /// The `definitionKey` of a send body, which must name a stored definition.
    fn known_definition(&self, body: &Map<String, Value>) -> ModelResult<String> {
        let key = non_empty_string(body, "definitionKey")?;
        if self.index(key).is_none() {
            return Err(ModelError::invalid(format!(
                "No definition with definitionKey `{key}` exists."
            )));
        }
        Ok(key.to_owned())
    }

    /// A single send: `body` names a definition and holds one `recipient`. Returns the
    /// message key.
    pub fn send_one(
        &mut self,
        message_key: &str,
        body: Map<String, Value>,
        sender: Sender<'_>,
    ) -> ModelResult<Vec<String>> {
        let definition_key = self.known_definition(&body)?;
        let recipient = recipient(body.get("recipient"))?;
        Ok(self.record(&definition_key, vec![(message_key.to_owned(), recipient)], body, sender))
    }

    /// A batch send: one definition, many `recipients`, all or nothing. Returns the message
    /// keys in the order of the recipients.
    pub fn send_batch(&mut self, body: Map<String, Value>, sender: Sender<'_>) -> ModelResult<Vec<String>> {
        let definition_key = self.known_definition(&body)?;
        let recipients = batch_recipients(&body)?;
        Ok(self.record(&definition_key, recipients, body, sender))
    }

    fn record(
        &mut self,
        definition_key: &str,
        recipients: Recipients,
        body: Map<String, Value>,
        sender: Sender<'_>,
    ) -> Vec<String> {
        let body = Value::Object(body);
        let keys: Vec<String> = recipients.iter().map(|(k, _)| k.clone()).collect();
        // A repeated message key replaces the earlier send (one pass, not one per recipient).
        let incoming: HashSet<&str> = keys.iter().map(String::as_str).collect();
        self.sends.retain(|s| !incoming.contains(s.message_key()));
        for (message_key, recipient) in recipients {
            self.sends.push(S::record(Message {
                message_key,
                definition_key,
                recipient,
                body: &body,
                sender,
            }));
        }
        keys
    }

    /// The send with this message key.
    pub fn sent(&self, message_key: &str) -> ModelResult<&S> {
        self.sends
            .iter()
            .find(|s| s.message_key() == message_key)
            .ok_or_else(|| ModelError::not_found(format!("No message with messageKey `{message_key}` was found.")))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::ErrorKind;
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("a test passes objects"),
        }
    }

    const WHO: Sender<'static> = Sender {
        account_id: 7,
        client_id: "cid",
    };

    #[test]
    fn definitions_need_a_free_key_and_a_name() {
        let mut email = EmailState::default();
        let stored = email
            .add_definition(map(json!({ "definitionKey": "welcome", "name": "Welcome" })))
            .unwrap();
        assert_eq!(stored["status"], "Active");
        let taken = email
            .add_definition(map(json!({ "definitionKey": "welcome", "name": "Again" })))
            .unwrap_err();
        assert_eq!(taken.kind, ErrorKind::Invalid);
        assert!(taken.message.contains("already exists"), "{taken}");
        let nameless = email.add_definition(map(json!({ "definitionKey": "x" }))).unwrap_err();
        assert_eq!(nameless.message, "`name` is required and must be a non-empty string.");
        assert_eq!(email.definitions.len(), 1);
    }

    #[test]
    fn updates_merge_but_keep_the_key_and_deletes_forget() {
        let mut sms = SmsState::default();
        sms.add_definition(map(json!({ "definitionKey": "k", "name": "N" })))
            .unwrap();
        let changed = sms
            .update_definition("k", map(json!({ "description": "d", "definitionKey": "k" })))
            .unwrap();
        assert_eq!(
            (changed["name"].clone(), changed["description"].clone()),
            (json!("N"), json!("d"))
        );
        let rekey = sms
            .update_definition("k", map(json!({ "definitionKey": "other" })))
            .unwrap_err();
        assert_eq!(rekey.kind, ErrorKind::Invalid);
        let blank = sms.update_definition("k", map(json!({ "name": " " }))).unwrap_err();
        assert_eq!(blank.kind, ErrorKind::Invalid);
        sms.delete_definition("k").unwrap();
        assert_eq!(sms.definition("k").unwrap_err().kind, ErrorKind::NotFound);
        assert_eq!(sms.delete_definition("k").unwrap_err().kind, ErrorKind::NotFound);
    }

    #[test]
    fn sends_need_a_known_definition_and_reachable_recipients() {
        let mut email = EmailState::default();
        let body = json!({ "definitionKey": "welcome", "recipient": { "to": "a@example.com" } });
        let unknown = email.send_one("m1", map(body.clone()), WHO).unwrap_err();
        assert_eq!(unknown.message, "No definition with definitionKey `welcome` exists.");
        email
            .add_definition(map(json!({ "definitionKey": "welcome", "name": "W" })))
            .unwrap();
        assert_eq!(email.send_one("m1", map(body), WHO).unwrap(), ["m1"]);
        let nobody = json!({ "definitionKey": "welcome", "recipient": { "to": " " } });
        assert_eq!(
            email.send_one("m2", map(nobody), WHO).unwrap_err().kind,
            ErrorKind::Invalid
        );
        let sent = email.sent("m1").unwrap();
        assert_eq!((sent.account_id, sent.client_id.as_str()), (7, "cid"));
        assert_eq!(email.sent("m2").unwrap_err().kind, ErrorKind::NotFound);
    }

    #[test]
    fn a_batch_is_all_or_nothing_and_a_repeated_key_replaces() {
        let mut sms = SmsState::default();
        sms.add_definition(map(json!({ "definitionKey": "d", "name": "D" })))
            .unwrap();
        let bad = json!({ "definitionKey": "d", "recipients": [{ "to": "1" }, { "messageKey": "x" }] });
        assert!(sms.send_batch(map(bad), WHO).is_err());
        assert!(sms.sends.is_empty(), "nothing of a refused batch is kept");
        let batch = json!({
            "definitionKey": "d",
            "content": { "message": "hi" },
            "recipients": [{ "to": "1", "messageKey": "k1" }, { "contactKey": "c2" }],
        });
        let keys = sms.send_batch(map(batch.clone()), WHO).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0], "k1");
        assert_eq!(sms.sends[0].text.as_deref(), Some("hi"));
        sms.send_batch(map(batch), WHO).unwrap();
        assert_eq!(sms.sends.iter().filter(|s| s.message_key == "k1").count(), 1);
        let empty = json!({ "definitionKey": "d", "recipients": [] });
        assert_eq!(
            sms.send_batch(map(empty), WHO).unwrap_err().message,
            "`recipients` must not be empty."
        );
    }
}
