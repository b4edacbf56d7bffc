//! REST requests with the bearer token from the cache and one refresh-and-retry on 401.

use std::fmt;
use std::future::Future;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::client::Client;
use crate::endpoint::check_path;
use crate::error::{Error, Result, TransportKind};
use crate::http::{api_error, excerpt, read_capped};
use crate::retry::{retry_after, transient_status};
use crate::token::Token;
use url::{Position, Url};

/// Which host a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Base {
    /// The auth host (`/v2/userinfo`).
    Auth,
    /// The REST instance URL from the token response.
    Rest,
    /// The SOAP instance URL from the token response.
    #[allow(dead_code)]
    Soap,
}

/// A request being built. Send it with [`send`](RequestBuilder::send).
///
/// The body is kept in memory so that the request can be sent again once after a 401.
#[must_use = "a request does nothing until you call `send`"]
pub struct RequestBuilder {
    client: Client,
    base: Base,
    method: Method,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Bytes>,
    /// Boxed: rare, and this struct lives in every request's future.
    error: Option<Box<Error>>,
    idempotent: Option<bool>,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, base: Base, method: Method, path: &str) -> Self {
        let error = check_path(path).err().map(Box::new);
        RequestBuilder {
            client,
            base,
            method,
            path: path.to_owned(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            error,
            idempotent: None,
        }
    }

    /// Declares whether sending this request twice is harmless. GET, HEAD, PUT and DELETE are
    /// by default, and are retried after 429, 5xx and transport errors; POST and PATCH are not
    /// (they are only resent when the connection failed before sending) unless you opt in
    /// here, for example for a POST carrying your own idempotency key.
    pub fn idempotent(mut self, yes: bool) -> Self {
        self.idempotent = Some(yes);
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
    // Not an `async fn`: that would keep two copies of `self` in the future (the argument and
    // its binding), and the future is what every spawned request task carries.
    #[allow(clippy::manual_async_fn)]
    pub fn send(self) -> impl Future<Output = Result<Response>> {
        async move {
            if let Some(e) = self.error {
                return Err(*e);
            }
            let span = tracing::debug_span!(
                "mc_auth.api_call",
                request = %self.describe(),
                status = tracing::field::Empty,
                attempt = tracing::field::Empty
            );
            let core = self.client.core();
            let started = tokio::time::Instant::now();
            let idempotent = self.is_idempotent();
            let mut refreshed = false;
            let mut attempt = 0;
            loop {
                attempt += 1;
                span.record("attempt", attempt);
                let prepared = self.client.with_token(|token| self.prepare(token)).await?;
                let token_serial = prepared.token_serial;
                let outcome = self.send_once(prepared).await;
                let (status, headers, body) = match outcome {
                    Ok(r) => r,
                    Err(e @ Error::Transport { kind, .. }) => {
                        let may = idempotent || kind == TransportKind::Connect;
                        match core.retry.delay(attempt, started.elapsed(), None).filter(|_| may) {
                            Some(delay) => {
                                core.counters.retries.fetch_add(1, Ordering::Relaxed);
                                tracing::info!(parent: &span, attempt, reason = ?kind, delay_ms = delay.as_millis() as u64, "transport error; retrying");
                                tokio::time::sleep(delay).await;
                                continue;
                            }
                            None => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                };
                span.record("status", status);
                if status == 401 && !refreshed {
                    tracing::debug!(parent: &span, "401 Not Authorized: getting a new token and retrying once");
                    refreshed = true;
                    // The next attempt gets a new token (one request however many callers).
                    self.client.partition().invalidate_serial(token_serial);
                    core.counters.unauthorized_recoveries.fetch_add(1, Ordering::Relaxed);
                    continue;
                }
                if transient_status(status) && idempotent {
                    if let Some(delay) = core.retry.delay(attempt, started.elapsed(), retry_after(&headers)) {
                        core.counters.retries.fetch_add(1, Ordering::Relaxed);
                        tracing::info!(parent: &span, attempt, status, delay_ms = delay.as_millis() as u64, "transient status; retrying");
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                }
                if !(200..300).contains(&status) {
                    return Err(api_error(status, &headers, &body, self.describe(), &core.secrets()));
                }
                return Ok(Response {
                    status,
                    headers,
                    body,
                    method: self.method,
                    path: self.path,
                });
            }
        }
    }

    /// What one attempt sends with `token`: built without holding on to the token, so that
    /// the usual case (this thread's remembered token) touches no shared reference count.
    fn prepare(&self, token: &Token) -> Attempt {
        let base = match self.base {
            Base::Auth => &self.client.core().auth.base,
            Base::Rest => &token.rest_base,
            Base::Soap => &token.soap_base,
        };
        Attempt {
            token_serial: token.serial,
            // `new` checked the path (`send` stops at a recorded error).
            url: base.join_checked(&self.path),
            authorization: token.authorization.clone(),
        }
    }

    async fn send_once(&self, attempt: Attempt) -> Result<(u16, HeaderMap, Bytes)> {
        let mut req = self
            .client
            .core()
            .http
            .request(self.method.clone(), attempt.url)
            .headers(self.headers.clone())
            .header(AUTHORIZATION, attempt.authorization);
        if !self.query.is_empty() {
            req = req.query(&self.query);
        }
        if let Some(body) = &self.body {
            req = req.body(body.clone());
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

/// One attempt's URL and `Authorization` value, and the serial of the token they came from.
struct Attempt {
    token_serial: u64,
    url: Url,
    authorization: HeaderValue,
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
        Error::UnexpectedResponse {
            status: self.status,
            endpoint: format!("{} {}", self.method, self.path),
            problem,
            excerpt: excerpt(&self.body, &[]),
        }
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
