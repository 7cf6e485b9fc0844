//! Where uploaded files are kept once consumed (the `storage` feature): an object store through
//! the `object_store` crate. The embedded default is a local folder the app serves itself
//! through signed URLs ([`Storage::local`], [`Storage::router`]); with the `s3` feature, any
//! S3-compatible store ([`Storage::s3`], [`Storage::from_env`]), whose own presigned URLs the
//! pages link to.
//!
//! ```no_run
//! # async fn save(photos: &mut zero_live::uploads::Upload) -> Result<(), zero_live::storage::StorageError> {
//! use zero_live::storage::Storage;
//!
//! let storage = Storage::local("var/files", b"a secret key of at least 32 bytes!", "/files")?;
//! // In the view's event: each finished file goes to the store under a key of its own.
//! for stored in photos.store(&storage, "photos").await? {
//!     let url = storage.signed_url(&stored.key, std::time::Duration::from_secs(3600)).await?;
//!     println!("{} ({} bytes) at {url}", stored.key, stored.size);
//! }
//! # Ok(()) }
//! ```

mod signed;

use std::sync::Arc;
use std::time::Duration;

use object_store::path::Path as StorePath;
use object_store::{ObjectStore, ObjectStoreExt as _};
use tokio::io::AsyncWriteExt as _;

use crate::uploads::{Upload, UploadEntry};

/// How an S3-compatible store is reached (object_store's builder: endpoint, region, bucket,
/// credentials; `from_env` reads the `AWS_*` variables).
#[cfg(feature = "s3")]
pub use object_store::aws::AmazonS3Builder;

/// Why the store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A key with something other than `[A-Za-z0-9._-]` segments joined by `/`, an empty
    /// segment, or a segment starting with a dot.
    #[error(
        "storage key {0:?} is not valid: segments of letters, digits, '.', '_' and '-', none starting with '.'"
    )]
    BadKey(String),
    /// A signing key shorter than 32 bytes.
    #[error("the storage signing key must be at least 32 bytes")]
    WeakKey,
    /// Reading the uploaded file failed.
    #[error("could not read the file to store: {0}")]
    Io(#[from] std::io::Error),
    /// The store failed (unreachable, refused, missing object).
    #[error("the store failed: {0}")]
    Store(#[from] object_store::Error),
    /// The store's configuration is incomplete or wrong.
    #[error("storage configuration: {0}")]
    Config(String),
}

/// What [`Upload::store`] kept before it failed, and why it stopped: the entry that failed
/// and the ones after it are still in the upload.
#[derive(Debug, thiserror::Error)]
#[error("{error} ({} file(s) stored before)", stored.len())]
pub struct StoreFailed {
    /// The files stored before the failure (their entries are gone from the upload).
    pub stored: Vec<Stored>,
    /// Why the next one was not.
    #[source]
    pub error: StorageError,
}

/// An object the store holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// Its key in the store.
    pub key: String,
    /// The file's name, safe to show and store under (the upload's
    /// [`UploadEntry::safe_name`], or the key's last segment).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The MIME type its first bytes showed on upload, when they showed one.
    pub content_type: Option<&'static str>,
}

/// How the store's URLs are signed.
#[derive(Clone)]
enum Signing {
    /// Served by the app at `prefix`, signed with the app's key.
    Local(signed::Local),
    /// The store's own presigned URLs.
    #[cfg(feature = "s3")]
    S3(Arc<object_store::aws::AmazonS3>),
}

/// An object store for uploaded files, and how its URLs are signed.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    signing: Signing,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The signing key stays out of logs.
        f.debug_struct("Storage").field("store", &self.store.to_string()).finish_non_exhaustive()
    }
}

