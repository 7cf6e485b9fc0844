//! Lowering: a checked template to Rust render code for `zero_live_core::Template`.
//!
//! Two renders come from one template: `render_html` writes HTML straight into a string (the
//! first, disconnected request) and `render_live` builds the tree of statics and dynamics the
//! live runtime diffs. Both are emitted from the same intermediate form (`ir::Part`), so they
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

mod emit;
mod ir;
mod lowering;
mod names;
mod source_map;

use emit::*;
use ir::*;
use lowering::*;
use names::*;
pub use source_map::{MapEntry, SourceMap};

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
