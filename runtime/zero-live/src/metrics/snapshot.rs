//! The runtime's metrics as values, for a view that shows them (`zero-dashboard`): what
//! `/metrics` writes as text, read at one call ([`Live::snapshot`]), with the sessions open per
//! view and the PubSub topics besides. Two snapshots give rates and windowed quantiles
//! ([`Snapshot::since`]).

use std::fmt::Write as _;
use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{Histogram, Metrics};
use crate::Live;

/// A histogram's buckets at one instant: its bounds, the observations per bucket (not
/// cumulative; the last is past the last bound) and their sum, in seconds for durations.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
}

impl Distribution {
    pub(crate) fn of(histogram: &Histogram) -> Distribution {
        let (counts, sum) = histogram.snapshot();
        histogram.distribution(counts, sum)
    }

    /// A distribution over `bounds` (upper bounds, ascending): `counts` per bucket, one more
    /// than `bounds` (the last past the last bound), and their `sum`.
    pub fn new(bounds: &'static [f64], counts: Vec<u64>, sum: f64) -> Distribution {
        Distribution { bounds, counts, sum }
    }

    /// Writes the `_bucket` (cumulative), `_sum` and `_count` lines of `name`, with `labels`
    /// (`view="x",`, ending in a comma, or empty) before `le`, in the Prometheus text format.
    pub(crate) fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        for (i, count) in self.counts.iter().enumerate() {
            cumulative += count;
            match self.bounds.get(i) {
                Some(le) => {
                    let _ = writeln!(out, "{name}_bucket{{{labels}le=\"{le}\"}} {cumulative}");
                }
                None => {
                    let _ = writeln!(out, "{name}_bucket{{{labels}le=\"+Inf\"}} {cumulative}");
                }
            }
        }
        let braces = labels.trim_end_matches(',');
        let braces = if braces.is_empty() { String::new() } else { format!("{{{braces}}}") };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {cumulative}");
    }

    /// The observations per bucket (the last past the last bound).
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// How many observations.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Their sum (seconds for a duration).
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// The `q` quantile (`0.5`, `0.99`), estimated as Prometheus' `histogram_quantile` does:
    /// linearly within the bucket that holds it; the last bound when it lies past it. `None`
    /// without observations or for a `q` outside `0..=1`.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let total = self.count();
        if total == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let rank = q * total as f64;
        let mut below = 0u64;
        for (i, &count) in self.counts.iter().enumerate() {
            let through = below + count;
            if count > 0 && through as f64 >= rank {
                let Some(&upper) = self.bounds.get(i) else {
                    return self.bounds.last().copied();
                };
                let lower = if i == 0 { 0.0 } else { self.bounds[i - 1] };
                let within = (rank - below as f64) / count as f64;
                return Some(lower + (upper - lower) * within);
            }
            below = through;
        }
        self.bounds.last().copied()
    }

    /// The observations made after `earlier` (a snapshot of the same histogram).
    pub fn since(&self, earlier: &Distribution) -> Distribution {
        let counts = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, now)| now.saturating_sub(earlier.counts.get(i).copied().unwrap_or(0)))
            .collect();
        Distribution { bounds: self.bounds, counts, sum: (self.sum - earlier.sum).max(0.0) }
    }
}

/// One view's figures: every route it serves, added up.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewStats {
    /// Its type name (`blog::web::live::post::Index`).
    pub view: &'static str,
    /// Live sessions showing it now.
    pub sessions: usize,
    /// How long its events took (handler and render).
    pub events: Distribution,
}

/// The runtime's metrics at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// When it was taken.
    pub taken: Instant,
    /// Live sockets open.
    pub sockets_open: usize,
    /// `limits.max_connections`.
    pub sockets_max: usize,
    /// Sessions joined, and joins refused.
    pub joins: u64,
    /// Joins refused: bad token, no route, mount failed or redirected.
    pub join_failures: u64,
    /// Events and how long they took, all views.
    pub events: Distribution,
    /// Events whose handler returned an error.
    pub event_errors: u64,
    /// Each view with a route, sorted by name.
    pub views: Vec<ViewStats>,
    /// HTTP responses per status class, 1xx to 5xx.
    pub http: [u64; 5],
    /// How long HTTP requests took to their response's head.
    pub http_time: Distribution,
    /// Bytes of the frames written to live sockets.
    pub frame_bytes: u64,
    /// Resident memory, where `/proc` says.
    pub resident_bytes: Option<u64>,
    /// Open file descriptors, where `/proc` says.
    pub open_fds: Option<u64>,
    /// PubSub topics with subscribers on this node, and how many.
    pub topics: Vec<(String, usize)>,
    /// PubSub messages that found a mailbox full.
    pub pubsub_dropped: u64,
}

impl Snapshot {
    /// Seconds between `earlier` and this one.
    pub fn seconds_since(&self, earlier: &Snapshot) -> f64 {
        self.taken.saturating_duration_since(earlier.taken).as_secs_f64()
    }

