// Sending a triggered send needs email_send (Create on the catalog's TriggeredSend SOAP
// object); a client that can only read and edit email is told so, once, at the awaited call.
use mc_auth::api::prelude::*;
use mc_auth::api::triggered_sends::{TriggeredSendRequest, TriggeredSubscriber};
use mc_auth::mc_client;

#[mc_client(scopes = "email_read email_write")]
struct Editor;

async fn send(c: &Editor) {
    let request = TriggeredSendRequest::new("order-receipt").subscriber(TriggeredSubscriber::new("ada@example.com"));
    let _ = c.send_triggered(&request).await;
}

fn main() {}
