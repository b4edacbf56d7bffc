//! Content Builder: assets kept by numeric id, with MC's rules for creating, changing,
//! finding and deleting them.
//!
//! - An asset needs a non-empty `name` and an `assetType` object with a numeric `id`.
//! - Creating assigns `id` (from 10000 up), a `customerKey` when none is given (keys are
//!   unique: a taken one is refused, as a bad value, since MC answers it with a 400),
//!   `objectID`, `createdDate` and `modifiedDate`.
//! - Updating merges the given top-level fields; the `id` cannot change, the `customerKey`
//!   cannot become another asset's; `modifiedDate` moves.
//! - Lookups by dotted property path (`assetType.name`) compare names case-insensitively.

use serde_json::{json, Map, Value};

use super::generate::text_of;
use super::generate::{now_rfc3339, request_id};
use super::{ModelError, ModelResult};
use crate::testing::filter::{self, Filter};

/// The first id the fake assigns.
const FIRST_ID: i64 = 10000;

/// Content Builder state.
pub(crate) struct AssetState {
    /// Assets as served (JSON objects with a numeric `id`), in creation order.
    pub assets: Vec<Value>,
    /// The id the next created asset gets.
    pub next_id: i64,
}

impl Default for AssetState {
    fn default() -> Self {
        AssetState {
            assets: Vec::new(),
            next_id: FIRST_ID,
        }
    }
}

/// The value at a dotted path, names case-insensitive.
fn path_value<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, part| {
        v.as_object()?
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(part))
            .map(|(_, v)| v)
    })
}

/// The text at a dotted path of `asset`, as filters compare it.
fn lookup(asset: &Value) -> impl Fn(&str) -> Option<String> + '_ {
    move |path: &str| path_value(asset, path).and_then(text_of)
}

/// `name` non-empty and `assetType.id` numeric (both required on create).
fn check_fields(asset: &Map<String, Value>, create: bool) -> ModelResult<()> {
    match asset.get("name") {
        None if !create => {}
        Some(Value::String(n)) if !n.trim().is_empty() => {}
        _ => {
            return Err(ModelError::invalid(
                "`name` is required and must be a non-empty string.",
            ))
        }
    }
    match asset.get("assetType") {
        None if !create => {}
        Some(Value::Object(t)) if t.get("id").is_some_and(Value::is_i64) => {}
        _ => {
            return Err(ModelError::invalid(
                "`assetType` is required and must be an object with a numeric `id`.",
            ))
        }
    }
    Ok(())
}

fn not_found(id: &str) -> ModelError {
    ModelError::not_found(format!("No asset with id `{id}` exists."))
}

impl AssetState {
    fn index(&self, id: &str) -> Option<usize> {
        let id: i64 = id.trim().parse().ok()?;
        self.assets
            .iter()
            .position(|a| a.get("id").and_then(Value::as_i64) == Some(id))
    }

    fn key_taken(&self, key: &str, except: Option<usize>) -> bool {
        self.assets
            .iter()
            .enumerate()
            .any(|(i, a)| Some(i) != except && a.get("customerKey").and_then(Value::as_str) == Some(key))
    }

    /// Validates and stores a new asset; returns it as stored.
    pub fn create(&mut self, mut asset: Map<String, Value>) -> ModelResult<Value> {
        check_fields(&asset, true)?;
        let key = match asset.get("customerKey") {
            None | Some(Value::Null) => request_id(),
            Some(Value::String(k)) if !k.trim().is_empty() => k.clone(),
            Some(_) => return Err(ModelError::invalid("`customerKey` must be a non-empty string.")),
        };
        if self.key_taken(&key, None) {
            return Err(ModelError::invalid(format!(
                "An asset with customerKey `{key}` already exists."
            )));
        }
        let id = self.next_id;
        self.next_id += 1;
        let now = now_rfc3339();
        asset.insert("id".to_owned(), json!(id));
        asset.insert("customerKey".to_owned(), json!(key));
        asset.entry("objectID").or_insert_with(|| json!(request_id()));
        asset.insert("createdDate".to_owned(), json!(now));
        asset.insert("modifiedDate".to_owned(), json!(now));
        let stored = Value::Object(asset);
        self.assets.push(stored.clone());
        Ok(stored)
    }

    /// The asset with this id (as the path gives it: text).
    pub fn get(&self, id: &str) -> ModelResult<&Value> {
        self.index(id).map(|i| &self.assets[i]).ok_or_else(|| not_found(id))
    }

    /// The assets `filter` matches (all without one), in creation order.
    pub fn matching(&self, filter: Option<&Filter>) -> Vec<&Value> {
        self.assets
            .iter()
            .filter(|a| filter.is_none_or(|f| f.matches(&lookup(a))))
            .collect()
    }

