//! The `checks` suite: what issue 22's checks cost. The counter example is built twice from
//! the same sources, as usual and with zero-live's `unchecked` feature (the per-frame rate
//! limit, the per-client socket and join limits, the host allow-list and the client address
//! compiled out), and both are served behind the endpoint as an app is (`counter --endpoint`).
//!
//! - Budgeted: the instructions the server executes per click round trip and per visit (a GET,
//!   then a socket opened, joined and closed), counted by callgrind: a run of N units minus a
//!   run of M, over N - M, so start, warm-up and shutdown cancel out. Counts repeat run after
//!   run whatever else the machine does; the ratios checked over unchecked are budgeted at
//!   1.05 (`checks.counter.*_vs_unchecked`).
//! - Context: the join after a GET and a click round trip at the median, with the live suite's
//!   client, in blocks ordered checked, unchecked, unchecked, checked (twice), each figure the
//!   median of its blocks.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use zerogen::term::Printer;

use crate::live::{self, Latencies, Subject};
use crate::{Measure, median, report};

/// What the checks suite measures.
pub(crate) const SOURCES: &[&str] = &[
    "runtime/zero-live/src",
    "examples/counter/src",
    "bench/zero-bench/src/checks.rs",
    "bench/zero-bench/src/live.rs",
];

/// The order the two builds run in: 0 checked, 1 unchecked.
const ORDER: [usize; 8] = [0, 1, 1, 0, 0, 1, 1, 0];

/// Click round trips in callgrind's shorter and longer run.
const CLICKS: (usize, usize) = (50, 550);

/// Visits in callgrind's shorter and longer run.
const VISITS: (usize, usize) = (10, 110);

/// What a callgrind run does after its warm-up.
#[derive(Debug, Clone, Copy)]
enum Work {
    Clicks,
    Visits,
}

pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    if cfg!(debug_assertions) {
        bail!("run the checks suite with --release");
    }
    let root =
        zerogen::find_root(&std::env::current_dir()?).context("run from inside the repository")?;
    // The unchecked build first, copied aside: the plain build then leaves `counter` as usual.
    let unchecked = build_unchecked(&root)?;
    let checked = live::build_counter(&root)?;
    live::pin_client();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let builds = [Subject::ZeroLive(checked), Subject::ZeroLive(unchecked)];
    let mut runs: [Vec<Latencies>; 2] = [Vec::new(), Vec::new()];
    for which in ORDER {
        let latencies = runtime.block_on(async {
            let server = live::start_wrapped(&builds[which], &[], &["--endpoint"]).await?;
            live::latencies(&builds[which], server.port, quick).await
        })?;
        runs[which].push(latencies);
    }
    let mut counts = [(0.0, 0.0); 2];
    for (which, build) in builds.iter().enumerate() {
        counts[which] = runtime.block_on(async {
            let clicks = per_unit(build, Work::Clicks, CLICKS).await?;
            let visits = per_unit(build, Work::Visits, VISITS).await?;
            Ok::<_, anyhow::Error>((clicks, visits))
        })?;
    }
    let mut measures = measures(&runs);
    measures.extend(instruction_measures(counts));
    report(printer, "checks", SOURCES, &measures)
}

/// Instructions the server of `build` executes per unit of `work`: callgrind runs of `few`
/// and `many` units, the difference over `many - few`.
async fn per_unit(build: &Subject, work: Work, (few, many): (usize, usize)) -> Result<f64> {
    let (a, b) = (
        server_instructions(build, work, few).await?,
        server_instructions(build, work, many).await?,
    );
    if b <= a {
        bail!("{work:?}: {b} instructions for {many} units, not more than {a} for {few}");
    }
    Ok((b - a) as f64 / (many - few) as f64)
}

