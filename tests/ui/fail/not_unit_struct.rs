use mc_auth::mc_client;

#[mc_client(scopes = "email_read")]
pub struct Named {
    id: u32,
}

#[mc_client(scopes = "email_read")]
pub struct Tuple(u32);

#[mc_client(scopes = "email_read")]
pub enum Channel {
    Email,
}

#[mc_client(scopes = "email_read")]
fn client() {}

fn main() {
    // The structs still get their API, so this is not a further error.
    assert_eq!(Named::SCOPES, ["email_read"]);
}
