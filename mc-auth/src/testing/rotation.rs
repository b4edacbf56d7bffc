//! The view of one package's client secrets ([`PackageView`]); the rotation's rules are the
//! model's ([`model::packages`](super::model::packages)).

use std::time::Instant;

use super::{FakeMarketingCloud, RotationRefused};
use crate::ClientSecret;

/// One installed package's client secrets on the fake. Made by
/// [`FakeMarketingCloud::package`].
///
/// ```
/// use std::time::Duration;
/// use mc_auth::testing::{FakeMarketingCloud, Package, RotationRefused};
///
/// # tokio::runtime::Runtime::new().unwrap().block_on(async {
/// let clock = mc_auth::ManualClock::new();
/// let fake = FakeMarketingCloud::builder().clock(clock.clone()).start().await;
/// fake.register_package(Package::new("cid", "old-secret"));
/// let package = fake.package("cid");
/// let staged = package.stage_secret().unwrap();
/// assert!(package.accepts("old-secret") && package.accepts(staged.expose_secret()));
/// assert!(matches!(package.stage_secret(), Err(RotationRefused::TooSoon { .. })));
/// package.activate_staged().unwrap();
/// assert!(!package.accepts("old-secret") && package.accepts(staged.expose_secret()));
/// clock.advance(Duration::from_secs(180 * 24 * 3600));
/// assert!(!package.accepts(staged.expose_secret()), "expired 180 days after it was generated");
/// # });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct PackageView<'a> {
    pub(super) fake: &'a FakeMarketingCloud,
    pub(super) client_id: &'a str,
}

impl PackageView<'_> {
    fn with<T>(&self, f: impl FnOnce(&mut super::Package, Instant) -> T) -> T {
        let now = self.fake.clock().now();
        let mut state = self.fake.state();
        let package = state.packages.get_mut(self.client_id).unwrap_or_else(|| {
            panic!(
                "no package with client id `{}` is registered on the fake",
                self.client_id
            )
        });
        f(package, now)
    }

    /// Generates and stages a new secret (step 1 of a rotation) and returns it: from now on
    /// both the active and the staged secret get tokens. The staged secret expires 180 days
    /// after now (the fake's clock). A staged secret not yet activated is replaced; a new one
    /// may be staged at most once per 5 minutes ([`RotationRefused::TooSoon`]).
    pub fn stage_secret(&self) -> Result<ClientSecret, RotationRefused> {
        self.with(|p, now| p.stage_secret(now))
    }

    /// Activates the staged secret (step 3 of a rotation): it becomes the active secret, and
    /// the previous active secret stops working at once.
    pub fn activate_staged(&self) -> Result<(), RotationRefused> {
        self.with(|p, _| p.activate_staged())
    }

    /// Revokes the active secret at once, as Marketing Cloud does when it detects a secret as
    /// leaked: token requests with it answer `invalid_client`. A staged secret keeps working.
    pub fn revoke(&self) {
        self.with(|p, _| p.secrets.active = None);
    }

    /// Revokes the staged secret at once.
    pub fn revoke_staged(&self) {
        self.with(|p, _| p.secrets.staged = None);
    }

    /// Makes the active secret expire at this instant of the fake's clock.
    pub fn expire_secret_at(&self, at: Instant) {
        self.with(|p, _| {
            if let Some(active) = &mut p.secrets.active {
                active.expires_at = Some(at);
            }
        });
    }

    /// When the active secret expires (`None`: never, or no active secret).
    pub fn secret_expires_at(&self) -> Option<Instant> {
        self.with(|p, _| p.secrets.active.as_ref().and_then(|r| r.expires_at))
    }

    /// The active secret, if any (none after [`revoke`](Self::revoke)).
    pub fn secret(&self) -> Option<ClientSecret> {
        self.with(|p, _| p.secrets.active.as_ref().map(|r| r.secret.clone()))
    }

    /// The staged secret, if one is staged.
    pub fn staged_secret(&self) -> Option<ClientSecret> {
        self.with(|p, _| p.secrets.staged.as_ref().map(|r| r.secret.clone()))
    }

    /// True when a token request with this secret would be accepted now.
    pub fn accepts(&self, secret: &str) -> bool {
        self.with(|p, now| p.secrets.accept(secret, now))
    }
}
