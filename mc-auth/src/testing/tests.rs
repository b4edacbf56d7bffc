//! The fake over real HTTP, with reqwest. Nothing here sleeps or reads the wall clock.

use std::time::Duration;

use reqwest::header::HeaderValue;
use serde_json::{json, Value};

use super::*;
use crate::ManualClock;

const DOC: &str = "https://developer.salesforce.com/docs/atlas.en-us.mc-apis.meta/mc-apis/error-handling.htm";

struct Http {
    client: reqwest::Client,
    base: String,
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    raw: Vec<u8>,
    json: Value,
}

impl Http {
    fn new(fake: &FakeMarketingCloud) -> Self {
        Http {
            client: reqwest::Client::new(),
            base: fake.url().to_owned(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let raw = resp.bytes().await.unwrap().to_vec();
        let json = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            raw,
            json,
        }
    }

    async fn token_raw(&self, content_type: &str, body: impl Into<reqwest::Body>) -> Reply {
        let req = self
            .client
            .post(format!("{}/v2/token", self.base))
            .header("Content-Type", content_type)
            .body(body);
        self.send(req).await
    }

    async fn token(&self, body: Value) -> Reply {
        self.token_raw("application/json", body.to_string()).await
    }

    async fn grant(&self, client_id: &str, secret: &str, extra: Value) -> Reply {
        let mut body = json!({
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
        });
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        self.token(body).await
    }

    async fn access_token(&self, client_id: &str, secret: &str, extra: Value) -> String {
        let r = self.grant(client_id, secret, extra).await;
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["access_token"].as_str().unwrap().to_owned()
    }

    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = self.client.request(method, format!("{}{}", self.base, path));
        if let Some(t) = token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        if let Some(b) = body {
            req = req.header("Content-Type", "application/json").body(b.to_string());
        }
        self.send(req).await
    }
}

async fn fake_with_package() -> (FakeMarketingCloud, Http) {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "secret-1").scopes(["email_read", "email_write"]));
    let http = Http::new(&fake);
    (fake, http)
}

fn oauth(error: &str, description: &str) -> Value {
    json!({ "error": error, "error_description": description, "error_uri": "https://developer.salesforce.com/docs" })
}

#[tokio::test]
async fn client_credentials_grant_answers_in_mcs_shape() {
    let (fake, http) = fake_with_package().await;
    let r = http.grant("cid", "secret-1", json!({})).await;
    assert_eq!(r.status, 200);
    let obj = r.json.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "rest_instance_url",
            "scope",
            "soap_instance_url",
            "token_type"
        ]
    );
    let token = obj["access_token"].as_str().unwrap();
    assert!(token.len() >= 40 && token.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(obj["token_type"], "Bearer");
    assert_eq!(obj["expires_in"], 1080);
    assert_eq!(obj["scope"], "email_read email_write");
    let own = format!("{}/", fake.url());
    assert_eq!(obj["rest_instance_url"], own.as_str());
    assert_eq!(obj["soap_instance_url"], own.as_str());
    assert!(fake.url().starts_with("http://127.0.0.1:"));
    assert_eq!(fake.tokens().values(), [token.to_owned()]);
    let info = fake.tokens().issued();
    assert_eq!(info.len(), 1);
    assert_eq!(
        (info[0].serial, info[0].account_id, info[0].expired),
        (1, DEFAULT_MID, false)
    );
}

#[tokio::test]
async fn expires_in_comes_from_the_builder_or_the_package() {
    let fake = FakeMarketingCloud::builder()
        .expires_in(Duration::from_secs(1200))
        .start()
        .await;
    fake.register_package(Package::new("a", "s"));
    fake.register_package(Package::new("b", "s").expires_in(Duration::from_secs(60)));
    let http = Http::new(&fake);
    assert_eq!(http.grant("a", "s", json!({})).await.json["expires_in"], 1200);
    assert_eq!(http.grant("b", "s", json!({})).await.json["expires_in"], 60);
}

