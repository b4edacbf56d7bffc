//! The token endpoint, `POST {auth}/v2/token`, for every grant type.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde::Serialize;
use zeroize::Zeroizing;

use crate::client::Counters;
use crate::clock::{Clock, Receipt};
use crate::endpoint::AuthBase;
use crate::error::{Error, Result, TransportKind};
use crate::http::{excerpt, read_capped};
use crate::retry::{retry_after, transient_status, RetryPolicy};
use crate::token::TokenResponse;

/// Largest token endpoint response read.
pub(crate) const TOKEN_BODY_CAP: usize = 64 * 1024;

/// The JSON body of a client-credentials request, fields in MC's documented order.
#[derive(Serialize)]
pub(crate) struct ClientCredentialsBody<'a> {
    pub grant_type: &'static str,
    pub client_id: &'a str,
    pub client_secret: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
}

/// An OAuth error body: `{"error": ..., "error_description": ..., "error_uri": ...}`.
#[derive(serde::Deserialize)]
struct OAuthErrorBody {
    error: String,
    error_description: Option<String>,
    error_uri: Option<String>,
}

/// Everything needed to call the token endpoint.
pub(crate) struct TokenEndpoint<'a> {
    pub http: &'a reqwest::Client,
    pub auth: &'a AuthBase,
    pub clock: &'a Clock,
    pub retry: &'a RetryPolicy,
    pub counters: &'a Counters,
}

/// Which failures a token request may be sent again after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Client credentials: nothing is consumed, so 5xx, 429 and transport errors are retried.
    Freely,
    /// Codes and refresh tokens are single-use: only a connection that never carried the
    /// request is retried.
    OnlyIfUnsent,
}

/// Posts `body` to the token endpoint and parses the answer, retrying as `resend` and the
/// retry policy allow.
///
/// `secrets` lists values that must never appear in an error (the client secret, codes,
/// refresh tokens). Returns the response and the instant it was received.
pub(crate) async fn request_token(
    ep: &TokenEndpoint<'_>,
    body: &impl Serialize,
    resend: Resend,
    secrets: &[&str],
) -> Result<(TokenResponse, Receipt)> {
    let endpoint = ep.auth.base.join("/v2/token")?.to_string();
    let json = Zeroizing::new(serde_json::to_vec(body).map_err(|e| Error::Internal {
        what: format!("could not encode the token request ({e})"),
    })?);
    let started = tokio::time::Instant::now();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let outcome = send_once(ep, &endpoint, &json).await;
        let (retryable, after) = match &outcome {
            Err(Error::Transport { kind, .. }) => (resend == Resend::Freely || *kind == TransportKind::Connect, None),
            Ok((status, headers, _)) if transient_status(*status) => (resend == Resend::Freely, retry_after(headers)),
            _ => (false, None),
        };
        if retryable {
            if let Some(delay) = ep.retry.delay(attempt, started.elapsed(), after) {
                ep.counters.retries.fetch_add(1, Ordering::Relaxed);
                tracing::info!(attempt, delay_ms = delay.as_millis() as u64, reason = %retry_reason(&outcome), "token request failed; retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
        }
        let (status, _headers, bytes) = outcome?;
        return interpret(status, &bytes, endpoint, ep.clock.receipt(), secrets);
    }
}

fn retry_reason(outcome: &Result<(u16, HeaderMap, Bytes)>) -> String {
    match outcome {
        Ok((status, _, _)) => format!("HTTP {status}"),
        Err(Error::Transport { kind, .. }) => format!("{kind:?}"),
        Err(_) => "error".into(),
    }
}

async fn send_once(ep: &TokenEndpoint<'_>, endpoint: &str, json: &[u8]) -> Result<(u16, HeaderMap, Bytes)> {
    let resp = ep
        .http
        .post(endpoint)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(json.to_vec())
        .send()
        .await
        .map_err(|e| Error::transport(endpoint, e))?;
    read_capped(resp, &|_| endpoint.to_owned(), TOKEN_BODY_CAP).await
}

fn interpret(
    status: u16,
    bytes: &[u8],
    endpoint: String,
    received: Receipt,
    secrets: &[&str],
) -> Result<(TokenResponse, Receipt)> {
    if status == 200 {
        let parsed = TokenResponse::parse(bytes).map_err(|problem| Error::UnexpectedResponse {
            status,
            endpoint: endpoint.clone(),
            problem,
            excerpt: excerpt(bytes, secrets),
        })?;
        return Ok((parsed, received));
    }
    match serde_json::from_slice::<OAuthErrorBody>(bytes) {
        Ok(e) if !e.error.is_empty() => Err(Error::OAuth {
            status,
            error: crate::secret::scrub(&e.error, secrets),
            description: e.error_description.map(|d| crate::secret::scrub(&d, secrets)),
            uri: e.error_uri,
        }),
        _ => Err(Error::UnexpectedResponse {
            status,
            endpoint,
            problem: if (200..300).contains(&status) {
                format!("HTTP {status} instead of 200")
            } else {
                "an error status without an OAuth error body".to_owned()
            },
            excerpt: excerpt(bytes, secrets),
        }),
    }
}
