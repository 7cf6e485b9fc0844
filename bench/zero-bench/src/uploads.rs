//! The uploads suite: a 100 MB file chosen in chromium's file input and sent to the counter's
//! `/files` page (binary chunks over the live socket), timed until the page shows it done, next
//! to a LiveView peer's upload page (`--peer phoenix=http://127.0.0.1:4100/upload`: a page with
//! `allow_upload` and `live_file_input`) in the same browser, taking turns. Servers run on core
//! 0, the browser on core 1. Also the server's peak memory over the uploads, which the window
//! bounds, not the file's size.

use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_json::Value;
use zerogen::term::Printer;

use crate::live::{self, Launch, Subject, UrlPeer};
use crate::{Measure, report};

/// What the uploads suite measures: the code whose change makes its evidence stale.
const SOURCES: &[&str] = &[
    "runtime/zero-live/src",
    "runtime/client/zero-live.js",
    "runtime/client/uploads.js",
    "generated/js/protocol.js",
    "examples/counter/src",
    "examples/counter/templates",
    "tests/browser/bench/uploads.mjs",
    "tests/browser/package-lock.json",
    "bench/zero-bench/src/uploads.rs",
];

/// The file's size: 100 MB (20 MB with `--quick`).
const MB: u64 = 1_000_000;

pub(crate) fn suite(printer: &Printer, quick: bool, peers: &[UrlPeer]) -> Result<()> {
    if cfg!(debug_assertions) {
        bail!("run the uploads suite with --release");
    }
    let root =
        zerogen::find_root(&std::env::current_dir()?).context("run from inside the repository")?;
    let counter = live::build_counter(&root)?;
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("upload.bin");
    let size = if quick { 20 * MB } else { 100 * MB };
    write_noise(&file, size)?;
    // The framework's limits, with room for the file.
    let policy = dir.path().join("security.toml");
    let defaults = zero_live::config::DEFAULT_SECURITY_TOML;
    let raised = defaults
        .replace("max_upload_bytes = 8388608", "max_upload_bytes = 268435456")
        .replace("max_session_upload_bytes = 67108864", "max_session_upload_bytes = 536870912");
    if raised.matches("268435456").count() != 1 || !raised.contains("536870912") {
        bail!("the framework's security.toml no longer has the upload limits this suite raises");
    }
    std::fs::write(&policy, raised)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let env = [("SECURITY_TOML", policy.display().to_string())];
    let launch = Launch { wrap: &[], args: &[], env: &env, stdout: None };
    let server = runtime.block_on(live::start_with(&Subject::ZeroLive(counter), &launch))?;
    let before = status_kib(server.pid(), "VmRSS")?;
    let cpu_before = live::cpu_seconds(server.pid())?;
    let mut targets = vec![format!(
        "zero_live|http://127.0.0.1:{}/files|[data-zl-root].zl-connected",
        server.port
    )];
    for peer in peers {
        live::listener_pid(peer.port)
            .with_context(|| format!("{} is not running on port {}", peer.name, peer.port))?;
        targets.push(format!(
            "{}|http://127.0.0.1:{}{}|.phx-connected",
            peer.name, peer.port, peer.path
        ));
    }
    let rounds = if quick { 1 } else { 3 };
    live::pin_client();
    printer.status("Measuring", &format!("{rounds} uploads of {} MB to each page", size / MB));
    let output = Command::new("node")
        .arg(root.join("tests/browser/bench/uploads.mjs"))
        .args(["--file", &file.display().to_string(), "--rounds", &rounds.to_string()])
        .args(targets.iter().flat_map(|t| ["--target", t.as_str()]))
        .current_dir(root.join("tests/browser"))
        .output()
        .context("running node (install Node and `npm ci` in tests/browser)")?;
    if !output.status.success() {
        bail!("uploads.mjs failed:\n{}", String::from_utf8_lossy(&output.stderr));
    }
    let result: Value = serde_json::from_slice(&output.stdout).context("uploads.mjs output")?;
    let peak = status_kib(server.pid(), "VmHWM")?;
    let cpu = live::cpu_seconds(server.pid())? - cpu_before;
    let uploaded = (rounds * size) as f64 / (100 * MB) as f64;
    let names: Vec<&str> = peers.iter().map(|p| p.name.as_str()).collect();
    let rows = measures(&result, &names, peak - before, cpu / uploaded)?;
    report(printer, "uploads", SOURCES, &rows)
}

