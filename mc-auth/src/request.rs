//! REST requests with the bearer token from the cache and one refresh-and-retry on 401.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::Client;
use crate::endpoint::check_path;
use crate::error::{Error, Result, TransportKind};
use crate::http::{api_error, excerpt, read_capped};
use crate::retry::{retry_after, transient_status, Attempts, Failure, Pacer};
use crate::secret::wiped_bytes;
use crate::stats::Counters;
use crate::token::Token;
use url::{Position, Url};
use zeroize::Zeroizing;

/// Which host a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// The auth host (`/v2/userinfo`).
    Auth,
    /// The REST instance URL from the token response.
    Rest,
    /// The SOAP instance URL from the token response.
    Soap,
}

/// Options for the calls made through a client handle ([`Client::with_options`], or
/// [`WithOptions::with_options`](crate::api::WithOptions::with_options) on a typed client):
/// the typed operations build their requests from the handle, so these reach every one of
/// them.
///
/// ```no_run
/// use std::time::Duration;
/// use mc_auth::api::data_extensions::Row;
/// use mc_auth::api::prelude::*;
/// use mc_auth::{mc_client, CallOptions, Credentials};
///
/// #[mc_client(scopes = "data_extensions_write")]
/// struct Loader;
///
/// # async fn run() -> mc_auth::Result<()> {
/// let loader = Loader::connect(Credentials::from_env()?).await?;
/// // A synchronous upsert is a POST, so it is not retried by default; it is idempotent by
/// // nature, so say so, and give the whole call (retries included) 10 seconds.
/// let patient = loader.with_options(CallOptions::new().idempotent(true).timeout(Duration::from_secs(10)));
/// patient.upsert_rows("customers", &[Row::new().key("Id", 1).value("Tier", "gold")]).await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The most one call may take, every retry and backoff included (`None`: only the
    /// client's per-request timeout and retry deadline apply).
    pub timeout: Option<Duration>,
    /// Whether calls may be sent again after they may have reached MC (`None`: by method,
    /// see [`RequestBuilder::idempotent`]).
    pub idempotent: Option<bool>,
}

