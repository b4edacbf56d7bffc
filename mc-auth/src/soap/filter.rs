//! Retrieve filters: MC's `SimpleFilterPart` (with text `Value`s or typed `DateValue`s) and
//! `ComplexFilterPart` (two filter parts joined by `AND` or `OR`, nested to any depth up to
//! [`MAX_FILTER_DEPTH`]).
//!
//! ```
//! use mc_auth::soap::{DateFilter, Filter, SimpleFilter, SimpleOperator};
//! use time::macros::datetime;
//!
//! // EventDate in [from, to) AND (SendID = 42 OR SendID = 43)
//! let filter = Filter::from(DateFilter::on_or_after("EventDate", datetime!(2026-01-01 00:00 UTC)))
//!     .and(DateFilter::before("EventDate", datetime!(2026-02-01 00:00 UTC)))
//!     .and(SimpleFilter::equals("SendID", "42").or(SimpleFilter::equals("SendID", "43")));
//! assert!(filter.check().is_ok());
//! assert_eq!(filter.depth(), 3);
//! ```
//!
//! Dates go in `DateValue` elements, as MC asks ("Use DateValue for date filters"), written as
//! `2026-01-01T00:00:00+00:00`: with the value's UTC offset and without fractional seconds
//! (MC's `DateValue` carries none; a fraction is dropped, rounding toward the past). MC answers
//! dates in Central Standard Time without an offset; [`parse_mc_datetime`] reads them.

use time::format_description::BorrowedFormatItem;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::xml::XmlWriter;
use super::{SimpleFilter, SimpleOperator};
use crate::error::{Error, Result};

/// The deepest filter tree a Retrieve may carry (a lone simple filter has depth 1). Deeper
/// trees are refused before sending, naming the depth found.
pub const MAX_FILTER_DEPTH: usize = 32;

/// The offset of the times MC answers without one: Central Standard Time, UTC−6, all year
/// ("Central No Daylight time" in MC's SOAP documentation).
pub const MC_SERVER_OFFSET: UtcOffset = offset!(-6);

/// A Retrieve filter: a simple comparison, a date comparison, or two filters joined by a
/// logical operator.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Filter {
    /// A `SimpleFilterPart` with text `Value`s.
    Simple(SimpleFilter),
    /// A `SimpleFilterPart` with `DateValue`s.
    Date(DateFilter),
    /// A `ComplexFilterPart`: `left AND right` or `left OR right`.
    Complex(ComplexFilter),
}

/// A `SimpleFilterPart` comparing a date property with typed date-times (`DateValue`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateFilter {
    /// The property compared, e.g. `EventDate`.
    pub property: String,
    /// The comparison (`like` is refused for dates).
    pub operator: SimpleOperator,
    /// The date-times compared with (two for `between`, none for `isNull` / `isNotNull`).
    pub values: Vec<OffsetDateTime>,
}

impl DateFilter {
    /// `property operator values...`
    pub fn new(
        property: impl Into<String>,
        operator: SimpleOperator,
        values: impl IntoIterator<Item = OffsetDateTime>,
    ) -> Self {
        DateFilter {
            property: property.into(),
            operator,
            values: values.into_iter().collect(),
        }
    }

    /// `property between from and to` (MC's `between` includes both ends).
    pub fn between(property: impl Into<String>, from: OffsetDateTime, to: OffsetDateTime) -> Self {
        Self::new(property, SimpleOperator::Between, [from, to])
    }

    /// `property greaterThan at`.
    pub fn after(property: impl Into<String>, at: OffsetDateTime) -> Self {
        Self::new(property, SimpleOperator::GreaterThan, [at])
    }

    /// `property greaterThanOrEqual at`.
    pub fn on_or_after(property: impl Into<String>, at: OffsetDateTime) -> Self {
        Self::new(property, SimpleOperator::GreaterThanOrEqual, [at])
    }

    /// `property lessThan at`.
    pub fn before(property: impl Into<String>, at: OffsetDateTime) -> Self {
        Self::new(property, SimpleOperator::LessThan, [at])
    }

    /// `self AND other`.
    pub fn and(self, other: impl Into<Filter>) -> Filter {
        Filter::Date(self).and(other)
    }

