//! Lowering: a checked template to Rust render code for `zero_live_core::Template`.
//!
//! Two renders come from one template: `render_html` writes HTML straight into a string (the
//! first, disconnected request) and `render_live` builds the tree of statics and dynamics the
//! live runtime diffs. Both are emitted from the same intermediate form ([`Part`]), so they
//! cannot disagree. The code is written as text (not through a pretty-printer) so it keeps a
//! `// file:line:col` comment on every line that evaluates template code; a [`SourceMap`]
//! records the same link for tools.

use std::collections::BTreeSet;

use syn::visit::Visit;
use zero_diag::codes;

use crate::Problem;
use crate::ast::{Element, Node, TagKind};
use crate::check::URL_ATTRIBUTES;
use crate::components::{
    AttrDef, AttrType, ComponentDef, Components, RustBinding, SlotField, StrKind,
};
use crate::lexer::AttrValue;
use crate::parser::VOID_ELEMENTS;
use crate::span::{LineIndex, Span};

/// Options of one lowering.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Add `data-z-loc="file:line"` to each top-level element (debug builds only).
    pub debug_annotations: bool,
    /// The scope attribute (`data-z-1a2b3c4d`) every element carries when the template has a
    /// colocated stylesheet.
    pub scope: Option<String>,
    /// The template renders a component whose struct takes a lifetime (`impl<'a>`).
    pub lifetime: bool,
}

/// The intermediate form: static HTML and the dynamic parts between it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
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
struct Call {
    /// The struct's path.
    path: String,
    /// Where the call is (its tag name).
    at: Span,
    /// One initializer per field, in declaration order.
    fields: Vec<(String, Value)>,
}

/// How a template expression becomes a field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Conv {
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
enum Value {
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
enum RestEntry {
    /// The whole attribute as written, with its leading space.
    Static(String),
    /// ` name` and its value.
    Dynamic { name: String, code: Span, url: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct SlotEntry {
    /// The slot's attribute struct and its field initializers, or `None` for `()`.
    attrs: Option<(String, Vec<(String, Value)>)>,
    body: Vec<Part>,
}

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

/// Generated code for one template.
#[derive(Debug, Clone)]
pub struct Lowered {
    /// The Rust source: an `impl zero_live_core::Template for __ZlSelf`.
    pub code: String,
    /// Generated lines to template positions.
    pub map: SourceMap,
}

/// Lowers `nodes` (checked without errors) of the template `file` with source `source`.
pub fn lower(
    file: &str,
    source: &str,
    nodes: &[Node],
    components: &Components,
    options: &Options,
) -> Result<Lowered, Vec<Problem>> {
    let mut lowerer = Lowerer { source, file, problems: Vec::new(), options, components };
    let mut parts = Vec::new();
    lowerer.nodes(nodes, &mut parts, true);
    if !lowerer.problems.is_empty() {
        return Err(lowerer.problems);
    }
    let parts = merge_statics(parts);
    let mut fields = BTreeSet::new();
    collect_fields(source, &parts, &mut Vec::new(), &mut fields);
    let mut emitter = Emitter {
        source,
        lines: LineIndex::new(source),
        code: String::new(),
        line: 1,
        map: SourceMap { template: file.to_owned(), entries: Vec::new() },
        counter: 0,
    };
    emitter.file(file, &parts, &fields, options.lifetime);
    Ok(Lowered { code: emitter.code, map: emitter.map })
}

struct Lowerer<'a> {
    source: &'a str,
    file: &'a str,
    problems: Vec<Problem>,
    options: &'a Options,
    components: &'a Components,
}

impl Lowerer<'_> {
    fn nodes(&mut self, nodes: &[Node], out: &mut Vec<Part>, top: bool) {
        for node in nodes {
            match node {
                Node::Text { text, .. } => out.push(Part::Static(text.clone())),
                Node::Doctype { span } => out.push(Part::Static(span.text(self.source).to_owned())),
                Node::Expr { code, .. } => match self.slot_argument(*code) {
                    Some(code) => out.push(Part::Slot { code }),
                    None => out.push(Part::Text { code: *code, raw: false }),
                },
                Node::Raw { code, .. } => out.push(Part::Text { code: *code, raw: true }),
                Node::Element(e) => self.element(e, out, top),
                Node::Component(e) => match self.components.get(&e.name) {
                    Some(def @ ComponentDef { rust: Some(rust), .. }) => {
                        let call = self.call(e, def, rust);
                        let parts = vec![Part::Component(Box::new(call))];
                        out.extend(self.control(e, parts));
                    }
                    _ => self.unbound(e),
                },
                Node::Slot(e) => self.unbound(e),
            }
        }
    }

    /// `render_slot(x)`: the span of `x`.
    fn slot_argument(&self, code: Span) -> Option<Span> {
        let text = code.text(self.source);
        let lead = text.len() - text.trim_start().len();
        let trimmed = text.trim();
        let inner = trimmed.strip_prefix("render_slot(")?.strip_suffix(')')?;
        let call = syn::parse_str::<syn::ExprCall>(trimmed).ok()?;
        if call.args.len() != 1 {
            return None;
        }
        let start = code.start as usize + lead + "render_slot(".len();
        Some(Span::new(start, start + inner.len()))
    }

    /// A component or slot that no Rust component is bound to.
    fn unbound(&mut self, e: &Element) {
        let written = match e.kind {
            TagKind::Slot => format!(":{}", e.name),
            TagKind::Component => format!(".{}", e.name),
            _ => e.name.clone(),
        };
        self.problems.push(
            Problem::new(
                codes::TPL_UNKNOWN_COMPONENT,
                e.name_span,
                format!("`<{written}>` cannot be rendered: no Rust component is bound to it"),
            )
            .with_help(
                "declare the component in Rust with `zero_live_core::component!` and register its file with `Build::rust_components`",
            ),
        );
    }

