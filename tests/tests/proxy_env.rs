//! Auth, REST and SOAP requests all honour the standard proxy environment variables.
//! (Alone in its own test binary: it changes the process environment.)

use mc_auth::api::prelude::*;
use mc_auth::soap::RetrieveRequest;
use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::{mc_client, scope};
use mc_auth_tests::RecordingProxy;

#[mc_client(scopes = "email_read list_and_subscribers_read")]
struct FromEnv;

#[tokio::test]
async fn http_proxy_from_the_environment_is_used_for_every_request() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value").scopes(["email_read", "list_and_subscribers_read"]));
    let proxy = RecordingProxy::start().await;
    for var in ["NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"] {
        std::env::remove_var(var);
    }
    std::env::set_var("HTTP_PROXY", &proxy.url);
    std::env::set_var("http_proxy", &proxy.url);
    let client = FromEnv::connect(fake.credentials("cid")).await.unwrap();
    client
        .rest::<scope::EmailRead>()
        .get("/messaging/v1/email/definitions")
        .send()
        .await
        .unwrap();
    client
        .soap()
        .retrieve::<mc_auth::soap::Subscriber>(RetrieveRequest::new("Subscriber", ["SubscriberKey"]))
        .await
        .unwrap();
    proxy.assert_carried_auth_rest_and_soap(fake.url(), "/messaging/v1/email/definitions");
}
