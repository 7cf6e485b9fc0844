//! The lifetimes and limits accounts enforce, read from the app's `spec/security.toml`
//! (`[tokens]`, `[rate_limits]`, `[mail]`; the generator validates the whole table).

use serde::Deserialize;

/// What accounts enforce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// How long a magic link (or an email-change link) works, in seconds.
    pub magic_link_secs: i64,
    /// How long a login session token is valid after it was issued or renewed.
    pub login_session_secs: i64,
    /// The longest a login lasts through renewals before the user logs in again.
    pub remember_me_secs: i64,
    /// How long after logging in sensitive actions are allowed (sudo mode).
    pub sudo_window_secs: i64,
    /// Magic links asked for and links tried, per hour, per client and per email.
    pub login_attempts_per_hour: u32,
    /// Registrations per hour, per client and per email.
    pub registrations_per_hour: u32,
    /// The address account mail comes from (`MAIL_FROM` overrides).
    pub mail_from: String,
    /// The URL links in mail start with, e.g. `https://example.com` (`APP_URL` overrides).
    pub base_url: String,
}

/// A `security.toml` accounts cannot use.
#[derive(Debug, thiserror::Error)]
#[error("invalid security.toml for accounts: {0}")]
pub struct ConfigError(String);

#[derive(Deserialize)]
struct File {
    tokens: Tokens,
    rate_limits: RateLimits,
    #[serde(default)]
    mail: Mail,
}

#[derive(Deserialize)]
struct Tokens {
    magic_link_secs: i64,
    login_session_secs: i64,
    remember_me_secs: i64,
    sudo_window_secs: i64,
}

#[derive(Deserialize)]
struct RateLimits {
    login_attempts_per_hour: u32,
    registrations_per_hour: u32,
}

#[derive(Deserialize, Default)]
struct Mail {
    from: Option<String>,
    base_url: Option<String>,
}

impl AuthConfig {
    /// Reads the account policies of a `security.toml`; `MAIL_FROM` and `APP_URL` in the
    /// environment override its `[mail]` values.
    pub fn from_toml(text: &str) -> Result<AuthConfig, ConfigError> {
        let f: File = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        let config = AuthConfig {
            magic_link_secs: f.tokens.magic_link_secs,
            login_session_secs: f.tokens.login_session_secs,
            remember_me_secs: f.tokens.remember_me_secs,
            sudo_window_secs: f.tokens.sudo_window_secs,
            login_attempts_per_hour: f.rate_limits.login_attempts_per_hour,
            registrations_per_hour: f.rate_limits.registrations_per_hour,
            mail_from: std::env::var("MAIL_FROM")
                .ok()
                .or(f.mail.from)
                .unwrap_or_else(|| "0x0 Live <no-reply@localhost>".to_owned()),
            base_url: std::env::var("APP_URL")
                .ok()
                .or(f.mail.base_url)
                .unwrap_or_else(|| "http://127.0.0.1:4000".to_owned()),
        };
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        let lifetimes = [
            self.magic_link_secs,
            self.login_session_secs,
            self.remember_me_secs,
            self.sudo_window_secs,
        ];
        if lifetimes.iter().any(|s| *s < 60) {
            return Err(ConfigError("token lifetimes are at least 60 seconds".into()));
        }
        if self.login_attempts_per_hour == 0 || self.registrations_per_hour == 0 {
            return Err(ConfigError("rate limits must be positive".into()));
        }
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return Err(ConfigError(format!(
                "mail.base_url `{}` is not an http(s) URL",
                self.base_url
            )));
        }
        Ok(())
    }
}

impl Default for AuthConfig {
    /// The framework's defaults (`spec/security.toml`).
    fn default() -> AuthConfig {
        AuthConfig {
            magic_link_secs: 900,
            login_session_secs: 1_209_600,
            remember_me_secs: 5_184_000,
            sudo_window_secs: 600,
            login_attempts_per_hour: 10,
            registrations_per_hour: 5,
            mail_from: "0x0 Live <no-reply@localhost>".to_owned(),
            base_url: "http://127.0.0.1:4000".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAMEWORK: &str = include_str!("../../../spec/security.toml");

    #[test]
    fn the_framework_table_gives_the_defaults() {
        let config = AuthConfig::from_toml(FRAMEWORK).unwrap();
        let expected = AuthConfig {
            mail_from: config.mail_from.clone(),
            base_url: config.base_url.clone(),
            ..AuthConfig::default()
        };
        assert_eq!(config, expected);
        assert_eq!(config.magic_link_secs, 900, "magic links expire in 15 minutes");
        assert_eq!(config.login_session_secs, 14 * 24 * 3600, "sessions last 14 days");
    }

    #[test]
    fn incomplete_or_unsafe_tables_are_refused() {
        assert!(AuthConfig::from_toml("[tokens]\nmagic_link_secs = 900\n").is_err());
        let instant = FRAMEWORK.replace("magic_link_secs = 900", "magic_link_secs = 0");
        assert!(AuthConfig::from_toml(&instant).unwrap_err().to_string().contains("60 seconds"));
        let unlimited =
            FRAMEWORK.replace("registrations_per_hour = 5", "registrations_per_hour = 0");
        assert!(AuthConfig::from_toml(&unlimited).unwrap_err().to_string().contains("positive"));
    }
}
