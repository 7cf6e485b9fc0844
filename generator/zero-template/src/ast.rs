//! The template tree. Every node keeps its span; expressions are kept as spans into the source
//! (checked as Rust by [`crate::check`]).

use crate::lexer::Attr;
use crate::span::Span;

/// A node of the tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Node {
    /// Literal text.
    Text {
        /// Where it is.
        span: Span,
        /// The text (`{{`/`}}` already unescaped).
        text: String,
    },
    /// `{expr}`, escaped for its context.
    Expr {
        /// The whole `{...}`.
        span: Span,
        /// The expression.
        code: Span,
    },
    /// `{@html expr}`, not escaped.
    Raw {
        /// The whole `{@html ...}`.
        span: Span,
        /// The expression.
        code: Span,
    },
    /// `<!DOCTYPE ...>`.
    Doctype {
        /// Where it is.
        span: Span,
    },
    /// An HTML element.
    Element(Element),
    /// A component call `<.name>` or `<module::name>`.
    Component(Element),
    /// A slot `<:name>` inside a component.
    Slot(Element),
}

/// What kind of tag an element was written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TagKind {
    /// `<div>`.
    Html,
    /// `<.button>`: a component in scope.
    Component,
    /// `<ui::card>`: a component from another module.
    Remote,
    /// `<:col>`: a slot.
    Slot,
}

impl TagKind {
    /// The kind of a tag by its name as written.
    pub fn of(name: &str) -> TagKind {
        if name.starts_with('.') {
            TagKind::Component
        } else if name.starts_with(':') {
            TagKind::Slot
        } else if name.contains("::") {
            TagKind::Remote
        } else {
            TagKind::Html
        }
    }
}

/// An element, component call or slot.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Element {
    /// The name without its sigil: `div`, `button` for `<.button>`, `ui::card`, `col` for `<:col>`.
    pub name: String,
    /// How it was written.
    pub kind: TagKind,
    /// Where the name is in the start tag.
    pub name_span: Span,
    /// Attributes, directives included, in source order.
    pub attrs: Vec<Attr>,
    /// Children (empty for void and self-closing elements).
    pub children: Vec<Node>,
    /// The start tag.
    pub start_span: Span,
    /// From the start tag to the end tag (or the start tag when there is none).
    pub span: Span,
}

impl Element {
    /// The attribute named `name`, if any.
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
}
