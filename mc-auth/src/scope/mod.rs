//! Marketing Cloud scopes as types, so that the compiler checks them.
//!
//! An application declares, per component, the scopes it needs with
//! [`#[mc_client]`](crate::mc_client). Every call that reaches Marketing Cloud then compiles only
//! for client types that declared the scopes it needs: the typed operations of [`crate::api`]
//! (bounded on [`op`]), and [`rest!`](crate::rest) for any route of MC's REST permission table
//! ([`ROUTES`]). The token each client type fetches carries exactly its declared scopes.
//!
//! ```no_run
//! use mc_auth::{mc_client, rest, Credentials};
//!
//! /// Sends the welcome mail.
//! #[mc_client(scopes = "email_read email_send")]
//! pub struct Mailer;
//!
//! # async fn run() -> mc_auth::Result<()> {
//! // One token for exactly `email_read email_send`; fails with `Error::ScopesNotGranted`
//! // if the installed package does not grant both.
//! let mailer = Mailer::connect(Credentials::from_env()?).await?;
//! assert_eq!(Mailer::SCOPES, ["email_read", "email_send"]);
//!
//! let body = serde_json::json!({ "definitionKey": "welcome", "recipient": { "to": "ada@example.com" } });
//! let message_key = "welcome-1";
//! rest!(mailer, POST "/messaging/v1/email/messages/{messageKey}", messageKey = message_key)
//!     .json(&body)
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! A call the client type lacks a scope for does not compile:
//!
//! ```compile_fail,E0277
//! # use mc_auth::{mc_client, rest};
//! # #[mc_client(scopes = "email_read email_send")]
//! # pub struct Mailer;
//! # fn f(mailer: Mailer) {
//! let key = "customers";
//! rest!(mailer, POST "/hub/v1/dataevents/key:{key}/rowset");
//! # }
//! ```
//!
//! ```text
//! error[E0277]: `Mailer` lacks the Marketing Cloud scope `data_extensions_write`
//!  --> src/main.rs:9:1
//!   |
//! 9 | rest!(mailer, POST "/hub/v1/dataevents/key:{key}/rowset");
//!   | ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ requires the scope `data_extensions_write`
//!   |
//! help: the trait `Has<data_extensions_write>` is not implemented for `Mailer`
//!   = note: add `data_extensions_write` to the scopes of `Mailer`: #[mc_client(scopes = "... data_extensions_write")]
//!   = note: in generic code, add the scope to the client type's bounds: `Has<data_extensions_write>`
//! ```
//!
//! An operation that needs two scopes reports each one that is missing, as its own error. A
//! misspelt scope is caught by the macro: ``unknown Marketing Cloud scope `emial_read`: did you
//! mean `email_read`?`` (see `tests/ui` in the repository for every message).
//!
//! # The pieces
//!
//! - One marker type per MC scope, named in CamelCase: [`EmailSend`] is `email_send`,
//!   [`DataExtensionsWrite`] is `data_extensions_write`. (Each is an alias of a type named after
//!   the scope string itself, so that compile errors print the string.) Each implements
//!   [`Scope`]. The full list with descriptions is [`ALL`]; the documented REST routes and the
//!   scopes each needs are [`ROUTES`]; the typed operations are [`OPERATIONS`] and [`op`]. All
//!   are generated from the repository's `scopes.toml`.
//! - [`ScopedClient`] is implemented by every `#[mc_client]` type.
//! - [`Has<S>`] holds when client type `C` declared scope `S`. `S` may also be a tuple,
//!   `Has<(JourneysRead, ListAndSubscribersRead)>`, for operations that need several scopes
//!   (all of them); the compiler then reports each missing scope as its own error.
//!
//! # Scope-bound code of your own
//!
//! Bound generic code on [`Has`]; it works for every client type with the scope:
//!
//! ```
//! use mc_auth::scope::{EmailSend, Has};
//!
//! async fn send_welcome<C: Has<EmailSend>>(client: &C, key: &str) -> mc_auth::Result<u16> {
//!     let path = format!("/messaging/v1/email/messages/{key}");
//!     let resp = client.rest::<EmailSend>().post(&path).send().await?;
//!     Ok(resp.status())
//! }
//! ```
//!
//! An operation that needs several scopes names them all: `C: Has<(JourneysRead,
//! ListAndSubscribersRead)>`. Inside a generic function only the exact bounds written are
//! known, so a function that calls `rest::<JourneysRead>()` on its own should say
//! `C: Has<JourneysRead> + Has<ListAndSubscribersRead>` instead. `rest!` works in generic code
//! too: `rest!(client, POST "/interaction/v1/events")` compiles where `C` is bounded on both
//! scopes.
//!
//! `client.rest::<S>()` is the unchecked way to a path: it requires the scope `S` that you
//! name, and you vouch that `S` is what the path needs. Use it for routes the catalog does not
//! list.
//!
//! A library method is bounded the same way, on `Self`:
//!
//! ```
//! use mc_auth::scope::{JourneysRead, ListAndSubscribersRead, Has, ScopedClient};
//!
//! trait Journeys: ScopedClient {
//!     /// `POST /interaction/v1/events`.
//!     fn fire_event(&self) -> mc_auth::RequestBuilder
//!     where
//!         Self: Has<(JourneysRead, ListAndSubscribersRead)>,
//!     {
//!         self.rest::<(JourneysRead, ListAndSubscribersRead)>().post("/interaction/v1/events")
//!     }
//! }
//! impl<C: ScopedClient> Journeys for C {}
//! ```

