//! Bulk loads: a stream of rows into a data extension through MC's asynchronous rows API, in
//! as few requests as MC's limits allow, with bounded concurrency and memory, one shared pace
//! when MC throttles, and a result for every row.
//!
//! ```no_run
//! use futures_util::stream;
//! use mc_auth::api::prelude::*;
//! use mc_auth::{mc_client, Credentials};
//! use serde_json::json;
//!
//! #[mc_client(scopes = "data_extensions_read data_extensions_write")]
//! struct Loader;
//!
//! # async fn run() -> mc_auth::Result<()> {
//! let loader = Loader::connect(Credentials::from_env()?).await?;
//! let rows = stream::iter((0..1_000_000).map(|i| json!({ "Id": i, "Email": format!("user{i}@example.com") })));
//! let report = loader
//!     .load_rows("customers", rows)
//!     .key_columns(["Id"])
//!     .concurrency(8)
//!     .on_progress(|p| eprintln!("{} accepted, {:.0} rows/s", p.rows_accepted, p.rows_per_second()))
//!     .await?;
//! for failed in &report.failed {
//!     eprintln!("row {} ({:?}) failed: {}", failed.index, failed.keys, failed.reason);
//! }
//! // Send only the failed rows again:
//! let again = report.failed.into_iter().map(|f| f.row);
//! loader.load_rows("customers", stream::iter(again)).await?;
//! # Ok(()) }
//! ```
//!
//! # How a load runs
//! - **Batches.** Rows are serialized as they arrive and packed into `{"items": [...]}` bodies
//!   of at most [`MAX_ROWS_PER_REQUEST`] rows (MC's hard limit for asynchronous calls) and at
//!   most [`DEFAULT_MAX_BATCH_BYTES`] bytes, in input order, each batch as full as the limits
//!   allow, so the number of requests is the minimum for the limits. A row too large for any
//!   body stops the load with [`Error::Row`] naming its index, before its
//!   batch is sent.
//! - **Bounded memory.** At most [`concurrency`](LoadRows::concurrency) uploads are in
//!   flight, and at most [`max_pending`](LoadRows::max_pending) accepted batches wait for
//!   their results; while that window is full the input stream is not read (back-pressure).
//!   A batch's body is kept until its results are in (the rows of failed items are read back
//!   from it), so at most `(concurrency + max_pending + 1) × batch_rows` rows are held,
//!   however long the stream. [`LoadGauge`] shows the count.
//! - **Throttling.** A 429 (errorcode 50100 with `Retry-After`, or 50200 without) holds back
//!   every request of the load, not only the one that got it, for the delay MC asked for (or
//!   the retry policy's backoff); then the refused request is sent again. Retries follow the
//!   client's [`RetryPolicy`](crate::RetryPolicy).
//! - **Idempotency.** Upserts (`PUT`, the default) are retried after 429, 5xx and transport
//!   errors. Inserts ([`insert`](LoadRows::insert), `POST`) are sent again only when MC
//!   refused them with a 429 or the connection was never made; after a 5xx or a transport
//!   failure their rows are reported as [`FailureReason::Unknown`] and not resent.
//! - **Results.** Each accepted request is polled (`GET /data/v1/async/{requestId}/status`;
//!   then, only when MC says some rows failed, `/results`); every row MC rejected is reported in [`LoadReport::failed`] with its
//!   input index, its key columns, the whole row (to send again) and MC's reason.
//! - **Cancellation.** The load runs inside the future it returns, with no background task:
//!   dropping the future stops it at once (requests in flight are abandoned; upserts among
//!   them may or may not have been applied).
//! - **Stops.** A problem every further request would meet as well (401 after the one new
//!   token, 403, 404, another 4xx) and a broken input stream (an error item or a panic) stop
//!   the load: nothing more is read or sent, the requests in flight are finished, and the
//!   error says how far the load got.

mod batch;
mod driver;
pub(crate) mod recipients;

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::Stream;
use serde::Serialize;
use serde_json::{Map, Value};

