//! Journeys: fire an entry event (MC requires two scopes for it) and list journeys page by page.
//!
//! ```text
//! cargo run --example fire_event
//! ```
//!
//! Against a real tenant, `MC_EVENT_DEFINITION_KEY` names the journey's entry event.

use futures_util::StreamExt;
use mc_auth::api::journeys::EntryEvent;
use mc_auth::api::prelude::*;
use mc_auth::mc_client;
use mc_auth::testing::FakeJourney;
use mc_auth_examples::{run_example, Target};

/// Puts contacts into journeys.
#[mc_client(scopes = "journeys_read list_and_subscribers_read")]
struct JourneyTrigger;

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(JourneyTrigger::SCOPES).await?;
        println!("Using {}", target.describe());
        let trigger = JourneyTrigger::connect(target.credentials()).await?;
        let event_key = std::env::var("MC_EVENT_DEFINITION_KEY").unwrap_or_else(|_| "APIEvent-welcome".into());
        if let Some(fake) = target.fake() {
            // The fake knows no journeys until told: publish one whose entry event is ours.
            fake.journeys()
                .add(FakeJourney::new("welcome-journey", "Welcome").event_definition_key(&event_key));
            fake.journeys().add(FakeJourney::new("win-back", "Win back"));
        }

        let event = EntryEvent::new("ada", &event_key)
            .data("Email", "ada@example.com")
            .data("FirstName", "Ada");
        let fired = trigger.fire_entry_event(&event).await?;
        println!("Fired {event_key} for ada: event instance {}", fired.event_instance_id);

        let mut journeys = trigger.list_journeys(50);
        let mut n = 0;
        while let Some(journey) = journeys.next().await {
            let journey = journey?;
            n += 1;
            println!("  journey {:?} ({:?})", journey.name, journey.status);
        }
        println!("{n} journey(s)");
        Ok(())
    });
}
