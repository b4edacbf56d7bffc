//! Dates as MC writes them in data extension rows.

use std::fmt;
use std::str::FromStr;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::soap::MC_SERVER_OFFSET;

/// A data extension `Date` column's value with its time of day: a date-time, and the UTC
/// offset when the text had one.
///
/// Reads what MC writes: `1/2/2026 3:04:05 PM` (month/day/year, 12-hour clock; the SOAP API
/// and exports), `1/2/2026 15:04:05`, and ISO 8601 (`2026-01-02T15:04:05`, with fractions of a
/// second, a space for the `T`, or an offset such as `Z` or `-06:00`). Writes ISO 8601
/// (`2026-01-02T15:04:05`, with the offset when it has one), which MC accepts on every row
/// API.
///
/// MC keeps data extension dates without a time zone; [`at_mc_offset`](Self::at_mc_offset)
/// reads one without an offset in MC's server time (Central Standard Time, UTC−6, all year).
///
/// ```
/// use mc_auth::api::row_codec::RowDateTime;
/// let at: RowDateTime = "1/2/2026 3:04:05 PM".parse()?;
/// assert_eq!(at.to_string(), "2026-01-02T15:04:05");
/// assert_eq!(at, "2026-01-02T15:04:05".parse()?);
/// # Ok::<(), mc_auth::api::row_codec::DateParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowDateTime {
    at: PrimitiveDateTime,
    offset: Option<UtcOffset>,
}

/// A data extension `Date` column's value as a calendar date.
///
/// Reads `1/2/2026`, `2026-01-02`, and a date-time at midnight in any form [`RowDateTime`]
/// reads (MC's SOAP API answers a date column as `1/2/2026 12:00:00 AM`); a date-time at
/// another time of day is refused rather than cut. Writes `2026-01-02`.
///
/// ```
/// use mc_auth::api::row_codec::RowDate;
/// let day: RowDate = "1/2/2026 12:00:00 AM".parse()?;
/// assert_eq!(day.to_string(), "2026-01-02");
/// # Ok::<(), mc_auth::api::row_codec::DateParseError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RowDate(pub Date);

/// A text that is not a date (or date-time) in a form MC writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateParseError {
    expected: &'static str,
    found: String,
}

impl fmt::Display for DateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for DateParseError {}

const EXPECTED_DATETIME: &str = "a date-time (1/2/2026 3:04:05 PM or ISO 8601 2026-01-02T15:04:05)";
const EXPECTED_DATE: &str = "a date (1/2/2026 or 2026-01-02, or a date-time at midnight)";

impl RowDateTime {
    /// A date-time without an offset (as MC keeps data extension dates).
    pub fn new(at: PrimitiveDateTime) -> Self {
        RowDateTime { at, offset: None }
    }

    /// The date and time of day, as written.
    pub fn datetime(&self) -> PrimitiveDateTime {
        self.at
    }

    /// The offset, when the text had one.
    pub fn offset(&self) -> Option<UtcOffset> {
        self.offset
    }

    /// The moment: with its own offset, or else in MC's server time
    /// ([`MC_SERVER_OFFSET`](crate::soap::MC_SERVER_OFFSET), UTC−6).
    pub fn at_mc_offset(&self) -> OffsetDateTime {
        self.at.assume_offset(self.offset.unwrap_or(MC_SERVER_OFFSET))
    }
}

impl From<PrimitiveDateTime> for RowDateTime {
    fn from(at: PrimitiveDateTime) -> Self {
        RowDateTime::new(at)
    }
}

impl From<OffsetDateTime> for RowDateTime {
    fn from(at: OffsetDateTime) -> Self {
        RowDateTime {
            at: PrimitiveDateTime::new(at.date(), at.time()),
            offset: Some(at.offset()),
        }
    }
}

impl From<Date> for RowDate {
    fn from(day: Date) -> Self {
        RowDate(day)
    }
}

impl FromStr for RowDateTime {
    type Err = DateParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_datetime(text.trim()).ok_or_else(|| DateParseError {
            expected: EXPECTED_DATETIME,
            found: super::quote(text),
        })
    }
}

impl FromStr for RowDate {
    type Err = DateParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let t = text.trim();
        let day = parse_us_date(t)
            .or_else(|| Date::parse(t, time::macros::format_description!("[year]-[month]-[day]")).ok())
            .or_else(|| {
                parse_datetime(t)
                    .filter(|at| at.at.time() == Time::MIDNIGHT)
                    .map(|at| at.at.date())
            });
        day.map(RowDate).ok_or_else(|| DateParseError {
            expected: EXPECTED_DATE,
            found: super::quote(text),
        })
    }
}

