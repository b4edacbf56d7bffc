//! Content Builder assets.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Call;
use crate::scope::{op, Has, ScopedClient};

/// An asset's type: id and name (for example 208 `htmlemail`, 196 `textblock`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AssetType {
    /// Numeric type id.
    pub id: i64,
    /// Type name.
    #[serde(default)]
    pub name: String,
}

impl AssetType {
    /// A type by id and name.
    pub fn new(id: i64, name: impl Into<String>) -> Self {
        AssetType { id, name: name.into() }
    }
}

/// A Content Builder asset (the common fields; the rest is in `other`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Asset {
    /// Id (set by MC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    /// External key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_key: Option<String>,
    /// Name.
    pub name: String,
    /// Type.
    pub asset_type: AssetType,
    /// Content (HTML or text), for types that have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other fields (views, category, owner, dates, ...).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

impl Asset {
    /// A new asset of `asset_type` named `name`.
    pub fn new(name: impl Into<String>, asset_type: AssetType) -> Self {
        Asset {
            name: name.into(),
            asset_type,
            ..Default::default()
        }
    }

    /// Sets the content.
    pub fn content(mut self, content: impl Into<String>) -> Self {
        self.content = Some(content.into());
        self
    }

    /// Sets the external key.
    pub fn customer_key(mut self, key: impl Into<String>) -> Self {
        self.customer_key = Some(key.into());
        self
    }
}

/// `POST /asset/v1/content/assets/query`: a simple query.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetQuery {
    /// Paging.
    pub page: AssetQueryPage,
    /// `{ "property": ..., "simpleOperator": ..., "value": ... }`
    pub query: Value,
}

/// Paging of an [`AssetQuery`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetQueryPage {
    /// 1-based page.
    pub page: u32,
    /// Items per page.
    pub page_size: u32,
}

impl AssetQuery {
    /// Assets whose `property` `operator` `value` (operators: `equal`, `notEqual`, `like`,
    /// `greaterThan`, ...), first page of 50.
    pub fn new(property: impl Into<String>, operator: impl Into<String>, value: impl Into<Value>) -> Self {
        AssetQuery {
            page: AssetQueryPage { page: 1, page_size: 50 },
            query: serde_json::json!({ "property": property.into(), "simpleOperator": operator.into(), "value": value.into() }),
        }
    }

    /// Chooses the page.
    pub fn page(mut self, page: u32, page_size: u32) -> Self {
        self.page = AssetQueryPage { page, page_size };
        self
    }
}

/// One page of assets.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssetPage {
    /// Total matches.
    #[serde(default)]
    pub count: u64,
    /// Page number.
    #[serde(default)]
    pub page: u32,
    /// Page size.
    #[serde(default)]
    pub page_size: u32,
    /// The assets.
    #[serde(default)]
    pub items: Vec<Asset>,
}

/// Content Builder, for every client type with the scopes each call needs.
pub trait ContentBuilder: ScopedClient {
    /// Creates an asset (`saved_content_write`).
    ///
    #[doc = crate::scope::op_doc!(create_asset)]
    fn create_asset(&self, asset: &Asset) -> Call<Asset>
    where
        Self: Has<op::CreateAsset>,
    {
        let req = self.client().post("/asset/v1/content/assets").json(asset);
        Call::new(async move { req.send().await?.json() })
    }

    /// Gets an asset by id.
    ///
    #[doc = crate::scope::op_doc!(get_asset)]
    fn get_asset(&self, id: i64) -> Call<Asset>
    where
        Self: Has<op::GetAsset>,
    {
        let req = self.client().get(&format!("/asset/v1/content/assets/{id}"));
        Call::new(async move { req.send().await?.json() })
    }

    /// One page of all assets (`$page` from 1, `$pageSize` up to 2,500).
    ///
    #[doc = crate::scope::op_doc!(list_assets)]
    fn list_assets(&self, page: u32, page_size: u32) -> Call<AssetPage>
    where
        Self: Has<op::ListAssets>,
    {
        let req = self.client().get("/asset/v1/content/assets").query(&[
            ("$page", page.max(1).to_string()),
            (
                "$pageSize",
                page_size.clamp(1, super::paging::MAX_PAGE_SIZE).to_string(),
            ),
        ]);
        Call::new(async move { req.send().await?.json() })
    }

    /// Runs a query.
    ///
    #[doc = crate::scope::op_doc!(query_assets)]
    fn query_assets(&self, query: &AssetQuery) -> Call<AssetPage>
    where
        Self: Has<op::QueryAssets>,
    {
        let req = self
            .client()
            .post("/asset/v1/content/assets/query")
            .json(query)
            .idempotent(true);
        Call::new(async move { req.send().await?.json() })
    }

    /// Changes an asset: `changes` holds only the fields to change.
    ///
    #[doc = crate::scope::op_doc!(update_asset)]
    fn update_asset(&self, id: i64, changes: &Value) -> Call<Asset>
    where
        Self: Has<op::UpdateAsset>,
    {
        let req = self
            .client()
            .patch(&format!("/asset/v1/content/assets/{id}"))
            .json(changes);
        Call::new(async move { req.send().await?.json() })
    }

    /// Deletes an asset.
    ///
    #[doc = crate::scope::op_doc!(delete_asset)]
    fn delete_asset(&self, id: i64) -> Call<()>
    where
        Self: Has<op::DeleteAsset>,
    {
        let req = self.client().delete(&format!("/asset/v1/content/assets/{id}"));
        Call::new(async move { req.send().await.map(|_| ()) })
    }
}

impl<C: ScopedClient> ContentBuilder for C {}
