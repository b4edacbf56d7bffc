//! Data extensions and their rows, kept in memory by external key (`CustomerKey`), shared by
//! the REST row endpoints and SOAP (`DataExtension`, `DataExtensionObject[key]`).
//!
//! - `POST /hub/v1/dataevents/key:{key}/rowset`: synchronous upsert of `{"keys", "values"}`
//!   rows, all or nothing.
//! - `GET /data/v1/customobjectdata/key/{key}/rowset?$page=&$pageSize=&$filter=`: the rows,
//!   paged (default and largest page 2,500), filtered with the `$filter` syntax of
//!   [`parse_rest_filter`](super::filter::parse_rest_filter): comparisons `eq ne gt ge lt le
//!   like` on a column and a quoted text, number or boolean, joined with `and` / `or` and
//!   parentheses. Another syntax gets a 400 (errorcode 10000).
//!
//! Rows written into a data extension created with fields (SOAP Create of `DataExtension`)
//! are checked against them first ([`model::data_extensions`](super::model::data_extensions)):
//! a sync upsert with one bad row is refused whole (400, errorcode 10000, the message naming
//! the row and the column), an async item fails alone, a SOAP row gets `ErrorCode` 12000.
//!
//! Data extensions spring into existence on first write. Their primary key is whatever
//! [`data_extensions().add`](super::DataExtensionsView::add) declared, or else the
//! `keys` column names of the first synchronous upsert; until then a data extension has no
//! primary key (inserts append, upserts by key fail). Column names and key values compare
//! case-insensitively, values by their text (`"36"` equals `36`).

use std::cmp::Ordering;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::api::{page_of, ApiError, Call};
use super::filter::{compare, parse_rest_filter};
use super::model::data_extensions::{check_row, FieldDef, RowWrite, Sendable};
use super::model::ModelResult;
use super::util::{json_response, now_rfc3339, request_id};

/// The `errorcode` of the data APIs' validation errors (the fake's choice).
pub(crate) const VALIDATION: i64 = 10000;

/// Largest `$pageSize` of the rowset query (MC's documented maximum).
pub(crate) const MAX_ROWSET_PAGE: usize = 2500;

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(VALIDATION, message)
}

/// A data extension row stored by the fake.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct DataExtensionRow {
    /// The primary-key fields (`keys` of the upsert).
    pub keys: Map<String, Value>,
    /// The other fields (`values` of the upsert), merged over earlier upserts.
    pub values: Map<String, Value>,
}

impl DataExtensionRow {
    /// An empty row, to fill with [`key`](Self::key) and [`value`](Self::value) (for
    /// [`data_extensions().add_rows`](super::DataExtensionsView::add_rows)).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a primary-key column.
    pub fn key(mut self, column: impl Into<String>, value: impl Into<Value>) -> Self {
        self.keys.insert(column.into(), value.into());
        self
    }

    /// Sets a non-key column.
    pub fn value(mut self, column: impl Into<String>, value: impl Into<Value>) -> Self {
        self.values.insert(column.into(), value.into());
        self
    }

    /// A column's text value (keys first, then values; names case-insensitive). Null is `None`.
    pub fn get(&self, column: &str) -> Option<String> {
        self.keys
            .iter()
            .chain(self.values.iter())
            .find(|(k, _)| k.eq_ignore_ascii_case(column))
            .and_then(|(_, v)| text_of(v))
    }

    /// Every column, keys first.
    pub(crate) fn columns(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.keys.iter().chain(self.values.iter())
    }
}

pub(crate) use super::model::generate::text_of;

/// True when two key maps name the same columns with equal values, both compared
/// case-insensitively (as MC's SQL Server collation does; numbers as numbers).
pub(crate) fn same_keys(a: &Map<String, Value>, b: &Map<String, Value>) -> bool {
    a.len() == b.len()
        && a.iter().all(|(k, v)| {
            b.iter()
                .find(|(k2, _)| k2.eq_ignore_ascii_case(k))
                .is_some_and(|(_, v2)| match (text_of(v), text_of(v2)) {
                    (Some(x), Some(y)) => compare(&x, &y) == Ordering::Equal,
                    (x, y) => x == y,
                })
        })
}

