//! Bulk loads (`load_rows`) and split batch sends against the fake: batches at MC's limits,
//! bounded memory, per-row failures, 429 bursts with nothing lost or sent twice, inserts
//! never resent after an ambiguous failure, cancellation, broken input streams.

use std::future::IntoFuture;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use mc_auth::api::bulk::{FailureReason, LoadProgress, Serialized, MAX_ROWS_PER_REQUEST};
use mc_auth::api::data_extensions::Row;
use mc_auth::api::email::{EmailBatch, Recipient};
use mc_auth::api::prelude::*;
use mc_auth::api::sms::SmsBatch;
use mc_auth::testing::{DataExtensionRow, FakeMarketingCloud, Fault, Package};
use mc_auth::{mc_client, Client, Error, RetryPolicy};
use serde_json::{json, Map, Value};

#[mc_client(scopes = "data_extensions_read data_extensions_write")]
struct Loader;

#[mc_client(scopes = "email_send sms_send")]
struct Sender;

/// The upload path prefix (not the status and results polls).
const UPLOADS: &str = "/data/v1/async/dataextensions/";

async fn setup() -> (FakeMarketingCloud, Loader) {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("bulk", "bulk-secret-value").scopes(Loader::SCOPES));
    let builder =
        Client::builder(creds).retry_policy(RetryPolicy::new(4, Duration::from_millis(1), Duration::from_millis(5)));
    let loader = Loader::connect_with(builder).await.unwrap();
    fake.data_extensions().add("people", "People", ["Id"]);
    (fake, loader)
}

fn person(i: u64) -> Map<String, Value> {
    match json!({ "Id": i, "Email": format!("user{i:07}@example.com"), "Tier": "gold" }) {
        Value::Object(m) => m,
        _ => unreachable!("an object literal"),
    }
}

fn uploads(fake: &FakeMarketingCloud, method: &str) -> usize {
    fake.requests()
        .all()
        .iter()
        .filter(|r| r.method == method && r.path.starts_with(UPLOADS))
        .count()
}

#[tokio::test]
async fn a_hundred_thousand_rows_with_bounded_memory_in_the_fewest_requests() {
    let (fake, loader) = setup().await;
    fake.set_latency(Duration::from_millis(2));
    let read = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&read);
    let rows = stream::iter(0..100_000u64).map(move |i| {
        counter.fetch_add(1, Ordering::Relaxed);
        person(i)
    });
    let events = Arc::new(std::sync::Mutex::new(Vec::<LoadProgress>::new()));
    let seen = Arc::clone(&events);
    let load = loader
        .load_rows("people", rows)
        .batch_rows(1_000)
        .concurrency(4)
        .max_pending(2)
        .poll_interval(Duration::from_millis(20))
        .on_progress(move |p| seen.lock().unwrap().push(p.clone()));
    let gauge = load.gauge();
    let report = load.await.unwrap();

    assert!(report.is_complete(), "{:?}", report.failed.first());
    assert_eq!((report.rows_read, report.rows_accepted), (100_000, 100_000));
    assert_eq!(read.load(Ordering::Relaxed), 100_000);
    assert_eq!(report.batches, 100, "100,000 rows at 1,000 a request");
    assert_eq!(uploads(&fake, "PUT"), 100);
    // (4 uploads + 2 pending + 1 ready) batches of 1,000, plus the row being placed.
    assert!(
        report.peak_rows_buffered <= 7 * 1_000 + 1,
        "{}",
        report.peak_rows_buffered
    );
    assert!(report.peak_rows_buffered >= 1_000, "{}", report.peak_rows_buffered);
    assert_eq!(gauge.rows_buffered(), 0);
    assert_eq!(gauge.requests_in_flight(), 0);
    assert_eq!(fake.data_extensions().rows_received("people"), 100_000);
    assert_eq!(fake.data_extensions().duplicate_rows_received("people"), 0);
    assert_eq!(fake.data_extensions().rows("people").len(), 100_000);

    let events = events.lock().unwrap();
    let last = events.last().unwrap();
    assert_eq!(
        (last.rows_accepted, last.rows_failed, last.batches_sent),
        (100_000, 0, 100)
    );
    assert!(events.windows(2).all(|w| w[0].rows_accepted <= w[1].rows_accepted));
    assert!(events
        .iter()
        .all(|e| e.rows_sent <= e.rows_read && e.rows_accepted <= e.rows_sent));
}

