//! `--record`: a suite run `--runs` times, each in a fresh process, aggregated into evidence.
//!
//! The parent re-runs its own command line without `--record` (and `--runs`), with
//! [`ROWS_ENV`] naming a file: the child's `report` writes its rows there as JSON instead of
//! printing them. Every figure is then recorded as the median of the runs with its min and max,
//! the number of runs that missed its budget, the sources' hash and a digest over it all, which
//! `zerogate check` recomputes (see docs/guide/benchmarks.md).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use zero_spec::tables::{Budget, CommaList, EvidenceRow, Unit};
use zerogen::term::Printer;

use crate::{Measure, median, round};

/// The environment variable that makes a suite hand its rows to the recording parent.
pub(crate) const ROWS_ENV: &str = "ZERO_BENCH_ROWS";

/// Writes one run's rows for the parent.
pub(crate) fn hand_over(path: &Path, sources: &[&str], measures: &[Measure]) -> Result<()> {
    let rows: Vec<Value> = measures
        .iter()
        .map(|m| {
            json!({"case": m.case, "subject": m.subject, "metric": m.metric, "value": m.value,
                   "unit": m.unit, "budget": m.budget})
        })
        .collect();
    let text = json!({"sources": sources, "rows": rows}).to_string();
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// One run as the child handed it over.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    pub(crate) sources: Vec<String>,
    pub(crate) rows: Vec<RunRow>,
}

/// One figure of one run.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunRow {
    pub(crate) case: String,
    pub(crate) subject: String,
    pub(crate) metric: String,
    pub(crate) value: f64,
    pub(crate) unit: String,
    pub(crate) budget: Option<String>,
}

pub(crate) fn parse_run(text: &str) -> Result<Run> {
    let value: Value = serde_json::from_str(text).context("a run's rows are JSON")?;
    let strings = |v: &Value| -> Result<Vec<String>> {
        v.as_array()
            .context("a list")?
            .iter()
            .map(|s| s.as_str().map(str::to_owned).context("a string"))
            .collect()
    };
    let text_of = |row: &Value, key: &str| -> Result<String> {
        row[key].as_str().map(str::to_owned).with_context(|| format!("a row's {key}"))
    };
    let mut rows = Vec::new();
    for row in value["rows"].as_array().context("rows")? {
        rows.push(RunRow {
            case: text_of(row, "case")?,
            subject: text_of(row, "subject")?,
            metric: text_of(row, "metric")?,
            value: row["value"].as_f64().context("a row's value is a number")?,
            unit: text_of(row, "unit")?,
            budget: row["budget"].as_str().map(str::to_owned),
        });
    }
    Ok(Run { sources: strings(&value["sources"]).context("sources")?, rows })
}

/// This process's arguments without `--record` and `--runs N` (or `--runs=N`): one run.
fn child_args() -> Vec<OsString> {
    let mut out = Vec::new();
    let mut args = std::env::args_os().skip(1);
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy();
        if text == "--record" || text.starts_with("--runs=") {
            continue;
        }
        if text == "--runs" {
            args.next();
            continue;
        }
        out.push(arg);
    }
    out
}

