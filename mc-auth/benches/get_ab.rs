//! Interleaved A/B timing of authenticated GETs at concurrency 64 against the fake
//! Marketing Cloud: mc-auth versus bare reqwest clients with a fixed bearer header.
//!
//! ```text
//! cargo bench -p mc-auth --features testing --bench get_ab -- [ROUNDS]
//! GET_AB_ONLY=mc_auth cargo bench ...   # one variant (and the baseline), for profiling
//! ```
//!
//! Wall-clock timings on a shared 2-core VM drift by ±10% from one criterion run to the
//! next, which hides a 2% difference. This binary instead runs every variant once per round,
//! in a fresh random order, so that drift hits all variants alike, and reports the median of
//! the per-round ratios to the bare client with a bootstrap 95% confidence interval, and the
//! process CPU time per request (client and fake server together).
//!
//! Variants:
//! - `bare_reqwest`: the baseline, a default reqwest client (redirects off).
//! - `bare_with_timeout`, `bare_with_user_agent`, `bare_same_settings`: the baseline with
//!   mc-auth's default 60 s request timeout, its `User-Agent`, or both; what those settings
//!   cost in any client.
//! - `mc_auth`: a `Client` with its defaults (compare with `bare_same_settings` for what mc-auth
//!   itself adds: token cache, header, URL, body cap, retry bookkeeping).
//! - `mc_auth_lean`: a `Client` with `no_request_timeout()` and `no_user_agent()`, the same
//!   HTTP settings as the baseline.

use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::time::Instant;

use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::{Client, ClientBuilder, DEFAULT_REQUEST_TIMEOUT, DEFAULT_USER_AGENT};

const PATH: &str = "/messaging/v1/email/definitions";
const CONCURRENCY: usize = 64;
/// Batches of `CONCURRENCY` requests per variant per round.
const WAVES: usize = 8;