#[tokio::test]
async fn bad_credentials_get_invalid_client_exactly() {
    let (fake, http) = fake_with_package().await;
    fake.register_package(Package::new("off", "secret-2").disabled());
    let expected = oauth("invalid_client", "Client authentication failed.");
    for (id, secret) in [("cid", "wrong"), ("nobody", "secret-1"), ("off", "secret-2")] {
        let r = http.grant(id, secret, json!({})).await;
        assert_eq!((r.status, &r.json), (401, &expected), "{id}");
    }
    let r = http
        .token(json!({ "grant_type": "client_credentials", "client_id": "cid" }))
        .await;
    assert_eq!((r.status, &r.json), (401, &expected));
    assert!(fake.tokens().values().is_empty());
}

#[tokio::test]
async fn unknown_grant_types_and_malformed_requests_get_oauth_errors() {
    let (_fake, http) = fake_with_package().await;
    let unsupported = oauth(
        "unsupported_grant_type",
        "Use \"authorization_code\", \"refresh_token\", \"client_credentials\" or \"urn:ietf:params:oauth:grant-type:jwt-bearer\" as the grant type.",
    );
    for body in [
        json!({ "grant_type": "password", "client_id": "cid", "client_secret": "secret-1" }),
        json!({ "client_id": "cid", "client_secret": "secret-1" }),
        json!({ "grant_type": 7 }),
    ] {
        let r = http.token(body).await;
        assert_eq!((r.status, &r.json), (400, &unsupported));
    }
    for (content_type, body) in [
        ("application/json", "{\"grant_type\": \"client_cre"),
        ("application/json", "[1, 2]"),
        ("application/json", ""),
        ("application/json", "\u{0}\u{1}garbage"),
        (
            "application/x-www-form-urlencoded",
            "grant_type=client_credentials&client_id=cid",
        ),
    ] {
        let r = http.token_raw(content_type, body).await;
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.json["error"], "invalid_request");
        assert_eq!(r.json["error_uri"], "https://developer.salesforce.com/docs");
    }
    for extra in [
        json!({ "scope": 5 }),
        json!({ "account_id": "12a" }),
        json!({ "account_id": -1 }),
    ] {
        let r = http.grant("cid", "secret-1", extra.clone()).await;
        assert_eq!(
            (r.status, r.json["error"].as_str()),
            (400, Some("invalid_request")),
            "{extra}"
        );
    }
    let r = http.call("GET", "/v2/token", None, None).await;
    assert_eq!(r.status, 405);
}

#[tokio::test]
async fn only_scopes_the_package_has_are_granted() {
    let (_fake, http) = fake_with_package().await;
    let scope_of = |r: Reply| r.json["scope"].as_str().unwrap().to_owned();
    let asked = http
        .grant("cid", "secret-1", json!({ "scope": "sms_send email_read" }))
        .await;
    assert_eq!(scope_of(asked), "email_read");
    let none = http.grant("cid", "secret-1", json!({ "scope": "" })).await;
    assert_eq!(scope_of(none), "");
    let all = http.grant("cid", "secret-1", json!({ "scope": null })).await;
    assert_eq!(scope_of(all), "email_read email_write");
}

#[tokio::test]
async fn account_id_selects_one_of_the_packages_business_units() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "s").business_units([111, 222]));
    let http = Http::new(&fake);
    for (extra, mid) in [
        (json!({}), 111),
        (json!({ "account_id": 222 }), 222),
        (json!({ "account_id": "222" }), 222),
    ] {
        let token = http.access_token("cid", "s", extra).await;
        let info = http.call("GET", "/v2/userinfo", Some(&token), None).await;
        assert_eq!(info.status, 200);
        assert_eq!(info.json["organization"]["member_id"], mid);
    }
    let r = http.grant("cid", "s", json!({ "account_id": 333 })).await;
    assert_eq!((r.status, r.json["error"].as_str()), (401, Some("unauthorized_client")));
}

