// Firing a journey entry event needs journeys_read AND list_and_subscribers_read: a client
// with only one of them is told about the other.
use mc_auth::api::journeys::EntryEvent;
use mc_auth::api::prelude::*;
use mc_auth::mc_client;

#[mc_client(scopes = "journeys_read")]
struct HalfTrigger;

#[allow(unused_must_use)]
fn fire(c: &HalfTrigger) {
    c.fire_entry_event(&EntryEvent::new("contact", "APIEvent-1"));
}

fn main() {}