/// Runs the suite `runs` times in fresh processes and writes `release/evidence/<suite>.tsv`.
pub(crate) fn record(printer: &Printer, suite: &str, runs: u32) -> Result<()> {
    let root = zerogen::find_root(&std::env::current_dir()?)
        .context("run from inside the repository to record evidence")?;
    let exe = std::env::current_exe().context("locating zero-bench")?;
    let dir = tempfile::tempdir().context("creating a temporary folder")?;
    let mut collected = Vec::new();
    for i in 1..=runs {
        printer.status("Running", &format!("{suite}, run {i} of {runs} (a fresh process)"));
        let rows = dir.path().join(format!("run-{i}.json"));
        let status = Command::new(&exe)
            .args(child_args())
            .env(ROWS_ENV, &rows)
            .status()
            .context("starting a run")?;
        if !status.success() {
            bail!("run {i} of {runs} failed ({status}); nothing was recorded");
        }
        let text =
            std::fs::read_to_string(&rows).with_context(|| format!("run {i} left no rows"))?;
        collected.push(parse_run(&text).with_context(|| format!("run {i}"))?);
    }
    let budgets = zero_spec::checks::load_file::<Budget>(&root, "spec/budgets.tsv");
    if let Some(d) = budgets.diagnostics.first() {
        bail!("spec/budgets.tsv: {}", d.headline());
    }
    let budgets: BTreeMap<String, Budget> =
        budgets.rows.into_iter().map(|r| (r.value.id.clone(), r.value)).collect();
    let hash = zerogate::evidence::source_hash(&root, &collected[0].sources)
        .map_err(|e| anyhow::anyhow!(e))?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let note = format!("{} on {cpus} cpus", crate::utc_now());
    let rows = aggregate(suite, &collected, &budgets, &hash, &note)?;
    let rel = format!("release/evidence/{suite}.tsv");
    std::fs::write(root.join(&rel), render(suite, &rows))
        .with_context(|| format!("writing {rel}"))?;
    let mut out = String::from("id\tvalue\tmin\tmax\tunit\tmisses\n");
    for r in &rows {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}/{}\n",
            r.id,
            r.value,
            r.min,
            r.max,
            r.unit.as_str(),
            r.misses,
            r.runs
        ));
    }
    printer.result(&out);
    printer.status("Recorded", &format!("{rel} (median, min and max of {runs} runs)"));
    Ok(())
}

/// The evidence rows of `runs`: each figure's median, min and max, and the runs that missed its
/// budget. Every run must give the same figures and sources.
pub(crate) fn aggregate(
    suite: &str,
    runs: &[Run],
    budgets: &BTreeMap<String, Budget>,
    hash: &str,
    note: &str,
) -> Result<Vec<EvidenceRow>> {
    let Some(first) = runs.first() else { bail!("no runs") };
    for (i, run) in runs.iter().enumerate() {
        if run.sources != first.sources {
            bail!("run {} measured other sources than run 1", i + 1);
        }
        if run.rows.len() != first.rows.len() {
            bail!("run {} gave {} figures, run 1 gave {}", i + 1, run.rows.len(), first.rows.len());
        }
    }
    let mut out = Vec::new();
    for row in &first.rows {
        let mut values = Vec::new();
        for (i, run) in runs.iter().enumerate() {
            let same = run
                .rows
                .iter()
                .find(|r| r.case == row.case && r.subject == row.subject && r.metric == row.metric);
            let Some(same) = same else {
                bail!("run {} has no figure {}.{} ({})", i + 1, row.case, row.metric, row.subject);
            };
            values.push(same.value);
        }
        let unit: Unit = serde_json::from_value(Value::from(row.unit.as_str()))
            .with_context(|| format!("unit `{}` of {}", row.unit, row.metric))?;
        let misses = match &row.budget {
            Some(id) => {
                let budget = budgets.get(id).with_context(|| {
                    format!(
                        "{}.{} names budget `{id}`, which spec/budgets.tsv lacks",
                        row.case, row.metric
                    )
                })?;
                values.iter().filter(|v| !budget.comparison.holds(**v, budget.budget)).count()
            }
            None => 0,
        };
        let min = values.iter().copied().fold(f64::INFINITY, f64::min);
        let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let mut evidence = EvidenceRow {
            id: format!("{suite}.{}.{}", row.case, row.metric),
            suite: suite.to_owned(),
            case: row.case.clone(),
            subject: row.subject.clone(),
            metric: row.metric.clone(),
            value: round(median(values.clone())),
            min: round(min),
            max: round(max),
            runs: u32::try_from(values.len())?,
            misses: u32::try_from(misses)?,
            unit,
            budget: row.budget.clone(),
            sources: CommaList(first.sources.clone()),
            hash: hash.to_owned(),
            digest: String::new(),
            recorded: note.to_owned(),
        };
        evidence.digest = zerogate::evidence::digest(&evidence);
        out.push(evidence);
    }
    Ok(out)
}

