//! Uploads over the live socket: a view declares an [`Upload`] (what it accepts, how many files,
//! how large), the browser asks to send files (`upload_start`), the session checks each one
//! against the declaration and the app's `max_upload_bytes`, then takes the file in chunks
//! (`upload`), each acknowledged, into a temporary file of the session's own folder. The view
//! renders each entry's progress and errors, and consumes the finished entries in an event.
//!
//! Failing closed: a chunk for an unknown entry, at an offset other than the bytes received, or
//! past the declared size is refused and counted as a protocol error; a file whose first bytes
//! say it is something other than its name claims (a renamed executable) is marked invalid
//! and is never handed to `consume`. File names from the client are only shown
//! ([`UploadEntry::safe_name`]); temporary files are named by the server.
//!
//! ```
//! use zero_live::uploads::{Upload, UploadConfig};
//!
//! let avatar = Upload::new(
//!     UploadConfig::new("avatar").accept(&[".png", ".jpg", "image/webp"]).max_file_size(2_000_000),
//! );
//! assert_eq!(avatar.accept_attr(), ".png,.jpg,image/webp");
//! assert!(avatar.entries().is_empty());
//! ```

pub(crate) mod accept;
mod entry;
#[cfg(feature = "storage")]
pub(crate) mod external;
pub(crate) mod frame;
pub(crate) mod quota;
pub(crate) mod resume;
pub(crate) mod session;
mod spool;

pub use entry::{UploadEntry, UploadError};
pub use frame::{BinaryChunk, decode_chunk, encode_chunk};
pub(crate) use spool::{Spool, default_root, sweep};

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Chunks of at least this size (or of the entry's chunk size, if smaller) pass the socket's
/// rate limit uncharged: the largest a text `upload` message carries (its base64 fits the
/// message's `max_bytes`), so a client of the JSON protocol uploads as fast as the binary one.
pub const TEXT_CHUNK_BYTES: usize = 64 * 1024;

/// What the app's `[limits]` say of uploads, as a session applies them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Policy {
    /// `max_upload_bytes`: no entry is larger.
    pub(crate) ceiling: u64,
    /// `max_session_upload_bytes`: the bytes a session may hold.
    pub(crate) quota: u64,
    /// `max_scope_upload_bytes`: the bytes the sessions of one scope may hold together.
    pub(crate) scope_quota: u64,
    /// `upload_chunk_bytes`: the chunk size of a view that does not choose one.
    pub(crate) chunk: usize,
    /// `max_frame_bytes`: a chunk and its header fit one frame.
    pub(crate) frame: usize,
    /// `upload_window`.
    pub(crate) window: u32,
    /// `max_body_bytes`: the largest request the endpoint reads, so the largest file a local
    /// folder's upload URL takes.
    pub(crate) body: u64,
}

impl Policy {
    pub(crate) fn of(limits: &zero_security::Limits) -> Policy {
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        Policy {
            ceiling: limits.max_upload_bytes,
            quota: limits.max_session_upload_bytes,
            scope_quota: limits.max_scope_upload_bytes,
            chunk: count(limits.upload_chunk_bytes),
            frame: count(limits.max_frame_bytes),
            window: limits.upload_window,
            body: limits.max_body_bytes,
        }
    }
}

#[cfg(test)]
impl Policy {
    /// 8 MiB files and bodies, no quotas, 64 KiB chunks, 1 MiB frames, a window of 4.
    pub(crate) fn for_test() -> Policy {
        Policy {
            ceiling: 8 << 20,
            quota: u64::MAX,
            scope_quota: u64::MAX,
            chunk: 65536,
            frame: 1 << 20,
            window: 4,
            body: 8 << 20,
        }
    }
}

/// What a scanner sees of a file that arrived whole, before the view may consume it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    /// The temporary file (read it; do not move it).
    pub path: PathBuf,
    /// The name the browser gave.
    pub client_name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The MIME type its first bytes show, when they show one.
    pub sniffed_type: Option<&'static str>,
}

type ScanFn = dyn Fn(&Scan) -> Result<(), String> + Send + Sync;

/// An upload's scanner (see [`UploadConfig::scan`]).
#[derive(Clone)]
pub(crate) struct Scanner(pub(crate) Arc<ScanFn>);

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scanner")
    }
}

impl PartialEq for Scanner {
    fn eq(&self, other: &Scanner) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Scanner {}

/// What a view's upload accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadConfig {
    pub(crate) name: String,
    pub(crate) accept: Vec<String>,
    pub(crate) max_entries: usize,
    pub(crate) max_file_size: u64,
    pub(crate) chunk_bytes: Option<usize>,
    pub(crate) auto_upload: bool,
    pub(crate) scan: Option<Scanner>,
    pub(crate) resume: Option<Duration>,
}

