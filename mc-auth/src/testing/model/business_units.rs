//! Business units: the tenant's tree of accounts (an enterprise and its child units, by MID),
//! and which units a Retrieve may read.
//!
//! MC's rules played here: a Retrieve reads the token's own unit; `QueryAllAccounts` reads the
//! token's unit and every unit below it; `ClientIDs` reads only the units named, among those
//! the token may read. A child unit's token never reads its parent or its siblings, even when
//! it names them in `ClientIDs` (they are left out, as if they held nothing).

use std::collections::BTreeMap;

use super::{ModelError, ModelResult};

/// One business unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unit {
    /// Its MID.
    pub mid: u64,
    /// `Name`.
    pub name: String,
    /// The parent's MID (`None`: the enterprise).
    pub parent: Option<u64>,
    /// `CustomerKey`.
    pub customer_key: String,
    /// `IsActive`.
    pub active: bool,
}

/// Which units a Retrieve asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Neither `QueryAllAccounts` nor `ClientIDs`: the token's own unit.
    Own,
    /// `QueryAllAccounts` true: the token's unit and all below it.
    All,
    /// `ClientIDs`: these units (among those the token may read).
    Only(Vec<u64>),
}

/// The tenant's business units, by MID.
#[derive(Debug)]
pub(crate) struct BusinessUnits {
    units: BTreeMap<u64, Unit>,
}

impl BusinessUnits {
    /// A tenant with one unit, the enterprise `enterprise_mid`.
    pub fn new(enterprise_mid: u64) -> Self {
        let mut units = BTreeMap::new();
        units.insert(
            enterprise_mid,
            Unit {
                mid: enterprise_mid,
                name: "Enterprise".to_owned(),
                parent: None,
                customer_key: format!("enterprise-{enterprise_mid}"),
                active: true,
            },
        );
        BusinessUnits { units }
    }

    /// Adds (or renames) unit `mid` under `parent`, which must exist; a unit cannot be moved
    /// under itself or one of its own children.
    pub fn add(&mut self, mid: u64, name: &str, parent: u64) -> ModelResult<()> {
        if !self.units.contains_key(&parent) {
            return Err(ModelError::not_found(format!(
                "The parent business unit {parent} does not exist; add it first."
            )));
        }
        if mid == parent || self.below(mid).contains(&parent) {
            return Err(ModelError::invalid(format!(
                "Business unit {mid} cannot be placed under {parent}: that would make a cycle."
            )));
        }
        self.units.insert(
            mid,
            Unit {
                mid,
                name: name.to_owned(),
                parent: Some(parent),
                customer_key: format!("bu-{mid}"),
                active: true,
            },
        );
        Ok(())
    }

    /// Every unit, by MID.
    pub fn all(&self) -> impl Iterator<Item = &Unit> {
        self.units.values()
    }

    /// Unit `mid`, when known.
    pub fn get(&self, mid: u64) -> Option<&Unit> {
        self.units.get(&mid)
    }

    /// `mid` and every unit below it.
    pub fn below(&self, mid: u64) -> Vec<u64> {
        let mut out = vec![mid];
        let mut i = 0;
        while i < out.len() {
            let at = out[i];
            out.extend(self.units.values().filter(|u| u.parent == Some(at)).map(|u| u.mid));
            i += 1;
        }
        out
    }

    /// The MIDs a Retrieve by a token of unit `own` reads.
    pub fn visible(&self, own: u64, reach: &Reach) -> Vec<u64> {
        match reach {
            Reach::Own => vec![own],
            Reach::All => self.below(own),
            Reach::Only(mids) => {
                let allowed = self.below(own);
                let mut out: Vec<u64> = mids.iter().copied().filter(|m| allowed.contains(m)).collect();
                out.dedup();
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_are_read_from_above_never_from_below() {
        let mut b = BusinessUnits::new(100);
        b.add(200, "Retail", 100).unwrap();
        b.add(300, "Wholesale", 100).unwrap();
        b.add(210, "Retail EU", 200).unwrap();
        assert!(b.add(400, "x", 999).is_err());
        assert!(b.add(100, "x", 210).is_err(), "a cycle");
        assert_eq!(b.visible(100, &Reach::Own), [100]);
        assert_eq!(b.visible(100, &Reach::All), [100, 200, 300, 210]);
        assert_eq!(b.visible(200, &Reach::All), [200, 210]);
        assert_eq!(b.visible(200, &Reach::Only(vec![100, 300, 210])), [210]);
        assert_eq!(b.visible(100, &Reach::Only(vec![300])), [300]);
    }
}