impl CallOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits each call, retries included, to `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Declares the calls idempotent (retried after 429, 5xx and transport errors) or not.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }
}

/// A request being built. Send it with [`send`](RequestBuilder::send).
///
/// The body is kept in memory so that the request can be sent again once after a 401.
#[must_use = "a request does nothing until you call `send`"]
pub struct RequestBuilder {
    client: Client,
    /// How answers are judged (REST or SOAP rules).
    classify: fn(u16, &[u8]) -> Verdict,
    /// A SOAP envelope, completed with each attempt's token (boxed: REST requests, the
    /// common case, carry only the pointer).
    soap: Option<Box<SoapEnvelope>>,
    base: Base,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Bytes>,
    /// Boxed: rare, and this struct lives in every request's future.
    error: Option<Box<Error>>,
    idempotent: Option<bool>,
    /// The most the whole call may take, retries included.
    timeout: Option<Duration>,
    /// The job's shared gate against throttling (bulk loads), if any.
    pacer: Option<Arc<Pacer>>,
    /// A 429 means MC did not act on the request: resend it even when not idempotent.
    resend_refused: bool,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, base: Base, method: Method, path: &str) -> Self {
        let error = check_path(path).err().map(Box::new);
        let options = client.call_options();
        RequestBuilder {
            client,
            classify: classify_rest,
            soap: None,
            base,
            method,
            path: path.to_owned(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            error,
            idempotent: options.idempotent,
            timeout: options.timeout,
            pacer: None,
            resend_refused: false,
        }
    }

    /// Makes this request one of a job that `pacer` paces: each attempt waits for the job's
    /// throttling hold, and a throttled answer holds the whole job back.
    pub(crate) fn paced(mut self, pacer: Arc<Pacer>) -> Self {
        self.pacer = Some(pacer);
        self
    }

    /// Treats a 429 as "not acted on": the request is sent again after the delay even when it
    /// is not idempotent (MC refuses throttled calls before doing anything).
    pub(crate) fn resend_refused(mut self) -> Self {
        self.resend_refused = true;
        self
    }

    /// A SOAP request: `envelope` completed with each attempt's token, SOAP's rules for
    /// answers (`classify`).
    pub(crate) fn soap(mut self, envelope: SoapEnvelope, classify: fn(u16, &[u8]) -> Verdict) -> Self {
        self.soap = Some(Box::new(envelope));
        self.classify = classify;
        self
    }

    /// Declares whether sending this request twice is harmless. GET, HEAD, PUT and DELETE are
    /// by default, and are retried after 429, 5xx and transport errors; POST and PATCH are not
    /// (they are only resent when the connection failed before sending) unless you opt in
    /// here, for example for a POST carrying your own idempotency key.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
        self
    }

    /// Limits the whole call, every retry and backoff included, to `timeout`; past it the
    /// call fails with a [`TransportKind::Timeout`] error.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    fn is_idempotent(&self) -> bool {
        self.idempotent.unwrap_or(matches!(
            self.method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        ))
    }

    /// Adds query parameters (values are percent-encoded).
    pub fn query<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        self.query.extend(
            pairs
                .iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())),
        );
        self
    }

    /// Adds a header. `Authorization` is refused: the token comes from the cache.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        match (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            (Ok(n), _) if n == AUTHORIZATION => {
                self.fail(Error::config(
                    "header",
                    "Authorization is set by mc-auth from the token cache",
                ));
            }
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            _ => {
                self.fail(Error::config(
                    "header",
                    format!("`{name}` or its value is not a valid HTTP header"),
                ));
            }
        }
        self
    }

    /// Sends `value` as a JSON body.
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(v) => {
                self.body = Some(v.into());
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(e) => {
                self.fail(Error::config("body", format!("could not be encoded as JSON ({e})")));
            }
        }
        self
    }

    /// Sends raw bytes with the given content type.
    pub fn body(mut self, bytes: impl Into<Bytes>, content_type: &str) -> Self {
        self.body = Some(bytes.into());
        match HeaderValue::try_from(content_type) {
            Ok(v) => {
                self.headers.insert(CONTENT_TYPE, v);
            }
            Err(_) => {
                self.fail(Error::config(
                    "content type",
                    format!("`{content_type}` is not a valid header value"),
                ));
            }
        }
        self
    }

    /// Records the first problem found while building; `send` returns it.
    fn fail(&mut self, error: Error) {
        self.error.get_or_insert_with(|| Box::new(error));
    }

    /// [`fail`](Self::fail), by value.
    pub(crate) fn fail_with(mut self, error: Error) -> Self {
        self.fail(error);
        self
    }

    /// `METHOD /path` for errors and logs (no query string, which may hold user data).
    fn describe(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Sends the request with a token from the cache.
    ///
    /// - A 401 invalidates that token, gets a new one and sends the request once more; a
    ///   second 401 is an error.
    /// - 429, 5xx and transport errors are retried per the client's
    ///   [`RetryPolicy`](crate::RetryPolicy) when the request is idempotent (see
    ///   [`idempotent`](Self::idempotent)); `Retry-After` is honoured.
    /// - Any other non-2xx status becomes [`Error::Api`]; 400 and 403 are never retried.
    ///
    /// Every error is scrubbed of the client's secrets and the token the request carried,
    /// even when the server echoes them back.
    // Not an `async fn`: that would keep two copies of `self` in the future (the argument and
    // its binding), and the future is what every spawned request task carries.
    #[allow(clippy::manual_async_fn)]
    pub fn send(mut self) -> impl std::future::Future<Output = Result<Response>> {
        async move {
            let Answer {
                status,
                headers,
                body,
                token,
            } = self.execute().await?;
            if !(200..300).contains(&status) {
                let redactor = self.client.core().redactor().with(token.access_token.expose_secret());
                return Err(api_error(status, &headers, &body, self.describe(), &redactor));
            }
            // Moved, not cloned: nothing per request but what the request already held.
            Ok(Response {
                status,
                headers,
                body,
                method: self.method,
                path: self.path,
                client: self.client,
                token,
            })
        }
    }

    /// Sends the request through the attempt driver and returns the final answer, whatever
    /// its status (for SOAP, which reads faults from non-2xx bodies).
    pub(crate) async fn execute(&mut self) -> Result<Answer> {
        let Some(limit) = self.timeout else {
            return self.attempts().await;
        };
        match tokio::time::timeout(limit, self.attempts()).await {
            Ok(answer) => answer,
            Err(_) => Err(Error::Transport {
                kind: TransportKind::Timeout,
                endpoint: self.describe(),
                source: Arc::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("the call took longer than its timeout of {limit:?} (retries included)"),
                )),
            }),
        }
    }

    /// Every attempt of the request, as the retry driver allows.
    async fn attempts(&mut self) -> Result<Answer> {
        if let Some(e) = self.error.take() {
            return Err(*e);
        }
        let span = tracing::debug_span!("mc_auth.api_call", request = %self.describe());
        let core = self.client.core();
        let mut attempts = Attempts::new(core.retry(), self.is_idempotent(), &core.counters().api_retries);
        // Read the clock only when the duration will be logged.
        let started = (!span.is_disabled()).then(std::time::Instant::now);
        loop {
            let attempt = attempts.next();
            if let Some(pacer) = &self.pacer {
                pacer.ready().await;
            }
            let token = self.client.token().await?;
            let failure = match self.send_once(&token).await {
                Ok((status, headers, body)) => {
                    match (self.classify)(status, &body) {
                        Verdict::Reauthorize if attempts.reauthorize() => {
                            tracing::debug!(parent: &span, attempt, status, "token refused: getting a new token and retrying once");
                            // The next attempt gets a new token (one request however many callers).
                            self.client.partition().invalidate(&token);
                            Counters::bump(&core.counters().unauthorized_recoveries);
                            continue;
                        }
                        Verdict::Transient => {
                            let retry_after = retry_after(&headers);
                            let failure = if status == 429 && self.resend_refused {
                                Failure::Refused { retry_after }
                            } else {
                                Failure::Transient { retry_after }
                            };
                            let delay = attempts.backoff(failure);
                            if let Some(pacer) = self.pacer.as_ref().filter(|_| status == 429 || retry_after.is_some())
                            {
                                // Throttled: the whole job waits as long as this request will
                                // (at least what MC asked for, even when this one gives up).
                                pacer.hold_for(delay.or(retry_after).unwrap_or(core.retry().initial_backoff));
                            }
                            if let Some(delay) = delay {
                                tracing::info!(parent: &span, attempt, status, delay_ms = delay.as_millis() as u64, "transient answer; retrying");
                                tokio::time::sleep(delay).await;
                                continue;
                            }
                        }
                        _ => {}
                    }
                    let duration_ms = started.map_or(0, |t| t.elapsed().as_millis() as u64);
                    tracing::debug!(parent: &span, attempt, status, duration_ms, "Marketing Cloud answered");
                    return Ok(Answer {
                        status,
                        headers,
                        body,
                        token,
                    });
                }
                Err(e) => e,
            };
            let maybe_sent = !matches!(
                failure,
                Error::Transport {
                    kind: TransportKind::Connect,
                    ..
                }
            );
            if let Error::Transport { .. } = failure {
                if let Some(delay) = attempts.backoff(Failure::Transport { maybe_sent }) {
                    tracing::info!(parent: &span, attempt, error = %failure, delay_ms = delay.as_millis() as u64, "transport error; retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            return Err(failure);
        }
    }

    fn body_for(&self, token: &Token) -> Option<Bytes> {
        match &self.soap {
            Some(envelope) => Some(envelope.with_token(token.access_token.expose_secret())),
            None => self.body.clone(),
        }
    }

    async fn send_once(&self, token: &Token) -> Result<(u16, HeaderMap, Bytes)> {
        let base = match self.base {
            Base::Auth => &self.client.core().endpoint.auth.base,
            Base::Rest => &token.rest_base,
            Base::Soap => &token.soap_base,
        };
        // `new` checked the path (`execute` stops at a recorded error).
        let url = base.join_checked(&self.path);
        let mut req = self
            .client
            .core()
            .http()
            .request(self.method.clone(), url)
            .headers(self.headers.clone());
        // SOAP carries the token in its `fueloauth` header element only.
        if self.soap.is_none() {
            req = req.header(AUTHORIZATION, token.authorization.clone());
        }
        if !self.query.is_empty() {
            req = req.query(&self.query);
        }
        if let Some(body) = self.body_for(token) {
            req = req.body(body);
        }
        // Endpoints for errors are only formatted when an error happens.
        let resp = req.send().await.map_err(|e| {
            let endpoint = e.url().map_or_else(|| self.describe(), |url| self.endpoint(url));
            Error::transport(&endpoint, e)
        })?;
        read_capped(resp, &|url| self.endpoint(url), self.client.core().max_body).await
    }

    /// `METHOD scheme://host/path` for errors (no query string, which may hold user data).
    fn endpoint(&self, url: &Url) -> String {
        format!("{} {}", self.method, &url[..Position::AfterPath])
    }
}

