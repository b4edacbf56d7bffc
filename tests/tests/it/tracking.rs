//! SOAP filters (`ComplexFilterPart`, `DateValue`) and tracking events, over HTTP against the
//! fake: what the client writes, what the fake selects, how the stream pages.

use futures_util::StreamExt;
use mc_auth::api::prelude::*;
use mc_auth::api::tracking::{BounceEvent, ClickEvent, EventQuery, NotSentEvent, OpenEvent, SentEvent, UnsubEvent};
use mc_auth::soap::{self, DateFilter, Filter, RetrieveRequest, SimpleFilter, SimpleOperator};
use mc_auth::testing::{FakeEvent, FakeMarketingCloud, Fault, Package, RequestKind};
use mc_auth::time::{Duration, OffsetDateTime};
use mc_auth::{mc_client, Error};
use time::macros::datetime;

#[mc_client(scopes = "tracking_events_read list_and_subscribers_read list_and_subscribers_write")]
struct Reports;

async fn setup(page_size: usize) -> (FakeMarketingCloud, Reports) {
    let fake = FakeMarketingCloud::builder().soap_page_size(page_size).start().await;
    let creds = fake.register_package(Package::new("reports", "reports-secret-value").scopes(Reports::SCOPES));
    let client = Reports::connect(creds).await.unwrap();
    (fake, client)
}

fn soap_requests(fake: &FakeMarketingCloud) -> Vec<String> {
    fake.requests()
        .all()
        .into_iter()
        .filter(|r| r.path.eq_ignore_ascii_case("/Service.asmx") && r.kind != RequestKind::Token)
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect()
}

const T0: OffsetDateTime = datetime!(2026-01-05 00:00 UTC);

