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
mod builds;
mod checks;
mod client;
mod docs;
mod jobs;
mod live;
mod logs;
mod pair;
mod record;
mod resource;
mod synthetic;
mod tasks;
mod templates;
mod uploads;

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
        #[command(flatten)]
        run: RunArgs,
    },
    /// The rosetta template benchmarks against sailfish and askama, in one process.
    Templates {
        #[command(flatten)]
        run: RunArgs,
    },
    /// The counter example served by a child process, driven by a Rust WebSocket load client.
    Live {
        #[command(flatten)]
        run: RunArgs,
        /// A set-up copy of shared/bench/live-peers (with its .venv, see bench/peers/run.sh):
        /// also measure pyview's counter with the same client, in the same run.
        #[arg(long, value_name = "DIR")]
        pyview: Option<PathBuf>,
        /// A running LiveView-protocol server to measure beside ours in the same run, as
        /// `NAME=URL` (e.g. `phoenix=http://127.0.0.1:4100/`): the page at URL is the counter,
        /// its socket is `/live/websocket`. Repeatable.
        #[arg(long, value_name = "NAME=URL", value_parser = live::parse_peer)]
        peer: Vec<live::UrlPeer>,
    },
    /// What the checks of issue 22 cost: the counter built as usual and with zero-live's
    /// `unchecked` feature, its join and click round trip measured in one run.
    Checks {
        #[command(flatten)]
        run: RunArgs,
    },
    /// What the log costs: the counter with `INFO` logging to a file and with logging off,
    /// its click round trip and page measured in one run.
    Logs {
        #[command(flatten)]
        run: RunArgs,
    },
    /// A generated app: `zerogen new app` wall time, cold and incremental builds, and its home
    /// page's dead render against a bare axum handler.
    App {
        #[command(flatten)]
        run: RunArgs,
        /// A running server of the same counter page to measure the counter's dead render
        /// against, in the same rounds, as `NAME=URL` (`phoenix=http://127.0.0.1:4100/`).
        #[arg(long, value_name = "NAME=URL", value_parser = live::parse_peer)]
        peer: Vec<live::UrlPeer>,
    },
    /// A generated resource: its index of 10,000 rows as a stream (page, join, bytes, memory per
    /// session) and one insert reaching 100 subscribed index sessions.
    Resource {
        #[command(flatten)]
        run: RunArgs,
    },
    /// What a new user waits for: `zerogen auth` and `zerogen resource`, and the first
    /// `cargo build` of a new app and of one with accounts and two resources.
    Builds {
        #[command(flatten)]
        run: RunArgs,
    },
    /// Magic-link logins on SQLite (latency one at a time, throughput from 8 tasks) and the
    /// session lookup a signed-in request pays.
    Auth {
        #[command(flatten)]
        run: RunArgs,
    },
    /// `zero-jobs` with two workers on a SQLite file and on Postgres (`ZERO_DB_POSTGRES_URL`):
    /// throughput on a backlog, and the time from an enqueue to its job starting.
    Jobs {
        #[command(flatten)]
        run: RunArgs,
    },
    /// What a view's async work costs on the counter example: `assign_async` over a plain
    /// callback, and memory per pending timer and per running task.
    Tasks {
        #[command(flatten)]
        run: RunArgs,
    },
    /// `zerogen docs`: the framework's site and a new app's site, built into a temporary folder.
    Docs {
        #[command(flatten)]
        run: RunArgs,
    },
    /// A 100 MB upload in chromium to the counter's `/files` page, beside a LiveView peer's
    /// upload page in the same browser: throughput, and our server's memory and CPU.
    Uploads {
        #[command(flatten)]
        run: RunArgs,
        /// A running LiveView server's upload page (`allow_upload`, `live_file_input`, entries
        /// listed as `#entries .state` and a `#clear` button), as `NAME=URL`
        /// (`phoenix=http://127.0.0.1:4100/upload`). Repeatable.
        #[arg(long, value_name = "NAME=URL", value_parser = live::parse_peer)]
        peer: Vec<live::UrlPeer>,
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
        #[command(flatten)]
        run: RunArgs,
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
    /// Internal: render one template subject N times (what the templates suite counts the
    /// instructions of under callgrind).
    #[command(hide = true, name = "__render")]
    Render {
        /// `big_table` or `teams`.
        case: String,
        /// `zero_html`, `zero_live`, `sailfish` or `askama`.
        subject: String,
        /// Renders into one reused buffer.
        iterations: usize,
    },
    /// Internal: run one gate check in this process and print `wall_ms peak_rss_kib`.
    #[command(hide = true, name = "__gate-child")]
    GateChild {
        /// The synthetic project.
        root: PathBuf,
    },
}

