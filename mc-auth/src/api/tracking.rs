//! Tracking events over SOAP: `SentEvent`, `OpenEvent`, `ClickEvent`, `BounceEvent`,
//! `UnsubEvent` and `NotSentEvent` in a date range, as a lazy typed stream.
//!
//! The stream sends one Retrieve and yields its events; when they are used up and MC answered
//! `MoreDataAvailable`, it sends the `ContinueRequest` for the next page (2,500 events at MC),
//! and so on. It holds one page at a time, however many events the range has, and fetches
//! nothing until polled.
//!
//! ```no_run
//! use futures_util::StreamExt;
//! use mc_auth::api::prelude::*;
//! use mc_auth::api::tracking::{ClickEvent, EventQuery};
//! use mc_auth::mc_client;
//! use time::macros::datetime;
//!
//! #[mc_client(scopes = "tracking_events_read")]
//! struct Reports;
//!
//! # async fn run(r: Reports) -> mc_auth::Result<()> {
//! let january = EventQuery::between(datetime!(2026-01-01 0:00 UTC), datetime!(2026-01-31 23:59:59 UTC));
//! let mut clicks = r.tracking_events::<ClickEvent>(&january);
//! while let Some(click) = clicks.next().await {
//!     let click = click?;
//!     println!("{} clicked {:?} at {}", click.subscriber_key, click.url, click.event_date);
//! }
//! # Ok(()) }
//! ```

use futures_util::stream::StreamExt;
use time::OffsetDateTime;

use super::soap_reader::SoapReader;
use super::Continued;
use crate::error::{Error, Result};
use crate::scope::{Has, ScopedClient};
use crate::soap::{
    self, Accounts, DateFilter, Filter, Retrieve, RetrieveRequest, ScopedSoap, SimpleFilter, SoapObject,
};

/// A tracking event type: the SOAP object it is read from, the properties asked for, and how
/// one object decodes.
pub trait TrackingEvent: Sized + Send + 'static {
    /// The SOAP object type (`soap::SentEvent`, ...); its Retrieve scopes gate the call.
    type Object: Retrieve;
    /// The properties the Retrieve asks for.
    const PROPERTIES: &'static [&'static str];
    /// Decodes one retrieved object; the error names the object type, the property and the
    /// value that did not decode.
    fn from_object(object: &SoapObject) -> Result<Self>;
}

