//! Transactional SMS (`/messaging/v1/sms/...`): definitions (create, list) and sends (one or a
//! batch), with the same rules and answers as transactional email: a send needs a known
//! `definitionKey` and recipients with `to` or `contactKey`; a definition needs a
//! `definitionKey` and a `name`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::api::{page_of, Call};
use super::email::{self, json_object, send_many, send_one, Channel, Recipients, MAX_PAGE_SIZE};
use super::util::{json_response, request_id};

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

/// Transactional SMS state.
#[derive(Default)]
pub(crate) struct SmsState {
    /// Definitions in creation order (JSON objects with a `definitionKey`).
    pub definitions: Vec<Value>,
    /// Sends in arrival order.
    pub sends: Vec<SmsSend>,
}

/// `POST /messaging/v1/sms/definitions`: requires `definitionKey` and `name`; 201 with the
/// definition.
pub(crate) fn create_definition(call: &mut Call<'_>) -> Response {
    let result = json_object(call).and_then(|d| email::store_definition(&mut call.state.sms.definitions, d));
    match result {
        Ok(Value::Object(mut body)) => {
            body.insert("requestId".to_owned(), Value::String(request_id()));
            json_response(StatusCode::CREATED, &body)
        }
        Ok(other) => json_response(StatusCode::CREATED, &other),
        Err(e) => e.into_response(),
    }
}

/// `GET /messaging/v1/sms/definitions` (`$page`, `$pageSize`).
///
/// As MC does, `count` is the number of definitions on this page, not the total (a known MC
/// quirk of the transactional messaging API).
pub(crate) fn list_definitions(call: &mut Call<'_>) -> Response {
    let page = call.page_param("$page", 1, usize::MAX);
    let page_size = call.page_param("$pageSize", 50, MAX_PAGE_SIZE);
    let definitions = page_of(&call.state.sms.definitions, page, page_size);
    json_response(
        StatusCode::OK,
        &json!({
            "requestId": request_id(),
            "count": definitions.len(),
            "definitions": definitions,
            "page": page,
            "pageSize": page_size,
        }),
    )
}

fn record(call: &mut Call<'_>, definition_key: &str, sends: Recipients, body: &Value) {
    let (account_id, client_id) = (call.token.account_id, call.token.client_id.clone());
    let text = body
        .get("content")
        .and_then(|c| c.get("message"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let stored = &mut call.state.sms.sends;
    for (message_key, recipient) in sends {
        stored.retain(|s| s.message_key != message_key);
        stored.push(SmsSend {
            message_key,
            definition_key: definition_key.to_owned(),
            recipient: Value::Object(recipient),
            text: text.clone(),
            body: body.clone(),
            account_id,
            client_id: client_id.clone(),
        });
    }
}

const SMS: Channel = Channel {
    definitions: |state| &state.sms.definitions,
    record,
};

/// `POST /messaging/v1/sms/messages/{messageKey}`: one message.
pub(crate) fn send(call: &mut Call<'_>) -> Response {
    send_one(call, &SMS)
}

/// `POST /messaging/v1/sms/messages`: one definition, many `recipients`.
pub(crate) fn send_batch(call: &mut Call<'_>) -> Response {
    send_many(call, &SMS)
}
