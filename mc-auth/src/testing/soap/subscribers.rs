//! The wire of subscribers, lists, list memberships, `LogUnsubEvent` and business units: SOAP
//! objects in and out of the model ([`model::subscribers`](crate::testing::model::subscribers),
//! [`model::business_units`](crate::testing::model::business_units)).
//!
//! | request | answer |
//! |---|---|
//! | Create `Subscriber` / `List` | created; a key that exists in the unit is `ErrorCode` 12014 |
//! | ... with `Options/SaveOptions/SaveOption` `*` `UpdateAdd` | created, or the existing one updated (no duplicate) |
//! | Update / Delete `Subscriber` | by `SubscriberKey`, else `ID`, else `EmailAddress`, in the token's unit; 12001 when missing |
//! | a subscriber's `Lists` (`ID`, `Status`) | its status on each list (`Active` when no status); an unknown list is 12001 |
//! | Retrieve `ListSubscriber` | one object per subscriber and list: `ListID`, `SubscriberKey`, `Status`, dates, `Client.ID` |
//! | Execute `LogUnsubEvent` (`SubscriberKey`/`EmailAddress`/`SubscriberID`, `JobID`, `ListID`, `BatchID`, `Reason`) | unsubscribes from the list (or from everything without `ListID`), logs an `UnsubEvent` that tracking Retrieves return, `StatusMessage` `Event posted`; failures per request with the model's `ErrorCode` |
//! | Execute of another name | `ErrorCode` 12002 (not modelled) |
//! | Retrieve `BusinessUnit` | `ID`, `Name`, `ParentID`, `ParentName`, `CustomerKey`, `AccountType`, `IsActive`, `Client.ID`; which units are returned follows the same reach as every Retrieve |

use time::OffsetDateTime;

use super::objects::{InObject, OutObject, Outcome, SoapRecord, ERR_UNSUPPORTED};
use super::tracking::FakeEvent;
use crate::testing::model::subscribers::{Kind, Record, Save, SaveMode};
use crate::testing::model::ModelError;
use crate::testing::state::State;
use crate::testing::util::now_rfc3339;
use crate::testing::FakeMarketingCloud;

/// Properties a `ListSubscriber` Retrieve may ask for.
pub(super) const LIST_SUBSCRIBER_PROPERTIES: &[&str] = &[
    "ObjectID",
    "ListID",
    "SubscriberKey",
    "Status",
    "CreatedDate",
    "ModifiedDate",
    "Client.ID",
];

/// Properties a `BusinessUnit` Retrieve may ask for.
pub(super) const BUSINESS_UNIT_PROPERTIES: &[&str] = &[
    "ID",
    "Name",
    "ParentID",
    "ParentName",
    "CustomerKey",
    "AccountType",
    "IsActive",
    "Client.ID",
];

impl SoapRecord {
    /// A model subscriber or list as a stored SOAP object (its `Attributes` kept apart).
    pub(crate) fn from_model(r: &Record) -> SoapRecord {
        let mut out = SoapRecord::new(r.kind.name());
        for (k, v) in &r.props {
            out.set(k, v);
        }
        out.attributes = r.attributes.clone();
        out
    }
}

fn record_of(r: &Record) -> SoapRecord {
    SoapRecord::from_model(r)
}

fn failed(e: ModelError) -> Outcome {
    Outcome::error(e.soap_error_code(), e.message)
}

/// The stored subscribers (`Kind::Subscriber`) or lists (`Kind::List`) of every unit.
pub(super) fn records(state: &State, kind: Kind) -> Vec<SoapRecord> {
    state.audience.all(kind).map(record_of).collect()
}

