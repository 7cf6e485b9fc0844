#![allow(clippy::unwrap_used, clippy::print_stderr)]
//! The queue against real databases: a SQLite file always, and Postgres when
//! `ZERO_DB_POSTGRES_URL` names a server (required under `CI`), each test on a database of its
//! own. Time is a clock the tests move, except where real workers run.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;
use zero_db::Db;
use zero_jobs::{
    Backoff, Clock, Enqueued, JobState, ManualClock, NewJob, SystemClock, Worker, claim, complete,
    enqueue, list, release, renew,
};

mod support;
use support::{databases, urls};

/// The variable that makes [`child_worker_runs_until_killed`] a worker of that database.
const CHILD_DB: &str = "ZERO_JOBS_CHILD_DB";

/// Not a test of its own: the worker process that
/// [`a_worker_killed_with_sigkill_mid_job_leaves_it_to_run_again_after_its_lease`] starts
/// (this test binary again) and kills. Its jobs never finish by themselves.
#[tokio::test]
#[ignore = "a worker process its parent test starts and kills"]
async fn child_worker_runs_until_killed() {
    let url = std::env::var(CHILD_DB).expect("started by its parent test");
    let db = Db::connect(&url).await.unwrap();
    let worker = Worker::new(db, "default")
        .lease(Duration::from_millis(600))
        .poll(Duration::from_millis(20))
        .handle("hang", |_| async {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(())
        });
    worker.run(std::future::pending(), Duration::ZERO).await.unwrap();
}

/// Not a test of its own: the worker process that
/// [`sigterm_stops_a_worker_process_after_its_running_job_and_before_the_next`] starts and stops
/// with SIGTERM. Its jobs take half a second; it runs one at a time.
#[tokio::test]
#[ignore = "a worker process its parent test starts and stops"]
async fn child_worker_runs_until_sigterm() {
    let url = std::env::var(CHILD_DB).expect("started by its parent test");
    let db = Db::connect(&url).await.unwrap();
    let worker = Worker::new(db, "default").concurrency(1).poll(Duration::from_millis(20)).handle(
        "half_second",
        |_| async {
            tokio::time::sleep(Duration::from_millis(500)).await;
            Ok(())
        },
    );
    worker.run_until_signal(Duration::from_secs(10)).await.unwrap();
}

#[tokio::test]
async fn sigterm_stops_a_worker_process_after_its_running_job_and_before_the_next() {
    let dir = tempfile::tempdir().unwrap();
    for url in urls(dir.path()).await {
        let db = Db::connect(&url).await.unwrap();
        for n in 0..2 {
            put(&db, &NewJob::new("half_second", &json!(n)).unwrap(), &SystemClock).await;
        }
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "child_worker_runs_until_sigterm", "--nocapture"])
            .env(CHILD_DB, &url)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut running = false;
        for _ in 0..500 {
            if list(&db, None, None).await.unwrap()[0].state == JobState::Running {
                running = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(running, "the child worker took the first job");
        let term = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        let status = child.wait().unwrap();
        assert!(status.success(), "stopped cleanly: {status}");
        // The running job finished; the next was never claimed.
        let rows: Vec<(JobState, u32)> = list(&db, None, None)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.state, r.attempts))
            .collect();
        assert_eq!(rows, [(JobState::Done, 1), (JobState::Queued, 0)]);
    }
}

