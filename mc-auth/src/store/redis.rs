//! [`RedisStore`]: access tokens, leases and refresh tokens shared by a fleet through Redis.
//!
//! Records, each sealed with the store's [`EncryptionKey`] and bound to its name:
//!
//! | name | what | lifetime |
//! |---|---|---|
//! | `{prefix}at:{shared key}` | an access token ([`TokenCache`]) | until the token expires |
//! | `{prefix}lease:{shared key}` | the token lease: a random holder id (not sealed, holds nothing) | the lease TTL, renewed by a live holder |
//! | `{prefix}rt:{digest of the user's store key}` | a user's refresh token and access token ([`TokenStore`]) | no expiry |
//! | `{prefix}rtlock:{same digest}` | that user's lock, a lease like the token lease | the lease TTL, renewed |
//!
//! A lease is `SET name holder NX PX ttl`, renewed every third of its TTL while held, and
//! released by a compare-and-delete script, so a holder never frees a lease that lapsed and
//! went to another process. A refresh record is written under its lock by a
//! compare-and-set script: a holder whose lock lapsed cannot overwrite a newer refresh token.
//! Every Redis call is bounded by the store's timeout.

use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use futures_util::future::{BoxFuture, FutureExt};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;
use tokio::task::JoinHandle;
use zeroize::Zeroizing;

use super::key::{hex, EncryptionKey};
use super::seal::Keyring;
use super::tier::{Lease, SharedKey, TokenCache};
use crate::error::{Error, Result, TransportKind};
use crate::web::file_store::{Entry, EntryAccess};
use crate::web::{LockedTokens, StoreKey, StoredAccess, StoredTokens, TokenStore};

/// Default bound on one Redis call.
const DEFAULT_TIMEOUT: Duration = Duration::from_millis(500);
/// Default lease TTL.
const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(10);
/// Default longest wait for a user's lock.
const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(30);

static RELEASE: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end",
    )
});

static RENEW: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end",
    )
});

static REMOVE_UNDER_LOCK: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[2]) return 1 else return 0 end",
    )
});

static SAVE_UNDER_LOCK: LazyLock<redis::Script> = LazyLock::new(|| {
    redis::Script::new(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[2], ARGV[2]) return 1 else return 0 end",
    )
});

/// A token store in Redis, for a fleet of processes on any number of hosts: a [`TokenCache`]
/// for client-credentials tokens (with a lease per token, so one process requests each new
/// token) and a [`TokenStore`] for web and public apps' refresh tokens (with a lock per user
/// that works across hosts). Cheap to clone; clones share one connection.
///
/// ```no_run
/// use mc_auth::store::{EncryptionKey, RedisStore};
/// use mc_auth::{Client, Credentials};
/// # async fn run() -> mc_auth::Result<()> {
/// let key = EncryptionKey::from_base64(&std::env::var("MC_TOKEN_STORE_KEY").unwrap())?;
/// let redis = RedisStore::new("redis://cache.internal:6379/0", key)?;
/// let client = Client::builder(Credentials::from_env()?)
///     .scopes(["email_send"])
///     .shared_cache(redis.clone())
///     .build()?;
/// # Ok(()) }
/// ```
///
/// An unreachable or hung Redis costs each call at most the store's [timeout](RedisStoreBuilder::timeout):
/// clients then go on with their own cache and token requests. Refresh tokens have no such
/// fallback (sending one without the store's lock could spend it twice): a web app's refresh
/// fails with [`Error::Transport`] while Redis is down, and succeeds again when it is back.
#[derive(Clone)]
pub struct RedisStore {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    keyring: Keyring,
    prefix: String,
    timeout: Duration,
    lease_ttl: Duration,
    lock_wait: Duration,
    /// `redis://host:port/db`, without credentials.
    shown: String,
}

/// Configures a [`RedisStore`]; start with [`RedisStore::builder`].
#[must_use = "a builder does nothing until you call `build`"]
pub struct RedisStoreBuilder {
    url: Zeroizing<String>,
    key: EncryptionKey,
    previous: Vec<EncryptionKey>,
    prefix: String,
    timeout: Duration,
    lease_ttl: Duration,
    lock_wait: Duration,
}

