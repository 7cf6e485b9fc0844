//! Checks over the tree: Rust expressions, directives, event bindings, unsafe constructs and
//! typed component calls.

use std::collections::BTreeMap;

use syn::parse::Parser as _;
use zero_diag::codes;

use crate::Problem;
use crate::ast::{Element, Node, TagKind};
use crate::components::{AttrDef, AttrType, Components};
use crate::lexer::{Attr, AttrValue};
use crate::span::Span;

/// Event bindings the live client supports.
pub const EVENT_BINDINGS: &[&str] = &[
    "z-click",
    "z-click-away",
    "z-submit",
    "z-change",
    "z-input",
    "z-keydown",
    "z-keyup",
    "z-blur",
    "z-focus",
    "z-window-keydown",
    "z-window-keyup",
    "z-window-blur",
    "z-window-focus",
    "z-mounted",
    "z-viewport-top",
    "z-viewport-bottom",
];

/// Other `z-` attributes the live client reads (options of bindings, hooks, links).
pub const BINDING_OPTIONS: &[&str] = &[
    "z-debounce",
    "z-throttle",
    "z-target",
    "z-key",
    "z-hook",
    "z-update",
    "z-disable-with",
    "z-patch",
    "z-navigate",
    "z-remove",
    "z-upload",
    "z-upload-preview",
    "z-upload-errors",
    "z-drop-target",
];

/// Prefix of `z-value-NAME` attributes: extra values sent with an event.
pub const VALUE_PREFIX: &str = "z-value-";

/// Attributes whose value is a URL: literals are checked here, dynamic values at runtime.
pub(crate) const URL_ATTRIBUTES: &[&str] =
    &["href", "src", "action", "formaction", "poster", "cite", "xlink:href", "background"];

/// Directives the compiler knows.
const DIRECTIVES: &[&str] = &[":if", ":for", ":key", ":colocated", ":attrs", ":stream"];

/// Checks every node of `nodes`.
pub fn check(source: &str, nodes: &[Node], components: &Components, problems: &mut Vec<Problem>) {
    let mut checker = Checker { source, components, problems };
    checker.nodes(nodes, None);
}

struct Checker<'a> {
    source: &'a str,
    components: &'a Components,
    problems: &'a mut Vec<Problem>,
}