#[tokio::test]
async fn userinfo_has_mcs_shape() {
    let (fake, http) = fake_with_package().await;
    let token = http
        .access_token("cid", "secret-1", json!({ "scope": "email_read" }))
        .await;
    let r = http.call("GET", "/v2/userinfo", Some(&token), None).await;
    assert_eq!(r.status, 200);
    let j = &r.json;
    assert!(j["exp"].is_u64() && j["iss"].is_string());
    for f in [
        "sub",
        "name",
        "preferred_username",
        "email",
        "locale",
        "zoneinfo",
        "timezone",
    ] {
        assert!(!j["user"][f].is_null(), "user.{f}");
    }
    for f in [
        "member_id",
        "enterprise_id",
        "enterprise_name",
        "account_type",
        "stack_key",
        "region",
        "locale",
        "zoneinfo",
        "timezone",
    ] {
        assert!(!j["organization"][f].is_null(), "organization.{f}");
    }
    assert_eq!(j["rest"]["rest_instance_url"], format!("{}/", fake.url()).as_str());
    assert_eq!(j["application"]["appScopes"], json!(["email_read", "email_write"]));
    assert!(j["application"]["redirectUrl"].is_array() && j["permissions"].is_array());
}

#[tokio::test]
async fn bad_tokens_get_401_and_missing_scopes_403() {
    let (fake, http) = fake_with_package().await;
    let not_authorized = json!({ "documentation": DOC, "errorcode": 0, "message": "Not Authorized" });
    let insufficient = json!({ "documentation": DOC, "errorcode": 20002, "message": "Insufficient Privileges" });
    let path = "/messaging/v1/email/definitions";

    for token in [None, Some("not-a-token")] {
        let r = http.call("GET", path, token, None).await;
        assert_eq!((r.status, &r.json), (401, &not_authorized));
    }
    let write_only = http
        .access_token("cid", "secret-1", json!({ "scope": "email_write" }))
        .await;
    let r = http.call("GET", path, Some(&write_only), None).await;
    assert_eq!((r.status, &r.json), (403, &insufficient));
    let read = http
        .access_token("cid", "secret-1", json!({ "scope": "email_read" }))
        .await;
    assert_eq!(http.call("GET", path, Some(&read), None).await.status, 200);

    fake.tokens().expire_all();
    let r = http.call("GET", path, Some(&read), None).await;
    assert_eq!((r.status, &r.json), (401, &not_authorized));
    assert!(fake.tokens().issued().iter().all(|t| t.expired));
    let served = fake
        .requests()
        .all()
        .last()
        .map(|r| (r.status(), r.token_serial()))
        .unwrap();
    assert_eq!(served, (Some(401), Some(2)));
}

#[tokio::test]
async fn tokens_expire_by_the_injected_clock() {
    let clock = ManualClock::new();
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    fake.register_package(Package::new("cid", "s"));
    let http = Http::new(&fake);
    let token = http.access_token("cid", "s", json!({})).await;
    clock.advance(Duration::from_secs(1079));
    assert_eq!(http.call("GET", "/v2/userinfo", Some(&token), None).await.status, 200);
    clock.advance(Duration::from_secs(1));
    assert_eq!(http.call("GET", "/v2/userinfo", Some(&token), None).await.status, 401);
}

#[tokio::test]
async fn expire_client_touches_one_client_only() {
    let fake = FakeMarketingCloud::start().await;
    let a = fake.register_default_package(["email_read"]);
    let b = fake.register_default_package(["email_read"]);
    assert_ne!(a.client_id, b.client_id);
    let http = Http::new(&fake);
    let ta = http
        .access_token(&a.client_id, a.client_secret.expose_secret(), json!({}))
        .await;
    let tb = http
        .access_token(&b.client_id, b.client_secret.expose_secret(), json!({}))
        .await;
    fake.tokens().expire_client(&a.client_id);
    assert_eq!(http.call("GET", "/v2/userinfo", Some(&ta), None).await.status, 401);
    assert_eq!(http.call("GET", "/v2/userinfo", Some(&tb), None).await.status, 200);
}

