//! A derive written before the attribute runs first, on the user's unit struct, and is not
//! visible to `#[mc_client]`; rustc reports the conflict with the generated `Clone` and
//! `Debug`. The `mc_client` docs say to write derives after the attribute.
use mc_auth::mc_client;

#[derive(Clone, Debug)]
#[mc_client(scopes = "email_read")]
pub struct Mailer;

fn main() {
    let _ = Mailer::SCOPES;
}
