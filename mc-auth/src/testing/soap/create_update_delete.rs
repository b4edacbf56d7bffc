//! SOAP Create, Update and Delete (`CreateRequest`, `UpdateRequest`, `DeleteRequest`) on
//! subscribers, lists and data extension rows: one result per object, in order.
//!
//! Subscribers and lists go to one mechanism ([`subscribers`](super::subscribers), on the
//! model): a plain Create of an existing key is 12014, a Create with `SaveOptions` `*`
//! `UpdateAdd` updates it. Rows are identified by a `Keys` list (`Key` `Name`/`Value`) or else
//! the data extension's primary-key columns among the `Properties`, and checked against the
//! data extension's fields when it has them (the error names the row, its position in the
//! request, and the column). Data extensions and folders are created by
//! [`data_extension_schema`](super::data_extension_schema). The `ErrorCode`s are listed in
//! [`objects`](super::objects).

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::base_type;
use super::objects::{
    find, find_data_extension_key, Context, Failure, InObject, OutObject, Outcome, ERR_EXISTS, ERR_NOT_FOUND,
    ERR_REQUIRED, ERR_UNSUPPORTED,
};
use crate::testing::data_extensions::{text_of, DataExtension, DataExtensionRow};
use crate::testing::filter::compare;
use crate::testing::model::data_extensions::RowWrite;
use crate::testing::model::subscribers::Kind;
use crate::testing::state::State;

/// Applies a Create, Update or Delete to each object, in order.
pub(crate) fn write(
    state: &mut State,
    ctx: &Context<'_>,
    action: &str,
    upsert: bool,
    objects: &[InObject],
) -> Vec<Outcome> {
    let mid = ctx.token.account_id;
    objects
        .iter()
        .enumerate()
        .map(|(n, o)| {
            let Some(object_type) = o.object_type.as_deref() else {
                return Outcome::error(ERR_UNSUPPORTED, "The object has no xsi:type.");
            };
            match (action, base_type(object_type)) {
                (_, "Subscriber") => super::subscribers::write(state, mid, action, Kind::Subscriber, upsert, o),
                (_, "List") => super::subscribers::write(state, mid, action, Kind::List, upsert, o),
                ("Create", "DataExtensionObject") => create_row(state, n, o),
                ("Update", "DataExtensionObject") => update_rows(state, n, o),
                ("Create", "DataExtension") => super::data_extension_schema::create_data_extension(state, ctx, o),
                ("Create", "DataFolder") => super::data_extension_schema::create_data_folder(state, ctx, o),
                ("Delete", "DataExtensionObject") => delete_rows(state, o),
                ("Create", "TriggeredSend") => state.soap.triggered.send(ctx.token.account_id, o),
                ("Update", "TriggeredSendDefinition") => state.soap.triggered.update(ctx.token.account_id, o),
                (a, t @ ("QueryDefinition" | "ImportDefinition")) => super::automation::write(state, a, t, o)
                    .unwrap_or_else(|| {
                        Outcome::error(
                            ERR_UNSUPPORTED,
                            format!("The fake Marketing Cloud does not support {a} on {t}."),
                        )
                    }),
                (_, t) => Outcome::error(
                    ERR_UNSUPPORTED,
                    format!("The fake Marketing Cloud does not support {action} on {t}."),
                ),
            }
        })
        .collect()
}

/// The data extension a row object names (`CustomerKey`, else `Name`).
fn row_target(rows: &crate::testing::state::Rows, o: &InObject) -> Result<String, Failure> {
    let wanted = o
        .non_empty("CustomerKey")
        .or_else(|| o.non_empty("Name"))
        .ok_or_else(|| {
            Failure::new(
                ERR_REQUIRED,
                "A DataExtensionObject needs the CustomerKey (or Name) of its data extension.",
            )
        })?;
    Ok(find_data_extension_key(rows, wanted).unwrap_or_else(|| wanted.to_owned()))
}

fn row_object(row: &DataExtensionRow) -> OutObject {
    OutObject {
        xsi_type: "DataExtensionObject".to_owned(),
        props: Vec::new(),
        row: Some(
            row.columns()
                .map(|(k, v)| (k.clone(), text_of(v).unwrap_or_default()))
                .collect(),
        ),
    }
}

