//! Data extension rows: synchronous upsert, asynchronous insert and upsert, paged queries.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::encode_segment;
use super::paging::{more_after, paged_get, Fetched, PageBody, Paged, MAX_PAGE_SIZE};
use super::row_codec::{self, RowInput};
use super::Call;
use crate::error::{Error, Result};
use crate::scope::{op, Has, ScopedClient};

/// A row: its primary-key values and its other values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Row {
    /// Primary-key column values.
    #[serde(default)]
    pub keys: Map<String, Value>,
    /// Other column values.
    #[serde(default)]
    pub values: Map<String, Value>,
}

impl Row {
    /// An empty row.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets a primary-key column.
    pub fn key(mut self, column: impl Into<String>, value: impl Into<Value>) -> Self {
        self.keys.insert(column.into(), value.into());
        self
    }

    /// Sets a column.
    pub fn value(mut self, column: impl Into<String>, value: impl Into<Value>) -> Self {
        self.values.insert(column.into(), value.into());
        self
    }

    /// This row as your own type: its `keys` and `values` columns are the fields (names
    /// matched ignoring case, MC's text converted to each field's type; see
    /// [`row_codec`]).
    ///
    /// # Errors
    ///
    /// [`Error::RowCodec`] naming the row's key values, the column, and what was expected and
    /// found (or, for a missing column, the columns the row has).
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T> {
        RowInput::rest(&self.keys, &self.values, None).decode()
    }

    /// A row from a value of your own type (`#[derive(Serialize)]`): the fields named in
    /// `key_columns` (ignoring case) are its keys, the others its values.
    ///
    /// # Errors
    ///
    /// [`Error::RowCodec`] when `value` cannot be a row (a nested struct, map or sequence in a
    /// field, a NaN or infinite float, two fields whose names differ only in case), or when a
    /// key column is missing or null.
    pub fn encode<T: Serialize + ?Sized>(value: &T, key_columns: &[&str]) -> Result<Row> {
        row_codec::keyed_row(row_codec::encode(value, None)?, key_columns, None)
    }
}

/// The answer to an asynchronous insert or upsert: MC queued it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AsyncAccepted {
    /// The id to poll.
    pub request_id: String,
    /// Messages about the request, if any.
    #[serde(default)]
    pub result_messages: Vec<Value>,
}

/// `GET /data/v1/async/{requestId}/status`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AsyncStatus {
    /// The request id.
    #[serde(default)]
    pub request_id: Option<String>,
    /// Details.
    #[serde(default)]
    pub status: AsyncStatusDetail,
}

/// The `status` object of [`AsyncStatus`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AsyncStatusDetail {
    /// `Pending`, `Executing`, `Complete`, `Error`.
    #[serde(default)]
    pub request_status: Option<String>,
    /// True when some rows failed.
    #[serde(default)]
    pub has_errors: bool,
    /// When the request was made.
    #[serde(default)]
    pub call_date_time: Option<String>,
    /// When it completed.
    #[serde(default)]
    pub completion_date_time: Option<String>,
}

impl AsyncStatus {
    /// True once MC has finished (successfully or not).
    pub fn is_finished(&self) -> bool {
        matches!(self.status.request_status.as_deref(), Some("Complete") | Some("Error"))
    }
}

/// One row's outcome in `GET /data/v1/async/{requestId}/results`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AsyncItemResult {
    /// `OK` or `Error`.
    #[serde(default)]
    pub status: Option<String>,
    /// MC's error code for this row.
    #[serde(default)]
    pub error_code: Option<Value>,
    /// MC's message for this row.
    #[serde(default)]
    pub message: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The body of `GET /data/v1/async/{requestId}/results`.
#[derive(Deserialize)]
pub(crate) struct AsyncResultsBody {
    #[serde(default)]
    pub items: Vec<AsyncItemResult>,
}

/// A queued asynchronous insert or upsert. Polling it needs `data_extensions_read`.
#[derive(Debug, Clone)]
pub struct AsyncRowsRequest<C> {
    client: C,
    /// The id MC gave the request.
    pub request_id: String,
}

impl<C: ScopedClient> AsyncRowsRequest<C> {
    /// The current status.
    pub async fn status(&self) -> Result<AsyncStatus>
    where
        C: Has<op::AsyncRequestStatus>,
    {
        self.client
            .client()
            .get(&format!("/data/v1/async/{}/status", encode_segment(&self.request_id)?))
            .send()
            .await?
            .json()
    }

    /// Per-row results (once finished).
    pub async fn results(&self) -> Result<Vec<AsyncItemResult>>
    where
        C: Has<op::AsyncRequestResults>,
    {
        let body: AsyncResultsBody = self
            .client
            .client()
            .get(&format!("/data/v1/async/{}/results", encode_segment(&self.request_id)?))
            .send()
            .await?
            .json()?;
        Ok(body.items)
    }

