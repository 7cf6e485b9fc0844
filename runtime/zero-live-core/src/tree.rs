//! The live render of a template: a tree of statics and dynamics.
//!
//! A [`Block`] is the static HTML of one template region, split at its dynamic parts, with a
//! fingerprint of those statics; a connected session sends the statics of a fingerprint once
//! and afterwards only dynamics. A `:for` becomes a [`List`] whose rows share one set of
//! statics; a `:if` becomes a nested block or [`Dyn::Empty`].
//!
//! The tree is flat: all dynamic text of one render lives in one buffer ([`Rendered::buf`]),
//! nested blocks and lists live in two arenas and are referenced by index, and [`Dyn`] is
//! `Copy`. Rendering allocates per list, not per value, and dropping a render frees a handful
//! of buffers instead of walking every value.

/// A dynamic part of a block or list row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dyn {
    /// Escaped HTML: the byte range `start..end` of [`Rendered::buf`].
    Text {
        /// First byte.
        start: u32,
        /// One past the last byte.
        end: u32,
    },
    /// A nested block (a `:if` that holds): an index into [`Rendered::blocks`].
    Block(u32),
    /// A comprehension (`:for`): an index into [`Rendered::lists`].
    List(u32),
    /// Nothing (a `:if` that does not hold).
    Empty,
}

/// Static HTML split around its dynamic parts: `statics.len() == dynamics.len() + 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// Identifies the statics (and the shape of the dynamics).
    pub fingerprint: u64,
    /// The static HTML between dynamic parts.
    pub statics: &'static [&'static str],
    /// The dynamic parts.
    pub dynamics: Vec<Dyn>,
}

/// The rows of a `:for`: each row has `statics.len() - 1` dynamics, stored row after row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    /// Identifies the row statics.
    pub fingerprint: u64,
    /// The static HTML of one row.
    pub statics: &'static [&'static str],
    /// The `:key` of each row as a range of [`Rendered::buf`]; without `:key`, empty ranges
    /// (one per row) only when rows have no dynamics, otherwise no entries.
    pub keys: Vec<(u32, u32)>,
    /// The dynamics of all rows, row after row.
    pub dynamics: Vec<Dyn>,
    /// For a `:stream` list: where the rows go and what else changes on the client (boxed: most
    /// lists are not streams, and a list's size matters in big renders).
    pub stream: Option<Box<crate::StreamOps>>,
}

impl List {
    /// A list with no rows yet.
    pub fn new(fingerprint: u64, statics: &'static [&'static str]) -> List {
        List { fingerprint, statics, keys: Vec::new(), dynamics: Vec::new(), stream: None }
    }

    /// Dynamics per row.
    pub fn width(&self) -> usize {
        self.statics.len().saturating_sub(1)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self.width() {
            0 => self.keys.len(),
            w => self.dynamics.len() / w,
        }
    }

    /// Whether the list has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A live render: the top block, the arenas its dynamics point into, and the text buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// All dynamic text, escaped.
    pub buf: String,
    /// The template's top block.
    pub root: Block,
    /// Nested blocks, referenced by [`Dyn::Block`].
    pub blocks: Vec<Block>,
    /// Lists, referenced by [`Dyn::List`].
    pub lists: Vec<List>,
}

impl Rendered {
    /// The text of a `Dyn::Text` range.
    pub fn text(&self, start: u32, end: u32) -> &str {
        self.buf.get(start as usize..end as usize).unwrap_or("")
    }

    /// The nested block `index`.
    pub fn block(&self, index: u32) -> Option<&Block> {
        self.blocks.get(index as usize)
    }

    /// The list `index`.
    pub fn list(&self, index: u32) -> Option<&List> {
        self.lists.get(index as usize)
    }

    /// The HTML this tree renders to (equal to the template's disconnected render).
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(self.buf.len() * 2);
        self.row_html(self.root.statics, &self.root.dynamics, &mut out);
        out
    }

    fn row_html(&self, statics: &[&str], dynamics: &[Dyn], out: &mut String) {
        for (i, s) in statics.iter().enumerate() {
            out.push_str(s);
            if let Some(d) = dynamics.get(i) {
                self.dyn_html(*d, out);
            }
        }
    }

    fn dyn_html(&self, d: Dyn, out: &mut String) {
        match d {
            Dyn::Text { start, end } => out.push_str(self.text(start, end)),
            Dyn::Block(i) => {
                if let Some(b) = self.block(i) {
                    self.row_html(b.statics, &b.dynamics, out);
                }
            }
            Dyn::List(i) => {
                let Some(list) = self.list(i) else { return };
                match list.width() {
                    0 => {
                        for _ in 0..list.len() {
                            self.row_html(list.statics, &[], out);
                        }
                    }
                    width => {
                        for row in list.dynamics.chunks(width) {
                            self.row_html(list.statics, row, out);
                        }
                    }
                }
            }
            Dyn::Empty => {}
        }
    }
}

