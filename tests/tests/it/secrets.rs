//! No secret (client secret, access token) appears in `Debug`, `Display`, errors or logs.

use std::time::Duration;

use mc_auth::testing::{FakeMarketingCloud, Fault, Package};
use mc_auth::{AccessToken, Client, ClientSecret, Credentials, Error, RefreshToken, TokenResponse, TransportKind};
use mc_auth_tests::{fixtures, CapturedLogs};

const SECRET: &str = "client-secret-3f9a2c";

fn assert_clean(text: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!text.contains(s), "secret {s:?} leaked into: {text}");
    }
}

#[test]
fn secret_types_are_redacted() {
    let creds = Credentials::builder()
        .subdomain("mc563885gzs27c5t9-63k636tzgm")
        .client_id("cid")
        .client_secret(SECRET)
        .build();
    let resp = TokenResponse::parse(fixtures::TOKEN_RESPONSE_AUTHORIZATION_CODE.as_bytes()).unwrap();
    let access = resp.access_token.expose_secret().to_owned();
    let refresh = resp.refresh_token.as_ref().unwrap().expose_secret().to_owned();
    let texts = [
        format!("{creds:?}"),
        format!("{creds:#?}"),
        format!("{:?}", ClientSecret::new(SECRET)),
        format!("{:?}", AccessToken::new(access.clone())),
        format!("{:?}", RefreshToken::new(refresh.clone())),
        format!("{resp:?}"),
        format!("{resp:#?}"),
    ];
    for t in &texts {
        assert_clean(t, &[SECRET, &access, &refresh]);
    }
}

#[test]
fn every_error_variant_formats_without_secrets() {
    let errors = vec![
        Error::OAuth {
            status: 401,
            error: "invalid_client".into(),
            description: Some("d".into()),
            uri: None,
            account: None,
            refused_secrets: Vec::new(),
        },
        Error::Api {
            status: 403,
            errorcode: Some(20002),
            message: "Insufficient Privileges".into(),
            request: "GET /x".into(),
            retry_after: Some(Duration::from_secs(3)),
        },
        Error::Transport {
            kind: TransportKind::Connect,
            endpoint: "https://x".into(),
            source: std::sync::Arc::new(std::io::Error::other("refused")),
        },
        Error::UnexpectedResponse {
            status: 200,
            endpoint: "e".into(),
            problem: "p".into(),
            excerpt: "x".into(),
        },
        Error::Config {
            setting: "subdomain".into(),
            reason: "r".into(),
        },
        Error::UntrustedEndpoint {
            url: "https://evil".into(),
            reason: "r".into(),
        },
        Error::ScopesNotGranted {
            client: "Mailer".into(),
            missing: vec!["a".into()],
            granted: vec![],
        },
        Error::ReauthorizationRequired { reason: "r".into() },
        Error::AuthorizationDenied {
            error: "access_denied".into(),
            description: Some("no".into()),
        },
        Error::Callback { problem: "p".into() },
        Error::Store {
            store: "/tmp/x".into(),
            problem: "p".into(),
        },
        Error::SoapFault {
            status: 500,
            faultcode: "Client".into(),
            faultstring: "Token Expired".into(),
            detail: None,
        },
        Error::SoapObjects {
            action: "Create".into(),
            overall_status: "Error".into(),
            results: vec![],
        },
        Error::RowCodec {
            row: Some(3),
            keys: vec![("SubscriberKey".into(), "a-3".into())],
            column: Some("Age".into()),
            problem: "expected an integer, found \"twelve\"".into(),
        },
        Error::Internal { what: "w".into() },
    ];
    for e in &errors {
        let shown = format!("{e} {e:?} {e:#?}");
        assert_clean(&shown, &[SECRET]);
        assert!(shown.len() > 20);
    }
}

