//! Filters shared by the fake's query endpoints: a small tree of comparisons evaluated over
//! text values, and the parser of the REST `$filter` syntax.
//!
//! Semantics (the fake's, close to MC's SQL Server underneath):
//! - names and string comparisons are case-insensitive;
//! - when both sides parse as numbers they compare as numbers, otherwise as (lower-cased)
//!   strings, so ISO dates order correctly;
//! - a comparison with a missing (null) value is false, except `isNull`;
//! - `like` is SQL `LIKE`: `%` is any run of characters, `_` one character.

use std::cmp::Ordering;

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
    In,
    Between,
    IsNull,
    IsNotNull,
}

impl Op {
    /// The SOAP `SimpleOperator` spelling.
    pub fn from_soap(s: &str) -> Option<Op> {
        Some(match s.trim() {
            "equals" => Op::Eq,
            "notEquals" => Op::Ne,
            "greaterThan" => Op::Gt,
            "greaterThanOrEqual" => Op::Ge,
            "lessThan" => Op::Lt,
            "lessThanOrEqual" => Op::Le,
            "like" => Op::Like,
            "IN" | "in" => Op::In,
            "between" => Op::Between,
            "isNull" => Op::IsNull,
            "isNotNull" => Op::IsNotNull,
            _ => return None,
        })
    }
}

/// A filter: comparisons joined with `and` / `or`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Filter {
    Compare {
        property: String,
        op: Op,
        values: Vec<String>,
    },
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
}

impl Filter {
    /// One comparison.
    pub fn compare(property: impl Into<String>, op: Op, values: Vec<String>) -> Filter {
        Filter::Compare {
            property: property.into(),
            op,
            values,
        }
    }

    /// Evaluates the filter; `lookup` gives a property's text value (`None`: null/missing).
    pub fn matches(&self, lookup: &dyn Fn(&str) -> Option<String>) -> bool {
        match self {
            Filter::And(a, b) => a.matches(lookup) && b.matches(lookup),
            Filter::Or(a, b) => a.matches(lookup) || b.matches(lookup),
            Filter::Compare { property, op, values } => {
                let actual = lookup(property);
                let first = values.first().map(String::as_str).unwrap_or("");
                match (op, actual.as_deref()) {
                    (Op::IsNull, a) => a.is_none_or(str::is_empty),
                    (Op::IsNotNull, a) => a.is_some_and(|a| !a.is_empty()),
                    (_, None) => false,
                    (Op::Eq, Some(a)) => compare(a, first) == Ordering::Equal,
                    (Op::Ne, Some(a)) => compare(a, first) != Ordering::Equal,
                    (Op::Gt, Some(a)) => compare(a, first) == Ordering::Greater,
                    (Op::Ge, Some(a)) => compare(a, first) != Ordering::Less,
                    (Op::Lt, Some(a)) => compare(a, first) == Ordering::Less,
                    (Op::Le, Some(a)) => compare(a, first) != Ordering::Greater,
                    (Op::Like, Some(a)) => like(a, first),
                    (Op::In, Some(a)) => values.iter().any(|v| compare(a, v) == Ordering::Equal),
                    (Op::Between, Some(a)) => match values.as_slice() {
                        [low, high] => compare(a, low) != Ordering::Less && compare(a, high) != Ordering::Greater,
                        _ => false,
                    },
                }
            }
        }
    }
}

/// Numeric when both sides are numbers, as instants when both are date-times (MC's forms:
/// RFC 3339 with an offset, or without one meaning Central Standard Time, UTC−6, as MC answers
/// dates), otherwise case-insensitive string order.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    if let (Some(x), Some(y)) = (instant(a), instant(b)) {
        return x.cmp(&y);
    }
    match (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
        (Ok(x), Ok(y)) if x.is_finite() && y.is_finite() => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.to_lowercase().cmp(&b.to_lowercase()),
    }
}

/// A date-time in one of MC's forms: `2026-01-05T08:30:00Z`, `...+01:00`, or without an offset
/// (`2026-01-05T02:30:00`, `2026-01-05T02:30:00.000`, read as UTC−6).
pub(crate) fn instant(text: &str) -> Option<time::OffsetDateTime> {
    use time::macros::{format_description, offset};
    let t = text.trim();
    if t.len() < 19 || !t.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    if let Ok(at) = time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Some(at);
    }
    time::PrimitiveDateTime::parse(
        t,
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"),
    )
    .ok()
    .map(|p| p.assume_offset(offset!(-6)))
}

