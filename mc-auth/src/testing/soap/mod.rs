//! The SOAP API: `POST /Service.asmx` on the fake's one host.
//!
//! What it does, in which order it checks a request, which object types and actions it
//! models and what every `ErrorCode` means is documented once, under **SOAP** in the
//! [`testing`](crate::testing) module docs. Here: the envelope and the token ([`handle`]), the
//! catalog's scope check (the generated [`mc_auth::soap::OBJECTS`](crate::soap::OBJECTS)
//! table), then one module per action: [`retrieve`], [`create_update_delete`], [`perform`],
//! [`describe`], Execute in [`subscribers`]; the families' wire in [`automation`],
//! [`data_extension_schema`], [`subscribers`], [`triggered_sends`] and [`tracking`]; the
//! shared per-object pieces in [`objects`].
//!
//! The fake reads and writes its XML with its own [`xml`] module, not the client's, so a bug
//! in either shows up as a disagreement. Answers are `text/xml; charset=utf-8` envelopes, every
//! value escaped by the writer.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

mod automation;
mod create_update_delete;
mod data_extension_schema;
mod describe;
mod objects;
mod perform;
mod retrieve;
mod subscribers;
mod tracking;
mod triggered_sends;
pub(crate) mod xml;

pub use automation::AutomationsView;
pub use objects::SoapRecord;
pub(crate) use objects::SoapState;
pub use subscribers::BusinessUnitsView;
pub use tracking::{FakeEvent, TrackingView};
pub use triggered_sends::{TriggeredSendRecord, TriggeredSendsView};

use super::api::operation_info;
use super::state::{Config, State, TokenRecord};
use crate::scope::Api;
use crate::soap::{ObjectInfo, SoapAction};
use objects::{Context, OutObject, Outcome, Request, ERR_UNSUPPORTED};
use xml::{parse, XmlOut, XSI_NS};

/// The SOAP envelope namespace (SOAP 1.1).
pub(crate) const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// Marketing Cloud's partner API namespace, of every request and response message.
pub(crate) const PARTNER_NS: &str = "http://exacttarget.com/wsdl/partnerAPI";
/// The XML Schema namespace, declared on answers as MC does.
const XSD_NS: &str = "http://www.w3.org/2001/XMLSchema";

/// One SOAP operation of the catalog, as the fake enforces it.
#[derive(Debug)]
pub(crate) struct SoapOperation {
    /// The catalog's operation name.
    pub name: &'static str,
    /// `Retrieve`, `Create`, `Update`, `Delete`, `Perform` or `Execute`.
    pub action: &'static str,
    /// The object type without a `[...]` suffix.
    pub object_type: &'static str,
    /// The scopes a token needs.
    pub scopes: &'static [&'static str],
}

impl SoapOperation {
    /// The catalog's entry for `name` (a name missing from `scopes.toml` fails the build).
    const fn of(name: &str) -> SoapOperation {
        let info = operation_info(name);
        assert!(matches!(info.api, Api::Soap), "a SOAP operation needs api = \"soap\"");
        SoapOperation {
            name: info.name,
            action: info.method,
            object_type: info.path,
            scopes: info.scopes,
        }
    }
}

