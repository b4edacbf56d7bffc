//! Validates the scope list against the catalog.

use proc_macro2::Span;
use syn::LitStr;

use super::catalog::SCOPES;
use super::{suggest, Errors};

/// A declared scope that exists in the catalog.
pub(crate) struct Declared {
    /// The scope string, e.g. `email_send`.
    pub(crate) name: &'static str,
    /// Its marker type in `mc_auth::scope`, e.g. `EmailSend`.
    pub(crate) marker: &'static str,
}

/// Checks every word of `scopes = "..."`; returns the valid ones, sorted and de-duplicated,
/// and records one error per problem: unknown scope (with a suggestion), duplicate, commas,
/// and an empty list.
pub(crate) fn validate(lit: &LitStr, errors: &mut Errors) -> Vec<Declared> {
    let value = value(lit);
    let mut declared: Vec<Declared> = Vec::new();
    let mut any = false;
    let mut comma_reported = false;
    for (offset, raw) in words(&value) {
        any = true;
        let span = word_span(lit, &value, offset, raw.len());
        let word = raw.trim_end_matches(',');
        if word.len() != raw.len() && !comma_reported {
            comma_reported = true;
            errors.push(syn::Error::new(span, "separate scopes with spaces, not commas"));
        }
        if word.is_empty() {
            continue;
        }
        let Some((name, marker)) = lookup(word) else {
            errors.push(syn::Error::new(span, unknown(word)));
            continue;
        };
        if declared.iter().any(|d| d.name == name) {
            errors.push(syn::Error::new(
                span,
                format!("duplicate scope `{name}`: list each scope once"),
            ));
            continue;
        }
        declared.push(Declared { name, marker });
    }
    if !any {
        errors.push(syn::Error::new(
            lit.span(),
            "empty scope list: name at least one Marketing Cloud scope, e.g. `scopes = \"email_read\"`",
        ));
    }
    declared.sort_by_key(|d| d.name);
    declared
}

/// The literal's value; read directly for a plain `"..."` without escapes (the common case;
/// `LitStr::value` is slow in an unoptimized macro build).
fn value(lit: &LitStr) -> String {
    let repr = lit.token().to_string();
    match repr.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains(['\\', '"']) => inner.to_owned(),
        _ => lit.value(),
    }
}

/// Words separated by whitespace, with their byte offsets in `s`.
fn words(s: &str) -> impl Iterator<Item = (usize, &str)> {
    s.split(|c: char| c.is_whitespace() || c == ',')
        .scan(0usize, |pos, w| {
            let start = *pos;
            *pos += w.len() + 1;
            Some((start, w))
        })
        .filter(|(_, w)| !w.is_empty())
        .map(move |(start, w)| {
            // Re-attach a trailing comma so it can be reported.
            let end = start + w.len();
            if s[end..].starts_with(',') {
                (start, &s[start..end + 1])
            } else {
                (start, w)
            }
        })
}

/// The span of one word inside the literal where the compiler supports it (nightly);
/// the whole literal otherwise. Only plain `"..."` literals without escapes map offsets
/// one to one.
fn word_span(lit: &LitStr, value: &str, offset: usize, len: usize) -> Span {
    let token = lit.token();
    let repr = token.to_string();
    if repr.len() == value.len() + 2 && repr.starts_with('"') && !repr.contains('\\') {
        if let Some(span) = token.subspan(offset + 1..offset + 1 + len) {
            return span;
        }
    }
    lit.span()
}

fn lookup(word: &str) -> Option<(&'static str, &'static str)> {
    SCOPES
        .binary_search_by(|(name, _)| (*name).cmp(word))
        .ok()
        .map(|i| SCOPES[i])
}

/// The message for an unknown scope, with the most useful hint available.
fn unknown(word: &str) -> String {
    let normalized = suggest::normalize(word);
    if let Some((name, _)) = lookup(&normalized) {
        return format!("unknown Marketing Cloud scope `{word}`: did you mean `{name}`? (scopes are snake_case)");
    }
    if let Some(name) = suggest::closest(&normalized, SCOPES.iter().map(|(n, _)| *n)) {
        return format!("unknown Marketing Cloud scope `{word}`: did you mean `{name}`?");
    }
    let prefix = format!("{normalized}_");
    let family: Vec<String> = SCOPES
        .iter()
        .filter(|(n, _)| n.starts_with(&prefix))
        .map(|(n, _)| format!("`{n}`"))
        .collect();
    if !family.is_empty() {
        return format!(
            "unknown Marketing Cloud scope `{word}`: scopes name the level too; did you mean one of {}?",
            family.join(", ")
        );
    }
    format!("unknown Marketing Cloud scope `{word}` (the markers in `mc_auth::scope` list all 85)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_sorted_for_binary_search() {
        assert!(SCOPES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(SCOPES.len(), 85);
    }

    #[test]
    fn hints() {
        assert!(unknown("emial_read").ends_with("did you mean `email_read`?"));
        assert!(unknown("EmailRead").contains("did you mean `email_read`?"));
        assert!(unknown("email").ends_with("one of `email_read`, `email_send`, `email_write`?"));
        assert!(unknown("zzzz").contains("mc_auth::scope"));
    }

    #[test]
    fn words_with_offsets() {
        let w: Vec<_> = words(" a  bb,c ").collect();
        assert_eq!(w, [(1, "a"), (4, "bb,"), (7, "c")]);
    }
}
