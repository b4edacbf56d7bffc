//! Web and public apps on the wire: `/v2/authorize` (a login page, a consent page, then the
//! redirect; the pages are in `authorize_page`) and the `authorization_code` and
//! `refresh_token` grants. The users who can sign in, codes with PKCE and refresh tokens that
//! work once are the model's ([`model::tokens`](super::model::tokens)).

use std::collections::HashMap;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::authorize_page::{self, CARRIED_PARAMS};
use super::model::packages::{Package, PackageKind};
use super::model::tokens::{authenticate_app, business_unit, Redeemed};
use super::state::{Config, FakeUser, State};
use super::token::{issue, ClientAuth, OAuthError, TokenResponse};
use crate::ScopeSet;

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
            let who = user.identity(&state.user);
            let code = state.oauth.issue_code(
                &request.package.client_id,
                who,
                &request.redirect_uri,
                scopes,
                request.challenge.clone(),
                config.clock.now(),
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

/// Issues an access token acting for `user` and a new refresh token.
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
    let refresh = state.oauth.issue_refresh(&package.client_id, user, scopes, mid);
    response.refresh_token = Some(refresh);
    response
}

/// The token for a redeemed code or refresh token, in the business unit asked for.
fn grant(
    config: &Config,
    state: &mut State,
    package: &Package,
    redeemed: Redeemed,
    account_id: Option<u64>,
) -> Result<TokenResponse, OAuthError> {
    let mid = business_unit(package, account_id, redeemed.default_mid)?;
    Ok(issue_with_refresh(
        config,
        state,
        package,
        redeemed.scopes,
        mid,
        redeemed.user,
    ))
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
    let now = config.clock.now();
    let secret = client.client_secret.as_deref();
    let package = authenticate_app(&state.packages, &client.client_id, secret, now)?.clone();
    let redeemed = state.oauth.redeem_code(&package, code, redirect_uri, verifier, now)?;
    grant(config, state, &package, redeemed, account_id)
}

/// The `refresh_token` grant: each refresh token works once and is replaced.
pub(crate) fn refresh_token(
    config: &Config,
    state: &mut State,
    client: &ClientAuth,
    token: &str,
    account_id: Option<u64>,
) -> Result<TokenResponse, OAuthError> {
    let now = config.clock.now();
    let secret = client.client_secret.as_deref();
    let package = authenticate_app(&state.packages, &client.client_id, secret, now)?.clone();
    let redeemed = state.oauth.redeem_refresh(&package, token)?;
    grant(config, state, &package, redeemed, account_id)
}
