//! A million rows into the fake Marketing Cloud with `load_rows`: throughput against the ideal
//! for the latency, batch size and concurrency, peak resident memory, and requests.
//!
//! ```text
//! cargo bench -p mc-auth --features testing --bench bulk_load            # both runs
//! BULK_ROWS=200000 BULK_LATENCY_MS=50 cargo bench -p mc-auth --features testing --bench bulk_load
//! ```
//!
//! The fake runs in a child process (this binary again, with `--serve`), so the memory
//! figure (`VmHWM` of `/proc/self/status`) is the loading client's alone: the fake keeps every
//! row and every request it received. Every API call to the fake waits `BULK_LATENCY_MS`
//! (default 50) before it is answered.
//!
//! Two runs, 8 uploads in flight, 32,000 rows per request (MC's limit):
//! 1. no faults;
//! 2. every 20th upload (5%) answered 429 with `Retry-After: 1`.
//!
//! After each run the fake reports the rows it received, the rows it received twice and the
//! rows it stores; the run fails unless every row was received exactly once.
//!
//! The ideal: with latency `L`, `B` batches and concurrency `C`, uploads take
//! `ceil(B / C) × L`, and the last batch's results need two more calls (status, results):
//! `(ceil(B / C) + 2) × L`. The figure is quoted against both.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use mc_auth::api::bulk::MAX_ROWS_PER_REQUEST;
use mc_auth::api::prelude::*;
use mc_auth::testing::{FakeMarketingCloud, Fault, Package};
use mc_auth::{mc_client, Client, Credentials};
use serde_json::{json, Map, Value};

#[mc_client(scopes = "data_extensions_read data_extensions_write")]
struct Loader;

const DE: &str = "bench_rows";
const UPLOADS: &str = "/data/v1/async/dataextensions/";
const CONCURRENCY: usize = 8;

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not `{v}`")),
        Err(_) => default,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--serve") {
        serve(args.iter().any(|a| a == "--throttle"));
        return;
    }
    let rows = env_u64("BULK_ROWS", 1_000_000);
    let latency = Duration::from_millis(env_u64("BULK_LATENCY_MS", 50));
    println!(
        "bulk_load: {rows} rows, {latency:?} per API call, concurrency {CONCURRENCY}, {MAX_ROWS_PER_REQUEST} rows per request"
    );
    run(rows, latency, false);
    run(rows, latency, true);
    println!("peak resident memory of this process (VmHWM, both runs): {}", vm_hwm());
}

/// The child: a fake on loopback; prints `URL CLIENT_ID SECRET`, then answers `stats` lines
/// on stdin until stdin closes.
fn serve(throttle: bool) {
    let rt = tokio::runtime::Runtime::new().expect("a Tokio runtime");
    rt.block_on(async {
        let fake = FakeMarketingCloud::start().await;
        fake.register_package(Package::new("bench-client", "bench-secret-value").scopes(Loader::SCOPES));
        fake.data_extensions().add(DE, "Bench rows", ["Id"]);
        let latency = Duration::from_millis(env_u64("BULK_LATENCY_MS", 50));
        fake.set_latency(latency);
        if throttle {
            fake.inject(
                Fault::status(429)
                    .retry_after(Duration::from_secs(1))
                    .every(20)
                    .times(usize::MAX)
                    .path_prefix(UPLOADS),
            );
        }
        println!("{} bench-client bench-secret-value", fake.url());
        let mut lines = tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(tokio::io::stdin()));
        while let Ok(Some(line)) = lines.next_line().await {
            if line.trim() == "stats" {
                let all = fake.requests().all();
                let count =
                    |f: &dyn Fn(&mc_auth::testing::RecordedRequest) -> bool| all.iter().filter(|r| f(r)).count();
                let uploads = count(&|r| r.path.starts_with(UPLOADS));
                let throttled = count(&|r| r.path.starts_with(UPLOADS) && r.status() == Some(429));
                let polls = count(&|r| r.path.ends_with("/status") || r.path.ends_with("/results"));
                let tokens = count(&|r| r.is_token_request());
                println!(
                    "{} {} {} {uploads} {throttled} {polls} {tokens}",
                    fake.data_extensions().rows_received(DE),
                    fake.data_extensions().duplicate_rows_received(DE),
                    fake.data_extensions().row_count(DE),
                );
            }
        }
    });
}

fn row(i: u64) -> Map<String, Value> {
    match json!({ "Id": i, "Email": format!("user{i:07}@example.com"), "Tier": if i.is_multiple_of(2) { "gold" } else { "silver" } })
    {
        Value::Object(m) => m,
        _ => unreachable!("an object literal"),
    }
}

