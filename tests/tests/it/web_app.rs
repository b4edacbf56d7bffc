//! Web and public apps against the fake: authorize URL, callback, code exchange with PKCE,
//! rotating refresh tokens, stores.

use std::sync::Arc;
use std::time::Duration;

use mc_auth::testing::{AuthorizingUser, FakeMarketingCloud, Package};
use mc_auth::web::{App, AuthorizeOptions, FileStoreKey, FileTokenStore, PublicAppConfig, TokenStore, WebAppConfig};
use mc_auth::{mc_client, Client, Error, ManualClock};
use mc_auth_tests::{fixtures, temp_store_path};

const SUB: &str = "mc563885gzs27c5t9-63k636tzgm";
const REDIRECT: &str = "https://127.0.0.1:80/";
const SCOPES: [&str; 3] = ["email_read", "email_send", "offline"];

async fn fake_with_web_app(clock: &ManualClock) -> FakeMarketingCloud {
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    fake.register_package(Package::web_app("web-id", "web-secret-value", REDIRECT).scopes(SCOPES));
    fake
}

fn web_app(fake: &FakeMarketingCloud, clock: &ManualClock) -> App {
    let config = WebAppConfig::builder()
        .subdomain(SUB)
        .client_id("web-id")
        .client_secret("web-secret-value")
        .redirect_uri(REDIRECT)
        .auth_url(fake.url())
        .build();
    App::web(config, SCOPES, "Mailer").unwrap().with_clock(clock.clone())
}

/// The fake's signed-in user (`user.sub` of `/v2/userinfo`): the store key of a sign-in that
/// named no user.
const USER: &str = "700000001";

async fn sign_in(fake: &FakeMarketingCloud, app: &App) -> Client {
    let (url, pending) = app.authorize_url().unwrap();
    let redirect = fake.authorize(&url).await;
    let client = app.complete(pending, redirect.url()).await.unwrap();
    assert_eq!(client.user(), Some(USER), "the user is who MC says signed in");
    client
}

#[test]
fn the_documented_authorize_url_is_reproduced_exactly() {
    let app: App = App::web(
        WebAppConfig::builder()
            .subdomain(SUB)
            .client_id("vqwyswrlzzfk024ivr682esb")
            .client_secret("unused")
            .redirect_uri("https://www.example.com/code_callback.jsp")
            .build(),
        ["email_read", "email_write", "email_send"],
        "Mailer",
    )
    .unwrap();
    let (url, _pending) = app
        .authorize_url_with(AuthorizeOptions::builder().state("mystate").pkce(false).build())
        .unwrap();
    // The vector's host is a placeholder; every other byte must match.
    let expected = fixtures::AUTHORIZE_URL.trim().replace("YOUR_SUBDOMAIN", SUB);
    assert_eq!(url, expected);
}

#[tokio::test]
async fn web_app_sign_in_with_pkce_and_a_call() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let app = web_app(&fake, &clock);
    let (url, pending) = app.authorize_url().unwrap();
    assert!(url.contains("code_challenge=") && url.contains("code_challenge_method=S256"));
    let redirect = fake.authorize(&url).await;
    let client = app.complete(pending, redirect.url()).await.unwrap();
    client.get("/messaging/v1/email/definitions").send().await.unwrap();

    let body = fake.requests().token_requests()[0].json_body().unwrap();
    assert_eq!(body["grant_type"], "authorization_code");
    assert_eq!(body["redirect_uri"], REDIRECT, "sent plain, not URL-encoded");
    assert_eq!(body["client_secret"], "web-secret-value");
    assert!(body["code_verifier"].as_str().unwrap().len() >= 43);
    assert_eq!(
        fake.requests().token_count(),
        1,
        "the exchange's access token is used, no extra request"
    );
}

#[tokio::test]
async fn public_app_sends_no_secret_and_pkce_is_verified() {
    let clock = ManualClock::new();
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    fake.register_package(Package::public_app("public-id", REDIRECT).scopes(SCOPES));
    let config = PublicAppConfig::builder()
        .subdomain(SUB)
        .client_id("public-id")
        .redirect_uri(REDIRECT)
        .auth_url(fake.url())
        .build();
    let app: App = App::public(config, SCOPES, "Desktop")
        .unwrap()
        .with_clock(clock.clone());
    let client = sign_in(&fake, &app).await;
    let body = fake.requests().token_requests()[0].json_body().unwrap();
    assert!(body.get("client_secret").is_none(), "{body}");

    // A refresh also goes without a secret.
    clock.advance(Duration::from_secs(1080));
    client.token().await.unwrap();
    let body = fake.requests().token_requests()[1].json_body().unwrap();
    assert_eq!(body["grant_type"], "refresh_token");
    assert!(body.get("client_secret").is_none(), "{body}");

    // Without the verifier the fake refuses the code.
    let (url, _) = app.authorize_url().unwrap();
    let redirect = fake.authorize(&url).await;
    let (_, other_pending) = app
        .authorize_url_with(AuthorizeOptions::builder().pkce(false).build())
        .unwrap();
    let state = redirect.state().unwrap();
    let forged = redirect.url().replace(state, other_pending.state().as_str());
    let err = app.complete(other_pending, &forged).await.unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { error, .. } if error == "invalid_grant"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_state_mismatch_is_refused_before_any_token_request() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let app = web_app(&fake, &clock);
    let (url, _pending) = app.authorize_url().unwrap();
    let redirect = fake.authorize(&url).await;
    let (_, other) = app.authorize_url().unwrap();
    let err = app.complete(other, redirect.url()).await.unwrap_err();
    assert!(
        matches!(&err, Error::Callback { problem } if problem.contains("state")),
        "{err:?}"
    );
    assert_eq!(fake.requests().token_count(), 0);
}

