//! Benchmark of the token cache's fast path.
//!
//! ```text
//! cargo bench -p mc-auth --features testing --bench token_cache
//! ```
//!
//! - `fast_path/arc_clone` vs `fast_path/token`: reading a fresh token from the cache (one
//!   `ArcSwap` load and a coarse clock read) next to the `Arc::clone` it is built on, and next
//!   to `fast_path/authenticated_get`, one authenticated GET against the fake on loopback, in
//!   the same run (targets: at most 100 ns, and under 0.5% of the GET).
//!
//! Authenticated GETs at concurrency 64 are measured by the `get_ab` bench instead, which
//! interleaves its variants to cancel this VM's drift.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::Client;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn setup(rt: &tokio::runtime::Runtime) -> (FakeMarketingCloud, Client) {
    rt.block_on(async {
        let fake = FakeMarketingCloud::start().await;
        fake.register_package(Package::new("bench", "bench-secret").scopes(["email_read"]));
        let client = Client::builder(fake.credentials("bench"))
            .scopes(["email_read"])
            .connect()
            .await
            .unwrap();
        (fake, client)
    })
}

fn fast_path(c: &mut Criterion) {
    let rt = runtime();
    let (_fake, client) = setup(&rt);
    let token = rt.block_on(client.token()).unwrap();
    let mut group = c.benchmark_group("fast_path");
    group.bench_function("arc_clone", |b| b.iter(|| black_box(Arc::clone(black_box(&token)))));
    group.bench_function("instant_now", |b| b.iter(|| black_box(std::time::Instant::now())));
    let clock = mc_auth::Clock::System;
    group.bench_function("coarse_ticks", |b| b.iter(|| black_box(black_box(&clock).ticks())));
    let cached = arc_swap::ArcSwap::from(Arc::clone(&token));
    group.bench_function("arc_swap_load_full", |b| {
        b.iter(|| black_box(black_box(&cached).load_full()))
    });
    group.bench_function("token", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(client.token().await.unwrap()) });
    });
    group.bench_function("authenticated_get", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(client.get("/messaging/v1/email/definitions").send().await.unwrap()) });
    });
    group.finish();
}

criterion_group!(benches, fast_path);
criterion_main!(benches);