/// The catalog's named SOAP operations (listed by [`operations`](super::operations)); the
/// fake's scope check itself reads the SOAP object table ([`crate::soap::OBJECTS`]), which
/// `cargo xtask codegen` keeps in agreement with these.
pub(crate) const OPERATIONS: &[SoapOperation] = &[
    SoapOperation::of("soap_retrieve_data_extensions"),
    SoapOperation::of("soap_retrieve_data_extension_rows"),
    SoapOperation::of("soap_create_data_extension_rows"),
    SoapOperation::of("soap_update_data_extension_rows"),
    SoapOperation::of("soap_delete_data_extension_rows"),
    SoapOperation::of("soap_retrieve_subscribers"),
    SoapOperation::of("soap_create_subscribers"),
    SoapOperation::of("soap_update_subscribers"),
    SoapOperation::of("soap_delete_subscribers"),
    SoapOperation::of("soap_retrieve_lists"),
    SoapOperation::of("soap_create_lists"),
    SoapOperation::of("soap_retrieve_automations"),
    SoapOperation::of("start_automation"),
    SoapOperation::of("create_data_extension"),
    SoapOperation::of("retrieve_data_extension_fields"),
    SoapOperation::of("retrieve_data_folders"),
    SoapOperation::of("create_data_folder"),
    SoapOperation::of("clear_data_extension"),
    SoapOperation::of("list_automations"),
    SoapOperation::of("get_automation"),
    SoapOperation::of("automation_runs"),
    SoapOperation::of("pause_automation"),
    SoapOperation::of("create_query_activity"),
    SoapOperation::of("update_query_activity"),
    SoapOperation::of("get_query_activity"),
    SoapOperation::of("run_query_activity"),
    SoapOperation::of("activity_status"),
    SoapOperation::of("create_import"),
    SoapOperation::of("start_import"),
    SoapOperation::of("import_results"),
    SoapOperation::of("start_file_transfer"),
    // subscribers and lists (issue 13)
    SoapOperation::of("upsert_subscriber"),
    SoapOperation::of("subscribe_to_list"),
    SoapOperation::of("unsubscribe_from_list"),
    SoapOperation::of("get_subscriber"),
    SoapOperation::of("list_subscribers"),
    SoapOperation::of("list_memberships"),
    SoapOperation::of("log_unsub_event"),
    // business units (issue 13)
    SoapOperation::of("list_business_units"),
];

/// `DataExtensionObject[key]` → `DataExtensionObject`; other names unchanged (trimmed). The
/// fake's own reading of MC's bracketed type names, kept apart from the client's so that a
/// mistake in either shows up as a disagreement.
pub(crate) fn base_type(object_type: &str) -> &str {
    let name = object_type.trim();
    match name.split_once('[') {
        Some((base, rest)) if rest.ends_with(']') => base,
        _ => name,
    }
}

// writing.

/// A SOAP envelope around what `body` writes.
pub(crate) fn envelope(body: impl FnOnce(&mut XmlOut)) -> Vec<u8> {
    let mut w = XmlOut::new();
    w.start(
        "soap:Envelope",
        &[
            ("xmlns:soap", SOAP_ENV_NS),
            ("xmlns:xsi", XSI_NS),
            ("xmlns:xsd", XSD_NS),
        ],
    );
    w.start("soap:Body", &[]);
    body(&mut w);
    w.end();
    w.end();
    w.finish()
}

/// An XML response.
pub(crate) fn xml_response(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/xml; charset=utf-8"),
        )],
        body,
    )
        .into_response()
}

/// An HTTP 500 SOAP fault.
pub(crate) fn fault(faultcode: &str, faultstring: &str) -> Response {
    let body = envelope(|w| {
        w.start("soap:Fault", &[]);
        w.leaf("faultcode", faultcode);
        w.leaf("faultstring", faultstring);
        w.end();
    });
    xml_response(StatusCode::INTERNAL_SERVER_ERROR, body)
}

/// MC's fault for an unknown or expired token.
fn token_expired() -> Response {
    fault("soap:Client", "Token Expired")
}

/// Writes an object: text properties (dotted names nest: `Client.ID` is
/// `<Client><ID>..</ID></Client>`), then a data extension row's `Properties`.
pub(crate) fn write_object(w: &mut XmlOut, element: &str, object: &OutObject) {
    w.start(element, &[("xsi:type", object.xsi_type.as_str())]);
    for (name, value) in &object.props {
        let parts: Vec<&str> = name.split('.').filter(|p| !p.is_empty()).collect();
        let Some((last, outer)) = parts.split_last() else {
            continue;
        };
        for p in outer {
            w.start(p, &[]);
        }
        w.leaf(last, value);
        for _ in outer {
            w.end();
        }
    }
    if let Some(row) = &object.row {
        w.start("Properties", &[]);
        for (name, value) in row {
            w.start("Property", &[]);
            w.leaf("Name", name);
            w.leaf("Value", value);
            w.end();
        }
        w.end();
    }
    w.end();
}