/// How a suite runs: once for a look, or as independent runs that become evidence.
#[derive(Debug, Clone, clap::Args)]
struct RunArgs {
    /// Fewer samples and shorter phases, for a quick look (not for recording).
    #[arg(long, conflicts_with = "record")]
    quick: bool,
    /// Run the suite `--runs` times, each in a fresh process, and write
    /// release/evidence/<suite>.tsv: each figure's median, min and max over the runs, how many
    /// runs missed its budget, and a digest over it all.
    #[arg(long)]
    record: bool,
    /// Independent runs behind each recorded figure (at least 5).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(5..))]
    runs: u32,
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
    "bench/zero-bench/src/main.rs",
];

fn main() -> ExitCode {
    let printer = Printer::new(false);
    let suite = Cli::parse().suite;
    let result = match suite.run_args() {
        Some((name, args)) if args.record => record::record(&printer, name, args.runs),
        _ => run_suite(&printer, suite),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            printer.error(&format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}

impl Suite {
    /// The suite's evidence name and run options; `None` for the internal commands.
    fn run_args(&self) -> Option<(&'static str, &RunArgs)> {
        Some(match self {
            Suite::Gate { run } => ("gate", run),
            Suite::Templates { run } => ("templates", run),
            Suite::Live { run, .. } => ("live", run),
            Suite::App { run, .. } => ("app", run),
            Suite::Resource { run } => ("resource", run),
            Suite::Auth { run } => ("auth", run),
            Suite::Docs { run } => ("docs", run),
            Suite::Jobs { run } => ("jobs", run),
            Suite::Tasks { run } => ("tasks", run),
            Suite::Client { run } => ("client", run),
            Suite::Checks { run } => ("checks", run),
            Suite::Logs { run } => ("logs", run),
            Suite::Builds { run } => ("builds", run),
            Suite::Uploads { run, .. } => ("uploads", run),
            Suite::BareServer { .. }
            | Suite::GateProject { .. }
            | Suite::GateChild { .. }
            | Suite::Render { .. } => {
                return None;
            }
        })
    }
}

/// Runs one suite once in this process (a look, or one of `--record`'s runs).
fn run_suite(printer: &Printer, suite: Suite) -> Result<()> {
    match suite {
        Suite::Gate { run } => gate(printer, run.quick),
        Suite::GateChild { root } => gate_child(printer, &root),
        Suite::Templates { run } => templates::suite(printer, run.quick),
        Suite::Live { run, pyview, peer } => {
            live::suite(printer, run.quick, pyview.as_deref(), &peer)
        }
        Suite::Client { run } => client::suite(printer, run.quick),
        Suite::Checks { run } => checks::suite(printer, run.quick),
        Suite::Logs { run } => logs::suite(printer, run.quick),
        Suite::Builds { run } => builds::suite(printer, run.quick),
        Suite::App { run, peer } => app::suite(printer, run.quick, &peer),
        Suite::Resource { run } => resource::suite(printer, run.quick),
        Suite::Uploads { run, peer } => uploads::suite(printer, run.quick, &peer),
        Suite::Auth { run } => auth::suite(printer, run.quick),
        Suite::Docs { run } => docs::suite(printer, run.quick),
        Suite::Jobs { run } => jobs::suite(printer, run.quick),
        Suite::Tasks { run } => tasks::suite(printer, run.quick),
        Suite::BareServer { port, file, work_us, endpoint } => {
            app::bare_server(port, &file, work_us, endpoint)
        }
        Suite::GateProject { dir, rows } => gate_project(printer, &dir, rows),
        Suite::Render { case, subject, iterations } => {
            templates::render_loop(&case, &subject, iterations)
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

fn gate(printer: &Printer, quick: bool) -> Result<()> {
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
    report(printer, "gate", GATE_SOURCES, &measures)
}

/// Prints the TSV rows of one run; as one of `--record`'s runs, hands them to the recording
/// parent instead (see [`record`]).
pub(crate) fn report(
    printer: &Printer,
    suite: &str,
    sources: &[&str],
    measures: &[Measure],
) -> Result<()> {
    if let Some(path) = std::env::var_os(record::ROWS_ENV) {
        return record::hand_over(Path::new(&path), sources, measures);
    }
    let mut out = String::from("suite\tcase\tsubject\tmetric\tvalue\tunit\n");
    for m in measures {
        out.push_str(&format!(
            "{suite}\t{}\t{}\t{}\t{}\t{}\n",
            m.case, m.subject, m.metric, m.value, m.unit
        ));
    }
    printer.result(&out);
    Ok(())
}

pub(crate) fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// The current UTC time as RFC 3339, from the system clock.
pub(crate) fn utc_now() -> String {
    let (year, month, day, hour, minute, second) = zerogen::utc_now();
    format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
}
