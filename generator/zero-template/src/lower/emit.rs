//! The emitter: [`Part`]s to the Rust of `render_html` and `render_live`, written as text with
//! a `// file:line:col` comment on every line that evaluates template code (recorded in the
//! [`SourceMap`] too).

use super::*;

/// FNV-1a, for fingerprints that are stable across builds and platforms.
pub(super) fn fnv1a(bytes: &[u8], mut hash: u64) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// The statics of a block and the dynamic parts between them.
pub(super) fn split(parts: &[Part]) -> (Vec<String>, Vec<&Part>) {
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
pub(super) fn fingerprint(parts: &[Part]) -> u64 {
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
pub(super) fn push_static(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => format!("__out.push({c:?});"),
        _ => format!("__out.push_str({});", rust_string(s)),
    }
}

/// A loop body that opens and closes with static HTML: its opening, the parts between, its
/// closing (e.g. `<td>`, the cell, `</td>`).
pub(super) fn peel_statics(body: &[Part]) -> Option<(&str, &[Part], &str)> {
    match body {
        [Part::Static(open), middle @ .., Part::Static(close)] => Some((open, middle, close)),
        _ => None,
    }
}

pub(super) fn rust_string(s: &str) -> String {
    format!("{s:?}")
}

/// `s` escaped as `zero_live_core::escape::html` escapes it.
pub(super) fn escape_html(s: &str) -> String {
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

pub(super) struct Emitter<'a> {
    pub(super) source: &'a str,
    pub(super) lines: LineIndex,
    pub(super) code: String,
    pub(super) line: u32,
    pub(super) map: SourceMap,
    pub(super) counter: usize,
}

impl Emitter<'_> {
    pub(super) fn emit(&mut self, indent: usize, text: &str) {
        for _ in 0..indent {
            self.code.push_str("    ");
        }
        self.code.push_str(text);
        self.code.push('\n');
        // A template expression may span lines.
        self.line += 1 + zero_diag::to_u32(text.matches('\n').count());
    }

    /// Emits a line that evaluates template code at `span`, with its location comment.
    pub(super) fn emit_at(&mut self, indent: usize, text: &str, span: Span) {
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
    pub(super) fn folded_attr(
        &mut self,
        indent: usize,
        buf: &str,
        name: &str,
        code: Span,
        url: bool,
    ) -> bool {
        let Some(literal) = self.literal(code, url) else {
            return false;
        };
        self.emit_literal(indent, buf, ("", ""), name, &literal, code);
        true
    }

    /// The value of an attribute whose expression is a literal or an `if` between literals
    /// (not for URL attributes: those are checked when rendered).
    pub(super) fn literal(&self, code: Span, url: bool) -> Option<Literal> {
        (!url).then(|| Literal::parse(&self.code_of(code))).flatten()
    }

    /// Emits the pushes of a literal attribute, with the static HTML `around` it (before,
    /// after) in the same pushes.
    pub(super) fn emit_literal(
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

    pub(super) fn code_of(&self, span: Span) -> String {
        span.text(self.source).trim().to_owned()
    }

    /// The expression at `span` as an operand of `&`: in parentheses, unless it is a tuple or
    /// already parenthesized (clippy's `double_parens` on the generated code).
    pub(super) fn operand(&self, span: Span) -> String {
        let code = self.code_of(span);
        match syn::parse_str::<syn::Expr>(&code) {
            Ok(syn::Expr::Tuple(_) | syn::Expr::Paren(_)) => code,
            _ => format!("({code})"),
        }
    }

    pub(super) fn size_hint(parts: &[Part]) -> usize {
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

    pub(super) fn file(
        &mut self,
        file: &str,
        parts: &[Part],
        fields: &BTreeSet<String>,
        lifetime: bool,
    ) {
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
    pub(super) fn expr_init(
        &mut self,
        indent: usize,
        name: &str,
        code: Span,
        conv: Conv,
    ) -> String {
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
    pub(super) fn call(&mut self, indent: usize, call: &Call, live: bool) -> String {
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
    pub(super) fn slot_entry(&mut self, indent: usize, entry: &SlotEntry, live: bool) -> String {
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

    pub(super) fn next(&mut self) -> usize {
        self.counter += 1;
        self.counter - 1
    }

    pub(super) fn bind_fields(&mut self, fields: &BTreeSet<String>) {
        if !fields.is_empty() {
            let names: Vec<&str> = fields.iter().map(String::as_str).collect();
            self.emit(2, &format!("let Self {{ {}, .. }} = self;", names.join(", ")));
        }
    }

    /// `part` as the static HTML before a literal attribute (the attribute first in `rest`),
    /// or as a literal attribute itself: the static ("" for none), the attribute's name, code
    /// and literal.
    pub(super) fn literal_attr<'p>(
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

    pub(super) fn html(&mut self, indent: usize, parts: &[Part]) {
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
    pub(super) fn block(&mut self, indent: usize, parts: &[Part]) -> String {
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

    pub(super) fn dynamics(&mut self, indent: usize, target: &str, dynamics: &[&Part]) {
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
