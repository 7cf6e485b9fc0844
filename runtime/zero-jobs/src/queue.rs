//! The queue's operations on `zero_jobs`, one statement each: enqueue, claim (with a lease and a
//! token), renew, complete, fail (retry or dead), release, and what the jobs page and tests
//! read and do (list, retry, discard). Every change to a claimed job names its claim token, so
//! a worker whose lease ran out changes nothing.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::{AnyConnection, Row as _, any::AnyRow};
use zero_db::{Backend, Db, DbError};

use crate::{Backoff, Clock, DEFAULT_MAX_ATTEMPTS, DEFAULT_QUEUE, JobError};

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    queue: String,
    kind: String,
    args: Value,
    run_at: Option<i64>,
    max_attempts: u32,
    unique_key: Option<String>,
}

/// Checks a queue, kind or key: 1 to 255 characters.
fn name(what: &str, value: &str) -> Result<String, JobError> {
    if value.is_empty() || value.chars().count() > 255 {
        return Err(JobError::Name(format!(
            "a job's {what} is 1 to 255 characters, not {value:?}"
        )));
    }
    Ok(value.to_owned())
}

impl NewJob {
    /// A job of `kind` with these arguments (anything serde writes as JSON), for the default
    /// queue, due now, with [`DEFAULT_MAX_ATTEMPTS`].
    pub fn new(kind: &str, args: &impl Serialize) -> Result<NewJob, JobError> {
        Ok(NewJob {
            queue: DEFAULT_QUEUE.to_owned(),
            kind: name("kind", kind)?,
            args: serde_json::to_value(args).map_err(|e| JobError::Args(e.to_string()))?,
            run_at: None,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            unique_key: None,
        })
    }

    /// For the queue `queue` (its workers' concurrency is their own).
    pub fn queue(mut self, queue: &str) -> Result<NewJob, JobError> {
        self.queue = name("queue", queue)?;
        Ok(self)
    }

    /// Due at `ms` (milliseconds since the Unix epoch), not before.
    pub fn run_at(mut self, ms: i64) -> NewJob {
        self.run_at = Some(ms);
        self
    }

    /// At most `n` attempts (at least 1) before it is dead.
    pub fn max_attempts(mut self, n: u32) -> NewJob {
        self.max_attempts = n.max(1);
        self
    }

    /// Enqueued once per `key` in its queue: enqueuing it again, even after it ran, adds
    /// nothing and answers the first job ([`Enqueued::Existing`]). An idempotency key
    /// (`charge:order-42`) or a unique one (`digest:2026-12-07`). A key longer than 255
    /// characters is refused when the job is enqueued.
    pub fn unique(mut self, key: &str) -> NewJob {
        self.unique_key = Some(key.to_owned());
        self
    }
}

impl NewJob {
    /// The queue it goes to (what [`crate::wake`] takes once its transaction committed).
    pub fn queue_name(&self) -> &str {
        &self.queue
    }

    /// Its kind.
    pub fn kind_name(&self) -> &str {
        &self.kind
    }
}

/// What an enqueue did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enqueued {
    /// A new job, with its id.
    New(i64),
    /// Nothing: the job of the same unique key, with its id.
    Existing(i64),
}

impl Enqueued {
    /// The job's id.
    pub fn id(self) -> i64 {
        match self {
            Enqueued::New(id) | Enqueued::Existing(id) => id,
        }
    }
}

/// Writes `job` through `conn`: the connection of a transaction (`&mut *tx`), so the job
/// exists if and only if the transaction commits, or one of the pool's
/// (`&mut *db.pool().acquire().await?`).
pub async fn enqueue(
    conn: &mut AnyConnection,
    job: &NewJob,
    clock: &dyn Clock,
) -> Result<Enqueued, JobError> {
    let key = job.unique_key.as_deref().map(|k| name("unique key", k)).transpose()?;
    let now = clock.now_ms();
    let args = job.args.to_string();
    let inserted = sqlx::query(
        "INSERT INTO zero_jobs (queue, kind, args, max_attempts, run_at, unique_key, inserted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (queue, unique_key) DO NOTHING RETURNING id",
    )
    .bind(&job.queue)
    .bind(&job.kind)
    .bind(args)
    .bind(i64::from(job.max_attempts))
    .bind(job.run_at.unwrap_or(now))
    .bind(key.clone())
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = inserted {
        return Ok(Enqueued::New(row.try_get("id")?));
    }
    let row = sqlx::query("SELECT id FROM zero_jobs WHERE queue = $1 AND unique_key = $2")
        .bind(&job.queue)
        .bind(key)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Enqueued::Existing(row.try_get("id")?))
}

