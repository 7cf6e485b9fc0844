//! `spec/security.toml`: the secure defaults every app starts from.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use zero_diag::{Diagnostic, Location, codes, line_col};

use crate::schema::TableSchema;

/// Security defaults: content security policy, origins, limits, rate limits, token lifetimes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// The Content-Security-Policy header every page is served with.
    pub csp: Csp,
    /// Which origins may open a live socket.
    pub origins: Origins,
    /// Size limits.
    pub limits: Limits,
    /// Rate limits per client.
    pub rate_limits: RateLimits,
    /// Lifetimes of signed tokens.
    pub tokens: Tokens,
    /// Socket liveness.
    pub heartbeat: Heartbeat,
    /// Account mail (apps with `zerogen auth`); the environment overrides it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail: Option<Mail>,
}

/// Account mail: who it is from and where its links point. `MAIL_FROM` and `APP_URL` in the
/// environment override these; the SMTP server (`SMTP_URL`, which holds a password) is only
/// ever read from the environment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Mail {
    /// The sender, `Name <address>` or an address.
    pub from: Option<String>,
    /// The URL links in mail start with, e.g. `https://example.com`.
    pub base_url: Option<String>,
}

/// Content-Security-Policy directives; each is a list of sources.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Csp {
    /// `default-src`.
    #[schemars(length(min = 1))]
    pub default_src: Vec<String>,
    /// `script-src`; must not allow `'unsafe-inline'` or `'unsafe-eval'`.
    #[schemars(length(min = 1))]
    pub script_src: Vec<String>,
    /// `style-src`; must not allow `'unsafe-inline'`.
    #[schemars(length(min = 1))]
    pub style_src: Vec<String>,
    /// `img-src`.
    #[schemars(length(min = 1))]
    pub img_src: Vec<String>,
    /// `connect-src` (the live socket connects to `'self'`).
    #[schemars(length(min = 1))]
    pub connect_src: Vec<String>,
    /// `frame-ancestors`.
    #[schemars(length(min = 1))]
    pub frame_ancestors: Vec<String>,
}

/// Origin checks at socket upgrade.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Origins {
    /// Refuse upgrades whose `Origin` is not the page's own host or in `allow`.
    pub check_origin: bool,
    /// Extra allowed origins, as `scheme://host[:port]`.
    pub allow: Vec<String>,
}

/// Size limits, in bytes unless named otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Largest HTTP request body.
    #[schemars(range(min = 1024))]
    pub max_body_bytes: u64,
    /// Largest WebSocket frame.
    #[schemars(range(min = 1024))]
    pub max_frame_bytes: u64,
    /// Largest WebSocket message (frames reassembled); at least `max_frame_bytes`.
    #[schemars(range(min = 1024))]
    pub max_message_bytes: u64,
    /// Largest upload, all chunks together.
    #[schemars(range(min = 1024))]
    pub max_upload_bytes: u64,
    /// Messages a live session's mailbox holds; a message that finds it full is dropped for that session and counted (senders never wait).
    #[schemars(range(min = 1, max = 65536))]
    pub mailbox_capacity: u32,
    /// Live sessions one client (IP) may hold open.
    #[schemars(range(min = 1))]
    pub max_sessions_per_client: u32,
    /// Live sockets the server holds open at once; further upgrades are refused with 503.
    #[schemars(range(min = 1))]
    pub max_connections: u32,
    /// Frames one turn of a session may queue for its socket; more close it as a slow consumer.
    #[schemars(range(min = 1, max = 65536))]
    pub outbound_queue: u32,
}

/// Rate limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RateLimits {
    /// Sustained events per second per session.
    #[schemars(range(min = 1))]
    pub events_per_second: u32,
    /// Burst of events above the sustained rate.
    #[schemars(range(min = 1))]
    pub event_burst: u32,
    /// Socket joins per minute per client.
    #[schemars(range(min = 1))]
    pub joins_per_minute: u32,
    /// Login attempts per hour per account or client: magic links asked for, links and
    /// passwords tried.
    #[schemars(range(min = 1))]
    pub login_attempts_per_hour: u32,
    /// Registrations per hour per client and per email address.
    #[schemars(range(min = 1))]
    pub registrations_per_hour: u32,
}

