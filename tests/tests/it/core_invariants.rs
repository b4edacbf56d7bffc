//! The core's promises, each kept by one mechanism and attacked here over real HTTP against
//! the fake: secrets a server echoes never reach errors or logs; a refresh token is sent once
//! however many clients and processes share a store; no hung endpoint, panic or extreme
//! policy wedges a client; short-lived tokens never make callers wait; every kind of client
//! is built from the same settings.

use std::sync::Arc;
use std::time::Duration;

use mc_auth::testing::{FakeMarketingCloud, Fault, Package, RequestKind};
use mc_auth::web::{App, AuthorizeOptions, FileStoreKey, FileTokenStore, WebAppConfig};
use mc_auth::{mc_client, Client, ClientSettings, Error, ManualClock, RetryPolicy};
use mc_auth_tests::{temp_store_path, CapturedLogs, RecordingProxy};

const SECRET: &str = "csecret-value-9f8e7d";
const SUB: &str = "mc563885gzs27c5t9-63k636tzgm";
const REDIRECT: &str = "https://127.0.0.1:80/";
const WEB_SECRET: &str = "web-secret-value-4c3b2a";
const SCOPES: [&str; 3] = ["email_read", "email_send", "offline"];
/// The fake's signed-in user.
const USER: &str = "700000001";

fn fast_retries() -> RetryPolicy {
    RetryPolicy::new(4, Duration::from_millis(1), Duration::from_millis(5))
}

async fn fake_and_client() -> (FakeMarketingCloud, Client) {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", SECRET).scopes(["email_read", "email_write"]));
    let client = Client::builder(fake.credentials("cid"))
        .scopes(["email_read", "email_write"])
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    (fake, client)
}

/// Every secret the fake has handed out or holds: access and refresh tokens, and the client
/// secrets of this file.
fn secrets_of(fake: &FakeMarketingCloud) -> Vec<String> {
    let mut all = fake.tokens().values();
    all.extend(fake.web().refresh_tokens());
    all.push(SECRET.into());
    all.push(WEB_SECRET.into());
    all
}

/// Fails if any secret, or any 12-character piece of one, is in `text`.
#[track_caller]
fn assert_no_secret(text: &str, secrets: &[String], what: &str) {
    for s in secrets {
        let starts = (0..s.len().saturating_sub(12).max(1)).step_by(3);
        for start in starts {
            let piece = &s[start..s.len().min(start + 12)];
            assert!(
                !text.contains(piece),
                "{what} leaks a piece of a secret ({piece}):\n{text}"
            );
        }
    }
}

#[track_caller]
fn assert_error_clean(err: &Error, fake: &FakeMarketingCloud, logs: &CapturedLogs) {
    let secrets = secrets_of(fake);
    assert!(!secrets.is_empty());
    assert_no_secret(&err.to_string(), &secrets, "Display");
    assert_no_secret(&format!("{err:?}"), &secrets, "Debug");
    assert_no_secret(&format!("{err:#?}"), &secrets, "Debug");
    assert_no_secret(&logs.contents(), &secrets, "the TRACE log");
}

// Secrets a server echoes.

/// An API error body that echoes the request (JSON `message`, a JSON copy of the headers, an
/// HTML page, each also split by CR/LF) never puts the access token in the error or logs.
#[tokio::test]
async fn api_errors_that_echo_the_request_leak_no_token() {
    for (name, fault) in [
        ("json 400", Fault::echo_json(400)),
        ("json 400 split", Fault::echo_json(400).split_by_crlf()),
        ("html 403", Fault::echo_html(403)),
        ("html 403 split", Fault::echo_html(403).split_by_crlf()),
        ("json 404", Fault::echo_json(404)),
    ] {
        let (fake, client) = fake_and_client().await;
        let logs = CapturedLogs::default();
        let _guard = logs.install();
        client.token().await.unwrap();
        fake.inject(fault.only_api_requests());
        let err = client
            .get("/messaging/v1/email/definitions")
            .send()
            .await
            .expect_err(name);
        assert!(matches!(err, Error::Api { .. }), "{name}: {err:?}");
        // The echo really carried the token: the fake saw it, the error does not.
        let token = fake.tokens().values().pop().unwrap();
        let seen = fake
            .requests()
            .all()
            .into_iter()
            .rev()
            .find(|r| r.kind == RequestKind::Api)
            .unwrap();
        assert!(format!("{seen:?}").contains(&token[..12]) || seen.header("authorization").is_some());
        assert_error_clean(&err, &fake, &logs);
    }
}

