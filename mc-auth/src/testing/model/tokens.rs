//! Tokens and who gets them: access tokens, the scopes a token is granted, the business unit
//! it acts in, authorization codes with PKCE and refresh tokens that work once, and the users
//! who sign in to web and public apps.
//!
//! MC's rules as the fake plays them:
//! - a token carries only scopes the package has: the rest of a request's scopes are dropped
//!   without an error; no `scope` asks for all of the package's scopes;
//! - `account_id` must be one of the package's business units; none means its first one;
//! - server-to-server packages authenticate with their active or staged secret and use the
//!   client-credentials grant; web apps use their secret and public apps none, with the
//!   authorization-code and refresh-token grants;
//! - an authorization code is consumed by any attempt to redeem it, lives 5 minutes, and is
//!   bound to its client, redirect URI and S256 code challenge;
//! - a refresh token works once, and a refresh hands out a new one.
//!
//! The OAuth answers need finer kinds than [`ModelError`](super::ModelError)'s, so a refused
//! token request is a [`Refused`]; the wire (`testing/token.rs`) writes it as MC's OAuth
//! error body.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::generate::random_alphanumeric;
use super::packages::{Package, PackageKind};
use crate::testing::state::FakeUser;
use crate::ScopeSet;

/// Length of the random access tokens.
const ACCESS_TOKEN_LEN: usize = 64;

/// Why a token request is refused; each is one of MC's OAuth `error` values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// `invalid_client`: an unknown or disabled package, a wrong secret, or a secret where a
    /// public app must send none.
    Client,
    /// `unauthorized_client`: the package may not use this grant or this business unit.
    Unauthorized(String),
    /// `invalid_grant`: a code or refresh token that is unknown, used, expired, revoked or
    /// another client's.
    Grant(String),
}

/// An issued access token (the token value is the key of the state's `tokens`).
#[derive(Clone, Debug)]
pub(crate) struct TokenRecord {
    /// 1 for the first token issued, 2 for the second, ...
    pub serial: u64,
    /// The package it was issued to.
    pub client_id: String,
    /// The MID of the business unit it acts in.
    pub account_id: u64,
    /// The granted scopes.
    pub scopes: ScopeSet,
    /// When it expires by the fake's clock.
    pub expires_at: Instant,
    /// Expired on demand.
    pub revoked: bool,
    /// The user a web or public app's token acts for; `None`: the API user of
    /// client-credentials tokens.
    pub user: Option<FakeUser>,
}

impl TokenRecord {
    /// True when the token can no longer be used: expired by the clock or on demand.
    pub fn is_expired(&self, now: Instant) -> bool {
        self.revoked || now >= self.expires_at
    }
}

/// The `scope` of a token request: omitted (all of the package's scopes) or a list (possibly
/// empty).
pub(crate) enum ScopeRequest {
    /// No `scope` field.
    All,
    /// These scopes.
    Only(ScopeSet),
}

/// The scopes a token gets: only scopes the package has; the rest are silently dropped.
pub(crate) fn granted_scopes(package: &Package, requested: &ScopeRequest) -> ScopeSet {
    match requested {
        ScopeRequest::All => package.scopes.clone(),
        ScopeRequest::Only(set) => set.iter().filter(|s| package.scopes.contains(s)).collect(),
    }
}

/// The business unit a token acts in: `requested` when the package may target it, `default`
/// when none is requested.
pub(crate) fn business_unit(package: &Package, requested: Option<u64>, default: u64) -> Result<u64, Refused> {
    match requested {
        None => Ok(default),
        Some(mid) if package.allows_mid(mid) => Ok(mid),
        Some(mid) => Err(Refused::Unauthorized(format!(
            "The client is not authorized to access account_id {mid}: the installed package has no access to that business unit."
        ))),
    }
}

