//! The client-credentials grant against the fake Marketing Cloud: the request on the wire,
//! the response checks, and the errors.

use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::{Client, Credentials, Error, TokenResponse};
use mc_auth_tests::fixtures;

#[test]
fn both_documented_token_responses_parse() {
    for body in [
        fixtures::TOKEN_RESPONSE_CLIENT_CREDENTIALS,
        fixtures::TOKEN_RESPONSE_AUTHORIZATION_CODE,
    ] {
        let t = TokenResponse::parse(body.as_bytes()).expect("vector parses");
        assert_eq!(t.expires_in.as_secs(), 1200);
        assert_eq!(t.scope.to_string(), "email_read email_send email_write");
        assert_eq!(
            t.rest_instance_url,
            "mc563885gzs27c5t9-63k636tzgm.rest.marketingcloudapis.com"
        );
    }
    let code = TokenResponse::parse(fixtures::TOKEN_RESPONSE_AUTHORIZATION_CODE.as_bytes()).unwrap();
    assert!(code.refresh_token.is_some());
    let cc = TokenResponse::parse(fixtures::TOKEN_RESPONSE_CLIENT_CREDENTIALS.as_bytes()).unwrap();
    assert!(cc.refresh_token.is_none());
}

/// The vector's request, sent by mc-auth, arrives equal as JSON. The one difference is
/// deliberate: mc-auth sends `scope` sorted (a canonical form, so that equal scope sets give
/// equal requests), where MC's example lists the same three scopes in another order.
#[tokio::test]
async fn request_body_is_exactly_what_mc_documents() {
    let mut vector: serde_json::Value = serde_json::from_str(fixtures::CLIENT_CREDENTIALS_REQUEST).unwrap();
    let sorted = mc_auth::ScopeSet::parse(vector["scope"].as_str().unwrap()).to_string();
    assert_eq!(sorted, "email_read email_send email_write");
    vector["scope"] = sorted.into();
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(
        Package::new("7a9j47upktedde30uedl822p", "1955278925675241571")
            .scopes(["email_read", "email_write", "email_send"])
            .business_units([12345]),
    );
    let creds = Credentials::builder()
        .subdomain(fake.credentials("7a9j47upktedde30uedl822p").subdomain)
        .client_id("7a9j47upktedde30uedl822p")
        .client_secret("1955278925675241571")
        .account_id(12345u64)
        .auth_url(fake.url())
        .build();
    Client::builder(creds)
        .scopes(["email_send", "email_read", "email_write"])
        .connect()
        .await
        .unwrap();
    let requests = fake.requests().token_requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].json_body().unwrap(), vector);
    // The keys go out in MC's documented order.
    let raw = String::from_utf8(requests[0].body.to_vec()).unwrap();
    let positions: Vec<usize> = ["grant_type", "client_id", "client_secret", "scope", "account_id"]
        .iter()
        .map(|k| raw.find(&format!("\"{k}\"")).unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert_eq!(requests[0].header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn account_id_is_sent_only_when_set() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(
        Package::new("cid", "csecret-value")
            .scopes(["email_read"])
            .business_units([777]),
    );
    let creds = fake.credentials("cid");
    assert_eq!(creds.account_id, None);
    let client = Client::builder(creds).scopes(["email_read"]).connect().await.unwrap();
    client.for_account(777u64).token().await.unwrap();
    let bodies: Vec<serde_json::Value> = fake
        .requests()
        .token_requests()
        .iter()
        .map(|r| r.json_body().unwrap())
        .collect();
    assert_eq!(bodies.len(), 2);
    assert!(bodies[0].get("account_id").is_none(), "{}", bodies[0]);
    assert_eq!(bodies[1]["account_id"], "777");
}

#[tokio::test]
async fn scope_is_omitted_when_none_declared_and_all_package_scopes_come_back() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value").scopes(["email_read", "sms_send"]));
    let client = Client::builder(fake.credentials("cid")).connect().await.unwrap();
    let body = fake.requests().token_requests()[0].json_body().unwrap();
    assert!(body.get("scope").is_none(), "{body}");
    let token = client.token().await.unwrap();
    assert_eq!(token.scopes().to_string(), "email_read sms_send");
}

