//! Contacts (`/contacts/v1/contacts`): create (`POST`) and update (`PATCH`).
//!
//! The body is `{"contactKey", "attributeSets": [{"name", "items": [{"values": [{"name",
//! "value"}]}]}]}`; success is 200 with `{"operationStatus": "OK", "contactKey", "contactId",
//! "isNewContactKey", "hasErrors": false, "resultMessages": [], ...}`. Creating a contact key
//! that exists, or updating one that does not, is a 400 with `"operationStatus": "FAIL"`,
//! `"hasErrors": true`, a `resultMessages` entry, and MC's `errorcode` / `message` fields
//! (errorcode 10000, the fake's choice). An update merges values item by item: item `i` of a
//! set merges into the stored item `i` of that set.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::api::{ApiError, Call, DOCUMENTATION};
use super::util::{json_response, now_rfc3339, request_id};

/// The `errorcode` of the fake's contact errors.
const VALIDATION: i64 = 10000;

/// A contact stored by the fake.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StoredContact {
    /// The contact key.
    pub contact_key: String,
    /// The numeric id the fake assigned.
    pub contact_id: i64,
    /// Attribute set name → items, each item attribute name → value.
    pub attribute_sets: BTreeMap<String, Vec<Map<String, Value>>>,
}

/// Contact state.
pub(crate) struct ContactState {
    pub contacts: Vec<StoredContact>,
    pub next_id: i64,
}

impl Default for ContactState {
    fn default() -> Self {
        ContactState {
            contacts: Vec::new(),
            next_id: 1_000_001,
        }
    }
}

type Sets = Vec<(String, Vec<Map<String, Value>>)>;

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(VALIDATION, message)
}

fn parse(body: &Map<String, Value>) -> Result<(String, Sets), ApiError> {
    let key = match body.get("contactKey") {
        Some(Value::String(k)) if !k.trim().is_empty() => k.clone(),
        _ => return Err(bad_request("`contactKey` is required and must be a non-empty string.")),
    };
    let sets = match body.get("attributeSets") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(sets)) => sets.iter().map(parse_set).collect::<Result<_, _>>()?,
        Some(_) => return Err(bad_request("`attributeSets` must be an array.")),
    };
    Ok((key, sets))
}

fn parse_set(set: &Value) -> Result<(String, Vec<Map<String, Value>>), ApiError> {
    let bad =
        || bad_request("Every attribute set needs a `name` and `items`: [{\"values\": [{\"name\", \"value\"}]}].");
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

fn fail(contact_key: &str, code: &str, message: &str) -> Response {
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

fn merge(into: &mut BTreeMap<String, Vec<Map<String, Value>>>, sets: Sets) {
    for (name, items) in sets {
        let stored = into.entry(name).or_default();
        for (i, item) in items.into_iter().enumerate() {
            match stored.get_mut(i) {
                Some(existing) => existing.extend(item),
                None => stored.push(item),
            }
        }
    }
}

/// `POST /contacts/v1/contacts`.
pub(crate) fn create(call: &mut Call<'_>) -> Response {
    let (key, sets) = match call.json_object(VALIDATION).and_then(|b| parse(&b)) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let state = &mut call.state.contacts;
    if state.contacts.iter().any(|c| c.contact_key == key) {
        return fail(
            &key,
            "ContactKeyAlreadyExists",
            &format!("A contact with contactKey `{key}` already exists."),
        );
    }
    let mut contact = StoredContact {
        contact_key: key,
        contact_id: state.next_id,
        attribute_sets: BTreeMap::new(),
    };
    state.next_id += 1;
    merge(&mut contact.attribute_sets, sets);
    let response = ok(&contact, true);
    state.contacts.push(contact);
    response
}

/// `PATCH /contacts/v1/contacts`.
pub(crate) fn update(call: &mut Call<'_>) -> Response {
    let (key, sets) = match call.json_object(VALIDATION).and_then(|b| parse(&b)) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let Some(contact) = call.state.contacts.contacts.iter_mut().find(|c| c.contact_key == key) else {
        return fail(
            &key,
            "ContactKeyNotFound",
            &format!("No contact with contactKey `{key}` exists."),
        );
    };
    merge(&mut contact.attribute_sets, sets);
    ok(contact, false)
}