fn run(rows: u64, latency: Duration, throttle: bool) {
    let exe = std::env::current_exe().expect("this binary's path");
    let mut args = vec!["--serve"];
    if throttle {
        args.push("--throttle");
    }
    let mut child = Command::new(exe)
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the fake's process starts");
    let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut line = String::new();
    out.read_line(&mut line).expect("the fake's address");
    let parts: Vec<&str> = line.split_whitespace().collect();
    let [url, id, secret] = parts[..] else {
        panic!("the fake said `{line}`")
    };
    let creds = Credentials::builder()
        .subdomain(mc_auth::testing::DEFAULT_SUBDOMAIN)
        .client_id(id.to_owned())
        .client_secret(secret.to_owned())
        .auth_url(url.to_owned())
        .build();

    let rt = tokio::runtime::Runtime::new().expect("a Tokio runtime");
    let report = rt.block_on(async {
        let loader = Loader::connect_with(Client::builder(creds)).await.expect("connect");
        let started = Instant::now();
        let report = loader
            .load_rows(DE, stream::iter(0..rows).map(row))
            .concurrency(CONCURRENCY)
            .poll_interval(latency.max(Duration::from_millis(1)))
            .await
            .expect("the load");
        (report, started.elapsed())
    });
    let (report, elapsed) = report;

    writeln!(stdin, "stats").expect("ask the fake");
    line.clear();
    out.read_line(&mut line).expect("the fake's figures");
    let n: Vec<u64> = line.split_whitespace().map(|x| x.parse().expect("a number")).collect();
    let [received, twice, stored, uploads, throttled, polls, tokens] = n[..] else {
        panic!("the fake said `{line}`")
    };
    let fake_cpu = cpu_time(&format!("/proc/{}/stat", child.id()));
    drop(stdin);
    let _ = child.wait();

    let batches = rows.div_ceil(MAX_ROWS_PER_REQUEST as u64);
    let waves = batches.div_ceil(CONCURRENCY as u64);
    let ideal_uploads = latency * waves as u32;
    let ideal_with_results = latency * (waves as u32 + 2);
    let rate = rows as f64 / elapsed.as_secs_f64();
    let pct = |ideal: Duration| 100.0 * ideal.as_secs_f64() / elapsed.as_secs_f64();
    println!();
    println!(
        "run: {}",
        if throttle {
            "5% of uploads answered 429 Retry-After: 1"
        } else {
            "no faults"
        }
    );
    println!(
        "  {rows} rows in {elapsed:.2?}: {rate:.0} rows/s; {:.0}% of the uploads-only ideal ({ideal_uploads:?}), {:.0}% of the ideal with the last results ({ideal_with_results:?})",
        pct(ideal_uploads),
        pct(ideal_with_results)
    );
    println!(
        "  requests: {uploads} uploads ({batches} batches is the minimum; {throttled} answered 429), {polls} status/results polls, {tokens} token request(s)"
    );
    println!(
        "  rows: {} accepted, {} failed; the fake received {received}, {twice} twice, stores {stored}; load paused {} time(s); at most {} rows buffered",
        report.rows_accepted,
        report.failed.len(),
        report.throttled,
        report.peak_rows_buffered
    );
    println!(
        "  CPU time: this process {:.2?} (both runs so far), the fake's process {:.2?}",
        cpu_time("/proc/self/stat"),
        fake_cpu
    );
    println!("  VmHWM so far: {}", vm_hwm());
    assert_eq!(report.rows_accepted, rows, "every row accepted");
    assert_eq!(
        (received, twice, stored),
        (rows, 0, rows),
        "no row lost, none sent twice"
    );
    assert_eq!(report.batches, batches, "the fewest requests");
}

/// User plus system CPU time of a process from its `/proc/.../stat` (100 ticks a second, the
/// Linux default); zero where unreadable.
fn cpu_time(stat: &str) -> Duration {
    let ticks = std::fs::read_to_string(stat)
        .ok()
        .and_then(|s| {
            // Fields after the `(comm)`, which may hold spaces: state is field 3, utime 14, stime 15.
            let rest = s.rsplit_once(')')?.1.split_whitespace().collect::<Vec<_>>();
            Some(rest.get(11)?.parse::<u64>().ok()? + rest.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

/// Peak resident memory of this process, as `/proc/self/status` says it.
fn vm_hwm() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_owned())
        })
        .unwrap_or_else(|| "unknown (no /proc/self/status)".to_owned())
}
