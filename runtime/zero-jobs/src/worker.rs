//! A worker: the handlers of one queue's kinds, run at most `concurrency` at a time. Each
//! claimed job runs in a task of its own (a panic fails the attempt, never the worker), bounded
//! by a timeout, its lease renewed a third of the way through each lease. On shutdown the worker
//! claims nothing more, lets running jobs finish within a grace period, then stops the rest and
//! puts them back without counting the attempt.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::task::{AbortHandle, JoinSet};
use zero_db::Db;

use crate::queue::{self, Job, JobState};
use crate::{Backoff, Clock, JobError, Schedule, SystemClock};

/// What a handler returns: `Err` with a message fails the attempt (kept as the job's last
/// error).
pub type Outcome = Result<(), String>;

/// The wake-ups of this process's workers, by queue.
fn wakers() -> &'static std::sync::Mutex<HashMap<String, Arc<tokio::sync::Notify>>> {
    static WAKERS: std::sync::OnceLock<
        std::sync::Mutex<HashMap<String, Arc<tokio::sync::Notify>>>,
    > = std::sync::OnceLock::new();
    WAKERS.get_or_init(Default::default)
}

/// The wake-up of `queue`'s workers in this process.
fn waker(queue: &str) -> Arc<tokio::sync::Notify> {
    let mut wakers = wakers().lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    wakers.entry(queue.to_owned()).or_default().clone()
}

/// Wakes a worker of `queue` in this process now, rather than at its next poll: call it once
/// the transaction that enqueued a job has committed (before, the job is not there to claim).
/// Workers in other processes find the job at their next poll.
pub fn wake(queue: &str) {
    waker(queue).notify_one();
}

type Handler = Arc<dyn Fn(Job) -> Pin<Box<dyn Future<Output = Outcome> + Send>> + Send + Sync>;

/// The worker's settings and handlers, shared by its job tasks.
struct Shared {
    db: Db,
    queue: String,
    handlers: HashMap<String, Handler>,
    lease: Duration,
    timeout: Duration,
    backoff: Backoff,
    clock: Arc<dyn Clock>,
}

/// The workers of one queue in this process.
pub struct Worker {
    shared: Shared,
    concurrency: usize,
    poll: Duration,
    schedules: Vec<Schedule>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kinds: Vec<&String> = self.shared.handlers.keys().collect();
        kinds.sort();
        f.debug_struct("Worker")
            .field("queue", &self.shared.queue)
            .field("kinds", &kinds)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

/// What [`Worker::drain`] ran.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Drained {
    /// Attempts that succeeded.
    pub done: usize,
    /// Attempts that failed with attempts left (queued again for later).
    pub retried: usize,
    /// Attempts that failed on the last attempt.
    pub dead: usize,
}

