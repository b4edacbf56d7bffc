//! Data extension schemas and folders: the field definitions a data extension is created
//! with, the rules MC applies to every row written into it, and the account's folder tree.
//!
//! MC's limits played here (MC's SSJS `Fields.Add` reference and SOAP guide, "Create a Data
//! Extension"): a Text field's `MaxLength` is 1 to 4,000 and 50 when not given; a Decimal
//! field needs its precision (`MaxLength`, at most 29) and `Scale` (at most the precision);
//! EmailAddress fields hold 254 characters, Phone 50, Locale 5; a primary-key field must be
//! required (MC refuses nullable primary keys); a sendable data extension names the field
//! that relates to subscribers, and it must be one of its fields.
//!
//! Rows are checked against the fields on every write path (REST sync and async, SOAP
//! `DataExtensionObject`): an unknown column, a value too long, a value that is not of the
//! field's type, a missing required or primary-key field. A data extension that has no field
//! definitions (one seeded by tests through `fake.data_extensions().add(..)` or created on
//! first write) accepts any column: the fake learns its columns as they come, as it always did.

use super::{ModelError, ModelResult};

/// Longest Text field (MC: `MaxLength` greater than 0 and at most 4,000).
pub(crate) const MAX_TEXT_LENGTH: u32 = 4000;
/// A Text field's length when `MaxLength` is not given.
pub(crate) const DEFAULT_TEXT_LENGTH: u32 = 50;
/// Largest Decimal precision (MC: `MaxLength` of a Decimal field at most 29).
pub(crate) const MAX_DECIMAL_PRECISION: u32 = 29;
/// Length of an EmailAddress field.
pub(crate) const EMAIL_LENGTH: u32 = 254;
/// Length of a Phone field.
pub(crate) const PHONE_LENGTH: u32 = 50;
/// Length of a Locale field.
pub(crate) const LOCALE_LENGTH: u32 = 5;

/// A field's `FieldType`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldKind {
    Text,
    Number,
    Date,
    Boolean,
    EmailAddress,
    Phone,
    Decimal,
    Locale,
}

impl FieldKind {
    /// MC's spelling (case-insensitive); `None` for a type MC does not have.
    pub fn parse(s: &str) -> Option<FieldKind> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "text" => FieldKind::Text,
            "number" => FieldKind::Number,
            "date" => FieldKind::Date,
            "boolean" => FieldKind::Boolean,
            "emailaddress" => FieldKind::EmailAddress,
            "phone" => FieldKind::Phone,
            "decimal" => FieldKind::Decimal,
            "locale" => FieldKind::Locale,
            _ => return None,
        })
    }

    /// MC's spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            FieldKind::Text => "Text",
            FieldKind::Number => "Number",
            FieldKind::Date => "Date",
            FieldKind::Boolean => "Boolean",
            FieldKind::EmailAddress => "EmailAddress",
            FieldKind::Phone => "Phone",
            FieldKind::Decimal => "Decimal",
            FieldKind::Locale => "Locale",
        }
    }
}

/// One field of a data extension, as created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldDef {
    pub name: String,
    pub kind: FieldKind,
    /// Text length or Decimal precision; MC's fixed length for EmailAddress, Phone, Locale.
    pub max_length: Option<u32>,
    /// Decimal digits after the point.
    pub scale: Option<u32>,
    pub primary_key: bool,
    pub required: bool,
    pub default: Option<String>,
    /// Position, from 0.
    pub ordinal: u32,
    pub object_id: String,
}

/// The sendable settings of a data extension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Sendable {
    /// `SendableDataExtensionField.Name`: the data extension's field that relates to subscribers.
    pub field: String,
    /// `SendableSubscriberField.Name`: `Subscriber Key` or `Email Address` (MC's names).
    pub subscriber_field: String,
}

