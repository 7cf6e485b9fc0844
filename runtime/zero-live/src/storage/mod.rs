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
    /// An external upload's object is no longer the file that was checked (replaced or
    /// removed in the store since): its stored copy was removed again.
    #[error("the uploaded file changed in the store after it was checked: {0}")]
    Changed(crate::uploads::UploadError),
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
        self.put_file_keyed(file, |_| key.to_owned()).await
    }

    /// [`Storage::put_file`] under the key `key_for` makes of the extension the file's first
    /// bytes show (read once, for both).
    async fn put_file_keyed(
        &self,
        file: &std::path::Path,
        key_for: impl FnOnce(Option<&'static str>) -> String,
    ) -> Result<Stored, StorageError> {
        let mut source = tokio::fs::File::open(file).await?;
        let mut first = [0u8; 64];
        let read = tokio::io::AsyncReadExt::read(&mut source, &mut first).await?;
        let shown = infer::get(&first[..read]);
        let key = key_for(shown.map(|t| t.extension()));
        let key = key.as_str();
        let path = parse_key(key)?;
        let content_type = shown.map(|t| t.mime_type());
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

    /// Lets go of an upload URL signed for `key` (its entry went): a local folder refuses it
    /// from now on (an S3 URL works until it expires: keep a lifecycle rule on `incoming/`).
    pub(crate) fn forget_upload(&self, key: &str) {
        match &self.signing {
            Signing::Local(local) => local.forget(key),
            #[cfg(feature = "s3")]
            Signing::S3(_) => {}
        }
    }

    /// Streams the object `key` into a new file at `to` (nothing there is overwritten).
    pub(crate) async fn download(
        &self,
        key: &str,
        to: &std::path::Path,
    ) -> Result<(), StorageError> {
        use futures_util::StreamExt as _;
        let got = self.store.get(&parse_key(key)?).await?;
        let mut file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(to).await?;
        let mut stream = got.into_stream();
        while let Some(bytes) = stream.next().await {
            file.write_all(&bytes?).await?;
        }
        file.flush().await?;
        Ok(())
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

    /// Whether it is a local folder the app serves (rather than a bucket with URLs of its own).
    pub fn is_local(&self) -> bool {
        matches!(self.signing, Signing::Local(_))
    }

    /// A URL that takes one `PUT` of `size` bytes to `key` for `ttl` (an external upload's):
    /// the app's own for a local folder (it refuses another size and a second upload), the
    /// store's presigned `PUT` for S3 (whose object the server checks afterwards).
    pub async fn upload_url(
        &self,
        key: &str,
        size: u64,
        ttl: Duration,
    ) -> Result<String, StorageError> {
        let path = parse_key(key)?;
        match &self.signing {
            Signing::Local(local) => Ok(local.put_url(path.as_ref(), size, ttl)),
            #[cfg(feature = "s3")]
            Signing::S3(s3) => {
                use object_store::signer::Signer as _;
                let url = s3.signed_url(object_store::signer::Method::PUT, &path, ttl).await?;
                Ok(url.to_string())
            }
        }
    }

    /// Whether the object `key` is the file an entry declared: `size` bytes whose first bytes
    /// agree with `name`; the type they show, or why not.
    pub(crate) async fn check(
        &self,
        key: &str,
        name: &str,
        size: u64,
    ) -> Result<Option<&'static str>, crate::uploads::UploadError> {
        use crate::uploads::UploadError;
        let failed = |e: &dyn std::fmt::Display| {
            tracing::warn!(target: "zero_live::storage", error = %e, "an uploaded object could not be checked");
            UploadError::Failed
        };
        let path = parse_key(key).map_err(|e| failed(&e))?;
        let meta = match self.store.head(&path).await {
            Ok(meta) => meta,
            Err(object_store::Error::NotFound { .. }) => return Err(UploadError::Incomplete),
            Err(e) => return Err(failed(&e)),
        };
        if meta.size != size {
            return Err(if meta.size > size {
                UploadError::TooLarge
            } else {
                UploadError::Incomplete
            });
        }
        let first = match size {
            0 => Default::default(),
            _ => self.store.get_range(&path, 0..size.min(8192)).await.map_err(|e| failed(&e))?,
        };
        match crate::uploads::accept::sniff(name, &first) {
            (shown, true) => Ok(shown),
            (_, false) => Err(UploadError::ContentMismatch),
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
    /// Makes the upload external: the browser sends each accepted file straight to `storage`
    /// (under `PREFIX/incoming/`) through a URL signed for that entry, rather than over the
    /// socket, and the session checks the object's size and first bytes once the browser says
    /// it is there. [`Upload::store`] keeps its files (the path-based [`Upload::consume`] sees
    /// none). An S3 bucket must allow the page's origin to `PUT` (its CORS rules); a local
    /// folder's URLs are the app's own, and take files of at most `max_body_bytes` (larger ones
    /// are refused `too_large` before a byte is sent). The upload's scanner reads each object
    /// (copied into the session's folder for it) before the entry is done; the session's
    /// quotas and resumption apply to uploads over the socket only.
    pub fn external(mut self, storage: &Storage, prefix: &str) -> Upload {
        self.external = Some(crate::uploads::external::External {
            storage: storage.clone(),
            prefix: prefix.to_owned(),
        });
        self
    }

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
        while let Some(at) = self.finished_external() {
            match store_external(storage, prefix, &self.entries()[at]).await {
                Ok(done) => stored.push(done),
                Err(error) => return Err(StoreFailed { stored, error }),
            }
            self.remove_finished(at);
        }
        while let Some((at, path)) = self.finished() {
            let entry = &self.entries()[at];
            let name = entry.safe_name();
            match storage.put_file_keyed(&path, |ext| new_key(prefix, entry, ext)).await {
                Ok(done) => stored.push(Stored { name, ..done }),
                Err(error) => return Err(StoreFailed { stored, error }),
            }
            self.remove_finished(at);
        }
        Ok(stored)
    }
}

/// Copies a finished external entry's incoming object to a new key below `prefix`, where no
/// URL writes, and checks the copy again; the incoming object goes with the entry.
async fn store_external(
    storage: &Storage,
    prefix: &str,
    entry: &UploadEntry,
) -> Result<Stored, StorageError> {
    let Some(incoming) = entry.external.as_ref() else {
        return Err(StorageError::Config("the entry was not sent to the store".into()));
    };
    // Its first bytes agreed with its name's extension when it was checked.
    let key = new_key(prefix, entry, None);
    let to = parse_key(&key)?;
    storage.store.copy(&parse_key(&incoming.key)?, &to).await?;
    if let Err(changed) = storage.check(&key, &entry.client_name, entry.client_size).await {
        let _ = storage.store.delete(&to).await;
        return Err(StorageError::Changed(changed));
    }
    Ok(Stored {
        key,
        name: entry.safe_name(),
        size: entry.client_size,
        content_type: entry.sniffed,
    })
}

#[cfg(test)]
mod tests;
