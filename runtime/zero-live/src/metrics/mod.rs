//! What the runtime counts, in the Prometheus text format (version 0.0.4): live sockets, joins,
//! events and how long they took, frames sent, why sockets closed, and every HTTP response by
//! status class and duration. [`Live::metrics_text`] renders them; the endpoint serves them at
//! [`METRICS_PATH`] to scrapers holding `METRICS_TOKEN` (see [`crate::endpoint`]).
//!
//! Counters are relaxed atomics: a scrape sees each one exact but not all at one instant.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::Live;

mod app;
mod histogram;
mod process;
mod snapshot;

pub(crate) use app::AppMetrics;
pub use app::{Counter, Gauge};
pub(crate) use histogram::Histogram;
pub use histogram::{BUCKETS, BYTE_BUCKETS, FRAME_BUCKETS, LIFETIME_BUCKETS};
pub use snapshot::{Distribution, Snapshot, ViewStats};

/// Where the endpoint serves the metrics (when `METRICS_TOKEN` is set).
pub const METRICS_PATH: &str = "/metrics";

/// Why an upgrade to a live socket was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The page's origin is not allowed (403).
    Origin,
    /// The client offered none of the protocol's subprotocols (426).
    Protocol,
    /// `limits.max_connections` sockets were open (503).
    Capacity,
    /// The client held `limits.max_sessions_per_client` sockets already (close 4009).
    SessionsPerClient,
    /// The client used up `rate_limits.joins_per_minute` (close 4029).
    JoinRate,
    /// The `Host` is not one of `[network] allowed_hosts` (400).
    Host,
}

impl Refusal {
    const ALL: [Refusal; 6] = [
        Refusal::Origin,
        Refusal::Protocol,
        Refusal::Capacity,
        Refusal::SessionsPerClient,
        Refusal::JoinRate,
        Refusal::Host,
    ];

    fn label(self) -> &'static str {
        match self {
            Refusal::Origin => "origin",
            Refusal::Protocol => "protocol",
            Refusal::Capacity => "capacity",
            Refusal::SessionsPerClient => "sessions_per_client",
            Refusal::JoinRate => "join_rate",
            Refusal::Host => "host",
        }
    }
}

/// The close codes counted by name; any other is counted as `other`, a socket that ended
/// without a close frame from the server as `none`.
const CLOSE_CODES: [u16; 13] =
    [1000, 1001, 1002, 1008, 1009, 1011, 4000, 4001, 4003, 4004, 4008, 4009, 4029];

/// The runtime's counters. One per [`Live`]; read them with [`Live::metrics_text`].
#[derive(Debug)]
pub struct Metrics {
    upgrades: AtomicU64,
    refused: [AtomicU64; Refusal::ALL.len()],
    joins: AtomicU64,
    join_failures: AtomicU64,
    /// Rejoins (a join carrying the revision its page last merged): accepted, refused.
    rejoins: [AtomicU64; 2],
    events: AtomicU64,
    event_errors: AtomicU64,
    rate_limited: AtomicU64,
    event_seconds: Histogram,
    frames: AtomicU64,
    frame_bytes: AtomicU64,
    /// Per [`CLOSE_CODES`], then `other`, then `none`.
    closes: [AtomicU64; CLOSE_CODES.len() + 2],
    /// Responses per status class, 1xx to 5xx.
    http: [AtomicU64; 5],
    http_seconds: Histogram,
    /// Bytes of each event's answer.
    answer_bytes: Histogram,
    /// Frames queued for a socket in one turn.
    turn_frames: Histogram,
    /// How long sockets lived.
    session_seconds: Histogram,
    /// Bytes of upload chunks written.
    upload_bytes: AtomicU64,
    /// Upload entries per [`UploadOutcome`].
    upload_entries: [AtomicU64; UploadOutcome::ALL.len()],
}

/// What became of an upload entry, as `zero_live_upload_entries_total` counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UploadOutcome {
    /// It arrived whole and valid.
    Done,
    /// It was refused: at the offer (too large, not accepted) or on the way (its bytes,
    /// a quota, the scanner, the disk).
    Refused,
    /// It went on from a file kept for a rejoin.
    Resumed,
}

