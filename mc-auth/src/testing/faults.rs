//! Fault injection: make the next N matching requests fail (or slow down) in a chosen way.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::json;

use super::api::{mc_error, not_authorized, DOCUMENTATION};
use super::endpoint::Endpoint;
use super::record::RequestKind;
use super::token::OAuthError;

/// The `faultstring` of [`Fault::soap_throttled`].
pub const SOAP_THROTTLED: &str = "Server is busy: requests are throttled, try again later.";

/// A fault to inject into the fake's next matching requests, with
/// [`FakeMarketingCloud::inject`](super::FakeMarketingCloud::inject).
///
/// A fault applies once unless [`times`](Self::times) says otherwise, to any request unless
/// narrowed with [`only_token_requests`](Self::only_token_requests),
/// [`only_api_requests`](Self::only_api_requests) or [`path_prefix`](Self::path_prefix).
/// Injected faults queue up: each request takes the first one that matches it. Faulted
/// requests are recorded like any other.
///
/// ```
/// use std::time::Duration;
/// use mc_auth::testing::Fault;
///
/// let _ = Fault::status(503).times(2).only_token_requests();
/// let _ = Fault::status(429).retry_after(Duration::from_secs(3)).path_prefix("/messaging");
/// let _ = Fault::delay(Duration::from_millis(50)).only_api_requests();
/// ```
#[derive(Clone, Debug)]
#[must_use = "a fault does nothing until it is passed to FakeMarketingCloud::inject"]
pub struct Fault {
    action: Action,
    remaining: usize,
    target: Target,
    path_prefix: Option<String>,
    retry_after: Option<Duration>,
    answer_after: Option<Duration>,
    /// Applies to every `every`-th matching request only.
    every: usize,
    /// Matching requests seen (for `every`).
    seen: usize,
}

#[derive(Clone, Debug)]
enum Action {
    Status(u16),
    Delay(Duration),
    Malformed,
    Body {
        status: u16,
        content_type: String,
        body: Bytes,
    },
    Chunked {
        status: u16,
        content_type: String,
        chunks: Vec<Bytes>,
    },
    Unauthorized,
    SoapFault(String),
    Echo {
        status: u16,
        format: EchoFormat,
        split: bool,
    },
    Mangle(Mangle),
}

/// How an echo fault writes the request back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EchoFormat {
    Json,
    Html,
    SoapFault,
}

/// How a mangling fault spoils the normal answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mangle {
    /// Cut off the last bytes of the body.
    Truncate,
    /// Add bytes after the body.
    TrailingGarbage,
}

