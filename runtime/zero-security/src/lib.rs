//! `spec/security.toml`, modelled once.
//!
//! The framework's table is compiled in ([`FRAMEWORK_TOML`]); an app copies it into its own
//! `spec/` and may tighten it. The live runtime, accounts (`zero-auth`), the generator's
//! validation (`zero-spec`) and the security reference all read these types, so a key cannot
//! mean one thing to the runtime and another to the docs. [`SecurityConfig::violations`] holds
//! the rules the types cannot express; `zero-spec` reports them with file positions, the
//! runtime refuses a table that breaks any.

mod model;

pub use model::*;

/// The framework's `spec/security.toml`, compiled in (through `packaged/security.toml`, a link
/// to it, so that `cargo package` ships it inside the crate).
pub const FRAMEWORK_TOML: &str = include_str!("../packaged/security.toml");

/// A `security.toml` that does not parse or breaks a rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid security.toml: {0}")]
pub struct PolicyError(String);

impl PolicyError {
    /// An error about a table's value that a reader of the table found.
    pub fn new(message: impl Into<String>) -> PolicyError {
        PolicyError(message.into())
    }
}

impl Default for SecurityConfig {
    /// The framework's table.
    fn default() -> SecurityConfig {
        SecurityConfig::framework()
    }
}

/// A rule a parsed table breaks: the key (`[section, key]`) and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Section and key, e.g. `["limits", "max_message_bytes"]`.
    pub key: [&'static str; 2],
    /// What is wrong, for a person.
    pub message: String,
}

impl SecurityConfig {
    /// Parses a table and checks every rule; the first broken rule is the error.
    pub fn from_toml(text: &str) -> Result<SecurityConfig, PolicyError> {
        let config: SecurityConfig =
            toml::from_str(text).map_err(|e| PolicyError(e.message().to_owned()))?;
        if let Some(v) = config.violations().into_iter().next() {
            return Err(PolicyError(format!("`{}.{}`: {}", v.key[0], v.key[1], v.message)));
        }
        Ok(config)
    }

