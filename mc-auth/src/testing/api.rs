//! Protected endpoints: the REST route table, bearer-token checks, and MC's error bodies.
//!
//! The route table pairs operation names with handlers; each route's method, path and scopes
//! are looked up (at compile time) in [`crate::scope::OPERATIONS`], the table generated from
//! `scopes.toml` that also drives the compile-time scope bounds. So the fake's run-time checks
//! and the compile-time bounds cannot disagree, and a misspelt operation name does not compile.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::messaging::{Email, Sms};
use super::state::{Config, Rows, State, TokenRecord};
use super::util::{json_response, percent_decode};
use super::{
    assets, async_rows, contacts, data_extensions, journeys, message_definition_sends, messaging, soap, userinfo,
};
use crate::scope::{Api, OperationInfo, OPERATIONS};
use std::sync::{Mutex, MutexGuard};

/// The `documentation` link of MC's API error bodies.
pub(crate) const DOCUMENTATION: &str =
    "https://developer.salesforce.com/docs/atlas.en-us.mc-apis.meta/mc-apis/error-handling.htm";

/// Path placeholder names and their decoded values.
type Params = Vec<(&'static str, String)>;

/// A request handler: runs under the state lock, after the token and scope checks.
pub(crate) type Handler = fn(&mut Call<'_>) -> Response;

/// A data extension rows handler: runs after the token and scope checks with the state lock
/// released, and takes the rows lock itself (see `state.rs`, "The rows lock").
pub(crate) type RowsHandler = fn(&RowsCall<'_>) -> Response;

/// How a route is answered.
#[derive(Clone, Copy)]
enum Handling {
    /// Under the state lock.
    Locked(Handler),
    /// Without the state lock, under the rows lock alone.
    Rows(RowsHandler),
}

/// A protected REST endpoint of the fake: the operation it implements, its method, path
/// pattern and the scopes a token needs.
///
/// Path patterns are literal segments and `{name}` placeholders, which may sit after a
/// literal prefix within a segment (`key:{key}`). A token needs *every* scope listed; an
/// empty list means any valid token will do. See [`routes`].
pub struct Route {
    operation: Option<&'static str>,
    method: &'static str,
    path: &'static str,
    scopes: &'static [&'static str],
    handler: Handling,
}

/// Byte-wise string equality usable in `const` context.
const fn const_str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The catalog entry of an operation, at compile time: a name missing from `scopes.toml`
/// fails the build.
pub(crate) const fn operation_info(name: &str) -> &'static OperationInfo {
    let ops: &'static [OperationInfo] = OPERATIONS;
    let mut i = 0;
    while i < ops.len() {
        if const_str_eq(ops[i].name, name) {
            return &ops[i];
        }
        i += 1;
    }
    panic!("the fake names an operation that scopes.toml does not list")
}

impl Route {
    /// The route of catalog operation `name`: method, path and scopes come from the catalog.
    const fn operation(name: &str, handler: Handler) -> Route {
        let info = operation_info(name);
        assert!(matches!(info.api, Api::Rest), "a REST route needs a REST operation");
        Route {
            operation: Some(info.name),
            method: info.method,
            path: info.path,
            scopes: info.scopes,
            handler: Handling::Locked(handler),
        }
    }

    /// The route of catalog operation `name` on data extension rows, answered without the
    /// state lock (see [`RowsHandler`]).
    const fn rows_operation(name: &str, handler: RowsHandler) -> Route {
        let info = operation_info(name);
        assert!(matches!(info.api, Api::Rest), "a REST route needs a REST operation");
        Route {
            operation: Some(info.name),
            method: info.method,
            path: info.path,
            scopes: info.scopes,
            handler: Handling::Rows(handler),
        }
    }

    /// An endpoint that is no catalog operation and needs no scope (`/v2/userinfo`).
    const fn unscoped(method: &'static str, path: &'static str, handler: Handler) -> Route {
        Route {
            operation: None,
            method,
            path,
            scopes: &[],
            handler: Handling::Locked(handler),
        }
    }

    /// The name of the catalog operation (`scopes.toml`) this route implements; `None` for
    /// `/v2/userinfo`, which needs no scope and is no catalog operation.
    pub fn operation_name(&self) -> Option<&'static str> {
        self.operation
    }

    /// The HTTP method (`GET`, `POST`, ...).
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The path pattern, for example `/messaging/v1/email/messages/{messageKey}`.
    pub fn path(&self) -> &'static str {
        self.path
    }

    /// The scopes a token must carry, all of them.
    pub fn scopes(&self) -> &'static [&'static str] {
        self.scopes
    }

    /// Matches a concrete path against the pattern, returning the placeholder values
    /// (percent-decoded).
    fn match_path(&self, path: &str) -> Option<Params> {
        let pattern: Vec<&'static str> = self.path.split('/').collect();
        let actual: Vec<&str> = path.split('/').collect();
        if pattern.len() != actual.len() {
            return None;
        }
        let mut params = Vec::new();
        for (p, a) in pattern.into_iter().zip(actual) {
            match (p.find('{'), p.rfind('}')) {
                (Some(open), Some(close)) if open < close => {
                    let (prefix, suffix) = (&p[..open], &p[close + 1..]);
                    let value = a.strip_prefix(prefix)?.strip_suffix(suffix)?;
                    if value.is_empty() {
                        return None;
                    }
                    params.push((&p[open + 1..close], percent_decode(value)));
                }
                _ if p == a => {}
                _ => return None,
            }
        }
        Some(params)
    }
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Route")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// THE REST route table: every protected endpoint of the fake, by catalog operation.
///
/// Literal routes come before placeholder routes of the same shape
/// (`/asset/v1/content/assets/query` before `/asset/v1/content/assets/{id}`).
pub(crate) const ROUTES: &[Route] = &[
    Route::unscoped("GET", "/v2/userinfo", userinfo::get),
    // Transactional email.
    Route::operation("send_email", messaging::send::<Email>),
    Route::operation("send_email_batch", messaging::send_batch::<Email>),
    Route::operation("create_email_definition", messaging::create_definition::<Email>),
    Route::operation("update_email_definition", messaging::update_definition::<Email>),
    Route::operation("delete_email_definition", messaging::delete_definition::<Email>),
    Route::operation("list_email_definitions", messaging::list_definitions::<Email>),
    Route::operation("get_email_definition", messaging::get_definition::<Email>),
    Route::operation("get_email_message_status", messaging::email_status),
    // Triggered sends over REST.
    Route::operation("send_message_definition", message_definition_sends::send),
    // Transactional SMS.
    Route::operation("send_sms", messaging::send::<Sms>),
    Route::operation("send_sms_batch", messaging::send_batch::<Sms>),
    Route::operation("create_sms_definition", messaging::create_definition::<Sms>),
    Route::operation("list_sms_definitions", messaging::list_definitions::<Sms>),
    // Data extension rows.
    Route::operation("upsert_rows", data_extensions::upsert_rows),
    Route::rows_operation("insert_rows_async", async_rows::insert),
    Route::rows_operation("upsert_rows_async", async_rows::upsert),
    Route::rows_operation("async_request_status", async_rows::status),
    Route::rows_operation("async_request_results", async_rows::results),
    Route::operation("query_rows", data_extensions::query_rows),
    // Journeys.
    Route::operation("fire_journey_event", journeys::fire_event),
    Route::operation("list_journeys", journeys::list),
    Route::operation("get_journey", journeys::get),
    // Content Builder.
    Route::operation("query_assets", assets::query),
    Route::operation("create_asset", assets::create),
    Route::operation("list_assets", assets::list),
    Route::operation("get_asset", assets::get),
    Route::operation("update_asset", assets::update),
    Route::operation("delete_asset", assets::delete),
    // Contacts.
    Route::operation("create_contacts", contacts::create),
    Route::operation("update_contacts", contacts::update),
];

