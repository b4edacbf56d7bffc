//! Subscribers and lists, as Marketing Cloud keeps them: one store and one save mechanism for
//! both kinds, keyed per business unit.
//!
//! MC's rules played here:
//! - a plain Create of a key that exists in the unit is refused (MC's 12014, "already
//!   exists"); with `SaveAction` `UpdateAdd` on `*` the existing object is updated instead
//!   (an upsert: creating twice leaves one object); Update of a missing object is not found;
//! - a subscriber needs a valid `EmailAddress` when created, and its `SubscriberKey` defaults
//!   to it; a list needs a `ListName`, and its `CustomerKey` defaults to its `ObjectID`;
//! - a subscriber's `Lists` (`ID`, `Status`) set its status on each list (the list must exist
//!   in the unit); an absent `Status` is `Active`;
//! - `LogUnsubEvent` finds the subscriber by `SubscriberKey`, `EmailAddress` or
//!   `SubscriberID` (all given must agree), unsubscribes it from `ListID` when given, else
//!   from everything (`Status` `Unsubscribed`), and reports the event to log.
//!
//! Every object belongs to one business unit (its MID): lookups and keys are per unit.

use super::{ModelError, ModelResult};

/// Which kind of object a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `Subscriber` (key: `SubscriberKey`).
    Subscriber,
    /// A `List` (key: `CustomerKey`).
    List,
}

impl Kind {
    /// The SOAP object type.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Subscriber => "Subscriber",
            Kind::List => "List",
        }
    }

    /// The property that keys the object.
    pub fn key_property(self) -> &'static str {
        match self {
            Kind::Subscriber => "SubscriberKey",
            Kind::List => "CustomerKey",
        }
    }
}

/// How a save treats an existing object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SaveMode {
    /// Create: an existing key is refused.
    Create,
    /// Create with `UpdateAdd`: update the existing object, else create it.
    Upsert,
    /// Update: the object must exist.
    Update,
}

/// A subscriber's membership of one list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Membership {
    /// The list's `ID`.
    pub list_id: u64,
    /// The subscriber's status on the list, as MC spells it (`Active`, `Unsubscribed`, ...).
    pub status: String,
    /// When the subscriber joined the list.
    pub created: String,
    /// When the status last changed.
    pub modified: String,
}

/// A subscriber or list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// Which kind.
    pub kind: Kind,
    /// MC's numeric `ID`.
    pub id: u64,
    /// The business unit (MID) it belongs to.
    pub mid: u64,
    /// Properties (name → text), the key and `ID` among them, in the order first set.
    pub props: Vec<(String, String)>,
    /// A subscriber's `Attributes`, in the order first set.
    pub attributes: Vec<(String, String)>,
    /// A subscriber's lists.
    pub lists: Vec<Membership>,
}

impl Record {
    /// A property's text (name case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.props
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Its key (`SubscriberKey` or `CustomerKey`).
    pub fn key(&self) -> &str {
        self.get(self.kind.key_property()).unwrap_or_default()
    }

    fn set(&mut self, name: &str, value: &str) {
        set(&mut self.props, name, value);
    }
}

fn set(pairs: &mut Vec<(String, String)>, name: &str, value: &str) {
    match pairs.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        Some(pair) => pair.1 = value.to_owned(),
        None => pairs.push((name.to_owned(), value.to_owned())),
    }
}

/// One save (Create, Create with `UpdateAdd`, or Update) of one object.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Save<'a> {
    /// Which kind.
    pub kind: Kind,
    /// How an existing object is treated.
    pub mode: SaveMode,
    /// The business unit of the request.
    pub mid: u64,
    /// The properties sent (the fake's own, `ID`, `ObjectID`, dates and `Client.ID`, are
    /// ignored).
    pub props: &'a [(String, String)],
    /// A subscriber's `Attributes`.
    pub attributes: &'a [(String, String)],
    /// A subscriber's `Lists`: (`ID` as sent, `Status` when sent).
    pub lists: &'a [(String, Option<String>)],
    /// The time to stamp, as MC writes dates.
    pub now: &'a str,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Saved {
    /// The object as stored.
    pub record: Record,
    /// True when it was created (not updated).
    pub created: bool,
}

/// An unsubscribe to log as an `UnsubEvent` (the tracking store keeps the event).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnsubLogged {
    /// The subscriber's key.
    pub subscriber_key: String,
    /// `JobID` (the send), 0 when not given.
    pub job_id: i64,
    /// `BatchID`, when given.
    pub batch_id: Option<i64>,
    /// The list left, when one was named.
    pub list_id: Option<u64>,
    /// True when the subscriber left everything (no list named).
    pub master: bool,
}

