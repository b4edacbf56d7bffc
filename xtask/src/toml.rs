//! A reader for the small TOML subset that `scopes.toml` uses.
//!
//! Accepted: `# comments`, blank lines, array-of-tables headers (`[[name]]`), and
//! `key = "string"` or `key = ["string", ...]` (arrays on one line) inside a table.
//! Basic strings take the escapes `\"`, `\\`, `\n` and `\t`. Anything else is an error
//! naming the line, so the catalog cannot silently mean something other than it says.

use std::collections::BTreeMap;

/// A value: a string or an array of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `"text"`
    Str(String),
    /// `["a", "b"]`
    Array(Vec<String>),
}

/// One `[[kind]]` table: its kind, the line of its header, and its keys in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The name in the `[[...]]` header.
    pub kind: String,
    /// 1-based line number of the header.
    pub line: usize,
    /// The key/value pairs.
    pub entries: BTreeMap<String, Value>,
}

/// Parses the whole document into its tables, in order.
pub fn parse(text: &str) -> Result<Vec<Table>, String> {
    let mut tables: Vec<Table> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let err = |msg: &str| format!("line {line_no}: {msg}: `{}`", raw.trim());
        if let Some(rest) = line.strip_prefix("[[") {
            let name = rest
                .strip_suffix("]]")
                .ok_or_else(|| err("expected `[[name]]`"))?
                .trim();
            if !is_bare_key(name) {
                return Err(err("bad table name"));
            }
            tables.push(Table {
                kind: name.to_owned(),
                line: line_no,
                entries: BTreeMap::new(),
            });
            continue;
        }
        let (key, value) = line.split_once('=').ok_or_else(|| err("expected `key = value`"))?;
        let key = key.trim();
        if !is_bare_key(key) {
            return Err(err("bad key"));
        }
        let table = tables.last_mut().ok_or_else(|| err("key outside of a `[[table]]`"))?;
        let value = parse_value(value.trim()).map_err(|m| err(&m))?;
        if table.entries.insert(key.to_owned(), value).is_some() {
            return Err(err("duplicate key"));
        }
    }
    Ok(tables)
}

fn is_bare_key(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Removes a `#` comment that is not inside a string.
fn strip_comment(line: &str) -> &str {
    let mut in_str = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_str => escaped = true,
            '"' => in_str = !in_str,
            '#' if !in_str => return &line[..i],
            _ => {}
        }
    }
    line
}

fn parse_value(s: &str) -> Result<Value, String> {
    if let Some(inner) = s.strip_prefix('[') {
        let inner = inner
            .strip_suffix(']')
            .ok_or("arrays must open and close on one line")?;
        let mut items = Vec::new();
        let mut rest = inner.trim();
        while !rest.is_empty() {
            let (item, after) = parse_string(rest)?;
            items.push(item);
            rest = after.trim_start();
            rest = match rest.strip_prefix(',') {
                Some(r) => r.trim_start(),
                None if rest.is_empty() => rest,
                None => return Err("expected `,` between array items".into()),
            };
        }
        return Ok(Value::Array(items));
    }
    let (v, rest) = parse_string(s)?;
    if !rest.trim().is_empty() {
        return Err("unexpected text after the string".into());
    }
    Ok(Value::Str(v))
}

/// Parses one basic string at the start of `s`; returns it and the text after it.
fn parse_string(s: &str) -> Result<(String, &str), String> {
    let body = s.strip_prefix('"').ok_or("expected a \"string\"")?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => match chars.next() {
                Some((_, '"')) => out.push('"'),
                Some((_, '\\')) => out.push('\\'),
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                _ => return Err("unsupported escape".into()),
            },
            c => out.push(c),
        }
    }
    Err("unterminated string".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tables_strings_and_arrays() {
        let doc =
            "# c\n[[scope]]\nname = \"a # not a comment\" # comment\n\n[[op]]\nscopes = [\"x\", \"y\"]\nempty = []\n";
        let t = parse(doc).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].kind, "scope");
        assert_eq!(t[0].entries["name"], Value::Str("a # not a comment".into()));
        assert_eq!(t[1].entries["scopes"], Value::Array(vec!["x".into(), "y".into()]));
        assert_eq!(t[1].entries["empty"], Value::Array(vec![]));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert!(parse("name = \"x\"").unwrap_err().contains("outside"));
        assert!(parse("[[a]]\nx = 1").is_err());
        assert!(parse("[[a]]\nx = \"1\"\nx = \"2\"").unwrap_err().contains("duplicate"));
        assert!(parse("[a]").is_err());
        assert!(parse("[[a]]\nx = [\"1\" \"2\"]").is_err());
    }
}
