//! Data extension schemas against the fake: create with typed fields and read them back, the
//! fields enforced on every write path (REST sync and async, SOAP rows), ClearData, folders,
//! specs refused before sending, and the scope checks.

use std::time::Duration;

use mc_auth::api::data_extension_schema::{DataExtensionSpec, DataFolderSpec, FieldSpec, FieldType, SubscriberField};
use mc_auth::api::data_extensions::Row;
use mc_auth::api::prelude::*;
use mc_auth::soap::{self, RetrieveRequest, SimpleFilter, SoapObject};
use mc_auth::testing::{DataExtensionRow, FakeMarketingCloud, Package};
use mc_auth::{mc_client, Error};
use serde_json::{json, Map, Value};

#[mc_client(scopes = "data_extensions_read data_extensions_write")]
struct Schema;

#[mc_client(scopes = "data_extensions_read")]
struct Reader;

/// Name, type, length, scale, primary key, required.
type FieldSummary<'a> = (&'a str, FieldType, Option<u32>, Option<u32>, bool, bool);

async fn setup() -> (FakeMarketingCloud, Schema) {
    let fake = FakeMarketingCloud::start().await;
    let creds = fake.register_package(Package::new("schema", "schema-secret-value").scopes(Schema::SCOPES));
    let client = Schema::connect(creds).await.unwrap();
    (fake, client)
}

/// `orders`: Id (Number, primary key), Code (Text 3, required), Price (Decimal 5,2), When
/// (Date), Paid (Boolean), Mail (EmailAddress), Phone, Locale.
fn orders() -> DataExtensionSpec {
    DataExtensionSpec::new("Orders")
        .key("orders")
        .field(FieldSpec::number("Id").primary_key())
        .field(FieldSpec::text("Code", 3).required())
        .field(FieldSpec::decimal("Price", 5, 2))
        .field(FieldSpec::date("When"))
        .field(FieldSpec::boolean("Paid"))
        .field(FieldSpec::email("Mail"))
        .field(FieldSpec::phone("Phone"))
        .field(FieldSpec::locale("Locale"))
}

fn item(pairs: &[(&str, &str)]) -> Map<String, Value> {
    pairs.iter().map(|(k, v)| (k.to_string(), json!(v))).collect()
}

/// The bad rows every write path must refuse, with the column the error must name.
fn bad_rows() -> Vec<(Vec<(&'static str, &'static str)>, &'static str)> {
    vec![
        (vec![("Id", "1"), ("Code", "abc"), ("Nope", "x")], "`Nope`"),
        (vec![("Id", "1"), ("Code", "abcd")], "`Code`"),
        (vec![("Id", "x1"), ("Code", "abc")], "`Id`"),
        (vec![("Id", "1"), ("Code", "abc"), ("Price", "1234.5")], "`Price`"),
        (vec![("Id", "1"), ("Code", "abc"), ("Price", "cheap")], "`Price`"),
        (vec![("Id", "1"), ("Code", "abc"), ("When", "2026-13-40")], "`When`"),
        (vec![("Id", "1"), ("Code", "abc"), ("Paid", "maybe")], "`Paid`"),
        (vec![("Id", "1"), ("Code", "abc"), ("Mail", "ada-at-example")], "`Mail`"),
        (vec![("Id", "1")], "`Code`"),
        (vec![("Code", "abc")], "`Id`"),
    ]
}

fn good_row() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Id", "7"),
        ("Code", "A<&"),
        ("Price", "123.45"),
        ("When", "2026-01-05T08:30:00"),
        ("Paid", "true"),
        ("Mail", "ada@example.com"),
        ("Phone", "+1 (555) 010-7788"),
        ("Locale", "en-US"),
    ]
}

