//! The SOAP objects the fake keeps, and what Retrieve, Create, Update, Delete and Perform do
//! with them.
//!
//! | object type | Retrieve | Create | Update | Delete | Perform |
//! |---|---|---|---|---|---|
//! | `DataExtension` | yes | | | | |
//! | `DataExtensionObject[name or key]` | yes (the rows of that data extension, the same rows as REST) | yes | yes | yes | |
//! | `Subscriber` | yes | yes | yes | yes | |
//! | `List` | yes | yes | | | |
//! | `Automation` | yes | | | | `start` |
//!
//! **Retrieve** returns the requested `Properties` (at least one) of every object matching the
//! optional filter: a `SimpleFilterPart` (`equals notEquals greaterThan greaterThanOrEqual
//! lessThan lessThanOrEqual like IN between isNull isNotNull`) or a `ComplexFilterPart` of two
//! (`AND` / `OR`), compared as in the REST filters (case-insensitive, numbers as numbers).
//! Results come [`soap_page_size`](super::FakeMarketingCloudBuilder::soap_page_size) at a time
//! (default 2,500): `OverallStatus` `MoreDataAvailable` with a `RequestID` to pass as
//! `ContinueRequest`, then `OK` on the last page. A property the object type does not have
//! (neither one of MC's usual ones nor one set on a stored object, or for rows not a column)
//! gives `OverallStatus` `Error: The Request Property(s) X do not match with the fields of T
//! retrieve`; an object type the fake does not serve gives `Error: Unable to find the object
//! type T.` (no fault: MC reports both in the `OverallStatus`). For
//! `DataExtensionObject[X]`, `X` is matched against the data extensions' external keys first,
//! then their names (MC itself uses the name here).
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
//!
//! Subscribers are identified by `SubscriberKey` (it defaults to the `EmailAddress` on
//! Create), else `ID`, else `EmailAddress`; their `Attributes` (`Name`/`Value`) are kept. Rows
//! are identified by a `Keys` list (`Key` `Name`/`Value`) or else the data extension's
//! primary-key columns among the `Properties`. Automations are added with
//! [`add_automation`](super::FakeMarketingCloud::add_automation) and started by
//! `CustomerKey` or `ObjectID`; each start is recorded
//! ([`automation_runs`](super::FakeMarketingCloud::automation_runs)).

use std::cmp::Ordering;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::data_extensions::{text_of, DataExtension, DataExtensionRow};
use super::filter::{compare, Filter, Op};
use super::soap::{base_type, name_values};
use super::state::{Config, State, TokenRecord};
use super::util::{now_rfc3339, request_id};
use crate::soap::xml::Element;

/// A required property is missing or invalid.
pub(crate) const ERR_REQUIRED: i64 = 12000;
/// The object does not exist.
pub(crate) const ERR_NOT_FOUND: i64 = 12001;
/// The action is not supported on the object type.
pub(crate) const ERR_UNSUPPORTED: i64 = 12002;
/// The object exists already.
pub(crate) const ERR_EXISTS: i64 = 12014;

