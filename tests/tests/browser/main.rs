//! Web sign-in in a real browser: headless Chromium, driven through chromedriver, signs in to
//! the example web app (`mc_auth_examples::web_server`, what `examples/web_app --serve`
//! serves) through the fake Marketing Cloud's login and consent pages, and to a command-line
//! app through its HTTPS loopback receiver.
//!
//! Every test here is `#[ignore]`d with the reason that names what to install, so a machine
//! without Chromium reports them as skipped, never as passed. `cargo xtask test` (and CI)
//! installs `chromium` and `chromium-driver` when missing and runs them with `--ignored`;
//! by hand: `cargo test -p mc-auth-tests --test browser -- --ignored`.
//! `CHROMIUM` and `CHROMEDRIVER` override the Debian paths.

mod chromium;

use std::net::SocketAddr;

use chromium::{Browser, Driver};
use mc_auth::testing::{AuthorizingUser, FakeMarketingCloud, Package};
use mc_auth::web::{App, LoopbackReceiver, PublicAppConfig, SignOut, WebAppConfig};
use mc_auth::{Client, Error};
use mc_auth_examples::web_server::SESSION_COOKIE;

const SCOPES: [&str; 3] = ["email_read", "email_send", "offline"];

/// The fake, the example web app served on loopback, and the app's handle (sharing its
/// token store) to check what is stored.
struct Site {
    fake: FakeMarketingCloud,
    app: App,
    base: String,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Site {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Starts the fake with a web app package named `app_name` and users `alice` and `bob`, and
/// serves the example web app for it.
async fn site(app_name: &str) -> Site {
    let fake = FakeMarketingCloud::start().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let base = format!("http://{addr}");
    let redirect = format!("{base}/callback");
    fake.register_package(
        Package::web_app("web-app-id", "web-app-secret", &redirect)
            .name(app_name)
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
    let app = App::web(config, SCOPES, "WebApp").unwrap();
    let router = mc_auth_examples::web_server::router(app.clone(), false);
    let server = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    Site {
        fake,
        app,
        base,
        server,
    }
}

/// The user id (`/v2/userinfo` `sub`) the fake gives `username`: the app's store key.
async fn sub_of(fake: &FakeMarketingCloud, app: &App, username: &str) -> String {
    fake.web().set_user(AuthorizingUser::named(username));
    let (url, pending) = app.authorize_url().unwrap();
    let redirect = fake.authorize(&url).await;
    let client: Client = app.complete(pending, redirect.url()).await.unwrap();
    let sub = client.user().unwrap().to_owned();
    assert_eq!(app.sign_out(&sub).await.unwrap(), SignOut::SignedOut);
    fake.web().set_user(AuthorizingUser::new());
    fake.requests().clear();
    sub
}

/// From the app's `/login` through the fake's login page (as `username`) to its consent page.
async fn to_consent_page(browser: &Browser, site: &Site, username: &str) {
    browser.open(&format!("{}/login", site.base)).await;
    let url = browser.url().await;
    assert!(
        url.starts_with(&format!("{}/v2/authorize?", site.fake.url())),
        "/login sends the browser to MC's authorize page: {url}"
    );
    assert!(url.contains("state=") && url.contains("code_challenge="), "{url}");
    browser.type_into("username", username).await;
    browser.click("log-in").await;
    assert_eq!(
        browser.text("username").await,
        username,
        "the consent page names who signed in"
    );
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run cargo xtask test (installs them) or apt-get install chromium chromium-driver"]
async fn a_user_signs_in_through_the_login_and_consent_pages() {
    let site = site("Campaign Planner").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser(false).await;

    browser.open(&format!("{}/", site.base)).await;
    assert_eq!(browser.text("status").await, "Not signed in");
    browser.click("sign-in").await;
    assert_eq!(
        browser.text("app-name").await,
        "Campaign Planner",
        "the login page names the app"
    );
    browser.type_into("username", "alice").await;
    browser.click("log-in").await;
    // Cookies are per host, not per port: the app's cookie shows on the fake's page too.
    let before = browser
        .cookie(SESSION_COOKIE)
        .await
        .expect("/login set the session cookie");

    // The consent page: the app, who is signed in, the scopes it asks for.
    assert_eq!(browser.text("app-name").await, "Campaign Planner");
    assert_eq!(browser.text("username").await, "alice");
    assert_eq!(browser.texts("#scopes li").await, SCOPES);
    assert_eq!(site.fake.requests().token_count(), 0, "nothing is granted before Allow");
    browser.click("allow").await;

    // The callback exchanged the code and sent the browser on to the signed-in page.
    assert_eq!(browser.text("status").await, "Signed in as Alice Example");
    assert_eq!(browser.url().await, format!("{}/", site.base), "off the callback URL");
    assert_eq!(browser.text("user-email").await, "alice@example.com");
    assert_eq!(browser.text("scopes").await, "email_read email_send offline");
    let alice = browser.text("user-id").await;
    let after = browser.cookie(SESSION_COOKIE).await.expect("a session cookie");
    assert_ne!(before, after, "signing in gives the browser a new session id");
    assert_eq!(site.fake.requests().token_count(), 1, "one code exchange");
    assert_eq!(site.fake.web().refresh_tokens().len(), 1);
    assert!(
        site.app.resume(&alice).await.unwrap().is_some(),
        "alice's tokens are stored under her id"
    );

    // A reload acts as alice from the store again, with no new token.
    browser.open(&format!("{}/", site.base)).await;
    assert_eq!(browser.text("status").await, "Signed in as Alice Example");
    assert_eq!(site.fake.requests().token_count(), 1);

    // Nothing secret reached the page.
    let page = browser.source().await;
    for token in site
        .fake
        .tokens()
        .values()
        .into_iter()
        .chain(site.fake.web().refresh_tokens())
    {
        assert!(!page.contains(&token), "a token leaked into the page");
    }

    browser.close().await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run cargo xtask test (installs them) or apt-get install chromium chromium-driver"]
async fn an_unknown_username_stays_on_the_login_page_with_a_clear_message() {
    let site = site("Campaign Planner").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser(false).await;
    browser.open(&format!("{}/login", site.base)).await;
    browser.type_into("username", "mallory<b>").await;
    browser.click("log-in").await;
    let problem = browser.text("problem").await;
    assert!(problem.contains("no user named \"mallory<b>\""), "{problem}");
    // Still the login form, and the username came back as text, not markup.
    browser.type_into("username", "bob").await;
    browser.click("log-in").await;
    browser.click("allow").await;
    assert_eq!(browser.text("status").await, "Signed in as Bob Example");
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run cargo xtask test (installs them) or apt-get install chromium chromium-driver"]
async fn declining_consent_lands_on_a_declined_page_and_stores_nothing() {
    let site = site("Campaign Planner").await;
    let alice = sub_of(&site.fake, &site.app, "alice").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser(false).await;

    to_consent_page(&browser, &site, "alice").await;
    browser.click("deny").await;
    assert_eq!(browser.text("status").await, "Sign-in declined");
    let url = browser.url().await;
    assert!(
        url.starts_with(&format!("{}/callback?", site.base)) && url.contains("error=access_denied"),
        "MC's redirect carries error=access_denied: {url}"
    );
    assert_eq!(site.fake.requests().token_count(), 0, "no token was requested");
    assert!(site.app.resume(&alice).await.unwrap().is_none(), "nothing stored");

    // Signing in again from the same browser still works.
    browser.click("sign-in").await;
    browser.type_into("username", "alice").await;
    browser.click("log-in").await;
    browser.click("allow").await;
    assert_eq!(browser.text("status").await, "Signed in as Alice Example");
    browser.close().await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run cargo xtask test (installs them) or apt-get install chromium chromium-driver"]
async fn a_tampered_state_is_refused_with_a_clear_page_and_the_code_is_not_exchanged() {
    let site = site("Campaign Planner").await;
    let mut driver = Driver::start().await;
    let browser = driver.browser(false).await;

    // The attacker's edit: the state in the authorize URL, before the user signs in.
    browser.open(&format!("{}/login", site.base)).await;
    let authorize = browser.url().await;
    let tampered = tamper_state(&authorize);
    browser.open(&tampered).await;
    browser.type_into("username", "alice").await;
    browser.click("log-in").await;
    browser.click("allow").await;

    assert_eq!(browser.text("status").await, "This sign-in response was refused");
    let problem = browser.text("problem").await;
    assert!(
        problem.contains("`state`") && problem.contains("does not match") && problem.contains("forged or stale"),
        "{problem}"
    );
    assert_eq!(site.fake.requests().token_count(), 0, "the code was never exchanged");

    // The pending sign-in was used up: replaying the callback does not start over.
    browser.open(&format!("{}/callback?code=x&state=y", site.base)).await;
    assert_eq!(
        browser.text("status").await,
        "No sign-in is in progress in this browser"
    );
    browser.close().await;
}

/// `url` with its `state` parameter's value replaced by another one.
fn tamper_state(url: &str) -> String {
    let mut parsed = url::Url::parse(url).unwrap();
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "state" {
                format!("{v}-tampered")
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    assert!(pairs.iter().any(|(k, _)| k == "state"), "{url}");
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    parsed.to_string()
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run cargo xtask test (installs them) or apt-get install chromium chromium-driver"]
async fn two_users_in_two_browsers_get_separate_tokens_and_sign_out_alone() {
    let site = site("Campaign Planner").await;
    let alice = sub_of(&site.fake, &site.app, "alice").await;
    let bob = sub_of(&site.fake, &site.app, "bob").await;
    assert_ne!(alice, bob);
    let mut driver = Driver::start().await;
    let alices = driver.browser(false).await;
    let bobs = driver.browser(false).await;

    to_consent_page(&alices, &site, "alice").await;
    to_consent_page(&bobs, &site, "bob").await;
    alices.click("allow").await;
    bobs.click("allow").await;
    assert_eq!(alices.text("status").await, "Signed in as Alice Example");
    assert_eq!(bobs.text("status").await, "Signed in as Bob Example");
    assert_eq!(alices.text("user-id").await, alice);
    assert_eq!(bobs.text("user-id").await, bob);
    assert_eq!(site.fake.requests().token_count(), 2, "one code exchange each");

    let alice_client = site.app.resume(&alice).await.unwrap().expect("alice is stored");
    let bob_client = site.app.resume(&bob).await.unwrap().expect("bob is stored");
    let alice_info = alice_client.userinfo().await.unwrap();
    let bob_info = bob_client.userinfo().await.unwrap();
    assert_eq!(
        alice_info.user.sub.as_deref(),
        Some(alice.as_str()),
        "alice's token acts for alice"
    );
    assert_eq!(
        bob_info.user.sub.as_deref(),
        Some(bob.as_str()),
        "bob's token acts for bob"
    );

    // Alice signs out: her tokens go, bob's stay.
    alices.click("sign-out").await;
    assert_eq!(alices.text("status").await, "Signed out");
    assert!(alices.body_text().await.contains("Alice Example is signed out"));
    assert!(
        site.app.resume(&alice).await.unwrap().is_none(),
        "alice's tokens are removed"
    );
    assert!(
        site.app.resume(&bob).await.unwrap().is_some(),
        "bob's tokens are untouched"
    );
    bobs.open(&format!("{}/", site.base)).await;
    assert_eq!(bobs.text("status").await, "Signed in as Bob Example");
    alices.open(&format!("{}/", site.base)).await;
    assert_eq!(alices.text("status").await, "Not signed in");
    assert_eq!(
        site.app.sign_out(&alice).await.unwrap(),
        SignOut::NotSignedIn,
        "signing out twice says so"
    );
    // Alice's old client can no longer refresh: the store no longer has her refresh token.
    site.fake.tokens().expire_all();
    assert!(matches!(
        alice_client.userinfo().await,
        Err(Error::ReauthorizationRequired { .. })
    ));
    assert!(bob_client.userinfo().await.is_ok(), "bob refreshes as usual");
    assert_eq!(
        site.fake.web().refresh_token_uses().iter().filter(|u| **u > 1).count(),
        0
    );

    alices.close().await;
    bobs.close().await;
}

#[tokio::test]
#[ignore = "needs chromium and chromium-driver: run cargo xtask test (installs them) or apt-get install chromium chromium-driver"]
async fn a_command_line_app_signs_in_through_its_loopback_receiver() {
    let fake = FakeMarketingCloud::start().await;
    fake.web()
        .add_user(AuthorizingUser::named("alice").display_name("Alice Example"));
    let receiver = LoopbackReceiver::bind("127.0.0.1:0".parse().unwrap(), "/callback")
        .await
        .unwrap();
    let redirect = receiver.redirect_uri().to_owned();
    fake.register_package(
        Package::public_app("cli-id", &redirect)
            .name("Campaign CLI")
            .scopes(SCOPES),
    );
    let config = PublicAppConfig::builder()
        .subdomain(fake.subdomain())
        .client_id("cli-id")
        .redirect_uri(&redirect)
        .auth_url(fake.url())
        .build();
    let app: App = App::public(config, SCOPES, "CampaignCli").unwrap();
    let mut driver = Driver::start().await;
    // The receiver's certificate is made at run time: the user clicks through the warning.
    let browser = driver.browser(true).await;

    // Approve.
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<String>();
    let signing_in = receiver.authorize(&app, |url| {
        url_tx.send(url.to_owned()).unwrap();
    });
    let user = async {
        let url = url_rx.await.unwrap();
        browser.open(&url).await;
        assert_eq!(browser.text("app-name").await, "Campaign CLI");
        browser.type_into("username", "alice").await;
        browser.click("log-in").await;
        browser.click("allow").await;
        let page = browser.body_text().await;
        assert!(page.contains("You are signed in"), "{page}");
        assert!(browser.url().await.starts_with(&redirect));
    };
    let (client, ()) = tokio::join!(signing_in, user);
    let client: Client = client.unwrap();
    let info = client.userinfo().await.unwrap();
    assert_eq!(info.user.name.as_deref(), Some("Alice Example"));
    assert_eq!(fake.requests().token_count(), 1);

    // Decline.
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<String>();
    let signing_in = receiver.authorize(&app, |url| {
        url_tx.send(url.to_owned()).unwrap();
    });
    let user = async {
        let url = url_rx.await.unwrap();
        browser.open(&url).await;
        browser.type_into("username", "alice").await;
        browser.click("log-in").await;
        browser.click("deny").await;
        let page = browser.body_text().await;
        assert!(page.contains("The sign-in was not completed"), "{page}");
    };
    let (declined, ()) = tokio::join!(signing_in, user);
    match declined {
        Err(Error::AuthorizationDenied { error, .. }) => assert_eq!(error, "access_denied"),
        other => panic!("expected access_denied, got {other:?}"),
    }
    assert_eq!(fake.requests().token_count(), 1, "no token for a declined sign-in");
    browser.close().await;
}
