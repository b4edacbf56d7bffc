//! Business units over SOAP: discover the enterprise's units (Retrieve of `BusinessUnit` with
//! `QueryAllAccounts`). To read child units' objects in one call, set
//! [`RetrieveRequest::accounts`](crate::soap::RetrieveRequest::accounts) (or
//! [`SubscriberQuery::accounts`](super::subscribers::SubscriberQuery::accounts)) to
//! [`Accounts::All`] or [`Accounts::Only`].
//!
//! ```no_run
//! use mc_auth::api::prelude::*;
//! use mc_auth::mc_client;
//!
//! #[mc_client(scopes = "accounts_read")]
//! struct Admin;
//!
//! # async fn run(c: Admin) -> mc_auth::Result<()> {
//! for unit in c.business_units().await? {
//!     println!("{} {} (parent {:?})", unit.id, unit.name, unit.parent_id);
//! }
//! # Ok(()) }
//! ```

use super::soap_reader::SoapReader;
use crate::error::Result;
use crate::scope::{op, Has, ScopedClient};
use crate::soap::{self, Accounts, RetrieveRequest, ScopedSoap, SoapCall, SoapObject};

/// A business unit, as retrieved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct BusinessUnit {
    /// Its MID (`ID`).
    pub id: u64,
    /// `Name`.
    pub name: String,
    /// The parent unit's MID (`ParentID`); `None` for the enterprise (MC answers 0 or nothing).
    pub parent_id: Option<u64>,
    /// The parent unit's `ParentName`, when given.
    pub parent_name: Option<String>,
    /// `CustomerKey`, when set.
    pub customer_key: Option<String>,
    /// `AccountType` as MC spells it (`ENTERPRISE_2`, `BUSINESS_UNIT`, ...), when given.
    pub account_type: Option<String>,
    /// `IsActive` (true when MC does not say).
    pub is_active: bool,
}

const PROPERTIES: &[&str] = &[
    "ID",
    "Name",
    "ParentID",
    "ParentName",
    "CustomerKey",
    "AccountType",
    "IsActive",
];

impl BusinessUnit {
    fn from_object(o: &SoapObject) -> Result<Self> {
        let r = SoapReader::new(o, "BusinessUnit");
        let id = r.required_number("ID")?;
        let is_active = r.flag("IsActive")?.unwrap_or(true);
        Ok(BusinessUnit {
            id,
            name: r.text("Name").unwrap_or_default(),
            parent_id: r.number("ParentID")?.filter(|p| *p != 0),
            parent_name: r.text("ParentName"),
            customer_key: r.text("CustomerKey"),
            account_type: r.text("AccountType"),
            is_active,
        })
    }
}

/// Business units, for every client type with the scope of Retrieve on `BusinessUnit`
/// (`accounts_read`).
pub trait BusinessUnits: ScopedClient {
    /// The token's business unit and every unit below it (SOAP Retrieve of `BusinessUnit`
    /// with `QueryAllAccounts`): from the enterprise, all of them.
    ///
    #[doc = crate::scope::op_doc!(list_business_units)]
    fn business_units(&self) -> SoapCall<'_, Vec<BusinessUnit>>
    where
        Self: Has<op::ListBusinessUnits>,
    {
        let request = RetrieveRequest::of::<soap::BusinessUnit>(PROPERTIES.iter().copied()).accounts(Accounts::All);
        let retrieval = self.soap().retrieve::<soap::BusinessUnit>(request);
        Box::pin(async move { retrieval.await?.iter().map(BusinessUnit::from_object).collect() })
    }
}

impl<C: ScopedClient> BusinessUnits for C {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_decode_and_name_what_is_wrong() {
        let o = SoapObject::new("BusinessUnit")
            .with("ID", "200")
            .with("Name", "Retail")
            .with("ParentID", "100")
            .with("IsActive", "true");
        let u = BusinessUnit::from_object(&o).unwrap();
        assert_eq!((u.id, u.parent_id, u.is_active), (200, Some(100), true));
        let top = BusinessUnit::from_object(&SoapObject::new("BusinessUnit").with("ID", "100").with("ParentID", "0"));
        assert_eq!(top.unwrap().parent_id, None);
        let e = BusinessUnit::from_object(&o.clone().with("IsActive", "maybe"));
        assert!(e.is_ok(), "the first IsActive is read");
        let e = BusinessUnit::from_object(&SoapObject::new("BusinessUnit").with("ID", "x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("the BusinessUnit property ID is `x`, not a number"), "{e}");
    }
}
