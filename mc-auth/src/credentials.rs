//! Installed-package credentials for the client-credentials grant.

use std::fmt;
use std::str::FromStr;

use std::marker::PhantomData;

use crate::endpoint::{self, AuthBase};
use crate::error::{Error, Result};
use crate::expiry::{InvalidExpiry, SecretExpiry};
use crate::rotation::{Secrets, Slot};
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
///
/// For secret rotation, a staged secret and the expiry dates shown in Setup > Apps > Installed
/// Packages can be given too (see the README's "Rotating client secrets"):
///
/// ```
/// let creds = mc_auth::Credentials::builder()
///     .subdomain("mc563885gzs27c5t9-63k636tzgm")
///     .client_id("7a9j47upktedde30uedl822p")
///     .client_secret("1955278925675241571")
///     .client_secret_expires("2027-05-31")
///     .client_secret_staged("8827561093388211004")
///     .client_secret_staged_expires("2027-11-27")
///     .build();
/// creds.validate()?;
/// # Ok::<(), mc_auth::Error>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Credentials {
    /// The tenant subdomain: 28 characters, starting with `mc`.
    pub subdomain: String,
    /// The installed package's client id.
    pub client_id: String,
    /// The installed package's client secret (the active one).
    pub client_secret: ClientSecret,
    /// When the active secret expires, if known: expiry warnings start 14 days before, and a
    /// refusal after it is reported as an expired secret.
    pub client_secret_expires: Option<SecretExpiry>,
    /// A staged secret (generated in Setup > Apps > Installed Packages but not yet activated):
    /// tried once when the active secret is refused with `invalid_client`, and kept when it
    /// works.
    pub client_secret_staged: Option<ClientSecret>,
    /// When the staged secret expires, if known.
    pub client_secret_staged_expires: Option<SecretExpiry>,
    /// Expiry dates given to the builder that did not parse, by setting; reported by
    /// [`validate`](Self::validate).
    expiry_problems: Vec<(&'static str, InvalidExpiry)>,
    /// The MID of the business unit to act in; the package's default business unit when unset.
    pub account_id: Option<AccountId>,
    /// An account id given to the builder that is not a MID, as given; reported by
    /// [`validate`](Self::validate).
    account_id_problem: Option<String>,
    /// Overrides `https://{subdomain}.auth.marketingcloudapis.com` (for emulators and tests).
    /// Only Marketing Cloud hosts and loopback addresses are accepted.
    pub auth_url: Option<String>,
}

impl Credentials {
    /// A builder: `.subdomain(..)`, `.client_id(..)` and `.client_secret(..)` are required
    /// (a `.build()` without one of them does not compile, and the error names it);
    /// `.account_id(..)`, `.auth_url(..)`, `.client_secret_expires(..)`,
    /// `.client_secret_staged(..)` and `.client_secret_staged_expires(..)` are optional.
    pub fn builder() -> CredentialsBuilder {
        CredentialsBuilder {
            subdomain: None,
            client_id: None,
            client_secret: None,
            rotation: Rotation::default(),
            account_id: None,
            account_id_problem: None,
            auth_url: None,
            state: PhantomData,
        }
    }
}

/// Marks a required [`CredentialsBuilder`] field as not given yet.
#[derive(Debug, Clone, Copy)]
pub struct Missing;

/// Marks a required [`CredentialsBuilder`] field as given.
#[derive(Debug, Clone, Copy)]
pub struct Given;

/// The subdomain was given to the [`CredentialsBuilder`].
#[diagnostic::on_unimplemented(
    message = "the credentials have no subdomain: call `.subdomain(..)` before `.build()`",
    label = "`Credentials::builder()` needs `.subdomain(..)`",
    note = "the subdomain, client id and client secret are required; the account id and auth URL are optional"
)]
pub trait SubdomainGiven {}
#[diagnostic::do_not_recommend]
impl SubdomainGiven for Given {}

/// The client id was given to the [`CredentialsBuilder`].
#[diagnostic::on_unimplemented(
    message = "the credentials have no client id: call `.client_id(..)` before `.build()`",
    label = "`Credentials::builder()` needs `.client_id(..)`",
    note = "the subdomain, client id and client secret are required; the account id and auth URL are optional"
)]
pub trait ClientIdGiven {}
#[diagnostic::do_not_recommend]
impl ClientIdGiven for Given {}