#[tokio::test]
async fn a_worker_killed_with_sigkill_mid_job_leaves_it_to_run_again_after_its_lease() {
    let dir = tempfile::tempdir().unwrap();
    for url in urls(dir.path()).await {
        let db = Db::connect(&url).await.unwrap();
        let job = NewJob::new("hang", &json!({})).unwrap().unique("resize:photo-7");
        let id = put(&db, &job, &SystemClock).await.id();
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "child_worker_runs_until_killed", "--nocapture"])
            .env(CHILD_DB, &url)
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut running = false;
        for _ in 0..500 {
            if list(&db, None, None).await.unwrap()[0].state == JobState::Running {
                running = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(running, "the child worker claimed the job");
        // Its lease is renewed while it lives: still held well past one lease.
        tokio::time::sleep(Duration::from_millis(900)).await;
        assert!(claim(&db, "default", 1, 1_000, &SystemClock).await.unwrap().jobs.is_empty());
        child.kill().unwrap(); // SIGKILL: nothing runs on the way out
        child.wait().unwrap();
        let runs = Arc::new(AtomicUsize::new(0));
        let worker = Worker::new(db.clone(), "default").handle("hang", {
            let runs = runs.clone();
            move |_| {
                runs.fetch_add(1, Ordering::SeqCst);
                async { Ok(()) }
            }
        });
        assert_eq!(worker.drain().await.unwrap().done, 0, "not before the lease runs out");
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert_eq!(worker.drain().await.unwrap().done, 1, "not lost");
        let row = list(&db, None, None).await.unwrap().remove(0);
        assert_eq!((row.id, row.state, row.attempts), (id, JobState::Done, 2));
        // Its idempotency key: enqueued again, nothing runs twice.
        assert_eq!(put(&db, &job, &SystemClock).await, Enqueued::Existing(id));
        assert_eq!(worker.drain().await.unwrap().done, 0);
        assert_eq!(runs.load(Ordering::SeqCst), 1);
    }
}

async fn put(db: &Db, job: &NewJob, clock: &dyn Clock) -> Enqueued {
    let mut conn = db.pool().acquire().await.unwrap();
    enqueue(&mut conn, job, clock).await.unwrap()
}

fn states(rows: &[zero_jobs::JobRow]) -> Vec<JobState> {
    rows.iter().map(|r| r.state).collect()
}

#[tokio::test]
async fn a_job_enqueued_with_a_write_exists_only_if_the_write_commits() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        sqlx::query("CREATE TABLE notes (body TEXT)").execute(db.pool()).await.unwrap();
        for commit in [false, true] {
            let mut tx = db.begin().await.unwrap();
            sqlx::query("INSERT INTO notes (body) VALUES ($1)")
                .bind("hi")
                .execute(&mut *tx)
                .await
                .unwrap();
            let job = NewJob::new("notify", &json!({"note": "hi"})).unwrap();
            enqueue(&mut tx, &job, &SystemClock).await.unwrap();
            if commit {
                tx.commit().await.unwrap();
            } else {
                tx.rollback().await.unwrap();
            }
        }
        let jobs = list(&db, None, Some("notify")).await.unwrap();
        assert_eq!(jobs.len(), 1, "the rolled-back one is gone with its write");
        assert_eq!((jobs[0].state, jobs[0].attempts), (JobState::Queued, 0));
        // It runs, with its arguments, and is done.
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let worker = Worker::new(db.clone(), "default").handle("notify", {
            let seen = seen.clone();
            move |job| {
                let seen = seen.clone();
                async move {
                    seen.lock().unwrap().push(job.arg::<String>("note")?);
                    Ok(())
                }
            }
        });
        let drained = worker.drain().await.unwrap();
        assert_eq!((drained.done, drained.retried, drained.dead), (1, 0, 0));
        assert_eq!(*seen.lock().unwrap(), ["hi"]);
        assert_eq!(states(&list(&db, None, None).await.unwrap()), [JobState::Done]);
        assert_eq!(worker.drain().await.unwrap().done, 0, "nothing runs twice");
    }
}

