//! Data extension schemas over SOAP: create a data extension with its typed fields, read its
//! fields back, list and create folders, and clear a data extension's rows.
//!
//! A [`DataExtensionSpec`] is checked before anything is sent, against MC's documented limits
//! (MC's SSJS `Fields.Add` reference and SOAP guide, "Create a Data Extension"): a Text field
//! holds 1 to 4,000 characters (50 when no length is given); a Decimal field needs a precision
//! of 1 to 29 and a scale of at most the precision; a primary-key field must be required; a
//! sendable data extension names one of its own fields to relate to subscribers. The error
//! names the field and the rule.
//!
//! ```no_run
//! use mc_auth::api::prelude::*;
//! use mc_auth::api::data_extension_schema::{DataExtensionSpec, FieldSpec, SubscriberField};
//! use mc_auth::mc_client;
//!
//! #[mc_client(scopes = "data_extensions_read data_extensions_write")]
//! struct Schema;
//!
//! # async fn run(c: Schema) -> mc_auth::Result<()> {
//! let spec = DataExtensionSpec::new("Customers")
//!     .key("customers")
//!     .field(FieldSpec::text("SubscriberKey", 254).primary_key())
//!     .field(FieldSpec::email("Email").required())
//!     .field(FieldSpec::decimal("Balance", 18, 2))
//!     .field(FieldSpec::date("Joined"))
//!     .sendable("SubscriberKey", SubscriberField::SubscriberKey);
//! c.create_data_extension(&spec).await?;
//! for field in c.data_extension_fields("customers").await? {
//!     println!("{} {:?} {:?}", field.name, field.field_type, field.max_length);
//! }
//! c.clear_data_extension("customers").await?;
//! # Ok(()) }
//! ```

use super::soap_reader::SoapReader;
use super::Call;
use crate::error::{Error, Result};
use crate::scope::{op, Has, ScopedClient};
use crate::soap::{Field, ObjectResult, RetrieveRequest, SimpleFilter, SoapObject};

/// Longest Text field MC allows (`MaxLength` at most 4,000).
pub const MAX_TEXT_LENGTH: u32 = 4000;
/// The length MC gives a Text field created without `MaxLength`.
pub const DEFAULT_TEXT_LENGTH: u32 = 50;
/// Largest precision (`MaxLength`) of a Decimal field.
pub const MAX_DECIMAL_PRECISION: u32 = 29;
/// Length of an EmailAddress field.
pub const EMAIL_LENGTH: u32 = 254;

/// A data extension field's `FieldType`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldType {
    /// `Text`: up to `MaxLength` characters.
    Text,
    /// `Number`: a whole number (32 bits).
    Number,
    /// `Date`: a date and time.
    Date,
    /// `Boolean`.
    Boolean,
    /// `EmailAddress`: up to 254 characters.
    EmailAddress,
    /// `Phone`.
    Phone,
    /// `Decimal`: precision (`MaxLength`) and `Scale`.
    Decimal,
    /// `Locale`: a locale code such as `en-US`.
    Locale,
    /// A type this crate does not know, as MC spelled it (kept from Retrieve answers; refused
    /// in a [`FieldSpec`]).
    Other(String),
}

impl FieldType {
    /// MC's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            FieldType::Text => "Text",
            FieldType::Number => "Number",
            FieldType::Date => "Date",
            FieldType::Boolean => "Boolean",
            FieldType::EmailAddress => "EmailAddress",
            FieldType::Phone => "Phone",
            FieldType::Decimal => "Decimal",
            FieldType::Locale => "Locale",
            FieldType::Other(s) => s,
        }
    }

    /// Reads MC's spelling (case-insensitive); anything else is kept as [`FieldType::Other`].
    pub fn parse(s: &str) -> FieldType {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => FieldType::Text,
            "number" => FieldType::Number,
            "date" => FieldType::Date,
            "boolean" => FieldType::Boolean,
            "emailaddress" => FieldType::EmailAddress,
            "phone" => FieldType::Phone,
            "decimal" => FieldType::Decimal,
            "locale" => FieldType::Locale,
            _ => FieldType::Other(s.trim().to_owned()),
        }
    }
}

