//! The web app of `examples/web_app.rs`: sign-in with Marketing Cloud, one signed-in page,
//! sign-out, with a session cookie per browser. The browser tests serve this same router.
//!
//! Routes:
//! - `GET /` shows who is signed in in this browser (calling `/v2/userinfo` as them), or a
//!   link to sign in;
//! - `GET /login` starts a sign-in: a random `state` and a PKCE verifier kept server-side in
//!   this browser's session, then a redirect to Marketing Cloud's authorize URL;
//! - `GET /callback` finishes it: [`App::complete`] checks the `state` against the one this
//!   browser's session holds (a forged, stale or tampered redirect gets a page that says so),
//!   exchanges the code and stores the user's tokens, then redirects to `/`;
//! - `POST /logout` signs this browser's user out with [`App::sign_out`] (only their tokens).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use mc_auth::web::{App, PendingAuthorization, SignOut};
use mc_auth::{Client, Error};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "mc_example_session";
/// How long a sign-in may take from `/login` to `/callback`.
const SIGN_IN_TIME_LIMIT: Duration = Duration::from_secs(10 * 60);
/// Most browser sessions kept at once; past it, `/login` asks to try again later (a flood of
/// `/login` requests cannot exhaust memory).
const MAX_SESSIONS: usize = 10_000;

/// A browser's server-side session.
#[derive(Default)]
struct Session {
    /// The sign-in in progress, if any.
    pending: Option<PendingAuthorization>,
    /// The signed-in user, if any.
    user: Option<SignedIn>,
}

/// Who is signed in in a session.
#[derive(Clone)]
struct SignedIn {
    /// The user's id in the token store (their Marketing Cloud `sub`).
    id: String,
    /// Their display name, for pages.
    name: String,
}

/// The app's state: the Marketing Cloud app and the sessions by cookie value.
#[derive(Clone)]
struct Site {
    mc: App,
    sessions: Arc<Mutex<HashMap<String, Session>>>,
    /// Cookies only over HTTPS (`Secure`): set when the app is served behind HTTPS.
    secure_cookies: bool,
}

impl Site {
    fn sessions(&self) -> MutexGuard<'_, HashMap<String, Session>> {
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The router of the example web app, signing users in with `mc`. `secure_cookies` marks
/// the session cookie `Secure` (browsers then send it over HTTPS only): set it when the app
/// is served behind HTTPS, as it must be for a real tenant.
pub fn router(mc: App, secure_cookies: bool) -> Router {
    let site = Site {
        mc,
        sessions: Arc::default(),
        secure_cookies,
    };
    Router::new()
        .route("/", get(home))
        .route("/login", get(login))
        .route("/callback", get(callback))
        .route("/logout", post(logout))
        .with_state(site)
}

/// A new session id: 256 random bits from the operating system.
fn new_session_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The session cookie's value, when the browser sent one.
fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Escapes text for HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page: `body` is HTML made by the caller (every value in it escaped).
fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\
         <body style=\"font-family: sans-serif; max-width: 40em; margin: 2em auto\">{body}</body></html>",
        escape(title)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        html,
    )
        .into_response()
}

fn sign_in_link() -> &'static str {
    "<p><a id=\"sign-in\" href=\"/login\">Sign in with Marketing Cloud</a></p>"
}

/// `GET /`: the signed-in page, or a link to sign in.
async fn home(State(site): State<Site>, headers: HeaderMap) -> Response {
    let user = session_id(&headers).and_then(|sid| site.sessions().get(&sid).and_then(|s| s.user.clone()));
    let Some(user) = user else {
        return page(
            StatusCode::OK,
            "Not signed in",
            &format!("<h1 id=\"status\">Not signed in</h1>{}", sign_in_link()),
        );
    };
    // Act as the user from the store: this is what every request of a real app does.
    let client: Client = match site.mc.resume(&user.id).await {
        Ok(Some(client)) => client,
        Ok(None) => {
            return page(
                StatusCode::OK,
                "Signed out",
                &format!(
                    "<h1 id=\"status\">Your sign-in has ended</h1><p>No tokens are stored for {} any more (signed out in another browser?).</p>{}",
                    escape(&user.name),
                    sign_in_link()
                ),
            )
        }
        Err(e) => return error_page(StatusCode::BAD_GATEWAY, "Marketing Cloud is unavailable", &e),
    };
    let info = match client.userinfo().await {
        Ok(info) => info,
        Err(e) => return error_page(StatusCode::BAD_GATEWAY, "Marketing Cloud is unavailable", &e),
    };
    let scopes = client.token().await.map(|t| t.scopes().to_string()).unwrap_or_default();
    page(
        StatusCode::OK,
        "Signed in",
        &format!(
            "<h1 id=\"status\">Signed in as <span id=\"user-name\">{}</span></h1>\
             <p>User id: <span id=\"user-id\">{}</span></p>\
             <p>Email: <span id=\"user-email\">{}</span></p>\
             <p>Granted scopes: <span id=\"scopes\">{}</span></p>\
             <form method=\"post\" action=\"/logout\"><button id=\"sign-out\" type=\"submit\">Sign out</button></form>",
            escape(info.user.name.as_deref().unwrap_or(&user.name)),
            escape(&user.id),
            escape(info.user.email.as_deref().unwrap_or("")),
            escape(&scopes),
        ),
    )
}