/// Writes `size` bytes that do not compress (xorshift noise) to `path`.
fn write_noise(path: &std::path::Path, size: u64) -> Result<()> {
    use std::io::Write as _;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut left = size;
    while left > 0 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let bytes = state.to_le_bytes();
        let n = usize::try_from(left.min(8))?;
        out.write_all(&bytes[..n])?;
        left -= n as u64;
    }
    out.flush()?;
    Ok(())
}

/// A `/proc/PID/status` figure in KiB (`VmRSS`, `VmHWM`).
fn status_kib(pid: u32, key: &str) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(&format!("{key}:")))
        .with_context(|| format!("no {key} in /proc/{pid}/status"))?;
    Ok(line.split_whitespace().nth(1).context("a value")?.parse()?)
}

/// The median of `values` (empty: an error).
fn median(values: &[f64]) -> Result<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => bail!("no uploads were timed"),
        n if n % 2 == 1 => Ok(sorted[mid]),
        _ => Ok((sorted[mid - 1] + sorted[mid]) / 2.0),
    }
}

/// The evidence rows of one run: each page's throughput (the median of its rounds), ours
/// against each peer's, and our server's memory and CPU.
fn measures(
    result: &Value,
    peers: &[&str],
    growth_kib: f64,
    cpu_per_100mb: f64,
) -> Result<Vec<Measure>> {
    let speed = |name: &str| -> Result<f64> {
        let runs: Vec<f64> = result["targets"][name]["mb_s"]
            .as_array()
            .with_context(|| format!("uploads.mjs timed no uploads to {name}"))?
            .iter()
            .filter_map(Value::as_f64)
            .collect();
        median(&runs)
    };
    // Time for 100 MB (a throughput of X MB/s is 100,000 / X ms), so that budgets have a unit.
    let per_100mb = |mb_s: f64| 100_000.0 / mb_s;
    let ours = speed("zero_live")?;
    let mut rows = vec![
        Measure::new(
            "upload",
            "zero_live",
            "ms_per_100mb",
            per_100mb(ours),
            "ms",
            Some("live.uploads.ms_per_100mb"),
        ),
        Measure::new(
            "upload",
            "zero_live",
            "peak_rss_growth",
            growth_kib,
            "kib",
            Some("live.uploads.peak_rss_growth"),
        ),
        Measure::new("upload", "zero_live", "cpu_s_per_100mb", cpu_per_100mb, "s", None),
    ];
    for peer in peers {
        let theirs = speed(peer)?;
        rows.push(Measure::new("upload", peer, "ms_per_100mb", per_100mb(theirs), "ms", None));
        let budget = (*peer == "phoenix").then_some("live.uploads.vs_phoenix");
        rows.push(Measure::new(
            "upload",
            "zero_live",
            &format!("vs_{peer}"),
            ours / theirs,
            "ratio",
            budget,
        ));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn rows_are_medians_and_ratios_against_each_peer() {
        let result = json!({"targets": {
            "zero_live": {"mb_s": [40.0, 50.0, 45.0]},
            "phoenix": {"mb_s": [15.0, 14.0, 16.0]},
        }});
        let rows = measures(&result, &["phoenix"], 2048.0, 0.3).unwrap();
        let get = |metric: &str| rows.iter().find(|m| m.metric == metric).unwrap();
        assert_eq!(rows[0].metric, "ms_per_100mb");
        assert_eq!(rows[0].value, 2222.222, "100 MB at 45 MB/s, in ms");
        assert_eq!(get("vs_phoenix").value, 3.0);
        assert_eq!(get("vs_phoenix").budget.as_deref(), Some("live.uploads.vs_phoenix"));
        assert_eq!(get("peak_rss_growth").value, 2048.0);
    }

    #[test]
    fn a_page_that_timed_nothing_is_an_error() {
        let result = json!({"targets": {"zero_live": {"mb_s": []}}});
        assert!(measures(&result, &[], 0.0, 0.0).is_err());
        assert!(measures(&json!({}), &[], 0.0, 0.0).is_err());
    }

    #[test]
    fn noise_has_the_size_asked_and_does_not_repeat_early() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("noise");
        write_noise(&path, 1_000_003).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 1_000_003);
        assert_ne!(bytes[..4096], bytes[4096..8192]);
    }
}