    /// The struct literal for a call of `def`.
    fn call(&mut self, e: &Element, def: &ComponentDef, rust: &RustBinding) -> Call {
        let mut fields = Vec::new();
        for attr_def in &def.attrs {
            let value = match e.attr(&attr_def.name) {
                Some(attr) => self.value(attr_def, &attr.value),
                None if attr_def.ty == AttrType::Bool && !optional(attr_def) => {
                    Value::Code("false".into())
                }
                None => Value::Code("::core::option::Option::None".into()),
            };
            fields.push((attr_def.name.clone(), value));
        }
        for slot_def in &def.slots {
            let Some((shape, attrs_path)) = &slot_def.rust else { continue };
            let mut entries = Vec::new();
            if slot_def.name == "inner_block" {
                let body: Vec<Node> =
                    e.children.iter().filter(|n| !matches!(n, Node::Slot(_))).cloned().collect();
                let blank = body
                    .iter()
                    .all(|n| matches!(n, Node::Text { text, .. } if text.trim().is_empty()));
                if !(blank && *shape != SlotField::One) {
                    let mut parts = Vec::new();
                    self.nodes(&body, &mut parts, false);
                    entries.push(SlotEntry { attrs: None, body: merge_statics(parts) });
                }
            } else {
                for child in &e.children {
                    let Node::Slot(slot) = child else { continue };
                    if slot.name != slot_def.name {
                        continue;
                    }
                    let attrs = attrs_path.as_ref().map(|path| {
                        let values = slot_def
                            .attrs
                            .iter()
                            .map(|a| {
                                let value = match slot.attr(&a.name) {
                                    Some(attr) => self.value(a, &attr.value),
                                    None if a.ty == AttrType::Bool && !optional(a) => {
                                        Value::Code("false".into())
                                    }
                                    None => Value::Code("::core::option::Option::None".into()),
                                };
                                (a.name.clone(), value)
                            })
                            .collect();
                        (path.clone(), values)
                    });
                    let mut parts = Vec::new();
                    self.nodes(&slot.children, &mut parts, false);
                    entries.push(SlotEntry { attrs, body: merge_statics(parts) });
                }
            }
            fields.push((slot_def.name.clone(), Value::Slots { shape: *shape, entries }));
        }
        if let Some(rest) = &rust.rest {
            let mut entries = Vec::new();
            for attr in &e.attrs {
                if attr.name.starts_with(':') || def.attrs.iter().any(|a| a.name == attr.name) {
                    continue;
                }
                entries.push(match &attr.value {
                    AttrValue::Expr { code } => RestEntry::Dynamic {
                        name: format!(" {}", attr.name),
                        code: *code,
                        url: URL_ATTRIBUTES.contains(&attr.name.to_ascii_lowercase().as_str()),
                    },
                    _ => RestEntry::Static(format!(" {}", attr.span.text(self.source))),
                });
            }
            fields.push((rest.clone(), Value::Rest(entries)));
        }
        Call { path: rust.path.clone(), at: e.name_span, fields }
    }

    /// The initializer of the field for `def` given `value`.
    fn value(&self, def: &AttrDef, value: &AttrValue) -> Value {
        let optional = optional(def);
        let code = match value {
            AttrValue::Expr { code } => {
                let conv = if optional {
                    Conv::Into
                } else if def.rust.and_then(|r| r.string) == Some(StrKind::Borrowed) {
                    Conv::Borrow
                } else {
                    Conv::Plain
                };
                return Value::Expr { code: *code, conv };
            }
            AttrValue::None => "true".to_owned(),
            AttrValue::Static { text, .. } => match (def.ty, def.rust.and_then(|r| r.string)) {
                (AttrType::Bool | AttrType::Int | AttrType::Float, _) => text.clone(),
                (_, Some(StrKind::Owned)) => {
                    format!("::std::string::String::from({})", rust_string(text))
                }
                (_, Some(StrKind::Cow)) => {
                    format!("::std::borrow::Cow::Borrowed({})", rust_string(text))
                }
                _ => rust_string(text),
            },
        };
        Value::Code(if optional { format!("::core::option::Option::Some({code})") } else { code })
    }

    /// Wraps `parts` of element `e` in its `:if` and `:for`.
    fn control(&self, e: &Element, mut parts: Vec<Part>) -> Vec<Part> {
        let expr = |name: &str| match e.attr(name).map(|a| &a.value) {
            Some(AttrValue::Expr { code }) => Some(*code),
            _ => None,
        };
        if let Some(cond) = expr(":if") {
            parts = vec![Part::If { cond, body: merge_statics(parts) }];
        }
        if let Some(code) = expr(":for") {
            let text = code.text(self.source);
            let Some(at) = find_in_keyword(text) else { return Vec::new() };
            let pat = Span::new(code.start as usize, code.start as usize + at);
            let iter = Span::new(code.start as usize + at + 4, code.end as usize);
            let stream = e.attr(":stream").is_some();
            let body = merge_statics(parts);
            parts = vec![Part::For { pat, iter, key: expr(":key"), stream, body }];
        }
        parts
    }

