//! Contacts (`/contacts/v1/contacts`): create (`POST`) and update (`PATCH`).
//!
//! The body is `{"contactKey", "attributeSets": [{"name", "items": [{"values": [{"name",
//! "value"}]}]}]}`; success is 200 with `{"operationStatus": "OK", "contactKey", "contactId",
//! "isNewContactKey", "hasErrors": false, "resultMessages": [], ...}`. Creating a contact key
//! that exists, or updating one that does not, is a 400 with `"operationStatus": "FAIL"`,
//! `"hasErrors": true`, a `resultMessages` entry, and MC's `errorcode` / `message` fields
//! (errorcode 10000, the fake's choice). The rules are the model's
//! ([`model::contacts`](super::model::contacts)).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::api::{ApiError, Call, DOCUMENTATION};
use super::model::contacts::{Sets, StoredContact};
use super::model::{ErrorKind, ModelError};
use super::util::{json_response, now_rfc3339, request_id};

/// The `errorcode` of the fake's contact errors.
const VALIDATION: i64 = 10000;

fn parse(body: &Map<String, Value>) -> Result<(String, Sets), ApiError> {
    let key = match body.get("contactKey") {
        Some(Value::String(k)) if !k.trim().is_empty() => k.clone(),
        _ => {
            return Err(ApiError::bad_request(
                VALIDATION,
                "`contactKey` is required and must be a non-empty string.",
            ))
        }
    };
    let sets = match body.get("attributeSets") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(sets)) => sets.iter().map(parse_set).collect::<Result<_, _>>()?,
        Some(_) => return Err(ApiError::bad_request(VALIDATION, "`attributeSets` must be an array.")),
    };
    Ok((key, sets))
}

fn parse_set(set: &Value) -> Result<(String, Vec<Map<String, Value>>), ApiError> {
    let bad = || {
        ApiError::bad_request(
            VALIDATION,
            "Every attribute set needs a `name` and `items`: [{\"values\": [{\"name\", \"value\"}]}].",
        )
    };
    let name = set
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(bad)?;
    let items = set.get("items").and_then(Value::as_array).ok_or_else(bad)?;
    let items = items
        .iter()
        .map(|item| {
            let values = item.get("values").and_then(Value::as_array).ok_or_else(bad)?;
            values
                .iter()
                .map(|v| {
                    let n = v
                        .get("name")
                        .and_then(Value::as_str)
                        .filter(|n| !n.is_empty())
                        .ok_or_else(bad)?;
                    Ok((n.to_owned(), v.get("value").cloned().unwrap_or(Value::Null)))
                })
                .collect::<Result<Map<String, Value>, ApiError>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((name.to_owned(), items))
}

fn ok(contact: &StoredContact, is_new: bool) -> Response {
    json_response(
        StatusCode::OK,
        &json!({
            "operationStatus": "OK",
            "rowsAffected": 1,
            "contactKey": contact.contact_key,
            "contactId": contact.contact_id,
            "contactTypeId": 0,
            "isNewContactKey": is_new,
            "requestServiceMessageID": request_id(),
            "responseDateTime": now_rfc3339(),
            "hasErrors": false,
            "resultMessages": [],
            "serviceMessageID": request_id(),
        }),
    )
}

/// MC's 400 for a contact key that is taken (create) or unknown (update).
fn fail(contact_key: &str, e: &ModelError) -> Response {
    let code = match e.kind {
        ErrorKind::Exists => "ContactKeyAlreadyExists",
        ErrorKind::NotFound => "ContactKeyNotFound",
        ErrorKind::Invalid => "ValidationError",
    };
    let message = e.message.as_str();
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({
            "operationStatus": "FAIL",
            "rowsAffected": 0,
            "contactKey": contact_key,
            "hasErrors": true,
            "resultMessages": [{
                "resultType": "Error",
                "resultCode": code,
                "resultClass": "ValidationError",
                "resultMessage": message,
            }],
            "documentation": DOCUMENTATION,
            "errorcode": VALIDATION,
            "message": message,
        }),
    )
}

/// `POST /contacts/v1/contacts`.
pub(crate) fn create(call: &mut Call<'_>) -> Response {
    let (key, sets) = match call.json_object(VALIDATION).and_then(|b| parse(&b)) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    match call.state.contacts.create(key.clone(), sets) {
        Ok(contact) => ok(contact, true),
        Err(e) => fail(&key, &e),
    }
}

/// `PATCH /contacts/v1/contacts`.
pub(crate) fn update(call: &mut Call<'_>) -> Response {
    let (key, sets) = match call.json_object(VALIDATION).and_then(|b| parse(&b)) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    match call.state.contacts.update(&key, sets) {
        Ok(contact) => ok(contact, false),
        Err(e) => fail(&key, &e),
    }
}
