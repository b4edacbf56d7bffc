//! Asynchronous data extension row requests (`/data/v1/async/...`).
//!
//! - `POST` (insert) and `PUT` (upsert) `/data/v1/async/dataextensions/key:{key}/rows` with
//!   `{"items": [{column: value, ...}, ...]}` answer 202 `{"requestId", "resultMessages": []}`.
//!   The rows are written at once, each item on its own (the primary key splits an item into
//!   keys and values): an insert whose key is taken, an item without every primary-key
//!   column, or an upsert into a data extension without a primary key fails that item only.
//! - `GET /data/v1/async/{requestId}/status` answers `{"requestId", "status": {"requestStatus":
//!   "Complete", "hasErrors", "callDateTime", "completionDateTime", ...}}`; with
//!   [`data_extensions().set_async_pending_polls`](super::DataExtensionsView::set_async_pending_polls) the first
//!   polls of each request answer `"Pending"` instead (the rows are already written), and
//!   with [`set_async_completion_delay`](super::DataExtensionsView::set_async_completion_delay)
//!   every request answers `"Pending"` until that long (by the fake's clock) after it came.
//! - `GET /data/v1/async/{requestId}/results` answers `{"items": [{"status": "OK" | "Error",
//!   "errorCode", "message"}, ...], ...}`, one item per request item, in order (no items while
//!   the request is pending).
//!
//! Items written into a data extension created with fields are checked against them first;
//! a bad item fails alone (`errorCode` 10000, the message naming the item and the column).
//!
//! An unknown request id is a 404; a body without a non-empty `items` array of objects a 400.
//!
//! These four routes run without the state lock (`state.rs`, "The rows lock"): after the
//! token and scope check an upload parses its body with no lock held, then stores the batch
//! under the rows lock alone, so token requests and other families are answered meanwhile.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::api::{json_body, ApiError, RowsCall};
use super::data_extensions::{DataExtension, VALIDATION};
use super::util::{json_response, lock, now_rfc3339, request_id};

/// The per-item `errorCode` of a primary-key violation (the fake's choice).
pub(crate) const DUPLICATE_KEY: i64 = 10006;
/// The per-item `errorCode` of an item the primary key cannot place (the fake's choice).
pub(crate) const MISSING_KEY: i64 = 10007;

/// One item's outcome.
#[derive(Clone, Debug)]
pub(crate) struct ItemResult {
    pub error: Option<(i64, String)>,
}

/// A stored asynchronous request.
#[derive(Clone, Debug)]
pub(crate) struct AsyncRequest {
    pub data_extension: String,
    pub call_time: String,
    pub completion_time: String,
    pub results: Vec<ItemResult>,
    /// Status polls still to answer `Pending`.
    pub pending_polls: u32,
    /// Until then (by the fake's clock) the request answers `Pending`.
    pub ready_at: std::time::Instant,
}

impl AsyncRequest {
    /// True while the request still answers `Pending`.
    fn pending(&self, now: std::time::Instant) -> bool {
        self.pending_polls > 0 || now < self.ready_at
    }
}

#[derive(Clone, Copy)]
enum Mode {
    Insert,
    Upsert,
}

/// The `items` of an upload body, parsed with no lock held.
fn items(body: &[u8]) -> Result<Vec<Map<String, Value>>, ApiError> {
    let mut body = match json_body(body)? {
        Value::Object(map) => map,
        _ => {
            return Err(ApiError::bad_request(
                VALIDATION,
                "The request body must be a JSON object.",
            ))
        }
    };
    let Some(Value::Array(items)) = body.remove("items") else {
        return Err(ApiError::bad_request(
            VALIDATION,
            "`items` is required and must be an array.",
        ));
    };
    if items.is_empty() {
        return Err(ApiError::bad_request(
            VALIDATION,
            "`items` must contain at least one item.",
        ));
    }
    items
        .into_iter()
        .map(|i| match i {
            Value::Object(m) => Ok(m),
            _ => Err(ApiError::bad_request(
                VALIDATION,
                "Every item must be an object of column values.",
            )),
        })
        .collect()
}