#[tokio::test]
async fn a_code_cannot_be_used_twice() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let app = web_app(&fake, &clock);
    let options = || AuthorizeOptions::builder().state("same-state").build();
    let (url, first) = app.authorize_url_with(options()).unwrap();
    let redirect = fake.authorize(&url).await;
    app.complete(first, redirect.url()).await.unwrap();
    let (_, second) = app.authorize_url_with(options()).unwrap();
    let err = app.complete(second, redirect.url()).await.unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { error, .. } if error == "invalid_grant"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_error_redirect_is_a_typed_error() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    fake.web().set_user(AuthorizingUser::new().declines());
    let app = web_app(&fake, &clock);
    let (url, pending) = app.authorize_url().unwrap();
    let redirect = fake.authorize(&url).await;
    let err = app.complete(pending, redirect.url()).await.unwrap_err();
    assert!(
        matches!(&err, Error::AuthorizationDenied { error, .. } if error == "access_denied"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_users_permissions_limit_the_grant() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    fake.web()
        .set_user(AuthorizingUser::new().permissions(["email_read", "offline"]));
    let app = web_app(&fake, &clock);
    let (url, pending) = app.authorize_url().unwrap();
    let err = app
        .complete(pending, fake.authorize(&url).await.url())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::ScopesNotGranted { missing, .. } if missing == &["email_send"]),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_valid_tssd_switches_the_tenant_and_an_invalid_one_is_refused() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let customer = "mc9zzzzzzzzzzzzzzzzzzzzzzzzz";
    fake.web().set_user(AuthorizingUser::new().tssd(customer));
    let app = web_app(&fake, &clock);
    let client = sign_in(&fake, &app).await;
    assert_eq!(client.subdomain(), customer);

    fake.web().set_user(AuthorizingUser::new().tssd("evil.example.com"));
    let (url, pending) = app.authorize_url().unwrap();
    let err = app
        .complete(pending, fake.authorize(&url).await.url())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Callback { problem } if problem.contains("tssd")),
        "{err:?}"
    );
}

/// 200 tasks need a token at once, five times over: each refresh token is used exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_callers_never_reuse_a_refresh_token() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let app = web_app(&fake, &clock);
    let client = sign_in(&fake, &app).await;
    for round in 1..=5 {
        clock.advance(Duration::from_secs(1080));
        let tasks: Vec<_> = (0..200)
            .map(|_| {
                let c = client.clone();
                tokio::spawn(async move { c.token().await })
            })
            .collect();
        let mut tokens = Vec::new();
        for t in tasks {
            tokens.push(t.await.unwrap().unwrap());
        }
        assert!(
            tokens.iter().all(|t| Arc::ptr_eq(t, &tokens[0])),
            "round {round}: one shared token"
        );
    }
    let uses = fake.web().refresh_token_uses();
    assert_eq!(uses.len(), 6, "one refresh token from the exchange and one per refresh");
    assert_eq!(&uses[..5], &[1, 1, 1, 1, 1], "each used exactly once");
    assert_eq!(uses[5], 0, "the newest is unused");
    assert_eq!(fake.requests().token_count(), 6);
}

#[tokio::test]
async fn invalid_grant_on_refresh_means_authorize_again_and_nothing_else_is_lost() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let store = Arc::new(mc_auth::web::MemoryTokenStore::new());
    let app = web_app(&fake, &clock).with_shared_store(store.clone());
    let client = sign_in(&fake, &app).await;
    let other_user = {
        let (url, pending) = app
            .authorize_url_with(AuthorizeOptions::builder().user("bob").build())
            .unwrap();
        app.complete(pending, fake.authorize(&url).await.url()).await.unwrap()
    };
    fake.web().revoke_refresh_tokens();
    clock.advance(Duration::from_secs(1080));
    let err = client.token().await.unwrap_err();
    assert!(matches!(err, Error::ReauthorizationRequired { .. }), "{err:?}");
    assert!(err.to_string().contains("authorize"), "{err}");
    let requests = fake.requests().token_count();
    // The dead refresh token is not sent again.
    assert!(matches!(
        client.token().await,
        Err(Error::ReauthorizationRequired { .. })
    ));
    assert_eq!(fake.requests().token_count(), requests);
    assert_eq!(store.len(), 2, "stored entries are kept");
    drop(other_user);
}

