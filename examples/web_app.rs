//! A web app that signs users in with Marketing Cloud: `/login`, `/callback`, a signed-in
//! page and `/logout`, in axum (the router is `mc_auth_examples::web_server`).
//!
//! ```text
//! cargo run --example web_app            # signs a user in and out through the fake MC, exits 0
//! cargo run --example web_app -- --serve # stays up: open the printed http://127.0.0.1:PORT/
//! ```
//!
//! By default it starts the fake Marketing Cloud and registers a web app package whose
//! redirect URI is this app's `/callback`. With `--serve` it waits for a browser: the fake's
//! `/v2/authorize` shows a login page (enter `alice`, `bob` or `fake-api-user`) and a consent
//! page (Allow / Deny), like Marketing Cloud's. Without `--serve` it plays the browser itself:
//! it requests `/login` (keeping the session cookie), lets `FakeMarketingCloud::authorize`
//! sign in and press Allow, follows the redirect to `/callback`, shows the signed-in page,
//! signs out, and checks each step.
//!
//! With `MC_SUBDOMAIN`, `MC_CLIENT_ID`, `MC_CLIENT_SECRET` and `MC_REDIRECT_URI` set it uses
//! your tenant instead (MC only redirects to HTTPS: put this app behind an HTTPS URL whose
//! `/callback` is registered on the package, and use `--serve`; `MC_LISTEN` sets the address
//! to listen on, default `127.0.0.1:0`).

use std::net::SocketAddr;

use mc_auth::reqwest;
use mc_auth::testing::{AuthorizingUser, FakeMarketingCloud, Package};
use mc_auth::web::{App, WebAppConfig};
use mc_auth_examples::web_server::{self, SESSION_COOKIE};

const SCOPES: [&str; 3] = ["email_read", "email_send", "offline"];

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let serve = std::env::args().any(|a| a == "--serve");
    let real = std::env::var("MC_CLIENT_ID").is_ok();
    let listen = if real {
        std::env::var("MC_LISTEN").unwrap_or_else(|_| "127.0.0.1:0".into())
    } else {
        "127.0.0.1:0".into()
    };
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    let addr: SocketAddr = listener.local_addr()?;

    let mut secure_cookies = false;
    let (mc, fake) = if real {
        let env = |k: &str| std::env::var(k).map_err(|_| format!("{k} is not set"));
        let config = WebAppConfig::builder()
            .subdomain(env("MC_SUBDOMAIN")?)
            .client_id(env("MC_CLIENT_ID")?)
            .client_secret(env("MC_CLIENT_SECRET")?)
            .redirect_uri(env("MC_REDIRECT_URI")?)
            .build();
        secure_cookies = config.redirect_uri.starts_with("https://");
        (App::web(config, SCOPES, "WebApp")?, None)
    } else {
        let fake = FakeMarketingCloud::start().await;
        let redirect = format!("http://{addr}/callback");
        fake.register_package(
            Package::web_app("web-app-id", "web-app-secret", &redirect)
                .name("Example Web App")
                .scopes(SCOPES),
        );
        fake.web()
            .add_user(AuthorizingUser::named("alice").display_name("Alice Example"));
        fake.web()
            .add_user(AuthorizingUser::named("bob").display_name("Bob Example"));
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

    let server = tokio::spawn(async move { axum::serve(listener, web_server::router(mc, secure_cookies)).await });
    println!("Serving on http://{addr} (/, /login, /callback, /logout)");

    if serve {
        println!("Open http://{addr}/ in a browser; Ctrl-C to stop.");
        server.await??;
        return Ok(());
    }
    let Some(fake) = fake else {
        return Err("with a real tenant, sign in from a real browser: run with --serve".into());
    };
    let outcome = play_the_browser(&fake, addr).await;
    server.abort();
    outcome
}

/// The `name=value` of the session cookie a response sets.
fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get("set-cookie")
        .and_then(|c| c.to_str().ok())
        .and_then(|c| c.split(';').next())
        .filter(|c| c.starts_with(SESSION_COOKIE))
        .map(str::to_owned)
}

/// Signs in, shows the signed-in page and signs out, as a browser would (keeping the
/// session cookie), and checks what each page says.
async fn play_the_browser(fake: &FakeMarketingCloud, addr: SocketAddr) -> Result<(), Box<dyn std::error::Error>> {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login = browser.get(format!("http://{addr}/login")).send().await?;
    let cookie = session_cookie(&login).ok_or("/login did not set a session cookie")?;
    let authorize_url = login
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .ok_or("/login did not redirect to Marketing Cloud")?
        .to_owned();
    // The fake's login and consent pages, answered as its default user pressing Allow.
    let redirect = fake.authorize(&authorize_url).await;
    println!("Marketing Cloud sent the browser back to /callback with a code");
    let callback = browser.get(redirect.url()).header("cookie", &cookie).send().await?;
    if !callback.status().is_redirection() {
        let status = callback.status();
        return Err(format!("sign-in failed with HTTP {status}: {}", callback.text().await?).into());
    }
    // Signing in gives the browser a new session id; the one from before is worthless.
    let cookie = session_cookie(&callback).ok_or("/callback did not renew the session cookie")?;
    let home = browser
        .get(format!("http://{addr}/"))
        .header("cookie", &cookie)
        .send()
        .await?;
    let text = home.text().await?;
    println!("Signed-in page:\n{text}");
    if !text.contains("Signed in as") {
        return Err("the signed-in page does not say who is signed in".into());
    }
    let logout = browser
        .post(format!("http://{addr}/logout"))
        .header("cookie", &cookie)
        .send()
        .await?;
    let text = logout.text().await?;
    println!("After /logout:\n{text}");
    if !text.contains("Signed out") {
        return Err("/logout did not sign the user out".into());
    }
    let again = browser
        .post(format!("http://{addr}/logout"))
        .header("cookie", &cookie)
        .send()
        .await?;
    if !again.text().await?.contains("You were not signed in") {
        return Err("a second /logout did not say the user was not signed in".into());
    }
    Ok(())
}
