//! The redirect back from `/v2/authorize`: `code`, `state`, `tssd`, or `error`.

use std::fmt;

use url::Url;

use crate::error::{Error, Result};
use crate::secret::AuthorizationCode;

/// A successful authorization redirect, parsed. Check `state` with
/// [`PendingAuthorization`](super::PendingAuthorization) before using the code (the app types
/// do this for you).
#[non_exhaustive]
pub struct Callback {
    /// The authorization code (single use, lives 5 minutes).
    pub code: AuthorizationCode,
    /// The `state` as returned.
    pub state: String,
    /// The end customer's tenant subdomain (AppExchange apps), already validated.
    pub tssd: Option<String>,
}

impl fmt::Debug for Callback {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Callback")
            .field("code", &self.code)
            .field("state", &"<redacted>")
            .field("tssd", &self.tssd)
            .finish()
    }
}

impl Callback {
    /// Parses a full redirect URL (`https://app.example.com/callback?code=...`) or just its
    /// query string (with or without the leading `?`).
    ///
    /// An error redirect (`error=access_denied&error_description=...`) becomes
    /// [`Error::AuthorizationDenied`]; a missing or repeated parameter or an invalid `tssd`
    /// becomes [`Error::Callback`].
    ///
    /// ```
    /// let cb = mc_auth::web::Callback::parse("https://127.0.0.1/cb?code=abc&state=xyz&tssd=mc1234").unwrap();
    /// assert_eq!(cb.state, "xyz");
    /// assert_eq!(cb.tssd.as_deref(), Some("mc1234"));
    /// ```
    pub fn parse(input: &str) -> Result<Callback> {
        let input = input.trim();
        let query = if input.contains("://") {
            let url = Url::parse(input).map_err(|e| problem(format!("the redirect URL could not be parsed ({e})")))?;
            url.query().unwrap_or("").to_owned()
        } else {
            input.trim_start_matches('?').to_owned()
        };
        let mut code = None;
        let mut state = None;
        let mut tssd = None;
        let mut error = None;
        let mut description = None;
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*key {
                "code" => &mut code,
                "state" => &mut state,
                "tssd" => &mut tssd,
                "error" => &mut error,
                "error_description" => &mut description,
                _ => continue,
            };
            if slot.is_some() {
                return Err(problem(format!("the parameter `{key}` appears more than once")));
            }
            *slot = Some(value.into_owned());
        }
        if let Some(error) = error {
            return Err(Error::AuthorizationDenied { error, description });
        }
        let code = code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| problem("it has no `code` parameter".into()))?;
        let state = state.ok_or_else(|| problem("it has no `state` parameter".into()))?;
        if let Some(t) = &tssd {
            validate_tssd(t)?;
        }
        Ok(Callback {
            code: AuthorizationCode::new(code),
            state,
            tssd,
        })
    }
}

/// Checks a `tssd` value: 1 to 63 characters from `[a-zA-Z0-9-]`.
pub fn validate_tssd(tssd: &str) -> Result<()> {
    if tssd.is_empty() || tssd.len() > 63 || !tssd.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(problem(format!(
            "the `tssd` value {:?} is not a tenant subdomain (only letters, digits and `-` are allowed)",
            tssd.chars().take(70).collect::<String>()
        )));
    }
    Ok(())
}

fn problem(p: String) -> Error {
    Error::Callback { problem: p }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_url_and_query_string_alike() {
        for input in [
            "https://127.0.0.1:80/?code=c1&state=s1",
            "?code=c1&state=s1",
            "code=c1&state=s1",
        ] {
            let cb = Callback::parse(input).unwrap();
            assert_eq!(cb.code.expose_secret(), "c1");
            assert_eq!(cb.state, "s1");
            assert_eq!(cb.tssd, None);
        }
    }

    #[test]
    fn error_redirects_are_typed() {
        match Callback::parse("?error=access_denied&error_description=User%20said%20no&state=s") {
            Err(Error::AuthorizationDenied { error, description }) => {
                assert_eq!(error, "access_denied");
                assert_eq!(description.as_deref(), Some("User said no"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bad_redirects_are_refused() {
        for bad in [
            "?state=s",
            "?code=&state=s",
            "?code=c",
            "?code=c&state=s&state=t",
            "?code=c&state=s&tssd=evil.com",
            "?code=c&state=s&tssd=a%2Fb",
            "?code=c&state=s&tssd=",
            "https://[::1",
        ] {
            assert!(
                matches!(Callback::parse(bad), Err(Error::Callback { .. })),
                "{bad} accepted"
            );
        }
    }

    #[test]
    fn debug_hides_the_code() {
        let cb = Callback::parse("?code=secretcode123&state=s").unwrap();
        assert!(!format!("{cb:?}").contains("secretcode123"));
    }
}
