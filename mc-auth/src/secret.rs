//! Secret values: client secrets and tokens.
//!
//! Every secret lives in a newtype that
//! - prints as `Name(<redacted>)` under `Debug` and has no `Display`,
//! - has no `Deref`, so it cannot be used as a string by accident,
//! - is zeroized when dropped,
//! - gives its value only through an explicit [`expose_secret`](ClientSecret::expose_secret) call.

use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(Zeroizing::new(value.into()))
            }

            /// Returns the secret value.
            ///
            /// # Security
            /// Whatever you do with the returned string is outside mc-auth's protection: do not log
            /// it, print it, or put it in an error message.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }

            /// True when the secret is the empty string.
            pub fn is_empty(&self) -> bool {
                self.0.is_empty()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::new(value)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                String::deserialize(deserializer).map(Self::new)
            }
        }
    };
}

secret_type! {
    /// An installed package's client secret.
    ///
    /// ```
    /// let secret = mc_auth::ClientSecret::new("s3cr3t");
    /// assert_eq!(format!("{secret:?}"), "ClientSecret(<redacted>)");
    /// assert_eq!(secret.expose_secret(), "s3cr3t");
    /// ```
    ClientSecret
}

secret_type! {
    /// An OAuth access token, sent as `Authorization: Bearer ...`.
    AccessToken
}

secret_type! {
    /// An OAuth refresh token (authorization-code flows only; single use, it rotates).
    RefreshToken
}

secret_type! {
    /// An authorization code from the redirect (single use, lives 5 minutes).
    AuthorizationCode
}

/// `bytes` as a [`Bytes`](bytes::Bytes) that wipes its buffer when the last copy is dropped
/// (request bodies and header values that carry secrets).
pub(crate) fn wiped_bytes(bytes: Zeroizing<Vec<u8>>) -> bytes::Bytes {
    bytes::Bytes::from_owner(WipedOnDrop(bytes))
}

/// Bytes that are zeroized when dropped.
struct WipedOnDrop(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for WipedOnDrop {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Shortest secret removed by value: shorter strings would mangle ordinary text.
const MIN_SECRET_LEN: usize = 4;

/// Longest text [`Redactor::text`] reads: errors never need more, and a huge body must not
/// cost a huge amount of work. What is cut is beyond any excerpt, so a secret it splits is
/// never shown.
const MAX_TEXT: usize = 64 * 1024;

/// Replaces a removed secret.
pub(crate) const REDACTED: &str = "<redacted>";

/// The one path that makes text derived from a response (or from anything a server may echo)
/// safe to show in an error, a log line or a panic.
///
/// It holds every live secret of one client (client secret, cached access tokens, refresh
/// tokens, codes, PKCE verifiers, the token a request carried), and [`text`](Self::text)
/// applies, in this order:
/// 1. drops control characters (so a secret split by CR/LF is reassembled before step 2);
/// 2. removes every live secret, raw, JSON-escaped and percent-encoded;
/// 3. redacts the values of secret keys (`authorization`, `access_token`, `refresh_token`,
///    `client_secret`, `code`, `code_verifier`, `password`, `fueloauth`, and any key containing
///    `token` or `secret`) in JSON, XML and `key=value` / `key: value` text;
/// 4. redacts bearer-token-shaped strings (`Bearer x`, JWTs, long opaque runs).
///
/// Its buffers of secrets are wiped when it is dropped.
#[derive(Default)]
pub(crate) struct Redactor {
    live: Vec<Zeroizing<String>>,
}

impl Redactor {
    /// A redactor that knows no live secret (it still applies steps 1, 3 and 4).
    pub fn new() -> Self {
        Redactor::default()
    }

    /// Adds a live secret (ignored when shorter than four characters).
    pub fn add(&mut self, secret: &str) {
        if secret.len() < MIN_SECRET_LEN || self.live.iter().any(|s| s.as_str() == secret) {
            return;
        }
        self.live.push(Zeroizing::new(secret.to_owned()));
        // The forms a server may echo it in.
        let json = serde_json::to_string(secret).unwrap_or_default();
        let json = json.trim_matches('"');
        if json != secret {
            self.live.push(Zeroizing::new(json.to_owned()));
        }
        if json.contains('/') {
            // JSON may also escape `/`.
            self.live.push(Zeroizing::new(json.replace('/', "\\/")));
        }
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        if encoded != secret {
            self.live.push(Zeroizing::new(encoded.replace('+', "%20")));
            self.live.push(Zeroizing::new(encoded));
        }
    }

    /// [`add`](Self::add), builder style.
    pub fn with(mut self, secret: &str) -> Self {
        self.add(secret);
        self
    }

    /// `text`, made safe (see the type's docs).
    pub fn text(&self, text: &str) -> String {
        let mut out: String = text.chars().take(MAX_TEXT).filter(|c| !c.is_control()).collect();
        // Longest first, so that a secret containing another is removed whole.
        let mut live: Vec<&str> = self.live.iter().map(|s| s.as_str()).collect();
        live.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for secret in live {
            if out.contains(secret) {
                out = out.replace(secret, REDACTED);
            }
        }
        let out = match serde_json::from_str::<serde_json::Value>(&out) {
            Ok(mut v) if v.is_object() || v.is_array() => {
                redact_json(&mut v);
                v.to_string()
            }
            _ => out,
        };
        let out = redact_key_values(&out);
        redact_token_shapes(&out)
    }

    /// The start of a body, made safe by [`text`](Self::text) and then cut to `max_chars`
    /// (redaction comes first, so a cut never leaves part of a secret).
    pub fn excerpt(&self, body: &[u8], max_chars: usize) -> String {
        let text = self.text(&String::from_utf8_lossy(&body[..body.len().min(4 * MAX_TEXT)]));
        let mut out: String = text.chars().take(max_chars).collect();
        if text.chars().nth(max_chars).is_some() {
            out.push('…');
        }
        out
    }
}

/// True for keys whose values are secrets.
pub(crate) fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    let k = k.rsplit(':').next().unwrap_or(&k);
    k.contains("token")
        || k.contains("secret")
        || k.contains("verifier")
        || k.contains("password")
        || matches!(
            k,
            "authorization" | "code" | "fueloauth" | "bearer" | "cookie" | "set-cookie"
        )
}

/// Replaces, in place and at any depth, the value of every key that names a secret
/// ([`is_secret_key`]: `client_secret`, `refresh_token`, `refreshToken`, `code`, ...) with
/// [`REDACTED`]; `null`s stay. The one JSON redaction of the crate: error texts here, and the
/// fake's recorded requests' `Debug` (feature `testing`).
pub(crate) fn redact_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if is_secret_key(k) && !val.is_null() {
                    *val = serde_json::Value::String(REDACTED.into());
                } else {
                    redact_json(val);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | ':' | '.')
}

