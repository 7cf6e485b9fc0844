//! Reference pages under `docs/reference/`: one per table kind, and the diagnostic codes.
//!
//! Column descriptions come from the JSON Schemas (which come from the doc comments of the
//! table types), rows from the framework's own tables: nothing here is retyped.

use std::fmt::Write as _;

use serde_json::Value;
use zero_spec::FrameworkSpec;
use zero_spec::kinds::{Format, KINDS, TableKind};
use zero_spec::wire::parse_fields;

use crate::generate::{HEADER, Output};

/// Every reference page.
pub fn emit(spec: &FrameworkSpec) -> Vec<Output> {
    let mut pages: Vec<Output> = KINDS.iter().map(|kind| table_page(kind, spec)).collect();
    pages.push(diagnostics_page());
    pages.push(bindings_page());
    pages.push(index_page());
    pages
}

fn header(source: &str) -> String {
    format!("<!-- {HEADER} Source: {source}. -->\n\n")
}

/// Escapes a value for a Markdown table cell.
fn cell(text: &str) -> String {
    prose(text).replace('|', "\\|").replace('\n', " ")
}

/// Escapes quoted text for Markdown prose: `<`, `>` and `&` outside code spans become entities,
/// so a phrase such as "a <script> block" shows as written instead of opening an element that
/// swallows the rest of the page. Code spans keep their text (Markdown shows it literally).
pub(crate) fn prose(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            '&' if !in_code => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

fn table_page(kind: &TableKind, spec: &FrameworkSpec) -> Output {
    let schema = (kind.schema)();
    let mut md = header(&format!("{} and the `{}` table type", kind.files, kind.name));
    let _ = writeln!(md, "# Table kind `{}`\n\n{}\n", kind.name, kind.summary);
    let format = match kind.format {
        Format::Tsv => {
            "TSV: tab separated, one header row, `#` comment lines, one record per line; columns in any order"
        }
        Format::Toml => "TOML; unknown keys are rejected",
    };
    let _ = writeln!(md, "- Files: `{}`\n- Format: {format}", kind.files);
    let _ = writeln!(md, "- Schema: `generated/schemas/{}.schema.json`\n", kind.name);
    match kind.format {
        Format::Tsv => {
            md.push_str("## Columns\n\n");
            md.push_str(&properties_table(&schema, &schema, None));
        }
        Format::Toml => {
            let defaults = spec.security.as_ref().and_then(|s| serde_json::to_value(s).ok());
            toml_sections(&mut md, &schema, defaults.as_ref());
            enforcement(&mut md, spec);
        }
    }
    match kind.name {
        "wire-protocol" => wire_rows(&mut md, spec),
        "budgets" => budget_rows(&mut md, spec),
        "components" => component_rows(&mut md, spec),
        "ledger" => md.push_str(LEDGER_NOTES),
        "evidence" => md.push_str(EVIDENCE_NOTES),
        _ => {}
    }
    Output { path: format!("docs/reference/{}.md", kind.name), contents: md }
}

/// The columns (TSV) or keys (TOML, with the framework default of each) of one object schema.
fn properties_table(schema: &Value, root: &Value, defaults: Option<&Value>) -> String {
    let mut md = match defaults {
        None => String::from("| column | type | required | description |\n|---|---|---|---|\n"),
        Some(_) => String::from(
            "| key | type | required | framework default | description |\n|---|---|---|---|---|\n",
        ),
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(Value::Object(props)) = schema.get("properties") {
        for (name, prop) in props {
            let description = prop
                .get("description")
                .and_then(Value::as_str)
                .or_else(|| resolve(prop, root).get("description").and_then(Value::as_str))
                .unwrap_or("");
            let ty = describe_type(prop, root, defaults.is_none());
            let required = if required.contains(&name.as_str()) { "yes" } else { "no" };
            match defaults {
                None => {
                    let _ = writeln!(
                        md,
                        "| `{name}` | {} | {required} | {} |",
                        cell(&ty),
                        cell(description)
                    );
                }
                Some(values) => {
                    let value = values.get(name).map(|v| format!("`{v}`")).unwrap_or_default();
                    let _ = writeln!(
                        md,
                        "| `{name}` | {} | {required} | {} | {} |",
                        cell(&ty),
                        cell(&value),
                        cell(description)
                    );
                }
            }
        }
    }
    md.push('\n');
    md
}

/// Follows a `$ref` (possibly inside `allOf`) to its definition.
fn resolve<'a>(prop: &'a Value, root: &'a Value) -> &'a Value {
    let reference = prop
        .get("$ref")
        .or_else(|| prop.get("allOf").and_then(|a| a.get(0)).and_then(|v| v.get("$ref")));
    match reference.and_then(Value::as_str).and_then(|r| r.strip_prefix("#/$defs/")) {
        Some(name) => root.get("$defs").and_then(|d| d.get(name)).unwrap_or(prop),
        None => prop,
    }
}

fn describe_type(prop: &Value, root: &Value, tsv: bool) -> String {
    let target = resolve(prop, root);
    let consts: Vec<String> = target
        .get("oneOf")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|c| c.get("const").and_then(Value::as_str))
                .map(|s| format!("`{s}`"))
                .collect()
        })
        .or_else(|| {
            target
                .get("enum")
                .and_then(Value::as_array)
                .map(|v| v.iter().filter_map(Value::as_str).map(|s| format!("`{s}`")).collect())
        })
        .unwrap_or_default();
    if !consts.is_empty() {
        return format!("one of {}", consts.join(", "));
    }
    let ty = match target.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .filter(|t| *t != "null")
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "value".to_owned(),
    };
    let ty = match (ty.as_str(), tsv) {
        ("array", true) => "list (comma-separated)".to_owned(),
        ("array", false) => "array of strings".to_owned(),
        _ => ty,
    };
    let mut parts = vec![ty];
    if let Some(p) = target.get("pattern").and_then(Value::as_str) {
        parts.push(format!("matching `{p}`"));
    }
    let min = target.get("minimum").and_then(Value::as_f64);
    let max = target.get("maximum").and_then(Value::as_f64);
    match (min, max) {
        (Some(a), Some(b)) => parts.push(format!("{a} to {b}")),
        (Some(a), None) => parts.push(format!("at least {a}")),
        (None, Some(b)) => parts.push(format!("at most {b}")),
        (None, None) => {}
    }
    if target.get("minLength").and_then(Value::as_u64).is_some_and(|n| n > 0) {
        parts.push("not empty".to_owned());
    }
    if target.get("minItems").and_then(Value::as_u64).is_some_and(|n| n > 0) {
        parts.push("not empty".to_owned());
    }
    parts.join(", ")
}

