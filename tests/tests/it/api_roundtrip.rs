//! Every typed operation round-trips through the fake Marketing Cloud: what the client sends,
//! the fake stores, and what the fake answers, the client parses.

use std::time::Duration;

use futures_util::StreamExt;
use mc_auth::api::assets::{Asset, AssetQuery, AssetType};
use mc_auth::api::contacts::Contact;
use mc_auth::api::data_extensions::{Row, RowQuery};
use mc_auth::api::email::{EmailBatch, EmailDefinition, EmailMessage, Recipient};
use mc_auth::api::journeys::EntryEvent;
use mc_auth::api::prelude::*;
use mc_auth::api::sms::{SmsBatch, SmsDefinition, SmsMessage};
use mc_auth::testing::{FakeJourney, FakeMarketingCloud, Package};
use mc_auth::{mc_client, Error};
use serde_json::{json, Map, Value};

#[mc_client(scopes = "email_read email_write email_send sms_read sms_write sms_send \
    data_extensions_read data_extensions_write journeys_read list_and_subscribers_read \
    list_and_subscribers_write saved_content_write documents_and_images_read \
    documents_and_images_write automations_execute")]
struct Everything;

async fn setup() -> (FakeMarketingCloud, Everything) {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("all", "all-secret-value").scopes(Everything::SCOPES));
    let client = Everything::connect(creds).await.unwrap();
    (fake, client)
}