impl UploadConfig {
    /// An upload named `name` (the `z-upload` of its file input): one file of any type, at most
    /// the app's `max_upload_bytes`, sent when the form is submitted.
    pub fn new(name: impl Into<String>) -> UploadConfig {
        UploadConfig {
            name: name.into(),
            accept: Vec::new(),
            max_entries: 1,
            max_file_size: u64::MAX,
            chunk_bytes: None,
            auto_upload: false,
            scan: None,
            resume: None,
        }
    }

    /// Makes the upload resumable: a file whose session ends before it is consumed (the
    /// connection dropped, the view crashed, the server restarted) is kept, and the same page,
    /// once joined again, goes on from the bytes that reached the disk. A kept file untouched
    /// for `expiry` is removed (checked when a session that held one ends and when the
    /// endpoint starts). Off by default: an upload's files go with its session.
    pub fn resumable(mut self, expiry: Duration) -> UploadConfig {
        self.resume = Some(expiry);
        self
    }

    /// A check of each file once it arrived whole (a virus scanner, an image decoder): an
    /// `Err` with a reason marks the entry `rejected` and its file is removed, so `consume`
    /// never sees it. It runs on a blocking thread, never on the session's.
    pub fn scan(
        mut self,
        scanner: impl Fn(&Scan) -> Result<(), String> + Send + Sync + 'static,
    ) -> UploadConfig {
        self.scan = Some(Scanner(Arc::new(scanner)));
        self
    }

    /// The file types accepted, as an `<input accept>` lists them: extensions (`.png`), MIME
    /// types (`image/png`) or families (`image/*`). Empty (the default) accepts any type.
    pub fn accept(mut self, types: &[&str]) -> UploadConfig {
        self.accept = types.iter().map(|t| t.trim().to_ascii_lowercase()).collect();
        self
    }

    /// How many files one upload may hold (default 1).
    pub fn max_entries(mut self, n: usize) -> UploadConfig {
        self.max_entries = n.max(1);
        self
    }

    /// The largest file accepted, in bytes; the app's `max_upload_bytes` caps it.
    pub fn max_file_size(mut self, bytes: u64) -> UploadConfig {
        self.max_file_size = bytes;
        self
    }

    /// The size of the chunks the client sends (default: the app's `upload_chunk_bytes`); at
    /// least 1 KiB, and no more than fits a frame (`max_frame_bytes`).
    pub fn chunk_bytes(mut self, bytes: usize) -> UploadConfig {
        self.chunk_bytes = Some(bytes.max(1024));
        self
    }

    /// Whether files are sent as soon as they are chosen, rather than on submit.
    pub fn auto_upload(mut self, yes: bool) -> UploadConfig {
        self.auto_upload = yes;
        self
    }
}

/// A view's upload: its declaration and the entries the client is sending or has sent. Keep it
/// in the view's struct, return it from [`crate::LiveView::upload`], and render its entries.
#[derive(Debug)]
pub struct Upload {
    config: UploadConfig,
    entries: Vec<UploadEntry>,
    /// Why the last request to add files was refused as a whole (too many files).
    errors: Vec<UploadError>,
    /// Entries created so far: the next entry's number.
    next: u64,
    /// The scope whose quota its bytes count against (see [`Upload::scoped`]).
    scope: Option<String>,
    /// That scope's count of bytes held, once a session took files for it.
    pub(crate) scope_held: Option<Arc<std::sync::atomic::AtomicU64>>,
    /// The store the browser sends files to, for an external upload.
    #[cfg(feature = "storage")]
    pub(crate) external: Option<external::External>,
}

impl Upload {
    /// An upload with no entries.
    pub fn new(config: UploadConfig) -> Upload {
        Upload {
            config,
            entries: Vec::new(),
            errors: Vec::new(),
            next: 0,
            scope: None,
            scope_held: None,
            #[cfg(feature = "storage")]
            external: None,
        }
    }

    /// Whether the browser sends its files straight to a store (see `Upload::external`, with
    /// the `storage` feature) rather than over the socket.
    pub fn is_external(&self) -> bool {
        #[cfg(feature = "storage")]
        return self.external.is_some();
        #[cfg(not(feature = "storage"))]
        false
    }

    /// Whether its files go through the endpoint's own upload URLs (an external upload to a
    /// local folder), which read at most `max_body_bytes`.
    pub(crate) fn through_endpoint(&self) -> bool {
        #[cfg(feature = "storage")]
        return self.external.as_ref().is_some_and(|e| e.storage.is_local());
        #[cfg(not(feature = "storage"))]
        false
    }

    /// Counts its bytes against the scope `key` too (a user, an organization: `user:42`),
    /// whose sessions on this endpoint may hold `max_scope_upload_bytes` together; past it a
    /// file is refused `quota_exceeded`. Without it only the session's quota applies.
    pub fn scoped(mut self, key: impl Into<String>) -> Upload {
        self.scope = Some(key.into());
        self
    }