fn toml_sections(md: &mut String, schema: &Value, defaults: Option<&Value>) {
    let Some(Value::Object(props)) = schema.get("properties") else { return };
    for (section, prop) in props {
        let target = resolve(prop, schema);
        let doc =
            prop.get("description").or_else(|| target.get("description")).and_then(Value::as_str);
        let _ = writeln!(md, "## `[{section}]`\n\n{}\n", doc.unwrap_or(""));
        let section_defaults = defaults.and_then(|d| d.get(section)).unwrap_or(&Value::Null);
        md.push_str(&properties_table(target, schema, Some(section_defaults)));
    }
    md.push_str(
        "The framework defaults are the values of the framework's `spec/security.toml`; a new \
         app starts from them and may tighten them in its own `spec/security.toml`.\n",
    );
}

/// Where each key is enforced and the tests that prove it, from the ledger's
/// `security.SECTION.KEY` rows (`zerogate` holds every key to one, and its tests to having run
/// and passed).
fn enforcement(md: &mut String, spec: &FrameworkSpec) {
    md.push_str(
        "\n## Enforcement\n\nEvery key has a row `security.SECTION.KEY` in the surface ledger \
         (`release/live-framework-surface.tsv`): the code that enforces it and the tests that \
         fail when the check is removed. A `planned` key is read and validated but not yet \
         enforced.\n\n| key | status | enforced in | proven by |\n|---|---|---|---|\n",
    );
    for row in &spec.ledger.rows {
        let Some(key) = row.value.id.strip_prefix("security.") else { continue };
        let source = row.value.source.as_deref().unwrap_or("");
        let tests: Vec<String> = row
            .value
            .tests
            .items()
            .iter()
            .map(|t| format!("`{}`", t.rsplit('#').next().unwrap_or(t)))
            .collect();
        let status = serde_json::to_value(row.value.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            md,
            "| `{key}` | {status} | `{source}` | {} |",
            if tests.is_empty() { "none yet".to_owned() } else { tests.join(", ") }
        );
    }
    md.push('\n');
}

