//! Where an app's signing keys come from, and what a release build refuses to start without.
//!
//! - `SECRET_KEY_BASE`: the current key; it signs every token (sessions, CSRF, flash, the
//!   login cookie). A release build needs it, at least 64 bytes; a development build takes 32.
//! - `SECRET_KEY_BASE_PREVIOUS`: keys that still verify (comma or space separated), for a
//!   rotation: tokens signed before it keep working until the key is removed from the list.
//! - A development build without `SECRET_KEY_BASE` keeps a random key in the app's folder
//!   (`.zero-live/dev-secret`, ignored by git), so `cargo run` restarts keep everyone logged
//!   in; a release build never falls back to it.
//!
//! [`check_release`] also refuses a release build whose socket origin check is off.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

use crate::{LiveConfig, Signer};

/// The shortest `SECRET_KEY_BASE` a release build takes.
pub const RELEASE_KEY_BYTES: usize = 64;

/// The shortest key a development build takes.
pub const DEV_KEY_BYTES: usize = 32;

/// Where a development build keeps its key, under the app's folder.
pub const DEV_KEY_FILE: &str = ".zero-live/dev-secret";

const HELP: &str = "generate one with `openssl rand -base64 48` (64 characters)";

/// The signer of an app: `SECRET_KEY_BASE` and `SECRET_KEY_BASE_PREVIOUS` from `env`; in a
/// development build (`release` false) without `SECRET_KEY_BASE`, the key kept at
/// `root/.zero-live/dev-secret` (made on first use).
pub fn signer_from_env(
    env: impl Fn(&str) -> Option<String>,
    release: bool,
    root: &Path,
) -> Result<Signer, String> {
    let least = if release { RELEASE_KEY_BYTES } else { DEV_KEY_BYTES };
    let current = match env("SECRET_KEY_BASE").filter(|k| !k.is_empty()) {
        Some(key) if key.len() < least => {
            let build = if release { "a release build" } else { "it" };
            return Err(format!(
                "SECRET_KEY_BASE is {} bytes; {build} needs at least {least}: {HELP}",
                key.len()
            ));
        }
        Some(key) => key,
        None if release => {
            return Err(format!(
                "SECRET_KEY_BASE is not set: a release build signs its sessions, CSRF tokens \
                 and cookies with it, the same on every node; {HELP}"
            ));
        }
        None => dev_key(root)?,
    };
    let previous = env("SECRET_KEY_BASE_PREVIOUS").unwrap_or_default();
    let previous: Vec<&str> =
        previous.split(|c: char| c == ',' || c.is_whitespace()).filter(|k| !k.is_empty()).collect();
    if let Some(short) = previous.iter().find(|k| k.len() < least) {
        return Err(format!(
            "a key in SECRET_KEY_BASE_PREVIOUS is {} bytes; keys are at least {least}",
            short.len()
        ));
    }
    let previous: Vec<&[u8]> = previous.iter().map(|k| k.as_bytes()).collect();
    Signer::new(current.as_bytes())
        .and_then(|signer| signer.with_previous(&previous))
        .map_err(|e| format!("SECRET_KEY_BASE: {e}"))
}

/// The development key at `root/.zero-live/dev-secret`, made (64 random bytes, readable by
/// its owner only) when missing.
fn dev_key(root: &Path) -> Result<String, String> {
    let path = root.join(DEV_KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(key) if key.trim().len() >= DEV_KEY_BYTES => return Ok(key.trim().to_owned()),
        Ok(_) => return Err(format!("{}: the key is too short; delete the file", path.display())),
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(format!("{}: {e}", path.display()));
        }
        Err(_) => {}
    }
    let key = B64.encode(rand::random::<[u8; 64]>());
    let dir = path.parent().unwrap_or(root);
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Kept out of git even in an app whose .gitignore predates it.
    let _ = std::fs::write(dir.join(".gitignore"), "*\n");
    write_private(&path, &key).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &Path, key: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(key.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, key: &str) -> std::io::Result<()> {
    std::fs::write(path, key)
}