#[tokio::test]
async fn a_failing_job_is_retried_after_growing_delays_then_dead_with_its_last_error() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let clock = ManualClock::new();
        let backoff = Backoff { base: Duration::from_secs(10), cap: Duration::from_secs(60) };
        let calls = Arc::new(AtomicUsize::new(0));
        let worker = Worker::new(db.clone(), "mail")
            .clock(Arc::new(clock.clone()))
            .backoff(backoff)
            .handle("send", {
                let calls = calls.clone();
                move |job| {
                    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                    async move { Err(format!("smtp refused attempt {} (call {n})", job.attempt)) }
                }
            });
        let job = NewJob::new("send", &json!({})).unwrap().queue("mail").unwrap().max_attempts(3);
        let id = put(&db, &job, &clock).await.id();
        for attempt in 1..=2u32 {
            let drained = worker.drain().await.unwrap();
            assert_eq!((drained.retried, drained.dead), (1, 0), "attempt {attempt}");
            let row = list(&db, Some("mail"), None).await.unwrap().remove(0);
            assert_eq!((row.id, row.state, row.attempts), (id, JobState::Queued, attempt));
            assert_eq!(
                row.last_error.as_deref(),
                Some(format!("smtp refused attempt {attempt} (call {attempt})").as_str())
            );
            // Not before its delay: within [ceiling / 2, ceiling] of now.
            let wait = row.run_at - clock.now_ms();
            let ceiling = i64::try_from(backoff.ceiling(attempt).as_millis()).unwrap();
            assert!(wait >= ceiling / 2 && wait <= ceiling, "attempt {attempt}: waits {wait} ms");
            assert_eq!(worker.drain().await.unwrap(), zero_jobs::Drained::default(), "not due yet");
            clock.advance(Duration::from_millis(u64::try_from(wait).unwrap()));
        }
        let drained = worker.drain().await.unwrap();
        assert_eq!((drained.retried, drained.dead), (0, 1));
        let row = list(&db, Some("mail"), None).await.unwrap().remove(0);
        assert_eq!((row.state, row.attempts), (JobState::Dead, 3));
        assert_eq!(row.last_error.as_deref(), Some("smtp refused attempt 3 (call 3)"));
        clock.advance(Duration::from_secs(3600));
        assert_eq!(worker.drain().await.unwrap(), zero_jobs::Drained::default(), "dead stays dead");
        // Retried from the jobs page: attempts from zero, and it runs again.
        assert!(zero_jobs::retry(&db, id, &clock).await.unwrap());
        assert!(!zero_jobs::retry(&db, id, &clock).await.unwrap(), "only a dead job");
        assert_eq!(worker.drain().await.unwrap().retried, 1);
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        // Discarded: gone.
        assert!(zero_jobs::discard(&db, id).await.unwrap());
        assert!(list(&db, None, None).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn a_unique_key_enqueues_once_even_after_its_job_ran_and_other_queues_keep_their_own() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let job = NewJob::new("charge", &json!({"order": 42})).unwrap().unique("charge:42");
        let first = put(&db, &job, &SystemClock).await;
        assert!(matches!(first, Enqueued::New(_)), "{first:?}");
        assert_eq!(put(&db, &job, &SystemClock).await, Enqueued::Existing(first.id()));
        let worker = Worker::new(db.clone(), "default").handle("charge", |_| async { Ok(()) });
        assert_eq!(worker.drain().await.unwrap().done, 1);
        assert_eq!(
            put(&db, &job, &SystemClock).await,
            Enqueued::Existing(first.id()),
            "ran already"
        );
        assert_eq!(worker.drain().await.unwrap().done, 0, "charged once");
        let other = job.clone().queue("billing").unwrap();
        assert!(matches!(put(&db, &other, &SystemClock).await, Enqueued::New(_)));
        // Keys without a key never clash.
        let plain = NewJob::new("charge", &json!({})).unwrap();
        assert_ne!(put(&db, &plain, &SystemClock).await, put(&db, &plain, &SystemClock).await);
        // Names and keys are checked.
        assert!(NewJob::new("", &json!({})).is_err());
        assert!(plain.clone().queue(&"q".repeat(256)).is_err());
        let long = plain.unique(&"k".repeat(256));
        let mut conn = db.pool().acquire().await.unwrap();
        assert!(enqueue(&mut conn, &long, &SystemClock).await.is_err());
    }
}

