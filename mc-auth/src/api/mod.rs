//! Typed calls for the Marketing Cloud operations people use most.
//!
//! Each family is an extension trait implemented for every `#[mc_client]` type; each method
//! is bounded on the scopes MC requires for it (from the operation table in `scopes.toml`,
//! generated into [`crate::scope::op`]), so a call the token could not make does not compile.
//! Bring them all into scope with `use mc_auth::api::prelude::*;`.
//!
//! | family | trait | operations |
//! |---|---|---|
//! | transactional email | [`TransactionalEmail`](email::TransactionalEmail) | send one, send batch, create / get / list / update / delete definitions, message status |
//! | transactional SMS | [`TransactionalSms`](sms::TransactionalSms) | send one, send batch, create / list definitions |
//! | data extensions | [`DataExtensions`](data_extensions::DataExtensions) | sync upsert, async insert / upsert with a polling handle, paged queries |
//! | bulk loads | [`BulkLoad`](bulk::BulkLoad), [`BatchSends`](bulk::BatchSends) | a stream of rows at MC's batch limits with per-row results; transactional batch sends of any size |
//! | journeys | [`Journeys`](journeys::Journeys) | fire entry event, list journeys, get one |
//! | Content Builder | [`ContentBuilder`](assets::ContentBuilder) | create, get, list, query, update, delete assets |
//! | contacts | [`Contacts`](contacts::Contacts) | create, update |
//! | automations | [`Automations`](automation::Automations) | list, get, runs and their status, start, pause; query activities: create, update, get, run; imports: create, start, results; file transfers: start; activity status (SOAP) |
//! | SOAP objects | [`ScopedSoap`](crate::soap::ScopedSoap) | `soap().retrieve::<soap::SentEvent>(..)`, `create`, `update`, `delete`, `perform`, `schedule`, `configure`, `describe`, each bounded on that action's scopes on that object type (see [`crate::soap`]) |
//! | triggered sends | [`Triggered`](triggered_sends::Triggered) | send with subscriber attributes, list / get definitions, start, pause (SOAP) |
//! | data extension schema | [`DataExtensionSchema`](data_extension_schema::DataExtensionSchema) | create a data extension with typed fields (checked before sending), read its fields, list and create folders, clear its rows (SOAP) |
//! | subscribers and lists | [`Subscribers`](subscribers::Subscribers) | create or update (`UpdateAdd`), subscribe to / unsubscribe from lists, get one, a stream of them, status per list, `LogUnsubEvent` (SOAP) |
//! | business units | [`BusinessUnits`](business_units::BusinessUnits) | discover them (SOAP `BusinessUnit`); `Accounts::All` / `Accounts::Only` on retrieves read child units |
//! | tracking | [`Tracking`](tracking::Tracking) | sent, open, click, bounce, unsubscribe and not-sent events in a date range (SOAP Retrieve, a lazy stream) |
//!
//! [`row_codec`] decodes rows (REST and SOAP) into your own `#[derive(Deserialize)]` types
//! and encodes `#[derive(Serialize)]` types as rows: [`Row::decode`](data_extensions::Row::decode),
//! [`query_rows_as`](data_extensions::DataExtensions::query_rows_as),
//! [`upsert_rows_as`](data_extensions::DataExtensions::upsert_rows_as),
//! [`SoapObject::decode_row`](crate::soap::SoapObject::decode_row).
//!
//! [`filter`] builds REST `$filter` expressions with every value quoted.
//!
//! Every typed call takes per-call options through [`WithOptions::with_options`]: a timeout
//! for the whole call and an idempotency override (so that an upsert sent as a `POST` is
//! retried like any idempotent call).
//!
//! Every operation returns a [`Call`] (a named future: await it) or, for listings, a [`Paged`]
//! stream. Paged results are [`Paged`] streams: lazy (the next page is fetched only when the items of
//! the previous one are used up) and [`Unpin`], so `next().await` works without pinning.

pub mod assets;
pub mod automation;
pub mod bulk;
pub mod business_units;
mod call;
pub mod contacts;
pub mod data_extension_schema;
pub mod data_extensions;
pub mod email;
pub mod filter;
pub mod journeys;
mod options;
mod paging;
pub mod row_codec;
pub mod sms;
mod soap_reader;
pub mod subscribers;
pub mod tracking;
pub mod triggered_sends;

pub use call::Call;
pub use options::WithOptions;
pub use paging::{Continued, Page, Paged, Pages, MAX_PAGE_SIZE};

use crate::error::{Error, Result};

/// Every API trait, for `use mc_auth::api::prelude::*;`.
pub mod prelude {
    pub use super::assets::ContentBuilder;
    pub use super::automation::Automations;
    pub use super::bulk::{BatchSends, BulkLoad};
    pub use super::business_units::BusinessUnits;
    pub use super::contacts::Contacts;
    pub use super::data_extension_schema::DataExtensionSchema;
    pub use super::data_extensions::DataExtensions;
    pub use super::email::TransactionalEmail;
    pub use super::journeys::Journeys;
    pub use super::options::WithOptions;
    pub use super::sms::TransactionalSms;
    pub use super::subscribers::Subscribers;
    pub use super::tracking::Tracking;
    pub use super::triggered_sends::Triggered;
    pub use crate::soap::ScopedSoap;
}

/// Percent-encodes a user value (a key or id) for use as one path segment.
///
/// An empty key, `.` or `..` is refused: URL parsers drop such a segment (or climb one level
/// with `..`, encoded or not), so the call would address the collection or another resource
/// instead of the item.
pub(crate) fn encode_segment(value: &str) -> Result<String> {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    if value.is_empty() || value == "." || value == ".." {
        return Err(Error::config(
            "key",
            format!(
                "`{value}` cannot be used as a key or id in a request path (an empty, `.` or `..` path segment would address another resource); pass the item's real key"
            ),
        ));
    }
    Ok(percent_encoding::utf8_percent_encode(value, SEGMENT).to_string())
}

/// Like [`encode_segment`], keeping `:` (for `key:{key}` path forms).
pub(crate) fn encode_segment_keep_colon(value: &str) -> Result<String> {
    match value.split_once(':') {
        Some(("key", rest)) => Ok(format!("key:{}", encode_segment(rest)?)),
        _ => encode_segment(value),
    }
}
