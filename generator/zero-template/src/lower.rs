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
use crate::lexer::AttrValue;
use crate::parser::VOID_ELEMENTS;
use crate::span::{LineIndex, Span};

/// Attributes whose dynamic values are checked for script URLs at runtime.
const URL_ATTRIBUTES: &[&str] =
    &["href", "src", "action", "formaction", "poster", "cite", "xlink:href", "background"];

/// Options of one lowering.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Add `data-z-loc="file:line"` to each top-level element (debug builds only).
    pub debug_annotations: bool,
    /// The scope attribute (`data-z-1a2b3c4d`) every element carries when the template has a
    /// colocated stylesheet.
    pub scope: Option<String>,
}

/// The intermediate form: static HTML and the dynamic parts between it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Static(String),
    Text { code: Span, raw: bool },
    Attr { name: String, code: Span, url: bool },
    If { cond: Span, body: Vec<Part> },
    For { pat: Span, iter: Span, key: Option<Span>, body: Vec<Part> },
}

/// One line of generated code that evaluates template code, and where that code is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MapEntry {
    /// 1-based line in the generated file.
    pub generated_line: u32,
    /// 1-based line in the template.
    pub line: u32,
    /// 1-based column in the template.
    pub column: u32,
}

/// Links generated lines to template positions.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
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
    options: &Options,
) -> Result<Lowered, Vec<Problem>> {
    let mut lowerer = Lowerer { source, file, problems: Vec::new(), options };
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
    emitter.file(file, &parts, &fields);
    Ok(Lowered { code: emitter.code, map: emitter.map })
}

struct Lowerer<'a> {
    source: &'a str,
    file: &'a str,
    problems: Vec<Problem>,
    options: &'a Options,
}

impl Lowerer<'_> {
    fn nodes(&mut self, nodes: &[Node], out: &mut Vec<Part>, top: bool) {
        for node in nodes {
            match node {
                Node::Text { text, .. } => out.push(Part::Static(text.clone())),
                Node::Doctype { span } => out.push(Part::Static(span.text(self.source).to_owned())),
                Node::Expr { code, .. } => out.push(Part::Text { code: *code, raw: false }),
                Node::Raw { code, .. } => out.push(Part::Text { code: *code, raw: true }),
                Node::Element(e) => self.element(e, out, top),
                Node::Component(e) | Node::Slot(e) => {
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
                        .with_help("components are rendered once they are declared in Rust; render HTML elements here until then"),
                    );
                }
            }
        }
    }

    fn element(&mut self, e: &Element, out: &mut Vec<Part>, top: bool) {
        if e.attr(":colocated").is_some() {
            // Extracted into a hashed asset at build time; nothing renders in place.
            return;
        }
        let mut parts = vec![Part::Static(format!("<{}", e.name))];
        for attr in &e.attrs {
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
        let expr = |name: &str| match e.attr(name).map(|a| &a.value) {
            Some(AttrValue::Expr { code }) => Some(*code),
            _ => None,
        };
        if let Some(cond) = expr(":if") {
            parts = vec![Part::If { cond, body: merge_statics(parts) }];
        }
        if let Some(code) = expr(":for") {
            let text = code.text(self.source);
            let Some(at) = find_in_keyword(text) else { return };
            let pat = Span::new(code.start as usize, code.start as usize + at);
            let iter = Span::new(code.start as usize + at + 4, code.end as usize);
            parts = vec![Part::For { pat, iter, key: expr(":key"), body: merge_statics(parts) }];
        }
        out.extend(parts);
    }
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
            Part::Text { code, .. } | Part::Attr { code, .. } => add(*code, bound, fields),
            Part::If { cond, body } => {
                add(*cond, bound, fields);
                collect_fields(source, body, bound, fields);
            }
            Part::For { pat, iter, key, body } => {
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
            Part::Static(_) | Part::Text { .. } | Part::Attr { .. } => 1,
            Part::If { body, .. } => fingerprint(body),
            Part::For { body, .. } => fingerprint(body).rotate_left(1),
        };
        hash = fnv1a(&shape.to_le_bytes(), hash);
    }
    hash
}

