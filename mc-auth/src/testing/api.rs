//! Protected endpoints: the route table (the one place that says which scopes each operation
//! needs), bearer-token checks, and MC's error bodies.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::state::{Config, State, TokenRecord};
use super::util::{json_response, percent_decode};
use super::{data_extensions, email, userinfo};

/// The `documentation` link of MC's API error bodies.
pub(crate) const DOCUMENTATION: &str =
    "https://developer.salesforce.com/docs/atlas.en-us.mc-apis.meta/mc-apis/error-handling.htm";

/// Path placeholder names and their decoded values.
type Params = Vec<(&'static str, String)>;

/// A request handler: runs under the state lock, after the token and scope checks.
pub(crate) type Handler = fn(&mut Call<'_>) -> Response;

/// A protected endpoint of the fake: method, path pattern and the scopes a token needs.
///
/// Path patterns are literal segments and `{name}` placeholders, which may sit after a
/// literal prefix within a segment (`key:{key}`). A token needs *every* scope listed; an
/// empty list means any valid token will do. See [`routes`].
pub struct Route {
    method: &'static str,
    path: &'static str,
    scopes: &'static [&'static str],
    handler: Handler,
}

impl Route {
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
            .field("method", &self.method)
            .field("path", &self.path)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// THE route table: every protected endpoint of the fake and the scopes it enforces
/// (from MC's permission table in the project's Marketing Cloud reference).
pub(crate) const ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/v2/userinfo",
        scopes: &[],
        handler: userinfo::get,
    },
    Route {
        method: "GET",
        path: "/messaging/v1/email/definitions",
        scopes: &["email_read"],
        handler: email::list_definitions,
    },
    Route {
        method: "POST",
        path: "/messaging/v1/email/definitions",
        scopes: &["email_write"],
        handler: email::create_definition,
    },
    Route {
        method: "POST",
        path: "/messaging/v1/email/messages/{messageKey}",
        scopes: &["email_send"],
        handler: email::send,
    },
    Route {
        method: "GET",
        path: "/messaging/v1/email/messages/{messageKey}",
        scopes: &["email_read"],
        handler: email::message_status,
    },
    Route {
        method: "POST",
        path: "/hub/v1/dataevents/key:{key}/rowset",
        scopes: &["data_extensions_write"],
        handler: data_extensions::upsert_rows,
    },
];

/// Every protected endpoint the fake serves, with the scopes it requires.
///
/// This is the table the fake enforces at run time, so tests can check it against other
/// scope tables (for example the compile-time scope catalog).
///
/// ```
/// let send = mc_auth::testing::routes()
///     .iter()
///     .find(|r| r.method() == "POST" && r.path() == "/messaging/v1/email/messages/{messageKey}")
///     .unwrap();
/// assert_eq!(send.scopes(), ["email_send"]);
/// ```
pub fn routes() -> &'static [Route] {
    ROUTES
}

/// The scopes the fake requires for a concrete request, or `None` when it serves no such
/// endpoint.
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

/// What a handler gets to work with.
pub(crate) struct Call<'a> {
    pub config: &'a Config,
    pub state: &'a mut State,
    /// The (valid, sufficiently scoped) token of the request.
    pub token: TokenRecord,
    params: Params,
    query: Option<&'a str>,
    #[allow(dead_code)] // for handlers that need headers (SOAPAction, ...)
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
}

impl Call<'_> {
    /// A path placeholder's value (empty when the route has no such placeholder).
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
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
        serde_json::from_slice(self.body)
            .map_err(|_| ApiError::bad_request(10001, "The request body is not valid JSON."))
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
pub(crate) fn handle(config: &Config, state: &mut State, req: &ApiRequest<'_>) -> (Response, Option<u64>) {
    let (route, params) = match find_route(req.method, req.path) {
        Ok(found) => found,
        Err(status) => {
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
    let mut call = Call {
        config,
        state,
        token,
        params,
        query: req.query,
        headers: req.headers,
        body: req.body,
    };
    ((route.handler)(&mut call), serial)
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
