// Reading tracking events needs tracking_events_read (the Retrieve scope of the event's SOAP
// object in the catalog); a client with only list and subscriber scopes is told so.
use mc_auth::api::prelude::*;
use mc_auth::api::tracking::{ClickEvent, EventQuery};
use mc_auth::mc_client;
use mc_auth::time::OffsetDateTime;

#[mc_client(scopes = "list_and_subscribers_read")]
struct Audience;

#[allow(unused_must_use)]
fn clicks(c: &Audience) {
    let now = OffsetDateTime::UNIX_EPOCH;
    c.tracking_events::<ClickEvent>(&EventQuery::between(now, now));
}

fn main() {}
