//! The token endpoint, `POST {auth}/v2/token`, for every grant type.

use std::time::Instant;

use serde::Serialize;
use zeroize::Zeroizing;

use crate::clock::Clock;
use crate::endpoint::AuthBase;
use crate::error::{Error, Result};
use crate::http::{excerpt, read_capped};
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

/// Posts `body` to the token endpoint and parses the answer.
///
/// `secrets` lists values that must never appear in an error (the client secret, codes,
/// refresh tokens). Returns the response and the instant it was received.
pub(crate) async fn request_token(
    http: &reqwest::Client,
    auth: &AuthBase,
    clock: &Clock,
    body: &impl Serialize,
    secrets: &[&str],
) -> Result<(TokenResponse, Instant)> {
    let endpoint = auth.base.join("/v2/token")?;
    let json = Zeroizing::new(serde_json::to_vec(body).map_err(|e| Error::Internal {
        what: format!("could not encode the token request ({e})"),
    })?);
    let resp = http
        .post(&endpoint)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::ACCEPT, "application/json")
        .body(json.to_vec())
        .send()
        .await
        .map_err(|e| Error::transport(&endpoint, e))?;
    let (status, _headers, bytes) = read_capped(resp, &endpoint, TOKEN_BODY_CAP).await?;
    let received = clock.now();
    if status == 200 {
        let parsed = TokenResponse::parse(&bytes).map_err(|problem| Error::UnexpectedResponse {
            status,
            endpoint: endpoint.clone(),
            problem,
            excerpt: excerpt(&bytes, secrets),
        })?;
        return Ok((parsed, received));
    }
    match serde_json::from_slice::<OAuthErrorBody>(&bytes) {
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
            excerpt: excerpt(&bytes, secrets),
        }),
    }
}