#[tokio::test]
async fn created_fields_are_retrieved_typed_and_in_order() {
    let (fake, c) = setup().await;
    let spec = DataExtensionSpec::new(r#"Orders <&"'>"#)
        .key(r#"orders-<&"'>"#)
        .description(r#"desc <&"'>"#)
        .field(FieldSpec::text("SubscriberKey", 254).primary_key())
        .field(FieldSpec::email("Email").required())
        .field(FieldSpec::decimal("Balance", 18, 2).default_value("0.00"))
        .field(FieldSpec::text("Note", 4000).default_value(r#"<&"'>"#))
        .field(FieldSpec {
            max_length: None,
            ..FieldSpec::text("Short", 1)
        })
        .field(FieldSpec::date("Joined").default_value("Now()"))
        .sendable("SubscriberKey", SubscriberField::SubscriberKey);
    let result = c.create_data_extension(&spec).await.unwrap();
    assert!(result.is_ok(), "{result:?}");
    assert!(fake.data_extensions().keys().contains(&r#"orders-<&"'>"#.to_string()));

    let fields = c.data_extension_fields(r#"orders-<&"'>"#).await.unwrap();
    let summary: Vec<FieldSummary<'_>> = fields
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.field_type.clone(),
                f.max_length,
                f.scale,
                f.is_primary_key,
                f.is_required,
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("SubscriberKey", FieldType::Text, Some(254), None, true, true),
            ("Email", FieldType::EmailAddress, Some(254), None, false, true),
            ("Balance", FieldType::Decimal, Some(18), Some(2), false, false),
            ("Note", FieldType::Text, Some(4000), None, false, false),
            ("Short", FieldType::Text, Some(50), None, false, false),
            ("Joined", FieldType::Date, None, None, false, false),
        ],
        "a Text field without a length gets MC's 50"
    );
    assert_eq!(fields[3].default_value.as_deref(), Some(r#"<&"'>"#));
    assert_eq!(
        fields.iter().map(|f| f.ordinal).collect::<Vec<_>>(),
        (0..6).map(Some).collect::<Vec<_>>()
    );
    assert!(c.data_extension_fields("no-such-de").await.unwrap().is_empty());

    let de = c
        .soap()
        .retrieve::<soap::DataExtension>(
            RetrieveRequest::of::<soap::DataExtension>(["Name", "Description", "IsSendable", "CategoryID"])
                .filter(SimpleFilter::equals("CustomerKey", r#"orders-<&"'>"#)),
        )
        .await
        .unwrap();
    assert_eq!(de.len(), 1);
    assert_eq!(de[0].get("Name"), Some(r#"Orders <&"'>"#));
    assert_eq!(de[0].get("Description"), Some(r#"desc <&"'>"#));
    assert_eq!(de[0].get("IsSendable"), Some("true"));

    assert_eq!(
        fake.data_extensions().field_names(r#"orders-<&"'>"#),
        ["SubscriberKey", "Email", "Balance", "Note", "Short", "Joined"]
    );
    // A new row gets the defaults of the fields it has no value for.
    c.upsert_rows(
        r#"orders-<&"'>"#,
        &[Row::new().key("SubscriberKey", "ada").value("Email", "ada@example.com")],
    )
    .await
    .unwrap();
    let row = &fake.data_extensions().rows(r#"orders-<&"'>"#)[0];
    assert_eq!(row.get("Balance").as_deref(), Some("0.00"));
    assert_eq!(row.get("Note").as_deref(), Some(r#"<&"'>"#));
    assert!(row.get("Joined").is_some_and(|d| d.starts_with("20")), "{row:?}");
    assert_eq!(row.get("Short"), None);

    let again = c.create_data_extension(&spec).await.unwrap_err();
    assert!(
        matches!(&again, Error::SoapObjects { results, .. } if results[0].error_code == Some(12014)),
        "{again:?}"
    );
}

#[tokio::test]
async fn rest_sync_upserts_are_checked_whole_against_the_fields() {
    let (fake, c) = setup().await;
    c.create_data_extension(&orders()).await.unwrap();
    // (A row without its key is refused before the fields are looked at: `keys` is required.)
    for (bad, column) in bad_rows()
        .into_iter()
        .filter(|(bad, _)| bad.iter().any(|(k, _)| *k == "Id"))
    {
        let good = Row::new().key("Id", "100").value("Code", "ok");
        let mut row = Row::new();
        for (k, v) in &bad {
            row = if *k == "Id" { row.key(*k, *v) } else { row.value(*k, *v) };
        }
        let e = c.upsert_rows("orders", &[good, row]).await.unwrap_err();
        match &e {
            Error::Api {
                status: 400, message, ..
            } => assert!(
                message.contains("Row 1") && message.contains(column),
                "{bad:?}: {message}"
            ),
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    assert_eq!(fake.data_extensions().row_count("orders"), 0, "all or nothing");

    let mut row = Row::new();
    for (k, v) in good_row() {
        row = if k == "Id" { row.key(k, v) } else { row.value(k, v) };
    }
    c.upsert_rows("orders", &[row]).await.unwrap();
    assert_eq!(
        fake.data_extensions().rows("orders")[0].get("Code").as_deref(),
        Some("A<&")
    );
    // An upsert of an existing row may send only the columns it changes.
    c.upsert_rows("orders", &[Row::new().key("Id", 7).value("Paid", false)])
        .await
        .unwrap();
    assert_eq!(fake.data_extensions().row_count("orders"), 1);
    // JSON numbers and booleans are values like any other.
    c.upsert_rows(
        "orders",
        &[Row::new().key("Id", 8).value("Code", "n").value("Price", 1.5)],
    )
    .await
    .unwrap();
    assert_eq!(fake.data_extensions().row_count("orders"), 2);
}

#[tokio::test]
async fn rest_async_items_fail_alone_naming_item_and_column() {
    let (fake, c) = setup().await;
    c.create_data_extension(&orders()).await.unwrap();
    let mut items: Vec<Map<String, Value>> = vec![item(&good_row())];
    let cases = bad_rows();
    items.extend(cases.iter().map(|(bad, _)| item(bad)));
    let queued = c.insert_rows_async("orders", &items).await.unwrap();
    let results = queued
        .wait(Duration::from_millis(10), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(results.len(), items.len());
    assert_eq!(results[0].status.as_deref(), Some("OK"), "{:?}", results[0]);
    for (i, (bad, column)) in cases.iter().enumerate() {
        let r = &results[i + 1];
        let message = r.message.as_deref().unwrap_or_default();
        assert_eq!(r.status.as_deref(), Some("Error"), "{bad:?}");
        assert!(
            message.contains(&format!("Row {}", i + 1)) && message.contains(column),
            "{bad:?}: {message}"
        );
    }
    assert_eq!(fake.data_extensions().row_count("orders"), 1);

    let upsert = c
        .upsert_rows_async("orders", &[item(&[("Id", "7"), ("Code", "toolong")])])
        .await
        .unwrap();
    let results = upsert
        .wait(Duration::from_millis(10), Duration::from_secs(5))
        .await
        .unwrap();
    assert!(results[0].message.as_deref().unwrap_or_default().contains("`Code`"));
}

#[tokio::test]
async fn soap_rows_are_checked_on_create_and_update() {
    let (fake, c) = setup().await;
    c.create_data_extension(&orders()).await.unwrap();
    let mut objects = vec![SoapObject::data_extension_row("orders", good_row())];
    let cases = bad_rows();
    objects.extend(
        cases
            .iter()
            .map(|(bad, _)| SoapObject::data_extension_row("orders", bad.clone())),
    );
    let e = c
        .soap()
        .create::<soap::DataExtensionObject>(&objects)
        .await
        .unwrap_err();
    let Error::SoapObjects { results, .. } = &e else {
        panic!("{e:?}")
    };
    assert!(results[0].is_ok());
    for (i, (bad, column)) in cases.iter().enumerate() {
        let r = &results[i + 1];
        let message = r.status_message.as_deref().unwrap_or_default();
        assert_eq!(r.error_code, Some(12000), "{bad:?}");
        assert!(
            message.contains(&format!("Row {}", i + 1)) && message.contains(column),
            "{bad:?}: {message}"
        );
    }
    assert_eq!(fake.data_extensions().row_count("orders"), 1);

    let update = [SoapObject::data_extension_row(
        "orders",
        [("Id", "7"), ("Price", "99999")],
    )];
    let e = c.soap().update::<soap::DataExtensionObject>(&update).await.unwrap_err();
    assert!(format!("{e:?}").contains("`Price`"), "{e:?}");
    let update = [SoapObject::data_extension_row(
        "orders",
        [("Id", "7"), ("Price", "9.5")],
    )];
    c.soap().update::<soap::DataExtensionObject>(&update).await.unwrap();
    assert_eq!(
        fake.data_extensions().rows("orders")[0].get("Price").as_deref(),
        Some("9.5")
    );
}

#[tokio::test]
async fn data_extensions_seeded_without_fields_accept_any_column() {
    let (fake, c) = setup().await;
    fake.data_extensions().add("loose", "Loose", ["Id"]);
    c.upsert_rows("loose", &[Row::new().key("Id", 1).value("Anything", "x".repeat(5000))])
        .await
        .unwrap();
    let rows = [SoapObject::data_extension_row(
        "loose",
        [("Id", "2"), ("Whatever", "y")],
    )];
    c.soap().create::<soap::DataExtensionObject>(&rows).await.unwrap();
    assert_eq!(fake.data_extensions().row_count("loose"), 2);
    assert!(c.data_extension_fields("loose").await.unwrap().is_empty());
    assert!(fake.data_extensions().field_names("loose").is_empty());
}

#[tokio::test]
async fn clear_data_empties_the_rows_and_keeps_the_fields() {
    let (fake, c) = setup().await;
    c.create_data_extension(&orders()).await.unwrap();
    c.upsert_rows(
        "orders",
        &[
            Row::new().key("Id", 1).value("Code", "a"),
            Row::new().key("Id", 2).value("Code", "b"),
        ],
    )
    .await
    .unwrap();
    fake.data_extensions()
        .add_rows("orders", [DataExtensionRow::new().key("Id", 3).value("Code", "c")]);
    assert_eq!(fake.data_extensions().row_count("orders"), 3);
    let result = c.clear_data_extension("orders").await.unwrap();
    assert!(result.is_ok());
    assert_eq!(fake.data_extensions().row_count("orders"), 0);
    assert_eq!(c.data_extension_fields("orders").await.unwrap().len(), 8);
    c.upsert_rows("orders", &[Row::new().key("Id", 1).value("Code", "a")])
        .await
        .unwrap();
    assert_eq!(fake.data_extensions().row_count("orders"), 1);

    let missing = c.clear_data_extension("no-such-de").await.unwrap_err();
    assert!(
        matches!(&missing, Error::SoapObjects { results, .. } if results[0].error_code == Some(12001)),
        "{missing:?}"
    );
    assert!(matches!(c.clear_data_extension(" ").await, Err(Error::Config { .. })));
}

#[tokio::test]
async fn folders_by_content_type_and_created_under_a_parent() {
    let (_fake, c) = setup().await;
    let roots = c.data_folders(Some("dataextension")).await.unwrap();
    assert_eq!(roots.len(), 1, "{roots:?}");
    let root = &roots[0];
    assert_eq!(
        (root.name.as_str(), root.content_type.as_str()),
        ("Data Extensions", "dataextension")
    );

    let name = r#"Sales <&"'>"#;
    let id = c
        .create_data_folder(
            &DataFolderSpec::new(name, root.id, "dataextension")
                .key("sales")
                .description(r#"<&"'>"#),
        )
        .await
        .unwrap();
    let folders = c.data_folders(Some("dataextension")).await.unwrap();
    let sales = folders.iter().find(|f| f.id == id).unwrap();
    assert_eq!(sales.name, name);
    assert_eq!(sales.parent_id, Some(root.id));
    assert_eq!(sales.description.as_deref(), Some(r#"<&"'>"#));
    assert!(c.data_folders(Some("email")).await.unwrap().iter().all(|f| f.id != id));
    assert!(c.data_folders(None).await.unwrap().len() >= 3);

    c.create_data_extension(&orders().folder(id)).await.unwrap();
    let de = c
        .soap()
        .retrieve::<soap::DataExtension>(
            RetrieveRequest::of::<soap::DataExtension>(["CategoryID"])
                .filter(SimpleFilter::equals("CustomerKey", "orders")),
        )
        .await
        .unwrap();
    assert_eq!(de[0].get("CategoryID"), Some(id.to_string().as_str()));

    let email_root = c.data_folders(Some("email")).await.unwrap()[0].id;
    let wrong = c
        .create_data_extension(
            &DataExtensionSpec::new("X")
                .field(FieldSpec::number("N"))
                .folder(email_root),
        )
        .await
        .unwrap_err();
    assert!(format!("{wrong:?}").contains("CategoryID"), "{wrong:?}");
    let mixed = c
        .create_data_folder(&DataFolderSpec::new("Mixed", email_root, "dataextension"))
        .await
        .unwrap_err();
    assert!(format!("{mixed:?}").contains("ContentType"), "{mixed:?}");
    let twice = c
        .create_data_folder(&DataFolderSpec::new(name, root.id, "dataextension"))
        .await
        .unwrap_err();
    assert!(
        matches!(&twice, Error::SoapObjects { results, .. } if results[0].error_code == Some(12014)),
        "{twice:?}"
    );
}

#[tokio::test]
async fn bad_specs_are_refused_before_anything_is_sent() {
    let (fake, c) = setup().await;
    let before = fake.requests().api_count();
    let cases: Vec<(DataExtensionSpec, &str)> = vec![
        (DataExtensionSpec::new("D"), "no fields"),
        (DataExtensionSpec::new(" ").field(FieldSpec::number("N")), "blank"),
        (
            DataExtensionSpec::new("D").field(FieldSpec::text("Long", 4001)),
            "`Long`",
        ),
        (DataExtensionSpec::new("D").field(FieldSpec::text("Zero", 0)), "`Zero`"),
        (
            DataExtensionSpec::new("D").field(FieldSpec::decimal("Wide", 30, 2)),
            "`Wide`",
        ),
        (
            DataExtensionSpec::new("D").field(FieldSpec::decimal("Scaled", 4, 5)),
            "`Scaled`",
        ),
        (
            DataExtensionSpec::new("D").field(FieldSpec {
                scale: None,
                ..FieldSpec::decimal("NoScale", 4, 2)
            }),
            "`NoScale`",
        ),
        (
            DataExtensionSpec::new("D").field(FieldSpec {
                is_required: false,
                ..FieldSpec::number("Key").primary_key()
            }),
            "`Key`",
        ),
        (
            DataExtensionSpec::new("D").field(FieldSpec::number("N").default_value("many")),
            "`N`",
        ),
        (
            DataExtensionSpec::new("D")
                .field(FieldSpec::number("N"))
                .field(FieldSpec::number("n")),
            "twice",
        ),
        (
            DataExtensionSpec::new("D")
                .field(FieldSpec::number("N"))
                .sendable("Email", SubscriberField::EmailAddress),
            "`Email`",
        ),
        (
            DataExtensionSpec::new("D").field(FieldSpec {
                field_type: FieldType::Other("Blob".into()),
                ..FieldSpec::number("B")
            }),
            "Blob",
        ),
        (
            DataExtensionSpec::new("D").field(FieldSpec {
                max_length: Some(10),
                ..FieldSpec::number("N")
            }),
            "`N`",
        ),
    ];
    for (spec, needle) in cases {
        let e = c.create_data_extension(&spec).await.unwrap_err();
        let Error::Config { reason, .. } = &e else {
            panic!("{spec:?}: {e:?}")
        };
        assert!(reason.contains(needle), "{needle}: {reason}");
    }
    assert!(matches!(
        c.create_data_folder(&DataFolderSpec::new("", 1001, "dataextension"))
            .await,
        Err(Error::Config { .. })
    ));
    assert!(matches!(c.data_extension_fields("").await, Err(Error::Config { .. })));
    assert_eq!(fake.requests().api_count(), before, "nothing reached the fake");
}

#[tokio::test]
async fn the_fake_refuses_what_the_client_would_and_wrong_scopes() {
    let (fake, c) = setup().await;
    // Past the client's checks (the untyped SOAP handle), the fake applies MC's rules itself.
    let raw = SoapObject::new("DataExtension")
        .with("Name", "Raw")
        .with_nested("Fields", [("Field", "")]);
    let e = c.client().soap().create(&[raw]).await.unwrap_err();
    assert!(format!("{e:?}").contains("Field 0 has no Name"), "{e:?}");
    let bare = SoapObject::new("DataExtension").with("Name", "Bare");
    let e = c.client().soap().create(&[bare]).await.unwrap_err();
    assert!(format!("{e:?}").contains("at least one field"), "{e:?}");
    let mut long = orders().key("long").to_object().unwrap();
    // The client would refuse a 5,000-character Text field; sent anyway, the fake refuses it.
    if let Some(mc_auth::soap::Field {
        value: mc_auth::soap::FieldValue::Nested(fields),
        ..
    }) = long.fields.last_mut()
    {
        if let mc_auth::soap::FieldValue::Nested(code) = &mut fields[1].value {
            for p in code.iter_mut().filter(|p| p.name == "MaxLength") {
                p.value = mc_auth::soap::FieldValue::Text("5000".into());
            }
        }
    }
    let e = c.client().soap().create(&[long]).await.unwrap_err();
    assert!(
        format!("{e:?}").contains("`Code`: MaxLength must be 1 to 4000"),
        "{e:?}"
    );
    let object = DataExtensionSpec::new("Ok")
        .field(FieldSpec::number("N"))
        .to_object()
        .unwrap();

    let creds = fake.register_package(Package::new("reader", "reader-secret-value").scopes(Reader::SCOPES));
    let reader = Reader::connect(creds).await.unwrap();
    let denied = reader.client().soap().create(&[object]).await.unwrap_err();
    assert!(
        matches!(&denied, Error::SoapFault { faultstring, .. } if faultstring.contains("Insufficient Privileges") && faultstring.contains("data_extensions_write")),
        "{denied:?}"
    );
    let clear = [SoapObject::new("DataExtension").with("CustomerKey", "orders")];
    let denied = reader.client().soap().perform("ClearData", &clear).await.unwrap_err();
    assert!(format!("{denied:?}").contains("data_extensions_write"), "{denied:?}");
    let folder = DataFolderSpec::new("F", 1001, "dataextension").to_object().unwrap();
    let denied = reader.client().soap().create(&[folder]).await.unwrap_err();
    assert!(format!("{denied:?}").contains("data_extensions_write"), "{denied:?}");
    // Reading needs only data_extensions_read.
    assert!(!reader.data_folders(None).await.unwrap().is_empty());
    assert!(reader.data_extension_fields("orders").await.unwrap().is_empty());
}