    /// `self OR other`.
    pub fn or(self, other: impl Into<Filter>) -> Filter {
        Filter::Date(self).or(other)
    }
}

impl SimpleFilter {
    /// `self AND other`.
    pub fn and(self, other: impl Into<Filter>) -> Filter {
        Filter::Simple(self).and(other)
    }

    /// `self OR other`.
    pub fn or(self, other: impl Into<Filter>) -> Filter {
        Filter::Simple(self).or(other)
    }
}

/// A `ComplexFilterPart`'s `LogicalOperator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogicalOperator {
    /// `AND`: both parts match.
    And,
    /// `OR`: either part matches.
    Or,
}

impl LogicalOperator {
    /// The operator as the SOAP API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LogicalOperator::And => "AND",
            LogicalOperator::Or => "OR",
        }
    }
}

/// Two filters joined by a [`LogicalOperator`] (MC's `ComplexFilterPart`, whose
/// `AdditionalOperands` MC reserves for future use: longer chains nest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplexFilter {
    /// The `LeftOperand`.
    pub left: Box<Filter>,
    /// `AND` or `OR`.
    pub operator: LogicalOperator,
    /// The `RightOperand`.
    pub right: Box<Filter>,
}

impl From<SimpleFilter> for Filter {
    fn from(f: SimpleFilter) -> Self {
        Filter::Simple(f)
    }
}

impl From<DateFilter> for Filter {
    fn from(f: DateFilter) -> Self {
        Filter::Date(f)
    }
}

impl From<ComplexFilter> for Filter {
    fn from(f: ComplexFilter) -> Self {
        Filter::Complex(f)
    }
}

impl Filter {
    /// `self AND other`.
    pub fn and(self, other: impl Into<Filter>) -> Filter {
        self.join(LogicalOperator::And, other.into())
    }

    /// `self OR other`.
    pub fn or(self, other: impl Into<Filter>) -> Filter {
        self.join(LogicalOperator::Or, other.into())
    }

    fn join(self, operator: LogicalOperator, other: Filter) -> Filter {
        Filter::Complex(ComplexFilter {
            left: Box::new(self),
            operator,
            right: Box::new(other),
        })
    }

    /// Every one of `parts` (`AND`), as a balanced tree, so that `n` parts nest about
    /// `log2(n)` deep; `None` when there are no parts.
    pub fn all(parts: impl IntoIterator<Item = impl Into<Filter>>) -> Option<Filter> {
        Self::balanced(LogicalOperator::And, parts.into_iter().map(Into::into).collect())
    }

    /// Any one of `parts` (`OR`), as a balanced tree; `None` when there are no parts.
    pub fn any(parts: impl IntoIterator<Item = impl Into<Filter>>) -> Option<Filter> {
        Self::balanced(LogicalOperator::Or, parts.into_iter().map(Into::into).collect())
    }

    fn balanced(operator: LogicalOperator, mut parts: Vec<Filter>) -> Option<Filter> {
        match parts.len() {
            0 => None,
            1 => parts.pop(),
            n => {
                let right = parts.split_off(n / 2);
                let left = Self::balanced(operator, parts)?;
                let right = Self::balanced(operator, right)?;
                Some(left.join(operator, right))
            }
        }
    }

    /// How deep the tree nests (a simple or date filter is 1).
    pub fn depth(&self) -> usize {
        match self {
            Filter::Simple(_) | Filter::Date(_) => 1,
            Filter::Complex(c) => 1 + c.left.depth().max(c.right.depth()),
        }
    }

    /// Checks the filter before it is sent: every comparison names a property and has the
    /// number of values its operator takes (`between` two, `IN` at least one, `isNull` /
    /// `isNotNull` none, the others one), dates are not compared with `like`, and the tree is
    /// at most [`MAX_FILTER_DEPTH`] deep. The error names the comparison and what to change.
    pub fn check(&self) -> Result<()> {
        let depth = self.depth();
        if depth > MAX_FILTER_DEPTH {
            return Err(Error::config(
                "soap filter",
                format!(
                    "the filter nests {depth} deep, more than {MAX_FILTER_DEPTH}; join long lists of parts with Filter::all / Filter::any (balanced) or with IN (nothing was sent)"
                ),
            ));
        }
        self.check_parts()
    }

