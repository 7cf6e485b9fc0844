//! Durable background jobs in the app's own database (ADR 0031): SQLite by default, Postgres
//! with `FOR UPDATE SKIP LOCKED`, and no other service to run.
//!
//! - A job is a row of `zero_jobs` ([`schema`]): a queue, a kind, JSON arguments, when it may
//!   run, how many attempts it has had and may have, and an optional unique key.
//! - [`enqueue`] writes it through any connection, so a job enqueued in the transaction of the
//!   write it belongs to exists if and only if that write commits.
//! - A [`Worker`] claims due jobs of one queue (at most its concurrency at a time), runs each
//!   kind's handler, and records the outcome: done, or failed and retried after a growing,
//!   jittered delay ([`Backoff`]), or dead with its last error once out of attempts.
//! - A [`Schedule`] (a cron pattern, UTC) enqueues its job at each time it names, once however
//!   many workers run it.
//! - A claimed job is leased: its worker renews the lease while the handler runs. A worker
//!   that stops (`kill -9`, a lost machine) leaves the job claimable again once the lease runs
//!   out; the stopped worker's claim token no longer finishes it.
//!
//! ```no_run
//! # async fn example(db: zero_db::Db) -> Result<(), zero_jobs::JobError> {
//! use zero_jobs::{NewJob, Worker};
//!
//! let mut tx = db.begin().await?;
//! // ... the write the job belongs to, in `tx` ...
//! let job = NewJob::new("mail", &serde_json::json!({"to": "ann@example.com"}))?.unique("welcome:ann");
//! zero_jobs::enqueue(&mut tx, &job, &zero_jobs::SystemClock).await?;
//! tx.commit().await?;
//!
//! let worker = Worker::new(db, "default").handle("mail", |job| async move {
//!     let to: String = job.arg("to")?;
//!     println!("mail to {to}");
//!     Ok(())
//! });
//! worker.run(std::future::pending(), std::time::Duration::from_secs(30)).await?;
//! # Ok(()) }
//! ```

mod backoff;
mod clock;
mod queue;
mod schedule;
pub mod schema;
pub mod testing;
#[cfg(feature = "web")]
pub mod web;
mod worker;

pub use backoff::Backoff;
pub use clock::{Clock, ManualClock, SystemClock};
pub use queue::{
    Claimed, Enqueued, Job, JobRow, JobState, NewJob, claim, complete, counts, discard, enqueue,
    enqueue_now, fail, list, recent, release, renew, retry,
};
pub use schedule::Schedule;
pub use worker::{Drained, Outcome, Worker, wake};

/// Why a queue operation failed.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The database refused or failed.
    #[error(transparent)]
    Db(#[from] zero_db::DbError),
    /// A job's arguments could not be written or read as JSON.
    #[error("job arguments: {0}")]
    Args(String),
    /// A queue, kind or unique key that is empty or longer than 255 characters.
    #[error("{0}")]
    Name(String),
    /// A cron pattern that cannot be read.
    #[error("{0}")]
    Schedule(String),
}

impl From<sqlx::Error> for JobError {
    fn from(e: sqlx::Error) -> JobError {
        JobError::Db(e.into())
    }
}

/// The queue a job goes to when it names none.
pub const DEFAULT_QUEUE: &str = "default";

/// How many attempts a job has when it says nothing else.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 20;
