//! The tasks suite: what a view's async work and timers cost, on the counter example served on
//! core 0 behind the endpoint (as a generated app serves) and driven from core 1 over the
//! compact encoding.
//! - `assign_async` overhead: the report page's `tally` (a count in the callback; its reply
//!   carries the render) and `tally_async` (the same count by `assign_async`; timed to the
//!   pushed render that shows it), taking turns on one socket; the overhead is the difference
//!   of their medians.
//! - Memory: sessions of the clock page each start a hundred timers pending for an hour, then as
//!   many tasks as a session runs (16), idle for an hour; the server's resident memory growth
//!   over each phase, per timer and per task.

use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use futures_util::SinkExt;
use tokio_tungstenite::tungstenite::Message;
use zero_live::protocol::Kind;

use crate::live::{self, Joined, Subject, kind, next_text, percentile};
use crate::{Measure, Printer, report};

/// What the suite measures: the code whose change makes its evidence stale.
const SOURCES: &[&str] = &[
    "runtime/zero-live/src",
    "runtime/zero-live-core/src",
    "examples/counter/src",
    "examples/counter/templates",
    "bench/zero-bench/src/tasks.rs",
];

/// Timers each clock session starts (two `alarms_100` events).
const TIMERS_PER_SESSION: usize = 200;

/// Runs the suite and prints (and with `record`, writes) its measurements.
pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    if cfg!(debug_assertions) {
        bail!("run the tasks suite with --release");
    }
    let root =
        zerogen::find_root(&std::env::current_dir()?).context("run from inside the repository")?;
    let counter = live::build_counter(&root)?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (pairs, sessions) = if quick { (300, 100) } else { (3000, 1000) };
    let measures = runtime.block_on(async {
        // Behind the endpoint, as an app serves: its sockets send at once (`TCP_NODELAY`), so a
        // render pushed right after a reply is not held back for the reply's ACK.
        let server = live::start_wrapped(&Subject::ZeroLive(counter), &[], &["--endpoint"]).await?;
        live::pin_client();
        printer.status("Measuring", &format!("{pairs} plain and assign_async events"));
        let mut rows = overhead(server.port, pairs).await?;
        printer.status("Measuring", &format!("timers and tasks of {sessions} sessions"));
        rows.extend(memory(server.port, server.pid(), sessions).await?);
        server.interrupt().await?;
        anyhow::Ok(rows)
    })?;
    report(printer, "tasks", SOURCES, &measures)
}

/// An event frame of the compact encoding: `event` with no value, answering `reference`.
fn event_frame(reference: u64, event: &str) -> String {
    format!(r#"[{},{reference},null,"{event}"]"#, kind(Kind::Event))
}

/// Sends `event` and waits for its reply (an `error` fails the run).
async fn send_event(joined: &mut Joined, reference: u64, event: &str) -> Result<()> {
    joined.ws.send(Message::Text(event_frame(reference, event).into())).await?;
    loop {
        let text = next_text(&mut joined.ws).await?;
        if text.starts_with(&format!("[{},{reference},", kind(Kind::Reply))) {
            return Ok(());
        }
        if text.starts_with(&format!("[{},{reference},", kind(Kind::Error))) {
            bail!("`{event}` was refused: {text}");
        }
    }
}

/// The next pushed render.
async fn next_diff(joined: &mut Joined) -> Result<String> {
    let diff = format!("[{},", kind(Kind::Diff));
    loop {
        let text = tokio::time::timeout(Duration::from_secs(10), next_text(&mut joined.ws))
            .await
            .context("no render was pushed within 10 s")??;
        if text.starts_with(&diff) {
            return Ok(text);
        }
    }
}

/// `pairs` turns of `tally` and `tally_async` on the report page: each one's round trip in µs,
/// their medians and the difference.
async fn overhead(port: u16, pairs: usize) -> Result<Vec<Measure>> {
    let mut joined = live::join_page(port, "/report?visits_ms=1&top_ms=1").await?;
    // The page's own two parts arrive first.
    next_diff(&mut joined).await?;
    next_diff(&mut joined).await?;
    let (mut plain, mut assigned) = (Vec::with_capacity(pairs), Vec::with_capacity(pairs));
    let warmup = pairs / 10;
    let mut reference = 1;
    for turn in 0..pairs + warmup {
        reference += 1;
        let started = Instant::now();
        send_event(&mut joined, reference, "tally").await?;
        let plain_us = started.elapsed().as_secs_f64() * 1e6;
        reference += 1;
        let started = Instant::now();
        send_event(&mut joined, reference, "tally_async").await?;
        let pushed = next_diff(&mut joined).await?;
        let assigned_us = started.elapsed().as_secs_f64() * 1e6;
        let asks = turn + 1;
        if !pushed.contains(&format!("{asks}")) {
            bail!("the pushed render lacks the task's count {asks}: {pushed:.200}");
        }
        if turn >= warmup {
            plain.push(plain_us);
            assigned.push(assigned_us);
        }
    }
    joined.ws.close(None).await?;
    Ok(overhead_rows(&mut plain, &mut assigned))
}

/// The rows of the overhead phase: each path's median round trip, and their difference
/// against its budget.
fn overhead_rows(plain: &mut [f64], assigned: &mut [f64]) -> Vec<Measure> {
    let plain_p50 = percentile(plain, 0.5);
    let assigned_p50 = percentile(assigned, 0.5);
    let case = "assign_async";
    vec![
        Measure::new(case, "zero_live", "plain_callback_p50", plain_p50, "us", None),
        Measure::new(case, "zero_live", "assign_async_p50", assigned_p50, "us", None),
        Measure::new(
            case,
            "zero_live",
            "overhead_p50",
            assigned_p50 - plain_p50,
            "us",
            Some("live.assign_async.overhead"),
        ),
    ]
}

/// The server's resident memory, KiB, once it has settled.
async fn settled_rss(pid: u32) -> Result<f64> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    crate::uploads::status_kib(pid, "VmRSS")
}

