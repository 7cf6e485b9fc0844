#![allow(clippy::unwrap_used)]
//! The core components against their docs: each example renders as committed under
//! `docs/reference/components/` (what the docs site shows), and the spec tables that the
//! components reference is generated from describe the real structs, field by field.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use zero_spec::tables::AttrType;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the renders are committed.
const RENDERS: &str = "docs/reference/components";

#[test]
fn rendered_examples_are_current() {
    let dir = root().join(RENDERS);
    let update = std::env::var_os("UPDATE_EXAMPLES").is_some();
    let rendered = zero_core_components::examples::all();
    let mut problems = Vec::new();
    for (name, html) in &rendered {
        let path = dir.join(format!("{name}.html"));
        let body = format!(
            "<!-- Rendered by tests/core-components from examples/{name}.html.0x0; do not edit. -->\n{html}"
        );
        match std::fs::read_to_string(&path) {
            Ok(old) if old == body => {}
            _ if update => {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, body).unwrap();
            }
            Ok(_) => problems.push(format!("{RENDERS}/{name}.html is stale")),
            Err(_) => problems.push(format!("{RENDERS}/{name}.html is missing")),
        }
    }
    // A render without an example, and an example the crate does not render, are both drift.
    let names: Vec<&str> = rendered.iter().map(|(n, _)| *n).collect();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let stem = file.strip_suffix(".html").unwrap_or(&file);
        if !names.contains(&stem) {
            problems.push(format!("{RENDERS}/{file} has no example"));
        }
    }
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    for entry in std::fs::read_dir(examples).unwrap().flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        let stem = file.strip_suffix(".html.0x0").unwrap_or(&file);
        if !names.contains(&stem) {
            problems.push(format!("examples/{file} is not listed in `examples!` (src/lib.rs)"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\nhelp: run `UPDATE_EXAMPLES=1 cargo test -p zero-core-components` and commit the renders",
        problems.join("\n")
    );
}

#[test]
fn the_examples_render_what_their_components_promise() {
    let all: BTreeMap<&str, String> = zero_core_components::examples::all().into_iter().collect();
    assert!(
        all["button"].contains("<button type=\"button\" class=\"btn btn-primary\""),
        "{}",
        all["button"]
    );
    assert!(
        all["input"].contains("aria-invalid=\"true\""),
        "a submitted invalid field: {}",
        all["input"]
    );
    assert!(all["input"].contains("must be a full address"));
    assert!(all["flash"].contains("role=\"status\""));
    assert!(all["modal"].contains("role=\"dialog\""), "{}", all["modal"]);
    assert!(all["table"].contains("<th"), "{}", all["table"]);
}

/// A component as its struct declares it: attributes (name, type text without spaces,
/// required), slots (name, required, multiple), and whether other attributes pass through.
#[derive(Debug, Default)]
struct Declared {
    attrs: BTreeMap<String, (String, bool)>,
    slots: BTreeMap<String, (bool, bool)>,
    global: bool,
}

/// Every struct of `web/components/mod.rs` that `component!` registers, by tag name, read by
/// the parser the app docs site uses (`zerogen::site::declared_components`).
fn declared() -> BTreeMap<String, Declared> {
    let path = root().join("templates/app/web/components/mod.rs.tmpl");
    let code = std::fs::read_to_string(path).unwrap();
    let components = zerogen::site::declared_components(&code).unwrap();
    components
        .into_iter()
        .map(|c| {
            let mut declared = Declared { global: c.rest, ..Declared::default() };
            for f in c.fields {
                if f.slot {
                    declared.slots.insert(f.name, (f.required, f.multiple));
                } else {
                    declared.attrs.insert(f.name, (f.ty.replace(' ', ""), f.required));
                }
            }
            (c.tag, declared)
        })
        .collect()
}

/// Whether a Rust field type is what a spec type says.
fn type_matches(spec: AttrType, rust: &str) -> bool {
    let inner = rust.strip_prefix("Option<").and_then(|t| t.strip_suffix('>')).unwrap_or(rust);
    match spec {
        AttrType::String | AttrType::Enum => inner.starts_with("&'astr") || inner == "String",
        AttrType::Bool => inner == "bool",
        AttrType::Int => ["usize", "u32", "u64", "i32", "i64"].contains(&inner),
        AttrType::Float => inner == "f64",
        AttrType::Form => inner.ends_with("Form"),
        AttrType::List => inner.starts_with("&'a[") || inner.starts_with("Vec<"),
        AttrType::Js => inner.ends_with("Js"),
        AttrType::Field | AttrType::Any => true,
    }
}

#[test]
fn spec_tables_describe_the_real_components() {
    let spec = zero_spec::checks::load_framework(&root());
    let real = declared();
    assert!(!real.is_empty());
    let mut problems = Vec::new();
    let listed: Vec<&str> = spec.components.rows.iter().map(|r| r.value.name.as_str()).collect();
    for tag in real.keys() {
        if !listed.contains(&tag.as_str()) {
            problems.push(format!("<.{tag}> is a core component but not in spec/components.tsv"));
        }
    }
    for row in &spec.components.rows {
        let c = &row.value;
        let Some(component) = real.get(&c.name) else {
            problems.push(format!("spec/components.tsv:{}: <.{}> has no struct", row.line, c.name));
            continue;
        };
        if component.global != c.global_attrs {
            problems.push(format!(
                "spec/components.tsv:{}: <.{}> global_attrs is {}, the struct {} `rest: Attrs`",
                row.line,
                c.name,
                c.global_attrs,
                if component.global { "has" } else { "has no" }
            ));
        }
        let attrs: Vec<_> =
            spec.attrs.rows.iter().filter(|r| r.value.component == c.name).collect();
        for row in &attrs {
            let a = &row.value;
            match component.attrs.get(&a.name) {
                None => problems.push(format!(
                    "spec/component-attrs.tsv:{}: <.{}> has no attribute `{}`",
                    row.line, c.name, a.name
                )),
                Some((ty, required)) => {
                    if !type_matches(a.ty, ty) || *required != a.required {
                        problems.push(format!(
                            "spec/component-attrs.tsv:{}: `{}` of <.{}> is {:?} required={} in the table, `{ty}` required={required} in the struct",
                            row.line, a.name, c.name, a.ty, a.required
                        ));
                    }
                }
            }
        }
        for name in component.attrs.keys() {
            if !attrs.iter().any(|r| &r.value.name == name) {
                problems.push(format!("spec/component-attrs.tsv lacks `{name}` of <.{}>", c.name));
            }
        }
        let slots: Vec<_> =
            spec.slots.rows.iter().filter(|r| r.value.component == c.name).collect();
        for row in &slots {
            let s = &row.value;
            match component.slots.get(&s.name) {
                None => problems.push(format!(
                    "spec/component-slots.tsv:{}: <.{}> has no slot `{}`",
                    row.line, c.name, s.name
                )),
                Some(&(required, multiple)) => {
                    if (required, multiple) != (s.required, s.multiple) {
                        problems.push(format!(
                            "spec/component-slots.tsv:{}: slot `{}` of <.{}> is required={} multiple={} in the table, required={required} multiple={multiple} in the struct",
                            row.line, s.name, c.name, s.required, s.multiple
                        ));
                    }
                }
            }
        }
        for name in component.slots.keys() {
            if !slots.iter().any(|r| &r.value.name == name) {
                problems
                    .push(format!("spec/component-slots.tsv lacks slot `{name}` of <.{}>", c.name));
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn a_drifted_table_is_caught() {
    // The check itself: a type or requirement that differs is a problem.
    assert!(type_matches(AttrType::String, "&'astr"));
    assert!(type_matches(AttrType::String, "Option<&'astr>"));
    assert!(!type_matches(AttrType::Bool, "&'astr"));
    assert!(!type_matches(AttrType::Int, "bool"));
    assert!(type_matches(AttrType::Int, "usize"));
    assert!(type_matches(AttrType::List, "Option<&'a[(&'astr,&'astr)]>"));
    let real = declared();
    let button = &real["button"];
    assert!(button.global && button.slots["inner_block"] == (true, false), "{button:?}");
    assert_eq!(button.attrs["submit"], ("bool".to_owned(), false));
    assert!(real["table"].slots["col"].1, "columns are a multiple slot");
}
