// LogUnsubEvent (SOAP Execute) changes a subscription: it needs list_and_subscribers_write.
use mc_auth::api::prelude::*;
use mc_auth::api::subscribers::LogUnsub;
use mc_auth::mc_client;

#[mc_client(scopes = "list_and_subscribers_read tracking_events_read")]
struct Audience;

#[allow(unused_must_use)]
fn unsubscribe(c: &Audience) {
    c.log_unsub_event(&LogUnsub::subscriber_key("ada"));
}

fn main() {}
