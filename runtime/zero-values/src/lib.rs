//! Reading a row's values from text (a form's fields) with the checks every column type needs:
//! what `zerogen resource` generates `validate` functions from. Each reader records a
//! [`Problem`] on the field instead of failing, so one pass reports every field at once.
//! Apps reach it as `zero_db::values`; it needs no database driver, so `zerogen` checks field
//! defaults with the same functions.
//!
//! Dates, date-times, decimals and UUIDs are real types ([`Date`], [`DateTime`], [`Decimal`],
//! [`Uuid`]: the `time`, `rust_decimal` and `uuid` crates, re-exported). Their text form
//! ([`text`], [`AsText`]) is what a form shows, a page prints, SQLite stores and Postgres
//! casts into its native column.
//!
//! ```
//! # use std::collections::BTreeMap;
//! let input = BTreeMap::from([("title".to_owned(), "Hi".to_owned())]);
//! let mut v = zero_values::Values::new(&input);
//! let title = v.text("title", Some(255));
//! let views = v.optional_integer("views");
//! assert_eq!(v.finish((title, views)).unwrap(), ("Hi".to_owned(), None));
//! ```

use std::collections::BTreeMap;

pub use rust_decimal::{self, Decimal};
pub use time::{self, Date};
pub use uuid::{self, Uuid};

/// What a problem says a typed field is not.
const DATE: &str = "a date (YYYY-MM-DD)";
const DATETIME: &str = "a date and time";
const DECIMAL: &str = "a decimal number";
const UUID: &str = "a UUID";

/// A date and time without a zone, as a `datetime-local` input gives it.
pub type DateTime = time::PrimitiveDateTime;

/// A problem with one field: its name, a stable code and what the user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The field.
    pub field: &'static str,
    /// `required`, `too_long`, `not_a_number`, `format` or `inclusion`.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

/// The values of a row being read, and the problems found so far.
#[derive(Debug)]
pub struct Values<'a> {
    input: &'a BTreeMap<String, String>,
    problems: Vec<Problem>,
}

