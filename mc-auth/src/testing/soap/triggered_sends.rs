//! Triggered sends: `TriggeredSendDefinition` (Retrieve; Update of `TriggeredSendStatus` starts
//! and pauses it) and `TriggeredSend` (Create sends the definition's email to its
//! `Subscribers`).
//!
//! | what | answer |
//! |---|---|
//! | Create `TriggeredSend` on an `Active` definition | one result per object, `OK`; each subscriber is recorded as sent |
//! | ... on an `Inactive` (paused) definition | `OK`, the subscribers are queued (as MC does) and sent when the definition is started again |
//! | ... on a `New`, `Canceled` or `Deleted` definition | ErrorCode 17000 (cannot send) |
//! | ... naming no definition, or an unknown one | ErrorCode 17010 (Object ID or Customer Key Not Found, MC's code) |
//! | ... without subscribers, or one without a valid `EmailAddress` | ErrorCode 12000, nothing recorded for that object |
//! | Update `TriggeredSendStatus` `Active` / `Inactive` | starts / pauses; `Canceled` and `Deleted` definitions cannot change (17000); another status is 12000 |
//!
//! A subscriber's `SubscriberKey` defaults to its `EmailAddress`; its `Attributes` are kept
//! in order. Definitions belong to the business unit that added them (`Client.ID`) and are
//! seen only by tokens of that MID.

use super::objects::{Failure, InObject, Outcome, SoapRecord, ERR_REQUIRED};
use crate::testing::util::{now_rfc3339, request_id};

/// A definition cannot send or change status (MC's 17000 family).
pub(crate) const ERR_TSD_STATE: i64 = 17000;
/// The definition named does not exist (MC's 17010).
pub(crate) const ERR_TSD_NOT_FOUND: i64 = 17010;

/// Properties of a definition a Retrieve may ask for.
pub(crate) const DEFINITION_PROPERTIES: &[&str] = &[
    "ObjectID",
    "CustomerKey",
    "Name",
    "Description",
    "TriggeredSendStatus",
    "Email.ID",
    "CreatedDate",
    "ModifiedDate",
    "Client.ID",
];

/// One subscriber of a `TriggeredSend` Create, as the fake recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TriggeredSendRecord {
    /// The definition's `CustomerKey`.
    pub definition_key: String,
    /// The subscriber's `SubscriberKey` (its `EmailAddress` when none was given).
    pub subscriber_key: String,
    /// The subscriber's `EmailAddress`.
    pub email_address: String,
    /// The subscriber's `Attributes` (`Name`, `Value`), in order.
    pub attributes: Vec<(String, String)>,
    /// False while the definition is paused (queued, as MC does), true once sent.
    pub sent: bool,
    /// The MID of the token that sent it.
    pub account_id: u64,
}

/// Triggered send state.
#[derive(Default)]
pub(crate) struct TriggeredStore {
    /// Definitions, in the order added.
    pub definitions: Vec<SoapRecord>,
    /// Every subscriber sent to (or queued), in order.
    pub sends: Vec<TriggeredSendRecord>,
}

impl TriggeredStore {
    /// Adds (or replaces, by key and MID) a definition with `status`; returns its `ObjectID`.
    pub fn add_definition(&mut self, mid: u64, key: &str, name: &str, status: &str) -> String {
        let object_id = request_id();
        let now = now_rfc3339();
        let mut r = SoapRecord::new("TriggeredSendDefinition");
        let mid = mid.to_string();
        for (k, v) in [
            ("ObjectID", object_id.as_str()),
            ("CustomerKey", key),
            ("Name", name),
            ("Description", ""),
            ("TriggeredSendStatus", status),
            ("CreatedDate", &now),
            ("ModifiedDate", &now),
            ("Client.ID", &mid),
        ] {
            r.set(k, v);
        }
        self.definitions
            .retain(|d| !(d.get("CustomerKey") == Some(key) && d.get("Client.ID") == Some(mid.as_str())));
        self.definitions.push(r);
        object_id
    }

