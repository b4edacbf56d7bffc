//! The `serde` serializer that turns a struct (or map) into a row's columns.

use std::collections::HashSet;
use std::fmt::Display;

use serde::ser::{self, Impossible, Serialize};

use super::{quote, CellOut, CodecError};

impl ser::Error for CodecError {
    fn custom<T: Display>(msg: T) -> Self {
        CodecError::problem(msg.to_string())
    }
}

type Columns = Vec<(String, CellOut)>;

fn not_a_row(what: &str) -> CodecError {
    CodecError::problem(format!(
        "a row is encoded from a struct (or a map with text keys) whose fields are its columns, not from {what}; nothing was sent"
    ))
}

fn not_one_column(what: &str) -> CodecError {
    CodecError::problem(format!(
        "{what} cannot be one column (a column holds one value); flatten it into the row's fields or serialize it to a String first; nothing was sent"
    ))
}

/// The whole row.
pub(super) struct RowSerializer;

/// Collects columns, refusing names that repeat (ignoring case) or are empty.
#[derive(Default)]
pub(super) struct Collect {
    columns: Columns,
    seen: HashSet<String>,
    pending_key: Option<String>,
}

impl Collect {
    fn push<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), CodecError> {
        if name.trim().is_empty() {
            return Err(CodecError::problem(format!(
                "a column name is empty ({}); MC needs every column named; nothing was sent",
                quote(name)
            )));
        }
        let cell = match value.serialize(CellSerializer) {
            Ok(cell) => cell,
            // `skip_serializing_if` is the way to leave a column out; a skipped field is not
            // pushed at all, so every value here is a column.
            Err(e) => return Err(e.in_column(name)),
        };
        if !self.seen.insert(name.to_lowercase()) {
            let first = self
                .columns
                .iter()
                .find(|(n, _)| super::same_name(n, name))
                .map_or_else(|| name.to_owned(), |(n, _)| n.clone());
            return Err(CodecError::at(
                name,
                format!(
                    "appears twice (as {} and {}); MC's column names ignore case, so one would overwrite the other; rename one; nothing was sent",
                    quote(&first),
                    quote(name)
                ),
            ));
        }
        self.columns.push((name.to_owned(), cell));
        Ok(())
    }
}