    fn check_parts(&self) -> Result<()> {
        match self {
            Filter::Simple(f) => check_part(&f.property, f.operator, f.values.len(), false),
            Filter::Date(f) => check_part(&f.property, f.operator, f.values.len(), true),
            Filter::Complex(c) => {
                c.left.check_parts()?;
                c.right.check_parts()
            }
        }
    }

    /// Writes the filter as the element `element` (`Filter`, `LeftOperand`, `RightOperand`).
    pub(crate) fn write(&self, w: &mut XmlWriter, element: &str) {
        match self {
            Filter::Simple(f) => {
                w.open(element, &[("xsi:type", "SimpleFilterPart")]);
                w.text_element("Property", &f.property);
                w.text_element("SimpleOperator", f.operator.as_str());
                if takes_values(f.operator) {
                    for v in &f.values {
                        w.text_element("Value", v);
                    }
                }
                w.close(element);
            }
            Filter::Date(f) => {
                w.open(element, &[("xsi:type", "SimpleFilterPart")]);
                w.text_element("Property", &f.property);
                w.text_element("SimpleOperator", f.operator.as_str());
                if takes_values(f.operator) {
                    for v in &f.values {
                        w.text_element("DateValue", &format_date_value(*v));
                    }
                }
                w.close(element);
            }
            Filter::Complex(c) => {
                w.open(element, &[("xsi:type", "ComplexFilterPart")]);
                c.left.write(w, "LeftOperand");
                w.text_element("LogicalOperator", c.operator.as_str());
                c.right.write(w, "RightOperand");
                w.close(element);
            }
        }
    }
}

fn takes_values(op: SimpleOperator) -> bool {
    !matches!(op, SimpleOperator::IsNull | SimpleOperator::IsNotNull)
}

fn check_part(property: &str, op: SimpleOperator, count: usize, dates: bool) -> Result<()> {
    let fail = |problem: String| {
        Err(Error::config(
            "soap filter",
            format!(
                "the filter on `{property}` ({}): {problem} (nothing was sent)",
                op.as_str()
            ),
        ))
    };
    if property.trim().is_empty() {
        return fail("the property name is empty; name the property compared".into());
    }
    if dates && op == SimpleOperator::Like {
        return fail("`like` does not apply to dates; compare with between, greaterThan, lessThan, ...".into());
    }
    let ok = match op {
        SimpleOperator::IsNull | SimpleOperator::IsNotNull => true,
        SimpleOperator::Between => count == 2,
        SimpleOperator::In => count >= 1,
        _ => count == 1,
    };
    if ok {
        return Ok(());
    }
    let wanted = match op {
        SimpleOperator::Between => "exactly two values (low and high)",
        SimpleOperator::In => "at least one value",
        _ => "exactly one value",
    };
    fail(format!("it takes {wanted}, not {count}"))
}

const DATE_VALUE: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]");

/// A date-time as a `DateValue`: `2026-01-01T00:00:00+00:00`, in the value's own offset, whole
/// seconds (a fraction is dropped).
pub fn format_date_value(at: OffsetDateTime) -> String {
    let whole = at.replace_nanosecond(0).unwrap_or(at);
    whole
        .format(DATE_VALUE)
        .unwrap_or_else(|_| whole.unix_timestamp().to_string())
}

