//! Web and public apps in the fake: `/v2/authorize`, the `authorization_code` and
//! `refresh_token` grants, PKCE, single-use codes and rotating refresh tokens.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::package::{Package, PackageKind};
use super::state::{Config, State};
use super::token::{issue, ClientAuth, OAuthError, TokenResponse};
use super::util::random_alphanumeric;
use crate::ScopeSet;

/// How long authorization codes live (MC: 5 minutes).
pub const CODE_LIFETIME: Duration = Duration::from_secs(300);

/// The user who signs in at `/v2/authorize`. The fake approves at once.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizingUser {
    /// The user's permissions as scopes; tokens get the intersection with the app's. `None`
    /// means every scope.
    pub permissions: Option<ScopeSet>,
    /// A `tssd` to add to the redirect (AppExchange apps), if any.
    pub tssd: Option<String>,
    /// When set, the user declines: the redirect carries `error=access_denied`.
    pub declines: bool,
}

impl AuthorizingUser {
    /// A user with every permission.
    pub fn new() -> Self {
        Self::default()
    }

    /// Limits the user's permissions to these scopes.
    pub fn permissions<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.permissions = Some(ScopeSet::new(scopes));
        self
    }

    /// Adds `tssd` to the redirect.
    pub fn tssd(mut self, tssd: impl Into<String>) -> Self {
        self.tssd = Some(tssd.into());
        self
    }

    /// Makes the user decline.
    pub fn declines(mut self) -> Self {
        self.declines = true;
        self
    }
}

/// OAuth state: the signed-in user, codes and refresh tokens.
#[derive(Default)]
pub(crate) struct OAuthState {
    pub user: AuthorizingUser,
    pub codes: HashMap<String, CodeRecord>,
    pub refresh_tokens: HashMap<String, RefreshRecord>,
    /// Refresh tokens in issue order, for [`web().refresh_token_uses`](super::WebView::refresh_token_uses).
    pub refresh_order: Vec<String>,
}

pub(crate) struct CodeRecord {
    client_id: String,
    redirect_uri: String,
    scopes: ScopeSet,
    challenge: Option<String>,
    expires_at: Instant,
    used: bool,
}

pub(crate) struct RefreshRecord {
    client_id: String,
    scopes: ScopeSet,
    mid: u64,
    /// How many refresh requests presented this token (more than 1 means reuse).
    pub uses: u32,
    revoked: bool,
}

impl RefreshRecord {
    pub(crate) fn revoke(&mut self) {
        self.revoked = true;
    }
}

fn query_pairs(query: Option<&str>) -> HashMap<String, String> {
    url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn bad_page(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message.to_owned(),
    )
        .into_response()
}

fn redirect(to: &str) -> Response {
    match HeaderValue::from_str(to) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => bad_page(
            StatusCode::BAD_REQUEST,
            "The redirect URI cannot be used in a Location header.",
        ),
    }
}

fn with_query(uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    format!("{uri}{sep}{}", ser.finish())
}

/// `GET /v2/authorize`: approves the configured user at once and redirects with a code.
pub(crate) fn authorize(config: &Config, state: &mut State, method: &str, query: Option<&str>) -> Response {
    if method != "GET" {
        return bad_page(StatusCode::METHOD_NOT_ALLOWED, "Use GET for /v2/authorize.");
    }
    let q = query_pairs(query);
    let Some(package) = q.get("client_id").and_then(|id| state.packages.get(id)).cloned() else {
        // MC does not redirect for an unknown client id.
        return bad_page(StatusCode::BAD_REQUEST, "Unknown client_id.");
    };
    let Some(redirect_uri) = q
        .get("redirect_uri")
        .filter(|r| package.redirect_uris.contains(r))
        .cloned()
    else {
        return bad_page(
            StatusCode::BAD_REQUEST,
            "The redirect_uri is not registered for this package.",
        );
    };
    if package.kind == PackageKind::Server || !package.enabled {
        return redirect(&with_query(
            &redirect_uri,
            &[
                ("error", "unauthorized_client"),
                (
                    "error_description",
                    "This package cannot use the authorization code flow.",
                ),
            ],
        ));
    }
    let state_param = q.get("state").cloned();
    let mut back: Vec<(&str, &str)> = Vec::new();
    if let Some(s) = &state_param {
        back.push(("state", s));
    }
    if q.get("response_type").map(String::as_str) != Some("code") {
        back.push(("error", "unsupported_response_type"));
        back.push(("error_description", "response_type must be code."));
        return redirect(&with_query(&redirect_uri, &back));
    }
    let user = state.oauth.user.clone();
    if user.declines {
        back.push(("error", "access_denied"));
        back.push(("error_description", "The user denied the request."));
        return redirect(&with_query(&redirect_uri, &back));
    }
    let challenge = match (
        q.get("code_challenge"),
        q.get("code_challenge_method").map(String::as_str),
    ) {
        (Some(c), Some("S256")) => Some(c.clone()),
        (Some(_), _) => {
            back.push(("error", "invalid_request"));
            back.push(("error_description", "Only code_challenge_method=S256 is supported."));
            return redirect(&with_query(&redirect_uri, &back));
        }
        (None, _) => None,
    };
    let requested = match q.get("scope") {
        Some(s) => ScopeSet::parse(s),
        None => package.scopes.clone(),
    };
    let scopes: ScopeSet = requested
        .iter()
        .filter(|s| package.scopes.contains(s) && user.permissions.as_ref().is_none_or(|p| p.contains(s)))
        .collect();
    let code = random_alphanumeric(48);
    state.oauth.codes.insert(
        code.clone(),
        CodeRecord {
            client_id: package.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            scopes,
            challenge,
            expires_at: config.clock.now() + CODE_LIFETIME,
            used: false,
        },
    );
    let mut pairs: Vec<(&str, &str)> = vec![("code", &code)];
    if let Some(s) = &state_param {
        pairs.push(("state", s));
    }
    if let Some(t) = &user.tssd {
        pairs.push(("tssd", t));
    }
    redirect(&with_query(&redirect_uri, &pairs))
}

