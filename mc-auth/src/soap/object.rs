//! SOAP API objects as ordered property trees.

use super::xml::{Element, XmlWriter};

/// One property of a [`SoapObject`]: text, or nested properties.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    /// A text value.
    Text(String),
    /// Nested properties (for example `Client` with `ID`).
    Nested(Vec<Field>),
    /// Nested properties written with an `xsi:type` attribute on their element (for example an
    /// import's `DestinationObject` of type `DataExtension`). Objects read from MC's answers
    /// never hold this variant: nested elements are read as [`FieldValue::Nested`].
    Typed {
        /// The `xsi:type`, e.g. `DataExtension`.
        xsi_type: String,
        /// The nested properties.
        fields: Vec<Field>,
    },
}

/// A named property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Property name, e.g. `EmailAddress`.
    pub name: String,
    /// Its value.
    pub value: FieldValue,
}

impl Field {
    /// A text property `name` with `value`.
    ///
    /// ```
    /// use mc_auth::soap::{Field, FieldValue, SoapObject};
    /// let mut sub = SoapObject::new("Subscriber").with("SubscriberKey", "ada");
    /// sub.fields.push(Field::nested(
    ///     "Attributes",
    ///     vec![Field::text("Name", "First Name"), Field::text("Value", "Ada")],
    /// ));
    /// assert_eq!(Field::text("Name", "Ada").value, FieldValue::Text("Ada".to_owned()));
    /// assert!(matches!(&sub.fields[1].value, FieldValue::Nested(inner) if inner.len() == 2));
    /// ```
    pub fn text(name: impl Into<String>, value: impl Into<String>) -> Self {
        Field {
            name: name.into(),
            value: FieldValue::Text(value.into()),
        }
    }

    /// A property `name` holding the nested properties `fields` (for example `Attributes`
    /// with `Name` and `Value`); see [`Field::text`] for an example.
    pub fn nested(name: impl Into<String>, fields: Vec<Field>) -> Self {
        Field {
            name: name.into(),
            value: FieldValue::Nested(fields),
        }
    }
}

/// An object of the SOAP API (`Subscriber`, `DataExtensionObject`, `Automation`, ...): its
/// type and properties in order. Property names may repeat (lists).
///
/// ```
/// use mc_auth::soap::SoapObject;
/// let sub = SoapObject::new("Subscriber")
///     .with("EmailAddress", "ada@example.com")
///     .with("SubscriberKey", "ada");
/// assert_eq!(sub.get("SubscriberKey"), Some("ada"));
///
/// let row = SoapObject::data_extension_row("customers", [("Email", "ada@example.com"), ("Name", "Ada")]);
/// assert_eq!(row.row_values(), vec![("Email".to_string(), "ada@example.com".to_string()), ("Name".to_string(), "Ada".to_string())]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapObject {
    /// The object type (`xsi:type`), e.g. `Subscriber`.
    pub object_type: String,
    /// The properties, in order.
    pub fields: Vec<Field>,
}

impl SoapObject {
    /// An object of `object_type` without properties.
    pub fn new(object_type: impl Into<String>) -> Self {
        SoapObject {
            object_type: object_type.into(),
            fields: Vec::new(),
        }
    }

