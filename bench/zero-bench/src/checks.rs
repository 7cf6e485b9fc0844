//! The `checks` suite: what issue 22's checks cost. The counter example is built twice from
//! the same sources, as usual and with zero-live's `unchecked` feature (the per-frame rate
//! limit, the per-client socket and join limits, the host allow-list and the client address
//! compiled out), and both are served behind the endpoint as an app is (`counter --endpoint`).
//!
//! - Budgeted: the instructions the server executes per click round trip and per visit (a GET,
//!   then a socket opened, joined and closed), counted by callgrind (see [`crate::pair`]); the
//!   ratios checked over unchecked are budgeted at 1.05 (`checks.counter.*_vs_unchecked`).
//! - Context: the join after a GET and a click round trip at the median, checked over
//!   unchecked.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use zerogen::term::Printer;

use crate::live::{self, Subject};
use crate::pair::{self, Figure, Other, Side, Work};
use crate::report;

/// What the checks suite measures.
pub(crate) const SOURCES: &[&str] = &[
    "runtime/zero-live/src",
    "examples/counter/src",
    "bench/zero-bench/src/checks.rs",
    "bench/zero-bench/src/pair.rs",
    "bench/zero-bench/src/live.rs",
];

/// Click round trips in callgrind's shorter and longer run.
pub(crate) const CLICKS: (usize, usize) = (50, 550);

/// Visits in callgrind's shorter and longer run.
const VISITS: (usize, usize) = (10, 110);

const UNCHECKED: Other = Other { subject: "zero_live_unchecked", word: "unchecked" };

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
    // Logging off on both sides: this suite prices the checks alone (the logs suite prices
    // the log).
    let off = vec![("RUST_LOG", "off".to_owned())];
    let side =
        |counter| Side { subject: Subject::ZeroLive(counter), env: off.clone(), stdout: None };
    let sides = [side(checked), side(unchecked)];
    let runs = pair::latency_runs(&runtime, &sides, quick)?;
    let counts = pair::instruction_counts(
        &runtime,
        &sides,
        [(Work::Clicks, CLICKS), (Work::Visits, VISITS)],
    )?;
    let figures: [(&str, Figure); 2] =
        [("join_after_get_p50", |l| l.join_after_get_p50_ms), ("click_p50", |l| l.click_p50_ms)];
    let mut measures = pair::latency_measures(UNCHECKED, &runs, &figures);
    measures.extend(pair::instruction_measures(
        "checks",
        UNCHECKED,
        &[
            ("click_instructions", counts[0].0, counts[1].0),
            ("visit_instructions", counts[0].1, counts[1].1),
        ],
    ));
    report(printer, "checks", SOURCES, &measures)
}

/// `cargo build --release -p counter --features zero-live/unchecked`, copied to
/// `counter-unchecked` beside it.
fn build_unchecked(root: &Path) -> Result<PathBuf> {
    let built = live::build_counter_with(root, &["--features", "zero-live/unchecked"])?;
    let copy = built.with_file_name("counter-unchecked");
    std::fs::copy(&built, &copy).context("copying the unchecked counter")?;
    Ok(copy)
}