/// The primary-key values of a row as one lookup string: names lower-cased and sorted, values
/// compared as [`same_keys`] does (numbers as numbers, text case-insensitively).
fn key_of(keys: &Map<String, Value>) -> String {
    fn value(v: &Value, out: &mut String) {
        use std::fmt::Write as _;
        let number = match v {
            Value::Number(n) => n.as_f64(),
            Value::String(t) => t.trim().parse::<f64>().ok(),
            _ => None,
        };
        match (number, text_of(v)) {
            (_, None) => out.push_str("\u{0}null"),
            // `+ 0.0` folds -0 into 0, which compare as equal.
            // Whole numbers (the common key) as integers: cheaper than float formatting.
            (Some(x), _) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15 => {
                let _ = write!(out, "\u{1}{}", x as i64);
            }
            (Some(x), _) if x.is_finite() => {
                let _ = write!(out, "\u{1}{}", x + 0.0);
            }
            (_, Some(t)) => out.push_str(&t.to_lowercase()),
        }
    }
    let mut out = String::new();
    let mut entry = |k: &str, v: &Value| {
        out.push_str(&k.to_lowercase());
        out.push('\u{1f}');
        value(v, &mut out);
        out.push('\u{1e}');
    };
    if keys.len() == 1 {
        for (k, v) in keys {
            entry(k, v);
        }
    } else {
        let mut sorted: Vec<(String, &Value)> = keys.iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (k, v) in sorted {
            entry(&k, v);
        }
    }
    out
}

/// FNV-1a, the hasher of the row index and the received keys: their keys are the fake's own
/// short lookup strings ([`key_of`]), and SipHash (the default) took a tenth of a million-row
/// load's time. Flood resistance buys nothing in a test fake.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Builds [`Fnv`] hashers.
type FnvBuild = std::hash::BuildHasherDefault<Fnv>;

/// A data extension.
#[derive(Clone, Debug)]
pub(crate) struct DataExtension {
    pub name: String,
    pub object_id: String,
    pub created: String,
    /// Primary-key column names; empty when none is known.
    pub primary_keys: Vec<String>,
    /// Columns declared or seen, in first-seen order.
    pub columns: Vec<String>,
    pub rows: Vec<DataExtensionRow>,
    /// The position of the first row with each key ([`key_of`]), for rows with keys; in step
    /// while `rows.len() == indexed_len`, rebuilt otherwise (rows removed elsewhere).
    index: std::collections::HashMap<String, usize, FnvBuild>,
    indexed_len: usize,
    /// Rows received by the asynchronous row endpoints, failed ones included.
    pub rows_received: u64,
    /// Keys of the rows received by the asynchronous endpoints ([`key_of`]).
    received_keys: std::collections::HashSet<String, FnvBuild>,
    /// Rows received whose primary-key values had been received before.
    pub duplicates_received: u64,
    /// The field definitions it was created with (SOAP Create of `DataExtension`); every row
    /// written is checked against them ([`check_row`]). Empty for a data extension seeded
    /// without fields or made by a first write: it accepts any column.
    pub fields: Vec<FieldDef>,
    /// `Description`.
    pub description: String,
    /// `CategoryID`: its folder; `None`: the top-level data extension folder.
    pub category_id: Option<i64>,
    /// `IsSendable` with its settings.
    pub sendable: Option<Sendable>,
    /// `IsTestable`.
    pub is_testable: bool,
}

impl DataExtension {
    pub fn new(key: &str) -> Self {
        DataExtension {
            name: key.to_owned(),
            object_id: request_id(),
            created: now_rfc3339(),
            primary_keys: Vec::new(),
            columns: Vec::new(),
            rows: Vec::new(),
            index: Default::default(),
            indexed_len: 0,
            rows_received: 0,
            received_keys: Default::default(),
            duplicates_received: 0,
            fields: Vec::new(),
            description: String::new(),
            category_id: None,
            sendable: None,
            is_testable: false,
        }
    }

