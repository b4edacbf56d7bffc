//! When and how requests are sent again.
//!
//! | request | retried on | never retried on |
//! |---|---|---|
//! | token requests | connection errors, timeouts, 5xx, 429 | 4xx other than 429 (OAuth errors) |
//! | API calls: GET, HEAD, PUT, DELETE, or opted in | connection errors, 5xx, 429 | 400, 403, 404, ... |
//! | API calls: POST, PATCH (not opted in) | connection refused before sending | everything else |
//! | any API call | 401: one new token and one retry | a second 401 |
//!
//! Delays grow exponentially with full jitter (a random delay between zero and the
//! exponential bound), and `Retry-After` is honoured up to a cap. Attempts are bounded, and so
//! is the total time spent retrying one request.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// Retry settings. The defaults suit Marketing Cloud's guidance.
///
/// | request | retried on | never retried on |
/// |---|---|---|
/// | token requests | connection errors, timeouts, 5xx, 429 | 4xx other than 429 (OAuth errors) |
/// | API calls: GET, HEAD, PUT, DELETE, or opted in with [`RequestBuilder::idempotent`](crate::RequestBuilder::idempotent) | connection errors, 5xx, 429 | 400, 403, 404, ... |
/// | API calls: POST, PATCH (not opted in) | connection refused before sending | everything else |
/// | any API call | 401: one new token and one retry | a second 401 |
///
/// Delays grow exponentially with full jitter (a random delay between zero and the
/// exponential bound), and `Retry-After` is honoured up to [`max_retry_after`](Self::max_retry_after).
/// Attempts are bounded by [`max_attempts`](Self::max_attempts), and the total time spent
/// retrying one request by [`deadline`](Self::deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total attempts per request, the first included (default 4; 1 disables retries).
    pub max_attempts: u32,
    /// Upper bound of the first delay (default 250 ms); it doubles on each retry.
    pub initial_backoff: Duration,
    /// Largest delay between attempts (default 10 s).
    pub max_backoff: Duration,
    /// Largest `Retry-After` honoured (default 60 s); a longer one ends the retries.
    pub max_retry_after: Duration,
    /// No retry starts once this much time has passed since the first attempt (default 90 s).
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
            deadline: Duration::from_secs(90),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// A policy with these bounds (builder-style helpers below change single fields).
    pub fn new(max_attempts: u32, initial_backoff: Duration, max_backoff: Duration) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            initial_backoff,
            max_backoff,
            ..Self::default()
        }
    }

    /// Sets the cap on honoured `Retry-After` values.
    pub fn with_max_retry_after(mut self, cap: Duration) -> Self {
        self.max_retry_after = cap;
        self
    }

    /// Sets the total retry deadline.
    pub fn with_deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The delay before retry number `retry` (1-based), or `None` when no retry should be
    /// made: attempts used up, the deadline passed, or `Retry-After` over the cap.
    pub(crate) fn delay(&self, retry: u32, elapsed: Duration, retry_after: Option<Duration>) -> Option<Duration> {
        if retry >= self.max_attempts {
            return None;
        }
        let delay = match retry_after {
            Some(ra) if ra > self.max_retry_after => return None,
            Some(ra) => ra,
            None => {
                let exp = self.initial_backoff.saturating_mul(1u32 << (retry - 1).min(20));
                let bound = exp.min(self.max_backoff);
                let nanos = u64::try_from(bound.as_nanos()).unwrap_or(u64::MAX);
                Duration::from_nanos(fastrand::u64(0..=nanos))
            }
        };
        // Checked: a policy and a `Retry-After` both near `Duration::MAX` must not overflow.
        match elapsed.checked_add(delay) {
            Some(end) if end <= self.deadline => Some(delay),
            _ => None,
        }
    }
}

/// Why an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No HTTP response; `maybe_sent` unless the connection was never made.
    Transport {
        /// The request may have reached the server.
        maybe_sent: bool,
    },
    /// A transient answer (429, 5xx, a SOAP throttling fault), with its `Retry-After`.
    Transient {
        /// The delay the server asked for.
        retry_after: Option<Duration>,
    },
    /// The server refused the request without acting on it (429): safe to send again even
    /// when it is not idempotent, for callers that opted in.
    Refused {
        /// The delay the server asked for.
        retry_after: Option<Duration>,
    },
}

/// The one attempt driver: every request (token, REST, SOAP) asks it whether and when to
/// send again, so the rules live here only.
///
/// - A request that may have reached the server is sent again only when `resend` allows it
///   (idempotent calls, client-credentials grants); one that never left is always eligible.
/// - Delays follow the [`RetryPolicy`] (backoff, `Retry-After`, attempts, deadline), with
///   checked arithmetic for every policy and header value.
/// - One re-authorization (new token after a 401 or SOAP `Token Expired`) per request.
pub(crate) struct Attempts<'a> {
    policy: &'a RetryPolicy,
    started: tokio::time::Instant,
    attempt: u32,
    resend: bool,
    reauthorized: bool,
    retries: &'a std::sync::atomic::AtomicU64,
}

impl<'a> Attempts<'a> {
    /// A driver for one request; `resend`: may it be sent again after it reached the server;
    /// `retries` counts the retries made.
    pub fn new(policy: &'a RetryPolicy, resend: bool, retries: &'a std::sync::atomic::AtomicU64) -> Self {
        Attempts {
            policy,
            started: tokio::time::Instant::now(),
            attempt: 0,
            resend,
            reauthorized: false,
            retries,
        }
    }

