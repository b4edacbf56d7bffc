//! Business units: discover the enterprise's units, then read the subscribers of the parent
//! and every child unit in one paged call (`QueryAllAccounts`), and of chosen units only
//! (`ClientIDs`).
//!
//! ```text
//! cargo run --example business_units
//! ```
//!
//! Against a real tenant (`MC_*` variables), it only reads: the units, and the first
//! subscribers of each.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::api::subscribers::SubscriberQuery;
use mc_auth::mc_client;
use mc_auth::soap::Accounts;
use mc_auth::testing::DEFAULT_MID;
use mc_auth_examples::{run_example, Target};

/// Reads business units and their subscribers.
#[mc_client(scopes = "accounts_read list_and_subscribers_read")]
struct Admin;

/// Subscribers shown per run against a real tenant.
const SHOWN: usize = 20;

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Admin::SCOPES).await?;
        println!("Using {}", target.describe());
        if let Some(fake) = target.fake() {
            let units = fake.business_units();
            units.add(200, "Retail", DEFAULT_MID);
            units.add(300, "Wholesale", DEFAULT_MID);
            units.add_subscriber(DEFAULT_MID, "hq-1", "hq-1@example.com");
            units.add_subscriber(200, "retail-1", "retail-1@example.com");
            units.add_subscriber(200, "retail-2", "retail-2@example.com");
            units.add_subscriber(300, "wholesale-1", "wholesale-1@example.com");
        }
        let admin = Admin::connect(target.credentials()).await?;

        let units = admin.business_units().await?;
        println!("{} business unit(s):", units.len());
        for u in &units {
            let parent = u.parent_id.map_or_else(|| "top".to_owned(), |p| format!("under {p}"));
            println!("  {} {} ({parent})", u.id, u.name);
        }

        let mut per_unit: BTreeMap<Option<u64>, usize> = BTreeMap::new();
        let mut all = admin.subscribers(SubscriberQuery::all().accounts(Accounts::All));
        let mut seen = 0;
        while let Some(s) = all.next().await {
            let s = s?;
            *per_unit.entry(s.client_id).or_default() += 1;
            seen += 1;
            if target.fake().is_none() && seen >= SHOWN {
                break;
            }
        }
        println!("Subscribers of every unit, read in one call:");
        for (mid, n) in &per_unit {
            let mid = mid.map_or_else(|| "?".to_owned(), |m| m.to_string());
            println!("  unit {mid}: {n}");
        }

        if target.fake().is_some() {
            let mut retail = admin.subscribers(SubscriberQuery::all().accounts(Accounts::Only(vec![200])));
            let mut keys = Vec::new();
            while let Some(s) = retail.next().await {
                keys.push(s?.subscriber_key);
            }
            println!("Only unit 200 (ClientIDs): {}", keys.join(", "));
            if keys.len() != 2 || per_unit.values().sum::<usize>() != 4 {
                return Err("the fake answered other subscribers than it was given".into());
            }
        }
        Ok(())
    });
}