    /// Checks `columns` of row `n` of a request against the fields (MC's rules in
    /// [`check_row`]); a data extension without fields accepts anything.
    pub fn check_columns(&self, n: usize, columns: &[(&str, Option<String>)], write: RowWrite) -> ModelResult<()> {
        check_row(&self.fields, n, columns, write)
    }

    /// Checks row `n` of a request before it is written: an insert is a new row; an upsert
    /// is new unless a row with its keys exists.
    pub fn check_write(&mut self, n: usize, row: &DataExtensionRow, insert: bool) -> ModelResult<()> {
        if self.fields.is_empty() {
            return Ok(());
        }
        let write = if insert || self.find(row).is_none() {
            RowWrite::New
        } else {
            RowWrite::Existing
        };
        let columns: Vec<(&str, Option<String>)> = row.columns().map(|(k, v)| (k.as_str(), text_of(v))).collect();
        self.check_columns(n, &columns, write)
    }

    /// Deletes every row (MC's `ClearData`); the definition stays.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.index.clear();
        self.indexed_len = 0;
    }

    /// Counts a row received by an asynchronous endpoint, and whether its primary-key values
    /// were received before; `key` is the row's [`full_key`](Self::full_key), computed once by
    /// the caller (rows without every primary-key column are counted only).
    pub fn note_received_key(&mut self, key: Option<&str>) {
        self.rows_received += 1;
        if let Some(k) = key {
            if !self.received_keys.insert(k.to_owned()) {
                self.duplicates_received += 1;
            }
        }
    }

    /// The lookup key of a row that carries every primary-key column, when the primary key
    /// is known; `None` otherwise.
    pub fn full_key(&self, row: &DataExtensionRow) -> Option<String> {
        (!self.primary_keys.is_empty() && !row.keys.is_empty() && self.missing_keys(row).is_empty())
            .then(|| key_of(&row.keys))
    }

    fn sync_index(&mut self) {
        if self.indexed_len == self.rows.len() {
            return;
        }
        self.index.clear();
        for (i, r) in self.rows.iter().enumerate() {
            if !r.keys.is_empty() {
                self.index.entry(key_of(&r.keys)).or_insert(i);
            }
        }
        self.indexed_len = self.rows.len();
    }

    /// Appends a row, keeping the index in step; `key` is the row's [`key_of`] when the
    /// caller has it.
    fn push_row(&mut self, mut row: DataExtensionRow, key: Option<String>) {
        let key = if self.fields.is_empty() {
            key
        } else {
            // Defaults may fill key columns.
            self.fill_defaults(&mut row);
            None
        };
        self.sync_index();
        if !row.keys.is_empty() {
            let key = key.unwrap_or_else(|| key_of(&row.keys));
            self.index.entry(key).or_insert(self.rows.len());
        }
        self.rows.push(row);
        self.indexed_len = self.rows.len();
    }

    /// Gives a new row the `DefaultValue` of each field it has no value for, as MC does when a
    /// row is added (`Now()`: the current date-time).
    fn fill_defaults(&self, row: &mut DataExtensionRow) {
        for f in &self.fields {
            let Some(default) = f.default.as_deref().filter(|d| !d.is_empty()) else {
                continue;
            };
            if row.get(&f.name).is_some() {
                continue;
            }
            let value = if default.trim().eq_ignore_ascii_case("now()") {
                now_rfc3339()
            } else {
                default.to_owned()
            };
            let target = if f.primary_key { &mut row.keys } else { &mut row.values };
            target.insert(f.name.clone(), Value::String(value));
        }
    }

    /// True when `column` is a primary-key column.
    pub fn is_key(&self, column: &str) -> bool {
        self.primary_keys.iter().any(|k| k.eq_ignore_ascii_case(column))
    }

    /// True when `column` was declared or seen.
    pub fn has_column(&self, column: &str) -> bool {
        self.columns.iter().any(|c| c.eq_ignore_ascii_case(column))
    }

    fn note_columns(&mut self, row: &DataExtensionRow) {
        for (name, _) in row.columns() {
            if !self.has_column(name) {
                self.columns.push(name.clone());
            }
        }
    }

    /// Splits a flat column map into keys and values by the primary key, taking it.
    pub fn split_owned(&self, item: Map<String, Value>) -> DataExtensionRow {
        let mut row = DataExtensionRow::default();
        for (k, v) in item {
            if self.is_key(&k) {
                row.keys.insert(k, v);
            } else {
                row.values.insert(k, v);
            }
        }
        row
    }

    /// Splits a flat column map into keys and values by the primary key.
    pub fn split(&self, item: &Map<String, Value>) -> DataExtensionRow {
        let mut row = DataExtensionRow::default();
        for (k, v) in item {
            if self.is_key(k) {
                row.keys.insert(k.clone(), v.clone());
            } else {
                row.values.insert(k.clone(), v.clone());
            }
        }
        row
    }

    /// The primary-key columns `row` lacks.
    pub fn missing_keys(&self, row: &DataExtensionRow) -> Vec<String> {
        self.primary_keys
            .iter()
            .filter(|k| row.get(k).is_none())
            .cloned()
            .collect()
    }

    /// The index of the stored row with the same keys as `row` (only when `row` has keys).
    pub fn find(&mut self, row: &DataExtensionRow) -> Option<usize> {
        if row.keys.is_empty() {
            return None;
        }
        self.find_keyed(row, &key_of(&row.keys))
    }

    /// [`find`](Self::find) with the row's (non-empty) keys' [`key_of`] computed by the caller.
    pub fn find_keyed(&mut self, row: &DataExtensionRow, key: &str) -> Option<usize> {
        self.sync_index();
        let hit = |de: &Self| {
            de.index
                .get(key)
                .copied()
                .filter(|&i| de.rows.get(i).is_some_and(|r| same_keys(&r.keys, &row.keys)))
        };
        match self.index.get(key).copied() {
            None => None,
            Some(i) if self.rows.get(i).is_some_and(|r| same_keys(&r.keys, &row.keys)) => Some(i),
            Some(_) => {
                // Rows replaced in place elsewhere left the index behind: rebuild, look again.
                self.indexed_len = usize::MAX;
                self.sync_index();
                hit(self)
            }
        }
    }

    /// Inserts or merges a row, matching by keys; rows without keys are appended.
    pub fn upsert(&mut self, row: DataExtensionRow) {
        self.upsert_keyed(row, None);
    }

    /// [`upsert`](Self::upsert) with the row's [`full_key`](Self::full_key) when the caller
    /// has it.
    pub fn upsert_keyed(&mut self, row: DataExtensionRow, key: Option<String>) {
        self.note_columns(&row);
        let found = match &key {
            Some(k) if !row.keys.is_empty() => self.find_keyed(&row, k),
            _ => self.find(&row),
        };
        match found {
            Some(i) => {
                let existing = &mut self.rows[i];
                for (k, v) in row.values {
                    // Replace a differently-cased column of the same name.
                    if let Some(old) = existing.values.keys().find(|c| c.eq_ignore_ascii_case(&k)).cloned() {
                        existing.values.remove(&old);
                    }
                    existing.values.insert(k, v);
                }
            }
            None => self.push_row(row, key),
        }
    }

    /// Appends a row.
    pub fn insert(&mut self, row: DataExtensionRow) {
        self.insert_keyed(row, None);
    }

    /// [`insert`](Self::insert) with the row's [`full_key`](Self::full_key) when the caller
    /// has it.
    pub fn insert_keyed(&mut self, row: DataExtensionRow, key: Option<String>) {
        self.note_columns(&row);
        self.push_row(row, key);
    }
}

