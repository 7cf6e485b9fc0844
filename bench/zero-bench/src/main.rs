//! `zero-bench`: the benchmark harness of 0x0 Live.
//!
//! `cargo run --release -p zero-bench -- <suite> [--quick] [--record]` prints TSV rows
//! `suite case subject metric value unit`; with `--record` it writes
//! `release/evidence/<suite>.tsv` with a hash of the sources measured, which `zerogate check`
//! compares with the budgets in `spec/budgets.tsv`.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use zerogen::term::Printer;

mod app;
mod auth;
mod client;
mod docs;
mod live;
mod resource;
mod synthetic;
mod templates;

/// The 0x0 Live benchmark harness.
#[derive(Debug, Parser)]
#[command(name = "zero-bench", about)]
struct Cli {
    #[command(subcommand)]
    suite: Suite,
}

#[derive(Debug, Subcommand)]
enum Suite {
    /// `zerogate check` over synthetic ledgers of 1,000 and 10,000 rows.
    Gate {
        /// Fewer repetitions, for a quick look (not for recording).
        #[arg(long, conflicts_with = "record")]
        quick: bool,
        /// Write release/evidence/gate.tsv.
        #[arg(long)]
        record: bool,
    },
    /// The rosetta template benchmarks against sailfish and askama, in one process.
    Templates {
        /// Fewer samples, for a quick look (not for recording).
        #[arg(long, conflicts_with = "record")]
        quick: bool,
        /// Write release/evidence/templates.tsv.
        #[arg(long)]
        record: bool,
    },
    /// The counter example served by a child process, driven by a Rust WebSocket load client.
    Live {
        /// Shorter phases and no 10,000-session phase, for a quick look (not for recording).
        #[arg(long, conflicts_with = "record")]
        quick: bool,
        /// Write release/evidence/live.tsv.
        #[arg(long)]
        record: bool,
        /// A set-up copy of shared/bench/live-peers (with its .venv, see bench/peers/run.sh):
        /// also measure pyview's counter with the same client, in the same run.
        #[arg(long, value_name = "DIR")]
        pyview: Option<PathBuf>,
    },
    /// A generated app: `zerogen new app` wall time, cold and incremental builds, and its home
    /// page's dead render against a bare axum handler.
    App {
        /// Fewer runs and no cold build, for a quick look (not for recording).
        #[arg(long, conflicts_with = "record")]
        quick: bool,
        /// Write release/evidence/app.tsv.
        #[arg(long)]
        record: bool,
    },
    /// A generated resource: its index of 10,000 rows as a stream (page, join, bytes, memory per
    /// session) and one insert reaching 100 subscribed index sessions.
    Resource {
        /// Fewer runs and inserts, for a quick look (not for recording).
        #[arg(long, conflicts_with = "record")]
        quick: bool,
        /// Write release/evidence/resource.tsv.
        #[arg(long)]
        record: bool,
    },
    /// Magic-link logins on SQLite (latency one at a time, throughput from 8 tasks) and the
    /// session lookup a signed-in request pays.
    Auth {
        /// Fewer logins, for a quick look (not for recording).
        #[arg(long, conflicts_with = "record")]
        quick: bool,
        /// Write release/evidence/auth.tsv.
        #[arg(long)]
        record: bool,
    },
    /// `zerogen docs`: the framework's site and a new app's site, built into a temporary folder.
    Docs {
        /// Fewer builds, for a quick look (not for recording).
        #[arg(long, conflicts_with = "record")]
        quick: bool,
        /// Write release/evidence/docs.tsv.
        #[arg(long)]
        record: bool,
    },
    /// Internal: a bare axum server answering `GET /` with a file's bytes (the app suite's peer).
    #[command(hide = true, name = "__bare-server")]
    BareServer {
        /// The port on 127.0.0.1.
        port: u16,
        /// The body.
        file: PathBuf,
        /// Microseconds of work (a busy loop) per request before answering.
        #[arg(long, default_value_t = 0)]
        work_us: u64,
        /// Behind the layers and the server of an app's endpoint.
        #[arg(long)]
        endpoint: bool,
    },
    /// The browser client in chromium (click-to-paint) and its size next to phoenix_live_view.
    Client {
        /// 40 clicks instead of 200, for a quick look (not for recording).
        #[arg(long, conflicts_with = "record")]
        quick: bool,
        /// Write release/evidence/client.tsv.
        #[arg(long)]
        record: bool,
    },
    /// Write the synthetic project of the gate suite, for profiling `zerogate check` by hand.
    #[command(name = "gate-project")]
    GateProject {
        /// Where to write it (must not exist yet).
        dir: PathBuf,
        /// Ledger rows.
        #[arg(long, default_value_t = 10_000)]
        rows: usize,
    },
    /// Internal: run one gate check in this process and print `wall_ms peak_rss_kib`.
    #[command(hide = true, name = "__gate-child")]
    GateChild {
        /// The synthetic project.
        root: PathBuf,
    },
}

