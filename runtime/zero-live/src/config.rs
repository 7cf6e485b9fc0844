//! The runtime's policies, read from a `security.toml` (the framework's defaults are
//! `spec/security.toml`; an app copies and tightens its own).

use std::time::Duration;

use serde::Deserialize;

/// The framework's default `security.toml`, compiled in.
pub const DEFAULT_SECURITY_TOML: &str = include_str!("../../../spec/security.toml");

/// What the live transport enforces.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveConfig {
    /// Origins allowed to open a socket besides the server's own host; `check_origin = false`
    /// disables the check (never in production).
    pub check_origin: bool,
    /// Extra allowed origins (`https://app.example.com`).
    pub allowed_origins: Vec<String>,
    /// Largest HTTP request body (`[limits] max_body_bytes`); larger ones get 413.
    pub max_body_bytes: usize,
    /// Largest WebSocket frame.
    pub max_frame_bytes: usize,
    /// Largest WebSocket message.
    pub max_message_bytes: usize,
    /// Concurrent sockets; more are refused with 503.
    pub max_connections: usize,
    /// Messages queued per socket before it is closed as a slow consumer.
    pub outbound_queue: usize,
    /// Messages a session's mailbox holds; more published messages are dropped for it.
    pub mailbox_capacity: usize,
    /// Sustained events per second per session.
    pub events_per_second: u32,
    /// Burst above the sustained rate.
    pub event_burst: u32,
    /// A socket silent this long is closed.
    pub heartbeat_timeout: Duration,
    /// Lifetime of the signed session token embedded in the page.
    pub session_token_ttl: Duration,
    /// The `Content-Security-Policy` every page is served with (from `[csp]`).
    pub content_security_policy: String,
}

#[derive(Deserialize)]
struct File {
    csp: Csp,
    origins: Origins,
    limits: Limits,
    rate_limits: RateLimits,
    tokens: Tokens,
    heartbeat: Heartbeat,
}

#[derive(Deserialize)]
struct Csp {
    default_src: Vec<String>,
    script_src: Vec<String>,
    style_src: Vec<String>,
    img_src: Vec<String>,
    connect_src: Vec<String>,
    frame_ancestors: Vec<String>,
}

impl Csp {
    /// The header value; refuses sources that would let injected markup run.
    fn header(&self) -> Result<String, ConfigError> {
        for (name, sources) in [("script_src", &self.script_src), ("style_src", &self.style_src)] {
            if let Some(bad) =
                sources.iter().find(|s| matches!(s.as_str(), "'unsafe-inline'" | "'unsafe-eval'"))
            {
                return Err(ConfigError(format!("[csp] {name} must not allow {bad}")));
            }
        }
        let directives = [
            ("default-src", &self.default_src),
            ("script-src", &self.script_src),
            ("style-src", &self.style_src),
            ("img-src", &self.img_src),
            ("connect-src", &self.connect_src),
            ("frame-ancestors", &self.frame_ancestors),
        ];
        let mut header = Vec::new();
        for (name, sources) in directives {
            if sources.is_empty() {
                return Err(ConfigError(format!("[csp] {name} lists no source")));
            }
            if let Some(bad) = sources.iter().find(|s| s.contains([';', ',', '\n', '\r'])) {
                return Err(ConfigError(format!("[csp] {name} has an invalid source `{bad}`")));
            }
            header.push(format!("{name} {}", sources.join(" ")));
        }
        Ok(header.join("; "))
    }
}

#[derive(Deserialize)]
struct Origins {
    check_origin: bool,
    allow: Vec<String>,
}

#[derive(Deserialize)]
struct Limits {
    max_body_bytes: usize,
    max_frame_bytes: usize,
    max_message_bytes: usize,
    max_connections: usize,
    outbound_queue: usize,
    mailbox_capacity: usize,
}

#[derive(Deserialize)]
struct RateLimits {
    events_per_second: u32,
    event_burst: u32,
}

#[derive(Deserialize)]
struct Tokens {
    session_token_secs: u64,
}

#[derive(Deserialize)]
struct Heartbeat {
    timeout_secs: u64,
}

