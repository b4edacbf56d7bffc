//! Installed-package credentials for the client-credentials grant.

use std::fmt;
use std::str::FromStr;

use typed_builder::TypedBuilder;

use crate::endpoint::{self, AuthBase};
use crate::error::{Error, Result};
use crate::secret::ClientSecret;

/// The credentials of a server-to-server installed package.
///
/// Build them with [`Credentials::builder`] (a missing required field is a compile error)
/// or read them from the environment with [`Credentials::from_env`]. Values are checked when a
/// client is built from them (or with [`Credentials::validate`]).
///
/// ```
/// use mc_auth::Credentials;
///
/// let creds = Credentials::builder()
///     .subdomain("mc563885gzs27c5t9-63k636tzgm")
///     .client_id("7a9j47upktedde30uedl822p")
///     .client_secret("1955278925675241571")
///     .account_id(12345)
///     .build();
/// creds.validate()?;
/// assert!(!format!("{creds:?}").contains("1955278925675241571"));
/// # Ok::<(), mc_auth::Error>(())
/// ```
#[derive(Clone, TypedBuilder)]
#[non_exhaustive]
pub struct Credentials {
    /// The tenant subdomain: 28 characters, starting with `mc`.
    #[builder(setter(into))]
    pub subdomain: String,
    /// The installed package's client id.
    #[builder(setter(into))]
    pub client_id: String,
    /// The installed package's client secret.
    #[builder(setter(into))]
    pub client_secret: ClientSecret,
    /// The MID of the business unit to act in; the package's default business unit when unset.
    #[builder(default, setter(strip_option, into))]
    pub account_id: Option<AccountId>,
    /// Overrides `https://{subdomain}.auth.marketingcloudapis.com` (for emulators and tests).
    /// Only Marketing Cloud hosts and loopback addresses are accepted.
    #[builder(default, setter(strip_option, into))]
    pub auth_url: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("subdomain", &self.subdomain)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("account_id", &self.account_id)
            .field("auth_url", &self.auth_url)
            .finish()
    }
}

/// The environment variables read by [`Credentials::from_env`].
pub const ENV_VARS: [&str; 5] = [
    "MC_SUBDOMAIN",
    "MC_CLIENT_ID",
    "MC_CLIENT_SECRET",
    "MC_ACCOUNT_ID",
    "MC_AUTH_URL",
];

impl Credentials {
    /// Reads `MC_SUBDOMAIN`, `MC_CLIENT_ID`, `MC_CLIENT_SECRET`, and optionally `MC_ACCOUNT_ID`
    /// and `MC_AUTH_URL`.
    ///
    /// The error names every variable that is missing or malformed.
    pub fn from_env() -> Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// True when any `MC_*` credential variable is set: a program can use this to choose between
    /// real Marketing Cloud and the fake.
    pub fn env_is_set() -> bool {
        ENV_VARS[..3].iter().any(|v| std::env::var_os(v).is_some())
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup` instead of the
    /// process environment (handy in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut problems: Vec<String> = Vec::new();
        let mut required = |name: &str| match lookup(name).filter(|v| !v.trim().is_empty()) {
            Some(v) => Some(v.trim().to_owned()),
            None => {
                problems.push(format!("{name} is not set"));
                None
            }
        };
        let subdomain = required("MC_SUBDOMAIN");
        let client_id = required("MC_CLIENT_ID");
        let client_secret = required("MC_CLIENT_SECRET");
        if let Some(s) = &subdomain {
            if let Err(why) = validate_subdomain(s) {
                problems.push(format!("MC_SUBDOMAIN is malformed: {why}"));
            }
        }
        let account_id = match lookup("MC_ACCOUNT_ID").filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(v) => match v.trim().parse::<AccountId>() {
                Ok(id) => Some(id),
                Err(_) => {
                    problems.push("MC_ACCOUNT_ID is malformed: expected the numeric MID of a business unit".into());
                    None
                }
            },
        };
        let auth_url = lookup("MC_AUTH_URL").filter(|v| !v.trim().is_empty());
        if let Some(u) = &auth_url {
            if let Err(e) = AuthBase::parse(u) {
                problems.push(format!("MC_AUTH_URL is malformed: {e}"));
            }
        }
        match (subdomain, client_id, client_secret) {
            (Some(subdomain), Some(client_id), Some(secret)) if problems.is_empty() => Ok(Credentials {
                subdomain,
                client_id,
                client_secret: ClientSecret::new(secret),
                account_id,
                auth_url: auth_url.map(|u| u.trim().to_owned()),
            }),
            _ => {
                let settings: Vec<&str> = problems.iter().filter_map(|p| p.split_whitespace().next()).collect();
                Err(Error::config(
                    settings.join(", "),
                    format!(
                        "{}; set them to the values of your installed package (Setup > Apps > Installed Packages > API Integration)",
                        problems.join("; ")
                    ),
                ))
            }
        }
    }

    /// Checks every field: the subdomain's shape, a non-empty client id and secret, and that the
    /// auth URL (if set) is a Marketing Cloud host or loopback.
    pub fn validate(&self) -> Result<()> {
        validate_subdomain(&self.subdomain).map_err(|why| Error::config("subdomain", why))?;
        if self.client_id.trim().is_empty() {
            return Err(Error::config(
                "client_id",
                "is empty; copy it from the installed package",
            ));
        }
        if self.client_secret.is_empty() {
            return Err(Error::config(
                "client_secret",
                "is empty; copy it from the installed package",
            ));
        }
        self.auth_base().map(|_| ())
    }

    /// The auth base URL: `auth_url` when set, else the tenant's auth host.
    pub(crate) fn auth_base(&self) -> Result<AuthBase> {
        match &self.auth_url {
            Some(u) => AuthBase::parse(u),
            None => AuthBase::parse(&endpoint::auth_host_url(&self.subdomain)),
        }
    }
}

/// Checks a tenant subdomain: 28 characters, starts with `mc`, only ASCII letters, digits and `-`.
///
/// ```
/// assert!(mc_auth::validate_subdomain("mc563885gzs27c5t9-63k636tzgm").is_ok());
/// assert!(mc_auth::validate_subdomain("mc5638").is_err());
/// ```
pub fn validate_subdomain(s: &str) -> std::result::Result<(), String> {
    if s.len() != 28 {
        return Err(format!(
            "`{s}` has {} characters, a Marketing Cloud subdomain has 28 (the `mc...` part of your API hosts)",
            s.chars().count()
        ));
    }
    if !s.starts_with("mc") {
        return Err(format!(
            "`{s}` does not start with `mc`; copy the subdomain from one of your API hosts"
        ));
    }
    if let Some(c) = s.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-')) {
        return Err(format!(
            "`{s}` contains {c:?}; only letters, digits and `-` are allowed"
        ));
    }
    Ok(())
}

/// The MID of a business unit (`account_id` in token requests).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(pub u64);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<u64> for AccountId {
    fn from(v: u64) -> Self {
        AccountId(v)
    }
}