    /// The scope its bytes count against, if any.
    pub fn scope(&self) -> Option<&str> {
        self.scope.as_deref()
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// Its declaration.
    pub fn config(&self) -> &UploadConfig {
        &self.config
    }

    /// The entries being sent or sent, refused ones included (with their errors).
    pub fn entries(&self) -> &[UploadEntry] {
        &self.entries
    }

    /// Errors of the upload as a whole (too many files).
    pub fn errors(&self) -> &[UploadError] {
        &self.errors
    }

    /// The `accept` attribute of its file input.
    pub fn accept_attr(&self) -> String {
        self.config.accept.join(",")
    }

    /// Whether its file input takes several files.
    pub fn multiple(&self) -> bool {
        self.config.max_entries > 1
    }

    /// How many files it takes (its input's `data-max-entries`).
    pub fn max_entries(&self) -> usize {
        self.config.max_entries
    }

    /// The largest file it takes, when it sets one (its input's `data-max-size`; the app's
    /// `max_upload_bytes` caps it on the server either way).
    pub fn max_file_size(&self) -> Option<u64> {
        (self.config.max_file_size != u64::MAX).then_some(self.config.max_file_size)
    }

    /// Whether files are sent as soon as they are chosen (its input's `data-auto-upload`).
    pub fn auto_upload(&self) -> bool {
        self.config.auto_upload
    }

    /// Whether every entry has arrived whole and is valid (false with no entries).
    pub fn ready(&self) -> bool {
        !self.entries.is_empty() && self.entries.iter().all(|e| e.done() && e.valid())
    }

    /// Removes an entry (a cancel button's event), deleting what was received of it. False if
    /// no entry has that reference.
    pub fn cancel(&mut self, reference: &str) -> bool {
        let before = self.entries.len();
        for entry in self.entries.iter_mut().filter(|e| e.reference() == reference) {
            entry.discard();
        }
        self.entries.retain(|e| e.reference() != reference);
        self.errors.clear();
        self.entries.len() != before
    }

    /// Hands every finished, valid entry's file to `keep` (move or copy it into storage) and
    /// removes those entries; entries still arriving or invalid stay. Stops at the first error
    /// `keep` returns: that entry and the ones after it stay, so nothing is lost.
    pub fn consume<T, E>(
        &mut self,
        mut keep: impl FnMut(&Path, &UploadEntry) -> Result<T, E>,
    ) -> Result<Vec<T>, E> {
        let mut kept = Vec::new();
        let mut i = 0;
        while i < self.entries.len() {
            let entry = &self.entries[i];
            match entry.file_path() {
                Some(path) if entry.done() && entry.valid() => {
                    kept.push(keep(path, entry)?);
                    self.entries[i].discard();
                    self.entries.remove(i);
                }
                _ => i += 1,
            }
        }
        Ok(kept)
    }

    /// Whether `chunk` pays the socket's rate limit: a chunk of a known entry that is neither
    /// the last nor at least [`TEXT_CHUNK_BYTES`] (or the entry's chunk size, if smaller).
    /// Full chunks pass uncharged, so an upload is not held to the event rate; a stream of tiny
    /// ones is.
    pub(crate) fn entry_pays(&self, chunk: &frame::Chunk) -> bool {
        self.entries.iter().find(|e| e.reference() == chunk.entry).is_some_and(|entry| {
            !chunk.last && chunk.bytes.len() < entry.chunk.min(TEXT_CHUNK_BYTES)
        })
    }

    /// The first finished, valid entry's position and file.
    #[cfg(feature = "storage")]
    pub(crate) fn finished(&self) -> Option<(usize, PathBuf)> {
        self.entries.iter().enumerate().find_map(|(i, e)| match e.file_path() {
            Some(path) if e.done() && e.valid() => Some((i, path.to_path_buf())),
            _ => None,
        })
    }

    /// The first finished, valid entry the browser sent to the store.
    #[cfg(feature = "storage")]
    pub(crate) fn finished_external(&self) -> Option<usize> {
        self.entries.iter().position(|e| e.done() && e.valid() && e.is_external())
    }

    /// Removes the entry at `at` once its file was kept elsewhere (its temporary file goes).
    #[cfg(feature = "storage")]
    pub(crate) fn remove_finished(&mut self, at: usize) {
        if let Some(entry) = self.entries.get_mut(at) {
            entry.discard();
            self.entries.remove(at);
        }
    }

    pub(crate) fn entry_mut(&mut self, reference: &str) -> Option<&mut UploadEntry> {
        self.entries.iter_mut().find(|e| e.reference() == reference)
    }
}
