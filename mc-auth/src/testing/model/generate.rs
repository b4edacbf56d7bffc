//! What the model makes up: ids, secrets and timestamps, and MC's text form of a JSON value.
//! Plain functions with no HTTP in them, used by every family of the model (and re-exported
//! to the wire through `testing::util`).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// A random alphanumeric string of `len` characters (opaque tokens, client ids).
pub(crate) fn random_alphanumeric(len: usize) -> String {
    std::iter::repeat_with(fastrand::alphanumeric).take(len).collect()
}

/// A random lower-case alphanumeric string of `len` characters (client ids look like this in MC).
pub(crate) fn random_lower(len: usize) -> String {
    const CHARS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..len)
        .map(|_| char::from(CHARS[fastrand::usize(..CHARS.len())]))
        .collect()
}

/// A random UUID-shaped string, as MC uses for `requestId`.
pub(crate) fn request_id() -> String {
    let v = fastrand::u128(..);
    let h = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Seconds since the Unix epoch (wall clock: only used for informational fields).
pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The current UTC time as `YYYY-MM-DDTHH:MM:SSZ` (informational fields only).
pub(crate) fn now_rfc3339() -> String {
    let secs = unix_now();
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// A value as text, the way MC shows it in SOAP and compares it: `None` for null.
pub(crate) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Bool(true) => Some("True".to_owned()),
        Value::Bool(false) => Some("False".to_owned()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_the_right_shape() {
        assert_eq!(request_id().len(), 36);
        assert_eq!(random_alphanumeric(64).len(), 64);
        assert!(random_lower(24)
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        assert_eq!(now_rfc3339().len(), 20);
    }

    #[test]
    fn text_is_what_mc_shows() {
        assert_eq!(text_of(&Value::Null), None);
        assert_eq!(text_of(&Value::Bool(true)).as_deref(), Some("True"));
        assert_eq!(text_of(&serde_json::json!(12)).as_deref(), Some("12"));
        assert_eq!(text_of(&serde_json::json!("a<&")).as_deref(), Some("a<&"));
    }
}