#[tokio::test]
async fn batches_are_as_full_as_the_row_and_byte_limits_allow() {
    let (fake, loader) = setup().await;
    // Default limits: 70,000 small rows are three requests (32,000 + 32,000 + 6,000).
    let report = loader
        .load_rows("people", stream::iter((0..70_000).map(person)))
        .poll_interval(Duration::from_millis(10))
        .await
        .unwrap();
    assert!(report.is_complete());
    assert_eq!(report.batches, 3);
    let sizes: Vec<usize> = fake
        .requests()
        .all()
        .iter()
        .filter(|r| r.path.starts_with(UPLOADS))
        .map(|r| r.json().unwrap()["items"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 70_000);
    assert_eq!(sizes.iter().filter(|&&n| n == MAX_ROWS_PER_REQUEST).count(), 2);

    // A byte cap: every row is the same length, so the fewest requests is exact arithmetic.
    let row_len = serde_json::to_vec(&person(1_000_000)).unwrap().len();
    let cap = 4_096;
    let per_request = (cap - r#"{"items":[]}"#.len() + 1) / (row_len + 1);
    let n: usize = 5_000;
    fake.requests().clear();
    let report = loader
        .load_rows("people", stream::iter((1_000_000..1_000_000 + n as u64).map(person)))
        .max_batch_bytes(cap)
        .poll_interval(Duration::from_millis(10))
        .await
        .unwrap();
    assert!(report.is_complete());
    assert_eq!(report.batches as usize, n.div_ceil(per_request));
    for r in fake.requests().all().iter().filter(|r| r.path.starts_with(UPLOADS)) {
        assert!(r.body.len() <= cap, "a body of {} bytes", r.body.len());
    }
}

#[tokio::test]
async fn rejected_rows_come_back_with_index_keys_and_reason_and_can_be_sent_again() {
    let (fake, loader) = setup().await;
    fake.data_extensions()
        .add_rows("people", [DataExtensionRow::new().key("Id", 7).value("Tier", "silver")]);
    // Rows 3, 13, 23 lack the primary key; row 7 exists already (an insert must fail).
    let rows = (0..30u64).map(|i| {
        let mut row = person(i);
        if i % 10 == 3 {
            row.remove("Id");
        }
        row
    });
    let report = loader
        .load_rows("people", stream::iter(rows))
        .insert()
        .key_columns(["Id"])
        .batch_rows(8)
        .poll_interval(Duration::from_millis(10))
        .await
        .unwrap();
    assert!(!report.is_complete());
    assert_eq!(report.rows_accepted, 26);
    let failed: Vec<u64> = report.failed.iter().map(|f| f.index).collect();
    assert_eq!(failed, [3, 7, 13, 23]);
    let dup = &report.failed[1];
    assert_eq!(dup.keys.get("Id"), Some(&json!(7)));
    assert_eq!(dup.row, person(7));
    match &dup.reason {
        FailureReason::Rejected { message, .. } => assert!(message.contains("PRIMARY KEY"), "{message}"),
        other => panic!("{other:?}"),
    }
    let missing = &report.failed[0];
    assert!(missing.keys.is_empty());
    assert!(missing.reason.to_string().contains("Id"), "{}", missing.reason);

    // Fix the rows that lacked a key and send only those again.
    let again = report.failed.into_iter().filter(|f| f.index % 10 == 3).map(|f| {
        let mut row = f.row;
        row.insert("Id".into(), json!(f.index));
        row
    });
    let retry = loader
        .load_rows("people", stream::iter(again))
        .poll_interval(Duration::from_millis(10))
        .await
        .unwrap();
    assert!(retry.is_complete());
    assert_eq!(retry.rows_accepted, 3);
    assert_eq!(fake.data_extensions().rows("people").len(), 30);
}

#[tokio::test]
async fn a_429_burst_slows_the_whole_load_and_loses_or_doubles_nothing() {
    let (fake, loader) = setup().await;
    // Every third upload is refused, five times: 50200 without Retry-After, then 50100 with it.
    fake.inject(Fault::status(429).every(3).times(3).path_prefix(UPLOADS));
    fake.inject(
        Fault::status(429)
            .retry_after(Duration::from_secs(1))
            .every(3)
            .times(2)
            .path_prefix(UPLOADS),
    );
    let report = loader
        .load_rows("people", stream::iter((0..20_000).map(person)))
        .batch_rows(1_000)
        .concurrency(4)
        .poll_interval(Duration::from_millis(10))
        .await
        .unwrap();
    assert!(report.is_complete(), "{:?}", report.failed.first());
    assert_eq!(report.batches, 20);
    assert_eq!(report.throttled, 5, "each 429 held the load once");
    assert_eq!(fake.pending_faults(), 0);
    assert_eq!(uploads(&fake, "PUT"), 25, "20 batches and one resend per 429, no more");
    assert_eq!(fake.data_extensions().rows_received("people"), 20_000);
    assert_eq!(fake.data_extensions().duplicate_rows_received("people"), 0);
    assert_eq!(fake.data_extensions().rows("people").len(), 20_000);
}

#[tokio::test]
async fn inserts_are_resent_after_a_refusal_but_never_after_an_ambiguous_failure() {
    let (fake, loader) = setup().await;
    // A 429 is MC saying it did nothing: the insert goes again.
    fake.inject(Fault::status(429).path_prefix(UPLOADS));
    let report = loader
        .load_rows("people", stream::iter((0..3_000).map(person)))
        .insert()
        .batch_rows(1_000)
        .poll_interval(Duration::from_millis(10))
        .await
        .unwrap();
    assert!(report.is_complete());
    assert_eq!(uploads(&fake, "POST"), 4);

    // A 502 after the request went out: MC may have written it, so it is not resent.
    fake.requests().clear();
    fake.inject(Fault::status(502).path_prefix(UPLOADS));
    let report = loader
        .load_rows("people", stream::iter((10_000..13_000).map(person)))
        .insert()
        .key_columns(["Id"])
        .batch_rows(1_000)
        .concurrency(1)
        .poll_interval(Duration::from_millis(10))
        .await
        .unwrap();
    assert_eq!(uploads(&fake, "POST"), 3, "the failed insert was not sent again");
    assert_eq!(report.rows_accepted, 2_000);
    assert_eq!(report.failed.len(), 1_000);
    assert_eq!(report.failed[0].index, 0);
    assert_eq!(report.failed[0].keys.get("Id"), Some(&json!(10_000)));
    assert!(report
        .failed
        .iter()
        .all(|f| matches!(f.reason, FailureReason::Unknown(_))));

    // The same failure on an upsert is retried: upserts are idempotent.
    fake.requests().clear();
    fake.inject(Fault::status(502).path_prefix(UPLOADS));
    let report = loader
        .load_rows("people", stream::iter((20_000..23_000).map(person)))
        .batch_rows(1_000)
        .poll_interval(Duration::from_millis(10))
        .await
        .unwrap();
    assert!(report.is_complete());
    assert_eq!(uploads(&fake, "PUT"), 4);
}

#[tokio::test]
async fn results_are_awaited_while_mc_is_still_processing() {
    let (fake, loader) = setup().await;
    fake.data_extensions().set_async_pending_polls(2);
    let report = loader
        .load_rows("people", stream::iter((0..2_500).map(person)))
        .batch_rows(1_000)
        .poll_interval(Duration::from_millis(5))
        .await
        .unwrap();
    assert!(report.is_complete());
    let polls = fake
        .requests()
        .all()
        .iter()
        .filter(|r| r.path.ends_with("/status"))
        .count();
    assert_eq!(
        polls,
        3 * 3,
        "two Pending answers, then Complete, for each of 3 batches"
    );

    // Results that never come in time: the rows are reported, not lost.
    fake.data_extensions().set_async_pending_polls(u32::MAX);
    let report = loader
        .load_rows("people", stream::iter((5_000..5_010).map(person)))
        .poll_interval(Duration::from_millis(5))
        .max_wait(Duration::from_millis(30))
        .await
        .unwrap();
    assert_eq!(report.failed.len(), 10);
    assert!(
        report.failed[0].reason.to_string().contains("still running"),
        "{}",
        report.failed[0].reason
    );
}

#[tokio::test]
async fn dropping_the_load_stops_it_and_leaves_nothing_running() {
    let (fake, loader) = setup().await;
    fake.set_latency(Duration::from_millis(50));
    let load = loader
        .load_rows("people", stream::iter(0..).map(person))
        .batch_rows(500)
        .concurrency(3);
    let gauge = load.gauge();
    let fut = load.into_future();
    let requests = fake.requests();
    tokio::select! {
        r = fut => panic!("an endless load ended: {r:?}"),
        () = requests.wait_for_api_count(6) => {}
    }
    // `fut` is dropped here.
    assert_eq!(gauge.rows_buffered(), 0, "every buffered row was freed");
    assert_eq!(gauge.requests_in_flight(), 0, "no request is left running");
    let seen = fake.requests().api_count();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(fake.requests().api_count(), seen, "nothing is sent after the drop");
    assert!(gauge.peak_rows_buffered() > 0);
}

#[tokio::test]
async fn a_broken_row_stream_stops_the_load_with_the_row_named() {
    let (fake, loader) = setup().await;
    let pulled = Arc::new(AtomicU64::new(0));
    let p = Arc::clone(&pulled);
    let rows = stream::iter(0..100u64).map(move |i| {
        p.fetch_add(1, Ordering::Relaxed);
        if i == 42 {
            Err(std::io::Error::other("the source file is truncated"))
        } else {
            Ok(person(i))
        }
    });
    let e = loader.load_rows("people", rows).await.unwrap_err();
    assert!(matches!(e, Error::Row { index: Some(42), .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.starts_with("row 42 "), "{text}");
    assert!(text.contains("the source file is truncated"), "{text}");
    assert_eq!(
        pulled.load(Ordering::Relaxed),
        43,
        "no row after the broken one is read"
    );
    assert_eq!(
        uploads(&fake, "PUT"),
        0,
        "the batch holding rows before it was not sent"
    );

    let rows = stream::iter(0..100u64).map(|i| {
        assert!(i != 5, "generator exploded");
        person(i)
    });
    let e = loader.load_rows("people", rows).await.unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, Error::Row { index: Some(5), .. }), "{e:?}");
    assert!(
        text.contains("panicked") && text.contains("generator exploded"),
        "{text}"
    );

    let rows = stream::iter([json!({ "Id": 1 }), json!(["not", "a", "row"])]);
    let e = loader.load_rows("people", rows).await.unwrap_err();
    assert!(
        e.to_string().contains("row 1 ") && e.to_string().contains("an array"),
        "{e}"
    );
}

#[tokio::test]
async fn an_oversized_row_is_refused_before_anything_is_sent() {
    let (fake, loader) = setup().await;
    let mut rows: Vec<Map<String, Value>> = (0..10).map(person).collect();
    rows[2].insert("Bio".into(), json!("x".repeat(5_000_000)));
    let e = loader.load_rows("people", stream::iter(rows)).await.unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, Error::Row { index: Some(2), .. }), "{e:?}");
    assert!(text.contains("4194304-byte body limit"), "{text}");
    assert_eq!(fake.requests().api_count(), 0, "nothing was sent");
}