const SUBSCRIBER_PROPERTIES: &[&str] = &[
    "ID",
    "ObjectID",
    "PartnerKey",
    "CreatedDate",
    "Client.ID",
    "EmailAddress",
    "SubscriberKey",
    "Status",
    "UnsubscribedDate",
    "EmailTypePreference",
];
const LIST_PROPERTIES: &[&str] = &[
    "ID",
    "ObjectID",
    "PartnerKey",
    "CustomerKey",
    "ListName",
    "Description",
    "Category",
    "Type",
    "ListClassification",
    "CreatedDate",
    "ModifiedDate",
    "Client.ID",
];
const AUTOMATION_PROPERTIES: &[&str] = &[
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "Status",
    "IsActive",
    "CreatedDate",
    "ModifiedDate",
    "Client.ID",
];
const DATA_EXTENSION_PROPERTIES: &[&str] = &[
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "IsSendable",
    "IsTestable",
    "CategoryID",
    "CreatedDate",
    "ModifiedDate",
    "Client.ID",
];

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
    fn new(object_type: &str) -> Self {
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

    fn set(&mut self, name: &str, value: &str) {
        set(&mut self.properties, name, value);
    }
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn set(pairs: &mut Vec<(String, String)>, name: &str, value: &str) {
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
    pub subscribers: Vec<SoapRecord>,
    pub lists: Vec<SoapRecord>,
    pub automations: Vec<SoapRecord>,
    pub automation_runs: Vec<AutomationRun>,
    /// Retrieve results still to hand out, by `RequestID`.
    pub continuations: HashMap<String, Vec<OutObject>>,
    pub next_id: u64,
}

impl SoapState {
    fn next_id(&mut self) -> String {
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
    pub config: &'a Config,
    pub token: &'a TokenRecord,
}

/// An object as answered: `xsi:type`, text properties, and a row's `Properties`.
#[derive(Clone, Debug)]
pub(crate) struct OutObject {
    pub xsi_type: String,
    pub props: Vec<(String, String)>,
    pub row: Option<Vec<(String, String)>>,
}

impl OutObject {
    fn of(record: &SoapRecord) -> OutObject {
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
    pub message: String,
    /// `None`: OK.
    pub error_code: Option<i64>,
    pub new_id: Option<String>,
    pub object: Option<OutObject>,
}

impl Outcome {
    fn ok(message: impl Into<String>, object: Option<OutObject>) -> Self {
        Outcome {
            message: message.into(),
            error_code: None,
            new_id: None,
            object,
        }
    }

    fn error(code: i64, message: impl Into<String>) -> Self {
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
    fn new(code: i64, message: impl Into<String>) -> Self {
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
    pub object_type: Option<String>,
    pub props: Vec<(String, String)>,
    pub attributes: Vec<(String, String)>,
    pub properties: Vec<(String, String)>,
    pub keys: Vec<(String, String)>,
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
                _ => flatten(c, "", &mut o.props),
            }
        }
        o
    }

    fn prop(&self, name: &str) -> Option<&str> {
        find(&self.props, name)
    }

    /// A property that is present and not blank.
    fn non_empty(&self, name: &str) -> Option<&str> {
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

/// A parsed Retrieve.
#[derive(Debug)]
pub(crate) struct RetrieveRequest {
    pub object_type: String,
    pub properties: Vec<String>,
    /// The filter, or why it cannot be used.
    pub filter: Option<Result<Filter, String>>,
    pub continue_request: Option<String>,
}

/// A parsed SOAP request.
#[derive(Debug)]
pub(crate) enum Request {
    Retrieve(RetrieveRequest),
    Write {
        action: &'static str,
        objects: Vec<InObject>,
    },
    Perform {
        action: String,
        definitions: Vec<InObject>,
    },
}

impl Request {
    /// Reads the body element of `action`; an error is answered with a fault.
    pub fn parse(action: &'static str, message: &Element) -> Result<Request, String> {
        match action {
            "Retrieve" => {
                let r = message
                    .child("RetrieveRequest")
                    .ok_or("A RetrieveRequestMsg needs a RetrieveRequest.")?;
                let object_type = r
                    .child_text("ObjectType")
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .ok_or("A RetrieveRequest needs an ObjectType.")?
                    .to_owned();
                Ok(Request::Retrieve(RetrieveRequest {
                    object_type,
                    properties: r
                        .children_named("Properties")
                        .map(|p| p.text.trim().to_owned())
                        .filter(|p| !p.is_empty())
                        .collect(),
                    filter: r.child("Filter").map(parse_filter),
                    continue_request: r
                        .child_text("ContinueRequest")
                        .map(|c| c.trim().to_owned())
                        .filter(|c| !c.is_empty()),
                }))
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
        }
    }
}

/// A `SimpleFilterPart` or `ComplexFilterPart`.
fn parse_filter(el: &Element) -> Result<Filter, String> {
    let complex = el.xsi_type.as_deref() == Some("ComplexFilterPart") || el.child("LeftOperand").is_some();
    if complex {
        let left = el
            .child("LeftOperand")
            .ok_or("a ComplexFilterPart needs a LeftOperand")?;
        let right = el
            .child("RightOperand")
            .ok_or("a ComplexFilterPart needs a RightOperand")?;
        let (l, r) = (Box::new(parse_filter(left)?), Box::new(parse_filter(right)?));
        return match el
            .child_text("LogicalOperator")
            .map(|o| o.trim().to_ascii_uppercase())
            .as_deref()
        {
            Some("AND") => Ok(Filter::And(l, r)),
            Some("OR") => Ok(Filter::Or(l, r)),
            other => Err(format!("unsupported LogicalOperator {}", other.unwrap_or("(none)"))),
        };
    }
    let property = el
        .child_text("Property")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .ok_or("a SimpleFilterPart needs a Property")?;
    let operator = el.child_text("SimpleOperator").unwrap_or("").trim();
    let op = Op::from_soap(operator).ok_or_else(|| format!("unsupported SimpleOperator `{operator}`"))?;
    let values: Vec<String> = el
        .children
        .iter()
        .filter(|c| c.name == "Value" || c.name == "DateValue")
        .map(|c| c.text.clone())
        .collect();
    let needed = match op {
        Op::IsNull | Op::IsNotNull => 0,
        Op::Between => 2,
        _ => 1,
    };
    if values.len() < needed {
        return Err(format!("the `{operator}` filter on {property} needs {needed} value(s)"));
    }
    Ok(Filter::compare(property, op, values))
}

// Retrieve.

/// One page of a Retrieve.
pub(crate) struct RetrievePage {
    pub objects: Vec<OutObject>,
    pub more: bool,
    /// Set when there is a continuation.
    pub request_id: Option<String>,
}

/// Answers a Retrieve; `Err` is the `OverallStatus` (`Error: ...`).
pub(crate) fn retrieve(state: &mut State, ctx: &Context<'_>, req: &RetrieveRequest) -> Result<RetrievePage, String> {
    let page_size = ctx.config.soap_page_size.max(1);
    if let Some(id) = &req.continue_request {
        let Some(remaining) = state.soap.continuations.get_mut(id) else {
            return Err(format!("Error: The ContinueRequest `{id}` is unknown or used up."));
        };
        let n = page_size.min(remaining.len());
        let objects: Vec<OutObject> = remaining.drain(..n).collect();
        let more = !remaining.is_empty();
        if !more {
            state.soap.continuations.remove(id);
        }
        return Ok(RetrievePage {
            objects,
            more,
            request_id: Some(id.clone()),
        });
    }
    let filter = match &req.filter {
        None => None,
        Some(Ok(f)) => Some(f),
        Some(Err(problem)) => return Err(format!("Error: The filter is not supported: {problem}.")),
    };
    if req.properties.is_empty() {
        return Err("Error: A RetrieveRequest needs at least one Properties element.".to_owned());
    }
    let mut all = match base_type(&req.object_type) {
        "Subscriber" => records(
            &state.soap.subscribers,
            SUBSCRIBER_PROPERTIES,
            "Subscriber",
            req,
            filter,
        )?,
        "List" => records(&state.soap.lists, LIST_PROPERTIES, "List", req, filter)?,
        "Automation" => records(
            &state.soap.automations,
            AUTOMATION_PROPERTIES,
            "Automation",
            req,
            filter,
        )?,
        "DataExtension" => {
            let des: Vec<SoapRecord> = state
                .data_extensions
                .iter()
                .map(|(key, de)| data_extension_record(key, de, ctx.token.account_id))
                .collect();
            records(&des, DATA_EXTENSION_PROPERTIES, "DataExtension", req, filter)?
        }
        "DataExtensionObject" => rows(state, req, filter)?,
        _ => return Err(format!("Error: Unable to find the object type {}.", req.object_type)),
    };
    if all.len() <= page_size {
        return Ok(RetrievePage {
            objects: all,
            more: false,
            request_id: None,
        });
    }
    let rest = all.split_off(page_size);
    let id = request_id();
    state.soap.continuations.insert(id.clone(), rest);
    Ok(RetrievePage {
        objects: all,
        more: true,
        request_id: Some(id),
    })
}

fn unknown_properties(requested: &[String], known: impl Fn(&str) -> bool, object_type: &str) -> Result<(), String> {
    let unknown: Vec<&str> = requested.iter().map(String::as_str).filter(|p| !known(p)).collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Error: The Request Property(s) {} do not match with the fields of {object_type} retrieve",
            unknown.join(", ")
        ))
    }
}

fn records(
    records: &[SoapRecord],
    known: &[&str],
    object_type: &str,
    req: &RetrieveRequest,
    filter: Option<&Filter>,
) -> Result<Vec<OutObject>, String> {
    let is_known =
        |p: &str| known.iter().any(|k| k.eq_ignore_ascii_case(p)) || records.iter().any(|r| r.get(p).is_some());
    unknown_properties(&req.properties, is_known, object_type)?;
    Ok(records
        .iter()
        .filter(|r| filter.is_none_or(|f| f.matches(&|p| r.get(p).map(str::to_owned))))
        .map(|r| OutObject {
            xsi_type: object_type.to_owned(),
            props: req
                .properties
                .iter()
                .filter_map(|p| Some((p.clone(), r.get(p)?.to_owned())))
                .collect(),
            row: None,
        })
        .collect())
}

fn data_extension_record(key: &str, de: &DataExtension, account_id: u64) -> SoapRecord {
    let mut r = SoapRecord::new("DataExtension");
    for (k, v) in [
        ("ObjectID", de.object_id.as_str()),
        ("CustomerKey", key),
        ("Name", &de.name),
        ("Description", ""),
        ("IsSendable", "false"),
        ("IsTestable", "false"),
        ("CreatedDate", &de.created),
        ("ModifiedDate", &de.created),
        ("Client.ID", &account_id.to_string()),
    ] {
        r.set(k, v);
    }
    r
}

/// The data extension a `DataExtensionObject[X]` or a row's `CustomerKey` / `Name` means: by
/// external key first, then by name.
fn find_data_extension_key(state: &State, wanted: &str) -> Option<String> {
    if state.data_extensions.contains_key(wanted) {
        return Some(wanted.to_owned());
    }
    state
        .data_extensions
        .iter()
        .find(|(_, de)| de.name == wanted)
        .map(|(k, _)| k.clone())
}

fn rows(state: &State, req: &RetrieveRequest, filter: Option<&Filter>) -> Result<Vec<OutObject>, String> {
    let t = req.object_type.trim();
    let wanted = t
        .find('[')
        .filter(|_| t.ends_with(']'))
        .map(|i| &t[i + 1..t.len() - 1])
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            format!("Error: Unable to find the object type {t}: name the data extension as DataExtensionObject[name].")
        })?;
    let de = find_data_extension_key(state, wanted)
        .and_then(|k| state.data_extensions.get(&k))
        .ok_or_else(|| format!("Error: Unable to find the object type {t}: no such data extension."))?;
    if !de.columns.is_empty() {
        unknown_properties(&req.properties, |p| de.has_column(p), "DataExtensionObject")?;
    }
    Ok(de
        .rows
        .iter()
        .filter(|r| filter.is_none_or(|f| f.matches(&|c| r.get(c))))
        .map(|r| OutObject {
            xsi_type: "DataExtensionObject".to_owned(),
            props: Vec::new(),
            row: Some(
                req.properties
                    .iter()
                    .map(|p| (p.clone(), r.get(p).unwrap_or_default()))
                    .collect(),
            ),
        })
        .collect())
}

