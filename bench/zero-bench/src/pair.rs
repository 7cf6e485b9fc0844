//! Two sides of one comparison, each the counter served as an app serves it (`counter
//! --endpoint`): the `checks` suite (the checks on, and compiled out) and the `logs` suite
//! (`INFO` logging to a file, and logging off).
//!
//! - Budgeted: the instructions the server executes per unit of work (a click round trip, a
//!   visit, a page), counted by callgrind: a run of N units minus a run of M, over N - M, so
//!   start, warm-up and shutdown cancel out. Counts repeat run after run whatever else the
//!   machine does; the ratio of the first side over the second is the budgeted figure
//!   (`SUITE.counter.METRIC_vs_OTHER`).
//! - Context: latencies at the median with the live suite's client, in blocks ordered first,
//!   second, second, first (twice), each figure the median of its blocks.

use std::ffi::OsString;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use crate::live::{self, Latencies, Subject};
use crate::{Measure, median};

/// The order the two sides run in: 0 the first, 1 the second.
const ORDER: [usize; 8] = [0, 1, 1, 0, 0, 1, 1, 0];

/// One side: a counter binary and how it runs.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    pub(crate) subject: Subject,
    /// Its environment.
    pub(crate) env: Vec<(&'static str, String)>,
    /// Where its standard output goes (discarded when `None`).
    pub(crate) stdout: Option<PathBuf>,
}

impl Side {
    async fn start(&self, wrap: &[OsString]) -> Result<live::Server> {
        let launch = live::Launch {
            wrap,
            args: &["--endpoint"],
            env: &self.env,
            stdout: self.stdout.as_deref(),
        };
        live::start_with(&self.subject, &launch).await
    }
}

/// What the second side is called: its evidence subject (`zero_live_unchecked`) and the
/// word its metrics and the ratios name it by (`unchecked`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Other {
    pub(crate) subject: &'static str,
    pub(crate) word: &'static str,
}

/// What a callgrind run does after its warm-up.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Work {
    /// Click round trips of one session.
    Clicks,
    /// The page, then a socket opened, joined and closed.
    Visits,
    /// The page alone (the dead render).
    Pages,
}

/// One figure of a block's latencies.
pub(crate) type Figure = fn(&Latencies) -> f64;

/// Latencies of both sides in blocks ([`ORDER`]).
pub(crate) fn latency_runs(
    runtime: &tokio::runtime::Runtime,
    sides: &[Side; 2],
    quick: bool,
) -> Result<[Vec<Latencies>; 2]> {
    let mut runs: [Vec<Latencies>; 2] = [Vec::new(), Vec::new()];
    for which in ORDER {
        let side = &sides[which];
        let latencies = runtime.block_on(async {
            let server = side.start(&[]).await?;
            live::latencies(&side.subject, server.port, quick).await
        })?;
        runs[which].push(latencies);
    }
    Ok(runs)
}

/// Per side, the instructions per unit of each of `works` (its callgrind runs' unit counts).
pub(crate) fn instruction_counts(
    runtime: &tokio::runtime::Runtime,
    sides: &[Side; 2],
    works: [(Work, (usize, usize)); 2],
) -> Result<[(f64, f64); 2]> {
    let mut counts = [(0.0, 0.0); 2];
    for (side, count) in sides.iter().zip(&mut counts) {
        *count = runtime.block_on(async {
            let first = per_unit(side, works[0].0, works[0].1).await?;
            let second = per_unit(side, works[1].0, works[1].1).await?;
            Ok::<_, anyhow::Error>((first, second))
        })?;
    }
    Ok(counts)
}

/// Instructions the server of `side` executes per unit of `work`: callgrind runs of `few`
/// and `many` units, the difference over `many - few`.
pub(crate) async fn per_unit(side: &Side, work: Work, (few, many): (usize, usize)) -> Result<f64> {
    let (a, b) = (instructions(side, work, few).await?, instructions(side, work, many).await?);
    if b <= a {
        bail!("{work:?}: {b} instructions for {many} units, not more than {a} for {few}");
    }
    Ok((b - a) as f64 / (many - few) as f64)
}

