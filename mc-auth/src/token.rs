//! Access tokens: the token endpoint's response, parsed and checked, and the timing rules
//! (refresh-ahead window, hard margin) that decide when a token is renewed.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::clock::{duration_ticks, Receipt};
use crate::credentials::AccountId;
use crate::endpoint::{normalise_instance_url, BaseUrl, HostPolicy};
use crate::error::{Error, Result};
use crate::scopes::ScopeSet;
use crate::secret::{wiped_bytes, AccessToken, RefreshToken};

/// Longest token lifetime accepted; longer `expires_in` values are clamped to it.
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// A successful token endpoint response, parsed but not yet checked against the host policy.
///
/// Unknown fields are ignored. `expires_in` must be a positive number of seconds; values over a
/// day are clamped to a day.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// `token_type`, normally `Bearer`.
    pub token_type: String,
    /// Lifetime from receipt.
    pub expires_in: Duration,
    /// The granted scopes.
    pub scope: ScopeSet,
    /// `rest_instance_url` as sent (bare host or URL).
    pub rest_instance_url: String,
    /// `soap_instance_url` as sent (bare host or URL).
    pub soap_instance_url: String,
    /// A refresh token (authorization-code and refresh grants only).
    pub refresh_token: Option<RefreshToken>,
}

#[derive(Deserialize)]
struct RawTokenResponse {
    access_token: Option<AccessToken>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    scope: Option<String>,
    rest_instance_url: Option<String>,
    soap_instance_url: Option<String>,
    refresh_token: Option<RefreshToken>,
}

impl TokenResponse {
    /// Parses a 200 response body from `POST /v2/token`.
    ///
    /// The error string says what is wrong (never quoting a token).
    ///
    /// ```
    /// let body = br#"{"access_token":"x","token_type":"Bearer","expires_in":1080,
    ///   "scope":"email_read","rest_instance_url":"mc1.rest.marketingcloudapis.com",
    ///   "soap_instance_url":"mc1.soap.marketingcloudapis.com"}"#;
    /// let t = mc_auth::TokenResponse::parse(body).unwrap();
    /// assert_eq!(t.expires_in.as_secs(), 1080);
    /// ```
    pub fn parse(body: &[u8]) -> std::result::Result<TokenResponse, String> {
        let raw: RawTokenResponse = serde_json::from_slice(body).map_err(|e| {
            if e.is_eof() {
                "the JSON body is truncated".to_owned()
            } else {
                format!("the body is not a JSON token response ({})", e.classify_name())
            }
        })?;
        let missing = |f: &str| format!("the token response has no `{f}`");
        let access_token = raw.access_token.ok_or_else(|| missing("access_token"))?;
        if access_token.is_empty() {
            return Err("the token response has an empty `access_token`".into());
        }
        let token_type = raw.token_type.unwrap_or_else(|| "Bearer".into());
        if !token_type.eq_ignore_ascii_case("bearer") {
            return Err(format!("`token_type` is `{token_type}`, expected `Bearer`"));
        }
        let expires_in = parse_expires_in(raw.expires_in.ok_or_else(|| missing("expires_in"))?)?;
        let scope = ScopeSet::parse(&raw.scope.ok_or_else(|| missing("scope"))?);
        let rest_instance_url = raw.rest_instance_url.ok_or_else(|| missing("rest_instance_url"))?;
        let soap_instance_url = raw.soap_instance_url.ok_or_else(|| missing("soap_instance_url"))?;
        Ok(TokenResponse {
            access_token,
            token_type,
            expires_in,
            scope,
            rest_instance_url,
            soap_instance_url,
            refresh_token: raw.refresh_token,
        })
    }
}

impl TokenResponse {
    /// A response rebuilt from a token store entry (its remaining lifetime as `expires_in`).
    pub(crate) fn stored(
        access_token: AccessToken,
        expires_in: Duration,
        scope: ScopeSet,
        rest_instance_url: String,
        soap_instance_url: String,
    ) -> Self {
        TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: expires_in.min(MAX_TOKEN_LIFETIME),
            scope,
            rest_instance_url,
            soap_instance_url,
            refresh_token: None,
        }
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "a field has the wrong type",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

fn parse_expires_in(v: serde_json::Value) -> std::result::Result<Duration, String> {
    let secs = match &v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
    .ok_or_else(|| "`expires_in` is not a number".to_owned())?;
    if !secs.is_finite() || secs < 1.0 {
        return Err(format!("`expires_in` is {secs}; a token must live at least one second"));
    }
    // Values too large for a `Duration` (found by fuzzing: 1e20) are clamped like any other
    // lifetime over a day.
    Ok(Duration::try_from_secs_f64(secs).map_or(MAX_TOKEN_LIFETIME, |d| d.min(MAX_TOKEN_LIFETIME)))
}

/// When tokens are renewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefreshPolicy {
    /// Inside this window before expiry one background refresh starts while callers keep using
    /// the still-valid token. Default: 5 minutes (minus up to a fifth, at random, so that many
    /// processes do not refresh in step).
    pub refresh_window: Duration,
    /// Inside this margin before expiry a token is no longer handed out: callers wait for a new
    /// one. Default: 30 seconds.
    pub hard_margin: Duration,
    /// Randomise the refresh window (on by default).
    pub jitter: bool,
}

