//! The SOAP object table of the catalog (`[[soap_object]]` in `scopes.toml`): loading,
//! validation, and the generated `mc-auth/src/soap/generated.rs`.
//!
//! Each entry names a SOAP API object type and, per action it supports (Retrieve, Create,
//! Update, Delete, Perform, Schedule, Configure, Describe, Execute), the scopes that action
//! needs. The
//! generated file holds one marker type per object (`mc_auth::soap::Subscriber`), one impl of
//! the action's trait per supported action (its `Scopes` is what typed clients are bounded
//! on), and `OBJECTS`, the same table as data for the fake Marketing Cloud's run-time check.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Deserialize;

use crate::catalog::{Api, Catalog};
use crate::codegen::HEADER;

/// Where the runtime crate's generated SOAP object module lives.
pub const SOAP_FILE: &str = "mc-auth/src/soap/generated.rs";
/// The generated compile-fail case: every SOAP object action, called by a client without its
/// scopes (one error per call; the `.stderr` is blessed with trybuild and read).
pub const UI_FAIL_FILE: &str = "tests/ui/soap/fail/every_soap_action_gate.rs";
/// The generated compile-pass case: every SOAP object action, called by a client with exactly
/// its scopes.
pub const UI_PASS_FILE: &str = "tests/ui/soap/pass/every_soap_action_granted.rs";

/// Every file generated from the SOAP object table, formatted: the runtime module and the two
/// trybuild cases.
pub fn outputs(root: &std::path::Path, c: &Catalog) -> Result<Vec<crate::codegen::Output>, String> {
    let (fail, pass) = ui_cases(c)?;
    Ok(vec![
        crate::codegen::Output {
            path: SOAP_FILE,
            contents: crate::codegen::rustfmt(root, &render(c))?,
        },
        crate::codegen::Output {
            path: UI_FAIL_FILE,
            contents: crate::codegen::rustfmt(root, &fail)?,
        },
        crate::codegen::Output {
            path: UI_PASS_FILE,
            contents: crate::codegen::rustfmt(root, &pass)?,
        },
    ])
}

/// One typed call of `action` on object `obj` through client `c`, as a statement.
fn call(action: &str, obj: &str) -> String {
    let o = format!("soap::{obj}");
    match action {
        "Retrieve" => format!("c.soap().retrieve::<{o}>(RetrieveRequest::of::<{o}>([\"ObjectID\"]));"),
        "Create" | "Update" | "Delete" => format!("c.soap().{}::<{o}>(&[]);", action.to_ascii_lowercase()),
        "Perform" => format!("c.soap().perform::<{o}>(\"start\", &[]);"),
        "Schedule" => format!("c.soap().schedule::<{o}>(\"start\", &SoapObject::new(\"ScheduleDefinition\"), &[]);"),
        "Configure" => format!("c.soap().configure::<{o}>(\"create\", &[]);"),
        "Execute" => format!("c.soap().execute::<{o}>(&[]);"),
        _ => format!("c.soap().describe::<{o}>();"),
    }
}

const UI_PRELUDE: &str = "use mc_auth::api::prelude::*;\n\
     use mc_auth::mc_client;\n\
     use mc_auth::soap::{self, RetrieveRequest, SoapObject};\n\n";