#[tokio::test]
async fn a_job_due_later_waits_for_its_time_and_jobs_run_in_due_order() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let clock = ManualClock::new();
        let now = clock.now_ms();
        for (name, at) in [("late", now + 60_000), ("soon", now + 1_000), ("now", now)] {
            put(&db, &NewJob::new(name, &json!({})).unwrap().run_at(at), &clock).await;
        }
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut worker = Worker::new(db.clone(), "default").clock(Arc::new(clock.clone()));
        for name in ["late", "soon", "now"] {
            let order = order.clone();
            worker = worker.handle(name, move |job| {
                order.lock().unwrap().push(job.kind.clone());
                async { Ok(()) }
            });
        }
        assert_eq!(worker.drain().await.unwrap().done, 1);
        clock.advance(Duration::from_secs(61));
        assert_eq!(worker.drain().await.unwrap().done, 2);
        assert_eq!(*order.lock().unwrap(), ["now", "soon", "late"]);
    }
}

#[tokio::test]
async fn a_stopped_workers_job_runs_again_after_its_lease_and_the_stale_claim_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let clock = ManualClock::new();
        let job = NewJob::new("resize", &json!({})).unwrap().max_attempts(2);
        let id = put(&db, &job, &clock).await.id();
        // A worker claims it and stops (its process killed): the job is not lost.
        let stale = claim(&db, "default", 10, 30_000, &clock).await.unwrap();
        assert_eq!(stale.jobs.len(), 1);
        assert!(claim(&db, "default", 10, 30_000, &clock).await.unwrap().jobs.is_empty(), "held");
        clock.advance(Duration::from_secs(31));
        let again = claim(&db, "default", 10, 30_000, &clock).await.unwrap();
        assert_eq!((again.jobs[0].id, again.jobs[0].attempt), (id, 2));
        // The stopped worker's token no longer renews, finishes nor puts back the job.
        assert!(!renew(&db, id, &stale.token, 30_000, &clock).await.unwrap());
        assert!(!complete(&db, id, &stale.token, &clock).await.unwrap());
        assert!(!release(&db, id, &stale.token, &clock).await.unwrap());
        assert!(renew(&db, id, &again.token, 30_000, &clock).await.unwrap());
        // Stopped again on its last attempt: dead, saying why.
        clock.advance(Duration::from_secs(31));
        assert!(claim(&db, "default", 10, 30_000, &clock).await.unwrap().jobs.is_empty());
        let row = list(&db, None, None).await.unwrap().remove(0);
        assert_eq!(row.state, JobState::Dead);
        assert!(row.last_error.unwrap().contains("its worker stopped during its last attempt"));
    }
}

#[tokio::test]
async fn two_claimers_at_once_never_take_the_same_job() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        for n in 0..60 {
            put(&db, &NewJob::new("n", &json!(n)).unwrap(), &SystemClock).await;
        }
        let mut tasks = Vec::new();
        for _ in 0..4 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                loop {
                    let claim = claim(&db, "default", 5, 30_000, &SystemClock).await.unwrap();
                    if claim.jobs.is_empty() {
                        return ids;
                    }
                    ids.extend(claim.jobs.iter().map(|j| j.id));
                }
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.unwrap());
        }
        let unique: BTreeSet<i64> = all.iter().copied().collect();
        assert_eq!((all.len(), unique.len()), (60, 60), "each job claimed exactly once");
    }
}

