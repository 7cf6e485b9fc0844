//! An app's log: the `tracing` subscriber its `main` installs once.
//!
//! - Which events: `RUST_LOG` (an [`EnvFilter`] directive list, `info` when unset or empty).
//! - How they look: `LOG_FORMAT=text` (one human line an event, colored on a terminal) or
//!   `LOG_FORMAT=json` (one JSON object a line, with the fields of the request or session span
//!   it happened in); unset, a debug build writes text and a release build JSON.
//! - Where: standard output, through a writer thread, so a request never waits for the
//!   terminal or the pipe (past 128,000 lines queued, lines are dropped, not requests).
//! - `log` records (tungstenite, rustls, lettre) reach the same subscriber.
//!
//! What the runtime writes: `zero_live::access` one line a request at `INFO` (inside the
//! `request` span: `request_id`, `method`, `route`); `zero_live::session` a line when a live
//! session ends at `INFO` (inside the `live_session` span: `socket`, `view`, `node`), its
//! protocol errors at `DEBUG`, and a `DEBUG` span per event (`event`, `ref`, `duration_us`,
//! `patch_bytes`); sqlx writes each statement under `sqlx::query` at `DEBUG`.
//!
//! With the `otlp` feature and `OTEL_EXPORTER_OTLP_ENDPOINT` set, the spans the filter admits
//! also go to an OpenTelemetry collector ([`crate::otlp`]).
//!
//! **No secret reaches the log.** The runtime never writes a token, cookie, password, form
//! value or frame; a request is named by its route pattern (`/users/log-in/{token}`), not its
//! path. Crates that dump whole frames, mails or pages below `INFO` ([`CAPPED_TARGETS`]: a join frame
//! carries the session token, a login mail its link) are held at `INFO` whatever `RUST_LOG`
//! says.

use std::fmt;
use std::io::IsTerminal as _;

use tracing::{Level, Metadata};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer as _;
use tracing_subscriber::filter::FilterExt as _;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt as _;

/// Crates whose events below `INFO` are never written: their debug and trace events carry
/// frames (tungstenite: a join frame holds the signed session token), whole mails (lettre: a
/// login link) or parsed pages (html5ever and selectors, under the `testing` feature's page
/// reader: a page holds its session and CSRF tokens).
pub const CAPPED_TARGETS: &[&str] =
    &["tungstenite", "tokio_tungstenite", "lettre", "html5ever", "selectors"];

/// How each event is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One human-readable line (`2026-12-06T13:30:23.120Z  INFO request{...}: ...`).
    Text,
    /// One JSON object a line: `timestamp`, `level`, `target`, the event's fields and `spans`,
    /// every span it happened in with its fields, outermost first (an event's line names its
    /// session and its request).
    Json,
}

impl Format {
    /// The format of a build that did not choose: text with debug assertions, JSON without.
    pub fn of_build() -> Format {
        if cfg!(debug_assertions) { Format::Text } else { Format::Json }
    }
}

/// Why the log could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogError {
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub help: String,
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\nhelp: {}", self.message, self.help)
    }
}

impl std::error::Error for LogError {}

