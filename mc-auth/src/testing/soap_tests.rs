//! The fake's SOAP endpoint over real HTTP: raw envelopes for the protocol's edges, the crate's
//! SOAP client for round trips. Nothing here sleeps or reads the wall clock.

use super::operation_tests::Rig;
use super::soap::xml::{parse, Element};
use super::*;
use crate::soap::{RetrieveRequest, SimpleFilter, SimpleOperator, SoapObject};
use crate::{Client, Error};

const ALL_SOAP_SCOPES: &[&str] = &[
    "data_extensions_read",
    "data_extensions_write",
    "list_and_subscribers_read",
    "list_and_subscribers_write",
    "automations_read",
    "automations_execute",
];

struct SoapReply {
    status: u16,
    content_type: String,
    root: Element,
}

impl SoapReply {
    /// The first element of the body.
    fn message(&self) -> &Element {
        self.root
            .child("Body")
            .and_then(|b| b.children.first())
            .expect("a body element")
    }

    fn faultstring(&self) -> Option<&str> {
        let m = self.message();
        (m.name == "Fault").then(|| m.child_text("faultstring").unwrap_or(""))
    }
}

fn envelope(token: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Header><fueloauth xmlns="http://exacttarget.com">{token}</fueloauth></s:Header><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

fn retrieve_body(object_type: &str, properties: &[&str], extra: &str) -> String {
    let props: String = properties
        .iter()
        .map(|p| format!("<Properties>{p}</Properties>"))
        .collect();
    format!(
        r#"<RetrieveRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI"><RetrieveRequest><ObjectType>{object_type}</ObjectType>{props}{extra}</RetrieveRequest></RetrieveRequestMsg>"#
    )
}

async fn post(rig: &Rig, action: Option<&str>, body: String) -> SoapReply {
    let mut req = rig
        .http
        .post(format!("{}/Service.asmx", rig.fake.url()))
        .header("Content-Type", "text/xml; charset=utf-8")
        .body(body);
    if let Some(a) = action {
        req = req.header("SOAPAction", a);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let content_type = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let bytes = resp.bytes().await.unwrap();
    let root = parse(&bytes).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)));
    SoapReply {
        status,
        content_type,
        root,
    }
}

