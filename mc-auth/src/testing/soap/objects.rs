//! The SOAP objects the fake keeps, and the pieces Retrieve
//! ([`retrieve`](super::retrieve)), Create, Update, Delete
//! ([`create_update_delete`](super::create_update_delete)) and Perform
//! ([`perform`](super::perform)) share: stored records, a request's objects as read, and the
//! per-object results.
//!
//! | object type | Retrieve | Create | Update | Delete | Perform | Describe ([`describe`](super::describe)) |
//! |---|---|---|---|---|---|---|
//! | `DataExtension` ([`data_extension_schema`](super::data_extension_schema)) | yes | yes (with `Fields`) | | | `ClearData` | yes |
//! | `DataExtensionField` ([`data_extension_schema`](super::data_extension_schema)) | yes | | | | | |
//! | `DataFolder` ([`data_extension_schema`](super::data_extension_schema)) | yes | yes | | | | |
//! | `DataExtensionObject[name or key]` | yes (the rows of that data extension, the same rows as REST) | yes | yes | yes | | |
//! | `Subscriber` | yes | yes | yes | yes | | yes |
//! | `List` | yes | yes | | | | yes |
//! | `Automation` | yes | | | | `start` | yes |
//! | `TriggeredSendDefinition` ([`triggered_sends`](super::triggered_sends)) | yes | | yes (status) | | | |
//! | `TriggeredSend` ([`triggered_sends`](super::triggered_sends)) | | yes | | | | |
//! | tracking events ([`tracking`](super::tracking)) | yes | | | | | |
//!
//! Schedule and Configure are not modelled: each object gets `ErrorCode` 12002.
//!
//! **Create / Update / Delete / Perform** answer one result per object, `OverallStatus` `OK`,
//! `Has Errors` or `Error`. The per-object `ErrorCode`s are the fake's own:
//!
//! | ErrorCode | meaning |
//! |---|---|
//! | 12000 | a required property is missing or invalid (a subscriber's `EmailAddress`, a list's `ListName`, a row's primary-key columns, ...) |
//! | 12001 | the object to update, delete or start does not exist |
//! | 12002 | the fake does not support this action on this object type |
//! | 12014 | the object exists already (a `SubscriberKey`, a list's `CustomerKey`, a row's primary key) |

use std::collections::HashMap;

use super::retrieve::RetrieveRequest;
use super::xml::Element;
use crate::testing::state::{Config, TokenRecord};
use crate::testing::util::{now_rfc3339, request_id};

/// A required property is missing or invalid.
pub(crate) const ERR_REQUIRED: i64 = 12000;
/// The object does not exist.
pub(crate) const ERR_NOT_FOUND: i64 = 12001;
/// The action is not supported on the object type.
pub(crate) const ERR_UNSUPPORTED: i64 = 12002;
/// The object exists already.
pub(crate) const ERR_EXISTS: i64 = 12014;

/// A SOAP object stored by the fake (a subscriber, list or automation): its text properties
/// (nested ones with dotted names, e.g. `Client.ID`) and, for subscribers, its attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SoapRecord {
    /// `Subscriber`, `List` or `Automation`.
    pub object_type: String,
    /// Property name → text, in the order first set.
    pub properties: Vec<(String, String)>,
    /// Subscriber `Attributes` (`Name` → `Value`), in the order first set.
    pub attributes: Vec<(String, String)>,
}

impl SoapRecord {
    /// An object of `object_type` without properties.
    pub(super) fn new(object_type: &str) -> Self {
        SoapRecord {
            object_type: object_type.to_owned(),
            properties: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// A property's text (name case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        find(&self.properties, name)
    }

    /// An attribute's text (name case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        find(&self.attributes, name)
    }

    /// Sets a property (name case-insensitive), or adds it.
    pub(super) fn set(&mut self, name: &str, value: &str) {
        set(&mut self.properties, name, value);
    }
}

/// The value of the first pair named `name` (case-insensitive).
pub(super) fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Sets the pair named `name` (case-insensitive), or appends it.
pub(super) fn set(pairs: &mut Vec<(String, String)>, name: &str, value: &str) {
    match pairs.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        Some(pair) => pair.1 = value.to_owned(),
        None => pairs.push((name.to_owned(), value.to_owned())),
    }
}

