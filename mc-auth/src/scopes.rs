//! Sets of scope strings, as requested from and granted by Marketing Cloud.

use std::fmt;
use std::sync::Arc;

/// A sorted, de-duplicated set of MC scope strings (`email_read`, `email_send`, ...).
///
/// ```
/// let s = mc_auth::ScopeSet::parse("email_send email_read  email_send");
/// assert_eq!(s.to_string(), "email_read email_send");
/// assert!(s.contains("email_read"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct ScopeSet(Arc<[Box<str>]>);

impl ScopeSet {
    /// Builds a set from scope strings.
    pub fn new<I, S>(scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut v: Vec<Box<str>> = scopes
            .into_iter()
            .map(|s| s.as_ref().trim().to_owned())
            .filter(|s| !s.is_empty())
            .map(String::into_boxed_str)
            .collect();
        v.sort();
        v.dedup();
        ScopeSet(v.into())
    }

    /// Parses a space-separated scope list (the `scope` field of a token response).
    pub fn parse(s: &str) -> Self {
        Self::new(s.split_whitespace())
    }

    /// True when `scope` is in the set.
    pub fn contains(&self, scope: &str) -> bool {
        self.0.binary_search_by(|s| (**s).cmp(scope)).is_ok()
    }

    /// The scopes in `self` that `other` lacks, sorted.
    pub fn missing_from(&self, other: &ScopeSet) -> Vec<String> {
        self.iter().filter(|s| !other.contains(s)).map(str::to_owned).collect()
    }

    /// The scopes, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.0.iter().map(|s| &**s)
    }

    /// Number of scopes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The scopes as owned strings, sorted.
    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_owned).collect()
    }
}

impl fmt::Display for ScopeSet {
    /// Space-separated, sorted: the form MC uses in `scope`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(s)?;
        }
        Ok(())
    }
}

impl fmt::Debug for ScopeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl<S: AsRef<str>> FromIterator<S> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = S>>(iter: I) -> Self {
        Self::new(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_and_deduplicated() {
        let s = ScopeSet::new(["sms_send", "email_read", "sms_send", " "]);
        assert_eq!(s.to_vec(), ["email_read", "sms_send"]);
        assert_eq!(ScopeSet::parse("b a").missing_from(&ScopeSet::parse("a")), ["b"]);
    }
}
