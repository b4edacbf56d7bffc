// Discovering business units needs accounts_read (the list_business_units operation of the
// catalog); a client with only subscriber scopes is told so.
use mc_auth::api::prelude::*;
use mc_auth::mc_client;

#[mc_client(scopes = "list_and_subscribers_read")]
struct Audience;

#[allow(unused_must_use)]
fn units(c: &Audience) {
    c.business_units();
}

fn main() {}
