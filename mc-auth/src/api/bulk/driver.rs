//! The load itself: one future that reads rows, packs batches, keeps uploads and polls in
//! flight within the window, and gathers the outcome. No task is spawned, so dropping the
//! future stops everything.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, Stream, StreamExt};
use reqwest::Method;
use serde_json::{Map, Value};

use super::batch::{rows_of, serialize_row, Batch, BatchBuilder, Limits};
use super::{FailedRow, FailureReason, LoadGauge, LoadItem, LoadMode, LoadProgress, LoadReport, LoadRows};
use crate::api::data_extensions::{AsyncAccepted, AsyncItemResult, AsyncResultsBody};
use crate::api::encode_segment;
use crate::client::Client;
use crate::error::{Error, Result, TransportKind};
use crate::retry::Pacer;
use crate::scope::ScopedClient;

/// A batch whose rows count as buffered until it is dropped.
struct Held {
    batch: Batch,
    gauge: LoadGauge,
}

impl Drop for Held {
    fn drop(&mut self) {
        self.gauge.remove_rows(self.batch.rows as u64);
    }
}

/// The batch being filled, its rows counted as buffered.
struct Filling {
    builder: BatchBuilder,
    gauge: LoadGauge,
}

impl Filling {
    fn push(&mut self, index: u64, row: &[u8]) {
        self.builder.push(index, row);
        self.gauge.add_rows(1);
    }

    fn finish(&mut self) -> Option<Held> {
        self.builder.finish().map(|batch| Held {
            batch,
            gauge: self.gauge.clone(),
        })
    }
}

impl Drop for Filling {
    fn drop(&mut self) {
        self.gauge.remove_rows(self.builder.len() as u64);
    }
}

/// A request in flight, counted until it is dropped (finished or abandoned).
struct InFlight(LoadGauge);