impl<'a> Values<'a> {
    /// Reads from `input` (field name to text).
    pub fn new(input: &'a BTreeMap<String, String>) -> Values<'a> {
        Values { input, problems: Vec::new() }
    }

    fn problem(&mut self, field: &'static str, code: &'static str, message: impl Into<String>) {
        self.problems.push(Problem { field, code, message: message.into() });
    }

    /// The trimmed text of `field`, `None` when blank.
    fn raw(&self, field: &str) -> Option<&'a str> {
        self.input.get(field).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn required(&mut self, field: &'static str) -> Option<&'a str> {
        let value = self.raw(field);
        if value.is_none() {
            self.problem(field, "required", "can't be blank");
        }
        value
    }

    fn checked_text(&mut self, field: &'static str, value: &str, max: Option<usize>) -> String {
        if let Some(max) = max
            && value.chars().count() > max
        {
            self.problem(field, "too_long", format!("should be at most {max} characters"));
        }
        value.to_owned()
    }

    /// Required text of at most `max` characters.
    pub fn text(&mut self, field: &'static str, max: Option<usize>) -> String {
        let value = self.required(field).unwrap_or_default();
        self.checked_text(field, value, max)
    }

    /// Optional text of at most `max` characters.
    pub fn optional_text(&mut self, field: &'static str, max: Option<usize>) -> Option<String> {
        let value = self.raw(field)?;
        Some(self.checked_text(field, value, max))
    }

    fn parsed<T: std::str::FromStr + Default>(&mut self, field: &'static str, value: &str) -> T {
        value.parse().unwrap_or_else(|_| {
            self.problem(field, "not_a_number", "is not a number");
            T::default()
        })
    }

    /// A required whole number.
    pub fn integer(&mut self, field: &'static str) -> i64 {
        match self.required(field) {
            Some(value) => self.parsed(field, value),
            None => 0,
        }
    }

    /// An optional whole number.
    pub fn optional_integer(&mut self, field: &'static str) -> Option<i64> {
        let value = self.raw(field)?;
        Some(self.parsed(field, value))
    }

    /// A required finite number.
    pub fn float(&mut self, field: &'static str) -> f64 {
        self.optional_float_inner(field, true).unwrap_or_default()
    }

    /// An optional finite number.
    pub fn optional_float(&mut self, field: &'static str) -> Option<f64> {
        self.optional_float_inner(field, false)
    }

    fn optional_float_inner(&mut self, field: &'static str, required: bool) -> Option<f64> {
        let value = if required { self.required(field)? } else { self.raw(field)? };
        match value.parse::<f64>() {
            Ok(n) if n.is_finite() => Some(n),
            _ => {
                self.problem(field, "not_a_number", "is not a number");
                Some(0.0)
            }
        }
    }

    /// A checkbox: `true` when the text is `true`, `on` or `1`.
    pub fn boolean(&mut self, field: &'static str) -> bool {
        matches!(self.raw(field), Some("true" | "on" | "1"))
    }

    /// A value `parse` reads: `None` for a blank field (with a `required` problem if it is);
    /// `fallback` and a `format` problem for text that does not parse.
    fn typed<T>(
        &mut self,
        field: &'static str,
        required: bool,
        parse: fn(&str) -> Option<T>,
        what: &str,
        fallback: T,
    ) -> Option<T> {
        let value = if required { self.required(field)? } else { self.raw(field)? };
        Some(parse(value).unwrap_or_else(|| {
            self.problem(field, "format", format!("is not {what}"));
            fallback
        }))
    }

    /// A required date, `YYYY-MM-DD`, that exists in the calendar.
    pub fn date(&mut self, field: &'static str) -> Date {
        self.typed(field, true, parse_date, DATE, Date::MIN).unwrap_or(Date::MIN)
    }

    /// An optional date.
    pub fn optional_date(&mut self, field: &'static str) -> Option<Date> {
        self.typed(field, false, parse_date, DATE, Date::MIN)
    }

    /// A required date and time, `YYYY-MM-DDTHH:MM` (seconds optional).
    pub fn datetime(&mut self, field: &'static str) -> DateTime {
        self.typed(field, true, parse_datetime, DATETIME, DateTime::MIN).unwrap_or(DateTime::MIN)
    }

    /// An optional date and time.
    pub fn optional_datetime(&mut self, field: &'static str) -> Option<DateTime> {
        self.typed(field, false, parse_datetime, DATETIME, DateTime::MIN)
    }

    /// A required decimal number (`12.50`), exact: no digit is lost to a float.
    pub fn decimal(&mut self, field: &'static str) -> Decimal {
        self.typed(field, true, parse_decimal, DECIMAL, Decimal::ZERO).unwrap_or_default()
    }

    /// An optional decimal number.
    pub fn optional_decimal(&mut self, field: &'static str) -> Option<Decimal> {
        self.typed(field, false, parse_decimal, DECIMAL, Decimal::ZERO)
    }

    /// A required UUID (`8-4-4-4-12` hexadecimal digits, either case).
    pub fn uuid(&mut self, field: &'static str) -> Uuid {
        self.typed(field, true, parse_uuid, UUID, Uuid::nil()).unwrap_or_default()
    }

    /// An optional UUID.
    pub fn optional_uuid(&mut self, field: &'static str) -> Option<Uuid> {
        self.typed(field, false, parse_uuid, UUID, Uuid::nil())
    }

    /// A required choice among `allowed`.
    pub fn choice(&mut self, field: &'static str, allowed: &[&str]) -> String {
        let value = self.required(field).unwrap_or_default();
        self.check_choice(field, value, allowed)
    }

    /// An optional choice among `allowed`.
    pub fn optional_choice(&mut self, field: &'static str, allowed: &[&str]) -> Option<String> {
        let value = self.raw(field)?;
        Some(self.check_choice(field, value, allowed))
    }

    fn check_choice(&mut self, field: &'static str, value: &str, allowed: &[&str]) -> String {
        if !value.is_empty() && !allowed.contains(&value) {
            self.problem(field, "inclusion", format!("is not one of {}", allowed.join(", ")));
        }
        value.to_owned()
    }

    /// `value` when no field had a problem, else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<Problem>> {
        if self.problems.is_empty() { Ok(value) } else { Err(self.problems) }
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// `YYYY-MM-DD`, a day that exists in the proleptic Gregorian calendar (`2024-02-29` yes,
/// `2025-02-29` and `2025-04-31` no).
pub fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else { return false };
    if !(digits(y, 4) && digits(m, 2) && digits(d, 2)) {
        return false;
    }
    let (Ok(year), Ok(month), Ok(day)) = (y.parse::<u32>(), m.parse::<u8>(), d.parse::<u8>())
    else {
        return false;
    };
    (1..=days_in_month(year, month)).contains(&day)
}

/// 0 for a month that does not exist.
fn days_in_month(year: u32, month: u8) -> u8 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// `YYYY-MM-DDTHH:MM` or `YYYY-MM-DDTHH:MM:SS` (a space also separates).
pub fn is_datetime(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', ' ']) else { return false };
    let parts: Vec<&str> = time.split(':').collect();
    let clock = match parts.as_slice() {
        [h, m] => digits(h, 2) && digits(m, 2),
        [h, m, sec] => digits(h, 2) && digits(m, 2) && digits(sec, 2),
        _ => false,
    };
    is_date(date) && clock && parts[0] < "24" && parts[1] < "60"
}

/// `-12.50`, `3`: digits with an optional sign and fraction.
pub fn is_decimal(s: &str) -> bool {
    let unsigned = s.strip_prefix('-').unwrap_or(s);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// The date `s` names (`YYYY-MM-DD`, a day of the calendar).
pub fn parse_date(s: &str) -> Option<Date> {
    if !is_date(s) {
        return None;
    }
    let (y, m, d) = (s[0..4].parse().ok()?, s[5..7].parse::<u8>().ok()?, s[8..10].parse().ok()?);
    Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

/// The date and time `s` names: `YYYY-MM-DDTHH:MM`, seconds optional, a space for the `T`,
/// and a fraction of a second (as Postgres prints a timestamp) accepted.
pub fn parse_datetime(s: &str) -> Option<DateTime> {
    let (whole, fraction) = match s.split_once('.') {
        Some((whole, f))
            if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) =>
        {
            (whole, f)
        }
        Some(_) => return None,
        None => (s, ""),
    };
    if !is_datetime(whole) || (!fraction.is_empty() && whole.len() != 19) {
        return None;
    }
    let date = parse_date(&whole[..10])?;
    let clock = &whole[11..];
    let (h, m) = (clock[0..2].parse().ok()?, clock[3..5].parse().ok()?);
    let sec = if clock.len() == 8 { clock[6..8].parse().ok()? } else { 0 };
    let nanos = if fraction.is_empty() { 0 } else { format!("{fraction:0<9}").parse().ok()? };
    let time = time::Time::from_hms_nano(h, m, sec, nanos).ok()?;
    Some(DateTime::new(date, time))
}

/// The decimal `s` names (`-12.50`): digits with an optional sign and fraction, within
/// [`Decimal`]'s 28 significant digits.
pub fn parse_decimal(s: &str) -> Option<Decimal> {
    if !is_decimal(s) {
        return None;
    }
    s.parse::<Decimal>().ok()
}

/// The UUID `s` names (`8-4-4-4-12` hexadecimal digits).
pub fn parse_uuid(s: &str) -> Option<Uuid> {
    if !is_uuid(s) {
        return None;
    }
    Uuid::parse_str(s).ok()
}

/// A typed value's text form: what a form shows, a page prints, SQLite stores and Postgres
/// casts into its column. It reads back with the matching `parse_` function.
pub trait AsText {
    /// The text form.
    fn as_text(&self) -> String;
}

impl AsText for Date {
    /// `2026-11-25`.
    fn as_text(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year(), u8::from(self.month()), self.day())
    }
}

impl AsText for DateTime {
    /// `2026-11-25T10:30`, with `:SS` when the seconds are not zero (a fraction is left out).
    fn as_text(&self) -> String {
        let mut text = format!("{}T{:02}:{:02}", self.date().as_text(), self.hour(), self.minute());
        if self.second() != 0 {
            text.push_str(&format!(":{:02}", self.second()));
        }
        text
    }
}

impl AsText for Decimal {
    /// `12.50`: its digits and scale as typed.
    fn as_text(&self) -> String {
        self.to_string()
    }
}

impl AsText for Uuid {
    /// `123e4567-e89b-12d3-a456-426614174000`, lowercase.
    fn as_text(&self) -> String {
        self.hyphenated().to_string()
    }
}

impl<T: AsText> AsText for Option<T> {
    /// The value's, or empty for `None`.
    fn as_text(&self) -> String {
        self.as_ref().map(AsText::as_text).unwrap_or_default()
    }
}

/// The text form of `value` (see [`AsText`]): `{zero_db::values::text(&event.starts_on)}`.
pub fn text<T: AsText>(value: &T) -> String {
    value.as_text()
}

/// The text form of an optional value, `None` kept (a query binds it as `NULL`).
pub fn nullable<T: AsText>(value: &Option<T>) -> Option<String> {
    value.as_ref().map(AsText::as_text)
}

/// `8-4-4-4-12` hexadecimal digits.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn good_values_convert_and_every_bad_one_is_reported_at_its_field() {
        let good = input(&[
            ("title", " Hello "),
            ("views", "42"),
            ("score", "1.5"),
            ("public", "true"),
            ("on", "2026-11-25"),
            ("at", "2026-11-25T10:30"),
            ("price", "12.50"),
            ("ref", "123E4567-e89b-12d3-a456-426614174000"),
            ("kind", "draft"),
        ]);
        let mut v = Values::new(&good);
        let read = (
            v.text("title", Some(10)),
            v.integer("views"),
            v.float("score"),
            v.boolean("public"),
            v.date("on"),
            v.datetime("at"),
            v.decimal("price"),
            v.uuid("ref"),
            v.choice("kind", &["draft", "live"]),
            v.optional_text("missing", None),
            v.optional_integer("missing"),
        );
        let read = v.finish(read).unwrap();
        assert_eq!(read.0, "Hello");
        assert_eq!((read.1, read.2, read.3), (42, 1.5, true));
        assert_eq!(text(&read.4), "2026-11-25");
        assert_eq!(text(&read.5), "2026-11-25T10:30");
        assert_eq!(text(&read.6), "12.50");
        assert_eq!(text(&read.7), "123e4567-e89b-12d3-a456-426614174000");
        assert_eq!((read.9, read.10), (None, None));

        let bad = input(&[
            ("title", "far too long"),
            ("views", "4x"),
            ("score", "inf"),
            ("on", "2026-13-01"),
            ("at", "2026-11-25 25:00"),
            ("price", "1,5"),
            ("ref", "nope"),
            ("kind", "poem"),
            ("maybe", "x"),
        ]);
        let mut v = Values::new(&bad);
        v.text("title", Some(10));
        v.integer("views");
        v.float("score");
        v.date("on");
        v.datetime("at");
        v.decimal("price");
        v.uuid("ref");
        v.choice("kind", &["draft", "live"]);
        v.optional_integer("maybe");
        v.text("absent", None);
        assert!(!v.boolean("absent"));
        let problems = v.finish(()).unwrap_err();
        let found: Vec<(&str, &str)> = problems.iter().map(|p| (p.field, p.code)).collect();
        assert_eq!(
            found,
            [
                ("title", "too_long"),
                ("views", "not_a_number"),
                ("score", "not_a_number"),
                ("on", "format"),
                ("at", "format"),
                ("price", "format"),
                ("ref", "format"),
                ("kind", "inclusion"),
                ("maybe", "not_a_number"),
                ("absent", "required"),
            ]
        );
        assert_eq!(problems[0].message, "should be at most 10 characters");
    }

