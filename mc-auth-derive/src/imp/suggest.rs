//! "Did you mean ...?" for misspelt scopes and keys.

/// The candidate closest to `word` by edit distance (adjacent swaps count as one edit),
/// if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 4).max(2);
    candidates
        .into_iter()
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// What the user probably meant by a word written in another case or with other separators:
/// `EmailRead`, `email-read`, `Email.Read` and `EMAIL_READ` all become `email_read`.
pub(crate) fn normalize(word: &str) -> String {
    let mut out = String::with_capacity(word.len() + 4);
    let mut prev_lower = false;
    for c in word.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        match c {
            '-' | '.' | ':' | '/' => out.push('_'),
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// adjacent characters each cost one.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(distance("emial_read", "email_read"), 1);
        assert_eq!(distance("email_reed", "email_read"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("scope", "scopes"), 1);
    }

    #[test]
    fn closest_ignores_far_words() {
        let c = ["email_read", "email_send", "sms_read"];
        assert_eq!(closest("emial_read", c), Some("email_read"));
        assert_eq!(closest("emailsend", c), Some("email_send"));
        assert_eq!(closest("webhooks_write", c), None);
    }

    #[test]
    fn normalizes_case_and_separators() {
        assert_eq!(normalize("EmailRead"), "email_read");
        assert_eq!(normalize("email-read"), "email_read");
        assert_eq!(normalize("EMAIL_READ"), "email_read");
        assert_eq!(normalize("DataExtensionsWrite"), "data_extensions_write");
    }
}
