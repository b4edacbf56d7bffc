//! Web and public apps in the fake: `/v2/authorize` (a login page, a consent page, then the
//! redirect; the pages are in `authorize_page`), the users who can sign in, the
//! `authorization_code` and `refresh_token` grants, PKCE, single-use codes and rotating
//! refresh tokens, each token acting for the user who signed in.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::authorize_page::{self, CARRIED_PARAMS};
use super::package::{Package, PackageKind};
use super::state::{Config, FakeUser, State};
use super::token::{issue, ClientAuth, OAuthError, TokenResponse};
use super::util::random_alphanumeric;
use crate::ScopeSet;

/// How long authorization codes live (MC: 5 minutes).
pub const CODE_LIFETIME: Duration = Duration::from_secs(300);

/// A user who can sign in at `/v2/authorize`: the default one ([`web().set_user`](super::WebView::set_user)),
/// whom [`FakeMarketingCloud::authorize`](super::FakeMarketingCloud::authorize) signs in,
/// and any added with [`web().add_user`](super::WebView::add_user), whom a browser can sign
/// in by entering their username on the login page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizingUser {
    /// The username entered on the login page. The default user's is `fake-api-user`, the
    /// user `/v2/userinfo` shows for client-credentials tokens.
    pub username: String,
    /// The display name `/v2/userinfo` shows (`user.name`); the username when `None`.
    pub display_name: Option<String>,
    /// The user's permissions as scopes; tokens get the intersection with the app's. `None`
    /// means every scope.
    pub permissions: Option<ScopeSet>,
    /// A `tssd` to add to the redirect (AppExchange apps), if any.
    pub tssd: Option<String>,
    /// When set, [`FakeMarketingCloud::authorize`](super::FakeMarketingCloud::authorize)
    /// presses Deny on the consent page: the redirect carries `error=access_denied`. (A
    /// browser presses whichever button it clicks.)
    pub declines: bool,
}

/// The default user's username: the user of client-credentials tokens.
const DEFAULT_USERNAME: &str = "fake-api-user";

impl Default for AuthorizingUser {
    fn default() -> Self {
        AuthorizingUser::named(DEFAULT_USERNAME)
    }
}

impl AuthorizingUser {
    /// The default user (`fake-api-user`) with every permission.
    pub fn new() -> Self {
        Self::default()
    }

    /// A user with this username and every permission. Their `/v2/userinfo` `sub` is a
    /// number derived from the username (stable across runs), so two users never share one.
    pub fn named(username: impl Into<String>) -> Self {
        AuthorizingUser {
            username: username.into(),
            display_name: None,
            permissions: None,
            tssd: None,
            declines: false,
        }
    }

    /// Sets the display name `/v2/userinfo` shows.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
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

    /// Makes [`FakeMarketingCloud::authorize`](super::FakeMarketingCloud::authorize) press
    /// Deny.
    pub fn declines(mut self) -> Self {
        self.declines = true;
        self
    }

    /// Who this user is in `/v2/userinfo`. The default username is the fake's API user.
    pub(crate) fn identity(&self, api_user: &FakeUser) -> FakeUser {
        let mut who = if self.username == api_user.preferred_username {
            api_user.clone()
        } else {
            // FNV-1a: stable across runs, distinct per username in practice.
            let hash = self.username.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            FakeUser {
                sub: format!("7{:015}", hash % 1_000_000_000_000_000),
                name: self.username.clone(),
                preferred_username: self.username.clone(),
                email: format!("{}@example.com", self.username),
            }
        };
        if let Some(name) = &self.display_name {
            who.name = name.clone();
        }
        who
    }
}

/// OAuth state: the signed-in user, codes and refresh tokens.
#[derive(Default)]
pub(crate) struct OAuthState {
    /// The default user: the one [`FakeMarketingCloud::authorize`](super::FakeMarketingCloud::authorize) signs in.
    pub user: AuthorizingUser,
    /// Further users a browser can sign in as, by username.
    pub users: Vec<AuthorizingUser>,
    pub codes: HashMap<String, CodeRecord>,
    pub refresh_tokens: HashMap<String, RefreshRecord>,
    /// Refresh tokens in issue order, for [`web().refresh_token_uses`](super::WebView::refresh_token_uses).
    pub refresh_order: Vec<String>,
}