    /// Adds a text property.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.push(Field::text(name, value));
        self
    }

    /// Adds a nested property, e.g. `with_nested("Client", vec![("ID", "123")])`.
    pub fn with_nested<K: Into<String>, V: Into<String>>(
        mut self,
        name: impl Into<String>,
        fields: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.fields.push(Field::nested(
            name,
            fields.into_iter().map(|(k, v)| Field::text(k, v)).collect(),
        ));
        self
    }

    /// A `DataExtensionObject` row for the data extension with external key `customer_key`.
    pub fn data_extension_row<K: Into<String>, V: Into<String>>(
        customer_key: impl Into<String>,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let props = values
            .into_iter()
            .map(|(k, v)| Field {
                name: "Property".into(),
                value: FieldValue::Nested(vec![
                    Field {
                        name: "Name".into(),
                        value: FieldValue::Text(k.into()),
                    },
                    Field {
                        name: "Value".into(),
                        value: FieldValue::Text(v.into()),
                    },
                ]),
            })
            .collect();
        SoapObject::new("DataExtensionObject")
            .with("CustomerKey", customer_key)
            .with_fields("Properties", props)
    }

    fn with_fields(mut self, name: &str, fields: Vec<Field>) -> Self {
        self.fields.push(Field {
            name: name.into(),
            value: FieldValue::Nested(fields),
        });
        self
    }

    /// The text of the first property named `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .and_then(|f| match &f.value {
                FieldValue::Text(t) => Some(t.as_str()),
                FieldValue::Nested(_) | FieldValue::Typed { .. } => None,
            })
    }

    /// The text at a dotted path, e.g. `Client.ID`.
    pub fn get_path(&self, path: &str) -> Option<&str> {
        let mut fields = &self.fields;
        let mut parts = path.split('.').peekable();
        while let Some(part) = parts.next() {
            let f = fields.iter().find(|f| f.name == part)?;
            match (&f.value, parts.peek()) {
                (FieldValue::Text(t), None) => return Some(t),
                (FieldValue::Nested(n) | FieldValue::Typed { fields: n, .. }, Some(_)) => fields = n,
                _ => return None,
            }
        }
        None
    }

    /// For `DataExtensionObject`s: the `Properties/Property` name–value pairs.
    pub fn row_values(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for f in self.fields.iter().filter(|f| f.name == "Properties") {
            if let FieldValue::Nested(props) = &f.value {
                for p in props.iter().filter(|p| p.name == "Property") {
                    if let FieldValue::Nested(nv) = &p.value {
                        let text = |n: &str| {
                            nv.iter().find(|x| x.name == n).and_then(|x| match &x.value {
                                FieldValue::Text(t) => Some(t.clone()),
                                FieldValue::Nested(_) | FieldValue::Typed { .. } => None,
                            })
                        };
                        if let Some(name) = text("Name") {
                            out.push((name, text("Value").unwrap_or_default()));
                        }
                    }
                }
            }
        }
        out
    }

    /// For `DataExtensionObject`s: the row as your own type (`#[derive(Deserialize)]`), its
    /// `Properties/Property` name–value pairs being the fields (names matched ignoring case,
    /// MC's text converted to each field's type; see
    /// [`row_codec`](crate::api::row_codec)).
    ///
    /// ```
    /// use mc_auth::soap::SoapObject;
    /// #[derive(serde::Deserialize)]
    /// struct Customer { email: String, age: Option<u8> }
    /// let row = SoapObject::data_extension_row("customers", [("Email", "ada@example.com"), ("Age", "36")]);
    /// let ada: Customer = row.decode_row()?;
    /// assert_eq!((ada.email.as_str(), ada.age), ("ada@example.com", Some(36)));
    /// # Ok::<(), mc_auth::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::RowCodec`](crate::Error::RowCodec) naming the column and what was expected
    /// and found (or, for a missing column, the columns the row has).
    pub fn decode_row<T: serde::de::DeserializeOwned>(&self) -> crate::Result<T> {
        self.decode_row_at(None)
    }

    /// [`decode_row`](Self::decode_row), naming the row by its position in errors.
    pub(crate) fn decode_row_at<T: serde::de::DeserializeOwned>(&self, index: Option<u64>) -> crate::Result<T> {
        let pairs = self.row_values();
        crate::api::row_codec::RowInput::pairs(&pairs, index).decode()
    }

    /// A `DataExtensionObject` row of the data extension with external key `customer_key`,
    /// from a value of your own type (`#[derive(Serialize)]`): one `Property` per field, in
    /// order; `None` is an empty value and booleans are `True` / `False`.
    ///
    /// # Errors
    ///
    /// [`Error::RowCodec`](crate::Error::RowCodec) when `value` cannot be a row (a nested
    /// struct, map or sequence in a field, a NaN or infinite float, two fields whose names
    /// differ only in case).
    pub fn encode_row<T: serde::Serialize + ?Sized>(customer_key: impl Into<String>, value: &T) -> crate::Result<Self> {
        Self::encode_row_at(customer_key, value, None)
    }

    /// [`encode_row`](Self::encode_row) for every value of `rows`, errors naming the row's
    /// index; build the whole batch before sending any of it.
    pub fn encode_rows<T: serde::Serialize>(customer_key: &str, rows: &[T]) -> crate::Result<Vec<Self>> {
        rows.iter()
            .enumerate()
            .map(|(i, r)| Self::encode_row_at(customer_key, r, Some(i as u64)))
            .collect()
    }

    fn encode_row_at<T: serde::Serialize + ?Sized>(
        customer_key: impl Into<String>,
        value: &T,
        index: Option<u64>,
    ) -> crate::Result<Self> {
        let columns = crate::api::row_codec::encode(value, index)?;
        Ok(Self::data_extension_row(
            customer_key,
            columns.into_iter().map(|(name, cell)| (name, cell.into_text())),
        ))
    }

    pub(crate) fn write_fields(w: &mut XmlWriter, fields: &[Field]) {
        for f in fields {
            match &f.value {
                FieldValue::Text(t) => w.text_element(&f.name, t),
                FieldValue::Nested(n) => {
                    w.open(&f.name, &[]);
                    Self::write_fields(w, n);
                    w.close(&f.name);
                }
                FieldValue::Typed { xsi_type, fields } => {
                    w.open(&f.name, &[("xsi:type", xsi_type)]);
                    Self::write_fields(w, fields);
                    w.close(&f.name);
                }
            }
        }
    }

    /// Reads an object from a result element (`<Results xsi:type="Subscriber">...`).
    pub(crate) fn from_element(el: &Element) -> SoapObject {
        SoapObject {
            object_type: el.xsi_type.clone().unwrap_or_else(|| el.name.clone()),
            fields: fields_of(el),
        }
    }
}

