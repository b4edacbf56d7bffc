//! The fake's REST operations over real HTTP, with reqwest. Nothing here sleeps or reads the
//! wall clock.

use serde_json::{json, Value};

use super::*;
use crate::scope::{Api, OPERATIONS};

/// A fake with one package holding `scopes`, and a token for it.
pub(super) struct Rig {
    pub fake: FakeMarketingCloud,
    pub http: reqwest::Client,
    pub token: String,
}

pub(super) struct Reply {
    pub status: u16,
    pub json: Value,
    pub text: String,
}

impl Rig {
    pub async fn new(scopes: &[&str]) -> Rig {
        Self::with(FakeMarketingCloud::start().await, scopes).await
    }

    pub async fn with(fake: FakeMarketingCloud, scopes: &[&str]) -> Rig {
        fake.register_package(Package::new("cid", "secret").scopes(scopes));
        let http = reqwest::Client::new();
        let token = Self::token_for(&fake, &http, None).await;
        Rig { fake, http, token }
    }

    /// A token for the package, with `scope` when given.
    pub async fn token_for(fake: &FakeMarketingCloud, http: &reqwest::Client, scope: Option<&str>) -> String {
        let mut body = json!({ "grant_type": "client_credentials", "client_id": "cid", "client_secret": "secret" });
        if let Some(s) = scope {
            body["scope"] = json!(s);
        }
        let r = http
            .post(format!("{}/v2/token", fake.url()))
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self
            .http
            .request(method, format!("{}{}", self.fake.url(), path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b.to_string());
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply { status, json, text }
    }
}

fn assert_mc_error(r: &Reply, status: u16) {
    assert_eq!(r.status, status, "{}", r.text);
    assert!(r.json["errorcode"].is_i64(), "{}", r.text);
    assert!(r.json["message"].is_string(), "{}", r.text);
    assert!(r.json["documentation"].is_string(), "{}", r.text);
}

/// The one test that the fake serves the catalog (`scopes.toml`) exactly: every operation
/// once, with its method, path and scopes, a REST route for each REST operation that a
/// concrete request lands on, nothing the catalog lacks, and `/v2/userinfo` as the only
/// route outside it.
#[test]
fn every_catalog_operation_is_served_with_its_method_path_and_scopes() {
    let served = operations();
    for op in OPERATIONS {
        let matching: Vec<_> = served.iter().filter(|s| s.name == op.name).collect();
        assert_eq!(matching.len(), 1, "{} is served exactly once", op.name);
        let s = matching[0];
        assert_eq!(
            (s.api, s.method, s.path, s.scopes),
            (op.api, op.method, op.path, op.scopes),
            "{}",
            op.name
        );
        if op.api == Api::Rest {
            let route = routes()
                .iter()
                .find(|r| r.operation_name() == Some(op.name))
                .unwrap_or_else(|| panic!("no REST route for {}", op.name));
            assert_eq!(
                (route.method(), route.path(), route.scopes()),
                (op.method, op.path, op.scopes)
            );
            // A concrete request lands on that route.
            assert_eq!(
                required_scopes(op.method, &example_path(op.path)),
                Some(op.scopes),
                "{} {}",
                op.method,
                op.path
            );
        }
    }
    assert_eq!(
        served.len(),
        OPERATIONS.len(),
        "the fake serves no operation the catalog lacks"
    );
    let unscoped: Vec<&Route> = routes().iter().filter(|r| r.operation_name().is_none()).collect();
    assert_eq!(unscoped.len(), 1);
    assert_eq!(unscoped[0].path(), "/v2/userinfo");
}

#[tokio::test]
async fn email_definitions_update_delete_and_batch_sends() {
    let rig = Rig::new(&["email_read", "email_write", "email_send"]).await;
    let def = json!({ "definitionKey": "welcome", "name": "Welcome", "content": { "customerKey": "w1" } });
    assert_eq!(
        rig.call("POST", "/messaging/v1/email/definitions", Some(def))
            .await
            .status,
        201
    );

    let got = rig.call("GET", "/messaging/v1/email/definitions/welcome", None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json["name"], "Welcome");
    assert_eq!(got.json["status"], "Active");

    let patched = rig
        .call(
            "PATCH",
            "/messaging/v1/email/definitions/welcome",
            Some(json!({ "name": "Hello", "description": "d" })),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json["name"], "Hello");
    assert_eq!(patched.json["content"]["customerKey"], "w1");
    let rekey = rig
        .call(
            "PATCH",
            "/messaging/v1/email/definitions/welcome",
            Some(json!({ "definitionKey": "x" })),
        )
        .await;
    assert_mc_error(&rekey, 400);

    let batch = json!({
        "definitionKey": "welcome",
        "recipients": [
            { "to": "a@example.com", "messageKey": "m-a" },
            { "contactKey": "b" },
        ],
    });
    let sent = rig.call("POST", "/messaging/v1/email/messages", Some(batch)).await;
    assert_eq!(sent.status, 202, "{}", sent.text);
    let responses = sent.json["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 2);
    assert_eq!(responses[0]["messageKey"], "m-a");
    let generated = responses[1]["messageKey"].as_str().unwrap();
    assert_eq!(generated.len(), 36);
    let sends = rig.fake.email().sends();
    assert_eq!(sends.len(), 2);
    assert_eq!(sends[1].message_key, generated);
    assert_eq!(sends[1].recipient["contactKey"], "b");
    let status = rig
        .call("GET", &format!("/messaging/v1/email/messages/{generated}"), None)
        .await;
    assert_eq!(status.status, 200);

    let bad = rig
        .call(
            "POST",
            "/messaging/v1/email/messages",
            Some(json!({ "definitionKey": "welcome", "recipients": [{ "attributes": {} }] })),
        )
        .await;
    assert_mc_error(&bad, 400);

    let deleted = rig
        .call("DELETE", "/messaging/v1/email/definitions/welcome", None)
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.json["deletedDefinitionKey"], "welcome");
    assert_mc_error(
        &rig.call("GET", "/messaging/v1/email/definitions/welcome", None).await,
        404,
    );
    assert_mc_error(
        &rig.call("DELETE", "/messaging/v1/email/definitions/welcome", None)
            .await,
        404,
    );
    let after = rig
        .call(
            "POST",
            "/messaging/v1/email/messages/m-z",
            Some(json!({ "definitionKey": "welcome", "recipient": { "to": "z@example.com" } })),
        )
        .await;
    assert_mc_error(&after, 400);
    assert!(rig.fake.email().definitions().is_empty());
}

#[tokio::test]
async fn sms_definitions_and_sends() {
    let rig = Rig::new(&["sms_read", "sms_write", "sms_send"]).await;
    for i in 0..3 {
        let def =
            json!({ "definitionKey": format!("sms-{i}"), "name": format!("SMS {i}"), "content": { "message": "Hi" } });
        let r = rig.call("POST", "/messaging/v1/sms/definitions", Some(def)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        assert_eq!(r.json["definitionKey"], format!("sms-{i}"));
    }
    let dup = rig
        .call(
            "POST",
            "/messaging/v1/sms/definitions",
            Some(json!({ "definitionKey": "sms-0", "name": "again" })),
        )
        .await;
    assert_mc_error(&dup, 400);
    let page = rig
        .call("GET", "/messaging/v1/sms/definitions?$page=2&$pageSize=2", None)
        .await;
    // MC's quirk: `count` is the page's count (1 of 3), not the total.
    assert_eq!(page.json["count"], 1);
    assert_eq!(page.json["definitions"].as_array().unwrap().len(), 1);
    assert_eq!(page.json["definitions"][0]["definitionKey"], "sms-2");

    let one = json!({ "definitionKey": "sms-1", "recipient": { "to": "15555550100", "contactKey": "c1" }, "content": { "message": "Code 1234" } });
    let r = rig.call("POST", "/messaging/v1/sms/messages/k1", Some(one)).await;
    assert_eq!(r.status, 202, "{}", r.text);
    assert_eq!(r.json["responses"][0]["messageKey"], "k1");
    let batch = json!({ "definitionKey": "sms-1", "recipients": [{ "to": "15555550101", "messageKey": "k2" }, { "to": "15555550102", "messageKey": "k3" }] });
    assert_eq!(
        rig.call("POST", "/messaging/v1/sms/messages", Some(batch)).await.status,
        202
    );
    let unknown = json!({ "definitionKey": "nope", "recipient": { "to": "1" } });
    assert_mc_error(
        &rig.call("POST", "/messaging/v1/sms/messages/k4", Some(unknown)).await,
        400,
    );

    let sends = rig.fake.sms().sends();
    let keys: Vec<&str> = sends.iter().map(|s| s.message_key.as_str()).collect();
    assert_eq!(keys, ["k1", "k2", "k3"]);
    assert_eq!(sends[0].text.as_deref(), Some("Code 1234"));
    assert_eq!(sends[0].recipient["contactKey"], "c1");
    assert_eq!(sends[0].client_id, "cid");

    rig.fake
        .sms()
        .add_definition(json!({ "definitionKey": "seeded", "name": "Seeded" }));
    assert_eq!(rig.fake.sms().definitions().len(), 4);
}

#[tokio::test]
async fn async_inserts_and_upserts_report_status_and_per_item_results() {
    let rig = Rig::new(&["data_extensions_read", "data_extensions_write"]).await;
    rig.fake.data_extensions().add("customers", "Customers", ["Email"]);
    let insert = json!({ "items": [
        { "Email": "a@example.com", "Name": "Ada" },
        { "Email": "b@example.com", "Name": "Bob" },
        { "email": "A@EXAMPLE.COM", "Name": "Dup" },
        { "Name": "No key" },
    ] });
    let path = "/data/v1/async/dataextensions/key:customers/rows";
    let accepted = rig.call("POST", path, Some(insert)).await;
    assert_eq!(accepted.status, 202, "{}", accepted.text);
    assert_eq!(accepted.json["resultMessages"], json!([]));
    let id = accepted.json["requestId"].as_str().unwrap().to_owned();

    let status = rig.call("GET", &format!("/data/v1/async/{id}/status"), None).await;
    assert_eq!(status.status, 200);
    assert_eq!(status.json["requestId"], id.as_str());
    assert_eq!(status.json["status"]["requestStatus"], "Complete");
    assert_eq!(status.json["status"]["hasErrors"], true);
    assert!(status.json["status"]["callDateTime"].is_string());
    assert!(status.json["status"]["completionDateTime"].is_string());

    let results = rig.call("GET", &format!("/data/v1/async/{id}/results"), None).await;
    let items = results.json["items"].as_array().unwrap();
    let statuses: Vec<&str> = items.iter().map(|i| i["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["OK", "OK", "Error", "Error"]);
    assert!(items[2]["errorCode"].is_i64());
    assert!(items[2]["message"].as_str().unwrap().contains("PRIMARY KEY"));
    assert_eq!(rig.fake.data_extensions().rows("customers").len(), 2);

    let upsert = json!({ "items": [{ "Email": "a@example.com", "Name": "Ada L." }, { "Email": "c@example.com" }] });
    let id2 = rig.call("PUT", path, Some(upsert)).await.json["requestId"]
        .as_str()
        .unwrap()
        .to_owned();
    let status = rig.call("GET", &format!("/data/v1/async/{id2}/status"), None).await;
    assert_eq!(status.json["status"]["hasErrors"], false);
    let rows = rig.fake.data_extensions().rows("customers");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].get("Name").as_deref(), Some("Ada L."));
    assert_eq!(rows[0].keys["Email"], "a@example.com");

    // A data extension without a primary key: inserts append, upserts fail per item.
    let nokey = "/data/v1/async/dataextensions/key:log/rows";
    let r = rig
        .call("PUT", nokey, Some(json!({ "items": [{ "Line": "x" }] })))
        .await;
    let id3 = r.json["requestId"].as_str().unwrap().to_owned();
    let results = rig.call("GET", &format!("/data/v1/async/{id3}/results"), None).await;
    assert_eq!(results.json["items"][0]["status"], "Error");
    rig.call(
        "POST",
        nokey,
        Some(json!({ "items": [{ "Line": "x" }, { "Line": "x" }] })),
    )
    .await;
    assert_eq!(rig.fake.data_extensions().rows("log").len(), 2);

    for bad in [json!({}), json!({ "items": [] }), json!({ "items": [1] }), json!([1])] {
        assert_mc_error(&rig.call("POST", path, Some(bad)).await, 400);
    }
    assert_mc_error(&rig.call("GET", "/data/v1/async/nope/status", None).await, 404);
    assert_mc_error(&rig.call("GET", "/data/v1/async/nope/results", None).await, 404);
}

#[tokio::test]
async fn async_status_can_be_pending_for_some_polls() {
    let rig = Rig::new(&["data_extensions_read", "data_extensions_write"]).await;
    rig.fake.data_extensions().set_async_pending_polls(2);
    let r = rig
        .call(
            "POST",
            "/data/v1/async/dataextensions/key:de/rows",
            Some(json!({ "items": [{ "A": 1 }] })),
        )
        .await;
    let id = r.json["requestId"].as_str().unwrap().to_owned();
    let status = format!("/data/v1/async/{id}/status");
    let results = format!("/data/v1/async/{id}/results");
    assert_eq!(rig.call("GET", &results, None).await.json["items"], json!([]));
    for expected in ["Pending", "Pending", "Complete", "Complete"] {
        assert_eq!(
            rig.call("GET", &status, None).await.json["status"]["requestStatus"],
            expected
        );
    }
    assert_eq!(rig.call("GET", &results, None).await.json["items"][0]["status"], "OK");
}

#[tokio::test]
async fn row_queries_page_and_filter() {
    let rig = Rig::new(&["data_extensions_read"]).await;
    rig.fake.data_extensions().add_rows(
        "people",
        (1..=5).map(|i| {
            DataExtensionRow::new()
                .key("Id", i)
                .value("City", if i % 2 == 0 { "Paris" } else { "London" })
                .value("Name", format!("P{i}"))
        }),
    );
    let base = "/data/v1/customobjectdata/key/people/rowset";
    let all = rig.call("GET", base, None).await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["count"], 5);
    assert_eq!(all.json["pageSize"], 2500);
    assert_eq!(all.json["items"].as_array().unwrap().len(), 5);
    assert_eq!(
        all.json["items"][0],
        json!({ "keys": { "Id": 1 }, "values": { "City": "London", "Name": "P1" } })
    );

    let page = rig.call("GET", &format!("{base}?$page=3&$pageSize=2"), None).await;
    assert_eq!(
        (page.json["page"].clone(), page.json["count"].clone()),
        (json!(3), json!(5))
    );
    assert_eq!(page.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(page.json["items"][0]["keys"]["Id"], 5);

    let q = |f: &str| {
        format!(
            "{base}?$filter={}",
            url::form_urlencoded::byte_serialize(f.as_bytes()).collect::<String>()
        )
    };
    let london = rig.call("GET", &q("City eq 'london'"), None).await;
    assert_eq!(london.json["count"], 3);
    let two = rig.call("GET", &q("City eq 'Paris' and Id gt 2"), None).await;
    assert_eq!(two.json["count"], 1);
    assert_eq!(two.json["items"][0]["values"]["Name"], "P4");
    let like = rig
        .call("GET", &q("Name like 'P%' and (Id eq 1 or Id eq 5)"), None)
        .await;
    assert_eq!(like.json["count"], 2);

    let unsupported = rig.call("GET", &q("substringof('a', Name)"), None).await;
    assert_mc_error(&unsupported, 400);
    assert!(unsupported.json["message"].as_str().unwrap().contains("$filter"));
    assert_mc_error(
        &rig.call("GET", "/data/v1/customobjectdata/key/nope/rowset", None).await,
        404,
    );
}

#[tokio::test]
async fn journeys_events_and_listing() {
    let rig = Rig::new(&["journeys_read", "list_and_subscribers_read"]).await;
    let id = rig
        .fake
        .journeys()
        .add(FakeJourney::new("welcome", "Welcome").event_definition_key("APIEvent-1"));
    for i in 0..2 {
        rig.fake
            .journeys()
            .add(FakeJourney::new(format!("j{i}"), format!("J {i}")).status("Draft"));
    }
    let event = json!({ "ContactKey": "c1", "EventDefinitionKey": "APIEvent-1", "Data": { "Email": "a@example.com" } });
    let fired = rig.call("POST", "/interaction/v1/events", Some(event)).await;
    assert_eq!(fired.status, 201, "{}", fired.text);
    let instance = fired.json["eventInstanceId"].as_str().unwrap();
    let events = rig.fake.journeys().events();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_instance_id, instance);
    assert_eq!(events[0].contact_key, "c1");
    assert_eq!(events[0].data["Email"], "a@example.com");

    let unknown = json!({ "ContactKey": "c1", "EventDefinitionKey": "APIEvent-typo" });
    assert_mc_error(&rig.call("POST", "/interaction/v1/events", Some(unknown)).await, 400);
    assert_mc_error(
        &rig.call(
            "POST",
            "/interaction/v1/events",
            Some(json!({ "EventDefinitionKey": "APIEvent-1" })),
        )
        .await,
        400,
    );
    assert_eq!(rig.fake.journeys().events().len(), 1);

    let page = rig
        .call("GET", "/interaction/v1/interactions?$page=2&$pageSize=2", None)
        .await;
    assert_eq!(page.json["count"], 3);
    assert_eq!(page.json["page"], 2);
    assert_eq!(page.json["items"].as_array().unwrap().len(), 1);
    assert_eq!(page.json["items"][0]["key"], "j1");

    let one = rig
        .call("GET", &format!("/interaction/v1/interactions/{id}"), None)
        .await;
    assert_eq!(one.json["key"], "welcome");
    let by_key = rig.call("GET", "/interaction/v1/interactions/key:welcome", None).await;
    assert_eq!(by_key.json["id"], id.as_str());
    assert_mc_error(&rig.call("GET", "/interaction/v1/interactions/nope", None).await, 404);
}

#[tokio::test]
async fn assets_create_get_query_update_delete() {
    let rig = Rig::new(&[
        "saved_content_write",
        "documents_and_images_read",
        "documents_and_images_write",
    ])
    .await;
    let html =
        json!({ "name": "Welcome email", "assetType": { "id": 208, "name": "htmlemail" }, "content": "<p>Hi</p>" });
    let created = rig.call("POST", "/asset/v1/content/assets", Some(html)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_i64().unwrap();
    assert!(!created.json["customerKey"].as_str().unwrap().is_empty());
    let block = json!({ "name": "Footer", "customerKey": "footer", "assetType": { "id": 196, "name": "textblock" } });
    let footer = rig.call("POST", "/asset/v1/content/assets", Some(block.clone())).await;
    assert_eq!(footer.json["id"], id + 1);
    assert_mc_error(&rig.call("POST", "/asset/v1/content/assets", Some(block)).await, 400);
    assert_mc_error(
        &rig.call("POST", "/asset/v1/content/assets", Some(json!({ "name": "No type" })))
            .await,
        400,
    );

    let got = rig.call("GET", &format!("/asset/v1/content/assets/{id}"), None).await;
    assert_eq!(got.json["content"], "<p>Hi</p>");
    let list = rig
        .call("GET", "/asset/v1/content/assets?$pageSize=1&$page=2", None)
        .await;
    assert_eq!(
        (list.json["count"].clone(), list.json["items"][0]["name"].clone()),
        (json!(2), json!("Footer"))
    );
    let filtered = rig
        .call(
            "GET",
            "/asset/v1/content/assets?$filter=assetType.name%20eq%20'htmlemail'",
            None,
        )
        .await;
    assert_eq!(filtered.json["count"], 1);

    let query = |q: Value| json!({ "page": { "page": 1, "pageSize": 10 }, "query": q });
    let eq = rig
        .call(
            "POST",
            "/asset/v1/content/assets/query",
            Some(query(
                json!({ "property": "customerKey", "simpleOperator": "equal", "value": "footer" }),
            )),
        )
        .await;
    assert_eq!(eq.status, 200, "{}", eq.text);
    assert_eq!(eq.json["count"], 1);
    assert_eq!(eq.json["items"][0]["name"], "Footer");
    let like = rig
        .call(
            "POST",
            "/asset/v1/content/assets/query",
            Some(query(
                json!({ "property": "name", "simpleOperator": "like", "value": "email" }),
            )),
        )
        .await;
    assert_eq!(like.json["items"][0]["id"], id);
    let mut either = query(json!({
        "leftOperand": { "property": "assetType.id", "simpleOperator": "equal", "value": 208 },
        "logicalOperator": "OR",
        "rightOperand": { "property": "name", "simpleOperator": "equal", "value": "Footer" },
    }));
    either["sort"] = json!([{ "property": "name", "direction": "ASC" }]);
    let both = rig.call("POST", "/asset/v1/content/assets/query", Some(either)).await;
    let names: Vec<&str> = both.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Footer", "Welcome email"]);
    let bad = rig
        .call(
            "POST",
            "/asset/v1/content/assets/query",
            Some(query(
                json!({ "property": "name", "simpleOperator": "soundsLike", "value": "x" }),
            )),
        )
        .await;
    assert_mc_error(&bad, 400);

    let patched = rig
        .call(
            "PATCH",
            &format!("/asset/v1/content/assets/{id}"),
            Some(json!({ "name": "Renamed", "description": "new" })),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json["name"], "Renamed");
    assert_eq!(patched.json["content"], "<p>Hi</p>");
    assert_eq!(rig.fake.assets().get(id).unwrap()["description"], "new");
    assert_mc_error(
        &rig.call(
            "PATCH",
            &format!("/asset/v1/content/assets/{id}"),
            Some(json!({ "id": 1 })),
        )
        .await,
        400,
    );

    assert_eq!(
        rig.call("DELETE", &format!("/asset/v1/content/assets/{id}"), None)
            .await
            .status,
        200
    );
    assert_mc_error(
        &rig.call("GET", &format!("/asset/v1/content/assets/{id}"), None).await,
        404,
    );
    assert_mc_error(
        &rig.call("DELETE", &format!("/asset/v1/content/assets/{id}"), None)
            .await,
        404,
    );
    assert_mc_error(
        &rig.call("GET", "/asset/v1/content/assets/not-a-number", None).await,
        404,
    );
    assert_eq!(rig.fake.assets().list().len(), 1);
    let seeded = rig
        .fake
        .assets()
        .add(json!({ "name": "Seeded", "assetType": { "id": 196 } }));
    assert_eq!(rig.fake.assets().get(seeded).unwrap()["name"], "Seeded");
}

#[tokio::test]
async fn contacts_create_and_update() {
    // PATCH /contacts/v1/contacts needs both (MC lists it under permissions 1018 and 1020).
    let rig = Rig::new(&["list_and_subscribers_read", "list_and_subscribers_write"]).await;
    let contact = json!({
        "contactKey": "ada",
        "attributeSets": [{ "name": "Email Addresses", "items": [{ "values": [{ "name": "Email Address", "value": "ada@example.com" }, { "name": "HTML Enabled", "value": true }] }] }],
    });
    let created = rig.call("POST", "/contacts/v1/contacts", Some(contact.clone())).await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.json["operationStatus"], "OK");
    assert_eq!(created.json["contactKey"], "ada");
    assert_eq!(created.json["isNewContactKey"], true);
    let contact_id = created.json["contactId"].as_i64().unwrap();

    let again = rig.call("POST", "/contacts/v1/contacts", Some(contact)).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json["operationStatus"], "FAIL");
    assert_mc_error(&again, 400);

