use mc_auth::mc_client;

#[mc_client(scope = "email_read")]
pub struct Mailer;

#[mc_client(scopes = "email_read", account = "123")]
pub struct Reader;

fn main() {}
