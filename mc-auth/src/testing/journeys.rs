//! Journey Builder (`/interaction/v1/...`): entry events and journeys.
//!
//! - `POST /interaction/v1/events` with `{"ContactKey", "EventDefinitionKey", "Data"}` answers
//!   201 `{"eventInstanceId"}` and records the event. The fake is strict about the key: only
//!   event definition keys of journeys added with
//!   [`journeys().add`](super::JourneysView::add) are accepted; any other key gets a
//!   400 (errorcode 30000, the fake's choice), so a typo in a test shows up.
//! - `GET /interaction/v1/interactions` (`$page`, default `$pageSize` 50, at most 2,500)
//!   answers `{"count", "page", "pageSize", "links", "items"}`.
//! - `GET /interaction/v1/interactions/{id}` finds a journey by id, or by key as `key:{key}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::api::{list_page, ApiError, Call, ListShape};
use super::util::json_response;

/// The `errorcode` of the fake's journey errors (validation and not found alike).
const VALIDATION: i64 = 30000;

fn string_field(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(ApiError::bad_request(
            VALIDATION,
            format!("`{field}` is required and must be a non-empty string."),
        )),
    }
}

/// `POST /interaction/v1/events`: 201 `{"eventInstanceId"}`.
pub(crate) fn fire_event(call: &mut Call<'_>) -> Response {
    let parsed = call.json_object(VALIDATION).and_then(|body| {
        let contact_key = string_field(&body, "ContactKey")?;
        let event_key = string_field(&body, "EventDefinitionKey")?;
        let data = match body.get("Data") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(d)) => d.clone(),
            Some(_) => return Err(ApiError::bad_request(VALIDATION, "`Data` must be an object.")),
        };
        Ok((contact_key, event_key, data))
    });
    let (contact_key, event_definition_key, data) = match parsed {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    let sender = (call.token.account_id, call.token.client_id.as_str());
    match call
        .state
        .journeys
        .fire_event(contact_key, event_definition_key, data, sender)
    {
        Ok(id) => json_response(StatusCode::CREATED, &json!({ "eventInstanceId": id })),
        Err(e) => ApiError::from_model(VALIDATION, e).into_response(),
    }
}

/// `GET /interaction/v1/interactions`: a [`ListShape::Items`] page.
pub(crate) fn list(call: &mut Call<'_>) -> Response {
    let (page, page_size) = call.paging();
    let body = list_page(ListShape::Items, &call.state.journeys.journeys, page, page_size);
    json_response(StatusCode::OK, &body)
}

/// `GET /interaction/v1/interactions/{id}` (or `key:{key}`).
pub(crate) fn get(call: &mut Call<'_>) -> Response {
    let id = call.param("id").to_owned();
    match call.state.journeys.find(&id) {
        Ok(j) => json_response(StatusCode::OK, j),
        Err(e) => ApiError::from_model(VALIDATION, e).into_response(),
    }
}
