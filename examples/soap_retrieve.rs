//! The SOAP API: create subscribers, retrieve them with a filter (following continuations),
//! and start an automation with `Perform`.
//!
//! ```text
//! cargo run --example soap_retrieve
//! ```
//!
//! Against a real tenant, `MC_AUTOMATION_KEY` names an automation to start.

use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth::soap::{self, RetrieveRequest, SimpleFilter, SimpleOperator, SoapObject};
use mc_auth_examples::{run_example, Target};

/// Reads and writes subscribers over SOAP and starts automations.
#[mc_client(scopes = "list_and_subscribers_read list_and_subscribers_write automations_execute")]
struct Operator;

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Operator::SCOPES).await?;
        println!("Using {}", target.describe());
        let op = Operator::connect(target.credentials()).await?;

        let subscribers: Vec<SoapObject> = ["ada", "grace", "edsger"]
            .iter()
            .map(|n| {
                SoapObject::new("Subscriber")
                    .with("SubscriberKey", format!("mc-auth-{n}"))
                    .with("EmailAddress", format!("{n}@example.com"))
            })
            .collect();
        let created = op.soap().create::<soap::Subscriber>(&subscribers).await?;
        println!("Created {} subscriber(s)", created.len());

        let request = RetrieveRequest::new("Subscriber", ["SubscriberKey", "EmailAddress", "Status"])
            .filter(SimpleFilter::new("SubscriberKey", SimpleOperator::Like, ["mc-auth-%"]));
        let found = op.soap().retrieve::<soap::Subscriber>(request).await?;
        for s in &found {
            println!("  {:?} <{:?}>", s.get("SubscriberKey"), s.get("EmailAddress"));
        }

        let automation = std::env::var("MC_AUTOMATION_KEY").unwrap_or_else(|_| "nightly-import".into());
        if let Some(fake) = target.fake() {
            fake.soap().add_automation(&automation, "Nightly import");
        }
        let started = op.start_automation(&automation).await?;
        println!(
            "Started automation {automation}: {:?}",
            started.first().map(|r| r.status_code.clone())
        );
        Ok(())
    });
}