    /// The framework's table.
    pub fn framework() -> SecurityConfig {
        // The compiled-in table is checked by a test below and by `zerogate check`.
        SecurityConfig::from_toml(FRAMEWORK_TOML).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The rules a table must keep besides its types: safe CSP sources, consistent limits,
    /// positive rates and lifetimes a runtime can enforce.
    pub fn violations(&self) -> Vec<Violation> {
        let mut found = Vec::new();
        let mut rule = |ok: bool, key: [&'static str; 2], message: String| {
            if !ok {
                found.push(Violation { key, message });
            }
        };
        fn unsafe_source(list: &[String]) -> Option<&String> {
            list.iter().find(|s| matches!(s.as_str(), "'unsafe-inline'" | "'unsafe-eval'" | "*"))
        }
        for (key, list) in
            [("script_src", &self.csp.script_src), ("style_src", &self.csp.style_src)]
        {
            if let Some(bad) = unsafe_source(list) {
                rule(false, ["csp", key], format!("`{key}` must not allow {bad}"));
            }
        }
        for (key, list) in self.csp.directives() {
            rule(!list.is_empty(), ["csp", key], format!("`{key}` lists no source"));
            if let Some(bad) =
                list.iter().find(|s| s.is_empty() || s.contains([';', ',', '\n', '\r']))
            {
                rule(false, ["csp", key], format!("`{key}` has an invalid source `{bad}`"));
            }
        }
        for origin in &self.origins.allow {
            let ok = (origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.trim_end_matches('/').contains(['*', ' '])
                && origin.split("://").nth(1).is_some_and(|h| !h.is_empty() && !h.contains('/'));
            rule(
                ok,
                ["origins", "allow"],
                format!("`{origin}` is not an origin like https://host[:port]"),
            );
        }
        let n = &self.network;
        rule(
            !n.allowed_hosts.is_empty(),
            ["network", "allowed_hosts"],
            "`allowed_hosts` lists no host; write `*` to answer any".to_owned(),
        );
        for host in &n.allowed_hosts {
            rule(
                !host.is_empty() && !host.contains(|c: char| c.is_whitespace() || c == '/'),
                ["network", "allowed_hosts"],
                format!("`{host}` is not a host name, `.domain` or `*`"),
            );
        }
        for host in &n.redirect_hosts {
            rule(
                !host.is_empty()
                    && !host.contains(|c: char| c.is_whitespace() || "/:@*".contains(c)),
                ["network", "redirect_hosts"],
                format!("`{host}` is not a host name"),
            );
        }
        for proxy in &n.trusted_proxies {
            rule(
                parse_range(proxy).is_some(),
                ["network", "trusted_proxies"],
                format!("`{proxy}` is not an IP address or CIDR range (like 10.0.0.0/8)"),
            );
        }
        let l = &self.limits;
        rule(
            l.max_message_bytes >= l.max_frame_bytes,
            ["limits", "max_message_bytes"],
            "`max_message_bytes` must be at least `max_frame_bytes`".to_owned(),
        );
        rule(
            l.max_session_upload_bytes >= l.max_upload_bytes,
            ["limits", "max_session_upload_bytes"],
            "`max_session_upload_bytes` must be at least `max_upload_bytes`, or the largest \
             upload could never be held"
                .to_owned(),
        );
        rule(
            l.max_scope_upload_bytes >= l.max_session_upload_bytes,
            ["limits", "max_scope_upload_bytes"],
            "`max_scope_upload_bytes` must be at least `max_session_upload_bytes`, or one session \
             of a scope could hold more than the scope"
                .to_owned(),
        );
        rule(
            l.upload_chunk_bytes >= 1024 && l.upload_chunk_bytes + 128 <= l.max_frame_bytes,
            ["limits", "upload_chunk_bytes"],
            "`upload_chunk_bytes` must be at least 1024 and, with 128 bytes of frame header, fit \
             `max_frame_bytes`"
                .to_owned(),
        );
        rule(
            (1..=64).contains(&l.upload_window),
            ["limits", "upload_window"],
            "`upload_window` must be 1 to 64 chunks".to_owned(),
        );
        let positive = [
            ("limits", "mailbox_capacity", u64::from(l.mailbox_capacity)),
            ("limits", "max_sessions_per_client", u64::from(l.max_sessions_per_client)),
            ("limits", "max_connections", u64::from(l.max_connections)),
            ("limits", "outbound_queue", u64::from(l.outbound_queue)),
            ("limits", "max_protocol_errors", u64::from(l.max_protocol_errors)),
            ("limits", "header_read_secs", l.header_read_secs),
            ("rate_limits", "events_per_second", u64::from(self.rate_limits.events_per_second)),
            ("rate_limits", "event_burst", u64::from(self.rate_limits.event_burst)),
            ("rate_limits", "joins_per_minute", u64::from(self.rate_limits.joins_per_minute)),
            (
                "rate_limits",
                "login_attempts_per_hour",
                u64::from(self.rate_limits.login_attempts_per_hour),
            ),
            (
                "rate_limits",
                "registrations_per_hour",
                u64::from(self.rate_limits.registrations_per_hour),
            ),
            ("heartbeat", "interval_secs", self.heartbeat.interval_secs),
            ("heartbeat", "idle_session_secs", self.heartbeat.idle_session_secs),
        ];
        for (section, key, value) in positive {
            rule(value > 0, [section, key], format!("`{key}` must be positive"));
        }
        let t = &self.tokens;
        for (key, secs) in [
            ("session_token_secs", t.session_token_secs),
            ("csrf_token_secs", t.csrf_token_secs),
            ("login_session_secs", t.login_session_secs),
            ("remember_me_secs", t.remember_me_secs),
            ("magic_link_secs", t.magic_link_secs),
            ("sudo_window_secs", t.sudo_window_secs),
        ] {
            rule(secs >= 60, ["tokens", key], format!("`{key}` must be at least 60 seconds"));
        }
        rule(
            self.heartbeat.timeout_secs > self.heartbeat.interval_secs,
            ["heartbeat", "timeout_secs"],
            "`timeout_secs` must exceed `interval_secs`, or every socket times out between \
             heartbeats"
                .to_owned(),
        );
        found
    }
}

impl Network {
    /// Whether a request's `Host` (port allowed) is one the app answers. Allocates nothing:
    /// it runs on every request.
    pub fn host_allowed(&self, host: &str) -> bool {
        let name = host_name(host);
        self.allowed_hosts.iter().any(|allowed| {
            if allowed == "*" {
                return true;
            }
            let Some(domain) = allowed.strip_prefix('.') else {
                return name.eq_ignore_ascii_case(allowed);
            };
            if name.eq_ignore_ascii_case(domain) {
                return true;
            }
            // A subdomain: `sub.` then the domain.
            let Some(dot) = name.len().checked_sub(domain.len() + 1) else { return false };
            name.as_bytes()[dot] == b'.'
                && name.get(dot + 1..).is_some_and(|tail| tail.eq_ignore_ascii_case(domain))
        })
    }

    /// Whether `url` is an `https://` or `http://` URL on one of `redirect_hosts`.
    pub fn external_redirect_allowed(&self, url: &str) -> bool {
        let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"))
        else {
            return false;
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        if authority.contains(['@', '\\']) || url.chars().any(char::is_control) {
            return false;
        }
        let name = host_name(authority);
        !name.is_empty() && self.redirect_hosts.iter().any(|h| name.eq_ignore_ascii_case(h))
    }

    /// The trusted proxies as ranges (an address is a range of one); entries that do not
    /// parse are left out (`violations` refuses a table that has any).
    pub fn proxies(&self) -> Vec<ipnet::IpNet> {
        self.trusted_proxies.iter().filter_map(|p| parse_range(p)).collect()
    }
}

/// A `Host` header's name without its port (`[::1]:4000` is `[::1]`) or a trailing dot.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    let name = if host.starts_with('[') {
        host.find(']').map_or(host, |end| &host[..=end])
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        }
    };
    name.strip_suffix('.').unwrap_or(name)
}

