//! Where tokens may go: the auth base URL, instance URLs, and the host policy.
//!
//! A token is only ever sent to HTTPS hosts under `marketingcloudapis.com`, or to loopback when
//! the auth URL itself is loopback (emulators and tests). Plain HTTP is refused for every other
//! host, and the REST and SOAP instance URLs returned by the token endpoint obey the same rule.

use std::net::IpAddr;

use url::{Host, Url};

use crate::error::{Error, Result};

/// The domain under which every Marketing Cloud API host lives.
pub const MC_DOMAIN: &str = "marketingcloudapis.com";

/// `https://{subdomain}.auth.marketingcloudapis.com`.
pub(crate) fn auth_host_url(subdomain: &str) -> String {
    format!("https://{subdomain}.auth.{MC_DOMAIN}")
}

/// Which hosts may receive a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct HostPolicy {
    /// Loopback hosts (over HTTP or HTTPS) are allowed: the auth URL is loopback.
    pub loopback: bool,
}

impl HostPolicy {
    /// Refuses `url` unless a token may be sent there.
    pub fn check(&self, url: &Url) -> Result<()> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err(Error::untrusted(
                redact_userinfo(url),
                "URLs with user information are not accepted",
            ));
        }
        if self.loopback && is_loopback(url) {
            return match url.scheme() {
                "http" | "https" => Ok(()),
                other => Err(Error::untrusted(url.as_str(), format!("scheme `{other}` is not HTTP"))),
            };
        }
        if url.scheme() != "https" {
            return Err(Error::untrusted(
                url.as_str(),
                if url.scheme() == "http" {
                    "plain HTTP is refused for non-loopback hosts".to_owned()
                } else {
                    format!("scheme `{}` is not HTTPS", url.scheme())
                },
            ));
        }
        match url.host() {
            Some(Host::Domain(d)) if is_mc_host(d) => Ok(()),
            _ => Err(Error::untrusted(
                url.as_str(),
                format!("the host is not under {MC_DOMAIN}"),
            )),
        }
    }
}

fn redact_userinfo(url: &Url) -> String {
    let mut u = url.clone();
    let _ = u.set_username("");
    let _ = u.set_password(None);
    u.to_string()
}

fn is_mc_host(domain: &str) -> bool {
    let d = domain.trim_end_matches('.').to_ascii_lowercase();
    d.len() > MC_DOMAIN.len() + 1 && d.ends_with(MC_DOMAIN) && d.as_bytes()[d.len() - MC_DOMAIN.len() - 1] == b'.'
}

/// True for `127.0.0.0/8`, `::1` and `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

/// A validated base URL (scheme, host, port and an optional path prefix, no trailing slash).
///
/// Kept parsed as well as as text, so that a request URL is made by setting the path on a copy
/// of the base: the host is never parsed again, and nothing in the path can change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUrl {
    text: String,
    url: Url,
}

impl BaseUrl {
    fn from_url(url: &Url) -> Result<Self> {
        if url.query().is_some() || url.fragment().is_some() {
            return Err(Error::untrusted(
                url.as_str(),
                "a base URL may not have a query or fragment",
            ));
        }
        Ok(BaseUrl {
            text: url.as_str().trim_end_matches('/').to_owned(),
            url: url.clone(),
        })
    }

    /// The base as a string, without trailing slash.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `base + path` (an optional `?query` included); `path` must start with `/`.
    pub fn join(&self, path: &str) -> Result<Url> {
        check_path(path)?;
        Ok(self.join_checked(path))
    }

    /// [`join`](Self::join) for a path that [`check_path`] has already accepted.
    pub fn join_checked(&self, path: &str) -> Url {
        debug_assert!(check_path(path).is_ok(), "unchecked path {path:?}");
        let (path, query) = match path.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (path, None),
        };
        let mut url = self.url.clone();
        let prefix = self.url.path().trim_end_matches('/');
        if prefix.is_empty() {
            url.set_path(path);
        } else {
            url.set_path(&format!("{prefix}{path}"));
        }
        url.set_query(query);
        url
    }
}

