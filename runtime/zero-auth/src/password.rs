//! Passwords, for apps that offer them beside magic links (`zerogen auth --password`):
//! Argon2id with the `argon2` crate's defaults (19 MiB, 2 passes, 1 lane: the OWASP
//! recommendation), a random salt per hash, stored as a PHC string (`$argon2id$v=19$...`), so a
//! later change of parameters still verifies the hashes made before it.
//!
//! Hashing takes tens of milliseconds by design; it runs on tokio's blocking pool, never on a
//! worker thread that serves sockets. A login for an address without an account (or without a
//! password) verifies against a dummy hash all the same, so its answer takes as long.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The fewest characters a password may have.
pub const MIN_CHARS: usize = 12;
/// The most characters a password may have (bounds the work an attacker can ask for).
pub const MAX_CHARS: usize = 128;

/// Why a password is refused, in words for the form.
pub fn validate(password: &str) -> Result<(), &'static str> {
    let chars = password.chars().count();
    if password.trim().is_empty() {
        Err("can't be blank")
    } else if chars < MIN_CHARS {
        Err("should be at least 12 characters")
    } else if chars > MAX_CHARS {
        Err("should be at most 128 characters")
    } else {
        Ok(())
    }
}

/// The PHC string of `password` under a fresh salt (blocking: call through [`hash`]).
fn hash_blocking(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// How many Argon2 checks ran (each takes the same time whatever its answer).
static CHECKS: AtomicU64 = AtomicU64::new(0);

/// Whether `password` matches the PHC string `stored` (blocking). A malformed `stored` never
/// matches.
fn verify_blocking(password: &str, stored: &str) -> bool {
    CHECKS.fetch_add(1, Ordering::Relaxed);
    PasswordHash::new(stored)
        .is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A hash nobody's password matches, verified in place of a missing one.
fn dummy() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        hash_blocking("no account has this password; it only takes the time a check takes")
            .unwrap_or_default()
    })
}

/// Hashes `password` on the blocking pool.
pub async fn hash(password: &str) -> Result<String, String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| e.to_string())?
}

/// Whether `password` matches `stored` (on the blocking pool). With no stored hash it checks
/// a dummy one, which takes as long, and answers `false`.
pub async fn verify(password: &str, stored: Option<&str>) -> bool {
    let password = password.to_owned();
    let stored = stored.map(str::to_owned);
    tokio::task::spawn_blocking(move || match stored {
        Some(stored) => verify_blocking(&password, &stored),
        None => {
            verify_blocking(&password, dummy());
            false
        }
    })
    .await
    .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn passwords_are_checked_for_length_in_characters() {
        assert!(validate("correct horse battery").is_ok());
        assert_eq!(validate("   ").unwrap_err(), "can't be blank");
        assert!(validate("short").unwrap_err().contains("at least 12"));
        assert!(validate(&"é".repeat(12)).is_ok(), "characters, not bytes");
        assert!(validate(&"a".repeat(129)).unwrap_err().contains("at most 128"));
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{stored}");
        assert_ne!(stored, hash("correct horse battery").await.unwrap(), "salted");
        assert!(verify("correct horse battery", Some(&stored)).await);
        assert!(!verify("correct horse batterY", Some(&stored)).await);
        assert!(!verify("correct horse battery", Some("$argon2id$garbage")).await);
        assert!(!verify("", Some("")).await);
        // No stored hash still runs one check, as long as a real one.
        dummy();
        let before = CHECKS.load(Ordering::Relaxed);
        assert!(!verify("correct horse battery", None).await);
        assert_eq!(CHECKS.load(Ordering::Relaxed) - before, 1);
    }
}