#[tokio::test]
async fn settings_outside_mc_limits_are_refused_by_name() {
    let (fake, loader) = setup().await;
    let rows = || stream::iter((0..3).map(person));
    for (e, setting) in [
        (
            loader.load_rows("people", rows()).concurrency(0).await.unwrap_err(),
            "concurrency",
        ),
        (
            loader.load_rows("people", rows()).concurrency(65).await.unwrap_err(),
            "concurrency",
        ),
        (
            loader.load_rows("people", rows()).batch_rows(32_001).await.unwrap_err(),
            "batch_rows",
        ),
        (
            loader.load_rows("people", rows()).batch_rows(0).await.unwrap_err(),
            "batch_rows",
        ),
        (
            loader
                .load_rows("people", rows())
                .max_batch_bytes(6_000_000)
                .await
                .unwrap_err(),
            "max_batch_bytes",
        ),
        (
            loader.load_rows("people", rows()).max_pending(0).await.unwrap_err(),
            "max_pending",
        ),
        (
            loader
                .load_rows("people", rows())
                .poll_interval(Duration::ZERO)
                .await
                .unwrap_err(),
            "poll_interval",
        ),
        (loader.load_rows("", rows()).await.unwrap_err(), "key"),
    ] {
        assert!(
            matches!(&e, Error::Config { setting: s, .. } if s == setting),
            "{setting}: {e:?}"
        );
    }
    assert_eq!(fake.requests().api_count(), 0);
}

