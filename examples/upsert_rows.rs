//! Data extension rows: a synchronous upsert, an asynchronous insert polled to completion,
//! a paged, filtered query read as a stream, and the same rows as a `Customer` struct of
//! our own (serde), written and read through REST and SOAP.
//!
//! ```text
//! cargo run --example upsert_rows
//! ```
//!
//! Against a real tenant, `MC_DE_KEY` names a data extension with the columns `Email`
//! (primary key), `Name` and `Tier`; `MC_DE_NAME` is its name (for SOAP; default: the key).

use std::time::Duration;

use futures_util::StreamExt;
use mc_auth::api::data_extensions::{Row, RowQuery};
use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth::soap::{self, RetrieveRequest, SimpleFilter, SoapObject};
use mc_auth_examples::{run_example, Target};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// A row of the customers data extension, as our own type: MC's column names through
/// `rename`, matched ignoring case; the tier as an enum, not a string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Customer {
    #[serde(rename = "Email")]
    email: String,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Tier")]
    tier: Tier,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Tier {
    Gold,
    Silver,
}

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

        // The same data extension with our own type: encoded through Serialize (the key
        // column named), decoded through Deserialize.
        let customers: Vec<Customer> = (9..=11)
            .map(|i| Customer {
                email: format!("user{i}@example.com"),
                name: format!("Customer <{i}> & co"),
                tier: if i == 10 { Tier::Gold } else { Tier::Silver },
            })
            .collect();
        loader.upsert_rows_as(&de, &["Email"], &customers).await?;
        println!("Upserted {} Customer structs", customers.len());
        let typed: Vec<Customer> = loader
            .query_rows_as::<Customer>(&de, RowQuery::all().filter("Tier eq 'gold'"))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<mc_auth::Result<_>>()?;
        println!("Gold customers as structs: {}", typed.len());
        for c in &typed {
            println!("  {c:?}");
        }

        // And through SOAP: a DataExtensionObject built from a struct, read back as one.
        let name = std::env::var("MC_DE_NAME").unwrap_or_else(|_| de.clone());
        let soap_row = Customer {
            email: "soap@example.com".into(),
            name: "Via SOAP".into(),
            tier: Tier::Gold,
        };
        let created = loader
            .soap()
            .create::<soap::DataExtensionObject>(&[SoapObject::encode_row(&de, &soap_row)?])
            .await;
        match created {
            Ok(_) => println!("Created a row through SOAP"),
            // Already there from an earlier run against a real tenant.
            Err(e) => println!("SOAP create: {e}"),
        }
        let request =
            RetrieveRequest::rows_of::<Customer>(&name)?.filter(SimpleFilter::equals("Email", "soap@example.com"));
        let back: Vec<Customer> = loader
            .soap()
            .retrieve::<soap::DataExtensionObject>(request)
            .rows::<Customer>()
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<mc_auth::Result<_>>()?;
        println!("Read back through SOAP: {back:?}");
        if back.first() != Some(&soap_row) {
            return Err(format!("the SOAP row did not round-trip: {back:?}").into());
        }
        Ok(())
    });
}