/// A path given by the caller, appended to an instance URL. It must start with `/`, and cannot
/// name another host.
pub(crate) fn check_path(path: &str) -> Result<()> {
    if !path.starts_with('/') || path.starts_with("//") {
        return Err(Error::config(
            "path",
            format!("`{path}` must start with a single `/` (a path under the instance URL, like `/messaging/v1/email/definitions`)"),
        ));
    }
    if path.bytes().any(|b| matches!(b, b'\r' | b'\n' | b' ' | b'#' | b'\\')) {
        return Err(Error::config(
            "path",
            format!(
                "`{}` contains a space, newline, `#` or `\\`; percent-encode user values in paths",
                path.escape_debug()
            ),
        ));
    }
    if path.split(['/', '?']).any(is_dot_segment) {
        return Err(Error::config(
            "path",
            format!(
                "`{}` has a `.` or `..` segment (perhaps percent-encoded, like `%2e%2e`), which would leave the intended path; percent-encode user values in paths, and do not use `.` or `..` as one",
                path.escape_debug()
            ),
        ));
    }
    Ok(())
}

/// True for a segment that URL parsers treat as `.` or `..`: the dots may be percent-encoded
/// (`%2e`, `%2E`), in any mix.
pub(crate) fn is_dot_segment(segment: &str) -> bool {
    let mut rest = segment.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        match rest {
            [b'.', tail @ ..] => rest = tail,
            [b'%', b'2', b'e' | b'E', tail @ ..] => rest = tail,
            _ => return false,
        }
        dots += 1;
    }
    matches!(dots, 1 | 2)
}

/// The auth base URL, with whether it is loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthBase {
    pub base: BaseUrl,
    pub policy: HostPolicy,
}

impl AuthBase {
    /// Parses and checks an auth URL (`https://{sub}.auth.marketingcloudapis.com` or loopback).
    pub fn parse(raw: &str) -> Result<Self> {
        let url =
            Url::parse(raw.trim()).map_err(|e| Error::config("auth_url", format!("`{raw}` is not a URL ({e})")))?;
        let policy = HostPolicy {
            loopback: is_loopback(&url),
        };
        policy.check(&url)?;
        Ok(AuthBase {
            base: BaseUrl::from_url(&url)?,
            policy,
        })
    }
}