/// A start of an automation, recorded by the fake.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AutomationRun {
    /// The automation's `CustomerKey`.
    pub customer_key: String,
    /// The automation's `ObjectID`.
    pub object_id: String,
    /// The automation's `Name`.
    pub name: String,
    /// The MID of the business unit of the token that started it.
    pub account_id: u64,
    /// The client id of the package whose token started it.
    pub client_id: String,
}

/// SOAP state.
#[derive(Default)]
pub(crate) struct SoapState {
    /// Subscribers, in the order created.
    pub subscribers: Vec<SoapRecord>,
    /// Lists, in the order created.
    pub lists: Vec<SoapRecord>,
    /// Automations, in the order added.
    pub automations: Vec<SoapRecord>,
    /// Every start of an automation, in order.
    pub automation_runs: Vec<AutomationRun>,
    /// Retrieve results still to hand out, by `RequestID`.
    pub continuations: HashMap<String, Vec<OutObject>>,
    /// The last `ID` handed out.
    pub next_id: u64,
    /// Triggered send definitions and sends ([`super::triggered_sends`]).
    pub triggered: super::triggered_sends::TriggeredStore,
    /// Tracking events ([`super::tracking`]).
    pub tracking: super::tracking::TrackingStore,
    /// The account's folders ([`super::data_extension_schema`]).
    pub folders: crate::testing::model::data_extensions::Folders,
}

impl SoapState {
    /// The next `ID` for a subscriber or list.
    pub(super) fn next_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    /// Adds an automation; returns its `ObjectID`.
    pub fn add_automation(&mut self, customer_key: &str, name: &str) -> String {
        let object_id = request_id();
        let now = now_rfc3339();
        let mut r = SoapRecord::new("Automation");
        for (k, v) in [
            ("ObjectID", object_id.as_str()),
            ("CustomerKey", customer_key),
            ("Name", name),
            ("Description", ""),
            ("Status", "2"),
            ("IsActive", "true"),
            ("CreatedDate", &now),
            ("ModifiedDate", &now),
        ] {
            r.set(k, v);
        }
        self.automations.retain(|a| a.get("CustomerKey") != Some(customer_key));
        self.automations.push(r);
        object_id
    }

    /// Adds a subscriber as SOAP Create would; returns its `ID`.
    pub fn add_subscriber(&mut self, subscriber_key: &str, email: &str) -> String {
        let id = self.next_id();
        let mut r = SoapRecord::new("Subscriber");
        for (k, v) in [
            ("ID", id.as_str()),
            ("SubscriberKey", subscriber_key),
            ("EmailAddress", email),
            ("Status", "Active"),
            ("CreatedDate", &now_rfc3339()),
        ] {
            r.set(k, v);
        }
        self.subscribers
            .retain(|s| s.get("SubscriberKey") != Some(subscriber_key));
        self.subscribers.push(r);
        id
    }
}

/// What a handler needs besides the state.
pub(crate) struct Context<'a> {
    /// The fake's configuration (the Retrieve page size).
    pub config: &'a Config,
    /// The token of the request (its MID and client id).
    pub token: &'a TokenRecord,
}

/// An object as answered: `xsi:type`, text properties, and a row's `Properties`.
#[derive(Clone, Debug)]
pub(crate) struct OutObject {
    /// The `xsi:type` written on the element.
    pub xsi_type: String,
    /// Text properties, dotted names nested (`Client.ID`).
    pub props: Vec<(String, String)>,
    /// A data extension row's `Properties` (`Name`/`Value`), after the text properties.
    pub row: Option<Vec<(String, String)>>,
}

impl OutObject {
    /// A stored object with all its properties.
    pub(super) fn of(record: &SoapRecord) -> OutObject {
        OutObject {
            xsi_type: record.object_type.clone(),
            props: record.properties.clone(),
            row: None,
        }
    }
}