/// One `ListSubscriber` per subscriber and list it is on.
pub(super) fn list_subscribers(state: &State) -> Vec<SoapRecord> {
    let mut out = Vec::new();
    for s in state.audience.all(Kind::Subscriber) {
        for m in &s.lists {
            let mut r = SoapRecord::new("ListSubscriber");
            for (k, v) in [
                ("ObjectID", format!("ls-{}-{}", s.id, m.list_id)),
                ("ListID", m.list_id.to_string()),
                ("SubscriberKey", s.key().to_owned()),
                ("Status", m.status.clone()),
                ("CreatedDate", m.created.clone()),
                ("ModifiedDate", m.modified.clone()),
                ("Client.ID", s.mid.to_string()),
            ] {
                r.set(k, &v);
            }
            out.push(r);
        }
    }
    out
}

/// The business units as `BusinessUnit` objects, each owned by itself.
pub(super) fn business_units(state: &State) -> Vec<SoapRecord> {
    let units = &state.business_units;
    units
        .all()
        .map(|u| {
            let mut r = SoapRecord::new("BusinessUnit");
            let parent = u.parent.and_then(|p| units.get(p));
            for (k, v) in [
                ("ID", u.mid.to_string()),
                ("Name", u.name.clone()),
                (
                    "ParentID",
                    u.parent.map(|p| p.to_string()).unwrap_or_else(|| "0".into()),
                ),
                ("ParentName", parent.map(|p| p.name.clone()).unwrap_or_default()),
                ("CustomerKey", u.customer_key.clone()),
                (
                    "AccountType",
                    if u.parent.is_none() {
                        "ENTERPRISE_2"
                    } else {
                        "BUSINESS_UNIT"
                    }
                    .to_owned(),
                ),
                ("IsActive", u.active.to_string()),
                ("Client.ID", u.mid.to_string()),
            ] {
                r.set(k, &v);
            }
            r
        })
        .collect()
}

/// Create (plain or `UpdateAdd`), Update or Delete of one `Subscriber` or `List`.
pub(super) fn write(state: &mut State, mid: u64, action: &str, kind: Kind, upsert: bool, o: &InObject) -> Outcome {
    if action == "Delete" {
        if kind == Kind::List {
            return Outcome::error(
                ERR_UNSUPPORTED,
                "The fake Marketing Cloud does not support Delete on List.",
            );
        }
        return match state.audience.delete(kind, mid, &o.props) {
            Ok(r) => Outcome::ok(format!("{} deleted.", kind.name()), Some(OutObject::of(&record_of(&r)))),
            Err(e) => failed(e),
        };
    }
    let mode = match (action, upsert) {
        ("Create", true) => SaveMode::Upsert,
        ("Create", false) => SaveMode::Create,
        _ => SaveMode::Update,
    };
    let lists: Vec<(String, Option<String>)> = o
        .lists
        .iter()
        .map(|l| {
            (
                l.prop("ID").unwrap_or("").to_owned(),
                l.prop("Status").map(str::to_owned),
            )
        })
        .collect();
    let now = now_rfc3339();
    let save = Save {
        kind,
        mode,
        mid,
        props: &o.props,
        attributes: &o.attributes,
        lists: &lists,
        now: &now,
    };
    match state.audience.save(save) {
        Ok(saved) => {
            let verb = if saved.created { "Created" } else { "Updated" };
            let mut outcome = Outcome::ok(
                format!("{verb} {}.", kind.name()),
                Some(OutObject::of(&record_of(&saved.record))),
            );
            if saved.created {
                outcome.new_id = Some(saved.record.id.to_string());
            }
            outcome
        }
        Err(e) => failed(e),
    }
}

/// Execute: one outcome per request, in order.
pub(super) fn execute(state: &mut State, mid: u64, requests: &[(String, Vec<(String, String)>)]) -> Vec<Outcome> {
    requests
        .iter()
        .map(|(name, params)| {
            if name != "LogUnsubEvent" {
                return Outcome::error(
                    ERR_UNSUPPORTED,
                    format!("The fake Marketing Cloud does not model Execute of {name}."),
                );
            }
            match state.audience.log_unsub(mid, params, &now_rfc3339()) {
                Ok(logged) => {
                    let mut event = FakeEvent::unsub(&logged.subscriber_key, logged.job_id, OffsetDateTime::now_utc())
                        .master_unsubscribe(logged.master);
                    if let Some(b) = logged.batch_id {
                        event = event.batch_id(b);
                    }
                    state.soap.tracking.add(event, mid);
                    Outcome::ok("Event posted", None)
                }
                Err(e) => failed(e),
            }
        })
        .collect()
}

