//! A live session's timers: messages a view sends itself, now or later, once or on an interval
//! (Phoenix's `send(self(), msg)`, `Process.send_after` and `:timer.send_interval`).
//!
//! A view asks through its [`Context`](crate::Context) (`send_self`, `send_after`, `interval`,
//! `cancel_timer`); the session applies the requests after the callback returns, waits for the
//! earliest deadline beside its socket and mailbox, and delivers each message to
//! `handle_info` like a PubSub message. A view's timers end with it: on a live navigation to
//! another view and when the session ends. A disconnected render has no session, so its
//! requests are dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::pubsub::Info;

/// The shortest interval: a shorter period would have the session do nothing else.
pub const MIN_INTERVAL: Duration = Duration::from_millis(1);

/// A timer a view started, to cancel it with [`Context::cancel_timer`](crate::Context).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerRef(u64);

impl TimerRef {
    /// A reference no other timer of this process has.
    pub(crate) fn next() -> TimerRef {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        TimerRef(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// What a callback asked of the session's timers.
#[derive(Clone)]
pub(crate) enum Request {
    Start { timer: TimerRef, after: Duration, every: Option<Duration>, message: Info },
    Cancel(TimerRef),
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::Start { timer, after, every, .. } => f
                .debug_struct("Start")
                .field("timer", timer)
                .field("after", after)
                .field("every", every)
                .finish_non_exhaustive(),
            Request::Cancel(timer) => f.debug_tuple("Cancel").field(timer).finish(),
        }
    }
}

/// A session's pending timers, by deadline (then by start order).
#[derive(Default)]
pub(crate) struct Timers {
    due: BTreeMap<(Instant, TimerRef), Pending>,
    /// Each pending timer's deadline, to cancel it by reference.
    deadlines: HashMap<TimerRef, Instant>,
}

struct Pending {
    every: Option<Duration>,
    message: Info,
}

impl Timers {
    /// Applies a callback's requests, in the order it made them, from `now`.
    pub(crate) fn apply(&mut self, requests: Vec<Request>, now: Instant) {
        for request in requests {
            match request {
                Request::Start { timer, after, every, message } => {
                    let at = now + after;
                    self.deadlines.insert(timer, at);
                    self.due.insert((at, timer), Pending { every, message });
                }
                Request::Cancel(timer) => {
                    if let Some(at) = self.deadlines.remove(&timer) {
                        self.due.remove(&(at, timer));
                    }
                }
            }
        }
    }

    /// The earliest deadline, if any timer is pending.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.due.keys().next().map(|(at, _)| *at)
    }

    /// The message of the earliest timer due at `now`, if one is. An interval is due again one
    /// period after `now` (ticks a busy session missed are not made up), a one-shot timer is
    /// gone.
    pub(crate) fn pop_due(&mut self, now: Instant) -> Option<Info> {
        let (&(at, timer), _) = self.due.iter().next()?;
        if at > now {
            return None;
        }
        let pending = self.due.remove(&(at, timer))?;
        let message = pending.message.clone();
        match pending.every {
            Some(every) => {
                let next = now + every;
                self.deadlines.insert(timer, next);
                self.due.insert((next, timer), pending);
            }
            None => {
                self.deadlines.remove(&timer);
            }
        }
        Some(message)
    }

    /// Ends every timer (the view they belonged to is gone).
    pub(crate) fn clear(&mut self) {
        self.due.clear();
        self.deadlines.clear();
    }

    /// How many timers are pending.
    pub(crate) fn len(&self) -> usize {
        self.due.len()
    }
}

/// Waits until `deadline`, or for ever without one.
pub(crate) async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn start(after_ms: u64, every_ms: Option<u64>, message: &'static str) -> (TimerRef, Request) {
        let timer = TimerRef::next();
        let request = Request::Start {
            timer,
            after: Duration::from_millis(after_ms),
            every: every_ms.map(Duration::from_millis),
            message: Arc::new(message),
        };
        (timer, request)
    }

    fn text(info: Option<Info>) -> Option<&'static str> {
        info.and_then(|i| i.downcast_ref::<&'static str>().copied())
    }

    #[test]
    fn timers_fire_by_deadline_then_start_order_and_once() {
        let now = Instant::now();
        let mut timers = Timers::default();
        let (_, late) = start(20, None, "late");
        let (_, first) = start(10, None, "first");
        let (_, second) = start(10, None, "second");
        timers.apply(vec![late, first, second], now);
        assert_eq!(timers.next_deadline(), Some(now + Duration::from_millis(10)));
        assert_eq!(text(timers.pop_due(now + Duration::from_millis(9))), None, "not yet");
        let at = now + Duration::from_millis(10);
        assert_eq!(text(timers.pop_due(at)), Some("first"));
        assert_eq!(text(timers.pop_due(at)), Some("second"));
        assert_eq!(text(timers.pop_due(at)), None);
        assert_eq!(text(timers.pop_due(now + Duration::from_millis(30))), Some("late"));
        assert_eq!(timers.len(), 0, "one-shot timers are gone once fired");
        assert_eq!(timers.next_deadline(), None);
    }

    #[test]
    fn an_interval_repeats_from_when_it_fired_until_cancelled() {
        let now = Instant::now();
        let mut timers = Timers::default();
        let (tick, request) = start(5, Some(5), "tick");
        timers.apply(vec![request], now);
        // Late by 7 ms: it fires once, and next one period after that.
        let late = now + Duration::from_millis(12);
        assert_eq!(text(timers.pop_due(late)), Some("tick"));
        assert_eq!(text(timers.pop_due(late)), None, "missed ticks are not made up");
        assert_eq!(timers.next_deadline(), Some(late + Duration::from_millis(5)));
        timers.apply(vec![Request::Cancel(tick)], late);
        assert_eq!(timers.len(), 0);
        assert_eq!(text(timers.pop_due(late + Duration::from_secs(1))), None);
    }

    #[test]
    fn cancelling_an_unknown_or_fired_timer_changes_nothing_and_clear_ends_all() {
        let now = Instant::now();
        let mut timers = Timers::default();
        let (once, request) = start(0, None, "once");
        let (_, other) = start(50, None, "other");
        timers.apply(vec![request, other], now);
        assert_eq!(text(timers.pop_due(now)), Some("once"));
        timers.apply(vec![Request::Cancel(once), Request::Cancel(TimerRef::next())], now);
        assert_eq!(timers.len(), 1, "the other timer is still pending");
        timers.clear();
        assert_eq!(timers.len(), 0);
        assert_eq!(timers.next_deadline(), None);
    }
}
