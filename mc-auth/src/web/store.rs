//! Where refresh tokens live between runs: the [`TokenStore`] trait and an in-memory store.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use futures_util::future::{BoxFuture, FutureExt};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::secret::{AccessToken, RefreshToken};

/// Identifies one user's tokens: client type, tenant, business unit, scope set and user.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct StoreKey {
    /// The client type (`Mailer`) or `Client`.
    pub client: String,
    /// The tenant subdomain the tokens belong to (after any `tssd` switch).
    pub tenant: String,
    /// The business unit MID, if one was chosen.
    pub account: Option<u64>,
    /// The scope set, space-separated and sorted.
    pub scopes: String,
    /// Your identifier for the signed-in user or session (for example your own user id).
    pub user: String,
}

impl StoreKey {
    /// Builds a key.
    pub fn new(
        client: impl Into<String>,
        tenant: impl Into<String>,
        account: Option<u64>,
        scopes: impl Into<String>,
        user: impl Into<String>,
    ) -> Self {
        StoreKey {
            client: client.into(),
            tenant: tenant.into(),
            account,
            scopes: scopes.into(),
            user: user.into(),
        }
    }

    /// A single-string form, used as the key in file stores.
    pub fn to_key_string(&self) -> String {
        let account = self.account.map(|a| a.to_string()).unwrap_or_default();
        format!(
            "{}|{}|{}|{}|{}",
            self.client, self.tenant, account, self.scopes, self.user
        )
    }
}

/// What a store keeps for one [`StoreKey`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoredTokens {
    /// The current (latest rotated) refresh token.
    pub refresh_token: RefreshToken,
    /// The tenant subdomain to refresh against.
    pub tenant: String,
    /// Seconds since the Unix epoch when this was saved.
    pub saved_at: u64,
    /// The access token that came with the refresh token, so that every process and client
    /// for this user uses it instead of refreshing again.
    pub access: Option<StoredAccess>,
    /// A refresh with this refresh token was sent and its answer never came: MC may have
    /// spent it. mc-auth never sends it again; the user must sign in again.
    pub in_doubt: bool,
}

/// An access token kept in a [`TokenStore`] next to its refresh token.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StoredAccess {
    /// The access token.
    pub access_token: AccessToken,
    /// When Marketing Cloud stops accepting it, in milliseconds since the Unix epoch.
    pub expires_at_ms: u64,
    /// The granted scopes, space-separated.
    pub scope: String,
    /// The REST instance URL it goes to.
    pub rest_instance_url: String,
    /// The SOAP instance URL it goes to.
    pub soap_instance_url: String,
    /// When it was issued, in milliseconds since the Unix epoch (0: not known). With it, a
    /// process that picks the token up schedules its refresh as the one that got it did
    /// (ahead of expiry by the same part of the token's whole lifetime).
    pub issued_at_ms: u64,
}

impl StoredAccess {
    /// An entry for `access_token`, expiring at `expires_at_ms`.
    pub fn new(
        access_token: AccessToken,
        expires_at_ms: u64,
        scope: impl Into<String>,
        rest_instance_url: impl Into<String>,
        soap_instance_url: impl Into<String>,
    ) -> Self {
        StoredAccess {
            access_token,
            expires_at_ms,
            scope: scope.into(),
            rest_instance_url: rest_instance_url.into(),
            soap_instance_url: soap_instance_url.into(),
            issued_at_ms: 0,
        }
    }

    /// With the time it was issued (milliseconds since the Unix epoch).
    pub fn issued_at(mut self, issued_at_ms: u64) -> Self {
        self.issued_at_ms = issued_at_ms;
        self
    }
}

impl StoredTokens {
    /// Wraps a refresh token, stamped with the current time.
    pub fn new(refresh_token: RefreshToken, tenant: impl Into<String>) -> Self {
        StoredTokens {
            refresh_token,
            tenant: tenant.into(),
            saved_at: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0),
            access: None,
            in_doubt: false,
        }
    }

    /// With the access token that came with the refresh token.
    pub fn with_access(mut self, access: StoredAccess) -> Self {
        self.access = Some(access);
        self
    }
}