type Batch = Pin<Box<dyn Future<Output = ()> + Send>>;
type Variant = (&'static str, Box<dyn Fn() -> Batch>);

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(200);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let fake = rt.block_on(FakeMarketingCloud::start());
    fake.register_package(Package::new("bench", "bench-secret").scopes(["email_read"]));
    let connect = |b: ClientBuilder| rt.block_on(b.scopes(["email_read"]).connect()).unwrap();
    let client = connect(Client::builder(fake.credentials("bench")));
    let lean = connect(
        Client::builder(fake.credentials("bench"))
            .no_request_timeout()
            .no_user_agent(),
    );
    let token = rt.block_on(client.token()).unwrap();
    let url = format!("{}{PATH}", token.rest_instance_url());
    let bearer = format!("Bearer {}", token.access_token().expose_secret());

    let reqwest_client = |timeout: bool, user_agent: bool| {
        let mut b = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none());
        if timeout {
            b = b.timeout(DEFAULT_REQUEST_TIMEOUT);
        }
        if user_agent {
            b = b.user_agent(reqwest::header::HeaderValue::from_static(DEFAULT_USER_AGENT));
        }
        b.build().unwrap()
    };
    let bare = |http: reqwest::Client| -> Box<dyn Fn() -> Batch> {
        let (url, bearer) = (url.clone(), bearer.clone());
        Box::new(move || {
            let (http, url, bearer) = (http.clone(), url.clone(), bearer.clone());
            Box::pin(concurrently(move || {
                let (http, url, bearer) = (http.clone(), url.clone(), bearer.clone());
                async move { bare_get(&http, &url, &bearer).await }
            }))
        })
    };
    let mc_auth = |client: Client| -> Box<dyn Fn() -> Batch> {
        Box::new(move || {
            let client = client.clone();
            Box::pin(concurrently(move || {
                let client = client.clone();
                async move {
                    black_box(client.get(PATH).send().await.unwrap());
                }
            }))
        })
    };
    let variants: Vec<Variant> = vec![
        ("bare_reqwest", bare(reqwest_client(false, false))),
        ("bare_with_timeout", bare(reqwest_client(true, false))),
        ("bare_with_user_agent", bare(reqwest_client(false, true))),
        ("bare_same_settings", bare(reqwest_client(true, true))),
        ("mc_auth", mc_auth(client)),
        ("mc_auth_lean", mc_auth(lean)),
    ];
    let only = std::env::var("GET_AB_ONLY").ok();
    let variants: Vec<Variant> = variants
        .into_iter()
        .filter(|(name, _)| only.as_deref().is_none_or(|o| o == *name || *name == "bare_reqwest"))
        .collect();

    // Warm-up: open the pools' connections and settle the allocator.
    for _ in 0..5 {
        for (_, run) in &variants {
            rt.block_on(run());
        }
    }
    fake.requests().clear();

    let mut times = vec![Vec::with_capacity(rounds); variants.len()];
    let mut cpu = vec![0.0f64; variants.len()];
    let mut order: Vec<usize> = (0..variants.len()).collect();
    for _ in 0..rounds {
        fastrand::shuffle(&mut order);
        for &i in &order {
            let start = Instant::now();
            let cpu_start = process_cpu_seconds();
            rt.block_on((variants[i].1)());
            times[i].push(start.elapsed().as_secs_f64());
            cpu[i] += process_cpu_seconds() - cpu_start;
        }
        // The fake records every request; keep its log from growing through the run.
        fake.requests().clear();
    }

    let per_request = |t: f64| t / (WAVES * CONCURRENCY) as f64 * 1e6;
    println!("{rounds} rounds; each variant {WAVES} x {CONCURRENCY} concurrent GETs per round");
    println!(
        "{:<22} {:>14} {:>32} {:>12}",
        "variant", "median µs/req", "ratio to bare_reqwest [95% CI]", "CPU µs/req"
    );
    for (i, (name, _)) in variants.iter().enumerate() {
        let ratios: Vec<f64> = times[i].iter().zip(&times[0]).map(|(a, b)| a / b).collect();
        let (lo, hi) = bootstrap_median_ci(&ratios);
        println!(
            "{:<22} {:>14.2} {:>14.4} [{:.4}, {:.4}] {:>12.1}",
            name,
            per_request(median(&times[i])),
            median(&ratios),
            lo,
            hi,
            per_request(cpu[i] / rounds as f64)
        );
    }
}

/// Runs `WAVES` batches of `CONCURRENCY` calls made by `call`, as concurrent tasks.
async fn concurrently<F, Fut>(call: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    for _ in 0..WAVES {
        let tasks: Vec<_> = (0..CONCURRENCY).map(|_| tokio::spawn(call())).collect();
        for t in tasks {
            t.await.unwrap();
        }
    }
}

/// One authenticated GET with a plain reqwest client, body read in full.
async fn bare_get(http: &reqwest::Client, url: &str, bearer: &str) {
    let r = http.get(url).header("authorization", bearer).send().await.unwrap();
    assert!(r.status().is_success());
    black_box(r.bytes().await.unwrap());
}

/// User plus system CPU time of the whole process (both sides of every request), from
/// `/proc/self/stat` in 10 ms ticks (summed over all rounds); 0 where that file does not exist.
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..13)
        .map_or(0.0, |f| f.iter().filter_map(|x| x.parse::<f64>().ok()).sum());
    ticks / 100.0
}

fn median(xs: &[f64]) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// 95% bootstrap confidence interval of the median.
fn bootstrap_median_ci(xs: &[f64]) -> (f64, f64) {
    let mut rng = fastrand::Rng::with_seed(7);
    let mut medians: Vec<f64> = (0..2000)
        .map(|_| {
            let sample: Vec<f64> = (0..xs.len()).map(|_| xs[rng.usize(..xs.len())]).collect();
            median(&sample)
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    (medians[50], medians[1949])
}
