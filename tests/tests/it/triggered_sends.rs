//! Triggered sends over SOAP against the fake: sends with attributes, definitions read,
//! started and paused, queued sends released, bad input refused before sending.

use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::api::triggered_sends::{
    TriggeredSendRequest, TriggeredSendStatus, TriggeredSubscriber, MAX_TRIGGERED_RECIPIENTS,
};
use mc_auth::soap::SimpleFilter;
use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::{mc_client, Error};

#[mc_client(scopes = "email_send email_read email_write")]
struct Receipts;

async fn setup() -> (FakeMarketingCloud, Receipts) {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("receipts", "receipts-secret-value").scopes(Receipts::SCOPES));
    let client = Receipts::connect(creds).await.unwrap();
    (fake, client)
}

#[tokio::test]
async fn sends_carry_each_recipients_attributes() {
    let (fake, c) = setup().await;
    fake.triggered_sends().add_definition("order-receipt", "Order receipt");
    let request = TriggeredSendRequest::new("order-receipt")
        .subscriber(
            TriggeredSubscriber::new("ada@example.com")
                .key("ada")
                .attribute("OrderNumber", "A-1001")
                .attribute("Note", "<b>&\"quoted\"</b>"),
        )
        .subscriber(TriggeredSubscriber::new("grace@example.com"));
    let results = c.send_triggered(&request).await.unwrap();
    assert_eq!(results.len(), 2);
    assert!(results.iter().all(|r| r.is_ok()));
    let sends = fake.triggered_sends().sends();
    assert_eq!(sends.len(), 2);
    assert_eq!((sends[0].subscriber_key.as_str(), sends[0].sent), ("ada", true));
    assert_eq!(
        sends[0].attributes,
        [
            ("OrderNumber".into(), "A-1001".into()),
            ("Note".into(), "<b>&\"quoted\"</b>".into())
        ]
    );
    assert_eq!(
        sends[1].subscriber_key, "grace@example.com",
        "the key defaults to the address"
    );
    let body = fake.requests().soap_bodies().pop().unwrap();
    assert!(body.contains(r#"<Objects xsi:type="TriggeredSend"><TriggeredSendDefinition><CustomerKey>order-receipt</CustomerKey></TriggeredSendDefinition><Subscribers><EmailAddress>ada@example.com</EmailAddress>"#), "{body}");
}

#[tokio::test]
async fn pausing_queues_and_starting_releases() {
    let (fake, c) = setup().await;
    fake.triggered_sends().add_definition("welcome", "Welcome");
    assert!(c.pause_triggered_send("welcome").await.unwrap().is_ok());
    assert_eq!(fake.triggered_sends().status("welcome").as_deref(), Some("Inactive"));
    let def = c.triggered_send_definition("welcome").await.unwrap().unwrap();
    assert_eq!(def.status, TriggeredSendStatus::Inactive);
    assert_eq!(def.name, "Welcome");

    let request = TriggeredSendRequest::new("welcome").subscriber(TriggeredSubscriber::new("ada@example.com"));
    c.send_triggered(&request).await.unwrap();
    assert!(!fake.triggered_sends().sends()[0].sent, "queued while paused");
    c.start_triggered_send("welcome").await.unwrap();
    assert!(fake.triggered_sends().sends()[0].sent, "sent once started");
    let body = fake.requests().soap_bodies().pop().unwrap();
    assert!(
        body.contains("<UpdateRequest") && body.contains("<TriggeredSendStatus>Active</TriggeredSendStatus>"),
        "{body}"
    );
}

#[tokio::test]
async fn definitions_list_and_filter() {
    let (fake, c) = setup().await;
    let t = fake.triggered_sends();
    t.add_definition("a", "A");
    t.add_definition_with_status(mc_auth::testing::DEFAULT_MID, "b", "B", "New");
    t.add_definition_with_status(mc_auth::testing::DEFAULT_MID, "gone", "Gone", "Canceled");
    t.add_definition_with_status(4242, "other-bu", "Other", "Active");
    let all: Vec<_> = c.triggered_send_definitions(None).map(Result::unwrap).collect().await;
    let keys: Vec<_> = all.iter().map(|d| d.customer_key.as_str()).collect();
    assert_eq!(
        keys,
        ["a", "b", "gone"],
        "another business unit's definitions are not seen"
    );
    let active: Vec<_> = c
        .triggered_send_definitions(Some(SimpleFilter::equals("TriggeredSendStatus", "Active").into()))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].client_id, Some(mc_auth::testing::DEFAULT_MID));
    assert!(c.triggered_send_definition("nope").await.unwrap().is_none());
}