impl Default for RefreshPolicy {
    fn default() -> Self {
        RefreshPolicy {
            refresh_window: Duration::from_secs(300),
            hard_margin: Duration::from_secs(30),
            jitter: true,
        }
    }
}

impl RefreshPolicy {
    /// Returns `(refresh_at, usable_until)` for a token received at `received` that lives
    /// `lifetime`. For short-lived tokens the hard margin shrinks to at most a tenth of the
    /// lifetime and the refresh window to at most half, so for any lifetime the background
    /// refresh starts well before callers would have to wait (a 5-second token: refresh from
    /// 2.5 s, usable until 4.5 s).
    pub(crate) fn schedule(&self, received: Instant, lifetime: Duration) -> (Instant, Instant) {
        let expires = received + lifetime;
        let usable_until = expires - self.hard_margin.min(lifetime / 10);
        let mut window = self.refresh_window.min(lifetime / 2);
        if self.jitter && !window.is_zero() {
            let fifth = window / 5;
            let cut = Duration::from_nanos(fastrand::u64(0..=u64::try_from(fifth.as_nanos()).unwrap_or(u64::MAX)));
            window -= cut;
        }
        let refresh_at = (expires - window).min(usable_until);
        (refresh_at, usable_until)
    }
}

/// An access token with everything needed to use it: where to send it, what it may do, and
/// when it must be renewed.
///
/// `Debug` never shows the token itself. A web or public app's refresh token is not kept here
/// (tokens are shared and cached); the user's grant holds its one live copy.
pub struct Token {
    pub(crate) access_token: AccessToken,
    /// `Bearer <access token>`, built once at receipt and marked sensitive.
    pub(crate) authorization: HeaderValue,
    pub(crate) scopes: ScopeSet,
    pub(crate) rest_base: BaseUrl,
    pub(crate) soap_base: BaseUrl,
    pub(crate) account_id: Option<AccountId>,
    pub(crate) received_at: Instant,
    pub(crate) expires_at: Instant,
    pub(crate) refresh_at: Instant,
    pub(crate) usable_until: Instant,
    /// `refresh_at` in [`Clock::ticks`](crate::Clock::ticks), for the cache's fast path.
    pub(crate) refresh_at_ticks: u64,
    /// `usable_until` in [`Clock::ticks`](crate::Clock::ticks).
    pub(crate) usable_until_ticks: u64,
}

impl Token {
    /// Checks a parsed response (instance URLs against the host policy) and schedules its
    /// renewal.
    pub(crate) fn from_response(
        resp: TokenResponse,
        account_id: Option<AccountId>,
        received: Receipt,
        policy: HostPolicy,
        refresh: &RefreshPolicy,
    ) -> Result<Token> {
        let rest_base =
            normalise_instance_url(&resp.rest_instance_url, policy).map_err(|e| in_field(e, "rest_instance_url"))?;
        let soap_base =
            normalise_instance_url(&resp.soap_instance_url, policy).map_err(|e| in_field(e, "soap_instance_url"))?;
        let authorization = bearer_header(&resp.access_token).ok_or_else(|| Error::UnexpectedResponse {
            status: 200,
            endpoint: "POST /v2/token".into(),
            problem: "the access token contains characters that cannot be sent in an HTTP header".into(),
            excerpt: String::new(),
        })?;
        let received_at = received.at;
        let (refresh_at, usable_until) = refresh.schedule(received_at, resp.expires_in);
        let refresh_at_ticks = received.ticks.saturating_add(duration_ticks(refresh_at - received_at));
        let usable_until_ticks = received
            .ticks
            .saturating_add(duration_ticks(usable_until - received_at));
        Ok(Token {
            access_token: resp.access_token,
            authorization,
            scopes: resp.scope,
            rest_base,
            soap_base,
            account_id,
            received_at,
            expires_at: received_at + resp.expires_in,
            refresh_at,
            usable_until,
            refresh_at_ticks,
            usable_until_ticks,
        })
    }

    /// The bearer token. See [`AccessToken::expose_secret`] before using it.
    pub fn access_token(&self) -> &AccessToken {
        &self.access_token
    }

    /// The scopes MC granted.
    pub fn scopes(&self) -> &ScopeSet {
        &self.scopes
    }

    /// The REST base URL, normalised (`https://{sub}.rest.marketingcloudapis.com`).
    pub fn rest_instance_url(&self) -> &str {
        self.rest_base.as_str()
    }

    /// The SOAP base URL, normalised (`https://{sub}.soap.marketingcloudapis.com`).
    pub fn soap_instance_url(&self) -> &str {
        self.soap_base.as_str()
    }