/// Enqueues `job` through a connection of the pool (not a transaction of the caller's), and
/// wakes a worker of its queue in this process ([`crate::wake`]).
pub async fn enqueue_now(db: &Db, job: &NewJob, clock: &dyn Clock) -> Result<Enqueued, JobError> {
    let mut conn = db.pool().acquire().await?;
    let enqueued = enqueue(&mut conn, job, clock).await?;
    crate::wake(&job.queue);
    Ok(enqueued)
}

/// A job a worker claimed, as its handler gets it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// Its id.
    pub id: i64,
    /// Its queue.
    pub queue: String,
    /// Its kind (which handler runs it).
    pub kind: String,
    /// Its arguments.
    pub args: Value,
    /// Which attempt this is (1 for the first).
    pub attempt: u32,
    /// How many it may have.
    pub max_attempts: u32,
    /// Its unique key.
    pub unique_key: Option<String>,
}

impl Job {
    /// The arguments as `T`; the error says what did not fit (a failed attempt).
    pub fn args<T: DeserializeOwned>(&self) -> Result<T, String> {
        serde_json::from_value(self.args.clone()).map_err(|e| format!("job arguments: {e}"))
    }

    /// The argument `name` as `T`.
    pub fn arg<T: DeserializeOwned>(&self, name: &str) -> Result<T, String> {
        let value = self.args.get(name).cloned().unwrap_or(Value::Null);
        serde_json::from_value(value).map_err(|e| format!("job argument `{name}`: {e}"))
    }
}

/// Jobs claimed together, and the token that owns them until their lease runs out.
#[derive(Debug, Clone, PartialEq)]
pub struct Claimed {
    /// The jobs, in the order they were due.
    pub jobs: Vec<Job>,
    /// The claim's token: every later change of these jobs names it.
    pub token: String,
}

fn count(row: &AnyRow, column: &str) -> Result<u32, JobError> {
    let n: i64 = row.try_get(column)?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

fn args_of(row: &AnyRow) -> Result<Value, JobError> {
    let text: String = row.try_get("args")?;
    serde_json::from_str(&text).map_err(|e| JobError::Args(e.to_string()))
}

/// A claim token: 128 random bits in hex.
fn token() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}

/// The claim's statement: Postgres locks the rows it picks and skips those another claim
/// holds; SQLite has one writer, so the statement is the lock.
fn claim_sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => {
            "UPDATE zero_jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
             locked_until = $2 WHERE id IN (SELECT id FROM zero_jobs WHERE queue = $3 AND \
             ((state = 'queued' AND run_at <= $4) OR (state = 'running' AND locked_until <= $4 \
             AND attempts < max_attempts)) ORDER BY run_at, id LIMIT $5 FOR UPDATE SKIP LOCKED) \
             RETURNING id, queue, kind, args, attempts, max_attempts, unique_key, run_at"
        }
        Backend::Sqlite => {
            "UPDATE zero_jobs SET state = 'running', attempts = attempts + 1, locked_by = $1, \
             locked_until = $2 WHERE id IN (SELECT id FROM zero_jobs WHERE queue = $3 AND \
             ((state = 'queued' AND run_at <= $4) OR (state = 'running' AND locked_until <= $4 \
             AND attempts < max_attempts)) ORDER BY run_at, id LIMIT $5) \
             RETURNING id, queue, kind, args, attempts, max_attempts, unique_key, run_at"
        }
    }
}

/// Claims up to `limit` due jobs of `queue` for `lease_ms`: jobs queued and due, and jobs whose
/// worker's lease ran out (their worker stopped) with attempts left. A job whose lease ran out
/// on its last attempt is dead first, with that as its error.
pub async fn claim(
    db: &Db,
    queue: &str,
    limit: usize,
    lease_ms: i64,
    clock: &dyn Clock,
) -> Result<Claimed, JobError> {
    let now = clock.now_ms();
    sqlx::query(
        "UPDATE zero_jobs SET state = 'dead', locked_by = NULL, locked_until = NULL, \
         finished_at = $1, last_error = 'its worker stopped during its last attempt (the lease \
         ran out)' WHERE queue = $2 AND state = 'running' AND locked_until <= $1 AND attempts >= \
         max_attempts",
    )
    .bind(now)
    .bind(queue)
    .execute(db.pool())
    .await?;
    let token = token();
    let rows = sqlx::query(claim_sql(db.backend()))
        .bind(&token)
        .bind(now.saturating_add(lease_ms))
        .bind(queue)
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(db.pool())
        .await?;
    let mut claimed = Vec::with_capacity(rows.len());
    for row in &rows {
        let due: i64 = row.try_get("run_at")?;
        claimed.push((
            due,
            Job {
                id: row.try_get("id")?,
                queue: row.try_get("queue")?,
                kind: row.try_get("kind")?,
                args: args_of(row)?,
                attempt: count(row, "attempts")?,
                max_attempts: count(row, "max_attempts")?,
                unique_key: row.try_get("unique_key")?,
            },
        ));
    }
    // RETURNING gives no order: the due order, then the id.
    claimed.sort_by_key(|(due, job)| (*due, job.id));
    let jobs = claimed.into_iter().map(|(_, job)| job).collect();
    Ok(Claimed { jobs, token })
}