/// A token response that is malformed but carries a token: the error's excerpt must not.
#[tokio::test]
async fn errors_from_token_responses_never_quote_the_token() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", SECRET));
    let body = br#"{"access_token":"leaky-token-0123456789","expires_in":0,"scope":"","rest_instance_url":"h","soap_instance_url":"h","note":"client-secret-3f9a2c"}"#;
    fake.inject(
        Fault::body(200, "application/json", body.to_vec())
            .only_token_requests()
            .times(1),
    );
    let err = Client::builder(fake.credentials("cid")).connect().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("expires_in"), "{shown}");
    assert_clean(&shown, &[SECRET, "leaky-token-0123456789"]);
}

/// A full flow (token, API call, 401 recovery, refresh, errors) at TRACE, with every log line
/// captured: no secret anywhere.
#[tokio::test(flavor = "current_thread")]
async fn trace_logs_of_a_full_flow_hold_no_secret() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", SECRET).scopes(["email_read"]));
    let client = Client::builder(fake.credentials("cid"))
        .scopes(["email_read"])
        .connect()
        .await
        .unwrap();
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
    fake.tokens().expire_all();
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
    client.userinfo().await.unwrap();
    let _ = client
        .post("/messaging/v1/email/messages/k")
        .json(&serde_json::json!({}))
        .send()
        .await;
    let mut bad = fake.credentials("cid");
    bad.client_secret = "wrong-secret-771".into();
    let _ = Client::builder(bad).connect().await;

    let issued: Vec<String> = fake.tokens().values();
    assert!(issued.len() >= 2);
    let text = logs.contents();
    assert!(text.contains("mc_auth.token_request"), "the flow was logged:\n{text}");
    let mut secrets: Vec<&str> = issued.iter().map(String::as_str).collect();
    secrets.push(SECRET);
    secrets.push("wrong-secret-771");
    assert_clean(&text, &secrets);
    assert_clean(&format!("{client:?} {fake:?}"), &secrets);
}

/// Every public type of the web flows that holds a secret, formatted with `{:?}` and `{:#?}`.
#[tokio::test]
async fn web_flow_types_are_redacted() {
    use mc_auth::web::{App, AuthorizeOptions, Callback, FileStoreKey, PkceVerifier, StoredTokens, WebAppConfig};
    let config = WebAppConfig::builder()
        .subdomain("mc563885gzs27c5t9-63k636tzgm")
        .client_id("web-id")
        .client_secret(SECRET)
        .redirect_uri("https://127.0.0.1:80/")
        .build();
    let app: App = App::web(config.clone(), ["email_read"], "Mailer").unwrap();
    let (_, pending) = app
        .authorize_url_with(AuthorizeOptions::builder().state("state-value-xyz").build())
        .unwrap();
    let verifier = pending.pkce_verifier().unwrap().expose_secret().to_owned();
    let callback = Callback::parse("?code=auth-code-value-123&state=state-value-xyz").unwrap();
    let key = FileStoreKey::from_bytes([7u8; 32]);
    let key_b64 = key.to_base64().to_string();
    let stored = StoredTokens::new(
        RefreshToken::new("refresh-token-value-9"),
        "mc563885gzs27c5t9-63k636tzgm",
    );
    let pkce = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
    let shown = format!(
        "{config:?} {config:#?} {app:?} {pending:?} {pending:#?} {callback:?} {key:?} {stored:?} {pkce:?} {:?}",
        mc_auth::AuthorizationCode::new("auth-code-value-123")
    );
    assert_clean(
        &shown,
        &[
            SECRET,
            &verifier,
            "auth-code-value-123",
            "state-value-xyz",
            &key_b64,
            "refresh-token-value-9",
            "dBjftJeZ4CVP",
        ],
    );
}

/// The runtime types: a connected client, its token, the fake and its records.
#[tokio::test]
async fn runtime_types_are_redacted() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", SECRET).scopes(["email_read"]));
    let client = Client::builder(fake.credentials("cid"))
        .scopes(["email_read"])
        .connect()
        .await
        .unwrap();
    let token = client.token().await.unwrap();
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
    let access = token.access_token().expose_secret().to_owned();
    let shown = format!(
        "{client:?} {client:#?} {token:?} {token:#?} {fake:?} {:?} {:?}",
        fake.requests().all(),
        fake.credentials("cid")
    );
    assert_clean(&shown, &[SECRET, &access]);
}