/// A 200 body that echoes the request and fails `Response::json` leaks nothing either.
#[tokio::test]
async fn a_success_body_that_fails_to_decode_is_quoted_without_the_token() {
    for fault in [Fault::echo_html(200), Fault::echo_html(200).split_by_crlf()] {
        let (fake, client) = fake_and_client().await;
        let logs = CapturedLogs::default();
        let _guard = logs.install();
        fake.inject(fault.only_api_requests());
        let response = client.get("/messaging/v1/email/definitions").send().await.unwrap();
        let err = response.json::<Vec<u32>>().unwrap_err();
        assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
        assert_error_clean(&err, &fake, &logs);
    }
}

/// A token response cut short or followed by garbage is never quoted: it holds the new
/// tokens. Client credentials here; the code exchange below.
#[tokio::test]
async fn malformed_token_responses_are_never_quoted() {
    for fault in [Fault::truncated(), Fault::trailing_garbage()] {
        let (fake, client) = fake_and_client().await;
        let logs = CapturedLogs::default();
        let _guard = logs.install();
        fake.inject(fault.only_token_requests());
        let err = client.token().await.unwrap_err();
        match &err {
            Error::UnexpectedResponse { excerpt, problem, .. } => {
                assert!(excerpt.is_empty(), "{excerpt}");
                assert!(problem.contains("bytes"), "the problem names the length: {problem}");
            }
            other => panic!("{other:?}"),
        }
        assert!(!fake.tokens().values().is_empty(), "the fake did issue a token");
        assert_error_clean(&err, &fake, &logs);
    }
}

#[tokio::test]
async fn a_malformed_code_exchange_response_is_never_quoted() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let app = web_app(&fake, &clock);
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let (url, pending) = app.authorize_url_with(user("ada")).unwrap();
    let redirect = fake.authorize(&url).await;
    fake.inject(Fault::truncated().only_token_requests());
    let err = app.complete(pending, redirect.url()).await.unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse { .. }), "{err:?}");
    assert!(!fake.web().refresh_tokens().is_empty(), "a refresh token was issued");
    assert_error_clean(&err, &fake, &logs);
}

/// Every field of an OAuth error (`error_uri` included) is scrubbed of the client secret,
/// in the error and in the INFO log line about it.
#[tokio::test]
async fn oauth_error_fields_echoing_the_secret_are_scrubbed() {
    let (fake, client) = fake_and_client().await;
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let body = serde_json::json!({
        "error": format!("invalid_client {SECRET}"),
        "error_description": format!("the secret {SECRET} is wrong"),
        "error_uri": format!("https://developer.salesforce.com/docs?client_secret={SECRET}"),
    });
    fake.inject(Fault::body(401, "application/json", body.to_string()).only_token_requests());
    let err = client.token().await.unwrap_err();
    assert!(matches!(err, Error::OAuth { .. }), "{err:?}");
    assert_error_clean(&err, &fake, &logs);
    assert!(
        logs.contents().contains("token request failed"),
        "the failure was logged"
    );
}

/// SOAP faults that quote the envelope (the token is in `fueloauth`) in `faultcode`,
/// `faultstring` and `detail`, split by CR/LF or not, and per-object `StatusMessage`s that
/// quote the client secret, leak nothing.
#[tokio::test]
async fn soap_faults_and_object_messages_leak_nothing() {
    for fault in [Fault::echo_soap_fault(), Fault::echo_soap_fault().split_by_crlf()] {
        let (fake, client) = fake_and_client().await;
        let logs = CapturedLogs::default();
        let _guard = logs.install();
        client.token().await.unwrap();
        fake.inject(fault.path_prefix("/Service.asmx"));
        let request = mc_auth::soap::RetrieveRequest::new("Subscriber", ["EmailAddress"]);
        let err = client.soap().retrieve(&request).await.unwrap_err();
        assert!(matches!(err, Error::SoapFault { .. }), "{err:?}");
        assert_error_clean(&err, &fake, &logs);
    }

    let (fake, client) = fake_and_client().await;
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let body = format!(
        r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><CreateResponse xmlns="http://exacttarget.com/wsdl/partnerAPI"><Results><StatusCode>Error</StatusCode><StatusMessage>bad key {SECRET}</StatusMessage><OrdinalID>0</OrdinalID><ErrorCode>1</ErrorCode></Results><OverallStatus>Error</OverallStatus></CreateResponse></soap:Body></soap:Envelope>"#
    );
    fake.inject(Fault::body(200, "text/xml", body).path_prefix("/Service.asmx"));
    let object = mc_auth::soap::SoapObject::new("Subscriber").with("EmailAddress", "a@example.com");
    let err = client.soap().create(&[object]).await.unwrap_err();
    assert!(matches!(err, Error::SoapObjects { .. }), "{err:?}");
    assert_error_clean(&err, &fake, &logs);
}

