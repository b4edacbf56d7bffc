//! The SOAP API from a typed client: every call names the object type
//! (`create::<soap::Subscriber>`) and compiles only because `Operator` declares the scopes of
//! that action on that object. Creates subscribers, streams them back with a filter
//! (following continuations page by page), and starts an automation with `Perform`.
//!
//! ```text
//! cargo run --example soap_retrieve
//! ```
//!
//! Against a real tenant, `MC_AUTOMATION_KEY` names an automation to start.

use futures_util::StreamExt;
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

        let request = RetrieveRequest::of::<soap::Subscriber>(["SubscriberKey", "EmailAddress", "Status"])
            .filter(SimpleFilter::new("SubscriberKey", SimpleOperator::Like, ["mc-auth-%"]));
        let mut found = op.soap().retrieve::<soap::Subscriber>(request).stream();
        while let Some(s) = found.next().await {
            let s = s?;
            println!("  {:?} <{:?}>", s.get("SubscriberKey"), s.get("EmailAddress"));
        }

        let automation = std::env::var("MC_AUTOMATION_KEY").unwrap_or_else(|_| "nightly-import".into());
        if let Some(fake) = target.fake() {
            fake.automations().add(&automation, "Nightly import");
        }
        let started = op.start_automation(&automation).await?;
        println!("Started automation {automation}: run {:?}", started.instance_id);
        Ok(())
    });
}
