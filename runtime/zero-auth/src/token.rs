//! Account tokens: 32 random bytes (base64url in links and cookies); the database keeps only
//! their SHA-256, so a leaked table logs nobody in.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use sha2::{Digest, Sha256};

/// How many random bytes a token has.
pub const TOKEN_BYTES: usize = 32;

/// A new token and the hash to store: (what the user gets, hex SHA-256 of its bytes).
pub fn generate() -> (String, String) {
    let bytes: [u8; TOKEN_BYTES] = rand::random();
    (B64.encode(bytes), digest(&bytes))
}

/// The stored hash of `token`, or `None` when it is not a token at all (wrong length or
/// alphabet): such input never reaches the database.
pub fn hash(token: &str) -> Option<String> {
    let bytes = B64.decode(token.trim()).ok()?;
    (bytes.len() == TOKEN_BYTES).then(|| digest(&bytes))
}

fn digest(bytes: &[u8]) -> String {
    let sum = Sha256::digest(bytes);
    let mut hex = String::with_capacity(64);
    for b in sum {
        hex.push_str(&format!("{b:02x}"));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_hashes_to_what_was_stored_and_only_tokens_hash() {
        let (token, stored) = generate();
        assert_eq!(token.len(), 43, "32 bytes in base64url without padding");
        assert_eq!(hash(&token).as_deref(), Some(stored.as_str()));
        assert_eq!(stored.len(), 64);
        let (other, other_stored) = generate();
        assert_ne!(token, other);
        assert_ne!(stored, other_stored);
        // Not the token itself: the database never holds what a link carries.
        assert!(!stored.contains(&token));
        for bad in ["", "abc", "!!!!", &token[..42], &format!("{token}AA")] {
            assert_eq!(hash(bad), None, "{bad}");
        }
    }
}
