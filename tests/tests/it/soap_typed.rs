//! The typed SOAP API against the fake Marketing Cloud, over HTTP on loopback:
//!
//! - every object action of the catalog (`mc_auth::soap::OBJECTS`, the table typed clients are
//!   bounded on) is scope-checked by the fake with the same scopes: a token without them gets
//!   MC's `Insufficient Privileges` fault naming the action, the object and the scopes; a token
//!   with exactly them gets past the check, to the fake's model of the object or to its
//!   documented "not modelled" answer;
//! - typed calls round-trip: create, retrieve (awaited and streamed, across continuation
//!   pages), update, delete, perform, describe; schedule and configure reach the fake;
//! - objects of the wrong type are refused before anything is sent.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::soap::{self, ObjectInfo, RetrieveRequest, SimpleFilter, SoapAction, SoapObject, OBJECTS};
use mc_auth::testing::{FakeMarketingCloud, Package, RequestKind};
use mc_auth::{mc_client, Client, Error};

const CLIENT_ID: &str = "soap-typed";
const SECRET: &str = "soap-typed-secret";
/// A scope no SOAP action needs.
const UNRELATED: &str = "webhooks_read";

fn all_scopes() -> BTreeSet<&'static str> {
    let mut all: BTreeSet<&str> = OBJECTS
        .iter()
        .flat_map(|o| o.actions.iter().flat_map(|a| a.scopes.iter().copied()))
        .collect();
    all.insert(UNRELATED);
    all
}

async fn fake_with_page_size(page: usize) -> FakeMarketingCloud {
    let fake = FakeMarketingCloud::builder().soap_page_size(page).start().await;
    fake.register_package(Package::new(CLIENT_ID, SECRET).scopes(all_scopes()));
    fake
}

/// The SOAP requests the fake answered.
fn soap_requests(fake: &FakeMarketingCloud) -> Vec<String> {
    fake.requests()
        .all()
        .into_iter()
        .filter(|r| r.kind == RequestKind::Api && r.path.eq_ignore_ascii_case("/Service.asmx"))
        .map(|r| r.headers.get("soapaction").cloned().unwrap_or_default())
        .collect()
}

/// One object of type `name` with the properties the fake's model asks for.
fn sample(name: &str) -> SoapObject {
    match name {
        "Subscriber" => SoapObject::new(name)
            .with("SubscriberKey", "table-sub")
            .with("EmailAddress", "table@example.com"),
        "List" => SoapObject::new(name).with("ListName", "Table list"),
        "DataExtensionObject" => SoapObject::data_extension_row("table-de", [("Email", "table@example.com")]),
        _ => SoapObject::new(name).with("CustomerKey", "table-key"),
    }
}

/// Runs `action` on object type `name` through the unchecked runtime handle.
async fn run(client: &Client, action: SoapAction, name: &str) -> mc_auth::Result<()> {
    let soap = client.soap();
    let one = [sample(name)];
    match action {
        SoapAction::Retrieve => soap.retrieve(&RetrieveRequest::new(name, ["ObjectID"])).await.map(drop),
        SoapAction::Create => soap.create(&one).await.map(drop),
        SoapAction::Update => soap.update(&one).await.map(drop),
        SoapAction::Delete => soap.delete(&one).await.map(drop),
        SoapAction::Perform => soap.perform("start", &one).await.map(drop),
        SoapAction::Schedule => soap
            .schedule("start", &SoapObject::new("ScheduleDefinition"), &one)
            .await
            .map(drop),
        SoapAction::Configure => soap.configure("create", &one).await.map(drop),
        SoapAction::Describe => soap.describe(name).await.map(drop),
        SoapAction::Execute => soap
            .execute(&[mc_auth::soap::ExecuteRequest::new(name).parameter("SubscriberKey", "table-sub")])
            .await
            .map(drop),
    }
}

