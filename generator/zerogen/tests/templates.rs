//! The template corpus under `tests/inputs/templates/`: every `ok_*` template checks clean and
//! its tokens and tree are snapshotted; every `err_*` template reports exactly the codes and
//! positions its first line expects (`<!-- expect: Z0410 2:13, ... -->`), and its rendered
//! diagnostics are snapshotted.

// Test helpers outside #[test] fns panic on broken fixtures by design.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use zero_diag::SourceCache;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus() -> Vec<(String, String)> {
    let dir = repo().join("tests/inputs/templates");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(zerogen::templates::EXTENSION))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap()
                .to_string_lossy()
                .trim_end_matches(zerogen::templates::EXTENSION)
                .to_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn components() -> zero_template::Components {
    let spec = zero_spec::load_framework(&repo());
    assert!(spec.diagnostics.is_empty());
    let mut components = zerogen::templates::core_components(&spec);
    // A remote component, as an app would declare in another module.
    components.insert(zero_template::ComponentDef {
        name: "ui::card".to_owned(),
        global_attrs: true,
        attrs: Vec::new(),
        slots: vec![zero_template::SlotDef {
            name: "inner_block".to_owned(),
            required: false,
            multiple: false,
            attrs: Vec::new(),
            rust: None,
        }],
        rust: None,
    });
    // The components tests/template-app declares in Rust.
    for (file, module, prefix) in [
        ("tests/template-app/src/components.rs", "crate::components", None),
        ("tests/template-app/src/ui.rs", "crate::ui", Some("ui".to_owned())),
    ] {
        let source = std::fs::read_to_string(repo().join(file)).unwrap();
        let module = zero_template::rust_components::RustModule {
            file: file.into(),
            module: module.into(),
            prefix,
        };
        for def in zero_template::rust_components::read(&module, &source).unwrap() {
            components.insert(def);
        }
    }
    components
}

/// `(code, line, column)` triples from `<!-- expect: Z0410 2:13, Z0411 2:2 -->`.
fn expectations(source: &str) -> Vec<(String, u32, u32)> {
    let first = source.lines().next().unwrap_or("");
    let list = first
        .strip_prefix("<!-- expect:")
        .and_then(|r| r.strip_suffix("-->"))
        .unwrap_or_else(|| {
            panic!("an err_ template starts with `<!-- expect: CODE line:col -->`, found {first:?}")
        });
    let mut expected: Vec<(String, u32, u32)> = list
        .split(',')
        .map(|item| {
            let (code, pos) = item.trim().split_once(' ').unwrap();
            let (line, col) = pos.split_once(':').unwrap();
            (code.to_owned(), line.parse().unwrap(), col.parse().unwrap())
        })
        .collect();
    expected.sort();
    expected
}