#[tokio::test]
async fn a_panicking_slow_or_unknown_job_fails_its_attempt_and_the_worker_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let worker = Worker::new(db.clone(), "default")
            .timeout(Duration::from_millis(100))
            .handle("panics", |_| async { panic!("a bug in the handler") })
            .handle("hangs", |_| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(())
            })
            .handle("works", |_| async { Ok(()) });
        for kind in ["panics", "hangs", "nobody", "works"] {
            put(&db, &NewJob::new(kind, &json!({})).unwrap(), &SystemClock).await;
        }
        let drained = worker.drain().await.unwrap();
        assert_eq!((drained.done, drained.retried), (1, 3));
        let errors: Vec<(String, Option<String>)> = list(&db, None, None)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.kind, r.last_error))
            .collect();
        assert_eq!(
            errors[0],
            ("panics".to_owned(), Some("the handler panicked: a bug in the handler".to_owned()))
        );
        assert_eq!(errors[1], ("hangs".to_owned(), Some("timed out after 100ms".to_owned())));
        assert_eq!(
            errors[2],
            (
                "nobody".to_owned(),
                Some("no handler for jobs of kind `nobody` on queue `default`".to_owned())
            )
        );
        assert_eq!(errors[3], ("works".to_owned(), None));
    }
}

#[tokio::test]
async fn a_running_worker_keeps_to_its_concurrency_and_shutdown_lets_jobs_finish() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        for n in 0..6 {
            put(&db, &NewJob::new("slow", &json!(n)).unwrap(), &SystemClock).await;
        }
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let worker = Worker::new(db.clone(), "default")
            .concurrency(2)
            .poll(Duration::from_millis(20))
            .handle("slow", {
                let (now, most) = (now.clone(), most.clone());
                move |_| {
                    let (now, most) = (now.clone(), most.clone());
                    async move {
                        let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(running, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(80)).await;
                        now.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    }
                }
            });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let run = tokio::spawn(
            worker.run(async move { stopped.await.unwrap_or(()) }, Duration::from_secs(5)),
        );
        // All six done; then shut down.
        for _ in 0..200 {
            if states(&list(&db, None, None).await.unwrap()).iter().all(|s| *s == JobState::Done) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.send(()).unwrap();
        run.await.unwrap().unwrap();
        assert_eq!(states(&list(&db, None, None).await.unwrap()), [JobState::Done; 6]);
        assert_eq!(most.load(Ordering::SeqCst), 2, "two at a time, never more");
    }
}

#[tokio::test]
async fn shutdown_waits_its_grace_then_puts_unfinished_jobs_back_without_an_attempt() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let finished = Arc::new(AtomicUsize::new(0));
        put(&db, &NewJob::new("quick", &json!({})).unwrap(), &SystemClock).await;
        put(&db, &NewJob::new("long", &json!({})).unwrap(), &SystemClock).await;
        let worker = Worker::new(db.clone(), "default")
            .concurrency(2)
            .handle("quick", {
                let finished = finished.clone();
                move |_| {
                    let finished = finished.clone();
                    async move {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        finished.fetch_add(1, Ordering::SeqCst);
                        Ok(())
                    }
                }
            })
            .handle("long", |_| async {
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok(())
            });
        // Shut down as soon as both run: the quick one finishes within the grace, the long
        // one is put back.
        let db2 = db.clone();
        let shutdown = async move {
            loop {
                let rows = list(&db2, None, None).await.unwrap();
                if rows.iter().all(|r| r.state == JobState::Running) {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        worker.run(shutdown, Duration::from_millis(400)).await.unwrap();
        assert_eq!(finished.load(Ordering::SeqCst), 1);
        let rows = list(&db, None, None).await.unwrap();
        let by_kind: Vec<(String, JobState, u32)> =
            rows.into_iter().map(|r| (r.kind, r.state, r.attempts)).collect();
        assert_eq!(
            by_kind,
            [("quick".to_owned(), JobState::Done, 1), ("long".to_owned(), JobState::Queued, 0)]
        );
    }
}

#[tokio::test]
async fn an_enqueue_wakes_this_processs_idle_worker_at_once_not_at_its_next_poll() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        // A queue of this test's own: wake-ups are per queue, process-wide.
        let queue = format!("wake-{}", db.backend().name());
        let started = Arc::new(tokio::sync::Notify::new());
        let worker =
            Worker::new(db.clone(), &queue).poll(Duration::from_secs(600)).handle("ping", {
                let started = started.clone();
                move |_| {
                    started.notify_one();
                    async { Ok(()) }
                }
            });
        let run = tokio::spawn(worker.run(std::future::pending(), Duration::ZERO));
        tokio::time::sleep(Duration::from_millis(200)).await; // idle: its first poll found nothing
        // Enqueued without a wake-up: the worker sleeps on.
        let job = NewJob::new("ping", &json!({})).unwrap().queue(&queue).unwrap();
        put(&db, &job, &SystemClock).await;
        let waited = tokio::time::timeout(Duration::from_millis(400), started.notified()).await;
        assert!(waited.is_err(), "nothing started before a wake-up or the next poll");
        // Woken after the commit: it runs now.
        zero_jobs::wake(job.queue_name());
        tokio::time::timeout(Duration::from_secs(5), started.notified()).await.unwrap();
        // `enqueue_now` enqueues and wakes.
        zero_jobs::enqueue_now(&db, &job, &SystemClock).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), started.notified()).await.unwrap();
        run.abort();
    }
}

