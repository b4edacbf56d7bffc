//! PKCE (RFC 7636) with the S256 method.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// A PKCE code verifier: 43 to 128 characters from `[A-Za-z0-9-._~]`.
///
/// Deliberately not `Clone`: one verifier serves one authorization. `Debug` is redacted.
pub struct PkceVerifier(Zeroizing<String>);

impl PkceVerifier {
    /// A new verifier from 32 random bytes (43 characters).
    pub fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|e| Error::Internal {
            what: format!("the operating system's random generator failed ({e})"),
        })?;
        Ok(PkceVerifier(Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_ref()))))
    }

    /// Wraps an existing verifier, checking its length and alphabet.
    pub fn new(verifier: impl Into<String>) -> Result<Self> {
        let v = Zeroizing::new(verifier.into());
        let len = v.len();
        if !(43..=128).contains(&len) {
            return Err(Error::config(
                "PKCE verifier",
                format!("has {len} characters; RFC 7636 requires 43 to 128"),
            ));
        }
        if !v.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)) {
            return Err(Error::config(
                "PKCE verifier",
                "may only contain letters, digits and -._~ (RFC 7636)",
            ));
        }
        Ok(PkceVerifier(v))
    }

    /// The S256 challenge: `BASE64URL(SHA256(verifier))`.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes()))
    }

    /// The verifier, as sent in the token request.
    ///
    /// # Security
    /// Do not log or display it.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b() {
        let v = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        assert_eq!(v.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }

    #[test]
    fn generated_verifiers_are_valid_and_distinct() {
        let a = PkceVerifier::generate().unwrap();
        let b = PkceVerifier::generate().unwrap();
        assert_eq!(a.expose_secret().len(), 43);
        assert!(PkceVerifier::new(a.expose_secret()).is_ok());
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(format!("{a:?}"), "PkceVerifier(<redacted>)");
    }

    #[test]
    fn bad_verifiers_are_refused() {
        assert!(PkceVerifier::new("short").is_err());
        assert!(PkceVerifier::new("x".repeat(129)).is_err());
        assert!(PkceVerifier::new(format!("{}!", "a".repeat(43))).is_err());
    }
}