fn wire_rows(md: &mut String, spec: &FrameworkSpec) {
    let version = crate::emit::wire::version(spec);
    let _ = write!(
        md,
        "## Envelope\n\nEvery message is one JSON text frame, in one of two encodings chosen by \
         the WebSocket subprotocol (a server prefers the compact one):\n\n\
         - `0x0-live.v{version}`: an object with `v` (the protocol version, {version}), `kind` \
         (one of the kinds below), an optional `ref` (a number the client chooses; a `reply` \
         carries the same `ref`) and the kind's payload fields.\n\
         - `0x0-live.v{compact}` (compact): an array `[kind, ref, field1, field2, ...]`, where \
         `kind` is the row's index in the table below (from 0), `ref` a number or `null`, and \
         the fields follow in the order the row lists them; an absent optional field is \
         `null` and trailing absent fields are left out. Rows and fields are only ever \
         appended.\n\n\
         A receiver refuses, with an `error` message, a frame that is larger than the kind's \
         limit, not JSON, of another version or encoding, of an unknown kind, sent in the \
         wrong direction, missing a required field, carrying a field of the wrong type, or \
         carrying an unknown field.\n\n## Message kinds\n\n",
        compact = version + 1
    );
    md.push_str("| kind | direction | since | max bytes | summary |\n|---|---|---|---|---|\n");
    for row in &spec.wire.rows {
        let m = &row.value;
        let _ = writeln!(
            md,
            "| [`{0}`](#{0}) | {1} | v{2} | {3} | {4} |",
            m.kind,
            direction(m.direction),
            m.since,
            m.max_bytes,
            cell(&m.summary)
        );
    }
    md.push('\n');
    for row in &spec.wire.rows {
        let m = &row.value;
        let _ = writeln!(md, "### {}\n\n{}\n", m.kind, m.summary);
        let _ = writeln!(
            md,
            "Direction: {}. Since v{}. At most {} bytes.\n",
            direction(m.direction),
            m.since,
            m.max_bytes
        );
        let fields = parse_fields(&m.fields).unwrap_or_default();
        if fields.is_empty() {
            md.push_str("No payload fields.\n\n");
            continue;
        }
        md.push_str("| field | type | required |\n|---|---|---|\n");
        for f in fields {
            let _ = writeln!(
                md,
                "| `{}` | `{}` | {} |",
                f.name,
                f.ty,
                if f.optional { "no" } else { "yes" }
            );
        }
        md.push('\n');
    }
}

fn direction(d: zero_spec::tables::Direction) -> &'static str {
    match d {
        zero_spec::tables::Direction::ToServer => "client to server",
        zero_spec::tables::Direction::ToClient => "server to client",
        zero_spec::tables::Direction::Both => "both ways",
    }
}

