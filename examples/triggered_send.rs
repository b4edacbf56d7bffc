//! Triggered sends over SOAP: find the definition, start it, send an order receipt to two
//! subscribers with personalization attributes, pause it, and see a paused send queued.
//!
//! ```text
//! cargo run --example triggered_send
//! ```
//!
//! Against a real tenant, `MC_TSD_KEY` names a triggered send definition and `MC_TO` the
//! address to send to (the example does not pause a real definition).

use mc_auth::api::prelude::*;
use mc_auth::api::triggered_sends::{TriggeredSendRequest, TriggeredSendStatus, TriggeredSubscriber};
use mc_auth::mc_client;
use mc_auth_examples::{run_example, Target};

/// Sends order receipts and manages the definition.
#[mc_client(scopes = "email_send email_read email_write")]
struct Receipts;

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Receipts::SCOPES).await?;
        println!("Using {}", target.describe());
        let receipts = Receipts::connect(target.credentials()).await?;
        let key = std::env::var("MC_TSD_KEY").unwrap_or_else(|_| "order-receipt".into());
        if let Some(fake) = target.fake() {
            fake.triggered_sends().add_definition_with_status(
                mc_auth::testing::DEFAULT_MID,
                &key,
                "Order receipt",
                "New",
            );
        }

        let Some(definition) = receipts.triggered_send_definition(&key).await? else {
            return Err(format!("no triggered send definition with key {key}").into());
        };
        println!(
            "Definition {} ({}) is {:?}",
            definition.customer_key, definition.name, definition.status
        );
        if definition.status != TriggeredSendStatus::Active {
            receipts.start_triggered_send(&key).await?;
            println!("Started {key}");
        }

        let to = std::env::var("MC_TO").unwrap_or_else(|_| "ada@example.com".into());
        let mut request = TriggeredSendRequest::new(&key).subscriber(
            TriggeredSubscriber::new(&to)
                .key("ada")
                .attribute("OrderNumber", "A-1001")
                .attribute("Total", "42.00"),
        );
        if target.fake().is_some() {
            request =
                request.subscriber(TriggeredSubscriber::new("grace@example.com").attribute("OrderNumber", "A-1002"));
        }
        let results = receipts.send_triggered(&request).await?;
        for r in &results {
            println!("  {}: {}", r.status_code, r.status_message.as_deref().unwrap_or(""));
        }

        if let Some(fake) = target.fake() {
            receipts.pause_triggered_send(&key).await?;
            let paused = TriggeredSendRequest::new(&key).subscriber(TriggeredSubscriber::new("edsger@example.com"));
            receipts.send_triggered(&paused).await?;
            let queued = fake.triggered_sends().sends().iter().filter(|s| !s.sent).count();
            println!("Paused {key}: {queued} send(s) queued");
            receipts.start_triggered_send(&key).await?;
            let sends = fake.triggered_sends().sends();
            let sent = sends.iter().filter(|s| s.sent).count();
            println!("Started again: {sent} of {} send(s) out", sends.len());
            if sent != 3 || queued != 1 {
                return Err("the fake did not record the sends as expected".into());
            }
        }
        Ok(())
    });
}
