//! Automation Studio over SOAP: list automations, start one and follow its run, pause it (and
//! see a start refused), create and run a SQL query activity, import a file into a data
//! extension and read its results, start a file transfer.
//!
//! ```text
//! cargo run --example automations
//! ```
//!
//! Against a real tenant (MC_* variables set) it only lists automations and, when
//! `MC_AUTOMATION_KEY` is set, starts that automation and polls its run: it creates, pauses
//! and imports nothing there.

use std::time::Duration;

use futures_util::StreamExt;
use mc_auth::api::automation::{ImportDefinition, QueryActivity};
use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth_examples::{run_example, Target};

/// Runs the nightly automations.
#[mc_client(scopes = "automations_read automations_write automations_execute")]
struct Operator;

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Operator::SCOPES).await?;
        println!("Using {}", target.describe());
        let op = Operator::connect(target.credentials()).await?;
        if let Some(fake) = target.fake() {
            fake.automations().add("nightly-import", "Nightly import");
            fake.automations()
                .add_file_transfer("unzip-drop", "Unzip the nightly drop");
            fake.data_extensions().add("Customers", "Customers", ["Email"]);
            fake.data_extensions().add("VIPs", "VIPs", ["Email"]);
            fake.automations().put_file(
                "customers.csv",
                "Email,Name\nada@example.com,Ada\ngrace@example.com,Grace\ngrace@example.com,Grace\n",
            );
        }

        let mut automations = op.automations();
        while let Some(a) = automations.next().await {
            let a = a?;
            println!("  {} ({}): {:?}", a.customer_key, a.name, a.status);
        }

        let key = match (std::env::var("MC_AUTOMATION_KEY"), target.fake()) {
            (Ok(k), _) => k,
            (Err(_), Some(_)) => "nightly-import".to_owned(),
            (Err(_), None) => return Ok(()),
        };
        let started = op.start_automation(&key).await?;
        println!("Started {key}: run {:?}", started.instance_id);
        if let Some(run_id) = &started.instance_id {
            for _ in 0..30 {
                match op.automation_run(run_id).await? {
                    Some(run) if run.is_finished() => {
                        println!("Run finished at {:?}", run.completed_time);
                        break;
                    }
                    Some(run) => println!("  run status {:?}", run.status),
                    None => println!("  run not visible yet"),
                }
                if target.fake().is_none() {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                }
            }
        }
        let Some(fake) = target.fake() else {
            return Ok(());
        };

        op.pause_automation(&key).await?;
        match op.start_automation(&key).await {
            Err(e) => println!("Paused {key}; a start is refused: {e}"),
            Ok(_) => return Err("a paused automation started".into()),
        }

        let sql = "SELECT Email, Name FROM Customers WHERE Tier <> 'Basic' AND Score > 3";
        op.create_query_activity(&QueryActivity::new("vips", "VIPs", sql, "VIPs"))
            .await?;
        let task = op.run_query_activity("vips").await?;
        loop {
            let status = op.activity_status(&task).await?.ok_or("the query run is not visible")?;
            println!("  query run {task}: {:?}", status.status);
            if status.status.is_final() {
                break;
            }
        }

        op.create_import(&ImportDefinition::new(
            "load-customers",
            "Load customers",
            "customers.csv",
            "Customers",
        ))
        .await?;
        let task = op.start_import("load-customers").await?;
        let summary = loop {
            let summary = op.import_results(&task).await?.ok_or("the import is not visible")?;
            if summary.status.is_final() {
                break summary;
            }
        };
        println!(
            "Import {:?}: {} of {} rows, {} errors, {} duplicates",
            summary.status, summary.successful, summary.total, summary.errors, summary.duplicates
        );

        let task = op.start_file_transfer("unzip-drop").await?;
        println!("File transfer started: task {task}");
        if summary.successful != 2 || summary.duplicates != 1 || fake.automations().tasks().len() != 3 {
            return Err("the fake did not record the activities as expected".into());
        }
        Ok(())
    });
}
