//! Cron schedules: a pattern (standard five fields, or six with seconds first; UTC) and the job
//! it enqueues at each time it names. Every worker of the schedule's queue enqueues the latest
//! due time at each poll, under a unique key made of the kind, the pattern and the time, so
//! however many workers and nodes run it, each time is enqueued once. Times missed while no
//! worker ran are not made up: the latest one is.

use std::str::FromStr as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{TimeZone as _, Utc};
use croner::Cron;
use zero_db::Db;

use crate::queue::{NewJob, enqueue};
use crate::{Clock, JobError};

/// A cron pattern and its job.
#[derive(Debug, Clone)]
pub struct Schedule {
    pattern: String,
    cron: Cron,
    job: NewJob,
    /// The due time this schedule last saw enqueued (by itself or another worker): a poll
    /// between two due times asks the database nothing.
    enqueued: Arc<AtomicI64>,
}

impl Schedule {
    /// `job` at each time `pattern` names (`"0 3 * * *"`: every day at 03:00 UTC); a pattern
    /// croner cannot read is refused, naming it.
    pub fn new(pattern: &str, job: NewJob) -> Result<Schedule, JobError> {
        let cron = Cron::from_str(pattern)
            .map_err(|e| JobError::Schedule(format!("cron pattern {pattern:?}: {e}")))?;
        Ok(Schedule {
            pattern: pattern.to_owned(),
            cron,
            job,
            enqueued: Arc::new(AtomicI64::new(i64::MIN)),
        })
    }

    /// The latest time at or before `now_ms` the pattern names, in ms since the Unix epoch.
    pub fn latest(&self, now_ms: i64) -> Option<i64> {
        let now = Utc.timestamp_millis_opt(now_ms).single()?;
        let due = self.cron.find_previous_occurrence(&now, true).ok()?;
        Some(due.timestamp_millis())
    }

    /// The queue its jobs go to.
    pub fn queue(&self) -> &str {
        self.job.queue_name()
    }

    /// Enqueues the latest due time's job, once however often it is asked: whether this call
    /// added it. A due time this schedule already saw enqueued asks the database nothing.
    pub async fn enqueue_due(&self, db: &Db, clock: &dyn Clock) -> Result<bool, JobError> {
        let Some(due) = self.latest(clock.now_ms()) else {
            return Ok(false);
        };
        if self.enqueued.load(Ordering::Relaxed) == due {
            return Ok(false);
        }
        let key = format!("cron:{}:{}:{due}", self.job.kind_name(), self.pattern);
        let job = self.job.clone().run_at(due).unique(&key);
        let mut conn = db.pool().acquire().await?;
        let added = matches!(enqueue(&mut conn, &job, clock).await?, crate::Enqueued::New(_));
        self.enqueued.store(due, Ordering::Relaxed);
        Ok(added)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_latest_time_is_at_or_before_now_and_a_bad_pattern_is_refused() {
        let job = NewJob::new("digest", &()).unwrap();
        let every_five = Schedule::new("*/5 * * * *", job.clone()).unwrap();
        // 2026-12-07T10:07:30Z
        let now = Utc.with_ymd_and_hms(2026, 12, 7, 10, 7, 30).unwrap().timestamp_millis();
        let ten_five = Utc.with_ymd_and_hms(2026, 12, 7, 10, 5, 0).unwrap().timestamp_millis();
        assert_eq!(every_five.latest(now), Some(ten_five));
        assert_eq!(every_five.latest(ten_five), Some(ten_five), "a due time is its own latest");
        let seconds = Schedule::new("30 * * * * *", job.clone()).unwrap();
        assert_eq!(seconds.latest(now), Some(now), "six fields: seconds first");
        for bad in ["61 * * * *", "* * *", "every day", ""] {
            let e = Schedule::new(bad, job.clone()).unwrap_err().to_string();
            assert!(e.contains(&format!("cron pattern {bad:?}")), "{e}");
        }
    }
}
