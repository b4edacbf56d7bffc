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
//! Lists answer a [`ListShape::Items`] page. Validation errors are 400 and unknown ids 404,
//! both with errorcode 10000 (the fake's choice). The rules are the model's
//! ([`model::assets`](super::model::assets)); this file reads requests and writes MC's answers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use super::api::{list_page, ApiError, Call, ListShape, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use super::data_extensions::text_of;
use super::filter::{parse_rest_filter, Filter, Op};
use super::model::assets::sort_by_property;
use super::util::json_response;

/// The `errorcode` of the fake's asset errors.
const VALIDATION: i64 = 10000;

/// `POST /asset/v1/content/assets`: 201 with the stored asset.
pub(crate) fn create(call: &mut Call<'_>) -> Response {
    let asset = match call.json_object(VALIDATION) {
        Ok(a) => a,
        Err(e) => return e.into_response(),
    };
    match call.state.assets.create(asset) {
        Ok(asset) => json_response(StatusCode::CREATED, &asset),
        Err(e) => ApiError::from_model(VALIDATION, e).into_response(),
    }
}

/// `GET /asset/v1/content/assets` (`$page`, `$pageSize`, `$filter`).
pub(crate) fn list(call: &mut Call<'_>) -> Response {
    let (page, page_size) = call.paging();
    let filter = match call.query_param("$filter").filter(|f| !f.trim().is_empty()) {
        None => None,
        Some(f) => match parse_rest_filter(&f) {
            Ok(parsed) => Some(parsed),
            Err(problem) => {
                return ApiError::bad_request(VALIDATION, format!("The $filter `{f}` is not supported: {problem}."))
                    .into_response()
            }
        },
    };
    let matching = call.state.assets.matching(filter.as_ref());
    json_response(StatusCode::OK, &list_page(ListShape::Items, &matching, page, page_size))
}

/// `GET /asset/v1/content/assets/{id}`.
pub(crate) fn get(call: &mut Call<'_>) -> Response {
    let id = call.param("id").to_owned();
    match call.state.assets.get(&id) {
        Ok(asset) => json_response(StatusCode::OK, asset),
        Err(e) => ApiError::from_model(VALIDATION, e).into_response(),
    }
}

/// A query of the asset query body.
fn parse_query(q: &Value) -> Result<Filter, ApiError> {
    let Value::Object(q) = q else {
        return Err(ApiError::bad_request(VALIDATION, "`query` must be an object."));
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
            _ => Err(ApiError::bad_request(
                VALIDATION,
                "`logicalOperator` must be AND or OR.",
            )),
        };
    }
    let Some(property) = q.get("property").and_then(Value::as_str).filter(|p| !p.is_empty()) else {
        return Err(ApiError::bad_request(VALIDATION, "A query needs a `property`."));
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
        other => {
            return Err(ApiError::bad_request(
                VALIDATION,
                format!("The simpleOperator `{other}` is not supported."),
            ))
        }
    };
    if values.is_empty() && !matches!(op, Op::IsNull | Op::IsNotNull) {
        return Err(ApiError::bad_request(
            VALIDATION,
            format!("The query on `{property}` needs a `value`."),
        ));
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
    let (page, page_size) = (
        number("page", 1, usize::MAX),
        number("pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    );
    let filter = match body.get("query") {
        None | Some(Value::Null) => None,
        Some(q) => match parse_query(q) {
            Ok(f) => Some(f),
            Err(e) => return e.into_response(),
        },
    };
    let mut matching = call.state.assets.matching(filter.as_ref());
    if let Some(sort) = body.get("sort").and_then(Value::as_array).and_then(|s| s.first()) {
        let property = sort.get("property").and_then(Value::as_str).unwrap_or("id");
        let descending = sort
            .get("direction")
            .and_then(Value::as_str)
            .is_some_and(|d| d.eq_ignore_ascii_case("DESC"));
        sort_by_property(&mut matching, property, descending);
    }
    json_response(StatusCode::OK, &list_page(ListShape::Items, &matching, page, page_size))
}

/// `PATCH /asset/v1/content/assets/{id}`: merges the body's top-level fields.
pub(crate) fn update(call: &mut Call<'_>) -> Response {
    let id = call.param("id").to_owned();
    let changes = match call.json_object(VALIDATION) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    match call.state.assets.update(&id, changes) {
        Ok(asset) => json_response(StatusCode::OK, asset),
        Err(e) => ApiError::from_model(VALIDATION, e).into_response(),
    }
}

/// `DELETE /asset/v1/content/assets/{id}`: 200 `"OK"`.
pub(crate) fn delete(call: &mut Call<'_>) -> Response {
    let id = call.param("id").to_owned();
    match call.state.assets.delete(&id) {
        Ok(()) => json_response(StatusCode::OK, &"OK"),
        Err(e) => ApiError::from_model(VALIDATION, e).into_response(),
    }
}