/// Properties the fake sets itself; values sent for them are ignored.
const READ_ONLY: &[&str] = &["ID", "ObjectID", "CreatedDate", "ModifiedDate", "Client.ID"];

/// Subscribers and lists of every business unit.
#[derive(Debug, Default)]
pub(crate) struct Audience {
    records: Vec<Record>,
    next_id: u64,
}

impl Audience {
    /// Every object of `kind`, in creation order.
    pub fn all(&self, kind: Kind) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(move |r| r.kind == kind)
    }

    /// The object of `kind` in unit `mid` whose `field` is `value`.
    pub fn find(&self, kind: Kind, mid: u64, field: &str, value: &str) -> Option<&Record> {
        self.position(kind, mid, field, value).map(|i| &self.records[i])
    }

    fn position(&self, kind: Kind, mid: u64, field: &str, value: &str) -> Option<usize> {
        self.records
            .iter()
            .position(|r| r.kind == kind && r.mid == mid && r.get(field) == Some(value))
    }

    /// The object a request names: by its key, else `ID`, else (subscribers) `EmailAddress`.
    fn identify(&self, kind: Kind, mid: u64, props: &[(String, String)]) -> Option<usize> {
        let fields: &[&str] = match kind {
            Kind::Subscriber => &["SubscriberKey", "ID", "EmailAddress"],
            Kind::List => &["CustomerKey", "ID"],
        };
        fields.iter().find_map(|f| {
            let v = non_empty(props, f)?;
            Some(self.position(kind, mid, f, v))
        })?
    }

    /// Creates, upserts or updates one object (the one mechanism for subscribers and lists).
    pub fn save(&mut self, s: Save<'_>) -> ModelResult<Saved> {
        let kind = s.kind;
        let email = match non_empty(s.props, "EmailAddress") {
            Some(e) => Some(valid_email(e)?),
            None if kind == Kind::Subscriber && s.props.iter().any(|(n, _)| n.eq_ignore_ascii_case("EmailAddress")) => {
                return Err(ModelError::invalid("EmailAddress is required."))
            }
            None => None,
        };
        let existing = self.identify(kind, s.mid, s.props);
        // Everything that can fail is checked before anything changes.
        let lists = self.resolve_lists(s.mid, s.lists)?;
        let index = match (existing, s.mode) {
            (Some(_), SaveMode::Create) => {
                let key = non_empty(s.props, kind.key_property())
                    .or(email.as_deref())
                    .unwrap_or_default();
                return Err(ModelError::exists(format!(
                    "A {} with {} `{key}` already exists (create it with SaveAction UpdateAdd to update it instead).",
                    kind.name(),
                    kind.key_property()
                )));
            }
            (None, SaveMode::Update) => {
                return Err(ModelError::not_found(format!("The {} does not exist.", kind.name())));
            }
            (Some(i), _) => i,
            (None, _) => self.insert(&s, email.as_deref())?,
        };
        let created = existing.is_none();
        let r = &mut self.records[index];
        for (k, v) in s.props {
            let read_only = READ_ONLY.iter().any(|ro| ro.eq_ignore_ascii_case(k));
            let blank_key = k.eq_ignore_ascii_case(kind.key_property()) && v.trim().is_empty();
            if !(read_only || blank_key) {
                r.set(k, v);
            }
        }
        for (k, v) in s.attributes {
            set(&mut r.attributes, k, v);
        }
        for (list_id, status) in lists {
            match r.lists.iter_mut().find(|m| m.list_id == list_id) {
                Some(m) => {
                    m.status = status;
                    m.modified = s.now.to_owned();
                }
                None => r.lists.push(Membership {
                    list_id,
                    status,
                    created: s.now.to_owned(),
                    modified: s.now.to_owned(),
                }),
            }
        }
        if !created {
            r.set("ModifiedDate", s.now);
        }
        Ok(Saved {
            record: r.clone(),
            created,
        })
    }

    /// Adds a new object for `s`; returns its index.
    fn insert(&mut self, s: &Save<'_>, email: Option<&str>) -> ModelResult<usize> {
        let object_id = object_id();
        let key = match s.kind {
            Kind::Subscriber => {
                let email = email.ok_or_else(|| ModelError::invalid("EmailAddress is required."))?;
                non_empty(s.props, "SubscriberKey").unwrap_or(email).to_owned()
            }
            Kind::List => {
                if non_empty(s.props, "ListName").is_none() {
                    return Err(ModelError::invalid("ListName is required."));
                }
                non_empty(s.props, "CustomerKey").unwrap_or(&object_id).to_owned()
            }
        };
        self.next_id += 1;
        let mut r = Record {
            kind: s.kind,
            id: self.next_id,
            mid: s.mid,
            props: Vec::new(),
            attributes: Vec::new(),
            lists: Vec::new(),
        };
        let id = self.next_id.to_string();
        let mid = s.mid.to_string();
        let defaults: &[(&str, &str)] = match s.kind {
            Kind::Subscriber => &[("Status", "Active")],
            Kind::List => &[("Type", "Private"), ("ListClassification", "ExactTargetList")],
        };
        for (k, v) in [
            ("ID", id.as_str()),
            ("ObjectID", object_id.as_str()),
            (s.kind.key_property(), key.as_str()),
            ("CreatedDate", s.now),
            ("ModifiedDate", s.now),
            ("Client.ID", mid.as_str()),
        ]
        .iter()
        .chain(defaults)
        {
            r.set(k, v);
        }
        self.records.push(r);
        Ok(self.records.len() - 1)
    }

    /// The `Lists` of a save as (list id, status), each list checked to exist in `mid`.
    fn resolve_lists(&self, mid: u64, lists: &[(String, Option<String>)]) -> ModelResult<Vec<(u64, String)>> {
        lists
            .iter()
            .map(|(id, status)| {
                let list_id: u64 = id.trim().parse().map_err(|_| {
                    ModelError::invalid(format!("Lists/ID `{}` is not a list ID (a number).", id.trim()))
                })?;
                if self.find(Kind::List, mid, "ID", &list_id.to_string()).is_none() {
                    return Err(ModelError::not_found(format!(
                        "No list with ID {list_id} exists in this business unit."
                    )));
                }
                let status = status
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .unwrap_or("Active");
                Ok((list_id, status.to_owned()))
            })
            .collect()
    }

    /// Deletes the object a request names.
    pub fn delete(&mut self, kind: Kind, mid: u64, props: &[(String, String)]) -> ModelResult<Record> {
        let i = self
            .identify(kind, mid, props)
            .ok_or_else(|| ModelError::not_found(format!("The {} does not exist.", kind.name())))?;
        Ok(self.records.remove(i))
    }

    /// `LogUnsubEvent`: unsubscribes (from `ListID`, else from everything) and returns the
    /// event to log. `params` are the request's `Parameters`.
    pub fn log_unsub(&mut self, mid: u64, params: &[(String, String)], now: &str) -> ModelResult<UnsubLogged> {
        let mut found: Option<usize> = None;
        for (param, field) in [
            ("SubscriberKey", "SubscriberKey"),
            ("EmailAddress", "EmailAddress"),
            ("SubscriberID", "ID"),
        ] {
            let Some(value) = non_empty(params, param) else {
                continue;
            };
            let i = self.position(Kind::Subscriber, mid, field, value).ok_or_else(|| {
                ModelError::not_found(format!(
                    "No subscriber with {param} `{value}` exists in this business unit."
                ))
            })?;
            if found.is_some_and(|f| f != i) {
                return Err(ModelError::invalid(format!(
                    "The {param} `{value}` does not belong to the subscriber named by the other parameters."
                )));
            }
            found = Some(i);
        }
        let i = found
            .ok_or_else(|| ModelError::invalid("LogUnsubEvent needs SubscriberKey, EmailAddress or SubscriberID."))?;
        let number = |name: &str| -> ModelResult<Option<i64>> {
            match non_empty(params, name) {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|_| ModelError::invalid(format!("{name} `{}` is not a number.", v.trim()))),
            }
        };
        let job_id = number("JobID")?.unwrap_or(0);
        let batch_id = number("BatchID")?;
        let list_id = match number("ListID")? {
            None => None,
            Some(id) => {
                let id =
                    u64::try_from(id).map_err(|_| ModelError::invalid(format!("ListID `{id}` is not a list ID.")))?;
                if self.find(Kind::List, mid, "ID", &id.to_string()).is_none() {
                    return Err(ModelError::not_found(format!(
                        "No list with ID {id} exists in this business unit."
                    )));
                }
                Some(id)
            }
        };
        let r = &mut self.records[i];
        match list_id {
            Some(id) => match r.lists.iter_mut().find(|m| m.list_id == id) {
                Some(m) => {
                    m.status = "Unsubscribed".to_owned();
                    m.modified = now.to_owned();
                }
                None => r.lists.push(Membership {
                    list_id: id,
                    status: "Unsubscribed".to_owned(),
                    created: now.to_owned(),
                    modified: now.to_owned(),
                }),
            },
            None => {
                r.set("Status", "Unsubscribed");
                r.set("UnsubscribedDate", now);
                for m in &mut r.lists {
                    m.status = "Unsubscribed".to_owned();
                    m.modified = now.to_owned();
                }
            }
        }
        Ok(UnsubLogged {
            subscriber_key: r.key().to_owned(),
            job_id,
            batch_id,
            list_id,
            master: list_id.is_none(),
        })
    }
}

