//! Contacts: contact keys with their attribute sets.
//!
//! A contact key is created once (creating a taken key is refused) and updated only once it
//! exists. An update merges values item by item: item `i` of a set merges into the stored
//! item `i` of that set, and items beyond the stored ones are added.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{ModelError, ModelResult};

/// A contact stored by the fake.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StoredContact {
    /// The contact key.
    pub contact_key: String,
    /// The numeric id the fake assigned.
    pub contact_id: i64,
    /// Attribute set name → items, each item attribute name → value.
    pub attribute_sets: BTreeMap<String, Vec<Map<String, Value>>>,
}

/// Contact state.
pub(crate) struct ContactState {
    /// The contacts, in creation order.
    pub contacts: Vec<StoredContact>,
    /// The id the next created contact gets.
    pub next_id: i64,
}

impl Default for ContactState {
    fn default() -> Self {
        ContactState {
            contacts: Vec::new(),
            next_id: 1_000_001,
        }
    }
}

/// Attribute sets as a request gives them: set name and its items (attribute name → value).
pub(crate) type Sets = Vec<(String, Vec<Map<String, Value>>)>;

fn merge(into: &mut BTreeMap<String, Vec<Map<String, Value>>>, sets: Sets) {
    for (name, items) in sets {
        let stored = into.entry(name).or_default();
        for (i, item) in items.into_iter().enumerate() {
            match stored.get_mut(i) {
                Some(existing) => existing.extend(item),
                None => stored.push(item),
            }
        }
    }
}

impl ContactState {
    /// Creates a contact with a new key; returns it as stored.
    pub fn create(&mut self, contact_key: String, sets: Sets) -> ModelResult<&StoredContact> {
        if self.contacts.iter().any(|c| c.contact_key == contact_key) {
            return Err(ModelError::exists(format!(
                "A contact with contactKey `{contact_key}` already exists."
            )));
        }
        let mut contact = StoredContact {
            contact_key,
            contact_id: self.next_id,
            attribute_sets: BTreeMap::new(),
        };
        self.next_id += 1;
        merge(&mut contact.attribute_sets, sets);
        self.contacts.push(contact);
        Ok(&self.contacts[self.contacts.len() - 1])
    }

    /// Merges `sets` into the contact with this key; returns it as stored.
    pub fn update(&mut self, contact_key: &str, sets: Sets) -> ModelResult<&StoredContact> {
        let Some(contact) = self.contacts.iter_mut().find(|c| c.contact_key == contact_key) else {
            return Err(ModelError::not_found(format!(
                "No contact with contactKey `{contact_key}` exists."
            )));
        };
        merge(&mut contact.attribute_sets, sets);
        Ok(contact)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::ErrorKind;
    use super::*;

    fn item(name: &str, value: Value) -> Map<String, Value> {
        Map::from_iter([(name.to_owned(), value)])
    }

    #[test]
    fn keys_are_created_once_and_updates_merge_item_by_item() {
        let mut state = ContactState::default();
        let sets = vec![("Email".to_owned(), vec![item("Address", json!("a@x"))])];
        let id = state.create("k".into(), sets).unwrap().contact_id;
        assert_eq!(id, 1_000_001);
        assert_eq!(
            state.create("k".into(), Vec::new()).unwrap_err().kind,
            ErrorKind::Exists
        );
        let more = vec![(
            "Email".to_owned(),
            vec![item("Opt", json!(true)), item("Address", json!("b@x"))],
        )];
        let merged = state.update("k", more).unwrap();
        let items = &merged.attribute_sets["Email"];
        assert_eq!(
            (items[0]["Address"].clone(), items[0]["Opt"].clone()),
            (json!("a@x"), json!(true))
        );
        assert_eq!(items[1]["Address"], "b@x");
        assert_eq!(state.update("nope", Vec::new()).unwrap_err().kind, ErrorKind::NotFound);
    }
}