/// Every protected REST endpoint the fake serves, with the scopes it requires.
///
/// This is the table the fake enforces at run time. See also [`operations`] for REST and SOAP
/// together.
///
/// ```
/// let send = mc_auth::testing::routes()
///     .iter()
///     .find(|r| r.method() == "POST" && r.path() == "/messaging/v1/email/messages/{messageKey}")
///     .unwrap();
/// assert_eq!(send.scopes(), ["email_send"]);
/// assert_eq!(send.operation_name(), Some("send_email"));
/// ```
pub fn routes() -> &'static [Route] {
    ROUTES
}

/// One operation as the fake enforces it: a REST route, or a SOAP action on an object type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnforcedOperation {
    /// The catalog name (`scopes.toml`), e.g. `send_email`.
    pub name: &'static str,
    /// REST or SOAP.
    pub api: Api,
    /// The HTTP method (REST) or the SOAP action (`Retrieve`, `Create`, ...).
    pub method: &'static str,
    /// The path pattern (REST) or the SOAP object type (`Subscriber`, `DataExtensionObject`).
    pub path: &'static str,
    /// The scopes a token must carry, all of them.
    pub scopes: &'static [&'static str],
}

/// Every catalog operation the fake serves, REST routes first, then SOAP (action, object
/// type) pairs, with the method, path and scopes it enforces for each. `/v2/userinfo` is not
/// listed (it is no catalog operation and needs no scope).
///
/// ```
/// use mc_auth::testing::operations;
/// let start = operations().into_iter().find(|o| o.name == "start_automation").unwrap();
/// assert_eq!((start.method, start.path, start.scopes), ("Perform", "Automation", &["automations_execute"][..]));
/// ```
pub fn operations() -> Vec<EnforcedOperation> {
    let rest = ROUTES.iter().filter_map(|r| {
        Some(EnforcedOperation {
            name: r.operation?,
            api: Api::Rest,
            method: r.method,
            path: r.path,
            scopes: r.scopes,
        })
    });
    let soap = soap::OPERATIONS.iter().map(|o| EnforcedOperation {
        name: o.name,
        api: Api::Soap,
        method: o.action,
        path: o.object_type,
        scopes: o.scopes,
    });
    rest.chain(soap).collect()
}

