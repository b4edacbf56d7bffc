//! Tracking events (`SentEvent`, `OpenEvent`, `ClickEvent`, `BounceEvent`, `UnsubEvent`,
//! `NotSentEvent`): read-only objects the fake serves to SOAP Retrieve, added by tests with
//! [`TrackingView::add`](crate::testing::TrackingView::add).
//!
//! Each event is stored with MC's tracking properties (`SendID`, `SubscriberKey`,
//! `EventDate`, `EventType`, `BatchID`, `TriggeredSendDefinitionObjectID`, `Client.ID`, and
//! per type `URL`/`URLID`, `BounceCategory`/`BounceType`/`SMTPCode`/`SMTPReason`,
//! `IsMasterUnsubscribed`). `EventDate` is written as MC answers dates: Central Standard Time
//! (UTC−6) without an offset, with milliseconds (`2026-01-05T02:30:00.000`). Retrieve filters
//! compare dates as instants, so a `DateValue` with any offset matches correctly. Pages are the
//! fake's SOAP page size (2,500 by default), as for every Retrieve.

use std::collections::HashMap;

use time::macros::{format_description, offset};
use time::OffsetDateTime;

use super::objects::SoapRecord;

/// Properties every tracking event has.
const COMMON: &[&str] = &[
    "ObjectID",
    "Client.ID",
    "SendID",
    "SubscriberKey",
    "EventDate",
    "EventType",
    "BatchID",
    "TriggeredSendDefinitionObjectID",
    "PartnerKey",
    "CreatedDate",
    "ModifiedDate",
];

/// The properties a Retrieve may ask for on `object_type`, or `None` when it is not an event.
pub(crate) fn properties(object_type: &str) -> Option<Vec<&'static str>> {
    let extra: &[&str] = match object_type {
        "SentEvent" | "OpenEvent" | "NotSentEvent" => &[],
        "ClickEvent" => &["URL", "URLID"],
        "BounceEvent" => &["BounceCategory", "BounceType", "SMTPCode", "SMTPReason"],
        "UnsubEvent" => &["IsMasterUnsubscribed"],
        _ => return None,
    };
    Some(COMMON.iter().chain(extra).copied().collect())
}

/// A tracking event for [`TrackingView::add`](crate::testing::TrackingView::add): built with
/// one constructor per type, then optional properties.
///
/// ```
/// use mc_auth::testing::FakeEvent;
/// use time::macros::datetime;
/// let click = FakeEvent::click("ada", 42, datetime!(2026-01-05 08:30 UTC), "https://example.com/a")
///     .batch_id(7);
/// assert_eq!(click.object_type(), "ClickEvent");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeEvent {
    object_type: &'static str,
    subscriber_key: String,
    send_id: i64,
    at: OffsetDateTime,
    extra: Vec<(&'static str, String)>,
}

impl FakeEvent {
    fn new(object_type: &'static str, subscriber_key: &str, send_id: i64, at: OffsetDateTime) -> Self {
        FakeEvent {
            object_type,
            subscriber_key: subscriber_key.to_owned(),
            send_id,
            at,
            extra: Vec::new(),
        }
    }

    /// A `SentEvent` (`EventType` `Sent`).
    pub fn sent(subscriber_key: &str, send_id: i64, at: OffsetDateTime) -> Self {
        Self::new("SentEvent", subscriber_key, send_id, at)
    }

    /// An `OpenEvent` (`EventType` `Open`).
    pub fn open(subscriber_key: &str, send_id: i64, at: OffsetDateTime) -> Self {
        Self::new("OpenEvent", subscriber_key, send_id, at)
    }

    /// A `ClickEvent` on `url` (`EventType` `Click`; `URLID` is the URL's position among
    /// the distinct URLs added, from 1).
    pub fn click(subscriber_key: &str, send_id: i64, at: OffsetDateTime, url: &str) -> Self {
        let mut e = Self::new("ClickEvent", subscriber_key, send_id, at);
        e.extra.push(("URL", url.to_owned()));
        e
    }

    /// A `BounceEvent` of `category` (`Hard bounce`, `Soft bounce`, `Block bounce`, ...);
    /// `EventType` `HardBounce`, `SoftBounce` or `OtherBounce` follows the category.
    pub fn bounce(subscriber_key: &str, send_id: i64, at: OffsetDateTime, category: &str) -> Self {
        let mut e = Self::new("BounceEvent", subscriber_key, send_id, at);
        e.extra.push(("BounceCategory", category.to_owned()));
        e
    }

    /// An `UnsubEvent` (`EventType` `Unsubscribe`, `IsMasterUnsubscribed` `false` unless set).
    pub fn unsub(subscriber_key: &str, send_id: i64, at: OffsetDateTime) -> Self {
        Self::new("UnsubEvent", subscriber_key, send_id, at)
    }

    /// A `NotSentEvent` (`EventType` `NotSent`).
    pub fn not_sent(subscriber_key: &str, send_id: i64, at: OffsetDateTime) -> Self {
        Self::new("NotSentEvent", subscriber_key, send_id, at)
    }

    /// Sets `BatchID`.
    pub fn batch_id(self, batch_id: i64) -> Self {
        self.with("BatchID", batch_id.to_string())
    }

