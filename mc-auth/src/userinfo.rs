//! `GET /v2/userinfo`: who a token belongs to.

use serde::Deserialize;

/// The answer of `GET /v2/userinfo` (no scope needed). Fields MC omits are `None` or empty.
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct UserInfo {
    /// Expiry of the token as a Unix timestamp.
    #[serde(default)]
    pub exp: Option<i64>,
    /// The issuer (the tenant's auth URL).
    #[serde(default)]
    pub iss: Option<String>,
    /// The user (for server-to-server packages, the API user).
    #[serde(default)]
    pub user: UserInfoUser,
    /// The organization (business unit) the token acts in.
    #[serde(default)]
    pub organization: UserInfoOrganization,
    /// Where the REST and SOAP APIs are.
    #[serde(default)]
    pub rest: UserInfoRest,
    /// The installed package.
    #[serde(default)]
    pub application: UserInfoApplication,
    /// The user's permissions, as MC lists them.
    #[serde(default)]
    pub permissions: Vec<serde_json::Value>,
}

/// `user` in [`UserInfo`].
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct UserInfoUser {
    /// User id.
    pub sub: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// User name.
    pub preferred_username: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Time zone (IANA).
    pub zoneinfo: Option<String>,
    /// Time zone details, as MC sends them.
    pub timezone: Option<serde_json::Value>,
}

/// `organization` in [`UserInfo`].
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct UserInfoOrganization {
    /// MID of the business unit.
    pub member_id: Option<u64>,
    /// MID of the enterprise (parent) account.
    pub enterprise_id: Option<u64>,
    /// Enterprise name.
    pub enterprise_name: Option<String>,
    /// Account type.
    pub account_type: Option<String>,
    /// Stack (for example `S7`).
    pub stack_key: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Locale.
    pub locale: Option<String>,
    /// Time zone (IANA).
    pub zoneinfo: Option<String>,
    /// Time zone details, as MC sends them.
    pub timezone: Option<serde_json::Value>,
}

/// `rest` in [`UserInfo`].
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct UserInfoRest {
    /// The REST instance URL.
    pub rest_instance_url: Option<String>,
    /// The SOAP instance URL.
    pub soap_instance_url: Option<String>,
}

/// `application` in [`UserInfo`].
#[derive(Debug, Clone, Default, Deserialize)]
#[non_exhaustive]
pub struct UserInfoApplication {
    /// Installed package id.
    pub id: Option<String>,
    /// Installed package name.
    pub name: Option<String>,
    /// Redirect URLs (web and public apps).
    #[serde(default, rename = "redirectUrl", alias = "redirectUrls")]
    pub redirect_urls: Vec<String>,
    /// Scopes of the package.
    #[serde(default, rename = "appScopes")]
    pub app_scopes: Vec<String>,
}