    /// Polls every `interval` until MC has finished, for at most `max_wait`; then returns the
    /// per-row results.
    pub async fn wait(&self, interval: Duration, max_wait: Duration) -> Result<Vec<AsyncItemResult>>
    where
        C: Has<op::AsyncRequestStatus> + Has<op::AsyncRequestResults>,
    {
        let deadline = tokio::time::Instant::now() + max_wait;
        loop {
            if self.status().await?.is_finished() {
                return self.results().await;
            }
            if tokio::time::Instant::now() + interval > deadline {
                return Err(Error::Config {
                    setting: "max_wait".into(),
                    reason: format!(
                        "async request {} still running after {max_wait:?}; poll again later with status()",
                        self.request_id
                    ),
                });
            }
            tokio::time::sleep(interval).await;
        }
    }
}

#[derive(Serialize)]
struct AsyncItems<'a> {
    items: &'a [Map<String, Value>],
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RowsetPage {
    #[serde(default)]
    items: Vec<Row>,
    #[serde(default)]
    count: Option<u64>,
}

/// Options for [`DataExtensions::query_rows`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowQuery {
    /// Rows per page (1 to 2,500; default 500).
    pub page_size: Option<u32>,
    /// MC's `$filter` expression, e.g. `Email eq 'ada@example.com'`.
    pub filter: Option<String>,
}

impl RowQuery {
    /// All rows, 500 per page.
    pub fn all() -> Self {
        Self::default()
    }

    /// Only rows matching MC's `$filter` expression, as written: the caller quotes values. To
    /// put user input in a filter, build it with [`matching`](Self::matching) instead.
    pub fn filter(mut self, expression: impl Into<String>) -> Self {
        self.filter = Some(expression.into());
        self
    }

    /// Only rows matching `filter`, built with [`col`](crate::api::filter::col): every value is
    /// quoted, so user input cannot change the filter.
    ///
    /// ```
    /// use mc_auth::api::data_extensions::RowQuery;
    /// use mc_auth::api::filter::col;
    ///
    /// let query = RowQuery::all().matching(col("Email").eq("o'brien@example.com"))?;
    /// assert_eq!(query.filter.as_deref(), Some("Email eq 'o''brien@example.com'"));
    /// # Ok::<(), mc_auth::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A column name or a number the `$filter` syntax cannot carry (see
    /// [`RowFilter::expression`](crate::api::filter::RowFilter::expression)).
    pub fn matching(mut self, filter: crate::api::filter::RowFilter) -> Result<Self> {
        self.filter = Some(filter.expression()?);
        Ok(self)
    }

    /// Rows per page.
    pub fn page_size(mut self, size: u32) -> Self {
        self.page_size = Some(size);
        self
    }
}

