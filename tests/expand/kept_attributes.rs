//! Visibility and attributes are kept; derives written after the attribute replace the
//! generated `Clone` and `Debug`.
use mc_auth::mc_client;

/// Loads rows and fires journey events.
#[mc_client(scopes = "data_extensions_write journeys_read list_and_subscribers_read")]
#[derive(Clone, Debug)]
#[must_use]
pub(crate) struct Loader;
