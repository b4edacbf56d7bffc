//! Rows with serde against the fake Marketing Cloud, over HTTP on loopback: the user's own
//! `#[derive(Serialize, Deserialize)]` struct written and read through REST
//! (`upsert_rows_as`, `query_rows_as`) and SOAP (`SoapObject::encode_rows`, a typed Retrieve
//! of `DataExtensionObject[key]` read with `.rows::<T>()`); case-insensitive names and
//! renames; the error text of each mismatch; encodings refused with 0 requests sent; and a
//! property test that any text in any column decodes or names that column.

use futures_util::StreamExt;
use mc_auth::api::bulk::Serialized;
use mc_auth::api::data_extensions::{Row, RowQuery};
use mc_auth::api::prelude::*;
use mc_auth::api::row_codec::{RowDate, RowDateTime};
use mc_auth::soap::{self, RetrieveRequest, SimpleFilter, SoapObject};
use mc_auth::testing::{DataExtensionRow, FakeMarketingCloud, Package};
use mc_auth::{mc_client, Error};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::macros::{date, datetime};

#[mc_client(scopes = "data_extensions_read data_extensions_write")]
struct Rows;

async fn setup() -> (FakeMarketingCloud, Rows) {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("serde-rows", "serde-rows-secret").scopes(Rows::SCOPES));
    let client = Rows::connect(creds).await.unwrap();
    (fake, client)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Tier {
    Gold,
    Silver,
}

/// Every supported type, with renames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Customer {
    #[serde(rename = "Customer Id")]
    id: u64,
    email: String,
    age: Option<u8>,
    balance: f64,
    ratio: f32,
    delta: i32,
    vip: bool,
    initial: char,
    nickname: Option<String>,
    tier: Tier,
    joined: RowDate,
    last_seen: RowDateTime,
    unsubscribed_at: Option<RowDateTime>,
}

fn customer(i: u64) -> Customer {
    Customer {
        id: i,
        email: format!("user{i}@example.com <&\"'>"),
        age: i.is_multiple_of(2).then_some(30 + i as u8),
        balance: 1234.5 + i as f64,
        ratio: 0.25,
        delta: -(i as i32),
        vip: i.is_multiple_of(3),
        initial: 'é',
        nickname: (i % 2 == 1).then(|| format!("n<{i}>&")),
        tier: if i.is_multiple_of(2) { Tier::Gold } else { Tier::Silver },
        joined: RowDate(date!(2026 - 01 - 02)),
        last_seen: RowDateTime::new(datetime!(2026-01-02 15:04:05)),
        unsubscribed_at: (i == 1).then(|| RowDateTime::from(datetime!(2026-02-03 04:05:06 UTC))),
    }
}

async fn collect<T>(mut s: impl futures_util::Stream<Item = mc_auth::Result<T>> + Unpin) -> Vec<mc_auth::Result<T>> {
    let mut out = Vec::new();
    while let Some(item) = s.next().await {
        out.push(item);
    }
    out
}

#[tokio::test]
async fn rest_round_trip_of_every_supported_type() {
    let (fake, c) = setup().await;
    let written: Vec<Customer> = (0..5).map(customer).collect();
    c.upsert_rows_as("customers", &["customer id"], &written).await.unwrap();
    let stored = fake.data_extensions().rows("customers");
    assert_eq!(stored.len(), 5);
    assert_eq!(
        stored[0].keys.get("Customer Id"),
        Some(&json!(0)),
        "the key column is a key"
    );
    assert_eq!(stored[0].values.get("Vip"), Some(&json!(true)));
    assert_eq!(stored[0].values.get("Nickname"), Some(&json!(null)));
    assert_eq!(stored[0].values.get("LastSeen"), Some(&json!("2026-01-02T15:04:05")));

    let read: Vec<Customer> = collect(c.query_rows_as::<Customer>("customers", RowQuery::all().page_size(2)))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(read, written, "read back over three pages");

    // Upsert again by key: updated, not added.
    let mut changed = written[1].clone();
    changed.age = Some(99);
    c.upsert_rows_as("customers", &["Customer Id"], &[changed.clone()])
        .await
        .unwrap();
    let again: Vec<Customer> = collect(c.query_rows_as::<Customer>("customers", RowQuery::all()))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(again[1], changed);
    assert_eq!(fake.data_extensions().rows("customers").len(), 5);
}