mod rest;
use crate::Client;
pub(crate) use rest::route as build_route;
#[doc(hidden)]
pub use rest::Piece;
pub use rest::Rest;

mod generated;

pub use generated::*;

/// A Marketing Cloud scope as a type: one uninhabited marker per scope string.
///
/// Implemented by the markers in this module only.
pub trait Scope: 'static {
    /// The scope string, e.g. `"email_send"`.
    const NAME: &'static str;
    /// Its catalog entry (area, item, level, description).
    const INFO: &'static ScopeInfo;
}

/// One scope or several: a [`Scope`] marker, `()` (none), or a tuple of markers (all of them).
pub trait Scopes: 'static {
    /// The scope strings, in the order written.
    const NAMES: &'static [&'static str];
}

impl<S: Scope> Scopes for S {
    const NAMES: &'static [&'static str] = &[S::NAME];
}

/// A client type made by [`#[mc_client]`](crate::mc_client): a [`Client`] whose declared scopes
/// are known to the compiler.
///
/// Implemented by the macro; not meant to be implemented by hand. Generated types are `Clone`
/// (cheap: a handle) and also `Debug` (no secrets), `Send` and `Sync`, but only `Clone` is a
/// supertrait. `Send + Sync` as supertraits made a crate of 50 client types and 500 scoped
/// calls half again as slow to `cargo check` (`cargo xtask bench-compile`); code that needs
/// them says so itself (`where Self: Send + Sync`), which costs nothing where it is not used.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Marketing Cloud client type",
    label = "not declared with `#[mc_client]`",
    note = "declare one with `#[mc_client(scopes = \"...\")] struct MyClient;`"
)]
pub trait ScopedClient: Clone {
    /// The type's name, used in errors such as [`Error::ScopesNotGranted`](crate::Error::ScopesNotGranted).
    const NAME: &'static str;
    /// The declared scope strings, sorted.
    const SCOPES: &'static [&'static str];

    /// The runtime client (escape hatch: its requests are not scope-checked).
    fn client(&self) -> &Client;

    /// A REST handle for scope(s) `S`; compiles only if this type declared them. The caller
    /// vouches that `S` covers the paths it calls: prefer [`mc_auth::rest!`](crate::rest),
    /// which checks the route's own scopes (see [`Rest`]).
    fn rest<S>(&self) -> Rest<'_, S>
    where
        Self: Has<S>,
    {
        Rest::new(self.client())
    }
}

