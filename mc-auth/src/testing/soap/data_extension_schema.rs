//! Data extension schemas over SOAP: Create of `DataExtension` with its `Fields`, Retrieve of
//! `DataExtensionField` and `DataFolder`, Create of `DataFolder`, Perform `ClearData` on a
//! `DataExtension`. The rules are MC's, in
//! [`model::data_extensions`](crate::testing::model::data_extensions); this module reads the
//! wire and answers in MC's shapes.
//!
//! - **Create `DataExtension`**: `Name` (required), `CustomerKey` (MC makes one up when
//!   absent), `Description`, `CategoryID` (a `dataextension` folder; the top-level `Data
//!   Extensions` folder when absent), `IsSendable` with `SendableDataExtensionField.Name` and
//!   `SendableSubscriberField.Name`, `IsTestable`, and `Fields/Field`s (`Name`, `FieldType`
//!   (Text when absent), `MaxLength`, `Scale`, `IsPrimaryKey`, `IsRequired`, `DefaultValue`).
//!   A taken key or name is `ErrorCode` 12014; a broken rule 12000, the message naming the
//!   field. Rows written later are checked against the fields.
//! - **Retrieve `DataExtensionField`**: one object per field of every data extension, with
//!   `DataExtension.CustomerKey` to filter on (as MC documents), `Ordinal` from 0, and
//!   `CustomerKey` `[de key].[field name]`.
//! - **Retrieve `DataFolder`** / **Create `DataFolder`**: the folder tree of
//!   [`Folders`](crate::testing::model::data_extensions::Folders); a new folder needs `Name` and
//!   `ParentFolder.ID`, and takes its parent's `ContentType`.
//! - **Perform `ClearData`** on a `DataExtension` (by `CustomerKey` or `ObjectID`): deletes
//!   its rows, keeps its definition.

use super::objects::{Context, Failure, InObject, OutObject, Outcome, SoapRecord, ERR_NOT_FOUND, ERR_REQUIRED};
use crate::testing::data_extensions::DataExtension;
use crate::testing::model::data_extensions::{check_definition, FieldDef, FieldKind, Sendable};
use crate::testing::model::ModelError;
use crate::testing::state::State;
use crate::testing::util::request_id;

/// The `ID` of the top-level `Data Extensions` folder.
pub(super) const DATA_EXTENSION_ROOT: i64 = 1001;

/// The properties a `DataExtensionField` Retrieve may ask for.
pub(super) const FIELD_PROPERTIES: &[&str] = &[
    "ObjectID",
    "CustomerKey",
    "Name",
    "FieldType",
    "MaxLength",
    "Scale",
    "IsPrimaryKey",
    "IsRequired",
    "DefaultValue",
    "Ordinal",
    "DataExtension.CustomerKey",
    "Client.ID",
];

/// The properties a `DataFolder` Retrieve may ask for.
pub(super) const FOLDER_PROPERTIES: &[&str] = &[
    "ID",
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "ContentType",
    "ParentFolder.ID",
    "IsActive",
    "IsEditable",
    "AllowChildren",
    "Client.ID",
];

fn model_error(e: ModelError) -> Outcome {
    Outcome::error(e.soap_error_code(), e.message)
}

fn invalid(message: String) -> Outcome {
    Outcome::error(ERR_REQUIRED, message)
}

/// A `true`/`false` property (`None` when absent or blank).
fn boolean(o: &InObject, what: &str, name: &str) -> Result<Option<bool>, Failure> {
    match o.non_empty(name).map(str::trim) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
        Some(v) => Err(Failure::new(
            ERR_REQUIRED,
            format!("{what}: {name} `{v}` is not true or false."),
        )),
    }
}

/// A whole-number property (`None` when absent or blank).
fn number<T: std::str::FromStr>(o: &InObject, what: &str, name: &str) -> Result<Option<T>, Failure> {
    match o.non_empty(name).map(str::trim) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| Failure::new(ERR_REQUIRED, format!("{what}: {name} `{v}` is not a whole number."))),
    }
}

fn field_def(i: usize, f: &InObject) -> Result<FieldDef, Failure> {
    let name = f.prop("Name").unwrap_or("").to_owned();
    let what = format!("Field {i} (`{name}`)");
    let kind = match f.non_empty("FieldType") {
        None => FieldKind::Text,
        Some(t) => FieldKind::parse(t).ok_or_else(|| {
            Failure::new(ERR_REQUIRED, format!(
                "{what}: FieldType `{t}` is not one of Text, Number, Date, Boolean, EmailAddress, Phone, Decimal, Locale."
            ))
        })?,
    };
    Ok(FieldDef {
        name,
        kind,
        max_length: number(f, &what, "MaxLength")?,
        scale: number(f, &what, "Scale")?,
        primary_key: boolean(f, &what, "IsPrimaryKey")?.unwrap_or(false),
        required: boolean(f, &what, "IsRequired")?.unwrap_or(false),
        default: f.prop("DefaultValue").filter(|d| !d.is_empty()).map(str::to_owned),
        ordinal: i as u32,
        object_id: request_id(),
    })
}

