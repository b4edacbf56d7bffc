//! Visibility, docs and other attributes are kept; generated items are documented and use
//! absolute paths only (they compile under `no_implicit_prelude` and `deny(missing_docs)`).
#![deny(missing_docs)]

/// Clients live here.
pub mod clients {
    #![no_implicit_prelude]

    /// Reads journeys.
    #[::mc_auth::mc_client(scopes = "journeys_read")]
    #[must_use]
    pub struct Reader;
}

/// Derives of `Clone` and `Debug` written after the attribute are honoured instead of generated.
#[mc_auth::mc_client(scopes = "email_read")]
#[derive(Clone, Debug)]
pub(crate) struct Derived;

fn main() {
    assert_eq!(clients::Reader::SCOPES, ["journeys_read"]);
    assert_eq!(Derived::SCOPES, ["email_read"]);
}
