//! A client's client secrets: the active one and an optional staged one, which of them token
//! requests use, the switch to the other after `invalid_client`, replacement in a running
//! client, and expiry warnings.
//!
//! One [`Secrets`] lives in each client's token endpoint, so clones and business-unit handles
//! share it: a switch or a replacement made by one is seen by all of them, and at most one
//! token request in flight per partition (the cache's single flight) ever probes the other
//! secret.

use std::fmt;
use std::sync::{Mutex, MutexGuard};

use crate::error::{Error, Result};
use crate::expiry::{RefusedSecret, SecretExpiry, SecretPosition, SECRET_EXPIRY_WARNING};
use crate::secret::{ClientSecret, Redactor};
use crate::stats::Stats;

/// Expiry warnings are logged at most this often (per client).
const WARNING_INTERVAL_MS: u64 = 24 * 60 * 60 * 1000;

/// A client secret given to a running client ([`Client::rotate_secret`](crate::Client::rotate_secret),
/// [`Client::stage_secret`](crate::Client::stage_secret)), with its expiry when known.
///
/// ```
/// use mc_auth::{NewSecret, SecretExpiry};
///
/// let plain: NewSecret = "the-new-secret".into();
/// let dated = NewSecret::new("the-new-secret").expires("2027-05-31".parse::<SecretExpiry>().unwrap());
/// assert!(!format!("{plain:?} {dated:?}").contains("the-new-secret"));
/// ```
#[derive(Clone)]
pub struct NewSecret {
    secret: ClientSecret,
    expires: Option<SecretExpiry>,
}

impl NewSecret {
    /// A secret whose expiry is not known.
    pub fn new(secret: impl Into<ClientSecret>) -> Self {
        NewSecret {
            secret: secret.into(),
            expires: None,
        }
    }

    /// Its expiry (Setup > Apps > Installed Packages, "Client Secret Expires"): warnings start
    /// 14 days before it, and a refusal after it is reported as an expired secret.
    pub fn expires(mut self, at: SecretExpiry) -> Self {
        self.expires = Some(at);
        self
    }
}

impl From<ClientSecret> for NewSecret {
    fn from(secret: ClientSecret) -> Self {
        NewSecret::new(secret)
    }
}

impl From<&str> for NewSecret {
    fn from(secret: &str) -> Self {
        NewSecret::new(secret)
    }
}

impl From<String> for NewSecret {
    fn from(secret: String) -> Self {
        NewSecret::new(secret)
    }
}

impl fmt::Debug for NewSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSecret")
            .field("secret", &self.secret)
            .field("expires", &self.expires)
            .finish()
    }
}

/// One configured secret.
#[derive(Clone)]
pub(crate) struct Slot {
    pub secret: ClientSecret,
    pub expires: Option<SecretExpiry>,
}

impl Slot {
    pub fn new(secret: ClientSecret, expires: Option<SecretExpiry>) -> Self {
        Slot { secret, expires }
    }
}

/// The secret one token request is sent with.
pub(crate) struct Chosen {
    pub position: SecretPosition,
    pub secret: ClientSecret,
    pub expires: Option<SecretExpiry>,
    /// The state's generation when it was chosen.
    generation: u64,
}

struct State {
    active: Option<Slot>,
    staged: Option<Slot>,
    in_use: SecretPosition,
    /// Bumped by every switch and replacement.
    generation: u64,
    /// Wall-clock milliseconds of the last expiry warning.
    last_warning_ms: Option<u64>,
    /// Switches made after `invalid_client`.
    switches: u64,
}

impl State {
    fn slot(&self, position: SecretPosition) -> Option<&Slot> {
        match position {
            SecretPosition::Active => self.active.as_ref(),
            SecretPosition::Staged => self.staged.as_ref(),
        }
    }

    fn chosen(&self, position: SecretPosition) -> Option<Chosen> {
        self.slot(position).map(|s| Chosen {
            position,
            secret: s.secret.clone(),
            expires: s.expires,
            generation: self.generation,
        })
    }

    /// The secret in use (or, should its slot be empty, the other).
    fn current(&self) -> Option<Chosen> {
        self.chosen(self.in_use).or_else(|| self.chosen(self.in_use.other()))
    }
}

/// A client's secrets (none for public apps). See the module docs.
pub(crate) struct Secrets {
    state: Mutex<State>,
}

impl Secrets {
    /// The active secret and an optional staged one; the active one is used first.
    pub fn new(active: Option<Slot>, staged: Option<Slot>) -> Self {
        let in_use = if active.is_some() {
            SecretPosition::Active
        } else {
            SecretPosition::Staged
        };
        Secrets {
            state: Mutex::new(State {
                active,
                staged,
                in_use,
                generation: 0,
                last_warning_ms: None,
                switches: 0,
            }),
        }
    }

