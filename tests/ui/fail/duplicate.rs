use mc_auth::mc_client;

#[mc_client(scopes = "email_read email_send email_read")]
pub struct Mailer;

fn main() {}
