//! The `logs` suite: what the log costs. One counter build served behind the endpoint as an
//! app is (`counter --endpoint`), twice: with `RUST_LOG=info` and `LOG_FORMAT=json`, its
//! standard output appended to a file (an access line a request, a line a session), and with
//! `RUST_LOG=off`.
//!
//! - Budgeted (see [`crate::pair`]): the instructions the server executes per click round trip
//!   (`logs.counter.click_instructions_vs_logs_off`) and per page, the dead render
//!   (`logs.counter.page_instructions_vs_logs_off`), both at most 1.05x.
//! - Context: the GET and the click round trip at the median, logging over no logging.

use anyhow::{Context, Result, bail};
use zerogen::term::Printer;

use crate::live::{self, Subject};
use crate::pair::{self, Figure, Other, Side, Work};
use crate::report;

/// What the logs suite measures.
pub(crate) const SOURCES: &[&str] = &[
    "runtime/zero-live/src",
    "examples/counter/src",
    "bench/zero-bench/src/logs.rs",
    "bench/zero-bench/src/pair.rs",
    "bench/zero-bench/src/live.rs",
];

/// Pages in callgrind's shorter and longer run.
const PAGES: (usize, usize) = (10, 210);

const OFF: Other = Other { subject: "zero_live_logs_off", word: "logs_off" };

pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    if cfg!(debug_assertions) {
        bail!("run the logs suite with --release");
    }
    let root =
        zerogen::find_root(&std::env::current_dir()?).context("run from inside the repository")?;
    let counter = live::build_counter(&root)?;
    live::pin_client();
    let dir = tempfile::tempdir()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let logged = Side {
        subject: Subject::ZeroLive(counter.clone()),
        env: vec![("RUST_LOG", "info".to_owned()), ("LOG_FORMAT", "json".to_owned())],
        stdout: Some(dir.path().join("counter.log")),
    };
    let off = Side {
        subject: Subject::ZeroLive(counter),
        env: vec![("RUST_LOG", "off".to_owned())],
        stdout: None,
    };
    let sides = [logged, off];
    let runs = pair::latency_runs(&runtime, &sides, quick)?;
    let counts = pair::instruction_counts(
        &runtime,
        &sides,
        [(Work::Clicks, crate::checks::CLICKS), (Work::Pages, PAGES)],
    )?;
    let written = std::fs::read_to_string(dir.path().join("counter.log")).unwrap_or_default();
    if !written.contains("\"target\":\"zero_live::access\"") {
        bail!("the logged counter wrote no access line to its log");
    }
    let figures: [(&str, Figure); 2] =
        [("get_p50", |l| l.get_p50_ms), ("click_p50", |l| l.click_p50_ms)];
    let mut measures = pair::latency_measures(OFF, &runs, &figures);
    measures.extend(pair::instruction_measures(
        "logs",
        OFF,
        &[
            ("click_instructions", counts[0].0, counts[1].0),
            ("page_instructions", counts[0].1, counts[1].1),
        ],
    ));
    report(printer, "logs", SOURCES, &measures)
}
