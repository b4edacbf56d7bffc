use mc_auth::{mc_client, scope};

#[mc_client(scopes = "emial_read email_send")]
pub struct Mailer;

#[mc_client(scopes = "EmailSend")]
pub struct Shouter;

#[mc_client(scopes = "data_extensions")]
pub struct Loader;

// The typos above are the only errors: the types still exist and are usable.
fn later(mailer: Mailer) {
    let _ = mailer.rest::<scope::EmailRead>();
}

fn main() {}