impl fmt::Debug for RedisStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStoreBuilder")
            .field("key", &self.key)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("lease_ttl", &self.lease_ttl)
            .finish_non_exhaustive()
    }
}

impl RedisStoreBuilder {
    /// Also accepts records sealed with `key` (the key you are rotating away from). New
    /// records are always sealed with the store's current key.
    pub fn previous_key(mut self, key: EncryptionKey) -> Self {
        self.previous.push(key);
        self
    }

    /// Prefix of every Redis key this store writes (default `mc-auth:`), to share one Redis
    /// database with other applications.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest one Redis call (connecting included) may take (default 500 ms).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long a lease outlives a holder that died (default 10 s): the longest the rest of
    /// the fleet waits before one of them requests the token the dead holder did not.
    pub fn lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl;
        self
    }

    /// The longest a refresh waits for a user's lock held by another process (default 30 s).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// Checks the settings and builds the store; it connects on first use.
    pub fn build(self) -> Result<RedisStore> {
        let client = redis::Client::open(self.url.as_str()).map_err(|e| {
            Error::config(
                "Redis URL",
                format!(
                    "is not a Redis URL ({:?}); write it as redis://[:password@]host:port/db (or rediss:// for TLS)",
                    e.kind()
                ),
            )
        })?;
        let within = |name: &str, d: Duration, min: Duration, max: Duration| {
            if d < min || d > max {
                Err(Error::config(
                    name,
                    format!("is {d:?}; it must be from {min:?} to {max:?}"),
                ))
            } else {
                Ok(())
            }
        };
        within(
            "Redis timeout",
            self.timeout,
            Duration::from_millis(1),
            Duration::from_secs(3600),
        )?;
        within(
            "Redis lease TTL",
            self.lease_ttl,
            Duration::from_millis(30),
            Duration::from_secs(24 * 3600),
        )?;
        within(
            "Redis lock wait",
            self.lock_wait,
            Duration::ZERO,
            Duration::from_secs(24 * 3600),
        )?;
        let info = client.get_connection_info();
        let shown = format!("redis://{}/{}", info.addr(), info.redis_settings().db());
        Ok(RedisStore {
            inner: Arc::new(Inner {
                client,
                connection: OnceCell::new(),
                keyring: Keyring::new(&self.key, &self.previous),
                prefix: self.prefix,
                timeout: self.timeout,
                lease_ttl: self.lease_ttl,
                lock_wait: self.lock_wait,
                shown,
            }),
        })
    }
}

impl RedisStore {
    /// A store at `url` (`redis://host:port/db`) sealing with `key`, with the default
    /// settings.
    pub fn new(url: &str, key: EncryptionKey) -> Result<Self> {
        Self::builder(url, key).build()
    }

    /// Starts configuring a store at `url` sealing with `key`.
    pub fn builder(url: &str, key: EncryptionKey) -> RedisStoreBuilder {
        RedisStoreBuilder {
            url: Zeroizing::new(url.to_owned()),
            key,
            previous: Vec::new(),
            prefix: "mc-auth:".into(),
            timeout: DEFAULT_TIMEOUT,
            lease_ttl: DEFAULT_LEASE_TTL,
            lock_wait: DEFAULT_LOCK_WAIT,
        }
    }

    /// The Redis name of the access-token record under `key` (for tests and tools).
    pub fn token_record_name(&self, key: &SharedKey) -> String {
        format!("{}at:{}", self.inner.prefix, key.as_str())
    }

    /// The Redis name of the refresh-token record under `key` (for tests and tools).
    pub fn refresh_record_name(&self, key: &StoreKey) -> String {
        format!("{}rt:{}", self.inner.prefix, store_key_digest(key))
    }
}

fn store_key_digest(key: &StoreKey) -> String {
    hex(&Sha256::digest(key.to_key_string().as_bytes()))
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("server", &self.inner.shown)
            .field("prefix", &self.inner.prefix)
            .field("key_id", &self.inner.keyring.current_id())
            .finish_non_exhaustive()
    }
}

impl Inner {
    fn transport(&self, kind: TransportKind, source: impl std::error::Error + Send + Sync + 'static) -> Error {
        Error::Transport {
            kind,
            endpoint: self.shown.clone(),
            source: Arc::new(source),
        }
    }

