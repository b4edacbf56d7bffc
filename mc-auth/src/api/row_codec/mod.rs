//! Data extension rows as your own types, through `serde`: decode a row into a
//! `#[derive(Deserialize)]` struct, encode a `#[derive(Serialize)]` struct as a row.
//!
//! ```
//! use mc_auth::api::data_extensions::Row;
//! use mc_auth::api::row_codec::RowDate;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Deserialize, Serialize, PartialEq)]
//! struct Customer {
//!     #[serde(rename = "Email Address")]
//!     email: String,
//!     age: Option<u32>,
//!     vip: bool,
//!     joined: RowDate,
//! }
//!
//! // MC sends every value as text, and may change the case of column names.
//! let row = Row::new()
//!     .key("email address", "ada@example.com")
//!     .value("AGE", "36")
//!     .value("Vip", "True")
//!     .value("Joined", "1/2/2026 12:00:00 AM");
//! let ada: Customer = row.decode()?;
//! assert_eq!(ada.age, Some(36));
//! assert_eq!(ada.joined.to_string(), "2026-01-02");
//!
//! let again = Row::encode(&ada, &["Email Address"])?;
//! assert_eq!(again.keys["Email Address"], "ada@example.com");
//! # Ok::<(), mc_auth::Error>(())
//! ```
//!
//! # Decoding
//! The fields of the struct are the row's columns:
//! - **Names** match ignoring case (MC answers REST queries with lower-cased names);
//!   `#[serde(rename)]` and `rename_all` are honoured. Columns the struct has no field for are
//!   ignored, unless it is `#[serde(deny_unknown_fields)]`.
//! - **Values** are MC's text, converted to the field's type: integers (`i8` to `u128`),
//!   floats (`f32`, `f64`; NaN and infinity are refused), booleans (`True`, `False`, `true`,
//!   `false` in any case, `1`, `0`), `char`, `String`, unit enum variants (by name), and
//!   dates ([`RowDateTime`], [`RowDate`]). Surrounding spaces are ignored except for strings.
//!   JSON numbers and booleans (as the fake and some MC endpoints send them) are read as
//!   their text.
//! - **Empty values**: an `Option` field is `None` when the column is null, empty or blank,
//!   or missing. A `String` field reads null as `""` (SOAP cannot tell the two apart). Any
//!   other type needs a value.
//! - **Not columns**: a field that is a struct, a map or a sequence cannot be read from one
//!   column; read it as a `String` and parse it. `#[serde(flatten)]` works for string fields
//!   only (serde buffers flattened values, so the text conversions above do not reach them)
//!   and matches names exactly.
//!
//! A mismatch is an [`Error::RowCodec`] naming the row, its key
//! values when known, the column, and what was expected and found:
//! `row 3 (SubscriberKey "a-3"): column "Age": expected an integer, found "twelve"`. A value
//! error names the column as the row spells it (MC's name); a missing column is named as the
//! struct spells it, and the error lists the columns the row has.
//!
//! # Encoding
//! A struct (or a map with string keys) becomes one column per field, in order; `Option::None`
//! is null (an empty value on SOAP), booleans are JSON booleans on REST and `True` / `False`
//! on SOAP, numbers are JSON numbers on REST and their decimal text on SOAP. Refused before
//! anything is sent, as [`Error::RowCodec`] naming the row and the
//! column: a field that is a nested struct, a map, a sequence, a tuple, bytes or a non-unit
//! enum variant; a float that is NaN or infinite; an empty column name; two columns whose
//! names differ only in case (MC's column names ignore case, so one would overwrite the
//! other).

mod dates;
mod de;
mod ser;

use std::borrow::Cow;
use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};

pub use dates::{DateParseError, RowDate, RowDateTime};

use crate::error::Error;

/// Longest value quoted whole in an error; longer ones are cut, with their length given.
const MAX_QUOTED_CHARS: usize = 64;

/// Most column names listed in an error about a missing column.
const MAX_LISTED_COLUMNS: usize = 20;

/// One column's value as it came from MC.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    /// JSON null.
    Null,
    /// Text (MC's usual form), or a JSON number or boolean as its text.
    Text(Cow<'a, str>),
    /// A JSON array or object: what it was, for the error.
    Nested(&'static str),
}

impl<'a> Cell<'a> {
    /// A REST row's JSON value.
    pub(crate) fn from_json(value: &'a Value) -> Self {
        match value {
            Value::Null => Cell::Null,
            Value::String(s) => Cell::Text(Cow::Borrowed(s)),
            Value::Bool(b) => Cell::Text(Cow::Borrowed(if *b { "true" } else { "false" })),
            Value::Number(n) => Cell::Text(Cow::Owned(n.to_string())),
            Value::Array(_) => Cell::Nested("a JSON array"),
            Value::Object(_) => Cell::Nested("a JSON object"),
        }
    }
}

/// A row to decode: its columns in order, and what names it in errors.
pub(crate) struct RowInput<'a> {
    /// Column name and value.
    pub columns: Vec<(&'a str, Cell<'a>)>,
    /// The row's position, when it is one of many.
    pub index: Option<u64>,
    /// Its primary-key columns, when known (made into the error's key list only on error).
    pub keys: Option<&'a Map<String, Value>>,
}

