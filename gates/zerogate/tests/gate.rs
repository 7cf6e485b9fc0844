//! End-to-end tests of `zerogate check` on small projects built in temporary folders: a clean
//! project passes, and each way of corrupting it is reported, with its code, ledger row and
//! `file:line`, in every output format.

// Test helpers outside #[test] fns panic on broken fixtures by design.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

const LIB: &str = "\
pub fn render() {}

pub struct Widget;

impl Widget {
    pub fn draw(&self) {}
}

#[cfg(test)]
mod tests {
    #[test]
    fn renders() {
        super::render();
    }

    #[test]
    fn draws() {
        super::Widget.draw();
    }
}
";

const GUIDE: &str = "# Guide\n\n## Render\n\nText.\n\n## Widgets\n\nMore.\n";

const BUDGETS: &str = "\
# budgets
id\tmetric\tunit\tcomparison\tbudget\tbench\tsummary
demo.wall\twall\tms\tlte\t100\tdemo/wall\tRendering is fast.
";

const LEDGER_HEADER: &str = "id\tkind\tsource\ttests\tdocs\tevidence\tstatus\n";

/// A small app-shaped project whose gate is green.
struct Project {
    dir: tempfile::TempDir,
}

impl Project {
    fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let p = Project { dir };
        p.write("Cargo.toml", "[package]\nname = \"demo\"\nversion = \"0.1.0\"\n");
        p.write("src/lib.rs", LIB);
        p.write("docs/guide.md", GUIDE);
        p.write("spec/budgets.tsv", BUDGETS);
        p.record_evidence(50.0);
        p.write(
            "release/surface.tsv",
            &format!(
                "# the demo ledger\n{LEDGER_HEADER}\
                 demo.render\truntime\tsrc/lib.rs#render\tsrc/lib.rs#renders\tdocs/guide.md#render\t\texperimental\n\
                 demo.widget\truntime\tsrc/lib.rs#Widget::draw\tsrc/lib.rs#draws\tdocs/guide.md#widgets\t\tstable\n\
                 budget.demo.wall\tbudget\tsrc/lib.rs#render\tsrc/lib.rs#renders\tdocs/guide.md#render\trelease/evidence/demo.tsv#demo.wall\tstable\n\
                 demo.later\truntime\t\t\t\t\tplanned\n"
            ),
        );
        p
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root().join(rel)).unwrap()
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.read(rel);
        assert!(text.contains(from), "{rel} does not contain {from:?}");
        self.write(rel, &text.replacen(from, to, 1));
    }

    fn record_evidence(&self, value: f64) {
        self.record_evidence_with(value, "src", "demo.wall", 5, 0);
    }

    /// Writes the evidence as `zero-bench --record` does, digest included.
    fn record_evidence_with(
        &self,
        value: f64,
        sources: &str,
        budget: &str,
        runs: u32,
        misses: u32,
    ) {
        let hash = zerogate::evidence::source_hash(self.root(), &[sources.to_owned()]).unwrap();
        let header = "id\tsuite\tcase\tsubject\tmetric\tvalue\tmin\tmax\truns\tmisses\tunit\tbudget\tsources\thash\tdigest\trecorded\n";
        let row = |digest: &str| {
            format!(
                "demo.wall\tdemo\twall\tdemo\twall\t{value}\t{value}\t{value}\t{runs}\t{misses}\tms\t{budget}\t{sources}\t{hash}\t{digest}\t2026-11-25 test\n"
            )
        };
        let draft = format!("{header}{}", row(&"0".repeat(64)));
        let table: zero_spec::Table<zero_spec::tables::EvidenceRow> =
            zero_spec::tsv::load("release/evidence/demo.tsv", &draft);
        assert!(table.diagnostics.is_empty(), "{:?}", table.diagnostics);
        let digest = zerogate::evidence::digest(&table.rows[0].value);
        self.write("release/evidence/demo.tsv", &format!("{header}{}", row(&digest)));
    }

    /// 1-based line of the first line of `rel` containing `needle`.
    fn line_of(&self, rel: &str, needle: &str) -> u32 {
        let line = self.read(rel).lines().position(|l| l.contains(needle));
        line.unwrap_or_else(|| panic!("{needle:?} not in {rel}")) as u32 + 1
    }

    fn gate(&self, args: &[&str]) -> (i32, String, String) {
        gate(self.root(), args)
    }

    fn assert_reported(&self, code: &str, file: &str, line: u32, row: Option<&str>) {
        assert_reported(self.root(), code, file, line, row);
    }
}

