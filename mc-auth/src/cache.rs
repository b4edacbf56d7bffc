//! The token cache: one partition per (tenant, client id, business unit, scope set).
//!
//! - **Fast path**: a fresh token is read with one atomic load and an `Arc` clone; no lock.
//!   Each thread remembers the token it last used for a few partitions, tagged with the
//!   partition's generation (bumped whenever its token is replaced or invalidated), so a hit
//!   costs a plain atomic load, a coarse clock read and the `Arc` clone. A replaced token stays
//!   in memory (never in logs or output) until each thread that remembered it next asks for
//!   that partition, evicts it, or exits; it is zeroized then, like any dropped token.
//! - **Single flight**: callers that find no usable token share one token request, run as its
//!   own task so that a caller dropping its future never cancels it for the others. Its
//!   result (token or error) reaches every waiter; after an error the next call tries again.
//! - **Refresh ahead**: inside the refresh window one background request starts while callers
//!   keep getting the still-valid token; only past the hard margin do callers wait.
//! - **Invalidation**: a 401 removes exactly the token that was refused, never a newer one.

use std::cell::RefCell;
use std::fmt;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;
use futures_util::future::{BoxFuture, FutureExt, Shared};

use crate::clock::Clock;
use crate::credentials::AccountId;
use crate::error::{Error, Result};
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

/// How many partitions each thread remembers a token for.
const REMEMBERED_PER_THREAD: usize = 4;

/// A token a thread last read from a partition, valid while the partition's generation is
/// unchanged.
struct Remembered {
    /// Identifies the partition (the weak reference keeps its address from being reused).
    partition: Weak<Partition>,
    generation: u64,
    token: Arc<Token>,
}

thread_local! {
    static REMEMBERED: RefCell<Vec<Remembered>> = const { RefCell::new(Vec::new()) };
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
        if let Some(token) = self.remembered(generation, now, Arc::clone) {
            return Ok(token);
        }
        if let Some(token) = self.current.load_full() {
            if now < token.refresh_at_ticks {
                self.remember(generation, &token);
                return Ok(token);
            }
            if now < token.usable_until_ticks {
                self.refresh_in_background(source, clock, clock.now(), generation);
                return Ok(token);
            }
        }
        self.get_slow(source, clock).await
    }

    /// Runs `f` on this thread's remembered token when it is still the partition's token and
    /// fresh, without touching its reference count; `None` otherwise (use [`get`](Self::get)).
    #[inline]
    pub fn with_remembered<R>(self: &Arc<Self>, clock: &Clock, f: impl FnOnce(&Token) -> R) -> Option<R> {
        let now = clock.ticks();
        let generation = self.generation.load(Ordering::Acquire);
        self.remembered(generation, now, |token| f(token))
    }

    /// Runs `f` on this thread's remembered token if it was read at `generation` (so it is
    /// still the partition's token) and is fresh at `now`.
    #[inline]
    fn remembered<R>(self: &Arc<Self>, generation: u64, now: u64, f: impl FnOnce(&Arc<Token>) -> R) -> Option<R> {
        REMEMBERED
            .try_with(|slots| {
                let slots = slots.try_borrow().ok()?;
                let hit = slots
                    .iter()
                    .find(|r| ptr::eq(r.partition.as_ptr(), Arc::as_ptr(self)))?;
                (hit.generation == generation && now < hit.token.refresh_at_ticks).then(|| f(&hit.token))
            })
            .ok()
            .flatten()
    }

    /// Remembers `token`, read when the partition was at `generation`, for this thread.
    fn remember(self: &Arc<Self>, generation: u64, token: &Arc<Token>) {
        let _ = REMEMBERED.try_with(|slots| {
            let Ok(mut slots) = slots.try_borrow_mut() else {
                return;
            };
            slots.retain(|r| r.partition.strong_count() > 0 && !ptr::eq(r.partition.as_ptr(), Arc::as_ptr(self)));
            if slots.len() >= REMEMBERED_PER_THREAD {
                slots.remove(0);
            }
            slots.push(Remembered {
                partition: Arc::downgrade(self),
                generation,
                token: Arc::clone(token),
            });
        });
    }

    /// Replaces the partition's token and tells every thread's remembered copy it is stale.
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
        let task = tokio::spawn(async move {
            let result = request.await.map(Arc::new);
            if let Ok(token) = &result {
                this.replace(Some(Arc::clone(token)));
            }
            let mut flight = this.lock();
            if flight.generation == generation {
                flight.pending = None;
                flight.background_retry_after = match &result {
                    Ok(_) => None,
                    Err(_) => Some(clock.now() + BACKGROUND_RETRY_DELAY),
                };
            }
            drop(flight);
            if let Err(e) = &result {
                tracing::warn!(partition = ?this.key, error = %e, background = (why == Started::Background), "token request failed");
            }
            result
        });
        let shared = async move {
            task.await.unwrap_or_else(|e| {
                Err(Error::Internal {
                    what: format!("the token request task ended abnormally ({e})"),
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

    /// [`invalidate`](Self::invalidate) for the token with this serial, if it is still cached.
    pub fn invalidate_serial(&self, serial: u64) -> bool {
        match self.current.load_full() {
            Some(current) if current.serial == serial => self.invalidate(&current),
            _ => false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Flight> {
        // A panic while holding this lock cannot leave `Flight` inconsistent (plain field
        // writes), so a poisoned lock is still usable.
        self.flight.lock().unwrap_or_else(|p| p.into_inner())
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