/// The result of one object of a Create, Update, Delete or Perform.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// The `StatusMessage`.
    pub message: String,
    /// The `ErrorCode`; `None`: OK.
    pub error_code: Option<i64>,
    /// The `NewID` of a created subscriber or list.
    pub new_id: Option<String>,
    /// The `Object` echoed back.
    pub object: Option<OutObject>,
}

impl Outcome {
    /// A success.
    pub(super) fn ok(message: impl Into<String>, object: Option<OutObject>) -> Self {
        Outcome {
            message: message.into(),
            error_code: None,
            new_id: None,
            object,
        }
    }

    /// A failure with one of the fake's `ErrorCode`s.
    pub(super) fn error(code: i64, message: impl Into<String>) -> Self {
        Outcome {
            message: message.into(),
            error_code: Some(code),
            new_id: None,
            object: None,
        }
    }
}

/// Why one object failed: a small error for `Result`s, turned into an [`Outcome`].
#[derive(Debug)]
pub(crate) struct Failure {
    code: i64,
    message: String,
}

impl Failure {
    /// A failure with one of the fake's `ErrorCode`s.
    pub(super) fn new(code: i64, message: impl Into<String>) -> Self {
        Failure {
            code,
            message: message.into(),
        }
    }
}

impl From<Failure> for Outcome {
    fn from(f: Failure) -> Self {
        Outcome::error(f.code, f.message)
    }
}

/// An object of a request: its type, its text properties (nested ones flattened with dots),
/// and the name–value lists MC uses (`Attributes`, `Properties/Property`, `Keys/Key`).
#[derive(Clone, Debug, Default)]
pub(crate) struct InObject {
    /// The `xsi:type`, when present and not blank.
    pub object_type: Option<String>,
    /// Text properties; nested ones flattened with dots (`Client.ID`).
    pub props: Vec<(String, String)>,
    /// A subscriber's `Attributes` (`Name`/`Value`).
    pub attributes: Vec<(String, String)>,
    /// A row's `Properties/Property` (`Name`/`Value`).
    pub properties: Vec<(String, String)>,
    /// A row's `Keys/Key` (`Name`/`Value`).
    pub keys: Vec<(String, String)>,
    /// A `TriggeredSend`'s `Subscribers`, each read as an object.
    pub subscribers: Vec<InObject>,
    /// A `DataExtension`'s `Fields/Field`s, each read as an object.
    pub fields: Vec<InObject>,
}

impl InObject {
    fn parse(el: &Element) -> InObject {
        let mut o = InObject {
            object_type: el.xsi_type.clone().filter(|t| !t.trim().is_empty()),
            ..Default::default()
        };
        for c in &el.children {
            match c.name.as_str() {
                "Attributes" => {
                    if let Some(name) = c.child_text("Name").map(str::trim).filter(|n| !n.is_empty()) {
                        o.attributes
                            .push((name.to_owned(), c.child_text("Value").unwrap_or("").to_owned()));
                    }
                }
                "Properties" => o.properties.extend(name_values(c, "Property")),
                "Keys" => o.keys.extend(name_values(c, "Key")),
                "Subscribers" => o.subscribers.push(InObject::parse(c)),
                "Fields" => o.fields.extend(c.children_named("Field").map(InObject::parse)),
                _ => flatten(c, "", &mut o.props),
            }
        }
        o
    }

    /// A property, present or not (name case-insensitive).
    pub(super) fn prop(&self, name: &str) -> Option<&str> {
        find(&self.props, name)
    }

    /// A property that is present and not blank.
    pub(super) fn non_empty(&self, name: &str) -> Option<&str> {
        self.prop(name).filter(|v| !v.trim().is_empty())
    }
}

fn flatten(el: &Element, prefix: &str, out: &mut Vec<(String, String)>) {
    let name = format!("{prefix}{}", el.name);
    if el.children.is_empty() {
        out.push((name, el.text.clone()));
    } else {
        for c in &el.children {
            flatten(c, &format!("{name}."), out);
        }
    }
}

/// Name–value pairs of repeated `<item><Name/><Value/></item>` children of `el`.
pub(super) fn name_values(el: &Element, item: &str) -> Vec<(String, String)> {
    el.children_named(item)
        .filter_map(|p| {
            let name = p.child_text("Name")?.trim().to_owned();
            (!name.is_empty()).then(|| (name, p.child_text("Value").unwrap_or("").to_owned()))
        })
        .collect()
}