/// Whether a statement on a claimed job found it still held by `token`.
fn held(done: sqlx::any::AnyQueryResult) -> bool {
    done.rows_affected() == 1
}

/// Runs `sql`, a change of a claimed job whose parameters are a time (`$1`), the job's id
/// (`$2`) and the claim's token (`$3`): whether the token still held it.
async fn on_claim(
    db: &Db,
    sql: &'static str,
    at: i64,
    id: i64,
    token: &str,
) -> Result<bool, JobError> {
    let done = sqlx::query(sql).bind(at).bind(id).bind(token).execute(db.pool()).await?;
    Ok(held(done))
}

/// Extends the lease of job `id` held by `token` to `lease_ms` from now; false when the claim
/// was lost (the lease ran out and another worker took the job).
pub async fn renew(
    db: &Db,
    id: i64,
    token: &str,
    lease_ms: i64,
    clock: &dyn Clock,
) -> Result<bool, JobError> {
    let until = clock.now_ms().saturating_add(lease_ms);
    let sql = "UPDATE zero_jobs SET locked_until = $1 WHERE id = $2 AND locked_by = $3 AND \
               state = 'running'";
    on_claim(db, sql, until, id, token).await
}

/// Marks job `id` done; false when `token` no longer holds it (nothing changed).
pub async fn complete(db: &Db, id: i64, token: &str, clock: &dyn Clock) -> Result<bool, JobError> {
    let sql = "UPDATE zero_jobs SET state = 'done', finished_at = $1, locked_by = NULL, \
               locked_until = NULL, last_error = NULL WHERE id = $2 AND locked_by = $3 AND \
               state = 'running'";
    on_claim(db, sql, clock.now_ms(), id, token).await
}

/// Records a failed attempt of `job` held by `token`: queued again after `backoff`'s delay
/// while it has attempts left, else dead; `error` is kept either way. The state it is in, or
/// `None` when `token` no longer holds it.
pub async fn fail(
    db: &Db,
    job: &Job,
    token: &str,
    error: &str,
    backoff: &Backoff,
    clock: &dyn Clock,
) -> Result<Option<JobState>, JobError> {
    let now = clock.now_ms();
    let (state, run_at, finished) = if job.attempt >= job.max_attempts {
        (JobState::Dead, now, Some(now))
    } else {
        let delay = i64::try_from(backoff.delay(job.attempt).as_millis()).unwrap_or(i64::MAX);
        (JobState::Queued, now.saturating_add(delay), None)
    };
    let done = sqlx::query(
        "UPDATE zero_jobs SET state = $1, run_at = $2, last_error = $3, finished_at = $4, \
         locked_by = NULL, locked_until = NULL WHERE id = $5 AND locked_by = $6 AND state = 'running'",
    )
    .bind(state.as_str())
    .bind(run_at)
    .bind(error)
    .bind(finished)
    .bind(job.id)
    .bind(token)
    .execute(db.pool())
    .await?;
    Ok(held(done).then_some(state))
}

/// Puts job `id` held by `token` back, due now, without counting the attempt (a worker shutting
/// down before the job finished); false when `token` no longer holds it.
pub async fn release(db: &Db, id: i64, token: &str, clock: &dyn Clock) -> Result<bool, JobError> {
    let sql = "UPDATE zero_jobs SET state = 'queued', attempts = attempts - 1, run_at = $1, \
               locked_by = NULL, locked_until = NULL WHERE id = $2 AND locked_by = $3 AND \
               state = 'running'";
    on_claim(db, sql, clock.now_ms(), id, token).await
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its time or a worker (a failed job waiting to be retried too).
    Queued,
    /// Claimed by a worker.
    Running,
    /// Finished.
    Done,
    /// Out of attempts (or its worker stopped on the last one): kept with its last error.
    Dead,
}

impl JobState {
    /// Its name in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    /// Every state, in the order a job goes through them.
    pub const ALL: [JobState; 4] =
        [JobState::Queued, JobState::Running, JobState::Done, JobState::Dead];