#[tokio::test]
async fn unknown_paths_and_methods() {
    let (_fake, http) = fake_with_package().await;
    let token = http.access_token("cid", "secret-1", json!({})).await;
    assert_eq!(http.call("GET", "/nothing/here", Some(&token), None).await.status, 404);
    assert_eq!(
        http.call("DELETE", "/v2/userinfo", Some(&token), None).await.status,
        405
    );
}

#[tokio::test]
async fn status_faults_hit_the_next_n_matching_requests() {
    let (fake, http) = fake_with_package().await;
    fake.inject(Fault::status(503).times(2).only_token_requests());
    assert_eq!(fake.pending_faults(), 2);
    let token = {
        let r = http.grant("cid", "secret-1", json!({})).await;
        assert_eq!(
            (r.status, r.json["message"].as_str()),
            (503, Some("Service Unavailable"))
        );
        assert_eq!(http.grant("cid", "secret-1", json!({})).await.status, 503);
        http.access_token("cid", "secret-1", json!({})).await
    };
    assert_eq!(fake.pending_faults(), 0);
    assert_eq!(fake.requests().token_count(), 3);
    assert_eq!(fake.requests().token_count_for("cid"), 3);
    let faulted: Vec<bool> = fake
        .requests()
        .token_requests()
        .iter()
        .map(RecordedRequest::faulted)
        .collect();
    assert_eq!(faulted, [true, true, false]);

    // Only API calls under the prefix are hit.
    fake.inject(Fault::status(500).path_prefix("/messaging").only_api_requests());
    assert_eq!(http.call("GET", "/v2/userinfo", Some(&token), None).await.status, 200);
    assert_eq!(
        http.call("GET", "/messaging/v1/email/definitions", Some(&token), None)
            .await
            .status,
        500
    );
    assert_eq!(
        http.call("GET", "/messaging/v1/email/definitions", Some(&token), None)
            .await
            .status,
        200
    );
    assert_eq!(fake.requests().api_count(), 3);

    fake.inject(Fault::status(502).times(usize::MAX));
    fake.clear_faults();
    assert_eq!(fake.pending_faults(), 0);
}

#[tokio::test]
async fn rate_limit_faults_look_like_mcs() {
    let (fake, http) = fake_with_package().await;
    let token = http.access_token("cid", "secret-1", json!({})).await;
    fake.inject(
        Fault::status(429)
            .retry_after(Duration::from_millis(2500))
            .only_api_requests(),
    );
    let r = http.call("GET", "/v2/userinfo", Some(&token), None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers.get("retry-after"), Some(&HeaderValue::from_static("3")));
    assert_eq!(
        r.json,
        json!({ "message": "Rate limit exceeded", "errorcode": 50100, "documentation": DOC, "retryAfter": 3 })
    );
    fake.inject(Fault::status(429));
    let r = http.call("GET", "/v2/userinfo", Some(&token), None).await;
    assert_eq!((r.status, &r.json["errorcode"]), (429, &json!(50200)));
    assert!(r.headers.get("retry-after").is_none());
}

