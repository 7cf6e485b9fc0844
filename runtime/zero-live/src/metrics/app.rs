//! An app's own metrics, written after the runtime's at `/metrics`: counters the app bumps
//! ([`Counter`], a relaxed atomic like the runtime's own) and gauges read at each scrape
//! ([`Gauge`]: a database pool's connections, a queue's length). Registered on the builder
//! (`LiveBuilder::counter`, `LiveBuilder::gauge`); see ADR 0025 for why not the `metrics`
//! facade.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A counter an app bumps on its own hot path: one relaxed atomic add.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// A counter at zero.
    pub fn new() -> Counter {
        Counter::default()
    }

    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value read when `/metrics` is scraped.
pub type Gauge = Arc<dyn Fn() -> f64 + Send + Sync>;

/// What an app registered.
#[derive(Clone)]
enum Kind {
    Counter(Counter),
    Gauge(Gauge),
}

/// The app's metrics, in registration order.
#[derive(Clone, Default)]
pub(crate) struct AppMetrics(Vec<(String, String, Kind)>);

impl std::fmt::Debug for AppMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.iter().map(|(name, _, _)| name)).finish()
    }
}

/// Whether `name` is a Prometheus metric name the runtime leaves to apps: letters, digits, `_`
/// and `:`, not starting with a digit, and not in the runtime's own `zero_live_` and
/// `process_` families.
pub(crate) fn is_app_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        && !name.starts_with("zero_live_")
        && !name.starts_with("process_")
}

impl AppMetrics {
    /// Adds a counter (`name` should end in `_total`).
    pub(crate) fn counter(
        &mut self,
        name: &str,
        help: &str,
        counter: &Counter,
    ) -> Result<(), String> {
        self.add(name, help, Kind::Counter(counter.clone()))
    }

    /// Adds a gauge.
    pub(crate) fn gauge(&mut self, name: &str, help: &str, gauge: Gauge) -> Result<(), String> {
        self.add(name, help, Kind::Gauge(gauge))
    }

    fn add(&mut self, name: &str, help: &str, kind: Kind) -> Result<(), String> {
        if !is_app_name(name) {
            return Err(format!(
                "`{name}` is not a metric name an app may register (letters, digits, _ and :, \
                 not starting with a digit, zero_live_ or process_)"
            ));
        }
        if self.0.iter().any(|(taken, _, _)| taken == name) {
            return Err(format!("the metric `{name}` is registered twice"));
        }
        let help = help.replace(['\n', '\\'], " ");
        self.0.push((name.to_owned(), help, kind));
        Ok(())
    }

    /// Writes every metric with its help and type.
    pub(crate) fn write(&self, out: &mut String) {
        for (name, help, kind) in &self.0 {
            let (kind, value) = match kind {
                Kind::Counter(counter) => ("counter", counter.get() as f64),
                Kind::Gauge(gauge) => ("gauge", gauge()),
            };
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_apps_counters_and_gauges_are_written_with_help_and_type() {
        let mut metrics = AppMetrics::default();
        let posts = Counter::new();
        metrics.counter("blog_posts_created_total", "Posts created.", &posts).unwrap_or_default();
        metrics.gauge("blog_queue_length", "Jobs\nwaiting.", Arc::new(|| 3.0)).unwrap_or_default();
        posts.inc();
        posts.add(2);
        let mut out = String::new();
        metrics.write(&mut out);
        assert!(
            out.contains("# TYPE blog_posts_created_total counter\nblog_posts_created_total 3\n"),
            "{out}"
        );
        assert!(out.contains("# HELP blog_queue_length Jobs waiting.\n# TYPE blog_queue_length gauge\nblog_queue_length 3\n"), "{out}");
    }

    #[test]
    fn bad_taken_and_runtime_names_are_refused() {
        let mut metrics = AppMetrics::default();
        let counter = Counter::new();
        for bad in
            ["", "9lives", "has space", "dash-ed", "zero_live_events_total", "process_open_fds"]
        {
            let refused = metrics.counter(bad, "x", &counter);
            assert!(refused.is_err_and(|e| e.contains("is not a metric name")), "{bad}");
        }
        assert!(metrics.counter("ok_total", "x", &counter).is_ok());
        let twice = metrics.counter("ok_total", "x", &counter);
        assert!(twice.is_err_and(|e| e.contains("registered twice")));
    }
}