/// A `security.toml` the runtime cannot use.
#[derive(Debug, thiserror::Error)]
#[error("invalid security.toml: {0}")]
pub struct ConfigError(String);

impl LiveConfig {
    /// Reads the policies of a `security.toml` (the generator validates the whole table; the
    /// runtime reads what it enforces and refuses a table that lacks any of it).
    pub fn from_toml(text: &str) -> Result<LiveConfig, ConfigError> {
        let f: File = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        if f.limits.max_message_bytes < f.limits.max_frame_bytes {
            return Err(ConfigError("max_message_bytes is below max_frame_bytes".into()));
        }
        if f.limits.max_connections == 0
            || f.limits.outbound_queue == 0
            || f.limits.mailbox_capacity == 0
        {
            return Err(ConfigError(
                "max_connections, outbound_queue and mailbox_capacity must be positive".into(),
            ));
        }
        let content_security_policy = f.csp.header()?;
        Ok(LiveConfig {
            content_security_policy,
            check_origin: f.origins.check_origin,
            allowed_origins: f.origins.allow,
            max_body_bytes: f.limits.max_body_bytes,
            max_frame_bytes: f.limits.max_frame_bytes,
            max_message_bytes: f.limits.max_message_bytes,
            max_connections: f.limits.max_connections,
            outbound_queue: f.limits.outbound_queue,
            mailbox_capacity: f.limits.mailbox_capacity,
            events_per_second: f.rate_limits.events_per_second.max(1),
            event_burst: f.rate_limits.event_burst.max(1),
            heartbeat_timeout: Duration::from_secs(f.heartbeat.timeout_secs),
            session_token_ttl: Duration::from_secs(f.tokens.session_token_secs),
        })
    }
}

impl Default for LiveConfig {
    fn default() -> LiveConfig {
        // The compiled-in table is validated by `zerogate check` and by a test below.
        LiveConfig::from_toml(DEFAULT_SECURITY_TOML).unwrap_or(LiveConfig {
            check_origin: true,
            allowed_origins: Vec::new(),
            max_body_bytes: 8 << 20,
            max_frame_bytes: 1 << 20,
            max_message_bytes: 1 << 20,
            max_connections: 10_000,
            outbound_queue: 64,
            mailbox_capacity: 256,
            events_per_second: 50,
            event_burst: 100,
            heartbeat_timeout: Duration::from_secs(60),
            session_token_ttl: Duration::from_secs(1_209_600),
            content_security_policy: "default-src 'self'; frame-ancestors 'none'".to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_framework_defaults_parse() {
        let c = LiveConfig::from_toml(DEFAULT_SECURITY_TOML).unwrap();
        assert!(c.check_origin);
        assert_eq!(c.max_frame_bytes, 1_048_576);
        assert_eq!(c.heartbeat_timeout, Duration::from_secs(60));
        assert_eq!(c, LiveConfig::default());
        assert_eq!(
            c.content_security_policy,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; frame-ancestors 'none'"
        );
    }

    #[test]
    fn policies_that_let_injected_code_run_are_refused() {
        let inline = DEFAULT_SECURITY_TOML
            .replace("script_src = [\"'self'\"]", "script_src = [\"'self'\", \"'unsafe-inline'\"]");
        let e = LiveConfig::from_toml(&inline).unwrap_err().to_string();
        assert!(e.contains("script_src must not allow 'unsafe-inline'"), "{e}");
        let injected = DEFAULT_SECURITY_TOML
            .replace("img_src = [\"'self'\", \"data:\"]", "img_src = [\"'self'; script-src *\"]");
        assert!(
            LiveConfig::from_toml(&injected).unwrap_err().to_string().contains("invalid source")
        );
    }

    #[test]
    fn incomplete_or_inconsistent_tables_are_refused() {
        assert!(LiveConfig::from_toml("[origins]\ncheck_origin = true\n").is_err());
        let swapped = DEFAULT_SECURITY_TOML
            .replace("max_message_bytes = 1048576", "max_message_bytes = 1024");
        assert!(LiveConfig::from_toml(&swapped).unwrap_err().to_string().contains("below"));
    }
}