#[tokio::test]
async fn a_schedule_enqueues_each_due_time_once_however_many_workers_run_it() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        // 2026-12-07T10:00:30Z; the pattern's times are 10:00, 10:05, ...
        let clock = ManualClock::at(1_796_637_630_000);
        let ten = 1_796_637_600_000_i64;
        let runs = Arc::new(AtomicUsize::new(0));
        let worker = || {
            let runs = runs.clone();
            let digest =
                NewJob::new("digest", &json!({"period": "5m"})).unwrap().queue("cron").unwrap();
            Worker::new(db.clone(), "cron")
                .clock(Arc::new(clock.clone()))
                .handle("digest", move |_| {
                    runs.fetch_add(1, Ordering::SeqCst);
                    async { Ok(()) }
                })
                .schedule("*/5 * * * *", digest)
                .unwrap()
        };
        // Two workers (two nodes): each time is enqueued and run once.
        let (a, b) = (worker(), worker());
        assert_eq!(a.drain().await.unwrap().done, 1, "10:00");
        assert_eq!(b.drain().await.unwrap().done, 0);
        clock.advance(Duration::from_secs(240));
        assert_eq!(a.drain().await.unwrap().done + b.drain().await.unwrap().done, 0, "10:04");
        clock.advance(Duration::from_secs(60));
        assert_eq!(b.drain().await.unwrap().done, 1, "10:05");
        assert_eq!(a.drain().await.unwrap().done, 0);
        let rows = list(&db, Some("cron"), None).await.unwrap();
        let due: Vec<i64> = rows.iter().map(|r| r.run_at).collect();
        assert_eq!(due, [ten, ten + 300_000]);
        assert_eq!(
            rows[0].unique_key.as_deref(),
            Some(format!("cron:digest:*/5 * * * *:{ten}").as_str())
        );
        // A due time a worker saw enqueued is not asked for again: with its row gone, that
        // worker's next poll adds nothing (another worker would add it back).
        sqlx::query("DELETE FROM zero_jobs WHERE id = $1")
            .bind(rows[1].id)
            .execute(db.pool())
            .await
            .unwrap();
        assert_eq!(b.drain().await.unwrap().done, 0);
        assert_eq!(list(&db, Some("cron"), None).await.unwrap().len(), 1);
        // An hour without workers: the latest time runs, the ones missed are not made up.
        clock.advance(Duration::from_secs(3600));
        assert_eq!(a.drain().await.unwrap().done, 1);
        assert_eq!(runs.load(Ordering::SeqCst), 3);
        // A pattern that cannot be read is refused, naming it.
        let job = NewJob::new("digest", &json!({})).unwrap();
        let bad = Worker::new(db.clone(), "cron").schedule("61 * * * *", job).unwrap_err();
        assert!(bad.to_string().starts_with("cron pattern \"61 * * * *\""), "{bad}");
    }
}
