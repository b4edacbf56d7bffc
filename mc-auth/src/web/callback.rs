//! The redirect back from `/v2/authorize`: `code`, `state`, `tssd`, or `error`.

use std::fmt;

use url::Url;

use super::state::CsrfState;
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
    /// This does not check `state` (the app types do, before believing anything in the
    /// redirect). An error redirect (`error=access_denied&error_description=...`) becomes
    /// [`Error::AuthorizationDenied`], its texts cut to a bounded length and stripped of
    /// control characters; a missing or repeated parameter or an invalid `tssd` becomes
    /// [`Error::Callback`].
    ///
    /// ```
    /// let cb = mc_auth::web::Callback::parse("https://127.0.0.1/cb?code=abc&state=xyz&tssd=mc1234").unwrap();
    /// assert_eq!(cb.state, "xyz");
    /// assert_eq!(cb.tssd.as_deref(), Some("mc1234"));
    /// ```
    pub fn parse(input: &str) -> Result<Callback> {
        Params::parse(input)?.into_callback()
    }
}

/// Parses a redirect and checks its `state` against the one sent, before anything else in it
/// is believed: a redirect with a missing or different `state` is an [`Error::Callback`] (a
/// forged or stale redirect), whatever else it says, and an `error=` in it is not repeated.
/// Only a redirect carrying the pending state can become [`Error::AuthorizationDenied`] or a
/// [`Callback`]. The comparison is constant-time ([`CsrfState::matches`]).
pub(crate) fn parse_checked(input: &str, expected: &CsrfState) -> Result<Callback> {
    let params = Params::parse(input)?;
    let what = if params.error.is_some() {
        "an error redirect"
    } else {
        "the redirect"
    };
    match &params.state {
        None => Err(problem(format!(
            "{what} has no `state` parameter, so it cannot be tied to the authorization started here (a forged or stale redirect; anything else it says was ignored)"
        ))),
        Some(state) if !expected.matches(state) => Err(problem(format!(
            "the `state` of {what} does not match the one sent (a forged or stale redirect; anything else it says was ignored)"
        ))),
        Some(_) => params.into_callback(),
    }
}

/// True when the redirect's query string (`a=b&...`, not a whole URL) carries exactly one `state`, equal (constant time) to
/// `expected`. Nothing else in the query is looked at.
#[cfg(feature = "loopback")]
pub(crate) fn state_matches(query: &str, expected: &CsrfState) -> bool {
    let mut states = url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .filter(|(key, _)| key == "state")
        .map(|(_, value)| value);
    match (states.next(), states.next()) {
        (Some(state), None) => expected.matches(&state),
        _ => false,
    }
}

/// Longest `error` value kept from an error redirect, in characters.
const MAX_ERROR: usize = 64;
/// Longest `error_description` kept from an error redirect, in characters.
const MAX_DESCRIPTION: usize = 300;

/// The redirect's parameters, not yet believed.
struct Params {
    code: Option<String>,
    state: Option<String>,
    tssd: Option<String>,
    error: Option<String>,
    description: Option<String>,
}

impl Params {
    fn parse(input: &str) -> Result<Params> {
        let input = input.trim();
        let query = if input.contains("://") {
            let url = Url::parse(input).map_err(|e| problem(format!("the redirect URL could not be parsed ({e})")))?;
            url.query().unwrap_or("").to_owned()
        } else {
            input.trim_start_matches('?').to_owned()
        };
        let mut p = Params {
            code: None,
            state: None,
            tssd: None,
            error: None,
            description: None,
        };
        for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
            let slot = match &*key {
                "code" => &mut p.code,
                "state" => &mut p.state,
                "tssd" => &mut p.tssd,
                "error" => &mut p.error,
                "error_description" => &mut p.description,
                _ => continue,
            };
            if slot.is_some() {
                return Err(problem(format!("the parameter `{key}` appears more than once")));
            }
            *slot = Some(value.into_owned());
        }
        Ok(p)
    }

    fn into_callback(self) -> Result<Callback> {
        if let Some(error) = self.error {
            return Err(Error::AuthorizationDenied {
                error: clean(&error, MAX_ERROR),
                description: self.description.map(|d| clean(&d, MAX_DESCRIPTION)),
            });
        }
        let code = self
            .code
            .filter(|c| !c.is_empty())
            .ok_or_else(|| problem("it has no `code` parameter".into()))?;
        let state = self
            .state
            .ok_or_else(|| problem("it has no `state` parameter".into()))?;
        if let Some(t) = &self.tssd {
            validate_tssd(t)?;
        }
        Ok(Callback {
            code: AuthorizationCode::new(code),
            state,
            tssd: self.tssd,
        })
    }
}

/// Text from the redirect made safe to show: control characters dropped, at most `max`
/// characters kept (an ellipsis marks a cut).
fn clean(text: &str, max: usize) -> String {
    let mut out: String = text.chars().filter(|c| !c.is_control()).take(max + 1).collect();
    if out.chars().count() > max {
        out = out.chars().take(max).collect();
        out.push('…');
    }
    out
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
    fn the_state_is_checked_before_an_error_is_believed() {
        let sent = CsrfState::new("s1").unwrap();
        for forged in [
            "?error=access_denied&error_description=Call%20us&state=s2",
            "?error=access_denied&error_description=Call%20us",
            "?error=access_denied&state=s1x",
        ] {
            match parse_checked(forged, &sent) {
                Err(Error::Callback { problem }) => {
                    assert!(problem.contains("forged or stale"), "{problem}");
                    assert!(
                        !problem.contains("Call us") && !problem.contains("access_denied"),
                        "{problem}"
                    );
                }
                other => panic!("{forged}: {other:?}"),
            }
        }
        assert!(matches!(
            parse_checked("?error=access_denied&state=s1", &sent),
            Err(Error::AuthorizationDenied { .. })
        ));
        assert!(matches!(
            parse_checked("?code=c&state=s2", &sent),
            Err(Error::Callback { .. })
        ));
        assert_eq!(
            parse_checked("?code=c&state=s1", &sent).unwrap().code.expose_secret(),
            "c"
        );
    }

    #[test]
    fn error_texts_are_bounded_and_without_control_characters() {
        let long = "d".repeat(10_000);
        let input = format!("?error=bad%0A%1B{long}&error_description=a%0D%0Ab%00{long}&state=s");
        match Callback::parse(&input) {
            Err(Error::AuthorizationDenied { error, description }) => {
                let description = description.unwrap();
                assert!(error.starts_with("badddd") && error.ends_with('…'), "{error}");
                assert_eq!(error.chars().count(), MAX_ERROR + 1);
                assert!(description.starts_with("abddd"), "{description}");
                assert_eq!(description.chars().count(), MAX_DESCRIPTION + 1);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(clean("short", 10), "short");
        assert_eq!(clean("exactly10!", 10), "exactly10!");
    }

    #[test]
    fn debug_hides_the_code() {
        let cb = Callback::parse("?code=secretcode123&state=s").unwrap();
        assert!(!format!("{cb:?}").contains("secretcode123"));
    }
}
