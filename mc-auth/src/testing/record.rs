//! Recording of every request the fake receives, for assertions in tests.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use axum::http::HeaderMap;
use bytes::Bytes;
use serde_json::Value;
use tokio::sync::watch;

use super::endpoint::Endpoint;
use super::util::lock;

/// What kind of endpoint a request was for (derived from the fake's endpoint classification:
/// token requests apart from every other call).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestKind {
    /// `/v2/token` on the auth host.
    Token,
    /// Anything else: `/v2/authorize`, `/v2/userinfo`, REST and SOAP API calls (and unknown
    /// paths).
    Api,
}

/// One request as the fake received it.
///
/// The `Authorization` header is stored redacted (`Bearer <redacted>`); use
/// [`token_serial`](Self::token_serial) to tell which issued token a call used. Bodies are kept
/// exactly (a token request's client secret included) so that tests can assert on them, but
/// the `Debug` output hides every secret field (by the crate's one rule,
/// `secret::redact_json`: any key naming a token, secret, verifier, password or code, in
/// either spelling) and shows non-JSON bodies only by length.
#[derive(Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The HTTP method (`GET`, `POST`, ...).
    pub method: String,
    /// The path, without the query string.
    pub path: String,
    /// The raw query string (without `?`), if there was one.
    pub query: Option<String>,
    /// The headers, names lower-cased, repeated headers joined with `", "`; `Authorization` and
    /// `Cookie` values are redacted.
    pub headers: BTreeMap<String, String>,
    /// The raw body.
    pub body: Bytes,
    /// Token request or API call.
    pub kind: RequestKind,
    pub(crate) seq: u64,
    /// The body parsed as JSON, on first use (bulk loads send megabytes nobody may read).
    json: std::sync::OnceLock<Option<Value>>,
    client_id: Option<String>,
    status: Option<u16>,
    token_serial: Option<u64>,
    faulted: bool,
}

impl RecordedRequest {
    /// One header by (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }

    /// The body parsed as JSON, when it was JSON.
    pub fn json(&self) -> Option<&Value> {
        self.json
            .get_or_init(|| serde_json::from_slice(&self.body).ok())
            .as_ref()
    }

    /// The body parsed as JSON, when it was JSON (an owned copy of [`json`](Self::json)).
    pub fn json_body(&self) -> Option<Value> {
        self.json().cloned()
    }

    /// True for `/v2/token` requests.
    pub fn is_token_request(&self) -> bool {
        self.kind == RequestKind::Token
    }

    /// For token requests, the `client_id` of the JSON body.
    pub fn client_id(&self) -> Option<&str> {
        self.client_id.as_deref()
    }

    /// The HTTP status the fake answered with (`None` while the request is still being
    /// answered, for example during a [`Fault::delay`](super::Fault::delay)).
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// For API calls with a bearer token the fake issued, that token's serial number
    /// ([`IssuedToken::serial`](super::IssuedToken::serial)), even if it had expired.
    pub fn token_serial(&self) -> Option<u64> {
        self.token_serial
    }

    /// True when an injected [`Fault`](super::Fault) shaped the answer.
    pub fn faulted(&self) -> bool {
        self.faulted
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RecordedRequest");
        d.field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &self.headers)
            .field("kind", &self.kind);
        match self.json() {
            Some(json) => {
                let mut shown = json.clone();
                crate::secret::redact_json(&mut shown);
                d.field("json", &shown)
            }
            None => d.field("body", &format_args!("<{} bytes>", self.body.len())),
        };
        d.field("client_id", &self.client_id)
            .field("status", &self.status)
            .field("token_serial", &self.token_serial)
            .field("faulted", &self.faulted)
            .finish()
    }
}

/// Request counts, published on a watch channel so tests can await them.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Counts {
    pub token: usize,
    pub api: usize,
}

/// The request log.
pub(crate) struct Recorder {
    log: Mutex<Log>,
    counts: watch::Sender<Counts>,
}

#[derive(Default)]
struct Log {
    next_seq: u64,
    requests: Vec<RecordedRequest>,
}