    /// One secret without a known expiry, or none.
    pub fn single(secret: Option<ClientSecret>) -> Self {
        Self::new(secret.map(|s| Slot::new(s, None)), None)
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Plain field writes: a panic elsewhere cannot leave the state inconsistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The secret to send.
    pub fn choose(&self) -> Option<Chosen> {
        self.lock().current()
    }

    /// The secret in use, for grants that do not switch (web apps).
    pub fn current_secret(&self) -> Option<ClientSecret> {
        self.choose().map(|c| c.secret)
    }

    /// What to try once after `refused` was answered with `invalid_client`: the secret now in
    /// use if another caller switched (or the application replaced the secrets) meanwhile,
    /// else the other configured secret; never the refused value again.
    pub fn alternative(&self, refused: &Chosen) -> Option<Chosen> {
        let state = self.lock();
        let differs = |c: &Chosen| c.secret != refused.secret;
        state
            .current()
            .filter(differs)
            .or_else(|| state.chosen(refused.position.other()).filter(differs))
            .or_else(|| state.chosen(refused.position).filter(differs))
    }

    /// `worked` got a token after `refused` was refused: use it from now on, unless the
    /// secrets were replaced or switched since it was chosen.
    pub fn settle(&self, worked: &Chosen, refused: SecretPosition, client: &str) {
        let mut state = self.lock();
        let still_there = state.slot(worked.position).is_some_and(|s| s.secret == worked.secret);
        if state.generation != worked.generation || state.in_use == worked.position || !still_there {
            return;
        }
        state.in_use = worked.position;
        state.generation += 1;
        state.switches += 1;
        drop(state);
        tracing::warn!(
            client,
            refused = %refused,
            in_use = %worked.position,
            "the {refused} client secret was refused (invalid_client) and the {} one works: using the {} secret from now on; update the configuration (MC_CLIENT_SECRET) so that the next start uses it first",
            worked.position,
            worked.position,
        );
    }

    /// Replaces every secret: `new` becomes the active secret, in use from the next token
    /// request; any staged secret is dropped.
    pub fn rotate(&self, new: NewSecret) -> Result<()> {
        check_not_empty(&new, "rotate_secret")?;
        let mut state = self.lock();
        if state.active.is_none() && state.staged.is_none() {
            return Err(Error::config(
                "rotate_secret",
                "this client has no client secret (a public app): there is nothing to rotate",
            ));
        }
        state.active = Some(Slot::new(new.secret, new.expires));
        state.staged = None;
        state.in_use = SecretPosition::Active;
        state.generation += 1;
        state.last_warning_ms = None;
        Ok(())
    }

    /// Sets (or replaces) the staged secret, tried once when the active one is refused. When
    /// the staged secret is the one in use, `new` is used from the next token request.
    pub fn stage(&self, new: NewSecret) -> Result<()> {
        check_not_empty(&new, "stage_secret")?;
        let mut state = self.lock();
        if state.active.is_none() {
            return Err(Error::config(
                "stage_secret",
                "this client has no client secret (a public app): there is nothing to rotate",
            ));
        }
        state.staged = Some(Slot::new(new.secret, new.expires));
        state.generation += 1;
        state.last_warning_ms = None;
        Ok(())
    }

    /// Adds every configured secret to `redactor`.
    pub fn add_to(&self, redactor: &mut Redactor) {
        let state = self.lock();
        for slot in [&state.active, &state.staged].into_iter().flatten() {
            redactor.add(slot.secret.expose_secret());
        }
    }

    /// How `chosen` is reported once refused, at wall-clock `now_ms`.
    pub fn refused(chosen: &Chosen, now_ms: u64) -> RefusedSecret {
        RefusedSecret {
            position: chosen.position,
            expires: chosen.expires,
            expired: chosen.expires.is_some_and(|e| now_ms >= e.unix_millis()),
        }
    }

    /// Fills the secret fields of `stats` as of wall-clock `now_ms`.
    pub fn fill_stats(&self, stats: &mut Stats, now_ms: u64) {
        let state = self.lock();
        stats.secret_switches = state.switches;
        let Some(current) = state.current() else {
            return;
        };
        stats.secret_in_use = Some(current.position);
        if let Some(expires) = current.expires {
            let at = expires.unix_millis();
            stats.secret_expired = now_ms >= at;
            stats.secret_expires_soon = now_ms.saturating_add(warning_ms()) >= at;
        }
    }

    /// Logs a WARN line when the secret in use expires within 14 days (or has expired), at
    /// most once a day.
    pub fn warn_if_expiring(&self, now_ms: u64, client: &str) {
        let mut state = self.lock();
        let Some(current) = state.current() else {
            return;
        };
        let Some(expires) = current.expires else {
            return;
        };
        let at = expires.unix_millis();
        if now_ms.saturating_add(warning_ms()) < at
            || state
                .last_warning_ms
                .is_some_and(|last| now_ms.saturating_sub(last) < WARNING_INTERVAL_MS)
        {
            return;
        }
        state.last_warning_ms = Some(now_ms);
        let other = state.slot(current.position.other()).map(|s| s.expires);
        drop(state);
        let next_step = match other {
            Some(Some(e)) if e.unix_millis() > at => format!(
                "the {} secret (expires {e}) is configured: activate it in Setup > Apps > Installed Packages",
                current.position.other()
            ),
            Some(_) => format!(
                "a {} secret is configured: activate it in Setup > Apps > Installed Packages",
                current.position.other()
            ),
            None => "generate and stage a new secret in Setup > Apps > Installed Packages, deploy it (MC_CLIENT_SECRET_STAGED, or client.stage_secret in a running client), then activate it".to_owned(),
        };
        if now_ms >= at {
            tracing::warn!(
                client,
                secret = %current.position,
                expires = %expires,
                "the {} client secret expired on {expires}; {next_step}",
                current.position,
            );
        } else {
            let days = (at - now_ms).div_ceil(24 * 60 * 60 * 1000);
            tracing::warn!(
                client,
                secret = %current.position,
                expires = %expires,
                days_left = days,
                "the {} client secret expires on {expires} (in {days} day{}); {next_step}",
                current.position,
                if days == 1 { "" } else { "s" },
            );
        }
    }
}

fn warning_ms() -> u64 {
    u64::try_from(SECRET_EXPIRY_WARNING.as_millis()).unwrap_or(u64::MAX)
}

fn check_not_empty(new: &NewSecret, what: &str) -> Result<()> {
    if new.secret.expose_secret().trim().is_empty() {
        return Err(Error::config(
            what,
            "the new client secret is empty; copy it from Setup > Apps > Installed Packages",
        ));
    }
    Ok(())
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("Secrets")
            .field("active", &state.active.as_ref().map(|s| s.expires))
            .field("staged", &state.staged.as_ref().map(|s| s.expires))
            .field("in_use", &state.in_use)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(s: &str) -> Option<Slot> {
        Some(Slot::new(ClientSecret::new(s), None))
    }

    #[test]
    fn the_alternative_is_never_the_refused_value() {
        let secrets = Secrets::new(slot("aaaa"), slot("bbbb"));
        let first = secrets.choose().unwrap();
        assert_eq!(first.position, SecretPosition::Active);
        let second = secrets.alternative(&first).unwrap();
        assert_eq!(second.position, SecretPosition::Staged);
        secrets.settle(&second, first.position, "c");
        assert_eq!(secrets.choose().unwrap().position, SecretPosition::Staged);
        // A second settle of the same switch changes nothing.
        secrets.settle(&second, first.position, "c");
        let mut stats = Stats::default();
        secrets.fill_stats(&mut stats, 0);
        assert_eq!(stats.secret_switches, 1);
        // Same value in both places: nothing to try.
        let same = Secrets::new(slot("aaaa"), slot("aaaa"));
        assert!(same.alternative(&same.choose().unwrap()).is_none());
        let single = Secrets::single(Some(ClientSecret::new("aaaa")));
        assert!(single.alternative(&single.choose().unwrap()).is_none());
    }

    #[test]
    fn a_switch_chosen_before_a_rotation_is_not_kept() {
        let secrets = Secrets::new(slot("aaaa"), slot("bbbb"));
        let first = secrets.choose().unwrap();
        let second = secrets.alternative(&first).unwrap();
        secrets.rotate(NewSecret::new("cccc")).unwrap();
        secrets.settle(&second, first.position, "c");
        let now = secrets.choose().unwrap();
        assert_eq!(
            (now.position, now.secret.expose_secret()),
            (SecretPosition::Active, "cccc")
        );
        // A request refused with a secret from before the rotation tries the new one.
        assert_eq!(secrets.alternative(&first).unwrap().secret.expose_secret(), "cccc");
        assert!(secrets.rotate(NewSecret::new("  ")).is_err());
        assert!(Secrets::single(None).stage(NewSecret::new("dddd")).is_err());
        assert!(Secrets::single(None).rotate(NewSecret::new("dddd")).is_err());
        assert!(
            Secrets::single(None).choose().is_none(),
            "a public app never sends a secret"
        );
    }
}
