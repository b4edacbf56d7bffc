use mc_auth::mc_client;

#[mc_client(scopes = "")]
pub struct Mailer;

#[mc_client(scopes = "   ")]
pub struct Blank;

#[mc_client]
pub struct Bare;

fn main() {}