#[tokio::test]
async fn a_refusal_every_batch_would_meet_stops_the_load() {
    let (fake, loader) = setup().await;
    fake.inject(Fault::status(400).path_prefix(UPLOADS));
    let e = loader
        .load_rows("people", stream::iter((0..10_000).map(person)))
        .batch_rows(1_000)
        .concurrency(1)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(400));
    assert_eq!(uploads(&fake, "PUT"), 1, "no batch went out after the refusal");
}

#[tokio::test]
async fn rows_of_every_accepted_kind_load() {
    #[derive(serde::Serialize)]
    struct Person {
        #[serde(rename = "Id")]
        id: u32,
        #[serde(rename = "Email")]
        email: String,
    }
    let (fake, loader) = setup().await;
    let typed = (0..3).map(|i| {
        Serialized(Person {
            id: i,
            email: format!("p{i}@example.com"),
        })
    });
    assert!(loader
        .load_rows("people", stream::iter(typed))
        .poll_interval(Duration::from_millis(5))
        .await
        .unwrap()
        .is_complete());
    let rows = (3..6).map(|i| Row::new().key("Id", i).value("Email", format!("p{i}@example.com")));
    // Rows name their keys, so failures are named by them without key_columns.
    let mut rows: Vec<Row> = rows.collect();
    rows.push(Row::new().value("Email", "no-key@example.com"));
    let report = loader
        .load_rows("people", stream::iter(rows))
        .poll_interval(Duration::from_millis(5))
        .await
        .unwrap();
    assert_eq!(report.rows_accepted, 3);
    assert_eq!(report.failed[0].index, 3);
    let values = (6..9).map(|i| json!({ "Id": i }));
    assert!(loader
        .load_rows("people", stream::iter(values))
        .poll_interval(Duration::from_millis(5))
        .await
        .unwrap()
        .is_complete());
    assert_eq!(fake.data_extensions().rows("people").len(), 9);
}