    /// Sets `TriggeredSendDefinitionObjectID`.
    pub fn triggered_send(self, object_id: &str) -> Self {
        self.with("TriggeredSendDefinitionObjectID", object_id.to_owned())
    }

    /// Sets a bounce's `BounceType`, `SMTPCode` and `SMTPReason`.
    pub fn smtp(self, bounce_type: &str, code: u16, reason: &str) -> Self {
        self.with("BounceType", bounce_type.to_owned())
            .with("SMTPCode", code.to_string())
            .with("SMTPReason", reason.to_owned())
    }

    /// Sets an unsubscribe's `IsMasterUnsubscribed` (unsubscribed from all lists).
    pub fn master_unsubscribe(self, yes: bool) -> Self {
        self.with("IsMasterUnsubscribed", yes.to_string())
    }

    fn with(mut self, name: &'static str, value: String) -> Self {
        self.extra.retain(|(n, _)| *n != name);
        self.extra.push((name, value));
        self
    }

    /// The SOAP object type (`SentEvent`, `ClickEvent`, ...).
    pub fn object_type(&self) -> &'static str {
        self.object_type
    }

    fn event_type(&self) -> &'static str {
        match self.object_type {
            "SentEvent" => "Sent",
            "OpenEvent" => "Open",
            "ClickEvent" => "Click",
            "UnsubEvent" => "Unsubscribe",
            "NotSentEvent" => "NotSent",
            _ => {
                let category = self
                    .extra
                    .iter()
                    .find(|(n, _)| *n == "BounceCategory")
                    .map(|(_, v)| v.to_ascii_lowercase())
                    .unwrap_or_default();
                if category.starts_with("hard") {
                    "HardBounce"
                } else if category.starts_with("soft") {
                    "SoftBounce"
                } else {
                    "OtherBounce"
                }
            }
        }
    }
}

/// `EventDate` as MC writes it: Central Standard Time, no offset, milliseconds.
pub(crate) fn mc_date(at: OffsetDateTime) -> String {
    let local = at.to_offset(offset!(-6));
    local
        .format(format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]"
        ))
        .unwrap_or_default()
}

/// The events the fake holds, by object type, in the order added.
#[derive(Default)]
pub(crate) struct TrackingStore {
    events: HashMap<&'static str, Vec<SoapRecord>>,
    urls: Vec<String>,
    next_id: u64,
}

impl TrackingStore {
    /// Stores `event` as the MID `account_id` sees it.
    pub fn add(&mut self, event: FakeEvent, account_id: u64) {
        self.next_id += 1;
        let mut r = SoapRecord::new(event.object_type);
        let date = mc_date(event.at);
        let props = [
            ("ObjectID", format!("evt-{:08}", self.next_id)),
            ("Client.ID", account_id.to_string()),
            ("SendID", event.send_id.to_string()),
            ("SubscriberKey", event.subscriber_key.clone()),
            ("EventDate", date.clone()),
            ("EventType", event.event_type().to_owned()),
            ("CreatedDate", date.clone()),
            ("ModifiedDate", date),
        ];
        for (k, v) in &props {
            r.set(k, v);
        }
        for (k, v) in &event.extra {
            r.set(k, v);
        }
        if event.object_type == "ClickEvent" {
            let url = r.get("URL").unwrap_or_default().to_owned();
            let id = match self.urls.iter().position(|u| *u == url) {
                Some(i) => i + 1,
                None => {
                    self.urls.push(url);
                    self.urls.len()
                }
            };
            r.set("URLID", &id.to_string());
        }
        if event.object_type == "UnsubEvent" && r.get("IsMasterUnsubscribed").is_none() {
            r.set("IsMasterUnsubscribed", "false");
        }
        self.events.entry(event.object_type).or_default().push(r);
    }

    /// The stored events of `object_type`.
    pub fn of(&self, object_type: &str) -> &[SoapRecord] {
        self.events.get(object_type).map(Vec::as_slice).unwrap_or(&[])
    }

    /// How many events of every type are stored.
    pub fn len(&self) -> usize {
        self.events.values().map(Vec::len).sum()
    }
}

/// Tracking events served to SOAP Retrieve. Made by
/// [`FakeMarketingCloud::tracking`](crate::testing::FakeMarketingCloud::tracking).
#[derive(Debug, Clone, Copy)]
pub struct TrackingView<'a> {
    pub(crate) fake: &'a crate::testing::FakeMarketingCloud,
}

impl TrackingView<'_> {
    /// Adds an event, seen by the default business unit
    /// ([`DEFAULT_MID`](crate::testing::DEFAULT_MID)).
    pub fn add(&self, event: FakeEvent) {
        self.add_for(crate::testing::DEFAULT_MID, event);
    }

    /// Adds an event of business unit `mid` (its `Client.ID`).
    pub fn add_for(&self, mid: u64, event: FakeEvent) {
        self.fake.state().soap.tracking.add(event, mid);
    }

    /// Adds many events of the default business unit under one lock (for large fixtures).
    pub fn extend(&self, events: impl IntoIterator<Item = FakeEvent>) {
        let mut state = self.fake.state();
        for e in events {
            state.soap.tracking.add(e, crate::testing::DEFAULT_MID);
        }
    }

    /// How many events of every type the fake holds.
    pub fn count(&self) -> usize {
        self.fake.state().soap.tracking.len()
    }
}
