use mc_auth::mc_client;

#[mc_client(scopes = "email_read")]
pub struct Mailer<T>;

#[mc_client(scopes = "email_read")]
pub struct Bounded where Self: Sized;

fn main() {}
