//! `POST /v2/token`: the auth host's token endpoint.
//!
//! The request body is parsed into a [`Grant`]; each grant type has its own function that
//! checks it and issues a token through [`issue`]. New grant types (authorization code,
//! refresh token) slot in as new `Grant` variants.

use std::time::Duration;

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

use super::model::packages::Package;
use super::model::tokens::{
    authenticate_server, business_unit, granted_scopes, issue_access_token, Refused, ScopeRequest, TokenRecord,
};
use super::state::{Config, State};
use super::util::json_response;
use crate::ScopeSet;

/// The `error_uri` of MC's OAuth errors.
pub(crate) const OAUTH_ERROR_URI: &str = "https://developer.salesforce.com/docs";

/// The grant types MC names in its `unsupported_grant_type` description.
const UNSUPPORTED_GRANT_DESCRIPTION: &str = "Use \"authorization_code\", \"refresh_token\", \"client_credentials\" or \"urn:ietf:params:oauth:grant-type:jwt-bearer\" as the grant type.";

/// An OAuth-shaped error of the token endpoint.
#[derive(Debug)]
pub(crate) struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        OAuthError {
            status,
            error,
            description: description.into(),
        }
    }

    /// 401 `invalid_client`: bad id or secret, unknown or disabled package.
    pub fn invalid_client() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Client authentication failed.",
        )
    }

    /// 400 `invalid_request`.
    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// 400 `unsupported_grant_type` with MC's description.
    pub fn unsupported_grant_type() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            UNSUPPORTED_GRANT_DESCRIPTION,
        )
    }

    /// 400 `invalid_grant`: a bad, used or expired code or refresh token.
    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    /// 401 `unauthorized_client`: the package may not act in the requested business unit.
    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized_client", description)
    }
}

impl From<Refused> for OAuthError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Client => OAuthError::invalid_client(),
            Refused::Unauthorized(description) => OAuthError::unauthorized_client(description),
            Refused::Grant(description) => OAuthError::invalid_grant(description),
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        #[derive(Serialize)]
        struct Body<'a> {
            error: &'a str,
            error_description: &'a str,
            error_uri: &'a str,
        }
        json_response(
            self.status,
            &Body {
                error: self.error,
                error_description: &self.description,
                error_uri: OAUTH_ERROR_URI,
            },
        )
    }
}

/// MC's token response.
#[derive(Serialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    token_type: &'static str,
    expires_in: u64,
    scope: String,
    rest_instance_url: String,
    soap_instance_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// `client_id` and `client_secret` of a token request.
pub(crate) struct ClientAuth {
    pub client_id: String,
    pub client_secret: Option<String>,
}

/// A parsed token request.
enum Grant {
    ClientCredentials {
        client: ClientAuth,
        scope: ScopeRequest,
        account_id: Option<u64>,
    },
    AuthorizationCode {
        client: ClientAuth,
        code: String,
        redirect_uri: Option<String>,
        code_verifier: Option<String>,
        account_id: Option<u64>,
    },
    RefreshToken {
        client: ClientAuth,
        refresh_token: String,
        account_id: Option<u64>,
    },
    /// A grant type MC supports but the fake does not implement.
    NotImplemented(String),
}

impl Grant {
    fn parse(body: &Map<String, Value>) -> Result<Grant, OAuthError> {
        let grant_type = match body.get("grant_type") {
            Some(Value::String(s)) => s.as_str(),
            _ => return Err(OAuthError::unsupported_grant_type()),
        };
        match grant_type {
            "client_credentials" => Ok(Grant::ClientCredentials {
                client: client_auth(body)?,
                scope: scope_request(body)?,
                account_id: account_id(body)?,
            }),
            "authorization_code" => Ok(Grant::AuthorizationCode {
                client: client_auth(body)?,
                code: optional_string(body, "code")?
                    .ok_or_else(|| OAuthError::invalid_request("`code` is required."))?
                    .to_owned(),
                redirect_uri: optional_string(body, "redirect_uri")?.map(str::to_owned),
                code_verifier: optional_string(body, "code_verifier")?.map(str::to_owned),
                account_id: account_id(body)?,
            }),
            "refresh_token" => Ok(Grant::RefreshToken {
                client: client_auth(body)?,
                refresh_token: optional_string(body, "refresh_token")?
                    .ok_or_else(|| OAuthError::invalid_request("`refresh_token` is required."))?
                    .to_owned(),
                account_id: account_id(body)?,
            }),
            "urn:ietf:params:oauth:grant-type:jwt-bearer" => Ok(Grant::NotImplemented(grant_type.to_owned())),
            _ => Err(OAuthError::unsupported_grant_type()),
        }
    }
}