macro_rules! tracking_event {
    (
        $(#[$doc:meta])*
        $name:ident, $object:ty, $type_name:literal,
        [$($prop:literal),*],
        { $($(#[$fdoc:meta])* $field:ident : $fty:ty = |$r:ident| $read:expr;)* }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct $name {
            /// The subscriber's key (`SubscriberKey`).
            pub subscriber_key: String,
            /// When the event happened (`EventDate`; MC answers Central Standard Time without
            /// an offset, read as UTC−6).
            pub event_date: OffsetDateTime,
            /// The send (job) the event belongs to (`SendID`, MC's JobID).
            pub send_id: i64,
            /// MC's `EventType` (`Sent`, `Open`, `Click`, `HardBounce`, `SoftBounce`,
            /// `OtherBounce`, `Unsubscribe`, `NotSent`, ...).
            pub event_type: String,
            /// `BatchID`: ties a triggered send's sent event to its later events.
            pub batch_id: Option<i64>,
            /// The triggered send definition's `ObjectID`, for triggered sends.
            pub triggered_send_definition_object_id: Option<String>,
            /// The MID of the business unit the event belongs to (`Client.ID`).
            pub client_id: Option<u64>,
            $($(#[$fdoc])* pub $field: $fty,)*
        }

        impl TrackingEvent for $name {
            type Object = $object;
            const PROPERTIES: &'static [&'static str] = &[
                "SubscriberKey",
                "EventDate",
                "SendID",
                "EventType",
                "BatchID",
                "TriggeredSendDefinitionObjectID",
                "Client.ID",
                $($prop,)*
            ];

            fn from_object(object: &SoapObject) -> Result<Self> {
                let r = SoapReader::new(object, $type_name);
                Ok($name {
                    subscriber_key: r.required("SubscriberKey")?,
                    event_date: r.date("EventDate")?,
                    send_id: r.required_number("SendID")?,
                    event_type: r.text("EventType").unwrap_or_default(),
                    batch_id: r.number("BatchID")?,
                    triggered_send_definition_object_id: r.text("TriggeredSendDefinitionObjectID"),
                    client_id: r.number("Client.ID")?,
                    $($field: { let $r = &r; $read },)*
                })
            }
        }
    };
}

tracking_event!(
    /// An email sent to a subscriber (SOAP `SentEvent`).
    SentEvent, soap::SentEvent, "SentEvent", [], {}
);

tracking_event!(
    /// A subscriber opened an email (SOAP `OpenEvent`).
    OpenEvent, soap::OpenEvent, "OpenEvent", [], {}
);

tracking_event!(
    /// A subscriber clicked a link (SOAP `ClickEvent`).
    ClickEvent, soap::ClickEvent, "ClickEvent", ["URL", "URLID"], {
        /// The link clicked (`URL`).
        url: Option<String> = |r| r.text("URL");
        /// MC's id of the link (`URLID`).
        url_id: Option<i64> = |r| r.number("URLID")?;
    }
);

tracking_event!(
    /// An email bounced (SOAP `BounceEvent`).
    BounceEvent, soap::BounceEvent, "BounceEvent", ["BounceCategory", "BounceType", "SMTPCode", "SMTPReason"], {
        /// `BounceCategory`: `Hard bounce`, `Soft bounce`, `Block bounce`, `Technical/Other bounce`, ...
        bounce_category: Option<String> = |r| r.text("BounceCategory");
        /// `BounceType`, MC's finer classification.
        bounce_type: Option<String> = |r| r.text("BounceType");
        /// The receiving server's SMTP reply code (`SMTPCode`).
        smtp_code: Option<i32> = |r| r.number("SMTPCode")?;
        /// The receiving server's reply text (`SMTPReason`).
        smtp_reason: Option<String> = |r| r.text("SMTPReason");
    }
);

tracking_event!(
    /// A subscriber unsubscribed (SOAP `UnsubEvent`).
    UnsubEvent, soap::UnsubEvent, "UnsubEvent", ["IsMasterUnsubscribed"], {
        /// True when the subscriber left every list (`IsMasterUnsubscribed`).
        is_master_unsubscribed: Option<bool> = |r| r.flag("IsMasterUnsubscribed")?;
    }
);

tracking_event!(
    /// An email was not sent to a subscriber (SOAP `NotSentEvent`: unsubscribed, held,
    /// excluded, ...).
    NotSentEvent, soap::NotSentEvent, "NotSentEvent", [], {}
);

/// Which events to read: an `EventDate` range (both ends included), optionally one send, and
/// optionally any further [`Filter`] (joined with `AND`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    from: OffsetDateTime,
    to: OffsetDateTime,
    send_id: Option<i64>,
    extra: Option<Filter>,
    accounts: Accounts,
}

impl EventQuery {
    /// Events with `from <= EventDate <= to` (whole seconds: fractions are dropped when sent).
    pub fn between(from: OffsetDateTime, to: OffsetDateTime) -> Self {
        EventQuery {
            from,
            to,
            send_id: None,
            extra: None,
            accounts: Accounts::Own,
        }
    }

    /// Reads the events of these business units: [`Accounts::All`] (`QueryAllAccounts`) adds
    /// every unit below the token's, [`Accounts::Only`] (`ClientIDs`) names them.
    pub fn accounts(mut self, accounts: Accounts) -> Self {
        self.accounts = accounts;
        self
    }

    /// Only the events of send (job) `send_id`.
    pub fn send_id(mut self, send_id: i64) -> Self {
        self.send_id = Some(send_id);
        self
    }

    /// Also `filter` (joined with `AND`), e.g. `SimpleFilter::equals("SubscriberKey", "ada")`.
    pub fn filter(mut self, filter: impl Into<Filter>) -> Self {
        let filter = filter.into();
        self.extra = Some(match self.extra.take() {
            Some(f) => f.and(filter),
            None => filter,
        });
        self
    }

    /// The Retrieve filter: `EventDate between from and to [AND SendID = id] [AND extra]`.
    /// An empty range (`from` after `to`) is an error that names both ends.
    pub fn to_filter(&self) -> Result<Filter> {
        if self.from > self.to {
            return Err(Error::config(
                "tracking date range",
                format!(
                    "the range starts ({}) after it ends ({}); pass the earlier date first (nothing was sent)",
                    soap::format_date_value(self.from),
                    soap::format_date_value(self.to)
                ),
            ));
        }
        let mut f = Filter::from(DateFilter::between("EventDate", self.from, self.to));
        if let Some(id) = self.send_id {
            f = f.and(SimpleFilter::equals("SendID", id.to_string()));
        }
        if let Some(extra) = &self.extra {
            f = f.and(extra.clone());
        }
        Ok(f)
    }
}

/// Tracking events, for every client type with `tracking_events_read`.
pub trait Tracking: ScopedClient {
    /// The events of type `E` ([`SentEvent`], [`OpenEvent`], [`ClickEvent`], [`BounceEvent`],
    /// [`UnsubEvent`], [`NotSentEvent`]) that `query` selects, as a lazy stream that holds one
    /// Retrieve page at a time and follows `MoreDataAvailable` with `ContinueRequest`.
    ///
    /// Needs the scopes of Retrieve on `E::Object` (`tracking_events_read`). A transport or
    /// API error is the stream's last item; an event that does not decode is an error item and
    /// the stream goes on with the next one.
    fn tracking_events<E: TrackingEvent>(&self, query: &EventQuery) -> Continued<E>
    where
        Self: Has<<E::Object as Retrieve>::Scopes>,
    {
        let filter = match query.to_filter() {
            Ok(f) => f,
            Err(e) => return Continued::failed(e),
        };
        let request = RetrieveRequest::of::<E::Object>(E::PROPERTIES.iter().copied())
            .filter(filter)
            .accounts(query.accounts.clone());
        let objects = self.soap().retrieve::<E::Object>(request).stream();
        Continued::new(objects.map(|o| o.and_then(|o| E::from_object(&o))))
    }
}

impl<C: ScopedClient> Tracking for C {}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn events_decode_and_name_what_is_wrong() {
        let o = SoapObject::new("ClickEvent")
            .with("SubscriberKey", "ada")
            .with("EventDate", "2026-01-05T02:30:00.000")
            .with("SendID", "42")
            .with("EventType", "Click")
            .with("BatchID", "")
            .with("URL", "https://example.com/?a=1&b=2")
            .with("URLID", "3")
            .with_nested("Client", [("ID", "100")]);
        let c = ClickEvent::from_object(&o).unwrap();
        assert_eq!(c.event_date, datetime!(2026-01-05 8:30 UTC));
        assert_eq!(
            (c.send_id, c.batch_id, c.url_id, c.client_id),
            (42, None, Some(3), Some(100))
        );
        assert_eq!(c.url.as_deref(), Some("https://example.com/?a=1&b=2"));

        let bad = o.clone().with("SMTPCode", "x");
        let e = BounceEvent::from_object(&bad.with("EventDate", "x"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("SMTPCode") && e.contains("`x`") && e.contains("BounceEvent"),
            "{e}"
        );
        let no_key = SoapObject::new("SentEvent")
            .with("EventDate", "2026-01-05T02:30:00")
            .with("SendID", "1");
        let e = SentEvent::from_object(&no_key).unwrap_err().to_string();
        assert!(e.contains("SubscriberKey"), "{e}");
        let bad_date = SoapObject::new("SentEvent")
            .with("SubscriberKey", "a")
            .with("EventDate", "yesterday")
            .with("SendID", "1");
        let e = SentEvent::from_object(&bad_date).unwrap_err().to_string();
        assert!(e.contains("EventDate") && e.contains("yesterday"), "{e}");
    }

    #[test]
    fn queries_build_one_filter_and_refuse_empty_ranges() {
        let q = EventQuery::between(datetime!(2026-01-01 0:00 UTC), datetime!(2026-01-31 0:00 UTC))
            .send_id(42)
            .filter(SimpleFilter::equals("SubscriberKey", "ada"));
        let f = q.to_filter().unwrap();
        assert_eq!(f.depth(), 3);
        let backwards = EventQuery::between(datetime!(2026-02-01 0:00 UTC), datetime!(2026-01-01 0:00 UTC));
        let e = backwards.to_filter().unwrap_err().to_string();
        assert!(
            e.contains("2026-02-01T00:00:00+00:00") && e.contains("after it ends"),
            "{e}"
        );
    }
}