/// One field of a [`DataExtensionSpec`]. Build it with [`FieldSpec::text`], [`FieldSpec::decimal`]
/// and the other constructors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    /// `Name`.
    pub name: String,
    /// `FieldType`.
    pub field_type: FieldType,
    /// `MaxLength`: a Text field's length (1 to 4,000; MC uses 50 when absent), a Decimal's
    /// precision (1 to 29), an EmailAddress's length (at most 254).
    pub max_length: Option<u32>,
    /// `Scale`: a Decimal's digits after the point (at most the precision).
    pub scale: Option<u32>,
    /// `IsPrimaryKey` (a primary-key field must also be required).
    pub is_primary_key: bool,
    /// `IsRequired`.
    pub is_required: bool,
    /// `DefaultValue`, used when a new row has no value for the field.
    pub default_value: Option<String>,
}

impl FieldSpec {
    fn of(name: impl Into<String>, field_type: FieldType) -> Self {
        FieldSpec {
            name: name.into(),
            field_type,
            max_length: None,
            scale: None,
            is_primary_key: false,
            is_required: false,
            default_value: None,
        }
    }

    /// A Text field of `max_length` characters (1 to 4,000).
    pub fn text(name: impl Into<String>, max_length: u32) -> Self {
        FieldSpec {
            max_length: Some(max_length),
            ..Self::of(name, FieldType::Text)
        }
    }

    /// A Number field (a whole number).
    pub fn number(name: impl Into<String>) -> Self {
        Self::of(name, FieldType::Number)
    }

    /// A Decimal field of `precision` digits (1 to 29), `scale` of them after the point.
    pub fn decimal(name: impl Into<String>, precision: u32, scale: u32) -> Self {
        FieldSpec {
            max_length: Some(precision),
            scale: Some(scale),
            ..Self::of(name, FieldType::Decimal)
        }
    }

    /// A Date field.
    pub fn date(name: impl Into<String>) -> Self {
        Self::of(name, FieldType::Date)
    }

    /// A Boolean field.
    pub fn boolean(name: impl Into<String>) -> Self {
        Self::of(name, FieldType::Boolean)
    }

    /// An EmailAddress field (254 characters).
    pub fn email(name: impl Into<String>) -> Self {
        Self::of(name, FieldType::EmailAddress)
    }

    /// A Phone field.
    pub fn phone(name: impl Into<String>) -> Self {
        Self::of(name, FieldType::Phone)
    }

    /// A Locale field.
    pub fn locale(name: impl Into<String>) -> Self {
        Self::of(name, FieldType::Locale)
    }

    /// Makes the field (part of) the primary key; a primary-key field is required too.
    pub fn primary_key(mut self) -> Self {
        self.is_primary_key = true;
        self.is_required = true;
        self
    }

    /// Makes the field required.
    pub fn required(mut self) -> Self {
        self.is_required = true;
        self
    }

    /// Sets the `DefaultValue`.
    pub fn default_value(mut self, value: impl Into<String>) -> Self {
        self.default_value = Some(value.into());
        self
    }

