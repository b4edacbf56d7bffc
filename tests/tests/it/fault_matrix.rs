//! The fault matrix: for each fault the fake (or a broken peer) injects, the outcome (retried
//! then succeeded, or a clear error) and the number of requests seen.
//!
//! Retry delays are shortened to milliseconds with a custom `RetryPolicy`; nothing asserts
//! wall-clock time.

use std::time::Duration;

use mc_auth::testing::{FakeMarketingCloud, Fault, Package};
use mc_auth::{Client, Error, RetryPolicy, TransportKind};

const PATH: &str = "/messaging/v1/email/definitions";

fn fast_retries() -> RetryPolicy {
    RetryPolicy::new(4, Duration::from_millis(2), Duration::from_millis(20))
}

async fn setup() -> (FakeMarketingCloud, Client) {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value").scopes(["email_read", "email_write"]));
    let client = Client::builder(fake.credentials("cid"))
        .scopes(["email_read", "email_write"])
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    (fake, client)
}

/// Token endpoint answers `status` once: retried, then a token.
async fn token_status_is_retried(status: u16) {
    let (fake, client) = setup().await;
    fake.inject(Fault::status(status).only_token_requests());
    client
        .token()
        .await
        .unwrap_or_else(|e| panic!("HTTP {status} not retried: {e}"));
    assert_eq!(
        fake.requests().token_count(),
        2,
        "HTTP {status}: one failure, one retry"
    );
    let stats = client.stats();
    assert_eq!(stats.token_retries, 1);
    assert_eq!(stats.api_retries, 0);
    assert_eq!(stats.token_fetches, 1);
    assert_eq!(
        stats.token_requests as usize,
        fake.requests().token_count(),
        "the counter is what the fake saw"
    );
}

#[tokio::test]
async fn token_500_is_retried() {
    token_status_is_retried(500).await;
}

#[tokio::test]
async fn token_502_is_retried() {
    token_status_is_retried(502).await;
}

#[tokio::test]
async fn token_503_is_retried() {
    token_status_is_retried(503).await;
}

#[tokio::test]
async fn token_504_is_retried() {
    token_status_is_retried(504).await;
}

#[tokio::test]
async fn token_429_without_retry_after_is_retried_with_backoff() {
    token_status_is_retried(429).await;
}

#[tokio::test]
async fn token_429_with_retry_after_waits_and_retries() {
    let (fake, client) = setup().await;
    fake.inject(
        Fault::status(429)
            .retry_after(Duration::from_secs(1))
            .only_token_requests(),
    );
    client.token().await.unwrap();
    assert_eq!(fake.requests().token_count(), 2);
}

#[tokio::test]
async fn retry_after_over_the_cap_is_not_waited_for() {
    let (fake, _) = setup().await;
    let client = Client::builder(fake.credentials("cid"))
        .retry_policy(fast_retries().with_max_retry_after(Duration::from_secs(5)))
        .build()
        .unwrap();
    fake.inject(
        Fault::status(429)
            .retry_after(Duration::from_secs(600))
            .only_token_requests(),
    );
    let err = client.token().await.unwrap_err();
    assert_eq!(err.status(), Some(429), "{err}");
    assert_eq!(fake.requests().token_count(), 1);
}

#[tokio::test]
async fn a_token_endpoint_that_keeps_failing_gives_up_after_the_bounded_attempts() {
    let (fake, client) = setup().await;
    fake.inject(Fault::status(503).only_token_requests().times(100));
    let err = client.token().await.unwrap_err();
    assert_eq!(err.status(), Some(503), "{err}");
    assert_eq!(fake.requests().token_count(), 4, "max_attempts");
}

#[tokio::test]
async fn oauth_errors_are_not_retried() {
    let (fake, client) = setup().await;
    fake.inject(Fault::unauthorized().only_token_requests());
    let err = client.token().await.unwrap_err();
    assert!(
        matches!(&err, Error::OAuth { error, .. } if error == "invalid_client"),
        "{err:?}"
    );
    assert_eq!(fake.requests().token_count(), 1);
}

#[tokio::test]
async fn api_get_on_5xx_and_429_is_retried() {
    for fault in [
        Fault::status(500),
        Fault::status(502),
        Fault::status(503),
        Fault::status(504),
        Fault::status(429),
    ] {
        let (fake, client) = setup().await;
        client.token().await.unwrap();
        fake.inject(fault.only_api_requests());
        client.get(PATH).send().await.unwrap();
        assert_eq!(fake.requests().api_count(), 2);
    }
}

