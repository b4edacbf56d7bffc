//! The shared tier without Redis: clients built separately in one process sharing a
//! `MemoryCache`, and processes of one host sharing a `FileTokenStore` (its leases are
//! `flock`s). The fleet on Redis is tested by `tests/tests/fleet.rs`.

use std::time::Duration;

use futures_util::future::join_all;
use mc_auth::store::{EncryptionKey, FileTokenStore, MemoryCache, SharedKey, TokenCache};
use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::{Client, Credentials, ManualClock, ScopeSet};
use mc_auth_tests::temp_store_path;

const SCOPES: [&str; 1] = ["email_read"];

async fn fake(clock: &ManualClock) -> (FakeMarketingCloud, Credentials) {
    let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
    let creds = fake.register_package(Package::new("shared-id", "shared-secret-0001").scopes(SCOPES));
    (fake, creds)
}

fn client(creds: &Credentials, clock: &ManualClock, cache: impl TokenCache) -> Client {
    Client::builder(creds.clone())
        .scopes(SCOPES)
        .clock(clock.clone())
        .shared_cache(cache)
        .build()
        .unwrap()
}

/// 4 clients x 16 tasks, each client built on its own.
async fn herd(clients: &[Client]) {
    let calls = clients.iter().flat_map(|c| {
        (0..16).map(move |_| {
            let c = c.clone();
            tokio::spawn(async move { c.get("/messaging/v1/email/definitions").send().await })
        })
    });
    for r in join_all(calls).await {
        r.unwrap().unwrap();
    }
}

#[tokio::test]
async fn separately_built_clients_sharing_a_memory_cache_make_one_request_per_lifetime() {
    let clock = ManualClock::new();
    let (fake, creds) = fake(&clock).await;
    let cache = MemoryCache::new();
    let clients: Vec<Client> = (0..4).map(|_| client(&creds, &clock, cache.clone())).collect();
    herd(&clients).await;
    assert_eq!(fake.requests().token_count(), 1);
    assert_eq!(clients.iter().map(|c| c.stats().shared_hits).sum::<u64>(), 3);
    clock.advance(Duration::from_secs(1081));
    herd(&clients).await;
    assert_eq!(fake.requests().token_count(), 2, "one more for the next lifetime");
    // A client without the tier asks for its own.
    let alone = Client::builder(creds.clone())
        .scopes(SCOPES)
        .clock(clock.clone())
        .build()
        .unwrap();
    alone.token().await.unwrap();
    assert_eq!(fake.requests().token_count(), 3);
}

#[tokio::test]
async fn processes_of_one_host_share_tokens_through_the_file_store() {
    let clock = ManualClock::new();
    let (fake, creds) = fake(&clock).await;
    let path = temp_store_path("shared-tier");
    let key = EncryptionKey::generate().unwrap();
    // One FileTokenStore per client, as each process would open its own.
    let clients: Vec<Client> = (0..4)
        .map(|_| client(&creds, &clock, FileTokenStore::new(&path, key.clone())))
        .collect();
    herd(&clients).await;
    assert_eq!(fake.requests().token_count(), 1);
    let token = clients[0].token().await.unwrap();
    let raw = std::fs::read(&path).unwrap();
    let secret = token.access_token().expose_secret().as_bytes();
    assert!(
        !raw.windows(secret.len()).any(|w| w == secret),
        "the token is encrypted in the file"
    );

    // A lease is an flock: one holder at a time across open files, freed on release.
    let a = FileTokenStore::new(&path, key.clone());
    let b = FileTokenStore::new(&path, key.clone());
    let k = SharedKey::new("t", "c", None, Some(&ScopeSet::new(SCOPES)));
    let held = a.try_lease(&k).await.unwrap().expect("free");
    assert!(b.try_lease(&k).await.unwrap().is_none(), "held by another open file");
    held.release().await;
    assert!(b.try_lease(&k).await.unwrap().is_some(), "released");

    // A file under another key is refused: a WARN and a miss, never a failed call.
    let stranger = client(
        &creds,
        &clock,
        FileTokenStore::new(&path, EncryptionKey::generate().unwrap()),
    );
    stranger.token().await.unwrap();
    assert_eq!(fake.requests().token_count(), 2);
    assert!(stranger.stats().shared_failures >= 1);
}

#[tokio::test]
async fn an_unreachable_redis_costs_a_warn_never_a_call() {
    let logs = mc_auth_tests::CapturedLogs::default();
    let _guard = logs.install();
    let clock = ManualClock::new();
    let (fake, creds) = fake(&clock).await;
    // Nothing listens on port 1.
    let redis =
        mc_auth::store::RedisStore::new("redis://:hunter2-pw@127.0.0.1:1/0", EncryptionKey::generate().unwrap())
            .unwrap();
    let clients: Vec<Client> = (0..2).map(|_| client(&creds, &clock, redis.clone())).collect();
    herd(&clients).await;
    assert_eq!(fake.requests().token_count(), 2, "each client requested its own token");
    for c in &clients {
        assert!(c.stats().shared_failures >= 1);
    }
    let text = logs.contents();
    assert!(
        text.contains("WARN") && text.contains("carrying on without it"),
        "{text}"
    );
    assert!(
        text.contains("redis://127.0.0.1:1/0") && !text.contains("hunter2"),
        "{text}"
    );
}