/// Which rows of stream lists a copy of a render keeps.
#[derive(Debug, Clone)]
enum Keep {
    /// Every row (below a stream row: the row is copied whole).
    All,
    /// No stream row; a stream list keeps only its limit.
    None,
    /// Stream rows in this range, with their places; deletes and a reset go with the first
    /// part, the limit with the last (`true`), so the client trims once all rows are in.
    Rows(std::ops::Range<usize>, bool),
}

impl Rendered {
    /// This render without the rows of its streams, to keep as the session's last render: the
    /// diff of a stream never reads the rows sent before (only the list's fingerprint and
    /// limit), so keeping them would hold every streamed item in memory until the next render.
    /// The text buffer and arenas are rebuilt with only what is still reachable; a render with
    /// no stream rows is returned as it is.
    #[must_use]
    pub fn forget_stream_rows(self) -> Rendered {
        if self.stream_rows() == 0 {
            return self;
        }
        self.copy(&Keep::None)
    }

    /// The most rows any stream list of this render has.
    pub fn stream_rows(&self) -> usize {
        self.lists.iter().filter(|l| l.stream.is_some()).map(List::len).max().unwrap_or(0)
    }

    /// Splits a render whose streams have more than `rows` rows into a first render with the
    /// first `rows` of each stream and the renders of the following rows, `rows` at a time,
    /// each otherwise equal to the first: sent as a full render and diffs against the one
    /// before, they add up to this render, in frames of a bounded size. A stream's limit rides
    /// with the last part, so rows are trimmed as they would be in one render.
    pub fn split_stream_rows(self, rows: usize) -> (Rendered, Vec<Rendered>) {
        let rows = rows.max(1);
        let total = self.stream_rows();
        if total <= rows {
            return (self, Vec::new());
        }
        let first = self.copy(&Keep::Rows(0..rows, false));
        let rest = (rows..total)
            .step_by(rows)
            .map(|at| self.copy(&Keep::Rows(at..at + rows, at + rows >= total)));
        (first, rest.collect())
    }

    fn copy(&self, keep: &Keep) -> Rendered {
        let mut out = Builder::with_capacity(self.buf.len().min(1 << 16));
        let dynamics = self.copy_dyns(&self.root.dynamics, keep, &mut out);
        let root =
            Block { fingerprint: self.root.fingerprint, statics: self.root.statics, dynamics };
        out.finish(root)
    }

    fn copy_dyns(&self, dynamics: &[Dyn], keep: &Keep, out: &mut Builder) -> Vec<Dyn> {
        dynamics.iter().map(|d| self.copy_dyn(*d, keep, out)).collect()
    }

    fn copy_keys(&self, keys: &[(u32, u32)], out: &mut Builder) -> Vec<(u32, u32)> {
        keys.iter()
            .map(|(start, end)| {
                let m = out.mark();
                out.buf.push_str(self.text(*start, *end));
                out.key_since(m)
            })
            .collect()
    }

    fn copy_dyn(&self, d: Dyn, keep: &Keep, out: &mut Builder) -> Dyn {
        match d {
            Dyn::Text { start, end } => {
                let m = out.mark();
                out.buf.push_str(self.text(start, end));
                out.text_since(m)
            }
            Dyn::Block(i) => match self.block(i) {
                Some(b) => {
                    let dynamics = self.copy_dyns(&b.dynamics, keep, out);
                    out.block(Block { fingerprint: b.fingerprint, statics: b.statics, dynamics })
                }
                None => Dyn::Empty,
            },
            Dyn::List(i) => {
                let Some(l) = self.list(i) else { return Dyn::Empty };
                let mut list = List::new(l.fingerprint, l.statics);
                match (&l.stream, keep) {
                    (None, _) | (Some(_), Keep::All) => {
                        list.stream.clone_from(&l.stream);
                        list.keys = self.copy_keys(&l.keys, out);
                        list.dynamics = self.copy_dyns(&l.dynamics, keep, out);
                    }
                    // What the next diff compares: the limit; the rows and their places go.
                    (Some(ops), Keep::None) => {
                        list.stream = Some(Box::new(crate::StreamOps {
                            limit: ops.limit,
                            ..crate::StreamOps::default()
                        }));
                    }
                    (Some(ops), Keep::Rows(range, last)) => {
                        let len = l.len();
                        let rows = range.start.min(len)..range.end.min(len);
                        let first = range.start == 0;
                        list.stream = Some(Box::new(crate::StreamOps {
                            at: ops.at.get(rows.clone()).map(<[_]>::to_vec).unwrap_or_default(),
                            deletes: if first { ops.deletes.clone() } else { Vec::new() },
                            reset: first && ops.reset,
                            limit: if *last { ops.limit } else { None },
                        }));
                        if let Some(keys) = l.keys.get(rows.clone()) {
                            list.keys = self.copy_keys(keys, out);
                        }
                        let width = l.width();
                        if let Some(row_dyns) = l.dynamics.get(rows.start * width..rows.end * width)
                        {
                            list.dynamics = self.copy_dyns(row_dyns, &Keep::All, out);
                        }
                    }
                }
                out.list(list)
            }
            Dyn::Empty => Dyn::Empty,
        }
    }
}