fn budget_rows(md: &mut String, spec: &FrameworkSpec) {
    md.push_str("## Budgets\n\n");
    for row in &spec.budgets.rows {
        let b = &row.value;
        let _ = writeln!(
            md,
            "### {0}\n\n<a id=\"{0}\"></a>{1}\n\n- Limit: {2} {3} {4}\n- Measured by: `zero-bench` \
             suite/case `{5}`\n",
            b.id,
            b.summary,
            b.metric,
            b.comparison.symbol(),
            format_number(b.budget) + " " + b.unit.as_str(),
            b.bench,
        );
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 { format!("{}", n as i64) } else { format!("{n}") }
}

fn component_rows(md: &mut String, spec: &FrameworkSpec) {
    md.push_str("## Components\n\n");
    for row in &spec.components.rows {
        let c = &row.value;
        let _ = writeln!(md, "### {}\n\n`<.{}>` ({}): {}\n", c.name, c.name, c.group, c.summary);
        if c.global_attrs {
            md.push_str("Unknown HTML attributes pass through to the root element.\n\n");
        }
        let attrs: Vec<_> =
            spec.attrs.rows.iter().map(|r| &r.value).filter(|a| a.component == c.name).collect();
        if !attrs.is_empty() {
            md.push_str(
                "| attr | type | required | default | description |\n|---|---|---|---|---|\n",
            );
            for a in attrs {
                let ty = if a.values.is_empty() {
                    format!("`{}`", format!("{:?}", a.ty).to_lowercase())
                } else {
                    a.values
                        .items()
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(" \\| ")
                };
                let _ = writeln!(
                    md,
                    "| `{}` | {ty} | {} | {} | {} |",
                    a.name,
                    if a.required { "yes" } else { "no" },
                    a.default.as_deref().map(|d| format!("`{d}`")).unwrap_or_default(),
                    cell(&a.doc)
                );
            }
            md.push('\n');
        }
        let slots: Vec<_> =
            spec.slots.rows.iter().map(|r| &r.value).filter(|s| s.component == c.name).collect();
        if !slots.is_empty() {
            md.push_str(
                "| slot | required | multiple | attrs | description |\n|---|---|---|---|---|\n",
            );
            for s in slots {
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {} | {} | {} |",
                    s.name,
                    if s.required { "yes" } else { "no" },
                    if s.multiple { "yes" } else { "no" },
                    s.attrs.items().iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
                    cell(&s.doc)
                );
            }
            md.push('\n');
        }
    }
}

const LEDGER_NOTES: &str = "## Statuses\n\n\
| status | the gate demands |\n|---|---|\n\
| `planned` | nothing; the row is counted as planned, never as done |\n\
| `experimental` | `source`, `tests` and `docs`, each resolving |\n\
| `stable` | everything `experimental` demands, plus fresh `evidence` for kinds that need it (`budget`, `bench`) |\n\
| `failing` | `source`, `tests`, fresh `evidence`, and `docs` pointing at an ADR (`docs/adr/...`) that explains why the budget is missed; the miss is reported in the summary, not as a finding, and the evidence meeting the budget again is a finding |\n\n\
## References\n\n\
- `source`: `path#symbol`. Rust files are parsed with `syn`; a symbol is a `fn`, `struct`, `enum`, \
`trait`, `const`, `static`, `mod`, `type`, `macro_rules!` or `Type::method` (an associated fn of an \
`impl` or `trait`). JS files: an exported `function`, `class` or `const`.\n\
- `tests`: `path#test_name`, comma-separated. Rust: a fn with a `#[test]`-like attribute \
(`#[test]`, `#[tokio::test]`, ...); nested modules are searched. JS: `test(\"name\")` or `it(\"name\")`. \
With `--test-report`, each test must have run and passed. Each test must also reach the row's \
source: a test in the source's file calls the symbol, a method of its type or a function of the \
file the source calls; a test elsewhere belongs to a package that is or depends on the source's, \
or runs such a package's binary; a JS test imports the file, names the symbol or drives a binary \
whose package embeds the file.\n\
- `docs`: `page#anchor`. Anchors are Markdown heading slugs (GitHub style) or explicit `id=` attributes.\n\
- `evidence`: `release/evidence/FILE.tsv#row_id`, comma-separated.\n\n\
Ids are unique across all ledgers. A wire message, component or budget declared in a spec table \
needs a ledger row with the id `wire.KIND`, `component.NAME` or `budget.ID`; in the framework, \
every key of `spec/security.toml` needs `security.SECTION.KEY`, naming where the key is enforced \
and the test that proves it (`planned` while nothing reads it).\n";

