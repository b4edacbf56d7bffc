//! Building MC's REST `$filter` expressions safely.
//!
//! MC's REST query endpoints (data extension rows through
//! `/data/v1/customobjectdata/key/{key}/rowset`) take a `$filter` such as
//! `Email eq 'ada@example.com' and Age gt 30`. Pasting user input into that string is an
//! injection: a value with a `'` ends the string early, and the rest is read as more filter. The
//! builder here quotes every text value (a `'` inside is doubled, as the syntax requires), writes
//! numbers only when they are finite, and refuses column names that the syntax cannot carry.
//!
//! ```
//! use mc_auth::api::filter::col;
//!
//! let filter = col("Email").eq("o'brien@example.com").and(col("Age").ge(30).or(col("Vip").eq(true)));
//! assert_eq!(
//!     filter.expression().unwrap(),
//!     "(Email eq 'o''brien@example.com') and ((Age ge 30) or (Vip eq true))"
//! );
//! ```
//!
//! Use it with [`RowQuery::matching`](super::data_extensions::RowQuery::matching). A column name
//! outside the syntax (letters, digits, `_`, `.`, `-`) or a number that is not finite is an
//! error there, naming the problem; nothing is sent.

use std::fmt;

use crate::error::{Error, Result};

/// A column of the queried rows, to compare with a value: `col("Email").eq("ada@example.com")`.
pub fn col(name: impl Into<String>) -> Column {
    Column { name: name.into() }
}

/// A column name, from [`col`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    name: String,
}

/// A value to compare a column with: text (quoted), a number or a boolean.
///
/// Built from `&str`, `String`, integers, `f64` (finite only) and `bool`.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterValue(Literal);

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Text(String),
    Integer(i128),
    Float(f64),
    Bool(bool),
}

impl From<&str> for FilterValue {
    fn from(v: &str) -> Self {
        FilterValue(Literal::Text(v.to_owned()))
    }
}

impl From<String> for FilterValue {
    fn from(v: String) -> Self {
        FilterValue(Literal::Text(v))
    }
}

impl From<&String> for FilterValue {
    fn from(v: &String) -> Self {
        FilterValue(Literal::Text(v.clone()))
    }
}

impl From<bool> for FilterValue {
    fn from(v: bool) -> Self {
        FilterValue(Literal::Bool(v))
    }
}

impl From<f64> for FilterValue {
    fn from(v: f64) -> Self {
        FilterValue(Literal::Float(v))
    }
}

macro_rules! integer_values {
    ($($t:ty)+) => {$(
        impl From<$t> for FilterValue {
            fn from(v: $t) -> Self {
                FilterValue(Literal::Integer(i128::from(v)))
            }
        }
    )+};
}

integer_values!(i8 i16 i32 i64 u8 u16 u32 u64);

/// MC's `$filter` comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Like,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::Like => "like",
        }
    }
}

/// A `$filter` expression: comparisons joined with [`and`](Self::and) and [`or`](Self::or).
///
/// Its `Display` is the expression, or `<invalid filter: ...>` when a part was refused; use
/// [`expression`](Self::expression) to get it or the error.
#[derive(Debug, Clone, PartialEq)]
pub struct RowFilter(Node);

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Compare { column: String, op: Op, value: Literal },
    And(Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
}

impl Column {
    fn compare(self, op: Op, value: impl Into<FilterValue>) -> RowFilter {
        RowFilter(Node::Compare {
            column: self.name,
            op,
            value: value.into().0,
        })
    }

    /// `column eq value`.
    pub fn eq(self, value: impl Into<FilterValue>) -> RowFilter {
        self.compare(Op::Eq, value)
    }

    /// `column ne value`.
    pub fn ne(self, value: impl Into<FilterValue>) -> RowFilter {
        self.compare(Op::Ne, value)
    }

    /// `column gt value`.
    pub fn gt(self, value: impl Into<FilterValue>) -> RowFilter {
        self.compare(Op::Gt, value)
    }

    /// `column ge value`.
    pub fn ge(self, value: impl Into<FilterValue>) -> RowFilter {
        self.compare(Op::Ge, value)
    }

    /// `column lt value`.
    pub fn lt(self, value: impl Into<FilterValue>) -> RowFilter {
        self.compare(Op::Lt, value)
    }

    /// `column le value`.
    pub fn le(self, value: impl Into<FilterValue>) -> RowFilter {
        self.compare(Op::Le, value)
    }

    /// `column like 'pattern'`: SQL `LIKE`, `%` for any run of characters and `_` for one.
    /// The pattern is quoted like any text; `%` and `_` keep their meaning.
    pub fn like(self, pattern: impl Into<String>) -> RowFilter {
        self.compare(Op::Like, FilterValue(Literal::Text(pattern.into())))
    }
}