    fn record_error(&self, name: &str, problem: impl fmt::Display) -> Error {
        Error::Store {
            store: self.shown.clone(),
            problem: format!("the record {name} {problem}"),
        }
    }

    /// Runs one Redis call on the shared connection, bounded by the timeout.
    async fn call<T, F>(&self, f: impl FnOnce(ConnectionManager) -> F) -> Result<T>
    where
        F: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let work = async {
            let connection = self
                .connection
                .get_or_try_init(|| async {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(self.timeout))
                        .set_response_timeout(Some(self.timeout))
                        .set_number_of_retries(1)
                        .set_max_delay(self.timeout);
                    ConnectionManager::new_lazy_with_config(self.client.clone(), config)
                })
                .await
                .map_err(|e| self.transport(TransportKind::Connect, e))?;
            f(connection.clone()).await.map_err(|e| {
                let kind = if e.is_timeout() {
                    TransportKind::Timeout
                } else if e.is_connection_refusal() {
                    TransportKind::Connect
                } else {
                    TransportKind::Io
                };
                self.transport(kind, e)
            })
        };
        match tokio::time::timeout(self.timeout, work).await {
            Ok(result) => result,
            Err(_) => Err(self.transport(
                TransportKind::Timeout,
                std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no answer within {} ms", self.timeout.as_millis()),
                ),
            )),
        }
    }

    async fn get_bytes(&self, name: &str) -> Result<Option<Vec<u8>>> {
        self.call(|mut c| async move { redis::cmd("GET").arg(name).query_async::<Option<Vec<u8>>>(&mut c).await })
            .await
    }

    fn open(&self, name: &str, record: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        self.keyring
            .open_record(name.as_bytes(), record)
            .map_err(|refused| self.record_error(name, refused))
    }

    fn seal(&self, name: &str, plain: &[u8]) -> Result<Vec<u8>> {
        self.keyring.seal_record(name.as_bytes(), plain)
    }

    /// Tries once to take the lease called `name`.
    async fn try_lease(self: &Arc<Self>, name: String) -> Result<Option<RedisLease>> {
        let mut holder = [0u8; 16];
        getrandom::fill(&mut holder).map_err(|e| Error::Internal {
            what: format!("the operating system's random generator failed ({e})"),
        })?;
        let holder = hex(&holder);
        let ttl_ms = millis(self.lease_ttl);
        let taken: Option<String> = self
            .call(|mut c| {
                let (name, holder) = (name.clone(), holder.clone());
                async move {
                    redis::cmd("SET")
                        .arg(name)
                        .arg(holder)
                        .arg("NX")
                        .arg("PX")
                        .arg(ttl_ms)
                        .query_async(&mut c)
                        .await
                }
            })
            .await?;
        Ok(taken.map(|_| RedisLease::start(Arc::clone(self), name, holder)))
    }

    /// Waits (bounded by the lock wait) for the lease called `name`.
    async fn lock(self: &Arc<Self>, name: String, user: &str) -> Result<RedisLease> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(5);
        loop {
            if let Some(lease) = self.try_lease(name.clone()).await? {
                return Ok(lease);
            }
            if started.elapsed() >= self.lock_wait {
                return Err(Error::Store {
                    store: self.shown.clone(),
                    problem: format!(
                        "another process has held the lock on user `{user}`'s tokens for more than {} ms (a refresh in progress, or a process that died: its lock lapses after the lease TTL of {} ms); try again, or raise lock_wait",
                        self.lock_wait.as_millis(),
                        self.lease_ttl.as_millis()
                    ),
                });
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(100));
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// A held lease: renewed in the background every third of its TTL, released by
/// compare-and-delete on [`Lease::release`] or drop.
struct RedisLease {
    inner: Arc<Inner>,
    name: String,
    holder: String,
    renewal: JoinHandle<()>,
    released: bool,
}

impl RedisLease {
    fn start(inner: Arc<Inner>, name: String, holder: String) -> Self {
        let renewal = tokio::spawn({
            let (inner, name, holder) = (Arc::clone(&inner), name.clone(), holder.clone());
            async move {
                let every = inner.lease_ttl / 3;
                loop {
                    tokio::time::sleep(every).await;
                    let ttl_ms = millis(inner.lease_ttl);
                    let renewed = inner
                        .call(|mut c| {
                            let (name, holder) = (name.clone(), holder.clone());
                            async move {
                                RENEW
                                    .key(name)
                                    .arg(holder)
                                    .arg(ttl_ms)
                                    .invoke_async::<i64>(&mut c)
                                    .await
                            }
                        })
                        .await;
                    match renewed {
                        Ok(1) => {}
                        Ok(_) => {
                            tracing::warn!(store = %inner.shown, lease = %name, "a lease lapsed while held (its holder was paused longer than the lease TTL); another process may act meanwhile");
                            return;
                        }
                        Err(e) => {
                            tracing::warn!(store = %inner.shown, lease = %name, error = %e, "could not renew a lease")
                        }
                    }
                }
            }
        });
        RedisLease {
            inner,
            name,
            holder,
            renewal,
            released: false,
        }
    }

    fn release_future(&mut self) -> BoxFuture<'static, ()> {
        self.renewal.abort();
        self.released = true;
        let (inner, name, holder) = (Arc::clone(&self.inner), self.name.clone(), self.holder.clone());
        async move {
            let released = inner
                .call(|mut c| {
                    let (name, holder) = (name.clone(), holder.clone());
                    async move { RELEASE.key(name).arg(holder).invoke_async::<i64>(&mut c).await }
                })
                .await;
            if let Err(e) = released {
                tracing::warn!(store = %inner.shown, lease = %name, error = %e, "could not release a lease; it lapses after its TTL");
            }
        }
        .boxed()
    }
}

