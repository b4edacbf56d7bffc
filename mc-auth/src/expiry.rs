//! When a client secret expires, and which of a client's two secrets is meant: the values that
//! configuration, errors and statistics share about secret rotation.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// How long before a configured expiry a client starts warning (a WARN log line at most once a
/// day, and [`Stats::secret_expires_soon`](crate::Stats::secret_expires_soon)).
pub const SECRET_EXPIRY_WARNING: Duration = Duration::from_secs(14 * 24 * 60 * 60);

/// When an installed package's client secret expires, as Setup > Apps > Installed Packages
/// shows it (column "Client Secret Expires"; Marketing Cloud expires secrets 180 days after
/// they are generated).
///
/// Parsed from an RFC 3339 date (`2027-05-31`, read as the start of that day in UTC, the
/// cautious reading) or date-time (`2027-05-31T12:00:00Z`, `2027-05-31T14:00:00+02:00`).
///
/// ```
/// use mc_auth::SecretExpiry;
///
/// let day: SecretExpiry = "2027-05-31".parse().unwrap();
/// let exact: SecretExpiry = "2027-05-31T00:00:00Z".parse().unwrap();
/// assert_eq!(day, exact);
/// assert_eq!(day.to_string(), "2027-05-31");
/// assert!("31/05/2027".parse::<SecretExpiry>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SecretExpiry {
    at: SystemTime,
}

impl SecretExpiry {
    /// An expiry at this wall-clock time.
    pub fn at(time: SystemTime) -> Self {
        SecretExpiry { at: time }
    }

    /// Parses an RFC 3339 date or date-time (see the type's docs).
    pub fn parse(text: &str) -> Result<Self, InvalidExpiry> {
        let t = text.trim();
        let invalid = || InvalidExpiry {
            given: t.chars().take(40).collect(),
        };
        if t.is_empty() || t.len() > 64 {
            return Err(invalid());
        }
        let full = if t.len() == 10 {
            format!("{t}T00:00:00Z")
        } else {
            t.to_owned()
        };
        let parsed = OffsetDateTime::parse(&full, &Rfc3339).map_err(|_| invalid())?;
        let nanos = parsed.unix_timestamp_nanos();
        let at = match u64::try_from(nanos) {
            Ok(n) => UNIX_EPOCH + Duration::from_nanos(n),
            Err(_) => return Err(invalid()),
        };
        Ok(SecretExpiry { at })
    }

    /// The wall-clock time of the expiry.
    pub fn system_time(&self) -> SystemTime {
        self.at
    }

    /// Milliseconds since the Unix epoch (what [`Clock`](crate::Clock) compares against).
    pub(crate) fn unix_millis(&self) -> u64 {
        self.at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}

impl From<SystemTime> for SecretExpiry {
    fn from(time: SystemTime) -> Self {
        SecretExpiry::at(time)
    }
}

impl FromStr for SecretExpiry {
    type Err = InvalidExpiry;
    /// See [`SecretExpiry::parse`].
    fn from_str(s: &str) -> Result<Self, InvalidExpiry> {
        SecretExpiry::parse(s)
    }
}

impl fmt::Display for SecretExpiry {
    /// RFC 3339 in UTC: the date alone when the expiry is at midnight, else the date-time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nanos = self.at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let Ok(dt) = OffsetDateTime::from_unix_timestamp_nanos(nanos.try_into().unwrap_or(i128::MAX)) else {
            return f.write_str("a date beyond year 9999");
        };
        let dt = dt.replace_nanosecond(0).unwrap_or(dt);
        if dt.time() == time::Time::MIDNIGHT {
            write!(f, "{:04}-{:02}-{:02}", dt.year(), u8::from(dt.month()), dt.day())
        } else {
            match dt.format(&Rfc3339) {
                Ok(s) => f.write_str(&s),
                Err(_) => f.write_str("a date beyond year 9999"),
            }
        }
    }
}

/// A secret expiry that is not an RFC 3339 date or date-time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{given}` is not an RFC 3339 date (2027-05-31) or date-time (2027-05-31T12:00:00Z); copy the date from the package's \"Client Secret Expires\" column in Setup > Apps > Installed Packages")]
pub struct InvalidExpiry {
    /// What was given (at most 40 characters).
    pub given: String,
}