#[tokio::test]
async fn named_throttling_faults_play_mcs_three_answers() {
    let (fake, http) = fake_with_package().await;
    let token = http.access_token("cid", "secret-1", json!({})).await;

    fake.inject(Fault::rate_limited(Duration::from_secs(5)));
    let r = http.call("GET", "/v2/userinfo", Some(&token), None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.headers.get("retry-after"), Some(&HeaderValue::from_static("5")));
    assert_eq!(
        (&r.json["errorcode"], &r.json["retryAfter"]),
        (&json!(50100), &json!(5))
    );
    assert_eq!(r.json["message"], "Rate limit exceeded");

    fake.inject(Fault::temporarily_blocked());
    let r = http.call("GET", "/v2/userinfo", Some(&token), None).await;
    assert_eq!(r.status, 429);
    assert!(r.headers.get("retry-after").is_none());
    assert_eq!(
        r.json,
        json!({ "message": "Your requests are temporarily blocked.", "errorcode": 50200, "documentation": DOC })
    );

    // SOAP throttling: REST and token requests pass it by; only /Service.asmx gets the 500.
    fake.inject(Fault::soap_throttled());
    assert_eq!(http.call("GET", "/v2/userinfo", Some(&token), None).await.status, 200);
    assert_eq!(http.grant("cid", "secret-1", json!({})).await.status, 200);
    assert_eq!(fake.pending_faults(), 1);
    let soap = http
        .client
        .post(format!("{}/Service.asmx", http.base))
        .header("Content-Type", "text/xml")
        .body("<not-even-an-envelope/>");
    let r = http.send(soap).await;
    assert_eq!(r.status, 500);
    let text = String::from_utf8_lossy(&r.raw);
    assert!(text.contains("<faultcode>soap:Client</faultcode>"), "{text}");
    assert!(text.contains(SOAP_THROTTLED), "{text}");
    assert!(r.headers.get("retry-after").is_none());
    assert_eq!(fake.pending_faults(), 0);
    let throttled = crate::Error::SoapFault {
        status: 500,
        faultcode: "soap:Client".into(),
        faultstring: SOAP_THROTTLED.into(),
        detail: None,
    };
    assert!(throttled.is_transient(), "the client must read it as throttling");
}

#[tokio::test]
async fn body_malformed_and_unauthorized_faults() {
    let (fake, http) = fake_with_package().await;
    let token = http.access_token("cid", "secret-1", json!({})).await;

    fake.inject(Fault::malformed_body().only_token_requests());
    let r = http.grant("cid", "secret-1", json!({})).await;
    assert_eq!(r.status, 200);
    assert!(r.json.is_null() && !r.raw.is_empty(), "the body is not valid JSON");

    fake.inject(Fault::body(418, "text/plain", "teapot"));
    let r = http.call("GET", "/v2/userinfo", Some(&token), None).await;
    assert_eq!((r.status, r.raw.as_slice()), (418, &b"teapot"[..]));
    assert_eq!(
        r.headers.get("content-type"),
        Some(&HeaderValue::from_static("text/plain"))
    );

    fake.inject(Fault::unauthorized().times(2));
    let r = http.call("GET", "/v2/userinfo", Some(&token), None).await;
    assert_eq!((r.status, r.json["message"].as_str()), (401, Some("Not Authorized")));
    let r = http.grant("cid", "secret-1", json!({})).await;
    assert_eq!((r.status, r.json["error"].as_str()), (401, Some("invalid_client")));
    assert_eq!(http.call("GET", "/v2/userinfo", Some(&token), None).await.status, 200);
}

#[tokio::test]
async fn a_delayed_request_is_recorded_on_arrival() {
    let (fake, http) = fake_with_package().await;
    fake.inject(Fault::delay(Duration::from_secs(3600)).only_token_requests());
    let pending = tokio::spawn(async move { http.grant("cid", "secret-1", json!({})).await.status });
    fake.requests().wait_for_token_count(1).await;
    let recorded = fake.requests().token_requests();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].status(), None, "still being answered");
    pending.abort();
}

#[tokio::test]
async fn waiting_for_token_requests_wakes_on_arrival() {
    let (fake, http) = fake_with_package().await;
    let waiter = {
        let fake = fake.clone();
        tokio::spawn(async move { fake.requests().wait_for_token_count(2).await })
    };
    http.grant("cid", "secret-1", json!({})).await;
    assert!(!waiter.is_finished() || fake.requests().token_count() >= 2);
    http.grant("cid", "wrong", json!({})).await;
    waiter.await.unwrap();
    fake.requests().wait_for_api_count(0).await;
    fake.requests().clear();
    assert_eq!((fake.requests().token_count(), fake.requests().all().len()), (0, 0));
}

