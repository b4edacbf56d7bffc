use mc_auth::scope::{EmailSend, Has};
use mc_auth::{mc_client, RequestBuilder};

#[mc_client(scopes = "data_extensions_read")]
pub struct Reporter;

fn welcome<C: Has<EmailSend>>(client: &C) -> RequestBuilder {
    client.rest::<EmailSend>().post("/messaging/v1/email/messages/m-1")
}

fn main() {
    let _ = |reporter: Reporter| welcome(&reporter);
}