/// A property that is present and not blank (name case-insensitive).
fn non_empty<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

fn valid_email(e: &str) -> ModelResult<String> {
    let e = e.trim();
    if e.contains('@') {
        Ok(e.to_owned())
    } else {
        Err(ModelError::invalid(format!(
            "EmailAddress `{e}` is not a valid email address."
        )))
    }
}

/// A random `ObjectID` in MC's GUID shape.
fn object_id() -> String {
    let h = format!("{:032x}", fastrand::u128(..));
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    }

    fn save<'a>(
        kind: Kind,
        mode: SaveMode,
        props: &'a [(String, String)],
        lists: &'a [(String, Option<String>)],
    ) -> Save<'a> {
        Save {
            kind,
            mode,
            mid: 100,
            props,
            attributes: &[],
            lists,
            now: "2026-01-01T00:00:00",
        }
    }

    #[test]
    fn create_refuses_a_taken_key_and_upsert_updates() {
        let mut a = Audience::default();
        let p = pairs(&[("SubscriberKey", "ada"), ("EmailAddress", "ada@example.com")]);
        assert!(
            a.save(save(Kind::Subscriber, SaveMode::Create, &p, &[]))
                .unwrap()
                .created
        );
        let e = a.save(save(Kind::Subscriber, SaveMode::Create, &p, &[])).unwrap_err();
        assert_eq!(e.soap_error_code(), 12014);
        let p2 = pairs(&[("SubscriberKey", "ada"), ("EmailAddress", "ada@new.example.com")]);
        let s = a.save(save(Kind::Subscriber, SaveMode::Upsert, &p2, &[])).unwrap();
        assert!(!s.created);
        assert_eq!(a.all(Kind::Subscriber).count(), 1);
        assert_eq!(s.record.get("EmailAddress"), Some("ada@new.example.com"));
        let missing = pairs(&[("SubscriberKey", "nobody")]);
        assert_eq!(
            a.save(save(Kind::Subscriber, SaveMode::Update, &missing, &[]))
                .unwrap_err()
                .soap_error_code(),
            12001
        );
    }

    #[test]
    fn lists_and_unsubscribes() {
        let mut a = Audience::default();
        let l = pairs(&[("ListName", "News")]);
        let list = a.save(save(Kind::List, SaveMode::Create, &l, &[])).unwrap().record;
        assert_eq!(
            a.save(save(Kind::List, SaveMode::Create, &pairs(&[]), &[]))
                .unwrap_err()
                .soap_error_code(),
            12000
        );
        let p = pairs(&[("SubscriberKey", "ada"), ("EmailAddress", "ada@example.com")]);
        let lists = vec![(list.id.to_string(), None)];
        let s = a
            .save(save(Kind::Subscriber, SaveMode::Upsert, &p, &lists))
            .unwrap()
            .record;
        assert_eq!(s.lists[0].status, "Active");
        let bad = vec![("999".to_owned(), None)];
        assert_eq!(
            a.save(save(Kind::Subscriber, SaveMode::Upsert, &p, &bad))
                .unwrap_err()
                .soap_error_code(),
            12001
        );
        let bob = pairs(&[("SubscriberKey", "bob"), ("EmailAddress", "bob@example.com")]);
        assert!(a.save(save(Kind::Subscriber, SaveMode::Upsert, &bob, &bad)).is_err());
        assert!(
            a.find(Kind::Subscriber, 100, "SubscriberKey", "bob").is_none(),
            "a failed save changes nothing"
        );
        let logged = a
            .log_unsub(
                100,
                &pairs(&[("SubscriberKey", "ada"), ("ListID", &list.id.to_string())]),
                "now",
            )
            .unwrap();
        assert!(!logged.master);
        let r = a.find(Kind::Subscriber, 100, "SubscriberKey", "ada").unwrap();
        assert_eq!(
            (r.lists[0].status.as_str(), r.get("Status")),
            ("Unsubscribed", Some("Active"))
        );
        assert!(a
            .log_unsub(100, &pairs(&[("SubscriberKey", "ada"), ("EmailAddress", "x@y.z")]), "n")
            .is_err());
        assert!(
            a.log_unsub(200, &pairs(&[("SubscriberKey", "ada")]), "n").is_err(),
            "another unit"
        );
        assert!(
            a.log_unsub(100, &pairs(&[("SubscriberKey", "ada")]), "n")
                .unwrap()
                .master
        );
        assert_eq!(
            a.find(Kind::Subscriber, 100, "SubscriberKey", "ada")
                .unwrap()
                .get("Status"),
            Some("Unsubscribed")
        );
    }
}