/// Token lifetimes, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tokens {
    /// Signed live-session token embedded in the page.
    #[schemars(range(min = 60))]
    pub session_token_secs: u64,
    /// CSRF token.
    #[schemars(range(min = 60))]
    pub csrf_token_secs: u64,
    /// A login's session token (its HttpOnly cookie): valid this long after it was issued or
    /// last renewed.
    #[schemars(range(min = 60))]
    pub login_session_secs: u64,
    /// "Remember me": the longest a login lasts, renewals included, before the user logs in
    /// again.
    #[schemars(range(min = 60))]
    pub remember_me_secs: u64,
    /// Magic-link login token.
    #[schemars(range(min = 60, max = 86400))]
    pub magic_link_secs: u64,
    /// How long after login sensitive actions are allowed without re-authentication.
    #[schemars(range(min = 60))]
    pub sudo_window_secs: u64,
}

/// Heartbeat and idle handling, in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Heartbeat {
    /// The client sends a heartbeat this often.
    #[schemars(range(min = 1))]
    pub interval_secs: u64,
    /// The server closes a socket silent for this long; more than `interval_secs`.
    #[schemars(range(min = 2))]
    pub timeout_secs: u64,
    /// A disconnected session is kept this long for a reconnect.
    #[schemars(range(min = 0))]
    pub idle_session_secs: u64,
}

/// Reads and checks `spec/security.toml`.
pub fn load(file: &str, text: &str) -> (Option<SecurityConfig>, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let config: SecurityConfig = match toml::from_str(text) {
        Ok(c) => c,
        Err(e) => {
            let location = match e.span() {
                Some(span) => {
                    let (line, column) = line_col(text, span.start);
                    let len = text.get(span.clone()).map_or(1, |s| s.chars().count());
                    Location::span(file, line, column, zero_diag::to_u32(len))
                }
                None => Location::file(file),
            };
            diagnostics.push(Diagnostic::error(
                codes::TOML_SYNTAX,
                location,
                e.message().trim_end_matches('.').to_owned(),
            ));
            return (None, diagnostics);
        }
    };
    let schema = TableSchema::of::<SecurityConfig>();
    for (path, message) in schema.violations(&config) {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        diagnostics.push(Diagnostic::error(
            codes::SCHEMA,
            locate_key(file, text, &segments),
            format!("`{}`: {message}", segments.join(".")),
        ));
    }
    let mut rule = |ok: bool, key: &[&str], message: &str| {
        if !ok {
            diagnostics.push(Diagnostic::error(
                codes::INVALID_VALUE,
                locate_key(file, text, key),
                message.to_owned(),
            ));
        }
    };
    let unsafe_source = |list: &[String]| {
        list.iter().any(|s| s == "'unsafe-inline'" || s == "'unsafe-eval'" || s == "*")
    };
    rule(
        !unsafe_source(&config.csp.script_src),
        &["csp", "script_src"],
        "`script-src` must not allow inline scripts, eval or any source",
    );
    rule(
        !unsafe_source(&config.csp.style_src),
        &["csp", "style_src"],
        "`style-src` must not allow inline styles, eval or any source",
    );
    rule(
        config.limits.max_message_bytes >= config.limits.max_frame_bytes,
        &["limits", "max_message_bytes"],
        "`max_message_bytes` must be at least `max_frame_bytes`",
    );
    rule(
        config.heartbeat.timeout_secs > config.heartbeat.interval_secs,
        &["heartbeat", "timeout_secs"],
        "`timeout_secs` must exceed `interval_secs`, or every socket times out between heartbeats",
    );
    for origin in &config.origins.allow {
        let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
            && !origin.trim_end_matches('/').contains(['*', ' '])
            && origin.split("://").nth(1).is_some_and(|h| !h.is_empty() && !h.contains('/'));
        rule(
            ok,
            &["origins", "allow"],
            &format!("`{origin}` is not an origin like https://host[:port]"),
        );
    }
    (Some(config), diagnostics)
}