/// The instructions the server of `side` executes, under callgrind, from its start through a
/// warm-up (two visits, five clicks) and `n` units of `work` to its exit on SIGINT.
async fn instructions(side: &Side, work: Work, n: usize) -> Result<u64> {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("callgrind.out");
    let wrap = ["valgrind", "--tool=callgrind", "--quiet"]
        .map(OsString::from)
        .into_iter()
        .chain([format!("--callgrind-out-file={}", out.display()).into()])
        .collect::<Vec<_>>();
    let server = side
        .start(&wrap)
        .await
        .context("starting the counter under valgrind (apt-get install valgrind)")?;
    let (subject, port) = (&side.subject, server.port);
    live::visits(subject, port, 2).await?;
    live::clicks(subject, port, 5).await?;
    match work {
        Work::Clicks => live::clicks(subject, port, n).await?,
        Work::Visits => live::visits(subject, port, n).await?,
        Work::Pages => live::pages(subject, port, n).await?,
    }
    server.interrupt().await?;
    crate::templates::callgrind_total(&std::fs::read_to_string(&out)?)
}

/// Per metric, the first side's instruction count, the second's, and the first over the
/// second, budgeted as `SUITE.counter.METRIC_vs_WORD`.
pub(crate) fn instruction_measures(
    suite: &str,
    other: Other,
    counts: &[(&str, f64, f64)],
) -> Vec<Measure> {
    let mut out = Vec::new();
    for &(metric, first, second) in counts {
        out.push(Measure::new("counter", "zero_live", metric, first, "count", None));
        let named = format!("{}_{metric}", other.word);
        out.push(Measure::new("counter", other.subject, &named, second, "count", None));
        let ratio = format!("{metric}_vs_{}", other.word);
        let budget = format!("{suite}.counter.{ratio}");
        out.push(Measure::new(
            "counter",
            "zero_live",
            &ratio,
            first / second,
            "ratio",
            Some(&budget),
        ));
    }
    out
}

/// Per figure, both sides' medians over their blocks and the first over the second (context:
/// wall-clock medians on a shared VM move by more than the 5% budgeted on instructions).
pub(crate) fn latency_measures(
    other: Other,
    runs: &[Vec<Latencies>; 2],
    figures: &[(&str, Figure)],
) -> Vec<Measure> {
    let figure = |which: usize, of: Figure| median(runs[which].iter().map(of).collect());
    let mut out = Vec::new();
    for &(metric, of) in figures {
        let (first, second) = (figure(0, of), figure(1, of));
        out.push(Measure::new("counter", "zero_live", metric, first, "ms", None));
        let named = format!("{}_{metric}", other.word);
        out.push(Measure::new("counter", other.subject, &named, second, "ms", None));
        let ratio = format!("{metric}_vs_{}", other.word);
        out.push(Measure::new("counter", "zero_live", &ratio, first / second, "ratio", None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNCHECKED: Other = Other { subject: "zero_live_unchecked", word: "unchecked" };

    #[test]
    fn figures_are_medians_of_blocks_and_the_instruction_ratios_are_budgeted() {
        let l = |join, click| Latencies {
            join_after_get_p50_ms: join,
            click_p50_ms: click,
            ..Latencies::default()
        };
        let runs = [vec![l(0.30, 0.10), l(0.34, 0.12)], vec![l(0.30, 0.10), l(0.30, 0.10)]];
        let figures: [(&str, Figure); 2] = [
            ("join_after_get_p50", |l| l.join_after_get_p50_ms),
            ("click_p50", |l| l.click_p50_ms),
        ];
        let measures = latency_measures(UNCHECKED, &runs, &figures);
        let find = |metric: &str| measures.iter().find(|m| m.metric == metric).unwrap();
        assert_eq!(find("click_p50").value, 0.11);
        assert_eq!(find("unchecked_click_p50").subject, "zero_live_unchecked");
        let ratio = find("click_p50_vs_unchecked");
        assert_eq!((ratio.value, ratio.budget.as_deref()), (1.1, None));
        assert_eq!(find("join_after_get_p50_vs_unchecked").value, 1.067);
        let counts = instruction_measures(
            "checks",
            UNCHECKED,
            &[
                ("click_instructions", 102_000.0, 100_000.0),
                ("visit_instructions", 510_000.0, 500_000.0),
            ],
        );
        let find = |metric: &str| counts.iter().find(|m| m.metric == metric).unwrap();
        let clicks = find("click_instructions_vs_unchecked");
        assert_eq!(clicks.value, 1.02);
        assert_eq!(
            clicks.budget.as_deref(),
            Some("checks.counter.click_instructions_vs_unchecked")
        );
        assert_eq!(find("unchecked_visit_instructions").value, 500_000.0);
        assert_eq!(find("visit_instructions_vs_unchecked").unit, "ratio");
    }
}
