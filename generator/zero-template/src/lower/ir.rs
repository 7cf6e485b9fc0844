//! The intermediate form a template is lowered to: [`Part`]s (statics, dynamics, blocks,
//! loops, component calls) and the values of a call's fields, from which both renders are
//! emitted.

use super::*;

/// The intermediate form: static HTML and the dynamic parts between it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Part {
    Static(String),
    Text {
        code: Span,
        raw: bool,
    },
    Attr {
        name: String,
        code: Span,
        url: bool,
    },
    If {
        cond: Span,
        body: Vec<Part>,
    },
    For {
        pat: Span,
        iter: Span,
        key: Option<Span>,
        /// A `:stream`: the list carries the stream's operations.
        stream: bool,
        body: Vec<Part>,
    },
    /// `{render_slot(code)}` in a component's template.
    Slot {
        code: Span,
    },
    /// `:attrs={code}`: passed-through attributes.
    Spread {
        code: Span,
    },
    /// A call of a component declared in Rust.
    Component(Box<Call>),
}

/// A component call: the struct literal generated code builds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Call {
    /// The struct's path.
    pub(super) path: String,
    /// Where the call is (its tag name).
    pub(super) at: Span,
    /// One initializer per field, in declaration order.
    pub(super) fields: Vec<(String, Value)>,
}

/// How a template expression becomes a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Conv {
    /// As it is.
    Plain,
    /// `Into::into` (an `Option` field takes a bare value).
    Into,
    /// Bound first, then borrowed as `&str` (a `&str` field takes a `String` or any
    /// `AsRef<str>`, which lives as long as the call).
    Borrow,
}

/// The value a field is initialized with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Value {
    /// Rust code that needs no template location (a literal, `None`, `false`).
    Code(String),
    /// A template expression, passed as the field's type asks.
    Expr { code: Span, conv: Conv },
    /// Passed-through attributes.
    Rest(Vec<RestEntry>),
    /// The entries of a slot field.
    Slots { shape: SlotField, entries: Vec<SlotEntry> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RestEntry {
    /// The whole attribute as written, with its leading space.
    Static(String),
    /// ` name` and its value.
    Dynamic { name: String, code: Span, url: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct SlotEntry {
    /// The slot's attribute struct and its field initializers, or `None` for `()`.
    pub(super) attrs: Option<(String, Vec<(String, Value)>)>,
    pub(super) body: Vec<Part>,
}

/// An attribute value that only chooses between string literals (`"a"`, or
/// `if c { "a" } else { "b" }`, nested): the attribute's text is escaped at compile time and
/// only the conditions run, which writes exactly what `RenderAttr` for `&str` would.
#[derive(Debug, PartialEq)]
pub(super) enum Literal {
    Fixed(String),
    If { cond: String, then: Box<Literal>, otherwise: Box<Literal> },
}

impl Literal {
    pub(super) fn parse(code: &str) -> Option<Literal> {
        Literal::of(&syn::parse_str::<syn::Expr>(code).ok()?)
    }

    pub(super) fn of(expr: &syn::Expr) -> Option<Literal> {
        match expr {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), attrs }) if attrs.is_empty() => {
                Some(Literal::Fixed(s.value()))
            }
            syn::Expr::Paren(p) => Literal::of(&p.expr),
            syn::Expr::Block(b) if b.attrs.is_empty() && b.label.is_none() => {
                Literal::of_block(&b.block)
            }
            syn::Expr::If(i) if i.attrs.is_empty() => {
                let (_, otherwise) = i.else_branch.as_ref()?;
                Some(Literal::If {
                    cond: quote::ToTokens::to_token_stream(&*i.cond).to_string(),
                    then: Box::new(Literal::of_block(&i.then_branch)?),
                    otherwise: Box::new(Literal::of(otherwise)?),
                })
            }
            _ => None,
        }
    }

    pub(super) fn of_block(block: &syn::Block) -> Option<Literal> {
        match block.stmts.as_slice() {
            [syn::Stmt::Expr(e, None)] => Literal::of(e),
            _ => None,
        }
    }
}