    fn find(&mut self, mid: u64, o: &InObject, prefix: &str) -> Result<usize, Failure> {
        let mid = mid.to_string();
        for field in ["CustomerKey", "ObjectID"] {
            let name = format!("{prefix}{field}");
            if let Some(v) = o.non_empty(&name) {
                return self
                    .definitions
                    .iter()
                    .position(|d| d.get(field) == Some(v.trim()) && d.get("Client.ID") == Some(mid.as_str()))
                    .ok_or_else(|| {
                        Failure::new(
                            ERR_TSD_NOT_FOUND,
                            format!(
                                "Triggered Send Definition Object ID or Customer Key Not Found: `{}`.",
                                v.trim()
                            ),
                        )
                    });
            }
        }
        Err(Failure::new(
            ERR_TSD_NOT_FOUND,
            format!("Triggered Send Definition Object ID or Customer Key Not Found: name it with {prefix}CustomerKey."),
        ))
    }

    /// Create `TriggeredSend`: sends (or queues) the definition's email to the subscribers.
    pub fn send(&mut self, mid: u64, o: &InObject) -> Outcome {
        let i = match self.find(mid, o, "TriggeredSendDefinition.") {
            Ok(i) => i,
            Err(failure) => return failure.into(),
        };
        let def = &self.definitions[i];
        let key = def.get("CustomerKey").unwrap_or_default().to_owned();
        let status = def.get("TriggeredSendStatus").unwrap_or_default().to_owned();
        let sent = match status.as_str() {
            "Active" => true,
            "Inactive" => false,
            other => {
                return Outcome::error(
                    ERR_TSD_STATE,
                    format!("Triggered Send Definition `{key}` is {other}: start it before sending."),
                )
            }
        };
        if o.subscribers.is_empty() {
            return Outcome::error(
                ERR_REQUIRED,
                "Unable to queue Triggered Send request. There are no valid subscribers.",
            );
        }
        let mut records = Vec::with_capacity(o.subscribers.len());
        for (n, s) in o.subscribers.iter().enumerate() {
            let email = s.non_empty("EmailAddress").map(str::trim).unwrap_or_default();
            if !email.contains('@') {
                return Outcome::error(
                    ERR_REQUIRED,
                    format!("Subscriber {n} (counting from 0) needs a valid EmailAddress, not `{email}`."),
                );
            }
            records.push(TriggeredSendRecord {
                definition_key: key.clone(),
                subscriber_key: s.non_empty("SubscriberKey").unwrap_or(email).trim().to_owned(),
                email_address: email.to_owned(),
                attributes: s.attributes.clone(),
                sent,
                account_id: mid,
            });
        }
        let count = records.len();
        self.sends.extend(records);
        let verb = if sent {
            "Sent"
        } else {
            "Queued (the definition is paused)"
        };
        Outcome::ok(format!("{verb}: {count} subscriber(s)."), None)
    }

    /// One recipient of the REST `messageDefinitionSends` send: `Ok(true)` sent, `Ok(false)`
    /// queued (paused definition); `Err((404 or 400, why))`.
    pub fn send_one(
        &mut self,
        mid: u64,
        key: &str,
        email: &str,
        subscriber_key: Option<&str>,
        attributes: Vec<(String, String)>,
    ) -> Result<bool, (u16, String)> {
        let mid_text = mid.to_string();
        let def = self
            .definitions
            .iter()
            .find(|d| d.get("CustomerKey") == Some(key) && d.get("Client.ID") == Some(mid_text.as_str()))
            .ok_or_else(|| {
                (
                    404,
                    format!("No triggered send definition with external key `{key}` was found."),
                )
            })?;
        let sent = match def.get("TriggeredSendStatus").unwrap_or_default() {
            "Active" => true,
            "Inactive" => false,
            other => {
                return Err((
                    400,
                    format!("The triggered send definition `{key}` is {other}: start it before sending."),
                ))
            }
        };
        self.sends.push(TriggeredSendRecord {
            definition_key: key.to_owned(),
            subscriber_key: subscriber_key.unwrap_or(email).to_owned(),
            email_address: email.to_owned(),
            attributes,
            sent,
            account_id: mid,
        });
        Ok(sent)
    }