/// Checks a new data extension's definition the way MC does on Create; the error names the
/// field and the rule.
pub(crate) fn check_definition(fields: &mut [FieldDef], sendable: Option<&Sendable>) -> ModelResult<()> {
    if fields.is_empty() {
        return Err(ModelError::invalid(
            "A data extension needs at least one field (Fields/Field).",
        ));
    }
    for i in 0..fields.len() {
        let f = &fields[i];
        let name = f.name.trim();
        if name.is_empty() {
            return Err(ModelError::invalid(format!("Field {i} has no Name.")));
        }
        if fields[..i].iter().any(|g| g.name.eq_ignore_ascii_case(name)) {
            return Err(ModelError::invalid(format!("Field `{name}` is defined twice.")));
        }
        let bad = |rule: String| Err(ModelError::invalid(format!("Field `{name}`: {rule}")));
        match f.kind {
            FieldKind::Text => match f.max_length {
                Some(0) => return bad(format!("MaxLength must be 1 to {MAX_TEXT_LENGTH}, not 0.")),
                Some(n) if n > MAX_TEXT_LENGTH => {
                    return bad(format!("MaxLength must be 1 to {MAX_TEXT_LENGTH}, not {n}."))
                }
                _ => {}
            },
            FieldKind::Decimal => match (f.max_length, f.scale) {
                (Some(p), Some(s)) if (1..=MAX_DECIMAL_PRECISION).contains(&p) && s <= p => {}
                (Some(p), Some(s)) => {
                    return bad(format!(
                        "a Decimal needs a precision (MaxLength) of 1 to {MAX_DECIMAL_PRECISION} and a Scale of at most the precision, not {p} and {s}."
                    ))
                }
                _ => return bad("a Decimal field needs both MaxLength (precision) and Scale.".into()),
            },
            _ => {}
        }
        if f.primary_key && !f.required {
            return bad("a primary-key field must be required (IsRequired true).".into());
        }
        // MC documents `Now()` as a Date field's default: today's date when the row is added.
        let now = f.kind == FieldKind::Date
            && f.default
                .as_deref()
                .is_some_and(|d| d.trim().eq_ignore_ascii_case("now()"));
        if let Some(d) = f.default.as_deref().filter(|d| !d.is_empty() && !now) {
            if let Err(problem) = check_value(f, d) {
                return bad(format!("the DefaultValue `{d}` {problem}."));
            }
        }
    }
    for f in fields.iter_mut() {
        f.name = f.name.trim().to_owned();
        f.max_length = match f.kind {
            FieldKind::Text => Some(f.max_length.unwrap_or(DEFAULT_TEXT_LENGTH)),
            FieldKind::EmailAddress => Some(EMAIL_LENGTH),
            FieldKind::Phone => Some(PHONE_LENGTH),
            FieldKind::Locale => Some(LOCALE_LENGTH),
            FieldKind::Decimal => f.max_length,
            _ => None,
        };
    }
    if let Some(s) = sendable {
        if s.field.trim().is_empty() || !fields.iter().any(|f| f.name.eq_ignore_ascii_case(s.field.trim())) {
            return Err(ModelError::invalid(format!(
                "A sendable data extension needs SendableDataExtensionField naming one of its fields; `{}` is not one.",
                s.field
            )));
        }
        if s.subscriber_field.trim().is_empty() {
            return Err(ModelError::invalid(
                "A sendable data extension needs SendableSubscriberField (Subscriber Key or Email Address).",
            ));
        }
    }
    Ok(())
}

/// Why `value` does not fit field `f` (`Err` completes "the value ... {problem}").
pub(crate) fn check_value(f: &FieldDef, value: &str) -> Result<(), String> {
    let length = value.chars().count();
    if let Some(max) = f.max_length.filter(|_| f.kind != FieldKind::Decimal) {
        if length > max as usize {
            return Err(format!(
                "is {length} characters long, more than the {max} the field holds"
            ));
        }
    }
    let v = value.trim();
    match f.kind {
        FieldKind::Text | FieldKind::Locale => Ok(()),
        FieldKind::Number => v
            .parse::<i64>()
            .ok()
            .filter(|n| i32::try_from(*n).is_ok())
            .map(|_| ())
            .ok_or_else(|| "is not a whole number (a Number field holds -2147483648 to 2147483647)".to_owned()),
        FieldKind::Decimal => check_decimal(v, f.max_length.unwrap_or(18), f.scale.unwrap_or(0)),
        FieldKind::Boolean => match v.to_ascii_lowercase().as_str() {
            "true" | "false" | "1" | "0" | "y" | "n" | "yes" | "no" => Ok(()),
            _ => Err("is not a boolean (true, false, 1, 0, Y, N, Yes or No)".to_owned()),
        },
        FieldKind::EmailAddress => match v.split_once('@') {
            Some((local, domain))
                if !local.is_empty() && domain.contains('.') && !domain.contains('@') && !v.contains(' ') =>
            {
                Ok(())
            }
            _ => Err("is not an email address".to_owned()),
        },
        FieldKind::Phone => {
            if v.chars().any(|c| c.is_ascii_digit()) && v.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)) {
                Ok(())
            } else {
                Err("is not a phone number".to_owned())
            }
        }
        FieldKind::Date => {
            if is_date(v) {
                Ok(())
            } else {
                Err("is not a date (write 2026-01-05, 2026-01-05T08:30:00 or 1/5/2026 8:30 AM)".to_owned())
            }
        }
    }
}

