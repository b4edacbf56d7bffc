//! Installed packages: the API integrations the fake knows, with their secrets, scopes and
//! business units, and the rotation of their client secrets as Marketing Cloud's "Rotate an
//! OAuth 2.0 Secret" guide describes it: generate and stage a new secret (both work), activate
//! it (the old one stops working), secrets that expire 180 days after they were generated,
//! and secrets revoked at once as leaked.

use std::fmt;
use std::time::{Duration, Instant};

use super::generate::random_alphanumeric;
use crate::{ClientSecret, ScopeSet};

/// The MID a [`Package`] targets when it was given no business units, and the fake's
/// enterprise id.
pub const DEFAULT_MID: u64 = 100;

/// An installed package (API integration) registered on a
/// [`FakeMarketingCloud`](crate::testing::FakeMarketingCloud).
///
/// Built in the style of a builder; every setter consumes and returns the package.
///
/// ```
/// use std::time::Duration;
/// use mc_auth::testing::Package;
///
/// let package = Package::new("my-client-id", "my-secret")
///     .scopes(["email_read", "email_send"])
///     .business_units([100, 200])
///     .expires_in(Duration::from_secs(1200));
/// assert!(!format!("{package:?}").contains("my-secret"));
/// ```
#[derive(Clone)]
pub struct Package {
    pub(crate) client_id: String,
    pub(crate) secrets: PackageSecrets,
    pub(crate) name: String,
    pub(crate) scopes: ScopeSet,
    pub(crate) business_units: Vec<u64>,
    pub(crate) expires_in: Option<Duration>,
    pub(crate) enabled: bool,
    pub(crate) kind: PackageKind,
    pub(crate) redirect_uris: Vec<String>,
}

/// Why the fake refused a rotation step, as Marketing Cloud would.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RotationRefused {
    /// A new secret was staged less than 5 minutes ago.
    #[error("Marketing Cloud generates a new staged secret at most once per 5 minutes; try again in {} s", wait.as_secs())]
    TooSoon {
        /// How long until a new secret may be staged.
        wait: Duration,
    },
    /// There is no staged secret to activate.
    #[error("there is no staged secret to activate: stage one first")]
    NothingStaged,
    /// Public apps have no client secret.
    #[error("public apps have no client secret to rotate")]
    NoSecret,
}

/// The integration type of an installed package.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PackageKind {
    /// Server-to-server: the client-credentials grant.
    Server,
    /// Web app: authorization code with a client secret.
    Web,
    /// Public app: authorization code without a secret (PKCE).
    Public,
}

impl Package {
    /// A package with this client id and secret, no scopes, and one business unit
    /// ([`DEFAULT_MID`]).
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<String>) -> Self {
        Package {
            client_id: client_id.into(),
            secrets: PackageSecrets::new(ClientSecret::new(client_secret.into())),
            name: "Fake API Integration".to_owned(),
            scopes: ScopeSet::default(),
            business_units: vec![DEFAULT_MID],
            expires_in: None,
            enabled: true,
            kind: PackageKind::Server,
            redirect_uris: Vec::new(),
        }
    }

    /// A web app package (authorization code with a secret) with one redirect URI.
    pub fn web_app(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        redirect_uri: impl Into<String>,
    ) -> Self {
        let mut p = Self::new(client_id, client_secret);
        p.kind = PackageKind::Web;
        p.redirect_uris.push(redirect_uri.into());
        p
    }

    /// A public app package (authorization code, no secret) with one redirect URI.
    pub fn public_app(client_id: impl Into<String>, redirect_uri: impl Into<String>) -> Self {
        let mut p = Self::new(client_id, "");
        p.kind = PackageKind::Public;
        p.redirect_uris.push(redirect_uri.into());
        p
    }

    /// Adds a redirect URI.
    pub fn redirect_uri(mut self, uri: impl Into<String>) -> Self {
        self.redirect_uris.push(uri.into());
        self
    }

    /// The package's integration type.
    pub fn kind(&self) -> PackageKind {
        self.kind
    }

    /// The scopes the package has (replaces any set before). Tokens only ever carry these.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.scopes = ScopeSet::new(scopes);
        self
    }

    /// The MIDs of the business units the package may target with `account_id` (replaces any
    /// set before). The first one is the package's default business unit, used when a token
    /// request has no `account_id`. An empty list is ignored (a package always has one).
    pub fn business_units(mut self, mids: impl IntoIterator<Item = u64>) -> Self {
        let mids: Vec<u64> = mids.into_iter().collect();
        if !mids.is_empty() {
            self.business_units = mids;
        }
        self
    }

    /// The lifetime of this package's access tokens, overriding the fake's default.
    pub fn expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_in = Some(lifetime);
        self
    }

    /// The package's display name (shown in `/v2/userinfo` as the application name).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Makes the client secret expire at this instant of the fake's [`Clock`](crate::Clock)
    /// (Marketing Cloud expires secrets 180 days after they are generated): from then on,
    /// token requests with it answer `invalid_client`. See also
    /// [`PackageView::expire_secret_at`](crate::testing::PackageView::expire_secret_at).
    pub fn secret_expires_at(mut self, at: Instant) -> Self {
        if let Some(active) = &mut self.secrets.active {
            active.expires_at = Some(at);
        }
        self
    }

    /// Marks the package disabled: its token requests fail with `invalid_client`.
    pub fn disabled(mut self) -> Self {
        self.enabled = false;
        self
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The scopes the package has.
    pub fn scope_set(&self) -> &ScopeSet {
        &self.scopes
    }

    /// The package's default business unit (the first of [`business_units`](Self::business_units)).
    pub fn default_mid(&self) -> u64 {
        self.business_units.first().copied().unwrap_or(DEFAULT_MID)
    }

    /// True when the package may target business unit `mid`.
    pub fn allows_mid(&self, mid: u64) -> bool {
        self.business_units.contains(&mid)
    }

    /// True unless the package was [`disabled`](Self::disabled).
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }
}

