//! Hardening against hostile input: forged redirects, a busy loopback receiver, dot segments
//! in paths, absurd `Content-Length`s and symlinked store files. Everything talks real HTTP
//! to the fake Marketing Cloud (or to a raw TCP server) on loopback.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use mc_auth::api::data_extensions::RowQuery;
use mc_auth::api::prelude::*;
use mc_auth::reqwest;
use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::web::{
    App, FileStoreKey, FileTokenStore, LoopbackReceiver, StoreKey, StoredTokens, TokenStore, WebAppConfig,
};
use mc_auth::{mc_client, Client, Error, RefreshToken, RetryPolicy};

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

// 1. Forged error redirects

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
    assert_eq!(fake.requests().token_count(), 0);
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

// 2. The loopback receiver

/// Generous: a stalled receiver takes 30 s per idle connection, a working one milliseconds.
const FLOW_DEADLINE: Duration = Duration::from_secs(10);

/// Fails the test if `f` has not finished within [`FLOW_DEADLINE`].
async fn within_deadline<T>(what: &str, f: impl Future<Output = T>) -> T {
    match tokio::time::timeout(FLOW_DEADLINE, f).await {
        Ok(v) => v,
        Err(_) => panic!("{what} did not finish within {FLOW_DEADLINE:?}"),
    }
}

/// A receiver on `addr`, a fake whose web package redirects to it, and the app.
async fn loopback_setup(addr: &str) -> Option<(LoopbackReceiver, FakeMarketingCloud, App)> {
    let receiver = match LoopbackReceiver::bind(addr.parse().unwrap(), "/cb").await {
        Ok(r) => r,
        Err(e) if addr.starts_with('[') => {
            eprintln!("SKIPPED: this machine has no IPv6 loopback to bind {addr} ({e})");
            return None;
        }
        Err(e) => panic!("{e}"),
    };
    let redirect = receiver.redirect_uri().to_owned();
    let fake = fake_with_web_app(&redirect).await;
    let app = web_app(&fake, &redirect);
    Some((receiver, fake, app))
}

/// Starts the receiver's whole flow in a task; returns it, the authorize URL it printed, a
/// browser that trusts the receiver's certificate, and the receiver's address.
async fn start_flow(
    receiver: LoopbackReceiver,
    app: App,
) -> (
    tokio::task::JoinHandle<mc_auth::Result<Client>>,
    String,
    reqwest::Client,
    SocketAddr,
) {
    let browser = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_der(receiver.certificate_der()).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let addr = url::Url::parse(receiver.redirect_uri())
        .expect("the redirect URI parses")
        .socket_addrs(|| None)
        .unwrap()[0];
    let (tx, rx) = tokio::sync::oneshot::channel();
    let flow = tokio::spawn(async move {
        receiver
            .authorize(&app, |url| {
                let _ = tx.send(url.to_owned());
            })
            .await
    });
    let url = rx.await.expect("the flow printed its authorize URL");
    (flow, url, browser, addr)
}

