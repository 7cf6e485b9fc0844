//! The endpoint's policies: the app's `spec/security.toml`, read through the one model of the
//! table (`zero-security`) that accounts, the generator and the docs read too.
//!
//! The endpoint enforces `[csp]`, `[origins]`, `[limits]` (`max_upload_bytes` caps every
//! upload: `uploads`), the per-socket and per-client `[rate_limits]`, `session_token_secs` and
//! `csrf_token_secs`, and `[heartbeat]`; accounts (`zero-auth`) enforce the rest.

pub use zero_security::{FRAMEWORK_TOML as DEFAULT_SECURITY_TOML, PolicyError as ConfigError};

/// What the live endpoint enforces: the security table itself.
/// `LiveConfig::from_toml(text)` reads an app's table and refuses one that breaks a rule;
/// `LiveConfig::default()` is the framework's.
pub type LiveConfig = zero_security::SecurityConfig;

/// One of an app's configuration files: the text the binary was built with (its `spec/`), or a
/// file of the same name in the folder `CONFIG_DIR` names, when it has one. The environment
/// then overrides single settings (`PORT`, `DATABASE_URL`, ...), as each reader says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// The file's text.
    pub text: std::borrow::Cow<'static, str>,
    /// Where it came from, for messages: `spec/NAME (built in)` or the file's path.
    pub origin: String,
}

impl ConfigFile {
    /// `name` from `CONFIG_DIR` (read through `env`) when that folder has it, else `built`. A
    /// `CONFIG_DIR` that is not a folder, or a file there that cannot be read, is an error
    /// naming it: a deployment that names a configuration never runs without it.
    pub fn layered(
        name: &str,
        built: &'static str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ConfigFile, String> {
        let built_in =
            || ConfigFile { text: built.into(), origin: format!("spec/{name} (built in)") };
        let Some(dir) = env("CONFIG_DIR").filter(|d| !d.trim().is_empty()) else {
            return Ok(built_in());
        };
        let dir = std::path::Path::new(&dir);
        if !dir.is_dir() {
            return Err(format!(
                "CONFIG_DIR is {}, which is not a folder\nhelp: name the folder that holds \
                 security.toml, endpoint.toml or database.toml, or unset it",
                dir.display()
            ));
        }
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(ConfigFile { text: text.into(), origin: path.display().to_string() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(built_in()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

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
    fn a_config_file_is_the_built_one_unless_config_dir_holds_its_own() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("endpoint.toml"), "[http]\nport = 8080\n").unwrap();
        let folder = dir.path().display().to_string();
        let none = |_: &str| None;
        let built = ConfigFile::layered("endpoint.toml", "[http]\n", none).unwrap();
        assert_eq!(
            (&*built.text, built.origin.as_str()),
            ("[http]\n", "spec/endpoint.toml (built in)")
        );
        let env = |k: &str| (k == "CONFIG_DIR").then(|| folder.clone());
        let replaced = ConfigFile::layered("endpoint.toml", "[http]\n", env).unwrap();
        assert_eq!(replaced.text, "[http]\nport = 8080\n");
        assert!(replaced.origin.ends_with("endpoint.toml") && replaced.origin.starts_with(&folder));
        let absent = ConfigFile::layered("database.toml", "url = 1", env).unwrap();
        assert_eq!(absent.origin, "spec/database.toml (built in)");
        let missing = dir.path().join("nope").display().to_string();
        let bad = ConfigFile::layered("endpoint.toml", "", |_: &str| Some(missing.clone()));
        let bad = bad.unwrap_err();
        assert!(bad.contains("which is not a folder") && bad.contains("\nhelp: "), "{bad}");
    }

    #[test]
    fn policies_that_let_injected_code_run_are_refused() {
        let inline = DEFAULT_SECURITY_TOML
            .replace("script_src = [\"'self'\"]", "script_src = [\"'self'\", \"'unsafe-inline'\"]");
        let e = LiveConfig::from_toml(&inline).unwrap_err().to_string();
        assert!(e.contains("must not allow 'unsafe-inline'"), "{e}");
    }
}
