//! The fake Marketing Cloud enforces exactly the operation table the compile-time scope bounds
//! come from (`mc_auth::scope::OPERATIONS`, generated from `scopes.toml`):
//!
//! - (that every operation is served with the method, path and scopes of the table is the
//!   fake's own unit test, `testing::operation_tests::every_catalog_operation_is_served_with_its_method_path_and_scopes`);
//! - for every operation and each of its scopes, a token lacking just that scope is refused
//!   (REST: 403 with MC's errorcode 20002 "Insufficient Privileges"; SOAP: an HTTP 500 fault
//!   whose `faultstring` says "Insufficient Privileges"), and a token with exactly the
//!   operation's scopes is not;
//! - SOAP values with `<`, `&`, `]]>` and both quote kinds survive a Create and a Retrieve.

use std::collections::BTreeSet;

use mc_auth::reqwest;
use mc_auth::scope::{Api, OperationInfo, OPERATIONS};
use mc_auth::soap::{RetrieveRequest, SimpleFilter, SoapObject};
use mc_auth::testing::{example_path, FakeMarketingCloud, Package};
use mc_auth::{Client, Error};
use serde_json::{json, Value};

const CLIENT_ID: &str = "operations-client";
const SECRET: &str = "operations-secret";

/// Every scope some operation needs.
fn all_scopes() -> BTreeSet<&'static str> {
    OPERATIONS.iter().flat_map(|o| o.scopes.iter().copied()).collect()
}

async fn fake() -> FakeMarketingCloud {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new(CLIENT_ID, SECRET).scopes(all_scopes()));
    fake
}

async fn token(fake: &FakeMarketingCloud, http: &reqwest::Client, scopes: &[&str]) -> String {
    let body = json!({
        "grant_type": "client_credentials",
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "scope": scopes.join(" "),
    });
    let resp = http
        .post(format!("{}/v2/token", fake.url()))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    let granted: BTreeSet<&str> = v["scope"].as_str().unwrap().split_whitespace().collect();
    assert_eq!(
        granted,
        scopes.iter().copied().collect(),
        "the token carries exactly the asked scopes"
    );
    v["access_token"].as_str().unwrap().to_owned()
}

/// A minimal SOAP request for an operation: (SOAPAction, body element).
fn soap_body(op: &OperationInfo) -> String {
    const NS: &str = "http://exacttarget.com/wsdl/partnerAPI";
    let object_type = op.path;
    match op.method {
        "Retrieve" => {
            let t = if object_type == "DataExtensionObject" {
                "DataExtensionObject[dummy]".to_owned()
            } else {
                object_type.to_owned()
            };
            format!(
                r#"<RetrieveRequestMsg xmlns="{NS}"><RetrieveRequest><ObjectType>{t}</ObjectType><Properties>Name</Properties></RetrieveRequest></RetrieveRequestMsg>"#
            )
        }
        "Perform" => format!(
            r#"<PerformRequestMsg xmlns="{NS}"><Action>start</Action><Definitions><Definition xsi:type="{object_type}"><CustomerKey>dummy</CustomerKey></Definition></Definitions></PerformRequestMsg>"#
        ),
        "Schedule" => format!(
            r#"<ScheduleRequestMsg xmlns="{NS}"><Action>pause</Action><Schedule/><Interactions><Interaction xsi:type="{object_type}"><CustomerKey>dummy</CustomerKey></Interaction></Interactions></ScheduleRequestMsg>"#
        ),
        "Execute" => format!(
            r#"<ExecuteRequestMsg xmlns="{NS}"><Requests><Name>{object_type}</Name><Parameters><Name>SubscriberKey</Name><Value>dummy</Value></Parameters></Requests></ExecuteRequestMsg>"#
        ),
        action => format!(
            r#"<{action}Request xmlns="{NS}"><Options/><Objects xsi:type="{object_type}"><CustomerKey>dummy</CustomerKey></Objects></{action}Request>"#
        ),
    }
}

fn envelope(token: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><s:Header><fueloauth xmlns="http://exacttarget.com">{token}</fueloauth></s:Header><s:Body>{body}</s:Body></s:Envelope>"#
    )
}

/// How the fake answered one call: the status and whether it was a scope refusal.
#[derive(Debug)]
struct Answer {
    status: u16,
    refused_for_scope: bool,
    body: String,
}