#[tokio::test]
async fn soap_round_trip_of_every_supported_type() {
    let (fake, c) = setup().await;
    let written: Vec<Customer> = (0..4).map(customer).collect();
    fake.data_extensions().add("customers", "Customers", ["Customer Id"]);
    let objects = SoapObject::encode_rows("customers", &written).unwrap();
    c.soap().create::<soap::DataExtensionObject>(&objects).await.unwrap();

    let request = RetrieveRequest::rows_of::<Customer>("customers").unwrap();
    assert_eq!(request.properties.len(), 13);
    assert_eq!(request.properties[0], "Customer Id");
    let read: Vec<Customer> = collect(
        c.soap()
            .retrieve::<soap::DataExtensionObject>(request.clone())
            .rows::<Customer>(),
    )
    .await
    .into_iter()
    .map(Result::unwrap)
    .collect();
    assert_eq!(read, written);

    // Filtered on a value with XML's special characters in it.
    let one = request.filter(SimpleFilter::equals("Email", "user2@example.com <&\"'>"));
    let read: Vec<Customer> = collect(c.soap().retrieve::<soap::DataExtensionObject>(one).rows::<Customer>())
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(read, vec![written[2].clone()]);

    // The same rows through REST (the fake shares them, as MC does).
    let via_rest: Vec<Customer> = collect(c.query_rows_as::<Customer>("customers", RowQuery::all()))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(via_rest, written);
}

/// MC answers REST queries with lower-cased column names and every value as text.
#[tokio::test]
async fn names_match_ignoring_case_and_text_is_converted() {
    let (fake, c) = setup().await;
    fake.data_extensions().add_rows(
        "mc-shaped",
        [DataExtensionRow::new()
            .key("customer id", "7")
            .value("email", "ada@example.com")
            .value("age", "")
            .value("balance", "12.50")
            .value("ratio", "1")
            .value("delta", " -3 ")
            .value("vip", "False")
            .value("initial", "A")
            .value("nickname", "   ")
            .value("tier", "Silver")
            .value("joined", "1/2/2026 12:00:00 AM")
            .value("lastseen", "1/2/2026 3:04:05 PM")
            .value("unsubscribedat", "")
            .value("somethingelse", "ignored")],
    );
    let read: Vec<mc_auth::Result<Customer>> = collect(c.query_rows_as::<Customer>("mc-shaped", RowQuery::all())).await;
    let got = read.into_iter().next().unwrap().unwrap();
    assert_eq!(
        got,
        Customer {
            id: 7,
            email: "ada@example.com".into(),
            age: None,
            balance: 12.5,
            ratio: 1.0,
            delta: -3,
            vip: false,
            initial: 'A',
            nickname: None,
            tier: Tier::Silver,
            joined: RowDate(date!(2026 - 01 - 02)),
            last_seen: RowDateTime::new(datetime!(2026-01-02 15:04:05)),
            unsubscribed_at: None,
        }
    );
}

fn seeded_with_bad_row(fake: &FakeMarketingCloud, bad_index: usize, column: &str, value: &str) {
    let rows = (0..6).map(|i| {
        let mut row = DataExtensionRow::new()
            .key("SubscriberKey", format!("a-{i}"))
            .value("Age", (20 + i).to_string());
        if i == bad_index {
            row = row.value(column, value);
        }
        row
    });
    fake.data_extensions().add("people", "People", ["SubscriberKey"]);
    fake.data_extensions().add_rows("people", rows);
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Person {
    #[serde(rename = "SubscriberKey")]
    key: String,
    #[serde(rename = "Age")]
    age: i32,
}

#[tokio::test]
async fn a_row_that_does_not_decode_is_named_and_ends_the_stream() {
    let (fake, c) = setup().await;
    seeded_with_bad_row(&fake, 3, "Age", "twelve");
    let items = collect(c.query_rows_as::<Person>("people", RowQuery::all().page_size(2))).await;
    assert_eq!(items.len(), 4, "rows 0 to 2, then the error, then the end: {items:?}");
    assert!(items[..3].iter().all(Result::is_ok));
    let e = items[3].as_ref().unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"row 3 (SubscriberKey "a-3"): column "Age": expected an integer, found "twelve""#
    );
    assert!(matches!(e, Error::RowCodec { row: Some(3), .. }));

    // SOAP: the same row, by its position in the stream (SOAP rows carry no key list).
    let request = RetrieveRequest::rows_of::<Person>("people").unwrap();
    let items = collect(c.soap().retrieve::<soap::DataExtensionObject>(request).rows::<Person>()).await;
    assert_eq!(items.len(), 4);
    assert_eq!(
        items[3].as_ref().unwrap_err().to_string(),
        r#"row 3: column "Age": expected an integer, found "twelve""#
    );

    // Untyped reads still see every row, so bad rows can be skipped one by one.
    let rows: Vec<Row> = collect(c.query_rows("people", RowQuery::all()))
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let decoded: Vec<bool> = rows.iter().map(|r| r.decode::<Person>().is_ok()).collect();
    assert_eq!(decoded, [true, true, true, false, true, true]);
}