#[tokio::test]
async fn failures_name_what_went_wrong() {
    let (fake, c) = setup().await;
    fake.triggered_sends()
        .add_definition_with_status(mc_auth::testing::DEFAULT_MID, "gone", "Gone", "Canceled");
    let one = |key: &str| TriggeredSendRequest::new(key).subscriber(TriggeredSubscriber::new("ada@example.com"));

    let e = c.send_triggered(&one("missing")).await.unwrap_err();
    assert!(
        matches!(&e, Error::SoapObjects { results, .. } if results[0].error_code == Some(17010)),
        "{e:?}"
    );
    let e = c.send_triggered(&one("gone")).await.unwrap_err();
    assert!(
        matches!(&e, Error::SoapObjects { results, .. } if results[0].error_code == Some(17000)),
        "{e:?}"
    );
    let e = c.start_triggered_send("gone").await.unwrap_err();
    assert!(
        matches!(&e, Error::SoapObjects { results, .. } if results[0].error_code == Some(17000)),
        "{e:?}"
    );
    let e = c.start_triggered_send("missing").await.unwrap_err();
    assert!(
        matches!(&e, Error::SoapObjects { results, .. } if results[0].error_code == Some(17010)),
        "{e:?}"
    );
    assert!(fake.triggered_sends().sends().is_empty());

    // Refused before anything is sent.
    let before = fake.requests().soap_bodies().len();
    let cases = [
        TriggeredSendRequest::new("x"),
        TriggeredSendRequest::new(" ").subscriber(TriggeredSubscriber::new("ada@example.com")),
        TriggeredSendRequest::new("x").subscriber(TriggeredSubscriber::new("not-an-address")),
        TriggeredSendRequest::new("x").subscriber(TriggeredSubscriber::new("ada@example.com").attribute(" ", "v")),
        (0..=MAX_TRIGGERED_RECIPIENTS).fold(TriggeredSendRequest::new("x"), |r, i| {
            r.subscriber(TriggeredSubscriber::new(format!("s{i}@example.com")))
        }),
    ];
    for (i, request) in cases.iter().enumerate() {
        let e = c.send_triggered(request).await.unwrap_err();
        assert!(matches!(e, Error::Config { .. }), "case {i}: {e:?}");
        assert!(e.to_string().contains("nothing was sent"), "case {i}: {e}");
    }
    let e = c.pause_triggered_send("  ").await.unwrap_err();
    assert!(matches!(e, Error::Config { .. }));
    assert_eq!(fake.requests().soap_bodies().len(), before);
}

#[tokio::test]
async fn the_fake_refuses_a_send_without_email_send() {
    #[mc_client(scopes = "email_read")]
    struct ReadOnly;
    let (fake, _) = setup().await;
    fake.triggered_sends().add_definition("welcome", "Welcome");
    let creds = fake.register_package(Package::new("ro", "ro-secret-value").scopes(ReadOnly::SCOPES));
    let ro = ReadOnly::connect(creds).await.unwrap();
    let objects = TriggeredSendRequest::new("welcome")
        .subscriber(TriggeredSubscriber::new("ada@example.com"))
        .to_objects()
        .unwrap();
    let e = ro.client().soap().create(&objects).await.unwrap_err();
    assert!(
        e.to_string().contains("Insufficient Privileges") && e.to_string().contains("email_send"),
        "{e}"
    );
    assert!(fake.triggered_sends().sends().is_empty());
}

#[tokio::test]
async fn the_rest_message_definition_send_uses_the_documented_path() {
    use mc_auth::api::triggered_sends::MessageDefinitionSend;
    let (fake, c) = setup().await;
    fake.triggered_sends().add_definition("order/receipt", "Order receipt");
    let send = MessageDefinitionSend::to("ada@example.com")
        .subscriber_key("ada")
        .attribute("OrderNumber", "A-1001")
        .from("shop@example.com", "Shop");
    let answer = c.send_message_definition("order/receipt", &send).await.unwrap();
    assert_eq!(answer.responses.len(), 1);
    assert!(!answer.responses[0].has_errors);
    assert!(answer.responses[0].recipient_send_id.is_some());
    let sends = fake.triggered_sends().sends();
    assert_eq!(
        (sends[0].subscriber_key.as_str(), sends[0].definition_key.as_str()),
        ("ada", "order/receipt")
    );
    assert_eq!(sends[0].attributes, [("OrderNumber".into(), "A-1001".into())]);
    let request = fake
        .requests()
        .all()
        .into_iter()
        .rfind(|r| r.path.contains("messageDefinitionSends"))
        .unwrap();
    assert_eq!(
        request.path,
        "/messaging/v1/messageDefinitionSends/key:order%2Freceipt/send"
    );
    let body = request.json_body().unwrap();
    assert_eq!(
        body["To"]["ContactAttributes"]["SubscriberAttributes"]["OrderNumber"],
        "A-1001"
    );
    assert_eq!(body["From"]["Name"], "Shop");

    let e = c.send_message_definition("missing", &send).await.unwrap_err();
    assert!(matches!(e, Error::Api { status: 404, .. }), "{e:?}");
    let e = c
        .send_message_definition("order/receipt", &MessageDefinitionSend::to("nobody"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    let e = c.send_message_definition("..", &send).await.unwrap_err();
    assert!(matches!(e, Error::Config { .. }), "{e:?}");
    assert_eq!(fake.triggered_sends().sends().len(), 1);

    #[mc_client(scopes = "email_read")]
    struct ReadOnly;
    let creds = fake.register_package(Package::new("ro2", "ro2-secret-value").scopes(ReadOnly::SCOPES));
    let ro = ReadOnly::connect(creds).await.unwrap();
    let status = ro
        .client()
        .post("/messaging/v1/messageDefinitionSends/key:order%2Freceipt/send")
        .json(&send)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(status, Error::Api { status: 403, .. }), "{status:?}");
}