fn create_row(state: &mut State, n: usize, o: &InObject) -> Outcome {
    let rows_lock = std::sync::Arc::clone(&state.rows);
    let mut rows = crate::testing::util::lock(&rows_lock);
    let key = match row_target(&rows, o) {
        Ok(k) => k,
        Err(failure) => return failure.into(),
    };
    if o.properties.is_empty() {
        return Outcome::error(ERR_REQUIRED, "A DataExtensionObject needs Properties.");
    }
    let item: Map<String, Value> = o
        .properties
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let de = rows
        .data_extensions
        .entry(key.clone())
        .or_insert_with(|| DataExtension::new(&key));
    let row = de.split(&item);
    if let Err(e) = de.check_write(n, &row, true) {
        return Outcome::error(e.soap_error_code(), e.message);
    }
    let missing = de.missing_keys(&row);
    if !missing.is_empty() {
        return Outcome::error(
            ERR_REQUIRED,
            format!("The primary key column(s) {} are missing.", missing.join(", ")),
        );
    }
    if de.find(&row).is_some() {
        return Outcome::error(
            ERR_EXISTS,
            "Violation of PRIMARY KEY constraint: a row with this key already exists.",
        );
    }
    let object = row_object(&row);
    de.insert(row);
    Outcome::ok("Created DataExtensionObject.", Some(object))
}

/// The pairs identifying the rows an Update or Delete means: `Keys`, else the primary-key
/// columns among the `Properties`.
fn row_identity(de: &DataExtension, o: &InObject) -> Result<Vec<(String, String)>, Failure> {
    if !o.keys.is_empty() {
        return Ok(o.keys.clone());
    }
    if de.primary_keys.is_empty() {
        return Err(Failure::new(
            ERR_REQUIRED,
            "The data extension has no primary key: name the row with Keys.",
        ));
    }
    de.primary_keys
        .iter()
        .map(|k| {
            find(&o.properties, k)
                .map(|v| (k.clone(), v.to_owned()))
                .ok_or_else(|| Failure::new(ERR_REQUIRED, format!("The primary key column {k} is missing.")))
        })
        .collect()
}

fn row_matches(row: &DataExtensionRow, identity: &[(String, String)]) -> bool {
    identity
        .iter()
        .all(|(name, value)| row.get(name).is_some_and(|v| compare(&v, value) == Ordering::Equal))
}

fn set_column(row: &mut DataExtensionRow, de_is_key: bool, name: &str, value: &str) {
    let target = if de_is_key || row.keys.keys().any(|k| k.eq_ignore_ascii_case(name)) {
        &mut row.keys
    } else {
        &mut row.values
    };
    if let Some(old) = target.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned() {
        target.remove(&old);
    }
    target.insert(name.to_owned(), Value::String(value.to_owned()));
}

fn update_rows(state: &mut State, n: usize, o: &InObject) -> Outcome {
    let rows_lock = std::sync::Arc::clone(&state.rows);
    let mut rows = crate::testing::util::lock(&rows_lock);
    let key = match row_target(&rows, o) {
        Ok(k) => k,
        Err(failure) => return failure.into(),
    };
    let Some(de) = rows.data_extensions.get_mut(&key) else {
        return Outcome::error(ERR_NOT_FOUND, format!("No data extension `{key}` exists."));
    };
    let identity = match row_identity(de, o) {
        Ok(i) => i,
        Err(failure) => return failure.into(),
    };
    let sent: Vec<(&str, Option<String>)> = o
        .properties
        .iter()
        .map(|(k, v)| (k.as_str(), Some(v.clone())))
        .collect();
    if let Err(e) = de.check_columns(n, &sent, RowWrite::Existing) {
        return Outcome::error(e.soap_error_code(), e.message);
    }
    let is_key: Vec<bool> = o.properties.iter().map(|(k, _)| de.is_key(k)).collect();
    let mut updated = None;
    for row in de.rows.iter_mut().filter(|r| row_matches(r, &identity)) {
        for ((name, value), key_column) in o.properties.iter().zip(&is_key) {
            set_column(row, *key_column, name, value);
        }
        updated = Some(row_object(row));
    }
    for (name, _) in &o.properties {
        if !de.has_column(name) {
            de.columns.push(name.clone());
        }
    }
    match updated {
        Some(object) => Outcome::ok("Updated DataExtensionObject.", Some(object)),
        None => Outcome::error(ERR_NOT_FOUND, "The row does not exist."),
    }
}

fn delete_rows(state: &mut State, o: &InObject) -> Outcome {
    let rows_lock = std::sync::Arc::clone(&state.rows);
    let mut rows = crate::testing::util::lock(&rows_lock);
    let key = match row_target(&rows, o) {
        Ok(k) => k,
        Err(failure) => return failure.into(),
    };
    let Some(de) = rows.data_extensions.get_mut(&key) else {
        return Outcome::error(ERR_NOT_FOUND, format!("No data extension `{key}` exists."));
    };
    let identity = match row_identity(de, o) {
        Ok(i) => i,
        Err(failure) => return failure.into(),
    };
    let before = de.rows.len();
    de.rows.retain(|r| !row_matches(r, &identity));
    if de.rows.len() == before {
        Outcome::error(ERR_NOT_FOUND, "The row does not exist.")
    } else {
        Outcome::ok("Deleted DataExtensionObject.", None)
    }
}