/// Keeps refresh tokens so that users stay signed in across restarts: the one source of
/// truth for a user's tokens, however many clients, tasks or processes act for that user.
///
/// A refresh takes the store's [`lock`](Self::lock) on the user's key, reads the latest
/// tokens, uses a newer access token found there instead of refreshing (another client or
/// process refreshed first), or else refreshes, saves the rotated refresh token and the new
/// access token, and only then releases the lock and hands the token out. So a refresh token
/// is sent once, and a crash never loses the only valid one.
///
/// Implementations must make `save` atomic (after a crash, `load` returns either the old or
/// the new value, never a mix), and `lock` exclusive among every client that shares the
/// store: a mutex for a store in one process ([`MemoryTokenStore`]), a file lock for a file
/// ([`FileTokenStore`](super::FileTokenStore)), a lease for a networked store.
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// The tokens saved under `key`, if any.
    fn load<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Option<StoredTokens>>>;
    /// Saves (replaces) the tokens under `key`.
    fn save<'a>(&'a self, key: &'a StoreKey, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>>;
    /// Forgets the tokens under `key`.
    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<()>>;
    /// Waits for the exclusive lock on `key` and returns the entry to read and write under
    /// it; the lock is released when the returned value is dropped.
    fn lock<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Box<dyn LockedTokens + 'a>>>;
}

/// One key's entry of a [`TokenStore`], held under the store's exclusive lock (released on
/// drop).
pub trait LockedTokens: Send {
    /// The tokens saved under the key, if any.
    fn load(&mut self) -> BoxFuture<'_, Result<Option<StoredTokens>>>;
    /// Saves (replaces) the tokens under the key.
    fn save<'a>(&'a mut self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>>;
    /// Forgets the tokens under the key (the user signs out). Under the lock, so a refresh
    /// in flight for the user finishes first and cannot write them back afterwards.
    fn remove(&mut self) -> BoxFuture<'_, Result<()>>;
}

/// The default store: process memory only (tokens are gone when the process ends). Its lock
/// is an async mutex per key.
#[derive(Default)]
pub struct MemoryTokenStore {
    entries: Mutex<HashMap<StoreKey, StoredTokens>>,
    locks: Mutex<HashMap<StoreKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored entries.
    pub fn len(&self) -> usize {
        self.entries().len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<StoreKey, StoredTokens>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("entries", &self.len())
            .finish()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Option<StoredTokens>>> {
        let found = self.entries().get(key).cloned();
        async move { Ok(found) }.boxed()
    }

    fn save<'a>(&'a self, key: &'a StoreKey, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>> {
        self.entries().insert(key.clone(), tokens.clone());
        async { Ok(()) }.boxed()
    }

    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<()>> {
        self.entries().remove(key);
        async { Ok(()) }.boxed()
    }

    fn lock<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Box<dyn LockedTokens + 'a>>> {
        let mutex = Arc::clone(
            self.locks
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(key.clone())
                .or_default(),
        );
        async move {
            let guard = mutex.lock_owned().await;
            Ok(Box::new(MemoryLocked {
                store: self,
                key,
                _guard: guard,
            }) as Box<dyn LockedTokens + 'a>)
        }
        .boxed()
    }
}

/// A [`MemoryTokenStore`] entry under its lock.
struct MemoryLocked<'a> {
    store: &'a MemoryTokenStore,
    key: &'a StoreKey,
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl LockedTokens for MemoryLocked<'_> {
    fn load(&mut self) -> BoxFuture<'_, Result<Option<StoredTokens>>> {
        TokenStore::load(self.store, self.key)
    }

    fn save<'a>(&'a mut self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>> {
        TokenStore::save(self.store, self.key, tokens)
    }

    fn remove(&mut self) -> BoxFuture<'_, Result<()>> {
        TokenStore::remove(self.store, self.key)
    }
}
