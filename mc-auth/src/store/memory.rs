//! [`MemoryCache`]: a shared tier for the clients of one process.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt};

use super::tier::{Lease, SharedKey, TokenCache};
use crate::error::Result;
use crate::web::StoredAccess;

/// Default [`TokenCache::lease_ttl`] of a [`MemoryCache`].
const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(10);

/// A [`TokenCache`] in process memory: separately built clients of one process (for example
/// one per request handler) share tokens and leases through it. Nothing leaves the process,
/// so nothing is encrypted. Cheap to clone; clones share the entries.
#[derive(Clone, Default)]
pub struct MemoryCache {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    tokens: HashMap<SharedKey, StoredAccess>,
    /// Lease holder (a number) and when the lease lapses.
    leases: HashMap<SharedKey, (u64, Instant)>,
    next_holder: u64,
}

impl MemoryCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryCache")
            .field("tokens", &self.state().tokens.len())
            .finish_non_exhaustive()
    }
}

impl TokenCache for MemoryCache {
    fn get<'a>(&'a self, key: &'a SharedKey) -> BoxFuture<'a, Result<Option<StoredAccess>>> {
        let found = self.state().tokens.get(key).cloned();
        async move { Ok(found) }.boxed()
    }

    fn put<'a>(&'a self, key: &'a SharedKey, token: &'a StoredAccess) -> BoxFuture<'a, Result<()>> {
        self.state().tokens.insert(key.clone(), token.clone());
        async { Ok(()) }.boxed()
    }

    fn try_lease<'a>(&'a self, key: &'a SharedKey) -> BoxFuture<'a, Result<Option<Box<dyn Lease>>>> {
        let now = Instant::now();
        let mut state = self.state();
        let taken = state.leases.get(key).is_some_and(|(_, until)| *until > now);
        let lease = if taken {
            None
        } else {
            state.next_holder += 1;
            let holder = state.next_holder;
            state.leases.insert(key.clone(), (holder, now + DEFAULT_LEASE_TTL));
            Some(Box::new(MemoryLease {
                cache: Some(self.clone()),
                key: key.clone(),
                holder,
            }) as Box<dyn Lease>)
        };
        drop(state);
        async move { Ok(lease) }.boxed()
    }

    fn lease_ttl(&self) -> Duration {
        DEFAULT_LEASE_TTL
    }
}

/// A held [`MemoryCache`] lease.
struct MemoryLease {
    cache: Option<MemoryCache>,
    key: SharedKey,
    holder: u64,
}

impl MemoryLease {
    fn free(&mut self) {
        if let Some(cache) = self.cache.take() {
            let mut state = cache.state();
            if state.leases.get(&self.key).is_some_and(|(h, _)| *h == self.holder) {
                state.leases.remove(&self.key);
            }
        }
    }
}

impl Lease for MemoryLease {
    fn release(mut self: Box<Self>) -> BoxFuture<'static, ()> {
        self.free();
        async {}.boxed()
    }
}

impl Drop for MemoryLease {
    fn drop(&mut self) {
        self.free();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_lease_holder_at_a_time_and_release_frees_it() {
        let cache = MemoryCache::new();
        let key = SharedKey::new("t", "c", None, None);
        let other = SharedKey::new("t", "c", Some(7), None);
        let lease = cache.try_lease(&key).await.unwrap().expect("free at first");
        assert!(cache.try_lease(&key).await.unwrap().is_none(), "held");
        let other_lease = cache.try_lease(&other).await.unwrap();
        assert!(other_lease.is_some(), "another key has its own lease");
        lease.release().await;
        let again = cache.try_lease(&key).await.unwrap().expect("released");
        drop(again);
        assert!(cache.try_lease(&key).await.unwrap().is_some(), "dropping releases too");
    }
}
