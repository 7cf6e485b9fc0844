//! The jobs suite: `zero-jobs` on a SQLite file and on Postgres (`ZERO_DB_POSTGRES_URL`). Two
//! workers of one job at a time each, as an app runs them, with their default settings:
//! - throughput: a backlog of no-op jobs worked off, in jobs per second;
//! - enqueue to start: jobs enqueued one at a time, 20 ms apart, into an idle queue with
//!   `enqueue_now` (which wakes a worker of this process); the time from each enqueue to its
//!   handler starting, p50 and p99.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use zero_db::Db;
use zero_jobs::{NewJob, SystemClock, Worker};

use crate::live::percentile;
use crate::{Measure, Printer, report};

/// What the suite measures: the code whose change makes its evidence stale.
const SOURCES: &[&str] =
    &["runtime/zero-jobs/src", "runtime/zero-db/src", "bench/zero-bench/src/jobs.rs"];

/// Runs the suite and prints (and with `record`, writes) its measurements.
pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    let Ok(server) = std::env::var("ZERO_DB_POSTGRES_URL") else {
        bail!(
            "the jobs suite measures Postgres too: ZERO_DB_POSTGRES_URL names a server \
             (.ci/postgres starts one)"
        );
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let (backlog, singles) = if quick { (500, 50) } else { (4000, 200) };
    let measures = runtime.block_on(measure(printer, Some(&server), backlog, singles))?;
    report(printer, "jobs", SOURCES, &measures)
}

/// Measures each backend: a SQLite file, and a new schema in the Postgres `server` names.
async fn measure(
    printer: &Printer,
    server: Option<&str>,
    backlog: usize,
    singles: usize,
) -> Result<Vec<Measure>> {
    let dir = tempfile::tempdir()?;
    let mut backends = vec![("sqlite", format!("sqlite://{}/jobs.db", dir.path().display()))];
    if let Some(server) = server {
        backends.push(("postgres", zero_db::testing::fresh_url(Some(server)).await?));
    }
    let mut measures = Vec::new();
    for (name, url) in backends {
        printer.status("Measuring", &format!("jobs on {name}"));
        let db = Db::connect(&url).await?;
        zero_jobs::schema::create(&db).await?;
        let case = format!("{name}_2_workers");
        let per_s = throughput(&db, backlog).await?;
        measures.push(Measure::new(&case, "zero_jobs", "jobs_per_s", per_s, "ops_per_s", None));
        let (p50, p99) = enqueue_to_start(&db, singles).await?;
        measures.push(Measure::new(&case, "zero_jobs", "enqueue_to_start_p50", p50, "ms", None));
        measures.push(Measure::new(&case, "zero_jobs", "enqueue_to_start_p99", p99, "ms", None));
    }
    Ok(measures)
}

/// Microseconds since the Unix epoch.
fn now_us() -> i64 {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_micros()).unwrap_or(i64::MAX)
}

/// Two workers (one job at a time each) on `queue`, running `handler` until dropped.
fn workers(
    db: &Db,
    queue: &str,
    handler: impl Fn(zero_jobs::Job) -> std::future::Ready<zero_jobs::Outcome>
    + Send
    + Sync
    + Clone
    + 'static,
) -> Vec<tokio::task::JoinHandle<()>> {
    (0..2)
        .map(|_| {
            let worker =
                Worker::new(db.clone(), queue).concurrency(1).handle("noop", handler.clone());
            tokio::spawn(async move {
                let _ = worker.run(std::future::pending(), Duration::ZERO).await;
            })
        })
        .collect()
}

/// Works off a backlog of `n` no-op jobs: jobs per second from the workers' start to the last
/// job done.
async fn throughput(db: &Db, n: usize) -> Result<f64> {
    let mut tx = db.begin().await?;
    for i in 0..n {
        let job = NewJob::new("noop", &i)?.queue("backlog")?;
        zero_jobs::enqueue(&mut tx, &job, &SystemClock).await?;
    }
    tx.commit().await?;
    let start = Instant::now();
    let tasks = workers(db, "backlog", |_| std::future::ready(Ok(())));
    loop {
        let row = sqlx::query(
            "SELECT COUNT(*) AS left FROM zero_jobs WHERE queue = 'backlog' AND state <> 'done'",
        )
        .fetch_one(db.pool())
        .await?;
        let left: i64 = sqlx::Row::try_get(&row, "left")?;
        if left == 0 {
            break;
        }
        if start.elapsed() > Duration::from_secs(300) {
            bail!("{left} jobs left after 5 minutes");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = start.elapsed().as_secs_f64();
    for task in tasks {
        task.abort();
    }
    Ok(n as f64 / secs)
}

/// Enqueues `n` jobs 20 ms apart into an idle queue: the p50 and p99 of the time from each
/// enqueue to its handler starting, in ms.
async fn enqueue_to_start(db: &Db, n: usize) -> Result<(f64, f64)> {
    let started: Arc<Mutex<Vec<(i64, i64)>>> = Arc::new(Mutex::new(Vec::new()));
    let record = started.clone();
    let tasks = workers(db, "singles", move |job| {
        let enqueued: i64 = job.args.as_i64().unwrap_or_default();
        record.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((enqueued, now_us()));
        std::future::ready(Ok(()))
    });
    for _ in 0..n {
        let job = NewJob::new("noop", &now_us())?.queue("singles")?;
        zero_jobs::enqueue_now(db, &job, &SystemClock).await?;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while started.lock().unwrap_or_else(std::sync::PoisonError::into_inner).len() < n {
        if Instant::now() > deadline {
            bail!("not every job started within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for task in tasks {
        task.abort();
    }
    let mut waits: Vec<f64> = started
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .map(|(enqueued, start)| (start - enqueued) as f64 / 1000.0)
        .collect();
    Ok((percentile(&mut waits, 0.5), percentile(&mut waits, 0.99)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_short_run_measures_each_backend_with_every_job_run() {
        let server = std::env::var("ZERO_DB_POSTGRES_URL").ok();
        assert!(server.is_some() || std::env::var_os("CI").is_none(), "CI measures Postgres too");
        let printer = Printer::new(true);
        let measures = measure(&printer, server.as_deref(), 40, 5).await.unwrap();
        let backends = if server.is_some() { 2 } else { 1 };
        assert_eq!(measures.len(), 3 * backends);
        for m in &measures {
            assert!(m.value.is_finite() && m.value > 0.0, "{} {} {}", m.case, m.metric, m.value);
        }
        let p50 = measures.iter().find(|m| m.metric == "enqueue_to_start_p50").unwrap();
        assert!(p50.value < 1000.0, "woken, not polled: {} ms", p50.value);
    }
}