impl ser::Serializer for RowSerializer {
    type Ok = Columns;
    type Error = CodecError;
    type SerializeSeq = Impossible<Columns, CodecError>;
    type SerializeTuple = Impossible<Columns, CodecError>;
    type SerializeTupleStruct = Impossible<Columns, CodecError>;
    type SerializeTupleVariant = Impossible<Columns, CodecError>;
    type SerializeMap = Collect;
    type SerializeStruct = Collect;
    type SerializeStructVariant = Impossible<Columns, CodecError>;

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Collect, CodecError> {
        Ok(Collect::default())
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Collect, CodecError> {
        Ok(Collect::default())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Columns, CodecError> {
        value.serialize(self)
    }

    fn serialize_bool(self, _v: bool) -> Result<Columns, CodecError> {
        Err(not_a_row("a boolean"))
    }
    fn serialize_i8(self, _v: i8) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_i16(self, _v: i16) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_i32(self, _v: i32) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_i64(self, _v: i64) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_u8(self, _v: u8) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_u16(self, _v: u16) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_u32(self, _v: u32) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_u64(self, _v: u64) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_f32(self, _v: f32) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_f64(self, _v: f64) -> Result<Columns, CodecError> {
        Err(not_a_row("a number"))
    }
    fn serialize_char(self, _v: char) -> Result<Columns, CodecError> {
        Err(not_a_row("a character"))
    }
    fn serialize_str(self, _v: &str) -> Result<Columns, CodecError> {
        Err(not_a_row("a string"))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<Columns, CodecError> {
        Err(not_a_row("bytes"))
    }
    fn serialize_none(self) -> Result<Columns, CodecError> {
        Err(not_a_row("None"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _v: &T) -> Result<Columns, CodecError> {
        Err(not_a_row("an Option"))
    }
    fn serialize_unit(self) -> Result<Columns, CodecError> {
        Err(not_a_row("()"))
    }
    fn serialize_unit_struct(self, _n: &'static str) -> Result<Columns, CodecError> {
        Err(not_a_row("a unit struct"))
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, _v: &'static str) -> Result<Columns, CodecError> {
        Err(not_a_row("an enum variant"))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _value: &T,
    ) -> Result<Columns, CodecError> {
        Err(not_a_row("an enum variant"))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, CodecError> {
        Err(not_a_row("a sequence"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, CodecError> {
        Err(not_a_row("a tuple"))
    }
    fn serialize_tuple_struct(self, _n: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, CodecError> {
        Err(not_a_row("a tuple struct"))
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, CodecError> {
        Err(not_a_row("an enum variant"))
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        _v: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, CodecError> {
        Err(not_a_row("an enum variant"))
    }
}

impl ser::SerializeStruct for Collect {
    type Ok = Columns;
    type Error = CodecError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), CodecError> {
        self.push(key, value)
    }

    fn end(self) -> Result<Columns, CodecError> {
        Ok(self.columns)
    }
}

impl ser::SerializeMap for Collect {
    type Ok = Columns;
    type Error = CodecError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CodecError> {
        match key.serialize(CellSerializer)? {
            CellOut::Text(name) => {
                self.pending_key = Some(name);
                Ok(())
            }
            _ => Err(CodecError::problem(
                "a map encoded as a row needs text keys (the column names); nothing was sent",
            )),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CodecError> {
        let Some(name) = self.pending_key.take() else {
            return Err(CodecError::problem("a map value came without its key"));
        };
        self.push(&name, value)
    }

    fn end(self) -> Result<Columns, CodecError> {
        Ok(self.columns)
    }
}

/// One column's value.
struct CellSerializer;

impl ser::Serializer for CellSerializer {
    type Ok = CellOut;
    type Error = CodecError;
    type SerializeSeq = Impossible<CellOut, CodecError>;
    type SerializeTuple = Impossible<CellOut, CodecError>;
    type SerializeTupleStruct = Impossible<CellOut, CodecError>;
    type SerializeTupleVariant = Impossible<CellOut, CodecError>;
    type SerializeMap = Impossible<CellOut, CodecError>;
    type SerializeStruct = Impossible<CellOut, CodecError>;
    type SerializeStructVariant = Impossible<CellOut, CodecError>;

    fn serialize_bool(self, v: bool) -> Result<CellOut, CodecError> {
        Ok(CellOut::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<CellOut, CodecError> {
        Ok(CellOut::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<CellOut, CodecError> {
        Ok(CellOut::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<CellOut, CodecError> {
        Ok(CellOut::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<CellOut, CodecError> {
        Ok(CellOut::Int(v))
    }
    fn serialize_i128(self, v: i128) -> Result<CellOut, CodecError> {
        Ok(i64::try_from(v).map_or_else(|_| CellOut::Text(v.to_string()), CellOut::Int))
    }
    fn serialize_u8(self, v: u8) -> Result<CellOut, CodecError> {
        Ok(CellOut::Uint(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<CellOut, CodecError> {
        Ok(CellOut::Uint(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<CellOut, CodecError> {
        Ok(CellOut::Uint(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<CellOut, CodecError> {
        Ok(CellOut::Uint(v))
    }
    fn serialize_u128(self, v: u128) -> Result<CellOut, CodecError> {
        Ok(u64::try_from(v).map_or_else(|_| CellOut::Text(v.to_string()), CellOut::Uint))
    }
    fn serialize_f32(self, v: f32) -> Result<CellOut, CodecError> {
        finite(f64::from(v), v.is_finite(), v.to_string(), true)
    }
    fn serialize_f64(self, v: f64) -> Result<CellOut, CodecError> {
        finite(v, v.is_finite(), v.to_string(), false)
    }
    fn serialize_char(self, v: char) -> Result<CellOut, CodecError> {
        Ok(CellOut::Text(v.to_string()))
    }
    fn serialize_str(self, v: &str) -> Result<CellOut, CodecError> {
        Ok(CellOut::Text(v.to_owned()))
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<CellOut, CodecError> {
        Err(not_one_column("bytes"))
    }
    fn serialize_none(self) -> Result<CellOut, CodecError> {
        Ok(CellOut::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<CellOut, CodecError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<CellOut, CodecError> {
        Ok(CellOut::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<CellOut, CodecError> {
        Ok(CellOut::Null)
    }
    fn serialize_unit_variant(self, _n: &'static str, _i: u32, variant: &'static str) -> Result<CellOut, CodecError> {
        Ok(CellOut::Text(variant.to_owned()))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<CellOut, CodecError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<CellOut, CodecError> {
        Err(not_one_column(&format!("an enum variant with data (`{variant}`)")))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, CodecError> {
        Err(not_one_column("a sequence"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, CodecError> {
        Err(not_one_column("a tuple"))
    }
    fn serialize_tuple_struct(self, _n: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, CodecError> {
        Err(not_one_column("a tuple struct"))
    }
    fn serialize_tuple_variant(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, CodecError> {
        Err(not_one_column(&format!("an enum variant with data (`{variant}`)")))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, CodecError> {
        Err(not_one_column("a nested map"))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, CodecError> {
        Err(not_one_column("a nested struct"))
    }
    fn serialize_struct_variant(
        self,
        _n: &'static str,
        _i: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, CodecError> {
        Err(not_one_column(&format!("an enum variant with data (`{variant}`)")))
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<CellOut, CodecError> {
        Ok(CellOut::Text(value.to_string()))
    }
}

fn finite(v: f64, is_finite: bool, text: String, single: bool) -> Result<CellOut, CodecError> {
    if is_finite {
        Ok(CellOut::Float(v, text, single))
    } else {
        Err(CodecError::problem(format!(
            "{text} cannot be stored: MC's number columns have no NaN or infinity; nothing was sent"
        )))
    }
}
