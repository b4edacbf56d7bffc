//! A web app that signs users in with Marketing Cloud: `/login` and `/callback` in axum.
//!
//! ```text
//! cargo run --example web_app            # drives its own login through the fake MC, exits 0
//! cargo run --example web_app -- --serve # stays up: open http://127.0.0.1:PORT/login
//! ```
//!
//! By default it starts the fake Marketing Cloud, registers a web app package whose redirect
//! URI is this app's `/callback`, and then plays the browser itself: it requests `/login`,
//! hands the authorize URL it redirects to to `FakeMarketingCloud::authorize` (a user who
//! signs in and approves), follows the redirect back to `/callback`, and prints the page. With
//! `MC_SUBDOMAIN`, `MC_CLIENT_ID`, `MC_CLIENT_SECRET` and `MC_REDIRECT_URI` set it uses your
//! tenant instead (MC only redirects to HTTPS, so put this app behind an HTTPS URL registered
//! on the package, and use `--serve`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, RawQuery, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use mc_auth::reqwest;
use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::web::{App, PendingAuthorization, WebAppConfig};
use mc_auth::Client;

const SCOPES: [&str; 3] = ["email_read", "email_send", "offline"];

/// Authorizations in progress, by `state`. A real app keeps them in its server-side session
/// store, tied to the browser's session cookie.
type Pending = Arc<Mutex<HashMap<String, PendingAuthorization>>>;

#[derive(Clone)]
struct AppState {
    mc: App,
    pending: Pending,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let serve = std::env::args().any(|a| a == "--serve");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr: SocketAddr = listener.local_addr()?;

    let real = std::env::var("MC_CLIENT_ID").is_ok();
    let (mc, fake) = if real {
        let env = |k: &str| std::env::var(k).map_err(|_| format!("{k} is not set"));
        let config = WebAppConfig::builder()
            .subdomain(env("MC_SUBDOMAIN")?)
            .client_id(env("MC_CLIENT_ID")?)
            .client_secret(env("MC_CLIENT_SECRET")?)
            .redirect_uri(env("MC_REDIRECT_URI")?)
            .build();
        (App::web(config, SCOPES, "WebApp")?, None)
    } else {
        let fake = FakeMarketingCloud::start().await;
        let redirect = format!("http://{addr}/callback");
        fake.register_package(Package::web_app("web-app-id", "web-app-secret", &redirect).scopes(SCOPES));
        let config = WebAppConfig::builder()
            .subdomain(fake.subdomain())
            .client_id("web-app-id")
            .client_secret("web-app-secret")
            .redirect_uri(redirect)
            .auth_url(fake.url())
            .build();
        println!("Using the fake Marketing Cloud at {}", fake.url());
        (App::web(config, SCOPES, "WebApp")?, Some(fake))
    };

    let state = AppState {
        mc,
        pending: Arc::default(),
    };
    let router = Router::new()
        .route("/login", get(login))
        .route("/callback", get(callback))
        .with_state(state);
    let server = tokio::spawn(async move { axum::serve(listener, router).await });
    println!("Serving on http://{addr} (/login, /callback)");

    if serve {
        println!("Open http://{addr}/login in a browser; Ctrl-C to stop.");
        server.await??;
        return Ok(());
    }

    // Play the browser: /login redirects to MC's authorize URL, where the fake signs the user
    // in and approves (`FakeMarketingCloud::authorize`), then the redirect lands on /callback.
    let Some(fake) = fake else {
        return Err("with a real tenant, sign in from a real browser: run with --serve".into());
    };
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login = browser.get(format!("http://{addr}/login")).send().await?;
    let authorize_url = login
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("/login did not redirect to Marketing Cloud")?
        .to_owned();
    let redirect = fake.authorize(&authorize_url).await;
    println!(
        "Marketing Cloud sent the browser back with a code (state {:?})",
        redirect.state().unwrap_or_default()
    );
    let page = browser.get(redirect.url()).send().await?;
    let status = page.status();
    let text = page.text().await?;
    println!("Browser landed on /callback with HTTP {status}:\n{text}");
    if !status.is_success() {
        return Err(format!("sign-in failed with HTTP {status}").into());
    }
    server.abort();
    Ok(())
}

/// Starts an authorization: remembers the pending state and redirects to MC.
async fn login(State(app): State<AppState>) -> Response {
    match app.mc.authorize_url() {
        Ok((url, pending)) => {
            app.pending
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(pending.state().as_str().to_owned(), pending);
            Redirect::to(&url).into_response()
        }
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// Completes the authorization and makes a call as the user.
async fn callback(
    State(app): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let state = q.get("state").cloned().unwrap_or_default();
    let Some(pending) = app.pending.lock().unwrap_or_else(|p| p.into_inner()).remove(&state) else {
        return (
            StatusCode::BAD_REQUEST,
            "Unknown or used sign-in attempt: start again at /login",
        )
            .into_response();
    };
    let client: Client = match app.mc.complete(pending, raw.as_deref().unwrap_or("")).await {
        Ok(c) => c,
        Err(e) => return (StatusCode::BAD_REQUEST, format!("Sign-in failed: {e}")).into_response(),
    };
    let who = match client.userinfo().await {
        Ok(info) => info.user.name.unwrap_or_else(|| "unknown user".into()),
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let scopes = client.token().await.map(|t| t.scopes().to_string()).unwrap_or_default();
    (
        [(header::CACHE_CONTROL, "no-store")],
        Html(format!(
            "<h1>Signed in as {}</h1><p>Granted scopes: {}</p>",
            escape(&who),
            escape(&scopes)
        )),
    )
        .into_response()
}

/// Escapes text for HTML.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
