//! The shared tier: the [`TokenCache`] trait, its keys and leases.

use std::fmt;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};

use super::key::hex;
use crate::clock::{duration_ticks, Clock, Receipt};
use crate::credentials::AccountId;
use crate::error::Result;
use crate::grant::TokenEndpoint;
use crate::scopes::ScopeSet;
use crate::token::{Token, TokenResponse};
use crate::web::StoredAccess;

/// Identifies one shared token: a SHA-256 digest of (tenant, client id, business unit, scope
/// set). It holds no secret, and the inputs cannot be read back from it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SharedKey {
    hex: String,
}

impl SharedKey {
    /// The key of the token a client-credentials client of `client_id` in `tenant` uses in
    /// business unit `account` for `scopes` (`None`: the package's scopes).
    pub fn new(tenant: &str, client_id: &str, account: Option<u64>, scopes: Option<&ScopeSet>) -> Self {
        let mut h = Sha256::new();
        h.update(b"mc-auth shared token v1\0");
        for part in [
            tenant.to_owned(),
            client_id.to_owned(),
            account.map(|a| a.to_string()).unwrap_or_default(),
            scopes.map(ToString::to_string).unwrap_or_else(|| "*".into()),
        ] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part.as_bytes());
        }
        SharedKey {
            hex: hex(&h.finalize()),
        }
    }

    /// The digest in hex (64 characters): use it in your store's record names.
    pub fn as_str(&self) -> &str {
        &self.hex
    }
}

impl fmt::Debug for SharedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SharedKey({})", &self.hex[..16])
    }
}

/// A tier of access tokens shared by several processes (or hosts), behind each client's own
/// in-process cache: on a miss a client looks here before asking Marketing Cloud, and writes
/// every token it gets here.
///
/// A **lease** per key makes one process of the fleet the one that requests the next token;
/// the others wait for it to appear here (for a bounded time), and request one themselves if
/// the lease holder died (its lease expires after [`lease_ttl`](Self::lease_ttl)).
///
/// Implementations encrypt what they write when it leaves the process, bound every call in
/// time, and report an unreachable backend as [`Error::Transport`](crate::Error::Transport)
/// and an unreadable record as [`Error::Store`](crate::Error::Store): clients then carry on
/// without the tier (a WARN, never a failed call).
///
/// mc-auth ships [`MemoryCache`](super::MemoryCache) (one process) and
/// [`RedisStore`](super::RedisStore) (feature `redis`, a fleet).
pub trait TokenCache: Send + Sync + fmt::Debug + 'static {
    /// The token stored under `key`, if any (expired ones may be returned; the client checks).
    fn get<'a>(&'a self, key: &'a SharedKey) -> BoxFuture<'a, Result<Option<StoredAccess>>>;

    /// Stores `token` under `key`, replacing what was there, until it expires.
    fn put<'a>(&'a self, key: &'a SharedKey, token: &'a StoredAccess) -> BoxFuture<'a, Result<()>>;

    /// Tries to take the lease on `key` without waiting: `Ok(None)` when another holder has
    /// it. The lease lasts [`lease_ttl`](Self::lease_ttl) unless its holder keeps it alive,
    /// and is released when the returned value is dropped or [released](Lease::release).
    fn try_lease<'a>(&'a self, key: &'a SharedKey) -> BoxFuture<'a, Result<Option<Box<dyn Lease>>>>;

    /// How long a lease outlives a holder that stopped renewing it (a crash).
    fn lease_ttl(&self) -> Duration;
}

/// A held lease on a [`SharedKey`]. Dropping it releases it too (in the background).
pub trait Lease: Send {
    /// Releases the lease now (only if it is still this holder's).
    fn release(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// `token` as a shared entry, its expiry in wall-clock time.
pub(crate) fn to_stored(token: &Token, clock: &Clock) -> StoredAccess {
    let now = clock.now();
    let now_ms = clock.unix_millis();
    let remaining = token.expires_at.saturating_duration_since(now);
    let age = now.saturating_duration_since(token.received_at);
    let expires_at_ms = now_ms.saturating_add(u64::try_from(remaining.as_millis()).unwrap_or(u64::MAX));
    let issued_at_ms = now_ms.saturating_sub(u64::try_from(age.as_millis()).unwrap_or(u64::MAX));
    StoredAccess::new(
        token.access_token.clone(),
        expires_at_ms,
        token.scopes.to_string(),
        token.rest_instance_url(),
        token.soap_instance_url(),
    )
    .issued_at(issued_at_ms)
}

/// A token from a shared or stored entry with at least a second to live, checked like one
/// from the token endpoint (instance hosts, granted scopes); `None` otherwise.
///
/// When the entry says when the token was issued, it is scheduled as if received then (its
/// refresh window is the same part of its whole lifetime as for the process that got it);
/// otherwise as if received now with its remaining lifetime.
pub(crate) fn from_stored(ep: &TokenEndpoint, access: &StoredAccess, account: Option<AccountId>) -> Option<Token> {
    let now_ms = ep.clock.unix_millis();
    let remaining_ms = access.expires_at_ms.saturating_sub(now_ms);
    if remaining_ms < 1_000 {
        return None;
    }
    let mut receipt = ep.clock.receipt();
    let mut lifetime_ms = remaining_ms;
    if access.issued_at_ms != 0 && access.issued_at_ms <= now_ms {
        let age = Duration::from_millis(now_ms - access.issued_at_ms);
        // Both of the clock's scales must reach back that far (a manual clock's ticks start
        // at zero); otherwise the remaining lifetime is all there is to go by.
        if let (Some(at), Some(ticks)) = (
            receipt.at.checked_sub(age),
            receipt.ticks.checked_sub(duration_ticks(age)),
        ) {
            receipt = Receipt { at, ticks };
            lifetime_ms = access.expires_at_ms - access.issued_at_ms;
        }
    }
    let response = TokenResponse::stored(
        access.access_token.clone(),
        Duration::from_millis(lifetime_ms),
        ScopeSet::parse(&access.scope),
        access.rest_instance_url.clone(),
        access.soap_instance_url.clone(),
    );
    let token = Token::from_response(response, account, receipt, ep.auth.policy, &ep.refresh).ok()?;
    ep.check_granted(&token).ok()?;
    Some(token)
}