/// The refresh token survives a restart: a process that "crashes" right after a refresh (the
/// App and client are dropped, nothing else runs) leaves the rotated token in the store, and a
/// new process resumes with it.
#[tokio::test]
async fn a_crash_after_a_refresh_leaves_a_valid_refresh_token_in_the_file_store() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let key = FileStoreKey::generate().unwrap();
    let path = temp_store_path("crash");
    {
        let app = web_app(&fake, &clock).with_store(FileTokenStore::new(&path, key.clone()));
        let client = sign_in(&fake, &app).await;
        clock.advance(Duration::from_secs(1080));
        client.token().await.unwrap();
        // Crash: everything in memory is gone.
    }
    let app = web_app(&fake, &clock).with_store(FileTokenStore::new(&path, key.clone()));
    let client = app.resume(USER).await.unwrap().expect("the user is still signed in");
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
    // The new process uses the access token the refresh saved: no second refresh, and the
    // rotated refresh token is still unused.
    assert_eq!(fake.web().refresh_token_uses(), [1, 0]);

    // A crash in the middle of a store write leaves the previous, complete file.
    let store = FileTokenStore::new(&path, key.clone());
    store.simulate_crash_before_next_rename();
    let app = web_app(&fake, &clock).with_store(store);
    let client = app.resume(USER).await.unwrap().unwrap();
    clock.advance(Duration::from_secs(1080));
    let err = client.token().await.unwrap_err();
    assert!(matches!(err, Error::Store { .. }), "{err:?}");
    // The file is intact and decrypts; the process that survived the failed write still holds
    // the newest refresh token in memory and goes on.
    assert!(FileTokenStore::new(&path, key)
        .load(&app_key())
        .await
        .unwrap()
        .is_some());
    client.token().await.unwrap();
}

fn app_key() -> mc_auth::web::StoreKey {
    mc_auth::web::StoreKey::new("Mailer", SUB, None, "email_read email_send offline", USER)
}

#[tokio::test]
async fn resume_without_stored_tokens_says_sign_in() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let app = web_app(&fake, &clock);
    assert!(app.resume("nobody").await.unwrap().is_none());
}

#[test]
fn configs_refuse_what_mc_refuses() {
    let err = App::<Client>::web(
        WebAppConfig::builder()
            .subdomain(SUB)
            .client_id("id")
            .client_secret("s")
            .redirect_uri("http://example.com/cb")
            .build(),
        SCOPES,
        "Mailer",
    )
    .unwrap_err();
    assert!(err.to_string().contains("HTTPS"), "{err}");
}

/// `#[mc_client]` types get `web_app` and `public_app`: signed-in users get a client of the
/// type, whose token carries exactly its scopes and whose calls are scope-checked.
#[tokio::test]
async fn a_typed_client_for_a_signed_in_user() {
    #[mc_client(scopes = "email_read offline")]
    struct Reader;

    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let config = WebAppConfig::builder()
        .subdomain(SUB)
        .client_id("web-id")
        .client_secret("web-secret-value")
        .redirect_uri(REDIRECT)
        .auth_url(fake.url())
        .build();
    let app = Reader::web_app(config).unwrap().with_clock(clock.clone());
    let (url, pending) = app.authorize_url().unwrap();
    assert!(url.contains("scope=email_read%20offline"), "{url}");
    let reader: Reader = app.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
    reader
        .rest::<mc_auth::scope::EmailRead>()
        .get("/messaging/v1/email/definitions")
        .send()
        .await
        .unwrap();
    assert_eq!(
        reader.client().token().await.unwrap().scopes().to_string(),
        "email_read offline"
    );
}

/// Two client types made from the same credentials get separate tokens, each with exactly
/// its own scopes (least privilege per component).
#[tokio::test]
async fn two_client_types_from_one_package_get_their_own_scopes() {
    #[mc_client(scopes = "email_send")]
    struct Sender;
    #[mc_client(scopes = "data_extensions_write")]
    struct Loader;

    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("shared", "shared-secret").scopes([
        "email_send",
        "data_extensions_write",
        "email_read",
    ]));
    let sender = Sender::connect(creds.clone()).await.unwrap();
    let loader = Loader::connect(creds).await.unwrap();
    assert_eq!(
        sender.client().token().await.unwrap().scopes().to_string(),
        "email_send"
    );
    assert_eq!(
        loader.client().token().await.unwrap().scopes().to_string(),
        "data_extensions_write"
    );
    let scopes: Vec<String> = fake
        .requests()
        .token_requests()
        .iter()
        .map(|r| r.json_body().unwrap()["scope"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(scopes, ["email_send", "data_extensions_write"]);
}