/// A concrete path for a route pattern of the catalog: each `{placeholder}` filled, `{id}` with
/// a number and any other with a text, so a test can send one request to every route the fake
/// serves (as the fake's own catalog test and `tests/it/fake_operations.rs` do). A `{` without
/// its `}` is kept as it is.
///
/// ```
/// use mc_auth::testing::{example_path, required_scopes};
/// let path = example_path("/hub/v1/dataevents/key:{key}/rowset");
/// assert_eq!(path, "/hub/v1/dataevents/key:dummy-value/rowset");
/// assert_eq!(required_scopes("POST", &path), Some(&["data_extensions_write"][..]));
/// assert_eq!(example_path("/interaction/v1/interactions/{id}"), "/interaction/v1/interactions/12345");
/// ```
pub fn example_path(pattern: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        let name = &rest[open + 1..open + close];
        out.push_str(if name == "id" { "12345" } else { "dummy-value" });
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// The scopes the fake requires for a concrete REST request, or `None` when it serves no
/// such endpoint.
///
/// ```
/// use mc_auth::testing::required_scopes;
/// assert_eq!(required_scopes("POST", "/hub/v1/dataevents/key:Customers/rowset"), Some(&["data_extensions_write"][..]));
/// assert_eq!(required_scopes("GET", "/v2/userinfo"), Some(&[][..]));
/// assert_eq!(required_scopes("GET", "/nope"), None);
/// ```
pub fn required_scopes(method: &str, path: &str) -> Option<&'static [&'static str]> {
    find_route(method, path).ok().map(|(r, _)| r.scopes)
}

/// The route for a request, or the 404/405 to answer with.
fn find_route(method: &str, path: &str) -> Result<(&'static Route, Params), StatusCode> {
    let path = normalise(path);
    let mut path_known = false;
    for route in ROUTES {
        if let Some(params) = route.match_path(path) {
            if route.method.eq_ignore_ascii_case(method) {
                return Ok((route, params));
            }
            path_known = true;
        }
    }
    Err(if path_known {
        StatusCode::METHOD_NOT_ALLOWED
    } else {
        StatusCode::NOT_FOUND
    })
}

fn normalise(path: &str) -> &str {
    match path.trim_end_matches('/') {
        "" => "/",
        p => p,
    }
}

/// A body as JSON, or MC's 400 for a body that is not.
pub(crate) fn json_body(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|_| ApiError::bad_request(10001, "The request body is not valid JSON."))
}

/// What a [`RowsHandler`] gets to work with: no state lock, the rows lock to take.
pub(crate) struct RowsCall<'a> {
    pub config: &'a Config,
    pub rows: &'a Mutex<Rows>,
    params: Params,
    pub body: &'a [u8],
}

impl RowsCall<'_> {
    /// A path placeholder's value (empty when the route has no such placeholder).
    pub fn param(&self, name: &str) -> &str {
        param_of(&self.params, name)
    }
}

fn param_of<'p>(params: &'p Params, name: &str) -> &'p str {
    params.iter().find(|(n, _)| *n == name).map_or("", |(_, v)| v.as_str())
}