fn fields_of(el: &Element) -> Vec<Field> {
    el.children
        .iter()
        .map(|c| Field {
            name: c.name.clone(),
            value: if c.children.is_empty() {
                FieldValue::Text(c.text.clone())
            } else {
                FieldValue::Nested(fields_of(c))
            },
        })
        .collect()
}

/// The result for one object of a Create, Update, Delete or Perform request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectResult {
    /// Position of the object in the request (`OrdinalID`), when given.
    pub ordinal: Option<u32>,
    /// `OK` or `Error` (MC's `StatusCode`).
    pub status_code: String,
    /// MC's `StatusMessage`.
    pub status_message: Option<String>,
    /// MC's numeric `ErrorCode`, on failure.
    pub error_code: Option<i64>,
    /// `NewID` (Create).
    pub new_id: Option<String>,
    /// `NewObjectID` (Create of objects MC identifies by a GUID, such as `QueryDefinition`).
    pub new_object_id: Option<String>,
    /// `Task/ID` (Perform `start` of an activity: the id its status is retrieved by).
    pub task_id: Option<String>,
    /// The object as MC returned it, if it did.
    pub object: Option<SoapObject>,
}

impl ObjectResult {
    /// This result with its server-written text passed through `redactor`.
    pub(crate) fn redact(mut self, redactor: &crate::secret::Redactor) -> Self {
        self.status_code = redactor.text(&self.status_code);
        self.status_message = self.status_message.map(|m| redactor.text(&m));
        self
    }

    /// True when `StatusCode` is `OK`.
    pub fn is_ok(&self) -> bool {
        self.status_code.eq_ignore_ascii_case("OK")
    }
}

/// What a Describe answers: an object type's property definitions (MC's `ObjectDefinition`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObjectDefinition {
    /// The object type described (`ObjectType`).
    pub object_type: String,
    /// Its properties (`Properties`), in the order answered.
    pub properties: Vec<PropertyDescription>,
}

/// One property of an [`ObjectDefinition`] (MC's `PropertyDefinition` element).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PropertyDescription {
    /// The property name (`Name`), e.g. `EmailAddress`.
    pub name: String,
    /// MC's `DataType` (`String`, `Int32`, `DateTime`, ...), when given.
    pub data_type: Option<String>,
    /// `IsRetrievable`: the property can be asked for in a Retrieve.
    pub is_retrievable: bool,
    /// `IsUpdatable`: the property can be set by Create or Update.
    pub is_updatable: bool,
    /// `IsRequired`: Create needs the property.
    pub is_required: bool,
}

