//! The route catalog at run time, against the fake Marketing Cloud:
//!
//! - every catalogued route the fake serves answers 403 ("Insufficient Privileges") to a token
//!   without its scopes, and 2xx to one with exactly them;
//! - every catalogued route the fake does not serve answers the fake's documented 404
//!   (errorcode `NOT_SERVED_ERRORCODE`) naming the route, whatever the token;
//! - `rest!` fills path variables percent-encoded, and a value that cannot be a path segment is
//!   an error from `send` that names the variable, with nothing sent.

use std::collections::BTreeSet;

use mc_auth::reqwest;
use mc_auth::scope::{RouteInfo, ROUTES};
use mc_auth::testing::{routes, FakeJourney, FakeMarketingCloud, Package, NOT_SERVED_ERRORCODE};
use mc_auth::{mc_client, rest, Error};
use serde_json::{json, Value};

const CLIENT_ID: &str = "routes-client";
const SECRET: &str = "routes-secret";

/// A scope no catalogued route needs: a token with only it holds none of their scopes.
const UNRELATED: &str = "webhooks_read";

async fn fake() -> FakeMarketingCloud {
    let all: BTreeSet<&str> = mc_auth::scope::ALL.iter().map(|s| s.name).collect();
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new(CLIENT_ID, SECRET).scopes(all));
    fake
}

async fn token(fake: &FakeMarketingCloud, http: &reqwest::Client, scopes: &[&str]) -> String {
    let body = json!({ "grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": SECRET, "scope": scopes.join(" ") });
    let resp = http
        .post(format!("{}/v2/token", fake.url()))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    v["access_token"].as_str().unwrap().to_owned()
}

/// A request that the fake answers with 2xx, for each route it serves: the concrete path and
/// body. Listed in an order where each item exists before it is read, changed or deleted.
fn fixture(route: &RouteInfo) -> (String, Option<Value>) {
    let p = |s: &str| s.to_owned();
    match (route.method, route.path) {
        ("POST", "/messaging/v1/email/definitions") => (
            p("/messaging/v1/email/definitions"),
            Some(
                json!({ "definitionKey": "welcome", "name": "Welcome", "content": { "customerKey": "welcome-email" } }),
            ),
        ),
        ("GET", "/messaging/v1/email/definitions/{definitionKey}") => {
            (p("/messaging/v1/email/definitions/welcome"), None)
        }
        ("PATCH", "/messaging/v1/email/definitions/{definitionKey}") => (
            p("/messaging/v1/email/definitions/welcome"),
            Some(json!({ "status": "Active" })),
        ),
        ("POST", "/messaging/v1/email/messages/{messageKey}") => (
            p("/messaging/v1/email/messages/m-1"),
            Some(json!({ "definitionKey": "welcome", "recipient": { "to": "ada@example.com", "contactKey": "ada" } })),
        ),
        ("POST", "/messaging/v1/email/messages") => (
            p("/messaging/v1/email/messages"),
            Some(
                json!({ "definitionKey": "welcome", "recipients": [{ "to": "bo@example.com", "contactKey": "bo", "messageKey": "m-2" }] }),
            ),
        ),
        ("GET", "/messaging/v1/email/messages/{messageKey}") => (p("/messaging/v1/email/messages/m-1"), None),
        ("DELETE", "/messaging/v1/email/definitions/{definitionKey}") => {
            (p("/messaging/v1/email/definitions/welcome"), None)
        }
        ("POST", "/messaging/v1/sms/definitions") => (
            p("/messaging/v1/sms/definitions"),
            Some(
                json!({ "definitionKey": "otp", "name": "OTP", "content": { "message": "Your code" }, "subscriptions": { "shortCode": "12345", "countryCode": "US", "keyword": "CODE" } }),
            ),
        ),
        ("POST", "/messaging/v1/sms/messages/{messageKey}") => (
            p("/messaging/v1/sms/messages/s-1"),
            Some(json!({ "definitionKey": "otp", "recipient": { "to": "15555550100", "contactKey": "ada" } })),
        ),
        ("POST", "/messaging/v1/sms/messages") => (
            p("/messaging/v1/sms/messages"),
            Some(
                json!({ "definitionKey": "otp", "recipients": [{ "to": "15555550101", "contactKey": "bo", "messageKey": "s-2" }] }),
            ),
        ),
        ("POST", "/hub/v1/dataevents/key:{key}/rowset") => (
            p("/hub/v1/dataevents/key:customers/rowset"),
            Some(json!([{ "keys": { "id": "1" }, "values": { "name": "Ada" } }])),
        ),
        ("POST" | "PUT", "/data/v1/async/dataextensions/key:{key}/rows") => (
            p("/data/v1/async/dataextensions/key:customers/rows"),
            Some(json!({ "items": [{ "id": "2", "name": "Bo" }] })),
        ),
        ("GET", "/data/v1/customobjectdata/key/{key}/rowset") => {
            (p("/data/v1/customobjectdata/key/customers/rowset"), None)
        }
        ("POST", "/interaction/v1/events") => (
            p("/interaction/v1/events"),
            Some(json!({ "ContactKey": "ada", "EventDefinitionKey": "APIEvent-1", "Data": {} })),
        ),
        ("POST", "/asset/v1/content/assets") => (
            p("/asset/v1/content/assets"),
            Some(json!({ "name": "Banner", "assetType": { "id": 196, "name": "textblock" } })),
        ),
        ("POST", "/asset/v1/content/assets/query") => (
            p("/asset/v1/content/assets/query"),
            Some(json!({ "query": { "property": "name", "simpleOperator": "equal", "value": "Banner" } })),
        ),
        ("PATCH", "/asset/v1/content/assets/{id}") => {
            (p("/asset/v1/content/assets/1"), Some(json!({ "name": "Banner 2" })))
        }
        ("GET" | "DELETE", "/asset/v1/content/assets/{id}") => (p("/asset/v1/content/assets/1"), None),
        ("POST" | "PATCH", "/contacts/v1/contacts") => (
            p("/contacts/v1/contacts"),
            Some(json!({ "contactKey": "ada", "attributeSets": [] })),
        ),
        ("POST", "/messaging/v1/messageDefinitionSends/key:{key}/send") => (
            p("/messaging/v1/messageDefinitionSends/key:order-receipt/send"),
            Some(json!({ "To": { "Address": "ada@example.com", "SubscriberKey": "ada" } })),
        ),
        // Filled in by the caller: the queued async request, the journey the test adds.
        ("GET", p2 @ "/data/v1/async/{requestId}/status") | ("GET", p2 @ "/data/v1/async/{requestId}/results") => {
            (p(p2), None)
        }
        ("GET", "/interaction/v1/interactions/{id}") => (p("/interaction/v1/interactions/{id}"), None),
        (_, path) if !path.contains('{') => (p(path), None),
        (m, path) => panic!("no fixture for {m} {path}: add one"),
    }
}

