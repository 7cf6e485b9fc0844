//! A local folder's signed URLs: `PREFIX/KEY?expires=UNIX&sig=HEX`, where `sig` is an
//! HMAC-SHA256 of the key and the expiry under the app's key, checked in constant time. The
//! route serves the object with a type only for the kinds a browser shows safely inline
//! (images, PDF, plain text), and as a download otherwise, never sniffed and sandboxed.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use object_store::{ObjectStore, ObjectStoreExt as _};
use sha2::Sha256;

use super::{StorageError, parse_key};

type HmacSha256 = Hmac<Sha256>;

/// A local folder's signing: the key, the route's prefix and the store it serves.
#[derive(Clone)]
pub(super) struct Local {
    key: Arc<[u8]>,
    prefix: Arc<str>,
    store: Arc<dyn ObjectStore>,
}

/// What a signed URL's query carries.
#[derive(Debug)]
struct Signature {
    expires: u64,
    sig: String,
}

/// The `expires` and `sig` of a query, when it has both once.
fn signature(query: &str) -> Option<Signature> {
    let (mut expires, mut sig) = (None, None);
    for pair in query.split('&') {
        match pair.split_once('=')? {
            ("expires", v) if expires.is_none() => expires = Some(v.parse().ok()?),
            ("sig", v) if sig.is_none() => sig = Some(v.to_owned()),
            _ => return None,
        }
    }
    Some(Signature { expires: expires?, sig: sig? })
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Local {
    pub(super) fn new(
        key: &[u8],
        prefix: &str,
        store: Arc<dyn ObjectStore>,
    ) -> Result<Local, StorageError> {
        if key.len() < 32 {
            return Err(StorageError::WeakKey);
        }
        let trimmed = prefix.trim_matches('/');
        if trimmed.is_empty() {
            return Err(StorageError::Config("the prefix of signed URLs cannot be /".into()));
        }
        parse_key(trimmed)?;
        Ok(Local { key: key.into(), prefix: format!("/{trimmed}").into(), store })
    }

    fn mac(&self, key: &str, expires: u64) -> HmacSha256 {
        // Any key length is valid for HMAC; `new_from_slice` cannot fail here.
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"zero-live storage url\0");
        mac.update(key.as_bytes());
        mac.update(b"\0");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    /// The URL that reads `key` until `ttl` from now.
    pub(super) fn url(&self, key: &str, ttl: Duration) -> String {
        let expires = now().saturating_add(ttl.as_secs().max(1));
        let sig = crate::token::hex(&self.mac(key, expires).finalize().into_bytes());
        format!("{}/{key}?expires={expires}&sig={sig}", self.prefix)
    }

    /// Whether `sig` signs `key` until `expires`, and that is not past.
    fn verify(&self, key: &str, expires: u64, sig: &str) -> bool {
        let Some(sig) = unhex(sig) else { return false };
        expires >= now() && self.mac(key, expires).verify_slice(&sig).is_ok()
    }

    pub(super) fn router<S: Clone + Send + Sync + 'static>(&self) -> axum::Router<S> {
        let local = self.clone();
        let route = format!("{}/{{*key}}", self.prefix);
        axum::Router::new().route(
            &route,
            axum::routing::get(
                move |axum::extract::Path(key): axum::extract::Path<String>,
                      axum::extract::RawQuery(query): axum::extract::RawQuery| {
                    let local = local.clone();
                    async move { local.serve(&key, query.as_deref().and_then(signature)).await }
                },
            ),
        )
    }

    async fn serve(&self, key: &str, signature: Option<Signature>) -> Response {
        let refused = |status: StatusCode, why: &'static str| (status, why).into_response();
        let Ok(path) = parse_key(key) else {
            return refused(StatusCode::NOT_FOUND, "no such file");
        };
        let Some(signature) = signature else {
            return refused(StatusCode::FORBIDDEN, "this link is not signed");
        };
        if !self.verify(key, signature.expires, &signature.sig) {
            return refused(StatusCode::FORBIDDEN, "this link is forged or has expired");
        }
        let got = match self.store.get(&path).await {
            Ok(got) => got,
            Err(object_store::Error::NotFound { .. }) => {
                return refused(StatusCode::NOT_FOUND, "no such file");
            }
            Err(e) => {
                tracing::warn!(target: "zero_live::storage", error = %e, "a stored file could not be read");
                return refused(StatusCode::INTERNAL_SERVER_ERROR, "the file could not be read");
            }
        };
        let size = got.meta.size;
        let left = signature.expires.saturating_sub(now());
        let mut response = axum::body::Body::from_stream(got.into_stream()).into_response();
        let headers = response.headers_mut();
        let (kind, inline) = content_type(key);
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
        if !inline {
            headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
        }
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
        headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        );
        if let Ok(cache) = HeaderValue::from_str(&format!("private, max-age={left}")) {
            headers.insert(header::CACHE_CONTROL, cache);
        }
        response
    }
}

