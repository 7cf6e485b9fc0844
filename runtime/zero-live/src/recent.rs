//! The last warnings and errors the log wrote, kept in memory for an operator's dashboard
//! (`zero-dashboard`'s "recent errors"): [`records`] reads them, newest first.
//!
//! [`crate::logs::Logs`] adds [`layer`] to the subscriber it installs, behind the same filter
//! as the log, so a record is kept exactly when its line was written: the same fields, and so
//! no secret (see [`crate::logs`]). At most [`CAPACITY`] records are kept; an older one leaves
//! when a new one comes.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::SystemTime;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;

/// How many records are kept.
pub const CAPACITY: usize = 100;

/// A warning or an error the log wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// When it was written.
    pub at: SystemTime,
    /// `WARN` or `ERROR`.
    pub level: Level,
    /// Its target (`zero_live::session`, `sqlx::query`).
    pub target: String,
    /// Its message.
    pub message: String,
    /// Its other fields, `name=value` separated by spaces, as the text log writes them.
    pub fields: String,
}

static RECORDS: Mutex<VecDeque<Record>> = Mutex::new(VecDeque::new());

/// The kept records, newest first.
pub fn records() -> Vec<Record> {
    RECORDS.lock().unwrap_or_else(PoisonError::into_inner).iter().rev().cloned().collect()
}

fn keep(record: Record) {
    let mut records = RECORDS.lock().unwrap_or_else(PoisonError::into_inner);
    if records.len() == CAPACITY {
        records.pop_front();
    }
    records.push_back(record);
}

/// The layer that keeps the records: add it behind the log's filter.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recent;

/// [`Recent`], the layer [`crate::logs::Logs`] installs.
pub fn layer() -> Recent {
    Recent
}

impl<S: Subscriber> tracing_subscriber::Layer<S> for Recent {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if *meta.level() > Level::WARN {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        keep(Record {
            at: SystemTime::now(),
            level: *meta.level(),
            target: meta.target().to_owned(),
            message: fields.message,
            fields: fields.rest,
        });
    }
}

#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.push(field, format_args!("{value:?}"));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.push(field, format_args!("{value:?}"));
        }
    }
}

impl Fields {
    fn push(&mut self, field: &Field, value: std::fmt::Arguments<'_>) {
        if !self.rest.is_empty() {
            self.rest.push(' ');
        }
        let _ = write!(self.rest, "{}={value}", field.name());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::{Capture, Format, Logs};

    /// The two tests share the process's records.
    static SERIAL: Mutex<()> = Mutex::new(());

    #[test]
    fn warnings_and_errors_the_log_writes_are_kept_newest_first_and_nothing_else() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        let logs = Logs::new("info,quiet=error", Format::Text);
        let subscriber = logs.subscriber(Capture::default()).expect("subscriber");
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "recent_test", "an info line is not kept");
            tracing::warn!(target: "recent_test", code = 4001, "a refused join");
            tracing::warn!(target: "quiet", "filtered out of the log, so not kept");
            tracing::error!(target: "recent_test", view = "Index", "mount failed");
        });
        let mine: Vec<Record> =
            records().into_iter().filter(|r| r.target.starts_with("recent_test")).collect();
        assert_eq!(mine.len(), 2, "{mine:?}");
        assert_eq!(mine[0].level, Level::ERROR);
        assert_eq!(mine[0].message, "mount failed");
        assert_eq!(mine[0].fields, "view=\"Index\"");
        assert_eq!(mine[1].level, Level::WARN);
        assert_eq!(
            (mine[1].message.as_str(), mine[1].fields.as_str()),
            ("a refused join", "code=4001")
        );
        assert!(records().iter().all(|r| r.target != "quiet"));
    }

    #[test]
    fn the_oldest_record_leaves_past_capacity() {
        let _serial = SERIAL.lock().unwrap_or_else(PoisonError::into_inner);
        for i in 0..CAPACITY + 5 {
            keep(Record {
                at: SystemTime::now(),
                level: Level::WARN,
                target: "capacity_test".to_owned(),
                message: i.to_string(),
                fields: String::new(),
            });
        }
        let kept = records();
        assert_eq!(kept.len(), CAPACITY);
        assert_eq!(kept[0].message, (CAPACITY + 4).to_string(), "newest first");
        assert!(kept.iter().all(|r| r.message != "0"), "the oldest left");
    }
}
