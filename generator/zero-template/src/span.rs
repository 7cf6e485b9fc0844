//! Byte spans into a template and their conversion to `line:column`.

use zero_diag::{Location, to_u32};

/// A half-open byte range `start..end` into the template source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from `start` to `end` (byte offsets).
    pub fn new(start: usize, end: usize) -> Span {
        Span { start: to_u32(start), end: to_u32(end.max(start)) }
    }

    /// The text the span covers.
    pub fn text(self, source: &str) -> &str {
        source.get(self.start as usize..self.end as usize).unwrap_or("")
    }

    /// The span that covers both.
    pub fn to(self, other: Span) -> Span {
        Span { start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// Line starts of a source, for turning byte offsets into `line:column`.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `source`.
    pub fn new(source: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(source.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, source: &str, offset: u32) -> (u32, u32) {
        let offset = (offset as usize).min(source.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let start = self.starts[line];
        let column = source.get(start..offset).map_or(0, |s| s.chars().count());
        (to_u32(line + 1), to_u32(column + 1))
    }

    /// The diagnostic location of `span` in `file`, clamped to the span's first line.
    pub fn location(&self, file: &str, source: &str, span: Span) -> Location {
        let (line, column) = self.line_col(source, span.start);
        let text = span.text(source);
        let first_line = text.split('\n').next().unwrap_or("");
        Location::span(file, line, column, to_u32(first_line.chars().count().max(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_of_offsets() {
        let src = "ab\ncé\nx";
        let index = LineIndex::new(src);
        assert_eq!(index.line_col(src, 0), (1, 1));
        assert_eq!(index.line_col(src, 3), (2, 1));
        assert_eq!(index.line_col(src, 6), (2, 3), "é is two bytes, one column");
        assert_eq!(index.line_col(src, 7), (3, 1));
        let loc = index.location("t.html.0x0", src, Span::new(3, 8));
        assert_eq!((loc.line, loc.column, loc.len), (2, 1, 2));
    }
}
