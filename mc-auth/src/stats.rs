//! What a client counts: token requests, retries, refreshes and 401 recoveries; and the state
//! of its client secrets.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::expiry::SecretPosition;

/// Counters a client keeps (shared by clones and `for_account` handles).
#[derive(Default, Debug)]
pub(crate) struct Counters {
    pub token_requests: AtomicU64,
    pub token_fetches: AtomicU64,
    pub token_retries: AtomicU64,
    pub api_retries: AtomicU64,
    pub background_refreshes: AtomicU64,
    pub unauthorized_recoveries: AtomicU64,
    pub shared_hits: AtomicU64,
    pub shared_failures: AtomicU64,
}

impl Counters {
    /// Adds one to `counter`.
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// A snapshot.
    pub fn snapshot(&self) -> Stats {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        Stats {
            token_requests: get(&self.token_requests),
            token_fetches: get(&self.token_fetches),
            token_retries: get(&self.token_retries),
            api_retries: get(&self.api_retries),
            background_refreshes: get(&self.background_refreshes),
            unauthorized_recoveries: get(&self.unauthorized_recoveries),
            shared_hits: get(&self.shared_hits),
            shared_failures: get(&self.shared_failures),
            ..Stats::default()
        }
    }
}

/// A snapshot of a client's counters. See [`Client::stats`](crate::Client::stats).
///
/// Each counts one thing, so that they can be checked against what the server saw:
/// `token_requests` equals the number of `POST /v2/token` requests MC received from this
/// client (retries included), and `token_fetches` the number of times a new token was needed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// HTTP requests sent to the token endpoint (every attempt, retries included).
    pub token_requests: u64,
    /// New tokens asked for (a code exchange, a refresh, or a client-credentials grant),
    /// however many attempts each took. Concurrent callers that share one request count once.
    pub token_fetches: u64,
    /// Token requests sent again after a transient failure.
    pub token_retries: u64,
    /// REST and SOAP calls sent again after a transient failure (not counting the one retry
    /// after a 401, see `unauthorized_recoveries`).
    pub api_retries: u64,
    /// Token fetches started in the background, ahead of expiry (part of `token_fetches`).
    pub background_refreshes: u64,
    /// 401 (or SOAP `Token Expired`) responses recovered from by getting a new token and
    /// sending the call once more.
    pub unauthorized_recoveries: u64,
    /// Tokens taken from the shared tier (another client or process requested them) instead
    /// of requesting one.
    pub shared_hits: u64,
    /// Operations of the shared tier that failed (each logged at WARN; the call went on
    /// without the tier).
    pub shared_failures: u64,
    /// Which client secret token requests use now (`None` for public apps).
    pub secret_in_use: Option<SecretPosition>,
    /// Times the client switched to its other secret after `invalid_client` (see
    /// [`Client::stage_secret`](crate::Client::stage_secret)).
    pub secret_switches: u64,
    /// The secret in use has a configured expiry that is less than 14 days away, or past
    /// ([`SECRET_EXPIRY_WARNING`](crate::SECRET_EXPIRY_WARNING)): rotate it.
    pub secret_expires_soon: bool,
    /// The secret in use has a configured expiry that has passed.
    pub secret_expired: bool,
}
