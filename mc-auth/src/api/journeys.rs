//! Journey Builder: entry events and journeys.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::paging::{paged_get, PageBody, Paged};
use super::Call;
use crate::scope::{op, Has, ScopedClient};

/// `POST /interaction/v1/events`: puts a contact into a journey through its entry event.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct EntryEvent {
    /// The contact entering.
    #[serde(rename = "ContactKey")]
    pub contact_key: String,
    /// The entry event's definition key.
    #[serde(rename = "EventDefinitionKey")]
    pub event_definition_key: String,
    /// The event data (the entry data extension's columns).
    #[serde(rename = "Data")]
    pub data: Map<String, Value>,
}

impl EntryEvent {
    /// An event for `contact_key` on `event_definition_key`.
    pub fn new(contact_key: impl Into<String>, event_definition_key: impl Into<String>) -> Self {
        EntryEvent {
            contact_key: contact_key.into(),
            event_definition_key: event_definition_key.into(),
            data: Map::new(),
        }
    }

    /// Adds a data value.
    pub fn data(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.data.insert(name.into(), value.into());
        self
    }
}

/// MC's answer to an entry event.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventFired {
    /// The event instance id.
    pub event_instance_id: String,
}

/// A journey (interaction), as listed.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Journey {
    /// Id.
    #[serde(default)]
    pub id: Option<String>,
    /// Key.
    #[serde(default)]
    pub key: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Version.
    #[serde(default)]
    pub version: Option<i64>,
    /// `Draft`, `Published`, `Stopped`, ...
    #[serde(default)]
    pub status: Option<String>,
    /// Other fields.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

#[derive(Deserialize)]
struct JourneysPage {
    #[serde(default)]
    items: Vec<Journey>,
    #[serde(default)]
    count: Option<u64>,
}

/// Journeys, for every client type with the scopes each call needs.
pub trait Journeys: ScopedClient {
    /// Fires an entry event. MC's permission table lists both `journeys_read` and
    /// `list_and_subscribers_read` for it; both are required.
    ///
    #[doc = crate::scope::op_doc!(fire_journey_event)]
    fn fire_entry_event(&self, event: &EntryEvent) -> Call<EventFired>
    where
        Self: Has<op::FireJourneyEvent>,
    {
        let req = self.client().post("/interaction/v1/events").json(event);
        Call::new(async move { req.send().await?.json() })
    }

    /// Every journey, fetched `page_size` at a time as the stream is read.
    ///
    #[doc = crate::scope::op_doc!(list_journeys)]
    fn list_journeys(&self, page_size: u32) -> Paged<Journey>
    where
        Self: Has<op::ListJourneys>,
    {
        paged_get::<_, JourneysPage>(
            self.client().clone(),
            "/interaction/v1/interactions".into(),
            page_size,
            Vec::new(),
        )
    }

    /// One journey by id (or `key:{key}`).
    ///
    #[doc = crate::scope::op_doc!(get_journey)]
    fn get_journey(&self, id: &str) -> Call<Journey>
    where
        Self: Has<op::GetJourney>,
    {
        let req = super::encode_segment_keep_colon(id)
            .map(|id| self.client().get(&format!("/interaction/v1/interactions/{id}")));
        Call::new(async move { req?.send().await?.json() })
    }
}

impl<C: ScopedClient> Journeys for C {}

impl PageBody<Journey> for JourneysPage {
    fn into_parts(self) -> (Vec<Journey>, Option<u64>) {
        (self.items, self.count)
    }
}