impl Package {
    /// Generates and stages a new secret at `now` (step 1 of a rotation) and returns it; it
    /// expires [`SECRET_LIFETIME`] later. Public apps have no secret; a new one may be staged
    /// at most once per [`STAGE_INTERVAL`]; an unactivated staged secret is replaced.
    pub(crate) fn stage_secret(&mut self, now: Instant) -> Result<ClientSecret, RotationRefused> {
        if self.kind == PackageKind::Public {
            return Err(RotationRefused::NoSecret);
        }
        if let Some(last) = self.secrets.last_staged_at {
            let since = now.saturating_duration_since(last);
            if since < STAGE_INTERVAL {
                return Err(RotationRefused::TooSoon {
                    wait: STAGE_INTERVAL - since,
                });
            }
        }
        let secret = ClientSecret::new(random_alphanumeric(32));
        self.secrets.staged = Some(SecretRecord {
            secret: secret.clone(),
            expires_at: Some(now + SECRET_LIFETIME),
        });
        self.secrets.last_staged_at = Some(now);
        Ok(secret)
    }

    /// Activates the staged secret (step 3 of a rotation): the previous active secret stops
    /// working at once.
    pub(crate) fn activate_staged(&mut self) -> Result<(), RotationRefused> {
        match self.secrets.staged.take() {
            Some(staged) => {
                self.secrets.active = Some(staged);
                Ok(())
            }
            None => Err(RotationRefused::NothingStaged),
        }
    }
}

impl fmt::Debug for Package {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Package")
            .field("client_id", &self.client_id)
            .field("secrets", &self.secrets)
            .field("name", &self.name)
            .field("scopes", &self.scopes)
            .field("business_units", &self.business_units)
            .field("expires_in", &self.expires_in)
            .field("enabled", &self.enabled)
            .field("kind", &self.kind)
            .field("redirect_uris", &self.redirect_uris)
            .finish()
    }
}

/// How long after generation Marketing Cloud expires a client secret.
pub const SECRET_LIFETIME: Duration = Duration::from_secs(180 * 24 * 60 * 60);

/// Marketing Cloud generates a new staged secret at most this often per package.
pub const STAGE_INTERVAL: Duration = Duration::from_secs(5 * 60);

/// One client secret of a package.
#[derive(Clone)]
pub(crate) struct SecretRecord {
    pub secret: ClientSecret,
    /// `None`: never expires (a package registered without an expiry).
    pub expires_at: Option<Instant>,
}

impl SecretRecord {
    fn accepts(&self, given: &str, now: Instant) -> bool {
        !self.secret.is_empty() && self.secret.expose_secret() == given && self.expires_at.is_none_or(|at| now < at)
    }
}

/// A package's client secrets, as Marketing Cloud keeps them during a rotation: the active
/// one, and a staged one that also works until it is activated (which deactivates the old
/// active one). A revoked secret is gone at once.
#[derive(Clone)]
pub(crate) struct PackageSecrets {
    pub active: Option<SecretRecord>,
    pub staged: Option<SecretRecord>,
    /// When the last staged secret was generated (at most one per [`STAGE_INTERVAL`]).
    pub last_staged_at: Option<Instant>,
}

impl PackageSecrets {
    fn new(secret: ClientSecret) -> Self {
        PackageSecrets {
            active: Some(SecretRecord {
                secret,
                expires_at: None,
            }),
            staged: None,
            last_staged_at: None,
        }
    }

    /// True when `given` is the active or the staged secret, unexpired at `now`.
    pub fn accept(&self, given: &str, now: Instant) -> bool {
        [&self.active, &self.staged]
            .into_iter()
            .flatten()
            .any(|r| r.accepts(given, now))
    }

    /// The secret to hand out in credentials: the active one, else the staged one.
    pub fn current(&self) -> ClientSecret {
        self.active
            .as_ref()
            .or(self.staged.as_ref())
            .map(|r| r.secret.clone())
            .unwrap_or_else(|| ClientSecret::new(""))
    }
}

impl fmt::Debug for PackageSecrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PackageSecrets")
            .field("active", &self.active.as_ref().map(|r| r.expires_at))
            .field("staged", &self.staged.as_ref().map(|r| r.expires_at))
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotation_stages_activates_and_expires() {
        let start = Instant::now();
        let mut package = Package::new("cid", "old");
        let staged = package.stage_secret(start).unwrap();
        assert!(package.secrets.accept("old", start) && package.secrets.accept(staged.expose_secret(), start));
        let soon = start + Duration::from_secs(60);
        assert_eq!(
            package.stage_secret(soon),
            Err(RotationRefused::TooSoon {
                wait: STAGE_INTERVAL - Duration::from_secs(60)
            })
        );
        package.activate_staged().unwrap();
        assert!(
            !package.secrets.accept("old", soon),
            "the old secret stops at activation"
        );
        assert_eq!(package.activate_staged(), Err(RotationRefused::NothingStaged));
        assert!(!package.secrets.accept(staged.expose_secret(), start + SECRET_LIFETIME));
        let mut public = Package::public_app("pub", "https://app.example/cb");
        assert_eq!(public.stage_secret(start), Err(RotationRefused::NoSecret));
        assert!(!public.secrets.accept("", start), "an empty secret never matches");
    }
}
