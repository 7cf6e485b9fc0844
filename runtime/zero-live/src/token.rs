//! Signed tokens: the session token a page embeds (which view, which path, when) and the CSRF
//! token bound to it. HMAC-SHA256 over the payload; verification is constant-time and fails
//! closed with a distinct error for a forged and an expired token.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a session token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The session id (random, 128 bits, hex).
    pub id: String,
    /// The path the page was rendered for.
    pub path: String,
    /// Issued at, in seconds since the Unix epoch.
    pub iat: u64,
}

/// What a flash token carries.
#[derive(Serialize, Deserialize)]
struct FlashClaims {
    flash: BTreeMap<String, String>,
    iat: u64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token at all.
    #[error("the token is malformed")]
    Malformed,
    /// The signature does not match: forged or signed with another key.
    #[error("the token signature is invalid")]
    Forged,
    /// Signed by us, but older than its lifetime.
    #[error("the token has expired")]
    Expired,
}

impl TokenError {
    /// The stable code sent to clients.
    pub fn code(self) -> &'static str {
        match self {
            TokenError::Malformed => "token_malformed",
            TokenError::Forged => "token_invalid",
            TokenError::Expired => "token_expired",
        }
    }
}

/// Signs tokens with the current secret key and verifies them with it or any previous key
/// (a keyring: rotate by making the current key previous and setting a new one; remove a
/// previous key and every token it signed stops verifying).
#[derive(Clone)]
pub struct Signer {
    /// HMAC-SHA256 with the key already absorbed: each tag clones it instead of hashing the key
    /// again (two SHA-256 blocks saved per tag, three tags per page).
    keyed: HmacSha256,
    /// Previous keys, absorbed likewise; tried in order after the current one.
    previous: std::sync::Arc<[HmacSha256]>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

/// `bytes` in lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// HMAC-SHA256 with `key` absorbed.
fn absorb(key: &[u8]) -> HmacSha256 {
    // Any key length is valid for HMAC; `new_from_slice` cannot fail here.
    <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
}

/// The MAC of `purpose`, a NUL and `payload` under `key`.
fn mac_with(key: &HmacSha256, purpose: &[u8], payload: &[u8]) -> HmacSha256 {
    let mut mac = key.clone();
    mac.update(purpose);
    mac.update(&[0]);
    mac.update(payload);
    mac
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Signer {
    /// A signer with `key` (at least 32 bytes: the app's secret).
    pub fn new(key: &[u8]) -> Result<Signer, TokenError> {
        if key.len() < 32 {
            return Err(TokenError::Malformed);
        }
        Ok(Signer::keyed(key))
    }

    fn keyed(key: &[u8]) -> Signer {
        // Any key length is valid for HMAC; `new_from_slice` cannot fail here.
        Signer { keyed: absorb(key), previous: std::sync::Arc::new([]) }
    }

    /// This signer, also verifying tokens signed with `keys` (each at least 32 bytes).
    pub fn with_previous(mut self, keys: &[&[u8]]) -> Result<Signer, TokenError> {
        if keys.iter().any(|k| k.len() < 32) {
            return Err(TokenError::Malformed);
        }
        self.previous = keys.iter().map(|k| absorb(k)).collect();
        Ok(self)
    }

    /// How many previous keys it verifies with.
    pub fn previous_keys(&self) -> usize {
        self.previous.len()
    }

    /// Every key, current first: the one that signs, then the ones that still verify.
    fn keys(&self) -> impl Iterator<Item = &HmacSha256> {
        std::iter::once(&self.keyed).chain(self.previous.iter())
    }

    /// A signer with a random key (tokens die with the process).
    pub fn random() -> Signer {
        let key: [u8; 32] = rand::random();
        Signer::keyed(&key)
    }

    fn mac(&self, purpose: &[u8], payload: &[u8]) -> HmacSha256 {
        mac_with(&self.keyed, purpose, payload)
    }

    /// Whether `tag` is the MAC of `payload` for `purpose` under any key (each comparison is
    /// constant-time).
    fn verifies(&self, purpose: &[u8], payload: &[u8], tag: &[u8]) -> bool {
        self.keys().any(|key| mac_with(key, purpose, payload).verify_slice(tag).is_ok())
    }

    /// `payload` as a token for `purpose`: base64url(payload) `.` base64url(HMAC).
    fn seal(&self, purpose: &[u8], payload: &[u8]) -> String {
        let tag = self.mac(purpose, payload).finalize().into_bytes();
        let encoded = |n: usize| base64::encoded_len(n, false).unwrap_or(0);
        let mut token = String::with_capacity(encoded(payload.len()) + 1 + encoded(tag.len()));
        B64.encode_string(payload, &mut token);
        token.push('.');
        B64.encode_string(tag, &mut token);
        token
    }

    /// The payload of a token sealed for `purpose`, if its signature holds.
    fn open(&self, purpose: &[u8], token: &str) -> Result<Vec<u8>, TokenError> {
        let (payload, tag) = token.split_once('.').ok_or(TokenError::Malformed)?;
        let payload = B64.decode(payload).map_err(|_| TokenError::Malformed)?;
        let tag = B64.decode(tag).map_err(|_| TokenError::Malformed)?;
        if !self.verifies(purpose, &payload, &tag) {
            return Err(TokenError::Forged);
        }
        Ok(payload)
    }

    /// A session token for a new session on `path`.
    pub fn session(&self, path: &str) -> (Claims, String) {
        let id: [u8; 16] = rand::random();
        let claims = Claims { id: hex(&id), path: path.to_owned(), iat: now() };
        let token = self.sign_claims(&claims);
        (claims, token)
    }

    /// A session token for `path` under the session `id` a page already holds (its CSRF
    /// token stays valid): what a live navigation hands the page, so it rejoins the view it
    /// shows.
    pub fn session_for(&self, id: &str, path: &str) -> String {
        self.sign_claims(&Claims { id: id.to_owned(), path: path.to_owned(), iat: now() })
    }

    /// Signs `claims` as a session token.
    pub fn sign_claims(&self, claims: &Claims) -> String {
        self.seal(b"session", &serde_json::to_vec(claims).unwrap_or_default())
    }

    /// Verifies a session token no older than `ttl`.
    pub fn verify(&self, token: &str, ttl: Duration) -> Result<Claims, TokenError> {
        let payload = self.open(b"session", token)?;
        let claims: Claims = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if now().saturating_sub(claims.iat) > ttl.as_secs() {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    /// Flash messages as a token the next page reads (from a cookie) after a full-load redirect.
    pub fn sign_flash(&self, flash: &BTreeMap<String, String>) -> String {
        let sealed = FlashClaims { flash: flash.clone(), iat: now() };
        self.seal(b"flash", &serde_json::to_vec(&sealed).unwrap_or_default())
    }

    /// The flash messages of a token no older than `ttl`.
    pub fn verify_flash(
        &self,
        token: &str,
        ttl: Duration,
    ) -> Result<BTreeMap<String, String>, TokenError> {
        let payload = self.open(b"flash", token)?;
        let sealed: FlashClaims =
            serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        if now().saturating_sub(sealed.iat) > ttl.as_secs() {
            return Err(TokenError::Expired);
        }
        Ok(sealed.flash)
    }

    /// `value` signed for `purpose` (a cookie's value, say): readable, but not forgeable, and
    /// a token of one purpose never passes for another.
    pub fn sign_value(&self, purpose: &str, value: &str) -> String {
        self.seal(purpose.as_bytes(), value.as_bytes())
    }

    /// The value of a token made by [`Signer::sign_value`] for `purpose`.
    pub fn verify_value(&self, purpose: &str, token: &str) -> Result<String, TokenError> {
        let payload = self.open(purpose.as_bytes(), token)?;
        String::from_utf8(payload).map_err(|_| TokenError::Malformed)
    }

    /// The CSRF token bound to the session `id`.
    pub fn csrf(&self, id: &str) -> String {
        self.tag(b"csrf", id.as_bytes())
    }

    /// Whether `token` is the CSRF token of session `id` (constant-time).
    pub fn verify_csrf(&self, id: &str, token: &str) -> bool {
        self.verify_tag(b"csrf", id.as_bytes(), token)
    }

    /// The MAC of `payload` for `purpose`, base64url: a tag of one purpose never passes for
    /// another.
    pub(crate) fn tag(&self, purpose: &[u8], payload: &[u8]) -> String {
        B64.encode(self.mac(purpose, payload).finalize().into_bytes())
    }

    /// Whether `token` is the tag of `payload` for `purpose` (constant-time).
    pub(crate) fn verify_tag(&self, purpose: &[u8], payload: &[u8], token: &str) -> bool {
        B64.decode(token).is_ok_and(|tag| self.verifies(purpose, payload, &tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    /// Rotation: every kind of token signed with a key that became previous still verifies; once
    /// the key is removed from the ring, none does; a new token is signed with the new key.
    #[test]
    fn every_token_kind_verifies_with_a_previous_key_and_fails_once_it_is_removed() {
        let old = [b'o'; 32];
        let new = [b'n'; 48];
        let before = Signer::new(&old).unwrap();
        let rotated = Signer::new(&new).unwrap().with_previous(&[&old]).unwrap();
        let removed = Signer::new(&new).unwrap();
        assert_eq!(rotated.previous_keys(), 1);
        let (claims, session) = before.session("/posts");
        let flash = before.sign_flash(&BTreeMap::from([("info".into(), "saved".into())]));
        let cookie = before.sign_value("auth-session", "token-1");
        let csrf = before.csrf(&claims.id);
        let http_csrf = before.tag(b"csrf-http", b"secret");
        assert_eq!(rotated.verify(&session, TTL), Ok(claims.clone()));
        assert!(rotated.verify_flash(&flash, TTL).is_ok());
        assert_eq!(rotated.verify_value("auth-session", &cookie).as_deref(), Ok("token-1"));
        assert!(rotated.verify_csrf(&claims.id, &csrf));
        assert!(rotated.verify_tag(b"csrf-http", b"secret", &http_csrf));
        assert_eq!(removed.verify(&session, TTL), Err(TokenError::Forged));
        assert_eq!(removed.verify_flash(&flash, TTL).unwrap_err(), TokenError::Forged);
        assert_eq!(removed.verify_value("auth-session", &cookie), Err(TokenError::Forged));
        assert!(!removed.verify_csrf(&claims.id, &csrf));
        assert!(!removed.verify_tag(b"csrf-http", b"secret", &http_csrf));
        // New tokens carry the new key: a server that only knows the old one refuses them.
        let (_, fresh) = rotated.session("/posts");
        assert_eq!(before.verify(&fresh, TTL), Err(TokenError::Forged));
        assert!(removed.verify(&fresh, TTL).is_ok());
        assert!(Signer::new(&new).unwrap().with_previous(&[b"short"]).is_err());
    }

    #[test]
    fn tags_are_hmac_sha256_of_purpose_nul_payload() {
        // Known answer (Python: hmac.new(b"k" * 32, b"csrf\0secret", sha256), base64url):
        // tokens stay valid across releases and across nodes sharing the key.
        let signer = Signer::new(&[b'k'; 32]).unwrap();
        assert_eq!(signer.tag(b"csrf", b"secret"), "v7hwQyDI3p9Nf1xx8xsiidVIcBW_9O3Jx2YNDMUo-TA");
        assert!(signer.verify_tag(
            b"csrf",
            b"secret",
            "v7hwQyDI3p9Nf1xx8xsiidVIcBW_9O3Jx2YNDMUo-TA"
        ));
        assert!(!signer.verify_tag(
            b"csrf",
            b"secreT",
            "v7hwQyDI3p9Nf1xx8xsiidVIcBW_9O3Jx2YNDMUo-TA"
        ));
        let other = Signer::new(&[b'j'; 32]).unwrap();
        assert_ne!(other.tag(b"csrf", b"secret"), signer.tag(b"csrf", b"secret"));
    }

    #[test]
    fn session_ids_are_128_random_bits_in_hex() {
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
        assert_eq!(hex(&[]), "");
        let signer = Signer::random();
        let (a, b) = (signer.session("/").0.id, signer.session("/").0.id);
        assert_ne!(a, b);
        for id in [a, b] {
            assert_eq!(id.len(), 32, "{id}");
            assert!(id.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{id}");
        }
    }

    #[test]
    fn tokens_round_trip_and_bind_csrf_to_the_session() {
        let signer = Signer::random();
        let (claims, token) = signer.session("/counter");
        assert_eq!(signer.verify(&token, TTL).unwrap(), claims);
        let csrf = signer.csrf(&claims.id);
        assert!(signer.verify_csrf(&claims.id, &csrf));
        assert!(!signer.verify_csrf("another-session", &csrf));
        assert!(!signer.verify_csrf(&claims.id, "not base64 !"));
    }

    #[test]
    fn forged_expired_and_malformed_tokens_are_distinct_errors() {
        let signer = Signer::random();
        let (mut claims, token) = signer.session("/");
        let other = Signer::random();
        assert_eq!(other.verify(&token, TTL), Err(TokenError::Forged));
        // A payload edited without the key.
        let (_, tag) = token.split_once('.').unwrap();
        claims.path = "/admin".into();
        let edited = format!("{}.{tag}", B64.encode(serde_json::to_vec(&claims).unwrap()));
        assert_eq!(signer.verify(&edited, TTL), Err(TokenError::Forged));
        claims.iat -= 120;
        let old = signer.sign_claims(&claims);
        assert_eq!(signer.verify(&old, TTL), Err(TokenError::Expired));
        for bad in ["", "abc", "a.b.c", "!!.??"] {
            assert_eq!(signer.verify(bad, TTL), Err(TokenError::Malformed), "{bad}");
        }
        assert!(Signer::new(b"short").is_err());
        assert!(Signer::new(&[7; 32]).is_ok());
    }

    #[test]
    fn flash_tokens_round_trip_and_refuse_forgery_reuse_across_purposes_and_age() {
        let signer = Signer::random();
        let flash = BTreeMap::from([("info".to_owned(), "Saved".to_owned())]);
        let token = signer.sign_flash(&flash);
        assert_eq!(signer.verify_flash(&token, TTL).unwrap(), flash);
        assert_eq!(Signer::random().verify_flash(&token, TTL), Err(TokenError::Forged));
        // A session token is not a flash token, nor the other way round.
        let (_, session) = signer.session("/");
        assert_eq!(signer.verify_flash(&session, TTL), Err(TokenError::Forged));
        assert_eq!(signer.verify(&token, TTL), Err(TokenError::Forged));
        let old = signer
            .seal(b"flash", &serde_json::to_vec(&FlashClaims { flash, iat: now() - 120 }).unwrap());
        assert_eq!(signer.verify_flash(&old, TTL), Err(TokenError::Expired));
        assert_eq!(signer.verify_flash("nope", TTL), Err(TokenError::Malformed));
    }

    #[test]
    fn signed_values_round_trip_and_refuse_forgery_and_other_purposes() {
        let signer = Signer::random();
        let token = signer.sign_value("login", "abc");
        assert_eq!(signer.verify_value("login", &token).unwrap(), "abc");
        assert_eq!(signer.verify_value("other", &token), Err(TokenError::Forged));
        assert_eq!(Signer::random().verify_value("login", &token), Err(TokenError::Forged));
        let (_, tag) = token.split_once('.').unwrap();
        let edited = format!("{}.{tag}", B64.encode("abd"));
        assert_eq!(signer.verify_value("login", &edited), Err(TokenError::Forged));
        assert_eq!(signer.verify_value("login", "x"), Err(TokenError::Malformed));
    }
}
