//! The `serde` deserializer over one row's columns.

use std::fmt::Display;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, MapAccess, Unexpected, Visitor};
use serde::forward_to_deserialize_any;

use super::{quote, same_name, Cell, CodecError, Kind, RowInput};

impl de::Error for CodecError {
    fn custom<T: Display>(msg: T) -> Self {
        CodecError::problem(msg.to_string())
    }

    fn invalid_type(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        CodecError::problem(format!("expected {exp}, found {}", unexpected(unexp)))
    }

    fn invalid_value(unexp: Unexpected<'_>, exp: &dyn Expected) -> Self {
        CodecError::problem(format!("expected {exp}, found {}", unexpected(unexp)))
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        CodecError::problem(format!("expected one of {}, found {}", list(expected), quote(variant)))
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        CodecError::at(
            field,
            format!(
                "not a field of the type, which denies unknown columns (#[serde(deny_unknown_fields)]); its fields: {}",
                list(expected)
            ),
        )
    }

    fn missing_field(field: &'static str) -> Self {
        CodecError {
            column: Some(field.to_owned()),
            kind: Kind::Missing,
        }
    }

    fn duplicate_field(field: &'static str) -> Self {
        CodecError::at(
            field,
            "appears twice in the row (column names ignore case); rename one of the columns",
        )
    }
}

/// `Unexpected`, with any text in it quoted and cut short.
fn unexpected(u: Unexpected<'_>) -> String {
    match u {
        Unexpected::Str(s) => quote(s),
        Unexpected::Bytes(b) => quote(&String::from_utf8_lossy(b)),
        other => other.to_string(),
    }
}

fn list(names: &[&str]) -> String {
    const MAX: usize = 20;
    let mut out: Vec<String> = names.iter().take(MAX).map(|n| format!("{n:?}")).collect();
    if names.len() > MAX {
        out.push(format!("and {} more", names.len() - MAX));
    }
    if out.is_empty() {
        "none".to_owned()
    } else {
        out.join(", ")
    }
}

/// The whole row: a struct (or map) whose fields are the columns.
pub(super) struct RowDeserializer<'r, 'a> {
    pub row: &'r RowInput<'a>,
}

impl<'de> de::Deserializer<'de> for RowDeserializer<'_, '_> {
    type Error = CodecError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        visitor.visit_map(Columns {
            columns: &self.row.columns,
            fields: &[],
            at: 0,
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        visitor.visit_map(Columns {
            columns: &self.row.columns,
            fields,
            at: 0,
        })
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        visitor.visit_unit()
    }

    fn deserialize_bool<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a boolean"))
    }
    fn deserialize_i8<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_i16<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_i32<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_i64<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_u8<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_u16<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_u32<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_u64<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_f32<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_f64<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a number"))
    }
    fn deserialize_char<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a character"))
    }
    fn deserialize_str<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a string"))
    }
    fn deserialize_string<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a string"))
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("bytes"))
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("bytes"))
    }
    fn deserialize_option<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("an Option"))
    }
    fn deserialize_unit<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("()"))
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(self, _n: &'static str, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a unit struct"))
    }
    fn deserialize_seq<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a sequence"))
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, _l: usize, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("a tuple"))
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _n: &'static str,
        _l: usize,
        _v: V,
    ) -> Result<V::Value, CodecError> {
        Err(not_a_row("a tuple struct"))
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _n: &'static str,
        _variants: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, CodecError> {
        Err(not_a_row("an enum"))
    }
    fn deserialize_identifier<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, CodecError> {
        Err(not_a_row("an identifier"))
    }
}

fn not_a_row(what: &str) -> CodecError {
    CodecError::problem(format!(
        "a row decodes into a struct (or a map) whose fields are its columns, not into {what}"
    ))
}

/// The columns as a map: each key is the struct's own spelling of the field it matches
/// (ignoring case), or the column's name when it matches none.
struct Columns<'r, 'a> {
    columns: &'r [(&'a str, Cell<'a>)],
    fields: &'static [&'static str],
    at: usize,
}

impl<'de> MapAccess<'de> for Columns<'_, '_> {
    type Error = CodecError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, CodecError> {
        let Some((name, _)) = self.columns.get(self.at) else {
            return Ok(None);
        };
        let key = self
            .fields
            .iter()
            .find(|f| **f == *name)
            .or_else(|| self.fields.iter().find(|f| same_name(f, name)))
            .copied()
            .unwrap_or(name);
        seed.deserialize(key.into_deserializer())
            .map(Some)
            .map_err(|e: CodecError| e.in_column(name))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, CodecError> {
        let Some((name, cell)) = self.columns.get(self.at) else {
            return Err(CodecError::problem("a value was asked for past the last column"));
        };
        self.at += 1;
        seed.deserialize(CellDeserializer { cell })
            .map_err(|e| e.in_column(name))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.columns.len() - self.at)
    }
}

/// One column's value.
struct CellDeserializer<'c, 'a> {
    cell: &'c Cell<'a>,
}

impl CellDeserializer<'_, '_> {
    /// The text, or an error saying what was expected instead of null or a nested value.
    fn text(&self, expected: &str) -> Result<&str, CodecError> {
        match self.cell {
            Cell::Text(t) => Ok(t),
            Cell::Null => Err(CodecError::problem(format!(
                "expected {expected}, found null; make the field an Option to accept empty values"
            ))),
            Cell::Nested(what) => Err(CodecError::problem(format!("expected {expected}, found {what}"))),
        }
    }

    /// The trimmed text, refusing an empty one.
    fn value(&self, expected: &str) -> Result<&str, CodecError> {
        let t = self.text(expected)?.trim();
        if t.is_empty() {
            return Err(CodecError::problem(format!(
                "expected {expected}, found an empty value; make the field an Option to accept empty values"
            )));
        }
        Ok(t)
    }