    /// Why this field breaks one of MC's rules, if it does.
    fn problem(&self) -> Option<String> {
        let name = &self.name;
        if name.trim().is_empty() {
            return Some("a field has a blank name".to_owned());
        }
        if name.trim() != name {
            return Some(format!("field `{name}` has spaces around its name"));
        }
        let length = |range: std::ops::RangeInclusive<u32>, what: &str| match self.max_length {
            Some(n) if !range.contains(&n) => Some(format!(
                "field `{name}`: {what} MaxLength must be {} to {}, not {n}",
                range.start(),
                range.end()
            )),
            _ => None,
        };
        let found = match &self.field_type {
            FieldType::Text => length(1..=MAX_TEXT_LENGTH, "a Text field's"),
            FieldType::EmailAddress => length(1..=EMAIL_LENGTH, "an EmailAddress field's"),
            FieldType::Decimal => match (self.max_length, self.scale) {
                (Some(p), Some(s)) if (1..=MAX_DECIMAL_PRECISION).contains(&p) && s <= p => None,
                (Some(p), Some(s)) => Some(format!(
                    "field `{name}`: a Decimal needs a precision of 1 to {MAX_DECIMAL_PRECISION} and a scale of at most the precision, not {p} and {s}"
                )),
                _ => Some(format!(
                    "field `{name}`: a Decimal needs both a precision (MaxLength) and a scale; use FieldSpec::decimal"
                )),
            },
            FieldType::Other(t) => Some(format!(
                "field `{name}` has the type `{t}`, which MC does not have (Text, Number, Date, Boolean, EmailAddress, Phone, Decimal, Locale)"
            )),
            t => self.max_length.map(|_| {
                format!(
                    "field `{name}`: MaxLength applies to Text, Decimal and EmailAddress fields, not {}",
                    t.as_str()
                )
            }),
        };
        if found.is_some() {
            return found;
        }
        if self.scale.is_some() && self.field_type != FieldType::Decimal {
            return Some(format!("field `{name}`: Scale applies to Decimal fields only"));
        }
        if self.is_primary_key && !self.is_required {
            return Some(format!(
                "field `{name}` is a primary key but not required; MC refuses nullable primary keys (set is_required)"
            ));
        }
        if let Some(d) = &self.default_value {
            let bad = match self.field_type {
                FieldType::Text => {
                    let max = self.max_length.unwrap_or(DEFAULT_TEXT_LENGTH) as usize;
                    (d.chars().count() > max).then(|| format!("is longer than {max} characters"))
                }
                FieldType::Number => d
                    .trim()
                    .parse::<i32>()
                    .is_err()
                    .then(|| "is not a whole number".to_owned()),
                FieldType::Decimal => d
                    .trim()
                    .parse::<f64>()
                    .is_err()
                    .then(|| "is not a decimal number".to_owned()),
                FieldType::Boolean => (!matches!(d.trim().to_ascii_lowercase().as_str(), "true" | "false" | "1" | "0"))
                    .then(|| "is not true, false, 1 or 0".to_owned()),
                _ => None,
            };
            if let Some(bad) = bad {
                return Some(format!("field `{name}`: the default value `{d}` {bad}"));
            }
        }
        None
    }

    fn to_field(&self, ordinal: usize) -> Field {
        let mut props = vec![
            Field::text("Name", &self.name),
            Field::text("FieldType", self.field_type.as_str()),
            Field::text("Ordinal", ordinal.to_string()),
        ];
        if let Some(n) = self.max_length {
            props.push(Field::text("MaxLength", n.to_string()));
        }
        if let Some(s) = self.scale {
            props.push(Field::text("Scale", s.to_string()));
        }
        props.push(Field::text("IsPrimaryKey", bool_text(self.is_primary_key)));
        props.push(Field::text("IsRequired", bool_text(self.is_required)));
        if let Some(d) = &self.default_value {
            props.push(Field::text("DefaultValue", d));
        }
        Field::nested("Field", props)
    }
}

/// The subscriber field a sendable data extension relates to (`SendableSubscriberField`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubscriberField {
    /// `Subscriber Key`.
    SubscriberKey,
    /// `Email Address`.
    EmailAddress,
}

impl SubscriberField {
    /// MC's name of the subscriber field.
    pub fn as_str(&self) -> &'static str {
        match self {
            SubscriberField::SubscriberKey => "Subscriber Key",
            SubscriberField::EmailAddress => "Email Address",
        }
    }
}

/// The sendable settings of a [`DataExtensionSpec`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sendable {
    /// `SendableDataExtensionField`: the data extension's field that identifies the subscriber.
    pub field: String,
    /// `SendableSubscriberField`: the subscriber field it relates to.
    pub subscriber_field: SubscriberField,
}

/// A data extension to create: name, external key, folder, fields and sendable settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataExtensionSpec {
    /// `Name`.
    pub name: String,
    /// `CustomerKey` (the external key); MC makes one up when absent.
    pub customer_key: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `CategoryID`: the folder (a `dataextension` [`DataFolder`]); the top-level folder when
    /// absent.
    pub category_id: Option<i64>,
    /// `Fields`, in order.
    pub fields: Vec<FieldSpec>,
    /// `IsSendable` and its settings.
    pub sendable: Option<Sendable>,
    /// `IsTestable`.
    pub is_testable: bool,
}