/// What to log and how: see the [module](self).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logs {
    filter: String,
    format: Format,
    /// Where spans are exported (`otlp` feature).
    #[cfg(feature = "otlp")]
    otlp: Option<crate::otlp::Otlp>,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` is set in a build without the `otlp` feature.
    #[cfg(not(feature = "otlp"))]
    otlp_asked: bool,
}

/// Keeps the writer thread alive; dropping it sends the spans still queued for export, then
/// writes out the lines queued. Hold it in `main`.
#[must_use = "dropping the guard stops the log's writer thread"]
pub struct LogGuard {
    _traces: Traces,
    _writer: tracing_appender::non_blocking::WorkerGuard,
}

impl fmt::Debug for LogGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LogGuard")
    }
}

/// The span exporter of an installed log ([`Logs::install`]): dropping it sends what is queued
/// and stops it. Holds nothing when no spans are exported.
#[must_use = "dropping it stops the span export"]
#[derive(Debug, Default)]
pub struct Traces {
    #[cfg(feature = "otlp")]
    provider: Option<opentelemetry_sdk::trace::SdkTracerProvider>,
}

impl Traces {
    /// Whether spans are exported.
    pub fn exporting(&self) -> bool {
        #[cfg(feature = "otlp")]
        return self.provider.is_some();
        #[cfg(not(feature = "otlp"))]
        false
    }
}

impl Drop for Traces {
    fn drop(&mut self) {
        #[cfg(feature = "otlp")]
        if let Some(provider) = self.provider.take() {
            let _ = provider.shutdown();
        }
    }
}

impl Logs {
    /// Events `filter` admits (`RUST_LOG` syntax), written as `format`.
    pub fn new(filter: &str, format: Format) -> Logs {
        Logs {
            filter: filter.to_owned(),
            format,
            #[cfg(feature = "otlp")]
            otlp: None,
            #[cfg(not(feature = "otlp"))]
            otlp_asked: false,
        }
    }

    /// These logs, with the spans they admit exported as `otlp` says.
    #[cfg(feature = "otlp")]
    pub fn with_otlp(mut self, otlp: crate::otlp::Otlp) -> Logs {
        self.otlp = Some(otlp);
        self
    }

    /// `RUST_LOG` and `LOG_FORMAT` read through `env` (and, with the `otlp` feature,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` and `OTEL_SERVICE_NAME`).
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Logs, LogError> {
        let filter = env("RUST_LOG").filter(|f| !f.trim().is_empty());
        let format = match env("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("") => Format::of_build(),
            Some("text") => Format::Text,
            Some("json") => Format::Json,
            Some(other) => {
                return Err(LogError {
                    message: format!("LOG_FORMAT is `{other}`"),
                    help: "set LOG_FORMAT to `text` or `json`, or leave it unset".to_owned(),
                });
            }
        };
        #[allow(unused_mut)]
        let mut logs = Logs::new(filter.as_deref().unwrap_or("info"), format);
        logs.env_filter()?;
        #[cfg(feature = "otlp")]
        {
            logs.otlp = crate::otlp::Otlp::from_env(&env)?;
        }
        #[cfg(not(feature = "otlp"))]
        {
            logs.otlp_asked =
                env("OTEL_EXPORTER_OTLP_ENDPOINT").is_some_and(|e| !e.trim().is_empty());
        }
        Ok(logs)
    }

    /// The format events are written in.
    pub fn format(&self) -> Format {
        self.format
    }

    fn env_filter(&self) -> Result<EnvFilter, LogError> {
        EnvFilter::builder().parse(&self.filter).map_err(|e| LogError {
            message: format!("RUST_LOG is not a filter: {e}"),
            help: "write directives such as `info` or `info,my_app=debug,sqlx=warn`".to_owned(),
        })
    }

    /// A subscriber writing to `writer` (a test's buffer, say), for
    /// `tracing::subscriber::with_default` or [`tracing::subscriber::set_global_default`].
    /// It exports no spans ([`Logs::install`] does).
    pub fn subscriber<W>(
        &self,
        writer: W,
    ) -> Result<impl tracing::Subscriber + Send + Sync + use<W>, LogError>
    where
        W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        self.layered(writer, &Traces::default())
    }

    fn layered<W>(
        &self,
        writer: W,
        traces: &Traces,
    ) -> Result<impl tracing::Subscriber + Send + Sync + use<W>, LogError>
    where
        W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        let ansi = self.format == Format::Text && std::io::stdout().is_terminal();
        let caps = tracing_subscriber::filter::filter_fn(admitted);
        let filter = self.env_filter()?.and(caps);
        // The warnings and errors the log writes are kept for the dashboard (`crate::recent`):
        // the same layer, behind the same one filter, so the log's callsites stay cached.
        let layer = match self.format {
            Format::Text => tracing_subscriber::fmt::layer()
                .with_writer(writer)
                .with_ansi(ansi)
                .and_then(crate::recent::layer())
                .with_filter(filter)
                .boxed(),
            Format::Json => tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(true)
                .with_writer(writer)
                .and_then(crate::recent::layer())
                .with_filter(filter)
                .boxed(),
        };
        let registry = tracing_subscriber::registry().with(layer);
        #[cfg(feature = "otlp")]
        let registry = {
            // The spans the log admits, and no others.
            let filter = self.env_filter()?.and(tracing_subscriber::filter::filter_fn(admitted));
            registry
                .with(traces.provider.as_ref().map(|p| crate::otlp::layer(p).with_filter(filter)))
        };
        #[cfg(not(feature = "otlp"))]
        let _ = traces;
        Ok(registry)
    }

    /// Installs the log for the whole process (standard output through a writer thread, `log`
    /// records included). Fails if a subscriber is already installed.
    pub fn init(&self) -> Result<LogGuard, LogError> {
        let (writer, guard) = tracing_appender::non_blocking(std::io::stdout());
        let traces = self.install(writer)?;
        Ok(LogGuard { _traces: traces, _writer: guard })
    }

    /// Installs the log for the whole process, writing to `writer` (a test's [`Capture`]),
    /// `log` records included, and exporting spans when it was asked to; hold what it
    /// returns while the process runs. Fails if a subscriber is already installed.
    pub fn install<W>(&self, writer: W) -> Result<Traces, LogError>
    where
        W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
    {
        #[cfg(feature = "otlp")]
        let traces = Traces { provider: self.otlp.as_ref().map(|o| o.provider()).transpose()? };
        #[cfg(not(feature = "otlp"))]
        let traces = Traces::default();
        let subscriber = self.layered(writer, &traces)?;
        // Also routes `log` records here (tracing-log).
        tracing_subscriber::util::SubscriberInitExt::try_init(subscriber).map_err(|e| {
            LogError {
                message: format!("the log is already set up: {e}"),
                help: "call `Logs::init` once, first thing in `main`".to_owned(),
            }
        })?;
        #[cfg(not(feature = "otlp"))]
        if self.otlp_asked {
            tracing::warn!(
                target: "zero_live::logs",
                "OTEL_EXPORTER_OTLP_ENDPOINT is set, but this build has no `otlp` feature: no \
                 spans are exported (build with zero-live's `otlp` feature)"
            );
        }
        Ok(traces)
    }
}

