//! A live counter with a keyed list: the smallest complete 0x0 Live app.

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use zero_live::{Context, EventError, LiveView, MountError, Terminate};
use zero_live_core::Stream;

/// One list item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Its key.
    pub id: u64,
    /// Its text.
    pub name: String,
}

/// The counter page's state.
#[derive(Debug, Default)]
pub struct Counter {
    /// The count.
    pub count: i64,
    /// The list.
    pub items: Vec<Item>,
    /// The last announcement published on [`ANNOUNCEMENTS`].
    pub notice: String,
    /// What happened to the list, newest first: a stream, so the server keeps none of it once
    /// sent; the page keeps the last [`LOG_LIMIT`].
    pub log: Stream<LogEntry>,
    /// The last search text (from a debounced input).
    pub searched: String,
    /// How many search events arrived.
    pub searches: u32,
    next_id: u64,
    next_log: u64,
}

/// How many counter sessions ended, by reason (what `terminate` saw).
#[derive(Debug)]
pub struct Terminations {
    /// The client closed or left.
    pub closed: AtomicUsize,
    /// The server shut down.
    pub shutdown: AtomicUsize,
    /// The session broke a rule.
    pub refused: AtomicUsize,
}

/// Counter sessions ended so far.
pub static TERMINATED: Terminations = Terminations {
    closed: AtomicUsize::new(0),
    shutdown: AtomicUsize::new(0),
    refused: AtomicUsize::new(0),
};

/// Entries of the activity log the page keeps.
pub const LOG_LIMIT: i32 = 5;

/// One entry of the activity log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Its key.
    pub id: u64,
    /// What happened.
    pub text: String,
}

/// The topic every counter session listens to: publish a `String` with
/// `live.broadcast(ANNOUNCEMENTS, text)`.
pub const ANNOUNCEMENTS: &str = "announcements";
zero_live_core::template!(Counter, "counter");

impl LiveView for Counter {
    fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        let count = match ctx.query("start") {
            Some(start) => start.parse().map_err(|_| MountError(format!("bad start `{start}`")))?,
            None => 0,
        };
        ctx.set_title("Counter");
        ctx.subscribe(ANNOUNCEMENTS);
        let mut log = Stream::new();
        log.limit(LOG_LIMIT);
        Ok(Counter { count, log, ..Counter::default() })
    }

    fn handle_info(&mut self, message: &(dyn std::any::Any + Send + Sync), _ctx: &mut Context) {
        if let Some(text) = message.downcast_ref::<String>() {
            self.notice.clone_from(text);
        }
    }

    fn handle_params(&mut self, ctx: &mut Context) {
        // A live patch to `/?start=N` sets the count without a remount.
        if let Some(start) = ctx.query("start").and_then(|s| s.parse().ok()) {
            self.count = start;
        }
    }

    fn terminate(&mut self, reason: Terminate) {
        let counter = match reason {
            Terminate::Closed => &TERMINATED.closed,
            Terminate::Shutdown => &TERMINATED.shutdown,
            Terminate::Refused => &TERMINATED.refused,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "jump" => {
                let to = value
                    .get("to")
                    .and_then(Value::as_i64)
                    .ok_or_else(|| EventError::Invalid("`to` must be a number".into()))?;
                ctx.push_patch(format!("/?start={to}"));
            }
            "search" => {
                let text = value.get("value").and_then(Value::as_str).unwrap_or_default();
                self.searched = text.chars().take(100).collect();
                self.searches += 1;
            }
            "leave" => {
                ctx.put_flash("info", "See you on the clicks page");
                ctx.redirect("/clicks");
            }
            "inc" => self.count += 1,
            "dec" => self.count -= 1,
            "add" => {
                let name = value
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.trim().is_empty() && n.len() <= 200)
                    .ok_or_else(|| EventError::Invalid("`name` must be 1-200 characters".into()))?;
                self.next_id += 1;
                self.items.push(Item { id: self.next_id, name: name.trim().to_owned() });
                self.record(format!("added {}", name.trim()));
            }
            "remove" => {
                let id = value
                    .get("id")
                    .and_then(|v| v.as_u64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
                    .ok_or_else(|| EventError::Invalid("`id` must be a number".into()))?;
                let before = self.items.len();
                self.items.retain(|i| i.id != id);
                if self.items.len() < before {
                    self.record(format!("removed #{id}"));
                }
            }
            "reverse" => {
                self.items.reverse();
                self.record("reversed".to_owned());
            }
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}

impl Counter {
    fn record(&mut self, text: String) {
        self.next_log += 1;
        self.log.insert_at(0, LogEntry { id: self.next_log, text });
    }
}

/// The peers' benchmark page (`shared/bench/live-peers`): a count and one button, nothing else,
/// so the `live` suite measures the same page pyview and djust serve.
#[derive(Debug, Default)]
pub struct Clicks {
    /// The count.
    pub count: u64,
}
zero_live_core::template!(Clicks, "clicks");

impl LiveView for Clicks {
    fn mount(_ctx: &mut Context) -> Result<Self, MountError> {
        Ok(Clicks::default())
    }

    fn handle_event(
        &mut self,
        event: &str,
        _value: &Value,
        _ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "inc" => self.count += 1,
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }
}

/// The app's live endpoint: the counter at `/`, the benchmark page at `/clicks`.
pub fn live(config: zero_live::LiveConfig) -> zero_live::Live {
    zero_live::Live::builder().config(config).live::<Counter>("/").live::<Clicks>("/clicks").build()
}