// The store is the source of truth for refresh tokens.

fn user(name: &str) -> AuthorizeOptions {
    AuthorizeOptions::builder().user(name).build()
}

async fn fake_with_web_app(clock: &ManualClock) -> FakeMarketingCloud {
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    fake.register_package(Package::web_app("web-id", WEB_SECRET, REDIRECT).scopes(SCOPES));
    fake
}

fn web_config(url: &str) -> WebAppConfig {
    WebAppConfig::builder()
        .subdomain(SUB)
        .client_id("web-id")
        .client_secret(WEB_SECRET)
        .redirect_uri(REDIRECT)
        .auth_url(url)
        .build()
}

fn web_app(fake: &FakeMarketingCloud, clock: &ManualClock) -> App {
    App::web(web_config(fake.url()), SCOPES, "Mailer")
        .unwrap()
        .with_clock(clock.clone())
}

/// Two `App`s (two services, or a restart beside a running one) resumed for one user over
/// one file store: each expiry causes exactly one refresh, every call succeeds, and every
/// refresh token is sent at most once. Was: each client refreshed with its own copy, and the
/// second got `ReauthorizationRequired`.
#[tokio::test]
async fn two_apps_over_one_file_store_refresh_once_per_expiry() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let key = FileStoreKey::generate().unwrap();
    let path = temp_store_path("two-apps");
    let app_a = web_app(&fake, &clock).with_store(FileTokenStore::new(&path, key.clone()));
    let app_b = web_app(&fake, &clock).with_store(FileTokenStore::new(&path, key.clone()));
    let (url, pending) = app_a.authorize_url_with(user("ada")).unwrap();
    let a = app_a.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
    let b = app_b.resume("ada").await.unwrap().expect("signed in");
    let fetches_before = fake.requests().token_count();
    for expiry in 1..=4 {
        // MC expires every token at once (a rotation, or simply time): both clients get a 401.
        fake.tokens().expire_all();
        let (ra, rb) = tokio::join!(
            a.get("/messaging/v1/email/definitions").send(),
            b.get("/messaging/v1/email/definitions").send()
        );
        ra.unwrap_or_else(|e| panic!("expiry {expiry}: a failed: {e}"));
        rb.unwrap_or_else(|e| panic!("expiry {expiry}: b failed: {e}"));
        assert_eq!(
            fake.requests().token_count() - fetches_before,
            expiry,
            "one refresh per expiry for both apps"
        );
    }
    let uses = fake.web().refresh_token_uses();
    assert!(uses.iter().all(|&u| u <= 1), "a refresh token was sent twice: {uses:?}");
    assert_eq!(uses.iter().filter(|&&u| u == 1).count(), 4);
}

/// Four concurrent resume-and-call for one user from one store: every call succeeds (was: 3
/// of 4 failed), and no refresh token is sent twice.
#[tokio::test]
async fn concurrent_resumes_for_one_user_all_succeed() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let key = FileStoreKey::generate().unwrap();
    let path = temp_store_path("four");
    let app = web_app(&fake, &clock).with_store(FileTokenStore::new(&path, key.clone()));
    let (url, pending) = app.authorize_url_with(user("ada")).unwrap();
    app.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
    fake.tokens().expire_all();
    clock.advance(Duration::from_secs(1200));
    let calls = (0..4).map(|_| {
        let app = web_app(&fake, &clock).with_store(FileTokenStore::new(&path, key.clone()));
        async move {
            let client = app.resume("ada").await?.expect("signed in");
            client.get("/messaging/v1/email/definitions").send().await
        }
    });
    for (i, r) in futures_util::future::join_all(calls).await.into_iter().enumerate() {
        r.unwrap_or_else(|e| panic!("call {i} failed: {e}"));
    }
    assert_eq!(fake.web().refresh_token_uses(), [1, 0], "one refresh for the four");
}

