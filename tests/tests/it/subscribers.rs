//! Subscribers and lists over SOAP against the fake: upserts that never duplicate, list
//! membership and status per list, LogUnsubEvent seen by tracking, XML special characters,
//! wrong scopes refused, malformed requests answered with faults.

use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::api::subscribers::{LogUnsub, SubscriberQuery, SubscriberStatus, SubscriberUpsert};
use mc_auth::api::tracking::{EventQuery, UnsubEvent};
use mc_auth::soap::{self, ExecuteRequest, SaveOption, SimpleFilter, SoapObject};
use mc_auth::testing::{FakeMarketingCloud, Fault, Package, DEFAULT_MID};
use mc_auth::time::{Duration, OffsetDateTime};
use mc_auth::{mc_client, Error};

#[mc_client(scopes = "list_and_subscribers_read list_and_subscribers_write tracking_events_read")]
struct Audience;

#[mc_client(scopes = "list_and_subscribers_read")]
struct Reader;

async fn setup() -> (FakeMarketingCloud, Audience) {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("audience", "audience-secret-value").scopes(Audience::SCOPES));
    (fake, Audience::connect(creds).await.unwrap())
}

#[tokio::test]
async fn upserting_twice_leaves_one_subscriber_and_a_plain_create_is_refused() {
    let (fake, c) = setup().await;
    let first = c
        .upsert_subscriber(&SubscriberUpsert::new("ada", "ada@example.com").attribute("City", "London"))
        .await
        .unwrap();
    assert!(first.is_ok());
    let second = c
        .upsert_subscriber(&SubscriberUpsert::new("ada", "ada@new.example.com").attribute("City", "Paris"))
        .await
        .unwrap();
    assert!(second.is_ok());
    let stored = fake.soap().subscribers();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].get("EmailAddress"), Some("ada@new.example.com"));
    assert_eq!(stored[0].attribute("City"), Some("Paris"));
    let body = fake.requests().soap_bodies().pop().unwrap();
    assert!(
        body.contains("<Options><SaveOptions><SaveOption><PropertyName>*</PropertyName><SaveAction>UpdateAdd</SaveAction></SaveOption></SaveOptions></Options>"),
        "{body}"
    );

    // Without SaveOptions, MC refuses a key that exists (12014).
    let again = [SoapObject::new("Subscriber")
        .with("SubscriberKey", "ada")
        .with("EmailAddress", "ada@example.com")];
    match c.soap().create::<soap::Subscriber>(&again).await {
        Err(Error::SoapObjects { results, .. }) => assert_eq!(results[0].error_code, Some(12014)),
        other => panic!("{other:?}"),
    }
    // The same through the typed create_with: one object, updated.
    c.soap()
        .create_with::<soap::Subscriber>(&again, &[SaveOption::upsert()])
        .await
        .unwrap();
    assert_eq!(fake.soap().subscribers().len(), 1);

    let got = c.subscriber("ada").await.unwrap().unwrap();
    assert_eq!(
        (got.email_address.as_str(), &got.status, got.client_id),
        ("ada@example.com", &SubscriberStatus::Active, Some(DEFAULT_MID))
    );
    assert!(c.subscriber("nobody").await.unwrap().is_none());
}

#[tokio::test]
async fn unsubscribing_from_one_list_leaves_the_others() {
    let (fake, c) = setup().await;
    let news = fake.business_units().add_list(DEFAULT_MID, "news", "News");
    let offers = fake.business_units().add_list(DEFAULT_MID, "offers", "Offers");
    c.upsert_subscriber(&SubscriberUpsert::new("ada", "ada@example.com").list(news, SubscriberStatus::Active))
        .await
        .unwrap();
    c.subscribe_to_list("ada", offers).await.unwrap();
    c.unsubscribe_from_list("ada", news).await.unwrap();
    let mut m = c.list_memberships("ada").await.unwrap();
    m.sort_by_key(|m| m.list_id);
    let statuses: Vec<(u64, SubscriberStatus)> = m.iter().map(|m| (m.list_id, m.status.clone())).collect();
    assert_eq!(
        statuses,
        [
            (news, SubscriberStatus::Unsubscribed),
            (offers, SubscriberStatus::Active)
        ]
    );
    assert_eq!(
        c.subscriber("ada").await.unwrap().unwrap().status,
        SubscriberStatus::Active,
        "the subscriber itself stays active"
    );
    // A list that does not exist is the model's not-found.
    match c.subscribe_to_list("ada", 999_999).await {
        Err(Error::SoapObjects { results, .. }) => assert_eq!(results[0].error_code, Some(12001)),
        other => panic!("{other:?}"),
    }
    // Subscribing someone who does not exist needs an address: refused, not invented.
    assert!(c.subscribe_to_list("ghost", news).await.is_err());
}