impl DataExtensionSpec {
    /// A data extension named `name`, without fields yet.
    pub fn new(name: impl Into<String>) -> Self {
        DataExtensionSpec {
            name: name.into(),
            customer_key: None,
            description: None,
            category_id: None,
            fields: Vec::new(),
            sendable: None,
            is_testable: false,
        }
    }

    /// Sets the external key (`CustomerKey`).
    pub fn key(mut self, customer_key: impl Into<String>) -> Self {
        self.customer_key = Some(customer_key.into());
        self
    }

    /// Sets the `Description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Puts it in folder `category_id` (a [`DataFolder::id`]).
    pub fn folder(mut self, category_id: i64) -> Self {
        self.category_id = Some(category_id);
        self
    }

    /// Adds a field.
    pub fn field(mut self, field: FieldSpec) -> Self {
        self.fields.push(field);
        self
    }

    /// Makes it sendable: `field` (one of its fields) relates to the subscriber's `subscriber_field`.
    pub fn sendable(mut self, field: impl Into<String>, subscriber_field: SubscriberField) -> Self {
        self.sendable = Some(Sendable {
            field: field.into(),
            subscriber_field,
        });
        self
    }

    /// Makes it testable (`IsTestable`).
    pub fn testable(mut self) -> Self {
        self.is_testable = true;
        self
    }

    /// Checks the spec against MC's rules; the error names the field and what to change.
    pub fn validate(&self) -> Result<()> {
        let setting = format!("data extension `{}`", self.name);
        let bad = |reason: String| Err(Error::config(setting.clone(), format!("{reason} (nothing was sent)")));
        if self.name.trim().is_empty() {
            return bad("the name is blank".to_owned());
        }
        if let Some(k) = &self.customer_key {
            if k.trim().is_empty() {
                return bad("the external key is blank; leave it unset for MC to make one".to_owned());
            }
        }
        if self.fields.is_empty() {
            return bad("it has no fields; add at least one with .field(..)".to_owned());
        }
        for (i, f) in self.fields.iter().enumerate() {
            if let Some(problem) = f.problem() {
                return bad(problem);
            }
            if self.fields[..i].iter().any(|g| g.name.eq_ignore_ascii_case(&f.name)) {
                return bad(format!("field `{}` is defined twice", f.name));
            }
        }
        if let Some(s) = &self.sendable {
            if !self.fields.iter().any(|f| f.name.eq_ignore_ascii_case(&s.field)) {
                return bad(format!(
                    "it is sendable on the field `{}`, which is not one of its fields",
                    s.field
                ));
            }
        }
        Ok(())
    }

    /// The SOAP `DataExtension` object sent, after [`validate`](Self::validate).
    pub fn to_object(&self) -> Result<SoapObject> {
        self.validate()?;
        let mut o = SoapObject::new("DataExtension").with("Name", self.name.clone());
        if let Some(k) = &self.customer_key {
            o = o.with("CustomerKey", k.clone());
        }
        if let Some(d) = &self.description {
            o = o.with("Description", d.clone());
        }
        if let Some(c) = self.category_id {
            o = o.with("CategoryID", c.to_string());
        }
        o = o.with("IsSendable", bool_text(self.sendable.is_some()));
        o = o.with("IsTestable", bool_text(self.is_testable));
        if let Some(s) = &self.sendable {
            o = o
                .with_nested("SendableDataExtensionField", [("Name", s.field.as_str())])
                .with_nested("SendableSubscriberField", [("Name", s.subscriber_field.as_str())]);
        }
        let fields = self.fields.iter().enumerate().map(|(i, f)| f.to_field(i)).collect();
        o.fields.push(Field::nested("Fields", fields));
        Ok(o)
    }
}