/// `GET /login`: remembers a new sign-in in this browser's session and redirects to MC.
async fn login(State(site): State<Site>, headers: HeaderMap) -> Response {
    let (url, pending) = match site.mc.authorize_url() {
        Ok(started) => started,
        Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "Cannot start the sign-in", &e),
    };
    let existing = session_id(&headers);
    let mut sessions = site.sessions();
    // Sign-ins abandoned long ago are forgotten; sessions with nothing left go.
    sessions.retain(|_, s| {
        if s.pending
            .as_ref()
            .is_some_and(|p| p.created_at().elapsed() > SIGN_IN_TIME_LIMIT)
        {
            s.pending = None;
        }
        s.pending.is_some() || s.user.is_some()
    });
    let sid = match existing.filter(|sid| sessions.contains_key(sid)) {
        Some(sid) => sid,
        None => {
            if sessions.len() >= MAX_SESSIONS {
                return page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Busy",
                    "<h1>Too many sign-ins in progress</h1><p>Try again in a few minutes.</p>",
                );
            }
            match new_session_id() {
                Ok(sid) => sid,
                Err(e) => {
                    return page(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Cannot start the sign-in",
                        &format!("<p>No randomness for a session id: {}</p>", escape(&e.to_string())),
                    )
                }
            }
        }
    };
    // A new sign-in replaces one in progress in the same browser.
    sessions.entry(sid.clone()).or_default().pending = Some(pending);
    drop(sessions);
    site.with_cookie(Redirect::to(&url).into_response(), &sid)
}

impl Site {
    /// `response`, setting the session cookie to `sid`.
    fn with_cookie(&self, mut response: Response, sid: &str) -> Response {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let cookie = format!("{SESSION_COOKIE}={sid}; Path=/; HttpOnly; SameSite=Lax{secure}");
        match HeaderValue::from_str(&cookie) {
            Ok(v) => {
                response.headers_mut().insert(header::SET_COOKIE, v);
                response
            }
            Err(_) => page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Session error",
                "<p>Bad session cookie.</p>",
            ),
        }
    }
}

/// `GET /callback`: finishes the sign-in this browser started.
async fn callback(State(site): State<Site>, headers: HeaderMap, RawQuery(raw): RawQuery) -> Response {
    let sid = session_id(&headers);
    let pending = sid
        .as_ref()
        .and_then(|sid| site.sessions().get_mut(sid).and_then(|s| s.pending.take()));
    let (Some(sid), Some(pending)) = (sid, pending) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in not started",
            &format!(
                "<h1 id=\"status\">No sign-in is in progress in this browser</h1><p>The link may have been used already, or opened in another browser.</p>{}",
                sign_in_link()
            ),
        );
    };
    let client: Client = match site.mc.complete(pending, raw.as_deref().unwrap_or("")).await {
        Ok(client) => client,
        Err(Error::AuthorizationDenied { error, .. }) if error == "access_denied" => {
            return page(
                StatusCode::FORBIDDEN,
                "Sign-in declined",
                &format!(
                    "<h1 id=\"status\">Sign-in declined</h1><p>You chose not to give this app access to your Marketing Cloud account. Nothing was stored.</p>{}",
                    sign_in_link()
                ),
            )
        }
        Err(e @ Error::Callback { .. }) => {
            return error_page(StatusCode::BAD_REQUEST, "This sign-in response was refused", &e)
        }
        Err(e) => return error_page(StatusCode::BAD_GATEWAY, "Sign-in failed", &e),
    };
    let Some(id) = client.user().map(str::to_owned) else {
        return page(
            StatusCode::BAD_GATEWAY,
            "Sign-in failed",
            "<p>Marketing Cloud did not say who signed in.</p>",
        );
    };
    let name = match client.userinfo().await {
        Ok(info) => info.user.name.unwrap_or_else(|| id.clone()),
        Err(_) => id.clone(),
    };
    // A new session id once signed in: a session id planted before the sign-in (session
    // fixation) is worth nothing after it.
    let Ok(new_sid) = new_session_id() else {
        return page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Sign-in failed",
            "<p>No randomness for a session id.</p>",
        );
    };
    {
        let mut sessions = site.sessions();
        sessions.remove(&sid);
        sessions.insert(
            new_sid.clone(),
            Session {
                pending: None,
                user: Some(SignedIn { id, name }),
            },
        );
    }
    // Off the callback URL, so a reload does not replay the code.
    site.with_cookie(Redirect::to("/").into_response(), &new_sid)
}

/// `POST /logout`: signs this browser's user out (their stored tokens only).
async fn logout(State(site): State<Site>, headers: HeaderMap) -> Response {
    let user = session_id(&headers).and_then(|sid| site.sessions().get_mut(&sid).and_then(|s| s.user.take()));
    let Some(user) = user else {
        return page(
            StatusCode::OK,
            "Not signed in",
            &format!("<h1 id=\"status\">You were not signed in</h1>{}", sign_in_link()),
        );
    };
    match site.mc.sign_out(&user.id).await {
        Ok(SignOut::SignedOut) => page(
            StatusCode::OK,
            "Signed out",
            &format!(
                "<h1 id=\"status\">Signed out</h1><p>{} is signed out; their tokens were removed.</p>{}",
                escape(&user.name),
                sign_in_link()
            ),
        ),
        Ok(SignOut::NotSignedIn) => page(
            StatusCode::OK,
            "Not signed in",
            &format!(
                "<h1 id=\"status\">You were not signed in</h1><p>No tokens were stored for {} (signed out in another browser?).</p>{}",
                escape(&user.name),
                sign_in_link()
            ),
        ),
        Err(e) => error_page(StatusCode::INTERNAL_SERVER_ERROR, "Sign-out failed", &e),
    }
}

/// A page for an error: mc-auth's messages never contain secrets, and are escaped here.
fn error_page(status: StatusCode, title: &str, e: &Error) -> Response {
    page(
        status,
        title,
        &format!(
            "<h1 id=\"status\">{}</h1><p id=\"problem\">{}</p>{}",
            escape(title),
            escape(&e.to_string()),
            sign_in_link()
        ),
    )
}
