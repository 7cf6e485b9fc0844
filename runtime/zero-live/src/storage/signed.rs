//! A local folder's signed URLs: `PREFIX/KEY?expires=UNIX&sig=HEX`, where `sig` is an
//! HMAC-SHA256 of the key and the expiry under the app's key, checked in constant time. The
//! route serves the object with a type only for the kinds a browser shows safely inline
//! (images, PDF, plain text), and as a download otherwise, never sniffed and sandboxed.
//!
//! An external upload's URL (`PREFIX/KEY?expires=UNIX&size=N&sig=HEX`, signed apart from
//! reads) takes one `PUT` of exactly `N` bytes to a key nothing is stored under yet: a larger
//! body is cut off at `N` (413), a shorter one stores nothing (400), and a second `PUT` is
//! refused (409), so an object the server checked is never replaced through its URL. Each
//! upload URL is good for one attempt in the process that signed it: its key waits in a set of
//! pending uploads until a `PUT` takes it or the entry is let go of, so a URL whose object was
//! stored (or removed) writes nothing again.

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
    /// Keys an upload URL was signed for that no `PUT` took yet.
    pending: Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

/// What a signed URL's query carries: `size` only for an upload's.
#[derive(Debug)]
struct Signature {
    expires: u64,
    size: Option<u64>,
    sig: String,
}

