//! Content Builder assets (`/asset/v1/content/assets...`), kept in memory by numeric id.
//!
//! - `POST /asset/v1/content/assets` needs a non-empty `name` and an `assetType` object with a
//!   numeric `id`; it assigns `id` (from 10000 up), a `customerKey` when none is given (they
//!   are unique: a taken one is a 400), `createdDate` and `modifiedDate`, and answers 201 with
//!   the asset.
//! - `GET /asset/v1/content/assets` lists them (`$page`, `$pageSize` default 50 at most 2,500,
//!   and `$filter` in the row-query syntax, on dotted property paths such as
//!   `assetType.name eq 'htmlemail'`); `GET .../{id}` gets one.
//! - `POST /asset/v1/content/assets/query` takes `{"page": {"page", "pageSize"}, "query":
//!   {"property", "simpleOperator", "value"}, "sort": [{"property", "direction"}]}`; queries
//!   nest as `{"leftOperand", "logicalOperator": "AND" | "OR", "rightOperand"}`. Operators:
//!   `equal notEqual greaterThan greaterThanOrEqual lessThan lessThanOrEqual like contains
//!   in isNull isNotNull` (`like` without `%` means "contains"). Others are a 400.
//! - `PATCH .../{id}` merges the body's top-level fields (the `id` cannot change);
//!   `DELETE .../{id}` answers 200 `"OK"`, after which the asset is a 404.
//!
//! Lists answer `{"count", "page", "pageSize", "links", "items"}`. Validation errors are 400
//! with errorcode 10000 (the fake's choice).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::api::{page_of, ApiError, Call};
use super::data_extensions::text_of;
use super::filter::{self, parse_rest_filter, Filter, Op};
use super::util::{json_response, now_rfc3339, request_id};

/// The `errorcode` of the fake's asset errors.
const VALIDATION: i64 = 10000;
/// The first id the fake assigns.
const FIRST_ID: i64 = 10000;

/// Content Builder state.
pub(crate) struct AssetState {
    /// Assets as served (JSON objects with a numeric `id`), in creation order.
    pub assets: Vec<Value>,
    pub next_id: i64,
}

impl Default for AssetState {
    fn default() -> Self {
        AssetState {
            assets: Vec::new(),
            next_id: FIRST_ID,
        }
    }
}

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(VALIDATION, message)
}

fn not_found(id: &str) -> Response {
    ApiError::not_found(VALIDATION, format!("No asset with id `{id}` exists.")).into_response()
}

/// The value at a dotted path, names case-insensitive.
fn path_value<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, part| {
        v.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(part))
            .map(|(_, v)| v)
    })
}

fn lookup(asset: &Value) -> impl Fn(&str) -> Option<String> + '_ {
    move |path: &str| path_value(asset, path).and_then(text_of)
}

impl AssetState {
    fn index(&self, id: &str) -> Option<usize> {
        let id: i64 = id.trim().parse().ok()?;
        self.assets
            .iter()
            .position(|a| a.get("id").and_then(Value::as_i64) == Some(id))
    }

    fn key_taken(&self, key: &str, except: Option<usize>) -> bool {
        self.assets
            .iter()
            .enumerate()
            .any(|(i, a)| Some(i) != except && a.get("customerKey").and_then(Value::as_str) == Some(key))
    }

    /// Validates and stores a new asset; returns it as stored.
    pub fn create(&mut self, mut asset: Map<String, Value>) -> Result<Value, ApiError> {
        check_fields(&asset, true)?;
        let key = match asset.get("customerKey") {
            None | Some(Value::Null) => request_id(),
            Some(Value::String(k)) if !k.trim().is_empty() => k.clone(),
            Some(_) => return Err(bad_request("`customerKey` must be a non-empty string.")),
        };
        if self.key_taken(&key, None) {
            return Err(bad_request(format!(
                "An asset with customerKey `{key}` already exists."
            )));
        }
        let id = self.next_id;
        self.next_id += 1;
        let now = now_rfc3339();
        asset.insert("id".to_owned(), json!(id));
        asset.insert("customerKey".to_owned(), json!(key));
        asset.entry("objectID").or_insert_with(|| json!(request_id()));
        asset.insert("createdDate".to_owned(), json!(now));
        asset.insert("modifiedDate".to_owned(), json!(now));
        let stored = Value::Object(asset);
        self.assets.push(stored.clone());
        Ok(stored)
    }
}

