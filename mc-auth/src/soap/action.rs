//! SOAP object types and the actions they offer, as traits: `Subscriber: Create` says that
//! Subscribers can be created, and `<Subscriber as Create>::Scopes` is what creating them needs.
//!
//! The impls and the marker types are generated from the catalog (`[[soap_object]]` in the
//! repository's `scopes.toml`); typed clients' [`TypedSoap`](super::TypedSoap) calls are
//! bounded on them, and the fake Marketing Cloud checks the same table ([`OBJECTS`](super::OBJECTS))
//! at run time.

use std::fmt;

use crate::scope::Scopes;

/// A SOAP API action (the `SOAPAction` header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SoapAction {
    /// `Retrieve` (`RetrieveRequestMsg`).
    Retrieve,
    /// `Create` (`CreateRequest`).
    Create,
    /// `Update` (`UpdateRequest`).
    Update,
    /// `Delete` (`DeleteRequest`).
    Delete,
    /// `Perform` (`PerformRequestMsg`).
    Perform,
    /// `Schedule` (`ScheduleRequestMsg`).
    Schedule,
    /// `Configure` (`ConfigureRequestMsg`).
    Configure,
    /// `Describe` (`DefinitionRequestMsg`).
    Describe,
    /// `Execute` (`ExecuteRequestMsg`): a named server-side action such as `LogUnsubEvent`,
    /// with `Parameters`.
    Execute,
}

impl SoapAction {
    /// Every action, in catalog order.
    pub const ALL: [SoapAction; 9] = [
        SoapAction::Retrieve,
        SoapAction::Create,
        SoapAction::Update,
        SoapAction::Delete,
        SoapAction::Perform,
        SoapAction::Schedule,
        SoapAction::Configure,
        SoapAction::Describe,
        SoapAction::Execute,
    ];

    /// The action as the `SOAPAction` header names it (`Retrieve`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            SoapAction::Retrieve => "Retrieve",
            SoapAction::Create => "Create",
            SoapAction::Update => "Update",
            SoapAction::Delete => "Delete",
            SoapAction::Perform => "Perform",
            SoapAction::Schedule => "Schedule",
            SoapAction::Configure => "Configure",
            SoapAction::Describe => "Describe",
            SoapAction::Execute => "Execute",
        }
    }

    /// Parses the header spelling (exact case).
    pub fn parse(s: &str) -> Option<SoapAction> {
        SoapAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl fmt::Display for SoapAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One action an object offers and the scopes it needs (all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionInfo {
    /// The action.
    pub action: SoapAction,
    /// The scope strings it needs.
    pub scopes: &'static [&'static str],
}

/// One SOAP object of the catalog: its type, and the actions it offers with their scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectInfo {
    /// The object type as the SOAP API spells it (`Subscriber`).
    pub name: &'static str,
    /// One line.
    pub summary: &'static str,
    /// The actions offered, in [`SoapAction::ALL`] order.
    pub actions: &'static [ActionInfo],
    /// Where the facts come from (the scope mappings are this project's: MC publishes none).
    pub note: &'static str,
}

impl ObjectInfo {
    /// The catalog entry of object type `name` (`DataExtensionObject[key]` counts as
    /// `DataExtensionObject`).
    pub fn of(name: &str) -> Option<&'static ObjectInfo> {
        let base = base_type(name);
        super::OBJECTS.iter().find(|o| o.name == base)
    }

    /// The scopes `action` needs on this object, when it offers the action.
    pub fn scopes(&self, action: SoapAction) -> Option<&'static [&'static str]> {
        self.actions.iter().find(|a| a.action == action).map(|a| a.scopes)
    }
}

/// `DataExtensionObject[key]` → `DataExtensionObject`; other names unchanged (trimmed).
pub fn base_type(object_type: &str) -> &str {
    let t = object_type.trim();
    match t.find('[') {
        Some(i) if t.ends_with(']') => &t[..i],
        _ => t,
    }
}

/// A SOAP object type of the catalog, as a type (`mc_auth::soap::Subscriber`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a SOAP object type of the catalog",
    label = "not a SOAP object type",
    note = "the SOAP object types are the types in `mc_auth::soap` such as `soap::Subscriber`; for others use the unchecked `client.client().soap()`"
)]
pub trait ObjectType: 'static {
    /// The object type as the SOAP API spells it.
    const NAME: &'static str;
    /// Its catalog entry.
    const INFO: &'static ObjectInfo;
}

