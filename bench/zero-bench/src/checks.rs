//! The `checks` suite: what issue 22's checks cost. The counter example is built twice from
//! the same sources, as usual and with zero-live's `unchecked` feature (the per-frame rate
//! limit, the per-client socket and join limits, the host allow-list and the client address
//! compiled out), and both are measured in one run by the live suite's client: the join after
//! a GET and a click round trip, at the median. Blocks run checked, unchecked, unchecked,
//! checked, so drift in the machine's load falls on both; each figure is the median of its two
//! blocks, and the ratios are budgeted (`checks.counter.*_vs_unchecked`).

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
const ORDER: [usize; 4] = [0, 1, 1, 0];

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
            let server = live::start(&builds[which]).await?;
            live::latencies(&builds[which], server.port, quick).await
        })?;
        runs[which].push(latencies);
    }
    report(printer, "checks", SOURCES, &measures(&runs))
}

/// One figure of a block's latencies.
type Figure = fn(&Latencies) -> f64;

/// The figures of both builds, and the checked build's over the unchecked one's.
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
        let budget = format!("checks.counter.{ratio}");
        out.push(Measure::new("counter", "zero_live", &ratio, on / off, "ratio", Some(&budget)));
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
    fn each_figure_is_the_median_of_its_blocks_and_the_ratio_is_budgeted() {
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
        assert_eq!(ratio.value, 1.1);
        assert_eq!(ratio.budget.as_deref(), Some("checks.counter.click_p50_vs_unchecked"));
        assert_eq!(find("join_after_get_p50_vs_unchecked").value, 1.067);
    }
}