/// The two trybuild cases (compile-fail, compile-pass) for every object action of `c`.
pub fn ui_cases(c: &Catalog) -> Result<(String, String), String> {
    let used: BTreeSet<&str> = c
        .soap_objects
        .iter()
        .flat_map(|o| o.actions().into_iter().flat_map(|(_, s)| s.iter().map(String::as_str)))
        .collect();
    let spare = c
        .scopes
        .iter()
        .find(|s| !used.contains(s.name.as_str()))
        .ok_or("every scope is used by some SOAP action: no scope left for the compile-fail client")?;
    let mut fail = String::new();
    let _ = writeln!(fail, "{HEADER}");
    fail.push_str(
        "//\n// Every SOAP object action of the catalog, called by a client type whose one scope no\n\
         // SOAP action needs: each call must fail with one error per scope the action needs.\n",
    );
    fail.push_str(UI_PRELUDE);
    let _ = writeln!(fail, "#[mc_client(scopes = {})]\nstruct Bare;\n", lit(&spare.name));
    fail.push_str("#[allow(unused_must_use, clippy::let_underscore_future)]\nfn calls(c: &Bare) {\n");
    for o in &c.soap_objects {
        for (action, _) in o.actions() {
            let _ = writeln!(fail, "{}", call(action, &o.name));
        }
    }
    fail.push_str("}\n\nfn main() {\n    let _ = calls;\n}\n");

    let mut pass = String::new();
    let _ = writeln!(pass, "{HEADER}");
    pass.push_str(
        "//\n// Every SOAP object action of the catalog, called by a client type that declares exactly\n\
         // the scopes the action needs: all of it compiles.\n",
    );
    pass.push_str(UI_PRELUDE);
    let mut clients: Vec<Vec<String>> = Vec::new();
    for o in &c.soap_objects {
        for (_, scopes) in o.actions() {
            let mut set = scopes.to_vec();
            set.sort();
            if !clients.contains(&set) {
                clients.push(set);
            }
        }
    }
    let client_name = |set: &[String]| {
        let parts: Vec<String> = set
            .iter()
            .map(|n| c.scope(n).map(|s| s.marker()).unwrap_or_else(|| n.clone()))
            .collect();
        format!("Only{}", parts.join("And"))
    };
    for set in &clients {
        let _ = writeln!(
            pass,
            "#[mc_client(scopes = {})]\nstruct {};\n",
            lit(&set.join(" ")),
            client_name(set)
        );
    }
    for (i, o) in c.soap_objects.iter().enumerate() {
        for (j, (action, scopes)) in o.actions().into_iter().enumerate() {
            let mut set = scopes.to_vec();
            set.sort();
            let _ = writeln!(
                pass,
                "#[allow(unused_must_use, clippy::let_underscore_future)]\nfn call_{i}_{j}(c: &{}) {{\n{}\n}}\n",
                client_name(&set),
                call(action, &o.name)
            );
        }
    }
    pass.push_str("fn main() {\n");
    for (i, o) in c.soap_objects.iter().enumerate() {
        for j in 0..o.actions().len() {
            let _ = writeln!(pass, "let _ = call_{i}_{j};");
        }
    }
    pass.push_str("}\n");
    Ok((fail, pass))
}

/// The SOAP actions, in the order the catalog and the generated code list them: (the SOAP
/// method as the `SOAPAction` header names it, the `scopes.toml` key, the trait in
/// `mc_auth::soap`).
pub const ACTIONS: [&str; 9] = [
    "Retrieve",
    "Create",
    "Update",
    "Delete",
    "Perform",
    "Schedule",
    "Configure",
    "Describe",
    "Execute",
];

/// One SOAP object type and the scopes of each action it supports; a `[[soap_object]]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SoapObjectEntry {
    /// The object type as the SOAP API spells it (`xsi:type`), e.g. `Subscriber`.
    pub name: String,
    /// One line.
    pub summary: String,
    /// Scopes of Retrieve, when offered.
    #[serde(default)]
    pub retrieve: Option<Vec<String>>,
    /// Scopes of Create, when offered.
    #[serde(default)]
    pub create: Option<Vec<String>>,
    /// Scopes of Update, when offered.
    #[serde(default)]
    pub update: Option<Vec<String>>,
    /// Scopes of Delete, when offered.
    #[serde(default)]
    pub delete: Option<Vec<String>>,
    /// Scopes of Perform, when offered.
    #[serde(default)]
    pub perform: Option<Vec<String>>,
    /// Scopes of Schedule, when offered.
    #[serde(default)]
    pub schedule: Option<Vec<String>>,
    /// Scopes of Configure, when offered.
    #[serde(default)]
    pub configure: Option<Vec<String>>,
    /// Scopes of Describe, when offered.
    #[serde(default)]
    pub describe: Option<Vec<String>>,
    /// Scopes of Execute (`ExecuteRequestMsg` naming this request, e.g. `LogUnsubEvent`),
    /// when offered.
    #[serde(default)]
    pub execute: Option<Vec<String>>,
    /// Where the facts come from.
    pub note: String,
}

impl SoapObjectEntry {
    /// The supported actions and their scopes, in [`ACTIONS`] order.
    pub fn actions(&self) -> Vec<(&'static str, &[String])> {
        let all = [
            &self.retrieve,
            &self.create,
            &self.update,
            &self.delete,
            &self.perform,
            &self.schedule,
            &self.configure,
            &self.describe,
            &self.execute,
        ];
        ACTIONS
            .iter()
            .zip(all)
            .filter_map(|(a, s)| s.as_deref().map(|s| (*a, s)))
            .collect()
    }

    /// The scopes of `action` (`Retrieve`, ...), when the object offers it.
    pub fn scopes_of(&self, action: &str) -> Option<&[String]> {
        self.actions().into_iter().find(|(a, _)| *a == action).map(|(_, s)| s)
    }
}

