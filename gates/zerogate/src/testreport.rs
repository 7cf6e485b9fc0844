//! Test reports given with `--test-report`: nextest's JUnit XML or libtest's JSON lines.

use std::collections::BTreeMap;

use quick_xml::events::Event;

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Ran and passed.
    Passed,
    /// Was skipped or ignored: it did not run.
    Skipped,
    /// Ran and failed.
    Failed,
}

/// Outcomes by (suite, test name). The suite is the JUnit test suite (nextest: the crate and
/// binary, e.g. `zerogen::generate`) and empty for libtest JSON.
#[derive(Debug, Default, Clone)]
pub struct TestReport {
    outcomes: BTreeMap<(String, String), Outcome>,
}

impl TestReport {
    /// Parses a report, telling the format by its first non-blank character.
    pub fn parse(text: &str) -> Result<TestReport, String> {
        if text.trim_start().starts_with('<') {
            parse_junit(text)
        } else {
            parse_libtest_json(text)
        }
    }

    /// Number of tests in the report.
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// True when the report holds no test.
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }

    /// The outcome of a test given by its in-file path (`tests::name`) and, where known, the
    /// package that owns the file; `None` when no such test ran.
    ///
    /// A test matches when its reported name equals the path or ends with `::path`, and its
    /// suite is the package or one of its binaries. Of several matches the worst outcome wins.
    pub fn outcome(&self, package: Option<&str>, paths: &[&str]) -> Option<Outcome> {
        self.outcomes
            .iter()
            .filter(|((suite, name), _)| {
                let suite_ok = match package {
                    Some(p) if !suite.is_empty() => {
                        suite == p
                            || suite.strip_prefix(p).is_some_and(|rest| rest.starts_with("::"))
                    }
                    _ => true,
                };
                suite_ok
                    && paths.iter().any(|path| {
                        name == path
                            || name.strip_suffix(path).is_some_and(|prefix| prefix.ends_with("::"))
                    })
            })
            .map(|(_, outcome)| *outcome)
            .max()
    }
}

fn parse_junit(text: &str) -> Result<TestReport, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut report = TestReport::default();
    let mut suite = String::new();
    let mut current: Option<(String, Outcome)> = None;
    loop {
        let event = reader.read_event().map_err(|e| format!("invalid JUnit XML: {e}"))?;
        match event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == "testsuite" => {
                suite = attribute(&e, "name")?.unwrap_or_default();
            }
            Event::Start(e) if e.name().as_ref() == "testcase" => {
                let name = attribute(&e, "name")?.ok_or("a <testcase> has no name")?;
                current = Some((name, Outcome::Passed));
            }
            Event::Empty(e) if e.name().as_ref() == "testcase" => {
                let name = attribute(&e, "name")?.ok_or("a <testcase> has no name")?;
                report.record(&suite, name, Outcome::Passed);
            }
            Event::Start(e) | Event::Empty(e) => {
                if let Some((_, outcome)) = &mut current {
                    match e.name().as_ref() {
                        "failure" | "error" | "flakyFailure" => *outcome = Outcome::Failed,
                        "skipped" => *outcome = (*outcome).max(Outcome::Skipped),
                        _ => {}
                    }
                }
            }
            Event::End(e) if e.name().as_ref() == "testcase" => {
                if let Some((name, outcome)) = current.take() {
                    report.record(&suite, name, outcome);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(report)
}

fn attribute(e: &quick_xml::events::BytesStart<'_>, key: &str) -> Result<Option<String>, String> {
    for attr in e.attributes() {
        let attr = attr.map_err(|err| format!("invalid JUnit XML attribute: {err}"))?;
        if attr.key.as_ref() == key {
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| format!("invalid JUnit XML value: {err}"))?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

fn parse_libtest_json(text: &str) -> Result<TestReport, String> {
    let mut report = TestReport::default();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(line)
            .map_err(|e| format!("line {}: not libtest JSON: {e}", i + 1))?;
        if value.get("type").and_then(|v| v.as_str()) != Some("test") {
            continue;
        }
        let Some(name) = value.get("name").and_then(|v| v.as_str()) else { continue };
        let outcome = match value.get("event").and_then(|v| v.as_str()) {
            Some("ok") => Outcome::Passed,
            Some("failed" | "timeout") => Outcome::Failed,
            Some("ignored") => Outcome::Skipped,
            _ => continue,
        };
        report.record("", name.to_owned(), outcome);
    }
    Ok(report)
}

impl TestReport {
    /// Adds the outcomes of `other` (a test in both keeps its worse outcome).
    pub fn merge(&mut self, other: TestReport) {
        for ((suite, name), outcome) in other.outcomes {
            self.record(&suite, name, outcome);
        }
    }

    fn record(&mut self, suite: &str, name: String, outcome: Outcome) {
        let slot = self.outcomes.entry((suite.to_owned(), name)).or_insert(outcome);
        *slot = (*slot).max(outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JUNIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="nextest-run" tests="4" failures="1">
  <testsuite name="zero-diag" tests="2">
    <testcase name="codes::tests::lookup_by_id_or_name" classname="zero-diag" time="0.001"></testcase>
    <testcase name="render::tests::renders" classname="zero-diag"><failure message="boom" type="test failure">panicked</failure></testcase>
  </testsuite>
  <testsuite name="zerogen::generate" tests="2">
    <testcase name="cli_exit_codes" classname="zerogen::generate"/>
    <testcase name="skipped_one" classname="zerogen::generate"><skipped/></testcase>
  </testsuite>
</testsuites>"#;

    #[test]
    fn junit_outcomes_by_package_and_path() {
        let report = TestReport::parse(JUNIT).unwrap();
        assert_eq!(report.len(), 4);
        assert_eq!(
            report.outcome(Some("zero-diag"), &["tests::lookup_by_id_or_name"]),
            Some(Outcome::Passed)
        );
        assert_eq!(report.outcome(Some("zero-diag"), &["tests::renders"]), Some(Outcome::Failed));
        assert_eq!(report.outcome(Some("zerogen"), &["cli_exit_codes"]), Some(Outcome::Passed));
        assert_eq!(report.outcome(Some("zerogen"), &["skipped_one"]), Some(Outcome::Skipped));
        assert_eq!(report.outcome(Some("zerogate"), &["cli_exit_codes"]), None, "other package");
        assert_eq!(
            report.outcome(Some("zero-diag"), &["ookup_by_id_or_name"]),
            None,
            "whole segments"
        );
    }

    #[test]
    fn libtest_json_outcomes() {
        let text = concat!(
            "{\"type\":\"suite\",\"event\":\"started\",\"test_count\":2}\n",
            "{\"type\":\"test\",\"event\":\"started\",\"name\":\"a::tests::one\"}\n",
            "{\"type\":\"test\",\"event\":\"ok\",\"name\":\"a::tests::one\"}\n",
            "{\"type\":\"test\",\"event\":\"failed\",\"name\":\"a::tests::two\"}\n",
        );
        let report = TestReport::parse(text).unwrap();
        assert_eq!(report.outcome(Some("any"), &["tests::one"]), Some(Outcome::Passed));
        assert_eq!(report.outcome(None, &["tests::two"]), Some(Outcome::Failed));
    }

    #[test]
    fn malformed_reports_are_errors() {
        assert!(TestReport::parse("<testsuites><testcase></testsuites>").is_err());
        assert!(TestReport::parse("not json\n").unwrap_err().contains("line 1"));
    }
}