impl<'a> RowInput<'a> {
    /// The columns of a REST row (`keys` then `values`), its keys naming it in errors.
    pub(crate) fn rest(keys: &'a Map<String, Value>, values: &'a Map<String, Value>, index: Option<u64>) -> Self {
        RowInput {
            columns: keys
                .iter()
                .chain(values.iter())
                .map(|(k, v)| (k.as_str(), Cell::from_json(v)))
                .collect(),
            index,
            keys: Some(keys),
        }
    }

    /// The key list for an error: each key column and its value, shortened.
    fn key_list(&self) -> Vec<(String, String)> {
        self.keys
            .into_iter()
            .flatten()
            .take(MAX_LISTED_COLUMNS)
            .map(|(k, v)| {
                let text = match Cell::from_json(v) {
                    Cell::Text(t) => t.into_owned(),
                    Cell::Null => "null".to_owned(),
                    Cell::Nested(what) => what.to_owned(),
                };
                (short_name(k), short_text(&text))
            })
            .collect()
    }

    /// Name–value pairs (SOAP `Property` elements).
    pub(crate) fn pairs(pairs: &'a [(String, String)], index: Option<u64>) -> Self {
        RowInput {
            columns: pairs
                .iter()
                .map(|(k, v)| (k.as_str(), Cell::Text(Cow::Borrowed(v.as_str()))))
                .collect(),
            index,
            keys: None,
        }
    }

    /// Decodes the row into `T`.
    pub(crate) fn decode<T: DeserializeOwned>(&self) -> Result<T, Error> {
        T::deserialize(de::RowDeserializer { row: self }).map_err(|e| self.error(e))
    }

    fn error(&self, e: CodecError) -> Error {
        let problem = match e.kind {
            Kind::Problem(p) => p,
            Kind::Missing => {
                let mut names: Vec<String> = self
                    .columns
                    .iter()
                    .take(MAX_LISTED_COLUMNS)
                    .map(|(n, _)| format!("{:?}", short_name(n)))
                    .collect();
                if self.columns.len() > MAX_LISTED_COLUMNS {
                    names.push(format!("and {} more", self.columns.len() - MAX_LISTED_COLUMNS));
                }
                let present = if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                };
                format!(
                    "missing from the row (its columns: {present}); retrieve that column, or make the field an Option or #[serde(default)]"
                )
            }
        };
        Error::RowCodec {
            row: self.index,
            keys: self.key_list(),
            column: e.column.map(|c| short_name(&c)),
            problem: bound(problem),
        }
    }
}

/// One encoded column value, before it is written as JSON (REST) or text (SOAP).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CellOut {
    /// `None` or `()`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A signed integer.
    Int(i64),
    /// An unsigned integer.
    Uint(u64),
    /// A finite float, the text it is written as, and whether it was an `f32` (written to JSON
    /// in its short form, `0.1` rather than `0.10000000149011612`).
    Float(f64, String, bool),
    /// Text (strings, chars, unit variants, integers too wide for JSON, dates).
    Text(String),
}

impl CellOut {
    /// As a JSON value (REST).
    pub(crate) fn into_json(self) -> Value {
        match self {
            CellOut::Null => Value::Null,
            CellOut::Bool(b) => Value::Bool(b),
            CellOut::Int(i) => Value::from(i),
            CellOut::Uint(u) => Value::from(u),
            CellOut::Float(f, text, single) => {
                let short = if single {
                    text.parse::<serde_json::Number>().ok()
                } else {
                    None
                };
                short
                    .or_else(|| serde_json::Number::from_f64(f))
                    .map_or(Value::String(text), Value::Number)
            }
            CellOut::Text(t) => Value::String(t),
        }
    }

    /// As SOAP text: null is empty, booleans are `True` / `False`.
    pub(crate) fn into_text(self) -> String {
        match self {
            CellOut::Null => String::new(),
            CellOut::Bool(true) => "True".to_owned(),
            CellOut::Bool(false) => "False".to_owned(),
            CellOut::Int(i) => i.to_string(),
            CellOut::Uint(u) => u.to_string(),
            CellOut::Float(_, text, _) | CellOut::Text(text) => text,
        }
    }
}

