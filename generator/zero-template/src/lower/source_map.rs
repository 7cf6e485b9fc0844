//! The source map: each generated line that evaluates template code, and where that code is.

/// One line of generated code that evaluates template code, and where that code is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MapEntry {
    /// 1-based line in the generated file.
    pub generated_line: u32,
    /// 1-based column in the generated line where the template code starts (0: the line as a
    /// whole, e.g. a component call).
    #[serde(default)]
    pub generated_column: u32,
    /// Length of the template code in characters (0 when it spans lines).
    #[serde(default)]
    pub len: u32,
    /// 1-based line in the template.
    pub line: u32,
    /// 1-based column in the template.
    pub column: u32,
}

/// Links generated lines to template positions.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SourceMap {
    /// The template, as named in diagnostics.
    pub template: String,
    /// One entry per generated line that evaluates template code, in line order.
    pub entries: Vec<MapEntry>,
}

impl SourceMap {
    /// The template position of generated `line` (the nearest entry at or before it).
    pub fn lookup(&self, line: u32) -> Option<(u32, u32)> {
        let i = self.entries.partition_point(|e| e.generated_line <= line);
        i.checked_sub(1).map(|i| (self.entries[i].line, self.entries[i].column))
    }

    /// The template span `(line, column, len)` of generated `line:column` spanning `len`
    /// characters: exact inside a single-line template expression, otherwise the template
    /// code the line evaluates.
    pub fn lookup_span(&self, line: u32, column: u32, len: u32) -> Option<(u32, u32, u32)> {
        let i = self.entries.partition_point(|e| e.generated_line <= line);
        let e = &self.entries[i.checked_sub(1)?];
        let end = e.generated_column + e.len;
        let inside = e.generated_line == line
            && e.generated_column > 0
            && (e.generated_column..end).contains(&column);
        Some(if inside {
            (e.line, e.column + column - e.generated_column, len.min(end - column).max(1))
        } else {
            (e.line, e.column, e.len.max(1))
        })
    }
}
