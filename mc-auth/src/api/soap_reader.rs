//! Reads the properties of one retrieved SOAP object for the typed operations: trimmed text
//! (blank is absent), numbers, flags and MC's date-times, every problem one
//! [`Error::UnexpectedResponse`] that names the object type, the property and the value.

use std::str::FromStr;

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::soap::{parse_mc_datetime, SoapObject};

/// The properties of one retrieved object of `object_type` (which the errors name, with the
/// endpoint `SOAP Retrieve <object_type>`).
pub(crate) struct SoapReader<'a> {
    object: &'a SoapObject,
    object_type: &'static str,
}

impl<'a> SoapReader<'a> {
    /// A reader of `object`, a retrieved `object_type`.
    pub(crate) fn new(object: &'a SoapObject, object_type: &'static str) -> Self {
        SoapReader { object, object_type }
    }

    /// The error for `property`: `problem` says what is wrong with it, e.g. "is `x`, not a
    /// number".
    fn error(&self, property: &str, problem: &str) -> Error {
        Error::UnexpectedResponse {
            status: 200,
            endpoint: format!("SOAP Retrieve {}", self.object_type),
            problem: format!("the {} property {property} {problem}", self.object_type),
            excerpt: String::new(),
        }
    }

    /// The error for `property` whose `value` is not `wanted` ("a number", "true or false").
    pub(crate) fn invalid(&self, property: &str, value: &str, wanted: &str) -> Error {
        self.error(property, &format!("is `{value}`, not {wanted}"))
    }

    /// The text at `property` (a dotted path such as `Client.ID` reads a nested one),
    /// trimmed; `None` when absent or blank.
    pub(crate) fn text(&self, property: &str) -> Option<String> {
        self.object
            .get_path(property)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    /// The text at `property`; an error when absent or blank.
    pub(crate) fn required(&self, property: &str) -> Result<String> {
        self.text(property)
            .ok_or_else(|| self.error(property, "is missing or empty"))
    }

    /// The number at `property`, `None` when absent or blank; an error when it is not one.
    pub(crate) fn number<T: FromStr>(&self, property: &str) -> Result<Option<T>> {
        match self.text(property) {
            None => Ok(None),
            Some(v) => v.parse().map(Some).map_err(|_| self.invalid(property, &v, "a number")),
        }
    }

    /// The number at `property`; an error when absent, blank or not a number.
    pub(crate) fn required_number<T: FromStr>(&self, property: &str) -> Result<T> {
        let v = self.required(property)?;
        v.parse().map_err(|_| self.invalid(property, &v, "a number"))
    }

    /// The flag at `property` (`true`/`false` in any case, or `1`/`0`), `None` when absent or
    /// blank; an error for anything else.
    pub(crate) fn flag(&self, property: &str) -> Result<Option<bool>> {
        match self.text(property) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") || v == "1" => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") || v == "0" => Ok(Some(false)),
            Some(v) => Err(self.invalid(property, &v, "true or false")),
        }
    }

    /// The date-time at `property` (MC's form, read by [`parse_mc_datetime`]); an error when
    /// absent, blank or not a date-time.
    pub(crate) fn date(&self, property: &str) -> Result<OffsetDateTime> {
        let v = self.required(property)?;
        parse_mc_datetime(&v).ok_or_else(|| self.invalid(property, &v, "a date-time"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader_error(e: Error) -> String {
        match e {
            Error::UnexpectedResponse {
                status,
                endpoint,
                problem,
                ..
            } => {
                assert_eq!(status, 200);
                format!("{endpoint}: {problem}")
            }
            other => panic!("not an UnexpectedResponse: {other:?}"),
        }
    }

    #[test]
    fn reads_trimmed_text_numbers_flags_and_dates() {
        let o = SoapObject::new("Thing")
            .with("Name", "  Ada ")
            .with("Blank", "  ")
            .with("Count", "42")
            .with("On", "TRUE")
            .with("Off", "0")
            .with("When", "2026-01-01T00:00:00Z")
            .with_nested("Client", [("ID", "7")]);
        let r = SoapReader::new(&o, "Thing");
        assert_eq!(r.text("Name").as_deref(), Some("Ada"));
        assert_eq!(r.text("Blank"), None);
        assert_eq!(r.text("Absent"), None);
        assert_eq!(r.required("Name").unwrap(), "Ada");
        assert_eq!(r.number::<u32>("Count").unwrap(), Some(42));
        assert_eq!(r.number::<u32>("Blank").unwrap(), None);
        assert_eq!(r.required_number::<i64>("Client.ID").unwrap(), 7);
        assert_eq!(r.flag("On").unwrap(), Some(true));
        assert_eq!(r.flag("Off").unwrap(), Some(false));
        assert_eq!(r.flag("Absent").unwrap(), None);
        assert_eq!(r.date("When").unwrap().unix_timestamp(), 1_767_225_600);
    }

    #[test]
    fn errors_name_the_type_the_property_and_the_value() {
        let o = SoapObject::new("AutomationInstance")
            .with("StatusCode", "x<&")
            .with("Flag", "maybe")
            .with("When", "yesterday");
        let r = SoapReader::new(&o, "AutomationInstance");
        let e = reader_error(r.number::<i32>("StatusCode").unwrap_err());
        assert_eq!(
            e,
            "SOAP Retrieve AutomationInstance: the AutomationInstance property StatusCode is `x<&`, not a number"
        );
        let e = reader_error(r.required_number::<i32>("StatusCode").unwrap_err());
        assert!(e.contains("StatusCode is `x<&`, not a number"), "{e}");
        let e = reader_error(r.flag("Flag").unwrap_err());
        assert!(
            e.ends_with("the AutomationInstance property Flag is `maybe`, not true or false"),
            "{e}"
        );
        let e = reader_error(r.date("When").unwrap_err());
        assert!(e.ends_with("property When is `yesterday`, not a date-time"), "{e}");
        for missing in [
            r.required("Name").unwrap_err(),
            r.required_number::<u8>("Name").unwrap_err(),
            r.date("Name").unwrap_err(),
        ] {
            let e = reader_error(missing);
            assert!(
                e.ends_with("the AutomationInstance property Name is missing or empty"),
                "{e}"
            );
        }
    }
}
