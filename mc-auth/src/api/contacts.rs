//! Contacts: create and update.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Call;
use crate::scope::{op, Has, ScopedClient};

/// A contact with attribute-set values, as `POST/PATCH /contacts/v1/contacts` take it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Contact {
    /// The contact key.
    pub contact_key: String,
    /// `[{ "name": "Email Addresses", "items": [{ "values": [{ "name": ..., "value": ... }] }] }]`
    pub attribute_sets: Vec<AttributeSet>,
}

/// One attribute set of a [`Contact`].
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AttributeSet {
    /// Attribute set name, e.g. `Email Addresses`.
    pub name: String,
    /// Items, each a list of name–value pairs.
    pub items: Vec<Value>,
}

impl Contact {
    /// A contact without attributes.
    pub fn new(contact_key: impl Into<String>) -> Self {
        Contact {
            contact_key: contact_key.into(),
            attribute_sets: Vec::new(),
        }
    }

    /// Adds one item to attribute set `set` with these name–value pairs.
    pub fn attributes<K: Into<String>, V: Into<Value>>(
        mut self,
        set: impl Into<String>,
        values: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let values: Vec<Value> = values
            .into_iter()
            .map(|(k, v)| serde_json::json!({ "name": k.into(), "value": v.into() }))
            .collect();
        self.attribute_sets.push(AttributeSet {
            name: set.into(),
            items: vec![serde_json::json!({ "values": values })],
        });
        self
    }
}

/// MC's answer to a contact create or update.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ContactResponse {
    /// The contact's id.
    #[serde(default)]
    pub contact_id: Option<i64>,
    /// The contact key.
    #[serde(default)]
    pub contact_key: Option<String>,
    /// `OK` on success.
    #[serde(default)]
    pub operation_status: Option<String>,
    /// Errors MC reports for parts of the request.
    #[serde(default)]
    pub errors: Vec<Value>,
    /// Other fields.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// Contacts, for every client type with `list_and_subscribers_write`.
pub trait Contacts: ScopedClient {
    /// Creates a contact.
    ///
    #[doc = crate::scope::op_doc!(create_contacts)]
    fn create_contact(&self, contact: &Contact) -> Call<ContactResponse>
    where
        Self: Has<op::CreateContacts>,
    {
        let req = self.client().post("/contacts/v1/contacts").json(contact);
        Call::new(async move { req.send().await?.json() })
    }

    /// Updates a contact's attributes.
    ///
    #[doc = crate::scope::op_doc!(update_contacts)]
    fn update_contact(&self, contact: &Contact) -> Call<ContactResponse>
    where
        Self: Has<op::UpdateContacts>,
    {
        let req = self.client().patch("/contacts/v1/contacts").json(contact);
        Call::new(async move { req.send().await?.json() })
    }
}

impl<C: ScopedClient> Contacts for C {}