#[tokio::test]
async fn transactional_email() {
    let (fake, c) = setup().await;
    let def = c
        .create_email_definition(&EmailDefinition::new("welcome", "Welcome", "welcome-asset"))
        .await
        .unwrap();
    assert_eq!(def.definition_key, "welcome");
    assert_eq!(c.get_email_definition("welcome").await.unwrap().name, "Welcome");
    for i in 0..3 {
        c.create_email_definition(&EmailDefinition::new(format!("d{i}"), "n", "a"))
            .await
            .unwrap();
    }
    let listed: Vec<_> = c.list_email_definitions(2).collect::<Vec<_>>().await;
    assert_eq!(listed.len(), 4, "four definitions over two pages");
    assert!(listed.iter().all(Result::is_ok));
    let updated = c
        .update_email_definition("d0", &json!({ "status": "Inactive" }))
        .await
        .unwrap();
    assert_eq!(updated.status.as_deref(), Some("Inactive"));
    c.delete_email_definition("d1").await.unwrap();

    let msg = EmailMessage::new(
        "welcome",
        Recipient::to("ada@example.com")
            .contact_key("ada")
            .attribute("FirstName", "Ada"),
    );
    let sent = c.send_email("m-1", &msg).await.unwrap();
    assert_eq!(sent.responses.len(), 1);
    let batch = EmailBatch::new(
        "welcome",
        vec![
            Recipient::to("b@example.com").message_key("m-2"),
            Recipient::to("c@example.com").message_key("m-3"),
        ],
    );
    assert_eq!(c.send_email_batch(&batch).await.unwrap().responses.len(), 2);
    let sends = fake.email().sends();
    assert_eq!(sends.len(), 3);
    assert_eq!(sends[0].recipient["attributes"]["FirstName"], "Ada");
    let status = c.email_message_status("m-1").await.unwrap();
    assert!(status.event_category_type.is_some());
    let err = c.email_message_status("no-such-message").await.unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn transactional_sms() {
    let (fake, c) = setup().await;
    c.create_sms_definition(&SmsDefinition::new("otp", "OTP", "Your code is %%code%%"))
        .await
        .unwrap();
    let defs: Vec<_> = c.list_sms_definitions(10).collect::<Vec<_>>().await;
    assert_eq!(defs.len(), 1);
    c.send_sms(
        "s-1",
        &SmsMessage::new("otp", Recipient::to("+15555550100")).text("hello"),
    )
    .await
    .unwrap();
    c.send_sms_batch(&SmsBatch::new(
        "otp",
        vec![Recipient::to("+15555550101").message_key("s-2")],
    ))
    .await
    .unwrap();
    let sends = fake.sms().sends();
    assert_eq!(sends.len(), 2);
    assert_eq!(sends[0].text.as_deref(), Some("hello"));
}

#[tokio::test]
async fn data_extension_rows() {
    let (fake, c) = setup().await;
    let rows: Vec<Row> = (0..5)
        .map(|i| {
            Row::new()
                .key("Id", i)
                .value("Name", format!("n{i}"))
                .value("Tier", if i < 2 { "gold" } else { "silver" })
        })
        .collect();
    c.upsert_rows("customers", &rows).await.unwrap();
    assert_eq!(fake.data_extensions().rows("customers").len(), 5);

    let item = |i: i64| -> Map<String, Value> {
        match json!({ "Id": i, "Name": format!("n{i}"), "Tier": "gold" }) {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    };
    let inserted = c.insert_rows_async("customers", &[item(10), item(11)]).await.unwrap();
    let results = inserted
        .wait(Duration::from_millis(5), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(results.len(), 2);
    let upserted = c.upsert_rows_async("customers", &[item(10)]).await.unwrap();
    assert!(upserted.status().await.unwrap().request_id.is_some());
    upserted
        .wait(Duration::from_millis(5), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(fake.data_extensions().rows("customers").len(), 7);

    let all: Vec<Row> = c
        .query_rows("customers", RowQuery::all().page_size(3))
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(all.len(), 7, "read over three pages");
    let gold: Vec<Row> = c
        .query_rows("customers", RowQuery::all().filter("Tier eq 'gold'").page_size(2))
        .map(|r| r.unwrap())
        .collect()
        .await;
    assert_eq!(gold.len(), 4);
}

/// A value with quotes in it, built with the `$filter` builder, matches itself literally over
/// HTTP and cannot widen the filter; a bad column name is refused before anything is sent.
#[tokio::test]
async fn filter_builder_values_cannot_escape_their_quotes() {
    use mc_auth::api::filter::col;
    let (fake, c) = setup().await;
    fake.data_extensions().add("people", "People", ["Id"]);
    let row = |id: i64, name: &str| Row::new().key("Id", id).value("Name", name);
    c.upsert_rows(
        "people",
        &[row(1, "O'Brien"), row(2, "Ada"), row(3, "x' or Name ne 'y")],
    )
    .await
    .unwrap();
    let named = |name: &'static str| {
        let c = c.clone();
        async move {
            let query = RowQuery::all().matching(col("Name").eq(name)).unwrap();
            c.query_rows("people", query)
                .map(|r| r.unwrap())
                .collect::<Vec<Row>>()
                .await
        }
    };
    assert_eq!(named("O'Brien").await.len(), 1);
    assert_eq!(
        named("x' or Name ne 'y").await.len(),
        1,
        "the injection attempt is one literal value"
    );
    assert_eq!(named("Nobody' or Name ne '").await.len(), 0);

    fake.requests().clear();
    let err = RowQuery::all().matching(col("Name eq 'Ada' or Id").eq(1)).unwrap_err();
    assert!(err.to_string().contains("cannot be written in a $filter"), "{err}");
    assert_eq!(fake.requests().api_count(), 0);
}

#[tokio::test]
async fn async_requests_are_polled_until_finished() {
    let (fake, c) = setup().await;
    fake.data_extensions().set_async_pending_polls(3);
    let req = c.insert_rows_async("de", &[Map::new()]).await.unwrap();
    assert!(!req.status().await.unwrap().is_finished());
    req.wait(Duration::from_millis(5), Duration::from_secs(30))
        .await
        .unwrap();
}

#[tokio::test]
async fn journeys() {
    let (fake, c) = setup().await;
    let id = fake
        .journeys()
        .add(FakeJourney::new("welcome", "Welcome").event_definition_key("APIEvent-1"));
    for i in 0..4 {
        fake.journeys().add(FakeJourney::new(format!("j{i}"), format!("J{i}")));
    }
    let fired = c
        .fire_entry_event(&EntryEvent::new("ada", "APIEvent-1").data("Email", "ada@example.com"))
        .await
        .unwrap();
    let events = fake.journeys().events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_instance_id, fired.event_instance_id);
    assert_eq!(events[0].data["Email"], "ada@example.com");
    let listed: Vec<_> = c.list_journeys(2).map(|r| r.unwrap()).collect().await;
    assert_eq!(listed.len(), 5);
    assert_eq!(c.get_journey(&id).await.unwrap().name.as_deref(), Some("Welcome"));
    assert_eq!(
        c.get_journey("key:welcome").await.unwrap().key.as_deref(),
        Some("welcome")
    );
}

/// Page-level access over real HTTP: numbers, totals where MC reports one, resuming from a
/// saved page number, and MC's transactional `count` quirk (the page's count, not the total).
#[tokio::test]
async fn pages_totals_and_resuming() {
    let (fake, c) = setup().await;
    for i in 0..5 {
        fake.journeys().add(FakeJourney::new(format!("j{i}"), format!("J{i}")));
    }
    let mut journeys = c.list_journeys(2);
    assert_eq!((journeys.next_page(), journeys.total()), (1, None));
    journeys.next().await.unwrap().unwrap();
    assert_eq!((journeys.next_page(), journeys.total()), (2, Some(5)));
    let pages: Vec<_> = journeys.pages().map(|p| p.unwrap()).collect().await;
    let shape: Vec<(u32, usize, Option<u64>)> = pages.iter().map(|p| (p.number, p.items.len(), p.total)).collect();
    assert_eq!(shape, [(1, 1, Some(5)), (2, 2, Some(5)), (3, 1, Some(5))]);

    fake.requests().clear();
    let resumed: Vec<_> = c.list_journeys(2).starting_at(3).map(|r| r.unwrap()).collect().await;
    assert_eq!(resumed.len(), 1, "page 3 of 2-item pages holds the fifth journey");
    assert_eq!(fake.requests().api_count(), 1, "pages 1 and 2 are not fetched");

    // Transactional lists: MC's `count` is the page's count, so it must not end the listing.
    for i in 0..4 {
        c.create_email_definition(&EmailDefinition::new(format!("d{i}"), "n", "a"))
            .await
            .unwrap();
    }
    let mut defs = c.list_email_definitions(2).pages();
    let mut numbers = Vec::new();
    while let Some(page) = defs.next().await {
        let page = page.unwrap();
        assert_eq!(page.total, None, "no total is reported for transactional lists");
        numbers.push((page.number, page.items.len()));
    }
    assert_eq!(numbers, [(1, 2), (2, 2), (3, 0)]);
}

#[tokio::test]
async fn content_builder_assets() {
    let (fake, c) = setup().await;
    let created = c
        .create_asset(&Asset::new("Block", AssetType::new(196, "textblock")).content("<p>Hi & bye</p>"))
        .await
        .unwrap();
    let id = created.id.unwrap();
    assert_eq!(
        c.get_asset(id).await.unwrap().content.as_deref(),
        Some("<p>Hi & bye</p>")
    );
    let page = c
        .query_assets(&AssetQuery::new("name", "equal", "Block"))
        .await
        .unwrap();
    assert_eq!(page.count, 1);
    assert_eq!(c.list_assets(1, 50).await.unwrap().items.len(), 1);
    let updated = c.update_asset(id, &json!({ "content": "new" })).await.unwrap();
    assert_eq!(updated.content.as_deref(), Some("new"));
    c.delete_asset(id).await.unwrap();
    assert!(matches!(c.get_asset(id).await, Err(Error::Api { status: 404, .. })));
    assert!(fake.assets().list().is_empty());
}

#[tokio::test]
async fn contacts() {
    let (fake, c) = setup().await;
    let contact = Contact::new("ada").attributes("Email Addresses", [("Email Address", "ada@example.com")]);
    let created = c.create_contact(&contact).await.unwrap();
    assert_eq!(created.operation_status.as_deref(), Some("OK"));
    c.update_contact(&Contact::new("ada").attributes("Email Addresses", [("Email Address", "ada@new.example.com")]))
        .await
        .unwrap();
    assert_eq!(fake.contacts().list().len(), 1);
}

#[tokio::test]
async fn start_an_automation_over_soap() {
    let (fake, c) = setup().await;
    fake.automations().add("nightly", "Nightly import");
    let started = c.start_automation("nightly").await.unwrap();
    assert_eq!(started.customer_key, "nightly");
    let runs = fake.automations().runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(started.instance_id.as_deref(), Some(runs[0].instance_id.as_str()));
    let err = c.start_automation("no-such-automation").await.unwrap_err();
    assert!(matches!(err, Error::SoapObjects { .. }), "{err:?}");
}

/// The fake answers 403 for a token without the needed scope, and the error says what to do.
#[tokio::test]
async fn a_token_without_the_scope_gets_403_at_run_time() {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("narrow", "narrow-secret").scopes(["email_read"]));
    // An untyped client can send anything; MC (and the fake) refuse what the token cannot do.
    let client = mc_auth::Client::builder(creds)
        .scopes(["email_read"])
        .connect()
        .await
        .unwrap();
    let err = client
        .post("/messaging/v1/email/messages/m")
        .json(&json!({}))
        .send()
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            status: 403,
            errorcode: Some(20002),
            message,
            ..
        } => assert_eq!(message, "Insufficient Privileges"),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("scope"), "{err}");
}