/// Which of a client's two secrets: the active one (`client_secret`, `MC_CLIENT_SECRET`) or
/// the staged one (`client_secret_staged`, `MC_CLIENT_SECRET_STAGED`). Logs and errors name a
/// secret only by its position, never by its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecretPosition {
    /// The active secret: `client_secret`, `MC_CLIENT_SECRET`.
    Active,
    /// The staged secret: `client_secret_staged`, `MC_CLIENT_SECRET_STAGED`.
    Staged,
}

impl SecretPosition {
    /// `"active"` or `"staged"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SecretPosition::Active => "active",
            SecretPosition::Staged => "staged",
        }
    }

    /// The other position.
    pub fn other(&self) -> SecretPosition {
        match self {
            SecretPosition::Active => SecretPosition::Staged,
            SecretPosition::Staged => SecretPosition::Active,
        }
    }
}

impl fmt::Display for SecretPosition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A client secret that the token endpoint refused with `invalid_client`, as
/// [`Error::OAuth`](crate::Error::OAuth) reports it: which one, and its configured expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefusedSecret {
    /// Which secret was refused.
    pub position: SecretPosition,
    /// Its configured expiry, if one was configured.
    pub expires: Option<SecretExpiry>,
    /// True when that expiry had passed when the secret was refused.
    pub expired: bool,
}

/// The hint of an `invalid_client` error after these secrets were refused.
pub(crate) fn refused_hint(refused: &[RefusedSecret]) -> String {
    let mut parts: Vec<String> = refused
        .iter()
        .map(|r| match (r.expires, r.expired) {
            (Some(e), true) => format!("the {} client secret expired on {e}", r.position),
            _ => format!("the {} client secret was refused", r.position),
        })
        .collect();
    if refused.len() == 1 {
        parts.push("no other secret is configured (set MC_CLIENT_SECRET_STAGED, or call client.stage_secret, to have one tried)".to_owned());
    }
    let mut advice = Vec::new();
    if refused.iter().any(|r| r.expired) {
        advice.push("an expired secret cannot be renewed: generate a new one in Setup > Apps > Installed Packages > the package (Rotate Secret), deploy it with MC_CLIENT_SECRET or client.rotate_secret, then activate it");
    }
    if refused.iter().any(|r| !r.expired) {
        advice.push("a secret that has not expired may have been revoked (Marketing Cloud revokes a secret at once when it detects it leaked, for example in a public repository) or rotated (activating a staged secret deactivates the previous one): check the client id and secret against the package in Setup > Apps > Installed Packages, and that the package is enabled and installed, then deploy the current secret with MC_CLIENT_SECRET or client.rotate_secret");
    }
    format!("{}; {}", parts.join(", "), advice.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_date_times() {
        let day = SecretExpiry::parse("2027-05-31").unwrap();
        assert_eq!(day.unix_millis(), 1_811_721_600_000);
        assert_eq!(day.to_string(), "2027-05-31");
        let offset = SecretExpiry::parse(" 2027-05-31T14:30:00+02:00 ").unwrap();
        assert_eq!(offset.unix_millis(), 1_811_721_600_000 + 12 * 3_600_000 + 30 * 60_000);
        assert_eq!(offset.to_string(), "2027-05-31T12:30:00Z");
        let frac = SecretExpiry::parse("2027-05-31T12:00:00.250Z").unwrap();
        assert_eq!(frac.unix_millis(), 1_811_721_600_000 + 12 * 3_600_000 + 250);
        for bad in [
            "",
            "tomorrow",
            "2027-13-01",
            "2027-02-30",
            "31/05/2027",
            "2027-05-31T25:00:00Z",
            "2027-05-31 12:00",
            "1969-12-31",
            "20270531",
            "2027-05-31T12:00:00",
        ] {
            let err = SecretExpiry::parse(bad).unwrap_err();
            assert!(err.to_string().contains("RFC 3339"), "{bad}: {err}");
        }
        let long = "9".repeat(10_000);
        assert!(SecretExpiry::parse(&long).unwrap_err().given.len() <= 40);
    }
}