fn check_decimal(v: &str, precision: u32, scale: u32) -> Result<(), String> {
    let digits = v.strip_prefix(['-', '+']).unwrap_or(v);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let numeric = !(whole.is_empty() && fraction.is_empty())
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit());
    if !numeric {
        return Err("is not a decimal number".to_owned());
    }
    let whole_digits = whole.trim_start_matches('0').len() as u32;
    let fraction_digits = fraction.trim_end_matches('0').len() as u32;
    if fraction_digits > scale || whole_digits > precision.saturating_sub(scale) {
        return Err(format!(
            "does not fit a Decimal({precision},{scale}) ({} digits before the point, {scale} after)",
            precision.saturating_sub(scale)
        ));
    }
    Ok(())
}

/// A date MC accepts: `YYYY-MM-DD`, optionally with a time (`T` or space) and an offset, or
/// `M/D/YYYY` with an optional time and AM/PM.
fn is_date(v: &str) -> bool {
    fn ymd(y: &str, m: &str, d: &str) -> bool {
        let n = |s: &str, lo: u32, hi: u32| s.parse::<u32>().ok().filter(|x| (lo..=hi).contains(x)).is_some();
        y.len() == 4 && n(y, 1753, 9999) && n(m, 1, 12) && n(d, 1, 31)
    }
    fn time(t: &str) -> bool {
        let t = t.trim();
        let t = t
            .strip_suffix(" AM")
            .or_else(|| t.strip_suffix(" PM"))
            .or_else(|| t.strip_suffix(" am"))
            .or_else(|| t.strip_suffix(" pm"))
            .unwrap_or(t);
        let t = t.trim_end_matches('Z');
        let t = match t.rfind(['+', '-']) {
            Some(i) if i >= 5 => &t[..i],
            _ => t,
        };
        let mut parts = t.split(':');
        let ok = |p: Option<&str>, hi: u32| {
            p.and_then(|p| p.split('.').next())
                .and_then(|p| p.parse::<u32>().ok())
                .is_some_and(|x| x <= hi)
        };
        ok(parts.next(), 23)
            && ok(parts.next(), 59)
            && parts.next().is_none_or(|s| ok(Some(s), 59))
            && parts.next().is_none()
    }
    let (date, rest) = match v.find(['T', ' ']) {
        Some(i) => (&v[..i], Some(&v[i + 1..])),
        None => (v, None),
    };
    let date_ok = if let [y, m, d] = date.split('-').collect::<Vec<_>>()[..] {
        ymd(y, m, d)
    } else if let [m, d, y] = date.split('/').collect::<Vec<_>>()[..] {
        ymd(y, m, d)
    } else {
        false
    };
    date_ok && rest.is_none_or(time)
}

/// Whether a row write creates a row (every required field must come, unless it has a
/// default) or changes an existing one (only the columns sent are checked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RowWrite {
    New,
    Existing,
}

/// Checks one row (`row`: its position in the request, from 0) against the fields; `columns`
/// are the column names and values sent (`None`: null). The error names the row and the
/// column. Without fields every row is accepted.
pub(crate) fn check_row(
    fields: &[FieldDef],
    row: usize,
    columns: &[(&str, Option<String>)],
    write: RowWrite,
) -> ModelResult<()> {
    if fields.is_empty() {
        return Ok(());
    }
    for (name, value) in columns {
        let Some(f) = fields.iter().find(|f| f.name.eq_ignore_ascii_case(name)) else {
            return Err(ModelError::invalid(format!(
                "Row {row}: column `{name}` is not a field of the data extension (its fields: {}).",
                fields.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
            )));
        };
        match value.as_deref() {
            None | Some("") if f.required || f.primary_key => {
                return Err(ModelError::invalid(format!(
                    "Row {row}: column `{}` is required and cannot be empty.",
                    f.name
                )))
            }
            None | Some("") => {}
            Some(v) => {
                if let Err(problem) = check_value(f, v) {
                    return Err(ModelError::invalid(format!(
                        "Row {row}: column `{}` ({}): the value `{v}` {problem}.",
                        f.name,
                        f.kind.as_str()
                    )));
                }
            }
        }
    }
    if write == RowWrite::New {
        for f in fields.iter().filter(|f| f.required || f.primary_key) {
            let sent = columns.iter().any(|(n, _)| n.eq_ignore_ascii_case(&f.name));
            if !sent && f.default.as_deref().is_none_or(str::is_empty) {
                let what = if f.primary_key { "primary-key" } else { "required" };
                return Err(ModelError::invalid(format!(
                    "Row {row}: the {what} column `{}` is missing.",
                    f.name
                )));
            }
        }
    }
    Ok(())
}