    fn element(&mut self, e: &Element, out: &mut Vec<Part>, top: bool) {
        if e.attr(":colocated").is_some() {
            // Extracted into a hashed asset at build time; nothing renders in place.
            return;
        }
        let mut parts = vec![Part::Static(format!("<{}", e.name))];
        for attr in &e.attrs {
            if attr.name == ":attrs" {
                if let AttrValue::Expr { code } = &attr.value {
                    parts.push(Part::Spread { code: *code });
                }
                continue;
            }
            if attr.name.starts_with(':') {
                continue;
            }
            match &attr.value {
                AttrValue::Expr { code } => parts.push(Part::Attr {
                    name: format!(" {}", attr.name),
                    code: *code,
                    url: URL_ATTRIBUTES.contains(&attr.name.to_ascii_lowercase().as_str()),
                }),
                _ => parts.push(Part::Static(format!(" {}", attr.span.text(self.source)))),
            }
        }
        if let Some(scope) = &self.options.scope {
            parts.push(Part::Static(format!(" {scope}")));
        }
        if top && self.options.debug_annotations {
            let (line, _) = LineIndex::new(self.source).line_col(self.source, e.start_span.start);
            parts.push(Part::Static(format!(" data-z-loc=\"{}:{line}\"", self.file)));
        }
        parts.push(Part::Static(">".to_owned()));
        let void = VOID_ELEMENTS.contains(&e.name.as_str());
        if !void && e.start_span != e.span {
            self.nodes(&e.children, &mut parts, false);
            parts.push(Part::Static(format!("</{}>", e.name)));
        } else if !void {
            parts.push(Part::Static(format!("</{}>", e.name)));
        }
        out.extend(self.control(e, parts));
    }
}

fn optional(def: &AttrDef) -> bool {
    def.rust.is_some_and(|r| r.optional)
}

/// Byte offset of the ` in ` that separates a `:for` pattern from its iterable: the first one
/// whose left side parses as a pattern.
fn find_in_keyword(text: &str) -> Option<usize> {
    text.match_indices(" in ").map(|(i, _)| i).find(|&i| parse_pattern(&text[..i]).is_some())
}

fn parse_pattern(text: &str) -> Option<syn::Pat> {
    syn::parse::Parser::parse_str(syn::Pat::parse_single, text).ok()
}

/// Joins adjacent statics and drops empty ones.
fn merge_statics(parts: Vec<Part>) -> Vec<Part> {
    let mut out: Vec<Part> = Vec::with_capacity(parts.len());
    for part in parts {
        match (out.last_mut(), part) {
            (_, Part::Static(s)) if s.is_empty() => {}
            (Some(Part::Static(prev)), Part::Static(s)) => prev.push_str(&s),
            (_, part) => out.push(part),
        }
    }
    out
}

/// The names a template reads from `self`: free identifiers of its expressions that no
/// enclosing `:for` binds (uppercase names are constants, types or variants, not fields).
fn collect_fields(
    source: &str,
    parts: &[Part],
    bound: &mut Vec<BTreeSet<String>>,
    fields: &mut BTreeSet<String>,
) {
    let add = |code: Span, bound: &[BTreeSet<String>], fields: &mut BTreeSet<String>| {
        for name in free_names(code.text(source)) {
            if !bound.iter().any(|b| b.contains(&name)) {
                fields.insert(name);
            }
        }
    };
    for part in parts {
        match part {
            Part::Static(_) => {}
            Part::Text { code, .. }
            | Part::Attr { code, .. }
            | Part::Slot { code }
            | Part::Spread { code } => add(*code, bound, fields),
            Part::Component(call) => {
                let mut values: Vec<&Value> = call.fields.iter().map(|(_, v)| v).collect();
                while let Some(value) = values.pop() {
                    match value {
                        Value::Code(_) => {}
                        Value::Expr { code, .. } => add(*code, bound, fields),
                        Value::Rest(entries) => {
                            for entry in entries {
                                if let RestEntry::Dynamic { code, .. } = entry {
                                    add(*code, bound, fields);
                                }
                            }
                        }
                        Value::Slots { entries, .. } => {
                            for entry in entries {
                                if let Some((_, attrs)) = &entry.attrs {
                                    values.extend(attrs.iter().map(|(_, v)| v));
                                }
                                collect_fields(source, &entry.body, bound, fields);
                            }
                        }
                    }
                }
            }
            Part::If { cond, body } => {
                add(*cond, bound, fields);
                collect_fields(source, body, bound, fields);
            }
            Part::For { pat, iter, key, body, .. } => {
                add(*iter, bound, fields);
                bound.push(pattern_names(pat.text(source)));
                if let Some(key) = key {
                    add(*key, bound, fields);
                }
                collect_fields(source, body, bound, fields);
                bound.pop();
            }
        }
    }
}

/// Identifiers a pattern binds.
fn pattern_names(text: &str) -> BTreeSet<String> {
    struct Names(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Names {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.insert(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut names = Names(BTreeSet::new());
    if let Some(pat) = parse_pattern(text) {
        names.visit_pat(&pat);
    }
    names.0
}

/// Free single-segment identifiers used as values in an expression (not called as functions,
/// not bound by a closure inside it, not uppercase).
fn free_names(text: &str) -> BTreeSet<String> {
    #[derive(Default)]
    struct Free {
        used: BTreeSet<String>,
        bound: BTreeSet<String>,
    }
    impl<'ast> Visit<'ast> for Free {
        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if !matches!(&*call.func, syn::Expr::Path(_)) {
                self.visit_expr(&call.func);
            }
            for arg in &call.args {
                self.visit_expr(arg);
            }
        }
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.qself.is_none() && p.path.segments.len() == 1 && p.path.leading_colon.is_none() {
                let name = p.path.segments[0].ident.to_string();
                if name.chars().next().is_some_and(|c| c.is_lowercase() || c == '_')
                    && name != "self"
                {
                    self.used.insert(name);
                }
            }
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.bound.insert(p.ident.to_string());
        }
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            // Arguments of `format!`-like macros are expressions after the first.
            let parser = syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated;
            if let Ok(args) = syn::parse::Parser::parse2(parser, m.tokens.clone()) {
                for arg in args.iter().skip(1) {
                    self.visit_expr(arg);
                }
            }
        }
    }
    let mut free = Free::default();
    if let Ok(expr) = syn::parse_str::<syn::Expr>(text) {
        free.visit_expr(&expr);
    }
    free.used.difference(&free.bound).cloned().collect()
}

/// The fields iterated by `:stream` lists (anywhere in `parts`).
fn stream_fields(source: &str, parts: &[Part], out: &mut BTreeSet<String>) {
    for part in parts {
        match part {
            Part::For { iter, stream, body, .. } => {
                if *stream {
                    out.insert(iter.text(source).trim().to_owned());
                }
                stream_fields(source, body, out);
            }
            Part::If { body, .. } => stream_fields(source, body, out),
            Part::Component(call) => {
                for (_, value) in &call.fields {
                    if let Value::Slots { entries, .. } = value {
                        for entry in entries {
                            stream_fields(source, &entry.body, out);
                        }
                    }
                }
            }
            Part::Static(_)
            | Part::Text { .. }
            | Part::Attr { .. }
            | Part::Slot { .. }
            | Part::Spread { .. } => {}
        }
    }
}

/// FNV-1a, for fingerprints that are stable across builds and platforms.
fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The statics of a block and the dynamic parts between them.
fn split(parts: &[Part]) -> (Vec<String>, Vec<&Part>) {
    let mut statics = vec![String::new()];
    let mut dynamics = Vec::new();
    for part in parts {
        match part {
            Part::Static(s) => {
                if let Some(last) = statics.last_mut() {
                    last.push_str(s);
                }
            }
            other => {
                dynamics.push(other);
                statics.push(String::new());
            }
        }
    }
    (statics, dynamics)
}

/// The fingerprint of a block: its statics and the shape of its dynamics.
fn fingerprint(parts: &[Part]) -> u64 {
    let (statics, dynamics) = split(parts);
    let mut hash = 0xcbf2_9ce4_8422_2325;
    for s in &statics {
        hash = fnv1a(s.as_bytes(), hash);
        hash = fnv1a(&[0], hash);
    }
    for d in dynamics {
        let shape: u64 = match d {
            Part::Static(_) | Part::Text { .. } | Part::Attr { .. } | Part::Spread { .. } => 1,
            Part::Slot { .. } => 2,
            Part::Component(call) => fnv1a(call.path.as_bytes(), 3),
            Part::If { body, .. } => fingerprint(body),
            Part::For { body, .. } => fingerprint(body).rotate_left(1),
        };
        hash = fnv1a(&shape.to_le_bytes(), hash);
    }
    hash
}

/// The statement that appends static HTML `s` to `__out`.
fn push_static(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => format!("__out.push({c:?});"),
        _ => format!("__out.push_str({});", rust_string(s)),
    }
}

