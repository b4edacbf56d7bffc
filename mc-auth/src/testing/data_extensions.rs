//! Data extension rows (`/hub/v1/dataevents/key:{key}/rowset`), kept in memory by external key.
//!
//! Data extensions spring into existence on first write.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::api::{ApiError, Call};
use super::state::DataExtensionRow;
use super::util::json_response;

/// The `errorcode` of the hub API's validation errors.
const VALIDATION: i64 = 10000;

fn bad_request(message: &str) -> ApiError {
    ApiError::bad_request(VALIDATION, message)
}

/// One `{"keys": {...}, "values": {...}}` item of a rowset body.
fn parse_row(item: &Value) -> Result<DataExtensionRow, ApiError> {
    let keys = match item.get("keys") {
        Some(Value::Object(k)) if !k.is_empty() => k.clone(),
        _ => return Err(bad_request("Every row needs a non-empty `keys` object.")),
    };
    let values = match item.get("values") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(v)) => v.clone(),
        Some(_) => return Err(bad_request("`values` must be an object.")),
    };
    Ok(DataExtensionRow { keys, values })
}

/// Upserts rows into a data extension's row list, matching rows by their `keys`.
pub(crate) fn upsert(rows: &mut Vec<DataExtensionRow>, new_rows: Vec<DataExtensionRow>) {
    for row in new_rows {
        match rows.iter_mut().find(|r| r.keys == row.keys) {
            Some(existing) => existing.values.extend(row.values),
            None => rows.push(row),
        }
    }
}

/// `POST /hub/v1/dataevents/key:{key}/rowset`: a JSON array of rows, all or nothing.
/// Answers 200 with the rows as sent, like MC.
pub(crate) fn upsert_rows(call: &mut Call<'_>) -> Response {
    let body = match call.json_body() {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let Value::Array(items) = &body else {
        return bad_request("The request body must be a JSON array of rows.").into_response();
    };
    let parsed: Result<Vec<DataExtensionRow>, ApiError> = items.iter().map(parse_row).collect();
    let new_rows = match parsed {
        Ok(rows) => rows,
        Err(e) => return e.into_response(),
    };
    let key = call.param("key").to_owned();
    upsert(call.state.data_extensions.entry(key).or_default(), new_rows);
    json_response(StatusCode::OK, &body)
}