impl Mangle {
    /// `body`, spoiled.
    pub(crate) fn apply(self, body: &[u8]) -> Bytes {
        match self {
            Mangle::Truncate => Bytes::copy_from_slice(&body[..body.len().saturating_sub(12)]),
            Mangle::TrailingGarbage => {
                let mut v = body.to_vec();
                v.extend_from_slice(b"}\n<garbage/>");
                Bytes::from(v)
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Any,
    Token,
    Api,
    /// `/Service.asmx` only.
    Soap,
}

impl Fault {
    fn new(action: Action) -> Self {
        Fault {
            action,
            remaining: 1,
            target: Target::Any,
            path_prefix: None,
            retry_after: None,
            answer_after: None,
            every: 1,
            seen: 0,
        }
    }

    /// Apply only to every `n`-th matching request (the `n`-th, the `2n`-th, ...); the others
    /// pass on to later faults or are answered normally. With `n = 20` and
    /// [`times`](Self::times)`(usize::MAX)`, 5% of the requests get the fault. 0 counts as 1.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mc_auth::testing::Fault;
    /// let _ = Fault::status(429).retry_after(Duration::from_secs(1)).every(20).times(usize::MAX);
    /// ```
    pub fn every(mut self, n: usize) -> Self {
        self.every = n.max(1);
        self
    }

    /// Answer with this HTTP status and an MC-shaped JSON error body
    /// (`{"documentation", "errorcode", "message"}`).
    ///
    /// Status 429 gets MC's rate-limit bodies: errorcode 50100 "Rate limit exceeded" with a
    /// `retryAfter` field and a `Retry-After` header when [`retry_after`](Self::retry_after) is
    /// set, otherwise errorcode 50200 "Your requests are temporarily blocked." with no
    /// `Retry-After` ([`rate_limited`](Self::rate_limited) and
    /// [`temporarily_blocked`](Self::temporarily_blocked) name the two). A number that is not
    /// a valid HTTP status becomes 500.
    pub fn status(status: u16) -> Self {
        Fault::new(Action::Status(status))
    }

    /// MC's rate limit: HTTP 429 with errorcode 50100 "Rate limit exceeded", a `Retry-After`
    /// header and a `retryAfter` body field, both in whole seconds (`after` rounded up), as MC
    /// answers a client that sends too many API calls or token requests. MC publishes no
    /// numeric limit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use mc_auth::testing::Fault;
    /// let _ = Fault::rate_limited(Duration::from_secs(5)).only_api_requests();
    /// ```
    pub fn rate_limited(after: Duration) -> Self {
        Fault::status(429).retry_after(after)
    }

    /// MC's other 429: errorcode 50200 "Your requests are temporarily blocked." with no
    /// `Retry-After` header and no `retryAfter` field, so a client must choose its own wait.
    pub fn temporarily_blocked() -> Self {
        Fault::status(429)
    }

    /// SOAP throttling as MC answers it: not a 429 but an HTTP 500 SOAP fault (`faultcode`
    /// `soap:Client`), here with the `faultstring` [`SOAP_THROTTLED`], and only on
    /// `/Service.asmx` (REST and token requests pass). MC's exact throttling `faultstring` is
    /// not published; the client recognises any that says "throttl".
    ///
    /// ```
    /// use mc_auth::testing::Fault;
    /// let _ = Fault::soap_throttled().times(2);
    /// ```
    pub fn soap_throttled() -> Self {
        let mut fault = Fault::soap_fault(SOAP_THROTTLED);
        fault.target = Target::Soap;
        fault
    }

    /// Wait this long (a real `tokio` sleep), then answer normally.
    pub fn delay(by: Duration) -> Self {
        Fault::new(Action::Delay(by))
    }

    /// Answer 200 with `Content-Type: application/json` and a truncated JSON body (for
    /// `/Service.asmx`: `text/xml` and a truncated SOAP envelope).
    pub fn malformed_body() -> Self {
        Fault::new(Action::Malformed)
    }

    /// Answer with exactly this status, content type and body.
    pub fn body(status: u16, content_type: impl Into<String>, body: impl Into<Bytes>) -> Self {
        Fault::new(Action::Body {
            status,
            content_type: content_type.into(),
            body: body.into(),
        })
    }

    /// Answer with this status and content type, and the body sent in these chunks with
    /// `Transfer-Encoding: chunked` (no `Content-Length`), as a streaming server would: for
    /// testing body limits and reassembly.
    ///
    /// ```
    /// use mc_auth::testing::Fault;
    /// let fault = Fault::chunked_body(200, "application/json", [&b"{\"a\":"[..], &b"1}"[..]]);
    /// ```
    pub fn chunked_body<B: Into<Bytes>>(
        status: u16,
        content_type: impl Into<String>,
        chunks: impl IntoIterator<Item = B>,
    ) -> Self {
        Fault::new(Action::Chunked {
            status,
            content_type: content_type.into(),
            chunks: chunks.into_iter().map(Into::into).collect(),
        })
    }

    /// Answer 401 even when the token is valid: MC's "Not Authorized" body for API calls,
    /// `invalid_client` for token requests.
    pub fn unauthorized() -> Self {
        Fault::new(Action::Unauthorized)
    }

    /// Answer HTTP 500 with a SOAP fault (`faultcode` `soap:Client`) with this `faultstring`,
    /// as MC does for an expired token (`"Token Expired"`) or throttling. Narrow it to SOAP
    /// calls with [`path_prefix`](Self::path_prefix)`("/Service.asmx")`.
    ///
    /// ```
    /// use mc_auth::testing::Fault;
    /// let _ = Fault::soap_fault("Token Expired").path_prefix("/Service.asmx");
    /// ```
    pub fn soap_fault(faultstring: impl Into<String>) -> Self {
        Fault::new(Action::SoapFault(faultstring.into()))
    }

    /// Answer with `status` and an MC-shaped JSON error whose `message` quotes the request's
    /// headers and body, and whose `echo` object copies them: what a misbehaving proxy or
    /// server does, and what mc-auth must never pass on (the `Authorization` header carries
    /// the access token).
    pub fn echo_json(status: u16) -> Self {
        Fault::new(Action::Echo {
            status,
            format: EchoFormat::Json,
            split: false,
        })
    }

    /// Answer with `status` and an HTML error page that quotes the request's headers and body.
    pub fn echo_html(status: u16) -> Self {
        Fault::new(Action::Echo {
            status,
            format: EchoFormat::Html,
            split: false,
        })
    }

    /// Answer with an HTTP 500 SOAP fault whose `faultcode`, `faultstring` and `detail` quote
    /// the request's headers and body (a SOAP envelope carries the token in `fueloauth`).
    pub fn echo_soap_fault() -> Self {
        Fault::new(Action::Echo {
            status: 500,
            format: EchoFormat::SoapFault,
            split: false,
        })
    }

    /// For an echo fault: splits every quoted value with CR/LF every few characters, so a
    /// secret is never in one piece in the body.
    pub fn split_by_crlf(mut self) -> Self {
        if let Action::Echo { split, .. } = &mut self.action {
            *split = true;
        }
        self
    }

    /// Answers normally but cuts off the end of the body: a token response still holds its
    /// new access and refresh tokens, but does not parse.
    pub fn truncated() -> Self {
        Fault::new(Action::Mangle(Mangle::Truncate))
    }

    /// Answers normally with garbage after the body.
    pub fn trailing_garbage() -> Self {
        Fault::new(Action::Mangle(Mangle::TrailingGarbage))
    }

    /// Wait this long (a real `tokio` sleep) before answering with the fault: a slow failure,
    /// to keep a request in flight while other callers join it.
    pub fn after(mut self, wait: Duration) -> Self {
        self.answer_after = Some(wait);
        self
    }

    /// How long to wait before answering (see [`after`](Self::after)).
    pub(crate) fn answer_after(&self) -> Option<Duration> {
        self.answer_after
    }

    /// Apply to the next `n` matching requests (default 1). `usize::MAX` is "until cleared".
    pub fn times(mut self, n: usize) -> Self {
        self.remaining = n;
        self
    }

    /// Add a `Retry-After` header (whole seconds, rounded up); for status 429 also MC's
    /// `retryAfter` body field.
    pub fn retry_after(mut self, after: Duration) -> Self {
        self.retry_after = Some(after);
        self
    }

    /// Match only `/v2/token` requests.
    pub fn only_token_requests(mut self) -> Self {
        self.target = Target::Token;
        self
    }

    /// Match only API calls (everything but `/v2/token`).
    pub fn only_api_requests(mut self) -> Self {
        self.target = Target::Api;
        self
    }

    /// Match only requests whose path starts with `prefix` (for example `"/messaging"`).
    pub fn path_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.path_prefix = Some(prefix.into());
        self
    }

    fn matches(&self, endpoint: Endpoint, path: &str) -> bool {
        let kind_ok = match self.target {
            Target::Any => true,
            Target::Token => endpoint.kind() == RequestKind::Token,
            Target::Api => endpoint.kind() == RequestKind::Api,
            Target::Soap => endpoint == Endpoint::Soap,
        };
        kind_ok && self.path_prefix.as_deref().is_none_or(|p| path.starts_with(p))
    }

    fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after.map(|d| {
            let secs = d.as_secs();
            if d.subsec_nanos() > 0 {
                secs + 1
            } else {
                secs
            }
        })
    }

    /// What to do with the request (to this endpoint) this fault was taken for.
    pub(crate) fn apply(&self, endpoint: Endpoint, headers: &HeaderMap, body: &[u8]) -> Applied {
        let kind = endpoint.kind();
        let response = match &self.action {
            Action::Delay(d) => return Applied::Delay(*d),
            Action::Mangle(m) => return Applied::Mangle(*m),
            Action::Echo { status, format, split } => echo(*status, *format, *split, headers, body),
            Action::Status(code) => {
                let status = StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                if status == StatusCode::TOO_MANY_REQUESTS {
                    match self.retry_after_secs() {
                        Some(secs) => super::util::json_response(
                            status,
                            &json!({
                                "message": "Rate limit exceeded",
                                "errorcode": 50100,
                                "documentation": DOCUMENTATION,
                                "retryAfter": secs,
                            }),
                        ),
                        None => mc_error(status, 50200, "Your requests are temporarily blocked."),
                    }
                } else {
                    mc_error(status, 0, status.canonical_reason().unwrap_or("Injected fault"))
                }
            }
            Action::Malformed if endpoint == Endpoint::Soap => (
                StatusCode::OK,
                [(header::CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"))],
                r#"<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><RetrieveResponseMsg xmlns="http://exacttarget.com/wsdl/partnerAPI"><OverallStatus>OK</Overa"#,
            )
                .into_response(),
            Action::Malformed => {
                let body: &'static str = match kind {
                    RequestKind::Token => r#"{"access_token":"eyJhbGciOiJIUzI1NiJ9.trunc","token_type":"Bea"#,
                    RequestKind::Api => r#"{"requestId":"0f6c","definitions":[{"definitionKey":"#,
                };
                (
                    StatusCode::OK,
                    [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))],
                    body,
                )
                    .into_response()
            }
            Action::SoapFault(faultstring) => super::soap::fault("soap:Client", faultstring),
            Action::Body {
                status,
                content_type,
                body,
            } => {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let mut r = (status, body.clone()).into_response();
                if let Ok(v) = HeaderValue::from_str(content_type) {
                    r.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                r
            }
            Action::Chunked {
                status,
                content_type,
                chunks,
            } => {
                let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let stream = futures_util::stream::iter(chunks.clone().into_iter().map(Ok::<_, Infallible>));
                let mut r = (status, axum::body::Body::from_stream(stream)).into_response();
                if let Ok(v) = HeaderValue::from_str(content_type) {
                    r.headers_mut().insert(header::CONTENT_TYPE, v);
                }
                r
            }
            Action::Unauthorized => match kind {
                RequestKind::Token => OAuthError::invalid_client().into_response(),
                RequestKind::Api => not_authorized(),
            },
        };
        let mut response = response;
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        Applied::Respond(response)
    }
}

/// The request's headers and body as text, split by CR/LF every 7 characters when `split`.
fn quote_request(headers: &HeaderMap, body: &[u8], split: bool) -> (Vec<(String, String)>, String) {
    let cut = |s: &str| -> String {
        if !split {
            return s.to_owned();
        }
        let chars: Vec<char> = s.chars().collect();
        chars
            .chunks(7)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    let mut headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.as_str().to_owned(), cut(&String::from_utf8_lossy(v.as_bytes()))))
        .collect();
    // The credentials first, where any excerpt of the echo would show them.
    headers.sort_by_key(|(k, _)| k != "authorization");
    (headers, cut(&String::from_utf8_lossy(body)))
}

