//! Data extension rows: synchronous upsert, asynchronous insert and upsert, paged queries.

use std::future::Future;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::encode_segment;
use super::paging::{paged_get, PageBody, Paged};
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

#[derive(Deserialize)]
struct AsyncResultsBody {
    #[serde(default)]
    items: Vec<AsyncItemResult>,
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
pub trait DataExtensions: ScopedClient + Sized + Send + Sync {
    /// Inserts or updates `rows` synchronously (`POST /hub/v1/dataevents/key:{key}/rowset`).
    fn upsert_rows(&self, de_key: &str, rows: &[Row]) -> impl Future<Output = Result<()>> + Send
    where
        Self: Has<op::UpsertRows>,
    {
        let req = encode_segment(de_key).map(|key| {
            self.client()
                .post(&format!("/hub/v1/dataevents/key:{key}/rowset"))
                .json(rows)
        });
        async move { req?.send().await.map(|_| ()) }
    }

    /// Queues an insert of `items` (column → value maps); poll the returned handle.
    fn insert_rows_async(
        &self,
        de_key: &str,
        items: &[Map<String, Value>],
    ) -> impl Future<Output = Result<AsyncRowsRequest<Self>>> + Send
    where
        Self: Has<op::InsertRowsAsync>,
    {
        queue_rows(self, reqwest::Method::POST, de_key, items)
    }

    /// Queues an upsert of `items`; poll the returned handle.
    fn upsert_rows_async(
        &self,
        de_key: &str,
        items: &[Map<String, Value>],
    ) -> impl Future<Output = Result<AsyncRowsRequest<Self>>> + Send
    where
        Self: Has<op::UpsertRowsAsync>,
    {
        queue_rows(self, reqwest::Method::PUT, de_key, items)
    }

    /// The rows of a data extension, a page at a time as the stream is read.
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
}

impl<C: ScopedClient + Send + Sync> DataExtensions for C {}

/// `POST` (insert) or `PUT` (upsert) `/data/v1/async/dataextensions/key:{key}/rows`; the scope
/// check is done by the calling method's bound.
fn queue_rows<C: ScopedClient + Send + Sync>(
    client: &C,
    method: reqwest::Method,
    de_key: &str,
    items: &[Map<String, Value>],
) -> impl Future<Output = Result<AsyncRowsRequest<C>>> + Send {
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
