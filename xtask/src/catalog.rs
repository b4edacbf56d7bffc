//! The scope catalog (`scopes.toml`): loading and validation.
//!
//! The file is read by the `toml` crate into the serde structs below, which refuse unknown
//! tables and keys and values of the wrong type (its errors carry the line and column);
//! [`Catalog::parse`] then checks what TOML cannot say: unique snake_case names, known
//! scopes, one-line descriptions, HTTP methods and paths.

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;

/// The catalog file, relative to the workspace root.
pub const CATALOG_FILE: &str = "scopes.toml";

/// One Marketing Cloud scope (a `[[scope]]` table).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScopeEntry {
    /// The MC scope string, e.g. `email_send`.
    pub name: String,
    /// Area heading, e.g. `Channels`.
    pub area: String,
    /// Item within the area, e.g. `Email`.
    pub item: String,
    /// The verb part, e.g. `send`.
    pub level: String,
    /// One line.
    pub description: String,
}

impl ScopeEntry {
    /// The marker type name: CamelCase of the scope string (`email_send` -> `EmailSend`).
    pub fn marker(&self) -> String {
        camel_case(&self.name)
    }
}

/// The API an operation belongs to (`api = "rest"` or `"soap"`; REST when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// REST, under the tenant's `rest_instance_url`.
    Rest,
    /// SOAP, `Service.asmx` on the tenant's SOAP host.
    Soap,
}

/// One API operation and the scopes it needs (all of them); an `[[operation]]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// snake_case id, e.g. `send_email`.
    pub name: String,
    /// One line.
    pub summary: String,
    /// REST or SOAP.
    #[serde(default = "rest")]
    pub api: Api,
    /// HTTP method (REST) or SOAP action.
    pub method: String,
    /// Path under the REST base (REST) or object type (SOAP).
    pub path: String,
    /// Every scope required.
    pub scopes: Vec<String>,
    /// Where the fact comes from, or what is unconfirmed.
    #[serde(default)]
    pub note: Option<String>,
}

fn rest() -> Api {
    Api::Rest
}

/// The file as TOML sees it: two arrays of tables, `[[scope]]` and `[[operation]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    scope: Vec<ScopeEntry>,
    #[serde(default)]
    operation: Vec<Operation>,
    #[serde(default)]
    soap_object: Vec<crate::soap_catalog::SoapObjectEntry>,
}

/// The whole catalog, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// All scopes.
    pub scopes: Vec<ScopeEntry>,
    /// All operations.
    pub operations: Vec<Operation>,
    /// All SOAP objects and the scopes of their actions (see [`crate::soap_catalog`]).
    pub soap_objects: Vec<crate::soap_catalog::SoapObjectEntry>,
}

impl Catalog {
    /// Reads and validates `scopes.toml` under `root`.
    pub fn load(root: &Path) -> Result<Catalog, String> {
        let path = root.join(CATALOG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Catalog::parse(&text).map_err(|e| format!("{CATALOG_FILE}: {e}"))
    }

    /// Parses and validates catalog text.
    pub fn parse(text: &str) -> Result<Catalog, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
        let catalog = Catalog {
            scopes: file.scope,
            operations: file.operation,
            soap_objects: file.soap_object,
        };
        catalog.validate()?;
        Ok(catalog)
    }

    /// The scope named `name`.
    pub fn scope(&self, name: &str) -> Option<&ScopeEntry> {
        self.scopes.iter().find(|s| s.name == name)
    }

    /// The operations that need scope `name`.
    pub fn operations_needing<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Operation> {
        self.operations
            .iter()
            .filter(move |o| o.scopes.iter().any(|s| s == name))
    }

