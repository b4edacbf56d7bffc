//! Single flight across processes: how a client with a shared tier gets a token its own
//! cache does not have.
//!
//! 1. A fresh token in the tier (one this client would not yet refresh) is used as it is.
//! 2. Otherwise the client takes the key's lease, reads the tier once more (the previous
//!    holder may have written just now), requests a token, writes it to the tier, releases.
//! 3. When another process holds the lease, the client waits for its token to appear (polling
//!    with back-off), taking the lease itself as soon as it is free: a holder that died
//!    stops renewing, so its lease lapses after the tier's lease TTL. After waiting half the
//!    flight deadline it requests a token on its own.
//!
//! A tier that fails costs a WARN and is skipped: a transport failure (an outage, a timeout)
//! also pauses the tier for [`PAUSE_AFTER_OUTAGE`], so a dead backend is not waited on by
//! every request; a record the tier cannot read is a miss.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::credentials::AccountId;
use crate::error::{Error, Result};
use crate::grant::{Grant, TokenEndpoint};
use crate::stats::Counters;
use crate::store::tier::{from_stored, to_stored};
use crate::store::{SharedKey, TokenCache};
use crate::token::Token;

/// After a transport failure the tier is left alone this long.
pub(crate) const PAUSE_AFTER_OUTAGE: Duration = Duration::from_secs(5);
/// First pause between looks at the tier while another process holds the lease.
const FIRST_POLL: Duration = Duration::from_millis(10);
/// Longest pause between looks.
const MAX_POLL: Duration = Duration::from_millis(200);

/// A client's shared tier and its health.
pub(crate) struct SharedTier {
    cache: Arc<dyn TokenCache>,
    paused_until: Mutex<Option<Instant>>,
}

impl SharedTier {
    pub fn new(cache: Arc<dyn TokenCache>) -> Self {
        SharedTier {
            cache,
            paused_until: Mutex::new(None),
        }
    }

    fn available(&self) -> bool {
        let mut paused = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        match *paused {
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                *paused = None;
                true
            }
            None => true,
        }
    }

    /// Logs a failure of the tier; a transport failure pauses it.
    fn failed(&self, ep: &TokenEndpoint, doing: &str, error: &Error) {
        Counters::bump(&ep.counters.shared_failures);
        if matches!(error, Error::Transport { .. }) {
            *self.paused_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + PAUSE_AFTER_OUTAGE);
            tracing::warn!(client = %ep.name, store = ?self.cache, error = %error, pause_s = PAUSE_AFTER_OUTAGE.as_secs(), "the shared token tier failed to {doing}; carrying on without it (own cache, own token requests)");
        } else {
            tracing::warn!(client = %ep.name, store = ?self.cache, error = %error, "the shared token tier failed to {doing}; treated as a miss");
        }
    }

    /// A fresh token from the tier, if it has one.
    async fn lookup(&self, ep: &TokenEndpoint, key: &SharedKey, account: Option<AccountId>) -> Option<Token> {
        match self.cache.get(key).await {
            Ok(Some(access)) => {
                let token = from_stored(ep, &access, account)?;
                (ep.clock.now() < token.refresh_at).then(|| {
                    Counters::bump(&ep.counters.shared_hits);
                    token
                })
            }
            Ok(None) => None,
            Err(e) => {
                self.failed(ep, "read a token", &e);
                None
            }
        }
    }

    /// Requests a token and writes it to the tier for the other processes.
    async fn fetch_and_share(
        &self,
        ep: &TokenEndpoint,
        grant: &dyn Grant,
        key: &SharedKey,
        account: Option<AccountId>,
    ) -> Result<Token> {
        let result = grant.fetch(ep, account).await;
        if let Ok(token) = &result {
            if let Err(e) = self.cache.put(key, &to_stored(token, &ep.clock)).await {
                self.failed(ep, "store a token", &e);
            }
        }
        result
    }

    /// A token for `account`: from the tier, or requested through `grant` by this process
    /// under the key's lease (see the module docs).
    pub async fn fetch(&self, ep: &TokenEndpoint, grant: &dyn Grant, account: Option<AccountId>) -> Result<Token> {
        if !self.available() {
            return grant.fetch(ep, account).await;
        }
        let key = SharedKey::new(&ep.tenant, &ep.client_id, account.map(|a| a.0), ep.scopes.as_ref());
        let wait_limit = ep.flight_deadline / 2;
        let started = Instant::now();
        let mut pause = FIRST_POLL;
        loop {
            if let Some(token) = self.lookup(ep, &key, account).await {
                return Ok(token);
            }
            if !self.available() {
                return grant.fetch(ep, account).await;
            }
            match self.cache.try_lease(&key).await {
                Ok(Some(lease)) => {
                    tracing::debug!(client = %ep.name, "took the token lease");
                    if let Some(token) = self.lookup(ep, &key, account).await {
                        lease.release().await;
                        return Ok(token);
                    }
                    let result = self.fetch_and_share(ep, grant, &key, account).await;
                    lease.release().await;
                    return result;
                }
                Ok(None) if started.elapsed() >= wait_limit => {
                    tracing::warn!(client = %ep.name, waited_ms = started.elapsed().as_millis() as u64, "another process has held the token lease without storing a token; requesting one directly");
                    return self.fetch_and_share(ep, grant, &key, account).await;
                }
                Ok(None) => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_POLL);
                }
                Err(e) => {
                    self.failed(ep, "take the token lease", &e);
                    return grant.fetch(ep, account).await;
                }
            }
        }
    }
}
