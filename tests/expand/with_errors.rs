//! A typo and a duplicate: both errors are emitted, and the struct still gets its API (with
//! every scope allowed, so uses elsewhere do not add errors of their own).
use mc_auth::mc_client;

#[mc_client(scopes = "emial_read email_send email_send")]
pub struct Mailer;