/// Runs `zerogate check --root ROOT ARGS`: (exit code, stdout, stderr).
fn gate(root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_zerogate"))
        .arg("check")
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

/// Asserts that a finding `code` at `file:line` for `row` (if any) is reported, with exit code
/// 1, in every output format.
fn assert_reported(root: &Path, code: &str, file: &str, line: u32, row: Option<&str>) {
    let gate = |args: &[&str]| gate(root, args);
    let (exit, human, _) = gate(&[]);
    assert_eq!(exit, 1, "{human}");
    assert!(human.contains(&format!("error[{code}]")), "{human}");
    assert!(human.contains(&format!("{file}:{line}:")), "{human}");
    if let Some(row) = row {
        assert!(human.contains(&format!("ledger row `{row}`")), "{human}");
    }

    let (exit, json, _) = gate(&["--format", "json"]);
    assert_eq!(exit, 1);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let found = value["findings"].as_array().unwrap().iter().any(|f| {
        f["code"] == code
            && f["file"] == file
            && f["line"] == line
            && row.is_none_or(|r| f["row_id"] == r)
            && f["severity"] == "error"
    });
    assert!(found, "{json}");

    let (exit, sarif, _) = gate(&["--format", "sarif"]);
    assert_eq!(exit, 1);
    let value: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let found = value["runs"][0]["results"].as_array().unwrap().iter().any(|r| {
        let loc = &r["locations"][0]["physicalLocation"];
        r["ruleId"] == code
            && loc["artifactLocation"]["uri"] == file
            && loc["region"]["startLine"] == line
            && row.is_none_or(|id| r["message"]["text"].as_str().unwrap().contains(id))
    });
    assert!(found, "{sarif}");

    let (exit, junit, _) = gate(&["--format", "junit"]);
    assert_eq!(exit, 1);
    let needle = format!("{file}:{line}:");
    let case_name = match row {
        Some(row) => format!("name=\"{row}\""),
        None => "name=\"file\"".to_owned(),
    };
    let case = junit
        .split("<testcase ")
        .find(|c| c.contains(&case_name) && c.contains(&needle) && c.contains(code))
        .is_some();
    assert!(case, "{junit}");

    let (exit, github, _) = gate(&["--format", "github"]);
    assert_eq!(exit, 1);
    let found = github.lines().any(|l| {
        l.starts_with(&format!("::error file={file},line={line},"))
            && l.contains(code)
            && row.is_none_or(|r| l.contains(&format!("({r})")))
    });
    assert!(found, "{github}");
}

#[test]
fn clean_project_passes_in_every_format() {
    let p = Project::new();
    for format in ["human", "json", "sarif", "junit", "github"] {
        let (exit, out, err) = p.gate(&["--format", format]);
        assert_eq!(exit, 0, "{format}: {out}{err}");
    }
    let (_, human, _) = p.gate(&[]);
    assert!(
        human.contains("4 rows: 2 stable, 1 experimental, 1 planned (not done); 0 findings"),
        "{human}"
    );
    let (_, json, _) = p.gate(&["--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["summary"]["planned"], 1);
    assert_eq!(value["findings"].as_array().unwrap().len(), 0);
}

#[test]
fn output_is_byte_identical_across_runs() {
    let p = Project::new();
    p.edit("release/surface.tsv", "src/lib.rs#render\tsrc", "src/lib.rs#rendr\tsrc");
    p.edit("docs/guide.md", "## Widgets", "## Gadgets");
    for format in ["human", "json", "sarif", "junit", "github"] {
        let first = p.gate(&["--format", format]);
        let second = p.gate(&["--format", format]);
        assert_eq!(first, second, "{format}");
    }
}

#[test]
fn renamed_symbol_is_reported() {
    let p = Project::new();
    p.edit("release/surface.tsv", "src/lib.rs#Widget::draw", "src/lib.rs#Widget::paint");
    let line = p.line_of("release/surface.tsv", "demo.widget");
    p.assert_reported("Z0302", "release/surface.tsv", line, Some("demo.widget"));
}

#[test]
fn missing_source_file_is_reported() {
    let p = Project::new();
    p.edit("release/surface.tsv", "src/lib.rs#render\tsrc", "src/gone.rs#render\tsrc");
    let line = p.line_of("release/surface.tsv", "demo.render");
    p.assert_reported("Z0301", "release/surface.tsv", line, Some("demo.render"));
}

#[test]
fn deleted_test_is_reported() {
    let p = Project::new();
    p.edit("src/lib.rs", "    #[test]\n    fn draws() {", "    fn draws() {");
    let line = p.line_of("release/surface.tsv", "demo.widget");
    p.assert_reported("Z0304", "release/surface.tsv", line, Some("demo.widget"));
}

#[test]
fn dropped_docs_heading_is_reported() {
    let p = Project::new();
    p.edit("docs/guide.md", "## Widgets", "## Gadgets");
    let line = p.line_of("release/surface.tsv", "demo.widget");
    p.assert_reported("Z0308", "release/surface.tsv", line, Some("demo.widget"));
}

#[test]
fn missing_docs_page_is_reported() {
    let p = Project::new();
    std::fs::remove_file(p.root().join("docs/guide.md")).unwrap();
    let line = p.line_of("release/surface.tsv", "demo.render");
    p.assert_reported("Z0307", "release/surface.tsv", line, Some("demo.render"));
}

#[test]
fn duplicate_id_is_reported_at_the_second_row() {
    let p = Project::new();
    let text = p.read("release/surface.tsv") + "demo.render\truntime\t\t\t\t\tplanned\n";
    p.write("release/surface.tsv", &text);
    let line = text.lines().count() as u32;
    p.assert_reported("Z0314", "release/surface.tsv", line, Some("demo.render"));
}

#[test]
fn duplicate_id_across_ledgers_is_reported() {
    let p = Project::new();
    p.write("release/more.tsv", &format!("{LEDGER_HEADER}demo.render\truntime\t\t\t\t\tplanned\n"));
    p.assert_reported(
        "Z0314",
        "release/surface.tsv",
        p.line_of("release/surface.tsv", "demo.render\t"),
        Some("demo.render"),
    );
}

#[test]
fn malformed_id_is_reported() {
    let p = Project::new();
    p.edit("release/surface.tsv", "demo.later", "Demo Later");
    let line = p.line_of("release/surface.tsv", "Demo Later");
    p.assert_reported("Z0313", "release/surface.tsv", line, Some("Demo Later"));
}

#[test]
fn bad_spec_value_is_reported() {
    let p = Project::new();
    p.edit("spec/budgets.tsv", "\tlte\t", "\tsometimes\t");
    p.assert_reported("Z0104", "spec/budgets.tsv", 3, None);
}

#[test]
fn source_changed_after_evidence_makes_it_stale() {
    let p = Project::new();
    p.edit("src/lib.rs", "pub fn render() {}", "pub fn render() { /* faster */ }");
    p.assert_reported("Z0311", "release/evidence/demo.tsv", 2, Some("budget.demo.wall"));
}

#[test]
fn missed_budget_is_reported() {
    let p = Project::new();
    p.record_evidence(250.0);
    p.assert_reported("Z0310", "release/evidence/demo.tsv", 2, Some("budget.demo.wall"));
}

#[test]
fn a_hand_edited_value_breaks_the_digest() {
    let p = Project::new();
    p.edit("release/evidence/demo.tsv", "\t50\t50\t50\t", "\t40\t50\t50\t");
    p.assert_reported("Z0320", "release/evidence/demo.tsv", 2, Some("budget.demo.wall"));
}

#[test]
fn a_row_source_the_evidence_did_not_hash_is_reported() {
    let p = Project::new();
    p.record_evidence_with(50.0, "docs", "demo.wall", 5, 0);
    let line = p.line_of("release/surface.tsv", "budget.demo.wall");
    p.assert_reported("Z0321", "release/surface.tsv", line, Some("budget.demo.wall"));
}

#[test]
fn a_missed_budget_is_reported_on_a_planned_row_and_in_two_runs() {
    let p = Project::new();
    p.edit("release/surface.tsv", "release/evidence/demo.tsv#demo.wall\tstable", "\tplanned");
    p.record_evidence(250.0);
    p.assert_reported("Z0310", "release/evidence/demo.tsv", 2, None);
    // The median meets the budget, two of the five runs did not.
    let p = Project::new();
    p.record_evidence_with(50.0, "src", "demo.wall", 5, 2);
    p.assert_reported("Z0310", "release/evidence/demo.tsv", 2, Some("budget.demo.wall"));
    p.record_evidence_with(50.0, "src", "demo.wall", 5, 1);
    assert_eq!(p.gate(&[]).0, 0, "one miss in five runs is allowed");
}

#[test]
fn budget_evidence_must_measure_that_budget_with_enough_runs() {
    let p = Project::new();
    p.record_evidence_with(50.0, "src", "", 5, 0);
    let line = p.line_of("release/surface.tsv", "budget.demo.wall");
    p.assert_reported("Z0322", "release/surface.tsv", line, Some("budget.demo.wall"));
    let p = Project::new();
    p.record_evidence_with(50.0, "src", "demo.wall", 3, 0);
    p.assert_reported("Z0323", "release/evidence/demo.tsv", 2, Some("budget.demo.wall"));
}

#[test]
fn a_failing_budget_needs_an_adr_and_a_miss() {
    let p = Project::new();
    p.write("docs/adr/0001-slow.md", "# Slow\n\n## Why\n");
    p.edit("release/surface.tsv", "demo.wall\tstable", "demo.wall\tfailing");
    p.record_evidence(250.0);
    let line = p.line_of("release/surface.tsv", "budget.demo.wall");
    p.assert_reported("Z0324", "release/surface.tsv", line, Some("budget.demo.wall"));
    let ledger = p.read("release/surface.tsv");
    let row = ledger.lines().find(|l| l.starts_with("budget.demo.wall")).unwrap().to_owned();
    p.edit(
        "release/surface.tsv",
        &row,
        &row.replace("docs/guide.md#render", "docs/adr/0001-slow.md#why"),
    );
    let (code, out, _) = p.gate(&[]);
    assert_eq!(code, 0, "a known miss with its ADR is no finding: {out}");
    assert!(out.contains("1 failing"), "{out}");
    p.record_evidence(50.0);
    p.assert_reported("Z0324", "release/evidence/demo.tsv", 2, Some("budget.demo.wall"));
}

#[test]
fn missing_evidence_row_is_reported() {
    let p = Project::new();
    p.edit("release/surface.tsv", "demo.tsv#demo.wall", "demo.tsv#demo.fast");
    let line = p.line_of("release/surface.tsv", "budget.demo.wall");
    p.assert_reported("Z0309", "release/surface.tsv", line, Some("budget.demo.wall"));
}

#[test]
fn stable_budget_row_without_evidence_is_incomplete() {
    let p = Project::new();
    p.edit("release/surface.tsv", "release/evidence/demo.tsv#demo.wall", "");
    let line = p.line_of("release/surface.tsv", "budget.demo.wall");
    p.assert_reported("Z0312", "release/surface.tsv", line, Some("budget.demo.wall"));
}

#[test]
fn budget_without_ledger_row_is_uncovered() {
    let p = Project::new();
    p.edit("release/surface.tsv", "budget.demo.wall", "demo.wall-proof");
    p.assert_reported("Z0315", "spec/budgets.tsv", 3, Some("budget.demo.wall"));
}

#[test]
fn unparsable_source_is_reported_once_at_the_file() {
    let p = Project::new();
    p.edit("src/lib.rs", "    pub fn draw(&self) {}", "    pub fn draw(&self) { (");
    let (exit, json, _) = p.gate(&["--format", "json"]);
    assert_eq!(exit, 1);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let findings = value["findings"].as_array().unwrap();
    let unparsable: Vec<_> = findings.iter().filter(|f| f["code"] == "Z0303").collect();
    assert_eq!(unparsable.len(), 1, "{json}");
    assert_eq!(unparsable[0]["file"], "src/lib.rs");
    assert!(unparsable[0]["line"].as_u64().unwrap() >= 3);
}

#[test]
fn planned_rows_need_nothing_and_are_never_done() {
    let p = Project::new();
    let (exit, json, _) = p.gate(&["--format", "json"]);
    assert_eq!(exit, 0);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["summary"]["planned"], 1);
    // The same empty row claiming to be experimental is incomplete three times over.
    p.edit("release/surface.tsv", "\t\t\t\t\tplanned", "\t\t\t\t\texperimental");
    let (exit, json, _) = p.gate(&["--format", "json"]);
    assert_eq!(exit, 1);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let incomplete =
        value["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "Z0312").count();
    assert_eq!(incomplete, 3, "{json}");
}

fn junit_report(dir: &Path, renders: &str, draws: Option<&str>) -> PathBuf {
    let draws = draws.map_or(String::new(), |body| {
        format!("<testcase name=\"tests::draws\" classname=\"demo\">{body}</testcase>")
    });
    let xml = format!(
        "<?xml version=\"1.0\"?><testsuites><testsuite name=\"demo\">\
         <testcase name=\"tests::renders\" classname=\"demo\">{renders}</testcase>{draws}\
         </testsuite><testsuite name=\"other\"><testcase name=\"tests::draws\"/></testsuite></testsuites>"
    );
    let path = dir.join("report.xml");
    std::fs::write(&path, xml).unwrap();
    path
}

#[test]
fn test_report_requires_named_tests_to_run_and_pass() {
    let p = Project::new();
    let reports = tempfile::tempdir().unwrap();
    let all_pass = junit_report(reports.path(), "", Some(""));
    let (exit, out, _) = p.gate(&["--test-report", all_pass.to_str().unwrap()]);
    assert_eq!(exit, 0, "{out}");
    assert!(out.contains("3 tests in the report"), "{out}");

    let not_run = junit_report(reports.path(), "", None);
    let (exit, out, _) = p.gate(&["--test-report", not_run.to_str().unwrap()]);
    assert_eq!(exit, 1);
    assert!(out.contains("error[Z0305]: test `draws` (src/lib.rs) did not run"), "{out}");

    // Reports merge: the missing test run in a second report (as Node's JUnit has the JS tests).
    let second = reports.path().join("second.xml");
    std::fs::write(
        &second,
        "<testsuites><testsuite name=\"demo\"><testcase name=\"tests::draws\"/></testsuite></testsuites>",
    )
    .unwrap();
    let (exit, out, _) = p.gate(&[
        "--test-report",
        not_run.to_str().unwrap(),
        "--test-report",
        second.to_str().unwrap(),
    ]);
    assert_eq!(exit, 0, "{out}");
    let failed_second = reports.path().join("failed.xml");
    std::fs::write(
        &failed_second,
        "<testsuites><testsuite name=\"demo\"><testcase name=\"tests::draws\"><failure/></testcase></testsuite></testsuites>",
    )
    .unwrap();
    let (exit, out, _) = p.gate(&[
        "--test-report",
        second.to_str().unwrap(),
        "--test-report",
        failed_second.to_str().unwrap(),
    ]);
    assert_eq!(exit, 1, "a failure in any report wins: {out}");

    let failed = junit_report(reports.path(), "<failure message=\"boom\"/>", Some(""));
    let (exit, out, _) = p.gate(&["--test-report", failed.to_str().unwrap(), "--format", "json"]);
    assert_eq!(exit, 1);
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    let failures: Vec<&serde_json::Value> =
        value["findings"].as_array().unwrap().iter().filter(|f| f["code"] == "Z0306").collect();
    assert_eq!(failures.len(), 2, "both rows naming `renders` fail: {out}");
}

#[test]
fn baseline_is_a_ratchet() {
    let p = Project::new();
    p.edit("docs/guide.md", "## Widgets", "## Gadgets");
    let baseline = p.root().join("gate-baseline.json");
    let baseline_arg = baseline.to_str().unwrap();
    let (exit, _, err) = p.gate(&["--write-baseline", baseline_arg]);
    assert_eq!(exit, 0, "{err}");
    assert_eq!(p.gate(&["--baseline", baseline_arg]).0, 0, "old debt is excused");

    p.edit("release/surface.tsv", "src/lib.rs#render\tsrc", "src/lib.rs#rendr\tsrc");
    let (exit, out, _) = p.gate(&["--baseline", baseline_arg]);
    assert_eq!(exit, 1, "new debt fails");
    assert!(out.contains("Z0302") && !out.contains("Z0308"), "{out}");
    assert!(out.contains("1 excused by the baseline"), "{out}");

    p.edit("release/surface.tsv", "src/lib.rs#rendr\tsrc", "src/lib.rs#render\tsrc");
    p.edit("docs/guide.md", "## Gadgets", "## Widgets");
    let (exit, out, _) = p.gate(&["--baseline", baseline_arg, "--format", "json"]);
    assert_eq!(exit, 1, "paid-off debt leaves a stale entry");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["findings"][0]["code"], "Z0316");
    assert_eq!(value["findings"][0]["file"], "gate-baseline.json");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let p = Project::new();
    let (exit, _, err) = p.gate(&["--format", "yaml"]);
    assert_eq!(exit, 2, "{err}");
    let (exit, _, err) = p.gate(&["--test-report", "/nonexistent/report.xml"]);
    assert_eq!(exit, 2);
    assert!(err.contains("cannot read test report /nonexistent/report.xml"), "{err}");
    p.write("bad.xml", "<testsuites><testcase></testsuites>");
    let (exit, _, err) = p.gate(&["--test-report", p.root().join("bad.xml").to_str().unwrap()]);
    assert_eq!(exit, 2, "{err}");
    p.write("baseline.json", "[]");
    let (exit, _, err) = p.gate(&["--baseline", p.root().join("baseline.json").to_str().unwrap()]);
    assert_eq!(exit, 2);
    assert!(err.contains("not a zerogate baseline"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_zerogate"))
        .args(["check", "--root", "/nonexistent/project"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// A copy of the framework's spec, generated files and reference docs: framework mode.
fn framework_copy() -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    for folder in ["spec", "generated", "docs"] {
        for entry in walk(&repo.join(folder)) {
            let rel = entry.strip_prefix(&repo).unwrap();
            let target = dir.path().join(rel);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::copy(&entry, target).unwrap();
        }
    }
    dir
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

#[test]
fn a_security_key_without_a_ledger_row_is_uncovered() {
    let dir = framework_copy();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    // The framework's security rows, all but one key's.
    let ledger = std::fs::read_to_string(repo.join("release/live-framework-surface.tsv")).unwrap();
    let header = ledger.lines().find(|l| l.starts_with("id\t")).unwrap();
    let rows: Vec<&str> = ledger
        .lines()
        .filter(|l| {
            l.starts_with("security.") && !l.starts_with("security.heartbeat.interval_secs\t")
        })
        .collect();
    assert!(rows.len() > 20, "{} security rows", rows.len());
    std::fs::create_dir_all(dir.path().join("release")).unwrap();
    std::fs::write(
        dir.path().join("release/surface.tsv"),
        format!("{header}\n{}\n", rows.join("\n")),
    )
    .unwrap();
    let table = std::fs::read_to_string(dir.path().join("spec/security.toml")).unwrap();
    let line = table.lines().position(|l| l.starts_with("interval_secs")).unwrap() as u32 + 1;
    assert_reported(
        dir.path(),
        "Z0315",
        "spec/security.toml",
        line,
        Some("security.heartbeat.interval_secs"),
    );
    let (_, json, _) = gate(dir.path(), &["--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let uncovered: Vec<&serde_json::Value> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "Z0315" && f["file"] == "spec/security.toml")
        .collect();
    assert_eq!(uncovered.len(), 1, "only the key without a row: {uncovered:?}");
}

#[test]
fn edited_generated_file_is_reported_with_a_diff() {
    let dir = framework_copy();
    let path = dir.path().join("generated/js/protocol.js");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("PROTOCOL_VERSION = 1", "PROTOCOL_VERSION = 9")).unwrap();
    let line = text.lines().position(|l| l.contains("PROTOCOL_VERSION = 1")).unwrap() as u32 + 1;
    assert_reported(dir.path(), "Z0201", "generated/js/protocol.js", line, None);
    let out = Command::new(env!("CARGO_BIN_EXE_zerogate"))
        .args(["check", "--format", "json", "--root"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // (The copy has no ledger, so the security reference, whose enforcement table is read
    // from it, is stale too.)
    let stale: Vec<&serde_json::Value> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "Z0201" && f["file"] == "generated/js/protocol.js")
        .collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0]["line"], line);
    assert!(stale[0]["notes"][0].as_str().unwrap().contains("+export const PROTOCOL_VERSION = 1;"));
    // Without a ledger every wire message, component and budget is uncovered.
    assert!(value["findings"].as_array().unwrap().iter().any(|f| f["row_id"] == "wire.join"));
}

#[test]
fn repository_gate_is_green() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_zerogate"))
        .args(["check", "--root"])
        .arg(&repo)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn human_and_github_output_snapshots() {
    let p = Project::new();
    p.edit("release/surface.tsv", "src/lib.rs#Widget::draw", "src/lib.rs#Widget::paint");
    p.edit("docs/guide.md", "## Widgets", "## Gadgets");
    let (_, human, _) = p.gate(&[]);
    insta::assert_snapshot!("human", human);
    let (_, github, _) = p.gate(&["--format", "github"]);
    insta::assert_snapshot!("github", github);
}

#[test]
fn a_broken_docs_link_or_anchor_is_reported_at_the_link() {
    let dir = framework_copy();
    let page = dir.path().join("docs/reference/live.md");
    let mut text = std::fs::read_to_string(&page).unwrap();
    let line = text.lines().count() as u32 + 2;
    text.push_str(
        "\nSee [the gone page](gone.md) and [a missing heading](templates.md#no-such-heading).\n",
    );
    std::fs::write(&page, text).unwrap();
    assert_reported(dir.path(), "Z0319", "docs/reference/live.md", line, None);
    let (_, json, _) = gate(dir.path(), &["--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let broken: Vec<&str> = value["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "Z0319")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(broken.len(), 2, "{broken:#?}");
    assert!(broken[0].contains("gone.md") && broken[1].contains("#no-such-heading"), "{broken:#?}");
}

/// In an app, the router and the theme's stylesheet must be what their tables generate, and
/// a theme whose text is unreadable is reported at its cell.
#[test]
fn an_apps_generated_router_and_theme_are_checked_against_their_tables() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("spec")).unwrap();
    std::fs::write(
        root.join("spec/routes.tsv"),
        "method\tpath\tkind\ttarget\tpipeline\tscope\tname\nGET\t/\tlive\tweb::Home\tbrowser\t/\thome\n",
    )
    .unwrap();
    let theme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates/app/spec/theme.tsv.tmpl"),
    )
    .unwrap();
    std::fs::write(root.join("spec/theme.tsv"), &theme).unwrap();
    let outputs = zerogen::app::emit_app(root).unwrap();
    zerogen::generate::write(root, &outputs).unwrap();
    let (exit, human, _) = gate(root, &[]);
    assert_eq!(exit, 0, "{human}");
    // A hand edit of the stylesheet is stale.
    let css = root.join("web/assets/theme.css");
    let text = std::fs::read_to_string(&css).unwrap();
    std::fs::write(&css, text.replacen("--bg: #ffffff;", "--bg: #fafafa;", 1)).unwrap();
    let line = text.lines().position(|l| l.contains("--bg: #ffffff;")).unwrap() as u32 + 1;
    assert_reported(root, "Z0201", "web/assets/theme.css", line, None);
    // Secondary text too pale to read on the page.
    let muted = theme.lines().position(|l| l.starts_with("muted\t")).unwrap() as u32 + 1;
    std::fs::write(root.join("spec/theme.tsv"), theme.replace("muted\t#57606a", "muted\t#c0c0c0"))
        .unwrap();
    assert_reported(root, "Z0108", "spec/theme.tsv", muted, None);
}
