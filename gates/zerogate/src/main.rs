//! The `zerogate` command line: argument parsing and printing over the `zerogate` library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zero_diag::SourceCache;
use zerogate::check::{self, Options};
use zerogate::format::{self, Format, Summary};
use zerogate::{GateError, baseline};
use zerogen::term::Printer;

/// The 0x0 Live gate.
#[derive(Debug, Parser)]
#[command(name = "zerogate", version, about)]
struct Cli {
    /// Print no status lines.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the ledger, generated files, budgets and spec tables; exit 1 on findings.
    Check {
        /// Project root (default: the nearest ancestor with Cargo.toml and spec/).
        #[arg(long)]
        root: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// A test report (nextest or Node JUnit XML, libtest JSON); repeat to merge several.
        /// Each named test must have run and passed.
        #[arg(long, value_name = "FILE")]
        test_report: Vec<PathBuf>,
        /// Excuse the findings recorded in this baseline file; report entries that match nothing.
        #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
        baseline: Option<PathBuf>,
        /// Record the current findings as the baseline and exit 0.
        #[arg(long, value_name = "FILE")]
        write_baseline: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.quiet);
    match cli.command {
        Command::Check { root, format, test_report, baseline, write_baseline } => {
            match run_check(&printer, root, format, test_report, baseline, write_baseline) {
                Ok(code) => code,
                Err(e) => {
                    printer.error(&e.to_string());
                    ExitCode::from(2)
                }
            }
        }
    }
}

fn run_check(
    printer: &Printer,
    root: Option<PathBuf>,
    format: Format,
    test_reports: Vec<PathBuf>,
    baseline_path: Option<PathBuf>,
    write_baseline: Option<PathBuf>,
) -> Result<ExitCode, GateError> {
    let root = match root {
        Some(root) => root,
        None => {
            std::env::current_dir().ok().and_then(|d| zerogen::find_root(&d)).ok_or_else(|| {
                GateError::Usage(
                    "no project root found (a folder with Cargo.toml and spec/); pass --root"
                        .into(),
                )
            })?
        }
    };
    let run = check::run(&Options { root: root.clone(), test_reports })?;
    let mut findings = run.findings;

    if let Some(path) = write_baseline {
        let text = baseline::write(&findings);
        std::fs::write(&path, text)
            .map_err(|e| GateError::Io(format!("cannot write {}: {e}", path.display())))?;
        printer.status("Baselined", &format!("{} findings in {}", findings.len(), path.display()));
        return Ok(ExitCode::SUCCESS);
    }
    let mut excused = 0;
    if let Some(path) = baseline_path {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| GateError::Io(format!("cannot read baseline {}: {e}", path.display())))?;
        let shown = path.strip_prefix(&root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        excused = baseline::apply(&shown, &text, &mut findings).map_err(GateError::Io)?;
    }
    let summary = Summary::new(&run.rows, &findings, excused, run.tests_in_report);
    let mut sources = SourceCache::new(&root);
    printer.result(&format::render(format, &findings, &run.rows, &summary, &mut sources));
    Ok(if findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
