//! What accounts enforce: the `[tokens]` and `[rate_limits]` of the app's `spec/security.toml`
//! (the one model, `zero-security`), and where account mail comes from.

pub use zero_security::{PolicyError as ConfigError, RateLimits, SecurityConfig, Tokens};

/// What accounts enforce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// Token lifetimes (`magic_link_secs`, `login_session_secs`, `remember_me_secs`,
    /// `sudo_window_secs`).
    pub tokens: Tokens,
    /// Login and registration limits.
    pub rate_limits: RateLimits,
    /// The address account mail comes from (`MAIL_FROM`, else `[mail] from`).
    pub mail_from: String,
    /// The URL links in mail start with, e.g. `https://example.com` (`APP_URL`, else
    /// `[mail] base_url`).
    pub base_url: String,
}

impl AuthConfig {
    /// Reads the account policies of a `security.toml` (refused whole if it breaks any rule of
    /// the table); `MAIL_FROM` and `APP_URL` in the environment override its `[mail]` values.
    pub fn from_toml(text: &str) -> Result<AuthConfig, ConfigError> {
        AuthConfig::from_table(SecurityConfig::from_toml(text)?)
    }

    /// The account policies of a parsed table, with the environment's mail settings.
    pub fn from_table(table: SecurityConfig) -> Result<AuthConfig, ConfigError> {
        let mail = table.mail.unwrap_or_default();
        let config = AuthConfig {
            tokens: table.tokens,
            rate_limits: table.rate_limits,
            mail_from: std::env::var("MAIL_FROM")
                .ok()
                .or(mail.from)
                .unwrap_or_else(|| "0x0 Live <no-reply@localhost>".to_owned()),
            base_url: std::env::var("APP_URL")
                .ok()
                .or(mail.base_url)
                .unwrap_or_else(|| "http://127.0.0.1:4000".to_owned()),
        };
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(ConfigError::new(format!(
                "`mail.base_url` `{}` is not an http(s) URL",
                config.base_url
            )));
        }
        Ok(config)
    }
}

impl Default for AuthConfig {
    /// The framework's table (`spec/security.toml`), mail to and from localhost.
    fn default() -> AuthConfig {
        let table = SecurityConfig::framework();
        AuthConfig {
            tokens: table.tokens,
            rate_limits: table.rate_limits,
            mail_from: "0x0 Live <no-reply@localhost>".to_owned(),
            base_url: "http://127.0.0.1:4000".to_owned(),
        }
    }
}

/// Seconds as the signed count the database's clock arithmetic uses.
pub(crate) fn secs(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAMEWORK: &str = zero_security::FRAMEWORK_TOML;

    #[test]
    fn the_framework_table_gives_the_defaults() {
        let config = AuthConfig::from_toml(FRAMEWORK).unwrap();
        let expected = AuthConfig {
            mail_from: config.mail_from.clone(),
            base_url: config.base_url.clone(),
            ..AuthConfig::default()
        };
        assert_eq!(config, expected);
        assert_eq!(config.tokens.magic_link_secs, 900, "magic links expire in 15 minutes");
        assert_eq!(config.tokens.login_session_secs, 14 * 24 * 3600, "sessions last 14 days");
    }

    #[test]
    fn incomplete_or_unsafe_tables_are_refused() {
        assert!(AuthConfig::from_toml("[tokens]\nmagic_link_secs = 900\n").is_err());
        let instant = FRAMEWORK.replace("magic_link_secs = 900", "magic_link_secs = 0");
        assert!(AuthConfig::from_toml(&instant).unwrap_err().to_string().contains("60 seconds"));
        let unlimited =
            FRAMEWORK.replace("registrations_per_hour = 5", "registrations_per_hour = 0");
        assert!(AuthConfig::from_toml(&unlimited).unwrap_err().to_string().contains("positive"));
        let mail = format!("{FRAMEWORK}\n[mail]\nbase_url = \"ftp://example.com\"\n");
        if std::env::var_os("APP_URL").is_none() {
            assert!(AuthConfig::from_toml(&mail).unwrap_err().to_string().contains("http(s)"));
        }
    }
}