pub(crate) struct CodeRecord {
    client_id: String,
    user: FakeUser,
    redirect_uri: String,
    scopes: ScopeSet,
    challenge: Option<String>,
    expires_at: Instant,
    used: bool,
}

pub(crate) struct RefreshRecord {
    client_id: String,
    user: FakeUser,
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

impl OAuthState {
    /// The user with this username: the default one or one added.
    fn find_user(&self, username: &str) -> Option<&AuthorizingUser> {
        std::iter::once(&self.user)
            .chain(self.users.iter().rev())
            .find(|u| u.username == username)
    }

    /// Every username that can sign in, the default user's first.
    fn usernames(&self) -> Vec<String> {
        let mut names = vec![self.user.username.clone()];
        for u in &self.users {
            if !names.contains(&u.username) {
                names.push(u.username.clone());
            }
        }
        names
    }
}

/// An authorize request that passed every check that comes before the user's decision.
struct AuthorizeRequest {
    package: Package,
    redirect_uri: String,
    state: Option<String>,
    challenge: Option<String>,
    /// The requested scopes the package has, in request order.
    scopes: ScopeSet,
}

impl AuthorizeRequest {
    /// `redirect_uri` with `pairs` and the `state` (when the request had one) in its query.
    fn back(&self, pairs: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = pairs.to_vec();
        if let Some(s) = &self.state {
            all.push(("state", s));
        }
        redirect(&with_query(&self.redirect_uri, &all))
    }
}

/// Checks an authorize request as MC does: an unknown client or redirect URI gets a page (MC
/// never redirects to an unverified URI); anything else wrong redirects with an OAuth error.
fn check_request(state: &State, q: &HashMap<String, String>) -> Result<AuthorizeRequest, Box<Response>> {
    let Some(package) = q.get("client_id").and_then(|id| state.packages.get(id)).cloned() else {
        return refuse(bad_page(StatusCode::BAD_REQUEST, "Unknown client_id."));
    };
    let Some(redirect_uri) = q
        .get("redirect_uri")
        .filter(|r| package.redirect_uris.contains(r))
        .cloned()
    else {
        return refuse(bad_page(
            StatusCode::BAD_REQUEST,
            "The redirect_uri is not registered for this package.",
        ));
    };
    if package.kind == PackageKind::Server || !package.enabled {
        // MC does not echo state for an app that cannot use this flow at all.
        return refuse(redirect(&with_query(
            &redirect_uri,
            &[
                ("error", "unauthorized_client"),
                (
                    "error_description",
                    "This package cannot use the authorization code flow.",
                ),
            ],
        )));
    }
    let mut request = AuthorizeRequest {
        scopes: ScopeSet::default(),
        package,
        redirect_uri,
        state: q.get("state").cloned(),
        challenge: None,
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return refuse(request.back(&[
            ("error", "unsupported_response_type"),
            ("error_description", "response_type must be code."),
        ]));
    }
    request.challenge = match (
        q.get("code_challenge"),
        q.get("code_challenge_method").map(String::as_str),
    ) {
        (Some(c), Some("S256")) => Some(c.clone()),
        (Some(_), _) => {
            return refuse(request.back(&[
                ("error", "invalid_request"),
                ("error_description", "Only code_challenge_method=S256 is supported."),
            ]))
        }
        (None, _) => None,
    };
    let requested = match q.get("scope") {
        Some(s) => ScopeSet::parse(s),
        None => request.package.scopes.clone(),
    };
    request.scopes = requested
        .iter()
        .filter(|s| request.package.scopes.contains(s))
        .collect();
    Ok(request)
}

/// A refused authorize request: the page or redirect to answer with.
fn refuse(response: Response) -> Result<AuthorizeRequest, Box<Response>> {
    Err(Box::new(response))
}

/// `/v2/authorize`, as a browser sees it. `GET` with the app's authorize URL shows the login
/// page; posting a username shows the consent page (the app's name, the scopes); posting
/// `decision=allow` redirects to the app with a code, `decision=deny` with
/// `error=access_denied`. Every step checks the whole request again: a form post is as
/// untrusted as the first URL.
pub(crate) fn authorize(
    config: &Config,
    state: &mut State,
    method: &str,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
) -> Response {
    let q = match method {
        "GET" => query_pairs(query),
        "POST" => {
            let form = content_type
                .and_then(|c| c.split(';').next())
                .is_some_and(|c| c.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
            if !form {
                return bad_page(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "Post the sign-in form as application/x-www-form-urlencoded.",
                );
            }
            url::form_urlencoded::parse(body).into_owned().collect()
        }
        _ => return bad_page(StatusCode::METHOD_NOT_ALLOWED, "Use GET or POST for /v2/authorize."),
    };
    let request = match check_request(state, &q) {
        Ok(r) => r,
        Err(response) => return *response,
    };
    let carried: Vec<(&str, &str)> = CARRIED_PARAMS
        .iter()
        .filter_map(|k| q.get(*k).map(|v| (*k, v.as_str())))
        .collect();
    let app_name = request.package.name.clone();
    let known = state.oauth.usernames();
    if method == "GET" {
        return authorize_page::login(&app_name, &carried, &known, &state.oauth.user.username, None);
    }
    let username = q.get("username").map(|u| u.trim()).unwrap_or("");
    let Some(user) = state.oauth.find_user(username).cloned() else {
        let problem = if username.is_empty() {
            "Enter a username.".to_owned()
        } else {
            format!("There is no user named \"{username}\" in this Marketing Cloud account. Check the username and try again.")
        };
        return authorize_page::login(&app_name, &carried, &known, username, Some(&problem));
    };
    let decision = q.get("decision").map(String::as_str);
    match decision {
        None if q.get("step").map(String::as_str) == Some("login") => {
            let scopes: Vec<String> = request.scopes.iter().map(str::to_owned).collect();
            authorize_page::consent(&app_name, &carried, &user.username, &scopes)
        }
        Some("deny") => request.back(&[
            ("error", "access_denied"),
            ("error_description", "The user denied the request."),
        ]),
        Some("allow") => {
            let scopes: ScopeSet = request
                .scopes
                .iter()
                .filter(|s| user.permissions.as_ref().is_none_or(|p| p.contains(s)))
                .collect();
            let code = random_alphanumeric(48);
            state.oauth.codes.insert(
                code.clone(),
                CodeRecord {
                    client_id: request.package.client_id.clone(),
                    user: user.identity(&state.user),
                    redirect_uri: request.redirect_uri.clone(),
                    scopes,
                    challenge: request.challenge.clone(),
                    expires_at: config.clock.now() + CODE_LIFETIME,
                    used: false,
                },
            );
            let mut pairs: Vec<(&str, &str)> = vec![("code", &code)];
            if let Some(t) = &user.tssd {
                pairs.push(("tssd", t));
            }
            request.back(&pairs)
        }
        _ => bad_page(
            StatusCode::BAD_REQUEST,
            "The form must say decision=allow or decision=deny (or step=login to show the consent page).",
        ),
    }
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
    user: FakeUser,
) -> TokenResponse {
    let mut response = issue(config, state, package, scopes.clone(), mid);
    if let Some(record) = state.tokens.get_mut(&response.access_token) {
        // The token acts for the user who signed in: `/v2/userinfo` shows them.
        record.user = Some(user.clone());
    }
    let refresh = random_alphanumeric(64);
    state.oauth.refresh_tokens.insert(
        refresh.clone(),
        RefreshRecord {
            client_id: package.client_id.clone(),
            user,
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
    let user = record.user.clone();
    let mid = match account_id {
        None => package.default_mid(),
        Some(m) if package.allows_mid(m) => m,
        Some(m) => return Err(OAuthError::unauthorized_client(format!("No access to account_id {m}."))),
    };
    Ok(issue_with_refresh(config, state, &package, scopes, mid, user))
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
    let user = record.user.clone();
    let mid = match account_id {
        None => record.mid,
        Some(m) if package.allows_mid(m) => m,
        Some(m) => return Err(OAuthError::unauthorized_client(format!("No access to account_id {m}."))),
    };
    Ok(issue_with_refresh(config, state, &package, scopes, mid, user))
}
