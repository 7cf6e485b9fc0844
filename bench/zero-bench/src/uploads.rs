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
    std::fs::write(&file, noise(usize::try_from(size)?))?;
    // The framework's limits, with room for the file and for every session of the load phase
    // coming from one client.
    let policy = dir.path().join("security.toml");
    let mut raised = zero_live::config::DEFAULT_SECURITY_TOML.to_owned();
    for (from, to) in [
        ("max_upload_bytes = 8388608", "max_upload_bytes = 268435456"),
        ("max_session_upload_bytes = 67108864", "max_session_upload_bytes = 536870912"),
        ("max_scope_upload_bytes = 268435456", "max_scope_upload_bytes = 536870912"),
        ("max_sessions_per_client = 64", "max_sessions_per_client = 100000"),
        ("joins_per_minute = 120", "joins_per_minute = 1000000"),
        ("events_per_second = 50", "events_per_second = 1000000"),
        ("event_burst = 100", "event_burst = 1000000"),
    ] {
        if !raised.contains(from) {
            bail!("the framework's security.toml no longer says `{from}`, which this suite raises");
        }
        raised = raised.replace(from, to);
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
    let mut rows = measures(&result, &names, peak - before, cpu / uploaded)?;
    // Many at once: 100 sessions each sending 10 MB (20 of 2 MB with --quick).
    let (sessions, each) = if quick { (20, 2_000_000) } else { (100, 10_000_000) };
    printer.status("Measuring", &format!("{sessions} uploads of {} MB at once", each / 1_000_000));
    let load = runtime.block_on(concurrent(server.port, sessions, each))?;
    let peak_load = status_kib(server.pid(), "VmHWM")?;
    rows.extend(load_rows(&load, sessions, peak_load - before));
    report(printer, "uploads", SOURCES, &rows)
}

/// The rows of the load phase.
fn load_rows(load: &Load, sessions: usize, growth_kib: f64) -> Vec<Measure> {
    let case = "concurrent";
    vec![
        Measure::new(case, "zero_live", "sessions", sessions as f64, "count", None),
        Measure::new(case, "zero_live", "ms_per_100mb", 100_000.0 / load.mb_s, "ms", None),
        Measure::new(
            case,
            "zero_live",
            "probe_click_p99",
            load.probe_p99_ms,
            "ms",
            Some("live.uploads.concurrent_probe_p99"),
        ),
        Measure::new(case, "zero_live", "probe_clicks", load.probe_clicks as f64, "count", None),
        Measure::new(case, "zero_live", "peak_rss_growth", growth_kib, "kib", None),
    ]
}

