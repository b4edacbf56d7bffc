//! The token cache: one partition per (tenant, client id, business unit, scope set).
//!
//! - **Fast path**: a fresh token is read with one `ArcSwap` load and a coarse clock read; no
//!   lock, and no copy of the token anywhere but the partition.
//! - **Single flight**: callers that find no usable token share one token request, run as its
//!   own task so that a caller dropping its future never cancels it for the others. Its
//!   result (token or error) reaches every waiter; after an error the next call tries again.
//!   The flight has its own deadline ([`TokenSource::flight_deadline`]), whatever the HTTP
//!   timeouts, and is always cleared when it ends, fails, times out or panics: no caller's
//!   timeout and no hung endpoint can wedge a partition.
//! - **Refresh ahead**: inside the refresh window one background request starts while callers
//!   keep getting the still-valid token; only past the hard margin do callers wait.
//! - **Invalidation**: a 401 removes exactly the token that was refused, never a newer one.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use futures_util::future::{BoxFuture, FutureExt, Shared};

use crate::clock::Clock;
use crate::credentials::AccountId;
use crate::error::{Error, Result, TransportKind};
use crate::scopes::ScopeSet;
use crate::token::Token;

/// After a failed background refresh, the next one waits this long (callers still have a
/// valid token meanwhile).
const BACKGROUND_RETRY_DELAY: Duration = Duration::from_secs(10);

/// Where a partition gets new tokens from (a grant).
pub(crate) trait TokenSource: Send + Sync + 'static {
    /// Requests a new token for `account`.
    fn fetch(self: Arc<Self>, account: Option<AccountId>) -> BoxFuture<'static, Result<Token>>;

    /// Called when a background (refresh-ahead) request starts.
    fn note_background_refresh(&self) {}

    /// The longest a token fetch may take before it is abandoned (and its waiters get a
    /// timeout error).
    fn flight_deadline(&self) -> Duration;
}

/// What a cache partition is keyed by. Holds no secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    pub tenant: String,
    pub client_id: String,
    pub account: Option<AccountId>,
    pub scopes: Option<ScopeSet>,
}

impl fmt::Debug for CacheKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheKey")
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("account", &self.account)
            .field("scopes", &self.scopes)
            .finish()
    }
}

type SharedFetch = Shared<BoxFuture<'static, Result<Arc<Token>>>>;

#[derive(Default)]
struct Flight {
    pending: Option<SharedFetch>,
    generation: u64,
    background_retry_after: Option<Instant>,
}

/// One cache partition.
pub(crate) struct Partition {
    key: CacheKey,
    current: ArcSwapOption<Token>,
    /// Bumped after every change of `current`.
    generation: AtomicU64,
    flight: Mutex<Flight>,
}

/// Why a token request was started (for logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Started {
    Blocking,
    Background,
}

impl Partition {
    pub fn new(key: CacheKey) -> Self {
        Partition {
            key,
            current: ArcSwapOption::empty(),
            generation: AtomicU64::new(0),
            flight: Mutex::new(Flight::default()),
        }
    }

    pub fn key(&self) -> &CacheKey {
        &self.key
    }

    /// The cached token, fresh or not.
    pub fn peek(&self) -> Option<Arc<Token>> {
        self.current.load_full()
    }

    /// Returns a usable token, fetching one (single flight) if needed.
    #[inline]
    pub async fn get<S: TokenSource>(self: &Arc<Self>, source: &Arc<S>, clock: &Clock) -> Result<Arc<Token>> {
        let now = clock.ticks();
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(token) = self.current.load_full() {
            if now < token.refresh_at_ticks {
                return Ok(token);
            }
            if now < token.usable_until_ticks {
                self.refresh_in_background(source, clock, clock.now(), generation);
                return Ok(token);
            }
        }
        self.get_slow(source, clock).await
    }

    /// Replaces the partition's token and bumps its generation.
    fn replace(&self, token: Option<Arc<Token>>) {
        self.current.store(token);
        self.generation.fetch_add(1, Ordering::Release);
    }

    /// Starts a background refresh unless one is running or a recent one failed.
    ///
    /// `generation` is the partition's generation from before the caller read the ageing token:
    /// if it has moved on, a refresh landed meanwhile (its request is no longer pending) and
    /// starting another would be a second refresh for one window.
    fn refresh_in_background<S: TokenSource>(
        self: &Arc<Self>,
        source: &Arc<S>,
        clock: &Clock,
        now: Instant,
        generation: u64,
    ) {
        let mut flight = self.lock();
        if flight.pending.is_some()
            || flight.background_retry_after.is_some_and(|t| now < t)
            || self.generation.load(Ordering::Acquire) != generation
        {
            return;
        }
        tracing::debug!(partition = ?self.key, "token inside the refresh window: refreshing in the background");
        source.note_background_refresh();
        // The request runs as its own task; its shared handle stays in `flight.pending` for
        // anyone who has to wait for it.
        drop(self.start(&mut flight, source, clock, Started::Background));
    }

    async fn get_slow<S: TokenSource>(self: &Arc<Self>, source: &Arc<S>, clock: &Clock) -> Result<Arc<Token>> {
        let fetch = {
            let mut flight = self.lock();
            // Double-check: a flight may have landed since the fast path looked.
            if let Some(token) = self.current.load_full() {
                if clock.ticks() < token.usable_until_ticks {
                    return Ok(token);
                }
            }
            match &flight.pending {
                Some(pending) => pending.clone(),
                None => self.start(&mut flight, source, clock, Started::Blocking),
            }
        };
        fetch.await
    }