/// Redacts the values of secret keys written as text: `key=value`, `key: value`,
/// `"key": "value"`, `<key>value</key>` and `<ns:key attr="...">value</ns:key>`.
fn redact_key_values(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_key_char(chars[i]) || (i > 0 && is_key_char(chars[i - 1])) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_key_char(chars[i]) {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        out.push_str(&key);
        if !is_secret_key(key.trim_end_matches(['.', ':'])) {
            continue;
        }
        let opened_tag = start > 0 && chars[start - 1] == '<';
        if opened_tag {
            // `<key ...>value<`: the value is the element's text.
            let Some(close) = chars[i..].iter().position(|&c| c == '>') else {
                continue;
            };
            let value_start = i + close + 1;
            if chars[value_start - 2] == '/' {
                continue; // `<key/>`: empty
            }
            let value_end = chars[value_start..]
                .iter()
                .position(|&c| c == '<')
                .map_or(chars.len(), |p| value_start + p);
            out.extend(&chars[i..value_start]);
            if value_end > value_start {
                out.push_str(REDACTED);
            }
            i = value_end;
            continue;
        }
        // `key"?\s*[:=]\s*["']?value`
        let mut j = i;
        while j < chars.len() && matches!(chars[j], '"' | '\'' | ' ') {
            j += 1;
        }
        if j >= chars.len() || !matches!(chars[j], ':' | '=') {
            continue;
        }
        j += 1;
        while j < chars.len() && chars[j] == ' ' {
            j += 1;
        }
        let quote = chars.get(j).copied().filter(|c| matches!(c, '"' | '\''));
        if quote.is_some() {
            j += 1;
        }
        let rest: String = chars[j..].iter().take(7).collect();
        if rest.eq_ignore_ascii_case("bearer ") {
            j += 7;
        }
        let value_end = match quote {
            Some(q) => chars[j..].iter().position(|&c| c == q),
            None => chars[j..]
                .iter()
                .position(|&c| c.is_whitespace() || matches!(c, '&' | ',' | ';' | '}' | ']' | '<' | '"' | '\'')),
        }
        .map_or(chars.len(), |p| j + p);
        out.extend(&chars[i..j]);
        if value_end > j && chars[j..value_end].iter().collect::<String>() != REDACTED {
            out.push_str(REDACTED);
        } else {
            out.extend(&chars[j..value_end]);
        }
        i = value_end;
    }
    out
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=')
}