    /// Update `TriggeredSendDefinition`: status changes (start, pause) and other properties.
    pub fn update(&mut self, mid: u64, o: &InObject) -> Outcome {
        let i = match self.find(mid, o, "") {
            Ok(i) => i,
            Err(failure) => return failure.into(),
        };
        let current = self.definitions[i]
            .get("TriggeredSendStatus")
            .unwrap_or_default()
            .to_owned();
        let key = self.definitions[i].get("CustomerKey").unwrap_or_default().to_owned();
        if let Some(wanted) = o.non_empty("TriggeredSendStatus").map(str::trim) {
            match (current.as_str(), wanted) {
                ("Canceled" | "Deleted", _) => {
                    return Outcome::error(
                        ERR_TSD_STATE,
                        format!("Triggered Send Definition `{key}` is {current} and cannot become {wanted}."),
                    )
                }
                (_, "Active" | "Inactive") => {}
                (_, other) => {
                    return Outcome::error(
                        ERR_REQUIRED,
                        format!(
                            "TriggeredSendStatus `{other}` cannot be set here; use Active (start) or Inactive (pause)."
                        ),
                    )
                }
            }
            if wanted == "Active" {
                for s in self
                    .sends
                    .iter_mut()
                    .filter(|s| s.definition_key == key && s.account_id == mid)
                {
                    s.sent = true;
                }
            }
        }
        let def = &mut self.definitions[i];
        for (k, v) in &o.props {
            if !["ObjectID", "CustomerKey", "CreatedDate", "ModifiedDate", "Client.ID"]
                .iter()
                .any(|r| r.eq_ignore_ascii_case(k))
            {
                def.set(k, v.trim());
            }
        }
        def.set("ModifiedDate", &now_rfc3339());
        Outcome::ok("TriggeredSendDefinition updated.", None)
    }
}

/// Triggered send definitions and the subscribers sent to. Made by
/// [`FakeMarketingCloud::triggered_sends`](crate::testing::FakeMarketingCloud::triggered_sends).
#[derive(Debug, Clone, Copy)]
pub struct TriggeredSendsView<'a> {
    pub(crate) fake: &'a crate::testing::FakeMarketingCloud,
}

impl TriggeredSendsView<'_> {
    /// Adds (or replaces) an `Active` definition of the default business unit; returns its
    /// `ObjectID`.
    pub fn add_definition(&self, customer_key: &str, name: &str) -> String {
        self.add_definition_with_status(crate::testing::DEFAULT_MID, customer_key, name, "Active")
    }

    /// Adds (or replaces) a definition of business unit `mid` with `status` (`New`,
    /// `Active`, `Inactive`, `Canceled`, ...); returns its `ObjectID`.
    pub fn add_definition_with_status(&self, mid: u64, customer_key: &str, name: &str, status: &str) -> String {
        self.fake
            .state()
            .soap
            .triggered
            .add_definition(mid, customer_key, name, status)
    }

    /// The `TriggeredSendStatus` of the default business unit's definition `customer_key`.
    pub fn status(&self, customer_key: &str) -> Option<String> {
        let mid = crate::testing::DEFAULT_MID.to_string();
        self.fake
            .state()
            .soap
            .triggered
            .definitions
            .iter()
            .find(|d| d.get("CustomerKey") == Some(customer_key) && d.get("Client.ID") == Some(mid.as_str()))
            .and_then(|d| d.get("TriggeredSendStatus").map(str::to_owned))
    }

    /// Every subscriber sent to or queued, in order.
    pub fn sends(&self) -> Vec<TriggeredSendRecord> {
        self.fake.state().soap.triggered.sends.clone()
    }
}