/// The same across two OS processes: this test binary is run again as a child that resumes
/// the user from the store file and calls, while the parent calls too.
#[tokio::test]
async fn two_processes_over_one_file_store_refresh_once_per_expiry() {
    if std::env::var_os("MC_AUTH_CHILD_STORE").is_some() {
        return; // The child runs `child_process_calls` only.
    }
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::web_app("web-id", WEB_SECRET, REDIRECT).scopes(SCOPES));
    let key = FileStoreKey::generate().unwrap();
    let path = temp_store_path("processes");
    let app = App::<Client>::web(web_config(fake.url()), SCOPES, "Mailer")
        .unwrap()
        .with_store(FileTokenStore::new(&path, key.clone()));
    let (url, pending) = app.authorize_url_with(user("ada")).unwrap();
    let parent = app.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
    for expiry in 1..=3 {
        fake.tokens().expire_all();
        let before = fake.requests().token_count();
        let child = tokio::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "core_invariants::child_process_calls",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("MC_AUTH_CHILD_STORE", &path)
            .env("MC_AUTH_CHILD_KEY", key.to_base64().as_str())
            .env("MC_AUTH_CHILD_URL", fake.url())
            .output();
        let (child, mine) = tokio::join!(child, parent.get("/messaging/v1/email/definitions").send());
        let child = child.unwrap();
        assert!(
            child.status.success(),
            "expiry {expiry}: the child failed:\n{}\n{}",
            String::from_utf8_lossy(&child.stdout),
            String::from_utf8_lossy(&child.stderr)
        );
        assert!(String::from_utf8_lossy(&child.stdout).contains("child call ok"));
        mine.unwrap_or_else(|e| panic!("expiry {expiry}: the parent failed: {e}"));
        assert_eq!(
            fake.requests().token_count() - before,
            1,
            "expiry {expiry}: one refresh for both processes"
        );
    }
    let uses = fake.web().refresh_token_uses();
    assert!(uses.iter().all(|&u| u <= 1), "a refresh token was sent twice: {uses:?}");
}

/// The child side of `two_processes_over_one_file_store_refresh_once_per_expiry`; does
/// nothing unless run by it.
#[tokio::test]
async fn child_process_calls() {
    let Some(path) = std::env::var_os("MC_AUTH_CHILD_STORE") else {
        return;
    };
    let key = FileStoreKey::from_base64(&std::env::var("MC_AUTH_CHILD_KEY").unwrap()).unwrap();
    let url = std::env::var("MC_AUTH_CHILD_URL").unwrap();
    let app = App::<Client>::web(web_config(&url), SCOPES, "Mailer")
        .unwrap()
        .with_store(FileTokenStore::new(path, key));
    let client = app.resume("ada").await.unwrap().expect("signed in");
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
    println!("child call ok");
}

/// A refresh whose request was sent but whose answer was lost never sends that refresh
/// token again: the call fails saying the user may have to sign in, later calls fail the
/// same way without a request, and `resume` says the user must authorize.
#[tokio::test]
async fn a_lost_refresh_answer_never_resends_the_refresh_token() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let app = web_app(&fake, &clock).with_settings(
        ClientSettings::new()
            .clock(clock.clone())
            .request_timeout(Duration::from_millis(300))
            .retry_policy(fast_retries()),
    );
    let (url, pending) = app.authorize_url_with(user("ada")).unwrap();
    let client = app.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
    fake.inject(Fault::delay(Duration::from_secs(3600)).only_token_requests());
    fake.tokens().expire_all();
    let before = fake.requests().token_count();
    let err = client.get("/messaging/v1/email/definitions").send().await.unwrap_err();
    assert!(matches!(err, Error::ReauthorizationRequired { .. }), "{err:?}");
    assert!(
        err.to_string().contains("sign in") || err.to_string().contains("authorize"),
        "{err}"
    );
    assert_eq!(fake.requests().token_count() - before, 1, "sent once, never retried");
    fake.clear_faults();
    let again = client.token().await.unwrap_err();
    assert!(matches!(again, Error::ReauthorizationRequired { .. }), "{again:?}");
    assert_eq!(
        fake.requests().token_count() - before,
        1,
        "the spent refresh token is not sent again"
    );
    assert!(
        app.resume("ada").await.unwrap().is_none(),
        "the user must authorize again"
    );
    // Signing in again replaces the entry, and all is well.
    let (url, pending) = app.authorize_url_with(user("ada")).unwrap();
    app.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
    let client = app.resume("ada").await.unwrap().expect("signed in again");
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
}