#[tokio::test]
async fn a_forged_request_to_the_receiver_gets_400_and_the_real_redirect_still_signs_in() {
    let (receiver, fake, app) = loopback_setup("127.0.0.1:0").await.unwrap();
    let redirect_uri = receiver.redirect_uri().to_owned();
    let (flow, url, browser, _) = start_flow(receiver, app).await;
    for forged in [
        format!("{redirect_uri}?code=forged-code&state=forged-state"),
        format!("{redirect_uri}?code=forged-code"),
        format!("{redirect_uri}?error=access_denied&error_description=forged"),
    ] {
        let resp = browser.get(&forged).send().await.unwrap();
        assert_eq!(resp.status(), 400, "{forged}");
    }
    let real = fake.authorize(&url).await;
    let page = browser.get(real.url()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let client = within_deadline("the sign-in", flow).await.unwrap().unwrap();
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
    assert_eq!(fake.requests().token_count(), 1, "only the real code was exchanged");
}

#[tokio::test]
async fn an_idle_connection_does_not_delay_the_real_redirect() {
    let (receiver, fake, app) = loopback_setup("127.0.0.1:0").await.unwrap();
    let (flow, url, browser, addr) = start_flow(receiver, app).await;
    // Connected (so queued before the browser's connection) and silent for the whole test.
    let _idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    let _idle_too = tokio::net::TcpStream::connect(addr).await.unwrap();
    let real = fake.authorize(&url).await;
    let page = within_deadline("the redirect page", browser.get(real.url()).send())
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    within_deadline("the sign-in", flow).await.unwrap().unwrap();
}

#[tokio::test]
async fn an_ipv6_loopback_receiver_gives_a_parseable_redirect_uri_and_signs_in() {
    // Skips (with a message) only when the machine cannot bind [::1].
    let Some((receiver, fake, app)) = loopback_setup("[::1]:0").await else {
        return;
    };
    let uri = url::Url::parse(receiver.redirect_uri()).unwrap_or_else(|e| panic!("{}: {e}", receiver.redirect_uri()));
    assert_eq!(uri.host(), Some(url::Host::Ipv6(std::net::Ipv6Addr::LOCALHOST)));
    assert_eq!(uri.path(), "/cb");
    assert!(uri.port().is_some());
    let (flow, url, browser, _) = start_flow(receiver, app).await;
    let real = fake.authorize(&url).await;
    assert_eq!(browser.get(real.url()).send().await.unwrap().status(), 200);
    within_deadline("the sign-in", flow).await.unwrap().unwrap();
}

// 3. Dot segments in paths

#[mc_client(scopes = "email_read email_write email_send sms_send data_extensions_read \
    data_extensions_write journeys_read")]
struct Typed;

async fn api_fake() -> (FakeMarketingCloud, Typed) {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("typed", "typed-secret-value").scopes(Typed::SCOPES));
    let client = Typed::connect(creds).await.unwrap();
    (fake, client)
}

#[tokio::test]
async fn encoded_and_backslash_dot_segments_are_refused_before_sending() {
    let (fake, typed) = api_fake().await;
    let client = typed.client();
    for path in [
        "/messaging/v1/email/definitions/%2e%2e",
        "/messaging/v1/email/definitions/%2E%2E/x",
        "/messaging/v1/email/definitions/.%2E/x",
        "/messaging/v1/email/definitions/%2e./x",
        "/messaging/v1/email/definitions/%2e",
        "/messaging/v1/email/definitions/./x",
        "/messaging/v1/email/definitions/..\\x",
        "/messaging/v1/email/definitions/.\\x",
        "/messaging/v1/email/definitions\\..\\x",
        "/messaging/v1/email/definitions/x\\y",
        "/messaging/v1/email/definitions/.",
    ] {
        let err = client.get(path).send().await.unwrap_err();
        assert!(
            matches!(&err, Error::Config { setting, .. } if setting == "path"),
            "{path}: {err:?}"
        );
        assert!(err.to_string().contains("percent-encode"), "{err}");
    }
    assert_eq!(fake.requests().api_count(), 0, "nothing was sent");
    // Dots inside a segment are ordinary characters.
    for path in [
        "/messaging/v1/email/definitions/a..b",
        "/messaging/v1/email/definitions/.x",
    ] {
        let result = client.get(path).send().await;
        assert!(!matches!(result, Err(Error::Config { .. })), "{path}: {result:?}");
    }
}