/// The server-to-server package `client_id` authenticated by its active or staged secret.
pub(crate) fn authenticate_server<'p>(
    packages: &'p std::collections::BTreeMap<String, Package>,
    client_id: &str,
    secret: Option<&str>,
    now: Instant,
) -> Result<&'p Package, Refused> {
    let package = packages.get(client_id).ok_or(Refused::Client)?;
    let secret_ok = secret.is_some_and(|s| package.secrets.accept(s, now));
    if !package.enabled || !secret_ok {
        return Err(Refused::Client);
    }
    if package.kind != PackageKind::Server {
        return Err(Refused::Unauthorized(
            "Web and public app packages use the authorization_code and refresh_token grants.".to_owned(),
        ));
    }
    Ok(package)
}

/// The web or public app `client_id`: web apps need their secret; public apps must send none.
pub(crate) fn authenticate_app<'p>(
    packages: &'p std::collections::BTreeMap<String, Package>,
    client_id: &str,
    secret: Option<&str>,
    now: Instant,
) -> Result<&'p Package, Refused> {
    let package = packages.get(client_id).ok_or(Refused::Client)?;
    if !package.enabled {
        return Err(Refused::Client);
    }
    match package.kind {
        PackageKind::Web if !secret.is_some_and(|s| package.secrets.accept(s, now)) => Err(Refused::Client),
        PackageKind::Public if secret.is_some() => Err(Refused::Client),
        PackageKind::Web | PackageKind::Public => Ok(package),
        PackageKind::Server => Err(Refused::Unauthorized(
            "Server-to-server packages use client_credentials.".to_owned(),
        )),
    }
}

/// Stores a new access token for `record` (its serial is assigned here) and returns its value.
pub(crate) fn issue_access_token(
    tokens: &mut HashMap<String, TokenRecord>,
    next_serial: &mut u64,
    mut record: TokenRecord,
) -> String {
    let value = random_alphanumeric(ACCESS_TOKEN_LEN);
    record.serial = *next_serial;
    *next_serial += 1;
    tokens.insert(value.clone(), record);
    value
}

/// What a redeemed code or refresh token grants.
pub(crate) struct Redeemed {
    /// The scopes of the new token.
    pub scopes: ScopeSet,
    /// The user it acts for.
    pub user: FakeUser,
    /// The business unit when none is requested: the package's default (code) or the one of
    /// the refreshed token.
    pub default_mid: u64,
}

/// How long authorization codes live (MC: 5 minutes).
pub const CODE_LIFETIME: Duration = Duration::from_secs(300);

/// A user who can sign in at `/v2/authorize`: the default one ([`web().set_user`](crate::testing::WebView::set_user)),
/// whom [`FakeMarketingCloud::authorize`](crate::testing::FakeMarketingCloud::authorize) signs in,
/// and any added with [`web().add_user`](crate::testing::WebView::add_user), whom a browser can sign
/// in by entering their username on the login page.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizingUser {
    /// The username entered on the login page. The default user's is `fake-api-user`, the
    /// user `/v2/userinfo` shows for client-credentials tokens.
    pub username: String,
    /// The display name `/v2/userinfo` shows (`user.name`); the username when `None`.
    pub display_name: Option<String>,
    /// The user's permissions as scopes; tokens get the intersection with the app's. `None`
    /// means every scope.
    pub permissions: Option<ScopeSet>,
    /// A `tssd` to add to the redirect (AppExchange apps), if any.
    pub tssd: Option<String>,
    /// When set, [`FakeMarketingCloud::authorize`](crate::testing::FakeMarketingCloud::authorize)
    /// presses Deny on the consent page: the redirect carries `error=access_denied`. (A
    /// browser presses whichever button it clicks.)
    pub declines: bool,
}

/// The default user's username: the user of client-credentials tokens.
const DEFAULT_USERNAME: &str = "fake-api-user";

impl Default for AuthorizingUser {
    fn default() -> Self {
        AuthorizingUser::named(DEFAULT_USERNAME)
    }
}

impl AuthorizingUser {
    /// The default user (`fake-api-user`) with every permission.
    pub fn new() -> Self {
        Self::default()
    }