impl ObjectDefinition {
    /// Reads an `ObjectDefinition` element.
    pub(crate) fn from_element(el: &Element) -> ObjectDefinition {
        let flag = |p: &Element, name: &str| {
            p.child_text(name)
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
        };
        ObjectDefinition {
            object_type: el
                .child_text("ObjectType")
                .or_else(|| el.child_text("Name"))
                .unwrap_or("")
                .trim()
                .to_owned(),
            properties: el
                .children_named("Properties")
                .filter_map(|p| {
                    let name = p.child_text("Name")?.trim().to_owned();
                    (!name.is_empty()).then(|| PropertyDescription {
                        name,
                        data_type: p
                            .child_text("DataType")
                            .map(|t| t.trim().to_owned())
                            .filter(|t| !t.is_empty()),
                        is_retrievable: flag(p, "IsRetrievable"),
                        is_updatable: flag(p, "IsUpdatable"),
                        is_required: flag(p, "IsRequired"),
                    })
                })
                .collect(),
        }
    }

    /// The definition of property `name`.
    pub fn property(&self, name: &str) -> Option<&PropertyDescription> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// A `SaveOption` of a Create's `Options/SaveOptions`: how an existing object (or one of its
/// properties) is treated.
///
/// ```
/// use mc_auth::soap::{SaveAction, SaveOption};
/// let upsert = SaveOption::upsert();
/// assert_eq!((upsert.property_name.as_str(), upsert.save_action), ("*", SaveAction::UpdateAdd));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaveOption {
    /// `PropertyName`: the property it applies to, `*` for the whole object.
    pub property_name: String,
    /// `SaveAction`.
    pub save_action: SaveAction,
}

impl SaveOption {
    /// `SaveAction` for `property_name` (`*`: the whole object).
    pub fn new(property_name: impl Into<String>, save_action: SaveAction) -> Self {
        SaveOption {
            property_name: property_name.into(),
            save_action,
        }
    }

    /// `*` with `UpdateAdd`: create the object, or update it when it exists (an upsert).
    pub fn upsert() -> Self {
        SaveOption::new("*", SaveAction::UpdateAdd)
    }

    /// True for `*` with `UpdateAdd`.
    pub fn is_upsert(&self) -> bool {
        self.property_name.trim() == "*" && self.save_action == SaveAction::UpdateAdd
    }
}

/// MC's `SaveAction` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SaveAction {
    /// `UpdateAdd`: update what exists, add what does not.
    UpdateAdd,
    /// `AddOnly`: add only; an existing object is an error.
    AddOnly,
    /// `UpdateOnly`: update only; a missing object is an error.
    UpdateOnly,
    /// `Nothing`: save nothing.
    Nothing,
    /// `Default`: the method's own behaviour.
    Default,
}

impl SaveAction {
    /// The value as the SOAP API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SaveAction::UpdateAdd => "UpdateAdd",
            SaveAction::AddOnly => "AddOnly",
            SaveAction::UpdateOnly => "UpdateOnly",
            SaveAction::Nothing => "Nothing",
            SaveAction::Default => "Default",
        }
    }
}

/// One request of an `ExecuteRequestMsg`: a `Name` (e.g. `LogUnsubEvent`) and its
/// `Parameters` (`Name`/`Value` pairs, in order).
///
/// ```
/// use mc_auth::soap::ExecuteRequest;
/// let r = ExecuteRequest::new("LogUnsubEvent").parameter("SubscriberKey", "ada").parameter("Reason", "asked");
/// assert_eq!(r.parameters.len(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteRequest {
    /// `Name`: what to execute.
    pub name: String,
    /// `Parameters`, in order.
    pub parameters: Vec<(String, String)>,
}

impl ExecuteRequest {
    /// A request named `name` without parameters.
    pub fn new(name: impl Into<String>) -> Self {
        ExecuteRequest {
            name: name.into(),
            parameters: Vec::new(),
        }
    }

    /// Adds a parameter.
    pub fn parameter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameters.push((name.into(), value.into()));
        self
    }
}