#[tokio::test]
async fn recordings_keep_bodies_but_debug_hides_secrets() {
    let (fake, http) = fake_with_package().await;
    let token = http
        .access_token("cid", "secret-1", json!({ "account_id": "100" }))
        .await;
    http.call("GET", "/v2/userinfo?x=1", Some(&token), None).await;
    let requests = fake.requests().all();
    assert_eq!(requests.len(), 2);
    let t = &requests[0];
    assert!(t.is_token_request() && t.method == "POST" && t.path == "/v2/token");
    assert_eq!(t.header("Content-Type"), Some("application/json"));
    assert_eq!(t.client_id(), Some("cid"));
    assert_eq!(
        t.json_body().unwrap(),
        json!({ "grant_type": "client_credentials", "client_id": "cid", "client_secret": "secret-1", "account_id": "100" })
    );
    let api = &requests[1];
    assert_eq!((api.kind, api.query.as_deref()), (RequestKind::Api, Some("x=1")));
    assert_eq!(api.header("authorization"), Some("Bearer <redacted>"));
    assert_eq!(api.token_serial(), Some(1));
    let shown = format!("{requests:?} {requests:#?} {fake:?} {:?}", fake.tokens().issued());
    assert!(!shown.contains("secret-1") && !shown.contains(&token), "{shown}");
    assert!(shown.contains("cid"));
}

#[tokio::test]
async fn hostile_input_gets_answers_not_panics() {
    let (fake, http) = fake_with_package().await;
    fake.register_package(Package::new("cid", "secret-1").scopes(["email_read", "email_write", "email_send"]));
    let token = http.access_token("cid", "secret-1", json!({})).await;
    let weird_auth = [
        HeaderValue::from_static("Bearer"),
        HeaderValue::from_static("Bearer    "),
        HeaderValue::from_static("Basic abc"),
        HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap(),
    ];
    for value in weird_auth {
        let req = http
            .client
            .get(format!("{}/v2/userinfo", fake.url()))
            .header("Authorization", value);
        assert_eq!(http.send(req).await.status, 401);
    }
    let bodies = [json!(null), json!([1]), json!({ "definitionKey": 5 }), json!("x")];
    for body in bodies {
        for path in ["/messaging/v1/email/definitions", "/messaging/v1/email/messages/k%2F1"] {
            assert_eq!(
                http.call("POST", path, Some(&token), Some(body.clone())).await.status,
                400
            );
        }
    }
    let req = http
        .client
        .post(format!("{}/messaging/v1/email/definitions", fake.url()))
        .header("Authorization", format!("Bearer {token}"))
        .body(vec![0xffu8, 0, 1]);
    assert_eq!(http.send(req).await.status, 400);
    // Still serving.
    assert_eq!(http.call("GET", "/v2/userinfo", Some(&token), None).await.status, 200);
}

#[tokio::test]
async fn transactional_email_round_trip() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "s").scopes(["email_read", "email_write", "email_send"]));
    let http = Http::new(&fake);
    let token = http.access_token("cid", "s", json!({})).await;
    let t = Some(token.as_str());
    let def = json!({ "definitionKey": "welcome", "name": "Welcome", "content": { "customerKey": "c1" } });
    let r = http
        .call("POST", "/messaging/v1/email/definitions", t, Some(def.clone()))
        .await;
    assert_eq!((r.status, &r.json["definitionKey"]), (201, &json!("welcome")));
    assert_eq!(
        http.call("POST", "/messaging/v1/email/definitions", t, Some(def))
            .await
            .status,
        400
    );
    fake.email()
        .add_definition(json!({ "definitionKey": "second", "name": "Second" }));

    let r = http
        .call("GET", "/messaging/v1/email/definitions?$pageSize=1&$page=2", t, None)
        .await;
    assert_eq!(
        (r.json["count"].as_u64(), r.json["page"].as_u64()),
        (Some(1), Some(2)),
        "count is the page's count (MC's quirk)"
    );
    assert_eq!(r.json["definitions"][0]["definitionKey"], "second");
    assert!(r.json["requestId"].is_string());

    let send = json!({ "definitionKey": "welcome", "recipient": { "contactKey": "ck", "to": "a@example.com" } });
    let r = http
        .call("POST", "/messaging/v1/email/messages/m-1", t, Some(send))
        .await;
    assert_eq!(r.status, 202);
    assert_eq!(
        (&r.json["errorcode"], &r.json["responses"][0]["messageKey"]),
        (&json!(0), &json!("m-1"))
    );
    let unknown_def = json!({ "definitionKey": "nope", "recipient": { "to": "a@example.com" } });
    let r = http
        .call("POST", "/messaging/v1/email/messages/m-2", t, Some(unknown_def))
        .await;
    assert_eq!(r.status, 400);

    let r = http.call("GET", "/messaging/v1/email/messages/m-1", t, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["info"]["to"], "a@example.com");
    assert_eq!(r.json["eventCategoryType"], "TransactionalSendEvents.EmailSent");
    assert_eq!(
        http.call("GET", "/messaging/v1/email/messages/m-9", t, None)
            .await
            .status,
        404
    );

    let sends = fake.email().sends();
    assert_eq!(sends.len(), 1);
    assert_eq!(
        (sends[0].message_key.as_str(), sends[0].account_id),
        ("m-1", DEFAULT_MID)
    );
    assert_eq!(fake.email().definitions().len(), 2);
}