impl Checker<'_> {
    fn problem(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// `component` is the component whose direct children these are, for slot checks.
    fn nodes(&mut self, nodes: &[Node], component: Option<&Element>) {
        for node in nodes {
            match node {
                Node::Expr { code, .. } | Node::Raw { code, .. } => self.expression(*code),
                Node::Text { .. } | Node::Doctype { .. } => {}
                Node::Element(e) => {
                    self.attributes(e);
                    self.html_element(e);
                    self.nodes(&e.children, None);
                }
                Node::Component(e) => {
                    self.attributes(e);
                    self.component(e);
                    self.nodes(&e.children, Some(e));
                }
                Node::Slot(slot) => {
                    self.attributes(slot);
                    if component.is_none() {
                        self.problem(Problem::new(
                            codes::TPL_UNKNOWN_SLOT,
                            slot.name_span,
                            format!("slot `<:{}>` is not directly inside a component", slot.name),
                        ));
                    }
                    self.nodes(&slot.children, None);
                }
            }
        }
    }

    /// Checks a Rust expression; a syntax error is reported inside the template.
    fn expression(&mut self, code: Span) {
        let text = code.text(self.source);
        if text.trim().is_empty() {
            self.problem(Problem::new(codes::TPL_INVALID_EXPRESSION, code, "empty expression"));
            return;
        }
        if let Err(e) = syn::parse_str::<syn::Expr>(text) {
            self.syntax_error(code, &e);
        }
    }

    fn syntax_error(&mut self, code: Span, e: &syn::Error) {
        let text = code.text(self.source);
        let message = e.to_string();
        // syn places "unexpected end of input" at the start; it belongs after the last token.
        let offset = if message.starts_with("unexpected end of input") {
            text.trim_end().len()
        } else {
            let start = e.span().start();
            offset_of(text, start.line, start.column).min(text.len())
        };
        let at = code.start as usize + offset;
        self.problem(Problem::new(
            codes::TPL_INVALID_EXPRESSION,
            Span::new(at, (at + 1).min(code.end as usize)),
            message,
        ));
    }

    fn attributes(&mut self, e: &Element) {
        let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
        for attr in &e.attrs {
            if seen.insert(attr.name.as_str(), attr.name_span).is_some() {
                self.problem(
                    Problem::new(
                        codes::TPL_DUPLICATE_ATTRIBUTE,
                        attr.span,
                        format!("attribute `{}` is given twice", attr.name),
                    )
                    .with_help(format!("remove this `{}`", attr.name)),
                );
            }
            if attr.name.starts_with(':') {
                self.directive(e, attr);
                continue;
            }
            if let AttrValue::Expr { code } = attr.value {
                self.expression(code);
            }
        }
        if e.attr(":key").is_some() && e.attr(":for").is_none() {
            let span = e.attr(":key").map_or(e.name_span, |a| a.span);
            self.problem(
                Problem::new(codes::TPL_BAD_LOOP, span, "`:key` without `:for`")
                    .with_help("add `:for={item in items}` or remove `:key`"),
            );
        }
        if let Some(stream) = e.attr(":stream") {
            self.stream(e, stream);
        }
    }

    /// `:stream` needs `:for` over a field of the view and `:key`.
    fn stream(&mut self, e: &Element, stream: &Attr) {
        let Some(AttrValue::Expr { code }) = e.attr(":for").map(|a| &a.value) else {
            self.problem(
                Problem::new(codes::TPL_BAD_LOOP, stream.span, "`:stream` without `:for`")
                    .with_help("write `:for={item in items} :key={item.id} :stream`"),
            );
            return;
        };
        if e.attr(":key").is_none() {
            self.problem(
                Problem::new(codes::TPL_BAD_LOOP, stream.span, "`:stream` without `:key`")
                    .with_help("stream items are updated and deleted by key: add `:key={item.id}`"),
            );
        }
        let text = code.text(self.source);
        let iterable = text.split_once(" in ").map_or("", |(_, i)| i.trim());
        let is_field = syn::parse_str::<syn::Ident>(iterable).is_ok();
        if !is_field {
            self.problem(
                Problem::new(
                    codes::TPL_BAD_LOOP,
                    *code,
                    format!("a `:stream` iterates a field of the view, not `{iterable}`"),
                )
                .with_help("declare the field as `zero_live_core::Stream<T>` and write `:for={item in field}`"),
            );
        }
    }

    fn directive(&mut self, e: &Element, attr: &Attr) {
        if !DIRECTIVES.contains(&attr.name.as_str()) {
            self.problem(Problem::new(
                codes::TPL_UNKNOWN_DIRECTIVE,
                attr.name_span,
                format!("unknown directive `{}`", attr.name),
            ));
            return;
        }
        match (attr.name.as_str(), &attr.value) {
            (":colocated", AttrValue::None) => {
                if !(e.kind == TagKind::Html && (e.name == "style" || e.name == "script")) {
                    self.problem(Problem::new(
                        codes::TPL_UNKNOWN_DIRECTIVE,
                        attr.name_span,
                        "`:colocated` only applies to `<style>` and `<script>`",
                    ));
                }
            }
            (":stream", AttrValue::None) => {}
            (":stream", _) => self.problem(Problem::new(
                codes::TPL_UNKNOWN_DIRECTIVE,
                attr.span,
                "`:stream` takes no value",
            )),
            (":colocated", _) => self.problem(Problem::new(
                codes::TPL_UNKNOWN_DIRECTIVE,
                attr.span,
                "`:colocated` takes no value",
            )),
            (":for", AttrValue::Expr { code }) => self.for_loop(*code),
            (":attrs", AttrValue::Expr { code }) => {
                if e.kind == TagKind::Html {
                    self.expression(*code);
                } else {
                    self.problem(
                        Problem::new(
                            codes::TPL_UNKNOWN_DIRECTIVE,
                            attr.name_span,
                            "`:attrs` spreads attributes onto an HTML element, not a component or slot",
                        )
                        .with_help("pass the attributes to the component one by one"),
                    );
                }
            }
            (":if" | ":key", AttrValue::Expr { code }) => self.expression(*code),
            (name, _) => {
                let code =
                    if name == ":for" { codes::TPL_BAD_LOOP } else { codes::TPL_UNKNOWN_DIRECTIVE };
                self.problem(
                    Problem::new(
                        code,
                        attr.span,
                        format!("`{name}` takes a Rust expression in braces"),
                    )
                    .with_help(format!("write `{name}={{...}}`")),
                );
            }
        }
    }

    fn for_loop(&mut self, code: Span) {
        let text = code.text(self.source);
        let parser = |input: syn::parse::ParseStream<'_>| -> syn::Result<()> {
            syn::Pat::parse_single(input)?;
            input.parse::<syn::Token![in]>()?;
            input.parse::<syn::Expr>()?;
            Ok(())
        };
        if !text.contains(" in ") {
            self.problem(
                Problem::new(
                    codes::TPL_BAD_LOOP,
                    code,
                    format!("`{}` is not `pattern in iterable`", text.trim()),
                )
                .with_help("write `:for={item in items}`"),
            );
        } else if let Err(e) = parser.parse_str(text) {
            self.syntax_error(code, &e);
        }
    }

    fn html_element(&mut self, e: &Element) {
        if (e.name == "script" || e.name == "style") && e.attr(":colocated").is_none() {
            self.problem(
                Problem::new(
                    codes::TPL_INLINE_ASSET,
                    e.name_span,
                    format!("inline `<{}>` is blocked by the Content-Security-Policy", e.name),
                )
                .with_help(format!(
                    "write `<{} :colocated>` to extract it into a hashed asset",
                    e.name
                )),
            );
        }
        for attr in &e.attrs {
            let name = attr.name.to_ascii_lowercase();
            if name.len() > 2
                && name.starts_with("on")
                && name[2..].chars().all(|c| c.is_ascii_lowercase())
            {
                self.problem(
                    Problem::new(
                        codes::TPL_INLINE_HANDLER,
                        attr.span,
                        format!("inline handler `{}`", attr.name),
                    )
                    .with_help(format!("use `z-{}` or a hook instead", &name[2..])),
                );
            }
            if name.starts_with("z-") && !is_known_binding(&name) {
                self.problem(Problem::new(
                    codes::TPL_UNKNOWN_BINDING,
                    attr.name_span,
                    format!("unknown binding `{}`", attr.name),
                ));
            }
            if URL_ATTRIBUTES.contains(&name.as_str())
                && let AttrValue::Static { text, span } = &attr.value
                && let Some(scheme) = script_scheme(text)
            {
                self.problem(Problem::new(
                    codes::TPL_UNSAFE_URL,
                    *span,
                    format!("`{scheme}` URL in `{}`", attr.name),
                ));
            }
        }
    }

    fn component(&mut self, e: &Element) {
        let Some(def) = self.components.get(&e.name) else {
            let written =
                if e.kind == TagKind::Remote { e.name.clone() } else { format!(".{}", e.name) };
            let mut problem = Problem::new(
                codes::TPL_UNKNOWN_COMPONENT,
                e.name_span,
                format!("unknown component `<{written}>`"),
            );
            if let Some(close) = self.components.names().find(|n| similar(n, &e.name)) {
                problem = problem.with_help(format!("did you mean `<.{close}>`?"));
            }
            self.problem(problem);
            return;
        };
        self.typed_attrs(e, &def.attrs, def.global_attrs, &format!("component `{}`", def.name));
        // Slots.
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut has_inner = false;
        for child in &e.children {
            match child {
                Node::Slot(slot) => {
                    let Some(slot_def) = def.slots.iter().find(|s| s.name == slot.name) else {
                        let known: Vec<&str> = def
                            .slots
                            .iter()
                            .map(|s| s.name.as_str())
                            .filter(|n| *n != "inner_block")
                            .collect();
                        self.problem(
                            Problem::new(
                                codes::TPL_UNKNOWN_SLOT,
                                slot.name_span,
                                format!("component `{}` has no slot `{}`", def.name, slot.name),
                            )
                            .with_help(if known.is_empty() {
                                "this component takes no named slots".to_owned()
                            } else {
                                format!("its slots are: {}", known.join(", "))
                            }),
                        );
                        continue;
                    };
                    let n = counts.entry(slot_def.name.as_str()).or_default();
                    *n += 1;
                    if *n > 1 && !slot_def.multiple {
                        self.problem(Problem::new(
                            codes::TPL_DUPLICATE_SLOT,
                            slot.name_span,
                            format!(
                                "slot `{}` of `{}` is filled more than once",
                                slot.name, def.name
                            ),
                        ));
                    }
                    self.typed_attrs(
                        slot,
                        &slot_def.attrs,
                        false,
                        &format!("slot `{}`", slot.name),
                    );
                }
                Node::Text { text, .. } if text.trim().is_empty() => {}
                _ => has_inner = true,
            }
        }
        if has_inner {
            *counts.entry("inner_block").or_default() += 1;
            if !def.slots.iter().any(|s| s.name == "inner_block") {
                self.problem(Problem::new(
                    codes::TPL_UNKNOWN_SLOT,
                    e.name_span,
                    format!("component `{}` takes no content between its tags", def.name),
                ));
            }
        }
        for slot in def.slots.iter().filter(|s| s.required) {
            if !counts.contains_key(slot.name.as_str()) {
                let what = if slot.name == "inner_block" {
                    "content".to_owned()
                } else {
                    format!("slot `<:{}>`", slot.name)
                };
                self.problem(Problem::new(
                    codes::TPL_MISSING_SLOT,
                    e.name_span,
                    format!("component `{}` needs {what}", def.name),
                ));
            }
        }
    }

    fn typed_attrs(&mut self, e: &Element, declared: &[AttrDef], global: bool, owner: &str) {
        for attr in e.attrs.iter().filter(|a| !a.name.starts_with(':')) {
            let Some(def) = declared.iter().find(|d| d.name == attr.name) else {
                if !global {
                    let names: Vec<&str> = declared.iter().map(|d| d.name.as_str()).collect();
                    self.problem(
                        Problem::new(
                            codes::TPL_UNKNOWN_ATTR,
                            attr.name_span,
                            format!("{owner} has no attribute `{}`", attr.name),
                        )
                        .with_help(if names.is_empty() {
                            "it takes no attributes".to_owned()
                        } else {
                            format!("its attributes are: {}", names.join(", "))
                        }),
                    );
                }
                continue;
            };
            let literal = match &attr.value {
                AttrValue::Expr { .. } => continue,
                AttrValue::None => None,
                AttrValue::Static { text, .. } => Some(text.as_str()),
            };
            let ok = match (def.ty, literal) {
                (AttrType::Bool, None | Some("true" | "false")) => true,
                (_, None) => false,
                (AttrType::Int, Some(v)) => v.parse::<i64>().is_ok(),
                (AttrType::Float, Some(v)) => v.parse::<f64>().is_ok(),
                (AttrType::Enum, Some(v)) => def.values.iter().any(|x| x == v),
                (AttrType::Bool, Some(_)) => false,
                (AttrType::String | AttrType::Any, Some(_)) => true,
            };
            if !ok {
                let expected = match def.ty {
                    AttrType::Bool => "`true` or `false`".to_owned(),
                    AttrType::Int => "an integer".to_owned(),
                    AttrType::Float => "a number".to_owned(),
                    AttrType::Enum => format!(
                        "one of {}",
                        def.values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
                    ),
                    AttrType::String | AttrType::Any => "a value".to_owned(),
                };
                let span = match &attr.value {
                    AttrValue::Static { span, .. } => *span,
                    _ => attr.span,
                };
                self.problem(Problem::new(
                    codes::TPL_ATTR_TYPE,
                    span,
                    format!("attribute `{}` of {owner} must be {expected}", attr.name),
                ));
            }
        }
        for def in declared.iter().filter(|d| d.required) {
            if e.attr(&def.name).is_none() {
                self.problem(
                    Problem::new(
                        codes::TPL_MISSING_ATTR,
                        e.name_span,
                        format!("{owner} needs attribute `{}`", def.name),
                    )
                    .with_help(format!("pass `{}={{...}}`", def.name)),
                );
            }
        }
    }
}