/// Checks the `[[soap_object]]` tables of `c`: unique type names that are Rust identifiers,
/// at least one action each, non-empty known scopes listed once, one-line summaries, a note;
/// and, when the catalog has a SOAP object table, every `api = "soap"` operation agrees with
/// it (its object is listed, offers its action, with the same scopes), so the two never
/// disagree.
pub fn validate(c: &Catalog) -> Result<(), String> {
    let scopes: BTreeSet<&str> = c.scopes.iter().map(|s| s.name.as_str()).collect();
    let mut names = BTreeSet::new();
    for o in &c.soap_objects {
        let what = format!("soap_object `{}`", o.name);
        let ident =
            o.name.starts_with(|ch: char| ch.is_ascii_uppercase()) && o.name.bytes().all(|b| b.is_ascii_alphanumeric());
        if !ident {
            return Err(format!("{what}: the name must be a CamelCase SOAP object type"));
        }
        if !names.insert(o.name.as_str()) {
            return Err(format!("{what} is listed twice"));
        }
        if o.summary.is_empty() || o.summary.contains('\n') {
            return Err(format!("{what}: summary must be one line"));
        }
        if o.note.trim().is_empty() {
            return Err(format!("{what}: note must say where the facts come from"));
        }
        let actions = o.actions();
        if actions.is_empty() {
            return Err(format!("{what}: lists no action"));
        }
        for (action, list) in actions {
            if list.is_empty() {
                return Err(format!("{what}: {action} lists no scope"));
            }
            let mut seen = BTreeSet::new();
            for s in list {
                if !scopes.contains(s.as_str()) {
                    return Err(format!("{what}: {action}: unknown scope `{s}`"));
                }
                if !seen.insert(s.as_str()) {
                    return Err(format!("{what}: {action}: scope `{s}` is listed twice"));
                }
            }
        }
    }
    if c.soap_objects.is_empty() {
        return Ok(());
    }
    for op in c.operations.iter().filter(|o| o.api == Api::Soap) {
        let entry = c.soap_objects.iter().find(|o| o.name == op.path).ok_or_else(|| {
            format!(
                "operation `{}`: SOAP object `{}` has no [[soap_object]] table",
                op.name, op.path
            )
        })?;
        match entry.scopes_of(&op.method) {
            Some(s) if s == op.scopes.as_slice() => {}
            Some(s) => {
                return Err(format!(
                    "operation `{}` says {} on {} needs {:?}, but its [[soap_object]] says {:?}",
                    op.name, op.method, op.path, op.scopes, s
                ))
            }
            None => {
                return Err(format!(
                    "operation `{}`: [[soap_object]] `{}` does not offer {}",
                    op.name, op.path, op.method
                ))
            }
        }
    }
    Ok(())
}

fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// The Rust type of a scope list: one marker, or a tuple of them.
fn scopes_type(c: &Catalog, list: &[String]) -> String {
    let markers: Vec<String> = list
        .iter()
        .map(|n| {
            let m = c.scope(n).map(|s| s.marker()).unwrap_or_else(|| n.clone());
            format!("s::{m}")
        })
        .collect();
    if markers.len() == 1 {
        markers[0].clone()
    } else {
        format!("({})", markers.join(", "))
    }
}