#[tokio::test]
async fn rowset_upserts_by_keys() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "s").scopes(["data_extensions_write"]));
    let http = Http::new(&fake);
    let token = http.access_token("cid", "s", json!({})).await;
    let path = "/hub/v1/dataevents/key:Customers/rowset";
    let rows = json!([
        { "keys": { "Id": 1 }, "values": { "Name": "Ann", "Tier": "gold" } },
        { "keys": { "Id": 2 }, "values": { "Name": "Bob" } },
    ]);
    let r = http.call("POST", path, Some(&token), Some(rows.clone())).await;
    assert_eq!((r.status, &r.json), (200, &rows));
    let update = json!([{ "keys": { "Id": 1 }, "values": { "Name": "Anne" } }]);
    assert_eq!(http.call("POST", path, Some(&token), Some(update)).await.status, 200);
    let stored = fake.data_extensions().rows("Customers");
    assert_eq!(stored.len(), 2);
    assert_eq!(
        Value::Object(stored[0].values.clone()),
        json!({ "Name": "Anne", "Tier": "gold" })
    );
    let bad = json!([{ "values": { "Name": "no keys" } }]);
    assert_eq!(http.call("POST", path, Some(&token), Some(bad)).await.status, 400);
    assert!(fake.data_extensions().rows("Other").is_empty());
}

#[tokio::test]
async fn instance_urls_can_point_elsewhere() {
    let fake = FakeMarketingCloud::builder()
        .instance_urls("https://evil.example.com/", "https://evil.example.com/")
        .package(Package::new("cid", "s"))
        .start()
        .await;
    let http = Http::new(&fake);
    let r = http.grant("cid", "s", json!({})).await;
    assert_eq!(r.json["rest_instance_url"], "https://evil.example.com/");
    let bare = "mc0fake0marketing0cloud00000.rest.marketingcloudapis.com";
    fake.set_instance_urls(bare, bare);
    assert_eq!(http.grant("cid", "s", json!({})).await.json["soap_instance_url"], bare);
    fake.reset_instance_urls();
    let own = format!("{}/", fake.url());
    assert_eq!(
        http.grant("cid", "s", json!({})).await.json["rest_instance_url"],
        own.as_str()
    );
}

#[tokio::test]
async fn credentials_point_at_the_fake() {
    let fake = FakeMarketingCloud::builder()
        .package(Package::new("cid", "s"))
        .start()
        .await;
    let creds = fake.credentials("cid");
    assert!(crate::validate_subdomain(&creds.subdomain).is_ok());
    assert_eq!(creds.subdomain, fake.subdomain());
    assert_eq!(
        (creds.client_id.as_str(), creds.client_secret.expose_secret()),
        ("cid", "s")
    );
    assert_eq!(creds.auth_url.as_deref(), Some(fake.url()));
    assert_eq!(creds.account_id, None);
    assert_eq!(
        fake.addr().port(),
        fake.url().rsplit(':').next().unwrap().parse::<u16>().unwrap()
    );
    // A clone keeps the server up after the original is gone.
    let clone = fake.clone();
    drop(fake);
    let http = Http::new(&clone);
    assert_eq!(http.grant("cid", "s", json!({})).await.status, 200);
}