/// A `/proc/PID/status` figure in KiB (`VmRSS`, `VmHWM`).
pub(crate) fn status_kib(pid: u32, key: &str) -> Result<f64> {
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
        let metric = format!("{peer}_ms_per_100mb");
        rows.push(Measure::new("upload", peer, &metric, per_100mb(theirs), "ms", None));
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

/// What many uploads at once did: their bytes a second together, and a probe session's click
/// round trips meanwhile.
pub(crate) struct Load {
    /// MB a second over all the uploads, from the first `upload_start` to the last byte.
    pub(crate) mb_s: f64,
    /// The probe's click round trip at the 99th percentile, in ms.
    pub(crate) probe_p99_ms: f64,
    /// Clicks the probe made.
    pub(crate) probe_clicks: usize,
}

/// `sessions` sessions of `/files` each upload `size` bytes in binary chunks (the window and
/// chunk size the server gives), all at once, while a probe session on `/clicks` clicks in a
/// loop.
pub(crate) async fn concurrent(port: u16, sessions: usize, size: usize) -> Result<Load> {
    use futures_util::StreamExt as _;
    let body = std::sync::Arc::new(noise(size));
    let mut joined = Vec::with_capacity(sessions);
    for _ in 0..sessions {
        joined.push(live::join_page(port, "/files").await?);
    }
    let mut probe = live::join_page(port, "/clicks").await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let probe = tokio::spawn(async move {
        let mut times = Vec::new();
        let mut reference = 10;
        while !*stopped.borrow() {
            reference += 1;
            let (seconds, _) = live::click(&mut probe, reference).await?;
            times.push(seconds * 1000.0);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        anyhow::Ok(times)
    });
    let started = std::time::Instant::now();
    let uploads: Vec<_> = joined
        .into_iter()
        .map(|session| tokio::spawn(upload_over(session, body.clone())))
        .collect();
    let mut all = futures_util::stream::iter(uploads).buffer_unordered(sessions);
    while let Some(done) = all.next().await {
        done??;
    }
    let seconds = started.elapsed().as_secs_f64();
    let _ = stop.send(true);
    let mut times = probe.await??;
    if times.is_empty() {
        bail!("the probe clicked no time while the uploads ran");
    }
    Ok(Load {
        mb_s: (sessions * size) as f64 / 1e6 / seconds,
        probe_p99_ms: live::percentile(&mut times, 0.99),
        probe_clicks: times.len(),
    })
}

/// `size` bytes of xorshift noise.
fn noise(size: usize) -> Vec<u8> {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut out = Vec::with_capacity(size + 8);
    while out.len() < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(size);
    out
}

/// One session's upload of `body` as the browser client sends it: `upload_start`, then binary
/// chunks with at most the window unacknowledged, until the last is acknowledged.
async fn upload_over(mut session: live::Joined, body: std::sync::Arc<Vec<u8>>) -> Result<()> {
    use futures_util::SinkExt as _;
    use tokio_tungstenite::tungstenite::Message;
    use zero_live::protocol::Kind;
    let ws = &mut session.ws;
    let offer =
        serde_json::json!([{"ref": "0", "name": "load.bin", "size": body.len(), "type": ""}]);
    let start = serde_json::json!([live::kind(Kind::UploadStart), 2, "file", offer]);
    ws.send(Message::Text(start.to_string().into())).await?;
    let reply: Value = loop {
        let text = live::next_text(ws).await?;
        let value: Value = serde_json::from_str(&text)?;
        if value[1] == 2 {
            break value;
        }
    };
    // The compact reply: [kind, ref, status, rev, rendered, response, ...].
    let answer = &reply[5]["entries"]["0"];
    let entry = answer["entry"].as_str().with_context(|| format!("no entry: {reply}"))?.to_owned();
    let chunk = usize::try_from(answer["chunk"].as_u64().context("no chunk size")?)?;
    let window = answer["window"].as_u64().context("no window")?;
    let (reply_kind, error_kind) = (live::kind(Kind::Reply), live::kind(Kind::Error));
    let (mut offset, mut in_flight, mut reference) = (0usize, 0u64, 2u64);
    loop {
        while in_flight < window && offset < body.len() {
            let end = (offset + chunk).min(body.len());
            reference += 1;
            let last = end == body.len();
            let frame = zero_live::uploads::encode_chunk(
                Some(reference),
                &entry,
                u64::try_from(offset)?,
                &body[offset..end],
                last,
            );
            ws.send(Message::Binary(frame.into())).await?;
            in_flight += 1;
            offset = end;
        }
        if in_flight == 0 {
            return Ok(());
        }
        let text = live::next_text(ws).await?;
        if text.starts_with(&format!("[{error_kind},")) {
            bail!("a chunk was refused: {text}");
        }
        if text.starts_with(&format!("[{reply_kind},")) {
            in_flight -= 1;
        }
    }
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
        assert_eq!(get("phoenix_ms_per_100mb").subject, "phoenix");
        let ids: std::collections::HashSet<_> = rows.iter().map(|m| (&m.case, &m.metric)).collect();
        assert_eq!(ids.len(), rows.len(), "each row's case and metric name it alone");
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
        let bytes = noise(1_000_003);
        assert_eq!(bytes.len(), 1_000_003);
        assert_ne!(bytes[..4096], bytes[4096..8192]);
    }

    #[test]
    fn the_load_phase_reports_throughput_as_time_and_the_probe_against_its_budget() {
        let load = Load { mb_s: 50.0, probe_p99_ms: 12.5, probe_clicks: 300 };
        let rows = load_rows(&load, 100, 1024.0);
        let get = |metric: &str| rows.iter().find(|m| m.metric == metric).unwrap();
        assert_eq!(get("ms_per_100mb").value, 2000.0);
        assert_eq!(
            get("probe_click_p99").budget.as_deref(),
            Some("live.uploads.concurrent_probe_p99")
        );
        assert!(rows.iter().all(|m| m.case == "concurrent"));
    }
}
