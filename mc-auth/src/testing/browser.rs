//! Playing the browser of a web-app sign-in: [`FakeMarketingCloud::authorize`](super::FakeMarketingCloud::authorize).

use std::fmt;

/// Where the fake's `/v2/authorize` sent the browser back to: the app's redirect URI with
/// `code`, `state` and `tssd` (or `error` and `error_description`) in its query. Made by
/// [`FakeMarketingCloud::authorize`](super::FakeMarketingCloud::authorize).
///
/// Debug output hides the code.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizeRedirect {
    url: String,
    query: Vec<(String, String)>,
}

impl AuthorizeRedirect {
    pub(super) fn new(url: String) -> Self {
        let query = url
            .split_once('?')
            .map(|(_, q)| q.split_once('#').map_or(q, |(q, _)| q))
            .map(|q| url::form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        AuthorizeRedirect { url, query }
    }

    /// The whole redirect URL, as the `Location` header had it: what the app's callback
    /// receives (pass it to [`App::complete`](crate::web::App::complete)).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The value of a query parameter of the redirect, decoded (the first, if repeated).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The authorization code, when the user approved.
    pub fn code(&self) -> Option<&str> {
        self.param("code")
    }

    /// The `state` the authorize URL carried, echoed back.
    pub fn state(&self) -> Option<&str> {
        self.param("state")
    }

    /// The tenant-specific subdomain (`tssd`) MC adds for AppExchange apps (see
    /// [`AuthorizingUser::tssd`](super::AuthorizingUser::tssd)).
    pub fn tssd(&self) -> Option<&str> {
        self.param("tssd")
    }

    /// The OAuth `error` code, when the fake refused (for example `unauthorized_client`).
    pub fn error(&self) -> Option<&str> {
        self.param("error")
    }
}

impl AsRef<str> for AuthorizeRedirect {
    fn as_ref(&self) -> &str {
        &self.url
    }
}

impl fmt::Debug for AuthorizeRedirect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = self.url.split_once('?').map_or(self.url.as_str(), |(b, _)| b);
        f.debug_struct("AuthorizeRedirect")
            .field("redirect_uri", &base)
            .field("code", &self.code().map(|_| "<redacted>"))
            .field("state", &self.state())
            .field("tssd", &self.tssd())
            .field("error", &self.error())
            .finish()
    }
}
