//! The live render of a template: a tree of statics and dynamics.
//!
//! A [`Block`] is the static HTML of one template region, split at its dynamic parts, with a
//! fingerprint of those statics; a connected session sends the statics of a fingerprint once
//! and afterwards only dynamics. A `:for` becomes a [`List`] whose rows share one set of
//! statics; a `:if` becomes a nested block or [`Dyn::Empty`]. All dynamic text of one render
//! lives in one buffer ([`Rendered::buf`]), so rendering allocates per list, not per value.

/// A dynamic part of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dyn {
    /// Escaped HTML: the byte range `start..end` of [`Rendered::buf`].
    Text {
        /// First byte.
        start: u32,
        /// One past the last byte.
        end: u32,
    },
    /// A nested block (a `:if` that holds, a component).
    Block(Box<Block>),
    /// A comprehension (`:for`).
    List(Box<List>),
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
    /// The `:key` of each row as a range of [`Rendered::buf`] (empty without `:key`).
    pub keys: Vec<(u32, u32)>,
    /// The dynamics of all rows, row after row.
    pub dynamics: Vec<Dyn>,
}

impl List {
    /// Dynamics per row.
    pub fn width(&self) -> usize {
        self.statics.len().saturating_sub(1)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        match self.width() {
            0 => self.keys.len().max(usize::from(!self.dynamics.is_empty())),
            w => self.dynamics.len() / w,
        }
    }

    /// Whether the list has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A live render: the tree and the buffer its texts live in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// All dynamic text, escaped.
    pub buf: String,
    /// The template's top block.
    pub root: Block,
}

impl Rendered {
    /// The text of a `Dyn::Text` range.
    pub fn text(&self, start: u32, end: u32) -> &str {
        self.buf.get(start as usize..end as usize).unwrap_or("")
    }

    /// The HTML this tree renders to (equal to the template's disconnected render).
    pub fn to_html(&self) -> String {
        let mut out = String::with_capacity(self.buf.len() * 2);
        self.block_html(&self.root, &mut out);
        out
    }

    fn block_html(&self, block: &Block, out: &mut String) {
        self.row_html(block.statics, &block.dynamics, out);
    }

    fn row_html(&self, statics: &[&str], dynamics: &[Dyn], out: &mut String) {
        for (i, s) in statics.iter().enumerate() {
            out.push_str(s);
            if let Some(d) = dynamics.get(i) {
                self.dyn_html(d, out);
            }
        }
    }

    fn dyn_html(&self, d: &Dyn, out: &mut String) {
        match d {
            Dyn::Text { start, end } => out.push_str(self.text(*start, *end)),
            Dyn::Block(b) => self.block_html(b, out),
            Dyn::List(list) => {
                let width = list.width();
                if width == 0 {
                    for _ in 0..list.len() {
                        self.row_html(list.statics, &[], out);
                    }
                } else {
                    for row in list.dynamics.chunks(width) {
                        self.row_html(list.statics, row, out);
                    }
                }
            }
            Dyn::Empty => {}
        }
    }
}

/// Builds a [`Rendered`]: generated code writes dynamic text into [`Builder::buf`] between
/// [`Builder::mark`] and [`Builder::text_since`].
#[derive(Debug, Default)]
pub struct Builder {
    buf: String,
}

impl Builder {
    /// A builder whose buffer starts with `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> Builder {
        Builder { buf: String::with_capacity(capacity) }
    }

    /// The buffer dynamic text is written to.
    #[inline]
    pub fn buf(&mut self) -> &mut String {
        &mut self.buf
    }

    /// The current end of the buffer.
    #[inline]
    pub fn mark(&self) -> u32 {
        u32::try_from(self.buf.len()).unwrap_or(u32::MAX)
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

    /// Finishes with the top block.
    pub fn finish(self, root: Block) -> Rendered {
        Rendered { buf: self.buf, root }
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
        let mut list =
            List { fingerprint: 2, statics: ROW, keys: Vec::new(), dynamics: Vec::new() };
        for (id, name) in [(1u32, "a<b"), (2, "c")] {
            let k = b.mark();
            id.render_escaped(b.buf());
            list.keys.push(b.key_since(k));
            list.dynamics.push(b.text_since(k));
            let s = b.mark();
            name.render_escaped(b.buf());
            list.dynamics.push(b.text_since(s));
        }
        let root = Block {
            fingerprint: 1,
            statics: OUTER,
            dynamics: vec![Dyn::List(Box::new(list)), Dyn::Empty],
        };
        let rendered = b.finish(root);
        assert_eq!(
            rendered.to_html(),
            "<ul><li id=\"1\">a&lt;b</li><li id=\"2\">c</li></ul><p></p>"
        );
        let Dyn::List(list) = &rendered.root.dynamics[0] else { panic!() };
        assert_eq!((list.width(), list.len()), (2, 2));
        assert_eq!(rendered.text(list.keys[1].0, list.keys[1].1), "2");
    }

    #[test]
    fn rows_without_dynamics_still_count() {
        static ROW: &[&str] = &["<hr>"];
        let list = List {
            fingerprint: 3,
            statics: ROW,
            keys: vec![(0, 0), (0, 0), (0, 0)],
            dynamics: Vec::new(),
        };
        let rendered = Rendered {
            buf: String::new(),
            root: Block {
                fingerprint: 1,
                statics: &["", ""],
                dynamics: vec![Dyn::List(Box::new(list))],
            },
        };
        assert_eq!(rendered.to_html(), "<hr><hr><hr>");
    }
}