    /// The business unit this token acts in, when one was requested.
    pub fn account_id(&self) -> Option<AccountId> {
        self.account_id
    }

    /// When the token was received (monotonic clock).
    pub fn received_at(&self) -> Instant {
        self.received_at
    }

    /// When MC will stop accepting the token.
    pub fn expires_at(&self) -> Instant {
        self.expires_at
    }

    /// From this instant one background refresh starts.
    pub fn refresh_at(&self) -> Instant {
        self.refresh_at
    }

    /// After this instant the token is no longer handed out.
    pub fn usable_until(&self) -> Instant {
        self.usable_until
    }

    /// Lifetime as granted (`expires_in`, after clamping).
    pub fn lifetime(&self) -> Duration {
        self.expires_at - self.received_at
    }
}

/// The `Authorization` value for `token`, or `None` if the token cannot go in a header. Its
/// bytes are wiped when the last copy of the header value is dropped, like the token itself.
fn bearer_header(token: &AccessToken) -> Option<HeaderValue> {
    let secret = token.expose_secret();
    let mut value = Zeroizing::new(Vec::with_capacity("Bearer ".len() + secret.len()));
    value.extend_from_slice(b"Bearer ");
    value.extend_from_slice(secret.as_bytes());
    let mut header = HeaderValue::from_maybe_shared(wiped_bytes(value)).ok()?;
    header.set_sensitive(true);
    Some(header)
}

fn in_field(e: Error, field: &str) -> Error {
    match e {
        Error::UntrustedEndpoint { url, reason } => Error::UntrustedEndpoint {
            url,
            reason: format!("the token response's `{field}` points there: {reason}"),
        },
        other => other,
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &self.access_token)
            .field("scopes", &self.scopes)
            .field("rest_instance_url", &self.rest_base.as_str())
            .field("soap_instance_url", &self.soap_base.as_str())
            .field("account_id", &self.account_id)
            .field("lifetime", &self.lifetime())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(expires: &str) -> Vec<u8> {
        format!(r#"{{"access_token":"t","expires_in":{expires},"token_type":"Bearer","scope":"a b","rest_instance_url":"h","soap_instance_url":"h","extra":1}}"#).into_bytes()
    }

    #[test]
    fn expires_in_rules() {
        assert_eq!(
            TokenResponse::parse(&body("1080")).unwrap().expires_in,
            Duration::from_secs(1080)
        );
        assert_eq!(
            TokenResponse::parse(&body("\"1079\"")).unwrap().expires_in,
            Duration::from_secs(1079)
        );
        assert_eq!(
            TokenResponse::parse(&body("999999")).unwrap().expires_in,
            MAX_TOKEN_LIFETIME
        );
        assert!(TokenResponse::parse(&body("0")).unwrap_err().contains("expires_in"));
        assert!(TokenResponse::parse(&body("-5")).is_err());
        // Found by the fuzzer: a lifetime too large for a Duration used to panic.
        assert_eq!(
            TokenResponse::parse(&body("1e20")).unwrap().expires_in,
            MAX_TOKEN_LIFETIME
        );
        assert_eq!(
            TokenResponse::parse(&body("\"1e300\"")).unwrap().expires_in,
            MAX_TOKEN_LIFETIME
        );
        assert!(TokenResponse::parse(&body("null")).is_err());
    }

    #[test]
    fn missing_fields_are_named() {
        for field in [
            "access_token",
            "expires_in",
            "scope",
            "rest_instance_url",
            "soap_instance_url",
        ] {
            let mut v: serde_json::Value = serde_json::from_slice(&body("1080")).unwrap();
            v.as_object_mut().unwrap().remove(field);
            let err = TokenResponse::parse(v.to_string().as_bytes()).unwrap_err();
            assert!(err.contains(field), "{err}");
        }
        assert!(TokenResponse::parse(b"{\"access_token\":\"abc")
            .unwrap_err()
            .contains("truncated"));
        assert!(TokenResponse::parse(b"<html>").is_err());
    }

    #[test]
    fn schedule_keeps_margins_in_order() {
        let now = Instant::now();
        let p = RefreshPolicy::default();
        for _ in 0..100 {
            let (refresh_at, usable_until) = p.schedule(now, Duration::from_secs(1080));
            assert!(refresh_at >= now + Duration::from_secs(780), "window at most 5 min");
            assert!(refresh_at <= now + Duration::from_secs(840), "jitter at most a fifth");
            assert_eq!(usable_until, now + Duration::from_secs(1050));
        }
        // Short lifetimes keep a background window before the hard margin.
        for secs in [2, 5, 10, 60, 600] {
            let lifetime = Duration::from_secs(secs);
            let (r, u) = p.schedule(now, lifetime);
            assert_eq!(u, now + lifetime - Duration::from_secs(30).min(lifetime / 10));
            assert!(
                r + lifetime / 4 <= u,
                "{secs} s: refresh at {r:?} leaves no window before {u:?}"
            );
            assert!(r >= now + lifetime / 2);
        }
    }
}
