//! What component calls pass: [`Slot`]s (content rendered by the component where it says
//! `{render_slot(slot)}`) and [`Attrs`] (undeclared attributes passed through to an element with
//! `:attrs={rest}`).
//!
//! A component is a struct whose fields are its attributes and slots, bound to a template with
//! [`component!`](crate::component); generated code builds the struct at each call site.

use crate::render::RenderAttr;
use crate::tree::{Block, Builder, Dyn};

/// How a slot's content renders: straight to HTML, or into the live tree.
#[derive(Clone, Copy)]
enum SlotFn<'a> {
    Html(&'a dyn Fn(&mut String)),
    Live(&'a dyn Fn(&mut Builder) -> Block),
}

/// Content a caller passes to a component: the body between its tags (`inner_block`) or a named
/// `<:slot>`, with the slot's attributes `A`.
#[derive(Clone, Copy)]
pub struct Slot<'a, A = ()> {
    /// The slot's attributes, as declared by the type `A`.
    pub attrs: A,
    render: SlotFn<'a>,
}

impl<A: std::fmt::Debug> std::fmt::Debug for Slot<'_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.render {
            SlotFn::Html(_) => "html",
            SlotFn::Live(_) => "live",
        };
        f.debug_struct("Slot").field("attrs", &self.attrs).field("mode", &mode).finish()
    }
}

impl<'a, A> Slot<'a, A> {
    /// A slot whose content writes HTML (used by `render_html`).
    pub fn html(attrs: A, render: &'a dyn Fn(&mut String)) -> Self {
        Slot { attrs, render: SlotFn::Html(render) }
    }

    /// A slot whose content builds a live block (used by `render_live`).
    pub fn live(attrs: A, render: &'a dyn Fn(&mut Builder) -> Block) -> Self {
        Slot { attrs, render: SlotFn::Live(render) }
    }
}

/// What `{render_slot(x)}` accepts: a [`Slot`], or an optional one (`None` renders nothing).
pub trait RenderSlot {
    /// Writes the content as HTML.
    fn render_slot_html(&self, out: &mut String);

    /// Adds the content to the live tree and returns its dynamic.
    fn render_slot_dyn(&self, b: &mut Builder) -> Dyn;
}

impl<A> RenderSlot for Slot<'_, A> {
    fn render_slot_html(&self, out: &mut String) {
        match self.render {
            SlotFn::Html(f) => f(out),
            SlotFn::Live(f) => {
                let mut b = Builder::default();
                let root = f(&mut b);
                out.push_str(&b.finish(root).to_html());
            }
        }
    }

    fn render_slot_dyn(&self, b: &mut Builder) -> Dyn {
        match self.render {
            SlotFn::Live(f) => {
                let block = f(b);
                b.block(block)
            }
            SlotFn::Html(f) => {
                let start = b.mark();
                f(b.buf());
                b.text_since(start)
            }
        }
    }
}

impl<T: RenderSlot> RenderSlot for Option<T> {
    fn render_slot_html(&self, out: &mut String) {
        if let Some(slot) = self {
            slot.render_slot_html(out);
        }
    }

    fn render_slot_dyn(&self, b: &mut Builder) -> Dyn {
        match self {
            Some(slot) => slot.render_slot_dyn(b),
            None => Dyn::Empty,
        }
    }
}

impl<T: RenderSlot + ?Sized> RenderSlot for &T {
    fn render_slot_html(&self, out: &mut String) {
        (**self).render_slot_html(out);
    }

    fn render_slot_dyn(&self, b: &mut Builder) -> Dyn {
        (**self).render_slot_dyn(b)
    }
}

/// One passed-through attribute.
#[derive(Clone, Copy)]
pub struct AttrEntry<'a> {
    /// For a literal attribute, the whole attribute as written (` class="x"`); for a dynamic
    /// one, ` name`. Both start with a space.
    pub name: &'static str,
    /// The dynamic value, if any.
    pub value: Option<&'a dyn RenderAttr>,
    /// Whether the value is a URL (checked for script schemes).
    pub url: bool,
}

impl std::fmt::Debug for AttrEntry<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttrEntry")
            .field("name", &self.name)
            .field("dynamic", &self.value.is_some())
            .finish()
    }
}

/// Attributes a caller passed that the component does not declare (global attributes); the
/// component writes them onto an element with `:attrs={rest}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Attrs<'a>(pub &'a [AttrEntry<'a>]);

impl Attrs<'_> {
    /// No attributes.
    pub const EMPTY: Attrs<'static> = Attrs(&[]);

    /// Writes every attribute, escaped as any attribute is.
    pub fn render_spread(&self, out: &mut String) {
        for entry in self.0 {
            match entry.value {
                Some(value) => value.render_attr(out, entry.name, entry.url),
                None => out.push_str(entry.name),
            }
        }
    }

    /// Whether an attribute called `name` was passed.
    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|e| {
            let written = e.name.trim_start();
            written == name || written.strip_prefix(name).is_some_and(|rest| rest.starts_with('='))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::Block;

    #[test]
    fn html_and_live_slots_render_the_same_in_both_modes() {
        let html = |out: &mut String| out.push_str("<b>hi</b>");
        static STATICS: &[&str] = &["<b>hi</b>"];
        let live = |_: &mut Builder| Block { fingerprint: 7, statics: STATICS, dynamics: vec![] };
        for slot in [Slot::html((), &html), Slot::live((), &live)] {
            let mut out = String::new();
            slot.render_slot_html(&mut out);
            assert_eq!(out, "<b>hi</b>");
            let mut b = Builder::default();
            let d = slot.render_slot_dyn(&mut b);
            let rendered =
                b.finish(Block { fingerprint: 1, statics: &["", ""], dynamics: vec![d] });
            assert_eq!(rendered.to_html(), "<b>hi</b>");
        }
        let none: Option<Slot<'_>> = None;
        let mut out = String::new();
        none.render_slot_html(&mut out);
        assert!(out.is_empty());
        assert_eq!(none.render_slot_dyn(&mut Builder::default()), Dyn::Empty);
    }

    #[test]
    fn attrs_spread_escapes_values_and_refuses_script_urls() {
        let id = "a\"><script>";
        let href = "javascript:alert(1)";
        let hidden = false;
        let entries = [
            AttrEntry { name: " class=\"btn\"", value: None, url: false },
            AttrEntry { name: " data-id", value: Some(&id), url: false },
            AttrEntry { name: " href", value: Some(&href), url: true },
            AttrEntry { name: " hidden", value: Some(&hidden), url: false },
        ];
        let attrs = Attrs(&entries);
        let mut out = String::new();
        attrs.render_spread(&mut out);
        assert!(out.starts_with(" class=\"btn\" data-id=\"a&quot;&gt;&lt;script&gt;\""), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(!out.contains("hidden"), "{out}");
        assert!(attrs.contains("class") && attrs.contains("data-id") && !attrs.contains("clas"));
        let mut empty = String::new();
        Attrs::EMPTY.render_spread(&mut empty);
        assert!(empty.is_empty());
    }
}