#[tokio::test]
async fn api_429_with_retry_after_is_honoured() {
    let (fake, client) = setup().await;
    client.token().await.unwrap();
    fake.inject(
        Fault::status(429)
            .retry_after(Duration::from_secs(1))
            .only_api_requests(),
    );
    client.get(PATH).send().await.unwrap();
    assert_eq!(fake.requests().api_count(), 2);
}

#[tokio::test]
async fn api_post_is_not_retried_on_5xx_unless_opted_in() {
    let (fake, client) = setup().await;
    client.token().await.unwrap();
    let def = serde_json::json!({ "definitionKey": "d1", "name": "n", "content": { "customerKey": "c" } });
    fake.inject(Fault::status(503).only_api_requests());
    let err = client.post(PATH).json(&def).send().await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        fake.requests().api_count(),
        1,
        "a POST that may have been processed is not resent"
    );

    fake.inject(Fault::status(503).only_api_requests());
    client.post(PATH).json(&def).idempotent(true).send().await.unwrap();
    assert_eq!(fake.requests().api_count(), 3);
}

#[tokio::test]
async fn api_400_and_403_are_never_retried() {
    for status in [400, 403, 404] {
        let (fake, client) = setup().await;
        client.token().await.unwrap();
        fake.inject(Fault::status(status).only_api_requests());
        let err = client.get(PATH).send().await.unwrap_err();
        assert_eq!(err.status(), Some(status));
        assert_eq!(fake.requests().api_count(), 1, "HTTP {status} sent once");
        if status == 403 {
            assert!(err.to_string().contains("scope"), "{err}");
        }
    }
}

#[tokio::test]
async fn an_html_error_page_is_reported_with_an_excerpt() {
    let (fake, client) = setup().await;
    client.token().await.unwrap();
    fake.inject(
        Fault::body(502, "text/html", "<html><body>Bad Gateway</body></html>")
            .only_api_requests()
            .times(10),
    );
    let err = client.get(PATH).send().await.unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.to_string().contains("Bad Gateway"), "{err}");
    assert_eq!(fake.requests().api_count(), 4, "retried up to max_attempts");
}

#[tokio::test]
async fn truncated_json_token_response_is_a_clear_error() {
    let (fake, client) = setup().await;
    fake.inject(Fault::malformed_body().only_token_requests());
    let err = client.token().await.unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse { problem, .. } if problem.contains("truncated")),
        "{err:?}"
    );
    assert_eq!(fake.requests().token_count(), 1);
}

#[tokio::test]
async fn empty_token_response_body_is_a_clear_error() {
    let (fake, client) = setup().await;
    fake.inject(Fault::body(200, "application/json", "").only_token_requests());
    let err = client.token().await.unwrap_err();
    assert!(matches!(err, Error::UnexpectedResponse { status: 200, .. }), "{err:?}");
    assert_eq!(fake.requests().token_count(), 1);
}

