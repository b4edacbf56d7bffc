//! Soak: one simulated hour of 64 concurrent workers against the fake while it injects about
//! 5% transient errors. Time is a `ManualClock` advanced in 15-second steps.
//!
//! Asserts: zero failed calls; token requests equal to the minimum the refresh policy allows;
//! no secret in any log line (captured at TRACE). Prints the counts.

use std::time::Duration;

use mc_auth::testing::{FakeMarketingCloud, Fault, Package, RequestKind};
use mc_auth::{Client, ManualClock, RefreshPolicy, RetryPolicy};
use mc_auth_tests::CapturedLogs;

const WORKERS: usize = 64;
const STEP: Duration = Duration::from_secs(15);
const HOUR: Duration = Duration::from_secs(3600);
const LIFETIME: u64 = 1080;
const WINDOW: u64 = 300;
/// Faults injected per step of 64 calls: about 5%.
const FAULTS_PER_STEP: usize = 3;

#[tokio::test(flavor = "current_thread")]
async fn one_simulated_hour_of_64_workers_with_transient_errors() {
    let logs = CapturedLogs::default();
    let _guard = logs.install();
    let clock = ManualClock::new();
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    fake.register_package(Package::new("soak-id", "soak-secret-value").scopes(["email_read"]));
    let client = Client::builder(fake.credentials("soak-id"))
        .scopes(["email_read"])
        .clock(clock.clone())
        .refresh_policy(RefreshPolicy {
            refresh_window: Duration::from_secs(WINDOW),
            hard_margin: Duration::from_secs(30),
            jitter: false,
        })
        .retry_policy(RetryPolicy::new(4, Duration::from_millis(1), Duration::from_millis(5)))
        .build()
        .unwrap();

    let statuses = [503, 500, 429, 502];
    let steps = (HOUR.as_secs() / STEP.as_secs()) as usize;
    let mut failed = 0usize;
    let mut calls = 0usize;
    for step in 0..steps {
        fake.inject(
            Fault::status(statuses[step % statuses.len()])
                .only_api_requests()
                .times(FAULTS_PER_STEP),
        );
        let tasks: Vec<_> = (0..WORKERS)
            .map(|_| {
                let c = client.clone();
                tokio::spawn(async move { c.get("/messaging/v1/email/definitions").send().await })
            })
            .collect();
        for t in tasks {
            calls += 1;
            if t.await.unwrap().is_err() {
                failed += 1;
            }
        }
        clock.advance(STEP);
    }

    let requests = fake.requests().all();
    let api: Vec<_> = requests.iter().filter(|r| r.kind == RequestKind::Api).collect();
    let faulted = api.iter().filter(|r| r.faulted()).count();
    let last_step_at = (steps as u64 - 1) * STEP.as_secs();
    // A token is replaced when its refresh window opens (lifetime - window after receipt, no
    // jitter here): the first at 0 s, then one per 780 s within the hour.
    let minimum_token_requests = 1 + last_step_at / (LIFETIME - WINDOW);
    let stats = client.stats();
    println!(
        "soak: {calls} calls, {failed} failed, {} API requests ({faulted} faulted, {:.1}%), {} retries, {} token requests (minimum {minimum_token_requests}), {} background refreshes",
        api.len(),
        100.0 * faulted as f64 / api.len() as f64,
        stats.api_retries,
        fake.requests().token_count(),
        stats.background_refreshes,
    );
    assert_eq!(failed, 0, "every call succeeds despite the injected errors");
    assert_eq!(calls, steps * WORKERS);
    assert!(faulted >= steps * FAULTS_PER_STEP, "the faults were really served");
    assert_eq!(fake.requests().token_count() as u64, minimum_token_requests);

    let mut secrets = fake.tokens().values();
    secrets.push("soak-secret-value".into());
    let text = logs.contents();
    assert!(text.lines().count() > 1000, "the run was logged");
    for line in text.lines() {
        for s in &secrets {
            assert!(!line.contains(s.as_str()), "a secret leaked into a log line: {line}");
        }
    }
}
