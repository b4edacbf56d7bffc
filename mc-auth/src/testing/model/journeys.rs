//! Journey Builder: journeys and the entry events fired into them.
//!
//! The fake is strict about entry events: one is accepted only for an event definition key
//! that the trigger of a stored journey names, so a test that fires a mistyped key sees it
//! refused. Journeys are found by `id` or by `key`.

use serde_json::{json, Map, Value};

use super::generate::{now_rfc3339, request_id};
use super::{ModelError, ModelResult};

/// A journey to add to the fake with
/// [`journeys().add`](crate::testing::JourneysView::add).
///
/// ```
/// use mc_auth::testing::FakeJourney;
/// let journey = FakeJourney::new("welcome-journey", "Welcome")
///     .event_definition_key("APIEvent-welcome")
///     .status("Published");
/// assert_eq!(journey.version, 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct FakeJourney {
    /// The journey's key.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The key of its API entry event, if it has one (events fired with it are accepted).
    pub event_definition_key: Option<String>,
    /// `Draft`, `Published`, `Stopped`, ... (default `Published`).
    pub status: String,
    /// The version (default 1).
    pub version: i64,
}

impl FakeJourney {
    /// A published version-1 journey without an entry event.
    pub fn new(key: impl Into<String>, name: impl Into<String>) -> Self {
        FakeJourney {
            key: key.into(),
            name: name.into(),
            event_definition_key: None,
            status: "Published".to_owned(),
            version: 1,
        }
    }

    /// Gives it an API entry event with this definition key.
    pub fn event_definition_key(mut self, key: impl Into<String>) -> Self {
        self.event_definition_key = Some(key.into());
        self
    }

    /// Sets the status.
    pub fn status(mut self, status: impl Into<String>) -> Self {
        self.status = status.into();
        self
    }

    /// Sets the version.
    pub fn version(mut self, version: i64) -> Self {
        self.version = version;
        self
    }
}

/// A journey entry event recorded by the fake.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct JourneyEvent {
    /// The `eventInstanceId` the fake answered with.
    pub event_instance_id: String,
    /// `ContactKey` of the body.
    pub contact_key: String,
    /// `EventDefinitionKey` of the body.
    pub event_definition_key: String,
    /// `Data` of the body (empty when absent).
    pub data: Map<String, Value>,
    /// The MID of the business unit of the token that fired it.
    pub account_id: u64,
    /// The client id of the package whose token fired it.
    pub client_id: String,
}

/// Journey state.
#[derive(Default)]
pub(crate) struct JourneyState {
    /// Journeys as served (JSON objects with `id`, `key`, ...), in creation order.
    pub journeys: Vec<Value>,
    pub events: Vec<JourneyEvent>,
}

impl JourneyState {
    /// Stores a journey and returns its id.
    pub fn add(&mut self, journey: FakeJourney) -> String {
        let id = request_id();
        let now = now_rfc3339();
        let mut value = json!({
            "id": id,
            "key": journey.key,
            "name": journey.name,
            "version": journey.version,
            "status": journey.status,
            "description": "",
            "workflowApiVersion": 1.0,
            "createdDate": now,
            "modifiedDate": now,
            "triggers": [],
        });
        if let Some(event_key) = journey.event_definition_key {
            value["triggers"] = json!([{
                "id": request_id(),
                "key": "TRIGGER",
                "name": "API Event",
                "type": "APIEvent",
                "eventDefinitionKey": event_key,
                "metaData": { "eventDefinitionKey": event_key },
            }]);
        }
        self.journeys.push(value);
        id
    }

    fn knows_event_key(&self, key: &str) -> bool {
        self.journeys.iter().any(|j| {
            j.get("triggers").and_then(Value::as_array).is_some_and(|ts| {
                ts.iter()
                    .any(|t| t.get("eventDefinitionKey").and_then(Value::as_str) == Some(key))
            })
        })
    }
}

impl JourneyState {
    /// Records an entry event for the journey whose trigger has `event_definition_key`;
    /// returns its `eventInstanceId`.
    pub fn fire_event(
        &mut self,
        contact_key: String,
        event_definition_key: String,
        data: Map<String, Value>,
        sender: (u64, &str),
    ) -> ModelResult<String> {
        if !self.knows_event_key(&event_definition_key) {
            return Err(ModelError::invalid(format!(
                "No journey has an entry event with EventDefinitionKey `{event_definition_key}`."
            )));
        }
        let event_instance_id = request_id();
        self.events.push(JourneyEvent {
            event_instance_id: event_instance_id.clone(),
            contact_key,
            event_definition_key,
            data,
            account_id: sender.0,
            client_id: sender.1.to_owned(),
        });
        Ok(event_instance_id)
    }

    /// The journey with this id, or with this key when `id` is `key:{key}`.
    pub fn find(&self, id: &str) -> ModelResult<&Value> {
        let (field, wanted) = match id.strip_prefix("key:") {
            Some(key) => ("key", key),
            None => ("id", id),
        };
        self.journeys
            .iter()
            .find(|j| j.get(field).and_then(Value::as_str) == Some(wanted))
            .ok_or_else(|| ModelError::not_found(format!("No journey with {field} `{wanted}` exists.")))
    }
}

#[cfg(test)]
mod tests {
    use super::super::ErrorKind;
    use super::*;

    #[test]
    fn events_need_a_journey_with_that_entry_key() {
        let mut state = JourneyState::default();
        let id = state.add(FakeJourney::new("welcome", "Welcome").event_definition_key("APIEvent-1"));
        let fired = state
            .fire_event("c1".into(), "APIEvent-1".into(), Map::new(), (7, "cid"))
            .unwrap();
        assert_eq!(state.events[0].event_instance_id, fired);
        assert_eq!(
            (state.events[0].account_id, state.events[0].client_id.as_str()),
            (7, "cid")
        );
        let typo = state
            .fire_event("c1".into(), "APIEvent-2".into(), Map::new(), (7, "cid"))
            .unwrap_err();
        assert_eq!(typo.kind, ErrorKind::Invalid);
        assert_eq!(state.events.len(), 1);
        assert_eq!(state.find(&id).unwrap()["key"], "welcome");
        assert_eq!(state.find("key:welcome").unwrap()["id"], id.as_str());
        assert_eq!(
            state.find("key:nope").unwrap_err().message,
            "No journey with key `nope` exists."
        );
    }
}