/// What a request ended with: the final answer and the token it carried.
pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub token: Arc<Token>,
}

/// What the attempt driver should do with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Return it.
    Done,
    /// The token was refused: one new token and one more attempt.
    Reauthorize,
    /// Worth sending again later (429, 5xx, throttling).
    Transient,
}

/// REST: 401 re-authorizes, 429 and 5xx are transient.
fn classify_rest(status: u16, _body: &[u8]) -> Verdict {
    if status == 401 {
        Verdict::Reauthorize
    } else if transient_status(status) {
        Verdict::Transient
    } else {
        Verdict::Done
    }
}

/// A SOAP envelope with the token's place left open, so each attempt sends its own token
/// (in a buffer wiped after use) without rebuilding the envelope.
#[derive(Clone)]
pub(crate) struct SoapEnvelope {
    pub before: Bytes,
    pub after: Bytes,
}

impl SoapEnvelope {
    fn with_token(&self, token: &str) -> Bytes {
        let mut body = Zeroizing::new(Vec::with_capacity(self.before.len() + token.len() + self.after.len()));
        body.extend_from_slice(&self.before);
        for b in token.bytes() {
            match b {
                b'&' => body.extend_from_slice(b"&amp;"),
                b'<' => body.extend_from_slice(b"&lt;"),
                b'>' => body.extend_from_slice(b"&gt;"),
                _ => body.push(b),
            }
        }
        body.extend_from_slice(&self.after);
        wiped_bytes(body)
    }
}

