//! REST requests with the bearer token from the cache and one refresh-and-retry on 401.

use std::fmt;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::client::Client;
use crate::endpoint::check_path;
use crate::error::{Error, Result};
use crate::http::{api_error, excerpt, read_capped};
use crate::token::Token;

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
    error: Option<Error>,
}

impl RequestBuilder {
    pub(crate) fn new(client: Client, base: Base, method: Method, path: &str) -> Self {
        let error = check_path(path).err();
        RequestBuilder {
            client,
            base,
            method,
            path: path.to_owned(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            error,
        }
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
                self.error.get_or_insert(Error::config(
                    "header",
                    "Authorization is set by mc-auth from the token cache",
                ));
            }
            (Ok(n), Ok(v)) => {
                self.headers.append(n, v);
            }
            _ => {
                self.error.get_or_insert(Error::config(
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
                self.error
                    .get_or_insert(Error::config("body", format!("could not be encoded as JSON ({e})")));
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
                self.error.get_or_insert(Error::config(
                    "content type",
                    format!("`{content_type}` is not a valid header value"),
                ));
            }
        }
        self
    }

    /// `METHOD /path` for errors and logs (no query string, which may hold user data).
    fn describe(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// Sends the request with a token from the cache. A 401 invalidates that token, gets a new
    /// one and sends the request once more; a second 401 is an error. Any other non-2xx status
    /// becomes [`Error::Api`].
    pub async fn send(self) -> Result<Response> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let span = tracing::debug_span!("mc_auth.api_call", request = %self.describe(), status = tracing::field::Empty, attempt = tracing::field::Empty);
        let mut token = self.client.token().await?;
        for attempt in 1..=2 {
            span.record("attempt", attempt);
            let (status, headers, body) = self.send_once(&token).await?;
            span.record("status", status);
            if status == 401 && attempt == 1 {
                tracing::debug!(parent: &span, "401 Not Authorized: getting a new token and retrying once");
                self.client.invalidate(&token);
                self.client
                    .core
                    .counters
                    .unauthorized_recoveries
                    .fetch_add(1, Ordering::Relaxed);
                token = self.client.token().await?;
                continue;
            }
            if !(200..300).contains(&status) {
                return Err(api_error(
                    status,
                    &headers,
                    &body,
                    self.describe(),
                    &self.client.core.secrets(),
                ));
            }
            return Ok(Response {
                status,
                headers,
                body,
                request: self.describe(),
            });
        }
        unreachable!("the loop returns on its second attempt")
    }

    async fn send_once(&self, token: &Arc<Token>) -> Result<(u16, HeaderMap, Bytes)> {
        let base = match self.base {
            Base::Auth => &self.client.core.auth.base,
            Base::Rest => &token.rest_base,
            Base::Soap => &token.soap_base,
        };
        let url = base.join(&self.path)?;
        let mut bearer =
            HeaderValue::try_from(Zeroizing::new(format!("Bearer {}", token.access_token.expose_secret())).as_str())
                .map_err(|_| Error::UnexpectedResponse {
                    status: 200,
                    endpoint: "/v2/token".into(),
                    problem: "the access token contains characters not allowed in an HTTP header".into(),
                    excerpt: String::new(),
                })?;
        bearer.set_sensitive(true);
        let mut req = self
            .client
            .core
            .http
            .request(self.method.clone(), &url)
            .headers(self.headers.clone())
            .header(AUTHORIZATION, bearer);
        if !self.query.is_empty() {
            req = req.query(&self.query);
        }
        if let Some(body) = &self.body {
            req = req.body(body.clone());
        }
        let endpoint = format!("{} {}", self.method, url);
        let resp = req.send().await.map_err(|e| Error::transport(&endpoint, e))?;
        read_capped(resp, &endpoint, self.client.core.max_body).await
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
    request: String,
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
            endpoint: self.request.clone(),
            problem,
            excerpt: excerpt(&self.body, &[]),
        }
    }
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("request", &self.request)
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}
