//! Per-call options on typed operations: an idempotency override (a typed upsert sent as a
//! POST is retried once declared idempotent) and a timeout for the whole call.

use std::time::Duration;

use mc_auth::api::data_extensions::Row;
use mc_auth::api::prelude::*;
use mc_auth::testing::{FakeMarketingCloud, Fault, Package};
use mc_auth::{mc_client, CallOptions, Client, Error, RetryPolicy, TransportKind};

#[mc_client(scopes = "data_extensions_write")]
struct Writer;

const ROWSET: &str = "/hub/v1/dataevents/";

async fn setup() -> (FakeMarketingCloud, Writer) {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("opts", "opts-secret-value").scopes(Writer::SCOPES));
    let builder =
        Client::builder(creds).retry_policy(RetryPolicy::new(3, Duration::from_millis(1), Duration::from_millis(5)));
    (fake, Writer::connect_with(builder).await.unwrap())
}

fn rowset_posts(fake: &FakeMarketingCloud) -> usize {
    fake.requests()
        .all()
        .iter()
        .filter(|r| r.path.starts_with(ROWSET))
        .count()
}

#[tokio::test]
async fn a_typed_upsert_declared_idempotent_is_retried() {
    let (fake, writer) = setup().await;
    let rows = [Row::new().key("Id", 1).value("Tier", "gold")];

    // By default the synchronous upsert (a POST) is not sent again after a 503.
    fake.inject(Fault::status(503).path_prefix(ROWSET));
    let e = writer.upsert_rows("people", &rows).await.unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert_eq!(rowset_posts(&fake), 1);

    // Declared idempotent, it is.
    fake.requests().clear();
    fake.inject(Fault::status(503).path_prefix(ROWSET));
    let patient = writer.with_options(CallOptions::new().idempotent(true));
    patient.upsert_rows("people", &rows).await.unwrap();
    assert_eq!(rowset_posts(&fake), 2);
    assert_eq!(fake.data_extensions().rows("people").len(), 1);

    // The options live on the returned handle only; the original client is unchanged.
    fake.requests().clear();
    fake.inject(Fault::status(503).path_prefix(ROWSET));
    assert!(writer.upsert_rows("people", &rows).await.is_err());
    assert_eq!(rowset_posts(&fake), 1);
    assert_eq!(patient.client().call_options().idempotent, Some(true));
    assert_eq!(writer.client().call_options(), CallOptions::default());
}

#[tokio::test]
async fn a_call_timeout_bounds_the_whole_call() {
    let (fake, writer) = setup().await;
    let rows = [Row::new().key("Id", 1)];
    // Warm the token so that the timeout measures the call alone.
    writer.upsert_rows("people", &rows).await.unwrap();
    fake.set_latency(Duration::from_secs(5));
    let hasty = writer.with_options(CallOptions::new().timeout(Duration::from_millis(100)));
    let e = hasty.upsert_rows("people", &rows).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("timeout of 100ms"), "{e}");
    fake.set_latency(Duration::ZERO);
    hasty.upsert_rows("people", &rows).await.unwrap();
}