// Create, Update, Delete.

/// Applies a Create, Update or Delete to each object, in order.
pub(crate) fn write(state: &mut State, ctx: &Context<'_>, action: &str, objects: &[InObject]) -> Vec<Outcome> {
    objects
        .iter()
        .map(|o| {
            let Some(object_type) = o.object_type.as_deref() else {
                return Outcome::error(ERR_UNSUPPORTED, "The object has no xsi:type.");
            };
            match (action, base_type(object_type)) {
                ("Create", "Subscriber") => create_subscriber(state, ctx, o),
                ("Update", "Subscriber") => update_subscriber(state, o),
                ("Delete", "Subscriber") => delete_subscriber(state, o),
                ("Create", "List") => create_list(state, ctx, o),
                ("Create", "DataExtensionObject") => create_row(state, o),
                ("Update", "DataExtensionObject") => update_rows(state, o),
                ("Delete", "DataExtensionObject") => delete_rows(state, o),
                (_, t) => Outcome::error(
                    ERR_UNSUPPORTED,
                    format!("The fake Marketing Cloud does not support {action} on {t}."),
                ),
            }
        })
        .collect()
}

fn check_email(email: Option<&str>) -> Result<String, Failure> {
    match email.map(str::trim) {
        None | Some("") => Err(Failure::new(ERR_REQUIRED, "EmailAddress is required.")),
        Some(e) if !e.contains('@') => Err(Failure::new(
            ERR_REQUIRED,
            format!("EmailAddress `{e}` is not a valid email address."),
        )),
        Some(e) => Ok(e.to_owned()),
    }
}