/// A loop body that opens and closes with static HTML: its opening, the parts between, its
/// closing (e.g. `<td>`, the cell, `</td>`).
fn peel_statics(body: &[Part]) -> Option<(&str, &[Part], &str)> {
    match body {
        [Part::Static(open), middle @ .., Part::Static(close)] => Some((open, middle, close)),
        _ => None,
    }
}

fn rust_string(s: &str) -> String {
    format!("{s:?}")
}

/// An attribute value that only chooses between string literals (`"a"`, or
/// `if c { "a" } else { "b" }`, nested): the attribute's text is escaped at compile time and
/// only the conditions run, which writes exactly what `RenderAttr` for `&str` would.
#[derive(Debug, PartialEq)]
enum Literal {
    Fixed(String),
    If { cond: String, then: Box<Literal>, otherwise: Box<Literal> },
}

impl Literal {
    fn parse(code: &str) -> Option<Literal> {
        Literal::of(&syn::parse_str::<syn::Expr>(code).ok()?)
    }

    fn of(expr: &syn::Expr) -> Option<Literal> {
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

    fn of_block(block: &syn::Block) -> Option<Literal> {
        match block.stmts.as_slice() {
            [syn::Stmt::Expr(e, None)] => Literal::of(e),
            _ => None,
        }
    }
}

/// `s` escaped as `zero_live_core::escape::html` escapes it.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

struct Emitter<'a> {
    source: &'a str,
    lines: LineIndex,
    code: String,
    line: u32,
    map: SourceMap,
    counter: usize,
}

