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

/// One documented REST route and the scopes it needs (all of them); a `[[route]]` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// HTTP method.
    pub method: String,
    /// Path template under the REST base, with `{name}` variables.
    pub path: String,
    /// Every scope required (empty: MC requires none).
    pub scopes: Vec<String>,
    /// Where the fact comes from.
    pub note: String,
}

impl Route {
    /// The path variables, in order: `/a/{id}/b/key:{key}` -> `["id", "key"]`.
    pub fn variables(&self) -> Vec<&str> {
        self.path
            .split('/')
            .filter_map(|seg| seg.split_once('{').and_then(|(_, v)| v.strip_suffix('}')))
            .collect()
    }

    fn check_path(&self) -> Result<(), String> {
        let p = &self.path;
        if !p.starts_with('/') || p.len() < 2 || p.ends_with('/') {
            return Err("must start with `/` and not end with one".into());
        }
        if p.contains(['?', '#', ' ', '%']) {
            return Err("must hold no query, fragment, space or percent-escape (name a query in `note`)".into());
        }
        let mut seen = BTreeSet::new();
        for seg in p[1..].split('/') {
            if seg.is_empty() {
                return Err("has an empty segment".into());
            }
            let var = match seg.find('{') {
                None if seg.contains('}') => return Err(format!("segment `{seg}`: `}}` without `{{`")),
                None => continue,
                Some(0) => seg,
                Some(i) if seg[..i].ends_with(':') && seg[..i - 1].bytes().all(|b| b.is_ascii_alphabetic()) => {
                    &seg[i..]
                }
                Some(_) => {
                    return Err(format!(
                        "segment `{seg}`: a variable is a whole segment or `prefix:{{name}}`"
                    ))
                }
            };
            let name = var
                .strip_prefix('{')
                .and_then(|v| v.strip_suffix('}'))
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
                .filter(|v| v.starts_with(|c: char| c.is_ascii_alphabetic()))
                .ok_or_else(|| format!("segment `{seg}`: a variable is `{{name}}` with a letters-and-digits name"))?;
            if !seen.insert(name) {
                return Err(format!("variable `{name}` appears twice"));
            }
        }
        Ok(())
    }
}

/// The file as TOML sees it: arrays of tables, `[[scope]]`, `[[route]]` and `[[operation]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    scope: Vec<ScopeEntry>,
    #[serde(default)]
    route: Vec<Route>,
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
    /// All documented REST routes.
    pub routes: Vec<Route>,
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
            routes: file.route,
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

    /// The route with this method and path template.
    pub fn route(&self, method: &str, path: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.method == method && r.path == path)
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
        let mut routes = BTreeSet::new();
        for r in &self.routes {
            let at = format!("route `{} {}`", r.method, r.path);
            if !HTTP_METHODS.contains(&r.method.as_str()) {
                return Err(format!("{at}: bad HTTP method"));
            }
            r.check_path().map_err(|e| format!("{at}: path {e}"))?;
            if !routes.insert((r.method.as_str(), r.path.as_str())) {
                return Err(format!("{at} is listed twice"));
            }
            let mut own = BTreeSet::new();
            for s in &r.scopes {
                if !names.contains(s.as_str()) {
                    return Err(format!("{at}: unknown scope `{s}`"));
                }
                if !own.insert(s.as_str()) {
                    return Err(format!("{at}: scope `{s}` listed twice"));
                }
            }
            if r.note.trim().is_empty() || r.note.contains('\n') {
                return Err(format!("{at}: `note` must name the source on one line"));
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
                if !HTTP_METHODS.contains(&o.method.as_str()) {
                    return Err(format!("operation `{}`: bad HTTP method", o.name));
                }
                if !o.path.starts_with('/') {
                    return Err(format!("operation `{}`: path must start with `/`", o.name));
                }
                let route = self.route(&o.method, &o.path).ok_or_else(|| {
                    format!(
                        "operation `{}`: `{} {}` is not a catalogued [[route]]; add the route (with its source) first",
                        o.name, o.method, o.path
                    )
                })?;
                let a: BTreeSet<_> = o.scopes.iter().collect();
                let b: BTreeSet<_> = route.scopes.iter().collect();
                if a != b {
                    return Err(format!(
                        "operation `{}`: scopes {:?} differ from its route's {:?}",
                        o.name, o.scopes, route.scopes
                    ));
                }
            }
        }
        crate::soap_catalog::validate(self)
    }
}

/// The HTTP methods a route or REST operation may use.
pub const HTTP_METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

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
    fn route_paths_are_checked() {
        let one = "[[scope]]\nname = \"a_b\"\narea = \"x\"\nitem = \"y\"\nlevel = \"z\"\ndescription = \"d\"\n";
        let route = |m: &str, p: &str| {
            format!("{one}[[route]]\nmethod = \"{m}\"\npath = \"{p}\"\nscopes = [\"a_b\"]\nnote = \"n\"\n")
        };
        let ok = Catalog::parse(&route("GET", "/a/{id}/b/key:{key}")).unwrap();
        assert_eq!(ok.routes[0].variables(), ["id", "key"]);
        for (path, why) in [
            ("a/b", "must start with"),
            ("/a/", "not end with"),
            ("/a?x=1", "no query"),
            ("/a//b", "empty segment"),
            ("/a/x{id}", "whole segment"),
            ("/a/{}", "letters-and-digits"),
            ("/a/{i-d}", "letters-and-digits"),
            ("/a/{id}/{id}", "twice"),
            ("/a/id}", "without"),
        ] {
            let e = Catalog::parse(&route("GET", path)).unwrap_err();
            assert!(e.contains(why), "{path}: {e}");
        }
        assert!(Catalog::parse(&route("FETCH", "/a"))
            .unwrap_err()
            .contains("bad HTTP method"));
        let twice = format!("{}{}", route("GET", "/a"), &route("GET", "/a")[one.len()..]);
        assert!(Catalog::parse(&twice).unwrap_err().contains("listed twice"));
    }

    #[test]
    fn the_repository_catalog_lists_mc_routes() {
        let c = Catalog::load(&crate::workspace_root()).unwrap();
        assert!(c.routes.len() >= 190, "{}", c.routes.len());
        let get = c.route("GET", "/interaction/v1/interactions/{id}").unwrap();
        assert_eq!(get.scopes, ["journeys_read"]);
        let fire = c.route("POST", "/interaction/v1/events").unwrap();
        assert_eq!(fire.scopes.len(), 2);
        for o in c.operations.iter().filter(|o| o.api == Api::Rest) {
            assert!(c.route(&o.method, &o.path).is_some(), "{}", o.name);
        }
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
        let e = Catalog::parse(&format!("{one}{rest}")).unwrap_err();
        assert!(e.contains("`GET /x` is not a catalogued [[route]]"), "{e}");
        let route = "[[route]]\nmethod = \"GET\"\npath = \"/x\"\nscopes = [\"a_b\"]\nnote = \"n\"\n";
        assert_eq!(
            Catalog::parse(&format!("{one}{route}{rest}")).unwrap().operations[0].api,
            Api::Rest
        );
        let other = route.replace("[\"a_b\"]", "[]");
        let e = Catalog::parse(&format!("{one}{other}{rest}")).unwrap_err();
        assert!(e.contains("differ from its route"), "{e}");
        let graphql = soap.replace("\"soap\"", "\"graphql\"");
        assert!(Catalog::parse(&format!("{one}{graphql}"))
            .unwrap_err()
            .contains("unknown variant `graphql`"));
    }
}
