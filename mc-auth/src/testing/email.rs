//! Transactional email (`/messaging/v1/email/...`): send definitions (create, list, get,
//! update, delete), sends (one or a batch) and their status.
//!
//! Definitions and sends are shared by all business units of the fake. A send needs a known
//! `definitionKey` and recipients with `to` or `contactKey`; a batch recipient without a
//! `messageKey` gets a generated one. Updating a definition merges the body's fields into it
//! (the `definitionKey` cannot change); a deleted definition is gone (404, and sends naming it
//! get a 400).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::api::{page_of, ApiError, Call};
use super::state::EmailSend;
use super::util::{json_response, now_rfc3339, request_id};

/// The `errorcode` the fake uses for request validation errors.
pub(crate) const VALIDATION: i64 = 10001;

/// The largest `$pageSize` of the definition lists (the fake's choice).
pub(crate) const MAX_PAGE_SIZE: usize = 2500;

pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(VALIDATION, message)
}

pub(crate) fn json_object(call: &Call<'_>) -> Result<Map<String, Value>, ApiError> {
    match call.json_body()? {
        Value::Object(map) => Ok(map),
        _ => Err(bad_request("The request body must be a JSON object.")),
    }
}

pub(crate) fn non_empty_string<'a>(map: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    match map.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        _ => Err(bad_request(format!(
            "`{field}` is required and must be a non-empty string."
        ))),
    }
}