#[tokio::test]
async fn log_unsub_event_unsubscribes_and_shows_in_tracking() {
    let (fake, c) = setup().await;
    let news = fake.business_units().add_list(DEFAULT_MID, "news", "News");
    c.upsert_subscriber(&SubscriberUpsert::new("ada", "ada@example.com").list(news, SubscriberStatus::Active))
        .await
        .unwrap();
    let r = c
        .log_unsub_event(
            &LogUnsub::subscriber_key("ada")
                .job_id(4242)
                .list_id(news)
                .batch_id(7)
                .reason("too many"),
        )
        .await
        .unwrap();
    assert!(r.is_ok(), "{r:?}");
    let body = fake.requests().soap_bodies().pop().unwrap();
    assert!(
        body.contains("<ExecuteRequestMsg xmlns=\"http://exacttarget.com/wsdl/partnerAPI\"><Requests><Name>LogUnsubEvent</Name><Parameters><Name>SubscriberKey</Name><Value>ada</Value></Parameters>"),
        "{body}"
    );
    assert_eq!(
        fake.business_units().memberships(DEFAULT_MID, "ada"),
        [(news, "Unsubscribed".to_owned())]
    );

    let now = OffsetDateTime::now_utc();
    let query = EventQuery::between(now - Duration::hours(1), now + Duration::hours(1));
    let events: Vec<UnsubEvent> = c
        .tracking_events::<UnsubEvent>(&query)
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        (events[0].subscriber_key.as_str(), events[0].send_id, events[0].batch_id),
        ("ada", 4242, Some(7))
    );
    assert_eq!(events[0].is_master_unsubscribed, Some(false));

    // Without a list: unsubscribed from everything.
    c.log_unsub_event(&LogUnsub::email_address("ada@example.com"))
        .await
        .unwrap();
    assert_eq!(
        c.subscriber("ada").await.unwrap().unwrap().status,
        SubscriberStatus::Unsubscribed
    );
    // An unknown subscriber, or a key and address of two different people, fail per request.
    c.upsert_subscriber(&SubscriberUpsert::new("grace", "grace@example.com"))
        .await
        .unwrap();
    for bad in [
        LogUnsub::subscriber_key("nobody"),
        LogUnsub::subscriber_key("grace").and_email_address("ada@example.com"),
    ] {
        match c.log_unsub_event(&bad).await {
            Err(Error::SoapObjects { results, .. }) => assert!(results[0].error_code.is_some(), "{results:?}"),
            other => panic!("{other:?}"),
        }
    }
    // Execute of a request the catalog does not list is not scope-checked, and not modelled.
    let other = [ExecuteRequest::new("SomethingElse")];
    match c.client().soap().execute(&other).await {
        Err(Error::SoapObjects { results, .. }) => assert_eq!(results[0].error_code, Some(12002)),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn xml_special_characters_round_trip() {
    let (fake, c) = setup().await;
    let key = r#"<a&b "c" 'd'>"#;
    let value = r#"</Value><Value>&amp; "x" 'y'"#;
    c.upsert_subscriber(&SubscriberUpsert::new(key, "odd@example.com").attribute("Note <&\"'>", value))
        .await
        .unwrap();
    let stored = fake.soap().subscribers();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].get("SubscriberKey"), Some(key));
    assert_eq!(stored[0].attribute("Note <&\"'>"), Some(value));
    let got = c.subscriber(key).await.unwrap().unwrap();
    assert_eq!(got.subscriber_key, key);
    let listed: Vec<_> = c
        .subscribers(SubscriberQuery::all().filter(SimpleFilter::equals("SubscriberKey", key)))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(listed.len(), 1);
    c.log_unsub_event(&LogUnsub::subscriber_key(key).reason(value))
        .await
        .unwrap();
    assert_eq!(
        c.subscriber(key).await.unwrap().unwrap().status,
        SubscriberStatus::Unsubscribed
    );
}

