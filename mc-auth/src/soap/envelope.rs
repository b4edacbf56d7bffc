//! SOAP request envelopes for the partner API.

use super::object::{ExecuteRequest, SaveOption, SoapObject};
use super::xml::XmlWriter;
use super::{Accounts, RetrieveRequest};

/// The SOAP 1.1 envelope namespace.
pub const SOAP_ENV_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// The partner API namespace of every body element.
pub const PARTNER_NS: &str = "http://exacttarget.com/wsdl/partnerAPI";
/// The namespace of the `fueloauth` header.
pub const FUELOAUTH_NS: &str = "http://exacttarget.com";
const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// What goes in the SOAP body.
pub(crate) enum Action<'a> {
    Retrieve {
        request: &'a RetrieveRequest,
        continue_request: Option<&'a str>,
    },
    Create(&'a [SoapObject]),
    CreateWith {
        objects: &'a [SoapObject],
        options: &'a [SaveOption],
    },
    Execute(&'a [ExecuteRequest]),
    Update(&'a [SoapObject]),
    Delete(&'a [SoapObject]),
    Perform {
        action: &'a str,
        definitions: &'a [SoapObject],
    },
    Schedule {
        action: &'a str,
        schedule: &'a SoapObject,
        interactions: &'a [SoapObject],
    },
    Configure {
        action: &'a str,
        configurations: &'a [SoapObject],
    },
    Describe {
        object_type: &'a str,
    },
}

impl Action<'_> {
    /// The `SOAPAction` header value.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Retrieve { .. } => "Retrieve",
            Action::Create(_) | Action::CreateWith { .. } => "Create",
            Action::Execute(_) => "Execute",
            Action::Update(_) => "Update",
            Action::Delete(_) => "Delete",
            Action::Perform { .. } => "Perform",
            Action::Schedule { .. } => "Schedule",
            Action::Configure { .. } => "Configure",
            Action::Describe { .. } => "Describe",
        }
    }
}

/// Builds the envelope with the token in the `fueloauth` header.
pub(crate) fn envelope(token: &str, action: &Action<'_>) -> Vec<u8> {
    let mut w = XmlWriter::new();
    w.open("s:Envelope", &[("xmlns:s", SOAP_ENV_NS), ("xmlns:xsi", XSI_NS)]);
    w.open("s:Header", &[]);
    w.open("fueloauth", &[("xmlns", FUELOAUTH_NS)]);
    w.text(token);
    w.close("fueloauth");
    w.close("s:Header");
    w.open("s:Body", &[]);
    match action {
        Action::Retrieve {
            request,
            continue_request,
        } => {
            w.open("RetrieveRequestMsg", &[("xmlns", PARTNER_NS)]);
            w.open("RetrieveRequest", &[]);
            if let Accounts::Only(mids) = &request.accounts {
                for mid in mids {
                    w.open("ClientIDs", &[]);
                    w.text_element("ID", &mid.to_string());
                    w.close("ClientIDs");
                }
            }
            w.text_element("ObjectType", &request.object_type);
            for p in &request.properties {
                w.text_element("Properties", p);
            }
            if let Some(f) = &request.filter {
                f.write(&mut w, "Filter");
            }
            if let Some(id) = continue_request {
                w.text_element("ContinueRequest", id);
            }
            if request.accounts == Accounts::All {
                w.text_element("QueryAllAccounts", "true");
            }
            w.close("RetrieveRequest");
            w.close("RetrieveRequestMsg");
        }
        Action::Create(objects) | Action::Update(objects) | Action::Delete(objects) => {
            let msg = match action {
                Action::Create(_) => "CreateRequest",
                Action::Update(_) => "UpdateRequest",
                _ => "DeleteRequest",
            };
            w.open(msg, &[("xmlns", PARTNER_NS)]);
            w.empty("Options");
            for o in objects.iter() {
                w.open("Objects", &[("xsi:type", &o.object_type)]);
                SoapObject::write_fields(&mut w, &o.fields);
                w.close("Objects");
            }
            w.close(msg);
        }
        Action::CreateWith { objects, options } => {
            w.open("CreateRequest", &[("xmlns", PARTNER_NS)]);
            w.open("Options", &[]);
            if !options.is_empty() {
                w.open("SaveOptions", &[]);
                for o in options.iter() {
                    w.open("SaveOption", &[]);
                    w.text_element("PropertyName", &o.property_name);
                    w.text_element("SaveAction", o.save_action.as_str());
                    w.close("SaveOption");
                }
                w.close("SaveOptions");
            }
            w.close("Options");
            for o in objects.iter() {
                w.open("Objects", &[("xsi:type", &o.object_type)]);
                SoapObject::write_fields(&mut w, &o.fields);
                w.close("Objects");
            }
            w.close("CreateRequest");
        }
        Action::Execute(requests) => {
            w.open("ExecuteRequestMsg", &[("xmlns", PARTNER_NS)]);
            for r in requests.iter() {
                w.open("Requests", &[]);
                w.text_element("Name", &r.name);
                for (name, value) in &r.parameters {
                    w.open("Parameters", &[]);
                    w.text_element("Name", name);
                    w.text_element("Value", value);
                    w.close("Parameters");
                }
                w.close("Requests");
            }
            w.close("ExecuteRequestMsg");
        }
        Action::Perform { action, definitions } => {
            w.open("PerformRequestMsg", &[("xmlns", PARTNER_NS)]);
            w.text_element("Action", action);
            w.open("Definitions", &[]);
            for d in definitions.iter() {
                w.open("Definition", &[("xsi:type", &d.object_type)]);
                SoapObject::write_fields(&mut w, &d.fields);
                w.close("Definition");
            }
            w.close("Definitions");
            w.close("PerformRequestMsg");
        }
        Action::Schedule {
            action,
            schedule,
            interactions,
        } => {
            w.open("ScheduleRequestMsg", &[("xmlns", PARTNER_NS)]);
            w.text_element("Action", action);
            w.open("Schedule", &[]);
            SoapObject::write_fields(&mut w, &schedule.fields);
            w.close("Schedule");
            w.open("Interactions", &[]);
            for i in interactions.iter() {
                w.open("Interaction", &[("xsi:type", &i.object_type)]);
                SoapObject::write_fields(&mut w, &i.fields);
                w.close("Interaction");
            }
            w.close("Interactions");
            w.close("ScheduleRequestMsg");
        }
        Action::Configure { action, configurations } => {
            w.open("ConfigureRequestMsg", &[("xmlns", PARTNER_NS)]);
            w.text_element("Action", action);
            w.open("Configurations", &[]);
            for c in configurations.iter() {
                w.open("Configuration", &[("xsi:type", &c.object_type)]);
                SoapObject::write_fields(&mut w, &c.fields);
                w.close("Configuration");
            }
            w.close("Configurations");
            w.close("ConfigureRequestMsg");
        }
        Action::Describe { object_type } => {
            w.open("DefinitionRequestMsg", &[("xmlns", PARTNER_NS)]);
            w.open("DescribeRequests", &[]);
            w.open("ObjectDefinitionRequest", &[]);
            w.text_element("ObjectType", object_type);
            w.close("ObjectDefinitionRequest");
            w.close("DescribeRequests");
            w.close("DefinitionRequestMsg");
        }
    }
    w.close("s:Body");
    w.close("s:Envelope");
    w.finish()
}
