//! Unit tests of the row codec: decoding, encoding, dates, errors.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use time::macros::{date, datetime, offset};

use super::*;
use crate::api::data_extensions::Row;

fn rest(values: Value) -> Row {
    let Value::Object(values) = values else { unreachable!() };
    let mut row = Row::new();
    row.values = values;
    row
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
struct Person {
    #[serde(rename = "Subscriber Key")]
    key: String,
    age: u8,
    score: f64,
    vip: bool,
    nickname: Option<String>,
    visits: Option<i64>,
    tier: Tier,
    joined: RowDate,
    seen: RowDateTime,
}

#[derive(Debug, Deserialize, Serialize, PartialEq)]
enum Tier {
    Gold,
    Silver,
}

fn person_row() -> Row {
    Row::new()
        .key("subscriber key", "a-3")
        .value("AGE", "36")
        .value("score", " 12.5 ")
        .value("Vip", "True")
        .value("nickname", "")
        .value("Visits", Value::Null)
        .value("tier", "Gold")
        .value("joined", "1/2/2026 12:00:00 AM")
        .value("seen", "12/31/2025 3:04:05 PM")
        .value("Unrelated", "ignored")
}

#[test]
fn decodes_text_into_every_supported_type_ignoring_case() {
    let p: Person = person_row().decode().unwrap();
    assert_eq!(
        p,
        Person {
            key: "a-3".into(),
            age: 36,
            score: 12.5,
            vip: true,
            nickname: None,
            visits: None,
            tier: Tier::Gold,
            joined: RowDate(date!(2026 - 01 - 02)),
            seen: RowDateTime::new(datetime!(2025-12-31 15:04:05)),
        }
    );
}

#[test]
fn json_numbers_and_booleans_read_as_their_text() {
    #[derive(Deserialize)]
    struct R {
        n: i32,
        f: f32,
        b: bool,
        s: String,
    }
    let r: R = rest(json!({"n": 7, "f": 1.5, "b": false, "s": 12})).decode().unwrap();
    assert_eq!((r.n, r.f, r.b, r.s.as_str()), (7, 1.5, false, "12"));
}

#[test]
fn booleans_in_mcs_spellings() {
    #[derive(Debug, Deserialize)]
    struct B {
        b: bool,
    }
    for (text, want) in [
        ("True", true),
        ("true", true),
        ("TRUE", true),
        ("1", true),
        ("False", false),
        ("false", false),
        ("0", false),
    ] {
        assert_eq!(rest(json!({ "B": text })).decode::<B>().unwrap().b, want, "{text}");
    }
    let e = rest(json!({ "B": "yes" })).decode::<B>().unwrap_err().to_string();
    assert_eq!(
        e,
        r#"row: column "B": expected a boolean (True, False, 1 or 0), found "yes""#
    );
}

#[test]
fn mismatch_names_row_keys_column_expected_and_found() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct R {
        #[serde(rename = "Age")]
        age: i32,
    }
    let row = Row::new().key("SubscriberKey", "a-3").value("Age", "twelve");
    let e = RowInput::rest(&row.keys, &row.values, Some(3))
        .decode::<R>()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"row 3 (SubscriberKey "a-3"): column "Age": expected an integer, found "twelve""#
    );
    assert!(matches!(e, Error::RowCodec { row: Some(3), ref column, .. } if column.as_deref() == Some("Age")));
    // A value error names the column as the row spells it (MC's name), not the field.
    let row = Row::new().key("SubscriberKey", "a-3").value("age", "twelve");
    let e = RowInput::rest(&row.keys, &row.values, Some(3))
        .decode::<R>()
        .unwrap_err();
    assert!(e.to_string().contains(r#"column "age": expected an integer"#), "{e}");
}

#[test]
fn out_of_range_empty_null_and_non_finite_are_errors() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct R {
        small: u8,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct F {
        f: f64,
    }
    let e = |v: Value| rest(json!({ "small": v })).decode::<R>().unwrap_err().to_string();
    assert!(e(json!("300")).contains(r#"expected an integer from 0 to 255, found "300" (out of range)"#));
    assert!(e(json!("-1")).contains("out of range"));
    assert!(e(json!("")).contains("found an empty value; make the field an Option"));
    assert!(e(Value::Null).contains("found null"));
    assert!(e(json!([1])).contains("found a JSON array"));
    for bad in ["NaN", "inf", "-infinity", "1e999", "1,5"] {
        let msg = rest(json!({ "f": bad })).decode::<F>().unwrap_err().to_string();
        assert!(msg.contains("expected a number"), "{bad}: {msg}");
    }
}

#[test]
fn missing_column_lists_the_columns_present() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct R {
        email: String,
        age: u32,
    }
    let e = rest(json!({"Email": "a@example.com", "Name": "Ada"}))
        .decode::<R>()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"row: column "age": missing from the row (its columns: "Email", "Name"); retrieve that column, or make the field an Option or #[serde(default)]"#
    );
}

#[test]
fn unknown_columns_are_ignored_unless_denied() {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        email: String,
    }
    let row = rest(json!({"Email": "a@example.com", "Extra": "x"}));
    let e = row.decode::<Strict>().unwrap_err().to_string();
    assert!(e.contains(r#"column "Extra": not a field of the type"#), "{e}");
    assert!(e.contains(r#""email""#), "{e}");
}

#[test]
fn a_duplicated_column_after_case_folding_is_an_error_on_decode() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct R {
        email: String,
    }
    let row = Row::new().key("Email", "a").value("EMAIL", "b");
    let e = row.decode::<R>().unwrap_err().to_string();
    assert!(e.contains("appears twice"), "{e}");
}

#[test]
fn a_huge_value_makes_a_short_error() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct R {
        n: i64,
        t: Tier,
        d: RowDate,
    }
    let huge = "x".repeat(1 << 20);
    for column in ["n", "t", "d"] {
        let mut v = json!({"n": "1", "t": "Gold", "d": "2026-01-02"});
        v[column] = json!(huge.clone());
        let row = Row::new().key(huge.clone(), huge.clone());
        let mut row = Row {
            values: rest(v).values,
            ..row
        };
        row.keys.clear();
        row.keys.insert("K".into(), json!(huge.clone()));
        let e = row.decode::<R>().unwrap_err().to_string();
        assert!(e.len() < 1500, "{column}: {} bytes", e.len());
        assert!(e.contains("1048576 bytes in all"), "{e}");
    }
}

#[test]
fn nested_types_cannot_be_read_from_a_column() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        a: String,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct R {
        inner: Inner,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct S {
        list: Vec<String>,
    }
    let e = rest(json!({"inner": "x"})).decode::<R>().unwrap_err().to_string();
    assert!(
        e.contains(r#"column "inner": a field that is a struct cannot be read"#),
        "{e}"
    );
    let e = rest(json!({"list": "x"})).decode::<S>().unwrap_err().to_string();
    assert!(e.contains("a sequence"), "{e}");
    let e = rest(json!({"a": "1"})).decode::<i32>().unwrap_err().to_string();
    assert!(e.contains("decodes into a struct"), "{e}");
}

#[test]
fn maps_and_values_decode_every_column() {
    let row = Row::new().key("Id", 1).value("Name", "Ada");
    let m: std::collections::BTreeMap<String, String> = row.decode().unwrap();
    assert_eq!(m["Id"], "1");
    assert_eq!(m["Name"], "Ada");
    let v: Value = row.decode().unwrap();
    assert_eq!(v, json!({"Id": "1", "Name": "Ada"}));
}

#[test]
fn encodes_every_type_and_round_trips() {
    let p: Person = person_row().decode().unwrap();
    let row = Row::encode(&p, &["subscriber key"]).unwrap();
    assert_eq!(row.keys, {
        let mut m = Map::new();
        m.insert("Subscriber Key".into(), json!("a-3"));
        m
    });
    assert_eq!(row.values["Age"], json!(36));
    assert_eq!(row.values["Score"], json!(12.5));
    assert_eq!(row.values["Vip"], json!(true));
    assert_eq!(row.values["Nickname"], Value::Null);
    assert_eq!(row.values["Tier"], json!("Gold"));
    assert_eq!(row.values["Joined"], json!("2026-01-02"));
    assert_eq!(row.values["Seen"], json!("2025-12-31T15:04:05"));
    assert_eq!(row.decode::<Person>().unwrap(), p);

    let soap = crate::soap::SoapObject::encode_row("people", &p).unwrap();
    let pairs = soap.row_values();
    assert!(pairs.contains(&("Vip".to_owned(), "True".to_owned())), "{pairs:?}");
    assert!(pairs.contains(&("Nickname".to_owned(), String::new())), "{pairs:?}");
    assert_eq!(soap.decode_row::<Person>().unwrap(), p);
}

#[test]
fn f32_keeps_its_short_form() {
    #[derive(Serialize)]
    struct F {
        f: f32,
    }
    let cols = encode(&F { f: 0.1 }, None).unwrap();
    assert_eq!(cols[0].1.clone().into_json(), json!(0.1));
    assert_eq!(cols[0].1.clone().into_text(), "0.1");
}

#[test]
fn encoding_refusals_name_the_column() {
    #[derive(Serialize)]
    struct Inner {
        a: u8,
    }
    #[derive(Serialize)]
    struct Nested {
        inner: Inner,
    }
    #[derive(Serialize)]
    struct Seq {
        tags: Vec<String>,
    }
    #[derive(Serialize)]
    struct MapField {
        extra: std::collections::BTreeMap<String, String>,
    }
    #[derive(Serialize)]
    struct Nan {
        score: f64,
    }
    #[derive(Serialize)]
    struct Dup {
        #[serde(rename = "Email")]
        a: String,
        #[serde(rename = "email")]
        b: String,
    }
    let msg = |e: Error| e.to_string();
    let e = msg(encode(&Nested { inner: Inner { a: 1 } }, Some(2)).unwrap_err());
    assert!(
        e.starts_with(r#"row 2: column "inner": a nested struct cannot be one column"#),
        "{e}"
    );
    let e = msg(encode(&Seq { tags: vec![] }, None).unwrap_err());
    assert!(e.contains(r#"column "tags": a sequence cannot be one column"#), "{e}");
    let e = msg(encode(
        &MapField {
            extra: Default::default(),
        },
        None,
    )
    .unwrap_err());
    assert!(e.contains(r#"column "extra": a nested map"#), "{e}");
    for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = msg(encode(&Nan { score: v }, None).unwrap_err());
        assert!(
            e.contains(r#"column "score""#) && e.contains("no NaN or infinity"),
            "{e}"
        );
    }
    let e = msg(encode(
        &Dup {
            a: "x".into(),
            b: "y".into(),
        },
        None,
    )
    .unwrap_err());
    assert!(
        e.contains(r#"column "email": appears twice (as "Email" and "email")"#),
        "{e}"
    );
    let e = msg(encode(&42, None).unwrap_err());
    assert!(e.contains("not from a number"), "{e}");
    let mut m = std::collections::BTreeMap::new();
    m.insert(" ", 1);
    let e = msg(encode(&m, None).unwrap_err());
    assert!(e.contains("a column name is empty"), "{e}");
}

#[test]
fn key_columns_must_be_present_and_not_null() {
    #[derive(Serialize)]
    struct R {
        id: Option<u32>,
        name: String,
    }
    let r = R {
        id: Some(1),
        name: "a".into(),
    };
    assert_eq!(Row::encode(&r, &["ID"]).unwrap().keys["id"], json!(1));
    let e = Row::encode(
        &R {
            id: None,
            name: "a".into(),
        },
        &["id"],
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains(r#"column "id": a primary-key column is null"#), "{e}");
    let e = Row::encode(&r, &["Email"]).unwrap_err().to_string();
    assert!(
        e.contains(r#"column "Email": a primary-key column named in the call is not a field"#),
        "{e}"
    );
    let e = Row::encode(&r, &[]).unwrap_err().to_string();
    assert!(e.contains("no primary-key columns were named"), "{e}");
}

#[test]
fn struct_fields_are_found_for_plain_structs_only() {
    assert_eq!(
        struct_fields::<Person>().unwrap(),
        &[
            "Subscriber Key",
            "Age",
            "Score",
            "Vip",
            "Nickname",
            "Visits",
            "Tier",
            "Joined",
            "Seen"
        ]
    );
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Flat {
        a: String,
        #[serde(flatten)]
        rest: std::collections::BTreeMap<String, String>,
    }
    assert!(struct_fields::<Flat>().is_none());
    assert!(struct_fields::<std::collections::BTreeMap<String, String>>().is_none());
}

#[test]
fn dates_in_mcs_forms() {
    let dt = |t: &str| t.parse::<RowDateTime>();
    assert_eq!(
        dt("1/2/2026 3:04:05 PM").unwrap().datetime(),
        datetime!(2026-01-02 15:04:05)
    );
    assert_eq!(
        dt("1/2/2026 12:00:00 AM").unwrap().datetime(),
        datetime!(2026-01-02 00:00:00)
    );
    assert_eq!(
        dt("1/2/2026 12:30:00 PM").unwrap().datetime(),
        datetime!(2026-01-02 12:30:00)
    );
    assert_eq!(
        dt("01/02/2026 15:04").unwrap().datetime(),
        datetime!(2026-01-02 15:04:00)
    );
    assert_eq!(
        dt("2026-01-02T15:04:05.037").unwrap().datetime(),
        datetime!(2026-01-02 15:04:05.037)
    );
    assert_eq!(
        dt("2026-01-02 15:04:05").unwrap().datetime(),
        datetime!(2026-01-02 15:04:05)
    );
    let z = dt("2026-01-02T15:04:05Z").unwrap();
    assert_eq!(z.offset(), Some(offset!(UTC)));
    assert_eq!(z.to_string(), "2026-01-02T15:04:05Z");
    let o = dt("2026-01-02T15:04:05-06:00").unwrap();
    assert_eq!(o.at_mc_offset(), datetime!(2026-01-02 15:04:05 -6));
    assert_eq!(o.to_string(), "2026-01-02T15:04:05-06:00");
    assert_eq!(dt("2026-01-02T15:04-05:30").unwrap().offset(), Some(offset!(-5:30)));
    assert_eq!(
        RowDateTime::new(datetime!(2026-01-02 00:00:00)).at_mc_offset(),
        datetime!(2026-01-02 00:00:00 -6)
    );
    assert_eq!(
        dt("2026-01-02T15:04:05.5").unwrap().to_string(),
        "2026-01-02T15:04:05.5"
    );
    for bad in [
        "",
        "13/1/2026",
        "2/30/2026",
        "1/2/26",
        "1/2/2026 13:00:00 PM",
        "1/2/2026 0:00 AM",
        "2026-01-02T25:00",
        "noon",
        "2026-01-02T15:04:05+2",
        "2026-01-02T15:04+1é2",
        "2026-01-02T15:04-é12",
        "2026-01-02T1é:04",
        "1/2/2026 1é:04",
        "é/2/2026",
        "1/2/2026 3:04:05 PM extra",
    ] {
        let e = dt(bad).unwrap_err().to_string();
        assert!(e.starts_with("expected a date-time"), "{bad}: {e}");
    }

    let d = |t: &str| t.parse::<RowDate>();
    assert_eq!(d("1/2/2026").unwrap(), RowDate(date!(2026 - 01 - 02)));
    assert_eq!(d("2026-01-02").unwrap(), RowDate(date!(2026 - 01 - 02)));
    assert_eq!(d("2026-01-02T00:00:00").unwrap(), RowDate(date!(2026 - 01 - 02)));
    let e = d("1/2/2026 3:04:05 PM").unwrap_err().to_string();
    assert!(e.contains("a date-time at midnight"), "{e}");
}

#[test]
fn a_bad_date_in_a_row_names_its_column() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct R {
        joined: RowDate,
    }
    let e = rest(json!({"Joined": "yesterday"}))
        .decode::<R>()
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        r#"row: column "Joined": expected a date (1/2/2026 or 2026-01-02, or a date-time at midnight), found "yesterday""#
    );
}

#[test]
fn redaction_reaches_every_text_field() {
    let e = Error::RowCodec {
        row: Some(1),
        keys: vec![("K".into(), "secret-token".into())],
        column: Some("secret-token".into()),
        problem: "found secret-token".into(),
    };
    let r = crate::secret::Redactor::new().with("secret-token");
    let s = e.redact(&r).to_string();
    assert!(!s.contains("secret-token"), "{s}");
}

/// Every one- and two-character mutation of MC's date forms parses or is refused; none panics
/// (multi-byte characters next to the places the parser slices included).
#[test]
fn date_parsers_never_panic_on_mutations() {
    let templates = [
        "1/2/2026 3:04:05 PM",
        "2026-01-02T15:04:05.037-06:00",
        "2026-01-02 15:04Z",
        "2026-01-02T15:04+0530",
    ];
    let tricky = ['é', '+', '-', ':', '.', 'Z', ' ', '/', '9', 'T', '\u{1F600}'];
    for template in templates {
        let chars: Vec<char> = template.chars().collect();
        for i in 0..chars.len() {
            for a in tricky {
                let mut one = chars.clone();
                one[i] = a;
                let text: String = one.iter().collect();
                let _ = text.parse::<RowDateTime>();
                let _ = text.parse::<RowDate>();
                for j in (i + 1)..chars.len().min(i + 4) {
                    for b in tricky {
                        let mut two = one.clone();
                        two[j] = b;
                        let text: String = two.iter().collect();
                        let _ = text.parse::<RowDateTime>();
                        let _ = text.parse::<RowDate>();
                    }
                }
            }
        }
    }
}