impl Lease for RedisLease {
    fn release(mut self: Box<Self>) -> BoxFuture<'static, ()> {
        self.release_future()
    }
}

impl Drop for RedisLease {
    fn drop(&mut self) {
        if !self.released {
            let release = self.release_future();
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(release);
            } else {
                self.renewal.abort();
            }
        }
    }
}

impl TokenCache for RedisStore {
    fn get<'a>(&'a self, key: &'a SharedKey) -> BoxFuture<'a, Result<Option<StoredAccess>>> {
        async move {
            let name = self.token_record_name(key);
            let Some(record) = self.inner.get_bytes(&name).await? else {
                return Ok(None);
            };
            let plain = self.inner.open(&name, &record)?;
            let entry: EntryAccess = serde_json::from_slice(&plain).map_err(|_| {
                self.inner
                    .record_error(&name, "decrypted but is not an access token record")
            })?;
            Ok(Some(entry.access()))
        }
        .boxed()
    }

    fn put<'a>(&'a self, key: &'a SharedKey, token: &'a StoredAccess) -> BoxFuture<'a, Result<()>> {
        async move {
            let name = self.token_record_name(key);
            let now_ms = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
            let ttl_ms = token.expires_at_ms.saturating_sub(now_ms).max(1_000);
            let plain = Zeroizing::new(
                serde_json::to_vec(&EntryAccess::new(token)).map_err(|e| Error::Internal {
                    what: format!("could not encode an access token record ({e})"),
                })?,
            );
            let record = self.inner.seal(&name, &plain)?;
            self.inner
                .call(|mut c| async move {
                    redis::cmd("SET")
                        .arg(&name)
                        .arg(record)
                        .arg("PX")
                        .arg(ttl_ms)
                        .query_async::<()>(&mut c)
                        .await
                })
                .await
        }
        .boxed()
    }

    fn try_lease<'a>(&'a self, key: &'a SharedKey) -> BoxFuture<'a, Result<Option<Box<dyn Lease>>>> {
        async move {
            let name = format!("{}lease:{}", self.inner.prefix, key.as_str());
            Ok(self.inner.try_lease(name).await?.map(|l| Box::new(l) as Box<dyn Lease>))
        }
        .boxed()
    }

    fn lease_ttl(&self) -> Duration {
        self.inner.lease_ttl
    }
}