/// `C: Has<S>`: client type `C` declared the scope `S` (a marker from this module), or every
/// scope of the tuple `S`.
///
/// This is the bound for scope-checked code. When it does not hold, the compiler names the
/// missing MC scope string, the client type, and the fix.
///
/// The error is one per missing scope, in the words of the scope string:
///
/// ```text
/// error[E0277]: `Mailer` lacks the Marketing Cloud scope `data_extensions_write`
///   = note: add `data_extensions_write` to the scopes of `Mailer`: #[mc_client(scopes = "... data_extensions_write")]
///   = note: in generic code, add the scope to the client type's bounds: `Has<data_extensions_write>`
/// ```
///
/// (Each marker type is named after its scope string, `email_send`, so that errors print it;
/// code names it by its CamelCase alias, `EmailSend`. `Has<email_send>` and `Has<EmailSend>` are
/// the same bound.)
#[diagnostic::on_unimplemented(
    message = "`{Self}` lacks the Marketing Cloud scope `{S}`",
    label = "requires the scope `{S}`",
    note = "add `{S}` to the scopes of `{Self}`: #[mc_client(scopes = \"... {S}\")]",
    note = "in generic code, add the scope to the client type's bounds: `Has<{S}>`"
)]
pub trait Has<S>: ScopedClient {}

impl<C: ScopedClient> Has<()> for C {}

impl Scopes for () {
    const NAMES: &'static [&'static str] = &[];
}

macro_rules! tuples {
    ($(($($t:ident),+))+) => {$(
        impl<C, $($t),+> Has<($($t,)+)> for C where C: $(Has<$t> +)+ ScopedClient {}

        impl<$($t: Scope),+> Scopes for ($($t,)+) {
            const NAMES: &'static [&'static str] = &[$($t::NAME),+];
        }
    )+};
}

tuples! {
    (A, B)
    (A, B, D)
    (A, B, D, E)
    (A, B, D, E, F)
    (A, B, D, E, F, G)
}

/// One Marketing Cloud scope's catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ScopeInfo {
    /// The scope string, e.g. `email_send`.
    pub name: &'static str,
    /// Area, e.g. `Channels`.
    pub area: &'static str,
    /// Item within the area, e.g. `Email`.
    pub item: &'static str,
    /// The verb part, e.g. `send`.
    pub level: &'static str,
    /// One line.
    pub description: &'static str,
}

/// Which Marketing Cloud API an operation belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Api {
    /// REST, under the tenant's `rest_instance_url`.
    Rest,
    /// SOAP, `Service.asmx` on the tenant's SOAP host.
    Soap,
}

/// A Marketing Cloud API operation and the scopes it needs (all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct OperationInfo {
    /// snake_case id, e.g. `send_email`.
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// REST or SOAP.
    pub api: Api,
    /// The HTTP method (REST) or SOAP action.
    pub method: &'static str,
    /// The path under the REST base (REST) or the object type (SOAP).
    pub path: &'static str,
    /// The scope strings it needs, all of them.
    pub scopes: &'static [&'static str],
    /// Where the fact comes from, or what is unconfirmed.
    pub note: Option<&'static str>,
}

/// A documented Marketing Cloud REST route and the scopes it needs (all of them); see [`ROUTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RouteInfo {
    /// The HTTP method, e.g. `GET`.
    pub method: &'static str,
    /// The path template under the REST base, with `{name}` variables, e.g.
    /// `/interaction/v1/interactions/{id}`.
    pub path: &'static str,
    /// The scope strings it needs, all of them (empty: MC requires none).
    pub scopes: &'static [&'static str],
    /// The row of MC's permission table it comes from, and what was adjusted.
    pub note: &'static str,
}

impl RouteInfo {
    /// Whether a concrete request path (no query string) is an instance of this route's
    /// template: each `{name}` matches one non-empty segment (`key:{name}` one segment that
    /// starts with `key:`).
    ///
    /// ```
    /// let r = mc_auth::scope::route("GET", "/interaction/v1/interactions/{id}").unwrap();
    /// assert!(r.matches("/interaction/v1/interactions/abc-1"));
    /// assert!(!r.matches("/interaction/v1/interactions/abc-1/audit/all"));
    /// ```
    pub fn matches(&self, path: &str) -> bool {
        let mut want = self.path.split('/');
        let mut have = path.split('/');
        loop {
            match (want.next(), have.next()) {
                (None, None) => return true,
                (Some(w), Some(h)) => {
                    let ok = match w.find('{') {
                        None => w == h,
                        Some(i) => h.len() > i && h.starts_with(&w[..i]),
                    };
                    if !ok {
                        return false;
                    }
                }
                _ => return false,
            }
        }
    }
}

/// The catalogued route with this method and path template, e.g.
/// `route("GET", "/interaction/v1/interactions/{id}")`.
pub fn route(method: &str, template: &str) -> Option<&'static RouteInfo> {
    ROUTES.iter().find(|r| r.method == method && r.path == template)
}