#[tokio::test]
async fn wrong_content_type_with_a_valid_body_is_accepted() {
    let (fake, client) = setup().await;
    client.token().await.unwrap();
    fake.inject(Fault::body(200, "text/plain", r#"{"count":0,"definitions":[]}"#).only_api_requests());
    let v: serde_json::Value = client.get(PATH).send().await.unwrap().json().unwrap();
    assert_eq!(v["count"], 0);
}

#[tokio::test]
async fn a_token_response_over_the_cap_is_refused() {
    let (fake, client) = setup().await;
    let huge = format!(r#"{{"access_token":"{}"}}"#, "a".repeat(100 * 1024));
    fake.inject(Fault::body(200, "application/json", huge).only_token_requests());
    let err = client.token().await.unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse { problem, .. } if problem.contains("limit")),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_api_body_over_the_cap_is_refused() {
    let (fake, _) = setup().await;
    let client = Client::builder(fake.credentials("cid")).max_body(1024).build().unwrap();
    client.token().await.unwrap();
    fake.inject(Fault::body(200, "application/json", vec![b' '; 4096]).only_api_requests());
    let err = client.get(PATH).send().await.unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
}

#[tokio::test]
async fn a_chunked_api_body_is_reassembled_in_order() {
    let (fake, client) = setup().await;
    client.token().await.unwrap();
    let chunks = [
        &br#"{"requestId":"r1","#[..],
        &br#""definitions":["#[..],
        &br#"{"definitionKey":"k"}]}"#[..],
    ];
    fake.inject(Fault::chunked_body(200, "application/json", chunks).only_api_requests());
    let resp = client.get(PATH).send().await.unwrap();
    assert_eq!(resp.bytes().as_ref(), chunks.concat().as_slice());
    let json: serde_json::Value = resp.json().unwrap();
    assert_eq!(json["definitions"][0]["definitionKey"], "k");
}

#[tokio::test]
async fn a_chunked_api_body_over_the_cap_is_refused_without_a_content_length() {
    let (fake, _) = setup().await;
    let client = Client::builder(fake.credentials("cid")).max_body(1024).build().unwrap();
    client.token().await.unwrap();
    // Each chunk is under the cap; together they are over it.
    fake.inject(Fault::chunked_body(200, "application/json", vec![vec![b' '; 600]; 3]).only_api_requests());
    let err = client.get(PATH).send().await.unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse { problem, .. } if problem.contains("1024-byte limit")),
        "{err:?}"
    );
    // A single chunk over the cap is refused too.
    fake.inject(Fault::chunked_body(200, "application/json", [vec![b' '; 2000]]).only_api_requests());
    let err = client.get(PATH).send().await.unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
}

#[tokio::test]
async fn a_token_response_missing_each_required_field_is_named() {
    let full = serde_json::json!({
        "access_token": "tok-123456", "token_type": "Bearer", "expires_in": 1080, "scope": "email_read",
        "rest_instance_url": "https://mcx.rest.marketingcloudapis.com/",
        "soap_instance_url": "https://mcx.soap.marketingcloudapis.com/",
    });
    for field in [
        "access_token",
        "expires_in",
        "scope",
        "rest_instance_url",
        "soap_instance_url",
    ] {
        let (fake, client) = setup().await;
        let mut body = full.clone();
        body.as_object_mut().unwrap().remove(field);
        fake.inject(Fault::body(200, "application/json", body.to_string()).only_token_requests());
        let err = client.token().await.unwrap_err();
        assert!(err.to_string().contains(field), "{field}: {err}");
        assert!(!err.to_string().contains("tok-123456"));
        assert_eq!(fake.requests().token_count(), 1);
    }
}

#[tokio::test]
async fn expires_in_zero_is_refused() {
    let (fake, client) = setup().await;
    let body = r#"{"access_token":"t","expires_in":0,"scope":"email_read","rest_instance_url":"h.rest.marketingcloudapis.com","soap_instance_url":"h.soap.marketingcloudapis.com"}"#;
    fake.inject(Fault::body(200, "application/json", body).only_token_requests());
    let err = client.token().await.unwrap_err();
    assert!(err.to_string().contains("expires_in"), "{err}");
}

#[tokio::test]
async fn an_instance_url_on_a_foreign_host_is_refused() {
    let (fake, client) = setup().await;
    fake.set_instance_urls("https://evil.example.com/", "https://evil.example.com/");
    let err = client.token().await.unwrap_err();
    assert!(matches!(err, Error::UntrustedEndpoint { .. }), "{err:?}");
    assert_eq!(fake.requests().token_count(), 1);
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_a_timeout_error() {
    let (fake, _) = setup().await;
    let client = Client::builder(fake.credentials("cid"))
        .request_timeout(Duration::from_millis(200))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    fake.inject(Fault::delay(Duration::from_secs(5)).only_token_requests());
    let err = client.token().await.unwrap_err();
    mc_auth_tests::assert_timeout(&err);
    assert_eq!(fake.requests().token_count(), 1);
}

#[tokio::test]
async fn a_slow_token_endpoint_is_retried_after_the_timeout() {
    let (fake, _) = setup().await;
    let client = Client::builder(fake.credentials("cid"))
        .request_timeout(Duration::from_millis(200))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    fake.inject(Fault::delay(Duration::from_secs(5)).only_token_requests());
    client.token().await.unwrap();
    assert_eq!(fake.requests().token_count(), 2);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    // A port nobody listens on: bind, note the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let creds = mc_auth::Credentials::builder()
        .subdomain("mc563885gzs27c5t9-63k636tzgm")
        .client_id("cid")
        .client_secret("csecret-value")
        .auth_url(format!("http://127.0.0.1:{port}"))
        .build();
    let client = Client::builder(creds).retry_policy(fast_retries()).build().unwrap();
    let err = client.token().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(client.stats().token_retries, 3, "four attempts in all");
    assert_eq!(client.stats().token_requests, 4);
    assert!(err.to_string().contains("could not connect"), "{err}");
}

#[tokio::test]
async fn a_connection_reset_is_retried_then_reported() {
    // A peer that accepts and closes every connection without answering.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = [0u8; 1024];
            let _ = tokio::io::AsyncReadExt::read(&mut sock, &mut buf).await;
            drop(sock);
        }
    });
    let creds = mc_auth::Credentials::builder()
        .subdomain("mc563885gzs27c5t9-63k636tzgm")
        .client_id("cid")
        .client_secret("csecret-value")
        .auth_url(format!("http://127.0.0.1:{port}"))
        .build();
    let client = Client::builder(creds).retry_policy(fast_retries()).build().unwrap();
    let err = client.token().await.unwrap_err();
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        4,
        "every attempt reached the peer"
    );
}