#[tokio::test]
async fn dot_and_empty_keys_in_typed_calls_are_refused() {
    let (fake, typed) = api_fake().await;
    for key in ["", ".", ".."] {
        let results = [
            typed.delete_email_definition(key).await.err(),
            typed.get_email_definition(key).await.err(),
            typed.get_journey(key).await.err(),
            typed.get_journey(&format!("key:{key}")).await.err(),
            typed.upsert_rows(key, &[]).await.err(),
            Box::pin(typed.query_rows(key, RowQuery::default()))
                .next()
                .await
                .and_then(Result::err),
        ];
        for (i, err) in results.into_iter().enumerate() {
            let err = err.unwrap_or_else(|| panic!("call {i} with key {key:?} succeeded"));
            match &err {
                Error::Config { setting, reason } => {
                    assert_eq!(setting, "key", "call {i}, key {key:?}: {err}");
                    assert!(reason.contains(&format!("`{key}`")), "call {i}: {reason}");
                }
                other => panic!("call {i} with key {key:?}: {other:?}"),
            }
        }
    }
    assert_eq!(fake.requests().api_count(), 0);
    // An ordinary key with dots in it still goes through.
    assert!(matches!(
        typed.get_email_definition("a.b").await,
        Err(Error::Api { status: 404, .. })
    ));
}

// 4. An absurd Content-Length

/// A server that answers every request with `Content-Length: 2^62`, sends 256 KiB in small
/// writes, and closes.
async fn lying_server() -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let _ = conn
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 4611686018427387904\r\n\r\n")
                    .await;
                for _ in 0..64 {
                    if conn.write_all(&[b' '; 4096]).await.is_err() || conn.flush().await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

#[tokio::test]
async fn an_absurd_content_length_with_no_body_limit_is_an_error_not_an_abort() {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("cid", "csecret-value").scopes(["email_read"]));
    let server = lying_server().await;
    fake.set_instance_urls(&format!("http://{server}/"), &format!("http://{server}/Service.asmx"));
    let client = Client::builder(creds)
        .scopes(["email_read"])
        .max_body(usize::MAX)
        .retry_policy(RetryPolicy::never())
        .connect()
        .await
        .unwrap();
    let err = client.get("/messaging/v1/email/definitions").send().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
}

// 5. Symlinks next to the file store

fn store_dir(name: &str) -> std::path::PathBuf {
    use std::hash::{BuildHasher, Hasher};
    let salt = std::collections::hash_map::RandomState::new().build_hasher().finish();
    let dir = std::env::temp_dir().join(format!("mc-auth-hardening-{}-{salt}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn store_key() -> StoreKey {
    StoreKey::new("Mailer", SUB, None, "email_read offline", "alice")
}

#[tokio::test]
async fn a_symlinked_lock_file_is_refused_and_its_target_not_created() {
    let dir = store_dir("lock-link");
    let target = dir.join("planted-by-someone-else");
    std::os::unix::fs::symlink(&target, dir.join("tokens.bin.lock")).unwrap();
    let store = FileTokenStore::new(dir.join("tokens.bin"), FileStoreKey::generate().unwrap());
    let err = store
        .save(&store_key(), &StoredTokens::new(RefreshToken::new("rt-secret-1"), SUB))
        .await
        .unwrap_err();
    match &err {
        Error::Store { problem, .. } => assert!(problem.contains("symbolic link"), "{err}"),
        other => panic!("{other:?}"),
    }
    assert!(!target.exists(), "the symlink's target was created");
    assert!(!dir.join("tokens.bin").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_symlinked_store_file_is_refused() {
    let dir = store_dir("file-link");
    let elsewhere = dir.join("elsewhere.bin");
    let first = FileTokenStore::new(&elsewhere, FileStoreKey::generate().unwrap());
    first
        .save(&store_key(), &StoredTokens::new(RefreshToken::new("rt-secret-1"), SUB))
        .await
        .unwrap();
    std::os::unix::fs::symlink(&elsewhere, dir.join("tokens.bin")).unwrap();
    let linked = FileTokenStore::new(dir.join("tokens.bin"), FileStoreKey::generate().unwrap());
    let err = linked.load(&store_key()).await.unwrap_err();
    match &err {
        Error::Store { problem, .. } => assert!(problem.contains("symbolic link"), "{err}"),
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