#[test]
fn every_route_scope_is_a_known_mc_scope_string() {
    for route in routes() {
        for scope in route.scopes() {
            assert!(scope.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{route:?}");
        }
    }
    assert_eq!(
        required_scopes("GET", "/messaging/v1/email/messages/abc"),
        Some(&["email_read"][..])
    );
}

#[tokio::test]
async fn authorize_plays_the_browser_of_an_approving_user() {
    let fake = FakeMarketingCloud::start().await;
    let redirect_uri = "https://app.example.com/cb";
    fake.register_package(Package::web_app("web-id", "web-secret", redirect_uri).scopes(["email_read"]));
    fake.web().set_user(AuthorizingUser::new().tssd("mc-tenant"));
    let authorize_url = |query: &str| {
        format!(
            "{}/v2/authorize?client_id=web-id&redirect_uri={}&{query}",
            fake.url(),
            url::form_urlencoded::byte_serialize(redirect_uri.as_bytes()).collect::<String>()
        )
    };

    let approved = fake.authorize(&authorize_url("response_type=code&state=s%20t")).await;
    assert!(
        approved.url().starts_with(&format!("{redirect_uri}?code=")),
        "{}",
        approved.url()
    );
    assert_eq!(approved.code().map(str::len), Some(48));
    assert_eq!(approved.state(), Some("s t"), "decoded");
    assert_eq!(approved.tssd(), Some("mc-tenant"));
    assert_eq!(approved.error(), None);
    assert!(
        !format!("{approved:?}").contains(approved.code().unwrap()),
        "Debug hides the code"
    );

    fake.web().set_user(AuthorizingUser::new().declines());
    let declined = fake.authorize(&authorize_url("response_type=code&state=x")).await;
    assert_eq!((declined.error(), declined.code()), (Some("access_denied"), None));
    assert_eq!(declined.state(), Some("x"));
}

/// Data extension rows have a lock of their own: while a row upload waits for it (as the next
/// upload does while a large batch is being stored), token requests and other calls are
/// answered. Deterministic: the test holds the rows lock itself, so the upload cannot finish
/// until the test lets it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[allow(clippy::await_holding_lock)] // holding the rows lock across the calls is the point
async fn token_requests_are_answered_while_rows_are_being_stored() {
    let fake = FakeMarketingCloud::start().await;
    fake.register_package(Package::new("cid", "s").scopes(["data_extensions_write"]));
    let http = Http::new(&fake);
    let token = http.access_token("cid", "s", json!({})).await;
    let upload_path = "/data/v1/async/dataextensions/key:Big/rows";
    let held = fake.rows();
    let upload = tokio::spawn({
        let (token, base) = (token.clone(), fake.url().to_owned());
        async move {
            let http = Http {
                client: reqwest::Client::new(),
                base,
            };
            let items = json!({ "items": [{ "Id": 1 }, { "Id": 2 }] });
            http.call("POST", upload_path, Some(&token), Some(items)).await.status
        }
    });
    // The upload has arrived (requests are recorded before they are answered).
    while !fake.requests().all().iter().any(|r| r.path == upload_path) {
        tokio::task::yield_now().await;
    }
    let second = http.access_token("cid", "s", json!({})).await;
    assert!(!second.is_empty() && second != token);
    assert_eq!(http.call("GET", "/v2/userinfo", Some(&second), None).await.status, 200);
    let pending = fake.requests().all();
    let pending = pending.iter().find(|r| r.path == upload_path).unwrap();
    assert_eq!(pending.status(), None, "the upload is still waiting for the rows lock");
    assert!(!upload.is_finished());
    drop(held);
    assert_eq!(upload.await.unwrap(), 202);
    assert_eq!(fake.data_extensions().rows_received("Big"), 2);
    assert_eq!(fake.data_extensions().row_count("Big"), 2);
}
