//! Reading responses safely: bounded bodies, secret-free excerpts, MC error bodies.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::secret::Redactor;

/// Longest body excerpt kept in an error.
const EXCERPT_CHARS: usize = 200;

/// Reads a response body, refusing more than `cap` bytes.
///
/// `endpoint` names the request in errors, given the response's URL; it is only called when
/// an error needs it. Not an `async fn`, which would keep the response twice in the future
/// (argument and binding).
#[allow(clippy::manual_async_fn)]
pub(crate) fn read_capped<'a>(
    mut resp: reqwest::Response,
    endpoint: &'a (dyn Fn(&reqwest::Url) -> String + Sync),
    cap: usize,
) -> impl Future<Output = Result<(u16, reqwest::header::HeaderMap, Bytes)>> + 'a {
    async move {
        // Headers stay in `resp` until the body is read (the future stays smaller that way).
        let status = resp.status().as_u16();
        if resp.content_length().is_some_and(|len| len > cap as u64) {
            return Err(too_large(status, &endpoint(resp.url()), cap));
        }
        // Most bodies arrive as one chunk: that one is kept as it is, without a copy.
        let mut single: Option<Bytes> = None;
        let mut joined = BytesMut::new();
        loop {
            let chunk = match resp.chunk().await {
                Ok(Some(chunk)) => chunk,
                Ok(None) => break,
                Err(e) => return Err(Error::transport(&endpoint(resp.url()), e)),
            };
            let so_far = single.as_ref().map_or(joined.len(), Bytes::len);
            if so_far + chunk.len() > cap {
                return Err(too_large(status, &endpoint(resp.url()), cap));
            }
            match single.take() {
                None if joined.is_empty() => single = Some(chunk),
                earlier => {
                    if let Some(first) = earlier {
                        // The announced length is only a hint: it may be absurd (2^62 with no
                        // limit set), so at most 1 MiB is reserved ahead of what has arrived.
                        const MAX_AHEAD: u64 = 1024 * 1024;
                        let hint = resp.content_length().unwrap_or(0).min(MAX_AHEAD) as usize;
                        joined.reserve(hint.max(first.len() + chunk.len()));
                        joined.extend_from_slice(&first);
                    }
                    joined.extend_from_slice(&chunk);
                }
            }
        }
        let body = single.unwrap_or_else(|| joined.freeze());
        Ok((status, std::mem::take(resp.headers_mut()), body))
    }
}

fn too_large(status: u16, endpoint: &(impl fmt::Display + ?Sized), cap: usize) -> Error {
    Error::UnexpectedResponse {
        status,
        endpoint: endpoint.to_string(),
        problem: format!("the body is larger than the {cap}-byte limit"),
        excerpt: String::new(),
    }
}

/// The start of a body, safe to put in an error message (see [`Redactor`]).
pub(crate) fn excerpt(body: &[u8], redactor: &Redactor) -> String {
    redactor.excerpt(body, EXCERPT_CHARS)
}

/// MC's REST error body: `{"documentation": "...", "errorcode": 0, "message": "Not Authorized"}`,
/// with variants seen in the wild (`errorCode`, `error`, `retryAfter`).
#[derive(Debug, Default, Deserialize)]
struct RawApiError {
    #[serde(default, alias = "errorCode")]
    errorcode: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default, alias = "retry_after")]
    #[serde(rename = "retryAfter")]
    retry_after: Option<serde_json::Value>,
}

/// Turns a non-success API response into [`Error::Api`].
pub(crate) fn api_error(
    status: u16,
    headers: &reqwest::header::HeaderMap,
    body: &[u8],
    request: String,
    redactor: &Redactor,
) -> Error {
    let raw: RawApiError = serde_json::from_slice(body).unwrap_or_default();
    let errorcode = raw
        .errorcode
        .as_ref()
        .and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())));
    let message = raw
        .message
        .or_else(|| raw.error.as_ref().and_then(|e| e.as_str().map(str::to_owned)))
        .map(|m| {
            let m = redactor.text(&m);
            let mut cut: String = m.chars().take(500).collect();
            if cut.len() < m.len() {
                cut.push('…');
            }
            cut
        })
        .unwrap_or_else(|| {
            let ex = excerpt(body, redactor);
            if ex.is_empty() {
                "(empty body)".to_owned()
            } else {
                ex
            }
        });
    let retry_after = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .or_else(|| {
            raw.retry_after
                .as_ref()
                .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
        })
        .map(Duration::from_secs);
    Error::Api {
        status,
        errorcode,
        message,
        request,
        retry_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_redacts_token_fields_and_known_secrets() {
        let body = br#"{"access_token":"AAAA","nested":{"refresh_token":"BBBB"},"note":"the secret is CCCC"}"#;
        let e = excerpt(body, &Redactor::new().with("CCCC"));
        assert!(!e.contains("AAAA") && !e.contains("BBBB") && !e.contains("CCCC"), "{e}");
    }

    #[test]
    fn excerpt_is_short() {
        let body = vec![b'x'; 10_000];
        assert!(excerpt(&body, &Redactor::new()).chars().count() <= EXCERPT_CHARS + 1);
    }

    #[test]
    fn api_error_keeps_mc_fields() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        let e = api_error(
            429,
            &h,
            br#"{"message":"Rate limit exceeded","errorcode":50100,"retryAfter":7}"#,
            "GET /x".into(),
            &Redactor::new(),
        );
        match e {
            Error::Api {
                status: 429,
                errorcode: Some(50100),
                message,
                retry_after: Some(d),
                ..
            } => {
                assert_eq!(message, "Rate limit exceeded");
                assert_eq!(d, Duration::from_secs(7));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn api_error_on_garbage_body() {
        let e = api_error(
            502,
            &Default::default(),
            b"<html>Bad gateway</html>",
            "GET /x".into(),
            &Redactor::new(),
        );
        assert!(e.to_string().contains("Bad gateway"), "{e}");
    }
}