#[tokio::test]
async fn batch_sends_are_split_at_mc_recipient_limits() {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("send", "send-secret-value").scopes(Sender::SCOPES));
    let sender = Sender::connect(creds).await.unwrap();
    fake.email()
        .add_definition(json!({ "definitionKey": "welcome", "name": "Welcome" }));
    fake.sms()
        .add_definition(json!({ "definitionKey": "otp", "name": "OTP" }));
    let recipients = |n: usize| -> Vec<Recipient> {
        (0..n)
            .map(|i| Recipient::to(format!("u{i}@example.com")).message_key(format!("m{i}")))
            .collect()
    };

    let report = sender
        .send_email_batches(&EmailBatch::new("welcome", recipients(2_001)))
        .await;
    assert!(report.is_complete(), "{:?}", report.error);
    assert_eq!((report.sent, report.responses.len()), (2_001, 2), "2,000 + 1");
    let accepted: usize = report.responses.iter().map(|r| r.responses.len()).sum();
    assert_eq!(accepted, 2_001, "one accepted message per recipient");

    let mut with_attributes = recipients(1_200);
    for r in &mut with_attributes {
        *r = r.clone().attribute("FirstName", "Ada");
    }
    fake.requests().clear();
    let report = sender
        .send_email_batches(&EmailBatch::new("welcome", with_attributes.clone()))
        .await;
    assert_eq!((report.sent, report.responses.len()), (1_200, 3), "500 + 500 + 200");

    // One call over the limit is refused before it is sent, naming the splitting call.
    fake.requests().clear();
    let e = sender
        .send_email_batch(&EmailBatch::new("welcome", recipients(2_001)))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("send_email_batches"), "{e}");
    let e = sender
        .send_email_batch(&EmailBatch::new("welcome", with_attributes))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("500 with attributes"), "{e}");
    assert_eq!(fake.requests().api_count(), 0);

    // A failure stops the sends and says where.
    fake.inject(Fault::status(400).path_prefix("/messaging/v1/sms"));
    let report = sender.send_sms_batches(&SmsBatch::new("otp", recipients(2_100))).await;
    let (at, e) = report.error.expect("the first call failed");
    assert_eq!((at, report.sent, e.status()), (0, 0, Some(400)));
    let report = sender.send_sms_batches(&SmsBatch::new("otp", recipients(2_100))).await;
    assert_eq!((report.sent, report.responses.len()), (2_100, 2));
    let calls: Vec<usize> = fake
        .requests()
        .all()
        .iter()
        .filter(|r| r.path == "/messaging/v1/sms/messages" && r.status() == Some(202))
        .map(|r| r.json().unwrap()["recipients"].as_array().unwrap().len())
        .collect();
    assert_eq!(calls, [2_000, 100]);
}