/// The client secret was given to the [`CredentialsBuilder`].
#[diagnostic::on_unimplemented(
    message = "the credentials have no client secret: call `.client_secret(..)` before `.build()`",
    label = "`Credentials::builder()` needs `.client_secret(..)`",
    note = "the subdomain, client id and client secret are required; the account id and auth URL are optional"
)]
pub trait ClientSecretGiven {}
#[diagnostic::do_not_recommend]
impl ClientSecretGiven for Given {}

/// Builds [`Credentials`]; from [`Credentials::builder`]. The type parameters record which
/// required fields were given ([`Missing`](crate::builder_state::Missing) or
/// [`Given`](crate::builder_state::Given)): subdomain, client id, client secret.
#[must_use = "call `.build()` to get the credentials"]
pub struct CredentialsBuilder<S = Missing, I = Missing, C = Missing> {
    subdomain: Option<String>,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    rotation: Rotation,
    account_id: Option<AccountId>,
    account_id_problem: Option<String>,
    auth_url: Option<String>,
    state: PhantomData<(S, I, C)>,
}

/// The builder's optional rotation settings.
#[derive(Default)]
struct Rotation {
    expires: Option<SecretExpiry>,
    staged: Option<ClientSecret>,
    staged_expires: Option<SecretExpiry>,
    problems: Vec<(&'static str, InvalidExpiry)>,
}

impl Rotation {
    fn set(&mut self, setting: &'static str, input: ExpiryInput) -> Option<SecretExpiry> {
        self.problems.retain(|(s, _)| *s != setting);
        match input.0 {
            Ok(at) => Some(at),
            Err(e) => {
                self.problems.push((setting, e));
                None
            }
        }
    }
}

impl<S, I, C> CredentialsBuilder<S, I, C> {
    fn into_state<S2, I2, C2>(self) -> CredentialsBuilder<S2, I2, C2> {
        CredentialsBuilder {
            subdomain: self.subdomain,
            client_id: self.client_id,
            client_secret: self.client_secret,
            rotation: self.rotation,
            account_id: self.account_id,
            account_id_problem: self.account_id_problem,
            auth_url: self.auth_url,
            state: PhantomData,
        }
    }

    /// The tenant subdomain: 28 characters, starting with `mc` (required).
    pub fn subdomain(mut self, subdomain: impl Into<String>) -> CredentialsBuilder<Given, I, C> {
        self.subdomain = Some(subdomain.into());
        self.into_state()
    }

    /// The installed package's client id (required).
    pub fn client_id(mut self, client_id: impl Into<String>) -> CredentialsBuilder<S, Given, C> {
        self.client_id = Some(client_id.into());
        self.into_state()
    }

    /// The installed package's client secret (required).
    pub fn client_secret(mut self, client_secret: impl Into<ClientSecret>) -> CredentialsBuilder<S, I, Given> {
        self.client_secret = Some(client_secret.into());
        self.into_state()
    }

    /// When the client secret expires, as Setup > Apps > Installed Packages shows it: an RFC
    /// 3339 date (`"2027-05-31"`) or date-time (`"2027-05-31T12:00:00Z"`), a
    /// [`SecretExpiry`], or a [`SystemTime`](std::time::SystemTime). Text that is not RFC 3339
    /// is refused by [`Credentials::validate`] (which building a client runs), naming it.
    pub fn client_secret_expires(mut self, at: impl Into<ExpiryInput>) -> Self {
        self.rotation.expires = self.rotation.set("client_secret_expires", at.into());
        self
    }

    /// A staged secret: generated and staged in Setup > Apps > Installed Packages but not yet
    /// activated. The client keeps using the active secret; when Marketing Cloud refuses that
    /// one with `invalid_client` (after the activation, or a revocation), the staged one is
    /// tried once and kept if it works.
    pub fn client_secret_staged(mut self, staged: impl Into<ClientSecret>) -> Self {
        self.rotation.staged = Some(staged.into());
        self
    }