/// The instructions the server of `build` executes, under callgrind, from its start through a
/// warm-up (two visits, five clicks) and `n` units of `work` to its exit on SIGINT.
async fn server_instructions(build: &Subject, work: Work, n: usize) -> Result<u64> {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("callgrind.out");
    let wrap = ["valgrind", "--tool=callgrind", "--quiet"]
        .map(std::ffi::OsString::from)
        .into_iter()
        .chain([format!("--callgrind-out-file={}", out.display()).into()])
        .collect::<Vec<_>>();
    let server = live::start_wrapped(build, &wrap, &["--endpoint"])
        .await
        .context("starting the counter under valgrind (apt-get install valgrind)")?;
    let port = server.port;
    live::visits(build, port, 2).await?;
    live::clicks(build, port, 5).await?;
    match work {
        Work::Clicks => live::clicks(build, port, n).await?,
        Work::Visits => live::visits(build, port, n).await?,
    }
    server.interrupt().await?;
    crate::templates::callgrind_total(&std::fs::read_to_string(&out)?)
}

/// The instruction counts (per click, per visit) of both builds, and the ratios.
fn instruction_measures(counts: [(f64, f64); 2]) -> Vec<Measure> {
    let mut out = Vec::new();
    let metrics = [
        ("click_instructions", counts[0].0, counts[1].0),
        ("visit_instructions", counts[0].1, counts[1].1),
    ];
    for (metric, on, off) in metrics {
        out.push(Measure::new("counter", "zero_live", metric, on, "count", None));
        let unchecked = format!("unchecked_{metric}");
        out.push(Measure::new("counter", "zero_live_unchecked", &unchecked, off, "count", None));
        let ratio = format!("{metric}_vs_unchecked");
        let budget = format!("checks.counter.{ratio}");
        out.push(Measure::new("counter", "zero_live", &ratio, on / off, "ratio", Some(&budget)));
    }
    out
}

/// One figure of a block's latencies.
type Figure = fn(&Latencies) -> f64;

/// The latencies of both builds, and the checked build's over the unchecked one's (context:
/// wall-clock medians on a shared VM move by more than the 5% budgeted on instructions).
fn measures(runs: &[Vec<Latencies>; 2]) -> Vec<Measure> {
    let figure = |which: usize, of: Figure| median(runs[which].iter().map(of).collect());
    let metrics: [(&str, Figure); 2] =
        [("join_after_get_p50", |l| l.join_after_get_p50_ms), ("click_p50", |l| l.click_p50_ms)];
    let mut out = Vec::new();
    for (metric, of) in metrics {
        let (on, off) = (figure(0, of), figure(1, of));
        out.push(Measure::new("counter", "zero_live", metric, on, "ms", None));
        let unchecked = format!("unchecked_{metric}");
        out.push(Measure::new("counter", "zero_live_unchecked", &unchecked, off, "ms", None));
        let ratio = format!("{metric}_vs_unchecked");
        out.push(Measure::new("counter", "zero_live", &ratio, on / off, "ratio", None));
    }
    out
}

/// `cargo build --release -p counter --features zero-live/unchecked`, copied to
/// `counter-unchecked` beside it.
fn build_unchecked(root: &Path) -> Result<PathBuf> {
    let built = live::build_counter_with(root, &["--features", "zero-live/unchecked"])?;
    let copy = built.with_file_name("counter-unchecked");
    std::fs::copy(&built, &copy).context("copying the unchecked counter")?;
    Ok(copy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_are_medians_of_blocks_and_the_instruction_ratios_are_budgeted() {
        let l = |join, click| Latencies {
            join_after_get_p50_ms: join,
            click_p50_ms: click,
            ..Latencies::default()
        };
        let runs = [vec![l(0.30, 0.10), l(0.34, 0.12)], vec![l(0.30, 0.10), l(0.30, 0.10)]];
        let measures = measures(&runs);
        let find = |metric: &str| measures.iter().find(|m| m.metric == metric).unwrap();
        assert_eq!(find("click_p50").value, 0.11);
        assert_eq!(find("unchecked_click_p50").subject, "zero_live_unchecked");
        let ratio = find("click_p50_vs_unchecked");
        assert_eq!((ratio.value, ratio.budget.as_deref()), (1.1, None));
        assert_eq!(find("join_after_get_p50_vs_unchecked").value, 1.067);
        let counts = instruction_measures([(102_000.0, 510_000.0), (100_000.0, 500_000.0)]);
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
