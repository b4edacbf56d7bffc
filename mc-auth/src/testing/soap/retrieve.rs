//! SOAP Retrieve: what `RetrieveRequestMsg` does with the fake's objects.
//!
//! **Retrieve** returns the requested `Properties` (at least one) of every object matching the
//! optional filter: a `SimpleFilterPart` (`equals notEquals greaterThan greaterThanOrEqual
//! lessThan lessThanOrEqual like IN between isNull isNotNull`) or a `ComplexFilterPart` of two
//! (`AND` / `OR`), compared as in the REST filters (case-insensitive, numbers as numbers).
//! Results come [`soap_page_size`](crate::testing::FakeMarketingCloudBuilder::soap_page_size)
//! at a time (default 2,500): `OverallStatus` `MoreDataAvailable` with a `RequestID` to pass as
//! `ContinueRequest`, then `OK` on the last page. A property the object type does not have
//! (neither one of MC's usual ones nor one set on a stored object, or for rows not a column)
//! gives `OverallStatus` `Error: The Request Property(s) X do not match with the fields of T
//! retrieve`; an object type the fake does not serve gives `Error: Unable to find the object
//! type T.` (no fault: MC reports both in the `OverallStatus`).
//!
//! **Business units.** Every stored object belongs to one unit (its `Client.ID`). A Retrieve
//! returns the objects of the token's own unit; with `QueryAllAccounts` `true` also those of
//! every unit below it; with `ClientIDs` (`<ClientIDs><ID>mid</ID></ClientIDs>`, any number)
//! only the units named among those (a child's token naming its parent or a sibling gets
//! nothing from them). A `ClientIDs/ID` that is not a number is a fault. For
//! `DataExtensionObject[X]`, `X` is matched against the data extensions' external keys first,
//! then their names (MC itself uses the name here).

use super::base_type;
use super::objects::{find_data_extension_key, Context, OutObject, SoapRecord};
use super::subscribers;
use super::xml::Element;
use crate::testing::data_extensions::DataExtension;
use crate::testing::filter::{Filter, Op};
use crate::testing::model::business_units::Reach;
use crate::testing::model::subscribers::Kind;
use crate::testing::state::State;
use crate::testing::util::request_id;

