//! Data extension rows: a synchronous upsert, an asynchronous insert polled to completion,
//! and a paged, filtered query read as a stream.
//!
//! ```text
//! cargo run --example upsert_rows
//! ```
//!
//! Against a real tenant, `MC_DE_KEY` names a data extension with the columns `Email`
//! (primary key), `Name` and `Tier`.

use std::time::Duration;

use futures_util::StreamExt;
use mc_auth::api::data_extensions::{Row, RowQuery};
use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth_examples::{run_example, Target};
use serde_json::{json, Map, Value};

/// Loads customers into a data extension and reads them back.
#[mc_client(scopes = "data_extensions_read data_extensions_write")]
struct Loader;

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Loader::SCOPES).await?;
        println!("Using {}", target.describe());
        let loader = Loader::connect(target.credentials()).await?;
        let de = std::env::var("MC_DE_KEY").unwrap_or_else(|_| "customers".into());

        let rows: Vec<Row> = (1..=5)
            .map(|i| {
                Row::new()
                    .key("Email", format!("user{i}@example.com"))
                    .value("Name", format!("User {i}"))
                    .value("Tier", if i % 2 == 0 { "gold" } else { "silver" })
            })
            .collect();
        loader.upsert_rows(&de, &rows).await?;
        println!("Upserted {} rows synchronously", rows.len());

        let items: Vec<Map<String, Value>> = (6..=8)
            .map(|i| match json!({ "Email": format!("user{i}@example.com"), "Name": format!("User {i}"), "Tier": "gold" }) {
                Value::Object(m) => m,
                _ => unreachable!("a JSON object literal"),
            })
            .collect();
        let request = loader.insert_rows_async(&de, &items).await?;
        println!("Queued an async insert: {}", request.request_id);
        let results = request
            .wait(Duration::from_millis(200), Duration::from_secs(60))
            .await?;
        println!("Async insert finished: {} row result(s)", results.len());

        let gold = loader.query_rows(&de, RowQuery::all().filter("Tier eq 'gold'").page_size(2));
        let gold: Vec<Row> = gold
            .map(|r| r)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<mc_auth::Result<_>>()?;
        println!("Gold customers (read 2 per page): {}", gold.len());
        for row in &gold {
            println!(
                "  {} {}",
                row.keys.get("Email").unwrap_or(&Value::Null),
                row.values.get("Name").unwrap_or(&Value::Null)
            );
        }
        Ok(())
    });
}