fn is_known_binding(name: &str) -> bool {
    EVENT_BINDINGS.contains(&name)
        || BINDING_OPTIONS.contains(&name)
        || name.strip_prefix(VALUE_PREFIX).is_some_and(|rest| !rest.is_empty())
}

/// The dangerous scheme of a URL, if it has one. Browsers ignore ASCII whitespace and control
/// characters inside the scheme, and compare it case-insensitively.
fn script_scheme(url: &str) -> Option<&'static str> {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    ["javascript:", "vbscript:", "data:text/html"].into_iter().find(|s| cleaned.starts_with(s))
}

/// Byte offset of 1-based `line` and 0-based character `column` in `text`.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize =
        text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    let line_text = &text[line_start.min(text.len())..];
    line_start + line_text.char_indices().nth(column).map_or(line_text.len(), |(i, _)| i)
}

/// Two names one edit apart (for "did you mean").
fn similar(a: &str, b: &str) -> bool {
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
    prefix + suffix + 1 >= a.len().max(b.len())
}

#[cfg(test)]
mod client_support {
    use super::{BINDING_OPTIONS, EVENT_BINDINGS, VALUE_PREFIX};

    /// The checker accepts only bindings the browser client implements.
    #[test]
    fn every_accepted_binding_is_read_by_the_client() {
        let client = include_str!("../../../runtime/client/zero-live.js");
        // As a string (`"z-click"`) or in a selector (`[z-click]`), never as a prefix of another.
        let reads = |name: &str| {
            client.match_indices(name).any(|(at, _)| {
                let before = client[..at].chars().next_back();
                let after = client[at + name.len()..].chars().next();
                matches!(before, Some('"' | '[')) && matches!(after, Some('"' | ']'))
            })
        };
        for name in EVENT_BINDINGS.iter().chain(BINDING_OPTIONS) {
            assert!(reads(name), "the client never reads `{name}`");
        }
        assert!(client.contains(&format!("\"{VALUE_PREFIX}\"")));
        assert!(!reads("z-bogus") && !reads("z-window"), "the check above can fail");
    }
}