/// An address or a CIDR range.
fn parse_range(text: &str) -> Option<ipnet::IpNet> {
    text.parse::<ipnet::IpNet>()
        .ok()
        .or_else(|| text.parse::<std::net::IpAddr>().ok().map(ipnet::IpNet::from))
}

impl Csp {
    /// The directives by key, in header order.
    pub fn directives(&self) -> [(&'static str, &Vec<String>); 6] {
        [
            ("default_src", &self.default_src),
            ("script_src", &self.script_src),
            ("style_src", &self.style_src),
            ("img_src", &self.img_src),
            ("connect_src", &self.connect_src),
            ("frame_ancestors", &self.frame_ancestors),
        ]
    }

    /// The `Content-Security-Policy` header value (of a table without violations).
    pub fn header(&self) -> String {
        let parts: Vec<String> = self
            .directives()
            .iter()
            .map(|(key, list)| format!("{} {}", key.replace('_', "-"), list.join(" ")))
            .collect();
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn broken(from: &str, to: &str) -> String {
        assert!(FRAMEWORK_TOML.contains(from), "{from}");
        SecurityConfig::from_toml(&FRAMEWORK_TOML.replace(from, to)).unwrap_err().to_string()
    }

    #[test]
    fn the_framework_table_keeps_every_rule() {
        let c = SecurityConfig::framework();
        assert!(c.violations().is_empty());
        assert!(c.origins.check_origin);
        assert_eq!(c.limits.max_frame_bytes, 1_048_576);
        assert_eq!(
            c.csp.header(),
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
             connect-src 'self'; frame-ancestors 'none'"
        );
    }

    #[test]
    fn each_rule_refuses_a_table_that_breaks_it() {
        let e =
            broken("script_src = [\"'self'\"]", "script_src = [\"'self'\", \"'unsafe-inline'\"]");
        assert!(e.contains("`csp.script_src`: `script_src` must not allow 'unsafe-inline'"), "{e}");
        let e = broken(
            "img_src = [\"'self'\", \"data:\", \"blob:\"]",
            "img_src = [\"'self'; script-src *\"]",
        );
        assert!(e.contains("invalid source"), "{e}");
        assert!(
            broken("frame_ancestors = [\"'none'\"]", "frame_ancestors = []").contains("no source")
        );
        let e = broken("max_message_bytes = 1048576", "max_message_bytes = 1024");
        assert!(e.contains("at least `max_frame_bytes`"), "{e}");
        assert!(broken("timeout_secs = 60", "timeout_secs = 30").contains("exceed"));
        assert!(broken("max_protocol_errors = 10", "max_protocol_errors = 0").contains("positive"));
        let e = broken("max_session_upload_bytes = 67108864", "max_session_upload_bytes = 1024");
        assert!(e.contains("at least `max_upload_bytes`"), "{e}");
        let e = broken("max_scope_upload_bytes = 268435456", "max_scope_upload_bytes = 2048");
        assert!(e.contains("at least `max_session_upload_bytes`"), "{e}");
        let e = broken("upload_chunk_bytes = 262144", "upload_chunk_bytes = 1048576");
        assert!(e.contains("fit `max_frame_bytes`"), "{e}");
        assert!(broken("upload_window = 4", "upload_window = 0").contains("1 to 64"));
        assert!(broken("joins_per_minute = 120", "joins_per_minute = 0").contains("positive"));
        assert!(broken("csrf_token_secs = 1209600", "csrf_token_secs = 5").contains("60 seconds"));
        assert!(
            broken("allow = []", "allow = [\"https://*.example.com\"]").contains("not an origin")
        );
    }

    #[test]
    fn hosts_match_by_name_domain_or_star_and_proxies_parse_as_ranges() {
        let mut n = Network::default();
        for host in ["localhost:4000", "127.0.0.1", "[::1]:4000", "LOCALHOST"] {
            assert!(n.host_allowed(host), "{host}");
        }
        for host in ["example.com", "localhost.evil.com", "127.0.0.1.nip.io", "[::2]"] {
            assert!(!n.host_allowed(host), "{host}");
        }
        n.allowed_hosts = vec![".example.com".into()];
        assert!(n.host_allowed("example.com") && n.host_allowed("app.example.com:443"));
        assert!(!n.host_allowed("badexample.com") && !n.host_allowed("example.com.evil"));
        n.redirect_hosts = vec!["pay.example.com".into()];
        assert!(n.external_redirect_allowed("https://pay.example.com/checkout?id=1"));
        assert!(n.external_redirect_allowed("http://PAY.example.com:8443"));
        for url in [
            "https://evil.com/",
            "https://pay.example.com.evil.com/",
            "https://evil.com@pay.example.com/",
            "https://pay.example.com@evil.com/",
            "javascript:alert(1)//pay.example.com",
            "//pay.example.com/",
            "/local",
        ] {
            assert!(!n.external_redirect_allowed(url), "{url}");
        }
        n.allowed_hosts = vec!["*".into()];
        assert!(n.host_allowed("anything.test"));
        n.trusted_proxies = vec!["10.0.0.0/8".into(), "192.0.2.7".into(), "::1".into()];
        let proxies = n.proxies();
        assert_eq!(proxies.len(), 3);
        assert!(proxies[0].contains(&"10.1.2.3".parse::<std::net::IpAddr>().unwrap()));
        assert!(!proxies[1].contains(&"192.0.2.8".parse::<std::net::IpAddr>().unwrap()));
        assert!(
            broken("trusted_proxies = []", "trusted_proxies = [\"10.0.0.0/33\"]").contains("CIDR")
        );
        assert!(broken("trusted_proxies = []", "trusted_proxies = [\"proxy\"]").contains("CIDR"));
        assert!(
            broken(
                "allowed_hosts = [\"localhost\", \"127.0.0.1\", \"[::1]\"]",
                "allowed_hosts = []"
            )
            .contains("no host")
        );
    }

    #[test]
    fn unknown_and_missing_keys_are_refused() {
        let e = broken("[limits]\n", "[limits]\nmax_bogus = 1\n");
        assert!(e.contains("max_bogus"), "{e}");
        assert!(SecurityConfig::from_toml("[origins]\ncheck_origin = true\n").is_err());
    }
}