/// Properties the fake sets itself.
const READ_ONLY: &[&str] = &["ID", "ObjectID", "CreatedDate", "ModifiedDate", "Client.ID"];

fn copy_props(record: &mut SoapRecord, o: &InObject) {
    for (k, v) in &o.props {
        if !READ_ONLY.iter().any(|r| r.eq_ignore_ascii_case(k)) {
            record.set(k, v);
        }
    }
    for (k, v) in &o.attributes {
        set(&mut record.attributes, k, v);
    }
}

fn create_subscriber(state: &mut State, ctx: &Context<'_>, o: &InObject) -> Outcome {
    let email = match check_email(o.prop("EmailAddress")) {
        Ok(e) => e,
        Err(failure) => return failure.into(),
    };
    let key = o.non_empty("SubscriberKey").unwrap_or(&email).to_owned();
    if state
        .soap
        .subscribers
        .iter()
        .any(|s| s.get("SubscriberKey") == Some(key.as_str()))
    {
        return Outcome::error(
            ERR_EXISTS,
            format!("A subscriber with SubscriberKey `{key}` already exists."),
        );
    }
    let id = state.soap.next_id();
    let mut r = SoapRecord::new("Subscriber");
    r.set("ID", &id);
    r.set("CreatedDate", &now_rfc3339());
    r.set("Client.ID", &ctx.token.account_id.to_string());
    r.set("Status", "Active");
    copy_props(&mut r, o);
    r.set("SubscriberKey", &key);
    let mut outcome = Outcome::ok("Created Subscriber.", Some(OutObject::of(&r)));
    outcome.new_id = Some(id);
    state.soap.subscribers.push(r);
    outcome
}