/// Without a user named, the store key is the user Marketing Cloud says signed in (two users
/// never share a key), and the client tells it.
#[tokio::test]
async fn the_store_key_defaults_to_the_signed_in_user() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let app = web_app(&fake, &clock);
    let (url, pending) = app.authorize_url().unwrap();
    assert_eq!(pending.user(), None);
    let client = app.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
    assert_eq!(client.user(), Some(USER));
    assert!(app.resume(USER).await.unwrap().is_some());
    assert!(app.resume("default").await.unwrap().is_none(), "no shared default key");
}

// Nothing wedges a client.

/// With `no_request_timeout()`, a token endpoint that never answers: a caller's own timeout
/// abandons its wait, the next caller gets a timeout error within the flight deadline (not a
/// hang), and once the endpoint recovers a new request is made and succeeds.
#[tokio::test]
async fn a_hung_token_endpoint_never_wedges_the_client() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", SECRET).scopes(["email_read"]));
    let client = Client::builder(fake.credentials("cid"))
        .no_request_timeout()
        .token_deadline(Duration::from_millis(400))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    fake.inject(Fault::delay(Duration::from_secs(3600)).only_token_requests());
    let mine = tokio::time::timeout(Duration::from_millis(50), client.token()).await;
    assert!(mine.is_err(), "the caller's own timeout abandons its wait");
    let err = tokio::time::timeout(Duration::from_secs(30), client.token())
        .await
        .expect("the flight deadline ends the hung request")
        .unwrap_err();
    mc_auth_tests::assert_timeout(&err);
    assert_eq!(fake.requests().token_count(), 1, "the waiter joined the hung flight");
    // The endpoint has recovered (the fault was used up): a new request, a token.
    client.token().await.unwrap();
    assert_eq!(fake.requests().token_count(), 2);
}

/// A policy that honours any `Retry-After` and a server asking for 2^64 seconds: no overflow,
/// no panic, no wedge, on the token path and the API path.
#[tokio::test]
async fn huge_retry_after_values_never_panic() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", SECRET).scopes(["email_read"]));
    let policy = RetryPolicy::new(4, Duration::from_millis(1), Duration::MAX)
        .with_max_retry_after(Duration::MAX)
        .with_deadline(Duration::MAX);
    let client = Client::builder(fake.credentials("cid"))
        .retry_policy(policy)
        .token_deadline(Duration::from_millis(300))
        .build()
        .unwrap();
    let forever = Duration::from_secs(u64::MAX);
    fake.inject(Fault::status(503).retry_after(forever).only_token_requests());
    let err = client.token().await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    // Not wedged: the next call gets a token.
    client.token().await.unwrap();

    fake.inject(Fault::status(429).retry_after(forever).only_api_requests());
    let call = tokio::time::timeout(
        Duration::from_millis(300),
        client.get("/messaging/v1/email/definitions").send(),
    )
    .await;
    // Either the caller gives up waiting or the call returns the 429: never a panic.
    if let Ok(result) = call {
        assert!(result.unwrap_err().is_transient());
    }
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
}

// Short-lived tokens.

/// 5-second tokens with the default policy and 50 concurrent callers over ten lifetimes: every
/// token after the first comes from a background refresh (no caller ever waited for one), one
/// per lifetime. Was: the window equalled the hard margin, so every refresh stalled callers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_never_make_callers_wait() {
    let clock = ManualClock::new();
    let fake = FakeMarketingCloud::builder()
        .clock(clock.clone())
        .expires_in(Duration::from_secs(5))
        .start()
        .await;
    fake.register_package(Package::new("cid", SECRET).scopes(["email_read"]));
    let client = Client::builder(fake.credentials("cid"))
        .scopes(["email_read"])
        .clock(clock.clone())
        .build()
        .unwrap();
    let mut last = client.token().await.unwrap();
    let mut landed = 1;
    let step = Duration::from_millis(250);
    for _ in 0..(50_000 / 250) {
        clock.advance(step);
        let callers = (0..50).map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.token().await })
        });
        for r in futures_util::future::join_all(callers).await {
            r.unwrap().unwrap();
        }
        // Let a refresh that started land before time moves on (waits for the event, bounded):
        // every fetch started has put a new token in the cache.
        let settle = async {
            loop {
                let current = client.cached_token().unwrap();
                if !Arc::ptr_eq(&current, &last) {
                    landed += 1;
                    last = current;
                }
                if landed == client.stats().token_fetches {
                    break;
                }
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), settle)
            .await
            .expect("the refresh landed");
    }
    let stats = client.stats();
    assert!(stats.background_refreshes >= 9, "{stats:?}");
    assert_eq!(
        stats.token_fetches,
        stats.background_refreshes + 1,
        "only the very first token was waited for: {stats:?}"
    );
    assert_eq!(fake.requests().token_count() as u64, stats.token_requests);
    // One refresh per lifetime: 50 s of 5-second tokens refreshed from 2.5 to 3 s of age.
    assert!(stats.background_refreshes <= 50 / 2, "{stats:?}");
}