impl RowFilter {
    /// Both `self` and `other` (each side parenthesised).
    pub fn and(self, other: RowFilter) -> RowFilter {
        RowFilter(Node::And(Box::new(self.0), Box::new(other.0)))
    }

    /// Either `self` or `other` (each side parenthesised).
    pub fn or(self, other: RowFilter) -> RowFilter {
        RowFilter(Node::Or(Box::new(self.0), Box::new(other.0)))
    }

    /// The `$filter` text, or an error naming the column name or number the syntax cannot
    /// carry.
    pub fn expression(&self) -> Result<String> {
        let mut out = String::new();
        write_node(&self.0, &mut out)?;
        Ok(out)
    }
}

impl fmt::Display for RowFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expression() {
            Ok(text) => f.write_str(&text),
            Err(e) => write!(f, "<invalid filter: {e}>"),
        }
    }
}

fn write_node(node: &Node, out: &mut String) -> Result<()> {
    match node {
        Node::Compare { column, op, value } => {
            check_column(column)?;
            out.push_str(column);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_literal(column, value, out)
        }
        Node::And(a, b) | Node::Or(a, b) => {
            let joiner = if matches!(node, Node::And(..)) { " and " } else { " or " };
            out.push('(');
            write_node(a, out)?;
            out.push(')');
            out.push_str(joiner);
            out.push('(');
            write_node(b, out)?;
            out.push(')');
            Ok(())
        }
    }
}

/// Column names the `$filter` syntax carries unquoted: letters, digits, `_`, `.`, `-`, not
/// starting with a digit or `-`, and not a keyword of the syntax.
fn check_column(name: &str) -> Result<()> {
    let fits = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let keyword = ["and", "or", "eq", "ne", "gt", "ge", "lt", "le", "like", "true", "false"]
        .iter()
        .any(|k| name.eq_ignore_ascii_case(k));
    if fits && !keyword && name.len() <= 128 {
        return Ok(());
    }
    let shown: String = name.chars().take(64).collect::<String>().escape_debug().to_string();
    Err(Error::config(
        "filter",
        format!(
            "the column name \"{shown}\" cannot be written in a $filter: use a name of ASCII letters, digits, `_`, `.` or `-` (at most 128, starting with a letter or `_`, not a keyword such as `and`)"
        ),
    ))
}

fn write_literal(column: &str, value: &Literal, out: &mut String) -> Result<()> {
    match value {
        Literal::Text(text) => {
            out.push('\'');
            out.push_str(&text.replace('\'', "''"));
            out.push('\'');
        }
        Literal::Integer(n) => out.push_str(&n.to_string()),
        Literal::Float(x) if x.is_finite() => out.push_str(&x.to_string()),
        Literal::Float(x) => {
            return Err(Error::config(
                "filter",
                format!(
                    "the value compared with `{column}` is {x}, which a $filter cannot express: pass a finite number"
                ),
            ))
        }
        Literal::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_doubled_so_a_value_cannot_end_the_string() {
        let f = col("Email").eq("x' or Email ne 'y");
        assert_eq!(f.expression().unwrap(), "Email eq 'x'' or Email ne ''y'");
        assert_eq!(col("Name").like("O'B%").expression().unwrap(), "Name like 'O''B%'");
    }

    #[test]
    fn numbers_booleans_and_nesting() {
        let f = col("A").gt(1u8).and(col("B").le(-2i64).or(col("C").ne(false)));
        assert_eq!(f.expression().unwrap(), "(A gt 1) and ((B le -2) or (C ne false))");
        assert_eq!(col("Score").ge(2.5).expression().unwrap(), "Score ge 2.5");
        assert_eq!(
            col("Big").eq(u64::MAX).expression().unwrap(),
            format!("Big eq {}", u64::MAX)
        );
    }

    #[test]
    fn names_and_numbers_the_syntax_cannot_carry_are_errors() {
        for bad in [
            "",
            "Email or 1",
            "1st",
            "-x",
            "a'b",
            "and",
            "LIKE",
            "名前",
            &"x".repeat(129),
        ] {
            let err = col(bad).eq(1).expression().unwrap_err().to_string();
            assert!(err.contains("cannot be written in a $filter"), "{bad}: {err}");
        }
        let err = col("A").eq(f64::NAN).expression().unwrap_err().to_string();
        assert!(err.contains("finite"), "{err}");
        assert!(col("A").eq(f64::INFINITY).to_string().starts_with("<invalid filter"));
        // A bad part anywhere spoils the whole expression.
        assert!(col("A").eq(1).and(col("b c").eq(2)).expression().is_err());
    }
}