fn bool_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// A field of a data extension, as retrieved (`DataExtensionField`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DataExtensionField {
    /// `Name`.
    pub name: String,
    /// `FieldType` (an unknown one kept as [`FieldType::Other`]).
    pub field_type: FieldType,
    /// `Ordinal`: the position, from 0.
    pub ordinal: Option<u32>,
    /// `MaxLength` (a Decimal's precision).
    pub max_length: Option<u32>,
    /// `Scale` (Decimal).
    pub scale: Option<u32>,
    /// `IsPrimaryKey`.
    pub is_primary_key: bool,
    /// `IsRequired`.
    pub is_required: bool,
    /// `DefaultValue`, when set.
    pub default_value: Option<String>,
    /// `CustomerKey`.
    pub customer_key: Option<String>,
    /// `ObjectID`.
    pub object_id: Option<String>,
}

const FIELD_PROPERTIES: &[&str] = &[
    "Name",
    "FieldType",
    "Ordinal",
    "MaxLength",
    "Scale",
    "IsPrimaryKey",
    "IsRequired",
    "DefaultValue",
    "CustomerKey",
    "ObjectID",
];

impl DataExtensionField {
    /// Decodes a retrieved `DataExtensionField`.
    pub fn from_object(object: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(object, "DataExtensionField");
        Ok(DataExtensionField {
            name: r.required("Name")?,
            field_type: FieldType::parse(&r.required("FieldType")?),
            ordinal: r.number("Ordinal")?,
            max_length: r.number("MaxLength")?,
            scale: r.number("Scale")?,
            is_primary_key: r.flag("IsPrimaryKey")?.unwrap_or(false),
            is_required: r.flag("IsRequired")?.unwrap_or(false),
            default_value: object.get("DefaultValue").filter(|v| !v.is_empty()).map(str::to_owned),
            customer_key: r.text("CustomerKey"),
            object_id: r.text("ObjectID"),
        })
    }
}

/// A folder (`DataFolder`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DataFolder {
    /// `ID` (a data extension's `CategoryID` names its folder by it).
    pub id: i64,
    /// `ParentFolder.ID`; `0` or `None` for a top-level folder.
    pub parent_id: Option<i64>,
    /// `Name`.
    pub name: String,
    /// `ContentType`: `dataextension`, `email`, `list`, ...
    pub content_type: String,
    /// `CustomerKey`.
    pub customer_key: Option<String>,
    /// `Description`.
    pub description: Option<String>,
    /// `ObjectID`.
    pub object_id: Option<String>,
}

const FOLDER_PROPERTIES: &[&str] = &[
    "ID",
    "ParentFolder.ID",
    "Name",
    "ContentType",
    "CustomerKey",
    "Description",
    "ObjectID",
];

impl DataFolder {
    /// Decodes a retrieved `DataFolder`.
    pub fn from_object(object: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(object, "DataFolder");
        Ok(DataFolder {
            id: r.required_number("ID")?,
            parent_id: r.number("ParentFolder.ID")?,
            name: r.required("Name")?,
            content_type: r.required("ContentType")?,
            customer_key: r.text("CustomerKey"),
            description: r.text("Description"),
            object_id: r.text("ObjectID"),
        })
    }
}

/// A folder to create: its name, its parent (whose content type it takes) and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFolderSpec {
    /// `Name`.
    pub name: String,
    /// `ParentFolder.ID`.
    pub parent_id: i64,
    /// `ContentType` (the parent's: `dataextension` for data extension folders).
    pub content_type: String,
    /// `CustomerKey`.
    pub customer_key: Option<String>,
    /// `Description`.
    pub description: Option<String>,
}

impl DataFolderSpec {
    /// A folder `name` under `parent_id`, for `content_type` (e.g. `dataextension`).
    pub fn new(name: impl Into<String>, parent_id: i64, content_type: impl Into<String>) -> Self {
        DataFolderSpec {
            name: name.into(),
            parent_id,
            content_type: content_type.into(),
            customer_key: None,
            description: None,
        }
    }

    /// Sets the `CustomerKey`.
    pub fn key(mut self, customer_key: impl Into<String>) -> Self {
        self.customer_key = Some(customer_key.into());
        self
    }