// One construction path.

/// A web app's clients use the same settings as server-to-server ones: `User-Agent`, proxy
/// and timeouts reach the token endpoint and the API alike. Was: web and public apps ignored
/// every builder setting.
#[tokio::test]
async fn web_apps_use_the_client_settings() {
    let clock = ManualClock::new();
    let fake = fake_with_web_app(&clock).await;
    let proxy = RecordingProxy::start().await;
    let app = web_app(&fake, &clock).with_settings(
        ClientSettings::new()
            .clock(clock.clone())
            .user_agent("acme-sync/2.1")
            .proxy(&proxy.url),
    );
    let (url, pending) = app.authorize_url_with(user("ada")).unwrap();
    let client = app.complete(pending, fake.authorize(&url).await.url()).await.unwrap();
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
    client
        .soap()
        .retrieve(&mc_auth::soap::RetrieveRequest::new("Subscriber", ["EmailAddress"]))
        .await
        .ok();
    for r in fake.requests().all().iter().filter(|r| r.path != "/v2/authorize") {
        assert_eq!(r.header("user-agent"), Some("acme-sync/2.1"), "{} {}", r.method, r.path);
    }
    proxy.assert_carried_auth_rest_and_soap(fake.url(), "/messaging/v1/email/definitions");
}

#[mc_client(scopes = "email_read")]
struct Reader;

/// `connect_with` on a builder that also sets scopes: refused with a clear error, not
/// silently replaced.
#[tokio::test]
async fn connect_with_refuses_conflicting_builder_scopes() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", SECRET).scopes(["email_read", "email_send"]));
    let builder = Client::builder(fake.credentials("cid")).scopes(["email_send"]);
    let err = Reader::connect_with(builder).await.unwrap_err();
    assert!(matches!(err, Error::Config { .. }), "{err:?}");
    assert!(
        err.to_string().contains("Reader") && err.to_string().contains("email_read"),
        "{err}"
    );
    assert_eq!(fake.requests().token_count(), 0);
    // The same scopes are fine.
    let builder = Client::builder(fake.credentials("cid")).scopes(["email_read"]);
    Reader::connect_with(builder).await.unwrap();
}

/// A business unit the package may not use gets a hint about business units, and a refused
/// connection's cause is in `Display`.
#[tokio::test]
async fn hints_point_the_right_way() {
    let (fake, _) = fake_and_client().await;
    let body = r#"{"error":"unauthorized_client","error_description":"Unauthorized","error_uri":"https://developer.salesforce.com/docs"}"#;
    fake.inject(Fault::body(401, "application/json", body).only_token_requests());
    let client = Client::builder(fake.credentials("cid"))
        .build()
        .unwrap()
        .for_account(123456789u64);
    let err = client.token().await.unwrap_err();
    assert!(err.to_string().contains("business unit 123456789"), "{err}");

    let creds = mc_auth::Credentials::builder()
        .subdomain(SUB)
        .client_id("cid")
        .client_secret(SECRET)
        .auth_url("http://127.0.0.1:1")
        .build();
    let err = Client::builder(creds)
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap()
        .token()
        .await
        .unwrap_err();
    assert!(err.to_string().to_ascii_lowercase().contains("refused"), "{err}");

    fake.inject(Fault::soap_fault("Insufficient Privileges").path_prefix("/Service.asmx"));
    let client = Client::builder(fake.credentials("cid"))
        .scopes(["email_read", "email_write"])
        .build()
        .unwrap();
    let err = client
        .soap()
        .retrieve(&mc_auth::soap::RetrieveRequest::new("Subscriber", ["EmailAddress"]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("scope"), "{err}");
}

/// A negative or zero business unit is a clear error before any request, never a panic.
#[tokio::test]
async fn a_negative_business_unit_is_a_clear_error() {
    let (fake, client) = fake_and_client().await;
    let err = client.for_account(-5).token().await.unwrap_err();
    assert!(
        matches!(&err, Error::Config { setting, .. } if setting == "account_id"),
        "{err:?}"
    );
    assert!(err.to_string().contains("MID"), "{err}");
    assert_eq!(fake.requests().token_count(), 0);
}