/// Sessions of the clock page start timers, then tasks: the growth of the server's memory per
/// timer and per task.
async fn memory(port: u16, pid: u32, sessions: usize) -> Result<Vec<Measure>> {
    let mut joined = Vec::with_capacity(sessions);
    for _ in 0..sessions {
        joined.push(live::join_page(port, "/clock").await?);
    }
    let before = settled_rss(pid).await?;
    for session in &mut joined {
        send_event(session, 2, "alarms_100").await?;
        send_event(session, 3, "alarms_100").await?;
    }
    let with_timers = settled_rss(pid).await?;
    for session in &mut joined {
        send_event(session, 4, "idle_tasks").await?;
    }
    let with_tasks = settled_rss(pid).await?;
    for mut session in joined {
        session.ws.close(None).await?;
    }
    Ok(memory_rows(sessions, [before, with_timers, with_tasks]))
}

/// The rows of the memory phase from the server's resident KiB before, with every session's
/// timers, and with their tasks too.
fn memory_rows(sessions: usize, [before, with_timers, with_tasks]: [f64; 3]) -> Vec<Measure> {
    let timers = (sessions * TIMERS_PER_SESSION) as f64;
    let tasks = (sessions * zero_live::tasks::MAX_TASKS) as f64;
    let case = "memory";
    vec![
        Measure::new(case, "zero_live", "timers", timers, "count", None),
        Measure::new(case, "zero_live", "tasks", tasks, "count", None),
        Measure::new(
            case,
            "zero_live",
            "bytes_per_pending_timer",
            (with_timers - before) * 1024.0 / timers,
            "bytes",
            None,
        ),
        Measure::new(
            case,
            "zero_live",
            "bytes_per_running_task",
            (with_tasks - with_timers) * 1024.0 / tasks,
            "bytes",
            None,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_overhead_is_the_difference_of_the_medians_against_its_budget() {
        let rows = overhead_rows(&mut [120.0, 100.0, 110.0], &mut [150.0, 125.0, 900.0]);
        let find = |metric: &str| rows.iter().find(|m| m.metric == metric).unwrap();
        assert_eq!(find("plain_callback_p50").value, 110.0);
        assert_eq!(
            find("assign_async_p50").value,
            150.0,
            "a median: one slow turn changes nothing"
        );
        let overhead = find("overhead_p50");
        assert_eq!(
            (overhead.value, overhead.budget.as_deref()),
            (40.0, Some("live.assign_async.overhead"))
        );
    }

    #[test]
    fn memory_is_the_growth_of_each_phase_per_timer_and_per_task() {
        // 10 sessions: 2,000 timers grew 400 KiB, then 160 tasks 160 KiB.
        let rows = memory_rows(10, [1000.0, 1400.0, 1560.0]);
        let find = |metric: &str| rows.iter().find(|m| m.metric == metric).unwrap().value;
        assert_eq!((find("timers"), find("tasks")), (2000.0, 160.0));
        assert_eq!(find("bytes_per_pending_timer"), 204.8);
        assert_eq!(find("bytes_per_running_task"), 1024.0);
    }

    #[test]
    fn events_are_compact_frames_without_a_value() {
        let frame = event_frame(7, "tally_async");
        assert_eq!(frame, format!(r#"[{},7,null,"tally_async"]"#, kind(Kind::Event)));
    }
}