    /// Starts the next attempt and returns its number (1-based).
    pub fn next(&mut self) -> u32 {
        self.attempt = self.attempt.saturating_add(1);
        self.attempt
    }

    /// After `failure`: the delay before the next attempt, or `None` to give up (and return
    /// the failure).
    pub fn backoff(&mut self, failure: Failure) -> Option<Duration> {
        let (allowed, retry_after) = match failure {
            Failure::Transport { maybe_sent } => (self.resend || !maybe_sent, None),
            Failure::Transient { retry_after } => (self.resend, retry_after),
            Failure::Refused { retry_after } => (true, retry_after),
        };
        if !allowed {
            return None;
        }
        let delay = self.policy.delay(self.attempt, self.started.elapsed(), retry_after)?;
        crate::stats::Counters::bump(self.retries);
        Some(delay)
    }

    /// True the first time only: the request may get a new token and be sent once more.
    pub fn reauthorize(&mut self) -> bool {
        !std::mem::replace(&mut self.reauthorized, true)
    }
}

/// A gate shared by the requests of one job (a bulk load): when MC throttles one of them
/// (429, or a `Retry-After` on a transient answer), every request of the job holds back until
/// the delay has passed, instead of each request hammering on its own.
///
/// The driver ([`Attempts`]) still decides whether and when a request is sent again; the
/// pacer only makes the other requests of the job wait as long.
#[derive(Debug, Default)]
pub(crate) struct Pacer {
    hold_until: std::sync::Mutex<Option<tokio::time::Instant>>,
    pauses: std::sync::atomic::AtomicU64,
}

impl Pacer {
    /// Holds every request of the job back for `delay` from now (a later hold wins).
    pub fn hold_for(&self, delay: Duration) {
        let Some(until) = tokio::time::Instant::now().checked_add(delay) else {
            return;
        };
        let mut hold = self
            .hold_until
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if hold.is_none_or(|h| h < until) {
            *hold = Some(until);
        }
        crate::stats::Counters::bump(&self.pauses);
    }

    /// Waits until no hold is in force.
    pub async fn ready(&self) {
        loop {
            let until = *self
                .hold_until
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            match until {
                Some(t) if t > tokio::time::Instant::now() => tokio::time::sleep_until(t).await,
                _ => return,
            }
        }
    }

    /// How many times a throttled answer held the job back.
    pub fn pauses(&self) -> u64 {
        self.pauses.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// True for statuses worth retrying: 429 and 5xx.
pub(crate) fn transient_status(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// The `Retry-After` header in seconds (HTTP dates are treated as absent).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_attempts_and_full_jitter() {
        let p = RetryPolicy::default();
        for retry in 1..4 {
            let d = p.delay(retry, Duration::ZERO, None).unwrap();
            assert!(d <= p.initial_backoff * (1 << (retry - 1)));
        }
        assert_eq!(p.delay(4, Duration::ZERO, None), None);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(1, Duration::ZERO, Some(Duration::from_secs(7))),
            Some(Duration::from_secs(7))
        );
        assert_eq!(p.delay(1, Duration::ZERO, Some(Duration::from_secs(61))), None);
    }

    #[test]
    fn deadline_stops_retries() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(1, Duration::from_secs(89), Some(Duration::from_secs(5))), None);
    }

    #[test]
    fn huge_values_never_overflow() {
        let p = RetryPolicy::default()
            .with_max_retry_after(Duration::MAX)
            .with_deadline(Duration::MAX);
        assert_eq!(p.delay(1, Duration::from_secs(5), Some(Duration::MAX)), None);
        assert_eq!(p.delay(1, Duration::ZERO, Some(Duration::MAX)), Some(Duration::MAX));
        let p = RetryPolicy::new(u32::MAX, Duration::MAX, Duration::MAX).with_deadline(Duration::MAX);
        assert!(p.delay(u32::MAX - 1, Duration::from_secs(1), None).is_some());
    }

    #[tokio::test]
    async fn a_pacer_holds_everyone_until_the_latest_hold() {
        let pacer = Pacer::default();
        pacer.ready().await;
        let before = tokio::time::Instant::now();
        pacer.hold_for(Duration::from_secs(2));
        pacer.hold_for(Duration::from_secs(1));
        let until = pacer.hold_until.lock().unwrap().expect("a hold");
        assert!(until >= before + Duration::from_secs(2), "the later hold wins");
        assert_eq!(pacer.pauses(), 2);
        pacer.hold_for(Duration::MAX);
        assert_eq!(pacer.pauses(), 2, "an impossible hold is ignored");
        *pacer.hold_until.lock().unwrap() = Some(tokio::time::Instant::now());
        pacer.ready().await;
    }

    #[test]
    fn refusals_are_resent_even_when_not_idempotent() {
        let policy = RetryPolicy::default();
        let counter = std::sync::atomic::AtomicU64::new(0);
        let mut a = Attempts::new(&policy, false, &counter);
        a.next();
        assert_eq!(a.backoff(Failure::Transient { retry_after: None }), None);
        assert_eq!(
            a.backoff(Failure::Refused {
                retry_after: Some(Duration::from_secs(1))
            }),
            Some(Duration::from_secs(1))
        );
    }

    #[test]
    fn never_means_one_attempt() {
        assert_eq!(RetryPolicy::never().delay(1, Duration::ZERO, None), None);
    }
}
