//! Output formats: human, JSON, SARIF 2.1.0, JUnit XML and GitHub workflow commands. Every
//! format is deterministic: the same project gives byte-identical output.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use quick_xml::escape::escape;
use zero_diag::{Diagnostic, SourceCache};

use crate::baseline::fingerprint;
use crate::check::RowSummary;

/// The output formats of `zerogate check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Source excerpts with the span underlined, then a summary.
    Human,
    /// One JSON object with `findings` and `summary`.
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// JUnit XML, one test case per ledger row.
    Junit,
    /// GitHub Actions workflow commands.
    Github,
}

/// Counts for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Ledger rows.
    pub rows: usize,
    /// Rows by status.
    pub planned: usize,
    /// Rows by status.
    pub experimental: usize,
    /// Rows by status.
    pub stable: usize,
    /// Rows by status: measured and known to miss their budget (each with an ADR).
    pub failing: usize,
    /// Findings reported (after the baseline).
    pub findings: usize,
    /// Findings the baseline excused.
    pub baselined: usize,
    /// Tests in the test report, when one was given.
    pub tests_in_report: Option<usize>,
}

impl Summary {
    /// Counts `rows` and `findings`.
    pub fn new(
        rows: &[RowSummary],
        findings: &[Diagnostic],
        baselined: usize,
        tests: Option<usize>,
    ) -> Summary {
        let count = |s: &str| rows.iter().filter(|r| r.status == s).count();
        Summary {
            rows: rows.len(),
            planned: count("planned"),
            experimental: count("experimental"),
            stable: count("stable"),
            failing: count("failing"),
            findings: findings.len(),
            baselined,
            tests_in_report: tests,
        }
    }

    fn line(&self) -> String {
        let failing = if self.failing > 0 {
            format!(", {} failing (known misses, see their ADRs)", self.failing)
        } else {
            String::new()
        };
        let mut s = format!(
            "{} rows: {} stable, {} experimental{failing}, {} planned (not done); {} finding{}",
            self.rows,
            self.stable,
            self.experimental,
            self.planned,
            self.findings,
            if self.findings == 1 { "" } else { "s" }
        );
        if self.baselined > 0 {
            let _ = write!(s, ", {} excused by the baseline", self.baselined);
        }
        if let Some(n) = self.tests_in_report {
            let _ = write!(s, "; {n} tests in the report");
        }
        s
    }
}

/// Renders the findings in `format`.
pub fn render(
    format: Format,
    findings: &[Diagnostic],
    rows: &[RowSummary],
    summary: &Summary,
    sources: &mut SourceCache,
) -> String {
    match format {
        Format::Human => human(findings, summary, sources),
        Format::Json => json(findings, summary),
        Format::Sarif => sarif(findings),
        Format::Junit => junit(findings, rows),
        Format::Github => github(findings, summary),
    }
}

fn human(findings: &[Diagnostic], summary: &Summary, sources: &mut SourceCache) -> String {
    let mut out = zero_diag::render_all(findings, sources);
    let _ = writeln!(out, "zerogate: {}", summary.line());
    out
}