async fn call(fake: &FakeMarketingCloud, http: &reqwest::Client, op: &OperationInfo, token: &str) -> Answer {
    let resp = match op.api {
        Api::Rest => {
            let method = reqwest::Method::from_bytes(op.method.as_bytes()).unwrap();
            let mut req = http
                .request(method, format!("{}{}", fake.url(), example_path(op.path)))
                .bearer_auth(token);
            if op.method != "GET" && op.method != "DELETE" {
                req = req.header("Content-Type", "application/json").body("{}");
            }
            req.send().await.unwrap()
        }
        _ => http
            .post(format!("{}/Service.asmx", fake.url()))
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", op.method)
            .body(envelope(token, &soap_body(op)))
            .send()
            .await
            .unwrap(),
    };
    let status = resp.status().as_u16();
    let body = resp.text().await.unwrap();
    let refused_for_scope = match op.api {
        Api::Rest => {
            let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let refused = status == 403;
            if refused {
                assert_eq!(v["errorcode"], 20002, "{}: {body}", op.name);
                assert_eq!(v["message"], "Insufficient Privileges", "{}: {body}", op.name);
            }
            refused
        }
        _ => status == 500 && body.contains("<faultstring>Insufficient Privileges"),
    };
    Answer {
        status,
        refused_for_scope,
        body,
    }
}

#[tokio::test]
async fn each_scope_of_each_operation_is_enforced() {
    let fake = fake().await;
    let http = reqwest::Client::new();
    let all = all_scopes();
    let mut checked = 0;
    for op in OPERATIONS {
        // Exactly the operation's scopes: allowed.
        let exact = token(&fake, &http, op.scopes).await;
        let answer = call(&fake, &http, op, &exact).await;
        assert!(
            !answer.refused_for_scope && answer.status != 401,
            "{} with its scopes {:?}: {answer:?}",
            op.name,
            op.scopes
        );
        for missing in op.scopes {
            // Every catalog scope but this one: refused.
            let others: Vec<&str> = all.iter().copied().filter(|s| s != missing).collect();
            let lacking = token(&fake, &http, &others).await;
            let answer = call(&fake, &http, op, &lacking).await;
            assert!(
                answer.refused_for_scope,
                "{} without {missing}: expected a scope refusal, got {} {}",
                op.name, answer.status, answer.body
            );
            if op.api == Api::Soap {
                assert!(
                    answer.body.contains(missing),
                    "the fault names {missing}: {}",
                    answer.body
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= OPERATIONS.len());
}

#[tokio::test]
async fn soap_values_with_markup_characters_survive_create_and_retrieve() {
    let fake = fake().await;
    let client = Client::builder(fake.credentials(CLIENT_ID))
        .scopes([
            "list_and_subscribers_read",
            "list_and_subscribers_write",
            "data_extensions_read",
            "data_extensions_write",
        ])
        .connect()
        .await
        .unwrap();
    let soap = client.soap();
    let nasty = |s: &str| format!("{s} <b>&amp; ]]> \"double\" 'single' &lt; <![CDATA[x]]>");

    // A subscriber: every field of the Create comes back.
    let fields = [
        ("EmailAddress", format!("{}@example.com", nasty("ada"))),
        ("SubscriberKey", nasty("key")),
        ("EmailTypePreference", nasty("pref")),
        ("Status", nasty("status")),
    ];
    let mut subscriber = SoapObject::new("Subscriber");
    for (name, value) in &fields {
        subscriber = subscriber.with(*name, value.clone());
    }
    let created = soap.create(&[subscriber]).await.unwrap();
    assert!(created[0].is_ok());
    let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
    let got = soap
        .retrieve(
            &RetrieveRequest::new("Subscriber", names.clone())
                .filter(SimpleFilter::equals("SubscriberKey", nasty("key"))),
        )
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    for (name, value) in &fields {
        assert_eq!(got[0].get(name), Some(value.as_str()), "{name}");
    }
    assert_eq!(
        fake.soap().subscribers()[0].get("SubscriberKey"),
        Some(nasty("key").as_str())
    );

    // A data extension row: the key, the column names and the values.
    let de_key = nasty("de");
    let columns = [(nasty("Col A"), nasty("value A")), (nasty("Col B"), nasty("value B"))];
    soap.create(&[SoapObject::data_extension_row(de_key.clone(), columns.clone())])
        .await
        .unwrap();
    let rows = soap
        .retrieve(
            &RetrieveRequest::new(
                format!("DataExtensionObject[{de_key}]"),
                columns.iter().map(|(c, _)| c.clone()),
            )
            .filter(SimpleFilter::equals(columns[1].0.clone(), columns[1].1.clone())),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].row_values(), columns.to_vec());
    let stored = fake.data_extensions().rows(&de_key);
    assert_eq!(stored[0].get(&columns[0].0), Some(columns[0].1.clone()));

    // On the wire, nothing went out unescaped.
    for r in fake.requests().all().iter().filter(|r| r.path == "/Service.asmx") {
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.contains("]]>"), "{body}");
        assert!(!body.contains("<b>"), "{body}");
    }

    // And a value the fake refuses is a typed per-object error, not a fault.
    let err = soap
        .create(&[SoapObject::new("Subscriber").with("SubscriberKey", nasty("no email"))])
        .await
        .unwrap_err();
    match err {
        Error::SoapObjects { results, .. } => {
            assert_eq!(results[0].status_code, "Error");
            assert!(results[0].error_code.is_some());
        }
        other => panic!("{other:?}"),
    }
}