use super::data_extensions::Row;
use crate::error::{Error, Result};
use crate::scope::{op, Has, ScopedClient};

pub use recipients::{BatchSends, SplitSendReport, MAX_RECIPIENTS, MAX_RECIPIENTS_WITH_ATTRIBUTES};

/// MC's hard limit of rows in one asynchronous insert or upsert.
pub const MAX_ROWS_PER_REQUEST: usize = 32_000;

/// The default cap on one request body: 4 MiB (4,194,304 bytes).
///
/// MC publishes no byte limit for the asynchronous rows API; the one it publishes for its
/// sibling, the synchronous rowset upsert (`POST /hub/v1/dataevents/key:{key}/rowset`), is
/// "the maximum payload size is 5 MB". 4 MiB stays clear of that with room for proxies that
/// count headers in. 32,000 rows of up to about 130 bytes each fit in one body.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// The largest body cap [`LoadRows::max_batch_bytes`] accepts: MC's documented 5 MB.
pub const MAX_BATCH_BYTES: usize = 5_000_000;

/// The most uploads [`LoadRows::concurrency`] allows in flight at once.
pub const MAX_CONCURRENCY: usize = 64;

/// A failure of the caller's row stream, boxed.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a bulk load accepts as a row: a column → value map, a JSON object, a [`Row`], a
/// [`Serialized`] value of your own type, or a `Result` of one of these (an `Err` stops the
/// load with an error naming the row's index).
pub trait LoadItem {
    /// The row as MC's flat column → value map.
    fn into_columns(self) -> std::result::Result<Map<String, Value>, BoxError>;

    /// The primary-key column names this row declares, if it knows them (a [`Row`] does);
    /// used to name failed rows when [`LoadRows::key_columns`] is not set.
    fn key_columns(&self) -> Option<Vec<String>> {
        None
    }
}

impl LoadItem for Map<String, Value> {
    fn into_columns(self) -> std::result::Result<Map<String, Value>, BoxError> {
        Ok(self)
    }
}

impl LoadItem for Value {
    fn into_columns(self) -> std::result::Result<Map<String, Value>, BoxError> {
        match self {
            Value::Object(map) => Ok(map),
            other => Err(format!(
                "a row must be a JSON object of column values, not {}",
                json_kind(&other)
            )
            .into()),
        }
    }
}

impl LoadItem for Row {
    fn into_columns(self) -> std::result::Result<Map<String, Value>, BoxError> {
        let mut columns = self.keys;
        columns.extend(self.values);
        Ok(columns)
    }

    fn key_columns(&self) -> Option<Vec<String>> {
        (!self.keys.is_empty()).then(|| self.keys.keys().cloned().collect())
    }
}

impl<T: LoadItem, E: Into<BoxError>> LoadItem for std::result::Result<T, E> {
    fn into_columns(self) -> std::result::Result<Map<String, Value>, BoxError> {
        self.map_err(Into::into)?.into_columns()
    }

    fn key_columns(&self) -> Option<Vec<String>> {
        self.as_ref().ok().and_then(LoadItem::key_columns)
    }
}

/// A row of your own type, encoded with `serde` (`#[derive(Serialize)]`; field names become
/// column names) as [`upsert_rows_as`](crate::api::data_extensions::DataExtensions::upsert_rows_as)
/// encodes it (see [`row_codec`](crate::api::row_codec)): a struct or a map with text keys;
/// a field that is a nested struct, map or sequence, a NaN or infinite float, or two columns
/// whose names differ only in case stop the load with [`Error::Row`] naming the row and the
/// column, before the row's batch is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Serialized<T>(pub T);