/// The tenant's business units, and objects seeded into one of them. Made by
/// [`FakeMarketingCloud::business_units`].
///
/// The fake starts with one unit, the enterprise [`DEFAULT_MID`](crate::testing::DEFAULT_MID)
/// (100). Every stored SOAP object belongs to one unit (its `Client.ID`): a Retrieve returns the
/// token's own unit's objects; with `QueryAllAccounts` also those of every unit below it; with
/// `ClientIDs` only the units named that the token may read. A child unit's token never reads
/// its parent or siblings. A token acts in a unit when its package lists the MID
/// ([`Package::business_units`](crate::testing::Package::business_units)) and the token request
/// names it (`account_id`).
#[derive(Debug, Clone, Copy)]
pub struct BusinessUnitsView<'a> {
    pub(crate) fake: &'a FakeMarketingCloud,
}

impl BusinessUnitsView<'_> {
    /// Adds (or renames) business unit `mid` named `name` under `parent`.
    ///
    /// # Panics
    /// When `parent` is not a unit of the fake, or the unit would be placed under itself.
    pub fn add(&self, mid: u64, name: &str, parent: u64) {
        if let Err(e) = self.fake.state().business_units.add(mid, name, parent) {
            panic!("business unit {mid} cannot be added: {e}");
        }
    }

    /// Every unit as a `BusinessUnit` object (`ID`, `Name`, `ParentID`, ...), by MID.
    pub fn list(&self) -> Vec<SoapRecord> {
        business_units(&self.fake.state())
    }

    /// Adds (or, by key, updates) a subscriber with status `Active` in unit `mid`; returns its
    /// `ID`.
    ///
    /// # Panics
    /// When `email` is not an email address.
    pub fn add_subscriber(&self, mid: u64, subscriber_key: &str, email: &str) -> String {
        let props = [("SubscriberKey", subscriber_key), ("EmailAddress", email)];
        self.seed(Kind::Subscriber, mid, &props).to_string()
    }

    /// Adds (or, by key, updates) a list in unit `mid`; returns its `ID`.
    pub fn add_list(&self, mid: u64, customer_key: &str, name: &str) -> u64 {
        self.seed(Kind::List, mid, &[("CustomerKey", customer_key), ("ListName", name)])
    }

    /// Saves a subscriber or list as SOAP Create with `UpdateAdd` would, in unit `mid`; its `ID`.
    fn seed(&self, kind: Kind, mid: u64, props: &[(&str, &str)]) -> u64 {
        let props: Vec<(String, String)> = props.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect();
        let now = now_rfc3339();
        let save = Save {
            kind,
            mode: SaveMode::Upsert,
            mid,
            props: &props,
            attributes: &[],
            lists: &[],
            now: &now,
        };
        match self.fake.state().audience.save(save) {
            Ok(s) => s.record.id,
            Err(e) => panic!("the {kind:?} {props:?} cannot be added: {e}"),
        }
    }

    /// The status of subscriber `subscriber_key` of unit `mid` on each of its lists: (list
    /// `ID`, status), in the order joined.
    pub fn memberships(&self, mid: u64, subscriber_key: &str) -> Vec<(u64, String)> {
        self.fake
            .state()
            .audience
            .find(Kind::Subscriber, mid, "SubscriberKey", subscriber_key)
            .map(|r| r.lists.iter().map(|m| (m.list_id, m.status.clone())).collect())
            .unwrap_or_default()
    }
}
