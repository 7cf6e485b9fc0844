//! How long a failed job waits before its next attempt: exponential in the attempts it has had,
//! capped, with jitter so the jobs that failed together (a mail server that was down) do not
//! all come back in the same second.

use std::time::Duration;

/// Exponential backoff with equal jitter: after attempt `n`, a delay drawn evenly from
/// `[d / 2, d]` where `d = min(cap, base * 2^(n - 1))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The delay after the first attempt, before jitter.
    pub base: Duration,
    /// The longest delay, before jitter.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 2 s after the first attempt, doubling, at most an hour.
    fn default() -> Backoff {
        Backoff { base: Duration::from_secs(2), cap: Duration::from_secs(3600) }
    }
}

impl Backoff {
    /// The longest delay after attempt `attempt` (1 for the first).
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(32);
        self.base.saturating_mul(2u32.saturating_pow(doublings)).min(self.cap)
    }

    /// The delay after attempt `attempt`, jitter included.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        let spread = u64::try_from((ceiling - half).as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rand::random_range(0..=spread))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_and_stay_within_their_jitter() {
        let b = Backoff { base: Duration::from_secs(1), cap: Duration::from_secs(10) };
        let ceilings: Vec<u64> = (1..=6).map(|n| b.ceiling(n).as_secs()).collect();
        assert_eq!(ceilings, [1, 2, 4, 8, 10, 10]);
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(10), "no overflow");
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let d = b.delay(4);
            assert!(d >= Duration::from_secs(4) && d <= Duration::from_secs(8), "{d:?}");
            seen.insert(d.as_millis());
        }
        assert!(seen.len() > 20, "jittered: {} distinct delays", seen.len());
    }
}
