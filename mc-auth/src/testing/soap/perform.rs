//! SOAP Perform (`PerformRequestMsg`): `start` on an `Automation`, `QueryDefinition`,
//! `ImportDefinition` or `FileTransferActivity` (served by [`automation`](super::automation),
//! state in the model's `AutomationStore`), and `ClearData` on a `DataExtension`
//! ([`data_extension_schema`](super::data_extension_schema)). One result per definition, in
//! order; the `ErrorCode`s are listed in [`objects`](super::objects).

use super::base_type;
use super::objects::{Context, InObject, Outcome, ERR_UNSUPPORTED};
use crate::testing::state::State;

/// Applies a Perform to each definition.
pub(crate) fn perform(state: &mut State, ctx: &Context<'_>, action: &str, definitions: &[InObject]) -> Vec<Outcome> {
    definitions
        .iter()
        .map(|d| {
            let Some(t) = d.object_type.as_deref().map(base_type) else {
                return Outcome::error(ERR_UNSUPPORTED, "The definition has no xsi:type.");
            };
            if t == "DataExtension" && action.eq_ignore_ascii_case("ClearData") {
                return super::data_extension_schema::clear_data(state, d);
            }
            let started = if action.eq_ignore_ascii_case("start") {
                super::automation::perform_start(state, ctx, t, d)
            } else {
                None
            };
            started.unwrap_or_else(|| {
                Outcome::error(
                    ERR_UNSUPPORTED,
                    format!("The fake Marketing Cloud does not support Perform `{action}` on {t}."),
                )
            })
        })
        .collect()
}
