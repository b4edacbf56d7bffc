//! SOAP Describe (`DefinitionRequestMsg`): the property definitions of the object types the
//! fake models (`Subscriber`, `List`, `Automation`, `DataExtension`), the same properties a
//! Retrieve of them accepts.
//!
//! `DataType` is `DateTime` for `...Date`, `Boolean` for `Is...`, `Int32` for `ID` and
//! `CategoryID`, `String` otherwise; read-only properties (`ID`, `ObjectID`, `CreatedDate`,
//! `ModifiedDate`, `Client.ID`) are not updatable; the properties Create requires
//! (`EmailAddress` of a subscriber, `ListName` of a list, `Name` of an automation or data
//! extension) are `IsRequired`. Describe of any other object type is a `soap:Client` fault
//! (see [`soap`](super)).

use super::base_type;
use super::retrieve::{AUTOMATION_PROPERTIES, DATA_EXTENSION_PROPERTIES, LIST_PROPERTIES, SUBSCRIBER_PROPERTIES};

/// One property as Describe answers it.
pub(crate) struct Property {
    /// `Name`.
    pub name: &'static str,
    /// `DataType`.
    pub data_type: &'static str,
    /// `IsUpdatable`.
    pub updatable: bool,
    /// `IsRequired`.
    pub required: bool,
}

/// The properties of `object_type`, or `None` when the fake does not model it.
pub(crate) fn definition(object_type: &str) -> Option<Vec<Property>> {
    let (names, required): (&[&'static str], &str) = match base_type(object_type) {
        "Subscriber" => (SUBSCRIBER_PROPERTIES, "EmailAddress"),
        "List" => (LIST_PROPERTIES, "ListName"),
        "Automation" => (AUTOMATION_PROPERTIES, "Name"),
        "DataExtension" => (DATA_EXTENSION_PROPERTIES, "Name"),
        _ => return None,
    };
    Some(
        names
            .iter()
            .map(|&name| Property {
                name,
                data_type: if name.ends_with("Date") {
                    "DateTime"
                } else if name.starts_with("Is") {
                    "Boolean"
                } else if name == "ID" || name == "CategoryID" {
                    "Int32"
                } else {
                    "String"
                },
                updatable: !["ID", "ObjectID", "CreatedDate", "ModifiedDate", "Client.ID"].contains(&name),
                required: name == required,
            })
            .collect(),
    )
}
