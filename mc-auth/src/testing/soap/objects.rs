//! The SOAP objects the fake keeps, and the pieces Retrieve
//! ([`retrieve`](super::retrieve)), Create, Update, Delete
//! ([`create_update_delete`](super::create_update_delete)) and Perform
//! ([`perform`](super::perform)) share: stored records, a request's objects as read, and the
//! per-object results.
//!
//! Which object types and actions the fake models, and what each per-object `ErrorCode`
//! means, is documented once, under **SOAP** in the [`testing`](crate::testing) module docs.

use std::collections::HashMap;

use super::retrieve::RetrieveRequest;
use super::xml::Element;
use crate::testing::state::{Config, TokenRecord};

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

    /// The MID of the business unit that owns it (its `Client.ID`), when it has one: a
    /// Retrieve returns it only to tokens that may read that unit.
    pub fn owner(&self) -> Option<u64> {
        self.get("Client.ID").and_then(|v| v.trim().parse().ok())
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

/// SOAP state (subscribers and lists are in the model, [`State::audience`]).
#[derive(Default)]
pub(crate) struct SoapState {
    /// Automation Studio: automations, runs, query activities, imports, tasks
    /// ([`model::automation`](crate::testing::model::automation)).
    pub automation: crate::testing::model::automation::AutomationStore,
    /// Retrieve results still to hand out, by `RequestID`.
    pub continuations: HashMap<String, Vec<OutObject>>,
    /// Triggered send definitions and sends ([`super::triggered_sends`]).
    pub triggered: super::triggered_sends::TriggeredStore,
    /// Tracking events ([`super::tracking`]).
    pub tracking: super::tracking::TrackingStore,
    /// The account's folders ([`super::data_extension_schema`]).
    pub folders: crate::testing::model::data_extensions::Folders,
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
    /// The `NewObjectID` of a created object MC identifies by a GUID (a query or import
    /// definition).
    pub new_object_id: Option<String>,
    /// The `Task/ID` of a started activity.
    pub task_id: Option<String>,
}

impl Outcome {
    /// A success.
    pub(super) fn ok(message: impl Into<String>, object: Option<OutObject>) -> Self {
        Outcome {
            message: message.into(),
            error_code: None,
            new_id: None,
            object,
            new_object_id: None,
            task_id: None,
        }
    }

    /// A failure with one of the fake's `ErrorCode`s.
    pub(super) fn error(code: i64, message: impl Into<String>) -> Self {
        Outcome {
            message: message.into(),
            error_code: Some(code),
            new_id: None,
            object: None,
            new_object_id: None,
            task_id: None,
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
    /// The `xsi:type` of nested properties that carry one (an import's `DestinationObject`).
    pub types: Vec<(String, String)>,
    /// A subscriber's `Lists` (`ID`, `Status`), each read as an object.
    pub lists: Vec<InObject>,
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
                "Lists" => o.lists.push(InObject::parse(c)),
                _ => {
                    if let Some(t) = c.xsi_type.as_deref().filter(|t| !t.trim().is_empty()) {
                        o.types.push((c.name.clone(), t.to_owned()));
                    }
                    flatten(c, "", &mut o.props)
                }
            }
        }
        o
    }

    /// A property, present or not (name case-insensitive).
    pub(super) fn prop(&self, name: &str) -> Option<&str> {
        find(&self.props, name)
    }

    /// The `xsi:type` of the nested property `name`, when it carries one.
    pub(super) fn type_of(&self, name: &str) -> Option<&str> {
        find(&self.types, name)
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
        /// A Create's `Options/SaveOptions` say `UpdateAdd` on `*`: update what exists.
        upsert: bool,
        /// The `Objects`, in order.
        objects: Vec<InObject>,
    },
    /// A `ScheduleRequestMsg` (its `Interactions`) or `ConfigureRequestMsg` (its
    /// `Configurations`): actions the fake does not model, answered per object.
    Unmodeled {
        /// `Schedule` or `Configure`.
        action: &'static str,
        /// The request's own `Action` (`pause`, `start`, `create`, ...).
        verb: String,
        /// The objects, in order.
        objects: Vec<InObject>,
    },
    /// A `DefinitionRequestMsg` (Describe) of one object type.
    Describe {
        /// The `ObjectType` asked for.
        object_type: String,
    },
    /// An `ExecuteRequestMsg`: its `Requests`, each a `Name` and its `Parameters`.
    Execute {
        /// (`Name`, `Parameters`), in order.
        requests: Vec<(String, Vec<(String, String)>)>,
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
                let verb = message
                    .child_text("Action")
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .ok_or_else(|| format!("A {action} request needs an Action."))?
                    .to_owned();
                let objects = message
                    .child(list)
                    .map(|d| d.children_named(item).map(InObject::parse).collect())
                    .unwrap_or_default();
                Ok(Request::Unmodeled { action, verb, objects })
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
            "Execute" => {
                let requests: Vec<(String, Vec<(String, String)>)> = message
                    .children_named("Requests")
                    .map(|r| {
                        let name = r.child_text("Name").map(str::trim).unwrap_or("").to_owned();
                        (name, name_values(r, "Parameters"))
                    })
                    .collect();
                if requests.is_empty() || requests.iter().any(|(n, _)| n.is_empty()) {
                    return Err("An ExecuteRequestMsg needs Requests, each with a Name.".to_owned());
                }
                Ok(Request::Execute { requests })
            }
            _ => Ok(Request::Write {
                action,
                upsert: action == "Create" && save_options_upsert(message)?,
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
            Request::Execute { requests } => requests.iter().map(|(n, _)| n.clone()).collect(),
        }
    }
}

/// Reads a Create's `Options/SaveOptions`: true when one says `UpdateAdd` on `*` (MC's
/// upsert). A `SaveAction` MC does not define is an error (answered with a fault).
fn save_options_upsert(message: &Element) -> Result<bool, String> {
    let Some(options) = message.child("Options").and_then(|o| o.child("SaveOptions")) else {
        return Ok(false);
    };
    let mut upsert = false;
    for o in options.children_named("SaveOption") {
        let property = o.child_text("PropertyName").unwrap_or("").trim();
        let action = o.child_text("SaveAction").unwrap_or("").trim();
        if !["UpdateAdd", "AddOnly", "UpdateOnly", "Nothing", "Default", "Delete"].contains(&action) {
            return Err(format!(
                "The SaveAction `{action}` is not one of AddOnly, Default, Delete, Nothing, UpdateAdd, UpdateOnly."
            ));
        }
        upsert |= property == "*" && action == "UpdateAdd";
    }
    Ok(upsert)
}