/// `GET /messaging/v1/email/definitions` (`$page`, `$pageSize`).
///
/// As MC does, `count` is the number of definitions on this page, not the total (a known MC
/// quirk of the transactional messaging API): a client that reads it as a total stops after
/// the first page.
pub(crate) fn list_definitions(call: &mut Call<'_>) -> Response {
    let page = call.page_param("$page", 1, usize::MAX);
    let page_size = call.page_param("$pageSize", 50, MAX_PAGE_SIZE);
    let all = &call.state.email.definitions;
    let definitions = page_of(all, page, page_size);
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

/// Validates and stores a definition; shared by the endpoint and
/// [`email().add_definition`](super::EmailView::add_definition).
pub(crate) fn store_definition(
    definitions: &mut Vec<Value>,
    mut definition: Map<String, Value>,
) -> Result<Value, ApiError> {
    let key = non_empty_string(&definition, "definitionKey")?.to_owned();
    non_empty_string(&definition, "name")?;
    if definitions
        .iter()
        .any(|d| d.get("definitionKey").and_then(Value::as_str) == Some(key.as_str()))
    {
        return Err(bad_request(format!(
            "A definition with definitionKey `{key}` already exists."
        )));
    }
    definition
        .entry("status")
        .or_insert_with(|| Value::String("Active".to_owned()));
    let stored = Value::Object(definition);
    definitions.push(stored.clone());
    Ok(stored)
}

/// `POST /messaging/v1/email/definitions`: requires `definitionKey` and `name`.
pub(crate) fn create_definition(call: &mut Call<'_>) -> Response {
    let result = json_object(call).and_then(|d| store_definition(&mut call.state.email.definitions, d));
    match result {
        Ok(Value::Object(mut body)) => {
            body.insert("requestId".to_owned(), Value::String(request_id()));
            json_response(StatusCode::CREATED, &body)
        }
        Ok(other) => json_response(StatusCode::CREATED, &other),
        Err(e) => e.into_response(),
    }
}

/// The index of the definition with this `definitionKey`.
pub(crate) fn definition_index(definitions: &[Value], key: &str) -> Option<usize> {
    definitions
        .iter()
        .position(|d| d.get("definitionKey").and_then(Value::as_str) == Some(key))
}

/// A recipient object with a non-empty `to` or `contactKey`.
pub(crate) fn recipient(value: Option<&Value>) -> Result<Map<String, Value>, ApiError> {
    match value {
        Some(Value::Object(r))
            if ["to", "contactKey"]
                .iter()
                .any(|f| r.get(*f).and_then(Value::as_str).is_some_and(|s| !s.trim().is_empty())) =>
        {
            Ok(r.clone())
        }
        _ => Err(bad_request(
            "Every recipient must be an object with a non-empty `to` or `contactKey`.",
        )),
    }
}

/// The `definitionKey` of a send body, which must name a stored definition.
pub(crate) fn known_definition(definitions: &[Value], body: &Map<String, Value>) -> Result<String, ApiError> {
    let key = non_empty_string(body, "definitionKey")?;
    if definition_index(definitions, key).is_none() {
        return Err(bad_request(format!("No definition with definitionKey `{key}` exists.")));
    }
    Ok(key.to_owned())
}

/// Message keys and their recipients.
pub(crate) type Recipients = Vec<(String, Map<String, Value>)>;

/// The recipients of a batch body: `(messageKey, recipient)`, a key generated where missing.
pub(crate) fn batch_recipients(body: &Map<String, Value>) -> Result<Recipients, ApiError> {
    let Some(Value::Array(list)) = body.get("recipients") else {
        return Err(bad_request("`recipients` is required and must be an array."));
    };
    if list.is_empty() {
        return Err(bad_request("`recipients` must not be empty."));
    }
    list.iter()
        .map(|r| {
            let r = recipient(Some(r))?;
            let key = match r.get("messageKey") {
                None | Some(Value::Null) => request_id(),
                Some(Value::String(k)) if !k.trim().is_empty() => k.clone(),
                Some(_) => return Err(bad_request("A recipient's `messageKey` must be a non-empty string.")),
            };
            Ok((key, r))
        })
        .collect()
}

/// MC's 202 answer to a send: one `responses` entry per message key.
pub(crate) fn accepted(message_keys: &[String]) -> Response {
    let responses: Vec<Value> = message_keys.iter().map(|k| json!({ "messageKey": k })).collect();
    json_response(
        StatusCode::ACCEPTED,
        &json!({ "requestId": request_id(), "errorcode": 0, "responses": responses }),
    )
}

fn record(call: &mut Call<'_>, definition_key: &str, sends: Recipients, body: &Value) {
    let (account_id, client_id) = (call.token.account_id, call.token.client_id.clone());
    let stored = &mut call.state.email.sends;
    for (message_key, recipient) in sends {
        stored.retain(|s| s.message_key != message_key);
        stored.push(EmailSend {
            message_key,
            definition_key: definition_key.to_owned(),
            recipient: Value::Object(recipient),
            body: body.clone(),
            account_id,
            client_id: client_id.clone(),
        });
    }
}

/// Where a channel (email, SMS) keeps its definitions, and how it records sends.
pub(crate) struct Channel {
    /// The channel's definitions in the state.
    pub definitions: fn(&super::state::State) -> &[Value],
    /// Stores the accepted sends.
    pub record: fn(&mut Call<'_>, &str, Recipients, &Value),
}

/// A single send (`POST .../messages/{messageKey}`): needs a known `definitionKey` and a
/// `recipient` with `to` or `contactKey`. A repeated message key replaces the earlier send.
pub(crate) fn send_one(call: &mut Call<'_>, channel: &Channel) -> Response {
    let message_key = call.param("messageKey").to_owned();
    let parsed = json_object(call).and_then(|body| {
        let definition_key = known_definition((channel.definitions)(call.state), &body)?;
        let recipient = recipient(body.get("recipient"))?;
        Ok((body, definition_key, vec![(message_key.clone(), recipient)]))
    });
    finish_send(call, channel, parsed)
}

/// A batch send (`POST .../messages`): one definition, `recipients` each with its own
/// `messageKey` (generated when missing). All or nothing.
pub(crate) fn send_many(call: &mut Call<'_>, channel: &Channel) -> Response {
    let parsed = json_object(call).and_then(|body| {
        let definition_key = known_definition((channel.definitions)(call.state), &body)?;
        let recipients = batch_recipients(&body)?;
        Ok((body, definition_key, recipients))
    });
    finish_send(call, channel, parsed)
}

fn finish_send(
    call: &mut Call<'_>,
    channel: &Channel,
    parsed: Result<(Map<String, Value>, String, Recipients), ApiError>,
) -> Response {
    let (body, definition_key, recipients) = match parsed {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let keys: Vec<String> = recipients.iter().map(|(k, _)| k.clone()).collect();
    (channel.record)(call, &definition_key, recipients, &Value::Object(body));
    accepted(&keys)
}

const EMAIL: Channel = Channel {
    definitions: |state| &state.email.definitions,
    record,
};

/// `POST /messaging/v1/email/messages/{messageKey}`.
pub(crate) fn send(call: &mut Call<'_>) -> Response {
    send_one(call, &EMAIL)
}

/// `POST /messaging/v1/email/messages`.
pub(crate) fn send_batch(call: &mut Call<'_>) -> Response {
    send_many(call, &EMAIL)
}

fn definition_not_found(key: &str) -> Response {
    ApiError::not_found(0, format!("No definition with definitionKey `{key}` was found.")).into_response()
}

/// `GET /messaging/v1/email/definitions/{definitionKey}`.
pub(crate) fn get_definition(call: &mut Call<'_>) -> Response {
    let key = call.param("definitionKey").to_owned();
    match definition_index(&call.state.email.definitions, &key) {
        Some(i) => with_request_id(StatusCode::OK, &call.state.email.definitions[i]),
        None => definition_not_found(&key),
    }
}

fn with_request_id(status: StatusCode, value: &Value) -> Response {
    let mut body = value.clone();
    if let Value::Object(map) = &mut body {
        map.insert("requestId".to_owned(), Value::String(request_id()));
    }
    json_response(status, &body)
}

/// `PATCH /messaging/v1/email/definitions/{definitionKey}`: merges the body's fields into the
/// definition. A different `definitionKey` in the body is a 400.
pub(crate) fn update_definition(call: &mut Call<'_>) -> Response {
    let key = call.param("definitionKey").to_owned();
    let changes = match json_object(call) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let Some(i) = definition_index(&call.state.email.definitions, &key) else {
        return definition_not_found(&key);
    };
    match changes.get("definitionKey") {
        None => {}
        Some(Value::String(k)) if *k == key => {}
        Some(_) => return bad_request("The `definitionKey` of a definition cannot change.").into_response(),
    }
    if let Some(v) = changes.get("name") {
        if v.as_str().is_none_or(|n| n.trim().is_empty()) {
            return bad_request("`name` must be a non-empty string.").into_response();
        }
    }
    let definition = &mut call.state.email.definitions[i];
    if let Value::Object(map) = definition {
        map.extend(changes);
    }
    with_request_id(StatusCode::OK, definition)
}

/// `DELETE /messaging/v1/email/definitions/{definitionKey}`: 200
/// `{"requestId", "deletedDefinitionKey", "message": "Success"}`.
pub(crate) fn delete_definition(call: &mut Call<'_>) -> Response {
    let key = call.param("definitionKey").to_owned();
    let Some(i) = definition_index(&call.state.email.definitions, &key) else {
        return definition_not_found(&key);
    };
    call.state.email.definitions.remove(i);
    json_response(
        StatusCode::OK,
        &json!({ "requestId": request_id(), "deletedDefinitionKey": key, "message": "Success" }),
    )
}

/// `GET /messaging/v1/email/messages/{messageKey}`: every recorded send reports as sent.
pub(crate) fn message_status(call: &mut Call<'_>) -> Response {
    let message_key = call.param("messageKey");
    let Some(send) = call.state.email.sends.iter().find(|s| s.message_key == message_key) else {
        return ApiError::not_found(0, format!("No message with messageKey `{message_key}` was found."))
            .into_response();
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