    /// Merges `changes` into the asset with this id; returns it as stored.
    pub fn update(&mut self, id: &str, changes: Map<String, Value>) -> ModelResult<&Value> {
        let i = self.index(id).ok_or_else(|| not_found(id))?;
        let current_id = self.assets[i].get("id").cloned().unwrap_or(Value::Null);
        if let Some(new_id) = changes.get("id") {
            if text_of(new_id) != text_of(&current_id) {
                return Err(ModelError::invalid("The `id` of an asset cannot change."));
            }
        }
        check_fields(&changes, false)?;
        match changes.get("customerKey") {
            None => {}
            Some(Value::String(k)) if !k.trim().is_empty() && self.key_taken(k, Some(i)) => {
                return Err(ModelError::invalid(format!(
                    "An asset with customerKey `{k}` already exists."
                )));
            }
            Some(Value::String(k)) if !k.trim().is_empty() => {}
            Some(_) => return Err(ModelError::invalid("`customerKey` must be a non-empty string.")),
        }
        let asset = &mut self.assets[i];
        if let Value::Object(map) = asset {
            map.extend(changes);
            map.insert("id".to_owned(), current_id);
            map.insert("modifiedDate".to_owned(), json!(now_rfc3339()));
        }
        Ok(asset)
    }

    /// Deletes the asset with this id.
    pub fn delete(&mut self, id: &str) -> ModelResult<()> {
        let i = self.index(id).ok_or_else(|| not_found(id))?;
        self.assets.remove(i);
        Ok(())
    }
}

/// Sorts assets by the text at a dotted `property` path (the filters' comparison: numbers as
/// numbers, dates as instants), ascending or descending; assets without the property first.
pub(crate) fn sort_by_property(assets: &mut [&Value], property: &str, descending: bool) {
    assets.sort_by(|a, b| {
        let (x, y) = (lookup(a)(property), lookup(b)(property));
        let order = match (x, y) {
            (Some(x), Some(y)) => filter::compare(&x, &y),
            (x, y) => x.is_some().cmp(&y.is_some()),
        };
        if descending {
            order.reverse()
        } else {
            order
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::ErrorKind;
    use super::*;
    use crate::testing::filter::Op;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!("a test passes objects"),
        }
    }

    fn html(name: &str) -> Map<String, Value> {
        map(json!({ "name": name, "assetType": { "id": 208, "name": "htmlemail" } }))
    }

    #[test]
    fn create_assigns_ids_and_unique_keys() {
        let mut state = AssetState::default();
        let a = state.create(html("A")).unwrap();
        assert_eq!(a["id"], 10000);
        assert!(a["customerKey"].as_str().is_some_and(|k| !k.is_empty()));
        let mut b = html("B");
        b.insert("customerKey".into(), a["customerKey"].clone());
        let taken = state.create(b).unwrap_err();
        assert_eq!(taken.kind, ErrorKind::Invalid);
        assert!(taken.message.contains("already exists"));
        let typeless = state.create(map(json!({ "name": "x" }))).unwrap_err();
        assert!(typeless.message.contains("assetType"), "{typeless}");
        assert_eq!(state.assets.len(), 1);
    }

    #[test]
    fn update_merges_but_keeps_the_id_and_delete_forgets() {
        let mut state = AssetState::default();
        state.create(html("A")).unwrap();
        let b = state.create(html("B")).unwrap();
        let changed = state.update("10000", map(json!({ "description": "d" }))).unwrap();
        assert_eq!(
            (changed["name"].clone(), changed["description"].clone()),
            (json!("A"), json!("d"))
        );
        assert!(state.update("10000", map(json!({ "id": 1 }))).is_err());
        assert!(
            state.update("10000", map(json!({ "id": "10000" }))).is_ok(),
            "the same id as text"
        );
        let steal = json!({ "customerKey": b["customerKey"] });
        assert_eq!(state.update("10000", map(steal)).unwrap_err().kind, ErrorKind::Invalid);
        state.delete("10001").unwrap();
        assert_eq!(state.get("10001").unwrap_err().kind, ErrorKind::NotFound);
        assert_eq!(state.update("nope", Map::new()).unwrap_err().kind, ErrorKind::NotFound);
    }

    #[test]
    fn filters_and_sorts_read_dotted_paths() {
        let mut state = AssetState::default();
        for name in ["b", "a", "c"] {
            state.create(html(name)).unwrap();
        }
        let only_a = Filter::compare("NAME", Op::Eq, vec!["a".into()]);
        assert_eq!(state.matching(Some(&only_a)).len(), 1);
        let html_type = Filter::compare("assetType.name", Op::Eq, vec!["htmlemail".into()]);
        let mut all = state.matching(Some(&html_type));
        sort_by_property(&mut all, "name", true);
        let names: Vec<&str> = all.iter().filter_map(|a| a["name"].as_str()).collect();
        assert_eq!(names, ["c", "b", "a"]);
    }
}