impl fmt::Display for RowDateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.at.date();
        let t = self.at.time();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            d.year(),
            u8::from(d.month()),
            d.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        if t.nanosecond() != 0 {
            let frac = format!("{:09}", t.nanosecond());
            write!(f, ".{}", frac.trim_end_matches('0'))?;
        }
        if let Some(o) = self.offset {
            if o.is_utc() {
                f.write_str("Z")?;
            } else {
                let (h, m, s) = o.as_hms();
                let sign = if o.is_negative() { '-' } else { '+' };
                write!(f, "{sign}{:02}:{:02}", h.unsigned_abs(), m.unsigned_abs())?;
                if s != 0 {
                    write!(f, ":{:02}", s.unsigned_abs())?;
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for RowDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02}",
            self.0.year(),
            u8::from(self.0.month()),
            self.0.day()
        )
    }
}

impl Serialize for RowDateTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for RowDate {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct TextVisitor<T>(std::marker::PhantomData<T>, &'static str);

impl<T: FromStr<Err = DateParseError>> de::Visitor<'_> for TextVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.1)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.parse().map_err(|e: DateParseError| E::custom(e))
    }
}

impl<'de> Deserialize<'de> for RowDateTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor(std::marker::PhantomData, EXPECTED_DATETIME))
    }
}

impl<'de> Deserialize<'de> for RowDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor(std::marker::PhantomData, EXPECTED_DATE))
    }
}

/// `M/D/YYYY` (one or two digits for month and day).
fn parse_us_date(t: &str) -> Option<Date> {
    let mut parts = t.split('/');
    let month = small_number(parts.next()?, 2)?;
    let day = small_number(parts.next()?, 2)?;
    let year_text = parts.next()?;
    if parts.next().is_some() || year_text.len() != 4 {
        return None;
    }
    let year = small_number(year_text, 4)?;
    Date::from_calendar_date(year as i32, Month::try_from(month as u8).ok()?, u8::try_from(day).ok()?).ok()
}

/// Digits only, at most `max_digits` of them.
fn small_number(t: &str, max_digits: usize) -> Option<u32> {
    if t.is_empty() || t.len() > max_digits || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// `H:MM[:SS[.fff]]` with an optional `AM` / `PM`.
fn parse_clock(t: &str, meridiem: Option<&str>) -> Option<Time> {
    let mut parts = t.split(':');
    let hour = small_number(parts.next()?, 2)?;
    let minute = small_number(parts.next()?, 2)?;
    let (second, nanos) = match parts.next() {
        None => (0, 0),
        Some(s) => {
            let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
            let second = small_number(whole, 2)?;
            let nanos = if frac.is_empty() {
                0
            } else {
                if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                format!("{frac:0<9}").parse().ok()?
            };
            (second, nanos)
        }
    };
    if parts.next().is_some() {
        return None;
    }
    let hour = match meridiem.map(str::to_ascii_uppercase).as_deref() {
        None => hour,
        Some("AM") if (1..=12).contains(&hour) => hour % 12,
        Some("PM") if (1..=12).contains(&hour) => hour % 12 + 12,
        Some(_) => return None,
    };
    Time::from_hms_nano(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
        nanos,
    )
    .ok()
}

fn parse_datetime(t: &str) -> Option<RowDateTime> {
    // MC's US form: `1/2/2026 3:04:05 PM`, `1/2/2026 15:04`, `1/2/2026`.
    if t.contains('/') {
        let mut words = t.split_whitespace();
        let day = parse_us_date(words.next()?)?;
        let clock = words.next();
        let meridiem = words.next();
        if words.next().is_some() {
            return None;
        }
        let time = match clock {
            None => Time::MIDNIGHT,
            Some(c) => parse_clock(c, meridiem)?,
        };
        return Some(RowDateTime::new(PrimitiveDateTime::new(day, time)));
    }
    if let Ok(at) = OffsetDateTime::parse(t, &Rfc3339) {
        return Some(at.into());
    }
    // ISO 8601 without an offset (or with one RFC 3339 refuses, e.g. without seconds).
    let (day, rest) = t.split_at_checked(10)?;
    let day = Date::parse(day, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    if rest.is_empty() {
        return Some(RowDateTime::new(PrimitiveDateTime::new(day, Time::MIDNIGHT)));
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, offset) = split_offset(rest)?;
    let time = parse_clock(clock, None)?;
    Some(RowDateTime {
        at: PrimitiveDateTime::new(day, time),
        offset,
    })
}

/// `15:04:05-06:00` into the clock and the offset (`Z`, `±HH:MM`, `±HHMM`), if any.
fn split_offset(t: &str) -> Option<(&str, Option<UtcOffset>)> {
    if let Some(clock) = t.strip_suffix(['Z', 'z']) {
        return Some((clock, Some(UtcOffset::UTC)));
    }
    let Some(at) = t.rfind(['+', '-']) else {
        return Some((t, None));
    };
    let (clock, offset) = t.split_at(at);
    let sign: i8 = if offset.starts_with('-') { -1 } else { 1 };
    let digits: String = offset[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || offset[1..].len() > 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours = small_number(&digits[..2], 2)?;
    let minutes = small_number(&digits[2..], 2)?;
    let offset = UtcOffset::from_hms(sign * i8::try_from(hours).ok()?, sign * i8::try_from(minutes).ok()?, 0).ok()?;
    Some((clock, Some(offset)))
}