/// Authenticates a web or public app: web apps need their secret; public apps must not send one.
fn authenticate_app(state: &State, client: &ClientAuth, now: Instant) -> Result<Package, OAuthError> {
    let package = state
        .packages
        .get(&client.client_id)
        .ok_or_else(OAuthError::invalid_client)?;
    if !package.enabled {
        return Err(OAuthError::invalid_client());
    }
    match package.kind {
        PackageKind::Web => {
            if !client
                .client_secret
                .as_deref()
                .is_some_and(|s| package.secrets.accept(s, now))
            {
                return Err(OAuthError::invalid_client());
            }
        }
        PackageKind::Public => {
            if client.client_secret.is_some() {
                return Err(OAuthError::invalid_client());
            }
        }
        PackageKind::Server => {
            return Err(OAuthError::unauthorized_client(
                "Server-to-server packages use client_credentials.",
            ))
        }
    }
    Ok(package.clone())
}

fn issue_with_refresh(
    config: &Config,
    state: &mut State,
    package: &Package,
    scopes: ScopeSet,
    mid: u64,
) -> TokenResponse {
    let mut response = issue(config, state, package, scopes.clone(), mid);
    let refresh = random_alphanumeric(64);
    state.oauth.refresh_tokens.insert(
        refresh.clone(),
        RefreshRecord {
            client_id: package.client_id.clone(),
            scopes,
            mid,
            uses: 0,
            revoked: false,
        },
    );
    state.oauth.refresh_order.push(refresh.clone());
    response.refresh_token = Some(refresh);
    response
}

/// The `authorization_code` grant.
pub(crate) fn authorization_code(
    config: &Config,
    state: &mut State,
    client: &ClientAuth,
    code: &str,
    redirect_uri: Option<&str>,
    verifier: Option<&str>,
    account_id: Option<u64>,
) -> Result<TokenResponse, OAuthError> {
    let package = authenticate_app(state, client, config.clock.now())?;
    let now = config.clock.now();
    let invalid = |d: &str| OAuthError::invalid_grant(d);
    let record = state
        .oauth
        .codes
        .get_mut(code)
        .ok_or_else(|| invalid("The authorization code is invalid."))?;
    if record.used {
        return Err(invalid("The authorization code has already been used."));
    }
    // A code is consumed by any attempt, as RFC 6749 asks.
    record.used = true;
    if now >= record.expires_at {
        return Err(invalid("The authorization code has expired."));
    }
    if record.client_id != package.client_id {
        return Err(invalid("The authorization code was issued to another client."));
    }
    if redirect_uri != Some(record.redirect_uri.as_str()) {
        return Err(invalid("redirect_uri does not match the one used at authorization."));
    }
    if let Some(challenge) = &record.challenge {
        let Some(v) = verifier else {
            return Err(invalid("code_verifier is required."));
        };
        if URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) != *challenge {
            return Err(invalid("code_verifier does not match the code_challenge."));
        }
    }
    let scopes = record.scopes.clone();
    let mid = match account_id {
        None => package.default_mid(),
        Some(m) if package.allows_mid(m) => m,
        Some(m) => return Err(OAuthError::unauthorized_client(format!("No access to account_id {m}."))),
    };
    Ok(issue_with_refresh(config, state, &package, scopes, mid))
}

/// The `refresh_token` grant: each refresh token works once and is replaced.
pub(crate) fn refresh_token(
    config: &Config,
    state: &mut State,
    client: &ClientAuth,
    token: &str,
    account_id: Option<u64>,
) -> Result<TokenResponse, OAuthError> {
    let package = authenticate_app(state, client, config.clock.now())?;
    let record = state
        .oauth
        .refresh_tokens
        .get_mut(token)
        .ok_or_else(|| OAuthError::invalid_grant("The refresh token is invalid."))?;
    record.uses += 1;
    if record.uses > 1 || record.revoked {
        return Err(OAuthError::invalid_grant(
            "The refresh token is invalid, expired or already used.",
        ));
    }
    if record.client_id != package.client_id {
        return Err(OAuthError::invalid_grant(
            "The refresh token was issued to another client.",
        ));
    }
    let scopes = record.scopes.clone();
    let mid = match account_id {
        None => record.mid,
        Some(m) if package.allows_mid(m) => m,
        Some(m) => return Err(OAuthError::unauthorized_client(format!("No access to account_id {m}."))),
    };
    Ok(issue_with_refresh(config, state, &package, scopes, mid))
}