pub(super) const SUBSCRIBER_PROPERTIES: &[&str] = &[
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
pub(super) const LIST_PROPERTIES: &[&str] = &[
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
pub(super) const AUTOMATION_PROPERTIES: &[&str] = &[
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
pub(super) const DATA_EXTENSION_PROPERTIES: &[&str] = &[
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

/// A parsed Retrieve.
#[derive(Debug)]
pub(crate) struct RetrieveRequest {
    /// The `ObjectType` (`DataExtensionObject[key]` keeps its brackets).
    pub object_type: String,
    /// The requested `Properties`, blank ones dropped.
    pub properties: Vec<String>,
    /// The filter, or why it cannot be used.
    pub filter: Option<Result<Filter, String>>,
    /// The `ContinueRequest` of a later page.
    pub continue_request: Option<String>,
    /// Which business units: `ClientIDs`, `QueryAllAccounts`, or the token's own.
    pub reach: Reach,
}

impl RetrieveRequest {
    /// Reads a `RetrieveRequestMsg`; an error is answered with a fault.
    pub fn parse(message: &Element) -> Result<RetrieveRequest, String> {
        let r = message
            .child("RetrieveRequest")
            .ok_or("A RetrieveRequestMsg needs a RetrieveRequest.")?;
        let object_type = r
            .child_text("ObjectType")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or("A RetrieveRequest needs an ObjectType.")?
            .to_owned();
        Ok(RetrieveRequest {
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
            reach: parse_reach(r)?,
        })
    }
}

/// `ClientIDs` (each `<ClientIDs><ID>mid</ID></ClientIDs>`) and `QueryAllAccounts`; an ID that
/// is not a MID, or a `QueryAllAccounts` that is not a boolean, is answered with a fault.
fn parse_reach(r: &Element) -> Result<Reach, String> {
    let mut mids = Vec::new();
    for c in r.children_named("ClientIDs") {
        let text = c.child_text("ID").unwrap_or("").trim();
        let mid = text
            .parse::<u64>()
            .map_err(|_| format!("ClientIDs/ID `{text}` is not the MID (a number) of a business unit."))?;
        mids.push(mid);
    }
    if !mids.is_empty() {
        return Ok(Reach::Only(mids));
    }
    match r.child_text("QueryAllAccounts").map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(Reach::Own),
        Some(v) if v == "true" || v == "1" => Ok(Reach::All),
        Some(v) if v == "false" || v == "0" || v.is_empty() => Ok(Reach::Own),
        Some(v) => Err(format!("QueryAllAccounts `{v}` is not true or false.")),
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
    if let Some(bad) = el
        .children_named("DateValue")
        .find(|d| crate::testing::filter::instant(&d.text).is_none())
    {
        return Err(format!(
            "the DateValue `{}` on {property} is not a date-time (write 2026-01-05T08:30:00 or with an offset)",
            bad.text.trim()
        ));
    }
    let too_many = match op {
        Op::IsNull | Op::IsNotNull | Op::In => false,
        Op::Between => values.len() > 2,
        _ => values.len() > 1,
    };
    if too_many {
        return Err(format!(
            "the `{operator}` filter on {property} takes {} value(s), not {}",
            if op == Op::Between { 2 } else { 1 },
            values.len()
        ));
    }
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

/// One page of a Retrieve.
pub(crate) struct RetrievePage {
    /// The objects of this page.
    pub objects: Vec<OutObject>,
    /// True when more pages follow (`MoreDataAvailable`).
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
    let visible = state.business_units.visible(ctx.token.account_id, &req.reach);
    let q = Query {
        req,
        filter,
        visible: &visible,
    };
    let mut all = match base_type(&req.object_type) {
        "Subscriber" => q.records(
            &subscribers::records(state, Kind::Subscriber),
            SUBSCRIBER_PROPERTIES,
            "Subscriber",
        )?,
        "List" => q.records(&subscribers::records(state, Kind::List), LIST_PROPERTIES, "List")?,
        "ListSubscriber" => q.records(
            &subscribers::list_subscribers(state),
            subscribers::LIST_SUBSCRIBER_PROPERTIES,
            "ListSubscriber",
        )?,
        "BusinessUnit" => q.records(
            &subscribers::business_units(state),
            subscribers::BUSINESS_UNIT_PROPERTIES,
            "BusinessUnit",
        )?,
        t @ ("Automation"
        | "AutomationInstance"
        | "QueryDefinition"
        | "AsyncActivityStatus"
        | "ImportResultsSummary") => match super::automation::retrieve(state, ctx, t, &q) {
            Some(found) => found?,
            None => return Err(format!("Error: Unable to find the object type {}.", req.object_type)),
        },
        "DataExtension" => {
            let rows = state.rows();
            let des: Vec<SoapRecord> = rows
                .data_extensions
                .iter()
                .map(|(key, de)| data_extension_record(key, de, ctx.token.account_id))
                .collect();
            q.records(&des, DATA_EXTENSION_PROPERTIES, "DataExtension")?
        }
        "DataExtensionObject" => rows(state, req, filter)?,
        "DataExtensionField" => q.records(
            &super::data_extension_schema::field_records(state, ctx.token.account_id),
            super::data_extension_schema::FIELD_PROPERTIES,
            "DataExtensionField",
        )?,
        "DataFolder" => q.records(
            &super::data_extension_schema::folder_records(state, ctx.token.account_id),
            super::data_extension_schema::FOLDER_PROPERTIES,
            "DataFolder",
        )?,
        "TriggeredSendDefinition" => q.records(
            &state.soap.triggered.definitions,
            super::triggered_sends::DEFINITION_PROPERTIES,
            "TriggeredSendDefinition",
        )?,
        t @ ("SentEvent" | "OpenEvent" | "ClickEvent" | "BounceEvent" | "UnsubEvent" | "NotSentEvent") => {
            let known = super::tracking::properties(t).unwrap_or_default();
            q.records(state.soap.tracking.of(t), &known, t)?
        }
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

/// What every stored-object Retrieve applies: the properties asked for, the filter, and the
/// business units the token may read with this request's reach.
pub(super) struct Query<'a> {
    pub req: &'a RetrieveRequest,
    pub filter: Option<&'a Filter>,
    /// The MIDs this Retrieve reads ([`visible`](crate::testing::model::business_units::BusinessUnits::visible)).
    visible: &'a [u64],
}

impl Query<'_> {
    /// The requested properties of the `records` that match the filter and belong to a
    /// visible unit (a record without `Client.ID` belongs to every unit). This is the one
    /// place business-unit visibility is applied, for every object type.
    pub(super) fn records(
        &self,
        records: &[SoapRecord],
        known: &[&str],
        object_type: &str,
    ) -> Result<Vec<OutObject>, String> {
        let (req, filter) = (self.req, self.filter);
        let is_known =
            |p: &str| known.iter().any(|k| k.eq_ignore_ascii_case(p)) || records.iter().any(|r| r.get(p).is_some());
        unknown_properties(&req.properties, is_known, object_type)?;
        Ok(records
            .iter()
            .filter(|r| r.owner().is_none_or(|mid| self.visible.contains(&mid)))
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
}

fn data_extension_record(key: &str, de: &DataExtension, account_id: u64) -> SoapRecord {
    let mut r = SoapRecord::new("DataExtension");
    let category = de
        .category_id
        .unwrap_or(super::data_extension_schema::DATA_EXTENSION_ROOT)
        .to_string();
    for (k, v) in [
        ("ObjectID", de.object_id.as_str()),
        ("CustomerKey", key),
        ("Name", &de.name),
        ("Description", &de.description),
        ("IsSendable", if de.sendable.is_some() { "true" } else { "false" }),
        ("IsTestable", if de.is_testable { "true" } else { "false" }),
        ("CategoryID", &category),
        ("CreatedDate", &de.created),
        ("ModifiedDate", &de.created),
        ("Client.ID", &account_id.to_string()),
    ] {
        r.set(k, v);
    }
    r
}

fn rows(state: &State, req: &RetrieveRequest, filter: Option<&Filter>) -> Result<Vec<OutObject>, String> {
    let rows_lock = std::sync::Arc::clone(&state.rows);
    let rows = crate::testing::util::lock(&rows_lock);
    let t = req.object_type.trim();
    let wanted = t
        .find('[')
        .filter(|_| t.ends_with(']'))
        .map(|i| &t[i + 1..t.len() - 1])
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            format!("Error: Unable to find the object type {t}: name the data extension as DataExtensionObject[name].")
        })?;
    let de = find_data_extension_key(&rows, wanted)
        .and_then(|k| rows.data_extensions.get(&k))
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