/// Builds a [`Rendered`]: generated code writes dynamic text into [`Builder::buf`] between
/// [`Builder::mark`] and [`Builder::text_since`], and hands nested blocks and lists over with
/// [`Builder::block`] and [`Builder::list`].
#[derive(Debug, Default)]
pub struct Builder {
    buf: String,
    blocks: Vec<Block>,
    lists: Vec<List>,
}

fn index(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

impl Builder {
    /// A builder whose text buffer starts with `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Builder {
        Builder { buf: String::with_capacity(capacity), blocks: Vec::new(), lists: Vec::new() }
    }

    /// The buffer dynamic text is written to.
    #[inline]
    pub fn buf(&mut self) -> &mut String {
        &mut self.buf
    }

    /// The current end of the buffer.
    #[inline]
    pub fn mark(&self) -> u32 {
        index(self.buf.len())
    }

    /// The text written since `start`.
    #[inline]
    pub fn text_since(&self, start: u32) -> Dyn {
        Dyn::Text { start, end: self.mark() }
    }

    /// The key range written since `start`.
    #[inline]
    pub fn key_since(&self, start: u32) -> (u32, u32) {
        (start, self.mark())
    }

    /// Stores a nested block.
    #[inline]
    pub fn block(&mut self, block: Block) -> Dyn {
        self.blocks.push(block);
        Dyn::Block(index(self.blocks.len() - 1))
    }

    /// Stores a list.
    #[inline]
    pub fn list(&mut self, list: List) -> Dyn {
        self.lists.push(list);
        Dyn::List(index(self.lists.len() - 1))
    }

    /// Finishes with the top block.
    pub fn finish(self, root: Block) -> Rendered {
        Rendered { buf: self.buf, root, blocks: self.blocks, lists: self.lists }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Render;

    #[test]
    fn tree_renders_to_the_same_html_as_the_statics_and_dynamics_say() {
        static OUTER: &[&str] = &["<ul>", "</ul><p>", "</p>"];
        static ROW: &[&str] = &["<li id=\"", "\">", "</li>"];
        let mut b = Builder::with_capacity(64);
        let mut list = List::new(2, ROW);
        for (id, name) in [(1u32, "a<b"), (2, "c")] {
            let k = b.mark();
            id.render_escaped(b.buf());
            list.keys.push(b.key_since(k));
            list.dynamics.push(b.text_since(k));
            let s = b.mark();
            name.render_escaped(b.buf());
            list.dynamics.push(b.text_since(s));
        }
        let list = b.list(list);
        let root = Block { fingerprint: 1, statics: OUTER, dynamics: vec![list, Dyn::Empty] };
        let rendered = b.finish(root);
        assert_eq!(
            rendered.to_html(),
            "<ul><li id=\"1\">a&lt;b</li><li id=\"2\">c</li></ul><p></p>"
        );
        let Dyn::List(i) = rendered.root.dynamics[0] else { panic!() };
        let list = rendered.list(i).unwrap();
        assert_eq!((list.width(), list.len()), (2, 2));
        assert_eq!(rendered.text(list.keys[1].0, list.keys[1].1), "2");
    }

    #[test]
    fn rows_without_dynamics_still_count_and_blocks_nest() {
        static ROW: &[&str] = &["<hr>"];
        static INNER: &[&str] = &["<b>", "</b>"];
        let mut b = Builder::default();
        let mut list = List::new(3, ROW);
        list.keys.extend([(0, 0), (0, 0), (0, 0)]);
        let list = b.list(list);
        let s = b.mark();
        "x".render_escaped(b.buf());
        let text = b.text_since(s);
        let inner = b.block(Block { fingerprint: 4, statics: INNER, dynamics: vec![text] });
        let rendered =
            b.finish(Block { fingerprint: 1, statics: &["", "", ""], dynamics: vec![list, inner] });
        assert_eq!(rendered.to_html(), "<hr><hr><hr><b>x</b>");
        assert!(rendered.block(9).is_none() && rendered.list(9).is_none());
    }
}