/// What a handler gets to work with.
pub(crate) struct Call<'a> {
    pub config: &'a Config,
    pub state: &'a mut State,
    /// The (valid, sufficiently scoped) token of the request.
    pub token: TokenRecord,
    params: Params,
    query: Option<&'a str>,
    #[allow(dead_code)] // for handlers that need headers
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl Call<'_> {
    /// A path placeholder's value (empty when the route has no such placeholder).
    pub fn param(&self, name: &str) -> &str {
        param_of(&self.params, name)
    }

    /// A query parameter's (decoded) value.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query?;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The body as JSON, or MC's 400 for a body that is not.
    pub fn json_body(&self) -> Result<Value, ApiError> {
        json_body(self.body)
    }

    /// The body as a JSON object, or a 400 with `errorcode` for anything else.
    pub fn json_object(&self, errorcode: i64) -> Result<serde_json::Map<String, Value>, ApiError> {
        match self.json_body()? {
            Value::Object(map) => Ok(map),
            _ => Err(ApiError::bad_request(
                errorcode,
                "The request body must be a JSON object.",
            )),
        }
    }

    /// `$page` (1-based, default 1) and `$pageSize` (default [`DEFAULT_PAGE_SIZE`], at most
    /// [`MAX_PAGE_SIZE`]) of a list request; a value that is not a positive integer counts as
    /// absent.
    pub fn paging(&self) -> (usize, usize) {
        (
            self.page_param("$page", 1, usize::MAX),
            self.page_param("$pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
        )
    }

    /// A positive integer query parameter (`$page`, `$pageSize`), `default` when absent or
    /// not a positive integer, at most `max`.
    pub fn page_param(&self, name: &str, default: usize, max: usize) -> usize {
        self.query_param(name)
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|n| *n > 0)
            .unwrap_or(default)
            .min(max)
    }
}

/// One page of `items`: `page` is 1-based.
pub(crate) fn page_of<T: Clone>(items: &[T], page: usize, page_size: usize) -> Vec<T> {
    items
        .iter()
        .skip(page.saturating_sub(1).saturating_mul(page_size))
        .take(page_size)
        .cloned()
        .collect()
}

/// The largest `$pageSize` of the fake's REST lists (journeys, assets, messaging
/// definitions): MC's documented maximum where it gives one, the fake's choice elsewhere.
pub(crate) const MAX_PAGE_SIZE: usize = 2500;

/// The `$pageSize` of a list request that gives none.
pub(crate) const DEFAULT_PAGE_SIZE: usize = 50;

/// How a REST list answers a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListShape {
    /// Transactional messaging's definition lists (`/messaging/v1/email/definitions`,
    /// `/messaging/v1/sms/definitions`): `{"requestId", "count", "definitions", "page",
    /// "pageSize"}`, where **`count` is the number of definitions on this page, not the
    /// total**, as MC answers (a known quirk of the transactional messaging API): a client
    /// that reads it as a total stops after the first page.
    Definitions,
    /// Journey Builder and Content Builder lists: `{"count", "page", "pageSize", "links",
    /// "items"}`, where `count` is the number of all matching items.
    Items,
}

/// The body of one page of `all` (`page` 1-based), in MC's envelope for `shape`: the one
/// place the fake builds a REST list page.
pub(crate) fn list_page<T: serde::Serialize + Clone>(
    shape: ListShape,
    all: &[T],
    page: usize,
    page_size: usize,
) -> Value {
    let items = page_of(all, page, page_size);
    match shape {
        ListShape::Definitions => json!({
            "requestId": super::util::request_id(),
            "count": items.len(),
            "definitions": items,
            "page": page,
            "pageSize": page_size,
        }),
        ListShape::Items => json!({
            "count": all.len(),
            "page": page,
            "pageSize": page_size,
            "links": {},
            "items": items,
        }),
    }
}

/// An MC API error, answered as `{"documentation", "errorcode", "message"}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub errorcode: i64,
    pub message: String,
}

impl ApiError {
    /// An error with this status, errorcode and message.
    pub fn new(status: StatusCode, errorcode: i64, message: impl Into<String>) -> Self {
        ApiError {
            status,
            errorcode,
            message: message.into(),
        }
    }

    /// 400 with this errorcode.
    pub fn bad_request(errorcode: i64, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, errorcode, message)
    }

    /// 404 with this errorcode.
    pub fn not_found(errorcode: i64, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, errorcode, message)
    }

    /// A model rule broken on a REST route: 400 (invalid), 404 (not found) or 409 (exists),
    /// with the family's `errorcode` and the model's message.
    pub fn from_model(errorcode: i64, error: super::model::ModelError) -> Self {
        use super::model::ErrorKind;
        let status = match error.kind {
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Exists => StatusCode::CONFLICT,
        };
        Self::new(status, errorcode, error.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        mc_error(self.status, self.errorcode, &self.message)
    }
}

/// MC's API error body: `{"documentation", "errorcode", "message"}`.
pub(crate) fn mc_error(status: StatusCode, errorcode: i64, message: &str) -> Response {
    json_response(
        status,
        &json!({ "documentation": DOCUMENTATION, "errorcode": errorcode, "message": message }),
    )
}

