//! The OAuth `state` parameter: CSRF protection for the redirect.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

/// An unguessable `state` value (16 random bytes, base64url), compared in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct CsrfState(String);

impl CsrfState {
    /// A new random state.
    pub fn generate() -> Result<Self> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| Error::Internal {
            what: format!("the operating system's random generator failed ({e})"),
        })?;
        Ok(CsrfState(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A state you chose (for example one tied to your own session store). It must be
    /// non-empty; use [`generate`](Self::generate) unless you have a reason not to.
    pub fn new(state: impl Into<String>) -> Result<Self> {
        let s = state.into();
        if s.is_empty() {
            return Err(Error::config("state", "must not be empty"));
        }
        Ok(CsrfState(s))
    }

    /// The value as sent in the authorize URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Constant-time comparison with the `state` that came back on the redirect.
    pub fn matches(&self, returned: &str) -> bool {
        self.0.len() == returned.len() && bool::from(self.0.as_bytes().ct_eq(returned.as_bytes()))
    }
}

impl fmt::Debug for CsrfState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfState(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_only_the_same_value() {
        let s = CsrfState::generate().unwrap();
        assert!(s.matches(s.as_str()));
        assert!(!s.matches("other"));
        assert!(!s.matches(""));
        assert_eq!(s.as_str().len(), 22);
    }
}