/// What a release build refuses to serve with: a socket origin check that is off (any site
/// could open sockets with a visitor's cookies), or zero-live's `unchecked` feature (the bench
/// harness's build, with the per-client limits and the host check compiled out).
pub fn check_release(config: &LiveConfig, release: bool) -> Result<(), String> {
    if release && crate::limits::UNCHECKED {
        return Err("zero-live was built with its `unchecked` feature, which compiles out rate                     and per-client limits and the host check: it is for the bench harness only"
            .to_owned());
    }
    if release && !config.origins.check_origin {
        return Err("[origins] check_origin is false in spec/security.toml: a release build \
                    checks the origin of every socket (list other sites in `allow`)"
            .to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&'static str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let vars: Vec<(&'static str, String)> =
            vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        move |name| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn a_release_build_refuses_the_bench_harness_unchecked_build() {
        let config = LiveConfig::default();
        let release = check_release(&config, true);
        assert_eq!(release.is_err(), crate::limits::UNCHECKED, "{release:?}");
        if let Err(e) = release {
            assert!(e.contains("`unchecked` feature") && e.contains("bench harness"), "{e}");
        }
        assert!(check_release(&config, false).is_ok(), "a development build runs either way");
    }

    #[test]
    fn a_release_build_needs_a_64_byte_key_and_a_dev_build_keeps_one_in_the_app() {
        let dir = tempfile::tempdir().unwrap();
        let e = signer_from_env(env(&[]), true, dir.path()).unwrap_err();
        assert!(e.contains("SECRET_KEY_BASE is not set") && e.contains("openssl"), "{e}");
        let short = "k".repeat(40);
        let e = signer_from_env(env(&[("SECRET_KEY_BASE", &short)]), true, dir.path()).unwrap_err();
        assert!(e.contains("40 bytes") && e.contains("at least 64"), "{e}");
        assert!(signer_from_env(env(&[("SECRET_KEY_BASE", &short)]), false, dir.path()).is_ok());
        let long = "k".repeat(64);
        assert!(signer_from_env(env(&[("SECRET_KEY_BASE", &long)]), true, dir.path()).is_ok());
        assert!(!dir.path().join(DEV_KEY_FILE).exists(), "a set key writes no file");
        // Development without a key: one is made, kept, and signs the same across restarts.
        let first = signer_from_env(env(&[]), false, dir.path()).unwrap();
        let (_, token) = first.session("/");
        let again = signer_from_env(env(&[]), false, dir.path()).unwrap();
        let ttl = std::time::Duration::from_secs(60);
        assert!(again.verify(&token, ttl).is_ok(), "a restart keeps the sessions");
        let ignore = std::fs::read_to_string(dir.path().join(".zero-live/.gitignore")).unwrap();
        assert_eq!(ignore, "*\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.path().join(DEV_KEY_FILE)).unwrap().permissions();
            assert_eq!(mode.mode() & 0o777, 0o600);
        }
        // A release build never uses it.
        assert!(signer_from_env(env(&[]), true, dir.path()).is_err());
    }

    #[test]
    fn previous_keys_verify_old_tokens_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = ("o".repeat(64), "n".repeat(64));
        let before = signer_from_env(env(&[("SECRET_KEY_BASE", &old)]), true, dir.path()).unwrap();
        let (_, token) = before.session("/");
        let rotated = env(&[("SECRET_KEY_BASE", &new), ("SECRET_KEY_BASE_PREVIOUS", &old)]);
        let rotated = signer_from_env(rotated, true, dir.path()).unwrap();
        let ttl = std::time::Duration::from_secs(60);
        assert!(rotated.verify(&token, ttl).is_ok());
        let removed = signer_from_env(env(&[("SECRET_KEY_BASE", &new)]), true, dir.path()).unwrap();
        assert!(removed.verify(&token, ttl).is_err());
        let short = env(&[("SECRET_KEY_BASE", &new), ("SECRET_KEY_BASE_PREVIOUS", "short")]);
        assert!(signer_from_env(short, true, dir.path()).unwrap_err().contains("PREVIOUS"));
    }

    #[test]
    fn a_release_build_refuses_to_run_without_the_origin_check() {
        let mut config = LiveConfig::default();
        assert!(check_release(&config, true).is_ok());
        config.origins.check_origin = false;
        assert!(check_release(&config, true).unwrap_err().contains("check_origin"));
        assert!(check_release(&config, false).is_ok(), "a development build may turn it off");
    }
}
