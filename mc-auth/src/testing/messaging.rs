//! Transactional messaging on the wire, email (`/messaging/v1/email/...`) and SMS
//! (`/messaging/v1/sms/...`) alike: each handler is generic over the channel, and the rules
//! are the model's ([`model::messaging`](super::model::messaging)).
//!
//! - Definitions: create answers 201 with the definition and a `requestId`; list answers a
//!   [`ListShape::Definitions`] page (whose `count` is the page's count, MC's quirk); get,
//!   update (merge) and delete (`{"requestId", "deletedDefinitionKey", "message": "Success"}`)
//!   answer 200. An unknown key is a 404 with errorcode 0.
//! - Sends of one (`.../messages/{messageKey}`) or a batch (`.../messages`) answer 202
//!   `{"requestId", "errorcode": 0, "responses": [{"messageKey"}]}`.
//! - A broken rule or a body that is not a JSON object is a 400 with errorcode [`VALIDATION`]
//!   (the fake's choice).
//! - Email message status answers every recorded send as sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::api::{list_page, ApiError, Call, ListShape};
use super::model::messaging::{Channel, Sender, Sent};
use super::model::{ErrorKind, ModelError};
use super::state::State;
use super::util::{json_response, now_rfc3339, request_id};
use super::{EmailSend, SmsSend};

/// The `errorcode` the fake uses for messaging validation errors.
pub(crate) const VALIDATION: i64 = 10001;

/// A messaging channel of the state: email or SMS.
pub(crate) trait Which {
    /// What a send records.
    type Sent: Sent;
    /// The channel's definitions and sends.
    fn channel(state: &mut State) -> &mut Channel<Self::Sent>;
}

/// Transactional email.
pub(crate) struct Email;

/// Transactional SMS.
pub(crate) struct Sms;

impl Which for Email {
    type Sent = EmailSend;
    fn channel(state: &mut State) -> &mut Channel<EmailSend> {
        &mut state.email
    }
}

impl Which for Sms {
    type Sent = SmsSend;
    fn channel(state: &mut State) -> &mut Channel<SmsSend> {
        &mut state.sms
    }
}

/// MC's answer to a broken rule: 404 with errorcode 0 for an unknown key, else a 400 with
/// [`VALIDATION`].
fn refused(e: ModelError) -> Response {
    let errorcode = if e.kind == ErrorKind::NotFound { 0 } else { VALIDATION };
    ApiError::from_model(errorcode, e).into_response()
}

/// `value` with a fresh `requestId`, answered with `status`.
fn with_request_id(status: StatusCode, value: &Value) -> Response {
    let mut body = value.clone();
    if let Value::Object(map) = &mut body {
        map.insert("requestId".to_owned(), Value::String(request_id()));
    }
    json_response(status, &body)
}

/// `GET .../definitions` (`$page`, `$pageSize`).
pub(crate) fn list_definitions<W: Which>(call: &mut Call<'_>) -> Response {
    let (page, page_size) = call.paging();
    let body = list_page(
        ListShape::Definitions,
        &W::channel(call.state).definitions,
        page,
        page_size,
    );
    json_response(StatusCode::OK, &body)
}

/// `POST .../definitions`: 201 with the stored definition.
pub(crate) fn create_definition<W: Which>(call: &mut Call<'_>) -> Response {
    let definition = match call.json_object(VALIDATION) {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    match W::channel(call.state).add_definition(definition) {
        Ok(stored) => with_request_id(StatusCode::CREATED, &stored),
        Err(e) => refused(e),
    }
}

/// `GET .../definitions/{definitionKey}`.
pub(crate) fn get_definition<W: Which>(call: &mut Call<'_>) -> Response {
    let key = call.param("definitionKey").to_owned();
    match W::channel(call.state).definition(&key) {
        Ok(definition) => with_request_id(StatusCode::OK, definition),
        Err(e) => refused(e),
    }
}

/// `PATCH .../definitions/{definitionKey}`: merges the body's fields into the definition.
pub(crate) fn update_definition<W: Which>(call: &mut Call<'_>) -> Response {
    let key = call.param("definitionKey").to_owned();
    let changes = match call.json_object(VALIDATION) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    match W::channel(call.state).update_definition(&key, changes) {
        Ok(definition) => with_request_id(StatusCode::OK, definition),
        Err(e) => refused(e),
    }
}

/// `DELETE .../definitions/{definitionKey}`: 200 `{"requestId", "deletedDefinitionKey",
/// "message": "Success"}`.
pub(crate) fn delete_definition<W: Which>(call: &mut Call<'_>) -> Response {
    let key = call.param("definitionKey").to_owned();
    match W::channel(call.state).delete_definition(&key) {
        Ok(()) => json_response(
            StatusCode::OK,
            &json!({ "requestId": request_id(), "deletedDefinitionKey": key, "message": "Success" }),
        ),
        Err(e) => refused(e),
    }
}

/// MC's 202 answer to a send: one `responses` entry per message key.
fn accepted(message_keys: &[String]) -> Response {
    let responses: Vec<Value> = message_keys.iter().map(|k| json!({ "messageKey": k })).collect();
    json_response(
        StatusCode::ACCEPTED,
        &json!({ "requestId": request_id(), "errorcode": 0, "responses": responses }),
    )
}

/// `POST .../messages/{messageKey}`: one message.
pub(crate) fn send<W: Which>(call: &mut Call<'_>) -> Response {
    let message_key = call.param("messageKey").to_owned();
    let body = match call.json_object(VALIDATION) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let sender = Sender {
        account_id: call.token.account_id,
        client_id: &call.token.client_id,
    };
    match W::channel(call.state).send_one(&message_key, body, sender) {
        Ok(keys) => accepted(&keys),
        Err(e) => refused(e),
    }
}

/// `POST .../messages`: one definition, many `recipients`.
pub(crate) fn send_batch<W: Which>(call: &mut Call<'_>) -> Response {
    let body = match call.json_object(VALIDATION) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let sender = Sender {
        account_id: call.token.account_id,
        client_id: &call.token.client_id,
    };
    match W::channel(call.state).send_batch(body, sender) {
        Ok(keys) => accepted(&keys),
        Err(e) => refused(e),
    }
}

/// `GET /messaging/v1/email/messages/{messageKey}`: every recorded send reports as sent
/// (`TransactionalSendEvents.EmailSent`).
pub(crate) fn email_status(call: &mut Call<'_>) -> Response {
    let message_key = call.param("messageKey").to_owned();
    let send = match call.state.email.sent(&message_key) {
        Ok(s) => s,
        Err(e) => return refused(e),
    };
    let field = |f: &str| send.recipient.get(f).cloned().unwrap_or(Value::Null);
    json_response(
        StatusCode::OK,
        &json!({
            "requestId": request_id(),
            "eventCategoryType": "TransactionalSendEvents.EmailSent",
            "timestamp": now_rfc3339(),
            "compositeId": format!("{}.{}", send.definition_key, send.message_key),
            "info": {
                "messageKey": send.message_key,
                "contactKey": field("contactKey"),
                "to": field("to"),
            },
        }),
    )
}