/// Reads a date-time as MC writes it: RFC 3339 with an offset (`2026-01-01T00:00:00Z`,
/// `...-05:00`), or without one (`2026-01-01T06:00:00`, `2026-01-01T06:00:00.037`), which MC
/// means in Central Standard Time ([`MC_SERVER_OFFSET`]). `None` for anything else.
pub fn parse_mc_datetime(text: &str) -> Option<OffsetDateTime> {
    let t = text.trim();
    if let Ok(at) = OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339) {
        return Some(at);
    }
    const NAIVE: &[BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    PrimitiveDateTime::parse(t, NAIVE)
        .ok()
        .map(|p| p.assume_offset(MC_SERVER_OFFSET))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn xml(f: &Filter) -> String {
        let mut w = XmlWriter::new();
        f.write(&mut w, "Filter");
        String::from_utf8(w.finish()).unwrap()
    }

    #[test]
    fn dates_are_written_as_date_values_without_fractions() {
        let f = Filter::from(DateFilter::between(
            "EventDate",
            datetime!(2026-01-01 00:00:00.999 UTC),
            datetime!(2026-01-31 23:59:59 -5),
        ));
        let x = xml(&f);
        assert!(
            x.contains(
                "<DateValue>2026-01-01T00:00:00+00:00</DateValue><DateValue>2026-01-31T23:59:59-05:00</DateValue>"
            ),
            "{x}"
        );
        assert!(!x.contains("<Value>"), "{x}");
    }

    #[test]
    fn complex_parts_nest_left_and_right() {
        let f = SimpleFilter::equals("A", "1").and(SimpleFilter::equals("B", "2").or(SimpleFilter::equals("C", "<3&")));
        let x = xml(&f);
        assert!(x.contains(r#"<Filter xsi:type="ComplexFilterPart"><LeftOperand xsi:type="SimpleFilterPart"><Property>A</Property>"#), "{x}");
        assert!(x.contains(r#"<LogicalOperator>AND</LogicalOperator><RightOperand xsi:type="ComplexFilterPart"><LeftOperand xsi:type="SimpleFilterPart"><Property>B</Property>"#), "{x}");
        assert!(x.contains("<LogicalOperator>OR</LogicalOperator>"), "{x}");
        assert!(x.contains("<Value>&lt;3&amp;</Value>"), "{x}");
        assert_eq!(f.depth(), 3);
    }

    #[test]
    fn all_and_any_are_balanced() {
        let parts = (0..1000).map(|i| SimpleFilter::equals("ID", i.to_string()));
        let f = Filter::any(parts).unwrap();
        assert_eq!(f.depth(), 11);
        assert!(f.check().is_ok());
        assert!(Filter::all(Vec::<Filter>::new()).is_none());
        let one = Filter::all([SimpleFilter::equals("A", "1")]).unwrap();
        assert_eq!(one, Filter::Simple(SimpleFilter::equals("A", "1")));
    }

    #[test]
    fn bad_filters_are_refused_with_what_to_change() {
        let deep = (0..MAX_FILTER_DEPTH).fold(Filter::from(SimpleFilter::equals("A", "1")), |f, _| {
            f.and(SimpleFilter::equals("A", "1"))
        });
        let e = deep.check().unwrap_err().to_string();
        assert!(e.contains("33 deep") && e.contains("Filter::all"), "{e}");
        let between = Filter::from(DateFilter::new(
            "EventDate",
            SimpleOperator::Between,
            [datetime!(2026-01-01 0:00 UTC)],
        ));
        let e = between.check().unwrap_err().to_string();
        assert!(
            e.contains("EventDate") && e.contains("two values") && e.contains("not 1"),
            "{e}"
        );
        let like = Filter::from(DateFilter::new(
            "EventDate",
            SimpleOperator::Like,
            [datetime!(2026-01-01 0:00 UTC)],
        ));
        assert!(like.check().unwrap_err().to_string().contains("like"));
        let unnamed = SimpleFilter::equals(" ", "x").and(SimpleFilter::equals("B", "2"));
        assert!(unnamed
            .check()
            .unwrap_err()
            .to_string()
            .contains("property name is empty"));
        let in_none = Filter::from(SimpleFilter::new("ID", SimpleOperator::In, Vec::<String>::new()));
        assert!(in_none.check().unwrap_err().to_string().contains("at least one"));
        let null = Filter::from(SimpleFilter::new("ID", SimpleOperator::IsNull, ["ignored"]));
        assert!(null.check().is_ok());
        assert!(!xml(&null).contains("ignored"));
    }

    #[test]
    fn mc_datetimes_parse_with_and_without_offsets() {
        assert_eq!(
            parse_mc_datetime("2026-01-01T00:00:00Z"),
            Some(datetime!(2026-01-01 0:00 UTC))
        );
        assert_eq!(
            parse_mc_datetime("2026-01-01T00:00:00.037"),
            Some(datetime!(2026-01-01 0:00:00.037 -6))
        );
        assert_eq!(
            parse_mc_datetime("2026-01-01T00:00:00"),
            Some(datetime!(2026-01-01 6:00 UTC))
        );
        assert_eq!(parse_mc_datetime("yesterday"), None);
        assert_eq!(parse_mc_datetime(""), None);
    }
}