fn rust_string(s: &str) -> String {
    format!("{s:?}")
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
        self.line += 1;
    }

    /// Emits a line that evaluates template code at `span`, with its location comment.
    fn emit_at(&mut self, indent: usize, text: &str, span: Span) {
        let (line, column) = self.lines.line_col(self.source, span.start);
        self.map.entries.push(MapEntry { generated_line: self.line, line, column });
        let file = self.map.template.clone();
        self.emit(indent, &format!("{text} // {file}:{line}:{column}"));
    }

    fn code_of(&self, span: Span) -> String {
        span.text(self.source).trim().to_owned()
    }

    fn size_hint(parts: &[Part]) -> usize {
        parts
            .iter()
            .map(|p| match p {
                Part::Static(s) => s.len(),
                Part::Text { .. } | Part::Attr { .. } => 16,
                Part::If { body, .. } => Self::size_hint(body),
                Part::For { body, .. } => Self::size_hint(body) * 8,
            })
            .sum()
    }

    fn file(&mut self, file: &str, parts: &[Part], fields: &BTreeSet<String>) {
        self.emit(0, &format!("// Generated by zero-template from {file}; do not edit."));
        // A block expression holding the impl: `template!` includes it as a const initializer.
        self.emit(0, "{");
        self.emit(0, "impl ::zero_live_core::Template for __ZlSelf {");
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
        self.bind_fields(fields);
        self.emit(
            2,
            "static __LIVE_SIZE: ::zero_live_core::SizeHint = ::zero_live_core::SizeHint::new(0);",
        );
        self.emit(2, "let mut __b = ::zero_live_core::Builder::with_capacity(__LIVE_SIZE.get().max(Self::SIZE_HINT / 2));");
        let root = self.block(2, parts);
        self.emit(2, &format!("let __rendered = __b.finish({root});"));
        self.emit(2, "__LIVE_SIZE.update(__rendered.buf.len());");
        self.emit(2, "__rendered");
        self.emit(1, "}");
        self.emit(0, "}");
        self.emit(0, "}");
    }

    fn bind_fields(&mut self, fields: &BTreeSet<String>) {
        if !fields.is_empty() {
            let names: Vec<&str> = fields.iter().map(String::as_str).collect();
            self.emit(2, &format!("let Self {{ {}, .. }} = self;", names.join(", ")));
        }
    }

    fn html(&mut self, indent: usize, parts: &[Part]) {
        for part in parts {
            match part {
                Part::Static(s) => {
                    let mut chars = s.chars();
                    match (chars.next(), chars.next()) {
                        (Some(c), None) => self.emit(indent, &format!("__out.push({c:?});")),
                        _ => self.emit(indent, &format!("__out.push_str({});", rust_string(s))),
                    }
                }
                Part::Text { code, raw } => {
                    let method = if *raw { "render_raw" } else { "render_escaped" };
                    let text = format!(
                        "::zero_live_core::Render::{method}(&({}), __out);",
                        self.code_of(*code)
                    );
                    self.emit_at(indent, &text, *code);
                }
                Part::Attr { name, code, url } => {
                    let text = format!(
                        "::zero_live_core::RenderAttr::render_attr(&({}), __out, {}, {url});",
                        self.code_of(*code),
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
                    let text = format!("for {} in {} {{", self.code_of(*pat), self.code_of(*iter));
                    self.emit_at(indent, &text, *pat);
                    self.html(indent + 1, body);
                    self.emit(indent, "}");
                }
            }
        }
    }

    /// Emits code that builds the dynamics of `parts` and returns the block expression.
    fn block(&mut self, indent: usize, parts: &[Part]) -> String {
        let n = self.counter;
        self.counter += 1;
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
                Part::Text { code, raw } => {
                    let method = if *raw { "render_raw" } else { "render_escaped" };
                    self.emit(indent, "let __m = __b.mark();");
                    let text = format!(
                        "::zero_live_core::Render::{method}(&({}), __b.buf());",
                        self.code_of(*code)
                    );
                    self.emit_at(indent, &text, *code);
                    self.emit(indent, &format!("{target}.push(__b.text_since(__m));"));
                }
                Part::Attr { name, code, url } => {
                    self.emit(indent, "let __m = __b.mark();");
                    let text = format!(
                        "::zero_live_core::RenderAttr::render_attr(&({}), __b.buf(), {}, {url});",
                        self.code_of(*code),
                        rust_string(name)
                    );
                    self.emit_at(indent, &text, *code);
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
                Part::For { pat, iter, key, body } => {
                    let n = self.counter;
                    self.counter += 1;
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
                            "::zero_live_core::Render::render_escaped(&({}), __b.buf());",
                            self.code_of(*key)
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
    fn source_map_lookup_finds_the_nearest_entry_at_or_before_a_line() {
        let source = "<p>{a}</p>\n<p :if={b}>{c}</p>\n";
        let (nodes, problems) = crate::parse(source);
        assert!(problems.is_empty());
        let lowered = lower("t.html.0x0", source, &nodes, &Options::default()).unwrap();
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