fn header_map(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let name = name.as_str().to_ascii_lowercase();
        let value = match name.as_str() {
            "authorization" => {
                let raw = String::from_utf8_lossy(value.as_bytes()).into_owned();
                match raw.split_once(' ') {
                    Some((scheme, _)) => format!("{scheme} <redacted>"),
                    None => "<redacted>".to_owned(),
                }
            }
            "cookie" | "set-cookie" => "<redacted>".to_owned(),
            _ => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        };
        out.entry(name)
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    out
}

impl Recorder {
    pub fn new() -> Self {
        Recorder {
            log: Mutex::new(Log::default()),
            counts: watch::Sender::new(Counts::default()),
        }
    }

    /// Records an arriving request and returns its sequence number.
    pub fn record(&self, method: &str, path: &str, query: Option<&str>, headers: &HeaderMap, body: &Bytes) -> u64 {
        let kind = Endpoint::of(path).kind();
        let json = std::sync::OnceLock::new();
        let client_id = match kind {
            RequestKind::Token => json
                .get_or_init(|| serde_json::from_slice(body).ok())
                .as_ref()
                .and_then(|j: &Value| j.get("client_id"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            RequestKind::Api => None,
        };
        let seq = {
            let mut log = lock(&self.log);
            let seq = log.next_seq;
            log.next_seq += 1;
            log.requests.push(RecordedRequest {
                seq,
                method: method.to_owned(),
                path: path.to_owned(),
                query: query.map(str::to_owned),
                headers: header_map(headers),
                body: body.clone(),
                json,
                kind,
                client_id,
                status: None,
                token_serial: None,
                faulted: false,
            });
            // Under the log lock, so counts and log never disagree.
            self.counts.send_modify(|c| match kind {
                RequestKind::Token => c.token += 1,
                RequestKind::Api => c.api += 1,
            });
            seq
        };
        seq
    }

    /// Fills in how a recorded request was answered.
    pub fn complete(&self, seq: u64, status: u16, token_serial: Option<u64>, faulted: bool) {
        let mut log = lock(&self.log);
        if let Some(r) = log.requests.iter_mut().rev().find(|r| r.seq == seq) {
            r.status = Some(status);
            r.token_serial = token_serial;
            r.faulted = faulted;
        }
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).requests.clone()
    }

    pub fn requests_where(&self, f: impl Fn(&RecordedRequest) -> bool) -> Vec<RecordedRequest> {
        lock(&self.log).requests.iter().filter(|r| f(r)).cloned().collect()
    }

    pub fn count_where(&self, f: impl Fn(&RecordedRequest) -> bool) -> usize {
        lock(&self.log).requests.iter().filter(|r| f(r)).count()
    }

    pub fn counts(&self) -> Counts {
        *self.counts.borrow()
    }

    pub fn clear(&self) {
        let mut log = lock(&self.log);
        log.requests.clear();
        self.counts.send_replace(Counts::default());
    }

    /// Waits until the counts satisfy `f` (no polling: woken by every new request).
    pub async fn wait_until(&self, f: impl FnMut(&Counts) -> bool) {
        let mut rx = self.counts.subscribe();
        // The sender lives as long as `self`, so this only ends when `f` is satisfied.
        let _ = rx.wait_for(f).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_every_secret_field_at_any_depth() {
        let recorder = Recorder::new();
        let body = serde_json::json!({
            "grant_type": "refresh_token",
            "client_id": "visible-id",
            "client_secret": "s-client-secret",
            "refresh_token": "s-refresh-snake",
            "refreshToken": "s-refresh-camel",
            "code_verifier": "s-verifier",
            "nested": [{ "accessToken": "s-access-camel", "code": "s-code", "password": "s-pw" }],
        });
        let bytes = Bytes::from(body.to_string());
        recorder.record("POST", "/v2/token", None, &HeaderMap::new(), &bytes);
        let shown = format!("{:?}", recorder.requests());
        assert!(!shown.contains("s-"), "a secret leaked: {shown}");
        assert!(
            shown.contains("visible-id") && shown.contains("refresh_token"),
            "{shown}"
        );
        assert!(shown.contains("<redacted>"), "{shown}");
        // The body itself is kept exactly, for assertions.
        assert_eq!(recorder.requests()[0].json(), Some(&body));
    }
}
