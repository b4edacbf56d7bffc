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
