//! The endpoint's policies: the app's `spec/security.toml`, read through the one model of the
//! table (`zero-security`) that accounts, the generator and the docs read too.
//!
//! The endpoint enforces `[csp]`, `[origins]`, `[limits]` (but `max_upload_bytes`, which waits
//! for uploads), the per-socket and per-client `[rate_limits]`, `session_token_secs` and
//! `csrf_token_secs`, and `[heartbeat]`; accounts (`zero-auth`) enforce the rest.

pub use zero_security::{FRAMEWORK_TOML as DEFAULT_SECURITY_TOML, PolicyError as ConfigError};

/// What the live endpoint enforces: the security table itself.
/// `LiveConfig::from_toml(text)` reads an app's table and refuses one that breaks a rule;
/// `LiveConfig::default()` is the framework's.
pub type LiveConfig = zero_security::SecurityConfig;

/// A count from the table as a `usize` (saturating on 32-bit targets).
pub(crate) fn count(value: impl Into<u64>) -> usize {
    usize::try_from(value.into()).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_framework_defaults_are_the_endpoints() {
        let c = LiveConfig::from_toml(DEFAULT_SECURITY_TOML).unwrap();
        assert!(c.origins.check_origin);
        assert_eq!(count(c.limits.max_frame_bytes), 1_048_576);
        assert_eq!(c.heartbeat.timeout_secs, 60);
        assert_eq!(c, LiveConfig::default());
    }

    #[test]
    fn policies_that_let_injected_code_run_are_refused() {
        let inline = DEFAULT_SECURITY_TOML
            .replace("script_src = [\"'self'\"]", "script_src = [\"'self'\", \"'unsafe-inline'\"]");
        let e = LiveConfig::from_toml(&inline).unwrap_err().to_string();
        assert!(e.contains("must not allow 'unsafe-inline'"), "{e}");
    }
}