/// One `element` (`Results`, or Perform's `Result`) per outcome.
fn write_results(w: &mut XmlOut, outcomes: &[Outcome], element: &str) {
    for (i, o) in outcomes.iter().enumerate() {
        w.start(element, &[]);
        w.leaf("StatusCode", if o.error_code.is_none() { "OK" } else { "Error" });
        w.leaf("StatusMessage", &o.message);
        w.leaf("OrdinalID", &i.to_string());
        if let Some(code) = o.error_code {
            w.leaf("ErrorCode", &code.to_string());
        }
        if let Some(id) = &o.new_id {
            w.leaf("NewID", id);
        }
        if let Some(id) = &o.new_object_id {
            w.leaf("NewObjectID", id);
        }
        if let Some(object) = &o.object {
            write_object(w, "Object", object);
        }
        if let Some(id) = &o.task_id {
            w.start("Task", &[]);
            w.leaf("StatusCode", "OK");
            w.leaf("StatusMessage", "OK");
            w.leaf("ID", id);
            w.end();
        }
        w.end();
    }
}

fn overall(outcomes: &[Outcome]) -> &'static str {
    let failed = outcomes.iter().filter(|o| o.error_code.is_some()).count();
    match failed {
        0 => "OK",
        n if n == outcomes.len() => "Error",
        _ => "Has Errors",
    }
}

// reading.

/// The action a body element asks for.
fn action_of(element: &str) -> Option<&'static str> {
    Some(match element {
        "RetrieveRequestMsg" => "Retrieve",
        "CreateRequest" => "Create",
        "UpdateRequest" => "Update",
        "DeleteRequest" => "Delete",
        "PerformRequestMsg" => "Perform",
        "ScheduleRequestMsg" => "Schedule",
        "ConfigureRequestMsg" => "Configure",
        "DefinitionRequestMsg" => "Describe",
        "ExecuteRequestMsg" => "Execute",
        _ => return None,
    })
}

/// The action named by a `SOAPAction` header: `Retrieve`, `"Retrieve"` or `urn:.../Retrieve`.
fn soap_action_header(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get("soapaction")?.to_str().ok()?;
    let unquoted = raw.trim().trim_matches('"').trim();
    let action = unquoted.rsplit('/').next().unwrap_or(unquoted);
    (!action.is_empty()).then(|| action.to_owned())
}

