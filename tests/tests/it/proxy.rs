//! Auth, REST and SOAP requests all go through an explicitly configured proxy.

use mc_auth::api::prelude::*;
use mc_auth::soap::RetrieveRequest;
use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::{mc_client, scope, ClientBuilder};
use mc_auth_tests::RecordingProxy;

#[mc_client(scopes = "email_read list_and_subscribers_read")]
struct Proxied;

#[tokio::test]
async fn auth_rest_and_soap_requests_all_use_the_explicit_proxy() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "csecret-value").scopes(["email_read", "list_and_subscribers_read"]));
    let proxy = RecordingProxy::start().await;
    let builder: ClientBuilder = mc_auth::Client::builder(fake.credentials("cid")).proxy(&proxy.url);
    let client = Proxied::connect_with(builder).await.unwrap();
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
