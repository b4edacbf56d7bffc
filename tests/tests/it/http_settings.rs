//! HTTP settings a client is built with: the `User-Agent` header and the per-request time
//! limit, checked against what the fake Marketing Cloud received.

use std::time::Duration;

use mc_auth::testing::{FakeMarketingCloud, Fault, Package};
use mc_auth::{Client, ClientBuilder, Error, RetryPolicy, DEFAULT_USER_AGENT};

const PATH: &str = "/messaging/v1/email/definitions";

async fn fake() -> FakeMarketingCloud {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value").scopes(["email_read"]));
    fake
}

fn builder(fake: &FakeMarketingCloud) -> ClientBuilder {
    Client::builder(fake.credentials("cid")).scopes(["email_read"])
}

/// A client that gives up on a request after 50 ms, without retrying.
async fn impatient(fake: &FakeMarketingCloud) -> Client {
    builder(fake)
        .request_timeout(Duration::from_millis(50))
        .retry_policy(RetryPolicy::never())
        .connect()
        .await
        .unwrap()
}

/// The `User-Agent` values of every request the fake received (token and API alike).
fn user_agents(fake: &FakeMarketingCloud) -> Vec<Option<String>> {
    fake.requests()
        .all()
        .iter()
        .map(|r| r.header("user-agent").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_request_names_mc_auth_by_default() {
    let fake = fake().await;
    let client = builder(&fake).connect().await.unwrap();
    client.get(PATH).send().await.unwrap();
    assert!(DEFAULT_USER_AGENT.starts_with("mc-auth/"));
    assert_eq!(user_agents(&fake), vec![Some(DEFAULT_USER_AGENT.to_owned()); 2]);
}

#[tokio::test]
async fn a_custom_user_agent_is_sent_and_none_can_be_chosen() {
    let fake = fake().await;
    let client = builder(&fake)
        .user_agent("acme-sync/2.1 mc-auth")
        .connect()
        .await
        .unwrap();
    client.get(PATH).send().await.unwrap();
    assert_eq!(user_agents(&fake), vec![Some("acme-sync/2.1 mc-auth".to_owned()); 2]);

    fake.requests().clear();
    let client = builder(&fake).no_user_agent().connect().await.unwrap();
    client.get(PATH).send().await.unwrap();
    assert_eq!(user_agents(&fake), vec![None, None]);
}

#[tokio::test]
async fn an_invalid_user_agent_is_a_configuration_error() {
    let fake = fake().await;
    let err = builder(&fake).user_agent("acme\r\nX-Injected: 1").build().unwrap_err();
    match &err {
        Error::Config { setting, .. } => assert_eq!(setting, "user agent"),
        other => panic!("expected a configuration error, got {other:?}"),
    }
    assert!(err.to_string().contains("not a valid header value"), "{err}");
    assert!(
        fake.requests().all().is_empty(),
        "nothing is sent for a bad configuration"
    );
}

#[tokio::test]
async fn without_a_request_timeout_a_slow_answer_is_awaited() {
    let fake = fake().await;
    let slow = Fault::delay(Duration::from_millis(300)).only_api_requests();

    let limited = impatient(&fake).await;
    fake.inject(slow.clone());
    let err = limited.get(PATH).send().await.unwrap_err();
    mc_auth_tests::assert_timeout(&err);

    let unlimited = builder(&fake)
        .no_request_timeout()
        .retry_policy(RetryPolicy::never())
        .connect()
        .await
        .unwrap();
    fake.inject(slow);
    assert_eq!(unlimited.get(PATH).send().await.unwrap().status(), 200);
}

#[tokio::test]
async fn transport_errors_name_the_endpoint_without_its_query_string() {
    let fake = fake().await;
    let client = impatient(&fake).await;
    fake.inject(Fault::delay(Duration::from_millis(300)).only_api_requests());
    let err = client
        .get(PATH)
        .query(&[("subscriberKey", "jane@example.com")])
        .send()
        .await
        .unwrap_err();
    mc_auth_tests::assert_timeout(&err);
    let text = err.to_string();
    let url = client.cached_token().unwrap().rest_instance_url().to_owned();
    assert!(text.contains(&format!("GET {url}{PATH}")), "{text}");
    assert!(
        !text.contains("jane"),
        "the query string (user data) leaked into the error: {text}"
    );
}
