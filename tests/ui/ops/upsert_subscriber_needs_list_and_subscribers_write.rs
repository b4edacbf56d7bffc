// Creating or updating a subscriber needs list_and_subscribers_write (the upsert_subscriber
// operation of the catalog); a client that may only read subscribers is told so.
use mc_auth::api::prelude::*;
use mc_auth::api::subscribers::SubscriberUpsert;
use mc_auth::mc_client;

#[mc_client(scopes = "list_and_subscribers_read")]
struct Audience;

#[allow(unused_must_use)]
fn upsert(c: &Audience) {
    c.upsert_subscriber(&SubscriberUpsert::new("ada", "ada@example.com"));
}

fn main() {}