#[test]
fn error_templates_report_their_codes_at_their_positions() {
    let components = components();
    let mut cases = 0;
    let mut failures = Vec::new();
    for (name, source) in corpus().into_iter().filter(|(n, _)| n.starts_with("err_")) {
        cases += 1;
        let file = format!("tests/inputs/templates/{name}.html.0x0");
        let checked = zero_template::check(&file, &source, &components);
        let mut found: Vec<(String, u32, u32)> = checked
            .diagnostics
            .iter()
            .map(|d| (d.code.id.to_owned(), d.location.line, d.location.column))
            .collect();
        found.sort();
        let expected = expectations(&source);
        if found != expected {
            failures.push(format!("{name}: expected {expected:?}, found {found:?}"));
            continue;
        }
        let mut sources = SourceCache::new(&repo());
        sources.insert(&file, source.clone());
        insta::assert_snapshot!(
            name.clone(),
            zero_diag::render_all(&checked.diagnostics, &mut sources)
        );
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(cases >= 40, "the corpus has {cases} err_ cases; it needs at least 40");
}

#[test]
fn ok_templates_check_clean_with_token_and_tree_snapshots() {
    let components = components();
    let mut cases = 0;
    for (name, source) in corpus().into_iter().filter(|(n, _)| n.starts_with("ok_")) {
        cases += 1;
        let checked = zero_template::check(&format!("{name}.html.0x0"), &source, &components);
        let report: Vec<String> = checked.diagnostics.iter().map(|d| d.headline()).collect();
        assert!(report.is_empty(), "{name}:\n{}", report.join("\n"));
        let (tokens, problems) = zero_template::lexer::lex(&source);
        assert!(problems.is_empty());
        insta::assert_json_snapshot!(format!("{name}.tokens"), tokens);
        insta::assert_json_snapshot!(format!("{name}.ast"), checked.nodes);
    }
    assert!(cases >= 5);
}

#[test]
fn every_template_code_has_an_error_case() {
    let corpus = corpus();
    // Not template-source errors: Z0431 is found in Rust files (tested in
    // zero_template::rust_components), Z0432 by rustc (tested by cargo-check below).
    let elsewhere = ["Z0431", "Z0432"];
    for code in zero_diag::codes::ALL
        .iter()
        .filter(|c| c.id.starts_with("Z04") && !elsewhere.contains(&c.id))
    {
        let covered = corpus
            .iter()
            .filter(|(n, _)| n.starts_with("err_"))
            .any(|(_, s)| s.lines().next().is_some_and(|l| l.contains(code.id)));
        assert!(covered, "no err_ template expects {} ({})", code.id, code.name);
    }
}

fn zerogen(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zerogen"))
        .arg("--root")
        .arg(repo())
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_templates_check_and_dump() {
    let (code, _, err) =
        zerogen(&["templates", "check", "tests/inputs/templates/ok_basic.html.0x0"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, _) =
        zerogen(&["templates", "check", "tests/inputs/templates/err_a_in_a.html.0x0"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("error[Z0414]")
            && out.contains("tests/inputs/templates/err_a_in_a.html.0x0:2:21"),
        "{out}"
    );
    let (code, out, _) =
        zerogen(&["templates", "check", "--json", "tests/inputs/templates/err_a_in_a.html.0x0"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["findings"][0]["code"], "Z0414");
    let (code, out, _) =
        zerogen(&["templates", "dump", "tests/template-app/templates/teams.html.0x0"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("impl ::zero_live_core::Template for __ZlSelf")
            && out.contains("teams.html.0x0:1:21"),
        "{out}"
    );
    let (code, out, _) = zerogen(&[
        "templates",
        "dump",
        "--what",
        "map",
        "tests/template-app/templates/teams.html.0x0",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("\"generated_line\""), "{out}");
    let (code, _, err) = zerogen(&["templates", "check", "tests/inputs/nope"]);
    assert_eq!(code, 2, "{err}");
}

/// Every valid template of the repository: the ok_ corpus and the e2e app's templates.
fn valid_templates() -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> =
        corpus().into_iter().filter(|(n, _)| n.starts_with("ok_")).collect();
    let app = repo().join("tests/template-app/templates");
    for path in zerogen::templates::find(&[app]).unwrap() {
        all.push((path.display().to_string(), std::fs::read_to_string(&path).unwrap()));
    }
    all
}

#[test]
fn formatter_is_idempotent_and_preserves_meaning_over_the_corpus() {
    use zero_template::format::{AttrWrap, Config, format, normalized_tokens};
    let configs = [
        Config::default(),
        Config { line_width: 40, indent: 4, attr_wrap: AttrWrap::Auto },
        Config { attr_wrap: AttrWrap::Always, ..Config::default() },
    ];
    let templates = valid_templates();
    assert!(templates.len() >= 9);
    for config in &configs {
        for (name, source) in &templates {
            let once = format(source, config).unwrap_or_else(|p| panic!("{name}: {p:?}"));
            let twice = format(&once, config).unwrap();
            assert_eq!(once, twice, "{name} is not idempotent with {config:?}");
            assert_eq!(
                normalized_tokens(source),
                normalized_tokens(&once),
                "{name} changed meaning with {config:?}:\n{once}"
            );
            // The formatted template still checks the same way.
            let components = components();
            assert!(
                zero_template::check(name, &once, &components).diagnostics.is_empty(),
                "{name}:\n{once}"
            );
        }
    }
}

#[test]
fn formatter_refuses_invalid_templates() {
    use zero_template::format::{Config, format};
    for (name, source) in corpus().into_iter().filter(|(n, _)| n.starts_with("err_")) {
        let expected = expectations(&source);
        let component_only = expected.iter().all(|(c, _, _)| {
            matches!(
                c.as_str(),
                "Z0423" | "Z0424" | "Z0425" | "Z0426" | "Z0427" | "Z0428" | "Z0429"
            )
        });
        let result = format(&source, &Config::default());
        assert_eq!(
            result.is_ok(),
            component_only,
            "{name}: formatting must refuse exactly the templates that are invalid without component knowledge"
        );
    }
}

#[test]
fn cli_fmt_formats_checks_and_refuses() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    std::fs::create_dir_all(dir.path().join("spec")).unwrap();
    let messy = dir.path().join("page.html.0x0");
    std::fs::write(&messy, "<div   class=\"a\">\n<p>{ x }</p>\n</div>\n").unwrap();
    let broken = dir.path().join("broken.html.0x0");
    std::fs::write(&broken, "<div><span></div>\n").unwrap();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_zerogen"))
            .arg("--root")
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, _) = run(&["fmt", "--check", messy.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("+  <p>{x}</p>"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "<div   class=\"a\">\n<p>{ x }</p>\n</div>\n",
        "--check writes nothing"
    );
    let (code, _, err) = run(&["fmt", messy.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        std::fs::read_to_string(&messy).unwrap(),
        "<div class=\"a\">\n  <p>{x}</p>\n</div>\n"
    );
    assert_eq!(run(&["fmt", "--check", messy.to_str().unwrap()]).0, 0);
    let (code, out, _) = run(&["fmt"]);
    assert_eq!(code, 1, "the broken template fails the run");
    assert!(out.contains("error[Z0411]"), "{out}");
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "<div><span></div>\n",
        "an invalid template is left as it is"
    );
    std::fs::write(dir.path().join("zerogen.toml"), "[fmt]\nindent = 4\n").unwrap();
    std::fs::write(&messy, "<div>\n<p>x</p>\n</div>\n").unwrap();
    assert_eq!(run(&["fmt", messy.to_str().unwrap()]).0, 0);
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), "<div>\n    <p>x</p>\n</div>\n");
    std::fs::write(dir.path().join("zerogen.toml"), "[fmt]\nindnet = 4\n").unwrap();
    let (code, _, err) = run(&["fmt", messy.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("zerogen.toml") && err.contains("indnet"), "{err}");
}

/// `zerogen templates cargo-check` over `tests/template-app`, in its own target folder.
fn cargo_check(features: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["templates", "cargo-check", "--json", "--", "-p", "zero-template-app"];
    args.extend_from_slice(features);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_zerogen"))
        .args(["--root", repo().to_str().unwrap(), "-q"])
        .args(&args)
        .env("CARGO_TARGET_DIR", repo().join("target/cargo-check"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    (out.status.code().unwrap(), value)
}

#[test]
fn rustc_type_errors_in_templates_are_reported_at_the_template() {
    let (code, value) = cargo_check(&["--features", "broken-templates"]);
    assert_eq!(code, 1, "{value:#}");
    let findings = value["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "reported once, not once per render: {value:#}");
    let f = &findings[0];
    assert_eq!(f["code"], "Z0432");
    assert_eq!(f["location"]["file"], "tests/template-app/templates/broken/type_error.html.0x0");
    assert_eq!(
        (f["location"]["line"].as_u64(), f["location"]["column"].as_u64()),
        (Some(2), Some(18))
    );
    assert_eq!(f["location"]["len"], 5, "the span is the expression `count`");
    let message = f["message"].as_str().unwrap();
    assert!(message.contains("E0277") && message.contains("`u32: AsRef<str>`"), "{message}");
    assert_eq!(value["other_errors"].as_array().unwrap().len(), 0);

    let (code, value) = cargo_check(&[]);
    assert_eq!(code, 0, "the app without the broken template checks clean: {value:#}");
    assert_eq!(value["findings"].as_array().unwrap().len(), 0);
}