/// 401 "Not Authorized": missing, unknown or expired token.
pub(crate) fn not_authorized() -> Response {
    mc_error(StatusCode::UNAUTHORIZED, 0, "Not Authorized")
}

/// 403 "Insufficient Privileges": the token lacks a scope.
pub(crate) fn insufficient_privileges() -> Response {
    mc_error(StatusCode::FORBIDDEN, 20002, "Insufficient Privileges")
}

/// The `errorcode` of the fake's 404 for a documented MC route it does not implement.
pub const NOT_SERVED_ERRORCODE: i64 = 40400;

/// 404 for a route of MC's permission table ([`crate::scope::ROUTES`]) that the fake does not
/// implement: `{"errorcode": 40400, "message": "The fake Marketing Cloud does not serve GET
/// /push/v1/message/{messageId} (a documented Marketing Cloud route; see
/// mc_auth::testing::routes() for the ones it serves)"}`, so that a test calling it learns
/// why instead of seeing MC's answer for a path that does not exist.
fn not_served(route: &crate::scope::RouteInfo) -> Response {
    let message = format!(
        "The fake Marketing Cloud does not serve {} {} (a documented Marketing Cloud route; see mc_auth::testing::routes() for the ones it serves)",
        route.method, route.path
    );
    mc_error(StatusCode::NOT_FOUND, NOT_SERVED_ERRORCODE, &message)
}

/// The token of an `Authorization: Bearer ...` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// A request to a protected endpoint, as the dispatcher hands it over.
pub(crate) struct ApiRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

/// Answers an API request: route lookup, token check, scope check, then the handler.
/// Also returns the serial of the bearer token, when it was one the fake issued.
///
/// Takes the state lock's guard: a [`RowsHandler`] runs after it is released.
pub(crate) fn handle(
    config: &Config,
    rows: &Mutex<Rows>,
    mut state: MutexGuard<'_, State>,
    req: &ApiRequest<'_>,
) -> (Response, Option<u64>) {
    // The catalogued route this request is an instance of: when the fake has no handler for
    // it (or only for a less specific pattern, `/assets/{id}` for `/assets/salutations`), the
    // answer is the documented "not served" 404.
    let known = crate::scope::route_for(req.method, normalise(req.path));
    let (route, params) = match (find_route(req.method, req.path), known) {
        (Ok((route, _)), Some(k)) if k.path != route.path => return (not_served(k), None),
        (Ok(found), _) => found,
        (Err(_), Some(k)) => return (not_served(k), None),
        (Err(status), None) => {
            let message = status.canonical_reason().unwrap_or("Not Found");
            return (mc_error(status, 0, message), None);
        }
    };
    let Some(token) = bearer(req.headers).and_then(|t| state.tokens.get(t)).cloned() else {
        return (not_authorized(), None);
    };
    let serial = Some(token.serial);
    if token.is_expired(config.clock.now()) {
        return (not_authorized(), serial);
    }
    if !route.scopes.iter().all(|s| token.scopes.contains(s)) {
        return (insufficient_privileges(), serial);
    }
    match route.handler {
        Handling::Locked(handler) => {
            let mut call = Call {
                config,
                state: &mut state,
                token,
                params,
                query: req.query,
                headers: req.headers,
                body: req.body,
            };
            (handler(&mut call), serial)
        }
        Handling::Rows(handler) => {
            drop(state);
            let call = RowsCall {
                config,
                rows,
                params,
                body: req.body,
            };
            (handler(&call), serial)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_with_prefixes_and_decoding() {
        let (r, p) = find_route("POST", "/hub/v1/dataevents/key:My%20DE/rowset").unwrap();
        assert_eq!(r.scopes, ["data_extensions_write"]);
        assert_eq!(p, vec![("key", "My DE".to_owned())]);
        assert!(find_route("POST", "/hub/v1/dataevents/key:/rowset").is_err());
        assert!(find_route("POST", "/hub/v1/dataevents/id:x/rowset").is_err());
        assert_eq!(
            find_route("DELETE", "/v2/userinfo").unwrap_err(),
            StatusCode::METHOD_NOT_ALLOWED
        );
        assert_eq!(find_route("GET", "/v2/nothing").unwrap_err(), StatusCode::NOT_FOUND);
        assert!(find_route("GET", "/v2/userinfo/").is_ok());
    }

    #[test]
    fn every_route_is_unique() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.method == b.method && a.path == b.path), "duplicate route {a:?}");
            }
        }
    }
}