impl Storage {
    /// Files in the folder `dir` (created if missing), served by [`Storage::router`] under
    /// `prefix` (`/files`) through URLs signed with `key` (at least 32 bytes: the app's
    /// `SECRET_KEY_BASE` will do).
    pub fn local(
        dir: impl AsRef<std::path::Path>,
        key: &[u8],
        prefix: &str,
    ) -> Result<Storage, StorageError> {
        std::fs::create_dir_all(dir.as_ref())?;
        let store: Arc<dyn ObjectStore> =
            Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir.as_ref())?);
        let local = signed::Local::new(key, prefix, store.clone())?;
        Ok(Storage { store, signing: Signing::Local(local) })
    }

    /// An S3-compatible bucket, from object_store's builder (endpoint, region, credentials);
    /// signed URLs are the store's presigned ones.
    #[cfg(feature = "s3")]
    pub fn s3(builder: AmazonS3Builder) -> Result<Storage, StorageError> {
        let s3 = Arc::new(builder.build()?);
        Ok(Storage { store: s3.clone(), signing: Signing::S3(s3) })
    }

    /// The store the environment names: S3 when `STORAGE_BUCKET` is set (with the `s3`
    /// feature; `AWS_ENDPOINT`, `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_ALLOW_HTTP` as object_store reads them), else the local folder `dir`.
    pub fn from_env(
        dir: impl AsRef<std::path::Path>,
        key: &[u8],
        prefix: &str,
    ) -> Result<Storage, StorageError> {
        Storage::choose(std::env::var("STORAGE_BUCKET").ok(), dir.as_ref(), key, prefix)
    }

    /// [`Storage::from_env`] with the bucket given.
    fn choose(
        bucket: Option<String>,
        dir: &std::path::Path,
        key: &[u8],
        prefix: &str,
    ) -> Result<Storage, StorageError> {
        match bucket {
            #[cfg(feature = "s3")]
            Some(bucket) => Storage::s3(AmazonS3Builder::from_env().with_bucket_name(bucket)),
            #[cfg(not(feature = "s3"))]
            Some(_) => Err(StorageError::Config(
                "STORAGE_BUCKET is set but zero-live was built without the `s3` feature".into(),
            )),
            None => Storage::local(dir, key, prefix),
        }
    }

    /// Copies the file at `file` into the store under `key`, streaming it in parts (a large
    /// file is a multipart upload; on a local folder the object appears whole or not at all).
    pub async fn put_file(
        &self,
        file: &std::path::Path,
        key: &str,
    ) -> Result<Stored, StorageError> {
        let path = parse_key(key)?;
        let mut source = tokio::fs::File::open(file).await?;
        let mut first = [0u8; 64];
        let read = tokio::io::AsyncReadExt::read(&mut source, &mut first).await?;
        let content_type = infer::get(&first[..read]).map(|t| t.mime_type());
        let mut writer = object_store::buffered::BufWriter::new(self.store.clone(), path);
        let copied = async {
            writer.write_all(&first[..read]).await?;
            let rest = tokio::io::copy(&mut source, &mut writer).await?;
            Ok::<u64, std::io::Error>(rest + u64::try_from(read).unwrap_or(0))
        }
        .await;
        let size = match copied {
            Ok(size) => size,
            Err(e) => {
                // Parts already sent are let go; nothing appears under the key.
                let _ = writer.abort().await;
                return Err(StorageError::Io(e));
            }
        };
        // Completes the object: until then it does not exist under its key.
        writer.shutdown().await?;
        let name = key.rsplit('/').next().unwrap_or(key).to_owned();
        Ok(Stored { key: key.to_owned(), name, size, content_type })
    }

    /// The bytes of the object `key`.
    pub async fn get(&self, key: &str) -> Result<Vec<u8>, StorageError> {
        Ok(self.store.get(&parse_key(key)?).await?.bytes().await?.to_vec())
    }

    /// Removes the object `key`.
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        Ok(self.store.delete(&parse_key(key)?).await?)
    }

    /// A URL that reads the object `key` for `ttl`: the app's own (`PREFIX/KEY?expires=..&sig=..`)
    /// for a local folder, the store's presigned URL for S3.
    pub async fn signed_url(&self, key: &str, ttl: Duration) -> Result<String, StorageError> {
        let path = parse_key(key)?;
        match &self.signing {
            Signing::Local(local) => Ok(local.url(path.as_ref(), ttl)),
            #[cfg(feature = "s3")]
            Signing::S3(s3) => {
                use object_store::signer::Signer as _;
                let url = s3.signed_url(object_store::signer::Method::GET, &path, ttl).await?;
                Ok(url.to_string())
            }
        }
    }

    /// The routes that serve a local folder's signed URLs (none for S3, whose URLs go to the
    /// store): merge them into the app's router.
    pub fn router<S: Clone + Send + Sync + 'static>(&self) -> axum::Router<S> {
        match &self.signing {
            Signing::Local(local) => local.router(),
            #[cfg(feature = "s3")]
            Signing::S3(_) => axum::Router::new(),
        }
    }
}

