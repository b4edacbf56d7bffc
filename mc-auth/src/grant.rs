//! The token endpoint, `POST {auth}/v2/token`, for every grant type.
//!
//! A grant (client credentials here; authorization code and refresh token in `web`) only
//! builds its request body. [`obtain`] posts it through the attempt driver, parses the answer,
//! checks the instance URLs and the granted scopes, and returns a checked [`Token`]: one path
//! for every grant, so each rule (retries, secrets in errors, the scope check) lives once.

use std::borrow::Cow;
use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use serde::Serialize;
use zeroize::{Zeroize, Zeroizing};

use crate::clock::Clock;
use crate::credentials::AccountId;
use crate::endpoint::AuthBase;
use crate::error::{Error, Result, TransportKind};
use crate::http::read_capped;
use crate::retry::{retry_after, transient_status, Attempts, Failure, RetryPolicy};
use crate::rotation::Secrets;
use crate::scopes::ScopeSet;
use crate::secret::{wiped_bytes, ClientSecret, Redactor, RefreshToken};
use crate::stats::Counters;
use crate::token::{RefreshPolicy, Token, TokenResponse};

/// Largest token endpoint response read.
pub(crate) const TOKEN_BODY_CAP: usize = 64 * 1024;

/// Which failures a token request may be sent again after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Client credentials: nothing is consumed, so 5xx, 429 and transport errors are retried.
    Freely,
    /// Codes and refresh tokens are single-use: only a connection that never carried the
    /// request is retried.
    OnlyIfUnsent,
}

/// Everything one client's grants share: how to reach the token endpoint, and what a token
/// is checked against.
pub(crate) struct TokenEndpoint {
    pub http: reqwest::Client,
    pub auth: AuthBase,
    pub clock: Clock,
    pub retry: RetryPolicy,
    pub refresh: RefreshPolicy,
    pub counters: Counters,
    pub tenant: String,
    pub client_id: String,
    /// The client secrets (none for public apps), shared by every handle of the client.
    pub secrets: Secrets,
    /// The declared scopes; `None`: the package's scopes, unchecked.
    pub scopes: Option<ScopeSet>,
    /// The client type's name, for errors and logs.
    pub name: Cow<'static, str>,
    /// The longest one token fetch may take (see `cache::TokenSource::flight_deadline`).
    pub flight_deadline: Duration,
}

/// A way of getting tokens: builds the token request for a business unit, and tells which
/// secrets it holds (so errors can be scrubbed of them).
pub(crate) trait Grant: Send + Sync + 'static {
    /// A new token for `account`.
    fn fetch<'a>(&'a self, ep: &'a TokenEndpoint, account: Option<AccountId>) -> BoxFuture<'a, Result<Token>>;

    /// Adds the secrets this grant holds to `redactor`.
    fn live_secrets(&self, _redactor: &mut Redactor) {}

    /// The signed-in user's key in the token store (web and public apps).
    fn user(&self) -> Option<&str> {
        None
    }
}

/// Server-to-server: the client id and secret.
pub(crate) struct ClientCredentials;

/// The JSON body of a client-credentials request, fields in MC's documented order.
#[derive(Serialize)]
struct ClientCredentialsBody<'a> {
    grant_type: &'static str,
    client_id: &'a str,
    client_secret: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_id: Option<String>,
}

impl Grant for ClientCredentials {
    fn fetch<'a>(&'a self, ep: &'a TokenEndpoint, account: Option<AccountId>) -> BoxFuture<'a, Result<Token>> {
        Box::pin(async move {
            let build = |secret: &ClientSecret| {
                let body = ClientCredentialsBody {
                    grant_type: "client_credentials",
                    client_id: &ep.client_id,
                    client_secret: secret.expose_secret(),
                    scope: ep.scopes.as_ref().map(ToString::to_string),
                    account_id: account.map(|a| a.to_string()),
                };
                GrantRequest::new("client_credentials", &body, Resend::Freely, account, ep.redactor())
            };
            ep.obtain_with_secret(build).await.map(|granted| granted.token)
        })
    }
}

/// One token request: the encoded body (wiped when dropped), when it may be resent, and a
/// redactor that knows every secret in it.
pub(crate) struct GrantRequest {
    grant: &'static str,
    body: Bytes,
    resend: Resend,
    account: Option<AccountId>,
    redactor: Redactor,
}