fn optional_string<'a>(body: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, OAuthError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(OAuthError::invalid_request(format!("`{field}` must be a string."))),
    }
}

fn client_auth(body: &Map<String, Value>) -> Result<ClientAuth, OAuthError> {
    let client_id = optional_string(body, "client_id")?.ok_or_else(OAuthError::invalid_client)?;
    let client_secret = optional_string(body, "client_secret")?;
    Ok(ClientAuth {
        client_id: client_id.to_owned(),
        client_secret: client_secret.map(str::to_owned),
    })
}

fn scope_request(body: &Map<String, Value>) -> Result<ScopeRequest, OAuthError> {
    Ok(match optional_string(body, "scope")? {
        None => ScopeRequest::All,
        Some(s) => ScopeRequest::Only(ScopeSet::parse(s)),
    })
}

fn account_id(body: &Map<String, Value>) -> Result<Option<u64>, OAuthError> {
    let bad = || OAuthError::invalid_request("`account_id` must be the numeric MID of a business unit.");
    match body.get("account_id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(bad),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().map(Some).map_err(|_| bad())
        }
        Some(_) => Err(bad()),
    }
}

/// Issues an access token and stores it.
pub(crate) fn issue(
    config: &Config,
    state: &mut State,
    package: &Package,
    scopes: ScopeSet,
    mid: u64,
) -> TokenResponse {
    let lifetime: Duration = package.expires_in.unwrap_or(config.expires_in);
    let record = TokenRecord {
        serial: 0,
        client_id: package.client_id.clone(),
        account_id: mid,
        scopes: scopes.clone(),
        expires_at: config.clock.now() + lifetime,
        revoked: false,
        user: None,
    };
    let access_token = issue_access_token(&mut state.tokens, &mut state.next_token_serial, record);
    let urls = state.instance_urls(config);
    TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: lifetime.as_secs(),
        scope: scopes.to_string(),
        rest_instance_url: urls.rest,
        soap_instance_url: urls.soap,
        refresh_token: None,
    }
}

fn client_credentials(
    config: &Config,
    state: &mut State,
    client: &ClientAuth,
    scope: &ScopeRequest,
    account_id: Option<u64>,
) -> Result<TokenResponse, OAuthError> {
    let now = config.clock.now();
    let secret = client.client_secret.as_deref();
    let package = authenticate_server(&state.packages, &client.client_id, secret, now)?.clone();
    let mid = business_unit(&package, account_id, package.default_mid())?;
    let scopes = granted_scopes(&package, scope);
    Ok(issue(config, state, &package, scopes, mid))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
}

/// Answers a `/v2/token` request.
pub(crate) fn handle(config: &Config, state: &mut State, method: &str, headers: &HeaderMap, body: &[u8]) -> Response {
    if method != "POST" {
        return OAuthError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            "Use POST for the token endpoint.",
        )
        .into_response();
    }
    if !is_json(headers) {
        return OAuthError::invalid_request(
            "The request body must be JSON, sent with `Content-Type: application/json`.",
        )
        .into_response();
    }
    let body = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => map,
        _ => return OAuthError::invalid_request("The request body is not a JSON object.").into_response(),
    };
    let result = Grant::parse(&body).and_then(|grant| match grant {
        Grant::ClientCredentials {
            client,
            scope,
            account_id,
        } => client_credentials(config, state, &client, &scope, account_id),
        Grant::AuthorizationCode {
            client,
            code,
            redirect_uri,
            code_verifier,
            account_id,
        } => super::oauth::authorization_code(
            config,
            state,
            &client,
            &code,
            redirect_uri.as_deref(),
            code_verifier.as_deref(),
            account_id,
        ),
        Grant::RefreshToken {
            client,
            refresh_token,
            account_id,
        } => super::oauth::refresh_token(config, state, &client, &refresh_token, account_id),
        Grant::NotImplemented(grant_type) => Err(OAuthError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("The fake Marketing Cloud does not implement the \"{grant_type}\" grant yet."),
        )),
    });
    match result {
        Ok(token) => json_response(StatusCode::OK, &token),
        Err(e) => e.into_response(),
    }
}