/// A folder of the account (MC's `DataFolder`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Folder {
    pub id: i64,
    /// `0` for a top-level folder.
    pub parent_id: i64,
    pub name: String,
    pub customer_key: String,
    pub description: String,
    /// `dataextension`, `email`, `list`, ... (lower-case, as MC answers).
    pub content_type: String,
    pub object_id: String,
}

/// The account's folder tree. MC gives every account a top-level folder per content type; the
/// fake starts with those of data extensions (`Data Extensions`), emails and lists.
#[derive(Clone, Debug)]
pub(crate) struct Folders {
    pub list: Vec<Folder>,
    next_id: i64,
}

impl Default for Folders {
    fn default() -> Self {
        let root = |id: i64, name: &str, content_type: &str| Folder {
            id,
            parent_id: 0,
            name: name.to_owned(),
            customer_key: format!("{content_type}_default"),
            description: String::new(),
            content_type: content_type.to_owned(),
            object_id: format!("00000000-0000-4000-8000-00000000{id:04}"),
        };
        Folders {
            list: vec![
                root(1001, "Data Extensions", "dataextension"),
                root(1002, "my emails", "email"),
                root(1003, "my lists", "list"),
            ],
            next_id: 1003,
        }
    }
}

impl Folders {
    /// The folder with `id`.
    pub fn get(&self, id: i64) -> Option<&Folder> {
        self.list.iter().find(|f| f.id == id)
    }

    /// The top-level folder of `content_type` (used by the tests only).
    #[cfg(test)]
    pub fn root_of(&self, content_type: &str) -> Option<&Folder> {
        self.list
            .iter()
            .find(|f| f.parent_id == 0 && f.content_type.eq_ignore_ascii_case(content_type))
    }