#[tokio::test]
async fn missing_scopes_fail_with_scopes_not_granted() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value").scopes(["email_read"]));
    let err = Client::builder(fake.credentials("cid"))
        .name("Mailer")
        .scopes(["email_read", "email_send", "sms_send"])
        .connect()
        .await
        .unwrap_err();
    match &err {
        Error::ScopesNotGranted {
            client,
            missing,
            granted,
        } => {
            assert_eq!(client, "Mailer");
            assert_eq!(missing, &["email_send", "sms_send"]);
            assert_eq!(granted, &["email_read"]);
        }
        other => panic!("expected ScopesNotGranted, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("`email_send`") && msg.contains("`sms_send`") && msg.contains("Mailer"),
        "{msg}"
    );
    assert!(msg.contains("installed package") && msg.contains("5 minutes"), "{msg}");
}

#[tokio::test]
async fn invalid_client_is_an_oauth_error_that_says_what_to_check() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "right-secret"));
    let mut creds = fake.credentials("cid");
    creds.client_secret = "wrong-secret-value".into();
    let err = Client::builder(creds).connect().await.unwrap_err();
    match &err {
        Error::OAuth {
            status,
            error,
            description,
            uri,
            ..
        } => {
            assert_eq!(*status, 401);
            assert_eq!(error, "invalid_client");
            assert!(description.is_some());
            assert_eq!(uri.as_deref(), Some("https://developer.salesforce.com/docs"));
        }
        other => panic!("expected OAuth error, got {other:?}"),
    }
    let msg = err.to_string();
    assert!(
        msg.contains("invalid_client") && msg.contains("client id and secret"),
        "{msg}"
    );
    assert!(!msg.contains("wrong-secret-value") && !format!("{err:?}").contains("wrong-secret-value"));
}

#[tokio::test]
async fn instance_urls_on_a_foreign_host_are_refused() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value"));
    fake.set_instance_urls("https://evil.example.com/", "https://evil.example.com/");
    let err = Client::builder(fake.credentials("cid")).connect().await.unwrap_err();
    match &err {
        Error::UntrustedEndpoint { url, reason } => {
            assert!(url.contains("evil.example.com"), "{url}");
            assert!(reason.contains("rest_instance_url"), "{reason}");
        }
        other => panic!("expected UntrustedEndpoint, got {other:?}"),
    }
    // Plain HTTP to a non-loopback host is refused too, even under marketingcloudapis.com.
    fake.set_instance_urls(
        "http://mcx.rest.marketingcloudapis.com/",
        "http://mcx.soap.marketingcloudapis.com/",
    );
    let err = Client::builder(fake.credentials("cid")).connect().await.unwrap_err();
    assert!(matches!(err, Error::UntrustedEndpoint { .. }), "{err:?}");
}

#[tokio::test]
async fn bare_host_instance_urls_are_normalised() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value"));
    fake.set_instance_urls(
        "mc563885gzs27c5t9-63k636tzgm.rest.marketingcloudapis.com",
        "https://mc563885gzs27c5t9-63k636tzgm.soap.marketingcloudapis.com/",
    );
    let client = Client::builder(fake.credentials("cid")).connect().await.unwrap();
    let token = client.token().await.unwrap();
    assert_eq!(
        token.rest_instance_url(),
        "https://mc563885gzs27c5t9-63k636tzgm.rest.marketingcloudapis.com"
    );
    assert_eq!(
        token.soap_instance_url(),
        "https://mc563885gzs27c5t9-63k636tzgm.soap.marketingcloudapis.com"
    );
}

#[tokio::test]
async fn auth_url_on_a_foreign_host_is_refused_before_any_request() {
    let creds = Credentials::builder()
        .subdomain("mc563885gzs27c5t9-63k636tzgm")
        .client_id("cid")
        .client_secret("csecret-value")
        .auth_url("https://auth.example.com")
        .build();
    let err = Client::builder(creds).build().unwrap_err();
    assert!(matches!(err, Error::UntrustedEndpoint { .. }), "{err:?}");
}

#[tokio::test]
async fn unsupported_responses_become_unexpected_response_errors() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value"));
    fake.inject(mc_auth::testing::Fault::malformed_body().only_token_requests().times(1));
    let err = Client::builder(fake.credentials("cid")).connect().await.unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse { status: 200, .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");
}

#[tokio::test]
async fn userinfo_reports_the_business_unit() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value").business_units([4242]));
    let client = Client::builder(fake.credentials("cid"))
        .build()
        .unwrap()
        .for_account(4242u64);
    let info = client.userinfo().await.unwrap();
    assert_eq!(info.organization.member_id, Some(4242));
}