    /// A user with this username and every permission. Their `/v2/userinfo` `sub` is a
    /// number derived from the username (stable across runs), so two users never share one.
    pub fn named(username: impl Into<String>) -> Self {
        AuthorizingUser {
            username: username.into(),
            display_name: None,
            permissions: None,
            tssd: None,
            declines: false,
        }
    }

    /// Sets the display name `/v2/userinfo` shows.
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_name = Some(name.into());
        self
    }

    /// Limits the user's permissions to these scopes.
    pub fn permissions<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.permissions = Some(ScopeSet::new(scopes));
        self
    }

    /// Adds `tssd` to the redirect.
    pub fn tssd(mut self, tssd: impl Into<String>) -> Self {
        self.tssd = Some(tssd.into());
        self
    }

    /// Makes [`FakeMarketingCloud::authorize`](crate::testing::FakeMarketingCloud::authorize) press
    /// Deny.
    pub fn declines(mut self) -> Self {
        self.declines = true;
        self
    }

    /// Who this user is in `/v2/userinfo`. The default username is the fake's API user.
    pub(crate) fn identity(&self, api_user: &FakeUser) -> FakeUser {
        let mut who = if self.username == api_user.preferred_username {
            api_user.clone()
        } else {
            // FNV-1a: stable across runs, distinct per username in practice.
            let hash = self.username.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
            FakeUser {
                sub: format!("7{:015}", hash % 1_000_000_000_000_000),
                name: self.username.clone(),
                preferred_username: self.username.clone(),
                email: format!("{}@example.com", self.username),
            }
        };
        if let Some(name) = &self.display_name {
            who.name = name.clone();
        }
        who
    }
}

/// OAuth state: the signed-in user, codes and refresh tokens.
#[derive(Default)]
pub(crate) struct OAuthState {
    /// The default user: the one [`FakeMarketingCloud::authorize`](crate::testing::FakeMarketingCloud::authorize) signs in.
    pub user: AuthorizingUser,
    /// Further users a browser can sign in as, by username.
    pub users: Vec<AuthorizingUser>,
    /// Authorization codes by value.
    pub codes: HashMap<String, CodeRecord>,
    /// Refresh tokens by value.
    pub refresh_tokens: HashMap<String, RefreshRecord>,
    /// Refresh tokens in issue order, for [`web().refresh_token_uses`](crate::testing::WebView::refresh_token_uses).
    pub refresh_order: Vec<String>,
}

/// An authorization code: single use, [`CODE_LIFETIME`] long, bound to the client, the
/// redirect URI and (for PKCE) the S256 code challenge.
pub(crate) struct CodeRecord {
    client_id: String,
    user: FakeUser,
    redirect_uri: String,
    scopes: ScopeSet,
    challenge: Option<String>,
    expires_at: Instant,
    used: bool,
}

/// A refresh token: it works once (each refresh hands out a new one), for its client only.
pub(crate) struct RefreshRecord {
    client_id: String,
    user: FakeUser,
    scopes: ScopeSet,
    mid: u64,
    /// How many refresh requests presented this token (more than 1 means reuse).
    pub uses: u32,
    revoked: bool,
}

impl RefreshRecord {
    /// Revokes it: the next refresh with it is refused.
    pub(crate) fn revoke(&mut self) {
        self.revoked = true;
    }
}

impl OAuthState {
    /// The user with this username: the default one or one added.
    pub fn find_user(&self, username: &str) -> Option<&AuthorizingUser> {
        std::iter::once(&self.user)
            .chain(self.users.iter().rev())
            .find(|u| u.username == username)
    }

    /// Every username that can sign in, the default user's first.
    pub fn usernames(&self) -> Vec<String> {
        let mut names = vec![self.user.username.clone()];
        for u in &self.users {
            if !names.contains(&u.username) {
                names.push(u.username.clone());
            }
        }
        names
    }