/// Finds `key` (the last segment) inside the `[section]` named by the first, for a location.
fn locate_key(file: &str, text: &str, path: &[&str]) -> Location {
    let Some((key, sections)) = path.split_last() else {
        return Location::file(file);
    };
    let header = if sections.is_empty() { None } else { Some(format!("[{}]", sections.join("."))) };
    let mut in_section = header.is_none();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_section = header.as_deref().is_some_and(|h| trimmed.starts_with(h));
            if in_section && key.is_empty() {
                return Location::span(
                    file,
                    zero_diag::to_u32(i + 1),
                    1,
                    zero_diag::to_u32(line.len()),
                );
            }
            continue;
        }
        let name = trimmed.split('=').next().unwrap_or("").trim();
        if in_section && name == *key {
            let column = line.len() - trimmed.len() + 1;
            return Location::span(
                file,
                zero_diag::to_u32(i + 1),
                zero_diag::to_u32(column),
                zero_diag::to_u32(key.len()),
            );
        }
    }
    Location::file(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = include_str!("../../../spec/security.toml");

    /// The keys the security reference documents, by section, from its `## \`[section]\``
    /// headings and `| \`key\` |` table rows.
    fn documented_keys(page: &str) -> std::collections::BTreeSet<String> {
        let mut section = String::new();
        let mut keys = std::collections::BTreeSet::new();
        for line in page.lines() {
            if let Some(name) = line.strip_prefix("## `[").and_then(|l| l.strip_suffix("]`")) {
                section = name.to_owned();
            } else if let Some(rest) = line.strip_prefix("| `") {
                let key = rest.split('`').next().unwrap_or_default();
                if !section.is_empty() && !key.is_empty() {
                    keys.insert(format!("{section}.{key}"));
                }
            }
        }
        keys
    }

    #[test]
    fn the_security_reference_documents_exactly_the_models_keys() {
        let (config, _) = load("spec/security.toml", GOOD);
        let model = serde_json::to_value(config.unwrap()).unwrap();
        let mut keys = std::collections::BTreeSet::new();
        for (section, table) in model.as_object().unwrap() {
            for key in table.as_object().unwrap().keys() {
                keys.insert(format!("{section}.{key}"));
            }
        }
        let page = include_str!("../../../docs/reference/security.md");
        let documented = documented_keys(page);
        let undocumented: Vec<_> = keys.difference(&documented).collect();
        let unknown: Vec<_> = documented.difference(&keys).collect();
        assert!(undocumented.is_empty(), "keys of the model the page omits: {undocumented:?}");
        assert!(unknown.is_empty(), "keys the page documents that the model lacks: {unknown:?}");
        assert!(keys.contains("limits.max_frame_bytes") && keys.len() > 20, "{keys:?}");
        // The reader is a real check: a page that drops or invents a key is caught.
        let dropped = page.replace("| `max_frame_bytes` |", "| max_frame_bytes |");
        assert!(!documented_keys(&dropped).contains("limits.max_frame_bytes"));
        let invented = format!("{page}\n## `[limits]`\n| `max_magic` | x |\n");
        assert!(documented_keys(&invented).contains("limits.max_magic"));
    }

    #[test]
    fn framework_defaults_are_valid() {
        let (config, diagnostics) = load("spec/security.toml", GOOD);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let config = config.unwrap();
        assert_eq!(config.csp.script_src, vec!["'self'"]);
        assert!(config.origins.check_origin);
    }

    #[test]
    fn unknown_key_is_reported_with_position() {
        let text = GOOD.replace("[limits]\n", "[limits]\nmax_bogus = 3\n");
        let (config, diagnostics) = load("spec/security.toml", &text);
        assert!(config.is_none());
        assert_eq!(diagnostics.len(), 1);
        let d = &diagnostics[0];
        assert_eq!(d.code, codes::TOML_SYNTAX);
        assert!(d.message.contains("max_bogus"), "{}", d.message);
        let line = text.lines().position(|l| l.starts_with("max_bogus")).unwrap() + 1;
        assert_eq!(d.location.line as usize, line);
    }

    #[test]
    fn an_optional_mail_table_is_read_and_its_unknown_keys_refused() {
        let with_mail = format!("{GOOD}\n[mail]\nfrom = \"Blog <hi@example.com>\"\n");
        let (config, diagnostics) = load("spec/security.toml", &with_mail);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let mail = config.unwrap().mail.unwrap();
        assert_eq!(mail.from.as_deref(), Some("Blog <hi@example.com>"));
        assert_eq!(mail.base_url, None);
        let (_, diagnostics) =
            load("spec/security.toml", &format!("{with_mail}smtp_password = \"x\"\n"));
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert!(diagnostics[0].message.contains("smtp_password"), "{}", diagnostics[0].message);
    }

    #[test]
    fn unsafe_csp_and_bad_limits_are_all_reported() {
        let text = GOOD
            .replace("script_src = [\"'self'\"]", "script_src = [\"'self'\", \"'unsafe-inline'\"]")
            .replace("timeout_secs = 60", "timeout_secs = 10")
            .replace("mailbox_capacity = 256", "mailbox_capacity = 0");
        let (_, diagnostics) = load("spec/security.toml", &text);
        let mut found: Vec<_> = diagnostics.iter().map(|d| (d.code.id, d.location.line)).collect();
        found.sort();
        let line_of = |needle: &str| {
            zero_diag::to_u32(text.lines().position(|l| l.starts_with(needle)).unwrap() + 1)
        };
        let mut expected = vec![
            ("Z0104", line_of("mailbox_capacity")),
            ("Z0108", line_of("script_src")),
            ("Z0108", line_of("timeout_secs")),
        ];
        expected.sort();
        assert_eq!(found, expected, "{diagnostics:#?}");
    }
}