/// Create of one `DataExtension`.
pub(super) fn create_data_extension(state: &mut State, _ctx: &Context<'_>, o: &InObject) -> Outcome {
    let rows_lock = std::sync::Arc::clone(&state.rows);
    let mut rows = crate::testing::util::lock(&rows_lock);
    let Some(name) = o.non_empty("Name").map(str::trim) else {
        return invalid("A DataExtension needs a Name.".to_owned());
    };
    let object_id = request_id();
    let key = o.non_empty("CustomerKey").unwrap_or(&object_id).to_owned();
    if rows.data_extensions.contains_key(&key) {
        return Outcome::error(
            super::objects::ERR_EXISTS,
            format!("A data extension with CustomerKey `{key}` already exists."),
        );
    }
    if rows
        .data_extensions
        .values()
        .any(|de| de.name.eq_ignore_ascii_case(name))
    {
        return Outcome::error(
            super::objects::ERR_EXISTS,
            format!("A data extension named `{name}` already exists."),
        );
    }
    let category_id = match number::<i64>(o, "DataExtension", "CategoryID") {
        Ok(c) => c,
        Err(failure) => return failure.into(),
    };
    if let Some(c) = category_id {
        match state.soap.folders.get(c) {
            Some(f) if f.content_type.eq_ignore_ascii_case("dataextension") => {}
            Some(f) => {
                return invalid(format!(
                    "The folder {c} (CategoryID) holds `{}`, not data extensions.",
                    f.content_type
                ))
            }
            None => return Outcome::error(ERR_NOT_FOUND, format!("The folder {c} (CategoryID) does not exist.")),
        }
    }
    let sendable = match boolean(o, "DataExtension", "IsSendable") {
        Ok(Some(true)) => Some(Sendable {
            field: o
                .prop("SendableDataExtensionField.Name")
                .unwrap_or("")
                .trim()
                .to_owned(),
            subscriber_field: o.prop("SendableSubscriberField.Name").unwrap_or("").trim().to_owned(),
        }),
        Ok(_) => None,
        Err(failure) => return failure.into(),
    };
    let is_testable = match boolean(o, "DataExtension", "IsTestable") {
        Ok(t) => t.unwrap_or(false),
        Err(failure) => return failure.into(),
    };
    let mut fields = Vec::with_capacity(o.fields.len());
    for (i, f) in o.fields.iter().enumerate() {
        match field_def(i, f) {
            Ok(def) => fields.push(def),
            Err(failure) => return failure.into(),
        }
    }
    if let Err(e) = check_definition(&mut fields, sendable.as_ref()) {
        return model_error(e);
    }
    let mut de = DataExtension::new(&key);
    de.object_id = object_id;
    de.name = name.to_owned();
    de.description = o.prop("Description").unwrap_or("").to_owned();
    de.category_id = category_id;
    de.sendable = sendable;
    de.is_testable = is_testable;
    de.primary_keys = fields
        .iter()
        .filter(|f| f.primary_key)
        .map(|f| f.name.clone())
        .collect();
    de.columns = fields.iter().map(|f| f.name.clone()).collect();
    de.fields = fields;
    let object = OutObject {
        xsi_type: "DataExtension".to_owned(),
        props: vec![
            ("ObjectID".to_owned(), de.object_id.clone()),
            ("CustomerKey".to_owned(), key.clone()),
            ("Name".to_owned(), de.name.clone()),
        ],
        row: None,
    };
    let mut outcome = Outcome::ok("Data Extension created.", Some(object));
    outcome.new_id = Some(de.object_id.clone());
    rows.data_extensions.insert(key, de);
    outcome
}