/// Answers a `/Service.asmx` request; also returns the serial of the token used, when the
/// fake issued it.
pub(crate) fn handle(
    config: &Config,
    state: &mut State,
    method: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> (Response, Option<u64>) {
    if !method.eq_ignore_ascii_case("POST") {
        let response = (StatusCode::METHOD_NOT_ALLOWED, "Use POST for /Service.asmx.").into_response();
        return (response, None);
    }
    let root = match parse(body) {
        Ok(root) => root,
        Err(problem) => {
            return (
                fault(
                    "soap:Client",
                    &format!("The request is not a SOAP envelope: {problem}."),
                ),
                None,
            )
        }
    };
    let message = match (root.name.as_str(), root.child("Body").and_then(|b| b.children.first())) {
        ("Envelope", Some(m)) => m,
        _ => {
            return (
                fault("soap:Client", "The request is not a SOAP envelope with a body element."),
                None,
            )
        }
    };
    let token_value = root
        .child("Header")
        .and_then(|h| h.child("fueloauth"))
        .map(|t| t.text.trim().to_owned())
        .filter(|t| !t.is_empty());
    let Some(token_value) = token_value else {
        return (
            fault(
                "soap:Client",
                "Security requirements are not satisfied: the request has no fueloauth header.",
            ),
            None,
        );
    };
    let Some(token) = state.tokens.get(&token_value).cloned() else {
        return (token_expired(), None);
    };
    let serial = Some(token.serial);
    if token.is_expired(config.clock.now()) {
        return (token_expired(), serial);
    }
    let Some(action) = action_of(&message.name) else {
        let text = format!(
            "The fake Marketing Cloud does not support the SOAP request `{}`.",
            message.name
        );
        return (fault("soap:Client", &text), serial);
    };
    match soap_action_header(headers) {
        Some(h) if h == action => {}
        Some(h) => {
            let text = format!(
                "The SOAPAction header `{h}` does not match the request body `{}`.",
                message.name
            );
            return (fault("soap:Client", &text), serial);
        }
        None => return (fault("soap:Client", "The SOAPAction header is missing."), serial),
    }
    let request = match Request::parse(action, message) {
        Ok(r) => r,
        Err(problem) => return (fault("soap:Client", &problem), serial),
    };
    if let Err(text) = check_scopes(&token, action, &request.object_types()) {
        return (fault("soap:Client", &text), serial);
    }
    let ctx = Context { config, token: &token };
    (answer(state, &ctx, request), serial)
}

/// The scope check: for each object type of the request that the catalog lists, the token
/// must hold every scope of `action` on it. `Err` is the fault's text: `Insufficient
/// Privileges: {action} on {object} needs the scope(s) {missing}.`, or, for an action the
/// catalog does not offer on the object, a sentence saying so.
fn check_scopes(token: &TokenRecord, action: &str, types: &[String]) -> Result<(), String> {
    let Some(soap_action) = SoapAction::parse(action) else {
        return Ok(());
    };
    for t in types {
        let Some(info) = ObjectInfo::of(t) else {
            continue;
        };
        let Some(scopes) = info.scopes(soap_action) else {
            return Err(format!(
                "The SOAP API does not offer {action} on {} (the catalog lists: {}).",
                info.name,
                info.actions
                    .iter()
                    .map(|a| a.action.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        let missing: Vec<&str> = scopes.iter().copied().filter(|s| !token.scopes.contains(s)).collect();
        if !missing.is_empty() {
            return Err(format!(
                "Insufficient Privileges: {action} on {} needs the scope(s) {}.",
                info.name,
                missing.join(" ")
            ));
        }
    }
    Ok(())
}

fn answer(state: &mut State, ctx: &Context<'_>, request: Request) -> Response {
    let request_id = super::util::request_id();
    match request {
        Request::Retrieve(retrieve) => {
            let page = retrieve::retrieve(state, ctx, &retrieve);
            let body = envelope(|w| {
                w.start("RetrieveResponseMsg", &[("xmlns", PARTNER_NS)]);
                match &page {
                    Ok(p) => {
                        w.leaf("OverallStatus", if p.more { "MoreDataAvailable" } else { "OK" });
                        w.leaf("RequestID", p.request_id.as_deref().unwrap_or(&request_id));
                        for o in &p.objects {
                            write_object(w, "Results", o);
                        }
                    }
                    Err(status) => {
                        w.leaf("OverallStatus", status);
                        w.leaf("RequestID", &request_id);
                    }
                }
                w.end();
            });
            xml_response(StatusCode::OK, body)
        }
        Request::Write {
            action,
            upsert,
            objects,
        } => {
            let outcomes = create_update_delete::write(state, ctx, action, upsert, &objects);
            let element = match action {
                "Create" => "CreateResponse",
                "Update" => "UpdateResponse",
                _ => "DeleteResponse",
            };
            let body = envelope(|w| {
                w.start(element, &[("xmlns", PARTNER_NS)]);
                write_results(w, &outcomes, "Results");
                w.leaf("RequestID", &request_id);
                w.leaf("OverallStatus", overall(&outcomes));
                w.end();
            });
            xml_response(StatusCode::OK, body)
        }
        Request::Unmodeled { action, verb, objects } => {
            let outcomes: Vec<Outcome> = objects
                .iter()
                .map(|o| {
                    let t = o.object_type.as_deref().map(base_type).unwrap_or("(no xsi:type)");
                    if action == "Schedule" && t == "Automation" {
                        return automation::schedule(state, &verb, o);
                    }
                    Outcome::error(
                        ERR_UNSUPPORTED,
                        format!("The fake Marketing Cloud does not model {action} on {t}."),
                    )
                })
                .collect();
            let element = if action == "Schedule" {
                "ScheduleResponseMsg"
            } else {
                "ConfigureResponseMsg"
            };
            let body = envelope(|w| {
                w.start(element, &[("xmlns", PARTNER_NS)]);
                w.start("Results", &[]);
                write_results(w, &outcomes, "Result");
                w.end();
                w.leaf("OverallStatus", overall(&outcomes));
                w.leaf("RequestID", &request_id);
                w.end();
            });
            xml_response(StatusCode::OK, body)
        }
        Request::Describe { object_type } => match describe::definition(&object_type) {
            Some(properties) => {
                let body = envelope(|w| {
                    w.start("DefinitionResponseMsg", &[("xmlns", PARTNER_NS)]);
                    w.start("ObjectDefinition", &[]);
                    w.leaf("ObjectType", base_type(&object_type));
                    w.leaf("Name", base_type(&object_type));
                    w.leaf("IsCreatable", "true");
                    w.leaf("IsUpdatable", "true");
                    w.leaf("IsRetrievable", "true");
                    for p in properties {
                        w.start("Properties", &[]);
                        w.leaf("Name", p.name);
                        w.leaf("DataType", p.data_type);
                        w.leaf("IsUpdatable", if p.updatable { "true" } else { "false" });
                        w.leaf("IsRetrievable", "true");
                        w.leaf("IsRequired", if p.required { "true" } else { "false" });
                        w.end();
                    }
                    w.end();
                    w.leaf("RequestID", &request_id);
                    w.end();
                });
                xml_response(StatusCode::OK, body)
            }
            None => fault(
                "soap:Client",
                &format!(
                    "The fake Marketing Cloud does not model Describe on {}.",
                    base_type(&object_type)
                ),
            ),
        },
        Request::Execute { requests } => {
            let outcomes = subscribers::execute(state, ctx.token.account_id, &requests);
            let body = envelope(|w| {
                w.start("ExecuteResponseMsg", &[("xmlns", PARTNER_NS)]);
                write_results(w, &outcomes, "Results");
                w.leaf("OverallStatus", overall(&outcomes));
                w.leaf("RequestID", &request_id);
                w.end();
            });
            xml_response(StatusCode::OK, body)
        }
        Request::Perform { action, definitions } => {
            let outcomes = perform::perform(state, ctx, &action, &definitions);
            let body = envelope(|w| {
                w.start("PerformResponseMsg", &[("xmlns", PARTNER_NS)]);
                w.start("Results", &[]);
                write_results(w, &outcomes, "Result");
                w.end();
                w.leaf("OverallStatus", overall(&outcomes));
                w.leaf("RequestID", &request_id);
                w.end();
            });
            xml_response(StatusCode::OK, body)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::base_type;

    #[test]
    fn base_type_strips_a_bracketed_key_only() {
        assert_eq!(base_type("DataExtensionObject[Customers]"), "DataExtensionObject");
        assert_eq!(base_type(" DataExtensionObject[a[b]] "), "DataExtensionObject");
        assert_eq!(base_type("Subscriber"), "Subscriber");
        assert_eq!(base_type("Broken[key"), "Broken[key");
        assert_eq!(base_type(""), "");
    }
}