const EVIDENCE_NOTES: &str = "## Freshness\n\n\
`zero-bench --record` writes one row per measurement. `hash` is the SHA-256 over the files under \
`sources` (each file's repository-relative path and contents, in path order). When any of them \
changes, the gate reports the row as stale until the benchmark is recorded again.\n\n\
## Runs, budgets and digests\n\n\
Every row is the median (`value`) of `runs` independent runs, each a fresh process, with the \
smallest (`min`) and largest (`max`) of them; fewer than 5 runs is a finding. A row whose \
`budget` names a budget must meet it in the median and in all but one run (`misses` counts the \
runs that missed it), whatever the status of the budget's ledger row, unless that row is \
`failing`. `digest` is the SHA-256 over the row's other columns (`recorded` aside) and `hash`, \
which the gate recomputes: an edited value is a finding. A ledger row's own `source` file must be \
among its evidence's `sources`, and a `budget.X` row's evidence must measure budget X.\n";

fn diagnostics_page() -> Output {
    let mut md = header("the code registry in generator/zero-diag/src/codes.rs");
    md.push_str(
        "# Diagnostic codes\n\nEvery problem a 0x0 Live tool reports has a stable code, a \
         `file:line:column`, a message and a help line. Codes are never reused.\n\n\
         | code | name | summary |\n|---|---|---|\n",
    );
    for code in zero_diag::codes::ALL {
        let _ =
            writeln!(md, "| [`{0}`](#{0}) | `{1}` | {2} |", code.id, code.name, cell(code.summary));
    }
    md.push('\n');
    for code in zero_diag::codes::ALL {
        let _ = writeln!(
            md,
            "## {0} {1}\n\n<a id=\"{0}\"></a>{2}\n\nHelp: {3}.\n",
            code.id,
            code.name,
            prose(code.summary),
            prose(code.help)
        );
    }
    Output { path: "docs/reference/diagnostics.md".to_owned(), contents: md }
}

fn bindings_page() -> Output {
    use zero_template::check::{BINDING_OPTIONS, EVENT_BINDINGS, VALUE_PREFIX};
    let mut md = header("the binding lists in generator/zero-template/src/check.rs");
    md.push_str(
        "# Template bindings\n\nThe `z-` attributes a template may use; the template checker rejects \
         any other (`Z0417`). See [templates](templates.md#bindings).\n\n## Events\n\n",
    );
    for name in EVENT_BINDINGS {
        let _ = writeln!(md, "- `{name}`");
    }
    md.push_str("\n## Options\n\n");
    for name in BINDING_OPTIONS {
        let _ = writeln!(md, "- `{name}`");
    }
    let _ = writeln!(
        md,
        "\n## Values\n\n`{VALUE_PREFIX}NAME={{expr}}` adds `NAME` to the payload of the element's events."
    );
    Output { path: "docs/reference/template-bindings.md".to_owned(), contents: md }
}

fn index_page() -> Output {
    let mut md = header("the table kind registry in generator/zero-spec/src/kinds.rs");
    md.push_str("# Reference\n\n## Spec tables\n\n| kind | files | page |\n|---|---|---|\n");
    for kind in KINDS {
        let _ = writeln!(md, "| `{0}` | `{1}` | [{0}]({0}.md) |", kind.name, kind.files);
    }
    md.push_str("\n## Templates\n\nSee [templates](templates.md) and [template bindings](template-bindings.md).\n\n## Diagnostics\n\nSee [diagnostics](diagnostics.md).\n");
    Output { path: "docs/reference/tables.md".to_owned(), contents: md }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_markup_is_escaped_outside_code_spans() {
        assert_eq!(
            prose("`:colocated` on a <style> or <script>"),
            "`:colocated` on a &lt;style&gt; or &lt;script&gt;"
        );
        assert_eq!(prose("keep `<div>` & `a|b`"), "keep `<div>` &amp; `a|b`");
        assert_eq!(cell("a | <b>"), "a \\| &lt;b&gt;");
        let page = diagnostics_page().contents;
        for code in zero_diag::codes::ALL {
            assert!(page.contains(&format!("<a id=\"{}\"></a>", code.id)), "{}", code.id);
        }
        // Outside code spans (which Markdown shows literally) no element is opened by quoted text.
        let prose_only: String = page.split('`').step_by(2).collect();
        assert!(page.contains("`<script>`"), "the Z0420 summary quotes the element in code");
        assert!(
            !prose_only.contains("<script>") && !prose_only.contains("<style>"),
            "no raw element in prose"
        );
    }
}
