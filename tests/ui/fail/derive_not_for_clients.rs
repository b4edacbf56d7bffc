//! Derives that cannot apply to a client (written after the attribute, where it sees them).
use mc_auth::mc_client;

#[mc_client(scopes = "email_read")]
#[derive(PartialEq, Default)]
pub struct Mailer;

#[mc_client(scopes = "email_send")]
#[derive(Clone, Copy, Hash)]
pub struct Sender;

fn main() {
    let _ = (Mailer::SCOPES, Sender::SCOPES);
}