    /// Sets the `Description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The SOAP `DataFolder` object sent, after checking the name and content type.
    pub fn to_object(&self) -> Result<SoapObject> {
        let bad = |reason: &str| Err(Error::config("data folder", format!("{reason} (nothing was sent)")));
        if self.name.trim().is_empty() {
            return bad("the folder name is blank");
        }
        if self.content_type.trim().is_empty() {
            return bad("the content type is blank; use the parent folder's (e.g. `dataextension`)");
        }
        let mut o = SoapObject::new("DataFolder")
            .with("Name", self.name.clone())
            .with("ContentType", self.content_type.clone())
            .with_nested("ParentFolder", [("ID", self.parent_id.to_string())]);
        if let Some(k) = &self.customer_key {
            o = o.with("CustomerKey", k.clone());
        }
        if let Some(d) = &self.description {
            o = o.with("Description", d.clone());
        }
        o = o
            .with("IsActive", "true")
            .with("IsEditable", "true")
            .with("AllowChildren", "true");
        Ok(o)
    }
}

fn key_or_error(what: &str, key: &str) -> Result<String> {
    if key.trim().is_empty() {
        Err(Error::config(
            what,
            "the data extension key is empty; pass its external key (nothing was sent)",
        ))
    } else {
        Ok(key.to_owned())
    }
}

fn single(mut results: Vec<ObjectResult>, action: &str) -> Result<ObjectResult> {
    match results.len() {
        1 => Ok(results.remove(0)),
        n => Err(Error::UnexpectedResponse {
            status: 200,
            endpoint: format!("SOAP {action}"),
            problem: format!("{n} results for one object"),
            excerpt: String::new(),
        }),
    }
}

/// Data extension schemas, for every client type with the scopes each call needs (the
/// catalog's `create_data_extension`, `retrieve_data_extension_fields`,
/// `retrieve_data_folders`, `create_data_folder` and `clear_data_extension` operations).
pub trait DataExtensionSchema: ScopedClient {
    /// Creates a data extension with its fields (SOAP Create of `DataExtension`). The spec is
    /// checked first ([`DataExtensionSpec::validate`]): a bad one is an [`Error::Config`]
    /// naming the field, and nothing is sent. Not retried.
    ///
    #[doc = crate::scope::op_doc!(create_data_extension)]
    fn create_data_extension(&self, spec: &DataExtensionSpec) -> Call<ObjectResult>
    where
        Self: Has<op::CreateDataExtension>,
    {
        let object = spec.to_object();
        let client = self.client().clone();
        Call::new(async move {
            let objects = [object?];
            single(client.soap().create(&objects).await?, "Create DataExtension")
        })
    }

    /// The fields of the data extension with external key `customer_key`, by ordinal (SOAP
    /// Retrieve of `DataExtensionField` filtered on `DataExtension.CustomerKey`). An unknown
    /// key gives no fields.
    ///
    #[doc = crate::scope::op_doc!(retrieve_data_extension_fields)]
    fn data_extension_fields(&self, customer_key: &str) -> Call<Vec<DataExtensionField>>
    where
        Self: Has<op::RetrieveDataExtensionFields>,
    {
        let key = key_or_error("data extension fields", customer_key);
        let client = self.client().clone();
        Call::new(async move {
            let request = RetrieveRequest::new("DataExtensionField", FIELD_PROPERTIES.iter().copied())
                .filter(SimpleFilter::equals("DataExtension.CustomerKey", key?));
            let objects = client.soap().retrieve(&request).await?;
            let mut fields = objects
                .iter()
                .map(DataExtensionField::from_object)
                .collect::<Result<Vec<_>>>()?;
            fields.sort_by_key(|f| f.ordinal.unwrap_or(u32::MAX));
            Ok(fields)
        })
    }

    /// The account's folders (SOAP Retrieve of `DataFolder`), those of `content_type` only
    /// when given (e.g. `Some("dataextension")`).
    ///
    #[doc = crate::scope::op_doc!(retrieve_data_folders)]
    fn data_folders(&self, content_type: Option<&str>) -> Call<Vec<DataFolder>>
    where
        Self: Has<op::RetrieveDataFolders>,
    {
        let mut request = RetrieveRequest::new("DataFolder", FOLDER_PROPERTIES.iter().copied());
        if let Some(t) = content_type {
            request = request.filter(SimpleFilter::equals("ContentType", t));
        }
        let client = self.client().clone();
        Call::new(async move {
            let objects = client.soap().retrieve(&request).await?;
            objects.iter().map(DataFolder::from_object).collect()
        })
    }