    fn validate(&self) -> Result<(), String> {
        let mut names = BTreeSet::new();
        let mut markers = BTreeSet::new();
        for s in &self.scopes {
            if !is_snake(&s.name) {
                return Err(format!("scope `{}`: not a snake_case name", s.name));
            }
            if !names.insert(s.name.as_str()) {
                return Err(format!("scope `{}` is listed twice", s.name));
            }
            if !markers.insert(s.marker()) {
                return Err(format!("scope `{}`: marker `{}` clashes", s.name, s.marker()));
            }
            if s.description.contains('\n') || s.description.is_empty() {
                return Err(format!("scope `{}`: description must be one line", s.name));
            }
        }
        let mut ops = BTreeSet::new();
        for o in &self.operations {
            if !is_snake(&o.name) {
                return Err(format!("operation `{}`: not a snake_case name", o.name));
            }
            if !ops.insert(o.name.as_str()) {
                return Err(format!("operation `{}` is listed twice", o.name));
            }
            if o.scopes.is_empty() {
                return Err(format!("operation `{}`: lists no scope", o.name));
            }
            for s in &o.scopes {
                if !names.contains(s.as_str()) {
                    return Err(format!("operation `{}`: unknown scope `{s}`", o.name));
                }
            }
            if o.api == Api::Rest {
                if !["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&o.method.as_str()) {
                    return Err(format!("operation `{}`: bad HTTP method", o.name));
                }
                if !o.path.starts_with('/') {
                    return Err(format!("operation `{}`: path must start with `/`", o.name));
                }
            }
        }
        crate::soap_catalog::validate(self)
    }
}

/// `email_send` -> `EmailSend`.
pub fn camel_case(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn is_snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && !s.ends_with('_')
        && !s.contains("__")
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camel_case_of_scope_strings() {
        assert_eq!(camel_case("email_send"), "EmailSend");
        assert_eq!(camel_case("offline"), "Offline");
        assert_eq!(camel_case("journeys_aspr"), "JourneysAspr");
    }

    #[test]
    fn the_repository_catalog_has_all_85_scopes() {
        let root = crate::workspace_root();
        let c = Catalog::load(&root).unwrap();
        assert_eq!(c.scopes.len(), 85);
        let fire = c.operations.iter().find(|o| o.name == "fire_journey_event").unwrap();
        assert_eq!(fire.scopes, ["journeys_read", "list_and_subscribers_read"]);
    }

    #[test]
    fn validation_catches_mistakes() {
        let one = "[[scope]]\nname = \"a_b\"\narea = \"x\"\nitem = \"y\"\nlevel = \"z\"\ndescription = \"d\"\n";
        assert!(Catalog::parse(one).is_ok());
        assert!(Catalog::parse(&format!("{one}{one}")).unwrap_err().contains("twice"));
        let extra = format!("{one}colour = \"red\"\n");
        let e = Catalog::parse(&extra).unwrap_err();
        assert!(e.contains("line 7") && e.contains("unknown field `colour`"), "{e}");
        let table = format!("{one}[[scopes]]\n");
        let e = Catalog::parse(&table).unwrap_err();
        assert!(e.contains("line 7") && e.contains("unknown field `scopes`"), "{e}");
        let missing = one.replace("level = \"z\"\n", "");
        assert!(Catalog::parse(&missing).unwrap_err().contains("missing field `level`"));
        let number = one.replace("\"z\"", "1");
        assert!(Catalog::parse(&number).unwrap_err().contains("invalid type: integer"));
        let syntax = one.replace("\"z\"", "\"z");
        assert!(Catalog::parse(&syntax).unwrap_err().contains("line 5"));
        let op = "[[operation]]\nname = \"o\"\nsummary = \"s\"\nmethod = \"GET\"\npath = \"/x\"\nscopes = [\"nope\"]\n";
        assert!(Catalog::parse(&format!("{one}{op}"))
            .unwrap_err()
            .contains("unknown scope"));
        let soap = op.replace("scopes = [\"nope\"]", "scopes = [\"a_b\"]\napi = \"soap\"");
        assert_eq!(
            Catalog::parse(&format!("{one}{soap}")).unwrap().operations[0].api,
            Api::Soap
        );
        let rest = op.replace("\"nope\"", "\"a_b\"");
        assert_eq!(
            Catalog::parse(&format!("{one}{rest}")).unwrap().operations[0].api,
            Api::Rest
        );
        let graphql = soap.replace("\"soap\"", "\"graphql\"");
        assert!(Catalog::parse(&format!("{one}{graphql}"))
            .unwrap_err()
            .contains("unknown variant `graphql`"));
    }
}