/// Aborts a task when dropped: a job task stopped at shutdown stops its handler too.
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Worker {
    /// A worker of `queue` on `db`: concurrency 2, a lease of 30 s, a timeout of 5 minutes a
    /// job, polled every second, [`Backoff::default`], the system's clock.
    pub fn new(db: Db, queue: &str) -> Worker {
        Worker {
            shared: Shared {
                db,
                queue: queue.to_owned(),
                handlers: HashMap::new(),
                lease: Duration::from_secs(30),
                timeout: Duration::from_secs(300),
                backoff: Backoff::default(),
                clock: Arc::new(SystemClock),
            },
            concurrency: 2,
            poll: Duration::from_secs(1),
            schedules: Vec::new(),
        }
    }

    /// Runs jobs of `kind` with `handler`.
    pub fn handle<F, Fut>(mut self, kind: &str, handler: F) -> Worker
    where
        F: Fn(Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |job| Box::pin(handler(job)));
        self.shared.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// Enqueues `job` at each time the cron `pattern` names (UTC; see [`Schedule`]), checked at
    /// each poll; a pattern that cannot be read is refused.
    pub fn schedule(mut self, pattern: &str, job: crate::NewJob) -> Result<Worker, JobError> {
        self.schedules.push(Schedule::new(pattern, job)?);
        Ok(self)
    }

    /// At most `n` jobs at a time (at least 1).
    pub fn concurrency(mut self, n: usize) -> Worker {
        self.concurrency = n.max(1);
        self
    }

    /// How long a claim holds a job without being renewed: how soon a stopped worker's job
    /// runs again.
    pub fn lease(mut self, lease: Duration) -> Worker {
        self.shared.lease = lease.max(Duration::from_millis(30));
        self
    }

    /// How long one attempt may run before it fails as timed out.
    pub fn timeout(mut self, timeout: Duration) -> Worker {
        self.shared.timeout = timeout;
        self
    }

    /// How often an idle worker looks for due jobs.
    pub fn poll(mut self, poll: Duration) -> Worker {
        self.poll = poll;
        self
    }

    /// The delays between attempts.
    pub fn backoff(mut self, backoff: Backoff) -> Worker {
        self.shared.backoff = backoff;
        self
    }

    /// The clock that says when jobs are due and leases run out (tests move a
    /// [`crate::ManualClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Worker {
        self.shared.clock = clock;
        self
    }

    /// Runs due jobs until `shutdown` completes, then lets running jobs finish within `grace`
    /// and puts back the ones that did not. Errors of the database while claiming are logged
    /// and retried at the next poll; only the last step's are returned.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()>,
        grace: Duration,
    ) -> Result<(), JobError> {
        let shared = Arc::new(self.shared);
        let wake = waker(&shared.queue);
        let mut running: JoinSet<()> = JoinSet::new();
        // Each running job's id and claim token, by task, to put it back at shutdown.
        let mut held: HashMap<tokio::task::Id, (i64, String)> = HashMap::new();
        tokio::pin!(shutdown);
        loop {
            if let Err(e) = enqueue_schedules(&self.schedules, &shared).await {
                tracing::warn!(queue = %shared.queue, error = %e, "a scheduled job was not enqueued");
            }
            let free = self.concurrency.saturating_sub(running.len());
            if free > 0 {
                let lease = millis(shared.lease);
                match queue::claim(&shared.db, &shared.queue, free, lease, &*shared.clock).await {
                    Ok(claim) => {
                        for job in claim.jobs {
                            let id = job.id;
                            let token = claim.token.clone();
                            let task = running.spawn(execute(shared.clone(), job, token.clone()));
                            held.insert(task.id(), (id, token));
                        }
                    }
                    Err(e) => {
                        tracing::warn!(queue = %shared.queue, error = %e, "claiming jobs failed");
                    }
                }
            }
            // With a free slot the queue had nothing more due: look again after `poll`. With
            // none, a finished job frees one.
            let idle = running.len() < self.concurrency;
            tokio::select! {
                () = &mut shutdown => break,
                Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                    held.remove(&finished_task(&done));
                }
                () = tokio::time::sleep(self.poll), if idle => {}
                () = wake.notified(), if idle => {}
            }
        }
        // Shutdown: no more claims; running jobs get the grace period.
        let _ = tokio::time::timeout(grace, async {
            while let Some(done) = running.join_next_with_id().await {
                held.remove(&finished_task(&done));
            }
        })
        .await;
        running.abort_all();
        while let Some(done) = running.join_next_with_id().await {
            // A job that finished as it was stopped recorded its outcome.
            if let Ok((task, ())) = done {
                held.remove(&task);
            }
        }
        let mut result = Ok(());
        for (id, token) in held.into_values() {
            match queue::release(&shared.db, id, &token, &*shared.clock).await {
                Ok(_) => tracing::info!(job = id, "a job was put back at shutdown"),
                Err(e) => {
                    tracing::warn!(job = id, error = %e, "a job could not be put back");
                    result = Err(e);
                }
            }
        }
        result
    }

    /// [`Worker::run`] until the process gets Ctrl-C (SIGINT) or SIGTERM, as an app's endpoint
    /// serves: a deploy's stop lets running jobs finish within `grace` and puts the rest back.
    pub async fn run_until_signal(self, grace: Duration) -> Result<(), JobError> {
        self.run(stop_signal(), grace).await
    }

    /// Runs every due job of the queue inline, one at a time, until none is due (a test's way
    /// to work the queue; jobs due later wait for the clock). What it ran.
    pub async fn drain(&self) -> Result<Drained, JobError> {
        let mut drained = Drained::default();
        let shared = &self.shared;
        enqueue_schedules(&self.schedules, shared).await?;
        loop {
            let claim =
                queue::claim(&shared.db, &shared.queue, 1, millis(shared.lease), &*shared.clock)
                    .await?;
            let Some(job) = claim.jobs.into_iter().next() else {
                return Ok(drained);
            };
            let Some(outcome) = attempt(shared, &job, &claim.token).await else { continue };
            match record(shared, &job, &claim.token, outcome).await? {
                Some(JobState::Done) => drained.done += 1,
                Some(JobState::Dead) => drained.dead += 1,
                Some(_) => drained.retried += 1,
                None => {}
            }
        }
    }
}

