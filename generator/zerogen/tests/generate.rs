//! End-to-end tests of `zerogen generate`: freshness of the committed files, check mode, and
//! the CLI's exit codes.

// Test helpers outside #[test] fns panic on broken fixtures by design.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use zerogen::generate;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A temporary project with the framework's spec tables and freshly generated files.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("spec")).unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    for entry in std::fs::read_dir(repo_root().join("spec")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join("spec").join(entry.file_name())).unwrap();
    }
    let outputs = generate::emit_all(dir.path()).unwrap();
    generate::write(dir.path(), &outputs).unwrap();
    dir
}

#[test]
fn committed_generated_files_are_fresh() {
    let root = repo_root();
    let outputs = generate::emit_all(&root).expect("framework spec tables are valid");
    let findings = generate::check(&root, &outputs);
    let report: Vec<String> =
        findings.iter().map(|d| format!("{}\n{}", d.headline(), d.notes.join("\n"))).collect();
    assert!(findings.is_empty(), "run `cargo run -p zerogen -- generate`:\n{}", report.join("\n"));
}

#[test]
fn emit_is_deterministic_and_every_file_has_the_header() {
    let root = repo_root();
    let a = generate::emit_all(&root).unwrap();
    let b = generate::emit_all(&root).unwrap();
    assert_eq!(a, b);
    for output in &a {
        assert!(output.contents.contains(generate::HEADER), "{} lacks the header", output.path);
    }
    let paths: Vec<&str> = a.iter().map(|o| o.path.as_str()).collect();
    for expected in [
        "generated/rust/wire.rs",
        "generated/js/protocol.js",
        "generated/schemas/ledger.schema.json",
        "docs/reference/wire-protocol.md",
        "docs/reference/diagnostics.md",
    ] {
        assert!(paths.contains(&expected), "{expected} is not emitted");
    }
}

#[test]
fn check_reports_an_edited_file_with_a_unified_diff() {
    let dir = project();
    let path = dir.path().join("generated/js/protocol.js");
    let text = std::fs::read_to_string(&path).unwrap().replace("join: 16384", "join: 99");
    std::fs::write(&path, text).unwrap();
    let outputs = generate::emit_all(dir.path()).unwrap();
    let findings = generate::check(dir.path(), &outputs);
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let d = &findings[0];
    assert_eq!(d.code.id, "Z0201");
    assert_eq!(d.location.file, "generated/js/protocol.js");
    let line = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .position(|l| l.contains("join: 99"))
        .unwrap();
    assert_eq!(d.location.line as usize, line + 1);
    assert!(
        d.notes[0].contains("-  join: 99,") && d.notes[0].contains("+  join: 16384,"),
        "{}",
        d.notes[0]
    );
}

#[test]
fn check_reports_missing_and_orphan_files_and_write_repairs_them() {
    let dir = project();
    std::fs::remove_file(dir.path().join("generated/rust/wire.rs")).unwrap();
    std::fs::write(dir.path().join("generated/schemas/old.schema.json"), "{}").unwrap();
    let outputs = generate::emit_all(dir.path()).unwrap();
    let codes: Vec<(&str, String)> = generate::check(dir.path(), &outputs)
        .iter()
        .map(|d| (d.code.id, d.location.file.clone()))
        .collect();
    assert_eq!(
        codes,
        vec![
            ("Z0202", "generated/rust/wire.rs".to_owned()),
            ("Z0203", "generated/schemas/old.schema.json".to_owned())
        ]
    );
    let changed = generate::write(dir.path(), &outputs).unwrap();
    assert_eq!(changed.len(), 2);
    assert!(generate::check(dir.path(), &outputs).is_empty());
}

#[test]
fn a_bad_table_blocks_generation_with_its_diagnostics() {
    let dir = project();
    let path = dir.path().join("spec/budgets.tsv");
    let text =
        std::fs::read_to_string(&path).unwrap() + "gate.x\twall\tms\tsometimes\t1\tgate/x\ts\n";
    std::fs::write(&path, text).unwrap();
    let errors = generate::emit_all(dir.path()).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code.id, "Z0104");
    assert_eq!(errors[0].location.file, "spec/budgets.tsv");
}

fn zerogen(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zerogen"))
        .arg("--root")
        .arg(root)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_exit_codes_follow_the_convention() {
    let dir = project();
    let (code, _, stderr) = zerogen(dir.path(), &["generate", "--check"]);
    assert_eq!(code, 0, "{stderr}");

    let path = dir.path().join("docs/reference/budgets.md");
    std::fs::write(&path, "edited\n").unwrap();
    let (code, stdout, _) = zerogen(dir.path(), &["generate", "--check"]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("error[Z0201]") && stdout.contains("+++ b/docs/reference/budgets.md"),
        "{stdout}"
    );

    let (code, stdout, _) = zerogen(dir.path(), &["generate", "--check", "--json"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["findings"][0]["code"], "Z0201");

    let (code, _, _) = zerogen(dir.path(), &["generate"]);
    assert_eq!(code, 0);
    assert!(zerogen(dir.path(), &["generate", "--check"]).0 == 0);

    let (code, _, stderr) = zerogen(dir.path(), &["generate", "--bogus"]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = zerogen(&dir.path().join("nowhere"), &["generate"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no spec/ folder"), "{stderr}");
}
