//! What an app's tests ask of its queue: whether a write enqueued the job it should, with the
//! arguments it should. To run the queued jobs inline, drain a worker
//! ([`Worker::drain`](crate::Worker::drain)).
//!
//! ```no_run
//! # async fn example(db: zero_db::Db) -> Result<(), zero_jobs::JobError> {
//! use serde_json::json;
//! // ... the code under test registers ann ...
//! let job = zero_jobs::testing::assert_enqueued(&db, "welcome", &json!({"to": "ann@example.com"})).await;
//! assert_eq!(job.queue, "mail");
//! zero_jobs::testing::refute_enqueued(&db, "welcome", &json!({"to": "bob@example.com"})).await;
//! # Ok(()) }
//! ```

use serde_json::Value;
use zero_db::Db;

use crate::{JobRow, JobState};

/// The queued jobs of `kind` whose arguments hold `args`: every key of `args` (an object) with
/// an equal value; `{}` matches any.
pub async fn enqueued(db: &Db, kind: &str, args: &Value) -> Vec<JobRow> {
    let jobs = match crate::list(db, None, Some(kind)).await {
        Ok(jobs) => jobs,
        Err(e) => panic!("the jobs table could not be read: {e}"),
    };
    jobs.into_iter().filter(|job| job.state == JobState::Queued && holds(&job.args, args)).collect()
}

/// Panics unless exactly one queued job of `kind` holds `args` (see [`enqueued`]); returns it.
/// The message lists the queued jobs of that kind, to see what was enqueued instead.
pub async fn assert_enqueued(db: &Db, kind: &str, args: &Value) -> JobRow {
    let mut found = enqueued(db, kind, args).await;
    if found.len() == 1 {
        return found.remove(0);
    }
    let queued = enqueued(db, kind, &Value::Object(serde_json::Map::new())).await;
    let seen: Vec<String> = queued.iter().map(|job| job.args.to_string()).collect();
    panic!(
        "expected one queued `{kind}` job holding {args}, found {}; the queued `{kind}` jobs: [{}]",
        found.len(),
        seen.join(", ")
    );
}

/// Panics if a queued job of `kind` holds `args`.
pub async fn refute_enqueued(db: &Db, kind: &str, args: &Value) {
    let found = enqueued(db, kind, args).await;
    if let Some(job) = found.first() {
        panic!(
            "expected no queued `{kind}` job holding {args}, found job {}: {}",
            job.id, job.args
        );
    }
}

/// Whether `args` holds every key of `wanted` with an equal value (`wanted` not an object:
/// equal as a whole).
fn holds(args: &Value, wanted: &Value) -> bool {
    match (args, wanted) {
        (Value::Object(args), Value::Object(wanted)) => {
            wanted.iter().all(|(key, value)| args.get(key) == Some(value))
        }
        _ => args == wanted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_hold_what_a_test_names_and_nothing_else_matters() {
        let args = json!({"to": "ann@example.com", "user": 7});
        assert!(holds(&args, &json!({})));
        assert!(holds(&args, &json!({"to": "ann@example.com"})));
        assert!(!holds(&args, &json!({"to": "bob@example.com"})));
        assert!(!holds(&args, &json!({"missing": 1})));
        assert!(holds(&json!([1, 2]), &json!([1, 2])) && !holds(&json!([1]), &json!([2])));
    }
}
