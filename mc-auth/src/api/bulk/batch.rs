//! Packing rows into request bodies under MC's limits, and reading them back out.

use bytes::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::{Error, Result};

const OPEN: &[u8] = b"{\"items\":[";
const CLOSE: &[u8] = b"]}";

/// The limits one request body must stay under.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub rows: usize,
    pub bytes: usize,
}

impl Limits {
    /// The largest single row that fits in a body on its own.
    pub fn largest_row(&self) -> usize {
        self.bytes.saturating_sub(OPEN.len() + CLOSE.len())
    }
}

/// A finished batch: the body to send and where its rows sit in the input.
#[derive(Debug)]
pub(super) struct Batch {
    /// The input index of the first row.
    pub first_index: u64,
    /// How many rows the body holds.
    pub rows: usize,
    /// `{"items":[...]}`.
    pub body: Bytes,
}

/// The batch being filled. Rows arrive already serialized, so the byte size is exact.
#[derive(Debug)]
pub(super) struct BatchBuilder {
    limits: Limits,
    body: Vec<u8>,
    rows: usize,
    first_index: u64,
}

impl BatchBuilder {
    pub fn new(limits: Limits) -> Self {
        BatchBuilder {
            limits,
            body: Vec::new(),
            rows: 0,
            first_index: 0,
        }
    }

    /// Rows waiting.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// True when the batch holds as many rows as a request may.
    pub fn is_full(&self) -> bool {
        self.rows >= self.limits.rows
    }

    /// True when a row of `len` bytes still fits in this batch.
    pub fn fits(&self, len: usize) -> bool {
        // The body holds the opening bracket once a row is in; then a comma separates rows.
        let before = if self.rows == 0 { OPEN.len() } else { 1 };
        self.rows < self.limits.rows && self.body.len() + before + len + CLOSE.len() <= self.limits.bytes
    }

    /// Adds a serialized row (the caller checked [`fits`](Self::fits)) with its input index.
    pub fn push(&mut self, index: u64, row: &[u8]) {
        if self.rows == 0 {
            self.first_index = index;
            self.body.extend_from_slice(OPEN);
        } else {
            self.body.push(b',');
        }
        self.body.extend_from_slice(row);
        self.rows += 1;
    }

    /// Closes the batch and starts an empty one (`None` when no row is waiting).
    pub fn finish(&mut self) -> Option<Batch> {
        if self.rows == 0 {
            return None;
        }
        let capacity = self.body.len();
        let mut body = std::mem::replace(&mut self.body, Vec::with_capacity(capacity));
        body.extend_from_slice(CLOSE);
        let rows = std::mem::take(&mut self.rows);
        Some(Batch {
            first_index: self.first_index,
            rows,
            body: Bytes::from(body),
        })
    }
}

/// Serializes one row, refusing one that could never be sent.
pub(super) fn serialize_row(index: u64, row: &Map<String, Value>, limits: &Limits, out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    if row.is_empty() {
        return Err(Error::Row {
            index: Some(index),
            problem: "the row has no columns; every row needs at least its primary-key columns".into(),
        });
    }
    serde_json::to_writer(&mut *out, row).map_err(|e| Error::Row {
        index: Some(index),
        problem: format!("could not be encoded as JSON ({e})"),
    })?;
    if out.len() > limits.largest_row() {
        return Err(Error::Row {
            index: Some(index),
            problem: format!(
                "it is {} bytes as JSON, more than one request body may carry ({} bytes with the {}-byte body limit); shorten its values or leave the row out",
                out.len(),
                limits.largest_row(),
                limits.bytes
            ),
        });
    }
    Ok(())
}

#[derive(Deserialize)]
struct Items {
    items: Vec<Map<String, Value>>,
}

/// The rows of a batch body, back as column maps (only when some of them failed).
pub(super) fn rows_of(body: &[u8]) -> Vec<Map<String, Value>> {
    // The body is our own serialization, so it parses; an empty list is the safe fallback.
    serde_json::from_slice::<Items>(body)
        .map(|i| i.items)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(i: u64) -> Vec<u8> {
        let mut out = Vec::new();
        let map = match json!({ "Id": i, "Name": "x" }) {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let limits = Limits { rows: 10, bytes: 1000 };
        serialize_row(i, &map, &limits, &mut out).unwrap();
        out
    }

    #[test]
    fn batches_close_at_the_row_limit_and_the_byte_limit() {
        let mut b = BatchBuilder::new(Limits { rows: 3, bytes: 10_000 });
        for i in 0..3 {
            assert!(b.fits(row(i).len()));
            b.push(i, &row(i));
        }
        assert!(!b.fits(1), "three rows is the limit");
        let batch = b.finish().unwrap();
        assert_eq!((batch.first_index, batch.rows), (0, 3));
        assert_eq!(rows_of(&batch.body).len(), 3);
        assert!(b.len() == 0 && b.finish().is_none());

        let one = row(1).len();
        // Room for exactly two rows: open + row + comma + row + close.
        let mut b = BatchBuilder::new(Limits {
            rows: 100,
            bytes: OPEN.len() + 2 * one + 1 + CLOSE.len(),
        });
        b.push(7, &row(1));
        assert!(b.fits(one));
        b.push(8, &row(1));
        assert!(!b.fits(one));
        let batch = b.finish().unwrap();
        assert_eq!(batch.body.len(), OPEN.len() + 2 * one + 1 + CLOSE.len());
        assert_eq!(batch.first_index, 7);
    }

    #[test]
    fn a_row_too_large_for_any_body_is_refused_with_its_index() {
        let limits = Limits { rows: 10, bytes: 64 };
        let big = match json!({ "Id": 1, "Bio": "x".repeat(100) }) {
            Value::Object(m) => m,
            _ => unreachable!(),
        };
        let e = serialize_row(41, &big, &limits, &mut Vec::new()).unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("row 41 "), "{text}");
        assert!(text.contains("64-byte body limit"), "{text}");
        let e = serialize_row(3, &Map::new(), &limits, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("row 3 "), "{e}");
    }
}