fn json(findings: &[Diagnostic], summary: &Summary) -> String {
    let items: Vec<serde_json::Value> = findings
        .iter()
        .map(|d| {
            serde_json::json!({
                "code": d.code.id,
                "name": d.code.name,
                "severity": d.severity.as_str(),
                "file": d.location.file,
                "line": d.location.line,
                "column": d.location.column,
                "message": d.message,
                "help": d.help,
                "row_id": d.row_id,
                "notes": d.notes,
                "fingerprint": fingerprint(d),
            })
        })
        .collect();
    let value = serde_json::json!({ "findings": items, "summary": summary });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn sarif(findings: &[Diagnostic]) -> String {
    let rules: Vec<serde_json::Value> = zero_diag::codes::ALL
        .iter()
        .map(|c| {
            serde_json::json!({
                "id": c.id,
                "name": c.name,
                "shortDescription": { "text": c.summary },
                "help": { "text": c.help },
                "helpUri": format!("docs/reference/diagnostics.md#{}", c.id),
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .map(|d| {
            let mut physical = serde_json::json!({
                "artifactLocation": { "uri": d.location.file, "uriBaseId": "%SRCROOT%" },
            });
            if d.location.line > 0 {
                physical["region"] = serde_json::json!({
                    "startLine": d.location.line,
                    "startColumn": d.location.column.max(1),
                    "endColumn": d.location.column.max(1) + d.location.len.max(1),
                });
            }
            let rule_index =
                zero_diag::codes::ALL.iter().position(|c| c.id == d.code.id).unwrap_or(0);
            let mut text = d.message.clone();
            if let Some(row) = &d.row_id {
                let _ = write!(text, " (ledger row `{row}`)");
            }
            serde_json::json!({
                "ruleId": d.code.id,
                "ruleIndex": rule_index,
                "level": d.severity.as_str(),
                "message": { "text": format!("{text}\nhelp: {}", d.help) },
                "locations": [{ "physicalLocation": physical }],
                "partialFingerprints": { "zerogate/v1": fingerprint(d) },
            })
        })
        .collect();
    let value = serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "zerogate",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://example.invalid/0x0-live/docs/reference/diagnostics.md",
                "rules": rules,
            }},
            "originalUriBaseIds": { "%SRCROOT%": { "description": { "text": "the project root" } } },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&value).unwrap_or_default() + "\n"
}

fn junit(findings: &[Diagnostic], rows: &[RowSummary]) -> String {
    let mut by_row: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    let mut by_file: BTreeMap<&str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in findings {
        match d.row_id.as_deref() {
            Some(id) => by_row.entry(id).or_default().push(d),
            None => by_file.entry(d.location.file.as_str()).or_default().push(d),
        }
    }
    let mut cases = String::new();
    let mut failures = 0;
    let mut count = 0;
    let mut case = |classname: &str, name: &str, found: &[&Diagnostic], skipped: bool| {
        count += 1;
        let _ = write!(
            cases,
            "    <testcase classname=\"{}\" name=\"{}\"",
            escape(classname),
            escape(name)
        );
        if found.is_empty() && !skipped {
            cases.push_str("/>\n");
            return;
        }
        cases.push_str(">\n");
        if found.is_empty() {
            cases.push_str("      <skipped message=\"planned\"/>\n");
        } else {
            failures += 1;
            let first = found[0];
            let body: Vec<String> = found.iter().map(|d| d.headline()).collect();
            let _ = writeln!(
                cases,
                "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                first.code.id,
                escape(first.headline().as_str()),
                escape(body.join("\n").as_str())
            );
        }
        cases.push_str("    </testcase>\n");
    };
    for row in rows {
        let found = by_row.remove(row.id.as_str()).unwrap_or_default();
        case(&row.file, &row.id, &found, row.status == "planned");
    }
    // Findings for rows the ledger lacks (e.g. an uncovered budget) get a case of their own.
    for (id, found) in &by_row {
        case(&found[0].location.file, id, found, false);
    }
    for (file, found) in &by_file {
        case(file, "file", found, false);
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"zerogate\" tests=\"{count}\" failures=\"{failures}\">\n  <testsuite name=\"zerogate check\" tests=\"{count}\" failures=\"{failures}\">\n{cases}  </testsuite>\n</testsuites>\n"
    )
}

/// Escapes workflow-command data (`%`, CR, LF).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes workflow-command properties (data escapes plus `:` and `,`).
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn github(findings: &[Diagnostic], summary: &Summary) -> String {
    let mut out = String::new();
    for d in findings {
        let mut props = format!("file={}", gh_property(&d.location.file));
        if d.location.line > 0 {
            let _ = write!(
                props,
                ",line={},col={},endColumn={}",
                d.location.line,
                d.location.column,
                d.location.column + d.location.len
            );
        }
        let title = match &d.row_id {
            Some(row) => format!("{} {} ({row})", d.code.id, d.code.name),
            None => format!("{} {}", d.code.id, d.code.name),
        };
        let _ = write!(props, ",title={}", gh_property(&title));
        let _ = writeln!(
            out,
            "::error {props}::{}",
            gh_data(&format!("{}\nhelp: {}", d.message, d.help))
        );
    }
    let _ = writeln!(out, "::notice title=zerogate::{}", gh_data(&summary.line()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use zero_diag::{Location, codes};

    fn sample() -> (Vec<Diagnostic>, Vec<RowSummary>) {
        let findings = vec![
            Diagnostic::error(
                codes::SYMBOL_MISSING,
                Location::span("release/s.tsv", 3, 12, 20),
                "a.rs does not define `x, y: <z>`",
            )
            .with_row("gate.x"),
            Diagnostic::error(
                codes::GENERATED_STALE,
                Location::span("generated/w.rs", 5, 1, 1),
                "100% stale\nreally",
            ),
        ];
        let rows = vec![
            RowSummary {
                id: "gate.x".into(),
                file: "release/s.tsv".into(),
                line: 3,
                status: "stable",
            },
            RowSummary {
                id: "gate.ok".into(),
                file: "release/s.tsv".into(),
                line: 4,
                status: "experimental",
            },
            RowSummary {
                id: "gate.later".into(),
                file: "release/s.tsv".into(),
                line: 5,
                status: "planned",
            },
        ];
        (findings, rows)
    }

    #[test]
    fn github_commands_escape_properties_and_data() {
        let (findings, rows) = sample();
        let out = github(&findings, &Summary::new(&rows, &findings, 0, None));
        let first = out.lines().next().unwrap();
        assert_eq!(
            first,
            "::error file=release/s.tsv,line=3,col=12,endColumn=32,title=Z0302 symbol-missing (gate.x)::a.rs does not define `x, y: <z>`%0Ahelp: name a fn, struct, enum, trait, const, static, mod, type, macro_rules or `Type::method` defined in the file"
        );
        assert!(out.contains("::100%25 stale%0Areally%0Ahelp"), "{out}");
    }

    #[test]
    fn sarif_has_the_fields_code_scanning_requires() {
        let (findings, _) = sample();
        let value: serde_json::Value = serde_json::from_str(&sarif(&findings)).unwrap();
        assert_eq!(value["version"], "2.1.0");
        let run = &value["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "zerogate");
        assert!(run["tool"]["driver"]["rules"].as_array().unwrap().len() >= 20);
        let result = &run["results"][0];
        assert_eq!(result["ruleId"], "Z0302");
        let rule_index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(run["tool"]["driver"]["rules"][rule_index]["id"], "Z0302");
        let loc = &result["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], "release/s.tsv");
        assert_eq!(loc["region"]["startLine"], 3);
        assert_eq!(loc["region"]["startColumn"], 12);
        assert!(result["partialFingerprints"]["zerogate/v1"].as_str().unwrap().len() == 16);
        assert!(result["message"]["text"].as_str().unwrap().contains("gate.x"));
    }

    #[test]
    fn junit_has_one_case_per_row_and_escapes() {
        let (findings, rows) = sample();
        let xml = junit(&findings, &rows);
        assert!(xml.contains("tests=\"4\" failures=\"2\""), "{xml}");
        assert!(xml.contains("<testcase classname=\"release/s.tsv\" name=\"gate.ok\"/>"), "{xml}");
        assert!(xml.contains("<skipped message=\"planned\"/>"), "{xml}");
        assert!(xml.contains("`x, y: &lt;z&gt;`"), "{xml}");
        assert!(xml.contains("name=\"file\""), "findings without a row get a case per file: {xml}");
        // The report parses as JUnit with the same outcomes.
        let report = crate::testreport::TestReport::parse(&xml).unwrap();
        assert_eq!(report.len(), 4);
    }

    #[test]
    fn json_has_findings_and_summary() {
        let (findings, rows) = sample();
        let summary = Summary::new(&rows, &findings, 1, Some(10));
        let value: serde_json::Value = serde_json::from_str(&json(&findings, &summary)).unwrap();
        assert_eq!(value["findings"][0]["code"], "Z0302");
        assert_eq!(value["findings"][0]["row_id"], "gate.x");
        assert_eq!(value["findings"][0]["line"], 3);
        assert_eq!(value["summary"]["planned"], 1);
        assert_eq!(value["summary"]["baselined"], 1);
        assert!(summary.line().contains("1 planned (not done)"));
    }
}