/// `name` non-empty and `assetType.id` numeric (both required on create).
fn check_fields(asset: &Map<String, Value>, create: bool) -> Result<(), ApiError> {
    match asset.get("name") {
        None if !create => {}
        Some(Value::String(n)) if !n.trim().is_empty() => {}
        _ => return Err(bad_request("`name` is required and must be a non-empty string.")),
    }
    match asset.get("assetType") {
        None if !create => {}
        Some(Value::Object(t)) if t.get("id").is_some_and(Value::is_i64) => {}
        _ => {
            return Err(bad_request(
                "`assetType` is required and must be an object with a numeric `id`.",
            ))
        }
    }
    Ok(())
}

/// `POST /asset/v1/content/assets`.
pub(crate) fn create(call: &mut Call<'_>) -> Response {
    match call
        .json_object(VALIDATION)
        .and_then(|asset| call.state.assets.create(asset))
    {
        Ok(asset) => json_response(StatusCode::CREATED, &asset),
        Err(e) => e.into_response(),
    }
}

fn page_body(matching: &[&Value], page: usize, page_size: usize) -> Value {
    json!({
        "count": matching.len(),
        "page": page,
        "pageSize": page_size,
        "links": {},
        "items": page_of(matching, page, page_size),
    })
}

/// `GET /asset/v1/content/assets`.
pub(crate) fn list(call: &mut Call<'_>) -> Response {
    let page = call.page_param("$page", 1, usize::MAX);
    let page_size = call.page_param("$pageSize", 50, 2500);
    let filter = match call.query_param("$filter").filter(|f| !f.trim().is_empty()) {
        None => None,
        Some(f) => match parse_rest_filter(&f) {
            Ok(parsed) => Some(parsed),
            Err(problem) => {
                return bad_request(format!("The $filter `{f}` is not supported: {problem}.")).into_response()
            }
        },
    };
    let matching: Vec<&Value> = call
        .state
        .assets
        .assets
        .iter()
        .filter(|a| filter.as_ref().is_none_or(|f| f.matches(&lookup(a))))
        .collect();
    json_response(StatusCode::OK, &page_body(&matching, page, page_size))
}

/// `GET /asset/v1/content/assets/{id}`.
pub(crate) fn get(call: &mut Call<'_>) -> Response {
    let id = call.param("id").to_owned();
    match call.state.assets.index(&id) {
        Some(i) => json_response(StatusCode::OK, &call.state.assets.assets[i]),
        None => not_found(&id),
    }
}

/// A query of the asset query body.
fn parse_query(q: &Value) -> Result<Filter, ApiError> {
    let Value::Object(q) = q else {
        return Err(bad_request("`query` must be an object."));
    };
    if let (Some(left), Some(right)) = (q.get("leftOperand"), q.get("rightOperand")) {
        let (l, r) = (Box::new(parse_query(left)?), Box::new(parse_query(right)?));
        return match q
            .get("logicalOperator")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            Some("AND") => Ok(Filter::And(l, r)),
            Some("OR") => Ok(Filter::Or(l, r)),
            _ => Err(bad_request("`logicalOperator` must be AND or OR.")),
        };
    }
    let Some(property) = q.get("property").and_then(Value::as_str).filter(|p| !p.is_empty()) else {
        return Err(bad_request("A query needs a `property`."));
    };
    let operator = q.get("simpleOperator").and_then(Value::as_str).unwrap_or("");
    let value = q.get("value").or_else(|| q.get("values"));
    let values: Vec<String> = match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.iter().filter_map(text_of).collect(),
        Some(v) => text_of(v).into_iter().collect(),
    };
    let (op, values) = match operator {
        "equal" | "equals" => (Op::Eq, values),
        "notEqual" | "notEquals" => (Op::Ne, values),
        "greaterThan" => (Op::Gt, values),
        "greaterThanOrEqual" => (Op::Ge, values),
        "lessThan" => (Op::Lt, values),
        "lessThanOrEqual" => (Op::Le, values),
        "in" | "IN" => (Op::In, values),
        "isNull" => (Op::IsNull, values),
        "isNotNull" => (Op::IsNotNull, values),
        "like" | "contains" => {
            let pattern = values.first().cloned().unwrap_or_default();
            let pattern = if pattern.contains('%') {
                pattern
            } else {
                format!("%{pattern}%")
            };
            (Op::Like, vec![pattern])
        }
        other => return Err(bad_request(format!("The simpleOperator `{other}` is not supported."))),
    };
    if values.is_empty() && !matches!(op, Op::IsNull | Op::IsNotNull) {
        return Err(bad_request(format!("The query on `{property}` needs a `value`.")));
    }
    Ok(Filter::compare(property, op, values))
}