impl Emitter<'_> {
    fn emit(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.code.push_str("    ");
        }
        self.code.push_str(text);
        self.code.push('\n');
        // A template expression may span lines.
        self.line += 1 + zero_diag::to_u32(text.matches('\n').count());
    }

    /// Emits a line that evaluates template code at `span`, with its location comment.
    fn emit_at(&mut self, indent: usize, text: &str, span: Span) {
        let raw = span.text(self.source);
        let start = span.start as usize + (raw.len() - raw.trim_start().len());
        let (line, column) = self.lines.line_col(self.source, zero_diag::to_u32(start));
        let code = raw.trim();
        let (generated_column, len) = match text.find(code) {
            Some(at) if !code.is_empty() && !code.contains('\n') => (
                zero_diag::to_u32(indent * 4 + text[..at].chars().count() + 1),
                zero_diag::to_u32(code.chars().count()),
            ),
            _ => (0, 0),
        };
        self.map.entries.push(MapEntry {
            generated_line: self.line,
            generated_column,
            len,
            line,
            column,
        });
        let file = self.map.template.clone();
        self.emit(indent, &format!("{text} // {file}:{line}:{column}"));
    }

    /// Writes an attribute whose value is a [`Literal`] choice into `buf`; false (nothing
    /// written) for any other value or a URL attribute (checked at runtime).
    fn folded_attr(&mut self, indent: usize, buf: &str, name: &str, code: Span, url: bool) -> bool {
        let Some(literal) = self.literal(code, url) else {
            return false;
        };
        self.emit_literal(indent, buf, ("", ""), name, &literal, code);
        true
    }

    /// The value of an attribute whose expression is a literal or an `if` between literals
    /// (not for URL attributes: those are checked when rendered).
    fn literal(&self, code: Span, url: bool) -> Option<Literal> {
        (!url).then(|| Literal::parse(&self.code_of(code))).flatten()
    }

    /// Emits the pushes of a literal attribute, with the static HTML `around` it (before,
    /// after) in the same pushes.
    fn emit_literal(
        &mut self,
        indent: usize,
        buf: &str,
        around: (&str, &str),
        name: &str,
        literal: &Literal,
        at: Span,
    ) {
        match literal {
            Literal::Fixed(value) => {
                let text = format!("{}{name}=\"{}\"{}", around.0, escape_html(value), around.1);
                self.emit(indent, &format!("{buf}.push_str({});", rust_string(&text)));
            }
            Literal::If { cond, then, otherwise } => {
                self.emit_at(indent, &format!("if {cond} {{"), at);
                self.emit_literal(indent + 1, buf, around, name, then, at);
                self.emit(indent, "} else {");
                self.emit_literal(indent + 1, buf, around, name, otherwise, at);
                self.emit(indent, "}");
            }
        }
    }

    fn code_of(&self, span: Span) -> String {
        span.text(self.source).trim().to_owned()
    }

    /// The expression at `span` as an operand of `&`: in parentheses, unless it is a tuple or
    /// already parenthesized (clippy's `double_parens` on the generated code).
    fn operand(&self, span: Span) -> String {
        let code = self.code_of(span);
        match syn::parse_str::<syn::Expr>(&code) {
            Ok(syn::Expr::Tuple(_) | syn::Expr::Paren(_)) => code,
            _ => format!("({code})"),
        }
    }

    fn size_hint(parts: &[Part]) -> usize {
        parts
            .iter()
            .map(|p| match p {
                Part::Static(s) => s.len(),
                Part::Text { .. } | Part::Attr { .. } | Part::Spread { .. } => 16,
                Part::Slot { .. } | Part::Component(_) => 64,
                Part::If { body, .. } => Self::size_hint(body),
                Part::For { body, .. } => Self::size_hint(body) * 8,
            })
            .sum()
    }

    fn file(&mut self, file: &str, parts: &[Part], fields: &BTreeSet<String>, lifetime: bool) {
        self.emit(0, &format!("// Generated by zero-template from {file}; do not edit."));
        // A block expression holding the impl: `template!` includes it as a const initializer.
        self.emit(0, "{");
        if lifetime {
            self.emit(0, "impl<'__zl> ::zero_live_core::Template for __ZlSelf<'__zl> {");
        } else {
            self.emit(0, "impl ::zero_live_core::Template for __ZlSelf {");
        }
        self.emit(1, &format!("const SIZE_HINT: usize = {};", Self::size_hint(parts)));
        self.emit(0, "");
        self.emit(1, "fn render_html(&self, __out: &mut String) {");
        self.emit(
            2,
            "static __HTML_SIZE: ::zero_live_core::SizeHint = ::zero_live_core::SizeHint::new(0);",
        );
        self.emit(2, "let __start = __out.len();");
        self.emit(2, "__out.reserve(__HTML_SIZE.get().max(Self::SIZE_HINT));");
        self.bind_fields(fields);
        self.html(2, parts);
        self.emit(2, "__HTML_SIZE.update(__out.len() - __start);");
        self.emit(1, "}");
        self.emit(0, "");
        self.emit(1, "fn render_live(&self) -> ::zero_live_core::Rendered {");
        self.emit(
            2,
            "static __LIVE_SIZE: ::zero_live_core::SizeHint = ::zero_live_core::SizeHint::new(0);",
        );
        self.emit(2, "let mut __builder = ::zero_live_core::Builder::with_capacity(__LIVE_SIZE.get().max(Self::SIZE_HINT / 2));");
        self.emit(
            2,
            "let __root = ::zero_live_core::Template::render_block(self, &mut __builder);",
        );
        self.emit(2, "let __rendered = __builder.finish(__root);");
        self.emit(2, "__LIVE_SIZE.update(__rendered.buf.len());");
        self.emit(2, "__rendered");
        self.emit(1, "}");
        self.emit(0, "");
        self.emit(1, "#[inline]");
        self.emit(
            1,
            "fn render_block(&self, __b: &mut ::zero_live_core::Builder) -> ::zero_live_core::Block {",
        );
        self.bind_fields(fields);
        let root = self.block(2, parts);
        self.emit(2, &root);
        self.emit(1, "}");
        let mut streams = std::collections::BTreeSet::new();
        stream_fields(self.source, parts, &mut streams);
        if !streams.is_empty() {
            self.emit(0, "");
            self.emit(1, "fn flush_streams(&mut self) {");
            for field in &streams {
                self.emit(2, &format!("::zero_live_core::Stream::flush(&mut self.{field});"));
            }
            self.emit(1, "}");
        }
        self.emit(0, "}");
        self.emit(0, "}");
    }

    /// The initializer `name: value,` of a field from a template expression; a borrowed
    /// string is first bound (`let __vN = (expr);`, emitted at `indent`).
    fn expr_init(&mut self, indent: usize, name: &str, code: Span, conv: Conv) -> String {
        match conv {
            Conv::Plain => format!("{name}: ({}),", self.code_of(code)),
            Conv::Into => {
                format!("{name}: ::core::convert::Into::into({}),", self.code_of(code))
            }
            Conv::Borrow => {
                // `let x: &dyn _ = &temp;` keeps the temporary alive for the call, and a value
                // that is not a string is reported on this line, mapped to the template.
                let n = self.next();
                let text = format!(
                    "let __v{n}: &dyn ::core::convert::AsRef<str> = &{};",
                    self.operand(code)
                );
                self.emit_at(indent, &text, code);
                format!("{name}: __v{n}.as_ref(),")
            }
        }
    }

    /// Emits the `let`s a component call needs and the struct literal `let __cN = ...;`,
    /// returning `__cN`.
    fn call(&mut self, indent: usize, call: &Call, live: bool) -> String {
        let mut inits = Vec::new();
        for (name, value) in &call.fields {
            let init = match value {
                Value::Code(code) => (format!("{name}: {code},"), None),
                Value::Expr { code, conv } => {
                    (self.expr_init(indent, name, *code, *conv), Some(*code))
                }
                Value::Rest(entries) if entries.is_empty() => {
                    (format!("{name}: ::zero_live_core::Attrs::EMPTY,"), None)
                }
                Value::Rest(entries) => {
                    let n = self.next();
                    self.emit(indent, &format!("let __a{n} = ["));
                    for entry in entries {
                        match entry {
                            RestEntry::Static(text) => self.emit(
                                indent + 1,
                                &format!(
                                    "::zero_live_core::AttrEntry {{ name: {}, value: None, url: false }},",
                                    rust_string(text)
                                ),
                            ),
                            RestEntry::Dynamic { name, code, url } => {
                                let text = format!(
                                    "::zero_live_core::AttrEntry {{ name: {}, value: Some(&{}), url: {url} }},",
                                    rust_string(name),
                                    self.operand(*code)
                                );
                                self.emit_at(indent + 1, &text, *code);
                            }
                        }
                    }
                    self.emit(indent, "];");
                    (format!("{name}: ::zero_live_core::Attrs(&__a{n}),"), None)
                }
                Value::Slots { shape, entries } => {
                    let mut slots = Vec::new();
                    for entry in entries {
                        slots.push(self.slot_entry(indent, entry, live));
                    }
                    let value = match shape {
                        SlotField::One => slots.pop().unwrap_or_else(|| {
                            "::zero_live_core::Slot::html((), &|_: &mut String| {})".to_owned()
                        }),
                        SlotField::Optional => match slots.pop() {
                            Some(slot) => format!("::core::option::Option::Some({slot})"),
                            None => "::core::option::Option::None".to_owned(),
                        },
                        SlotField::Many => format!("::std::vec![{}]", slots.join(", ")),
                    };
                    (format!("{name}: {value},"), None)
                }
            };
            inits.push(init);
        }
        let n = self.next();
        self.emit_at(indent, &format!("let __c{n} = {} {{", call.path), call.at);
        for (text, span) in inits {
            match span {
                Some(span) => self.emit_at(indent + 1, &text, span),
                None => self.emit(indent + 1, &text),
            }
        }
        self.emit(indent, "};");
        format!("__c{n}")
    }

    /// Emits the attribute struct and the closure of one slot entry; returns the `Slot` value.
    fn slot_entry(&mut self, indent: usize, entry: &SlotEntry, live: bool) -> String {
        let n = self.next();
        match &entry.attrs {
            None => self.emit(indent, &format!("let __s{n} = ();")),
            Some((path, values)) => {
                // Bindings of borrowed strings come before the struct literal.
                let mut inits = Vec::new();
                for (name, value) in values {
                    match value {
                        Value::Expr { code, conv } => {
                            inits.push((self.expr_init(indent, name, *code, *conv), Some(*code)));
                        }
                        Value::Code(code) => inits.push((format!("{name}: {code},"), None)),
                        Value::Rest(_) | Value::Slots { .. } => {}
                    }
                }
                self.emit(indent, &format!("let __s{n} = {path} {{"));
                for (text, at) in inits {
                    match at {
                        Some(code) => self.emit_at(indent + 1, &text, code),
                        None => self.emit(indent + 1, &text),
                    }
                }
                self.emit(indent, "};");
            }
        }
        if live {
            self.emit(
                indent,
                &format!(
                    "let __f{n} = |__b: &mut ::zero_live_core::Builder| -> ::zero_live_core::Block {{"
                ),
            );
            let block = self.block(indent + 1, &entry.body);
            self.emit(indent + 1, &block);
            self.emit(indent, "};");
            format!("::zero_live_core::Slot::live(__s{n}, &__f{n})")
        } else {
            self.emit(indent, &format!("let __f{n} = |__out: &mut String| {{"));
            self.html(indent + 1, &entry.body);
            self.emit(indent, "};");
            format!("::zero_live_core::Slot::html(__s{n}, &__f{n})")
        }
    }

    fn next(&mut self) -> usize {
        self.counter += 1;
        self.counter - 1
    }

    fn bind_fields(&mut self, fields: &BTreeSet<String>) {
        if !fields.is_empty() {
            let names: Vec<&str> = fields.iter().map(String::as_str).collect();
            self.emit(2, &format!("let Self {{ {}, .. }} = self;", names.join(", ")));
        }
    }

    /// `part` as the static HTML before a literal attribute (the attribute first in `rest`),
    /// or as a literal attribute itself: the static ("" for none), the attribute's name, code
    /// and literal.
    fn literal_attr<'p>(
        &self,
        part: &'p Part,
        rest: &'p [Part],
    ) -> Option<(&'p str, &'p str, Span, Literal)> {
        let (before, attr) = match (part, rest.first()) {
            (Part::Static(s), Some(attr @ Part::Attr { .. })) => (s.as_str(), attr),
            (attr @ Part::Attr { .. }, _) => ("", attr),
            _ => return None,
        };
        let Part::Attr { name, code, url } = attr else { return None };
        Some((before, name, *code, self.literal(*code, *url)?))
    }

    fn html(&mut self, indent: usize, parts: &[Part]) {
        let mut rest = parts;
        while let Some((part, tail)) = rest.split_first() {
            rest = tail;
            // A literal attribute takes the static HTML on both sides into its pushes
            // (`<li class="champion"><b>`).
            if let Some((before, name, code, literal)) = self.literal_attr(part, rest) {
                rest = &rest[usize::from(!before.is_empty())..];
                let after = match rest.split_first() {
                    Some((Part::Static(after), tail)) => {
                        rest = tail;
                        after.as_str()
                    }
                    _ => "",
                };
                self.emit_literal(indent, "__out", (before, after), name, &literal, code);
                continue;
            }
            match part {
                Part::Static(s) => self.emit(indent, &push_static(s)),
                Part::Text { code, raw } => {
                    let method = if *raw { "render_raw" } else { "render_escaped" };
                    let text = format!(
                        "::zero_live_core::Render::{method}(&{}, __out);",
                        self.operand(*code)
                    );
                    self.emit_at(indent, &text, *code);
                }
                Part::Attr { name, code, url } => {
                    if self.folded_attr(indent, "__out", name, *code, *url) {
                        continue;
                    }
                    let text = format!(
                        "::zero_live_core::RenderAttr::render_attr(&{}, __out, {}, {url});",
                        self.operand(*code),
                        rust_string(name)
                    );
                    self.emit_at(indent, &text, *code);
                }
                Part::If { cond, body } => {
                    self.emit_at(
                        indent,
                        &format!("if ::zero_live_core::truthy({}) {{", self.code_of(*cond)),
                        *cond,
                    );
                    self.html(indent + 1, body);
                    self.emit(indent, "}");
                }
                Part::For { pat, iter, body, .. } => {
                    // Through `IntoIterator` spelled out: a `:for` over an `Option` is a loop of
                    // zero or one, not the `for_loops_over_fallibles` mistake rustc warns about.
                    let text = format!(
                        "for {} in ::core::iter::IntoIterator::into_iter({}) {{",
                        self.code_of(*pat),
                        self.code_of(*iter)
                    );
                    let Some((open, middle, close)) = peel_statics(body) else {
                        self.emit_at(indent, &text, *pat);
                        self.html(indent + 1, body);
                        self.emit(indent, "}");
                        continue;
                    };
                    // The static that closes one item and the one that opens the next are one
                    // push (`</td><td>`): a flag picks the first item's opening instead.
                    let first = format!("__first{}", self.next());
                    self.emit(indent, &format!("let mut {first} = true;"));
                    self.emit_at(indent, &text, *pat);
                    self.emit(indent + 1, &format!("if {first} {{"));
                    self.emit(indent + 2, &format!("{first} = false;"));
                    self.emit(indent + 2, &push_static(open));
                    self.emit(indent + 1, "} else {");
                    self.emit(indent + 2, &push_static(&format!("{close}{open}")));
                    self.emit(indent + 1, "}");
                    self.html(indent + 1, middle);
                    self.emit(indent, "}");
                    self.emit(indent, &format!("if !{first} {{"));
                    self.emit(indent + 1, &push_static(close));
                    self.emit(indent, "}");
                }
                Part::Slot { code } => {
                    let text = format!(
                        "::zero_live_core::RenderSlot::render_slot_html(&{}, __out);",
                        self.operand(*code)
                    );
                    self.emit_at(indent, &text, *code);
                }
                Part::Spread { code } => {
                    let text = format!("({}).render_spread(__out);", self.code_of(*code));
                    self.emit_at(indent, &text, *code);
                }
                Part::Component(call) => {
                    self.emit(indent, "{");
                    let c = self.call(indent + 1, call, false);
                    self.emit_at(
                        indent + 1,
                        &format!("::zero_live_core::Template::render_html(&{c}, __out);"),
                        call.at,
                    );
                    self.emit(indent, "}");
                }
            }
        }
    }

    /// Emits code that builds the dynamics of `parts` and returns the block expression.
    fn block(&mut self, indent: usize, parts: &[Part]) -> String {
        let n = self.next();
        let (statics, dynamics) = split(parts);
        let statics_list: Vec<String> = statics.iter().map(|s| rust_string(s)).collect();
        self.emit(indent, &format!("static __S{n}: &[&str] = &[{}];", statics_list.join(", ")));
        if dynamics.is_empty() {
            self.emit(indent, &format!("let __d{n} = Vec::new();"));
        } else {
            self.emit(indent, &format!("let mut __d{n} = Vec::with_capacity({});", dynamics.len()));
        }
        self.dynamics(indent, &format!("__d{n}"), &dynamics);
        format!(
            "::zero_live_core::Block {{ fingerprint: {:#018x}, statics: __S{n}, dynamics: __d{n} }}",
            fingerprint(parts)
        )
    }

    fn dynamics(&mut self, indent: usize, target: &str, dynamics: &[&Part]) {
        for part in dynamics {
            match part {
                Part::Static(_) => {}
                Part::Slot { code } => {
                    let text = format!(
                        "let __slot = ::zero_live_core::RenderSlot::render_slot_dyn(&{}, __b);",
                        self.operand(*code)
                    );
                    self.emit_at(indent, &text, *code);
                    self.emit(indent, &format!("{target}.push(__slot);"));
                }
                Part::Spread { code } => {
                    self.emit(indent, "let __m = __b.mark();");
                    let text = format!("({}).render_spread(__b.buf());", self.code_of(*code));
                    self.emit_at(indent, &text, *code);
                    self.emit(indent, &format!("{target}.push(__b.text_since(__m));"));
                }
                Part::Component(call) => {
                    self.emit(indent, "{");
                    let c = self.call(indent + 1, call, true);
                    self.emit_at(
                        indent + 1,
                        &format!(
                            "let __blk = ::zero_live_core::Template::render_block(&{c}, __b);"
                        ),
                        call.at,
                    );
                    self.emit(indent + 1, &format!("{target}.push(__b.block(__blk));"));
                    self.emit(indent, "}");
                }
                Part::Text { code, raw } => {
                    let method = if *raw { "render_raw" } else { "render_escaped" };
                    self.emit(indent, "let __m = __b.mark();");
                    let text = format!(
                        "::zero_live_core::Render::{method}(&{}, __b.buf());",
                        self.operand(*code)
                    );
                    self.emit_at(indent, &text, *code);
                    self.emit(indent, &format!("{target}.push(__b.text_since(__m));"));
                }
                Part::Attr { name, code, url } => {
                    self.emit(indent, "let __m = __b.mark();");
                    if !self.folded_attr(indent, "__b.buf()", name, *code, *url) {
                        let text = format!(
                            "::zero_live_core::RenderAttr::render_attr(&{}, __b.buf(), {}, {url});",
                            self.operand(*code),
                            rust_string(name)
                        );
                        self.emit_at(indent, &text, *code);
                    }
                    self.emit(indent, &format!("{target}.push(__b.text_since(__m));"));
                }
                Part::If { cond, body } => {
                    self.emit_at(
                        indent,
                        &format!("if ::zero_live_core::truthy({}) {{", self.code_of(*cond)),
                        *cond,
                    );
                    let block = self.block(indent + 1, body);
                    self.emit(indent + 1, &format!("{target}.push(__b.block({block}));"));
                    self.emit(indent, "} else {");
                    self.emit(indent + 1, &format!("{target}.push(::zero_live_core::Dyn::Empty);"));
                    self.emit(indent, "}");
                }
                Part::For { pat, iter, key, stream, body } => {
                    let n = self.next();
                    let (statics, row_dynamics) = split(body);
                    let statics_list: Vec<String> =
                        statics.iter().map(|s| rust_string(s)).collect();
                    self.emit(
                        indent,
                        &format!("static __S{n}: &[&str] = &[{}];", statics_list.join(", ")),
                    );
                    self.emit(
                        indent,
                        &format!(
                            "let mut __l{n} = ::zero_live_core::List::new({:#018x}, __S{n});",
                            fingerprint(body)
                        ),
                    );
                    if *stream {
                        let text = format!(
                            "__l{n}.stream = Some(::std::boxed::Box::new(::zero_live_core::Stream::ops({})));",
                            self.code_of(*iter)
                        );
                        self.emit_at(indent, &text, *iter);
                    }
                    let text = format!(
                        "let __it{n} = ::core::iter::IntoIterator::into_iter({});",
                        self.code_of(*iter)
                    );
                    self.emit_at(indent, &text, *iter);
                    let width = row_dynamics.len();
                    match width {
                        0 => {}
                        1 => self.emit(
                            indent,
                            &format!("__l{n}.dynamics.reserve(__it{n}.size_hint().0);"),
                        ),
                        w => self.emit(
                            indent,
                            &format!("__l{n}.dynamics.reserve(__it{n}.size_hint().0 * {w});"),
                        ),
                    }
                    if key.is_some() {
                        self.emit(indent, &format!("__l{n}.keys.reserve(__it{n}.size_hint().0);"));
                    }
                    let text = format!("for {} in __it{n} {{", self.code_of(*pat));
                    self.emit_at(indent, &text, *pat);
                    if let Some(key) = key {
                        self.emit(indent + 1, "let __k = __b.mark();");
                        let text = format!(
                            "::zero_live_core::Render::render_escaped(&{}, __b.buf());",
                            self.operand(*key)
                        );
                        self.emit_at(indent + 1, &text, *key);
                        self.emit(indent + 1, &format!("__l{n}.keys.push(__b.key_since(__k));"));
                    } else if row_dynamics.is_empty() {
                        self.emit(indent + 1, &format!("__l{n}.keys.push((0, 0));"));
                    }
                    let row_target = format!("__l{n}.dynamics");
                    self.dynamics(indent + 1, &row_target, &row_dynamics);
                    self.emit(indent, "}");
                    self.emit(indent, &format!("{target}.push(__b.list(__l{n}));"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_choosing_between_string_literals_are_written_at_compile_time() {
        let fixed = |s: &str| Box::new(Literal::Fixed(s.to_owned()));
        assert_eq!(Literal::parse(r#""a<b""#), Some(Literal::Fixed("a<b".to_owned())));
        assert_eq!(
            Literal::parse(r#"if i == 0 { "x" } else if ok { ("y") } else { { "z" } }"#),
            Some(Literal::If {
                cond: "i == 0".to_owned(),
                then: fixed("x"),
                otherwise: Box::new(Literal::If {
                    cond: "ok".to_owned(),
                    then: fixed("y"),
                    otherwise: fixed("z"),
                }),
            })
        );
        // Anything that is not a choice of literals renders at runtime.
        for code in [
            r#"if c { "a" }"#,
            r#"if c { name } else { "b" }"#,
            "name",
            "1",
            r#"if c { let x = 1; "a" } else { "b" }"#,
        ] {
            assert_eq!(Literal::parse(code), None, "{code}");
        }
        assert_eq!(escape_html(r#"<a href="x">&'"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        let source = r#"<p class={if on { "a&b" } else { "" }} title={t} id={"x"}><a href={"javascript:x"}>l</a></p>"#;
        let (nodes, problems) = crate::parse(source);
        assert!(problems.is_empty());
        let code = lower("t.html.0x0", source, &nodes, &Components::default(), &Options::default())
            .unwrap()
            .code;
        // The static HTML on both sides of a literal attribute joins its pushes.
        assert!(code.contains(r#"__out.push_str("<p class=\"a&amp;b\"");"#), "{code}");
        assert!(code.contains(r#"__out.push_str("<p class=\"\"");"#), "{code}");
        assert!(code.contains(r#"__out.push_str(" id=\"x\"><a");"#), "{code}");
        // A URL attribute keeps the runtime check, and so does a non-literal value.
        assert!(code.contains(r#"render_attr(&("javascript:x"), __out, " href", true)"#), "{code}");
        assert!(code.contains(r#"render_attr(&(t), __out, " title", false)"#), "{code}");
    }

    #[test]
    fn source_map_lookup_finds_the_nearest_entry_at_or_before_a_line() {
        let source = "<p>{a}</p>\n<p :if={b}>{c}</p>\n";
        let (nodes, problems) = crate::parse(source);
        assert!(problems.is_empty());
        let lowered =
            lower("t.html.0x0", source, &nodes, &Components::default(), &Options::default())
                .unwrap();
        let first = &lowered.map.entries[0];
        assert_eq!((first.line, first.column), (1, 5));
        assert_eq!(lowered.map.lookup(first.generated_line), Some((1, 5)));
        assert_eq!(
            lowered.map.lookup(first.generated_line + 1),
            Some((1, 5)),
            "lines without template code map to the previous entry"
        );
        assert_eq!(lowered.map.lookup(1), None, "the header maps to nothing");
        let code_line = lowered.code.lines().nth(first.generated_line as usize - 1).unwrap();
        assert!(code_line.ends_with("// t.html.0x0:1:5"), "{code_line}");
        assert!(
            lowered.map.entries.iter().any(|e| (e.line, e.column) == (2, 9)),
            "the :if condition is mapped"
        );
    }
}