#[tokio::test]
async fn nested_and_or_filters_select_what_they_say() {
    let (fake, c) = setup(2500).await;
    for (key, email) in [
        ("ada", "ada@example.com"),
        ("grace", "grace@example.org"),
        ("edsger", "edsger@example.com"),
        ("barbara", "barbara@example.net"),
    ] {
        fake.soap().add_subscriber(key, email);
    }
    // (EmailAddress like %.com AND SubscriberKey != ada) OR SubscriberKey IN (barbara, nobody)
    let filter = SimpleFilter::new("EmailAddress", SimpleOperator::Like, ["%.com"])
        .and(SimpleFilter::new("SubscriberKey", SimpleOperator::NotEquals, ["ada"]))
        .or(SimpleFilter::new(
            "SubscriberKey",
            SimpleOperator::In,
            ["barbara", "nobody"],
        ));
    let request = RetrieveRequest::of::<soap::Subscriber>(["SubscriberKey"]).filter(filter);
    let found = c.soap().retrieve::<soap::Subscriber>(request).await.unwrap();
    let mut keys: Vec<_> = found.iter().filter_map(|s| s.get("SubscriberKey")).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["barbara", "edsger"]);
    let sent = soap_requests(&fake).pop().unwrap();
    assert!(
        sent.contains(r#"<Filter xsi:type="ComplexFilterPart"><LeftOperand xsi:type="ComplexFilterPart">"#),
        "{sent}"
    );
    assert!(sent.contains("<LogicalOperator>OR</LogicalOperator>"), "{sent}");

    // Filter::any over many parts stays shallow enough for MC and the fake.
    let many = Filter::any((0..200).map(|i| SimpleFilter::equals("SubscriberKey", format!("k{i}")))).unwrap();
    let request = RetrieveRequest::of::<soap::Subscriber>(["SubscriberKey"])
        .filter(many.or(SimpleFilter::equals("SubscriberKey", "grace")));
    let found = c.soap().retrieve::<soap::Subscriber>(request).await.unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn bad_filters_are_refused_before_sending() {
    let (fake, c) = setup(2500).await;
    let before = soap_requests(&fake).len();
    let deep = (0..40).fold(Filter::from(SimpleFilter::equals("A", "1")), |f, _| {
        f.and(SimpleFilter::equals("A", "1"))
    });
    let request = RetrieveRequest::of::<soap::Subscriber>(["SubscriberKey"]).filter(deep);
    let e = c.soap().retrieve::<soap::Subscriber>(request).await.unwrap_err();
    assert!(
        matches!(e, Error::Config { .. }) && e.to_string().contains("41 deep"),
        "{e}"
    );
    let between = DateFilter::new("CreatedDate", SimpleOperator::Between, [T0]);
    let request = RetrieveRequest::of::<soap::Subscriber>(["SubscriberKey"]).filter(between);
    let mut stream = c.soap().retrieve::<soap::Subscriber>(request).stream();
    let e = stream.next().await.unwrap().unwrap_err();
    assert!(e.to_string().contains("two values"), "{e}");
    assert!(stream.next().await.is_none());
    assert_eq!(soap_requests(&fake).len(), before, "nothing was sent");
}

#[tokio::test]
async fn date_values_compare_as_instants_across_offsets() {
    let (fake, c) = setup(2500).await;
    // 23:30 on Jan 4 in UTC-6 is 05:30 on Jan 5 UTC.
    fake.tracking()
        .add(FakeEvent::sent("early", 1, datetime!(2026-01-05 05:29:59 UTC)));
    fake.tracking()
        .add(FakeEvent::sent("inside", 1, datetime!(2026-01-05 05:30 UTC)));
    fake.tracking()
        .add(FakeEvent::sent("late", 1, datetime!(2026-01-05 07:00:01 UTC)));
    // The same range written in three offsets selects the same event.
    for (from, to) in [
        (datetime!(2026-01-05 05:30 UTC), datetime!(2026-01-05 07:00 UTC)),
        (datetime!(2026-01-04 23:30 -6), datetime!(2026-01-05 01:00 -6)),
        (datetime!(2026-01-05 14:30 +9), datetime!(2026-01-05 16:00 +9)),
    ] {
        let events: Vec<SentEvent> = c
            .tracking_events::<SentEvent>(&EventQuery::between(from, to))
            .map(Result::unwrap)
            .collect()
            .await;
        let keys: Vec<_> = events.iter().map(|e| e.subscriber_key.as_str()).collect();
        assert_eq!(keys, ["inside"], "{from} .. {to}");
        assert_eq!(events[0].event_date, datetime!(2026-01-05 05:30 UTC));
        assert_eq!(events[0].event_type, "Sent");
    }
    let sent = soap_requests(&fake).pop().unwrap();
    assert!(
        sent.contains("<DateValue>2026-01-05T14:30:00+09:00</DateValue>"),
        "{sent}"
    );
    assert!(sent.contains("<ObjectType>SentEvent</ObjectType>"), "{sent}");
}

#[tokio::test]
async fn every_event_type_round_trips_typed() {
    let (fake, c) = setup(2500).await;
    let at = T0 + Duration::hours(3);
    let t = fake.tracking();
    t.add(FakeEvent::sent("ada", 42, at).batch_id(7).triggered_send("tsd-1"));
    t.add(FakeEvent::open("ada", 42, at));
    t.add(FakeEvent::click("ada", 42, at, "https://example.com/a?x=1&y=<2>"));
    t.add(FakeEvent::click("ada", 42, at, "https://example.com/b"));
    t.add(FakeEvent::bounce("grace", 42, at, "Hard bounce").smtp("User Unknown", 550, "5.1.1 no such user"));
    t.add(FakeEvent::unsub("ada", 42, at).master_unsubscribe(true));
    t.add(FakeEvent::not_sent("edsger", 43, at));
    let q = EventQuery::between(T0, T0 + Duration::days(1));

    let sent: Vec<_> = c.tracking_events::<SentEvent>(&q).collect().await;
    let sent = sent.into_iter().next().unwrap().unwrap();
    assert_eq!(
        (sent.send_id, sent.batch_id, sent.client_id),
        (42, Some(7), Some(mc_auth::testing::DEFAULT_MID))
    );
    assert_eq!(sent.triggered_send_definition_object_id.as_deref(), Some("tsd-1"));

    let opens: Vec<_> = c.tracking_events::<OpenEvent>(&q).collect().await;
    assert_eq!(opens.len(), 1);
    assert_eq!(opens[0].as_ref().unwrap().event_type, "Open");

    let clicks: Vec<ClickEvent> = c.tracking_events::<ClickEvent>(&q).map(Result::unwrap).collect().await;
    assert_eq!(clicks.len(), 2);
    assert_eq!(clicks[0].url.as_deref(), Some("https://example.com/a?x=1&y=<2>"));
    assert_eq!((clicks[0].url_id, clicks[1].url_id), (Some(1), Some(2)));

    let bounces: Vec<BounceEvent> = c.tracking_events::<BounceEvent>(&q).map(Result::unwrap).collect().await;
    assert_eq!(bounces[0].bounce_category.as_deref(), Some("Hard bounce"));
    assert_eq!(bounces[0].event_type, "HardBounce");
    assert_eq!(
        (bounces[0].smtp_code, bounces[0].smtp_reason.as_deref()),
        (Some(550), Some("5.1.1 no such user"))
    );

    let unsubs: Vec<UnsubEvent> = c.tracking_events::<UnsubEvent>(&q).map(Result::unwrap).collect().await;
    assert_eq!(unsubs[0].is_master_unsubscribed, Some(true));

    let not_sent: Vec<NotSentEvent> = c
        .tracking_events::<NotSentEvent>(&q.clone().send_id(43))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(not_sent.len(), 1);
    assert_eq!(not_sent[0].subscriber_key, "edsger");
    let none: Vec<_> = c.tracking_events::<NotSentEvent>(&q.send_id(42)).collect().await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn the_stream_is_lazy_and_holds_one_page() {
    let page = 100;
    let (fake, c) = setup(page).await;
    let total = 1_050;
    fake.tracking()
        .extend((0..total).map(|i| FakeEvent::open(&format!("s{i:05}"), 1, T0 + Duration::seconds(i))));
    let requests = || soap_requests(&fake).len();
    let base = requests();
    let mut stream = c.tracking_events::<OpenEvent>(&EventQuery::between(T0, T0 + Duration::days(1)));
    assert_eq!(requests(), base, "nothing is fetched before the first poll");
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.subscriber_key, "s00000");
    assert_eq!(requests(), base + 1);
    for _ in 1..page {
        stream.next().await.unwrap().unwrap();
    }
    assert_eq!(
        requests(),
        base + 1,
        "the first page is used up before the second is asked for"
    );
    let next = stream.next().await.unwrap().unwrap();
    assert_eq!(next.subscriber_key, format!("s{page:05}"));
    assert_eq!(requests(), base + 2);
    let continuation = soap_requests(&fake).pop().unwrap();
    assert!(continuation.contains("<ContinueRequest>"), "{continuation}");
    let mut seen = page + 1;
    let mut last = next.event_date;
    while let Some(e) = stream.next().await {
        let e = e.unwrap();
        assert!(e.event_date > last, "events come in order, each once");
        last = e.event_date;
        seen += 1;
    }
    assert_eq!(seen, total as usize);
    assert_eq!(requests(), base + total as usize / page + 1, "one request per page");
}

#[tokio::test]
async fn an_empty_range_is_refused_and_errors_end_the_stream() {
    let (fake, c) = setup(2500).await;
    let base = soap_requests(&fake).len();
    let backwards = EventQuery::between(T0 + Duration::days(1), T0);
    let items: Vec<_> = c.tracking_events::<SentEvent>(&backwards).collect().await;
    assert_eq!(items.len(), 1);
    assert!(matches!(&items[0], Err(Error::Config { .. })));
    assert_eq!(soap_requests(&fake).len(), base);

    // A fault mid-stream is the stream's last item.
    let (fake, c) = setup(2).await;
    fake.tracking()
        .extend((0..5).map(|i| FakeEvent::sent("a", 1, T0 + Duration::seconds(i))));
    let mut stream = c.tracking_events::<SentEvent>(&EventQuery::between(T0, T0 + Duration::days(1)));
    for _ in 0..2 {
        stream.next().await.unwrap().unwrap();
    }
    fake.inject(
        Fault::soap_fault("Something broke")
            .path_prefix("/Service.asmx")
            .times(1),
    );
    let e = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(e, Error::SoapFault { .. }), "{e:?}");
    assert!(stream.next().await.is_none(), "an error ends the stream");
}

