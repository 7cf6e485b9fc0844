//! Where the app keeps uploaded files: written by `zerogen resource` with the app's first
//! upload field (`photo:upload`), with its route in `spec/routes.tsv` (`GET /files/*key`,
//! [`read`]); edit freely.
//!
//! - `STORAGE_BUCKET` set: that S3-compatible bucket (build with `--features s3`; object_store
//!   reads `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
//!   `AWS_ALLOW_HTTP`); pages link to the bucket's presigned URLs.
//! - Otherwise the folder `STORAGE_DIR`, served by the app under [`PREFIX`] through signed
//!   links. A development build (tests too) defaults to `.zero-live/files` in the app's folder;
//!   a release build refuses to keep a file without one of the two.
//!
//! The store opens on first use, once for the process. A local folder's links are signed with
//! a key of the process's own: each works for [`LINK_TTL`] and dies with the process, and pages
//! sign new ones each time they mount (a page open across a restart mounts again when it
//! reconnects).

use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Response};
use zero_live::storage::Storage;
use zero_live::uploads::Upload;

/// Where the app serves a local folder's files (through signed links only).
pub const PREFIX: &str = "/files";

/// How long a page's link to a file works.
pub const LINK_TTL: Duration = Duration::from_secs(3600);

/// A link to a stored file, as a page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// A signed URL that reads the file for [`LINK_TTL`].
    pub url: String,
    /// The file's name in the store (its key's last part).
    pub name: String,
    /// An image a page can show inline.
    pub image: bool,
}

/// The environment variable `name`, when it is set and not empty.
fn var(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}

/// The store the environment names (see the module's documentation), and how its links are
/// served.
fn open() -> Result<(Storage, axum::Router), String> {
    let dir = match var("STORAGE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None if var("STORAGE_BUCKET").is_some() => PathBuf::new(),
        None if cfg!(debug_assertions) => {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".zero-live/files")
        }
        None => {
            return Err("uploaded files need a store: set STORAGE_DIR (a folder the app can \
                        write) or STORAGE_BUCKET (an S3 bucket, with the `s3` feature)"
                .to_owned());
        }
    };
    let key: [u8; 32] = rand::random();
    let storage = Storage::from_env(&dir, &key, PREFIX)
        .map_err(|e| format!("the file store ({}): {e}", dir.display()))?;
    let router = storage.router();
    Ok((storage, router))
}

/// The app's store, opened on first use (the same failure every time, when it cannot be).
fn store() -> Result<&'static (Storage, axum::Router), String> {
    static STORE: OnceLock<Result<(Storage, axum::Router), String>> = OnceLock::new();
    STORE.get_or_init(open).as_ref().map_err(Clone::clone)
}

/// `GET /files/*key` (`spec/routes.tsv`): a local folder's file, for a link signed by [`link`]
/// (`403` unsigned, forged or expired; `404` no such file). A bucket's links go to the bucket.
pub async fn read(request: Request) -> Response {
    match store() {
        Ok((_, router)) => {
            use tower::Service;
            // The store's router matches the path again: the request goes on without this
            // route's parameters (its extensions), which it would read as its own.
            let (parts, body) = request.into_parts();
            let mut request = Request::new(body);
            *request.method_mut() = parts.method;
            *request.uri_mut() = parts.uri;
            *request.headers_mut() = parts.headers;
            let mut router = router.clone();
            let ready = std::future::poll_fn(|cx| Service::<Request>::poll_ready(&mut router, cx));
            let served = match ready.await {
                Ok(()) => router.call(request).await,
                Err(never) => match never {},
            };
            served.unwrap_or_else(|never| match never {})
        }
        Err(e) => {
            tracing::error!(error = %e, "no file store");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

/// A link to the file at `key` (`None` for no file, or when the store cannot sign one: the
/// page then shows none, and the failure is logged).
pub async fn link(key: &str) -> Option<Link> {
    if key.is_empty() {
        return None;
    }
    let signed = match store() {
        Ok((storage, _)) => storage.signed_url(key, LINK_TTL).await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match signed {
        Ok(url) => {
            let name = key.rsplit('/').next().unwrap_or(key).to_owned();
            let ext = name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase());
            let image = matches!(ext.as_deref(), Some("png" | "jpg" | "jpeg" | "gif" | "webp"));
            Some(Link { url, name, image })
        }
        Err(e) => {
            tracing::warn!(key, error = %e, "no link to a stored file");
            None
        }
    }
}

/// Whether the upload's files are ready to keep: `Ok(true)` with a finished file, `Ok(false)`
/// with none, or the error to show on the field (a file still arriving, or refused).
pub fn ready(upload: &Upload) -> Result<bool, &'static str> {
    let entries = upload.entries();
    if entries.iter().any(|e| !e.valid()) {
        return Err("could not be uploaded: cancel it, or choose another file");
    }
    if entries.iter().any(|e| !e.done()) {
        return Err("is still uploading: save again once it is done");
    }
    Ok(!entries.is_empty())
}

/// Moves the upload's finished file into the store under `prefix`: its key (`None`: no file
/// was finished). When storing fails the file stays in the upload, to try again.
pub async fn keep(upload: &mut Upload, prefix: &str) -> Result<Option<String>, String> {
    let (storage, _) = store()?;
    match upload.store(storage, prefix).await {
        Ok(stored) => Ok(stored.into_iter().next_back().map(|file| file.key)),
        Err(failed) => Err(format!("the file could not be kept: {}", failed.error)),
    }
}

/// Removes the file at `key` (a replaced or deleted row's). A failure is logged: the row's
/// change stands, and the file stays behind.
pub async fn forget(key: &str) {
    if key.is_empty() {
        return;
    }
    let removed = match store() {
        Ok((storage, _)) => storage.delete(key).await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    if let Err(e) = removed {
        tracing::warn!(key, error = %e, "a stored file was not removed");
    }
}