/// The generated `mc-auth/src/soap/generated.rs`.
pub fn render(c: &Catalog) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{HEADER}");
    o.push_str(
        "//\n// One marker type per SOAP object of the catalog, one impl per action it offers (with the\n\
         // scopes the action needs), and the same table as data (`OBJECTS`).\n\n\
         use super::action::{ActionInfo, ObjectInfo, ObjectType, SoapAction};\n\
         use super::action::{Configure, Create, Delete, Describe, Execute, Perform, Retrieve, Schedule, Update};\n\
         use crate::scope as s;\n\n",
    );
    for (i, obj) in c.soap_objects.iter().enumerate() {
        let n = &obj.name;
        let _ = writeln!(o, "/// The SOAP object `{n}`: {}", obj.summary);
        o.push_str("///\n/// | action | scopes needed |\n/// |---|---|\n");
        for (action, list) in obj.actions() {
            let v: Vec<String> = list.iter().map(|s| format!("`{s}`")).collect();
            let _ = writeln!(o, "/// | [`{action}`] | {} |", v.join(", "));
        }
        let _ = writeln!(o, "///\n/// Source: {}.", obj.note.trim_end_matches('.'));
        if n == "Send" {
            o.push_str(
                "///\n/// Name it as `soap::Send`: a glob import of `mc_auth::soap::*` would shadow\n\
                 /// `std::marker::Send`.\n",
            );
        }
        let _ = writeln!(o, "#[derive(Debug)]\npub enum {n} {{}}\n");
        let _ = writeln!(
            o,
            "impl ObjectType for {n} {{ const NAME: &'static str = {}; const INFO: &'static ObjectInfo = &OBJECTS[{i}]; }}\n",
            lit(n)
        );
        for (action, list) in obj.actions() {
            let _ = writeln!(
                o,
                "impl {action} for {n} {{ type Scopes = {}; }}\n",
                scopes_type(c, list)
            );
        }
    }
    o.push_str("/// Every SOAP object of the catalog and the scopes of each action it offers.\n");
    o.push_str("pub const OBJECTS: &[ObjectInfo] = &[\n");
    for obj in &c.soap_objects {
        let actions: Vec<String> = obj
            .actions()
            .into_iter()
            .map(|(action, list)| {
                let v: Vec<String> = list.iter().map(|s| lit(s)).collect();
                format!(
                    "ActionInfo {{ action: SoapAction::{action}, scopes: &[{}] }}",
                    v.join(", ")
                )
            })
            .collect();
        let _ = writeln!(
            o,
            "ObjectInfo {{ name: {}, summary: {}, actions: &[{}], note: {} }},",
            lit(&obj.name),
            lit(&obj.summary),
            actions.join(", "),
            lit(&obj.note)
        );
    }
    o.push_str("];\n");
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCOPE: &str = "[[scope]]\nname = \"a_b\"\narea = \"x\"\nitem = \"y\"\nlevel = \"z\"\ndescription = \"d\"\n";

    fn with(obj: &str) -> Result<Catalog, String> {
        Catalog::parse(&format!("{SCOPE}{obj}"))
    }

    #[test]
    fn the_repository_catalog_covers_the_issue_objects() {
        let c = Catalog::load(&crate::workspace_root()).unwrap();
        for name in [
            "Subscriber",
            "List",
            "ListSubscriber",
            "DataExtension",
            "DataExtensionField",
            "DataExtensionObject",
            "DataFolder",
            "TriggeredSend",
            "TriggeredSendDefinition",
            "Send",
            "Email",
            "Account",
            "AccountUser",
            "BusinessUnit",
            "Automation",
            "AutomationInstance",
            "QueryDefinition",
            "ImportDefinition",
            "SentEvent",
            "OpenEvent",
            "ClickEvent",
            "BounceEvent",
            "UnsubEvent",
            "NotSentEvent",
        ] {
            assert!(c.soap_objects.iter().any(|o| o.name == name), "{name} missing");
        }
        for action in ACTIONS {
            assert!(
                c.soap_objects.iter().any(|o| o.scopes_of(action).is_some()),
                "no object offers {action}"
            );
        }
        let automation = c.soap_objects.iter().find(|o| o.name == "Automation").unwrap();
        assert_eq!(automation.scopes_of("Perform").unwrap(), ["automations_execute"]);
    }

    #[test]
    fn validation_catches_mistakes() {
        let ok = "[[soap_object]]\nname = \"Thing\"\nsummary = \"s\"\nretrieve = [\"a_b\"]\nnote = \"n\"\n";
        let c = with(ok).unwrap();
        assert_eq!(c.soap_objects[0].actions().len(), 1);
        assert!(with(&format!("{ok}{ok}")).unwrap_err().contains("listed twice"));
        assert!(with(&ok.replace("\"a_b\"]", "\"nope\"]"))
            .unwrap_err()
            .contains("unknown scope `nope`"));
        assert!(with(&ok.replace("[\"a_b\"]", "[]"))
            .unwrap_err()
            .contains("lists no scope"));
        assert!(with(&ok.replace("retrieve = [\"a_b\"]\n", ""))
            .unwrap_err()
            .contains("lists no action"));
        assert!(with(&ok.replace("Thing", "thing-x")).unwrap_err().contains("CamelCase"));
        assert!(with(&ok.replace("retrieve", "fetch"))
            .unwrap_err()
            .contains("unknown field `fetch`"));
        assert!(with(&ok.replace("[\"a_b\"]", "[\"a_b\", \"a_b\"]"))
            .unwrap_err()
            .contains("listed twice"));
        let op = "[[operation]]\nname = \"o\"\nsummary = \"s\"\napi = \"soap\"\nmethod = \"Create\"\npath = \"Thing\"\nscopes = [\"a_b\"]\n";
        assert!(with(&format!("{ok}{op}"))
            .unwrap_err()
            .contains("does not offer Create"));
        let elsewhere = op.replace("Thing", "Other");
        assert!(with(&format!("{ok}{elsewhere}"))
            .unwrap_err()
            .contains("has no [[soap_object]]"));
        let agrees = op.replace("Create", "Retrieve");
        assert!(with(&format!("{ok}{agrees}")).is_ok());
    }

    #[test]
    fn generated_impls_carry_the_scopes() {
        let c = with(
            "[[soap_object]]\nname = \"Thing\"\nsummary = \"s\"\nretrieve = [\"a_b\"]\nperform = [\"a_b\"]\nnote = \"n\"\n",
        )
        .unwrap();
        let text = render(&c);
        assert!(
            text.contains("impl Retrieve for Thing { type Scopes = s::AB; }"),
            "{text}"
        );
        assert!(text.contains("impl Perform for Thing"));
        assert!(!text.contains("impl Create for Thing"));
        assert!(text.contains("SoapAction::Perform, scopes: &[\"a_b\"]"));
    }
}