/// `POST /asset/v1/content/assets/query`.
pub(crate) fn query(call: &mut Call<'_>) -> Response {
    let body = match call.json_object(VALIDATION) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let number = |field: &str, default: usize, max: usize| {
        body.get("page")
            .and_then(|p| p.get(field))
            .and_then(Value::as_u64)
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
            .min(max)
    };
    let (page, page_size) = (number("page", 1, usize::MAX), number("pageSize", 50, 2500));
    let filter = match body.get("query") {
        None | Some(Value::Null) => None,
        Some(q) => match parse_query(q) {
            Ok(f) => Some(f),
            Err(e) => return e.into_response(),
        },
    };
    let mut matching: Vec<&Value> = call
        .state
        .assets
        .assets
        .iter()
        .filter(|a| filter.as_ref().is_none_or(|f| f.matches(&lookup(a))))
        .collect();
    if let Some(sort) = body.get("sort").and_then(Value::as_array).and_then(|s| s.first()) {
        let property = sort.get("property").and_then(Value::as_str).unwrap_or("id").to_owned();
        let descending = sort
            .get("direction")
            .and_then(Value::as_str)
            .is_some_and(|d| d.eq_ignore_ascii_case("DESC"));
        matching.sort_by(|a, b| {
            let (x, y) = (lookup(a)(&property), lookup(b)(&property));
            let order = match (x, y) {
                (Some(x), Some(y)) => filter::compare(&x, &y),
                (x, y) => x.is_some().cmp(&y.is_some()),
            };
            if descending {
                order.reverse()
            } else {
                order
            }
        });
    }
    json_response(StatusCode::OK, &page_body(&matching, page, page_size))
}

/// `PATCH /asset/v1/content/assets/{id}`.
pub(crate) fn update(call: &mut Call<'_>) -> Response {
    let id = call.param("id").to_owned();
    let changes = match call.json_object(VALIDATION) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let state = &mut call.state.assets;
    let Some(i) = state.index(&id) else {
        return not_found(&id);
    };
    let current_id = state.assets[i].get("id").cloned().unwrap_or(Value::Null);
    if let Some(new_id) = changes.get("id") {
        if text_of(new_id) != text_of(&current_id) {
            return bad_request("The `id` of an asset cannot change.").into_response();
        }
    }
    if let Err(e) = check_fields(&changes, false) {
        return e.into_response();
    }
    match changes.get("customerKey") {
        None => {}
        Some(Value::String(k)) if !k.trim().is_empty() && state.key_taken(k, Some(i)) => {
            return bad_request(format!("An asset with customerKey `{k}` already exists.")).into_response();
        }
        Some(Value::String(k)) if !k.trim().is_empty() => {}
        Some(_) => return bad_request("`customerKey` must be a non-empty string.").into_response(),
    }
    let asset = &mut state.assets[i];
    if let Value::Object(map) = asset {
        map.extend(changes);
        map.insert("id".to_owned(), current_id);
        map.insert("modifiedDate".to_owned(), json!(now_rfc3339()));
    }
    json_response(StatusCode::OK, asset)
}

/// `DELETE /asset/v1/content/assets/{id}`.
pub(crate) fn delete(call: &mut Call<'_>) -> Response {
    let id = call.param("id").to_owned();
    match call.state.assets.index(&id) {
        Some(i) => {
            call.state.assets.assets.remove(i);
            json_response(StatusCode::OK, &"OK")
        }
        None => not_found(&id),
    }
}
