//! Lowering proper: the checked tree of a template to [`Part`]s, each component call to the
//! struct it builds (its fields typed from the component's declaration).

use super::*;

pub(super) struct Lowerer<'a> {
    pub(super) source: &'a str,
    pub(super) file: &'a str,
    pub(super) problems: Vec<Problem>,
    pub(super) options: &'a Options,
    pub(super) components: &'a Components,
}

impl Lowerer<'_> {
    pub(super) fn nodes(&mut self, nodes: &[Node], out: &mut Vec<Part>, top: bool) {
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
    pub(super) fn slot_argument(&self, code: Span) -> Option<Span> {
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
    pub(super) fn unbound(&mut self, e: &Element) {
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
    pub(super) fn call(&mut self, e: &Element, def: &ComponentDef, rust: &RustBinding) -> Call {
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
    pub(super) fn value(&self, def: &AttrDef, value: &AttrValue) -> Value {
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
    pub(super) fn control(&self, e: &Element, mut parts: Vec<Part>) -> Vec<Part> {
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

    pub(super) fn element(&mut self, e: &Element, out: &mut Vec<Part>, top: bool) {
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

pub(super) fn optional(def: &AttrDef) -> bool {
    def.rust.is_some_and(|r| r.optional)
}
