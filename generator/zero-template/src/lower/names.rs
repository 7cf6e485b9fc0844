//! Name analysis: the fields a template reads, the names a `:for` pattern binds and an
//! expression uses, and which fields are streams.

use super::*;

/// Byte offset of the ` in ` that separates a `:for` pattern from its iterable: the first one
/// whose left side parses as a pattern.
pub(super) fn find_in_keyword(text: &str) -> Option<usize> {
    text.match_indices(" in ").map(|(i, _)| i).find(|&i| parse_pattern(&text[..i]).is_some())
}

pub(super) fn parse_pattern(text: &str) -> Option<syn::Pat> {
    syn::parse::Parser::parse_str(syn::Pat::parse_single, text).ok()
}

/// The names a template reads from `self`: free identifiers of its expressions that no
/// enclosing `:for` binds (uppercase names are constants, types or variants, not fields).
pub(super) fn collect_fields(
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
pub(super) fn pattern_names(text: &str) -> BTreeSet<String> {
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
pub(super) fn free_names(text: &str) -> BTreeSet<String> {
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
pub(super) fn stream_fields(source: &str, parts: &[Part], out: &mut BTreeSet<String>) {
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
