//! Fixed-window rate limits keyed by action and subject (a client address, an email): at most
//! `count` hits per window; the window restarts after it ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::clock::Clock;

/// A limit: `count` per `window_secs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Hits allowed per window.
    pub count: u32,
    /// The window, in seconds.
    pub window_secs: i64,
}

/// A hit over its limit: retry after this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many attempts: try again in {retry_after_secs} seconds")]
pub struct Limited {
    /// Seconds until the window ends.
    pub retry_after_secs: i64,
}

/// Per action and subject: when its window started and the hits in it.
type Windows = HashMap<(&'static str, String), (i64, u32)>;

/// Windows of many subjects; the ones that ended are dropped as the table grows.
#[derive(Debug, Clone)]
pub struct RateLimiter {
    windows: Arc<Mutex<Windows>>,
    clock: Arc<dyn Clock>,
}

/// Subjects kept before ended windows are swept.
const SWEEP_AT: usize = 10_000;

impl RateLimiter {
    /// A limiter on `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> RateLimiter {
        RateLimiter { windows: Arc::default(), clock }
    }

    /// Counts a hit of `action` by `subject`; refused (and not counted) over `limit`.
    pub fn hit(&self, action: &'static str, subject: &str, limit: Limit) -> Result<(), Limited> {
        let now = self.clock.now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| now - *start < limit.window_secs.max(3600));
        }
        let window = windows.entry((action, subject.to_ascii_lowercase())).or_insert((now, 0));
        if now - window.0 >= limit.window_secs {
            *window = (now, 0);
        }
        if window.1 >= limit.count {
            // Not the subject: an address or a client, which the operator does not need here.
            tracing::warn!(target: "zero_auth::rate", action, "rate limited");
            return Err(Limited { retry_after_secs: window.0 + limit.window_secs - now });
        }
        window.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;

    #[test]
    fn hits_over_the_limit_are_refused_until_the_window_ends() {
        let clock = ManualClock::new();
        let limiter = RateLimiter::new(Arc::new(clock.clone()));
        let limit = Limit { count: 3, window_secs: 60 };
        for _ in 0..3 {
            limiter.hit("login", "10.0.0.1", limit).unwrap();
        }
        let refused = limiter.hit("login", "10.0.0.1", limit).unwrap_err();
        assert_eq!(refused.retry_after_secs, 60);
        // Other subjects and other actions have their own windows; case does not matter.
        limiter.hit("login", "10.0.0.2", limit).unwrap();
        limiter.hit("register", "10.0.0.1", limit).unwrap();
        clock.advance(59);
        assert_eq!(limiter.hit("login", "10.0.0.1", limit).unwrap_err().retry_after_secs, 1);
        clock.advance(1);
        limiter.hit("login", "10.0.0.1", limit).unwrap();
        for _ in 0..3 {
            let _ = limiter.hit("login", "Ann@Example.com", limit);
        }
        assert!(limiter.hit("login", "ann@example.com", limit).is_err());
    }
}