/// SQL `LIKE`, case-insensitive: `%` any run, `_` one character.
pub(crate) fn like(text: &str, pattern: &str) -> bool {
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    // Iterative wildcard matching with backtracking to the last `%`.
    let (mut ti, mut pi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '_' || p[pi] == t[ti]) {
            ti += 1;
            pi += 1;
        } else if pi < p.len() && p[pi] == '%' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '%' {
        pi += 1;
    }
    pi == p.len()
}

/// Parses the REST `$filter` syntax the fake supports:
///
/// ```text
/// filter  := or
/// or      := and ("or" and)*
/// and     := primary ("and" primary)*
/// primary := "(" filter ")" | Name op literal
/// op      := eq | ne | gt | ge | lt | le | like
/// literal := 'text' (a quote doubled inside) | number | true | false
/// ```
///
/// Names are letters, digits, `_`, `.` and `-`; keywords are case-insensitive. At most
/// [`MAX_COMPARISONS`] comparisons and [`MAX_NESTING`] levels of parentheses. Anything else is
/// an error (the message says what was expected).
pub(crate) fn parse_rest_filter(input: &str) -> Result<Filter, String> {
    let tokens = tokenize(input)?;
    let comparisons = tokens
        .iter()
        .filter(|t| matches!(t, Token::Word(w) if ["and", "or"].iter().any(|k| w.eq_ignore_ascii_case(k))))
        .count()
        + 1;
    if comparisons > MAX_COMPARISONS {
        return Err(format!("more than {MAX_COMPARISONS} comparisons"));
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        depth: 0,
    };
    let filter = p.or()?;
    match p.tokens.get(p.pos) {
        None => Ok(filter),
        Some(t) => Err(format!("unexpected {} after the end of the filter", t.describe())),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Word(String),
    Text(String),
    Open,
    Close,
}

impl Token {
    fn describe(&self) -> String {
        match self {
            Token::Word(w) => format!("`{w}`"),
            Token::Text(t) => format!("'{t}'"),
            Token::Open => "`(`".to_owned(),
            Token::Close => "`)`".to_owned(),
        }
    }
}

fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            out.push(Token::Open);
            i += 1;
        } else if c == ')' {
            out.push(Token::Close);
            i += 1;
        } else if c == '\'' {
            let mut text = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return Err("a quoted value is not closed".to_owned()),
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => {
                        text.push('\'');
                        i += 2;
                    }
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        text.push(ch);
                        i += 1;
                    }
                }
            }
            out.push(Token::Text(text));
        } else if c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '+') {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || matches!(chars[i], '_' | '.' | '-' | '+')) {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect()));
        } else {
            return Err(format!("unexpected character `{c}`"));
        }
    }
    Ok(out)
}

/// Most comparisons in one `$filter`.
pub(crate) const MAX_COMPARISONS: usize = 64;
/// Deepest parenthesis nesting in one `$filter`.
pub(crate) const MAX_NESTING: usize = 16;

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
    depth: usize,
}

