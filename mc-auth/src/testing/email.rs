//! Transactional email (`/messaging/v1/email/...`): send definitions, sends and their status.
//!
//! Definitions and sends are shared by all business units of the fake.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::api::{ApiError, Call};
use super::state::EmailSend;
use super::util::{json_response, now_rfc3339, request_id};

/// The `errorcode` the fake uses for request validation errors.
const VALIDATION: i64 = 10001;

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(VALIDATION, message)
}

fn json_object(call: &Call<'_>) -> Result<Map<String, Value>, ApiError> {
    match call.json_body()? {
        Value::Object(map) => Ok(map),
        _ => Err(bad_request("The request body must be a JSON object.")),
    }
}

fn non_empty_string<'a>(map: &'a Map<String, Value>, field: &str) -> Result<&'a str, ApiError> {
    match map.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        _ => Err(bad_request(format!(
            "`{field}` is required and must be a non-empty string."
        ))),
    }
}

fn page_param(call: &Call<'_>, name: &str, default: usize) -> usize {
    call.query_param(name)
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// `GET /messaging/v1/email/definitions` (`$page`, `$pageSize`).
pub(crate) fn list_definitions(call: &mut Call<'_>) -> Response {
    let page = page_param(call, "$page", 1);
    let page_size = page_param(call, "$pageSize", 50);
    let all = &call.state.email.definitions;
    let definitions: Vec<&Value> = all
        .iter()
        .skip(page.saturating_sub(1).saturating_mul(page_size))
        .take(page_size)
        .collect();
    json_response(
        StatusCode::OK,
        &json!({
            "requestId": request_id(),
            "definitions": definitions,
            "count": all.len(),
            "page": page,
            "pageSize": page_size,
        }),
    )
}

/// Validates and stores a definition; shared by the endpoint and
/// [`FakeMarketingCloud::add_email_definition`](super::FakeMarketingCloud::add_email_definition).
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

/// `POST /messaging/v1/email/messages/{messageKey}`: needs a known `definitionKey` and a
/// `recipient` with `to` or `contactKey`. A repeated message key replaces the earlier send.
pub(crate) fn send(call: &mut Call<'_>) -> Response {
    let message_key = call.param("messageKey").to_owned();
    let body = match json_object(call) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let definition_key = match non_empty_string(&body, "definitionKey") {
        Ok(k) => k.to_owned(),
        Err(e) => return e.into_response(),
    };
    let known = call
        .state
        .email
        .definitions
        .iter()
        .any(|d| d.get("definitionKey").and_then(Value::as_str) == Some(definition_key.as_str()));
    if !known {
        return bad_request(format!("No definition with definitionKey `{definition_key}` exists.")).into_response();
    }
    let recipient = match body.get("recipient") {
        Some(Value::Object(r))
            if ["to", "contactKey"]
                .iter()
                .any(|f| r.get(*f).and_then(Value::as_str).is_some_and(|s| !s.is_empty())) =>
        {
            Value::Object(r.clone())
        }
        _ => return bad_request("`recipient` is required and must have `to` or `contactKey`.").into_response(),
    };
    let sends = &mut call.state.email.sends;
    sends.retain(|s| s.message_key != message_key);
    sends.push(EmailSend {
        message_key: message_key.clone(),
        definition_key,
        recipient,
        body: Value::Object(body),
        account_id: call.token.account_id,
        client_id: call.token.client_id.clone(),
    });
    json_response(
        StatusCode::ACCEPTED,
        &json!({
            "requestId": request_id(),
            "errorcode": 0,
            "responses": [{ "messageKey": message_key }],
        }),
    )
}

/// `GET /messaging/v1/email/messages/{messageKey}`: every recorded send reports as sent.
pub(crate) fn message_status(call: &mut Call<'_>) -> Response {
    let message_key = call.param("messageKey");
    let Some(send) = call.state.email.sends.iter().find(|s| s.message_key == message_key) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            0,
            format!("No message with messageKey `{message_key}` was found."),
        )
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