/// The data extension a `DataExtensionObject[X]` or a row's `CustomerKey` / `Name` means: by
/// external key first, then by name.
pub(super) fn find_data_extension_key(rows: &crate::testing::state::Rows, wanted: &str) -> Option<String> {
    if rows.data_extensions.contains_key(wanted) {
        return Some(wanted.to_owned());
    }
    rows.data_extensions
        .iter()
        .find(|(_, de)| de.name == wanted)
        .map(|(k, _)| k.clone())
}

/// A parsed SOAP request.
#[derive(Debug)]
pub(crate) enum Request {
    /// A `RetrieveRequestMsg`.
    Retrieve(RetrieveRequest),
    /// A `CreateRequest`, `UpdateRequest` or `DeleteRequest`.
    Write {
        /// `Create`, `Update` or `Delete`.
        action: &'static str,
        /// The `Objects`, in order.
        objects: Vec<InObject>,
    },
    /// A `ScheduleRequestMsg` (its `Interactions`) or `ConfigureRequestMsg` (its
    /// `Configurations`): actions the fake does not model, answered per object.
    Unmodeled {
        /// `Schedule` or `Configure`.
        action: &'static str,
        /// The objects, in order.
        objects: Vec<InObject>,
    },
    /// A `DefinitionRequestMsg` (Describe) of one object type.
    Describe {
        /// The `ObjectType` asked for.
        object_type: String,
    },
    /// A `PerformRequestMsg`.
    Perform {
        /// The `Action` (`start`, ...).
        action: String,
        /// The `Definitions/Definition`s, in order.
        definitions: Vec<InObject>,
    },
}

impl Request {
    /// Reads the body element of `action`; an error is answered with a fault.
    pub fn parse(action: &'static str, message: &Element) -> Result<Request, String> {
        match action {
            "Retrieve" => RetrieveRequest::parse(message).map(Request::Retrieve),
            "Describe" => {
                let object_type = message
                    .child("DescribeRequests")
                    .and_then(|d| d.child("ObjectDefinitionRequest"))
                    .and_then(|r| r.child_text("ObjectType"))
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .ok_or("A DefinitionRequestMsg needs DescribeRequests/ObjectDefinitionRequest/ObjectType.")?
                    .to_owned();
                Ok(Request::Describe { object_type })
            }
            "Schedule" | "Configure" => {
                let (list, item) = if action == "Schedule" {
                    ("Interactions", "Interaction")
                } else {
                    ("Configurations", "Configuration")
                };
                message
                    .child_text("Action")
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| format!("A {action} request needs an Action."))?;
                let objects = message
                    .child(list)
                    .map(|d| d.children_named(item).map(InObject::parse).collect())
                    .unwrap_or_default();
                Ok(Request::Unmodeled { action, objects })
            }
            "Perform" => {
                let perform_action = message
                    .child_text("Action")
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .ok_or("A PerformRequestMsg needs an Action.")?
                    .to_owned();
                let definitions = message
                    .child("Definitions")
                    .map(|d| d.children_named("Definition").map(InObject::parse).collect())
                    .unwrap_or_default();
                Ok(Request::Perform {
                    action: perform_action,
                    definitions,
                })
            }
            _ => Ok(Request::Write {
                action,
                objects: message.children_named("Objects").map(InObject::parse).collect(),
            }),
        }
    }

    /// The object types the request touches (for the scope check).
    pub fn object_types(&self) -> Vec<String> {
        match self {
            Request::Retrieve(r) => vec![r.object_type.clone()],
            Request::Write { objects, .. } => objects.iter().filter_map(|o| o.object_type.clone()).collect(),
            Request::Perform { definitions, .. } => definitions.iter().filter_map(|o| o.object_type.clone()).collect(),
            Request::Unmodeled { objects, .. } => objects.iter().filter_map(|o| o.object_type.clone()).collect(),
            Request::Describe { object_type } => vec![object_type.clone()],
        }
    }
}