/// The catalogued route a concrete request (`method`, `path` without query) is an instance of.
/// A literal segment wins over a variable (`/assets/query` is not `/assets/{id}`), and a
/// `key:{name}` segment over a bare `{name}`.
///
/// ```
/// let r = mc_auth::scope::route_for("POST", "/asset/v1/content/assets/query").unwrap();
/// assert_eq!(r.scopes, ["documents_and_images_read"]);
/// ```
pub fn route_for(method: &str, path: &str) -> Option<&'static RouteInfo> {
    ROUTES
        .iter()
        .filter(|r| r.method == method && r.matches(path))
        .min_by_key(|r| {
            let literal = r.path.split('/').map(|s| s.find('{').unwrap_or(s.len())).sum::<usize>();
            (r.path.matches('{').count(), std::cmp::Reverse(literal))
        })
}

/// The catalog entry for a scope string.
///
/// ```
/// let info = mc_auth::scope::info("email_send").unwrap();
/// assert_eq!((info.area, info.level), ("Channels", "send"));
/// ```
pub fn info(name: &str) -> Option<&'static ScopeInfo> {
    ALL.iter().find(|s| s.name == name)
}

/// The catalog entry for an operation id, e.g. `"send_email"`.
pub fn operation(name: &str) -> Option<&'static OperationInfo> {
    OPERATIONS.iter().find(|o| o.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_match_the_catalog() {
        assert_eq!(ALL.len(), 85);
        assert_eq!(EmailSend::NAME, "email_send");
        assert_eq!(EmailSend::INFO.name, "email_send");
        assert_eq!(Offline::INFO.name, "offline");
        assert_eq!(
            <(JourneysRead, ListAndSubscribersRead)>::NAMES,
            ["journeys_read", "list_and_subscribers_read"]
        );
        assert!(<()>::NAMES.is_empty());
        assert_eq!(
            std::any::type_name::<EmailSend>(),
            "mc_auth::scope::generated::email_send"
        );
    }

    #[test]
    fn every_rest_operation_is_a_catalogued_route_with_its_scopes() {
        for op in OPERATIONS.iter().filter(|o| o.api == Api::Rest) {
            let r = route(op.method, op.path).unwrap_or_else(|| panic!("{}", op.name));
            let mut a = op.scopes.to_vec();
            let mut b = r.scopes.to_vec();
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b, "{}", op.name);
        }
    }

    #[test]
    fn routes_match_concrete_paths() {
        let get = |p| route_for("GET", p).map(|r| r.path);
        assert_eq!(
            get("/interaction/v1/interactions/x"),
            Some("/interaction/v1/interactions/{id}")
        );
        assert_eq!(
            get("/interaction/v1/interactions"),
            Some("/interaction/v1/interactions")
        );
        assert_eq!(
            route_for("POST", "/hub/v1/dataevents/key:abc/rowset").map(|r| r.path),
            Some("/hub/v1/dataevents/key:{key}/rowset")
        );
        assert_eq!(route_for("POST", "/hub/v1/dataevents/abc/rowset"), None);
        assert_eq!(
            route_for("POST", "/interaction/v1/interactions/pause/key:k").map(|r| r.path),
            Some("/interaction/v1/interactions/pause/key:{definitionKey}")
        );
        assert_eq!(
            route_for("POST", "/interaction/v1/interactions/pause/k").map(|r| r.path),
            Some("/interaction/v1/interactions/pause/{definitionId}")
        );
        assert_eq!(get("/interaction/v1/interactions/"), None);
        assert_eq!(route_for("PATCH", "/interaction/v1/interactions/x"), None);
        for r in ROUTES {
            assert!(r.matches(r.path), "{}", r.path);
            assert_eq!(route(r.method, r.path), Some(r));
        }
    }

    #[test]
    fn every_operation_names_known_scopes() {
        for op in OPERATIONS {
            assert!(!op.scopes.is_empty(), "{}", op.name);
            for s in op.scopes {
                assert!(info(s).is_some(), "{}: {s}", op.name);
            }
        }
        assert_eq!(
            operation("fire_journey_event").map(|o| o.scopes),
            Some(&["journeys_read", "list_and_subscribers_read"][..])
        );
    }
}
