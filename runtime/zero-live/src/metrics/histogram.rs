//! A histogram of relaxed atomics with fixed bucket bounds, written in the Prometheus text
//! format: durations in seconds, sizes in bytes, counts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the duration histograms' buckets; `+Inf` is implied.
pub const BUCKETS: [f64; 12] =
    [0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5];

/// Upper bounds (bytes) of the answer-size histogram's buckets.
pub const BYTE_BUCKETS: [f64; 8] =
    [64.0, 256.0, 1024.0, 4096.0, 16_384.0, 65_536.0, 262_144.0, 1_048_576.0];

/// Upper bounds of the frames-per-turn histogram's buckets.
pub const FRAME_BUCKETS: [f64; 8] = [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0];

/// Upper bounds (seconds) of the session-lifetime histogram's buckets: a second to a day.
pub const LIFETIME_BUCKETS: [f64; 8] = [1.0, 10.0, 60.0, 300.0, 900.0, 3_600.0, 14_400.0, 86_400.0];

/// Observations per bucket (not cumulative; the last is `+Inf`) and their sum, in the unit
/// `scale` turns into the written one (nanoseconds to seconds for durations).
#[derive(Debug)]
pub(crate) struct Histogram {
    bounds: &'static [f64],
    counts: Box<[AtomicU64]>,
    sum: AtomicU64,
    scale: f64,
}

impl Histogram {
    /// Durations, in seconds ([`BUCKETS`]).
    pub(crate) fn seconds() -> Histogram {
        Histogram::new(&BUCKETS, 1e-9)
    }

    /// Values counted in whole units (bytes, frames, seconds) against `bounds`.
    pub(crate) fn units(bounds: &'static [f64]) -> Histogram {
        Histogram::new(bounds, 1.0)
    }

    fn new(bounds: &'static [f64], scale: f64) -> Histogram {
        let counts = (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect();
        Histogram { bounds, counts, sum: AtomicU64::new(0), scale }
    }

    /// Records a duration (a [`Histogram::seconds`]).
    pub(crate) fn observe_duration(&self, elapsed: Duration) {
        self.observe(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
    }

    /// Records `raw` (nanoseconds for a duration histogram, else units).
    pub(crate) fn observe(&self, raw: u64) {
        let value = raw as f64 * self.scale;
        let bucket = self.bounds.iter().position(|&le| value <= le).unwrap_or(self.bounds.len());
        if let Some(count) = self.counts.get(bucket) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        self.sum.fetch_add(raw, Ordering::Relaxed);
    }

    /// The counts per bucket and the raw sum, to add histograms up.
    pub(crate) fn snapshot(&self) -> (Vec<u64>, u64) {
        let counts = self.counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
        (counts, self.sum.load(Ordering::Relaxed))
    }

    /// `counts` and a raw `sum` (of histograms with this one's bounds) as values.
    pub(crate) fn distribution(&self, counts: Vec<u64>, sum: u64) -> super::Distribution {
        super::Distribution::new(self.bounds, counts, sum as f64 * self.scale)
    }

    /// Writes the `_bucket`, `_sum` and `_count` lines of `name`, with `labels` (e.g.
    /// `kind="x",`, ending in a comma, or empty) before `le`.
    pub(crate) fn write(&self, out: &mut String, name: &str, labels: &str) {
        super::Distribution::of(self).write(out, name, labels);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::tests::value;

    #[test]
    fn histograms_are_cumulative_and_count_the_sum() {
        let h = Histogram::seconds();
        h.observe_duration(Duration::from_micros(300));
        h.observe_duration(Duration::from_millis(3));
        h.observe_duration(Duration::from_secs(10));
        let mut out = String::new();
        h.write(&mut out, "x", "");
        assert_eq!(value(&out, "x_bucket{le=\"0.0005\"}"), Some(1.0), "{out}");
        assert_eq!(value(&out, "x_bucket{le=\"0.001\"}"), Some(1.0));
        assert_eq!(value(&out, "x_bucket{le=\"0.005\"}"), Some(2.0));
        assert_eq!(value(&out, "x_bucket{le=\"2.5\"}"), Some(2.0));
        assert_eq!(value(&out, "x_bucket{le=\"+Inf\"}"), Some(3.0));
        assert_eq!(value(&out, "x_count"), Some(3.0));
        let sum = value(&out, "x_sum").unwrap_or_default();
        assert!((sum - 10.0033).abs() < 1e-9, "{sum}");
    }

    #[test]
    fn unit_histograms_bucket_by_their_own_bounds_with_labels() {
        let h = Histogram::units(&BYTE_BUCKETS);
        for bytes in [10, 64, 65, 2_000_000] {
            h.observe(bytes);
        }
        let mut out = String::new();
        h.write(&mut out, "b", "view=\"v\",");
        assert_eq!(value(&out, "b_bucket{view=\"v\",le=\"64\"}"), Some(2.0), "{out}");
        assert_eq!(value(&out, "b_bucket{view=\"v\",le=\"256\"}"), Some(3.0));
        assert_eq!(value(&out, "b_bucket{view=\"v\",le=\"+Inf\"}"), Some(4.0));
        assert_eq!(value(&out, "b_sum{view=\"v\"}"), Some(2_000_139.0));
    }
}
