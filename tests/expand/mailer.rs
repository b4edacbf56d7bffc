//! The example: one client type with two scopes, declared out of order.
use mc_auth::mc_client;

/// Sends the welcome mail.
#[mc_client(scopes = "email_send email_read")]
pub struct Mailer;
