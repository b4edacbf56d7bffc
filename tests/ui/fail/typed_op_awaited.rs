// Awaited typed calls: one error per missing scope, at the call (not also at the `.await`).
use mc_auth::api::email::{EmailMessage, Recipient};
use mc_auth::api::journeys::EntryEvent;
use mc_auth::api::prelude::*;
use mc_auth::mc_client;

#[mc_client(scopes = "email_read")]
struct Reader;

async fn send(c: &Reader) -> mc_auth::Result<()> {
    c.send_email("k", &EmailMessage::new("d", Recipient::to("a@b.c"))).await?;
    c.fire_entry_event(&EntryEvent::new("contact", "APIEvent-1")).await?;
    Ok(())
}

fn main() {
    let _ = send;
}