impl GrantRequest {
    /// Encodes `body`. `redactor` must know every secret in it (start from
    /// [`TokenEndpoint::redactor`] and add codes, verifiers, refresh tokens).
    pub fn new(
        grant: &'static str,
        body: &impl Serialize,
        resend: Resend,
        account: Option<AccountId>,
        redactor: Redactor,
    ) -> Result<Self> {
        if account.is_some_and(|a| a.0 == 0) {
            return Err(Error::config(
                "account_id",
                "0 (or a negative number) is not a business unit MID; pass the MID shown in Setup > Business Units, or no account to use the package's own business unit",
            ));
        }
        let json = Zeroizing::new(serde_json::to_vec(body).map_err(|e| Error::Internal {
            what: format!("could not encode the token request ({e})"),
        })?);
        Ok(GrantRequest {
            grant,
            body: wiped_bytes(json),
            resend,
            account,
            redactor,
        })
    }
}

/// A checked token, and the refresh token that came with it (authorization-code and refresh
/// grants).
pub(crate) struct Granted {
    pub token: Token,
    pub refresh_token: Option<RefreshToken>,
}

/// An OAuth error body: `{"error": ..., "error_description": ..., "error_uri": ...}`.
#[derive(serde::Deserialize)]
struct OAuthErrorBody {
    error: String,
    error_description: Option<String>,
    error_uri: Option<String>,
}

impl TokenEndpoint {
    /// A redactor that knows the client secrets.
    pub fn redactor(&self) -> Redactor {
        let mut r = Redactor::new();
        self.secrets.add_to(&mut r);
        r
    }

    /// Gets a token with a request that authenticates with the client secret, `build` making
    /// the request for a given secret. The secret in use is sent first; on `invalid_client`
    /// the client's other secret (or the one another caller switched to meanwhile) is sent
    /// once, and kept for every later request when it works. So a fetch sends at most one
    /// extra request, and an `invalid_client` error lists the secrets refused, with their
    /// expiry. Logs an expiry warning (at most daily) when the secret in use expires soon.
    pub async fn obtain_with_secret(&self, build: impl Fn(&ClientSecret) -> Result<GrantRequest>) -> Result<Granted> {
        self.secrets.warn_if_expiring(self.clock.unix_millis(), &self.name);
        let Some(first) = self.secrets.choose() else {
            return Err(Error::Internal {
                what: format!("the {} client has no client secret to authenticate with", self.name),
            });
        };
        Counters::bump(&self.counters.token_fetches);
        let err = match exchange(self, build(&first.secret)?).await {
            Err(e) if e.is_invalid_client() => e,
            other => return other,
        };
        let mut refused = vec![Secrets::refused(&first, self.clock.unix_millis())];
        let Some(second) = self.secrets.alternative(&first) else {
            return Err(err.with_refused_secrets(refused));
        };
        tracing::info!(
            client = %self.name,
            tenant = %self.tenant,
            refused = %first.position,
            trying = %second.position,
            "the {} client secret was refused (invalid_client); trying the {} one once",
            first.position,
            second.position,
        );
        match exchange(self, build(&second.secret)?).await {
            Ok(granted) => {
                self.secrets.settle(&second, first.position, &self.name);
                Ok(granted)
            }
            Err(e) if e.is_invalid_client() => {
                refused.push(Secrets::refused(&second, self.clock.unix_millis()));
                Err(e.with_refused_secrets(refused))
            }
            Err(e) => Err(e),
        }
    }

    /// Fails with [`Error::ScopesNotGranted`] unless `token` carries every declared scope.
    pub fn check_granted(&self, token: &Token) -> Result<()> {
        if let Some(requested) = &self.scopes {
            let missing = requested.missing_from(&token.scopes);
            if !missing.is_empty() {
                return Err(Error::ScopesNotGranted {
                    client: self.name.to_string(),
                    missing,
                    granted: token.scopes.to_vec(),
                });
            }
        }
        Ok(())
    }
}

/// Posts `request` to the token endpoint (retrying as its resend rule and the retry policy
/// allow), parses the answer and returns the checked token. Every error is scrubbed of the
/// request's secrets; a 200 body that does not parse is never quoted (it may hold the new
/// tokens).
pub(crate) async fn obtain(ep: &TokenEndpoint, request: GrantRequest) -> Result<Granted> {
    Counters::bump(&ep.counters.token_fetches);
    exchange(ep, request).await
}