    /// When the staged secret expires (as [`client_secret_expires`](Self::client_secret_expires)).
    pub fn client_secret_staged_expires(mut self, at: impl Into<ExpiryInput>) -> Self {
        self.rotation.staged_expires = self.rotation.set("client_secret_staged_expires", at.into());
        self
    }

    /// The MID of the business unit to act in: an integer (`12345`, any integer type) or
    /// text (`"12345"`, for example from a config file). A negative, zero or non-numeric
    /// value is not refused here but by [`Credentials::validate`] (which building a client
    /// runs), with an error naming the value.
    pub fn account_id(mut self, mid: impl Into<AccountIdInput>) -> Self {
        match mid.into().0 {
            Ok(id) => {
                self.account_id = Some(id);
                self.account_id_problem = None;
            }
            Err(given) => {
                self.account_id = None;
                self.account_id_problem = Some(given);
            }
        }
        self
    }

    /// Overrides `https://{subdomain}.auth.marketingcloudapis.com` (for emulators and tests).
    /// Only Marketing Cloud hosts and loopback addresses are accepted.
    pub fn auth_url(mut self, auth_url: impl Into<String>) -> Self {
        self.auth_url = Some(auth_url.into());
        self
    }

    /// The credentials; compiles once the subdomain, client id and client secret are given.
    pub fn build(self) -> Credentials
    where
        S: SubdomainGiven,
        I: ClientIdGiven,
        C: ClientSecretGiven,
    {
        match (self.subdomain, self.client_id, self.client_secret) {
            (Some(subdomain), Some(client_id), Some(client_secret)) => Credentials {
                subdomain,
                client_id,
                client_secret,
                client_secret_expires: self.rotation.expires,
                client_secret_staged: self.rotation.staged,
                client_secret_staged_expires: self.rotation.staged_expires,
                expiry_problems: self.rotation.problems,
                account_id: self.account_id,
                account_id_problem: self.account_id_problem,
                auth_url: self.auth_url,
            },
            _ => unreachable!("the type parameters record that the required fields were given"),
        }
    }
}

impl<S, I, C> fmt::Debug for CredentialsBuilder<S, I, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsBuilder")
            .field("subdomain", &self.subdomain)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client_secret_expires", &self.rotation.expires)
            .field("client_secret_staged", &self.rotation.staged)
            .field("client_secret_staged_expires", &self.rotation.staged_expires)
            .field("account_id", &self.account_id)
            .field("auth_url", &self.auth_url)
            .finish()
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("subdomain", &self.subdomain)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("client_secret_expires", &self.client_secret_expires)
            .field("client_secret_staged", &self.client_secret_staged)
            .field("client_secret_staged_expires", &self.client_secret_staged_expires)
            .field("account_id", &self.account_id)
            .field("auth_url", &self.auth_url)
            .finish()
    }
}

/// The environment variables read by [`Credentials::from_env`].
pub const ENV_VARS: [&str; 8] = [
    "MC_SUBDOMAIN",
    "MC_CLIENT_ID",
    "MC_CLIENT_SECRET",
    "MC_ACCOUNT_ID",
    "MC_AUTH_URL",
    "MC_CLIENT_SECRET_EXPIRES",
    "MC_CLIENT_SECRET_STAGED",
    "MC_CLIENT_SECRET_STAGED_EXPIRES",
];