fn apply(de: &mut DataExtension, mode: Mode, n: usize, item: Map<String, Value>) -> ItemResult {
    let row = de.split_owned(item);
    // The row's lookup key, computed once for the duplicate count, the lookup and the index.
    let key = de.full_key(&row);
    de.note_received_key(key.as_deref());
    if let Err(e) = de.check_write(n, &row, matches!(mode, Mode::Insert)) {
        return ItemResult {
            error: Some((VALIDATION, e.message)),
        };
    }
    let error = match mode {
        Mode::Upsert if de.primary_keys.is_empty() => Some((
            MISSING_KEY,
            "The data extension has no primary key, so rows cannot be upserted.".to_owned(),
        )),
        _ if key.is_none() && !de.missing_keys(&row).is_empty() => Some((
            MISSING_KEY,
            format!(
                "The primary key column(s) {} are missing.",
                de.missing_keys(&row).join(", ")
            ),
        )),
        Mode::Insert if key.as_deref().is_some_and(|k| de.find_keyed(&row, k).is_some()) => Some((
            DUPLICATE_KEY,
            "Violation of PRIMARY KEY constraint: a row with this key already exists.".to_owned(),
        )),
        Mode::Insert => {
            de.insert_keyed(row, key);
            None
        }
        Mode::Upsert => {
            de.upsert_keyed(row, key);
            None
        }
    };
    ItemResult { error }
}

/// Parses the body with no lock held, then stores the batch under the rows lock alone.
fn accept(call: &RowsCall<'_>, mode: Mode) -> Response {
    let items = match items(call.body) {
        Ok(i) => i,
        Err(e) => return e.into_response(),
    };
    let key = call.param("key").to_owned();
    let mut rows = lock(call.rows);
    let state = &mut *rows;
    let de = state
        .data_extensions
        .entry(key.clone())
        .or_insert_with(|| DataExtension::new(&key));
    let call_time = now_rfc3339();
    let results = items
        .into_iter()
        .enumerate()
        .map(|(n, item)| apply(de, mode, n, item))
        .collect();
    let ready_at = call.config.clock.now() + state.async_completion_delay;
    let id = request_id();
    state.async_requests.insert(
        id.clone(),
        AsyncRequest {
            data_extension: key,
            call_time: call_time.clone(),
            completion_time: call_time,
            results,
            pending_polls: state.async_pending_polls,
            ready_at,
        },
    );
    drop(rows);
    json_response(StatusCode::ACCEPTED, &json!({ "requestId": id, "resultMessages": [] }))
}

/// `POST /data/v1/async/dataextensions/key:{key}/rows`.
pub(crate) fn insert(call: &RowsCall<'_>) -> Response {
    accept(call, Mode::Insert)
}

/// `PUT /data/v1/async/dataextensions/key:{key}/rows`.
pub(crate) fn upsert(call: &RowsCall<'_>) -> Response {
    accept(call, Mode::Upsert)
}

fn not_found(id: &str) -> Response {
    ApiError::not_found(VALIDATION, format!("No async request with requestId `{id}` exists.")).into_response()
}

/// `GET /data/v1/async/{requestId}/status`.
pub(crate) fn status(call: &RowsCall<'_>) -> Response {
    let id = call.param("requestId").to_owned();
    let now = call.config.clock.now();
    let mut rows = lock(call.rows);
    let Some(req) = rows.async_requests.get_mut(&id) else {
        return not_found(&id);
    };
    let pending = req.pending(now);
    req.pending_polls = req.pending_polls.saturating_sub(1);
    let has_errors = req.results.iter().any(|r| r.error.is_some());
    let status = if pending {
        json!({
            "callDateTime": req.call_time,
            "hasErrors": false,
            "pipelineType": "DataIngestion",
            "requestStatus": "Pending",
            "resultStatus": "Pending",
            "requestId": id,
        })
    } else {
        json!({
            "callDateTime": req.call_time,
            "completionDateTime": req.completion_time,
            "hasErrors": has_errors,
            "pipelineType": "DataIngestion",
            "requestStatus": "Complete",
            "resultStatus": if has_errors { "Error" } else { "OK" },
            "requestId": id,
        })
    };
    json_response(
        StatusCode::OK,
        &json!({ "requestId": id, "status": status, "resultMessages": [] }),
    )
}

/// `GET /data/v1/async/{requestId}/results`.
pub(crate) fn results(call: &RowsCall<'_>) -> Response {
    let id = call.param("requestId").to_owned();
    let now = call.config.clock.now();
    let rows = lock(call.rows);
    let Some(req) = rows.async_requests.get(&id) else {
        return not_found(&id);
    };
    let items: Vec<Value> = if req.pending(now) {
        Vec::new()
    } else {
        req.results
            .iter()
            .map(|r| match &r.error {
                None => json!({ "status": "OK", "errorCode": null, "message": "" }),
                Some((code, message)) => json!({ "status": "Error", "errorCode": code, "message": message }),
            })
            .collect()
    };
    json_response(
        StatusCode::OK,
        &json!({
            "requestId": id,
            "customObjectKey": req.data_extension,
            "page": 1,
            "pageSize": items.len(),
            "count": items.len(),
            "items": items,
            "resultMessages": [],
        }),
    )
}