    #[test]
    fn typed_values_read_back_from_their_text_and_from_postgres_text() {
        for (typed, canonical) in [
            ("2026-11-25T10:30", "2026-11-25T10:30"),
            ("2026-11-25 10:30:00", "2026-11-25T10:30"),
            ("2026-11-25T10:30:05", "2026-11-25T10:30:05"),
            ("2024-02-29 23:59:59.25", "2024-02-29T23:59:59"),
        ] {
            let parsed = parse_datetime(typed).unwrap_or_else(|| panic!("{typed}"));
            assert_eq!(text(&parsed), canonical);
            assert_eq!(parse_datetime(canonical), Some(parsed.replace_nanosecond(0).unwrap()));
        }
        for bad in
            ["2026-11-25T10:30.5", "2026-11-25T10:30:00.", "2026-11-25T10:30:00.x", "2026-11-25"]
        {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
        let date = parse_date("0999-01-02").unwrap();
        assert_eq!(text(&date), "0999-01-02");
        assert_eq!(parse_date("2025-02-31"), None);
        let price = parse_decimal("-0012.50").unwrap();
        assert_eq!((text(&price), price.scale()), ("-12.50".to_owned(), 2));
        assert_eq!(parse_decimal("1e5"), None);
        assert_eq!(parse_decimal(&"9".repeat(40)), None, "more digits than a Decimal holds");
        let id = parse_uuid("123E4567-E89B-12D3-A456-426614174000").unwrap();
        assert_eq!(text(&id), "123e4567-e89b-12d3-a456-426614174000");
        assert_eq!(parse_uuid("123e4567e89b12d3a456426614174000"), None, "hyphens required");
        assert_eq!(nullable(&Some(price)), Some("-12.50".to_owned()));
        assert_eq!(nullable::<Uuid>(&None), None);
        assert_eq!(text::<Option<Date>>(&None), "");
    }

    #[test]
    fn a_date_must_exist_in_the_calendar() {
        for good in
            ["2024-02-29", "2000-02-29", "2025-02-28", "2025-04-30", "2025-12-31", "0001-01-01"]
        {
            assert!(is_date(good), "{good} is a day");
        }
        for bad in [
            "2025-02-29",
            "1900-02-29",
            "2025-02-31",
            "2025-04-31",
            "2025-06-31",
            "2025-00-10",
            "2025-01-00",
            "2025-1-01",
            "+025-01-01",
            "2025-01-01-",
        ] {
            assert!(!is_date(bad), "{bad} is not a day");
        }
        assert!(is_datetime("2024-02-29T23:59:59"));
        assert!(!is_datetime("2025-02-29T10:00"));
        let input = input(&[("on", "2025-02-31")]);
        let mut v = Values::new(&input);
        v.date("on");
        let problems = v.finish(()).unwrap_err();
        assert_eq!((problems[0].field, problems[0].code), ("on", "format"));
    }
}