mod soap {
    use super::*;
    use mc_auth::soap::{RetrieveRequest, SoapObject};

    async fn soap_setup() -> (FakeMarketingCloud, Client) {
        let fake = FakeMarketingCloud::start().await;
        fake.register_package(
            Package::new("cid", "csecret-value").scopes(["list_and_subscribers_read", "list_and_subscribers_write"]),
        );
        let client = Client::builder(fake.credentials("cid"))
            .retry_policy(fast_retries())
            .build()
            .unwrap();
        client.token().await.unwrap();
        (fake, client)
    }

    fn soap_requests(fake: &FakeMarketingCloud) -> usize {
        fake.requests()
            .all()
            .iter()
            .filter(|r| r.path == "/Service.asmx")
            .count()
    }

    #[tokio::test]
    async fn token_expired_fault_gets_one_new_token_and_one_retry() {
        let (fake, client) = soap_setup().await;
        fake.inject(Fault::soap_fault("Token Expired").path_prefix("/Service.asmx"));
        client
            .soap()
            .retrieve(&RetrieveRequest::new("Subscriber", ["SubscriberKey"]))
            .await
            .unwrap();
        assert_eq!(fake.requests().token_count(), 2);
        assert_eq!(soap_requests(&fake), 2);
        assert_eq!(client.stats().unauthorized_recoveries, 1);
    }

    #[tokio::test]
    async fn an_expired_token_is_refreshed_for_soap_too() {
        let (fake, client) = soap_setup().await;
        fake.tokens().expire_all();
        client
            .soap()
            .retrieve(&RetrieveRequest::new("Subscriber", ["SubscriberKey"]))
            .await
            .unwrap();
        assert_eq!(fake.requests().token_count(), 2);
        assert_eq!(soap_requests(&fake), 2);
    }

    #[tokio::test]
    async fn a_second_token_expired_fault_is_an_error() {
        let (fake, client) = soap_setup().await;
        fake.inject(Fault::soap_fault("Token Expired").path_prefix("/Service.asmx").times(2));
        let err = client
            .soap()
            .retrieve(&RetrieveRequest::new("Subscriber", ["SubscriberKey"]))
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::SoapFault { faultstring, .. } if faultstring == "Token Expired"),
            "{err:?}"
        );
        assert_eq!(soap_requests(&fake), 2);
    }

    #[tokio::test]
    async fn a_throttling_fault_is_retried_for_retrieve_only() {
        let (fake, client) = soap_setup().await;
        fake.inject(Fault::soap_fault("Server is throttled, try again later").path_prefix("/Service.asmx"));
        client
            .soap()
            .retrieve(&RetrieveRequest::new("Subscriber", ["SubscriberKey"]))
            .await
            .unwrap();
        assert_eq!(soap_requests(&fake), 2);

        fake.inject(Fault::soap_fault("Server is throttled, try again later").path_prefix("/Service.asmx"));
        let sub = SoapObject::new("Subscriber")
            .with("SubscriberKey", "k")
            .with("EmailAddress", "k@example.com");
        let err = client.soap().create(&[sub]).await.unwrap_err();
        assert!(matches!(err, Error::SoapFault { .. }), "{err:?}");
        assert_eq!(soap_requests(&fake), 3, "a Create is not resent");
    }

    #[tokio::test]
    async fn an_unknown_object_type_is_a_clear_error() {
        let (fake, client) = soap_setup().await;
        let err = client
            .soap()
            .retrieve(&RetrieveRequest::new("NoSuchObject", ["Name"]))
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::SoapObjects { .. } | Error::SoapFault { .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("NoSuchObject"), "{err}");
        assert_eq!(soap_requests(&fake), 1);
    }

    #[tokio::test]
    async fn a_per_object_error_keeps_every_result() {
        let (_fake, client) = soap_setup().await;
        let good = SoapObject::new("Subscriber")
            .with("SubscriberKey", "good")
            .with("EmailAddress", "good@example.com");
        let bad = SoapObject::new("Subscriber").with("SubscriberKey", "bad");
        match client.soap().create(&[good, bad]).await {
            Err(Error::SoapObjects { results, .. }) => {
                assert_eq!(results.len(), 2);
                assert!(results[0].is_ok() && !results[1].is_ok());
            }
            other => panic!("expected per-object errors, got {other:?}"),
        }
    }
}