#[tokio::test]
async fn the_fake_refuses_wrong_scopes_with_the_catalogs_check() {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("reader", "reader-secret-value").scopes(Reader::SCOPES));
    let reader = Reader::connect(creds).await.unwrap();
    fake.soap().add_subscriber("ada", "ada@example.com");
    assert!(reader.subscriber("ada").await.unwrap().is_some());
    // The typed calls need write and do not compile here (tests/ui/ops); the unchecked way
    // reaches the fake, which refuses with the same table.
    let upsert = [SubscriberUpsert::new("ada", "a@example.com").to_object().unwrap()];
    match reader
        .client()
        .soap()
        .create_with(&upsert, &[SaveOption::upsert()])
        .await
    {
        Err(Error::SoapFault { faultstring, .. }) => {
            assert!(
                faultstring.contains("Insufficient Privileges") && faultstring.contains("list_and_subscribers_write"),
                "{faultstring}"
            )
        }
        other => panic!("{other:?}"),
    }
    let unsub = [LogUnsub::subscriber_key("ada").to_request().unwrap()];
    match reader.client().soap().execute(&unsub).await {
        Err(Error::SoapFault { faultstring, .. }) => {
            assert!(
                faultstring.contains("Execute on LogUnsubEvent") && faultstring.contains("list_and_subscribers_write"),
                "{faultstring}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        fake.soap().subscribers()[0].get("EmailAddress"),
        Some("ada@example.com")
    );
}

#[tokio::test]
async fn malformed_requests_get_faults_not_panics() {
    let (fake, c) = setup().await;
    let token = c.client().token().await.unwrap();
    let token = token.access_token().expose_secret().to_owned();
    let http = mc_auth::reqwest::Client::new();
    let envelope = |body: &str| {
        format!(
            r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header><fueloauth xmlns="http://exacttarget.com">{token}</fueloauth></s:Header><s:Body>{body}</s:Body></s:Envelope>"#
        )
    };
    let cases = [
        ("Execute", "<ExecuteRequestMsg xmlns=\"http://exacttarget.com/wsdl/partnerAPI\"></ExecuteRequestMsg>"),
        ("Execute", "<ExecuteRequestMsg><Requests><Parameters><Name>SubscriberKey</Name></Parameters></Requests></ExecuteRequestMsg>"),
        ("Create", "<CreateRequest><Options><SaveOptions><SaveOption><PropertyName>*</PropertyName><SaveAction>Sometimes</SaveAction></SaveOption></SaveOptions></Options><Objects xsi:type=\"Subscriber\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><SubscriberKey>a</SubscriberKey></Objects></CreateRequest>"),
        ("Retrieve", "<RetrieveRequestMsg><RetrieveRequest><ClientIDs><ID>parent</ID></ClientIDs><ObjectType>Subscriber</ObjectType><Properties>SubscriberKey</Properties></RetrieveRequest></RetrieveRequestMsg>"),
        ("Retrieve", "<RetrieveRequestMsg><RetrieveRequest><ObjectType>Subscriber</ObjectType><Properties>SubscriberKey</Properties><QueryAllAccounts>perhaps</QueryAllAccounts></RetrieveRequest></RetrieveRequestMsg>"),
        ("Execute", "<ExecuteRequestMsg><Requests><Name>LogUnsubEvent</Name><Parameters><Name>SubscriberKey</Name><Value>x</Value></Parameters></Requests>"),
    ];
    for (action, body) in cases {
        let response = http
            .post(format!("{}/Service.asmx", fake.url()))
            .header("Content-Type", "text/xml")
            .header("SOAPAction", action)
            .body(envelope(body))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(status, 500, "{body}: {text}");
        assert!(text.contains("<faultstring>"), "{text}");
    }
    // Well-formed but wrong: per-object errors, and the fake still answers afterwards.
    let lists = [SoapObject::new("Subscriber")
        .with("SubscriberKey", "ada")
        .with("EmailAddress", "ada@example.com")
        .with_nested("Lists", [("ID", "not-a-number")])];
    match c
        .soap()
        .create_with::<soap::Subscriber>(&lists, &[SaveOption::upsert()])
        .await
    {
        Err(Error::SoapObjects { results, .. }) => assert_eq!(results[0].error_code, Some(12000)),
        other => panic!("{other:?}"),
    }
    assert!(c.subscriber("ada").await.unwrap().is_none());
}

#[tokio::test]
async fn an_upsert_is_retried_and_a_log_unsub_event_is_not() {
    let (fake, c) = setup().await;
    assert!(c.subscriber("warm-up").await.unwrap().is_none());
    fake.inject(Fault::status(503).only_api_requests());
    c.upsert_subscriber(&SubscriberUpsert::new("ada", "ada@example.com"))
        .await
        .unwrap();
    assert_eq!(fake.soap().subscribers().len(), 1, "retried once, stored once");
    fake.inject(Fault::status(503).only_api_requests());
    assert!(c.log_unsub_event(&LogUnsub::subscriber_key("ada")).await.is_err());
    assert_eq!(
        c.subscriber("ada").await.unwrap().unwrap().status,
        SubscriberStatus::Active,
        "an Execute is never resent"
    );
}
