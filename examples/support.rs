//! Helpers shared by the example programs: choose between real Marketing Cloud (when `MC_*`
//! variables are set) and the built-in fake.
#![forbid(unsafe_code)]

pub mod web_server;

use std::future::Future;

use mc_auth::testing::{FakeMarketingCloud, Package};
use mc_auth::Credentials;

/// Runs an example's body on a Tokio runtime, printing any error and exiting 1.
pub fn run_example<F>(body: F)
where
    F: Future<Output = Result<(), Box<dyn std::error::Error>>>,
{
    let rt = tokio::runtime::Runtime::new().expect("a Tokio runtime");
    if let Err(e) = rt.block_on(body) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// Where an example runs.
pub enum Target {
    /// Real Marketing Cloud, from `MC_*` variables.
    Real(Credentials),
    /// The fake Marketing Cloud on loopback, with a package that has `scopes`.
    Fake(FakeMarketingCloud, Credentials),
}

impl Target {
    /// Real MC when `MC_SUBDOMAIN`, `MC_CLIENT_ID` or `MC_CLIENT_SECRET` is set, else a fresh
    /// fake whose installed package has `scopes`.
    pub async fn from_env_or_fake(scopes: &[&str]) -> Result<Target, Box<dyn std::error::Error>> {
        if Credentials::env_is_set() {
            return Ok(Target::Real(Credentials::from_env()?));
        }
        let fake = FakeMarketingCloud::start().await;
        fake.register_package(
            Package::new("example-client-id", "example-client-secret").scopes(scopes.iter().copied()),
        );
        let creds = fake.credentials("example-client-id");
        Ok(Target::Fake(fake, creds))
    }

    /// The credentials to connect with.
    pub fn credentials(&self) -> Credentials {
        match self {
            Target::Real(c) | Target::Fake(_, c) => c.clone(),
        }
    }

    /// The fake, when running against it.
    pub fn fake(&self) -> Option<&FakeMarketingCloud> {
        match self {
            Target::Real(_) => None,
            Target::Fake(f, _) => Some(f),
        }
    }

    /// A one-line description for the example's output.
    pub fn describe(&self) -> String {
        match self {
            Target::Real(c) => format!("real Marketing Cloud, tenant {}", c.subdomain),
            Target::Fake(f, _) => format!(
                "the fake Marketing Cloud at {} (set MC_* variables to use a real tenant)",
                f.url()
            ),
        }
    }
}