    /// The state named `s` (`queued`, `running`, `done`, `dead`).
    pub fn from_name(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|state| state.as_str() == s)
    }

    fn parse(s: &str) -> Result<JobState, JobError> {
        Ok(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "dead" => JobState::Dead,
            other => return Err(JobError::Db(DbError::Constraint(format!("job state {other:?}")))),
        })
    }
}

/// A job as the table has it (the jobs page, `assert_enqueued` in tests).
#[derive(Debug, Clone, PartialEq)]
pub struct JobRow {
    /// Its id.
    pub id: i64,
    /// Its queue.
    pub queue: String,
    /// Its kind.
    pub kind: String,
    /// Its arguments.
    pub args: Value,
    /// Where it is.
    pub state: JobState,
    /// The attempts it has had.
    pub attempts: u32,
    /// The attempts it may have.
    pub max_attempts: u32,
    /// When it is due (ms since the Unix epoch).
    pub run_at: i64,
    /// Its unique key.
    pub unique_key: Option<String>,
    /// The error of its last failed attempt.
    pub last_error: Option<String>,
}

/// The columns of a [`JobRow`], as a literal for `concat!`.
macro_rules! row_columns {
    () => {
        "id, queue, kind, args, state, attempts, max_attempts, run_at, unique_key, last_error"
    };
}

/// The jobs of `queue` (every queue: `None`), of `kind` if given, oldest first.
pub async fn list(
    db: &Db,
    queue: Option<&str>,
    kind: Option<&str>,
) -> Result<Vec<JobRow>, JobError> {
    let sql = concat!(
        "SELECT ",
        row_columns!(),
        " FROM zero_jobs WHERE ($1 IS NULL OR queue = $1) AND ($2 IS NULL OR kind = $2) ",
        "ORDER BY id"
    );
    let rows = sqlx::query(sql).bind(queue).bind(kind).fetch_all(db.pool()).await?;
    rows.iter().map(job_row).collect()
}

/// The newest `limit` jobs in `state` (every state: `None`) of `queue` (every queue: `None`),
/// newest first (the jobs page).
pub async fn recent(
    db: &Db,
    state: Option<JobState>,
    queue: Option<&str>,
    limit: u32,
) -> Result<Vec<JobRow>, JobError> {
    let sql = concat!(
        "SELECT ",
        row_columns!(),
        " FROM zero_jobs WHERE ($1 IS NULL OR state = $1) AND ($2 IS NULL OR queue = $2) ",
        "ORDER BY id DESC LIMIT $3"
    );
    let rows = sqlx::query(sql)
        .bind(state.map(JobState::as_str))
        .bind(queue)
        .bind(i64::from(limit))
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(job_row).collect()
}

/// How many jobs each queue holds in each state, by queue then state (the jobs page's totals).
pub async fn counts(db: &Db) -> Result<Vec<(String, JobState, i64)>, JobError> {
    let rows = sqlx::query(
        "SELECT queue, state, COUNT(*) AS n FROM zero_jobs GROUP BY queue, state \
         ORDER BY queue, state",
    )
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let state = JobState::parse(&row.try_get::<String, _>("state")?)?;
            Ok((row.try_get("queue")?, state, row.try_get("n")?))
        })
        .collect()
}

fn job_row(row: &AnyRow) -> Result<JobRow, JobError> {
    Ok(JobRow {
        id: row.try_get("id")?,
        queue: row.try_get("queue")?,
        kind: row.try_get("kind")?,
        args: args_of(row)?,
        state: JobState::parse(&row.try_get::<String, _>("state")?)?,
        attempts: count(row, "attempts")?,
        max_attempts: count(row, "max_attempts")?,
        run_at: row.try_get("run_at")?,
        unique_key: row.try_get("unique_key")?,
        last_error: row.try_get("last_error")?,
    })
}

/// Queues dead job `id` again, due now, with its attempts from zero (the jobs page's retry);
/// false when it is not dead.
pub async fn retry(db: &Db, id: i64, clock: &dyn Clock) -> Result<bool, JobError> {
    let done = sqlx::query(
        "UPDATE zero_jobs SET state = 'queued', attempts = 0, run_at = $1, finished_at = NULL \
         WHERE id = $2 AND state = 'dead'",
    )
    .bind(clock.now_ms())
    .bind(id)
    .execute(db.pool())
    .await?;
    Ok(held(done))
}

/// Removes job `id` if it is queued or dead (the jobs page's discard); false otherwise (a
/// running job is its worker's until it finishes).
pub async fn discard(db: &Db, id: i64) -> Result<bool, JobError> {
    let done = sqlx::query("DELETE FROM zero_jobs WHERE id = $1 AND state IN ('queued', 'dead')")
        .bind(id)
        .execute(db.pool())
        .await?;
    Ok(held(done))
}