fn echo(status: u16, format: EchoFormat, split: bool, headers: &HeaderMap, body: &[u8]) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let (headers, body) = quote_request(headers, body, split);
    let as_text: String = headers.iter().map(|(k, v)| format!("{k}: {v}\n")).collect::<String>() + &body;
    match format {
        EchoFormat::Json => {
            let echoed: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            super::util::json_response(
                status,
                &json!({
                    "message": format!("Bad request: {as_text}"),
                    "errorcode": 10000,
                    "documentation": DOCUMENTATION,
                    "echo": { "headers": echoed, "body": body },
                }),
            )
        }
        EchoFormat::Html => {
            let page = format!(
                "<html><head><title>{status}</title></head><body><h1>Forbidden</h1><pre>{as_text}</pre></body></html>"
            );
            let mut r = (status, page).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            r
        }
        EchoFormat::SoapFault => {
            let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
            let envelope = format!(
                r#"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client {}</faultcode><faultstring>Could not process: {}</faultstring><detail><request>{}</request></detail></soap:Fault></soap:Body></soap:Envelope>"#,
                escape(&body),
                escape(&as_text),
                escape(&body)
            );
            let mut r = (status, envelope).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/xml; charset=utf-8"),
            );
            r
        }
    }
}

/// The effect of a fault on one request.
pub(crate) enum Applied {
    /// Answer normally, then spoil the body.
    Mangle(Mangle),
    /// Sleep, then answer normally.
    Delay(Duration),
    /// Answer with this instead.
    Respond(Response),
}

/// The queue of injected faults.
#[derive(Default)]
pub(crate) struct FaultQueue {
    faults: VecDeque<Fault>,
}

impl FaultQueue {
    pub fn push(&mut self, fault: Fault) {
        if fault.remaining > 0 {
            self.faults.push_back(fault);
        }
    }

    /// Takes one use of the first fault that matches the request (a fault limited with
    /// [`Fault::every`] matches only its every `n`-th request).
    pub fn take(&mut self, endpoint: Endpoint, path: &str) -> Option<Fault> {
        let i = self.faults.iter_mut().position(|f| {
            if !f.matches(endpoint, path) {
                return false;
            }
            f.seen = f.seen.wrapping_add(1);
            f.seen % f.every == 0
        })?;
        let fault = self.faults.get_mut(i)?;
        fault.remaining = fault.remaining.saturating_sub(1);
        let taken = fault.clone();
        if fault.remaining == 0 {
            self.faults.remove(i);
        }
        Some(taken)
    }

    pub fn clear(&mut self) {
        self.faults.clear();
    }

    /// Remaining uses of all queued faults (saturating).
    pub fn pending(&self) -> usize {
        self.faults.iter().fold(0usize, |n, f| n.saturating_add(f.remaining))
    }
}