/// The type a stored file is served with, and whether inline: only kinds a browser shows
/// without running anything.
fn content_type(key: &str) -> (&'static str, bool) {
    let ext = key.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "png" => ("image/png", true),
        "jpg" | "jpeg" => ("image/jpeg", true),
        "gif" => ("image/gif", true),
        "webp" => ("image/webp", true),
        "avif" => ("image/avif", true),
        "pdf" => ("application/pdf", true),
        "txt" => ("text/plain; charset=utf-8", true),
        _ => ("application/octet-stream", false),
    }
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || s.len() > 128 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local() -> Local {
        let store = Arc::new(object_store::memory::InMemory::new());
        Local::new(&[7u8; 32], "/files", store).unwrap()
    }

    fn parts(url: &str) -> (String, u64, String) {
        let (path, query) = url.split_once('?').unwrap();
        let key = path.strip_prefix("/files/").unwrap().to_owned();
        let mut expires = 0;
        let mut sig = String::new();
        for pair in query.split('&') {
            match pair.split_once('=').unwrap() {
                ("expires", v) => expires = v.parse().unwrap(),
                ("sig", v) => sig = v.to_owned(),
                _ => {}
            }
        }
        (key, expires, sig)
    }

    #[test]
    fn a_signed_url_verifies_for_its_key_until_it_expires_and_for_nothing_else() {
        let l = local();
        let (key, expires, sig) = parts(&l.url("photos/a.png", Duration::from_secs(60)));
        assert_eq!(key, "photos/a.png");
        assert!(l.verify(&key, expires, &sig));
        assert!(!l.verify("photos/b.png", expires, &sig), "another key");
        assert!(!l.verify(&key, expires + 1, &sig), "another expiry");
        let flipped = if sig.starts_with('0') { "1" } else { "0" };
        let other = format!("{flipped}{}", &sig[1..]);
        assert!(!l.verify(&key, expires, &other), "another signature");
        assert!(!l.verify(&key, expires, "zz"), "not hex");
        assert!(
            !l.verify(
                &key,
                now() - 1,
                &crate::token::hex(&l.mac(&key, now() - 1).finalize().into_bytes())
            ),
            "expired"
        );
        let store = Arc::new(object_store::memory::InMemory::new());
        let other = Local::new(&[8u8; 32], "/files", store).unwrap();
        assert!(!other.verify(&key, expires, &sig), "another app's key");
    }

    #[test]
    fn a_short_key_or_a_bad_prefix_is_refused() {
        let store = Arc::new(object_store::memory::InMemory::new());
        assert!(matches!(
            Local::new(&[1u8; 31], "/files", store.clone()),
            Err(StorageError::WeakKey)
        ));
        assert!(Local::new(&[1u8; 32], "/", store.clone()).is_err());
        assert!(Local::new(&[1u8; 32], "/../x", store).is_err());
    }

    #[test]
    fn only_kinds_a_browser_shows_safely_are_inline() {
        assert_eq!(content_type("a/b.PNG"), ("image/png", true));
        assert_eq!(content_type("a/b.html"), ("application/octet-stream", false));
        assert_eq!(content_type("a/b.svg"), ("application/octet-stream", false));
        assert_eq!(content_type("a/b"), ("application/octet-stream", false));
    }
}
