//! What the named, boxed [`Call`](mc_auth::api::Call) future of typed operations costs, next
//! to the unboxed `impl Future` the typed methods returned before (the same request built by
//! hand and awaited directly), in one run, interleaved:
//!
//! ```text
//! cargo bench -p mc-auth --features testing --bench call_future -- [ROUNDS]
//! ```
//!
//! - `poll_only`: no I/O. Building the request and awaiting a future that resolves at once,
//!   boxed (`Box::pin`, what `Call` holds) versus not: the allocation and the dynamic poll.
//! - `round_trip`: `get_email_definition` (a `Call`) versus the same GET written out with
//!   `client().get(..).send().await?.json()`, against the fake Marketing Cloud on loopback.
//!
//! Each round runs both variants in alternating order; the report is the median time per
//! call of each, and their ratio.

use std::future::Future;
use std::hint::black_box;
use std::time::{Duration, Instant};

use mc_auth::api::email::{EmailDefinition, TransactionalEmail};
use mc_auth::mc_client;
use mc_auth::testing::{FakeMarketingCloud, Package};

#[mc_client(scopes = "email_read email_write")]
struct Mailer;

const POLLS: usize = 20_000;
const TRIPS: usize = 200;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Awaits `n` futures from `make` and returns the time per future.
async fn time<F, Fut>(n: usize, make: F) -> Duration
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    let start = Instant::now();
    for i in 0..n {
        make(i).await;
    }
    start.elapsed() / n as u32
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .and_then(|a| a.parse().ok())
        .unwrap_or(15);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let fake = rt.block_on(FakeMarketingCloud::start());
    fake.register_package(Package::new("bench", "bench-secret").scopes(["email_read", "email_write"]));
    let mailer = rt.block_on(Mailer::connect(fake.credentials("bench"))).unwrap();
    rt.block_on(mailer.create_email_definition(&EmailDefinition::new("welcome", "Welcome", "welcome-email")))
        .unwrap();

    let (mut unboxed, mut boxed, mut by_hand, mut typed) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let poll_plain = || {
            time(POLLS, |i| {
                let req = mailer.client().get("/messaging/v1/email/definitions/welcome");
                async move {
                    let _ = black_box((req, i));
                }
            })
        };
        let poll_boxed = || {
            time(POLLS, |i| {
                let req = mailer.client().get("/messaging/v1/email/definitions/welcome");
                let f: std::pin::Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
                    let _ = black_box((req, i));
                });
                f
            })
        };
        let trip_by_hand = || {
            time(TRIPS, |_| {
                let req = mailer.client().get("/messaging/v1/email/definitions/welcome");
                async move {
                    let d: EmailDefinition = req.send().await.unwrap().json().unwrap();
                    black_box(d);
                }
            })
        };
        let trip_typed = || {
            time(TRIPS, |_| {
                let call = mailer.get_email_definition("welcome");
                async move {
                    black_box(call.await.unwrap());
                }
            })
        };
        rt.block_on(async {
            if round % 2 == 0 {
                unboxed.push(poll_plain().await);
                boxed.push(poll_boxed().await);
                by_hand.push(trip_by_hand().await);
                typed.push(trip_typed().await);
            } else {
                boxed.push(poll_boxed().await);
                unboxed.push(poll_plain().await);
                typed.push(trip_typed().await);
                by_hand.push(trip_by_hand().await);
            }
        });
    }
    let (u, b, h, t) = (median(unboxed), median(boxed), median(by_hand), median(typed));
    println!("{rounds} rounds, median time per call");
    println!(
        "poll_only   impl Future {:>10.0?}   boxed (Call) {:>10.0?}   ratio {:.3}   (+{:?} per call)",
        u,
        b,
        b.as_secs_f64() / u.as_secs_f64(),
        b.saturating_sub(u)
    );
    println!(
        "round_trip  by hand     {:>10.0?}   typed (Call) {:>10.0?}   ratio {:.3}",
        h,
        t,
        t.as_secs_f64() / h.as_secs_f64()
    );
}
