//! Benchmarks for the token cache and authenticated calls.
//!
//! ```text
//! cargo bench -p mc-auth --features testing --bench token_cache
//! ```
//!
//! - `fast_path/arc_clone` vs `fast_path/token`: reading a fresh token from the cache next to
//!   the `Arc::clone` it is built on (target: at most 2x).
//! - `get_c64/*`: 64 concurrent authenticated GETs against the
//!   fake Marketing Cloud, through mc-auth and through a bare reqwest client with a fixed bearer
//!   header (target: at most 1.02x).

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::Client;

const PATH: &str = "/messaging/v1/email/definitions";
const CONCURRENCY: usize = 64;

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
    group.finish();
}

fn get_c64(c: &mut Criterion) {
    let rt = runtime();
    let (fake, client) = setup(&rt);
    let token = rt.block_on(client.token()).unwrap();
    let url = format!("{}{PATH}", token.rest_instance_url());
    let bearer = format!("Bearer {}", token.access_token().expose_secret());
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // The same client settings mc-auth uses (timeouts, user agent), for a like-for-like
    // comparison of the per-request work mc-auth adds.
    let bare_configured = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(std::time::Duration::from_secs(60))
        .user_agent("mc-auth-bench")
        .build()
        .unwrap();

    let mut group = c.benchmark_group("get_c64");
    group.sample_size(30);
    let bare_call = |http: reqwest::Client| {
        let (url, bearer) = (url.clone(), bearer.clone());
        async move { bare_get(&http, &url, &bearer).await }
    };
    group.bench_function("bare_reqwest", |b| {
        b.to_async(&rt).iter(|| concurrently(|| bare_call(bare.clone())));
        fake.clear_requests();
    });
    group.bench_function("bare_reqwest_with_timeouts", |b| {
        b.to_async(&rt)
            .iter(|| concurrently(|| bare_call(bare_configured.clone())));
        fake.clear_requests();
    });
    // mc-auth's token cache with a bare request: separates the cache's cost from the request
    // builder's.
    group.bench_function("cache_plus_bare", |b| {
        b.to_async(&rt).iter(|| {
            concurrently(|| {
                let (http, url, client) = (bare_configured.clone(), url.clone(), client.clone());
                async move {
                    let t = client.token().await.unwrap();
                    bare_get(&http, &url, &format!("Bearer {}", t.access_token().expose_secret())).await;
                }
            })
        });
        fake.clear_requests();
    });
    group.bench_function("mc_auth", |b| {
        b.to_async(&rt).iter(|| {
            concurrently(|| {
                let client = client.clone();
                async move {
                    black_box(client.get(PATH).send().await.unwrap());
                }
            })
        });
        fake.clear_requests();
    });
    group.finish();
}

/// Runs `CONCURRENCY` calls made by `call` as concurrent tasks and waits for all of them.
async fn concurrently<F, Fut>(mut call: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let tasks: Vec<_> = (0..CONCURRENCY).map(|_| tokio::spawn(call())).collect();
    for t in tasks {
        t.await.unwrap();
    }
}

/// One authenticated GET with a plain reqwest client, body read in full.
async fn bare_get(http: &reqwest::Client, url: &str, bearer: &str) {
    let r = http.get(url).header("authorization", bearer).send().await.unwrap();
    assert!(r.status().is_success());
    black_box(r.bytes().await.unwrap());
}

criterion_group!(benches, fast_path, get_c64);
criterion_main!(benches);