/// Ctrl-C, or SIGTERM on Unix (what a service manager or a container runtime sends to stop).
/// The handlers are installed when this is called, not when the future is first polled, so a
/// signal that comes before the worker's first wait is not lost (nor does it kill the process).
fn stop_signal() -> impl Future<Output = ()> {
    #[cfg(unix)]
    let (mut interrupt, mut terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()).ok(), signal(SignalKind::terminate()).ok())
    };
    async move {
        #[cfg(unix)]
        {
            let interrupted = async {
                match interrupt.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            let terminated = async {
                match terminate.as_mut() {
                    Some(s) => drop(s.recv().await),
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = interrupted => {}
                () = terminated => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("stopping the job workers");
    }
}

/// The task a join result is of.
fn finished_task(done: &Result<(tokio::task::Id, ()), tokio::task::JoinError>) -> tokio::task::Id {
    match done {
        Ok((task, ())) => *task,
        Err(e) => e.id(),
    }
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Runs one attempt of `job`: its outcome, or `None` when the claim was lost while it ran
/// (another worker has the job; nothing is recorded).
async fn attempt(shared: &Shared, job: &Job, token: &str) -> Option<Outcome> {
    let Some(handler) = shared.handlers.get(&job.kind).cloned() else {
        return Some(Err(format!(
            "no handler for jobs of kind `{}` on queue `{}`",
            job.kind, shared.queue
        )));
    };
    let mut task = tokio::spawn(handler(job.clone()));
    let _stop = AbortOnDrop(task.abort_handle());
    let mut renew = tokio::time::interval(shared.lease / 3);
    renew.tick().await;
    let deadline = tokio::time::sleep(shared.timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            result = &mut task => {
                return Some(match result {
                    Ok(outcome) => outcome,
                    Err(e) if e.is_panic() => Err(format!("the handler panicked: {}", panic_message(e.into_panic()))),
                    Err(e) => Err(format!("the handler was stopped: {e}")),
                });
            }
            () = &mut deadline => {
                return Some(Err(format!("timed out after {:?}", shared.timeout)));
            }
            _ = renew.tick() => {
                match queue::renew(&shared.db, job.id, token, millis(shared.lease), &*shared.clock).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::warn!(job = job.id, "a job's lease was lost while it ran: another worker has it");
                        return None;
                    }
                    Err(e) => tracing::warn!(job = job.id, error = %e, "a job's lease could not be renewed"),
                }
            }
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast_ref::<&str>()
            .map_or_else(|| "(no message)".to_owned(), |s| (*s).to_owned()),
    }
}

/// A job's task: one attempt, and its outcome recorded under its claim.
async fn execute(shared: Arc<Shared>, job: Job, token: String) {
    let Some(outcome) = attempt(&shared, &job, &token).await else { return };
    if let Err(error) = &outcome {
        tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempt, %error, "a job failed");
    }
    match record(&shared, &job, &token, outcome).await {
        Ok(Some(_)) => {}
        Ok(None) => tracing::warn!(job = job.id, "a job finished after its claim was lost"),
        Err(e) => tracing::warn!(job = job.id, error = %e, "a job's outcome could not be recorded"),
    }
}

/// Records an attempt's outcome under its claim: the state the job is in now (done, queued
/// again, dead), or `None` when `token` no longer holds it.
async fn record(
    shared: &Shared,
    job: &Job,
    token: &str,
    outcome: Outcome,
) -> Result<Option<JobState>, JobError> {
    let clock = &*shared.clock;
    match outcome {
        Ok(()) => {
            Ok(queue::complete(&shared.db, job.id, token, clock).await?.then_some(JobState::Done))
        }
        Err(error) => queue::fail(&shared.db, job, token, &error, &shared.backoff, clock).await,
    }
}

/// Enqueues each schedule's latest due time (once, whoever asks).
async fn enqueue_schedules(schedules: &[Schedule], shared: &Shared) -> Result<(), JobError> {
    for schedule in schedules {
        schedule.enqueue_due(&shared.db, &*shared.clock).await?;
    }
    Ok(())
}
