//! The fake's `/v2/authorize` pages over plain HTTP (the browser tests drive the same pages
//! with Chromium): the login and consent forms, every reflected value escaped, each form
//! post checked again, Deny; and `App::sign_out`.

use std::sync::Arc;

use mc_auth::reqwest;
use mc_auth::testing::{AuthorizingUser, FakeMarketingCloud, Package};
use mc_auth::web::{App, FileStoreKey, FileTokenStore, SignOut, TokenStore, WebAppConfig};
use mc_auth::{Client, Error};
use mc_auth_tests::temp_store_path;

const REDIRECT: &str = "https://app.example.com/callback";
const SCOPES: [&str; 3] = ["email_read", "email_send", "offline"];

async fn fake(app_name: &str) -> FakeMarketingCloud {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(
        Package::web_app("web-id", "web-secret", REDIRECT)
            .name(app_name)
            .scopes(SCOPES),
    );
    fake
}

fn app(fake: &FakeMarketingCloud) -> App {
    let config = WebAppConfig::builder()
        .subdomain(fake.subdomain())
        .client_id("web-id")
        .client_secret("web-secret")
        .redirect_uri(REDIRECT)
        .auth_url(fake.url())
        .build();
    App::web(config, SCOPES, "Pages").unwrap()
}

fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Posts `form` to the fake's `/v2/authorize`.
async fn post(fake: &FakeMarketingCloud, form: &[(&str, &str)]) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    browser()
        .post(format!("{}/v2/authorize", fake.url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// The authorize parameters of a valid request, with `state`.
fn params(state: &str) -> Vec<(&'static str, String)> {
    vec![
        ("response_type", "code".into()),
        ("client_id", "web-id".into()),
        ("redirect_uri", REDIRECT.into()),
        ("scope", SCOPES.join(" ")),
        ("state", state.into()),
    ]
}

fn with<'a>(params: &'a [(&'static str, String)], extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    params
        .iter()
        .map(|(k, v)| (*k, v.as_str()))
        .chain(extra.iter().copied())
        .collect()
}

#[tokio::test]
async fn get_shows_a_login_page_and_a_username_shows_the_consent_page() {
    let fake = fake("Campaign Planner").await;
    fake.web().add_user(AuthorizingUser::named("alice"));
    let (url, _pending) = app(&fake).authorize_url().unwrap();
    let login = browser().get(&url).send().await.unwrap();
    assert_eq!(login.status(), 200, "a page, not a redirect");
    assert_eq!(login.headers()["x-frame-options"], "DENY");
    assert_eq!(login.headers()["cache-control"], "no-store");
    let html = login.text().await.unwrap();
    assert!(html.contains("Log in to Marketing Cloud") && html.contains("Campaign Planner"));
    assert!(html.contains("<option value=\"alice\">"), "known users are offered");
    assert_eq!(fake.requests().token_count(), 0);

    let p = params("s1");
    let consent = post(&fake, &with(&p, &[("username", "alice"), ("step", "login")])).await;
    assert_eq!(consent.status(), 200);
    let html = consent.text().await.unwrap();
    for scope in SCOPES {
        assert!(html.contains(&format!("<li class=\"scope\">{scope}</li>")), "{scope}");
    }
    assert!(html.contains("name=\"decision\" value=\"allow\"") && html.contains("value=\"deny\""));
    assert!(html.contains("Signed in as <strong id=\"username\">alice</strong>"));
    assert!(fake.web().refresh_tokens().is_empty(), "nothing granted before Allow");
}

#[tokio::test]
async fn every_reflected_value_is_escaped() {
    let evil = "\"><script>alert(1)</script><'";
    let fake = fake(evil).await;
    fake.web().add_user(AuthorizingUser::named(evil));
    let p = params(evil);
    let mut responses = vec![
        browser()
            .get(format!(
                "{}/v2/authorize?{}",
                fake.url(),
                url::form_urlencoded::Serializer::new(String::new())
                    .extend_pairs(with(&p, &[]))
                    .finish()
            ))
            .send()
            .await
            .unwrap(),
        post(&fake, &with(&p, &[("username", evil), ("step", "login")])).await,
        post(&fake, &with(&p, &[("username", "unknown<i>"), ("step", "login")])).await,
    ];
    let scope_evil = params("x")
        .into_iter()
        .map(|(k, v)| {
            if k == "scope" {
                (k, format!("email_read {evil}"))
            } else {
                (k, v)
            }
        })
        .collect::<Vec<_>>();
    responses.push(post(&fake, &with(&scope_evil, &[("username", evil), ("step", "login")])).await);
    for r in responses {
        assert_eq!(r.status(), 200);
        assert!(r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'"));
        let html = r.text().await.unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<i>"), "{html}");
        assert!(!html.contains(evil), "reflected raw: {html}");
        assert!(
            html.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;&#39;"),
            "reflected escaped: {html}"
        );
    }
}

#[tokio::test]
async fn every_post_is_checked_again_like_the_first_url() {
    let fake = fake("App").await;
    let p = params("s");
    // A redirect URI swapped in the form: MC never redirects to an unregistered URI.
    let swapped: Vec<_> = p
        .iter()
        .map(|(k, v)| {
            (
                *k,
                if *k == "redirect_uri" {
                    "https://evil.example/cb"
                } else {
                    v.as_str()
                },
            )
        })
        .chain([("username", "fake-api-user"), ("decision", "allow")])
        .collect();
    let r = post(&fake, &swapped).await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    // An unknown user gets the login page again, with the reason.
    let r = post(&fake, &with(&p, &[("username", "nobody"), ("decision", "allow")])).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("no user named &quot;nobody&quot;"));
    // Not a form.
    let r = browser()
        .post(format!("{}/v2/authorize", fake.url()))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // A decision that is neither.
    let r = post(
        &fake,
        &with(&p, &[("username", "fake-api-user"), ("decision", "maybe")]),
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("decision=allow or decision=deny"));
    assert_eq!(fake.requests().token_count(), 0);
    assert!(fake.web().refresh_tokens().is_empty());
}

#[tokio::test]
async fn deny_redirects_with_access_denied_and_the_state() {
    let fake = fake("App").await;
    let p = params("the state");
    let r = post(&fake, &with(&p, &[("username", "fake-api-user"), ("decision", "deny")])).await;
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    let q: Vec<(String, String)> = url::Url::parse(&location).unwrap().query_pairs().into_owned().collect();
    assert!(q.contains(&("error".into(), "access_denied".into())), "{q:?}");
    assert!(q.contains(&("state".into(), "the state".into())), "{q:?}");
    assert!(!q.iter().any(|(k, _)| k == "code"));
}

#[tokio::test]
async fn each_user_gets_tokens_that_act_for_them() {
    let fake = fake("App").await;
    let app = app(&fake);
    let mut subs = Vec::new();
    for (username, name) in [("alice", "Alice A"), ("bob", "Bob B")] {
        fake.web().set_user(AuthorizingUser::named(username).display_name(name));
        let (url, pending) = app.authorize_url().unwrap();
        let client: Client = app.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
        let info = client.userinfo().await.unwrap();
        assert_eq!(info.user.name.as_deref(), Some(name));
        assert_eq!(info.user.preferred_username.as_deref(), Some(username));
        assert_eq!(client.user(), info.user.sub.as_deref());
        // After a refresh the token still acts for the same user.
        fake.tokens().expire_all();
        assert_eq!(client.userinfo().await.unwrap().user.name.as_deref(), Some(name));
        subs.push(info.user.sub.unwrap());
    }
    assert_ne!(subs[0], subs[1]);
    // The default user stays the API user of client-credentials tokens.
    fake.web().set_user(AuthorizingUser::new());
    let (url, pending) = app.authorize_url().unwrap();
    let client: Client = app.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
    assert_eq!(client.user(), Some("700000001"));
}

async fn sign_in(fake: &FakeMarketingCloud, app: &App, username: &str) -> Client {
    fake.web().set_user(AuthorizingUser::named(username));
    let (url, pending) = app.authorize_url().unwrap();
    app.complete(pending, fake.authorize(&url).await.url()).await.unwrap()
}

#[tokio::test]
async fn sign_out_removes_only_that_users_tokens_and_says_when_nobody_was_signed_in() {
    let fake = fake("App").await;
    let path = temp_store_path("sign-out");
    let store = FileTokenStore::new(&path, FileStoreKey::from_bytes([7; 32]));
    let app = app(&fake).with_store(store);
    let alice = sign_in(&fake, &app, "alice").await;
    let bob = sign_in(&fake, &app, "bob").await;
    let (alice_id, bob_id) = (alice.user().unwrap().to_owned(), bob.user().unwrap().to_owned());

    assert_eq!(app.sign_out(&alice_id).await.unwrap(), SignOut::SignedOut);
    assert!(app.resume(&alice_id).await.unwrap().is_none());
    assert!(app.resume(&bob_id).await.unwrap().is_some(), "bob is untouched");
    assert_eq!(app.sign_out(&alice_id).await.unwrap(), SignOut::NotSignedIn);
    assert_eq!(app.sign_out("nobody").await.unwrap(), SignOut::NotSignedIn);
    assert!(SignOut::NotSignedIn.to_string().contains("not signed in"));

    // Her client's next refresh finds nothing: sign in again. Bob's refreshes.
    fake.tokens().expire_all();
    match alice.userinfo().await {
        Err(Error::ReauthorizationRequired { reason }) => {
            assert!(reason.contains("no refresh token is stored"), "{reason}")
        }
        other => panic!("expected ReauthorizationRequired, got {other:?}"),
    }
    bob.userinfo().await.unwrap();
    // A second process reading the same file agrees.
    let again = app
        .clone()
        .with_store(FileTokenStore::new(&path, FileStoreKey::from_bytes([7; 32])));
    assert!(again.resume(&alice_id).await.unwrap().is_none());
    assert!(again.resume(&bob_id).await.unwrap().is_some());
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn a_refresh_in_flight_cannot_write_the_tokens_back_after_sign_out() {
    let fake = fake("App").await;
    let store: Arc<dyn TokenStore> = Arc::new(mc_auth::web::MemoryTokenStore::new());
    let app = app(&fake).with_shared_store(Arc::clone(&store));
    let alice = sign_in(&fake, &app, "alice").await;
    let id = alice.user().unwrap().to_owned();
    fake.tokens().expire_all();
    // A slow token endpoint: the refresh holds the user's lock while sign-out waits for it.
    fake.inject(mc_auth::testing::Fault::delay(std::time::Duration::from_millis(300)).only_token_requests());
    let refresh = tokio::spawn({
        let alice = alice.clone();
        async move { alice.userinfo().await }
    });
    fake.requests().wait_for_token_count(2).await;
    assert_eq!(app.sign_out(&id).await.unwrap(), SignOut::SignedOut);
    refresh.await.unwrap().unwrap();
    assert!(
        app.resume(&id).await.unwrap().is_none(),
        "the refresh did not write her back"
    );
}