/// The `expires`, `sig` and optional `size` of a query, when it has each at most once and
/// nothing else.
fn signature(query: &str) -> Option<Signature> {
    let (mut expires, mut size, mut sig) = (None, None, None);
    for pair in query.split('&') {
        match pair.split_once('=')? {
            ("expires", v) if expires.is_none() => expires = Some(v.parse().ok()?),
            ("size", v) if size.is_none() => size = Some(v.parse().ok()?),
            ("sig", v) if sig.is_none() => sig = Some(v.to_owned()),
            _ => return None,
        }
    }
    Some(Signature { expires: expires?, size, sig: sig? })
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
        Ok(Local {
            key: key.into(),
            prefix: format!("/{trimmed}").into(),
            store,
            pending: Arc::default(),
        })
    }

    /// The MAC of a read (`size` none) or of an upload of `size` bytes: signed apart, so
    /// neither URL serves as the other.
    fn mac(&self, key: &str, expires: u64, size: Option<u64>) -> HmacSha256 {
        // Any key length is valid for HMAC; `new_from_slice` cannot fail here.
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        match size {
            None => mac.update(b"zero-live storage url\0"),
            Some(_) => mac.update(b"zero-live storage put\0"),
        }
        mac.update(key.as_bytes());
        mac.update(b"\0");
        mac.update(expires.to_string().as_bytes());
        if let Some(size) = size {
            mac.update(b"\0");
            mac.update(size.to_string().as_bytes());
        }
        mac
    }

    /// The URL that reads `key` until `ttl` from now.
    pub(super) fn url(&self, key: &str, ttl: Duration) -> String {
        let expires = now().saturating_add(ttl.as_secs().max(1));
        let sig = crate::token::hex(&self.mac(key, expires, None).finalize().into_bytes());
        format!("{}/{key}?expires={expires}&sig={sig}", self.prefix)
    }

    /// The URL that takes one `PUT` of `size` bytes to `key` until `ttl` from now.
    pub(super) fn put_url(&self, key: &str, size: u64, ttl: Duration) -> String {
        self.pending_keys().insert(key.to_owned());
        let expires = now().saturating_add(ttl.as_secs().max(1));
        let sig = crate::token::hex(&self.mac(key, expires, Some(size)).finalize().into_bytes());
        format!("{}/{key}?expires={expires}&size={size}&sig={sig}", self.prefix)
    }

    fn pending_keys(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        // A panic elsewhere while holding it leaves a set that is still whole.
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Lets go of `key`'s upload URL (its entry went): a `PUT` to it is refused from now on.
    pub(super) fn forget(&self, key: &str) {
        self.pending_keys().remove(key);
    }

    /// Whether `sig` signs `key` (a read, or an upload of `size` bytes) until `expires`, and
    /// that is not past.
    fn verify(&self, key: &str, expires: u64, size: Option<u64>, sig: &str) -> bool {
        let Some(sig) = unhex(sig) else { return false };
        expires >= now() && self.mac(key, expires, size).verify_slice(&sig).is_ok()
    }

    pub(super) fn router<S: Clone + Send + Sync + 'static>(&self) -> axum::Router<S> {
        use axum::extract::{Path, RawQuery};
        let (reads, puts) = (self.clone(), self.clone());
        let route = format!("{}/{{*key}}", self.prefix);
        axum::Router::new().route(
            &route,
            axum::routing::get(move |Path(key): Path<String>, RawQuery(query): RawQuery| {
                let local = reads.clone();
                async move { local.serve(&key, query.as_deref().and_then(signature)).await }
            })
            .put(
                move |Path(key): Path<String>,
                      RawQuery(query): RawQuery,
                      headers: axum::http::HeaderMap,
                      body: axum::body::Body| {
                    let local = puts.clone();
                    async move {
                        let signature = query.as_deref().and_then(signature);
                        local.receive(&key, signature, &headers, body).await
                    }
                },
            ),
        )
    }

    /// Takes an external upload's body into `key`, as its signature allows: exactly the signed
    /// size, to a key that holds nothing yet, whole or not at all.
    async fn receive(
        &self,
        key: &str,
        signature: Option<Signature>,
        headers: &axum::http::HeaderMap,
        body: axum::body::Body,
    ) -> Response {
        use futures_util::StreamExt as _;
        use tokio::io::AsyncWriteExt as _;
        let refused = |status: StatusCode, why: &'static str| (status, why).into_response();
        let Ok(path) = parse_key(key) else {
            return refused(StatusCode::NOT_FOUND, "no such file");
        };
        let Some(Signature { expires, size: Some(size), sig }) = signature else {
            return refused(StatusCode::FORBIDDEN, "this upload link is not signed");
        };
        if !self.verify(key, expires, Some(size), &sig) {
            return refused(StatusCode::FORBIDDEN, "this upload link is forged or has expired");
        }
        let declared = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|n| n > size) {
            return refused(StatusCode::PAYLOAD_TOO_LARGE, "the file is larger than signed for");
        }
        // One attempt per link: what the server checked is never replaced through it, and a
        // link whose entry went writes nothing.
        if !self.pending_keys().remove(key) || self.store.head(&path).await.is_ok() {
            return refused(StatusCode::CONFLICT, "this upload link was used already");
        }
        let mut writer = object_store::buffered::BufWriter::new(self.store.clone(), path);
        let mut stream = body.into_data_stream();
        let mut received = 0u64;
        let failure = loop {
            match stream.next().await {
                None if received == size => break None,
                None => break Some((StatusCode::BAD_REQUEST, "the file ended before its size")),
                Some(Err(_)) => break Some((StatusCode::BAD_REQUEST, "the upload was cut off")),
                Some(Ok(bytes)) => {
                    received = received.saturating_add(u64::try_from(bytes.len()).unwrap_or(0));
                    if received > size {
                        break Some((
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "the file is larger than signed for",
                        ));
                    }
                    if writer.write_all(&bytes).await.is_err() {
                        break Some((
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "the file could not be stored",
                        ));
                    }
                }
            }
        };
        if let Some((status, why)) = failure {
            // Nothing appears under the key, which another attempt may then take.
            let _ = writer.abort().await;
            self.pending_keys().insert(key.to_owned());
            return refused(status, why);
        }
        if let Err(e) = writer.shutdown().await {
            tracing::warn!(target: "zero_live::storage", error = %e, "an upload could not be stored");
            self.pending_keys().insert(key.to_owned());
            return refused(StatusCode::INTERNAL_SERVER_ERROR, "the file could not be stored");
        }
        StatusCode::CREATED.into_response()
    }

    async fn serve(&self, key: &str, signature: Option<Signature>) -> Response {
        let refused = |status: StatusCode, why: &'static str| (status, why).into_response();
        let Ok(path) = parse_key(key) else {
            return refused(StatusCode::NOT_FOUND, "no such file");
        };
        let Some(signature) = signature else {
            return refused(StatusCode::FORBIDDEN, "this link is not signed");
        };
        if signature.size.is_some() || !self.verify(key, signature.expires, None, &signature.sig) {
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

/// The types a stored file is served inline with: kinds a browser shows without running
/// anything.
const INLINE: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/avif",
    "application/pdf",
    "text/plain; charset=utf-8",
];

/// The type a stored file is served with (the static files' table), and whether inline: any
/// type but those in [`INLINE`] is a download of `application/octet-stream`.
fn content_type(key: &str) -> (&'static str, bool) {
    match crate::static_files::content_type(key) {
        (kind, _) if INLINE.contains(&kind) => (kind, true),
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
        assert!(l.verify(&key, expires, None, &sig));
        assert!(!l.verify("photos/b.png", expires, None, &sig), "another key");
        assert!(!l.verify(&key, expires + 1, None, &sig), "another expiry");
        assert!(!l.verify(&key, expires, Some(0), &sig), "a read's signature is no upload's");
        let flipped = if sig.starts_with('0') { "1" } else { "0" };
        let other = format!("{flipped}{}", &sig[1..]);
        assert!(!l.verify(&key, expires, None, &other), "another signature");
        assert!(!l.verify(&key, expires, None, "zz"), "not hex");
        assert!(
            !l.verify(
                &key,
                now() - 1,
                None,
                &crate::token::hex(&l.mac(&key, now() - 1, None).finalize().into_bytes())
            ),
            "expired"
        );
        let store = Arc::new(object_store::memory::InMemory::new());
        let other = Local::new(&[8u8; 32], "/files", store).unwrap();
        assert!(!other.verify(&key, expires, None, &sig), "another app's key");
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
        assert_eq!(content_type("a/b.jpeg"), ("image/jpeg", true));
        assert_eq!(content_type("a/b.txt"), ("text/plain; charset=utf-8", true));
        assert_eq!(content_type("a/b.pdf"), ("application/pdf", true));
        assert_eq!(content_type("a/b.js"), ("application/octet-stream", false));
        assert_eq!(content_type("a/b.html"), ("application/octet-stream", false));
        assert_eq!(content_type("a/b.svg"), ("application/octet-stream", false));
        assert_eq!(content_type("a/b"), ("application/octet-stream", false));
    }
}