    /// Per second between `earlier` and this one: how `now - then` grew (0 when no time
    /// passed or the count did not grow).
    pub fn rate(&self, earlier: &Snapshot, now: u64, then: u64) -> f64 {
        let seconds = self.seconds_since(earlier);
        if seconds <= 0.0 { 0.0 } else { now.saturating_sub(then) as f64 / seconds }
    }
}

impl Metrics {
    fn snapshot(&self, live: &Live) -> Snapshot {
        let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
        Snapshot {
            taken: Instant::now(),
            sockets_open: live.active_sessions(),
            sockets_max: crate::config::count(live.config().limits.max_connections),
            joins: load(&self.joins),
            join_failures: load(&self.join_failures),
            events: Distribution::of(&self.event_seconds),
            event_errors: load(&self.event_errors),
            views: live.view_stats(),
            http: std::array::from_fn(|i| load(&self.http[i])),
            http_time: Distribution::of(&self.http_seconds),
            frame_bytes: load(&self.frame_bytes),
            resident_bytes: super::process::resident_bytes(),
            open_fds: super::process::open_fds(),
            topics: live.pubsub().topics(),
            pubsub_dropped: live.pubsub().dropped(),
        }
    }
}

impl Live {
    /// The runtime's metrics now, as values (what [`Live::metrics_text`] writes as text).
    pub fn snapshot(&self) -> Snapshot {
        self.metrics().snapshot(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::BUCKETS;

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn quantiles_interpolate_within_their_bucket_and_stop_at_the_last_bound() {
        // 10 in (0, 0.0005], 10 in (0.001, 0.0025], none past.
        let mut counts = vec![0; BUCKETS.len() + 1];
        counts[0] = 10;
        counts[2] = 10;
        let d = Distribution::new(&BUCKETS, counts, 0.02);
        assert_eq!(d.count(), 20);
        assert!(close(d.quantile(0.5), 0.0005), "{:?}", d.quantile(0.5));
        assert!(close(d.quantile(0.25), 0.000_25), "{:?}", d.quantile(0.25));
        assert!(close(d.quantile(0.75), 0.001_75), "{:?}", d.quantile(0.75));
        assert!(close(d.quantile(1.0), 0.0025));
        let mut slow = vec![0; BUCKETS.len() + 1];
        slow[BUCKETS.len()] = 3;
        let slow = Distribution::new(&BUCKETS, slow, 30.0);
        assert!(close(slow.quantile(0.99), 2.5), "past the last bound: the last bound");
    }

    #[test]
    fn no_observations_or_a_bad_q_have_no_quantile() {
        let empty = Distribution::new(&BUCKETS, vec![0; BUCKETS.len() + 1], 0.0);
        assert_eq!(empty.quantile(0.5), None);
        let mut counts = vec![0; BUCKETS.len() + 1];
        counts[3] = 1;
        let one = Distribution::new(&BUCKETS, counts, 0.004);
        assert_eq!(one.quantile(1.5), None);
        assert_eq!(one.quantile(-0.1), None);
        assert_eq!(one.quantile(f64::NAN), None);
    }

    #[test]
    fn since_keeps_only_the_later_observations() {
        let mut before = vec![0; BUCKETS.len() + 1];
        before[0] = 5;
        let mut after = before.clone();
        after[0] = 6;
        after[6] = 4;
        let before = Distribution::new(&BUCKETS, before, 0.001);
        let after = Distribution::new(&BUCKETS, after, 0.2);
        let window = after.since(&before);
        assert_eq!(window.count(), 5);
        assert!((window.sum() - 0.199).abs() < 1e-9);
        assert!(window.quantile(0.99).is_some_and(|q| q > 0.025), "the slow events lead");
        assert_eq!(before.since(&after).count(), 0, "a reset never goes negative");
    }

    #[test]
    fn a_snapshot_reads_the_counters_and_rates_divide_by_the_time_between() {
        let live = Live::builder().build();
        let before = live.snapshot();
        live.metrics().event(std::time::Duration::from_micros(200), false);
        live.metrics().http(200, std::time::Duration::from_millis(1));
        live.metrics().http(404, std::time::Duration::from_millis(1));
        let mut after = live.snapshot();
        assert_eq!(after.events.since(&before.events).count(), 1);
        assert_eq!(after.event_errors, 1);
        assert_eq!((after.http[1], after.http[3]), (1, 1));
        assert_eq!(after.sockets_open, 0);
        assert!(after.topics.is_empty());
        after.taken = before.taken + std::time::Duration::from_millis(500);
        assert!((after.rate(&before, 11, 1) - 20.0).abs() < 1e-9);
        assert_eq!(before.rate(&before, 11, 1), 0.0, "no time passed");
        assert_eq!(after.rate(&before, 1, 11), 0.0, "a counter never runs backwards");
    }

    #[test]
    fn an_observer_reads_its_endpoint_and_nothing_once_it_is_gone() {
        let live = Live::builder().build();
        let observer = live.observer();
        assert!(observer.snapshot().is_some_and(|s| s.views.is_empty()));
        drop(live);
        assert!(observer.snapshot().is_none(), "the observer does not keep it alive");
    }
}