impl InFlight {
    fn new(gauge: &LoadGauge) -> Self {
        gauge.inner.in_flight.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        InFlight(gauge.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0
            .inner
            .in_flight
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What one request needs to go out.
#[derive(Clone)]
struct Sender {
    client: Client,
    pacer: Arc<Pacer>,
    gauge: LoadGauge,
    method: Method,
    path: Arc<str>,
    poll_interval: Duration,
    max_wait: Duration,
}

/// `GET /data/v1/async/{requestId}/status`, strictly: a missing `hasErrors` is not `false`.
#[derive(serde::Deserialize)]
struct StatusBody {
    #[serde(default)]
    status: StatusDetail,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct StatusDetail {
    #[serde(default)]
    request_status: Option<String>,
    #[serde(default)]
    has_errors: Option<bool>,
}

/// How an accepted request ended.
enum Outcome {
    /// MC finished it: one result per item (or MC's list, whatever its length).
    Finished {
        items: Vec<AsyncItemResult>,
        has_errors: bool,
    },
    /// Still not finished after `max_wait`.
    TimedOut,
}

type Upload = Pin<Box<dyn Future<Output = (Held, Result<String>)> + Send>>;
type Poll = Pin<Box<dyn Future<Output = (Held, String, Result<Outcome>)> + Send>>;

impl Sender {
    fn upload(&self, held: Held) -> Upload {
        let me = self.clone();
        Box::pin(async move {
            let _in_flight = InFlight::new(&me.gauge);
            let sent = me
                .client
                .request(me.method.clone(), &me.path)
                .body(held.batch.body.clone(), "application/json")
                .paced(Arc::clone(&me.pacer))
                // A 429 means MC did nothing with it: safe to resend even an insert.
                .resend_refused()
                .send()
                .await;
            let id = sent.and_then(|r| r.json::<AsyncAccepted>()).map(|a| a.request_id);
            (held, id)
        })
    }

    fn poll(&self, held: Held, request_id: String) -> Poll {
        let me = self.clone();
        Box::pin(async move {
            let outcome = me.outcome(&request_id).await;
            (held, request_id, outcome)
        })
    }

    async fn outcome(&self, request_id: &str) -> Result<Outcome> {
        let id = encode_segment(request_id)?;
        let deadline = tokio::time::Instant::now() + self.max_wait;
        let mut wait = (self.poll_interval / 10).max(Duration::from_millis(1));
        loop {
            tokio::time::sleep(wait).await;
            let status: StatusBody = self.get(&format!("/data/v1/async/{id}/status")).await?.json()?;
            let status = status.status;
            let finished = matches!(status.request_status.as_deref(), Some("Complete") | Some("Error"));
            if finished && status.request_status.as_deref() == Some("Complete") && status.has_errors == Some(false) {
                // Every row written (MC says so explicitly): the per-row results would only
                // say "OK", so they are not fetched.
                return Ok(Outcome::Finished {
                    items: Vec::new(),
                    has_errors: false,
                });
            }
            if finished {
                let body: AsyncResultsBody = self.get(&format!("/data/v1/async/{id}/results")).await?.json()?;
                return Ok(Outcome::Finished {
                    items: body.items,
                    has_errors: status.has_errors.unwrap_or(true),
                });
            }
            if tokio::time::Instant::now() + wait > deadline {
                return Ok(Outcome::TimedOut);
            }
            wait = (wait * 2).min(self.poll_interval);
        }
    }

    async fn get(&self, path: &str) -> Result<crate::request::Response> {
        let _in_flight = InFlight::new(&self.gauge);
        self.client.get(path).paced(Arc::clone(&self.pacer)).send().await
    }
}

/// True when every further request would fail the same way: stop the load.
fn stops_the_load(e: &Error) -> bool {
    match e.status() {
        Some(429) => false,
        Some(s) => (400..500).contains(&s),
        None => !matches!(e, Error::Transport { .. } | Error::UnexpectedResponse { .. }),
    }
}

/// Why the rows of a batch whose upload failed did not get written.
fn upload_failure(e: Error) -> FailureReason {
    let never_sent = e.status() == Some(429)
        || matches!(
            e,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        );
    if never_sent {
        FailureReason::NotSent(e)
    } else {
        FailureReason::Unknown(e)
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}

/// The running totals and the failures.
struct Tally {
    started: tokio::time::Instant,
    rows_read: u64,
    rows_sent: u64,
    rows_accepted: u64,
    rows_failed: u64,
    batches_sent: u64,
    failed: Vec<FailedRow>,
    key_columns: Option<Vec<String>>,
}

impl Tally {
    fn progress(&self, pacer: &Pacer) -> LoadProgress {
        LoadProgress {
            rows_read: self.rows_read,
            rows_sent: self.rows_sent,
            rows_accepted: self.rows_accepted,
            rows_failed: self.rows_failed,
            batches_sent: self.batches_sent,
            throttled: pacer.pauses(),
            elapsed: self.started.elapsed(),
        }
    }

    fn keys_of(&self, row: &Map<String, Value>) -> Map<String, Value> {
        let Some(columns) = &self.key_columns else {
            return Map::new();
        };
        row.iter()
            .filter(|(name, _)| columns.iter().any(|c| c.eq_ignore_ascii_case(name)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    fn fail(&mut self, index: u64, row: Map<String, Value>, reason: FailureReason) {
        self.rows_failed += 1;
        let keys = self.keys_of(&row);
        self.failed.push(FailedRow {
            index,
            keys,
            row,
            reason,
        });
    }

    /// Every row of `batch` failed for `reason`.
    fn fail_batch(&mut self, batch: &Batch, reason: FailureReason) {
        let rows = rows_of(&batch.body);
        let read_back = rows.len();
        for (i, row) in rows.into_iter().enumerate() {
            self.fail(batch.first_index + i as u64, row, reason.clone());
        }
        // Only if our own body did not parse back; still count every row.
        self.rows_failed += (batch.rows - read_back.min(batch.rows)) as u64;
    }

    fn finished(&mut self, batch: &Batch, request_id: &str, items: Vec<AsyncItemResult>, has_errors: bool) {
        let is_error = |r: &AsyncItemResult| {
            r.status
                .as_deref()
                .is_some_and(|s| !s.eq_ignore_ascii_case("ok") && !s.eq_ignore_ascii_case("success"))
        };
        if items.len() == batch.rows {
            if !items.iter().any(is_error) {
                self.rows_accepted += batch.rows as u64;
                return;
            }
            let rows = rows_of(&batch.body);
            for (i, (item, row)) in items.into_iter().zip(rows).enumerate() {
                if is_error(&item) {
                    let reason = FailureReason::Rejected {
                        error_code: item.error_code,
                        message: item.message.unwrap_or_default(),
                    };
                    self.fail(batch.first_index + i as u64, row, reason);
                } else {
                    self.rows_accepted += 1;
                }
            }
        } else if !has_errors && !items.iter().any(is_error) {
            self.rows_accepted += batch.rows as u64;
        } else {
            let e = Error::UnexpectedResponse {
                status: 200,
                endpoint: format!("GET /data/v1/async/{request_id}/results"),
                problem: format!(
                    "{} results for {} rows with errors among them, so the failed rows cannot be told apart",
                    items.len(),
                    batch.rows
                ),
                excerpt: String::new(),
            };
            self.fail_batch(batch, FailureReason::Unknown(e));
        }
    }
}

pub(super) async fn run<C, S>(load: LoadRows<C, S>) -> Result<LoadReport>
where
    C: ScopedClient + Send + Sync,
    S: Stream,
    S::Item: LoadItem + Send,
{
    let LoadRows {
        client,
        de_key,
        rows,
        settings,
        mut on_progress,
        gauge,
    } = load;
    let path = format!("/data/v1/async/dataextensions/key:{}/rows", encode_segment(&de_key)?);
    let pacer = Arc::new(Pacer::default());
    let sender = Sender {
        client: client.client().clone(),
        pacer: Arc::clone(&pacer),
        gauge: gauge.clone(),
        method: match settings.mode {
            LoadMode::Upsert => Method::PUT,
            LoadMode::Insert => Method::POST,
        },
        path: path.into(),
        poll_interval: settings.poll_interval,
        max_wait: settings.max_wait,
    };
    let limits = Limits {
        rows: settings.batch_rows,
        bytes: settings.max_batch_bytes,
    };
    let concurrency = settings.concurrency;
    let window = concurrency + settings.max_pending.unwrap_or(concurrency);
    let mut tally = Tally {
        started: tokio::time::Instant::now(),
        rows_read: 0,
        rows_sent: 0,
        rows_accepted: 0,
        rows_failed: 0,
        batches_sent: 0,
        failed: Vec::new(),
        key_columns: settings.key_columns,
    };
    let mut report = |tally: &Tally| {
        if let Some(callback) = on_progress.as_mut() {
            callback(&tally.progress(&pacer));
        }
    };

    let mut rows = std::pin::pin!(rows);
    let mut filling = Filling {
        builder: BatchBuilder::new(limits),
        gauge: gauge.clone(),
    };
    let mut ready: Option<Held> = None;
    let mut uploads: FuturesUnordered<Upload> = FuturesUnordered::new();
    let mut polls: FuturesUnordered<Poll> = FuturesUnordered::new();
    let mut stream_done = false;
    let mut stop: Option<Error> = None;
    let mut scratch = Vec::new();

    loop {
        if stop.is_none() {
            if ready.is_none() && (stream_done || filling.builder.is_full()) {
                ready = filling.finish();
            }
            if uploads.len() < concurrency && uploads.len() + polls.len() < window {
                if let Some(held) = ready.take() {
                    uploads.push(sender.upload(held));
                }
            }
        }
        let can_read = stop.is_none() && !stream_done && ready.is_none();
        if !can_read && uploads.is_empty() && polls.is_empty() && (ready.is_none() || stop.is_some()) {
            break;
        }
        tokio::select! {
            biased;
            Some((held, accepted)) = uploads.next(), if !uploads.is_empty() => match accepted {
                Ok(request_id) => {
                    tally.batches_sent += 1;
                    tally.rows_sent += held.batch.rows as u64;
                    polls.push(sender.poll(held, request_id));
                    report(&tally);
                }
                Err(e) if stops_the_load(&e) => {
                    tracing::warn!(error = %e, "bulk load stopped: Marketing Cloud refused a batch");
                    stop.get_or_insert(e);
                }
                Err(e) => {
                    tally.fail_batch(&held.batch, upload_failure(e));
                    report(&tally);
                }
            },
            Some((held, request_id, outcome)) = polls.next(), if !polls.is_empty() => {
                match outcome {
                    Ok(Outcome::Finished { items, has_errors }) => {
                        tally.finished(&held.batch, &request_id, items, has_errors);
                    }
                    Ok(Outcome::TimedOut) => {
                        let e = Error::config(
                            "max_wait",
                            format!("async request {request_id} was still running after {:?}; check it later with its status", settings.max_wait),
                        );
                        tally.fail_batch(&held.batch, FailureReason::Unknown(e));
                    }
                    Err(e) => tally.fail_batch(&held.batch, FailureReason::Unknown(e)),
                }
                report(&tally);
            },
            item = AssertUnwindSafe(rows.next()).catch_unwind(), if can_read => {
                let index = tally.rows_read;
                let row = match item {
                    Ok(None) => {
                        stream_done = true;
                        continue;
                    }
                    Ok(Some(item)) => {
                        tally.rows_read += 1;
                        if index == 0 && tally.key_columns.is_none() {
                            tally.key_columns = item.key_columns();
                        }
                        item.into_columns().map_err(|e| format!("could not be read from the input stream: {e}"))
                    }
                    Err(panic) => Err(format!("the input stream panicked while producing it ({})", panic_message(&*panic))),
                };
                let serialized = row
                    .map_err(|problem| Error::Row { index: Some(index), problem })
                    .and_then(|row| serialize_row(index, &row, &limits, &mut scratch));
                match serialized {
                    Ok(()) => {
                        if !filling.builder.fits(scratch.len()) {
                            ready = filling.finish();
                        }
                        filling.push(index, &scratch);
                    }
                    Err(e) => {
                        stop = Some(stopped_at(e, &tally));
                    }
                }
            },
        }
        if stop.is_some() {
            // Nothing more goes out; what is in flight finishes.
            ready = None;
            drop(filling.finish());
        }
    }
    report(&tally);
    if let Some(e) = stop {
        return Err(e);
    }
    tally.failed.sort_by_key(|f| f.index);
    Ok(LoadReport {
        rows_read: tally.rows_read,
        rows_accepted: tally.rows_accepted,
        failed: tally.failed,
        batches: tally.batches_sent,
        throttled: pacer.pauses(),
        peak_rows_buffered: gauge.peak_rows_buffered(),
        elapsed: tally.started.elapsed(),
    })
}

/// A row error that stops the load, with how far the load had got.
fn stopped_at(e: Error, tally: &Tally) -> Error {
    match e {
        Error::Row { index, problem } => Error::Row {
            index,
            problem: format!(
                "{problem}; the load stopped there: no later row was read, the rows waiting to be sent were not sent, and the requests already in flight were finished ({} rows had been accepted for processing)",
                tally.rows_sent
            ),
        },
        other => other,
    }
}