    /// Creates a folder under `parent_id`, of the parent's content type (MC: a folder holds
    /// one content type, its parent's); a taken `customer_key` or a name taken under the same
    /// parent is refused. Returns the new `ID`.
    pub fn create(
        &mut self,
        parent_id: i64,
        name: &str,
        customer_key: Option<&str>,
        content_type: &str,
        description: &str,
        object_id: String,
    ) -> ModelResult<i64> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ModelError::invalid("A DataFolder needs a Name."));
        }
        let Some(parent) = self.get(parent_id) else {
            return Err(ModelError::not_found(format!(
                "The parent folder {parent_id} (ParentFolder.ID) does not exist."
            )));
        };
        if !content_type.trim().is_empty() && !parent.content_type.eq_ignore_ascii_case(content_type.trim()) {
            return Err(ModelError::invalid(format!(
                "The ContentType `{content_type}` differs from the parent folder's `{}`.",
                parent.content_type
            )));
        }
        let content_type = parent.content_type.clone();
        if self
            .list
            .iter()
            .any(|f| f.parent_id == parent_id && f.name.eq_ignore_ascii_case(name))
        {
            return Err(ModelError::exists(format!(
                "A folder named `{name}` already exists in folder {parent_id}."
            )));
        }
        if let Some(k) = customer_key.filter(|k| !k.trim().is_empty()) {
            if self.list.iter().any(|f| f.customer_key == k) {
                return Err(ModelError::exists(format!(
                    "A folder with CustomerKey `{k}` already exists."
                )));
            }
        }
        self.next_id += 1;
        let id = self.next_id;
        self.list.push(Folder {
            id,
            parent_id,
            name: name.to_owned(),
            customer_key: customer_key
                .filter(|k| !k.trim().is_empty())
                .map(str::to_owned)
                .unwrap_or_else(|| object_id.clone()),
            description: description.to_owned(),
            content_type,
            object_id,
        });
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(name: &str, kind: FieldKind) -> FieldDef {
        FieldDef {
            name: name.into(),
            kind,
            max_length: None,
            scale: None,
            primary_key: false,
            required: false,
            default: None,
            ordinal: 0,
            object_id: String::new(),
        }
    }

    #[test]
    fn definitions_follow_mcs_limits() {
        let mut text = [FieldDef {
            max_length: Some(4001),
            ..field("Name", FieldKind::Text)
        }];
        assert!(check_definition(&mut text, None)
            .unwrap_err()
            .message
            .contains("`Name`"));
        let mut ok = [field("Name", FieldKind::Text), field("Email", FieldKind::EmailAddress)];
        check_definition(&mut ok, None).unwrap();
        assert_eq!(ok[0].max_length, Some(50));
        assert_eq!(ok[1].max_length, Some(254));
        let mut dec = [FieldDef {
            max_length: Some(30),
            scale: Some(2),
            ..field("Price", FieldKind::Decimal)
        }];
        assert!(check_definition(&mut dec, None).is_err());
        let mut pk = [FieldDef {
            primary_key: true,
            ..field("Id", FieldKind::Number)
        }];
        assert!(check_definition(&mut pk, None)
            .unwrap_err()
            .message
            .contains("required"));
        let sendable = Sendable {
            field: "Nope".into(),
            subscriber_field: "Subscriber Key".into(),
        };
        let mut f = [field("Key", FieldKind::Text)];
        assert!(check_definition(&mut f, Some(&sendable)).is_err());
    }

    #[test]
    fn values_are_checked_by_type() {
        let dec = FieldDef {
            max_length: Some(5),
            scale: Some(2),
            ..field("P", FieldKind::Decimal)
        };
        assert!(check_value(&dec, "123.45").is_ok());
        assert!(check_value(&dec, "1234.5").is_err());
        assert!(check_value(&dec, "1.234").is_err());
        assert!(check_value(&dec, "abc").is_err());
        let date = field("D", FieldKind::Date);
        for ok in [
            "2026-01-05",
            "2026-01-05T08:30:00",
            "2026-01-05T08:30:00.123-06:00",
            "1/5/2026 8:30 AM",
        ] {
            assert!(check_value(&date, ok).is_ok(), "{ok}");
        }
        for bad in ["2026-13-01", "tomorrow", "2026-01-05T25:00"] {
            assert!(check_value(&date, bad).is_err(), "{bad}");
        }
        assert!(check_value(&field("N", FieldKind::Number), "12x").is_err());
        assert!(check_value(&field("N", FieldKind::Number), "3000000000").is_err());
        assert!(check_value(&field("B", FieldKind::Boolean), "maybe").is_err());
        assert!(check_value(&field("E", FieldKind::EmailAddress), "ada@").is_err());
    }

    #[test]
    fn rows_name_the_row_and_column() {
        let mut fields = [
            FieldDef {
                primary_key: true,
                required: true,
                ..field("Id", FieldKind::Number)
            },
            FieldDef {
                max_length: Some(3),
                ..field("Code", FieldKind::Text)
            },
        ];
        check_definition(&mut fields, None).unwrap();
        let e = check_row(
            &fields,
            2,
            &[("Id", Some("1".into())), ("Code", Some("abcd".into()))],
            RowWrite::New,
        )
        .unwrap_err();
        assert!(e.message.contains("Row 2") && e.message.contains("`Code`"), "{e}");
        let e = check_row(&fields, 0, &[("Code", Some("a".into()))], RowWrite::New).unwrap_err();
        assert!(e.message.contains("`Id`"), "{e}");
        check_row(&fields, 0, &[("Code", Some("a".into()))], RowWrite::Existing).unwrap();
        let e = check_row(&fields, 0, &[("Other", Some("a".into()))], RowWrite::Existing).unwrap_err();
        assert!(e.message.contains("`Other`"), "{e}");
        check_row(&[], 0, &[("Anything", None)], RowWrite::New).unwrap();
    }

    #[test]
    fn folders_keep_their_parents_content_type() {
        let mut folders = Folders::default();
        let root = folders.root_of("dataextension").unwrap().id;
        let id = folders
            .create(root, "Sales", None, "dataextension", "", "x".into())
            .unwrap();
        assert_eq!(folders.get(id).unwrap().content_type, "dataextension");
        assert!(folders.create(root, "sales", None, "", "", "y".into()).is_err());
        assert!(folders.create(root, "Other", None, "email", "", "z".into()).is_err());
        assert!(folders.create(999, "Other", None, "", "", "z".into()).is_err());
    }
}
