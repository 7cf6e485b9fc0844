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
    /// Neither names the site: `base_url` is a development build's fallback, which
    /// [`AuthConfig::served_at`] points at the app's own address.
    pub base_url_is_fallback: bool,
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
        let named = std::env::var("APP_URL").ok().or(mail.base_url);
        let config = AuthConfig {
            tokens: table.tokens,
            rate_limits: table.rate_limits,
            mail_from: std::env::var("MAIL_FROM")
                .ok()
                .or(mail.from)
                .unwrap_or_else(|| "0x0 Live <no-reply@localhost>".to_owned()),
            base_url_is_fallback: named.is_none(),
            base_url: base_url(named, !cfg!(debug_assertions))?,
        };
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(ConfigError::new(format!(
                "`mail.base_url` `{}` is not an http(s) URL",
                config.base_url
            )));
        }
        Ok(config)
    }

    /// Where the app serves (`zero_live::Endpoint::local_url`): when no URL names the site (a
    /// development build with neither `APP_URL` nor `[mail] base_url`), links in mail point
    /// there, so an app run with `PORT=4001` mails links to port 4001. A named URL is kept.
    pub fn served_at(mut self, url: &str) -> AuthConfig {
        if self.base_url_is_fallback {
            self.base_url = url.trim_end_matches('/').to_owned();
        }
        self
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
            base_url: DEV_URL.to_owned(),
            base_url_is_fallback: true,
        }
    }
}

/// Where a development build's links point until [`AuthConfig::served_at`] says better.
const DEV_URL: &str = "http://127.0.0.1:4000";

/// Where links in mail point: the URL that names the site (`APP_URL`, else `[mail]
/// base_url`); a development build falls back to the local server, a release build refuses to
/// start (its users would get links to 127.0.0.1).
fn base_url(named: Option<String>, release: bool) -> Result<String, ConfigError> {
    match named {
        Some(url) => Ok(url),
        None if release => Err(ConfigError::new(
            "APP_URL is not set: a release build mails login links, which must point at the \
             site (e.g. APP_URL=https://example.com)",
        )),
        None => Ok(DEV_URL.to_owned()),
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
            base_url_is_fallback: config.base_url_is_fallback,
            ..AuthConfig::default()
        };
        assert_eq!(config, expected);
        assert_eq!(config.tokens.magic_link_secs, 900, "magic links expire in 15 minutes");
        assert_eq!(config.tokens.login_session_secs, 14 * 24 * 3600, "sessions last 14 days");
    }

    #[test]
    fn a_release_build_needs_the_sites_url_for_its_mail() {
        let e = base_url(None, true).unwrap_err().to_string();
        assert!(e.contains("APP_URL is not set"), "{e}");
        assert_eq!(base_url(None, false).unwrap(), "http://127.0.0.1:4000");
        let site = Some("https://example.com".to_owned());
        assert_eq!(base_url(site, true).unwrap(), "https://example.com");
    }

    #[test]
    fn development_links_follow_the_port_the_app_serves_on_unless_a_url_names_the_site() {
        let fallback = AuthConfig::default().served_at("http://127.0.0.1:4001/");
        assert_eq!(fallback.base_url, "http://127.0.0.1:4001");
        let named = AuthConfig {
            base_url: "https://example.com".to_owned(),
            base_url_is_fallback: false,
            ..AuthConfig::default()
        };
        assert_eq!(named.served_at("http://127.0.0.1:4001").base_url, "https://example.com");
        let table = format!("{FRAMEWORK}\n[mail]\nbase_url = \"https://example.org\"\n");
        if std::env::var_os("APP_URL").is_none() {
            let config = AuthConfig::from_toml(&table).unwrap().served_at("http://127.0.0.1:9");
            assert_eq!(config.base_url, "https://example.org");
            let config = AuthConfig::from_toml(FRAMEWORK).unwrap().served_at("http://127.0.0.1:9");
            assert_eq!(config.base_url, "http://127.0.0.1:9");
        }
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