/// True when the answer came from past the scope check: success, a per-object result, a
/// Retrieve `OverallStatus` error, or the fake's "does not model" fault.
fn past_the_scope_check(result: &mc_auth::Result<()>) -> bool {
    match result {
        Ok(()) => true,
        Err(Error::SoapObjects { .. }) => true,
        Err(Error::SoapFault { faultstring, .. }) => faultstring.contains("does not model Describe"),
        Err(_) => false,
    }
}

#[tokio::test]
async fn the_fake_checks_every_catalogued_object_action_with_the_catalog_scopes() {
    let fake = fake_with_page_size(2500).await;
    let mut clients: BTreeMap<Vec<&'static str>, Client> = BTreeMap::new();
    let mut checked = 0;
    for object in OBJECTS {
        for action in object.actions {
            for scopes in [vec![UNRELATED], action.scopes.to_vec()] {
                if !clients.contains_key(&scopes) {
                    let client = Client::builder(fake.credentials(CLIENT_ID))
                        .scopes(scopes.clone())
                        .connect()
                        .await
                        .unwrap();
                    clients.insert(scopes.clone(), client);
                }
            }
            let denied = run(&clients[&vec![UNRELATED]], action.action, object.name).await;
            match &denied {
                Err(Error::SoapFault {
                    status: 500,
                    faultcode,
                    faultstring,
                    ..
                }) => {
                    assert_eq!(faultcode, "soap:Client");
                    assert_eq!(
                        faultstring,
                        &format!(
                            "Insufficient Privileges: {} on {} needs the scope(s) {}.",
                            action.action,
                            object.name,
                            action.scopes.join(" ")
                        )
                    );
                }
                other => panic!(
                    "{} {}: expected a privilege fault, got {other:?}",
                    action.action, object.name
                ),
            }
            let granted = run(&clients[&action.scopes.to_vec()], action.action, object.name).await;
            assert!(
                past_the_scope_check(&granted),
                "{} {} with exactly {:?}: {granted:?}",
                action.action,
                object.name,
                action.scopes
            );
            checked += 1;
        }
    }
    let expected: usize = OBJECTS.iter().map(|o| o.actions.len()).sum();
    assert_eq!(checked, expected);
    assert!(checked >= 24 * 2, "the catalog lists {checked} object actions");
}

#[tokio::test]
async fn an_action_the_catalog_does_not_offer_on_an_object_is_refused_by_the_fake() {
    let fake = fake_with_page_size(2500).await;
    let client = Client::builder(fake.credentials(CLIENT_ID))
        .scopes(all_scopes())
        .connect()
        .await
        .unwrap();
    let info = ObjectInfo::of("SentEvent").unwrap();
    assert_eq!(info.scopes(SoapAction::Create), None);
    match client.soap().create(&[SoapObject::new("SentEvent")]).await {
        Err(Error::SoapFault { faultstring, .. }) => assert_eq!(
            faultstring,
            "The SOAP API does not offer Create on SentEvent (the catalog lists: Retrieve, Describe)."
        ),
        other => panic!("{other:?}"),
    }
}

#[mc_client(scopes = "list_and_subscribers_read list_and_subscribers_write")]
struct Audience;

#[mc_client(
    scopes = "automations_read automations_write automations_execute list_and_subscribers_read list_and_subscribers_write"
)]
struct Operator;

#[mc_client(scopes = "data_extensions_read data_extensions_write")]
struct Loader;