impl Parser {
    fn keyword(&self, kw: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(kw))
    }

    fn or(&mut self) -> Result<Filter, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, String> {
        let mut left = self.primary()?;
        while self.keyword("and") {
            self.pos += 1;
            let right = self.primary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn primary(&mut self) -> Result<Filter, String> {
        match self.tokens.get(self.pos).cloned() {
            Some(Token::Open) => {
                self.pos += 1;
                self.depth += 1;
                if self.depth > MAX_NESTING {
                    return Err(format!("parentheses nest deeper than {MAX_NESTING}"));
                }
                let inner = self.or()?;
                self.depth -= 1;
                match self.tokens.get(self.pos) {
                    Some(Token::Close) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err("a `(` is not closed".to_owned()),
                }
            }
            Some(Token::Word(name)) => {
                self.pos += 1;
                let op = match self.tokens.get(self.pos) {
                    Some(Token::Word(w)) => match w.to_ascii_lowercase().as_str() {
                        "eq" => Op::Eq,
                        "ne" => Op::Ne,
                        "gt" => Op::Gt,
                        "ge" => Op::Ge,
                        "lt" => Op::Lt,
                        "le" => Op::Le,
                        "like" => Op::Like,
                        other => return Err(format!("unsupported operator `{other}`")),
                    },
                    Some(t) => return Err(format!("expected an operator after `{name}`, found {}", t.describe())),
                    None => return Err(format!("expected an operator after `{name}`")),
                };
                self.pos += 1;
                let value = match self.tokens.get(self.pos) {
                    Some(Token::Text(t)) => t.clone(),
                    Some(Token::Word(w)) if w.parse::<f64>().is_ok() => w.clone(),
                    Some(Token::Word(w)) if w.eq_ignore_ascii_case("true") || w.eq_ignore_ascii_case("false") => {
                        w.clone()
                    }
                    Some(t) => return Err(format!("expected a value, found {}", t.describe())),
                    None => return Err("expected a value at the end of the filter".to_owned()),
                };
                self.pos += 1;
                Ok(Filter::compare(name, op, vec![value]))
            }
            Some(t) => Err(format!("expected a column name, found {}", t.describe())),
            None => Err("the filter is empty or ends too early".to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn rest_filters_parse_and_match() {
        let row = lookup(&[("Email", "ada@example.com"), ("Age", "36"), ("City", "London")]);
        let yes = [
            "Email eq 'ADA@example.com'",
            "email eq 'ada@example.com' and Age gt 30",
            "Age lt 10 or City eq 'London'",
            "(Age ge 36) and (Age le 36)",
            "City like 'Lon%'",
            "City ne 'Paris'",
            "Age eq 36.0",
        ];
        for f in yes {
            assert!(parse_rest_filter(f).unwrap().matches(&row), "{f}");
        }
        let no = [
            "Email eq 'bob@example.com'",
            "Age gt 100",
            "Missing eq 'x'",
            "City like 'L_n'",
        ];
        for f in no {
            assert!(!parse_rest_filter(f).unwrap().matches(&row), "{f}");
        }
        let quoted = parse_rest_filter("Name eq 'O''Brien'").unwrap();
        assert!(quoted.matches(&lookup(&[("Name", "O'Brien")])));
    }

    #[test]
    fn bad_rest_filters_are_errors() {
        for f in [
            "",
            "Email",
            "Email eq",
            "Email contains 'a'",
            "Email eq 'open",
            "(Email eq 'a'",
            "Email eq 'a' Age",
            "Email eq 'a' and",
            "Email = 'a'",
            "Email eq bare",
        ] {
            assert!(parse_rest_filter(f).is_err(), "{f}");
        }
        let deep = format!("{}A eq 1{}", "(".repeat(100_000), ")".repeat(100_000));
        assert!(parse_rest_filter(&deep).is_err());
        let long = vec!["A eq 1"; 10_000].join(" and ");
        assert!(parse_rest_filter(&long).is_err());
        let ok = vec!["A eq 1"; MAX_COMPARISONS].join(" or ");
        assert!(parse_rest_filter(&ok).is_ok());
    }

    #[test]
    fn like_wildcards() {
        assert!(like("hello", "h%o"));
        assert!(like("hello", "%"));
        assert!(like("hello", "_ello"));
        assert!(like("HELLO", "%ll%"));
        assert!(!like("hello", "h%x"));
        assert!(like("", "%"));
        assert!(!like("", "_"));
        assert!(like("a%b", "a%b"));
    }

    #[test]
    fn soap_operators_evaluate() {
        let row = lookup(&[("Status", "Active"), ("Empty", "")]);
        let f =
            |op, v: &[&str]| Filter::compare("Status", op, v.iter().map(|s| (*s).to_owned()).collect()).matches(&row);
        assert!(f(Op::In, &["Held", "active"]));
        assert!(!f(Op::In, &["Held"]));
        assert!(f(Op::Between, &["A", "B"]));
        assert!(f(Op::IsNotNull, &[]));
        assert!(Filter::compare("Empty", Op::IsNull, vec![]).matches(&row));
        assert!(Filter::compare("Nope", Op::IsNull, vec![]).matches(&row));
        assert!(!Filter::compare("Nope", Op::Ne, vec!["x".into()]).matches(&row));
        assert_eq!(Op::from_soap("notEquals"), Some(Op::Ne));
        assert_eq!(Op::from_soap("contains"), None);
    }
}