    let update = json!({
        "contactKey": "ada",
        "attributeSets": [{ "name": "Email Addresses", "items": [{ "values": [{ "name": "Email Address", "value": "ada@new.example.com" }] }] }],
    });
    let updated = rig.call("PATCH", "/contacts/v1/contacts", Some(update)).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json["contactId"], contact_id);
    let stored = rig.fake.contacts().list();
    let email = &stored[0].attribute_sets["Email Addresses"][0];
    assert_eq!(email["Email Address"], "ada@new.example.com");
    assert_eq!(email["HTML Enabled"], true);

    let missing = rig
        .call(
            "PATCH",
            "/contacts/v1/contacts",
            Some(json!({ "contactKey": "bob", "attributeSets": [] })),
        )
        .await;
    assert_eq!(missing.json["operationStatus"], "FAIL");
    assert_mc_error(
        &rig.call("POST", "/contacts/v1/contacts", Some(json!({ "attributeSets": [] })))
            .await,
        400,
    );
    assert_mc_error(
        &rig.call(
            "POST",
            "/contacts/v1/contacts",
            Some(json!({ "contactKey": "x", "attributeSets": [{ "name": "S" }] })),
        )
        .await,
        400,
    );
}

#[tokio::test]
async fn hostile_bodies_get_answers_not_panics() {
    let rig = Rig::new(
        &OPERATIONS
            .iter()
            .flat_map(|o| o.scopes.iter().copied())
            .collect::<Vec<_>>(),
    )
    .await;
    let bodies = [
        "",
        "null",
        "[]",
        "{}",
        "\"x\"",
        "{\"items\": {}}",
        "{\"page\": \"x\", \"query\": []}",
        "{\"query\": {\"leftOperand\": 1, \"rightOperand\": 2}}",
        "{\"contactKey\": 5}",
        "\u{0}\u{ff}",
    ];
    for route in routes() {
        let path = route
            .path()
            .replace("{messageKey}", "m")
            .replace("{definitionKey}", "d")
            .replace("{key}", "k")
            .replace("{requestId}", "r")
            .replace("{id}", "1");
        for body in bodies {
            let method = reqwest::Method::from_bytes(route.method().as_bytes()).unwrap();
            let resp = rig
                .http
                .request(
                    method,
                    format!("{}{path}?$page=-1&$pageSize=999999999999&$filter=(", rig.fake.url()),
                )
                .bearer_auth(&rig.token)
                .header("Content-Type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            assert!(
                resp.status().as_u16() < 500,
                "{} {path} {body:?}: {}",
                route.method(),
                resp.status()
            );
        }
    }
}