/// The order in which served routes are exercised: creations first, deletions last.
fn rank(r: &RouteInfo) -> u8 {
    match r.method {
        "POST" if r.path.ends_with("definitions") || r.path == "/asset/v1/content/assets" => 0,
        "POST" if r.path.starts_with("/contacts") => 0,
        "DELETE" => 3,
        "GET" if r.path.contains("/async/") => 2,
        _ => 1,
    }
}

fn serves(r: &RouteInfo) -> bool {
    routes().iter().any(|s| s.method() == r.method && s.path() == r.path)
}

async fn send(
    fake: &FakeMarketingCloud,
    http: &reqwest::Client,
    method: &str,
    path: &str,
    body: Option<&Value>,
    token: &str,
) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut req = http.request(method, format!("{}{path}", fake.url())).bearer_auth(token);
    if let Some(b) = body {
        req = req.header("Content-Type", "application/json").body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.unwrap();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn served_routes_refuse_without_their_scopes_and_answer_with_them() {
    let fake = fake().await;
    let http = reqwest::Client::new();
    let journey_id = fake
        .journeys()
        .add(FakeJourney::new("welcome", "Welcome").event_definition_key("APIEvent-1"));
    fake.triggered_sends().add_definition("order-receipt", "Order receipt");
    let unrelated = token(&fake, &http, &[UNRELATED]).await;
    let mut served: Vec<&RouteInfo> = ROUTES.iter().filter(|r| serves(r)).collect();
    served.sort_by_key(|r| rank(r));
    assert!(served.len() >= 29, "the fake serves every typed operation's route");
    let mut async_request = None;
    let mut asset_id = None;
    for route in served {
        let (mut path, body) = fixture(route);
        if route.path == "/asset/v1/content/assets/{id}" {
            let id: &i64 = asset_id.as_ref().expect("an asset was created first");
            path = format!("/asset/v1/content/assets/{id}");
        }
        if route.path == "/interaction/v1/interactions/{id}" {
            path = format!("/interaction/v1/interactions/{journey_id}");
        }
        if route.path.starts_with("/data/v1/async/{requestId}") {
            let id: &String = async_request.as_ref().expect("an async request was queued first");
            path = route.path.replace("{requestId}", id);
        }
        let at = format!("{} {}", route.method, route.path);
        assert!(!route.scopes.is_empty(), "{at}");
        let (status, answer) = send(&fake, &http, route.method, &path, body.as_ref(), &unrelated).await;
        assert_eq!(
            (status, &answer["errorcode"]),
            (403, &json!(20002)),
            "{at} without its scopes: {answer}"
        );
        for missing in route.scopes {
            let others: Vec<&str> = route.scopes.iter().copied().filter(|s| s != missing).collect();
            let mut scopes = others.clone();
            scopes.push(UNRELATED);
            let lacking = token(&fake, &http, &scopes).await;
            let (status, answer) = send(&fake, &http, route.method, &path, body.as_ref(), &lacking).await;
            assert_eq!(status, 403, "{at} without {missing}: {answer}");
        }
        let exact = token(&fake, &http, route.scopes).await;
        let (status, answer) = send(&fake, &http, route.method, &path, body.as_ref(), &exact).await;
        assert!(
            (200..300).contains(&status),
            "{at} with {:?}: {status} {answer}",
            route.scopes
        );
        if route.path == "/asset/v1/content/assets" && route.method == "POST" {
            asset_id = answer["id"].as_i64();
        }
        if let Some(id) = answer["requestId"].as_str() {
            async_request = Some(id.to_owned());
        }
    }
}

#[tokio::test]
async fn routes_the_fake_does_not_serve_answer_its_documented_404() {
    let fake = fake().await;
    let http = reqwest::Client::new();
    let all: Vec<&str> = mc_auth::scope::ALL.iter().map(|s| s.name).collect();
    let everything = token(&fake, &http, &all).await;
    let mut count = 0;
    for route in ROUTES.iter().filter(|r| !serves(r)) {
        let path = route.path.replace('{', "x").replace('}', "");
        let at = format!("{} {}", route.method, route.path);
        let (status, answer) = send(&fake, &http, route.method, &path, Some(&json!({})), &everything).await;
        assert_eq!(status, 404, "{at}: {answer}");
        assert_eq!(answer["errorcode"], NOT_SERVED_ERRORCODE, "{at}: {answer}");
        let message = answer["message"].as_str().unwrap();
        assert!(message.contains("does not serve") && message.contains(&at), "{message}");
        count += 1;
    }
    assert!(count > 100, "{count}");
    // A path that is no route at all keeps MC's plain 404.
    let (status, answer) = send(&fake, &http, "GET", "/nope/v1/nothing", None, &everything).await;
    assert_eq!((status, &answer["errorcode"]), (404, &json!(0)));
}

#[mc_client(scopes = "journeys_read data_extensions_write")]
struct Journeys;

#[tokio::test]
async fn rest_macro_encodes_variables_and_refuses_bad_segments_before_sending() {
    let fake = fake().await;
    let c = Journeys::connect(fake.credentials(CLIENT_ID)).await.unwrap();
    let before = fake.requests().all().len();

    // Each value is one segment: `/` and `?` are encoded, not path or query syntax.
    let id = "a/b?c";
    let err = rest!(c, GET "/interaction/v1/interactions/{id}")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { status: 404, .. }), "{err:?}");
    let sent = fake.requests().all();
    assert_eq!(sent.last().unwrap().path, "/interaction/v1/interactions/a%2Fb%3Fc");

    // `key:{key}` keeps its prefix; the value's own colon is encoded.
    let key = "cust:omers";
    let rows = json!([{ "keys": { "id": "1" }, "values": { "name": "Ada" } }]);
    rest!(&c, POST "/hub/v1/dataevents/key:{key}/rowset")
        .json(&rows)
        .send()
        .await
        .unwrap();
    assert_eq!(
        fake.requests().all().last().unwrap().path,
        "/hub/v1/dataevents/key:cust%3Aomers/rowset"
    );
    assert_eq!(fake.data_extensions().rows("cust:omers").len(), 1);

    // A value that cannot be a segment: a Config error naming the variable; nothing is sent.
    let sent_before = fake.requests().all().len();
    for bad in ["", ".", ".."] {
        let err = rest!(c, GET "/interaction/v1/interactions/{id}", id = bad)
            .send()
            .await
            .unwrap_err();
        match &err {
            Error::Config { setting, reason } => {
                assert_eq!(setting, "path variable `id` of `GET /interaction/v1/interactions/{id}`");
                assert!(reason.contains("path segment"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(fake.requests().all().len(), sent_before, "nothing was sent");
    assert!(fake.requests().all().len() > before);
}
