//! Human rendering: a headline, a source window with the span underlined, notes and help.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};

use crate::{Diagnostic, Severity};

/// Source texts by repository-relative path, read from disk on first use.
#[derive(Debug)]
pub struct SourceCache {
    root: PathBuf,
    texts: BTreeMap<String, Option<String>>,
}

impl SourceCache {
    /// A cache that reads files relative to `root`.
    pub fn new(root: &Path) -> SourceCache {
        SourceCache { root: root.to_path_buf(), texts: BTreeMap::new() }
    }

    /// Registers a text that is not (or not yet) on disk.
    pub fn insert(&mut self, file: &str, text: String) {
        self.texts.insert(file.to_owned(), Some(text));
    }

    /// The text of `file`, or `None` when it cannot be read.
    pub fn get(&mut self, file: &str) -> Option<&str> {
        let root = &self.root;
        self.texts
            .entry(file.to_owned())
            .or_insert_with(|| std::fs::read_to_string(root.join(file)).ok())
            .as_deref()
    }
}

/// Renders one diagnostic for a terminal (no colour), ending with a newline.
pub fn render(diagnostic: &Diagnostic, sources: &mut SourceCache) -> String {
    let severity = match diagnostic.severity {
        Severity::Error => CsSeverity::Error,
        Severity::Warning => CsSeverity::Warning,
    };
    let mut files = SimpleFiles::new();
    let mut cs = CsDiagnostic::new(severity)
        .with_code(diagnostic.code.id)
        .with_message(diagnostic.message.clone());
    let loc = &diagnostic.location;
    let range =
        if loc.line > 0 { sources.get(&loc.file).and_then(|t| byte_range(t, loc)) } else { None };
    match range {
        Some((text, range)) => {
            let id = files.add(loc.file.clone(), text);
            let label = match &diagnostic.row_id {
                Some(row) => Label::primary(id, range).with_message(format!("ledger row `{row}`")),
                None => Label::primary(id, range),
            };
            cs = cs.with_labels(vec![label]);
        }
        None => {
            cs = cs.with_notes(vec![format!("in {loc}")]);
        }
    }
    let mut notes: Vec<String> = diagnostic.notes.clone();
    notes.push(format!("help: {}", diagnostic.help));
    cs.notes.extend(notes);
    let config = Config::default();
    match term::emit_into_string(&config, &files, &cs) {
        Ok(text) => text,
        // Rendering can only fail on a span outside its file; fall back to the headline.
        Err(_) => format!("{}\n  = help: {}\n", diagnostic.headline(), diagnostic.help),
    }
}

/// Renders many diagnostics separated by blank lines.
pub fn render_all(diagnostics: &[Diagnostic], sources: &mut SourceCache) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&render(d, sources));
        out.push('\n');
    }
    out
}

/// Maps `line:column` + `len` (characters) to a byte range, returning an owned copy of the text.
fn byte_range(text: &str, loc: &crate::Location) -> Option<(String, std::ops::Range<usize>)> {
    let line_text_start = if loc.line == 1 {
        0
    } else {
        text.match_indices('\n').nth(usize::try_from(loc.line).ok()? - 2)?.0 + 1
    };
    let line_end = text[line_text_start..].find('\n').map_or(text.len(), |i| line_text_start + i);
    let line = &text[line_text_start..line_end];
    let mut chars = line.char_indices().map(|(i, _)| i).chain(std::iter::once(line.len()));
    let col = usize::try_from(loc.column.max(1)).ok()? - 1;
    let start = chars.nth(col).unwrap_or(line.len());
    let len = usize::try_from(loc.len.max(1)).ok()?;
    let end = line[start..].char_indices().map(|(i, _)| start + i).nth(len).unwrap_or(line.len());
    let end = end.max(start);
    Some((text.to_owned(), line_text_start + start..line_text_start + end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Location, codes};

    #[test]
    fn renders_source_window_with_underline_and_help() {
        let mut cache = SourceCache::new(Path::new("/nonexistent"));
        cache.insert("spec/budgets.tsv", "id\tbudget\ngate.wall\tfast\n".to_owned());
        let d = Diagnostic::error(
            codes::FIELD_TYPE,
            Location::span("spec/budgets.tsv", 2, 11, 4),
            "`fast` is not a number",
        )
        .with_row("gate.wall");
        let text = render(&d, &mut cache);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn file_level_location_renders_without_window() {
        let mut cache = SourceCache::new(Path::new("/nonexistent"));
        let d = Diagnostic::error(codes::SOURCE_MISSING, Location::file("src/gone.rs"), "missing");
        let text = render(&d, &mut cache);
        assert!(text.contains("error[Z0301]: missing"), "{text}");
        assert!(text.contains("in src/gone.rs"), "{text}");
        assert!(text.contains("help: point `source`"), "{text}");
    }

    #[test]
    fn span_past_end_of_line_is_clamped() {
        let mut cache = SourceCache::new(Path::new("/nonexistent"));
        cache.insert("a.txt", "abc\n".to_owned());
        let d = Diagnostic::error(codes::TSV_SYNTAX, Location::span("a.txt", 1, 3, 40), "x");
        let text = render(&d, &mut cache);
        assert!(text.contains("a.txt:1:3"), "{text}");
    }
}
