use mc_auth::mc_client;

#[mc_client(scopes = ["email_read", "email_send"])]
pub struct Mailer;

#[mc_client(scopes = "email_read, email_send")]
pub struct Commas;

fn main() {}
