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

use super::api::{page_of, ApiError, Call};
use super::util::{json_response, now_rfc3339, request_id};

/// The `errorcode` of the fake's journey validation errors.
const VALIDATION: i64 = 30000;

/// A journey to add to the fake with
/// [`journeys().add`](super::JourneysView::add).
///
/// ```
/// use mc_auth::testing::FakeJourney;
/// let journey = FakeJourney::new("welcome-journey", "Welcome")
///     .event_definition_key("APIEvent-welcome")
///     .status("Published");
/// assert_eq!(journey.version, 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FakeJourney {
    /// The journey's key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The key of its API entry event, if it has one (events fired with it are accepted).
    pub event_definition_key: Option<String>,
    /// `Draft`, `Published`, `Stopped`, ... (default `Published`).
    pub status: String,
    /// The version (default 1).
    pub version: i64,
}

impl FakeJourney {
    /// A published version-1 journey without an entry event.
    pub fn new(key: impl Into<String>, name: impl Into<String>) -> Self {
        FakeJourney {
            key: key.into(),
            name: name.into(),
            event_definition_key: None,
            status: "Published".to_owned(),
            version: 1,
        }
    }

    /// Gives it an API entry event with this definition key.
    pub fn event_definition_key(mut self, key: impl Into<String>) -> Self {
        self.event_definition_key = Some(key.into());
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// Sets the version.
    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }
}

/// A journey entry event recorded by the fake.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct JourneyEvent {
    /// The `eventInstanceId` the fake answered with.
    pub event_instance_id: String,
    /// `ContactKey` of the body.
    pub contact_key: String,
    /// `EventDefinitionKey` of the body.
    pub event_definition_key: String,
    /// `Data` of the body (empty when absent).
    pub data: Map<String, Value>,
    /// The MID of the business unit of the token that fired it.
    pub account_id: u64,
    /// The client id of the package whose token fired it.
    pub client_id: String,
}

/// Journey state.
#[derive(Default)]
pub(crate) struct JourneyState {
    /// Journeys as served (JSON objects with `id`, `key`, ...), in creation order.
    pub journeys: Vec<Value>,
    pub events: Vec<JourneyEvent>,
}

impl JourneyState {
    /// Stores a journey and returns its id.
    pub fn add(&mut self, journey: FakeJourney) -> String {
        let id = request_id();
        let now = now_rfc3339();
        let mut value = json!({
            "id": id,
            "key": journey.key,
            "name": journey.name,
            "version": journey.version,
            "status": journey.status,
            "description": "",
            "workflowApiVersion": 1.0,
            "createdDate": now,
            "modifiedDate": now,
            "triggers": [],
        });
        if let Some(event_key) = journey.event_definition_key {
            value["triggers"] = json!([{
                "id": request_id(),
                "key": "TRIGGER",
                "name": "API Event",
                "type": "APIEvent",
                "eventDefinitionKey": event_key,
                "metaData": { "eventDefinitionKey": event_key },
            }]);
        }
        self.journeys.push(value);
        id
    }

    fn knows_event_key(&self, key: &str) -> bool {
        self.journeys.iter().any(|j| {
            j.get("triggers").and_then(Value::as_array).is_some_and(|ts| {
                ts.iter()
                    .any(|t| t.get("eventDefinitionKey").and_then(Value::as_str) == Some(key))
            })
        })
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(VALIDATION, message)
}

fn string_field(body: &Map<String, Value>, field: &str) -> Result<String, ApiError> {
    match body.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(bad_request(format!(
            "`{field}` is required and must be a non-empty string."
        ))),
    }
}

/// `POST /interaction/v1/events`.
pub(crate) fn fire_event(call: &mut Call<'_>) -> Response {
    let parsed = call.json_object(VALIDATION).and_then(|body| {
        let contact_key = string_field(&body, "ContactKey")?;
        let event_key = string_field(&body, "EventDefinitionKey")?;
        let data = match body.get("Data") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(d)) => d.clone(),
            Some(_) => return Err(bad_request("`Data` must be an object.")),
        };
        Ok((contact_key, event_key, data))
    });
    let (contact_key, event_definition_key, data) = match parsed {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if !call.state.journeys.knows_event_key(&event_definition_key) {
        return bad_request(format!(
            "No journey has an entry event with EventDefinitionKey `{event_definition_key}`."
        ))
        .into_response();
    }
    let event_instance_id = request_id();
    call.state.journeys.events.push(JourneyEvent {
        event_instance_id: event_instance_id.clone(),
        contact_key,
        event_definition_key,
        data,
        account_id: call.token.account_id,
        client_id: call.token.client_id.clone(),
    });
    json_response(StatusCode::CREATED, &json!({ "eventInstanceId": event_instance_id }))
}

/// `GET /interaction/v1/interactions`.
pub(crate) fn list(call: &mut Call<'_>) -> Response {
    let page = call.page_param("$page", 1, usize::MAX);
    let page_size = call.page_param("$pageSize", 50, 2500);
    let all = &call.state.journeys.journeys;
    json_response(
        StatusCode::OK,
        &json!({
            "count": all.len(),
            "page": page,
            "pageSize": page_size,
            "links": {},
            "items": page_of(all, page, page_size),
        }),
    )
}

/// `GET /interaction/v1/interactions/{id}` (or `key:{key}`).
pub(crate) fn get(call: &mut Call<'_>) -> Response {
    let id = call.param("id").to_owned();
    let (field, wanted) = match id.strip_prefix("key:") {
        Some(key) => ("key", key),
        None => ("id", id.as_str()),
    };
    let found = call
        .state
        .journeys
        .journeys
        .iter()
        .find(|j| j.get(field).and_then(Value::as_str) == Some(wanted));
    match found {
        Some(j) => json_response(StatusCode::OK, j),
        None => ApiError::not_found(VALIDATION, format!("No journey with {field} `{wanted}` exists.")).into_response(),
    }
}