async fn client(fake: &FakeMarketingCloud, scopes: &[&str]) -> Client {
    Client::builder(fake.credentials("cid"))
        .scopes(scopes.iter().copied())
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn tokens_soap_action_and_scopes_are_checked() {
    let rig = Rig::new(ALL_SOAP_SCOPES).await;
    let body = retrieve_body("Subscriber", &["EmailAddress"], "");

    let ok = post(&rig, Some("Retrieve"), envelope(&rig.token, &body)).await;
    assert_eq!(ok.status, 200);
    assert!(ok.content_type.starts_with("text/xml"));
    assert_eq!(ok.message().name, "RetrieveResponseMsg");
    assert_eq!(ok.message().child_text("OverallStatus"), Some("OK"));
    let quoted = post(&rig, Some("\"Retrieve\""), envelope(&rig.token, &body)).await;
    assert_eq!(quoted.status, 200);

    let unknown = post(&rig, Some("Retrieve"), envelope("not-a-token", &body)).await;
    assert_eq!((unknown.status, unknown.faultstring()), (500, Some("Token Expired")));
    assert_eq!(unknown.message().child_text("faultcode"), Some("soap:Client"));
    rig.fake.tokens().expire_all();
    let expired = post(&rig, Some("Retrieve"), envelope(&rig.token, &body)).await;
    assert_eq!((expired.status, expired.faultstring()), (500, Some("Token Expired")));

    let token = Rig::token_for(&rig.fake, &rig.http, Some("list_and_subscribers_read")).await;
    let bare = format!(
        r#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>{body}</s:Body></s:Envelope>"#
    );
    let missing = post(&rig, Some("Retrieve"), bare).await;
    assert_eq!(missing.status, 500);
    assert!(missing.faultstring().unwrap().contains("fueloauth"));
    let mismatch = post(&rig, Some("Create"), envelope(&token, &body)).await;
    assert_eq!(mismatch.status, 500);
    assert!(mismatch.faultstring().unwrap().contains("SOAPAction"));
    let absent = post(&rig, None, envelope(&token, &body)).await;
    assert!(absent.faultstring().unwrap().contains("SOAPAction"));
    let describe = post(
        &rig,
        Some("Describe"),
        envelope(
            &token,
            r#"<DefinitionRequestMsg xmlns="http://exacttarget.com/wsdl/partnerAPI"/>"#,
        ),
    )
    .await;
    assert_eq!(describe.status, 500);

    // The token has list_and_subscribers_read only.
    assert_eq!(post(&rig, Some("Retrieve"), envelope(&token, &body)).await.status, 200);
    let de = post(
        &rig,
        Some("Retrieve"),
        envelope(&token, &retrieve_body("DataExtension", &["Name"], "")),
    )
    .await;
    assert_eq!(de.status, 500);
    let text = de.faultstring().unwrap();
    assert!(text.starts_with("Insufficient Privileges"), "{text}");
    assert!(text.contains("data_extensions_read"), "{text}");
    let create = r#"<CreateRequest xmlns="http://exacttarget.com/wsdl/partnerAPI"><Options/><Objects xsi:type="Subscriber"><EmailAddress>a@example.com</EmailAddress></Objects></CreateRequest>"#;
    let denied = post(&rig, Some("Create"), envelope(&token, create)).await;
    assert!(denied.faultstring().unwrap().starts_with("Insufficient Privileges"));
    assert!(rig.fake.soap().subscribers().is_empty());
}

#[tokio::test]
async fn garbage_gets_faults_not_panics() {
    let rig = Rig::new(ALL_SOAP_SCOPES).await;
    let token = rig.token.clone();
    let bodies = [
        String::new(),
        "not xml".to_owned(),
        "<a><b></a>".to_owned(),
        "<Envelope/>".to_owned(),
        envelope(&token, ""),
        envelope(&token, "<RetrieveRequestMsg/>"),
        envelope(&token, "<RetrieveRequestMsg><RetrieveRequest/></RetrieveRequestMsg>"),
        envelope(&token, "<PerformRequestMsg/>"),
        envelope(
            &token,
            &retrieve_body(
                "Subscriber",
                &["EmailAddress"],
                "<Filter><SimpleOperator>equals</SimpleOperator></Filter>",
            ),
        ),
        envelope(
            &token,
            "<CreateRequest><Objects><EmailAddress>x</EmailAddress></Objects></CreateRequest>",
        ),
        format!("{}{}", "<a>".repeat(200), "</a>".repeat(200)),
    ];
    for body in bodies {
        for action in ["Retrieve", "Create", "Perform"] {
            let resp = rig
                .http
                .post(format!("{}/Service.asmx", rig.fake.url()))
                .header("SOAPAction", action)
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert!(matches!(resp.status().as_u16(), 200 | 500), "{body}");
        }
    }
    let get = rig
        .http
        .get(format!("{}/Service.asmx", rig.fake.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn retrieve_pages_with_continue_request() {
    let fake = FakeMarketingCloud::builder().soap_page_size(2).start().await;
    let rig = Rig::with(fake, ALL_SOAP_SCOPES).await;
    for i in 0..5 {
        rig.fake
            .soap()
            .add_subscriber(&format!("s{i}"), &format!("s{i}@example.com"));
    }
    let first = post(
        &rig,
        Some("Retrieve"),
        envelope(
            &rig.token,
            &retrieve_body("Subscriber", &["SubscriberKey", "EmailAddress"], ""),
        ),
    )
    .await;
    let msg = first.message();
    assert_eq!(msg.child_text("OverallStatus"), Some("MoreDataAvailable"));
    assert_eq!(msg.children_named("Results").count(), 2);
    let id = msg.child_text("RequestID").unwrap().to_owned();
    let mut keys: Vec<String> = msg
        .children_named("Results")
        .map(|r| r.child_text("SubscriberKey").unwrap().to_owned())
        .collect();
    let mut statuses = Vec::new();
    loop {
        let extra = format!("<ContinueRequest>{id}</ContinueRequest>");
        let page = post(
            &rig,
            Some("Retrieve"),
            envelope(&rig.token, &retrieve_body("Subscriber", &["SubscriberKey"], &extra)),
        )
        .await;
        let m = page.message();
        keys.extend(
            m.children_named("Results")
                .map(|r| r.child_text("SubscriberKey").unwrap().to_owned()),
        );
        let status = m.child_text("OverallStatus").unwrap().to_owned();
        statuses.push(status.clone());
        if status != "MoreDataAvailable" {
            break;
        }
    }
    assert_eq!(statuses, ["MoreDataAvailable", "OK"]);
    assert_eq!(keys, ["s0", "s1", "s2", "s3", "s4"]);
    let used = post(
        &rig,
        Some("Retrieve"),
        envelope(
            &rig.token,
            &retrieve_body(
                "Subscriber",
                &["SubscriberKey"],
                &format!("<ContinueRequest>{id}</ContinueRequest>"),
            ),
        ),
    )
    .await;
    assert!(used.message().child_text("OverallStatus").unwrap().starts_with("Error"));

    // The crate's client follows the continuations.
    let client = client(&rig.fake, ALL_SOAP_SCOPES).await;
    let all = client
        .soap()
        .retrieve(&RetrieveRequest::new("Subscriber", ["SubscriberKey"]))
        .await
        .unwrap();
    assert_eq!(all.len(), 5);
}

#[tokio::test]
async fn subscribers_round_trip_through_the_client() {
    let rig = Rig::new(ALL_SOAP_SCOPES).await;
    let client = client(&rig.fake, ALL_SOAP_SCOPES).await;
    let soap = client.soap();
    let created = soap
        .create(&[
            SoapObject::new("Subscriber")
                .with("EmailAddress", "ada@example.com")
                .with("SubscriberKey", "ada")
                .with_nested("Attributes", [("Name", "First Name"), ("Value", "Ada")]),
            SoapObject::new("Subscriber").with("EmailAddress", "bob@example.com"),
        ])
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    assert!(created.iter().all(|r| r.is_ok() && r.new_id.is_some()));
    let stored = rig.fake.soap().subscribers();
    assert_eq!(stored[0].attribute("First Name"), Some("Ada"));
    assert_eq!(stored[1].get("SubscriberKey"), Some("bob@example.com"));

    let err = soap
        .create(&[
            SoapObject::new("Subscriber").with("SubscriberKey", "no-email"),
            SoapObject::new("Subscriber").with("EmailAddress", "cy@example.com"),
            SoapObject::new("Subscriber")
                .with("EmailAddress", "ada@example.com")
                .with("SubscriberKey", "ada"),
        ])
        .await
        .unwrap_err();
    let Error::SoapObjects {
        overall_status,
        results,
        ..
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!(overall_status, "Has Errors");
    assert_eq!(results[0].error_code, Some(12000));
    assert!(results[0].status_message.as_deref().unwrap().contains("EmailAddress"));
    assert!(results[1].is_ok());
    assert_eq!(results[2].error_code, Some(12014));

    soap.update(&[SoapObject::new("Subscriber")
        .with("SubscriberKey", "ada")
        .with("Status", "Unsubscribed")])
        .await
        .unwrap();
    let filter = |op, values: &[&str]| {
        RetrieveRequest::new("Subscriber", ["SubscriberKey", "Status"]).filter(SimpleFilter::new(
            "Status",
            op,
            values.iter().copied(),
        ))
    };
    let unsub = soap
        .retrieve(&filter(SimpleOperator::Equals, &["Unsubscribed"]))
        .await
        .unwrap();
    assert_eq!(unsub.len(), 1);
    assert_eq!(unsub[0].get("SubscriberKey"), Some("ada"));
    assert_eq!(
        soap.retrieve(&filter(SimpleOperator::NotEquals, &["Unsubscribed"]))
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        soap.retrieve(&filter(SimpleOperator::In, &["Held", "Active"]))
            .await
            .unwrap()
            .len(),
        2
    );
    let like = RetrieveRequest::new("Subscriber", ["SubscriberKey"]).filter(SimpleFilter::new(
        "EmailAddress",
        SimpleOperator::Like,
        ["b%"],
    ));
    assert_eq!(
        soap.retrieve(&like).await.unwrap()[0].get("SubscriberKey"),
        Some("bob@example.com")
    );

    soap.delete(&[SoapObject::new("Subscriber").with("SubscriberKey", "ada")])
        .await
        .unwrap();
    let gone = soap
        .delete(&[SoapObject::new("Subscriber").with("SubscriberKey", "ada")])
        .await
        .unwrap_err();
    assert!(matches!(gone, Error::SoapObjects { ref results, .. } if results[0].error_code == Some(12001)));
    assert_eq!(rig.fake.soap().subscribers().len(), 2);

    let bad_property = soap
        .retrieve(&RetrieveRequest::new("Subscriber", ["NoSuchProperty"]))
        .await
        .unwrap_err();
    let Error::SoapObjects { overall_status, .. } = bad_property else {
        panic!("{bad_property:?}");
    };
    assert!(overall_status.contains("NoSuchProperty"), "{overall_status}");
    let unknown = soap
        .retrieve(&RetrieveRequest::new("Nonsense", ["ID"]))
        .await
        .unwrap_err();
    let Error::SoapObjects { overall_status, .. } = unknown else {
        panic!("{unknown:?}");
    };
    assert_eq!(overall_status, "Error: Unable to find the object type Nonsense.");
}

#[tokio::test]
async fn data_extension_rows_are_shared_with_rest() {
    let rig = Rig::new(ALL_SOAP_SCOPES).await;
    rig.fake.data_extensions().add("cust-key", "Customers", ["Email"]);
    rig.fake.data_extensions().add_rows(
        "cust-key",
        [DataExtensionRow::new()
            .key("Email", "rest@example.com")
            .value("Name", "Rest")],
    );
    let client = client(&rig.fake, ALL_SOAP_SCOPES).await;
    let soap = client.soap();
    soap.create(&[SoapObject::data_extension_row(
        "cust-key",
        [("Email", "soap@example.com"), ("Name", "Soap")],
    )])
    .await
    .unwrap();
    let dup = soap
        .create(&[SoapObject::data_extension_row(
            "cust-key",
            [("Email", "soap@example.com")],
        )])
        .await
        .unwrap_err();
    assert!(matches!(dup, Error::SoapObjects { ref results, .. } if results[0].error_code == Some(12014)));

    // By name (as MC does) and by external key.
    for object_type in ["DataExtensionObject[Customers]", "DataExtensionObject[cust-key]"] {
        let rows = soap
            .retrieve(&RetrieveRequest::new(object_type, ["Email", "Name"]))
            .await
            .unwrap();
        let values: Vec<Vec<(String, String)>> = rows.iter().map(SoapObject::row_values).collect();
        assert_eq!(
            values,
            [
                vec![
                    ("Email".to_owned(), "rest@example.com".to_owned()),
                    ("Name".to_owned(), "Rest".to_owned())
                ],
                vec![
                    ("Email".to_owned(), "soap@example.com".to_owned()),
                    ("Name".to_owned(), "Soap".to_owned())
                ],
            ]
        );
    }
    soap.update(&[SoapObject::data_extension_row(
        "cust-key",
        [("Email", "rest@example.com"), ("Name", "Updated")],
    )])
    .await
    .unwrap();
    assert_eq!(
        rig.fake.data_extensions().rows("cust-key")[0].get("Name").as_deref(),
        Some("Updated")
    );
    let filtered = soap
        .retrieve(
            &RetrieveRequest::new("DataExtensionObject[Customers]", ["Name"])
                .filter(SimpleFilter::equals("Email", "soap@example.com")),
        )
        .await
        .unwrap();
    assert_eq!(filtered[0].row_values(), [("Name".to_owned(), "Soap".to_owned())]);

    let by_keys = SoapObject::new("DataExtensionObject")
        .with("CustomerKey", "cust-key")
        .with_nested("Keys", Vec::<(String, String)>::new());
    // An empty Keys list falls back to the primary key, which the object lacks.
    assert!(soap.delete(&[by_keys]).await.is_err());
    soap.delete(&[SoapObject::data_extension_row(
        "cust-key",
        [("Email", "soap@example.com")],
    )])
    .await
    .unwrap();
    assert_eq!(rig.fake.data_extensions().rows("cust-key").len(), 1);

    let des = soap
        .retrieve(
            &RetrieveRequest::new("DataExtension", ["CustomerKey", "Name"])
                .filter(SimpleFilter::equals("Name", "Customers")),
        )
        .await
        .unwrap();
    assert_eq!(des.len(), 1);
    assert_eq!(des[0].get("CustomerKey"), Some("cust-key"));
    let unknown_column = soap
        .retrieve(&RetrieveRequest::new("DataExtensionObject[Customers]", ["Nope"]))
        .await;
    assert!(unknown_column.is_err());
    assert!(soap
        .retrieve(&RetrieveRequest::new("DataExtensionObject[missing]", ["A"]))
        .await
        .is_err());
}

#[tokio::test]
async fn lists_automations_and_unsupported_objects() {
    let rig = Rig::new(ALL_SOAP_SCOPES).await;
    let client = client(&rig.fake, ALL_SOAP_SCOPES).await;
    let soap = client.soap();
    let made = soap
        .create(&[SoapObject::new("List")
            .with("ListName", "Newsletter")
            .with("CustomerKey", "news")])
        .await
        .unwrap();
    assert!(made[0].new_id.is_some());
    let no_name = soap.create(&[SoapObject::new("List")]).await.unwrap_err();
    assert!(matches!(no_name, Error::SoapObjects { ref results, .. } if results[0].error_code == Some(12000)));
    let lists = soap
        .retrieve(&RetrieveRequest::new("List", ["ListName", "CustomerKey", "ID"]))
        .await
        .unwrap();
    assert_eq!(lists[0].get("ListName"), Some("Newsletter"));
    assert_eq!(rig.fake.soap().lists().len(), 1);

    let object_id = rig.fake.automations().add("nightly", "Nightly import");
    let autos = soap
        .retrieve(&RetrieveRequest::new(
            "Automation",
            ["CustomerKey", "ObjectID", "Name", "Status"],
        ))
        .await
        .unwrap();
    assert_eq!(autos[0].get("ObjectID"), Some(object_id.as_str()));
    let started = soap
        .perform("start", &[SoapObject::new("Automation").with("CustomerKey", "nightly")])
        .await
        .unwrap();
    assert!(started[0].is_ok());
    let runs = rig.fake.automations().runs();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].customer_key.as_str(), runs[0].name.as_str()),
        ("nightly", "Nightly import")
    );
    let unknown = soap
        .perform("start", &[SoapObject::new("Automation").with("CustomerKey", "nope")])
        .await
        .unwrap_err();
    assert!(matches!(unknown, Error::SoapObjects { ref results, .. } if results[0].error_code == Some(12001)));
    let stop = soap
        .perform("stop", &[SoapObject::new("Automation").with("CustomerKey", "nightly")])
        .await
        .unwrap_err();
    assert!(matches!(stop, Error::SoapObjects { ref results, .. } if results[0].error_code == Some(12002)));
    // An object type outside the catalog: not scope-checked, and not modelled.
    let email = soap
        .create(&[SoapObject::new("ContentArea").with("Name", "x")])
        .await
        .unwrap_err();
    assert!(matches!(email, Error::SoapObjects { ref results, .. } if results[0].error_code == Some(12002)));
    assert_eq!(rig.fake.automations().runs().len(), 1);
}

#[tokio::test]
async fn injected_soap_faults() {
    let rig = Rig::new(ALL_SOAP_SCOPES).await;
    rig.fake
        .inject(Fault::soap_fault("Server is busy, throttled").path_prefix("/Service.asmx"));
    let body = envelope(&rig.token, &retrieve_body("Subscriber", &["EmailAddress"], ""));
    let faulted = post(&rig, Some("Retrieve"), body.clone()).await;
    assert_eq!(
        (faulted.status, faulted.faultstring()),
        (500, Some("Server is busy, throttled"))
    );
    assert_eq!(post(&rig, Some("Retrieve"), body).await.status, 200);

    // Token Expired once: the client gets a new token and retries once.
    let client = client(&rig.fake, ALL_SOAP_SCOPES).await;
    let before = rig.fake.requests().token_count();
    rig.fake
        .inject(Fault::soap_fault("Token Expired").path_prefix("/Service.asmx"));
    client
        .soap()
        .retrieve(&RetrieveRequest::new("Subscriber", ["EmailAddress"]))
        .await
        .unwrap();
    assert_eq!(rig.fake.requests().token_count(), before + 1);
    let calls = rig
        .fake
        .requests()
        .all()
        .into_iter()
        .filter(|r| r.path == "/Service.asmx")
        .count();
    assert_eq!(calls, 4);
}
