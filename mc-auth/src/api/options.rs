//! Per-call options on typed clients: a timeout and an idempotency override.

use crate::request::CallOptions;
use crate::scope::ScopedClient;
use crate::web::FromClient;

/// [`with_options`](Self::with_options) for every `#[mc_client]` type: the same client (same
/// scopes, token cache and connection pool) whose typed calls use [`CallOptions`].
pub trait WithOptions: ScopedClient + FromClient {
    /// This client with `options` for every call made through the returned value.
    fn with_options(&self, options: CallOptions) -> Self {
        Self::from_client(self.client().with_options(options))
    }
}

impl<C: ScopedClient + FromClient> WithOptions for C {}