/// The evidence file's text.
pub(crate) fn render(suite: &str, rows: &[EvidenceRow]) -> String {
    let mut text = format!(
        "# Recorded by `cargo run --release -p zero-bench -- {suite} --record`; do not edit (zerogate checks each row's digest).\n\
         id\tsuite\tcase\tsubject\tmetric\tvalue\tmin\tmax\truns\tmisses\tunit\tbudget\tsources\thash\tdigest\trecorded\n",
    );
    for r in rows {
        text.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            r.id,
            r.suite,
            r.case,
            r.subject,
            r.metric,
            r.value,
            r.min,
            r.max,
            r.runs,
            r.misses,
            r.unit.as_str(),
            r.budget.as_deref().unwrap_or(""),
            r.sources.items().join(","),
            r.hash,
            r.digest,
            r.recorded
        ));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(values: &[(&str, f64)]) -> Run {
        Run {
            sources: vec!["bench/zero-bench/src/record.rs".into()],
            rows: values
                .iter()
                .map(|(metric, value)| RunRow {
                    case: "c".into(),
                    subject: "zero_live".into(),
                    metric: (*metric).into(),
                    value: *value,
                    unit: "ms".into(),
                    budget: (*metric == "p50").then(|| "b.p50".to_owned()),
                })
                .collect(),
        }
    }

    fn budgets() -> BTreeMap<String, Budget> {
        let text = "id\tmetric\tunit\tcomparison\tbudget\tbench\tsummary\n\
                    b.p50\tp50\tms\tlte\t1\tx/c\tA p50.\n";
        let table: zero_spec::Table<Budget> = zero_spec::tsv::load("spec/budgets.tsv", text);
        assert!(table.diagnostics.is_empty(), "{:?}", table.diagnostics);
        table.rows.into_iter().map(|r| (r.value.id.clone(), r.value)).collect()
    }

    #[test]
    fn runs_become_medians_with_their_range_misses_and_a_digest() {
        let runs: Vec<Run> = [0.5, 1.2, 0.7, 0.9, 1.1]
            .iter()
            .map(|v| run(&[("p50", *v), ("bytes", 10.0)]))
            .collect();
        let hash = "a".repeat(64);
        let rows = aggregate("live", &runs, &budgets(), &hash, "now").unwrap();
        let p50 = &rows[0];
        assert_eq!((p50.value, p50.min, p50.max, p50.runs, p50.misses), (0.9, 0.5, 1.2, 5, 2));
        assert_eq!(p50.id, "live.c.p50");
        assert_eq!(p50.digest, zerogate::evidence::digest(p50));
        assert_eq!(rows[1].misses, 0, "no budget, no misses");
        // What is written parses back into the same rows, digests intact.
        let text = render("live", &rows);
        let table: zero_spec::Table<EvidenceRow> = zero_spec::tsv::load("e.tsv", &text);
        assert!(table.diagnostics.is_empty(), "{:?}", table.diagnostics);
        for (parsed, written) in table.rows.iter().zip(&rows) {
            assert_eq!(&parsed.value, written);
            assert_eq!(zerogate::evidence::digest(&parsed.value), written.digest);
        }
    }

    #[test]
    fn runs_that_disagree_or_name_unknown_budgets_record_nothing() {
        let hash = "a".repeat(64);
        let mut runs = vec![run(&[("p50", 0.5)]), run(&[("p99", 0.5)])];
        let err = aggregate("live", &runs, &budgets(), &hash, "now").unwrap_err();
        assert!(err.to_string().contains("run 2 has no figure c.p50"), "{err}");
        runs[1] = run(&[("p50", 0.5), ("extra", 1.0)]);
        let err = aggregate("live", &runs, &budgets(), &hash, "now").unwrap_err();
        assert!(err.to_string().contains("run 2 gave 2 figures"), "{err}");
        let agreeing = vec![run(&[("p50", 0.5)]), run(&[("p50", 0.6)])];
        let err = aggregate("live", &agreeing, &BTreeMap::new(), &hash, "now").unwrap_err();
        assert!(err.to_string().contains("names budget `b.p50`"), "{err}");
        assert!(parse_run("{\"rows\": [{\"case\": 1}]}").is_err());
        let text = "{\"sources\": [\"a\"], \"rows\": [{\"case\": \"c\", \"subject\": \"s\", \
                    \"metric\": \"m\", \"value\": 2.5, \"unit\": \"ms\", \"budget\": null}]}";
        assert_eq!(parse_run(text).unwrap().rows[0].value, 2.5);
    }
}
