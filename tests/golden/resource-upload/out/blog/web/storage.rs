//! Where the app keeps uploaded files: written by `zerogen resource` with the app's first
//! upload field (`photo:upload`); edit freely.
//!
//! - `STORAGE_BUCKET` set: that S3-compatible bucket (build with `--features s3`; object_store
//!   reads `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
//!   `AWS_ALLOW_HTTP`); pages link to the bucket's presigned URLs.
//! - Otherwise the folder `STORAGE_DIR`, served by the app under [`PREFIX`] through signed
//!   links. A development build defaults to `.zero-live/files` in the app's folder; a release
//!   build refuses to start without one of the two.
//!
//! A local folder's links are signed with a key of the process's own: each works for
//! [`LINK_TTL`] and dies with the process, and pages sign new ones each time they mount (a page
//! open across a restart mounts again when it reconnects).

use std::path::{Path, PathBuf};
use std::time::Duration;

use zero_live::Context;
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

/// Whether `name` is set in the environment, and not empty.
fn set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

/// The local folder: `STORAGE_DIR`, else `.zero-live/files` in the app's folder (`root`, a
/// development build), else one in the system's temporary folder (tests).
fn folder(root: Option<&Path>) -> PathBuf {
    match (std::env::var_os("STORAGE_DIR").filter(|v| !v.is_empty()), root) {
        (Some(dir), _) => PathBuf::from(dir),
        (None, Some(root)) => root.join(".zero-live/files"),
        (None, None) => std::env::temp_dir().join(concat!(env!("CARGO_PKG_NAME"), "-files")),
    }
}

/// Checks run before a served app starts (`root`: the app's folder in a development build):
/// a release build names its store, and the store opens.
pub fn check(root: Option<&Path>) -> Result<(), String> {
    if root.is_none() && !set("STORAGE_DIR") && !set("STORAGE_BUCKET") {
        return Err("uploaded files need a store: set STORAGE_DIR (a folder the app can write) \
                    or STORAGE_BUCKET (an S3 bucket, with the `s3` feature)"
            .to_owned());
    }
    open(root).map(|_| ())
}

/// The store the environment names (see the module's documentation).
pub fn open(root: Option<&Path>) -> Result<Storage, String> {
    let dir = folder(root);
    let key: [u8; 32] = rand::random();
    Storage::from_env(&dir, &key, PREFIX)
        .map_err(|e| format!("the file store ({}): {e}", dir.display()))
}

/// The store the app shares with its views (`LiveBuilder::storage`).
fn of(ctx: &Context) -> Result<Storage, String> {
    ctx.state::<Storage>()
        .cloned()
        .ok_or_else(|| "the app shares no file store with its views".to_owned())
}

/// A link to the file at `key` (`None` for no file, or when the store cannot sign one: the
/// page then shows none, and the failure is logged).
pub async fn link(ctx: &Context, key: &str) -> Option<Link> {
    if key.is_empty() {
        return None;
    }
    let signed = match of(ctx) {
        Ok(storage) => storage.signed_url(key, LINK_TTL).await.map_err(|e| e.to_string()),
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
pub async fn keep(
    ctx: &Context,
    upload: &mut Upload,
    prefix: &str,
) -> Result<Option<String>, String> {
    let storage = of(ctx)?;
    match upload.store(&storage, prefix).await {
        Ok(stored) => Ok(stored.into_iter().next_back().map(|file| file.key)),
        Err(failed) => Err(format!("the file could not be kept: {}", failed.error)),
    }
}

/// Removes the file at `key` (a replaced or deleted row's). A failure is logged: the row's
/// change stands, and the file stays behind.
pub async fn forget(ctx: &Context, key: &str) {
    if key.is_empty() {
        return;
    }
    let removed = match of(ctx) {
        Ok(storage) => storage.delete(key).await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    if let Err(e) = removed {
        tracing::warn!(key, error = %e, "a stored file was not removed");
    }
}