impl From<u32> for AccountId {
    fn from(v: u32) -> Self {
        AccountId(v.into())
    }
}

impl From<i32> for AccountId {
    /// Panics on negative values, which are never valid MIDs (use `u64` for data from outside).
    fn from(v: i32) -> Self {
        AccountId(u64::try_from(v).expect("a business unit MID is never negative"))
    }
}

impl FromStr for AccountId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        s.trim()
            .parse::<u64>()
            .map(AccountId)
            .map_err(|_| Error::config("account_id", format!("`{s}` is not a business unit MID (digits only)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const SUB: &str = "mc563885gzs27c5t9-63k636tzgm";

    #[test]
    fn subdomain_rules() {
        assert!(validate_subdomain(SUB).is_ok());
        assert!(validate_subdomain("xc563885gzs27c5t9-63k636tzgm").is_err());
        assert!(validate_subdomain("mc563885gzs27c5t9_63k636tzgm").is_err());
        assert!(validate_subdomain("mc563885gzs27c5t9-63k636tzg").is_err());
        assert!(validate_subdomain("mc563885gzs27c5t9-63k636tzgé").is_err());
    }

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn from_lookup_names_every_missing_variable() {
        let err = Credentials::from_lookup(lookup(&[("MC_SUBDOMAIN", SUB)])).unwrap_err();
        let s = err.to_string();
        assert!(s.contains("MC_CLIENT_ID is not set"), "{s}");
        assert!(s.contains("MC_CLIENT_SECRET is not set"), "{s}");
        assert!(!s.contains("MC_SUBDOMAIN"), "{s}");
    }

    #[test]
    fn from_lookup_names_malformed_variables() {
        let err = Credentials::from_lookup(lookup(&[
            ("MC_SUBDOMAIN", "nope"),
            ("MC_CLIENT_ID", "id"),
            ("MC_CLIENT_SECRET", "topsecretvalue"),
            ("MC_ACCOUNT_ID", "12a"),
            ("MC_AUTH_URL", "https://evil.example.com"),
        ]))
        .unwrap_err();
        let s = err.to_string();
        assert!(s.contains("MC_SUBDOMAIN is malformed"), "{s}");
        assert!(s.contains("MC_ACCOUNT_ID is malformed"), "{s}");
        assert!(s.contains("MC_AUTH_URL is malformed"), "{s}");
        assert!(!s.contains("topsecretvalue"), "{s}");
    }

    #[test]
    fn from_lookup_reads_all_fields() {
        let c = Credentials::from_lookup(lookup(&[
            ("MC_SUBDOMAIN", SUB),
            ("MC_CLIENT_ID", "id"),
            ("MC_CLIENT_SECRET", "topsecretvalue"),
            ("MC_ACCOUNT_ID", "12345"),
            ("MC_AUTH_URL", "http://127.0.0.1:9"),
        ]))
        .unwrap();
        assert_eq!(c.account_id, Some(AccountId(12345)));
        assert_eq!(c.auth_url.as_deref(), Some("http://127.0.0.1:9"));
        c.validate().unwrap();
    }
}