/// Encodes `value` as a row's columns, in order; `index` names the row in errors.
pub(crate) fn encode<T: Serialize + ?Sized>(value: &T, index: Option<u64>) -> Result<Vec<(String, CellOut)>, Error> {
    value.serialize(ser::RowSerializer).map_err(|e| Error::RowCodec {
        row: index,
        keys: Vec::new(),
        column: e.column.map(|c| short_name(&c)),
        problem: bound(match e.kind {
            Kind::Problem(p) => p,
            Kind::Missing => "missing".to_owned(),
        }),
    })
}

/// The field names `T` deserializes from, when it is a plain struct (no `flatten`).
pub(crate) fn struct_fields<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    de::struct_fields::<T>()
}

/// Splits encoded columns into a REST row: the columns named in `key_columns` (ignoring
/// case) are its keys. Each key column must be present and not null.
pub(crate) fn keyed_row(
    columns: Vec<(String, CellOut)>,
    key_columns: &[&str],
    index: Option<u64>,
) -> Result<crate::api::data_extensions::Row, Error> {
    let mut row = crate::api::data_extensions::Row::new();
    if key_columns.is_empty() {
        return Err(Error::RowCodec {
            row: index,
            keys: Vec::new(),
            column: None,
            problem: "no primary-key columns were named; MC's synchronous rowset upsert needs the key columns to find each row: pass the data extension's primary-key column names".to_owned(),
        });
    }
    for (name, cell) in columns {
        if key_columns.iter().any(|k| same_name(k, &name)) {
            if cell == CellOut::Null {
                return Err(Error::RowCodec {
                    row: index,
                    keys: Vec::new(),
                    column: Some(short_name(&name)),
                    problem: "a primary-key column is null; every row needs a value in each key column".to_owned(),
                });
            }
            row.keys.insert(name, cell.into_json());
        } else {
            row.values.insert(name, cell.into_json());
        }
    }
    if let Some(missing) = key_columns
        .iter()
        .find(|k| !row.keys.keys().any(|name| same_name(k, name)))
    {
        return Err(Error::RowCodec {
            row: index,
            keys: Vec::new(),
            column: Some(short_name(missing)),
            problem: "a primary-key column named in the call is not a field of the row's type; name the key columns as the type's fields (or their #[serde(rename)]) spell them".to_owned(),
        });
    }
    Ok(row)
}

/// True when two column names are the same for MC (which ignores case).
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b) || (!a.is_ascii() && a.to_lowercase() == b.to_lowercase())
}

/// What went wrong inside the serde traits, before the row is known.
#[derive(Debug)]
pub(crate) struct CodecError {
    /// The column, once known.
    column: Option<String>,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// The column is missing.
    Missing,
    /// Anything else, in words.
    Problem(String),
}

impl CodecError {
    fn problem(text: impl Into<String>) -> Self {
        CodecError {
            column: None,
            kind: Kind::Problem(bound(text.into())),
        }
    }

    fn at(column: &str, text: impl Into<String>) -> Self {
        CodecError {
            column: Some(column.to_owned()),
            kind: Kind::Problem(bound(text.into())),
        }
    }

    /// This error, naming `column` unless it names one already.
    fn in_column(mut self, column: &str) -> Self {
        if self.column.is_none() {
            self.column = Some(column.to_owned());
        }
        self
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Missing => f.write_str("missing"),
            Kind::Problem(p) => f.write_str(p),
        }
    }
}

impl std::error::Error for CodecError {}

/// Longest problem text kept in an error.
const MAX_PROBLEM_CHARS: usize = 600;

/// `text`, cut to [`MAX_PROBLEM_CHARS`] characters.
fn bound(text: String) -> String {
    if text.chars().count() <= MAX_PROBLEM_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_PROBLEM_CHARS).collect();
    cut.push_str("… (cut short)");
    cut
}

/// A value for an error message: quoted, and cut to [`MAX_QUOTED_CHARS`] characters with its
/// length given when longer.
pub(crate) fn quote(value: &str) -> String {
    if value.chars().count() <= MAX_QUOTED_CHARS {
        format!("{value:?}")
    } else {
        let head: String = value.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{:?} ({} bytes in all)", format!("{head}…"), value.len())
    }
}

/// A value for an error's key list (quoted when displayed): cut like [`quote`].
fn short_text(value: &str) -> String {
    if value.chars().count() <= MAX_QUOTED_CHARS {
        value.to_owned()
    } else {
        let head: String = value.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{head}… ({} bytes in all)", value.len())
    }
}

/// A column name for an error: cut at 128 characters (MC's own limit for names).
fn short_name(name: &str) -> String {
    if name.chars().count() <= 128 {
        name.to_owned()
    } else {
        let head: String = name.chars().take(128).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests;