#[tokio::test]
async fn each_mismatch_has_its_own_text() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Typed {
        #[serde(rename = "SubscriberKey")]
        key: String,
        #[serde(rename = "Age")]
        age: u8,
        #[serde(rename = "Vip")]
        vip: Option<bool>,
        #[serde(rename = "Joined")]
        joined: Option<RowDate>,
        #[serde(rename = "Tier")]
        tier: Option<Tier>,
        #[serde(rename = "Score")]
        score: Option<f64>,
    }
    let cases: [(&str, &str, &str); 7] = [
        (
            "Age",
            "300",
            r#"column "Age": expected an integer from 0 to 255, found "300" (out of range)"#,
        ),
        (
            "Age",
            "",
            r#"column "Age": expected an integer from 0 to 255, found an empty value; make the field an Option to accept empty values"#,
        ),
        (
            "Vip",
            "yes",
            r#"column "Vip": expected a boolean (True, False, 1 or 0), found "yes""#,
        ),
        (
            "Joined",
            "1/2/2026 3:04:05 PM",
            r#"column "Joined": expected a date (1/2/2026 or 2026-01-02, or a date-time at midnight), found "1/2/2026 3:04:05 PM""#,
        ),
        (
            "Tier",
            "Bronze",
            r#"column "Tier": expected one of "Gold", "Silver", found "Bronze""#,
        ),
        ("Score", "NaN", r#"column "Score": expected a number, found "NaN""#),
        ("Score", "1,5", r#"column "Score": expected a number, found "1,5""#),
    ];
    for (column, value, want) in cases {
        let (fake, c) = setup().await;
        seeded_with_bad_row(&fake, 1, column, value);
        let items = collect(c.query_rows_as::<Typed>("people", RowQuery::all())).await;
        let e = items.last().unwrap().as_ref().unwrap_err().to_string();
        assert_eq!(e, format!(r#"row 1 (SubscriberKey "a-1"): {want}"#), "{column}={value}");
    }
}

#[tokio::test]
async fn a_missing_column_lists_the_columns_present() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct WantsEmail {
        #[serde(rename = "Email")]
        email: String,
    }
    let (fake, c) = setup().await;
    seeded_with_bad_row(&fake, 9, "", "");
    let items = collect(c.query_rows_as::<WantsEmail>("people", RowQuery::all())).await;
    assert_eq!(items.len(), 1);
    assert_eq!(
        items[0].as_ref().unwrap_err().to_string(),
        r#"row 0 (SubscriberKey "a-0"): column "Email": missing from the row (its columns: "SubscriberKey", "Age"); retrieve that column, or make the field an Option or #[serde(default)]"#
    );
}

#[tokio::test]
async fn a_megabyte_value_makes_a_short_error() {
    let (fake, c) = setup().await;
    let huge = "9x".repeat(512 * 1024);
    seeded_with_bad_row(&fake, 0, "Age", &huge);
    let items = collect(c.query_rows_as::<Person>("people", RowQuery::all())).await;
    let e = items[0].as_ref().unwrap_err().to_string();
    assert!(e.len() < 400, "{} bytes: {e}", e.len());
    assert!(e.contains("(1048576 bytes in all)"), "{e}");
}

#[tokio::test]
async fn refusals_send_nothing() {
    #[derive(Serialize)]
    struct Address {
        city: String,
    }
    #[derive(Serialize)]
    struct Nested {
        id: u32,
        address: Address,
    }
    #[derive(Serialize)]
    struct WithList {
        id: u32,
        tags: Vec<String>,
    }
    #[derive(Serialize)]
    struct WithMap {
        id: u32,
        extra: std::collections::BTreeMap<String, String>,
    }
    #[derive(Serialize)]
    struct Score {
        id: u32,
        score: f64,
    }
    #[derive(Serialize)]
    struct Twice {
        id: u32,
        #[serde(rename = "Email")]
        a: String,
        #[serde(rename = "EMAIL")]
        b: String,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Score2 {
        id: u32,
    }
    #[derive(Serialize)]
    struct NoKey {
        id: Option<u32>,
    }
    let (fake, c) = setup().await;
    fake.requests().clear();
    let ok = |id| Score { id, score: 1.0 };

    let e = c
        .upsert_rows_as(
            "de",
            &["id"],
            &[Nested {
                id: 1,
                address: Address { city: "x".into() },
            }],
        )
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"row 0: column "address": a nested struct cannot be one column (a column holds one value); flatten it into the row's fields or serialize it to a String first; nothing was sent"#
    );
    let e = c
        .upsert_rows_as(
            "de",
            &["id"],
            &[WithList {
                id: 1,
                tags: vec!["a".into()],
            }],
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"column "tags": a sequence cannot be one column"#),
        "{e}"
    );
    let e = c
        .upsert_rows_as(
            "de",
            &["id"],
            &[WithMap {
                id: 1,
                extra: Default::default(),
            }],
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"column "extra": a nested map cannot be one column"#),
        "{e}"
    );
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = c
            .upsert_rows_as("de", &["id"], &[ok(0), ok(1), Score { id: 2, score: bad }])
            .await
            .unwrap_err();
        assert!(e.to_string().starts_with(r#"row 2: column "score": "#), "{e}");
        assert!(e.to_string().contains("no NaN or infinity"), "{e}");
    }
    let e = c
        .upsert_rows_as(
            "de",
            &["id"],
            &[Twice {
                id: 1,
                a: "a".into(),
                b: "b".into(),
            }],
        )
        .await
        .unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"column "EMAIL": appears twice (as "Email" and "EMAIL")"#),
        "{e}"
    );
    let e = c
        .upsert_rows_as("de", &["id"], &[NoKey { id: None }])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("a primary-key column is null"), "{e}");
    let e = c.upsert_rows_as("de", &["Email"], &[ok(1)]).await.unwrap_err();
    assert!(
        e.to_string()
            .contains(r#"column "Email": a primary-key column named in the call"#),
        "{e}"
    );

    // SOAP: the objects are refused while being built, before any call.
    let e = SoapObject::encode_rows("de", &[ok(0), Score { id: 1, score: f64::NAN }]).unwrap_err();
    assert!(e.to_string().starts_with(r#"row 1: column "score""#), "{e}");
    let e = SoapObject::encode_row("de", &vec![1, 2]).unwrap_err();
    assert!(e.to_string().contains("not from a sequence"), "{e}");
    let e = RetrieveRequest::rows_of::<std::collections::BTreeMap<String, String>>("de").unwrap_err();
    assert!(e.to_string().contains("no fixed list of fields"), "{e}");

    // A data extension key that would address another resource, typed as untyped.
    for key in ["", ".", ".."] {
        let e = c.upsert_rows_as(key, &["id"], &[ok(1)]).await.unwrap_err();
        assert!(e.to_string().contains("cannot be used as a key"), "{e}");
        let items = collect(c.query_rows_as::<Score2>(key, RowQuery::all())).await;
        assert_eq!(items.len(), 1);
        assert!(matches!(items[0], Err(Error::Config { .. })), "{:?}", items[0]);
    }

    // Bulk loads of Serialized rows encode the same way.
    let e = c
        .load_rows(
            "de",
            futures_util::stream::iter([Score { id: 0, score: 1.0 }, Score { id: 1, score: f64::NAN }].map(Serialized)),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Row { index: Some(1), .. }), "{e:?}");
    assert!(e.to_string().contains(r#"column "score": NaN cannot be stored"#), "{e}");

    assert_eq!(fake.requests().api_count(), 0, "nothing was sent");
    assert!(fake.data_extensions().keys().is_empty());
}

#[mc_client(scopes = "data_extensions_read")]
struct Reader;

/// Typed reads need only what untyped reads need (`data_extensions_read`).
#[tokio::test]
async fn a_read_only_client_reads_typed_rows() {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("reader", "reader-secret-value").scopes(Reader::SCOPES));
    let reader = Reader::connect(creds).await.unwrap();
    fake.data_extensions().add_rows(
        "people",
        [DataExtensionRow::new().key("SubscriberKey", "a").value("Age", "1")],
    );
    let read = collect(reader.query_rows_as::<Person>("people", RowQuery::all())).await;
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].as_ref().unwrap().age, 1);
}

/// The struct of the property test: one field of each kind.
#[derive(Debug, Deserialize)]
#[allow(dead_code)]
struct Kinds {
    a: i64,
    b: u8,
    c: f64,
    d: bool,
    e: Option<i32>,
    f: String,
    g: RowDate,
    h: RowDateTime,
    i: Tier,
    j: char,
    k: Option<RowDateTime>,
}

const KIND_COLUMNS: [&str; 11] = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"];

fn valid_kinds() -> Vec<(String, String)> {
    [
        ("A", "1"),
        ("B", "2"),
        ("C", "3.5"),
        ("D", "true"),
        ("E", ""),
        ("F", "text"),
        ("G", "2026-01-02"),
        ("H", "1/2/2026 3:04:05 PM"),
        ("I", "Gold"),
        ("J", "x"),
        ("K", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn check_one_column(decoded: mc_auth::Result<Kinds>, column: &str) -> Result<(), TestCaseError> {
    match decoded {
        Ok(_) => Ok(()),
        Err(Error::RowCodec { column: Some(c), .. }) if c.eq_ignore_ascii_case(column) => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("column {column}: {e:?}"))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Any text in any column decodes, or the error names that column; never a panic.
    #[test]
    fn any_text_in_any_column_decodes_or_names_it(
        at in 0..KIND_COLUMNS.len(),
        text in prop_oneof![
            ".{0,40}",
            "[0-9 .eE+-]{0,12}",
            "[0-9T:+/é😀Z .-]{0,25}",
            "[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,5}( [0-9]{1,2}:[0-9]{2}(:[0-9]{2})?( [AP]M)?)?",
            "[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\\.[0-9]{1,12})?)?([zZ]|[+-][0-9]{2}:?[0-9]{2})?)?",
            prop_oneof![Just("True".to_owned()), Just("NaN".to_owned()), Just("inf".to_owned()), Just("Gold".to_owned()), Just("".to_owned())],
        ],
    ) {
        let column = KIND_COLUMNS[at];
        let mut pairs = valid_kinds();
        pairs[at].1 = text.clone();
        // SOAP: name–value pairs.
        let object = SoapObject::data_extension_row("kinds", pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        check_one_column(object.decode_row::<Kinds>(), column)?;
        // REST: the same as JSON text, and as a JSON number when it is one.
        let mut row = Row::new();
        for (k, v) in &pairs {
            row = row.value(k.as_str(), v.as_str());
        }
        check_one_column(row.decode::<Kinds>(), column)?;
        if let Ok(number) = text.trim().parse::<serde_json::Number>() {
            let row = row.value(column.to_uppercase(), serde_json::Value::Number(number));
            check_one_column(row.decode::<Kinds>(), column)?;
        }
    }

    /// What is encoded decodes to the same value, REST and SOAP alike.
    #[test]
    fn encoded_rows_decode_to_the_same_value(
        id in any::<u64>(),
        email in ".{0,30}",
        age in proptest::option::of(any::<u8>()),
        // MC's decimal columns: cents. (Any f64 survives the SOAP text exactly; serde_json's
        // default float parser may be one ulp off on 17-digit values, so REST is checked on
        // the values MC can hold.)
        balance in (-100_000_000_000_000i64..100_000_000_000_000).prop_map(|c| c as f64 / 100.0),
        delta in any::<i32>(),
        vip in any::<bool>(),
        initial in any::<char>().prop_filter("not blank", |c| !c.is_whitespace()),
        nickname in proptest::option::of(".{1,12}".prop_filter("not blank", |s| !s.trim().is_empty())),
        day in 1u8..=28,
        secs in 0u32..86_400,
    ) {
        let c = Customer {
            id,
            email,
            age,
            balance,
            ratio: 0.5,
            delta,
            vip,
            initial,
            nickname,
            tier: Tier::Gold,
            joined: RowDate(time::Date::from_calendar_date(2026, time::Month::March, day).unwrap()),
            last_seen: RowDateTime::new(time::PrimitiveDateTime::new(
                time::Date::from_calendar_date(2025, time::Month::July, day).unwrap(),
                time::Time::from_hms((secs / 3600) as u8, ((secs / 60) % 60) as u8, (secs % 60) as u8).unwrap(),
            )),
            unsubscribed_at: None,
        };
        let row = Row::encode(&c, &["Customer Id"]).unwrap();
        // Through JSON text, as the wire carries it.
        let row: Row = serde_json::from_str(&serde_json::to_string(&row).unwrap()).unwrap();
        prop_assert_eq!(&row.decode::<Customer>().unwrap(), &c);
        let object = SoapObject::encode_row("customers", &c).unwrap();
        prop_assert_eq!(&object.decode_row::<Customer>().unwrap(), &c);
    }
}