/// Normalises a `rest_instance_url` / `soap_instance_url` from a token response: a bare host
/// (`mcXXXX.rest.marketingcloudapis.com`) or a full URL with scheme and trailing slash. The
/// result is checked against `policy`.
pub(crate) fn normalise_instance_url(raw: &str, policy: HostPolicy) -> Result<BaseUrl> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Error::untrusted("(empty)", "the instance URL is empty"));
    }
    let with_scheme = if raw.contains("://") {
        raw.to_owned()
    } else {
        format!("https://{raw}")
    };
    let url = Url::parse(&with_scheme).map_err(|e| Error::untrusted(raw, format!("not a URL ({e})")))?;
    policy.check(&url)?;
    BaseUrl::from_url(&url)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MC: HostPolicy = HostPolicy { loopback: false };
    const LOOP: HostPolicy = HostPolicy { loopback: true };

    #[test]
    fn bare_host_and_full_url_normalise_alike() {
        let a = normalise_instance_url("mc563885gzs27c5t9-63k636tzgm.rest.marketingcloudapis.com", MC).unwrap();
        let b =
            normalise_instance_url("https://mc563885gzs27c5t9-63k636tzgm.rest.marketingcloudapis.com/", MC).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            a.as_str(),
            "https://mc563885gzs27c5t9-63k636tzgm.rest.marketingcloudapis.com"
        );
        assert_eq!(
            a.join("/v2/userinfo").unwrap().as_str(),
            "https://mc563885gzs27c5t9-63k636tzgm.rest.marketingcloudapis.com/v2/userinfo"
        );
    }

    #[test]
    fn joined_urls_keep_the_host_prefix_and_query() {
        let host = "mc563885gzs27c5t9-63k636tzgm.rest.marketingcloudapis.com";
        let a = normalise_instance_url(host, MC).unwrap();
        assert!(a.join("/\\evil.example.com/x").is_err(), "backslashes are refused");
        for path in ["/%2F%2Fevil.example.com", "/@evil.example.com", "/a:b@evil.example.com"] {
            assert_eq!(a.join(path).unwrap().host_str(), Some(host), "{path}");
        }
        assert_eq!(
            a.join("/data/v1/rows?$page=2&$pageSize=50").unwrap().as_str(),
            format!("https://{host}/data/v1/rows?$page=2&$pageSize=50")
        );
        let prefixed = normalise_instance_url("http://127.0.0.1:9/mc/", LOOP).unwrap();
        assert_eq!(prefixed.as_str(), "http://127.0.0.1:9/mc");
        assert_eq!(
            prefixed.join("/v2/token?a=b").unwrap().as_str(),
            "http://127.0.0.1:9/mc/v2/token?a=b"
        );
    }

    #[test]
    fn foreign_and_plain_http_hosts_are_refused() {
        for bad in [
            "https://evil.example.com/",
            "evil.com",
            "http://mcx.rest.marketingcloudapis.com/",
            "https://marketingcloudapis.com.evil.com/",
            "https://evilmarketingcloudapis.com/",
            "https://user:pw@mcx.rest.marketingcloudapis.com/",
            "http://127.0.0.1:8080/",
            "ftp://mcx.rest.marketingcloudapis.com/",
        ] {
            assert!(normalise_instance_url(bad, MC).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn loopback_only_when_auth_is_loopback() {
        assert!(normalise_instance_url("http://127.0.0.1:8080/", LOOP).is_ok());
        assert!(normalise_instance_url("http://[::1]:8080/", LOOP).is_ok());
        assert!(normalise_instance_url("http://example.com/", LOOP).is_err());
        assert!(normalise_instance_url("https://mcx.rest.marketingcloudapis.com", LOOP).is_ok());
    }

    #[test]
    fn auth_base_rules() {
        assert!(AuthBase::parse("https://mc563885gzs27c5t9-63k636tzgm.auth.marketingcloudapis.com/").is_ok());
        assert!(AuthBase::parse("http://127.0.0.1:1234").unwrap().policy.loopback);
        assert!(AuthBase::parse("http://mcx.auth.marketingcloudapis.com").is_err());
        assert!(AuthBase::parse("https://auth.example.com").is_err());
        assert!(AuthBase::parse("not a url").is_err());
    }

    #[test]
    fn paths_must_stay_under_the_base() {
        assert!(check_path("/a/b?x=1").is_ok());
        for bad in [
            "a/b",
            "//evil.com/x",
            "/a/../b",
            "/a b",
            "/a\nb",
            "/a#b",
            "/a/%2e%2e/b",
            "/a/.%2E",
            "/a/%2E.",
            "/a/%2e",
            "/a/.",
            "/a/./b",
            "/a/..\\b",
            "/a/.\\b",
            "/a\\b",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?} accepted");
        }
        for good in [
            "/a/..b",
            "/a/.b",
            "/a/b.",
            "/a/...",
            "/a/%2e%2e%2e",
            "/a/%2ex",
            "/a/%252e%252e",
        ] {
            assert!(check_path(good).is_ok(), "{good:?} refused");
        }
    }

    #[test]
    fn no_accepted_path_leaves_the_base_prefix() {
        // Whatever check_path accepts, the url crate keeps under the prefix.
        let base = normalise_instance_url("http://127.0.0.1:9/mc/v1", LOOP).unwrap();
        let pieces = [".", "..", "%2e", "%2E", "\\", "/", "a", "%2f", "?"];
        for a in pieces {
            for b in pieces {
                for c in pieces {
                    let path = format!("/{a}{b}/{c}");
                    if check_path(&path).is_ok() {
                        let url = base.join_checked(&path);
                        assert!(url.path().starts_with("/mc/v1/"), "{path:?} became {url}");
                    }
                }
            }
        }
    }
}
