//! Reading a row's values from text (a form's fields) with the checks every column type needs:
//! what `zerogen resource` generates `validate` functions from. Each reader records a
//! [`Problem`] on the field instead of failing, so one pass reports every field at once.
//! Apps reach it as `zero_db::values`; it has no dependency, so `zerogen` checks field
//! defaults with the same functions without building a database driver.
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

    fn formatted(
        &mut self,
        field: &'static str,
        required: bool,
        valid: fn(&str) -> bool,
        what: &str,
    ) -> Option<String> {
        let value = if required { self.required(field)? } else { self.raw(field)? };
        if !valid(value) {
            self.problem(field, "format", format!("is not {what}"));
        }
        Some(value.to_owned())
    }

    /// A required date, `YYYY-MM-DD`.
    pub fn date(&mut self, field: &'static str) -> String {
        self.formatted(field, true, is_date, "a date (YYYY-MM-DD)").unwrap_or_default()
    }

    /// An optional date, `YYYY-MM-DD`.
    pub fn optional_date(&mut self, field: &'static str) -> Option<String> {
        self.formatted(field, false, is_date, "a date (YYYY-MM-DD)")
    }

    /// A required date and time, `YYYY-MM-DDTHH:MM` (seconds optional).
    pub fn datetime(&mut self, field: &'static str) -> String {
        self.formatted(field, true, is_datetime, "a date and time").unwrap_or_default()
    }

    /// An optional date and time.
    pub fn optional_datetime(&mut self, field: &'static str) -> Option<String> {
        self.formatted(field, false, is_datetime, "a date and time")
    }

    /// A required decimal number (`12.50`), kept as text so no digit is lost.
    pub fn decimal(&mut self, field: &'static str) -> String {
        self.formatted(field, true, is_decimal, "a decimal number").unwrap_or_default()
    }

    /// An optional decimal number.
    pub fn optional_decimal(&mut self, field: &'static str) -> Option<String> {
        self.formatted(field, false, is_decimal, "a decimal number")
    }

    /// A required UUID, stored lowercase.
    pub fn uuid(&mut self, field: &'static str) -> String {
        self.formatted(field, true, is_uuid, "a UUID").unwrap_or_default().to_ascii_lowercase()
    }

    /// An optional UUID.
    pub fn optional_uuid(&mut self, field: &'static str) -> Option<String> {
        self.formatted(field, false, is_uuid, "a UUID").map(|u| u.to_ascii_lowercase())
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
        assert_eq!(read.7, "123e4567-e89b-12d3-a456-426614174000");
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