#[tokio::test]
async fn subscribers_round_trip_through_typed_calls() {
    let fake = fake_with_page_size(3).await;
    let c = Audience::connect(fake.credentials(CLIENT_ID)).await.unwrap();
    let rows: Vec<SoapObject> = (0..7)
        .map(|i| {
            SoapObject::new("Subscriber")
                .with("SubscriberKey", format!("sub-{i}"))
                .with("EmailAddress", format!("sub-{i}@example.com"))
        })
        .collect();
    let created = c.soap().create::<soap::Subscriber>(&rows).await.unwrap();
    assert_eq!(created.len(), 7);
    assert!(created.iter().all(|r| r.is_ok()));
    assert_eq!(fake.soap().subscribers().len(), 7);

    // Awaited: every page (3 + 3 + 1) in one Vec.
    fake.requests().clear();
    let request = RetrieveRequest::of::<soap::Subscriber>(["SubscriberKey", "EmailAddress"]);
    let all = c.soap().retrieve::<soap::Subscriber>(request.clone()).await.unwrap();
    let keys: Vec<&str> = all.iter().filter_map(|s| s.get("SubscriberKey")).collect();
    assert_eq!(keys, ["sub-0", "sub-1", "sub-2", "sub-3", "sub-4", "sub-5", "sub-6"]);
    assert_eq!(soap_requests(&fake), ["Retrieve", "Retrieve", "Retrieve"]);

    // Streamed: lazy, one page per request, only as far as read.
    fake.requests().clear();
    let mut stream = c.soap().retrieve::<soap::Subscriber>(request.clone()).stream();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.get("SubscriberKey"), Some("sub-0"));
    assert_eq!(soap_requests(&fake).len(), 1, "the first page only");
    let mut rest = Vec::new();
    while let Some(s) = stream.next().await {
        rest.push(s.unwrap().get("SubscriberKey").unwrap().to_owned());
    }
    assert_eq!(rest.len(), 6);
    assert_eq!(soap_requests(&fake).len(), 3);

    // Update, then delete.
    let update = [SoapObject::new("Subscriber")
        .with("SubscriberKey", "sub-3")
        .with("EmailAddress", "new-3@example.com")];
    c.soap().update::<soap::Subscriber>(&update).await.unwrap();
    let filtered = RetrieveRequest::of::<soap::Subscriber>(["EmailAddress"])
        .filter(SimpleFilter::equals("SubscriberKey", "sub-3"));
    let got = c.soap().retrieve::<soap::Subscriber>(filtered).await.unwrap();
    assert_eq!(got[0].get("EmailAddress"), Some("new-3@example.com"));
    let gone = [SoapObject::new("Subscriber").with("SubscriberKey", "sub-3")];
    c.soap().delete::<soap::Subscriber>(&gone).await.unwrap();
    assert_eq!(fake.soap().subscribers().len(), 6);

    // Describe.
    let def = c.soap().describe::<soap::Subscriber>().await.unwrap();
    assert_eq!(def.object_type, "Subscriber");
    assert!(def.property("EmailAddress").unwrap().is_required);
    assert!(!def.property("ID").unwrap().is_updatable);

    // Lists.
    let list = [SoapObject::new("List")
        .with("ListName", "Newsletter")
        .with("CustomerKey", "news")];
    c.soap().create::<soap::List>(&list).await.unwrap();
    let lists = c
        .soap()
        .retrieve::<soap::List>(RetrieveRequest::of::<soap::List>(["ListName"]))
        .await
        .unwrap();
    assert_eq!(lists[0].get("ListName"), Some("Newsletter"));
}

