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

/// Replaces every occurrence of each non-empty secret in `text` with `<redacted>`.
pub(crate) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        if out.contains(secret) {
            out = out.replace(secret, "<redacted>");
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

    #[test]
    fn scrub_removes_each_secret() {
        assert_eq!(scrub("a SECRET b SECRET", &["SECRET"]), "a <redacted> b <redacted>");
        assert_eq!(scrub("abc", &[""]), "abc");
    }
}