impl UploadOutcome {
    const ALL: [UploadOutcome; 3] =
        [UploadOutcome::Done, UploadOutcome::Refused, UploadOutcome::Resumed];

    fn label(self) -> &'static str {
        match self {
            UploadOutcome::Done => "done",
            UploadOutcome::Refused => "refused",
            UploadOutcome::Resumed => "resumed",
        }
    }
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics {
            upgrades: AtomicU64::default(),
            refused: Default::default(),
            joins: AtomicU64::default(),
            join_failures: AtomicU64::default(),
            rejoins: Default::default(),
            events: AtomicU64::default(),
            event_errors: AtomicU64::default(),
            rate_limited: AtomicU64::default(),
            event_seconds: Histogram::seconds(),
            frames: AtomicU64::default(),
            frame_bytes: AtomicU64::default(),
            closes: Default::default(),
            http: Default::default(),
            http_seconds: Histogram::seconds(),
            answer_bytes: Histogram::units(&BYTE_BUCKETS),
            turn_frames: Histogram::units(&FRAME_BUCKETS),
            session_seconds: Histogram::units(&LIFETIME_BUCKETS),
            upload_bytes: AtomicU64::default(),
            upload_entries: Default::default(),
        }
    }
}

impl Metrics {
    pub(crate) fn upgraded(&self) {
        self.upgrades.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn refused(&self, why: Refusal) {
        let i = Refusal::ALL.iter().position(|&r| r == why).unwrap_or(0);
        self.refused[i].fetch_add(1, Ordering::Relaxed);
    }

    /// A socket's first join answered: `ok` when the view mounted; `rejoin` when the page
    /// had joined before (it says the revision it last merged) and reconnected.
    pub(crate) fn joined(&self, ok: bool, rejoin: bool) {
        let counter = if ok { &self.joins } else { &self.join_failures };
        counter.fetch_add(1, Ordering::Relaxed);
        if rejoin {
            self.rejoins[usize::from(!ok)].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An event handled (its handler and the render of its answer) in `elapsed`.
    pub(crate) fn event(&self, elapsed: Duration, ok: bool) {
        self.events.fetch_add(1, Ordering::Relaxed);
        if !ok {
            self.event_errors.fetch_add(1, Ordering::Relaxed);
        }
        self.event_seconds.observe_duration(elapsed);
    }

    /// The bytes an event's answer took (its reply and what came with it).
    pub(crate) fn answer(&self, bytes: usize) {
        self.answer_bytes.observe(bytes as u64);
    }

    /// A socket lived `lifetime`.
    pub(crate) fn lifetime(&self, lifetime: Duration) {
        self.session_seconds.observe(lifetime.as_secs());
    }

    pub(crate) fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// `count` frames of `bytes` in all written to a socket.
    pub(crate) fn sent(&self, count: usize, bytes: usize) {
        self.turn_frames.observe(count as u64);
        self.frames.fetch_add(count as u64, Ordering::Relaxed);
        self.frame_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// A socket ended; `code` is the close code the server sent, if any.
    pub(crate) fn closed(&self, code: Option<u16>) {
        let i = match code {
            None => CLOSE_CODES.len() + 1,
            Some(code) => CLOSE_CODES.iter().position(|&c| c == code).unwrap_or(CLOSE_CODES.len()),
        };
        self.closes[i].fetch_add(1, Ordering::Relaxed);
    }

    /// `bytes` of an upload chunk written.
    pub(crate) fn uploaded(&self, bytes: usize) {
        self.upload_bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    /// An upload entry's outcome.
    pub(crate) fn upload_entry(&self, outcome: UploadOutcome) {
        let i = UploadOutcome::ALL.iter().position(|&o| o == outcome).unwrap_or(0);
        self.upload_entries[i].fetch_add(1, Ordering::Relaxed);
    }

    /// An HTTP response of `status` answered in `elapsed`.
    pub(crate) fn http(&self, status: u16, elapsed: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.http[class].fetch_add(1, Ordering::Relaxed);
        self.http_seconds.observe_duration(elapsed);
    }

    /// The Prometheus text of these counters and of `live`'s gauges.
    fn text(&self, live: &Live) -> String {
        let mut out = String::with_capacity(4096);
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let head = |out: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(&mut out, "zero_live_sockets_open", "gauge", "Live sockets open now.");
        let _ = writeln!(out, "zero_live_sockets_open {}", live.active_sessions());
        head(
            &mut out,
            "zero_live_sockets_max",
            "gauge",
            "The most live sockets the endpoint accepts (limits.max_connections).",
        );
        let _ = writeln!(out, "zero_live_sockets_max {}", live.config().limits.max_connections);
        head(&mut out, "zero_live_upgrades_total", "counter", "Live sockets accepted.");
        let _ = writeln!(out, "zero_live_upgrades_total {}", load(&self.upgrades));
        head(
            &mut out,
            "zero_live_upgrades_refused_total",
            "counter",
            "Live socket upgrades and joins refused, by reason (`host` counts every request for a host not allowed).",
        );
        for (why, count) in Refusal::ALL.iter().zip(&self.refused) {
            let _ = writeln!(
                out,
                "zero_live_upgrades_refused_total{{reason=\"{}\"}} {}",
                why.label(),
                load(count)
            );
        }
        head(&mut out, "zero_live_joins_total", "counter", "Sessions joined (view mounted).");
        let _ = writeln!(out, "zero_live_joins_total {}", load(&self.joins));
        head(
            &mut out,
            "zero_live_join_failures_total",
            "counter",
            "Joins refused: bad token or CSRF, no route, mount failed or redirected.",
        );
        let _ = writeln!(out, "zero_live_join_failures_total {}", load(&self.join_failures));
        head(
            &mut out,
            "zero_live_rejoins_total",
            "counter",
            "Joins of pages that had joined before and reconnected, by outcome (`refused`: the page reloads).",
        );
        for (outcome, count) in ["ok", "refused"].iter().zip(&self.rejoins) {
            let _ =
                writeln!(out, "zero_live_rejoins_total{{outcome=\"{outcome}\"}} {}", load(count));
        }
        head(&mut out, "zero_live_events_total", "counter", "Events handled.");
        let _ = writeln!(out, "zero_live_events_total {}", load(&self.events));
        head(
            &mut out,
            "zero_live_event_errors_total",
            "counter",
            "Events whose handler returned an error.",
        );
        let _ = writeln!(out, "zero_live_event_errors_total {}", load(&self.event_errors));
        head(
            &mut out,
            "zero_live_events_rate_limited_total",
            "counter",
            "Frames dropped by the per-socket rate limit (events and every other frame).",
        );
        let _ = writeln!(out, "zero_live_events_rate_limited_total {}", load(&self.rate_limited));
        head(
            &mut out,
            "zero_live_event_duration_seconds",
            "histogram",
            "Time to handle an event and render its answer.",
        );
        self.event_seconds.write(&mut out, "zero_live_event_duration_seconds", "");
        head(&mut out, "zero_live_frames_sent_total", "counter", "Frames written to live sockets.");
        let _ = writeln!(out, "zero_live_frames_sent_total {}", load(&self.frames));
        head(
            &mut out,
            "zero_live_frame_bytes_sent_total",
            "counter",
            "Bytes of the frames written to live sockets.",
        );
        let _ = writeln!(out, "zero_live_frame_bytes_sent_total {}", load(&self.frame_bytes));
        head(
            &mut out,
            "zero_live_upload_bytes_total",
            "counter",
            "Bytes of upload chunks written to the sessions' files.",
        );
        let _ = writeln!(out, "zero_live_upload_bytes_total {}", load(&self.upload_bytes));
        head(
            &mut out,
            "zero_live_upload_entries_total",
            "counter",
            "Upload entries by outcome: done, refused, resumed (taken up after a rejoin).",
        );
        for (outcome, count) in UploadOutcome::ALL.iter().zip(&self.upload_entries) {
            let label = outcome.label();
            let _ = writeln!(
                out,
                "zero_live_upload_entries_total{{outcome=\"{label}\"}} {}",
                load(count)
            );
        }
        head(
            &mut out,
            "zero_live_socket_closes_total",
            "counter",
            "Live sockets ended, by the close code the server sent (none: the client left).",
        );
        let codes = CLOSE_CODES.iter().map(u16::to_string).chain(["other".into(), "none".into()]);
        for (code, count) in codes.zip(&self.closes) {
            let _ =
                writeln!(out, "zero_live_socket_closes_total{{code=\"{code}\"}} {}", load(count));
        }
        head(
            &mut out,
            "zero_live_pubsub_dropped_total",
            "counter",
            "PubSub messages that found a session's mailbox full.",
        );
        let _ = writeln!(out, "zero_live_pubsub_dropped_total {}", live.pubsub().dropped());
        head(
            &mut out,
            "zero_live_http_responses_total",
            "counter",
            "HTTP responses, by status class.",
        );
        for (i, count) in self.http.iter().enumerate() {
            let _ = writeln!(
                out,
                "zero_live_http_responses_total{{class=\"{}xx\"}} {}",
                i + 1,
                load(count)
            );
        }
        head(
            &mut out,
            "zero_live_http_duration_seconds",
            "histogram",
            "Time from a request's arrival to its response's head.",
        );
        self.http_seconds.write(&mut out, "zero_live_http_duration_seconds", "");
        head(
            &mut out,
            "zero_live_event_answer_bytes",
            "histogram",
            "Bytes of each event's answer (the reply with its patch, and what came with it).",
        );
        self.answer_bytes.write(&mut out, "zero_live_event_answer_bytes", "");
        head(
            &mut out,
            "zero_live_turn_frames",
            "histogram",
            "Frames queued for a live socket in one turn (the outbound queue's depth at each write; limits.outbound_queue caps it).",
        );
        self.turn_frames.write(&mut out, "zero_live_turn_frames", "");
        head(
            &mut out,
            "zero_live_session_duration_seconds",
            "histogram",
            "How long live sockets lived, counted when they end.",
        );
        self.session_seconds.write(&mut out, "zero_live_session_duration_seconds", "");
        head(
            &mut out,
            "zero_live_view_event_duration_seconds",
            "histogram",
            "Time to handle an event and render its answer, by view.",
        );
        live.write_view_events(&mut out, "zero_live_view_event_duration_seconds");
        process::write(&mut out);
        live.app_metrics().write(&mut out);
        out
    }
}

impl Live {
    /// The runtime's counters and gauges in the Prometheus text format, for an app that
    /// exports them its own way; the endpoint serves the same at [`METRICS_PATH`].
    pub fn metrics_text(&self) -> String {
        self.metrics().text(self)
    }
}

/// The names of every metric [`Live::metrics_text`] writes (the docs list each).
pub const NAMES: &[&str] = &[
    "zero_live_sockets_open",
    "zero_live_sockets_max",
    "zero_live_upgrades_total",
    "zero_live_upgrades_refused_total",
    "zero_live_joins_total",
    "zero_live_join_failures_total",
    "zero_live_rejoins_total",
    "zero_live_events_total",
    "zero_live_event_errors_total",
    "zero_live_events_rate_limited_total",
    "zero_live_event_duration_seconds",
    "zero_live_frames_sent_total",
    "zero_live_frame_bytes_sent_total",
    "zero_live_upload_bytes_total",
    "zero_live_upload_entries_total",
    "zero_live_socket_closes_total",
    "zero_live_pubsub_dropped_total",
    "zero_live_http_responses_total",
    "zero_live_http_duration_seconds",
    "zero_live_event_answer_bytes",
    "zero_live_turn_frames",
    "zero_live_session_duration_seconds",
    "zero_live_view_event_duration_seconds",
    "process_resident_memory_bytes",
    "process_open_fds",
];

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The value of the sample line `series` (name and labels) in `text`.
    pub(crate) fn value(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|v| v.parse().ok())
    }

    #[test]
    fn counters_land_in_their_labels() {
        let live = Live::builder().build();
        let m = live.metrics();
        m.refused(Refusal::Capacity);
        m.refused(Refusal::Capacity);
        m.refused(Refusal::Origin);
        m.closed(Some(1009));
        m.closed(Some(4999));
        m.closed(None);
        m.http(204, Duration::from_millis(2));
        m.http(503, Duration::from_millis(2));
        m.http(999, Duration::from_millis(2));
        m.event(Duration::from_micros(100), false);
        m.joined(true, false);
        m.joined(true, true);
        m.joined(false, true);
        m.joined(false, false);
        let text = live.metrics_text();
        assert_eq!(value(&text, "zero_live_joins_total"), Some(2.0));
        assert_eq!(value(&text, "zero_live_join_failures_total"), Some(2.0));
        assert_eq!(value(&text, "zero_live_rejoins_total{outcome=\"ok\"}"), Some(1.0));
        assert_eq!(value(&text, "zero_live_rejoins_total{outcome=\"refused\"}"), Some(1.0));
        assert_eq!(
            value(&text, "zero_live_upgrades_refused_total{reason=\"capacity\"}"),
            Some(2.0)
        );
        assert_eq!(value(&text, "zero_live_upgrades_refused_total{reason=\"origin\"}"), Some(1.0));
        assert_eq!(
            value(&text, "zero_live_upgrades_refused_total{reason=\"protocol\"}"),
            Some(0.0)
        );
        assert_eq!(value(&text, "zero_live_socket_closes_total{code=\"1009\"}"), Some(1.0));
        assert_eq!(value(&text, "zero_live_socket_closes_total{code=\"other\"}"), Some(1.0));
        assert_eq!(value(&text, "zero_live_socket_closes_total{code=\"none\"}"), Some(1.0));
        assert_eq!(value(&text, "zero_live_socket_closes_total{code=\"1000\"}"), Some(0.0));
        assert_eq!(value(&text, "zero_live_http_responses_total{class=\"2xx\"}"), Some(1.0));
        assert_eq!(value(&text, "zero_live_http_responses_total{class=\"5xx\"}"), Some(2.0));
        assert_eq!(value(&text, "zero_live_events_total"), Some(1.0));
        m.uploaded(1000);
        m.uploaded(24);
        m.upload_entry(UploadOutcome::Done);
        m.upload_entry(UploadOutcome::Refused);
        m.upload_entry(UploadOutcome::Refused);
        let text = live.metrics_text();
        assert_eq!(value(&text, "zero_live_upload_bytes_total"), Some(1024.0));
        assert_eq!(value(&text, "zero_live_upload_entries_total{outcome=\"done\"}"), Some(1.0));
        assert_eq!(value(&text, "zero_live_upload_entries_total{outcome=\"refused\"}"), Some(2.0));
        assert_eq!(value(&text, "zero_live_upload_entries_total{outcome=\"resumed\"}"), Some(0.0));
        assert_eq!(value(&text, "zero_live_event_errors_total"), Some(1.0));
        assert_eq!(value(&text, "zero_live_sockets_open"), Some(0.0));
    }

    #[test]
    fn every_metric_has_help_and_type_and_is_listed() {
        let text = Live::builder().build().metrics_text();
        let mut typed: Vec<&str> =
            text.lines().filter_map(|l| l.strip_prefix("# TYPE ")?.split(' ').next()).collect();
        for name in &typed {
            assert!(text.contains(&format!("# HELP {name} ")), "{name}");
        }
        typed.sort_unstable();
        let mut listed = NAMES.to_vec();
        listed.sort_unstable();
        assert_eq!(typed, listed);
        // Every sample line belongs to a declared metric.
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let series = line.split([' ', '{']).next().unwrap_or("");
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| series.strip_suffix(s).filter(|b| NAMES.contains(b)))
                .unwrap_or(series);
            assert!(NAMES.contains(&base), "{line}");
        }
    }

    #[test]
    fn the_runbook_lists_every_metric() {
        let runbook = include_str!("../../../../docs/guide/runbook.md");
        for name in NAMES {
            assert!(runbook.contains(&format!("`{name}`")), "docs/guide/runbook.md lacks {name}");
        }
    }
}