impl<T: Serialize> LoadItem for Serialized<T> {
    fn into_columns(self) -> std::result::Result<Map<String, Value>, BoxError> {
        match crate::api::row_codec::encode(&self.0, None) {
            Ok(columns) => Ok(columns
                .into_iter()
                .map(|(name, cell)| (name, cell.into_json()))
                .collect()),
            Err(Error::RowCodec {
                column: Some(column),
                problem,
                ..
            }) => Err(format!("column {column:?}: {problem}").into()),
            Err(Error::RowCodec { problem, .. }) => Err(problem.into()),
            Err(e) => Err(e.to_string().into()),
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Insert (`POST`) or upsert (`PUT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadMode {
    /// `PUT`: insert new rows, update rows whose primary key exists. Idempotent, so retried.
    Upsert,
    /// `POST`: insert only; a row whose primary key exists fails. Not resent after an
    /// ambiguous failure.
    Insert,
}

/// Where a load stands, handed to [`LoadRows::on_progress`] after every batch event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct LoadProgress {
    /// Rows taken from the input stream so far.
    pub rows_read: u64,
    /// Rows in requests MC has accepted (202) so far.
    pub rows_sent: u64,
    /// Rows MC has confirmed written.
    pub rows_accepted: u64,
    /// Rows that failed (rejected by MC, or in a batch that could not be sent).
    pub rows_failed: u64,
    /// Upload requests accepted so far (one per batch).
    pub batches_sent: u64,
    /// Throttled answers (429) that held the whole load back.
    pub throttled: u64,
    /// Time since the load started.
    pub elapsed: Duration,
}

impl LoadProgress {
    /// Rows with a final outcome (accepted or failed) per second so far.
    pub fn rows_per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            (self.rows_accepted + self.rows_failed) as f64 / secs
        } else {
            0.0
        }
    }
}

/// Why a row failed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum FailureReason {
    /// MC processed the row and refused it (a missing primary key, a duplicate key on insert,
    /// a bad value): fix the row before sending it again.
    Rejected {
        /// MC's error code for the row, if it gave one.
        error_code: Option<Value>,
        /// MC's message for the row.
        message: String,
    },
    /// The row's request was answered with an error and MC did not act on it (for example
    /// a 429 after every retry): safe to send again.
    NotSent(Error),
    /// It is unknown whether MC wrote the row: an insert whose request may have reached MC
    /// before the connection failed or MC answered 5xx, or a request whose results did not
    /// arrive in time. An upsert can be sent again safely; check before inserting again.
    Unknown(Error),
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FailureReason::Rejected { error_code, message } => match error_code {
                Some(code) if !code.is_null() => write!(f, "rejected by Marketing Cloud (errorCode {code}): {message}"),
                _ => write!(f, "rejected by Marketing Cloud: {message}"),
            },
            FailureReason::NotSent(e) => write!(f, "not written, safe to send again: {e}"),
            FailureReason::Unknown(e) => write!(f, "outcome unknown: {e}"),
        }
    }
}

/// A row that failed, with what is needed to send it again.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FailedRow {
    /// Its position in the input stream (0-based).
    pub index: u64,
    /// Its key columns (those named by [`LoadRows::key_columns`], or by the first [`Row`]'s
    /// keys), for messages; empty when no key columns are known.
    pub keys: Map<String, Value>,
    /// The whole row as sent.
    pub row: Map<String, Value>,
    /// Why it failed.
    pub reason: FailureReason,
}

/// The outcome of a finished load.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoadReport {
    /// Rows taken from the input stream.
    pub rows_read: u64,
    /// Rows MC confirmed written.
    pub rows_accepted: u64,
    /// Every row that failed, in input order.
    pub failed: Vec<FailedRow>,
    /// Upload requests accepted (one per batch).
    pub batches: u64,
    /// Throttled answers that held the whole load back.
    pub throttled: u64,
    /// The most rows held in memory at once.
    pub peak_rows_buffered: u64,
    /// How long the load took.
    pub elapsed: Duration,
}

impl LoadReport {
    /// True when every row read was written.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && self.rows_accepted == self.rows_read
    }
}

/// Live counters of a load, readable while it runs and after it was dropped (made by
/// [`LoadRows::gauge`]).
#[derive(Debug, Clone, Default)]
pub struct LoadGauge {
    inner: Arc<GaugeInner>,
}

#[derive(Debug, Default)]
struct GaugeInner {
    buffered: AtomicU64,
    peak: AtomicU64,
    in_flight: AtomicU64,
}

impl LoadGauge {
    /// Rows held in memory now (read from the input, not yet finished).
    pub fn rows_buffered(&self) -> u64 {
        self.inner.buffered.load(Ordering::Relaxed)
    }

    /// The most rows held at once so far.
    pub fn peak_rows_buffered(&self) -> u64 {
        self.inner.peak.load(Ordering::Relaxed)
    }

    /// Requests (uploads and polls) in flight now.
    pub fn requests_in_flight(&self) -> u64 {
        self.inner.in_flight.load(Ordering::Relaxed)
    }

    fn add_rows(&self, n: u64) {
        let now = self.inner.buffered.fetch_add(n, Ordering::Relaxed) + n;
        self.inner.peak.fetch_max(now, Ordering::Relaxed);
    }

    fn remove_rows(&self, n: u64) {
        self.inner.buffered.fetch_sub(n, Ordering::Relaxed);
    }
}

/// Settings of one load.
#[derive(Debug, Clone)]
struct Settings {
    mode: LoadMode,
    concurrency: usize,
    max_pending: Option<usize>,
    batch_rows: usize,
    max_batch_bytes: usize,
    key_columns: Option<Vec<String>>,
    poll_interval: Duration,
    max_wait: Duration,
}

impl Settings {
    fn check(&self) -> Result<()> {
        let bad = |setting: &str, reason: String| Err(Error::config(setting, reason));
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return bad(
                "concurrency",
                format!(
                    "{} uploads in flight is outside 1 to {MAX_CONCURRENCY}",
                    self.concurrency
                ),
            );
        }
        if self.max_pending == Some(0) {
            return bad(
                "max_pending",
                "0 batches awaiting results would stop every load; use at least 1".into(),
            );
        }
        if !(1..=MAX_ROWS_PER_REQUEST).contains(&self.batch_rows) {
            return bad(
                "batch_rows",
                format!(
                    "{} rows per request is outside 1 to {MAX_ROWS_PER_REQUEST} (MC's limit for asynchronous calls)",
                    self.batch_rows
                ),
            );
        }
        if !(1024..=MAX_BATCH_BYTES).contains(&self.max_batch_bytes) {
            return bad(
                "max_batch_bytes",
                format!(
                    "{} bytes per request body is outside 1024 to {MAX_BATCH_BYTES} (MC's documented 5 MB payload limit)",
                    self.max_batch_bytes
                ),
            );
        }
        if self.poll_interval.is_zero() {
            return bad(
                "poll_interval",
                "a zero interval would poll MC in a tight loop; use at least a millisecond".into(),
            );
        }
        Ok(())
    }
}

/// The progress callback.
type OnProgress = Box<dyn FnMut(&LoadProgress) + Send>;

/// A bulk load being set up; `.await` it (or call [`run`](Self::run)) to run it. Made by
/// [`BulkLoad::load_rows`]. See the [module documentation](self).
#[must_use = "a load does nothing until it is awaited"]
pub struct LoadRows<C, S> {
    client: C,
    de_key: String,
    rows: S,
    settings: Settings,
    on_progress: Option<OnProgress>,
    gauge: LoadGauge,
}

impl<C, S> fmt::Debug for LoadRows<C, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoadRows")
            .field("de_key", &self.de_key)
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl<C, S> LoadRows<C, S>
where
    C: ScopedClient + Send + Sync,
    S: Stream,
    S::Item: LoadItem,
{
    /// Inserts (`POST`) instead of upserting: rows whose primary key exists fail, and a batch
    /// whose outcome is ambiguous is not resent.
    pub fn insert(mut self) -> Self
    where
        C: Has<op::InsertRowsAsync>,
    {
        self.settings.mode = LoadMode::Insert;
        self
    }

    /// Uploads in flight at once (1 to [`MAX_CONCURRENCY`]; default 4).
    pub fn concurrency(mut self, uploads: usize) -> Self {
        self.settings.concurrency = uploads;
        self
    }

    /// Accepted batches that may wait for their results at once (at least 1; default the
    /// concurrency). While the window is full, no row is read.
    pub fn max_pending(mut self, batches: usize) -> Self {
        self.settings.max_pending = Some(batches);
        self
    }

    /// Rows per request (1 to [`MAX_ROWS_PER_REQUEST`], the default).
    pub fn batch_rows(mut self, rows: usize) -> Self {
        self.settings.batch_rows = rows;
        self
    }

    /// The cap on one request body, in bytes (1024 to [`MAX_BATCH_BYTES`]; default
    /// [`DEFAULT_MAX_BATCH_BYTES`]).
    pub fn max_batch_bytes(mut self, bytes: usize) -> Self {
        self.settings.max_batch_bytes = bytes;
        self
    }

    /// The data extension's primary-key columns, to name failed rows by their keys.
    pub fn key_columns<I, K>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.settings.key_columns = Some(columns.into_iter().map(Into::into).collect());
        self
    }

    /// The longest wait between two status polls of one request (default 2 s). The first
    /// poll comes after a tenth of it, and the wait doubles up to this.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.settings.poll_interval = interval;
        self
    }

    /// How long to wait for one request's results before reporting its rows as
    /// [`FailureReason::Unknown`] (default 30 minutes).
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.settings.max_wait = wait;
        self
    }

    /// Calls `callback` after every batch event (accepted, finished, failed) with the
    /// running totals. It runs inside the load: keep it quick.
    pub fn on_progress(mut self, callback: impl FnMut(&LoadProgress) + Send + 'static) -> Self {
        self.on_progress = Some(Box::new(callback));
        self
    }

    /// Live counters of this load (rows buffered, requests in flight), readable from
    /// elsewhere while it runs and after it ends or is dropped.
    pub fn gauge(&self) -> LoadGauge {
        self.gauge.clone()
    }

    /// Runs the load. `.await`ing the builder does the same when the stream is `'static`.
    pub async fn run(self) -> Result<LoadReport>
    where
        S::Item: Send,
    {
        self.settings.check()?;
        driver::run(self).await
    }
}

impl<C, S> IntoFuture for LoadRows<C, S>
where
    C: ScopedClient + Send + Sync + 'static,
    S: Stream + Send + 'static,
    S::Item: LoadItem + Send,
{
    type Output = Result<LoadReport>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<LoadReport>> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// Bulk loads of data extension rows, for every client type with `data_extensions_write` and
/// `data_extensions_read` (to poll the results). See the [module documentation](self).
pub trait BulkLoad: ScopedClient + Sized + Send + Sync {
    /// A load of `rows` into the data extension with external key `de_key`: an upsert
    /// unless [`insert`](LoadRows::insert) is called. Set it up, then `.await` it.
    fn load_rows<S>(&self, de_key: &str, rows: S) -> LoadRows<Self, S>
    where
        Self: Has<op::UpsertRowsAsync> + Has<op::AsyncRequestStatus> + Has<op::AsyncRequestResults>,
        S: Stream,
        S::Item: LoadItem,
    {
        LoadRows {
            client: self.clone(),
            de_key: de_key.to_owned(),
            rows,
            settings: Settings {
                mode: LoadMode::Upsert,
                concurrency: 4,
                max_pending: None,
                batch_rows: MAX_ROWS_PER_REQUEST,
                max_batch_bytes: DEFAULT_MAX_BATCH_BYTES,
                key_columns: None,
                poll_interval: Duration::from_secs(2),
                max_wait: Duration::from_secs(30 * 60),
            },
            on_progress: None,
            gauge: LoadGauge::default(),
        }
    }
}

impl<C: ScopedClient + Send + Sync> BulkLoad for C {}
