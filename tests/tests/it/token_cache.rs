//! The token cache against the fake Marketing Cloud: single flight, expiry, refresh ahead,
//! 401 recovery and business-unit partitions. Time is a `ManualClock`: nothing sleeps.

use std::sync::Arc;
use std::time::Duration;

use mc_auth::testing::{FakeMarketingCloud, Fault, Package};
use mc_auth::{Client, Error, ManualClock};

const SCOPES: [&str; 2] = ["email_read", "email_send"];

async fn setup() -> (FakeMarketingCloud, Client, ManualClock) {
    let clock = ManualClock::new();
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    fake.register_package(
        Package::new("cid", "csecret-value")
            .scopes(SCOPES)
            .business_units([111, 222]),
    );
    let client = Client::builder(fake.credentials("cid"))
        .scopes(SCOPES)
        .clock(clock.clone())
        .build()
        .unwrap();
    (fake, client, clock)
}

async fn concurrent_tokens(client: &Client, n: usize) -> Vec<mc_auth::Result<Arc<mc_auth::Token>>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.token().await })
        })
        .collect();
    let mut out = Vec::with_capacity(n);
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_cold_callers_cause_one_token_request() {
    let (fake, client, _clock) = setup().await;
    let tokens = concurrent_tokens(&client, 1000).await;
    assert_eq!(fake.requests().token_count(), 1);
    let first = tokens[0].as_ref().unwrap();
    assert!(tokens.iter().all(|t| Arc::ptr_eq(t.as_ref().unwrap(), first)));
    assert_eq!(client.stats().token_requests, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_expiry_exactly_one_more_request() {
    let (fake, client, clock) = setup().await;
    let old = client.token().await.unwrap();
    clock.advance(Duration::from_secs(1081));
    let tokens = concurrent_tokens(&client, 500).await;
    assert_eq!(fake.requests().token_count(), 2);
    for t in &tokens {
        let t = t.as_ref().unwrap();
        assert!(!Arc::ptr_eq(t, &old));
        assert!(Arc::ptr_eq(t, tokens[0].as_ref().unwrap()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_hard_margin_callers_wait_for_a_new_token() {
    let (fake, client, clock) = setup().await;
    let old = client.token().await.unwrap();
    // 1080 s lifetime, 30 s hard margin: at 1060 s the token is no longer handed out.
    clock.advance(Duration::from_secs(1060));
    let new = client.token().await.unwrap();
    assert!(!Arc::ptr_eq(&old, &new));
    assert_eq!(fake.requests().token_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inside_the_refresh_window_nobody_waits_and_one_refresh_happens() {
    let (fake, client, clock) = setup().await;
    let old = client.token().await.unwrap();
    // Hold every token request so that anyone waiting for one would hang.
    fake.inject(Fault::delay(Duration::from_secs(3600)).only_token_requests().times(1));
    // The window is 5 minutes less up to a fifth of jitter: 845 s in is inside it whatever the
    // jitter, and well before the 30 s hard margin.
    clock.advance(Duration::from_secs(845));
    for _ in 0..200 {
        let t = tokio::time::timeout(Duration::from_secs(30), client.token())
            .await
            .expect("a caller inside the refresh window must not wait")
            .unwrap();
        assert!(Arc::ptr_eq(&t, &old), "the still-valid token is served meanwhile");
    }
    fake.requests().wait_for_token_count(2).await;
    assert_eq!(fake.requests().token_count(), 2, "exactly one background refresh");
    assert_eq!(client.stats().background_refreshes, 1);
}

/// The background refresh's token replaces the old one; a caller that arrives past the hard
/// margin while it is in flight joins it instead of starting another request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_background_refresh_replaces_the_token() {
    let (fake, client, clock) = setup().await;
    let old = client.token().await.unwrap();
    clock.advance(Duration::from_secs(845));
    assert!(Arc::ptr_eq(&client.token().await.unwrap(), &old));
    fake.requests().wait_for_token_count(2).await;
    clock.advance(Duration::from_secs(215)); // 1060 s: past the old token's hard margin
    let new = client.token().await.unwrap();
    assert!(!Arc::ptr_eq(&new, &old));
    assert_eq!(fake.requests().token_count(), 2);
    assert!(Arc::ptr_eq(&client.token().await.unwrap(), &new));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callers_get_the_refreshed_token_as_soon_as_it_lands() {
    let (fake, client, clock) = setup().await;
    let old = client.token().await.unwrap();
    // Fast-path reads here and on the workers: those threads now remember the token.
    client.token().await.unwrap();
    concurrent_tokens(&client, 100).await;
    clock.advance(Duration::from_secs(845)); // inside the refresh window
    assert!(Arc::ptr_eq(&client.token().await.unwrap(), &old));
    fake.requests().wait_for_token_count(2).await;
    // Still inside the window: the old token would be usable, but the new one must win as soon
    // as the background request stores it (every thread's remembered copy is stale then).
    let new = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let t = client.token().await.unwrap();
            if !Arc::ptr_eq(&t, &old) {
                return t;
            }
            tokio::task::yield_now().await;
        }
    })
    .await
    .expect("the refreshed token was never handed out inside the refresh window");
    let tokens = concurrent_tokens(&client, 100).await;
    assert!(tokens.iter().all(|t| Arc::ptr_eq(t.as_ref().unwrap(), &new)));
    assert_eq!(fake.requests().token_count(), 2);
}

#[tokio::test]
async fn a_dropped_clients_token_is_not_kept_alive() {
    let (fake, client, _clock) = setup().await;
    let token = client.token().await.unwrap();
    client.token().await.unwrap(); // a fast-path read: this thread now remembers the token
    let weak = Arc::downgrade(&token);
    drop(token);
    drop(client);
    let other = Client::builder(fake.credentials("cid"))
        .scopes(["email_read"])
        .build()
        .unwrap();
    other.token().await.unwrap();
    other.token().await.unwrap();
    assert!(
        weak.upgrade().is_none(),
        "the dropped client's token (a secret) is still held after this thread read another token"
    );
}

#[tokio::test]
async fn a_401_gets_one_new_token_and_one_retry() {
    let (fake, client, _clock) = setup().await;
    client.get("/messaging/v1/email/definitions").send().await.unwrap();
    fake.tokens().expire_all();
    let resp = client.get("/messaging/v1/email/definitions").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(fake.requests().token_count(), 2);
    assert_eq!(fake.requests().api_count(), 3);
    assert_eq!(client.stats().unauthorized_recoveries, 1);
}

#[tokio::test]
async fn a_second_401_is_an_error_not_a_loop() {
    let (fake, client, _clock) = setup().await;
    client.token().await.unwrap();
    fake.inject(Fault::unauthorized().only_api_requests().times(5));
    let err = client.get("/messaging/v1/email/definitions").send().await.unwrap_err();
    match &err {
        Error::Api {
            status: 401,
            errorcode: Some(0),
            message,
            ..
        } => assert_eq!(message, "Not Authorized"),
        other => panic!("expected a 401 API error, got {other:?}"),
    }
    assert_eq!(fake.requests().api_count(), 2, "one request and one retry");
    assert_eq!(fake.requests().token_count(), 2, "one new token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_on_the_same_token_cause_one_refresh() {
    let (fake, client, _clock) = setup().await;
    client.token().await.unwrap();
    fake.tokens().expire_all();
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.get("/messaging/v1/email/definitions").send().await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        fake.requests().token_count(),
        2,
        "the refused token is replaced once, not once per caller"
    );
}

#[tokio::test]
async fn a_401_does_not_invalidate_a_newer_token() {
    let (_fake, client, _clock) = setup().await;
    let old = client.token().await.unwrap();
    client.token().await.unwrap(); // a fast-path read: this thread now remembers `old`
    assert!(client.invalidate(&old));
    let newer = client.token().await.unwrap();
    assert!(
        !Arc::ptr_eq(&newer, &old),
        "this thread must not keep handing out the refused token"
    );
    // A late 401 for the old token must not throw the newer one away.
    assert!(!client.invalidate(&old));
    assert!(Arc::ptr_eq(&client.token().await.unwrap(), &newer));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_reaches_every_waiter_and_the_next_call_tries_again() {
    let (fake, _, clock) = setup().await;
    // No retries here: this is about how one failed request reaches its waiters.
    let client = Client::builder(fake.credentials("cid"))
        .scopes(SCOPES)
        .clock(clock)
        .retry_policy(mc_auth::RetryPolicy::never())
        .build()
        .unwrap();
    // A slow failure, so that every caller joins the one request before it fails.
    fake.inject(
        Fault::status(500)
            .after(Duration::from_millis(300))
            .only_token_requests()
            .times(1),
    );
    let results = concurrent_tokens(&client, 100).await;
    assert_eq!(fake.requests().token_count(), 1);
    for r in &results {
        assert!(matches!(r, Err(e) if e.status() == Some(500)), "{r:?}");
    }
    client.token().await.unwrap();
    assert_eq!(fake.requests().token_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_caller_does_not_break_the_shared_request() {
    let (fake, client, _clock) = setup().await;
    // Keep the token request in flight long enough to cancel a caller during it.
    fake.inject(Fault::delay(Duration::from_millis(300)).only_token_requests().times(1));
    let first = {
        let c = client.clone();
        tokio::spawn(async move { c.token().await })
    };
    fake.requests().wait_for_token_count(1).await;
    let second = {
        let c = client.clone();
        tokio::spawn(async move { c.token().await })
    };
    first.abort();
    assert!(first.await.unwrap_err().is_cancelled());
    second.await.unwrap().unwrap();
    assert_eq!(fake.requests().token_count(), 1);
    // And with every caller gone, the request still lands in the cache.
    client.token().await.unwrap();
    assert_eq!(fake.requests().token_count(), 1);
}

#[tokio::test]
async fn business_units_get_separate_tokens_carrying_their_account_id() {
    let (fake, client, _clock) = setup().await;
    let a = client.for_account(111u64);
    let b = client.for_account(222u64);
    let ta = a.token().await.unwrap();
    let tb = b.token().await.unwrap();
    let t0 = client.token().await.unwrap();
    assert!(!Arc::ptr_eq(&ta, &tb) && !Arc::ptr_eq(&ta, &t0));
    assert_eq!(ta.account_id().map(|m| m.0), Some(111));
    assert_eq!(tb.account_id().map(|m| m.0), Some(222));
    // Same MID, same partition: no new request.
    client.for_account(111u64).token().await.unwrap();
    assert_eq!(fake.requests().token_count(), 3);
    let accounts: Vec<Option<String>> = fake
        .requests()
        .token_requests()
        .iter()
        .map(|r| {
            r.json_body()
                .unwrap()
                .get("account_id")
                .map(|v| v.as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(accounts, [Some("111".to_owned()), Some("222".to_owned()), None]);
    assert_eq!(a.userinfo().await.unwrap().organization.member_id, Some(111));
    assert_eq!(b.userinfo().await.unwrap().organization.member_id, Some(222));
}

#[tokio::test]
async fn clones_share_one_cache() {
    let (fake, client, _clock) = setup().await;
    let clone = client.clone();
    let t1 = client.token().await.unwrap();
    let t2 = clone.token().await.unwrap();
    assert!(Arc::ptr_eq(&t1, &t2));
    assert_eq!(fake.requests().token_count(), 1);
}