impl Credentials {
    /// Reads `MC_SUBDOMAIN`, `MC_CLIENT_ID`, `MC_CLIENT_SECRET`, and optionally `MC_ACCOUNT_ID`,
    /// `MC_AUTH_URL`, and for secret rotation `MC_CLIENT_SECRET_EXPIRES`,
    /// `MC_CLIENT_SECRET_STAGED` and `MC_CLIENT_SECRET_STAGED_EXPIRES` (expiry dates in RFC
    /// 3339, `2027-05-31` or `2027-05-31T12:00:00Z`).
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
        let mut required = |name: &str| match lookup(name) {
            Some(v) if !v.trim().is_empty() => Some(v.trim().to_owned()),
            Some(_) => {
                problems.push(format!("{name} is set but empty (or only whitespace)"));
                None
            }
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
                    problems.push(format!(
                        "MC_ACCOUNT_ID is malformed: `{}` is not the MID of a business unit (a positive number)",
                        v.trim().chars().take(40).collect::<String>()
                    ));
                    None
                }
            },
        };
        let mut expiry = |name: &str| match lookup(name).filter(|v| !v.trim().is_empty()) {
            None => None,
            Some(v) => match SecretExpiry::parse(&v) {
                Ok(at) => Some(at),
                Err(e) => {
                    problems.push(format!("{name} is malformed: {e}"));
                    None
                }
            },
        };
        let client_secret_expires = expiry("MC_CLIENT_SECRET_EXPIRES");
        let client_secret_staged_expires = expiry("MC_CLIENT_SECRET_STAGED_EXPIRES");
        let client_secret_staged = match lookup("MC_CLIENT_SECRET_STAGED") {
            Some(v) if v.trim().is_empty() => None,
            Some(v) => Some(ClientSecret::new(v.trim())),
            None => None,
        };
        if client_secret_staged.is_none() && client_secret_staged_expires.is_some() {
            problems.push(
                "MC_CLIENT_SECRET_STAGED_EXPIRES is set but MC_CLIENT_SECRET_STAGED is not: set both, or neither"
                    .to_owned(),
            );
        }
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
                client_secret_expires,
                client_secret_staged,
                client_secret_staged_expires,
                expiry_problems: Vec::new(),
                account_id,
                account_id_problem: None,
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

    /// Checks every field: the subdomain's shape, a non-empty client id and secret, an account
    /// id that is a MID (a positive number), and that the auth URL (if set) is a Marketing
    /// Cloud host or loopback.
    pub fn validate(&self) -> Result<()> {
        validate_subdomain(&self.subdomain).map_err(|why| Error::config("subdomain", why))?;
        if let Some(given) = &self.account_id_problem {
            return Err(not_a_mid(given));
        }
        if self.account_id == Some(AccountId(0)) {
            return Err(not_a_mid("0"));
        }
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
        if let Some((setting, problem)) = self.expiry_problems.first() {
            return Err(Error::config(*setting, problem.to_string()));
        }
        match &self.client_secret_staged {
            Some(staged) if staged.expose_secret().trim().is_empty() => {
                return Err(Error::config(
                    "client_secret_staged",
                    "is empty; copy the staged secret from the installed package, or leave it unset",
                ));
            }
            None if self.client_secret_staged_expires.is_some() => {
                return Err(Error::config(
                    "client_secret_staged_expires",
                    "is set but there is no staged secret: set client_secret_staged too, or neither",
                ));
            }
            _ => {}
        }
        self.auth_base().map(|_| ())
    }

    /// The secrets a client holds: the active one first, the staged one as the alternative.
    pub(crate) fn secrets(&self) -> Secrets {
        Secrets::new(
            Some(Slot::new(self.client_secret.clone(), self.client_secret_expires)),
            self.client_secret_staged
                .clone()
                .map(|s| Slot::new(s, self.client_secret_staged_expires)),
        )
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
    if s.contains("://") || s.to_ascii_lowercase().contains(endpoint::MC_DOMAIN) {
        let shown: String = s.chars().take(100).collect();
        return Err(match subdomain_in(s) {
            Some(sub) => format!("`{shown}` is a URL or host name, not the subdomain; use the subdomain `{sub}`"),
            None => format!(
                "`{shown}` is a URL or host name, not the subdomain; use the 28-character `mc...` part of your API hosts"
            ),
        });
    }
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

/// The tenant subdomain in a pasted URL or host (`https://{sub}.auth.marketingcloudapis.com/`,
/// `{sub}.rest.marketingcloudapis.com`), if its first label is one.
/// Host names are case-insensitive, so it is offered in lower case.
fn subdomain_in(s: &str) -> Option<String> {
    let rest = s.trim().split_once("://").map_or(s.trim(), |(_, rest)| rest);
    let label = rest.split(['.', '/', ':', '?', '#']).next()?.to_ascii_lowercase();
    (validate_subdomain(&label).is_ok()).then_some(label)
}

fn not_a_mid(given: &str) -> Error {
    Error::config(
        "account_id",
        format!(
            "`{given}` is not the MID of a business unit (a positive number); copy it from Setup > Business Units, or leave account_id unset for the package's default business unit"
        ),
    )
}

/// A secret expiry as given to the credentials builder: RFC 3339 text, a [`SecretExpiry`], or
/// a [`SystemTime`](std::time::SystemTime). Text that does not parse is reported by
/// [`Credentials::validate`]; converting never fails or panics.
#[derive(Clone, Debug)]
pub struct ExpiryInput(std::result::Result<SecretExpiry, InvalidExpiry>);

impl From<SecretExpiry> for ExpiryInput {
    fn from(at: SecretExpiry) -> Self {
        ExpiryInput(Ok(at))
    }
}

impl From<std::time::SystemTime> for ExpiryInput {
    fn from(at: std::time::SystemTime) -> Self {
        ExpiryInput(Ok(SecretExpiry::at(at)))
    }
}

impl From<&str> for ExpiryInput {
    fn from(text: &str) -> Self {
        ExpiryInput(SecretExpiry::parse(text))
    }
}

impl From<String> for ExpiryInput {
    fn from(text: String) -> Self {
        Self::from(text.as_str())
    }
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
    /// A negative value, never a valid MID, becomes 0, which [`Credentials::validate`]
    /// refuses. For the builder's `account_id` prefer passing the value directly: the error
    /// then names it.
    fn from(v: i32) -> Self {
        AccountId(u64::try_from(v).unwrap_or(0))
    }
}

impl From<i64> for AccountId {
    /// A negative value, never a valid MID, becomes 0 (see the `i32` conversion).
    fn from(v: i64) -> Self {
        AccountId(u64::try_from(v).unwrap_or(0))
    }
}

impl TryFrom<&str> for AccountId {
    type Error = Error;
    /// Parses a MID written in decimal (surrounding whitespace allowed); zero and anything else
    /// is [`Error::Config`] naming the value.
    fn try_from(s: &str) -> Result<Self> {
        s.parse()
    }
}

impl TryFrom<String> for AccountId {
    type Error = Error;
    /// As for `&str`.
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

/// A business unit MID as given to the credentials builder's `account_id`: any integer type, or
/// text. It is checked by [`Credentials::validate`], which names a value that is not a MID;
/// converting never fails or panics.
#[derive(Clone, Debug)]
pub struct AccountIdInput(std::result::Result<AccountId, String>);

impl AccountIdInput {
    fn checked(id: u64) -> Self {
        AccountIdInput(if id == 0 { Err("0".into()) } else { Ok(AccountId(id)) })
    }

    fn signed(id: i64) -> Self {
        match u64::try_from(id) {
            Ok(id) => Self::checked(id),
            Err(_) => AccountIdInput(Err(id.to_string())),
        }
    }
}

impl From<AccountId> for AccountIdInput {
    fn from(id: AccountId) -> Self {
        Self::checked(id.0)
    }
}

impl From<u64> for AccountIdInput {
    fn from(id: u64) -> Self {
        Self::checked(id)
    }
}

impl From<u32> for AccountIdInput {
    fn from(id: u32) -> Self {
        Self::checked(id.into())
    }
}

impl From<i32> for AccountIdInput {
    fn from(id: i32) -> Self {
        Self::signed(id.into())
    }
}

impl From<i64> for AccountIdInput {
    fn from(id: i64) -> Self {
        Self::signed(id)
    }
}

impl From<&str> for AccountIdInput {
    fn from(text: &str) -> Self {
        AccountIdInput(text.parse().map_err(|_| text.trim().chars().take(40).collect()))
    }
}

impl From<String> for AccountIdInput {
    fn from(text: String) -> Self {
        Self::from(text.as_str())
    }
}

impl FromStr for AccountId {
    type Err = Error;
    /// Parses a MID written in decimal; zero, signs and anything else are
    /// [`Error::Config`] naming the value.
    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim();
        match t.parse::<u64>() {
            Ok(id) if id > 0 && t.bytes().all(|b| b.is_ascii_digit()) => Ok(AccountId(id)),
            _ => Err(not_a_mid(&t.chars().take(40).collect::<String>())),
        }
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

    #[test]
    fn a_pasted_url_or_host_names_the_subdomain_in_it() {
        for pasted in [
            "https://mc563885gzs27c5t9-63k636tzgm.auth.marketingcloudapis.com/",
            "https://mc563885gzs27c5t9-63k636tzgm.rest.marketingcloudapis.com/v2/token",
            "mc563885gzs27c5t9-63k636tzgm.auth.marketingcloudapis.com",
            "MC563885gzs27c5t9-63k636tzgm.AUTH.MarketingCloudAPIs.com",
        ] {
            let why = validate_subdomain(pasted).unwrap_err();
            assert!(why.contains("not the subdomain"), "{why}");
            assert!(why.contains(&format!("use the subdomain `{SUB}`")), "{why}");
            assert!(!why.contains("characters"), "{why}");
        }
        let why = validate_subdomain("https://auth.marketingcloudapis.com/").unwrap_err();
        assert!(
            why.contains("not the subdomain") && why.contains("`mc...` part"),
            "{why}"
        );
        let err = Credentials::from_lookup(lookup(&[
            (
                "MC_SUBDOMAIN",
                "https://mc563885gzs27c5t9-63k636tzgm.auth.marketingcloudapis.com/",
            ),
            ("MC_CLIENT_ID", "id"),
            ("MC_CLIENT_SECRET", "topsecretvalue"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains(&format!("use the subdomain `{SUB}`")), "{err}");
    }

    #[test]
    fn empty_variables_are_reported_as_set_but_empty() {
        let err = Credentials::from_lookup(lookup(&[
            ("MC_SUBDOMAIN", ""),
            ("MC_CLIENT_ID", "  "),
            ("MC_CLIENT_SECRET", " \t\n"),
        ]))
        .unwrap_err();
        let s = err.to_string();
        for name in ["MC_SUBDOMAIN", "MC_CLIENT_ID", "MC_CLIENT_SECRET"] {
            assert!(s.contains(&format!("{name} is set but empty")), "{s}");
        }
        assert!(!s.contains("not set"), "{s}");
    }

    fn with_account(mid: impl Into<AccountIdInput>) -> Credentials {
        Credentials::builder()
            .subdomain(SUB)
            .client_id("id")
            .client_secret("topsecretvalue")
            .account_id(mid)
            .build()
    }

    #[test]
    fn account_ids_from_integers_and_text() {
        // An integer literal still compiles, as every integer type and text does.
        let literal = Credentials::builder()
            .subdomain(SUB)
            .client_id("id")
            .client_secret("topsecretvalue")
            .account_id(12345)
            .build();
        assert_eq!(literal.account_id, Some(AccountId(12345)));
        for c in [
            with_account(12345i32),
            with_account(12345i64),
            with_account(12345u32),
            with_account(12345u64),
            with_account("12345"),
            with_account(" 12345 ".to_owned()),
            with_account(AccountId(12345)),
        ] {
            c.validate().unwrap();
            assert_eq!(c.account_id, Some(AccountId(12345)));
        }
        assert_eq!(AccountId::try_from("12345").unwrap(), AccountId(12345));
        assert_eq!(AccountId::try_from("12345".to_owned()).unwrap(), AccountId(12345));
        assert_eq!(AccountId::from(12345i64), AccountId(12345));
    }

    #[test]
    fn bad_account_ids_are_config_errors_naming_the_value() {
        for (c, shown) in [
            (with_account(-5), "`-5`"),
            (with_account(i64::MIN), "`-9223372036854775808`"),
            (with_account(0), "`0`"),
            (with_account(0u64), "`0`"),
            (with_account("12a"), "`12a`"),
            (with_account("-7"), "`-7`"),
            (with_account("+7"), "`+7`"),
            (with_account(""), "``"),
            (with_account(AccountId(0)), "`0`"),
        ] {
            assert_eq!(c.account_id, None);
            match c.validate() {
                Err(Error::Config { setting, reason }) => {
                    assert_eq!(setting, "account_id");
                    assert!(reason.contains(shown), "{reason}");
                }
                other => panic!("{shown}: {other:?}"),
            }
        }
        // A later good value replaces an earlier bad one.
        let c = Credentials::builder()
            .subdomain(SUB)
            .client_id("id")
            .client_secret("topsecretvalue")
            .account_id(-1)
            .account_id(7)
            .build();
        c.validate().unwrap();
        // The conversions into AccountId itself never panic.
        assert_eq!(AccountId::from(-5i32), AccountId(0));
        assert_eq!(AccountId::from(-5i64), AccountId(0));
        for bad in ["0", "-1", "x", "", "1 2"] {
            assert!(matches!(AccountId::try_from(bad), Err(Error::Config { .. })), "{bad}");
        }
    }

    #[test]
    fn rotation_variables_are_read_and_bad_ones_named() {
        let base = [
            ("MC_SUBDOMAIN", SUB),
            ("MC_CLIENT_ID", "id"),
            ("MC_CLIENT_SECRET", "topsecretvalue"),
        ];
        let c = Credentials::from_lookup(lookup(
            &[
                &base[..],
                &[
                    ("MC_CLIENT_SECRET_EXPIRES", "2027-05-31"),
                    ("MC_CLIENT_SECRET_STAGED", " stagedsecretvalue "),
                    ("MC_CLIENT_SECRET_STAGED_EXPIRES", "2027-11-27T08:00:00Z"),
                ],
            ]
            .concat(),
        ))
        .unwrap();
        c.validate().unwrap();
        assert_eq!(c.client_secret_expires.unwrap().to_string(), "2027-05-31");
        assert_eq!(
            c.client_secret_staged.as_ref().unwrap().expose_secret(),
            "stagedsecretvalue"
        );
        assert_eq!(
            c.client_secret_staged_expires.unwrap().to_string(),
            "2027-11-27T08:00:00Z"
        );
        let shown = format!("{c:?}");
        assert!(
            !shown.contains("stagedsecretvalue") && !shown.contains("topsecretvalue"),
            "{shown}"
        );

        let err = Credentials::from_lookup(lookup(
            &[
                &base[..],
                &[
                    ("MC_CLIENT_SECRET_EXPIRES", "31/05/2027"),
                    ("MC_CLIENT_SECRET_STAGED_EXPIRES", "soon"),
                ],
            ]
            .concat(),
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("MC_CLIENT_SECRET_EXPIRES is malformed: `31/05/2027` is not an RFC 3339 date"),
            "{err}"
        );
        assert!(
            err.contains("MC_CLIENT_SECRET_STAGED_EXPIRES is malformed: `soon`"),
            "{err}"
        );
        let err = Credentials::from_lookup(lookup(
            &[&base[..], &[("MC_CLIENT_SECRET_STAGED_EXPIRES", "2027-11-27")]].concat(),
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("MC_CLIENT_SECRET_STAGED is not"), "{err}");
        assert!(!err.contains("topsecretvalue"), "{err}");
    }

    #[test]
    fn builder_rotation_settings_are_checked_by_validate() {
        let builder = || {
            Credentials::builder()
                .subdomain(SUB)
                .client_id("id")
                .client_secret("topsecretvalue")
        };
        let bad = builder().client_secret_expires("next tuesday").build();
        match bad.validate() {
            Err(Error::Config { setting, reason }) => {
                assert_eq!(setting, "client_secret_expires");
                assert!(
                    reason.contains("`next tuesday`") && reason.contains("Installed Packages"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
        // A later good value replaces an earlier bad one.
        builder()
            .client_secret_expires("next tuesday")
            .client_secret_expires(std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_811_721_600))
            .build()
            .validate()
            .unwrap();
        let orphan = builder().client_secret_staged_expires("2027-05-31").build();
        assert!(
            matches!(orphan.validate(), Err(Error::Config { setting, .. }) if setting == "client_secret_staged_expires")
        );
        let empty = builder().client_secret_staged("  ").build();
        assert!(matches!(empty.validate(), Err(Error::Config { setting, .. }) if setting == "client_secret_staged"));
        let staged = builder()
            .client_secret_staged("stagedsecretvalue")
            .client_secret_staged_expires(SecretExpiry::parse("2027-11-27").unwrap())
            .build();
        staged.validate().unwrap();
        assert!(!format!("{staged:?}").contains("stagedsecretvalue"));
    }
}