#[tokio::test]
async fn objects_of_another_type_are_refused_before_sending() {
    let fake = fake_with_page_size(2500).await;
    let c = Audience::connect(fake.credentials(CLIENT_ID)).await.unwrap();
    fake.requests().clear();
    let mixed = [
        SoapObject::new("Subscriber")
            .with("SubscriberKey", "a")
            .with("EmailAddress", "a@example.com"),
        SoapObject::new("List").with("ListName", "oops"),
    ];
    match c.soap().create::<soap::Subscriber>(&mixed).await {
        Err(Error::Config { reason, .. }) => {
            assert!(reason.contains("object 1 (counting from 0) is a `List`"), "{reason}");
            assert!(
                reason.contains("`create::<Subscriber>` takes `Subscriber` objects only"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    let wrong = RetrieveRequest::new("List", ["ListName"]);
    match c.soap().retrieve::<soap::Subscriber>(wrong.clone()).await {
        Err(Error::Config { reason, .. }) => assert!(reason.contains("the RetrieveRequest is a `List`"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let mut stream = c.soap().retrieve::<soap::Subscriber>(wrong).stream();
    assert!(matches!(stream.next().await, Some(Err(Error::Config { .. }))));
    assert!(stream.next().await.is_none());
    assert!(soap_requests(&fake).is_empty(), "nothing was sent");
    assert!(fake.soap().subscribers().is_empty());
}

#[tokio::test]
async fn automations_perform_and_schedule_reach_the_fake() {
    let fake = fake_with_page_size(2500).await;
    let c = Operator::connect(fake.credentials(CLIENT_ID)).await.unwrap();
    fake.automations().add("nightly", "Nightly import");
    let start = [SoapObject::new("Automation").with("CustomerKey", "nightly")];
    let done = c.soap().perform::<soap::Automation>("start", &start).await.unwrap();
    assert!(done[0].is_ok());
    let runs = fake.automations().runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].customer_key, "nightly");

    // The typed start_automation goes through the same call.
    c.start_automation("nightly").await.unwrap();
    assert_eq!(fake.automations().runs().len(), 2);

    // An empty action is refused before sending.
    assert!(matches!(
        c.soap().perform::<soap::Automation>(" ", &start).await,
        Err(Error::Config { .. })
    ));
    assert_eq!(fake.automations().runs().len(), 2);

    // Schedule passes the scope check; the fake documents that it does not model it.
    let schedule = SoapObject::new("ScheduleDefinition")
        .with("RecurrenceType", "Daily")
        .with("StartDateTime", "2030-01-01T00:00:00");
    match c.soap().schedule::<soap::Automation>("start", &schedule, &start).await {
        Err(Error::SoapObjects { results, .. }) => {
            assert_eq!(results[0].error_code, Some(12002));
            assert_eq!(
                results[0].status_message.as_deref(),
                Some("The fake Marketing Cloud does not model Schedule `start` on Automation (only `pause`).")
            );
        }
        other => panic!("{other:?}"),
    }

    // Configure on PropertyDefinition likewise.
    let attribute = [SoapObject::new("PropertyDefinition").with("Name", "Favourite colour")];
    match c
        .soap()
        .configure::<soap::PropertyDefinition>("create", &attribute)
        .await
    {
        Err(Error::SoapObjects { results, .. }) => assert_eq!(results[0].error_code, Some(12002)),
        other => panic!("{other:?}"),
    }

    // Describe of an object the fake does not model is a fault that says so.
    match c.soap().describe::<soap::QueryDefinition>().await {
        Err(Error::SoapFault { faultstring, .. }) => assert_eq!(
            faultstring,
            "The fake Marketing Cloud does not model Describe on QueryDefinition."
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn data_extension_rows_round_trip_through_typed_calls() {
    let fake = fake_with_page_size(2500).await;
    fake.data_extensions().add("customers", "Customers", ["Email"]);
    let c = Loader::connect(fake.credentials(CLIENT_ID)).await.unwrap();
    let rows = [
        SoapObject::data_extension_row("customers", [("Email", "ada@example.com"), ("Name", "Ada")]),
        SoapObject::data_extension_row("customers", [("Email", "grace@example.com"), ("Name", "Grace")]),
    ];
    c.soap().create::<soap::DataExtensionObject>(&rows).await.unwrap();
    let got = c
        .soap()
        .retrieve::<soap::DataExtensionObject>(RetrieveRequest::rows("Customers", ["Email", "Name"]))
        .await
        .unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!(fake.data_extensions().rows("customers").len(), 2);
    let des = c
        .soap()
        .retrieve::<soap::DataExtension>(RetrieveRequest::of::<soap::DataExtension>(["CustomerKey"]))
        .await
        .unwrap();
    assert_eq!(des[0].get("CustomerKey"), Some("customers"));
}