/// `Logs::from_env(std::env::var)` then [`Logs::init`]: what an app's `main` calls first.
pub fn init() -> Result<LogGuard, LogError> {
    Logs::from_env(|name| std::env::var(name).ok())?.init()
}

/// Whether an event or span may be written at all: below `INFO`, nothing of
/// [`CAPPED_TARGETS`].
fn admitted(meta: &Metadata<'_>) -> bool {
    *meta.level() <= Level::INFO || !is_capped(meta.target())
}

fn is_capped(target: &str) -> bool {
    CAPPED_TARGETS.iter().any(|capped| {
        target.strip_prefix(capped).is_some_and(|rest| rest.is_empty() || rest.starts_with("::"))
    })
}

/// A log written to memory, for tests that read what was logged: pass a clone to
/// [`Logs::subscriber`], read [`Capture::text`].
#[derive(Debug, Clone, Default)]
pub struct Capture(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Capture {
    /// Everything written so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'w> MakeWriter<'w> for Capture {
    type Writer = Capture;

    fn make_writer(&'w self) -> Capture {
        self.clone()
    }
}

/// This process's node name in logs: `NODE_NAME`, else `HOSTNAME`, else `local`.
pub fn node() -> &'static str {
    static NODE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NODE.get_or_init(|| {
        let set =
            |value: Result<String, std::env::VarError>| value.ok().filter(|v| !v.trim().is_empty());
        set(std::env::var("NODE_NAME"))
            .or_else(|| set(std::env::var("HOSTNAME")))
            .unwrap_or_else(|| "local".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(logs: &Logs, work: impl FnOnce()) -> String {
        let capture = Capture::default();
        let subscriber = logs.subscriber(capture.clone()).expect("a valid filter");
        tracing::subscriber::with_default(subscriber, work);
        capture.text()
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| pairs.iter().find(|(k, _)| *k == name).map(|(_, v)| (*v).to_owned())
    }

    #[test]
    fn json_lines_carry_the_event_and_its_span() {
        let logs = Logs::new("info", Format::Json);
        let text = capture(&logs, || {
            let span = tracing::info_span!("request", request_id = "r-1", route = "/posts");
            let _entered = span.enter();
            tracing::info!(target: "zero_live::access", status = 200u16, "served");
        });
        let line: serde_json::Value = serde_json::from_str(text.trim()).expect("one JSON line");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["target"], "zero_live::access");
        assert_eq!(line["status"], 200);
        assert_eq!(line["message"], "served");
        assert_eq!(line["spans"][0]["name"], "request");
        assert_eq!(line["spans"][0]["request_id"], "r-1");
        assert!(line.get("span").is_none(), "the innermost span is not written twice");
    }

    #[test]
    fn text_lines_name_the_span_and_fields_and_the_filter_drops_what_it_does_not_admit() {
        let logs = Logs::new("info,noisy=warn", Format::Text);
        let text = capture(&logs, || {
            let span = tracing::info_span!("live_session", socket = 7u64);
            let _entered = span.enter();
            tracing::info!(target: "zero_live::session", code = 1000u16, "ended");
            tracing::debug!(target: "zero_live::session", "not at info");
            tracing::info!(target: "noisy::inner", "below warn");
        });
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("live_session{socket=7}"), "{text}");
        assert!(text.contains("ended code=1000"), "{text}");
        assert!(!text.contains("not at info") && !text.contains("below warn"), "{text}");
    }

    #[test]
    fn frame_and_mail_dumps_stay_out_even_at_trace() {
        let logs = Logs::new("trace", Format::Text);
        let text = capture(&logs, || {
            tracing::trace!(target: "tungstenite::protocol", "Received message SECRET-FRAME");
            tracing::debug!(target: "tokio_tungstenite", "SECRET-STREAM");
            tracing::debug!(target: "lettre::transport::smtp", "SECRET-MAIL");
            tracing::info!(target: "tungstenite::protocol", "connection closed");
            tracing::trace!(target: "tungstenitex", "a different crate");
            tracing::trace!(target: "my_app", "the app's own trace");
        });
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("connection closed"), "{text}");
        assert!(text.contains("a different crate") && text.contains("the app's own trace"));
    }

    #[test]
    fn the_environment_chooses_filter_and_format_and_bad_values_are_refused() {
        let logs = Logs::from_env(env(&[("RUST_LOG", "debug"), ("LOG_FORMAT", "json")]));
        assert_eq!(logs, Ok(Logs::new("debug", Format::Json)));
        let unset = Logs::from_env(env(&[("RUST_LOG", " ")]));
        assert_eq!(unset, Ok(Logs::new("info", Format::of_build())));
        let Err(bad) = Logs::from_env(env(&[("LOG_FORMAT", "yaml")])) else {
            panic!("yaml is no format");
        };
        assert_eq!(bad.message, "LOG_FORMAT is `yaml`");
        let Err(bad) = Logs::from_env(env(&[("RUST_LOG", "info,[{")])) else {
            panic!("not a directive");
        };
        assert!(bad.message.starts_with("RUST_LOG is not a filter"), "{bad}");
        assert!(bad.to_string().contains("\nhelp: "), "{bad}");
    }

    #[test]
    fn the_runbook_lists_every_line_and_each_incident_says_how_to_tell_it_apart() {
        let runbook = include_str!("../../../docs/guide/runbook.md");
        let messages = ["session ended", "frame refused", "event handled", "event refused"];
        for line in messages.iter().chain(&["mount failed", "zero_live::access"]) {
            assert!(runbook.contains(&format!("`{line}`")), "the runbook lacks `{line}`");
        }
        let incidents = runbook.split("## Common incidents").nth(1).expect("an incidents table");
        let rows = incidents.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| symptom"));
        let mut count = 0;
        for row in rows.take_while(|l| !l.is_empty()) {
            let cells: Vec<&str> = row.split(" | ").collect();
            assert_eq!(cells.len(), 4, "four columns: {row}");
            let diagnose = cells[2];
            assert!(diagnose.contains('`'), "an incident names no log line or metric: {row}");
            count += 1;
        }
        assert!(count >= 10, "{count} incidents");
    }

    #[test]
    fn only_the_named_crates_and_their_modules_are_capped() {
        assert!(is_capped("tungstenite") && is_capped("tungstenite::protocol::frame"));
        assert!(is_capped("lettre::transport"));
        assert!(!is_capped("tungstenitex") && !is_capped("zero_live::session"));
    }
}