    /// Creates a folder (SOAP Create of `DataFolder`); answers its `ID`. Not retried.
    ///
    #[doc = crate::scope::op_doc!(create_data_folder)]
    fn create_data_folder(&self, spec: &DataFolderSpec) -> Call<i64>
    where
        Self: Has<op::CreateDataFolder>,
    {
        let object = spec.to_object();
        let client = self.client().clone();
        Call::new(async move {
            let objects = [object?];
            let result = single(client.soap().create(&objects).await?, "Create DataFolder")?;
            let id = result.new_id.clone().unwrap_or_default();
            id.trim().parse().map_err(|_| Error::UnexpectedResponse {
                status: 200,
                endpoint: "SOAP Create DataFolder".into(),
                problem: format!("a created DataFolder whose NewID `{id}` is not a whole number"),
                excerpt: String::new(),
            })
        })
    }

    /// Deletes every row of the data extension with external key `customer_key`, keeping the
    /// data extension (SOAP Perform `ClearData`). MC also requires the user's Clear Data
    /// permission and ownership of the data extension.
    ///
    #[doc = crate::scope::op_doc!(clear_data_extension)]
    fn clear_data_extension(&self, customer_key: &str) -> Call<ObjectResult>
    where
        Self: Has<op::ClearDataExtension>,
    {
        let key = key_or_error("clear data extension", customer_key);
        let client = self.client().clone();
        Call::new(async move {
            let definitions = [SoapObject::new("DataExtension").with("CustomerKey", key?)];
            single(
                client.soap().perform("ClearData", &definitions).await?,
                "Perform ClearData",
            )
        })
    }
}

impl<C: ScopedClient> DataExtensionSchema for C {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_checked_against_mcs_limits() {
        let ok = DataExtensionSpec::new("D")
            .field(FieldSpec::text("Id", 36).primary_key())
            .field(FieldSpec::decimal("P", 18, 2));
        ok.validate().unwrap();
        let cases = [
            (FieldSpec::text("T", 4001), "`T`"),
            (FieldSpec::text("T", 0), "`T`"),
            (FieldSpec::decimal("P", 30, 2), "`P`"),
            (FieldSpec::decimal("P", 5, 6), "`P`"),
            (
                FieldSpec {
                    is_required: false,
                    ..FieldSpec::number("K").primary_key()
                },
                "primary key",
            ),
            (FieldSpec::number("N").default_value("x"), "`N`"),
            (FieldSpec::of("O", FieldType::Other("Blob".into())), "Blob"),
        ];
        for (field, needle) in cases {
            let e = DataExtensionSpec::new("D")
                .field(field)
                .validate()
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{e}");
        }
        let e = DataExtensionSpec::new("D")
            .field(FieldSpec::text("A", 5))
            .sendable("B", SubscriberField::SubscriberKey)
            .validate()
            .unwrap_err()
            .to_string();
        assert!(e.contains("`B`"), "{e}");
    }

    #[test]
    fn decoding_names_the_object_property_and_value() {
        let o = SoapObject::new("DataExtensionField")
            .with("Name", "A")
            .with("FieldType", "Vector")
            .with("MaxLength", "ten");
        let e = DataExtensionField::from_object(&o).unwrap_err().to_string();
        assert!(
            e.contains("DataExtensionField") && e.contains("MaxLength") && e.contains("ten"),
            "{e}"
        );
        let o = SoapObject::new("DataExtensionField")
            .with("Name", "A")
            .with("FieldType", "Vector");
        assert_eq!(
            DataExtensionField::from_object(&o).unwrap().field_type,
            FieldType::Other("Vector".into())
        );
        let e = DataFolder::from_object(&SoapObject::new("DataFolder").with("ID", "x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("DataFolder") && e.contains("ID") && e.contains("`x`"), "{e}");
    }
}