/// [`obtain`] without counting a fetch: one attempt of a fetch that may send a second request
/// with another secret.
async fn exchange(ep: &TokenEndpoint, request: GrantRequest) -> Result<Granted> {
    let span = tracing::info_span!(
        "mc_auth.token_request",
        grant = request.grant,
        tenant = %ep.tenant,
        client = %ep.name,
        account = ?request.account.map(|a| a.0),
    );
    let result = async {
        let endpoint = ep.auth.base.join("/v2/token")?;
        let (status, mut body, received) = post(ep, &request, &endpoint, &span).await?;
        let parsed = interpret(status, &body, &endpoint, request.account, &request.redactor);
        // The body held the new tokens: wipe our copy when nobody else holds it.
        if let Ok(mut owned) = std::mem::take(&mut body).try_into_mut() {
            owned.zeroize();
        }
        let mut response = parsed?;
        let refresh_token = response.refresh_token.take();
        let token = Token::from_response(response, request.account, received, ep.auth.policy, &ep.refresh)?;
        ep.check_granted(&token)?;
        Ok(Granted { token, refresh_token })
    }
    .await
    .map_err(|e: Error| e.redact(&request.redactor));
    match &result {
        Ok(g) => {
            tracing::info!(parent: &span, lifetime_s = g.token.lifetime().as_secs(), scopes = %g.token.scopes, "token received")
        }
        Err(e) => tracing::info!(parent: &span, error = %e, "token request failed"),
    }
    result
}

/// Sends the request until it gets an answer worth interpreting, per the attempt driver.
async fn post(
    ep: &TokenEndpoint,
    request: &GrantRequest,
    endpoint: &url::Url,
    span: &tracing::Span,
) -> Result<(u16, Bytes, crate::clock::Receipt)> {
    let mut attempts = Attempts::new(&ep.retry, request.resend == Resend::Freely, &ep.counters.token_retries);
    loop {
        let attempt = attempts.next();
        Counters::bump(&ep.counters.token_requests);
        let sent = ep
            .http
            .post(endpoint.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::ACCEPT, "application/json")
            .body(request.body.clone())
            .send()
            .await;
        let failure = match sent {
            Ok(resp) => {
                let (status, headers, body) = read_capped(resp, &|_| endpoint.to_string(), TOKEN_BODY_CAP).await?;
                if !transient_status(status) {
                    return Ok((status, body, ep.clock.receipt()));
                }
                let failure = Failure::Transient {
                    retry_after: retry_after(&headers),
                };
                match attempts.backoff(failure) {
                    Some(delay) => {
                        tracing::info!(parent: span, attempt, status, delay_ms = delay.as_millis() as u64, "token request failed; retrying");
                        tokio::time::sleep(delay).await;
                        continue;
                    }
                    None => return Ok((status, body, ep.clock.receipt())),
                }
            }
            Err(e) => Error::transport(endpoint.as_str(), e),
        };
        let maybe_sent = !matches!(
            failure,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        );
        match attempts.backoff(Failure::Transport { maybe_sent }) {
            Some(delay) => {
                tracing::info!(parent: span, attempt, error = %failure, delay_ms = delay.as_millis() as u64, "token request failed; retrying");
                tokio::time::sleep(delay).await;
            }
            None => return Err(failure),
        }
    }
}

fn interpret(
    status: u16,
    bytes: &[u8],
    endpoint: &url::Url,
    account: Option<AccountId>,
    redactor: &Redactor,
) -> Result<TokenResponse> {
    if status == 200 {
        return TokenResponse::parse(bytes).map_err(|problem| Error::UnexpectedResponse {
            status,
            endpoint: format!("POST {endpoint}"),
            problem: format!("{problem} ({} bytes; not quoted, it may hold tokens)", bytes.len()),
            excerpt: String::new(),
        });
    }
    match serde_json::from_slice::<OAuthErrorBody>(bytes) {
        Ok(e) if !e.error.is_empty() => Err(Error::OAuth {
            status,
            error: e.error,
            description: e.error_description,
            uri: e.error_uri,
            account: account.map(|a| a.0),
            refused_secrets: Vec::new(),
        }),
        // A 2xx body may hold tokens: never quoted.
        _ if (200..300).contains(&status) => Err(Error::UnexpectedResponse {
            status,
            endpoint: format!("POST {endpoint}"),
            problem: format!("HTTP {status} instead of 200 ({} bytes; not quoted)", bytes.len()),
            excerpt: String::new(),
        }),
        _ => Err(Error::UnexpectedResponse {
            status,
            endpoint: format!("POST {endpoint}"),
            problem: "an error status without an OAuth error body".to_owned(),
            excerpt: crate::http::excerpt(bytes, redactor),
        }),
    }
}
