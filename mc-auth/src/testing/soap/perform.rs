//! SOAP Perform (`PerformRequestMsg`): `start` on an `Automation`, and `ClearData` on a
//! `DataExtension` ([`data_extension_schema`](super::data_extension_schema)).
//!
//! Automations are added with
//! [`soap().add_automation`](crate::testing::SoapView::add_automation) and started by
//! `CustomerKey` or `ObjectID`; each start is recorded
//! ([`soap().automation_runs`](crate::testing::SoapView::automation_runs)). One result
//! per definition, in order; the `ErrorCode`s are listed in [`objects`](super::objects).

use super::base_type;
use super::objects::{AutomationRun, Context, InObject, OutObject, Outcome, ERR_NOT_FOUND, ERR_UNSUPPORTED};
use crate::testing::state::State;

/// Applies a Perform to each definition.
pub(crate) fn perform(state: &mut State, ctx: &Context<'_>, action: &str, definitions: &[InObject]) -> Vec<Outcome> {
    definitions
        .iter()
        .map(|d| match (d.object_type.as_deref().map(base_type), action) {
            (Some("Automation"), a) if a.eq_ignore_ascii_case("start") => start_automation(state, ctx, d),
            (Some("DataExtension"), a) if a.eq_ignore_ascii_case("ClearData") => {
                super::data_extension_schema::clear_data(state, d)
            }
            (Some(t), a) => Outcome::error(
                ERR_UNSUPPORTED,
                format!("The fake Marketing Cloud does not support Perform `{a}` on {t}."),
            ),
            (None, _) => Outcome::error(ERR_UNSUPPORTED, "The definition has no xsi:type."),
        })
        .collect()
}

fn start_automation(state: &mut State, ctx: &Context<'_>, d: &InObject) -> Outcome {
    let found = ["CustomerKey", "ObjectID"].iter().find_map(|field| {
        let v = d.non_empty(field)?;
        state.soap.automations.iter().find(|a| a.get(field) == Some(v))
    });
    let Some(automation) = found else {
        return Outcome::error(
            ERR_NOT_FOUND,
            "The automation does not exist (by CustomerKey or ObjectID).",
        );
    };
    let text = |f: &str| automation.get(f).unwrap_or("").to_owned();
    let run = AutomationRun {
        customer_key: text("CustomerKey"),
        object_id: text("ObjectID"),
        name: text("Name"),
        account_id: ctx.token.account_id,
        client_id: ctx.token.client_id.clone(),
    };
    let object = OutObject {
        xsi_type: "Automation".to_owned(),
        props: vec![
            ("ObjectID".to_owned(), run.object_id.clone()),
            ("CustomerKey".to_owned(), run.customer_key.clone()),
        ],
        row: None,
    };
    state.soap.automation_runs.push(run);
    Outcome::ok("Automation start requested.", Some(object))
}
