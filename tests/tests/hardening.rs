//! Hardening against hostile input: forged redirects, a busy loopback receiver, dot segments
//! in paths, absurd `Content-Length`s and symlinked store files. Everything talks real HTTP
//! to the fake Marketing Cloud (or to a raw TCP server) on loopback.

use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::web::{App, WebAppConfig};
use mc_auth::Error;

const SUB: &str = "mc563885gzs27c5t9-63k636tzgm";
const REDIRECT: &str = "https://127.0.0.1:80/";
const SCOPES: [&str; 3] = ["email_read", "email_send", "offline"];

async fn fake_with_web_app(redirect: &str) -> FakeMarketingCloud {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::web_app("web-id", "web-secret-value", redirect).scopes(SCOPES));
    fake
}

fn web_app(fake: &FakeMarketingCloud, redirect: &str) -> App {
    let config = WebAppConfig::builder()
        .subdomain(SUB)
        .client_id("web-id")
        .client_secret("web-secret-value")
        .redirect_uri(redirect)
        .auth_url(fake.url())
        .build();
    App::web(config, SCOPES, "Mailer").unwrap()
}

// ---------------------------------------------------------------------------------------------
// 1. Forged error redirects
// ---------------------------------------------------------------------------------------------

const ATTACKER_TEXT: &str = "Call 555-0100 to restore your account";

#[tokio::test]
async fn a_forged_error_redirect_is_refused_without_repeating_its_text() {
    let fake = fake_with_web_app(REDIRECT).await;
    let app = web_app(&fake, REDIRECT);
    let description = ATTACKER_TEXT.replace(' ', "%20");
    for state in ["&state=not-the-one-sent", ""] {
        let (_url, pending) = app.authorize_url().unwrap();
        let forged = format!("{REDIRECT}?error=access_denied&error_description={description}{state}");
        let err = app.complete(pending, &forged).await.unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(
            matches!(&err, Error::Callback { problem } if problem.contains("forged or stale")),
            "state {state:?}: {err:?}"
        );
        assert!(
            !shown.contains("555-0100") && !shown.contains("access_denied"),
            "the attacker's text was repeated: {shown}"
        );
    }
    assert_eq!(fake.token_request_count(), 0);
}

#[tokio::test]
async fn an_error_redirect_with_the_right_state_is_denied_with_cleaned_text() {
    let fake = fake_with_web_app(REDIRECT).await;
    let app = web_app(&fake, REDIRECT);
    let (_url, pending) = app.authorize_url().unwrap();
    let long = "x".repeat(5000);
    let redirect = format!(
        "{REDIRECT}?error=access%5Fdenied%0D%0AX-Injected:%201&error_description=User%20said%20no%1B[31m{long}&state={}",
        pending.state().as_str()
    );
    match app.complete(pending, &redirect).await.unwrap_err() {
        Error::AuthorizationDenied { error, description } => {
            assert_eq!(error, "access_deniedX-Injected: 1");
            let description = description.unwrap();
            assert!(description.starts_with("User said no[31mxxx"), "{description}");
            assert!(!description.chars().any(char::is_control), "{description:?}");
            assert!(description.chars().count() <= 301, "{} characters", description.len());
        }
        other => panic!("{other:?}"),
    }
}
