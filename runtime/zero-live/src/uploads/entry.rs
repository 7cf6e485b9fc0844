//! One file of an upload: what the client said of it, what arrived, and why it is refused.

use std::path::{Path, PathBuf};

/// Why an entry (or an upload as a whole) is refused. Each has a stable code the page may show
/// or style by, and a sentence for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadError {
    /// Larger than the upload's `max_file_size` (or the app's `max_upload_bytes`).
    TooLarge,
    /// More files than the upload's `max_entries`.
    TooMany,
    /// Its name and type are not among the upload's `accept`.
    NotAccepted,
    /// Its first bytes say it is another type than its name claims.
    ContentMismatch,
    /// The file ended before its declared size.
    Incomplete,
    /// The session holds as many uploaded bytes as `max_session_upload_bytes` allows.
    QuotaExceeded,
    /// The upload's scanner refused it ([`crate::uploads::UploadConfig::scan`]); the entry's
    /// `rejection()` says why.
    Rejected,
    /// The server could not write it (a full disk, say).
    Failed,
}

impl UploadError {
    /// The stable code (`too_large`, `too_many`, `not_accepted`, `content_mismatch`,
    /// `incomplete`, `quota_exceeded`, `rejected`, `failed`).
    pub fn code(self) -> &'static str {
        match self {
            UploadError::TooLarge => "too_large",
            UploadError::TooMany => "too_many",
            UploadError::NotAccepted => "not_accepted",
            UploadError::ContentMismatch => "content_mismatch",
            UploadError::Incomplete => "incomplete",
            UploadError::QuotaExceeded => "quota_exceeded",
            UploadError::Rejected => "rejected",
            UploadError::Failed => "failed",
        }
    }

    /// A sentence for the page.
    pub fn message(self) -> &'static str {
        match self {
            UploadError::TooLarge => "The file is too large.",
            UploadError::TooMany => "Too many files.",
            UploadError::NotAccepted => "This type of file is not accepted.",
            UploadError::ContentMismatch => "The file's content does not match its type.",
            UploadError::Incomplete => "The file did not arrive whole.",
            UploadError::QuotaExceeded => "You have uploaded as much as you may at once.",
            UploadError::Rejected => "The file was rejected.",
            UploadError::Failed => "The server could not store the file.",
        }
    }
}

impl std::fmt::Display for UploadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// One file of an upload.
#[derive(Debug)]
pub struct UploadEntry {
    pub(crate) reference: String,
    pub(crate) client_name: String,
    pub(crate) client_size: u64,
    pub(crate) client_type: String,
    /// The size of its chunks.
    pub(crate) chunk: usize,
    pub(crate) received: u64,
    pub(crate) done: bool,
    pub(crate) errors: Vec<UploadError>,
    /// The MIME type the first bytes show, when they show one.
    pub(crate) sniffed: Option<&'static str>,
    /// The temporary file, once the first chunk arrived; removed when the entry is dropped
    /// unless consumed.
    pub(crate) file: Option<SpooledFile>,
    /// Why the upload's scanner refused it.
    pub(crate) rejection: Option<String>,
    /// The token and record of a resumable entry (see [`super::UploadConfig::resumable`]).
    pub(crate) resume: Option<(String, super::resume::Record)>,
    /// Where the browser sends an external upload's file (see [`super::Upload::external`]).
    #[cfg(feature = "storage")]
    pub(crate) external: Option<super::external::Incoming>,
}

impl UploadEntry {
    /// The server's reference of the entry (`UPLOAD:N`), which a cancel button sends.
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The file's name as the browser gave it: show it escaped, never use it as a path (see
    /// [`UploadEntry::safe_name`]).
    pub fn client_name(&self) -> &str {
        &self.client_name
    }

    /// The size the browser declared, in bytes.
    pub fn size(&self) -> u64 {
        self.client_size
    }

    /// The MIME type the browser declared (may be empty).
    pub fn client_type(&self) -> &str {
        &self.client_type
    }