/// One `{"keys": {...}, "values": {...}}` item of a rowset body.
fn parse_row(item: &Value) -> Result<DataExtensionRow, ApiError> {
    let keys = match item.get("keys") {
        Some(Value::Object(k)) if !k.is_empty() => k.clone(),
        _ => return Err(bad_request("Every row needs a non-empty `keys` object.")),
    };
    let values = match item.get("values") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(v)) => v.clone(),
        Some(_) => return Err(bad_request("`values` must be an object.")),
    };
    Ok(DataExtensionRow { keys, values })
}

/// Upserts keyed rows into the data extension `key` (created if new). A data extension
/// without a primary key takes the key columns of the first row.
pub(crate) fn upsert_keyed(
    data_extensions: &mut std::collections::BTreeMap<String, DataExtension>,
    key: &str,
    rows: Vec<DataExtensionRow>,
) {
    let de = data_extensions
        .entry(key.to_owned())
        .or_insert_with(|| DataExtension::new(key));
    for row in rows {
        if de.primary_keys.is_empty() && !row.keys.is_empty() {
            de.primary_keys = row.keys.keys().cloned().collect();
        }
        de.upsert(row);
    }
}

/// `POST /hub/v1/dataevents/key:{key}/rowset`: a JSON array of rows, all or nothing.
/// Answers 200 with the rows as sent, like MC.
pub(crate) fn upsert_rows(call: &mut Call<'_>) -> Response {
    let body = match call.json_body() {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let Value::Array(items) = &body else {
        return bad_request("The request body must be a JSON array of rows.").into_response();
    };
    let parsed: Result<Vec<DataExtensionRow>, ApiError> = items.iter().map(parse_row).collect();
    let new_rows = match parsed {
        Ok(rows) => rows,
        Err(e) => return e.into_response(),
    };
    let key = call.param("key").to_owned();
    let mut rows = call.state.rows();
    if let Some(de) = rows.data_extensions.get_mut(&key) {
        for (i, row) in new_rows.iter().enumerate() {
            if let Err(e) = de.check_write(i, row, false) {
                return ApiError::from_model(VALIDATION, e).into_response();
            }
        }
    }
    upsert_keyed(&mut rows.data_extensions, &key, new_rows);
    drop(rows);
    json_response(StatusCode::OK, &body)
}

/// `GET /data/v1/customobjectdata/key/{key}/rowset`: `$page`, `$pageSize` (at most 2,500),
/// `$filter`. An unknown data extension is a 404.
pub(crate) fn query_rows(call: &mut Call<'_>) -> Response {
    let key = call.param("key").to_owned();
    let page = call.page_param("$page", 1, usize::MAX);
    let page_size = call.page_param("$pageSize", MAX_ROWSET_PAGE, MAX_ROWSET_PAGE);
    let filter = match call.query_param("$filter") {
        None => None,
        Some(f) if f.trim().is_empty() => None,
        Some(f) => match parse_rest_filter(&f) {
            Ok(parsed) => Some(parsed),
            Err(problem) => {
                return bad_request(format!("The $filter `{f}` is not supported: {problem}.")).into_response()
            }
        },
    };
    let rows = call.state.rows();
    let Some(de) = rows.data_extensions.get(&key) else {
        return ApiError::not_found(
            VALIDATION,
            format!("No data extension with external key `{key}` exists."),
        )
        .into_response();
    };
    let matching: Vec<&DataExtensionRow> = de
        .rows
        .iter()
        .filter(|r| filter.as_ref().is_none_or(|f| f.matches(&|c| r.get(c))))
        .collect();
    let items: Vec<Value> = page_of(&matching, page, page_size)
        .into_iter()
        .map(|r| json!({ "keys": r.keys, "values": r.values }))
        .collect();
    let base = format!("/data/v1/customobjectdata/key/{key}/rowset");
    json_response(
        StatusCode::OK,
        &json!({
            "links": { "self": { "href": format!("{base}?$page={page}") } },
            "requestToken": request_id(),
            "customObjectId": de.object_id,
            "customObjectKey": key,
            "pageSize": page_size,
            "page": page,
            "count": matching.len(),
            "top": 0,
            "items": items,
        }),
    )
}
