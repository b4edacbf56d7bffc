//! A bulk load with a progress bar: a stream of rows into a data extension through MC's
//! asynchronous rows API, at MC's batch limits, 8 uploads at a time; then the rows MC
//! rejected are fixed and sent again, alone.
//!
//! ```text
//! cargo run --release --example bulk_load            # 100,000 rows into the fake
//! BULK_ROWS=1000000 cargo run --release --example bulk_load
//! ```
//!
//! Against the fake, every API call takes 20 ms (as a far-away server would) and one row in
//! 10,000 lacks its primary key, so MC's per-row failures show. Against a real tenant,
//! `MC_DE_KEY` names a data extension with the columns `Id` (primary key, number), `Email`
//! and `Tier`.

use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth_examples::{run_example, Target};
use serde_json::{json, Map, Value};

/// Loads rows and polls their results.
#[mc_client(scopes = "data_extensions_read data_extensions_write")]
struct Loader;

fn row(i: u64) -> Map<String, Value> {
    let tier = if i.is_multiple_of(2) { "gold" } else { "silver" };
    let mut row = match json!({ "Id": i, "Email": format!("user{i}@example.com"), "Tier": tier }) {
        Value::Object(m) => m,
        _ => unreachable!("an object literal"),
    };
    if i % 10_000 == 1_234 {
        // A broken source row: no primary key.
        row.remove("Id");
    }
    row
}

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Loader::SCOPES).await?;
        println!("Using {}", target.describe());
        let de = std::env::var("MC_DE_KEY").unwrap_or_else(|_| "customers".into());
        let total: u64 = match std::env::var("BULK_ROWS") {
            Ok(n) => n
                .parse()
                .map_err(|_| format!("BULK_ROWS must be a whole number of rows, not `{n}`"))?,
            Err(_) => 100_000,
        };
        if let Some(fake) = target.fake() {
            fake.data_extensions().add(&de, "Customers", ["Id"]);
            fake.set_latency(Duration::from_millis(20));
        }
        let loader = Loader::connect(target.credentials()).await?;

        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} rows ({per_sec}, eta {eta}) {msg}",
            )?
            .progress_chars("=> "),
        );
        let progress = bar.clone();
        // The rows are made as they are read: memory stays bounded however many there are.
        let rows = stream::iter(0..total).map(row);
        let report = loader
            .load_rows(&de, rows)
            .key_columns(["Id"])
            .concurrency(8)
            .poll_interval(Duration::from_millis(500))
            .on_progress(move |p| {
                progress.set_position(p.rows_accepted + p.rows_failed);
                progress.set_message(format!(
                    "{} batches, {} failed, {} throttled",
                    p.batches_sent, p.rows_failed, p.throttled
                ));
            })
            .await?;
        bar.finish();

        println!(
            "Loaded {} of {} rows in {} requests in {:.1?} ({:.0} rows/s); at most {} rows held in memory",
            report.rows_accepted,
            report.rows_read,
            report.batches,
            report.elapsed,
            report.rows_accepted as f64 / report.elapsed.as_secs_f64().max(1e-9),
            report.peak_rows_buffered
        );
        for failed in report.failed.iter().take(5) {
            println!("  row {} failed: {}", failed.index, failed.reason);
        }

        // Fix the failed rows (they lacked their key; it is their index here) and send only them.
        let fixed: Vec<Map<String, Value>> = report
            .failed
            .into_iter()
            .map(|f| {
                let mut row = f.row;
                row.insert("Id".into(), json!(f.index));
                row
            })
            .collect();
        if !fixed.is_empty() {
            let again = loader
                .load_rows(&de, stream::iter(fixed))
                .poll_interval(Duration::from_millis(500))
                .await?;
            println!(
                "Sent the {} fixed rows again: {} accepted, {} failed",
                again.rows_read,
                again.rows_accepted,
                again.failed.len()
            );
            if !again.is_complete() {
                return Err("some fixed rows still failed".into());
            }
        }
        Ok(())
    });
}
