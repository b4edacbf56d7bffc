//! Where refresh tokens live between runs: the [`TokenStore`] trait and an in-memory store.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use futures_util::future::{BoxFuture, FutureExt};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::secret::RefreshToken;

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
        }
    }
}

/// Keeps refresh tokens so that users stay signed in across restarts.
///
/// mc-auth saves the rotated refresh token **before** it hands out the new access token, so a
/// crash never loses the only valid refresh token. Implementations must make `save` atomic:
/// after a crash, `load` returns either the old or the new value, never a mix.
pub trait TokenStore: Send + Sync + fmt::Debug + 'static {
    /// The tokens saved under `key`, if any.
    fn load<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Option<StoredTokens>>>;
    /// Saves (replaces) the tokens under `key`.
    fn save<'a>(&'a self, key: &'a StoreKey, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>>;
    /// Forgets the tokens under `key`.
    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<()>>;
}

/// The default store: process memory only (tokens are gone when the process ends).
#[derive(Default)]
pub struct MemoryTokenStore {
    entries: Mutex<HashMap<StoreKey, StoredTokens>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored entries.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<StoreKey, StoredTokens>> {
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
        let found = self.lock().get(key).cloned();
        async move { Ok(found) }.boxed()
    }

    fn save<'a>(&'a self, key: &'a StoreKey, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>> {
        self.lock().insert(key.clone(), tokens.clone());
        async { Ok(()) }.boxed()
    }

    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<()>> {
        self.lock().remove(key);
        async { Ok(()) }.boxed()
    }
}