/// Objects of this type can be retrieved; `Scopes` is what that needs.
#[diagnostic::on_unimplemented(
    message = "the SOAP API offers no Retrieve on `{Self}`",
    label = "`{Self}` cannot be retrieved",
    note = "the actions each SOAP object offers are listed on its type in `mc_auth::soap`"
)]
pub trait Retrieve: ObjectType {
    /// The scope(s) Retrieve needs: a marker of `mc_auth::scope` or a tuple of them.
    type Scopes: Scopes;
}

/// Objects of this type can be created; `Scopes` is what that needs.
#[diagnostic::on_unimplemented(
    message = "the SOAP API offers no Create on `{Self}`",
    label = "`{Self}` cannot be created",
    note = "the actions each SOAP object offers are listed on its type in `mc_auth::soap`"
)]
pub trait Create: ObjectType {
    /// The scope(s) Create needs.
    type Scopes: Scopes;
}

/// Objects of this type can be updated; `Scopes` is what that needs.
#[diagnostic::on_unimplemented(
    message = "the SOAP API offers no Update on `{Self}`",
    label = "`{Self}` cannot be updated",
    note = "the actions each SOAP object offers are listed on its type in `mc_auth::soap`"
)]
pub trait Update: ObjectType {
    /// The scope(s) Update needs.
    type Scopes: Scopes;
}

/// Objects of this type can be deleted; `Scopes` is what that needs.
#[diagnostic::on_unimplemented(
    message = "the SOAP API offers no Delete on `{Self}`",
    label = "`{Self}` cannot be deleted",
    note = "the actions each SOAP object offers are listed on its type in `mc_auth::soap`"
)]
pub trait Delete: ObjectType {
    /// The scope(s) Delete needs.
    type Scopes: Scopes;
}

/// Objects of this type take Perform actions (`start`, ...); `Scopes` is what that needs.
#[diagnostic::on_unimplemented(
    message = "the SOAP API offers no Perform on `{Self}`",
    label = "`{Self}` cannot be performed",
    note = "the actions each SOAP object offers are listed on its type in `mc_auth::soap`"
)]
pub trait Perform: ObjectType {
    /// The scope(s) Perform needs.
    type Scopes: Scopes;
}

/// Objects of this type can be scheduled; `Scopes` is what that needs.
#[diagnostic::on_unimplemented(
    message = "the SOAP API offers no Schedule on `{Self}`",
    label = "`{Self}` cannot be scheduled",
    note = "the actions each SOAP object offers are listed on its type in `mc_auth::soap`"
)]
pub trait Schedule: ObjectType {
    /// The scope(s) Schedule needs.
    type Scopes: Scopes;
}

/// Objects of this type are configured (`ConfigureRequestMsg`); `Scopes` is what that needs.
#[diagnostic::on_unimplemented(
    message = "the SOAP API offers no Configure on `{Self}`",
    label = "`{Self}` cannot be configured",
    note = "the actions each SOAP object offers are listed on its type in `mc_auth::soap`"
)]
pub trait Configure: ObjectType {
    /// The scope(s) Configure needs.
    type Scopes: Scopes;
}

/// Objects of this type can be described (their property definitions); `Scopes` is what that
/// needs.
#[diagnostic::on_unimplemented(
    message = "the SOAP API offers no Describe on `{Self}`",
    label = "`{Self}` cannot be described",
    note = "the actions each SOAP object offers are listed on its type in `mc_auth::soap`"
)]
pub trait Describe: ObjectType {
    /// The scope(s) Describe needs.
    type Scopes: Scopes;
}

/// This named request can be executed (`ExecuteRequestMsg` with `Name` set to the type's
/// name, e.g. `LogUnsubEvent`); `Scopes` is what that needs.
#[diagnostic::on_unimplemented(
    message = "the SOAP API offers no Execute of `{Self}`",
    label = "`{Self}` cannot be executed",
    note = "the actions each SOAP object offers are listed on its type in `mc_auth::soap`"
)]
pub trait Execute: ObjectType {
    /// The scope(s) Execute needs.
    type Scopes: Scopes;
}