impl RedisStore {
    async fn load_entry(&self, name: &str) -> Result<Option<StoredTokens>> {
        let Some(record) = self.inner.get_bytes(name).await? else {
            return Ok(None);
        };
        let plain = self.inner.open(name, &record)?;
        let entry: Entry = serde_json::from_slice(&plain).map_err(|_| {
            self.inner
                .record_error(name, "decrypted but is not a refresh token record")
        })?;
        Ok(Some(entry.tokens()))
    }

    fn seal_entry(&self, name: &str, key: &StoreKey, tokens: &StoredTokens) -> Result<Vec<u8>> {
        let plain = Zeroizing::new(
            serde_json::to_vec(&Entry::new(key, tokens)).map_err(|e| Error::Internal {
                what: format!("could not encode a refresh token record ({e})"),
            })?,
        );
        self.inner.seal(name, &plain)
    }
}

impl TokenStore for RedisStore {
    fn load<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Option<StoredTokens>>> {
        async move { self.load_entry(&self.refresh_record_name(key)).await }.boxed()
    }

    fn save<'a>(&'a self, key: &'a StoreKey, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>> {
        async move {
            let name = self.refresh_record_name(key);
            let record = self.seal_entry(&name, key, tokens)?;
            self.inner
                .call(|mut c| async move { redis::cmd("SET").arg(&name).arg(record).query_async::<()>(&mut c).await })
                .await
        }
        .boxed()
    }

    fn remove<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<()>> {
        async move {
            let name = self.refresh_record_name(key);
            self.inner
                .call(|mut c| async move { redis::cmd("DEL").arg(&name).query_async::<()>(&mut c).await })
                .await
        }
        .boxed()
    }

    fn lock<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, Result<Box<dyn LockedTokens + 'a>>> {
        async move {
            let lock_name = format!("{}rtlock:{}", self.inner.prefix, store_key_digest(key));
            let lease = self.inner.lock(lock_name, &key.user).await?;
            Ok(Box::new(RedisLocked {
                store: self,
                key,
                name: self.refresh_record_name(key),
                lease,
            }) as Box<dyn LockedTokens + 'a>)
        }
        .boxed()
    }
}

/// A user's refresh record under their lock.
struct RedisLocked<'a> {
    store: &'a RedisStore,
    key: &'a StoreKey,
    name: String,
    lease: RedisLease,
}

impl LockedTokens for RedisLocked<'_> {
    fn load(&mut self) -> BoxFuture<'_, Result<Option<StoredTokens>>> {
        async move { self.store.load_entry(&self.name).await }.boxed()
    }

    fn save<'a>(&'a mut self, tokens: &'a StoredTokens) -> BoxFuture<'a, Result<()>> {
        async move {
            let record = self.store.seal_entry(&self.name, self.key, tokens)?;
            let (lock, holder, name) = (self.lease.name.clone(), self.lease.holder.clone(), self.name.clone());
            let saved = self
                .store
                .inner
                .call(|mut c| async move {
                    SAVE_UNDER_LOCK
                        .key(lock)
                        .key(name)
                        .arg(holder)
                        .arg(record)
                        .invoke_async::<i64>(&mut c)
                        .await
                })
                .await?;
            self.check_held(saved, "save")
        }
        .boxed()
    }

    fn remove(&mut self) -> BoxFuture<'_, Result<()>> {
        async move {
            let (lock, holder, name) = (self.lease.name.clone(), self.lease.holder.clone(), self.name.clone());
            let removed = self
                .store
                .inner
                .call(|mut c| async move {
                    REMOVE_UNDER_LOCK
                        .key(lock)
                        .key(name)
                        .arg(holder)
                        .invoke_async::<i64>(&mut c)
                        .await
                })
                .await?;
            self.check_held(removed, "removal")
        }
        .boxed()
    }
}

impl RedisLocked<'_> {
    /// `done` is what a compare-and-set script returned: 1 when the lock was still held.
    fn check_held(&self, done: i64, what: &str) -> Result<()> {
        if done == 1 {
            Ok(())
        } else {
            Err(Error::Store {
                store: self.store.inner.shown.clone(),
                problem: format!(
                    "the lock on user `{}`'s tokens lapsed before the {what} (this process was paused for longer than the lease TTL of {} ms), so another process may hold newer tokens; nothing was changed",
                    self.key.user,
                    self.store.inner.lease_ttl.as_millis()
                ),
            })
        }
    }
}