fn find_subscriber(state: &State, o: &InObject) -> Option<usize> {
    let subs = &state.soap.subscribers;
    for field in ["SubscriberKey", "ID", "EmailAddress"] {
        if let Some(v) = o.non_empty(field) {
            return subs.iter().position(|s| s.get(field) == Some(v));
        }
    }
    None
}

fn update_subscriber(state: &mut State, o: &InObject) -> Outcome {
    if o.prop("EmailAddress").is_some() {
        if let Err(failure) = check_email(o.prop("EmailAddress")) {
            return failure.into();
        }
    }
    let Some(i) = find_subscriber(state, o) else {
        return Outcome::error(ERR_NOT_FOUND, "The subscriber does not exist.");
    };
    let r = &mut state.soap.subscribers[i];
    copy_props(r, o);
    Outcome::ok("Updated Subscriber.", Some(OutObject::of(r)))
}

fn delete_subscriber(state: &mut State, o: &InObject) -> Outcome {
    let Some(i) = find_subscriber(state, o) else {
        return Outcome::error(ERR_NOT_FOUND, "The subscriber does not exist.");
    };
    let r = state.soap.subscribers.remove(i);
    Outcome::ok("Subscriber deleted.", Some(OutObject::of(&r)))
}

fn create_list(state: &mut State, ctx: &Context<'_>, o: &InObject) -> Outcome {
    if o.non_empty("ListName").is_none() {
        return Outcome::error(ERR_REQUIRED, "ListName is required.");
    }
    let object_id = request_id();
    let key = o.non_empty("CustomerKey").unwrap_or(&object_id).to_owned();
    if state
        .soap
        .lists
        .iter()
        .any(|l| l.get("CustomerKey") == Some(key.as_str()))
    {
        return Outcome::error(ERR_EXISTS, format!("A list with CustomerKey `{key}` already exists."));
    }
    let id = state.soap.next_id();
    let now = now_rfc3339();
    let mut r = SoapRecord::new("List");
    r.set("ID", &id);
    r.set("ObjectID", &object_id);
    r.set("Type", "Private");
    r.set("ListClassification", "ExactTargetList");
    r.set("CreatedDate", &now);
    r.set("ModifiedDate", &now);
    r.set("Client.ID", &ctx.token.account_id.to_string());
    copy_props(&mut r, o);
    r.set("CustomerKey", &key);
    let mut outcome = Outcome::ok("Created List.", Some(OutObject::of(&r)));
    outcome.new_id = Some(id);
    state.soap.lists.push(r);
    outcome
}

