//! Time as the token cache sees it: the system's monotonic clock, or a manual clock for tests.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The clock a client reads expiry from. [`Clock::System`] unless a test injects a
/// [`ManualClock`].
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// `std::time::Instant::now()`: monotonic, immune to wall-clock changes.
    #[default]
    System,
    /// A clock that moves only when a test advances it.
    Manual(ManualClock),
}

impl Clock {
    /// The current instant.
    #[inline]
    pub fn now(&self) -> Instant {
        match self {
            Clock::System => Instant::now(),
            Clock::Manual(m) => m.now(),
        }
    }

    /// The current time in opaque "ticks" of a fast, coarse monotonic clock (a few
    /// milliseconds of resolution): what the token cache's fast path compares against, since
    /// reading it costs a fraction of [`now`](Self::now). Only differences and comparisons of
    /// ticks from the same clock mean anything.
    #[inline]
    pub fn ticks(&self) -> u64 {
        match self {
            Clock::System => coarsetime::Instant::now_without_cache_update().as_ticks(),
            Clock::Manual(m) => duration_ticks(m.offset()),
        }
    }

    /// Wall-clock "now" in milliseconds since the Unix epoch, for expiry times shared with
    /// other processes through a token store. A manual clock counts from the moment this
    /// process first asked, plus its offset.
    pub(crate) fn unix_millis(&self) -> u64 {
        fn millis(t: std::time::SystemTime) -> u64 {
            t.duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        }
        static MANUAL_BASE: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        match self {
            Clock::System => millis(std::time::SystemTime::now()),
            Clock::Manual(m) => {
                let base = *MANUAL_BASE.get_or_init(|| millis(std::time::SystemTime::now()));
                base.saturating_add(u64::try_from(m.offset().as_millis()).unwrap_or(u64::MAX))
            }
        }
    }

    /// Wall-clock "now" as this clock sees it: the system time, or, for a manual clock, the
    /// time this process first asked plus the clock's offset. Client-secret expiry is measured
    /// on it, so a test that advances a [`ManualClock`] moves it too.
    pub fn wall_time(&self) -> std::time::SystemTime {
        std::time::UNIX_EPOCH + Duration::from_millis(self.unix_millis())
    }

    /// The instant and the ticks of "now", read together (at a token's receipt).
    pub(crate) fn receipt(&self) -> Receipt {
        Receipt {
            at: self.now(),
            ticks: self.ticks(),
        }
    }
}

/// `d` in the ticks of [`Clock::ticks`].
pub(crate) fn duration_ticks(d: Duration) -> u64 {
    coarsetime::Duration::from(d).as_ticks()
}

/// When something was received, on both of a clock's scales.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Receipt {
    pub at: Instant,
    pub ticks: u64,
}

/// A monotonic clock that only moves when told to: tests use it to step through token
/// lifetimes without sleeping. Clones share the same time.
///
/// ```
/// use std::time::Duration;
/// let clock = mc_auth::ManualClock::new();
/// let t0 = clock.now();
/// clock.advance(Duration::from_secs(60));
/// assert_eq!(clock.now() - t0, Duration::from_secs(60));
/// ```
#[derive(Clone, Debug)]
pub struct ManualClock {
    inner: Arc<ManualInner>,
}

#[derive(Debug)]
struct ManualInner {
    base: Instant,
    offset_nanos: AtomicU64,
}

impl ManualClock {
    /// A clock that starts at the current instant and stands still.
    pub fn new() -> Self {
        ManualClock {
            inner: Arc::new(ManualInner {
                base: Instant::now(),
                offset_nanos: AtomicU64::new(0),
            }),
        }
    }

    /// The clock's current instant.
    pub fn now(&self) -> Instant {
        self.inner.base + Duration::from_nanos(self.inner.offset_nanos.load(Ordering::SeqCst))
    }

    /// How far the clock has been advanced.
    pub fn offset(&self) -> Duration {
        Duration::from_nanos(self.inner.offset_nanos.load(Ordering::SeqCst))
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.inner.offset_nanos.fetch_add(nanos, Ordering::SeqCst);
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl From<ManualClock> for Clock {
    fn from(m: ManualClock) -> Self {
        Clock::Manual(m)
    }
}