    /// Stores a new authorization code and returns it.
    pub fn issue_code(
        &mut self,
        client_id: &str,
        user: FakeUser,
        redirect_uri: &str,
        scopes: ScopeSet,
        challenge: Option<String>,
        now: Instant,
    ) -> String {
        let code = random_alphanumeric(48);
        self.codes.insert(
            code.clone(),
            CodeRecord {
                client_id: client_id.to_owned(),
                user,
                redirect_uri: redirect_uri.to_owned(),
                scopes,
                challenge,
                expires_at: now + CODE_LIFETIME,
                used: false,
            },
        );
        code
    }

    /// Redeems an authorization code for `package`: any attempt consumes it (RFC 6749); it
    /// must be unexpired, the package's, for the same redirect URI, and with PKCE the
    /// verifier's S256 must be the challenge.
    pub fn redeem_code(
        &mut self,
        package: &Package,
        code: &str,
        redirect_uri: Option<&str>,
        verifier: Option<&str>,
        now: Instant,
    ) -> Result<Redeemed, Refused> {
        let invalid = |d: &str| Refused::Grant(d.to_owned());
        let record = self
            .codes
            .get_mut(code)
            .ok_or_else(|| invalid("The authorization code is invalid."))?;
        if record.used {
            return Err(invalid("The authorization code has already been used."));
        }
        record.used = true;
        if now >= record.expires_at {
            return Err(invalid("The authorization code has expired."));
        }
        if record.client_id != package.client_id {
            return Err(invalid("The authorization code was issued to another client."));
        }
        if redirect_uri != Some(record.redirect_uri.as_str()) {
            return Err(invalid("redirect_uri does not match the one used at authorization."));
        }
        if let Some(challenge) = &record.challenge {
            let Some(v) = verifier else {
                return Err(invalid("code_verifier is required."));
            };
            if URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes())) != *challenge {
                return Err(invalid("code_verifier does not match the code_challenge."));
            }
        }
        Ok(Redeemed {
            scopes: record.scopes.clone(),
            user: record.user.clone(),
            default_mid: package.default_mid(),
        })
    }

    /// Stores a new refresh token and returns it.
    pub fn issue_refresh(&mut self, client_id: &str, user: FakeUser, scopes: ScopeSet, mid: u64) -> String {
        let refresh = random_alphanumeric(64);
        self.refresh_tokens.insert(
            refresh.clone(),
            RefreshRecord {
                client_id: client_id.to_owned(),
                user,
                scopes,
                mid,
                uses: 0,
                revoked: false,
            },
        );
        self.refresh_order.push(refresh.clone());
        refresh
    }

    /// Redeems a refresh token for `package`: it works once, unless revoked, for its client.
    pub fn redeem_refresh(&mut self, package: &Package, token: &str) -> Result<Redeemed, Refused> {
        let record = self
            .refresh_tokens
            .get_mut(token)
            .ok_or_else(|| Refused::Grant("The refresh token is invalid.".to_owned()))?;
        record.uses += 1;
        if record.uses > 1 || record.revoked {
            return Err(Refused::Grant(
                "The refresh token is invalid, expired or already used.".to_owned(),
            ));
        }
        if record.client_id != package.client_id {
            return Err(Refused::Grant(
                "The refresh token was issued to another client.".to_owned(),
            ));
        }
        Ok(Redeemed {
            scopes: record.scopes.clone(),
            user: record.user.clone(),
            default_mid: record.mid,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn packages() -> BTreeMap<String, Package> {
        let server = Package::new("server", "s3cret")
            .scopes(["email_read", "email_send"])
            .business_units([100, 200]);
        let web = Package::web_app("web", "w3b", "https://app.example/cb");
        let public = Package::public_app("public", "https://app.example/cb");
        [server, web, public]
            .into_iter()
            .map(|p| (p.client_id().to_owned(), p))
            .collect()
    }

    #[test]
    fn scopes_are_only_the_packages_and_units_only_its_own() {
        let p = &packages()["server"];
        let asked = ScopeRequest::Only(ScopeSet::new(["email_send", "data_extensions_write"]));
        assert_eq!(granted_scopes(p, &asked).to_string(), "email_send");
        assert_eq!(granted_scopes(p, &ScopeRequest::All), p.scopes);
        assert_eq!(
            granted_scopes(p, &ScopeRequest::Only(ScopeSet::default())).to_string(),
            ""
        );
        assert_eq!(business_unit(p, None, 100), Ok(100));
        assert_eq!(business_unit(p, Some(200), 100), Ok(200));
        assert!(matches!(
            business_unit(p, Some(300), 100),
            Err(Refused::Unauthorized(_))
        ));
    }

    #[test]
    fn each_kind_of_package_authenticates_its_own_way() {
        let all = packages();
        let now = Instant::now();
        assert!(authenticate_server(&all, "server", Some("s3cret"), now).is_ok());
        assert_eq!(
            authenticate_server(&all, "server", Some("nope"), now).err(),
            Some(Refused::Client)
        );
        assert_eq!(
            authenticate_server(&all, "ghost", Some("s3cret"), now).err(),
            Some(Refused::Client)
        );
        assert!(matches!(
            authenticate_server(&all, "web", Some("w3b"), now),
            Err(Refused::Unauthorized(_))
        ));
        assert!(authenticate_app(&all, "web", Some("w3b"), now).is_ok());
        assert_eq!(authenticate_app(&all, "web", None, now).err(), Some(Refused::Client));
        assert!(authenticate_app(&all, "public", None, now).is_ok());
        assert_eq!(
            authenticate_app(&all, "public", Some(""), now).err(),
            Some(Refused::Client)
        );
        assert!(matches!(
            authenticate_app(&all, "server", Some("s3cret"), now),
            Err(Refused::Unauthorized(_))
        ));
    }

    #[test]
    fn a_code_is_single_use_and_bound_to_its_pkce_challenge() {
        let all = packages();
        let public = &all["public"];
        let now = Instant::now();
        let mut oauth = OAuthState::default();
        let verifier = "a-verifier-of-enough-length-for-the-test-0123456789";
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        let who = FakeUser::default();
        let uri = "https://app.example/cb";
        let scopes = ScopeSet::new(["email_read"]);
        let code = oauth.issue_code("public", who.clone(), uri, scopes.clone(), Some(challenge.clone()), now);
        let wrong = oauth.redeem_code(public, &code, Some(uri), Some("other"), now);
        assert!(matches!(wrong, Err(Refused::Grant(_))));
        let again = oauth.redeem_code(public, &code, Some(uri), Some(verifier), now);
        assert_eq!(
            again.err(),
            Some(Refused::Grant("The authorization code has already been used.".into())),
            "a failed attempt consumes the code"
        );
        let code = oauth.issue_code("public", who.clone(), uri, scopes.clone(), Some(challenge), now);
        let late = now + CODE_LIFETIME;
        assert!(oauth
            .redeem_code(public, &code, Some(uri), Some(verifier), late)
            .is_err());
        let code = oauth.issue_code("public", who, uri, scopes, None, now);
        let granted = oauth.redeem_code(public, &code, Some(uri), None, now).unwrap();
        assert_eq!(granted.default_mid, public.default_mid());
    }

    #[test]
    fn a_refresh_token_works_once() {
        let all = packages();
        let mut oauth = OAuthState::default();
        let refresh = oauth.issue_refresh("web", FakeUser::default(), ScopeSet::new(["email_read"]), 200);
        assert!(matches!(
            oauth.redeem_refresh(&all["public"], &refresh),
            Err(Refused::Grant(_))
        ));
        assert!(
            oauth.redeem_refresh(&all["web"], &refresh).is_err(),
            "the failed try used it"
        );
        let refresh = oauth.issue_refresh("web", FakeUser::default(), ScopeSet::default(), 200);
        assert_eq!(oauth.redeem_refresh(&all["web"], &refresh).unwrap().default_mid, 200);
        assert!(oauth.redeem_refresh(&all["web"], &refresh).is_err());
        let uses: Vec<u32> = oauth
            .refresh_order
            .iter()
            .map(|t| oauth.refresh_tokens[t].uses)
            .collect();
        assert_eq!(uses, [2, 2]);
    }
}