/// A key for a new object under `prefix`: 128 random bits in hex, and an extension: `ext` (the
/// one the file's first bytes show) or the entry's name's, letters and digits only, else `bin`.
/// Two uploads never share a key, and nothing of it comes from the client but a short extension.
pub fn new_key(prefix: &str, entry: &UploadEntry, ext: Option<&str>) -> String {
    let named = entry.safe_name();
    let from_name = named.rsplit_once('.').map(|(_, ext)| ext);
    let ext = ext
        .or(from_name)
        .filter(|e| !e.is_empty() && e.len() <= 8 && e.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map_or_else(|| "bin".to_owned(), str::to_ascii_lowercase);
    let id = crate::token::hex(&rand::random::<[u8; 16]>());
    let prefix = prefix.trim_matches('/');
    if prefix.is_empty() { format!("{id}.{ext}") } else { format!("{prefix}/{id}.{ext}") }
}

/// The extension the first bytes of the file at `path` show, when `infer` knows them.
fn sniffed_ext(path: &std::path::Path) -> Option<&'static str> {
    let mut first = [0u8; 64];
    let mut file = std::fs::File::open(path).ok()?;
    let read = std::io::Read::read(&mut file, &mut first).ok()?;
    infer::get(&first[..read]).map(|t| t.extension())
}

/// A key is segments of `[A-Za-z0-9._-]` joined by `/`, none empty or starting with a dot: no
/// traversal, nothing a URL or a file system reads otherwise.
pub(crate) fn parse_key(key: &str) -> Result<StorePath, StorageError> {
    let bad = || StorageError::BadKey(key.chars().take(200).collect());
    let good = !key.is_empty()
        && key.len() <= 1024
        && key.split('/').all(|s| {
            !s.is_empty()
                && !s.starts_with('.')
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        });
    if !good {
        return Err(bad());
    }
    StorePath::parse(key).map_err(|_| bad())
}

impl Upload {
    /// Moves every finished, valid entry's file into `storage` under a new key below `prefix`
    /// ([`new_key`]) and removes those entries; entries still arriving or invalid stay. Each
    /// object appears whole or not at all. Stops at the first failure: that entry and the ones
    /// after it stay for another try, and the error carries what was stored before it.
    pub async fn store(
        &mut self,
        storage: &Storage,
        prefix: &str,
    ) -> Result<Vec<Stored>, StoreFailed> {
        let mut stored = Vec::new();
        while let Some((at, path)) = self.finished() {
            let entry = &self.entries()[at];
            let key = new_key(prefix, entry, sniffed_ext(&path));
            let name = entry.safe_name();
            match storage.put_file(&path, &key).await {
                Ok(done) => stored.push(Stored { name, ..done }),
                Err(error) => return Err(StoreFailed { stored, error }),
            }
            self.remove_finished(at);
        }
        Ok(stored)
    }
}

#[cfg(test)]
mod tests;