/// Every field of every data extension, as `DataExtensionField` objects.
pub(super) fn field_records(state: &State, account_id: u64) -> Vec<SoapRecord> {
    let rows_lock = std::sync::Arc::clone(&state.rows);
    let rows = crate::testing::util::lock(&rows_lock);
    let mut out = Vec::new();
    for (key, de) in &rows.data_extensions {
        for f in &de.fields {
            let mut r = SoapRecord::new("DataExtensionField");
            let flag = |b: bool| if b { "true" } else { "false" };
            r.set("ObjectID", &f.object_id);
            r.set("CustomerKey", &format!("[{key}].[{}]", f.name));
            r.set("Name", &f.name);
            r.set("FieldType", f.kind.as_str());
            if let Some(m) = f.max_length {
                r.set("MaxLength", &m.to_string());
            }
            if let Some(s) = f.scale.filter(|_| f.kind == FieldKind::Decimal) {
                r.set("Scale", &s.to_string());
            }
            r.set("IsPrimaryKey", flag(f.primary_key));
            r.set("IsRequired", flag(f.required || f.primary_key));
            r.set("DefaultValue", f.default.as_deref().unwrap_or(""));
            r.set("Ordinal", &f.ordinal.to_string());
            r.set("DataExtension.CustomerKey", key);
            r.set("Client.ID", &account_id.to_string());
            out.push(r);
        }
    }
    out
}

/// Every folder, as `DataFolder` objects.
pub(super) fn folder_records(state: &State, account_id: u64) -> Vec<SoapRecord> {
    state
        .soap
        .folders
        .list
        .iter()
        .map(|f| {
            let mut r = SoapRecord::new("DataFolder");
            r.set("ID", &f.id.to_string());
            r.set("ObjectID", &f.object_id);
            r.set("CustomerKey", &f.customer_key);
            r.set("Name", &f.name);
            r.set("Description", &f.description);
            r.set("ContentType", &f.content_type);
            r.set("ParentFolder.ID", &f.parent_id.to_string());
            r.set("IsActive", "true");
            r.set("IsEditable", if f.parent_id == 0 { "false" } else { "true" });
            r.set("AllowChildren", "true");
            r.set("Client.ID", &account_id.to_string());
            r
        })
        .collect()
}

/// Create of one `DataFolder`.
pub(super) fn create_data_folder(state: &mut State, _ctx: &Context<'_>, o: &InObject) -> Outcome {
    let parent = match number::<i64>(o, "DataFolder", "ParentFolder.ID") {
        Ok(Some(p)) => p,
        Ok(None) => return invalid("A DataFolder needs ParentFolder.ID (the folder to create it in).".to_owned()),
        Err(failure) => return failure.into(),
    };
    let object_id = request_id();
    let created = state.soap.folders.create(
        parent,
        o.prop("Name").unwrap_or(""),
        o.non_empty("CustomerKey"),
        o.prop("ContentType").unwrap_or(""),
        o.prop("Description").unwrap_or(""),
        object_id.clone(),
    );
    match created {
        Ok(id) => {
            let f = state.soap.folders.get(id).cloned();
            let object = f.map(|f| OutObject {
                xsi_type: "DataFolder".to_owned(),
                props: vec![
                    ("ID".to_owned(), f.id.to_string()),
                    ("ObjectID".to_owned(), f.object_id),
                    ("CustomerKey".to_owned(), f.customer_key),
                    ("Name".to_owned(), f.name),
                    ("ContentType".to_owned(), f.content_type),
                ],
                row: None,
            });
            let mut outcome = Outcome::ok("Folder created.", object);
            outcome.new_id = Some(id.to_string());
            outcome
        }
        Err(e) => model_error(e),
    }
}

/// Perform `ClearData` on one `DataExtension` (by `CustomerKey`, else `ObjectID`).
pub(super) fn clear_data(state: &mut State, d: &InObject) -> Outcome {
    let rows_lock = std::sync::Arc::clone(&state.rows);
    let mut rows = crate::testing::util::lock(&rows_lock);
    let key = match (d.non_empty("CustomerKey"), d.non_empty("ObjectID")) {
        (Some(k), _) => rows.data_extensions.contains_key(k).then(|| k.to_owned()),
        (None, Some(id)) => rows
            .data_extensions
            .iter()
            .find(|(_, de)| de.object_id == id)
            .map(|(k, _)| k.clone()),
        (None, None) => {
            return invalid("ClearData needs the data extension's CustomerKey or ObjectID.".to_owned());
        }
    };
    let Some(de) = key.as_ref().and_then(|k| rows.data_extensions.get_mut(k)) else {
        return Outcome::error(
            ERR_NOT_FOUND,
            "The data extension does not exist (by CustomerKey or ObjectID).",
        );
    };
    de.clear();
    let object = OutObject {
        xsi_type: "DataExtension".to_owned(),
        props: vec![
            ("CustomerKey".to_owned(), key.unwrap_or_default()),
            ("ObjectID".to_owned(), de.object_id.clone()),
        ],
        row: None,
    };
    Outcome::ok("Data cleared.", Some(object))
}