/// The data extension a row object names (`CustomerKey`, else `Name`).
fn row_target(state: &State, o: &InObject) -> Result<String, Failure> {
    let wanted = o
        .non_empty("CustomerKey")
        .or_else(|| o.non_empty("Name"))
        .ok_or_else(|| {
            Failure::new(
                ERR_REQUIRED,
                "A DataExtensionObject needs the CustomerKey (or Name) of its data extension.",
            )
        })?;
    Ok(find_data_extension_key(state, wanted).unwrap_or_else(|| wanted.to_owned()))
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

fn create_row(state: &mut State, o: &InObject) -> Outcome {
    let key = match row_target(state, o) {
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
    let de = state
        .data_extensions
        .entry(key.clone())
        .or_insert_with(|| DataExtension::new(&key));
    let row = de.split(&item);
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

fn update_rows(state: &mut State, o: &InObject) -> Outcome {
    let key = match row_target(state, o) {
        Ok(k) => k,
        Err(failure) => return failure.into(),
    };
    let Some(de) = state.data_extensions.get_mut(&key) else {
        return Outcome::error(ERR_NOT_FOUND, format!("No data extension `{key}` exists."));
    };
    let identity = match row_identity(de, o) {
        Ok(i) => i,
        Err(failure) => return failure.into(),
    };
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
    let key = match row_target(state, o) {
        Ok(k) => k,
        Err(failure) => return failure.into(),
    };
    let Some(de) = state.data_extensions.get_mut(&key) else {
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

// Perform.

/// Applies a Perform to each definition.
pub(crate) fn perform(state: &mut State, ctx: &Context<'_>, action: &str, definitions: &[InObject]) -> Vec<Outcome> {
    definitions
        .iter()
        .map(|d| match (d.object_type.as_deref().map(base_type), action) {
            (Some("Automation"), a) if a.eq_ignore_ascii_case("start") => start_automation(state, ctx, d),
            (Some(t), a) => Outcome::error(
                ERR_UNSUPPORTED,
                format!("The fake Marketing Cloud does not support Perform `{a}` on {t}."),
            ),
            (None, _) => Outcome::error(ERR_UNSUPPORTED, "The definition has no xsi:type."),
        })
        .collect()
}

fn start_automation(state: &mut State, ctx: &Context<'_>, d: &InObject) -> Outcome {
    let found = ["CustomerKey", "ObjectID"].iter().find_map(|field| {
        let v = d.non_empty(field)?;
        state.soap.automations.iter().find(|a| a.get(field) == Some(v))
    });
    let Some(automation) = found else {
        return Outcome::error(
            ERR_NOT_FOUND,
            "The automation does not exist (by CustomerKey or ObjectID).",
        );
    };
    let text = |f: &str| automation.get(f).unwrap_or("").to_owned();
    let run = AutomationRun {
        customer_key: text("CustomerKey"),
        object_id: text("ObjectID"),
        name: text("Name"),
        account_id: ctx.token.account_id,
        client_id: ctx.token.client_id.clone(),
    };
    let object = OutObject {
        xsi_type: "Automation".to_owned(),
        props: vec![
            ("ObjectID".to_owned(), run.object_id.clone()),
            ("CustomerKey".to_owned(), run.customer_key.clone()),
        ],
        row: None,
    };
    state.soap.automation_runs.push(run);
    Outcome::ok("Automation start requested.", Some(object))
}
