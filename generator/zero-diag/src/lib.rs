//! Diagnostics shared by every 0x0 Live tool.
//!
//! A [`Diagnostic`] is a stable [`Code`], a message, a help line and a [`Location`]
//! (`file:line:column` plus the span length). Every code lives in one registry,
//! [`codes::ALL`]; the reference page `docs/reference/diagnostics.md` is generated from it,
//! so a code is defined exactly once.
//!
//! This crate has no opinion about where diagnostics come from: spec loaders, the gate and the
//! template compiler all produce them and hand them to [`render`] or to a machine format.

pub mod codes;
mod render;

pub use codes::Code;
pub use render::{SourceCache, render, render_all};

use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the check.
    Error,
    /// Reported, never fails the check on its own.
    Warning,
}

impl Severity {
    /// The lowercase name used in every output format.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Where a diagnostic points: a repository-relative path and a 1-based line and column.
///
/// `line == 0` means the whole file (for example a missing file). `len` is the length of the
/// underlined span in characters, at least 1 when `line > 0`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Location {
    /// Repository-relative path with `/` separators.
    pub file: String,
    /// 1-based line, or 0 for the file as a whole.
    pub line: u32,
    /// 1-based column in characters, or 0 for the file as a whole.
    pub column: u32,
    /// Span length in characters.
    pub len: u32,
}

impl Location {
    /// A location that names a file but no position in it.
    pub fn file(file: impl Into<String>) -> Location {
        Location { file: file.into(), line: 0, column: 0, len: 0 }
    }

    /// A span of `len` characters at `line:column`.
    pub fn span(file: impl Into<String>, line: u32, column: u32, len: u32) -> Location {
        Location { file: file.into(), line, column, len: len.max(1) }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}:{}:{}", self.file, self.line, self.column)
        }
    }
}

/// One finding: a code, what is wrong, where, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// The stable code from the registry.
    #[serde(serialize_with = "serialize_code")]
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Lowercase fragment, no trailing period.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// Where it is.
    pub location: Location,
    /// The ledger row the finding belongs to, where one applies.
    pub row_id: Option<String>,
    /// Extra lines shown after the source window (for example a unified diff).
    pub notes: Vec<String>,
}

fn serialize_code<S: serde::Serializer>(code: &Code, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(code.id)
}

impl Diagnostic {
    /// An error with the code's default help line.
    pub fn error(code: Code, location: Location, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            help: code.help.to_owned(),
            location,
            row_id: None,
            notes: Vec::new(),
        }
    }

    /// Replaces the help line with a more specific one.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = help.into();
        self
    }

    /// Attaches the ledger row id.
    pub fn with_row(mut self, row_id: impl Into<String>) -> Diagnostic {
        self.row_id = Some(row_id.into());
        self
    }

    /// Adds a note shown after the source window.
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// The key used to order diagnostics deterministically: file, line, column, code, message.
    pub fn sort_key(&self) -> (&str, u32, u32, &str, &str) {
        (&self.location.file, self.location.line, self.location.column, self.code.id, &self.message)
    }

    /// One line: `file:line:col: error[Z0101]: message`.
    pub fn headline(&self) -> String {
        format!("{}: {}[{}]: {}", self.location, self.severity.as_str(), self.code.id, self.message)
    }
}

/// Sorts diagnostics into the canonical, deterministic order and removes exact duplicates.
pub fn sort(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    diagnostics.dedup();
}

/// Converts a byte offset in `text` into a 1-based (line, column) pair, columns in characters.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (to_u32(line), to_u32(column))
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Saturating conversion used for line and column numbers.
pub fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let text = "ab\nçd\tx\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        // 'ç' is two bytes; the tab after 'd' is column 3.
        assert_eq!(line_col(text, 6), (2, 3));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn sort_orders_by_location_then_code_and_dedups() {
        let a = Diagnostic::error(codes::TSV_SYNTAX, Location::span("b.tsv", 2, 1, 1), "x");
        let b = Diagnostic::error(codes::TSV_SYNTAX, Location::span("a.tsv", 9, 1, 1), "x");
        let mut all = vec![a.clone(), b.clone(), a.clone()];
        sort(&mut all);
        assert_eq!(all, vec![b, a]);
    }

    #[test]
    fn headline_names_file_line_column_and_code() {
        let d = Diagnostic::error(codes::TSV_SYNTAX, Location::span("spec/x.tsv", 3, 7, 2), "bad");
        assert_eq!(d.headline(), "spec/x.tsv:3:7: error[Z0101]: bad");
        let whole = Diagnostic::error(codes::SOURCE_MISSING, Location::file("a.rs"), "gone");
        assert_eq!(whole.headline(), "a.rs: error[Z0301]: gone");
    }
}
