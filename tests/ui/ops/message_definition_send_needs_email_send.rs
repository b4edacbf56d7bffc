// The REST messageDefinitionSends send needs email_send (the catalog's
// send_message_definition operation).
use mc_auth::api::prelude::*;
use mc_auth::api::triggered_sends::MessageDefinitionSend;
use mc_auth::mc_client;

#[mc_client(scopes = "email_read")]
struct Reader;

async fn send(c: &Reader) {
    let _ = c.send_message_definition("order-receipt", &MessageDefinitionSend::to("ada@example.com")).await;
}

fn main() {}
