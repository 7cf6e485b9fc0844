//! The time jobs run by, in milliseconds since the Unix epoch: the system's, or one a test
//! moves by hand (a job due in an hour runs in the test's next line, not an hour later).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    /// Now.
    fn now_ms(&self) -> i64;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        let since = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
    }
}

/// A clock that stands still until moved; clones share the time.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<AtomicI64>,
}

impl Default for ManualClock {
    fn default() -> ManualClock {
        ManualClock::new()
    }
}

impl ManualClock {
    /// A clock at the system's time.
    pub fn new() -> ManualClock {
        ManualClock { now: Arc::new(AtomicI64::new(SystemClock.now_ms())) }
    }

    /// A clock at `ms` since the Unix epoch.
    pub fn at(ms: i64) -> ManualClock {
        ManualClock { now: Arc::new(AtomicI64::new(ms)) }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.now.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_told_and_its_clones_follow() {
        let clock = ManualClock::new();
        let copy = clock.clone();
        let start = clock.now_ms();
        assert!((start - SystemClock.now_ms()).abs() < 60_000, "starts at the system's time");
        copy.advance(Duration::from_secs(90));
        assert_eq!(clock.now_ms(), start + 90_000);
    }
}