/// Redacts `Bearer x`, JWT-shaped strings (`eyJ...`) and long opaque runs that mix digits,
/// lower- and upper-case letters (the shape of access and refresh tokens).
fn redact_token_shapes(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_token_char(chars[i]) || (i > 0 && is_token_char(chars[i - 1])) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_token_char(chars[i]) {
            i += 1;
        }
        let run: String = chars[start..i].iter().collect();
        let after_bearer = out.to_ascii_lowercase().trim_end().ends_with("bearer") && out.ends_with(' ');
        let jwt = run.starts_with("eyJ") && run.len() >= 20;
        let opaque = run.len() >= 40
            && run.chars().any(|c| c.is_ascii_digit())
            && run.chars().any(|c| c.is_ascii_lowercase())
            && run.chars().any(|c| c.is_ascii_uppercase())
            && !run.contains("://");
        if (after_bearer && run != "<redacted>") || jwt || opaque {
            out.push_str(REDACTED);
        } else {
            out.push_str(&run);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let t = AccessToken::new("abc.def.ghi");
        assert_eq!(format!("{t:?}"), "AccessToken(<redacted>)");
        assert_eq!(format!("{:#?}", RefreshToken::new("zzzz")), "RefreshToken(<redacted>)");
    }

    fn redacted(text: &str, secrets: &[&str]) -> String {
        let mut r = Redactor::new();
        secrets.iter().for_each(|s| r.add(s));
        r.text(text)
    }

    #[test]
    fn live_secrets_are_removed_in_every_form() {
        assert_eq!(redacted("a SECRET b SECRET", &["SECRET"]), "a <redacted> b <redacted>");
        assert_eq!(redacted("abc", &[""]), "abc");
        // Split by CR/LF: reassembled first, then removed.
        assert_eq!(redacted("x SEC\r\nRET y", &["SECRET"]), "x <redacted> y");
        // JSON-escaped and percent-encoded echoes.
        assert!(!redacted(r#"{"m":"a\/b+c d"}"#, &["a/b+c d"]).contains("b+c"));
        assert!(!redacted("https://x/?s=a%2Fb%2Bc+d", &["a/b+c d"]).contains("%2Fb"));
    }

    #[test]
    fn secret_keys_are_redacted_in_json_xml_and_text() {
        for (text, leaked) in [
            (r#"{"headers":{"Authorization":"Bearer abc.def"}}"#, "abc.def"),
            (r#"{"a":[{"refresh_token":"RT1"}]}"#, "RT1"),
            (
                "<fueloauth xmlns=\"http://exacttarget.com\">TOK123</fueloauth>",
                "TOK123",
            ),
            ("<s:access_token>TOK123</s:access_token>", "TOK123"),
            ("client_secret=SSS&x=1", "SSS"),
            ("Authorization: Bearer TTT rest", "TTT"),
            ("code_verifier = 'VVV'", "VVV"),
            ("\"code\": \"CODE9\", trailing", "CODE9"),
            ("see https://x/?client_secret=QQQ", "QQQ"),
        ] {
            let out = redacted(text, &[]);
            assert!(!out.contains(leaked), "{text} -> {out}");
            assert!(out.contains(REDACTED), "{text} -> {out}");
        }
        // Ordinary text is left alone.
        assert_eq!(
            redacted("Not Authorized: errorcode 0", &[]),
            "Not Authorized: errorcode 0"
        );
        assert_eq!(
            redacted("The request id is 0123-abcd", &[]),
            "The request id is 0123-abcd"
        );
    }

    #[test]
    fn token_shapes_are_redacted() {
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        assert!(!redacted(&format!("got {jwt} back"), &[]).contains("eyJzdWI"));
        let opaque = "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5hJ7kL9";
        assert!(!redacted(&format!("token {opaque}."), &[]).contains("aB3dE5"));
        assert!(!redacted("bearer abcdef", &[]).contains("abcdef"));
    }

    #[test]
    fn excerpts_are_cut_after_redaction() {
        let r = Redactor::new().with("0123456789");
        let body = format!("{}0123456789", "x".repeat(95));
        let e = r.excerpt(body.as_bytes(), 100);
        assert!(!e.contains("01234"), "{e}");
        assert!(r.excerpt(&vec![b'y'; 1000], 10).chars().count() <= 11);
        // A body at the API cap is read only as far as an excerpt could need.
        let huge = vec![b'z'; 32 << 20];
        assert_eq!(r.excerpt(&huge, 10), format!("{}…", "z".repeat(10)));
        assert!(r.text(&"w".repeat(1 << 20)).len() <= MAX_TEXT);
    }
}