/// Data extension rows, for every client type with the scopes each call needs.
pub trait DataExtensions: ScopedClient + Sized + Send + Sync + 'static {
    /// Inserts or updates `rows` synchronously (`POST /hub/v1/dataevents/key:{key}/rowset`).
    ///
    #[doc = crate::scope::op_doc!(upsert_rows)]
    fn upsert_rows(&self, de_key: &str, rows: &[Row]) -> Call<()>
    where
        Self: Has<op::UpsertRows>,
    {
        let req = encode_segment(de_key).map(|key| {
            self.client()
                .post(&format!("/hub/v1/dataevents/key:{key}/rowset"))
                .json(rows)
        });
        Call::new(async move { req?.send().await.map(|_| ()) })
    }

    /// Queues an insert of `items` (column → value maps); poll the returned handle.
    ///
    #[doc = crate::scope::op_doc!(insert_rows_async)]
    fn insert_rows_async(&self, de_key: &str, items: &[Map<String, Value>]) -> Call<AsyncRowsRequest<Self>>
    where
        Self: Has<op::InsertRowsAsync>,
    {
        Call::new(queue_rows(self, reqwest::Method::POST, de_key, items))
    }

    /// Queues an upsert of `items`; poll the returned handle.
    ///
    #[doc = crate::scope::op_doc!(upsert_rows_async)]
    fn upsert_rows_async(&self, de_key: &str, items: &[Map<String, Value>]) -> Call<AsyncRowsRequest<Self>>
    where
        Self: Has<op::UpsertRowsAsync>,
    {
        Call::new(queue_rows(self, reqwest::Method::PUT, de_key, items))
    }

    /// The rows of a data extension, a page at a time as the stream is read.
    ///
    #[doc = crate::scope::op_doc!(query_rows)]
    fn query_rows(&self, de_key: &str, query: RowQuery) -> Paged<Row>
    where
        Self: Has<op::QueryRows>,
    {
        match encode_segment(de_key) {
            Ok(key) => {
                let path = format!("/data/v1/customobjectdata/key/{key}/rowset");
                let filter = query.filter.map(|f| ("$filter".to_owned(), f)).into_iter().collect();
                paged_get::<_, RowsetPage>(self.client().clone(), path, query.page_size.unwrap_or(500), filter)
            }
            // The refusal is the stream's only item.
            Err(e) => Paged::failed(e),
        }
    }

    /// The rows of a data extension decoded into your own type `T` (`#[derive(Deserialize)]`,
    /// see [`row_codec`]), a page at a time as the stream is read.
    ///
    /// A row that does not decode is an [`Error::RowCodec`] item naming its position in the
    /// result (0-based, counted from the first row of page 1), its key values and the
    /// column; the rows before it on its page come first, and **the stream ends there**: a
    /// type that does not fit one row almost always fits none, and going on would repeat the
    /// error for every row. To skip rows that do not fit, read [`query_rows`](Self::query_rows)
    /// and call [`Row::decode`] on each.
    ///
    #[doc = crate::scope::op_doc!(query_rows)]
    fn query_rows_as<T>(&self, de_key: &str, query: RowQuery) -> Paged<T>
    where
        Self: Has<op::QueryRows>,
        T: DeserializeOwned + Send + 'static,
    {
        let key = match encode_segment(de_key) {
            Ok(key) => key,
            Err(e) => return Paged::failed(e),
        };
        let client = self.client().clone();
        let path = format!("/data/v1/customobjectdata/key/{key}/rowset");
        let size = query.page_size.unwrap_or(500).clamp(1, MAX_PAGE_SIZE);
        let filter: Vec<(String, String)> = query.filter.map(|f| ("$filter".to_owned(), f)).into_iter().collect();
        Paged::new(move |page| {
            let mut params = vec![
                ("$page".to_owned(), page.to_string()),
                ("$pageSize".to_owned(), size.to_string()),
            ];
            params.extend(filter.iter().cloned());
            let req = client.get(&path).query(&params);
            let client = client.clone();
            async move {
                let body: RowsetPage = req.send().await?.json()?;
                let more = more_after(page, size, body.count, body.items.len());
                let first = u64::from(page.saturating_sub(1)) * u64::from(size);
                let mut items = Vec::with_capacity(body.items.len());
                for (i, row) in body.items.iter().enumerate() {
                    match RowInput::rest(&row.keys, &row.values, Some(first + i as u64)).decode::<T>() {
                        Ok(item) => items.push(item),
                        Err(e) => {
                            // Derived from a response: scrubbed like every such error.
                            return Ok(Fetched {
                                items,
                                total: body.count,
                                more: false,
                                stop: Some(e.redact(&client.core().redactor())),
                            });
                        }
                    }
                }
                Ok(Fetched {
                    items,
                    total: body.count,
                    more,
                    stop: None,
                })
            }
        })
    }

    /// Inserts or updates `rows` of your own type (`#[derive(Serialize)]`) synchronously, like
    /// [`upsert_rows`](Self::upsert_rows): each is encoded as a row (see
    /// [`row_codec`]) whose fields named in `key_columns` (the data
    /// extension's primary key, names matched ignoring case) are its keys.
    ///
    /// Every row is encoded before anything is sent: a row that cannot be one (a nested
    /// struct, map or sequence, a NaN, a column named twice, a missing or null key column) is
    /// an [`Error::RowCodec`] naming its index in `rows`, and no request is made.
    ///
    #[doc = crate::scope::op_doc!(upsert_rows)]
    fn upsert_rows_as<T>(&self, de_key: &str, key_columns: &[&str], rows: &[T]) -> Call<()>
    where
        Self: Has<op::UpsertRows>,
        T: Serialize,
    {
        let encoded: Result<Vec<Row>> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let index = Some(i as u64);
                row_codec::keyed_row(row_codec::encode(r, index)?, key_columns, index)
            })
            .collect();
        let req = encoded.and_then(|rows| {
            encode_segment(de_key).map(|key| {
                self.client()
                    .post(&format!("/hub/v1/dataevents/key:{key}/rowset"))
                    .json(&rows)
            })
        });
        Call::new(async move { req?.send().await.map(|_| ()) })
    }
}

impl<C: ScopedClient + Send + Sync + 'static> DataExtensions for C {}

/// `POST` (insert) or `PUT` (upsert) `/data/v1/async/dataextensions/key:{key}/rows`; the scope
/// check is done by the calling method's bound.
fn queue_rows<C: ScopedClient + Send + Sync + 'static>(
    client: &C,
    method: reqwest::Method,
    de_key: &str,
    items: &[Map<String, Value>],
) -> impl std::future::Future<Output = Result<AsyncRowsRequest<C>>> + Send + 'static {
    let req = encode_segment(de_key).map(|key| {
        client
            .client()
            .request(method, &format!("/data/v1/async/dataextensions/key:{key}/rows"))
            .json(&AsyncItems { items })
    });
    let client = C::clone(client);
    async move {
        let accepted: AsyncAccepted = req?.send().await?.json()?;
        Ok(AsyncRowsRequest {
            client,
            request_id: accepted.request_id,
        })
    }
}

impl PageBody<Row> for RowsetPage {
    fn into_parts(self) -> (Vec<Row>, Option<u64>) {
        (self.items, self.count)
    }
}