/// One measurement.
pub(crate) struct Measure {
    pub(crate) case: String,
    pub(crate) subject: String,
    pub(crate) metric: String,
    pub(crate) value: f64,
    pub(crate) unit: &'static str,
    pub(crate) budget: Option<String>,
}

impl Measure {
    /// A measurement, rounded to three decimals.
    pub(crate) fn new(
        case: &str,
        subject: &str,
        metric: &str,
        value: f64,
        unit: &'static str,
        budget: Option<&str>,
    ) -> Measure {
        Measure {
            case: case.to_owned(),
            subject: subject.to_owned(),
            metric: metric.to_owned(),
            value: round(value),
            unit,
            budget: budget.map(str::to_owned),
        }
    }
}

/// What the gate suite measures: the code whose change makes its evidence stale.
const GATE_SOURCES: &[&str] = &[
    "gates/zerogate/src",
    "generator/zero-spec/src",
    "generator/zero-diag/src",
    "bench/zero-bench/src/synthetic.rs",
];

fn main() -> ExitCode {
    let printer = Printer::new(false);
    let result = match Cli::parse().suite {
        Suite::Gate { quick, record } => gate(&printer, quick, record),
        Suite::GateChild { root } => gate_child(&printer, &root),
        Suite::Templates { quick, record } => templates::suite(&printer, quick, record),
        Suite::Live { quick, record, pyview } => {
            live::suite(&printer, quick, record, pyview.as_deref())
        }
        Suite::Client { quick, record } => client::suite(&printer, quick, record),
        Suite::App { quick, record } => app::suite(&printer, quick, record),
        Suite::Resource { quick, record } => resource::suite(&printer, quick, record),
        Suite::Auth { quick, record } => auth::suite(&printer, quick, record),
        Suite::Docs { quick, record } => docs::suite(&printer, quick, record),
        Suite::BareServer { port, file, work_us, endpoint } => {
            app::bare_server(port, &file, work_us, endpoint)
        }
        Suite::GateProject { dir, rows } => gate_project(&printer, &dir, rows),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            printer.error(&format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}

fn gate_project(printer: &Printer, dir: &Path, rows: usize) -> Result<()> {
    if dir.exists() {
        bail!("{} already exists", dir.display());
    }
    synthetic::project(dir, rows).with_context(|| format!("writing {}", dir.display()))?;
    printer.status("Wrote", &format!("{} with {rows} ledger rows", dir.display()));
    Ok(())
}

fn gate_child(printer: &Printer, root: &Path) -> Result<()> {
    let start = Instant::now();
    let options = zerogate::check::Options { root: root.to_path_buf(), test_reports: Vec::new() };
    let run = zerogate::check::run(&options).map_err(|e| anyhow::anyhow!("{e}"))?;
    let wall = start.elapsed().as_secs_f64() * 1000.0;
    if !run.findings.is_empty() {
        bail!(
            "the synthetic project has {} findings, first: {}",
            run.findings.len(),
            run.findings[0].headline()
        );
    }
    let status =
        std::fs::read_to_string("/proc/self/status").context("reading /proc/self/status")?;
    let hwm = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .context("no VmHWM in /proc/self/status")?;
    printer.result(&format!("{wall:.3} {hwm} {}", run.rows.len()));
    Ok(())
}

/// Runs the check in a fresh process; returns (wall ms measured by the parent, peak RSS KiB).
fn one_run(root: &Path) -> Result<(f64, u64)> {
    let exe = std::env::current_exe().context("locating zero-bench")?;
    let start = Instant::now();
    let out = Command::new(exe)
        .arg("__gate-child")
        .arg(root)
        .output()
        .context("spawning the gate child")?;
    let wall = start.elapsed().as_secs_f64() * 1000.0;
    if !out.status.success() {
        bail!("gate child failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.split_whitespace();
    let _inner_wall = parts.next();
    let rss: u64 = parts.next().and_then(|v| v.parse().ok()).context("child printed no RSS")?;
    Ok((wall, rss))
}

pub(crate) fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn gate(printer: &Printer, quick: bool, record: bool) -> Result<()> {
    let runs = if quick { 3 } else { 9 };
    let mut measures = Vec::new();
    let mut walls = Vec::new();
    for (case, rows) in [("check_1k", 1_000usize), ("check_10k", 10_000usize)] {
        let dir = tempfile::tempdir().context("creating a temporary folder")?;
        synthetic::project(dir.path(), rows).context("writing the synthetic project")?;
        one_run(dir.path())?; // warm the page cache
        let mut times = Vec::new();
        let mut peak = 0;
        for _ in 0..runs {
            let (wall, rss) = one_run(dir.path())?;
            times.push(wall);
            peak = peak.max(rss);
        }
        let wall = median(times);
        walls.push((rows, wall));
        let big = rows == 10_000;
        measures.push(Measure {
            case: case.to_owned(),
            subject: "zerogate".to_owned(),
            metric: "wall".to_owned(),
            value: round(wall),
            unit: "ms",
            budget: big.then(|| "gate.check_10k.wall".to_owned()),
        });
        measures.push(Measure {
            case: case.to_owned(),
            subject: "zerogate".to_owned(),
            metric: "peak_rss".to_owned(),
            value: round(peak as f64 / 1024.0),
            unit: "mib",
            budget: big.then(|| "gate.check_10k.peak_rss".to_owned()),
        });
    }
    let per_row = |(rows, wall): (usize, f64)| wall / rows as f64;
    let growth = per_row(walls[1]) / per_row(walls[0]);
    measures.push(Measure {
        case: "scaling".to_owned(),
        subject: "zerogate".to_owned(),
        metric: "per_row_growth".to_owned(),
        value: round(growth),
        unit: "ratio",
        budget: Some("gate.check.scaling".to_owned()),
    });
    report(printer, "gate", GATE_SOURCES, runs, &measures, record)
}

/// Prints the TSV rows and, with `record`, writes the evidence file.
pub(crate) fn report(
    printer: &Printer,
    suite: &str,
    sources: &[&str],
    runs: usize,
    measures: &[Measure],
    record: bool,
) -> Result<()> {
    let mut out = String::from("suite\tcase\tsubject\tmetric\tvalue\tunit\n");
    for m in measures {
        out.push_str(&format!(
            "{suite}\t{}\t{}\t{}\t{}\t{}\n",
            m.case, m.subject, m.metric, m.value, m.unit
        ));
    }
    printer.result(&out);
    if record {
        let root = zerogen::find_root(&std::env::current_dir()?)
            .context("run from inside the repository to record evidence")?;
        let path = write_evidence(&root, suite, sources, runs, measures)?;
        printer.status("Recorded", &path);
    }
    Ok(())
}

pub(crate) fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

fn write_evidence(
    root: &Path,
    suite: &str,
    sources: &[&str],
    runs: usize,
    measures: &[Measure],
) -> Result<String> {
    let sources: Vec<String> = sources.iter().map(|s| (*s).to_owned()).collect();
    let hash = zerogate::evidence::source_hash(root, &sources).map_err(|e| anyhow::anyhow!(e))?;
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let recorded = format!("{} on {cpus} cpus, median of {runs} runs", utc_now());
    let mut text = format!(
        "# Recorded by `cargo run --release -p zero-bench -- {suite} --record`; do not edit.\n\
         id\tsuite\tcase\tsubject\tmetric\tvalue\tunit\tbudget\tsources\thash\trecorded\n",
    );
    for m in measures {
        text.push_str(&format!(
            "{suite}.{}.{}\t{suite}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{hash}\t{recorded}\n",
            m.case,
            m.metric,
            m.case,
            m.subject,
            m.metric,
            m.value,
            m.unit,
            m.budget.as_deref().unwrap_or(""),
            sources.join(","),
        ));
    }
    let rel = format!("release/evidence/{suite}.tsv");
    let path = root.join(&rel);
    std::fs::create_dir_all(path.parent().context("evidence path has a parent")?)?;
    std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    Ok(rel)
}

/// The current UTC time as RFC 3339, from the system clock.
fn utc_now() -> String {
    let (year, month, day, hour, minute, second) = zerogen::utc_now();
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}