    /// The MIME type the file's first bytes show, once they arrived and when they show one.
    pub fn sniffed_type(&self) -> Option<&'static str> {
        self.sniffed
    }

    /// Bytes received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// Percent received, 0 to 100.
    pub fn progress(&self) -> u8 {
        match self.client_size {
            0 if self.done => 100,
            0 => 0,
            size => u8::try_from(self.received.saturating_mul(100) / size).unwrap_or(100),
        }
    }

    /// Whether the whole file arrived.
    pub fn done(&self) -> bool {
        self.done
    }

    /// Whether nothing is wrong with it.
    pub fn valid(&self) -> bool {
        self.errors.is_empty()
    }

    /// Why it is refused.
    pub fn errors(&self) -> &[UploadError] {
        &self.errors
    }

    /// What the upload's scanner said when it refused the file.
    pub fn rejection(&self) -> Option<&str> {
        self.rejection.as_deref()
    }

    /// The file's name made safe to store under: its last path segment, without control
    /// characters, leading dots or path separators, at most 255 bytes; `upload` when nothing is
    /// left.
    pub fn safe_name(&self) -> String {
        safe_name(&self.client_name)
    }

    /// Whether the browser sends it straight to the store (see [`super::Upload::external`]).
    pub fn is_external(&self) -> bool {
        #[cfg(feature = "storage")]
        return self.external.is_some();
        #[cfg(not(feature = "storage"))]
        false
    }

    /// The temporary file, while it exists.
    pub(crate) fn file_path(&self) -> Option<&Path> {
        self.file.as_ref().map(|f| f.path.as_path())
    }

    /// Lets go of the entry's file for good: when it is dropped, a resumable file is removed
    /// rather than kept for a rejoin (the entry was consumed, cancelled or refused).
    pub(crate) fn discard(&mut self) {
        if let Some(parked) = self.file.as_mut().and_then(|f| f.parked.as_mut()) {
            parked.keep = false;
        }
        // An external upload's object goes from the store.
        #[cfg(feature = "storage")]
        drop(self.external.take());
    }
}

#[cfg(test)]
impl UploadEntry {
    /// An entry named `name` that nothing arrived of.
    pub(crate) fn for_test(name: &str) -> UploadEntry {
        UploadEntry {
            reference: "a:0".into(),
            client_name: name.into(),
            client_size: 0,
            client_type: String::new(),
            chunk: 1024,
            received: 0,
            done: false,
            errors: Vec::new(),
            sniffed: None,
            file: None,
            rejection: None,
            resume: None,
            #[cfg(feature = "storage")]
            external: None,
        }
    }
}

/// See [`UploadEntry::safe_name`].
pub(crate) fn safe_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|'))
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.');
    let mut out = String::new();
    for c in trimmed.chars() {
        if out.len() + c.len_utf8() > 255 {
            break;
        }
        out.push(c);
    }
    if out.is_empty() { "upload".to_owned() } else { out }
}

/// An entry's temporary file: removed when dropped (the entry was cancelled, the view ended),
/// unless `consume` moved it first.
#[derive(Debug)]
pub(crate) struct SpooledFile {
    pub(crate) path: PathBuf,
    /// Buffered (256 KiB): the file is written on a blocking thread a buffer at a time.
    pub(crate) handle: Option<tokio::io::BufWriter<tokio::fs::File>>,
    /// The counts of bytes held (the session's, the scope's) this file's bytes are part of.
    pub(crate) held: super::quota::Held,
    pub(crate) bytes: u64,
    /// Set for a resumable entry's file: kept when dropped unless the entry let go of it.
    pub(crate) parked: Option<Parked>,
}

/// Where a resumable file's record is, and whether the file outlives the session.
#[derive(Debug)]
pub(crate) struct Parked {
    pub(crate) root: PathBuf,
    pub(crate) token: String,
    pub(crate) keep: bool,
}

impl SpooledFile {
    /// Counts `n` more bytes written.
    pub(crate) fn wrote(&mut self, n: u64) {
        self.bytes += n;
        self.held.add(n);
    }
}

impl Drop for SpooledFile {
    fn drop(&mut self) {
        self.held.sub(self.bytes);
        match &self.parked {
            // Kept for the page to go on with once it joins again.
            Some(parked) if parked.keep => {}
            Some(parked) => super::resume::remove(&parked.root, &parked.token),
            // A consumed file was moved away: there is nothing to remove, which is fine.
            None => {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_safe_name_keeps_the_last_segment_without_what_a_path_or_a_shell_would_read() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\Users\\me\\cat.png"), "cat.png");
        assert_eq!(safe_name("..hidden"), "hidden");
        assert_eq!(safe_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(safe_name("what?.png"), "what.png");
        assert_eq!(safe_name(".."), "upload");
        assert_eq!(safe_name(""), "upload");
        assert_eq!(safe_name(&"é".repeat(300)).len(), 254);
        // A plain name is kept as it is.
        assert_eq!(safe_name("holiday photo.jpg"), "holiday photo.jpg");
    }

    #[test]
    fn progress_is_a_percentage_of_the_declared_size() {
        let mut e = UploadEntry { client_size: 200, received: 50, ..UploadEntry::for_test("x") };
        assert_eq!(e.progress(), 25);
        e.received = 200;
        assert_eq!(e.progress(), 100);
        e.client_size = 0;
        e.received = 0;
        assert_eq!(e.progress(), 0);
        e.done = true;
        assert_eq!(e.progress(), 100);
    }
}
