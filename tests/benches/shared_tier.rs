//! Benchmark of the shared tier: what a token from Redis costs next to one from the client's
//! own cache and one requested from the token endpoint, in one run.
//!
//! ```text
//! cargo bench -p mc-auth-tests --bench shared_tier
//! ```
//!
//! Needs `redis-server` (`cargo xtask test` installs it); started on a free loopback port.
//!
//! - `tier/in_process_hit`: `client.token()` with a fresh token cached (the fast path).
//! - `tier/shared_hit`: the client's own cache empty, a fresh token in Redis: the cache's
//!   single flight, one `GET` to Redis, decrypting and checking the record.
//! - `tier/token_request`: no shared tier, own cache empty: a token request to the fake on
//!   loopback (against Marketing Cloud, a round trip over the internet instead).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use mc_auth::store::{EncryptionKey, RedisStore};
use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::Client;
use mc_auth_tests::redis_server::RedisServer;

fn tier(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let redis = RedisServer::start();
    let (_fake, shared, direct) = rt.block_on(async {
        let fake = FakeMarketingCloud::start().await;
        fake.register_package(Package::new("bench", "bench-secret").scopes(["email_read"]));
        let store = RedisStore::new(&redis.url(), EncryptionKey::generate().unwrap()).unwrap();
        let shared = Client::builder(fake.credentials("bench"))
            .scopes(["email_read"])
            .shared_cache(store)
            .connect()
            .await
            .unwrap();
        let direct = Client::builder(fake.credentials("bench"))
            .scopes(["email_read"])
            .connect()
            .await
            .unwrap();
        (fake, shared, direct)
    });
    let mut group = c.benchmark_group("tier");
    group.bench_function("in_process_hit", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(shared.token().await.unwrap()) });
    });
    group.bench_function("shared_hit", |b| {
        b.to_async(&rt).iter(|| async {
            let token = shared.token().await.unwrap();
            shared.invalidate(&token);
            black_box(shared.token().await.unwrap())
        });
    });
    group.bench_function("token_request", |b| {
        b.to_async(&rt).iter(|| async {
            let token = direct.token().await.unwrap();
            direct.invalidate(&token);
            black_box(direct.token().await.unwrap())
        });
    });
    group.finish();
    let stats = shared.stats();
    assert_eq!(
        stats.token_requests, 1,
        "every shared_hit iteration was a hit: {stats:?}"
    );
}

criterion_group!(benches, tier);
criterion_main!(benches);