#[tokio::test]
async fn the_fake_refuses_tracking_without_the_scope_and_across_business_units() {
    #[mc_client(scopes = "list_and_subscribers_read")]
    struct NoTracking;
    let (fake, _) = setup(2500).await;
    fake.tracking().add(FakeEvent::sent("ada", 1, T0));
    fake.tracking().add_for(4242, FakeEvent::sent("other-bu", 1, T0));
    let creds = fake.register_package(Package::new("nt", "nt-secret-value").scopes(NoTracking::SCOPES));
    let raw = NoTracking::connect(creds).await.unwrap();
    // The typed call does not compile without tracking_events_read (tests/ui/ops); the
    // unchecked runtime client reaches the fake, which refuses with MC's fault.
    let e = raw
        .client()
        .soap()
        .retrieve(&RetrieveRequest::of::<soap::SentEvent>(["SubscriberKey"]))
        .await
        .unwrap_err();
    assert!(
        e.to_string().contains("Insufficient Privileges") && e.to_string().contains("tracking_events_read"),
        "{e}"
    );

    let (fake2, c) = setup(2500).await;
    drop(fake);
    fake2.tracking().add(FakeEvent::sent("ada", 1, T0));
    fake2.tracking().add_for(4242, FakeEvent::sent("other-bu", 1, T0));
    let mine: Vec<SentEvent> = c
        .tracking_events::<SentEvent>(&EventQuery::between(T0, T0))
        .map(Result::unwrap)
        .collect()
        .await;
    assert_eq!(mine.len(), 1, "events of another business unit are not seen");
    assert_eq!(mine[0].subscriber_key, "ada");
}
