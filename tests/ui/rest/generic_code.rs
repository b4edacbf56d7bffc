// Generic code: the bound names only what it says; the error says to add `Has<..>` to it.
use mc_auth::api::journeys::EntryEvent;
use mc_auth::api::prelude::*;
use mc_auth::rest;
use mc_auth::scope::{Has, JourneysRead};

async fn fire<C: Has<JourneysRead>>(c: &C) -> mc_auth::Result<()> {
    c.fire_entry_event(&EntryEvent::new("contact", "APIEvent-1")).await?;
    rest!(c, POST "/interaction/v1/events").send().await?;
    Ok(())
}

fn main() {}