    fn integer<T: std::str::FromStr>(&self, what: &str) -> Result<T, CodecError> {
        let t = self.value(what)?;
        let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
        match t.parse::<T>() {
            Ok(v) => Ok(v),
            Err(_) if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => Err(CodecError::problem(
                format!("expected {what}, found {} (out of range)", quote(t)),
            )),
            Err(_) => Err(CodecError::problem(format!("expected {what}, found {}", quote(t)))),
        }
    }

    fn float(&self) -> Result<f64, CodecError> {
        const WHAT: &str = "a number";
        let t = self.value(WHAT)?;
        let plain = t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'));
        match t.parse::<f64>() {
            Ok(v) if plain && v.is_finite() => Ok(v),
            _ => Err(CodecError::problem(format!("expected {WHAT}, found {}", quote(t)))),
        }
    }
}

macro_rules! integers {
    ($($method:ident $visit:ident $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
            visitor.$visit(self.integer::<$ty>($what)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for CellDeserializer<'_, '_> {
    type Error = CodecError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.cell {
            Cell::Null => visitor.visit_none(),
            Cell::Text(t) => visitor.visit_str(t),
            Cell::Nested(what) => Err(CodecError::problem(format!("expected one value, found {what}"))),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        const WHAT: &str = "a boolean (True, False, 1 or 0)";
        let t = self.value(WHAT)?;
        if t.eq_ignore_ascii_case("true") || t == "1" {
            visitor.visit_bool(true)
        } else if t.eq_ignore_ascii_case("false") || t == "0" {
            visitor.visit_bool(false)
        } else {
            Err(CodecError::problem(format!("expected {WHAT}, found {}", quote(t))))
        }
    }

    integers! {
        deserialize_i8 visit_i8 i8, "an integer from -128 to 127";
        deserialize_i16 visit_i16 i16, "an integer from -32768 to 32767";
        deserialize_i32 visit_i32 i32, "an integer";
        deserialize_i64 visit_i64 i64, "an integer";
        deserialize_i128 visit_i128 i128, "an integer";
        deserialize_u8 visit_u8 u8, "an integer from 0 to 255";
        deserialize_u16 visit_u16 u16, "an integer from 0 to 65535";
        deserialize_u32 visit_u32 u32, "a non-negative integer";
        deserialize_u64 visit_u64 u64, "a non-negative integer";
        deserialize_u128 visit_u128 u128, "a non-negative integer";
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        let v = self.float()?;
        if v.abs() > f64::from(f32::MAX) {
            return Err(CodecError::problem(format!(
                "expected a number that fits in an f32, found {}",
                quote(self.text("")?.trim())
            )));
        }
        visitor.visit_f32(v as f32)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        visitor.visit_f64(self.float()?)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        const WHAT: &str = "one character";
        let t = self.text(WHAT)?;
        let mut chars = t.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => visitor.visit_char(c),
            _ => Err(CodecError::problem(format!("expected {WHAT}, found {}", quote(t)))),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.cell {
            Cell::Null => visitor.visit_str(""),
            Cell::Text(t) => visitor.visit_str(t),
            Cell::Nested(what) => Err(CodecError::problem(format!("expected text, found {what}"))),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        visitor.visit_bytes(self.text("text")?.as_bytes())
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.cell {
            Cell::Null => visitor.visit_none(),
            Cell::Text(t) if t.trim().is_empty() => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        match self.cell {
            Cell::Null => visitor.visit_unit(),
            Cell::Text(t) if t.trim().is_empty() => visitor.visit_unit(),
            Cell::Text(t) => Err(CodecError::problem(format!(
                "expected an empty value, found {}",
                quote(t)
            ))),
            Cell::Nested(what) => Err(CodecError::problem(format!("expected an empty value, found {what}"))),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, CodecError> {
        let what = format!("one of {}", list(variants));
        let t = self.value(&what)?;
        visitor.visit_enum(t.into_deserializer())
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, CodecError> {
        visitor.visit_unit()
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, CodecError> {
        Err(not_one_column("a sequence"))
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, _visitor: V) -> Result<V::Value, CodecError> {
        Err(not_one_column("a tuple"))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        _visitor: V,
    ) -> Result<V::Value, CodecError> {
        Err(not_one_column("a tuple struct"))
    }

    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, CodecError> {
        Err(not_one_column("a map"))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        _visitor: V,
    ) -> Result<V::Value, CodecError> {
        Err(not_one_column("a struct"))
    }
}

fn not_one_column(what: &str) -> CodecError {
    CodecError::problem(format!(
        "a field that is {what} cannot be read from one column; make it a String (or a type that reads itself from text) and parse it"
    ))
}

/// The field names `T`'s derived `Deserialize` asks for, found by asking it to deserialize
/// from a probe that answers nothing.
pub(super) fn struct_fields<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    struct Probe;
    #[derive(Debug)]
    struct Found(Option<&'static [&'static str]>);
    impl Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("probe")
        }
    }
    impl std::error::Error for Found {}
    impl de::Error for Found {
        fn custom<M: Display>(_msg: M) -> Self {
            Found(None)
        }
    }
    impl<'de> de::Deserializer<'de> for Probe {
        type Error = Found;
        fn deserialize_any<V: Visitor<'de>>(self, _v: V) -> Result<V::Value, Found> {
            Err(Found(None))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _v: V,
        ) -> Result<V::Value, Found> {
            Err(Found(Some(fields)))
        }
        fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, v: V) -> Result<V::Value, Found> {
            v.visit_newtype_struct(self)
        }
        forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }
    match T::deserialize(Probe) {
        Err(Found(fields)) => fields,
        Ok(_) => None,
    }
}