impl fmt::Debug for RequestBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestBuilder")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("base", &self.base)
            .finish_non_exhaustive()
    }
}

/// A successful (2xx) response, read in full.
#[derive(Clone)]
pub struct Response {
    status: u16,
    headers: HeaderMap,
    body: Bytes,
    method: Method,
    path: String,
    /// For scrubbing errors derived from the body.
    client: Client,
    token: Arc<Token>,
}

impl Response {
    /// The HTTP status (2xx).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn bytes(&self) -> &Bytes {
        &self.body
    }

    /// The body as UTF-8 text.
    pub fn text(&self) -> Result<String> {
        String::from_utf8(self.body.to_vec()).map_err(|_| self.unexpected("the body is not UTF-8 text".into()))
    }

    /// Deserializes the JSON body.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body)
            .map_err(|e| self.unexpected(format!("the JSON body does not have the expected shape ({e})")))
    }

    fn unexpected(&self, problem: String) -> Error {
        let redactor = self
            .client
            .core()
            .redactor()
            .with(self.token.access_token.expose_secret());
        Error::UnexpectedResponse {
            status: self.status,
            endpoint: format!("{} {}", self.method, self.path),
            problem,
            excerpt: excerpt(&self.body, &redactor),
        }
        .redact(&redactor)
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}