    fn start<S: TokenSource>(
        self: &Arc<Self>,
        flight: &mut Flight,
        source: &Arc<S>,
        clock: &Clock,
        why: Started,
    ) -> SharedFetch {
        flight.generation += 1;
        let generation = flight.generation;
        let this = Arc::clone(self);
        let request = Arc::clone(source).fetch(self.key.account);
        let clock = clock.clone();
        let deadline = source.flight_deadline();
        let task = tokio::spawn(async move {
            // Clears `pending` however this task ends: a result, a timeout, or a panic in the
            // token source (the guard drops while unwinding).
            let mut guard = ClearFlight {
                partition: Arc::clone(&this),
                generation,
                retry_at: Some(clock.now() + BACKGROUND_RETRY_DELAY),
            };
            let result = match tokio::time::timeout(deadline, request).await {
                Ok(result) => result.map(Arc::new),
                Err(_) => Err(Error::Transport {
                    kind: TransportKind::Timeout,
                    endpoint: "the token endpoint".into(),
                    source: Arc::new(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("no token within the {} s flight deadline", deadline.as_secs_f64()),
                    )),
                }),
            };
            if let Ok(token) = &result {
                this.replace(Some(Arc::clone(token)));
                guard.retry_at = None;
            }
            drop(guard);
            if let Err(e) = &result {
                tracing::warn!(partition = ?this.key, error = %e, background = (why == Started::Background), "token request failed");
            }
            result
        });
        let shared = async move {
            // The panic's message is not quoted: it could hold anything.
            task.await.unwrap_or_else(|e| {
                Err(Error::Internal {
                    what: if e.is_panic() {
                        "the token request panicked; the next call will try again".into()
                    } else {
                        "the token request task was cancelled (is the runtime shutting down?)".into()
                    },
                })
            })
        }
        .boxed()
        .shared();
        flight.pending = Some(shared.clone());
        shared
    }

    /// Puts a token obtained elsewhere (an authorization-code exchange) into the cache.
    pub fn seed(&self, token: Arc<Token>) {
        self.replace(Some(token));
    }

    /// Forgets `used` if it is still the cached token (a newer one is kept).
    pub fn invalidate(&self, used: &Arc<Token>) -> bool {
        let previous = self.current.compare_and_swap(used, None::<Arc<Token>>);
        let hit = previous.as_ref().is_some_and(|p| Arc::ptr_eq(p, used));
        if hit {
            self.generation.fetch_add(1, Ordering::Release);
            tracing::debug!(partition = ?self.key, "token refused with 401: invalidated");
        }
        hit
    }

    fn lock(&self) -> MutexGuard<'_, Flight> {
        // A panic while holding this lock cannot leave `Flight` inconsistent (plain field
        // writes), so a poisoned lock is still usable.
        self.flight.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Clears a partition's pending flight when dropped, if it is still the flight that made it.
struct ClearFlight {
    partition: Arc<Partition>,
    generation: u64,
    /// When a failed flight may be retried in the background (`None` after success).
    retry_at: Option<Instant>,
}

impl Drop for ClearFlight {
    fn drop(&mut self) {
        let mut flight = self.partition.lock();
        if flight.generation == self.generation {
            flight.pending = None;
            flight.background_retry_after = self.retry_at;
        }
    }
}

impl fmt::Debug for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Partition")
            .field("key", &self.key)
            .field("token", &self.current.load())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    //! The flight's own invariants, which no server can provoke: a token source that panics or
    //! never finishes. (Everything a server can do is tested against the fake in `tests/`.)

    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::endpoint::HostPolicy;
    use crate::secret::AccessToken;
    use crate::token::{RefreshPolicy, TokenResponse};

    /// Panics on its first fetch, hangs on its second, then succeeds.
    struct Unruly {
        calls: AtomicUsize,
        deadline: Duration,
    }

    impl TokenSource for Unruly {
        fn fetch(self: Arc<Self>, _account: Option<AccountId>) -> BoxFuture<'static, Result<Token>> {
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            async move {
                match call {
                    0 => panic!("a bug in a token source"),
                    1 => std::future::pending().await,
                    _ => {
                        let response = TokenResponse::stored(
                            AccessToken::new("token-value"),
                            Duration::from_secs(1080),
                            ScopeSet::parse("email_read"),
                            "http://127.0.0.1:9".into(),
                            "http://127.0.0.1:9".into(),
                        );
                        let clock = Clock::System;
                        Token::from_response(
                            response,
                            None,
                            clock.receipt(),
                            HostPolicy { loopback: true },
                            &RefreshPolicy::default(),
                        )
                    }
                }
            }
            .boxed()
        }

        fn flight_deadline(&self) -> Duration {
            self.deadline
        }
    }

    #[tokio::test]
    async fn a_panicking_or_hung_source_never_wedges_the_partition() {
        let source = Arc::new(Unruly {
            calls: AtomicUsize::new(0),
            deadline: Duration::from_millis(100),
        });
        let partition = Arc::new(Partition::new(CacheKey {
            tenant: "t".into(),
            client_id: "c".into(),
            account: None,
            scopes: None,
        }));
        let clock = Clock::System;
        let err = partition.get(&source, &clock).await.unwrap_err();
        assert!(matches!(err, Error::Internal { .. }), "{err:?}");
        assert!(
            !err.to_string().contains("a bug in"),
            "the panic's text is not quoted: {err}"
        );
        assert!(partition.lock().pending.is_none(), "the panicked flight was cleared");
        let err = partition.get(&source, &clock).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Transport {
                    kind: TransportKind::Timeout,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(partition.lock().pending.is_none(), "the abandoned flight was cleared");
        partition.get(&source, &clock).await.unwrap();
        assert_eq!(source.calls.load(Ordering::SeqCst), 3);
    }
}
