//! Tracking export: every sent, open, click, bounce and unsubscribe event of a date range,
//! streamed page by page (SOAP Retrieve with `MoreDataAvailable`/`ContinueRequest`) into one
//! CSV file. Only one page (2,500 events at MC) is in memory at a time.
//!
//! ```text
//! cargo run --example tracking_export [-- OUT.csv]
//! ```
//!
//! Against a real tenant, `MC_TRACKING_DAYS` (default 7) sets how many days back to export.
//! Against the fake, 6,000 events are seeded first (three pages of clicks among them) and
//! the export checks it wrote each of them once.

use std::fs::File;
use std::io::{BufWriter, Write};

use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::api::tracking::{BounceEvent, ClickEvent, EventQuery, OpenEvent, SentEvent, TrackingEvent, UnsubEvent};
use mc_auth::api::Continued;
use mc_auth::mc_client;
use mc_auth::testing::FakeEvent;
use mc_auth::time::format_description::well_known::Rfc3339;
use mc_auth::time::{Duration, OffsetDateTime, UtcOffset};
use mc_auth_examples::{run_example, Target};

/// Reads tracking events.
#[mc_client(scopes = "tracking_events_read")]
struct Reports;

/// One CSV line per event: the columns every event type shares, and a detail column.
trait CsvRow: TrackingEvent {
    fn row(&self) -> [String; 5];
}

macro_rules! csv_row {
    ($t:ty, $kind:literal, |$e:ident| $detail:expr) => {
        impl CsvRow for $t {
            fn row(&self) -> [String; 5] {
                let $e = self;
                [
                    $kind.to_owned(),
                    self.subscriber_key.clone(),
                    rfc3339(self.event_date),
                    self.send_id.to_string(),
                    $detail,
                ]
            }
        }
    };
}

csv_row!(SentEvent, "sent", |e| e
    .batch_id
    .map(|b| b.to_string())
    .unwrap_or_default());
csv_row!(OpenEvent, "open", |_e| String::new());
csv_row!(ClickEvent, "click", |e| e.url.clone().unwrap_or_default());
csv_row!(BounceEvent, "bounce", |e| e.bounce_category.clone().unwrap_or_default());
csv_row!(UnsubEvent, "unsub", |e| e
    .is_master_unsubscribed
    .map(|m| m.to_string())
    .unwrap_or_default());

/// The date in UTC, RFC 3339 (`2026-01-05T08:30:00.037Z`).
fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

/// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_owned()
    }
}

/// Writes the events of one stream into `out`, one page in memory at a time; returns how many
/// were written.
async fn export<E: CsvRow>(
    mut events: Continued<E>,
    out: &mut impl Write,
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut written = 0;
    while let Some(event) = events.next().await {
        let fields = event?.row().map(|f| csv_field(&f));
        writeln!(out, "{}", fields.join(","))?;
        written += 1;
    }
    Ok(written)
}

fn seed(fake: &mc_auth::testing::FakeMarketingCloud, from: OffsetDateTime) -> usize {
    let at = |i: i64| from + Duration::seconds(i);
    let mut events = Vec::new();
    for i in 0..1_500 {
        events.push(FakeEvent::sent(&format!("subscriber-{i}"), 1001, at(i)).batch_id(1));
        events.push(FakeEvent::open(&format!("subscriber-{i}"), 1001, at(i + 60)));
    }
    for i in 0..2_700 {
        let url = format!("https://example.com/offer?id={},\"{}\"", i % 7, i % 3);
        events.push(FakeEvent::click(
            &format!("subscriber-{}", i % 1_500),
            1001,
            at(i + 120),
            &url,
        ));
    }
    for i in 0..200 {
        events.push(
            FakeEvent::bounce(&format!("bounced-{i}"), 1001, at(i), "Hard bounce").smtp("User Unknown", 550, "5.1.1"),
        );
        events.push(FakeEvent::unsub(&format!("subscriber-{i}"), 1001, at(i + 600)).master_unsubscribe(i % 2 == 0));
    }
    let n = events.len();
    fake.tracking().extend(events);
    n
}

fn main() {
    run_example(async {
        let target = Target::from_env_or_fake(Reports::SCOPES).await?;
        println!("Using {}", target.describe());
        let reports = Reports::connect(target.credentials()).await?;

        let days: i64 = std::env::var("MC_TRACKING_DAYS")
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(7);
        let to = OffsetDateTime::now_utc();
        let from = to - Duration::days(days);
        let seeded = target.fake().map(|fake| seed(fake, from + Duration::hours(1)));

        let path = std::env::args()
            .nth(1)
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::env::temp_dir().join("mc-auth-tracking-export.csv"));
        let mut out = BufWriter::new(File::create(&path)?);
        writeln!(out, "type,subscriber_key,event_date,send_id,detail")?;
        let query = EventQuery::between(from, to);
        let mut total = 0;
        total += export(reports.tracking_events::<SentEvent>(&query), &mut out).await?;
        total += export(reports.tracking_events::<OpenEvent>(&query), &mut out).await?;
        total += export(reports.tracking_events::<ClickEvent>(&query), &mut out).await?;
        total += export(reports.tracking_events::<BounceEvent>(&query), &mut out).await?;
        total += export(reports.tracking_events::<UnsubEvent>(&query), &mut out).await?;
        out.flush()?;
        println!("Wrote {total} events from {from} to {to} into {}", path.display());

        if let Some(seeded) = seeded {
            if total != seeded {
                return Err(format!("exported {total} events, but the fake holds {seeded}").into());
            }
            let lines = std::fs::read_to_string(&path)?.lines().count();
            println!("Checked: {seeded} events seeded, {} CSV lines with the header", lines);
        }
        Ok(())
    });
}
