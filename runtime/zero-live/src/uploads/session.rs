//! The session's side of an upload: checking an `upload_start` against the view's [`Upload`],
//! and writing each `upload` chunk to the entry's temporary file, failing closed.

use std::sync::atomic::Ordering;

use serde_json::{Map, Value, json};
use tokio::io::AsyncWriteExt as _;

use super::entry::{SpooledFile, UploadEntry, UploadError};
use super::frame::Chunk;
use super::quota::Held;
use super::{Policy, Spool, Upload, accept};

/// A request refused as a whole, with its stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    pub(crate) code: &'static str,
    pub(crate) reason: String,
    /// Whether it breaks the protocol (counted against `max_protocol_errors`) rather than being
    /// an ordinary refusal (an upload the view does not have).
    pub(crate) protocol: bool,
}

pub(crate) fn refused(code: &'static str, reason: impl Into<String>, protocol: bool) -> Refused {
    Refused { code, reason: reason.into(), protocol }
}

/// What the client says of one file before sending it.
struct Offer {
    reference: String,
    name: String,
    size: u64,
    mime: String,
    /// The token of a resumable file the page sent part of before (`resume`).
    resume: Option<String>,
}

/// Whose upload it is, for resumable uploads: the upload root and the hash of the page
/// session's id ([`super::resume::owner`]).
#[derive(Debug, Clone)]
pub(crate) struct Owner<'a> {
    pub(crate) root: &'a std::path::Path,
    pub(crate) owner: &'a str,
    /// The session's count of bytes held, which a resumed file's bytes join.
    pub(crate) held: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// How much of an entry is buffered before it is written to its file.
const WRITE_BUFFER: usize = 256 * 1024;

/// Longest client reference, name and type accepted in an `upload_start`.
const MAX_REF: usize = 64;
const MAX_NAME: usize = 1024;
const MAX_TYPE: usize = 255;

fn offers(entries: &Value) -> Result<Vec<Offer>, Refused> {
    let bad = |why: &str| refused("bad_upload", why.to_owned(), true);
    let Some(items) = entries.as_array() else { return Err(bad("entries must be a list")) };
    items
        .iter()
        .map(|item| {
            let text = |field: &str, max: usize| -> Result<String, Refused> {
                match item.get(field).and_then(Value::as_str) {
                    Some(s) if s.len() <= max => Ok(s.to_owned()),
                    Some(_) => Err(bad("an entry's field is too long")),
                    None => Err(bad("each entry needs ref, name, size and type")),
                }
            };
            Ok(Offer {
                reference: text("ref", MAX_REF)?,
                name: text("name", MAX_NAME)?,
                mime: text("type", MAX_TYPE)?,
                size: item
                    .get("size")
                    .and_then(Value::as_u64)
                    .ok_or_else(|| bad("an entry's size must be a whole number of bytes"))?,
                resume: match item.get("resume") {
                    None | Some(Value::Null) => None,
                    Some(_) => Some(text("resume", MAX_REF)?),
                },
            })
        })
        .collect()
}

/// Adds the files of an `upload_start` to `upload`, each checked against its declaration and
/// the app's `max_upload_bytes`. Returns the reply's response: for each client reference, the
/// entry to send chunks for (with the chunk size and window) or why not. Too many files, or
/// more bytes than the session has room for (what its `owner`'s session holds already counts
/// against its quota), refuse them all and add
/// none. For a resumable upload (given its `owner`), each entry has a `resume` token, and an
/// offer with the token of a file this page sent part of before goes on from the bytes on disk
/// (its `offset`); any other token starts afresh.
pub(crate) fn start(
    upload: &mut Upload,
    entries: &Value,
    policy: &Policy,
    owner: Option<Owner<'_>>,
) -> Result<Value, Refused> {
    let offers = offers(entries)?;
    let held = owner.as_ref().map_or(0, |o| o.held.load(Ordering::Relaxed));
    let config = &upload.config;
    if upload.entries.len() + offers.len() > config.max_entries {
        upload.errors = vec![UploadError::TooMany];
        return Ok(json!({"error": UploadError::TooMany.code()}));
    }
    let scope_held = upload.scope_held.clone();
    let in_scope = scope_held.as_ref().map(|h| h.load(Ordering::Relaxed));
    let room = policy
        .quota
        .saturating_sub(held)
        .min(in_scope.map_or(u64::MAX, |h| policy.scope_quota.saturating_sub(h)));
    // An external upload's bytes go to the store: they hold nothing here.
    if !upload.is_external() && offers.iter().map(|o| o.size).fold(0u64, u64::saturating_add) > room
    {
        upload.errors = vec![UploadError::QuotaExceeded];
        return Ok(json!({"error": UploadError::QuotaExceeded.code()}));
    }
    upload.errors.clear();
    let mut limit = config.max_file_size.min(policy.ceiling);
    if upload.through_endpoint() {
        limit = limit.min(policy.body);
    }
    // A chunk and its header (at most 83 bytes) fit a frame.
    let chunk = config.chunk_bytes.unwrap_or(policy.chunk).min(policy.frame.saturating_sub(128));
    let mut answers = Map::new();
    for offer in offers {
        let mut errors = Vec::new();
        if offer.size > limit {
            errors.push(UploadError::TooLarge);
        }
        if !accept::admits(&config.accept, &offer.name, &offer.mime) {
            errors.push(UploadError::NotAccepted);
        }
        let reference = format!("{}:{}", config.name, upload.next);
        upload.next += 1;
        let mut entry = UploadEntry {
            reference,
            client_name: offer.name,
            client_size: offer.size,
            client_type: offer.mime,
            chunk,
            received: 0,
            done: false,
            errors,
            sniffed: None,
            file: None,
            rejection: None,
            resume: None,
            #[cfg(feature = "storage")]
            external: None,
        };
        #[cfg(feature = "storage")]
        if let (Some(external), true) = (upload.external.as_ref(), entry.errors.is_empty()) {
            entry.external = Some(external.object_for(&entry));
        }
        if let (Some(expiry), Some(owner), true, false) =
            (config.resume, owner.as_ref(), entry.errors.is_empty(), entry.is_external())
        {
            let record = super::resume::Record {
                upload: config.name.clone(),
                owner: owner.owner.to_owned(),
                name: entry.client_name.clone(),
                size: entry.client_size,
                mime: entry.client_type.clone(),
                expiry_secs: expiry.as_secs().max(1),
            };
            let held = Held { session: owner.held.clone(), scope: scope_held.clone() };
            // A token an entry of this upload holds already is not taken up twice.
            let taken = |t: &str| {
                upload.entries.iter().any(|e| e.resume.as_ref().is_some_and(|(held, _)| held == t))
            };
            let token = offer
                .resume
                .as_deref()
                .filter(|t| !taken(t) && resume(&mut entry, owner, t, &record, held));
            let token = token.map_or_else(super::resume::token, str::to_owned);
            entry.resume = Some((token, record));
        }
        let answer = match entry.errors.first() {
            Some(e) => json!({"entry": entry.reference, "error": e.code()}),
            // Its URL is signed once the offers are checked (`external::sign`).
            None if entry.is_external() => json!({"entry": entry.reference, "external": null}),
            None => {
                let mut answer = json!({
                    "entry": entry.reference,
                    "chunk": chunk,
                    "window": policy.window,
                    "offset": entry.received,
                });
                if let Some((token, _)) = &entry.resume {
                    answer["resume"] = json!(token);
                }
                answer
            }
        };
        answers.insert(offer.reference, answer);
        upload.entries.push(entry);
    }
    Ok(json!({"entries": answers}))
}

/// Takes up the parked file of `token` into `entry` when its record is `record` (same page,
/// upload, name, size and type), it has not expired, and its first bytes still agree with its
/// name; false (start afresh) otherwise.
fn resume(
    entry: &mut UploadEntry,
    owner: &Owner<'_>,
    token: &str,
    record: &super::resume::Record,
    held: Held,
) -> bool {
    let Some(found) = super::resume::find(owner.root, token, record) else { return false };
    let opened = std::fs::OpenOptions::new().read(true).write(true).open(&found.path);
    let Ok(mut file) = opened else { return false };
    let mut first = vec![0u8; 8192];
    let read = std::io::Read::read(&mut file, &mut first).unwrap_or(0);
    first.truncate(read);
    let (shown, agrees) = accept::sniff(&entry.client_name, &first);
    if !agrees && !first.is_empty() {
        return false;
    }
    // Where the next byte goes: after the bytes on disk, whatever a crash left of the rest.
    if std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(found.len)).is_err() {
        return false;
    }
    super::resume::touch(&found.path);
    let mut spooled = SpooledFile {
        path: found.path,
        handle: Some(tokio::io::BufWriter::with_capacity(
            WRITE_BUFFER,
            tokio::fs::File::from_std(file),
        )),
        held,
        bytes: 0,
        parked: Some(super::entry::Parked {
            root: owner.root.to_path_buf(),
            token: token.to_owned(),
            keep: true,
        }),
    };
    spooled.wrote(found.len);
    entry.sniffed = shown;
    entry.received = found.len;
    entry.file = Some(spooled);
    true
}

/// The upload an entry reference (`NAME:N`) belongs to.
pub(crate) fn upload_of(entry: &str) -> &str {
    entry.rsplit_once(':').map_or("", |(name, _)| name)
}

/// The entry `reference` names, still taking bytes. One the view cancelled or consumed, or
/// that completed or failed, is refused `entry_closed` without counting against the client
/// (it sent before it knew); one that never was breaks the protocol.
pub(crate) fn open_entry<'u>(
    upload: &'u mut Upload,
    reference: &str,
) -> Result<&'u mut UploadEntry, Refused> {
    let next = upload.next;
    let Some(entry) = upload.entry_mut(reference) else {
        let number = reference.rsplit_once(':').and_then(|(_, n)| n.parse::<u64>().ok());
        if number.is_some_and(|n| n < next) {
            return Err(refused("entry_closed", "this entry takes no more chunks", false));
        }
        return Err(refused("unknown_entry", "no upload entry has this reference", true));
    };
    if entry.done || !entry.errors.is_empty() {
        return Err(refused("entry_closed", "this entry takes no more chunks", false));
    }
    Ok(entry)
}

/// What a chunk did to its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ack {
    /// Bytes received so far: where the next chunk starts.
    pub(crate) offset: u64,
    /// Whether the entry is complete (the last chunk arrived and it is valid).
    pub(crate) done: bool,
}

/// Writes one chunk to its entry. A chunk for an entry that is unknown, refused or complete,
/// at another offset than the bytes received, larger than the entry's chunk size or past its
/// declared size is refused; the last two also fail the entry (its file is removed), and so
/// does a chunk that would take the session past its quota of bytes held. The entry's last
/// chunk runs the upload's scanner, if it has one.
pub(crate) async fn chunk(
    upload: &mut Upload,
    spool: &mut Spool,
    chunk: &Chunk,
    policy: &Policy,
) -> Result<Ack, Refused> {
    let held = Held { session: spool.counter(), scope: upload.scope_held.clone() };
    let scanner = upload.config.scan.clone();
    let entry = open_entry(upload, &chunk.entry)?;
    if entry.is_external() {
        return Err(refused(
            "external_entry",
            "this entry goes to the store, not the socket",
            true,
        ));
    }
    if chunk.offset != entry.received {
        return Err(refused(
            "bad_offset",
            format!("the next chunk of this entry starts at byte {}", entry.received),
            true,
        ));
    }
    let bytes = &chunk.bytes;
    let chunk_bytes = entry.chunk;
    if bytes.len() > chunk_bytes {
        return Err(refused(
            "oversized_chunk",
            format!("chunks are at most {chunk_bytes} bytes"),
            true,
        ));
    }
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if entry.received.saturating_add(len) > entry.client_size {
        fail(entry, UploadError::TooLarge);
        return Err(refused("upload_overrun", "the entry is larger than it was declared", true));
    }
    if entry.received == 0 {
        let (shown, agrees) = accept::sniff(&entry.client_name, bytes);
        entry.sniffed = shown;
        if !agrees {
            fail(entry, UploadError::ContentMismatch);
            return Err(refused(
                "content_mismatch",
                "the file's first bytes do not match its type",
                false,
            ));
        }
    }
    if !held.room_for(len, policy.quota, policy.scope_quota) {
        fail(entry, UploadError::QuotaExceeded);
        return Err(refused(
            "quota_exceeded",
            "the session holds as many uploaded bytes as it may",
            false,
        ));
    }
    // A file that cannot be written fails its entry: the page shows it, nothing hangs.
    if let Err(e) = write(entry, spool, held, bytes, len).await {
        fail(entry, UploadError::Failed);
        return Err(io_refused(e));
    }
    entry.received += len;
    if chunk.last {
        if entry.received != entry.client_size {
            fail(entry, UploadError::Incomplete);
        } else {
            if let Some(mut handle) = entry.file.as_mut().and_then(|f| f.handle.take())
                && let Err(e) = handle.flush().await
            {
                fail(entry, UploadError::Failed);
                return Err(io_refused(e));
            }
            match scanner {
                Some(scanner) => scan(entry, scanner).await,
                None => entry.done = true,
            }
        }
    }
    Ok(Ack { offset: entry.received, done: entry.done })
}

/// Writes `bytes` to the entry's file, creating it first: in the session's folder, or for a
/// resumable entry beside its record.
async fn write(
    entry: &mut UploadEntry,
    spool: &mut Spool,
    held: Held,
    bytes: &[u8],
    len: u64,
) -> std::io::Result<()> {
    if entry.file.is_none() {
        let (path, parked) = match &entry.resume {
            // A resumable file goes where a rejoin finds it, beside its record.
            Some((token, record)) => {
                let root = spool.root().to_path_buf();
                let path = super::resume::create(&root, token, record)?;
                spool.resumable = true;
                (path, Some(super::entry::Parked { root, token: token.clone(), keep: true }))
            }
            None => {
                let number = entry.reference.rsplit_once(':').and_then(|(_, n)| n.parse().ok());
                (spool.file(number.unwrap_or(0))?, None)
            }
        };
        // A new file: nothing there is overwritten.
        let file = tokio::fs::OpenOptions::new().write(true).create_new(true).open(&path).await?;
        let handle = tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file);
        entry.file = Some(SpooledFile { path, handle: Some(handle), held, bytes: 0, parked });
    }
    if let Some(file) = entry.file.as_mut() {
        if let Some(handle) = file.handle.as_mut() {
            handle.write_all(bytes).await?;
            // A resumable entry's acknowledged bytes are on disk: a rejoin goes on from them.
            if file.parked.is_some() {
                handle.flush().await?;
            }
        }
        file.wrote(len);
    }
    Ok(())
}

/// Whether a chunk refused with `code` failed its entry (rather than being one the entry
/// never takes, or breaking the protocol without harm to it).
pub(crate) fn fails_entry(code: &str) -> bool {
    matches!(code, "upload_overrun" | "content_mismatch" | "quota_exceeded" | "upload_failed")
}

/// Runs the upload's scanner on a finished entry, on a blocking thread: the entry is done when
/// it passes, rejected (its file removed) when it does not or the scanner panics.
async fn scan(entry: &mut UploadEntry, scanner: super::Scanner) {
    let Some(path) = entry.file_path().map(std::path::Path::to_path_buf) else { return };
    scan_at(entry, scanner, path).await;
}

/// [`scan`] of the entry's bytes in the file at `path`.
pub(crate) async fn scan_at(
    entry: &mut UploadEntry,
    scanner: super::Scanner,
    path: std::path::PathBuf,
) {
    let seen = super::Scan {
        path,
        client_name: entry.client_name.clone(),
        size: entry.received,
        sniffed_type: entry.sniffed,
    };
    let verdict = tokio::task::spawn_blocking(move || (scanner.0)(&seen)).await;
    match verdict {
        Ok(Ok(())) => entry.done = true,
        Ok(Err(why)) => {
            entry.rejection = Some(why);
            fail(entry, UploadError::Rejected);
        }
        Err(_) => {
            entry.rejection = Some("the scanner failed".to_owned());
            fail(entry, UploadError::Rejected);
        }
    }
}

/// Marks an entry refused and removes what arrived of it (a resumable file too).
pub(crate) fn fail(entry: &mut UploadEntry, error: UploadError) {
    entry.errors.push(error);
    entry.discard();
    entry.file = None;
}

fn io_refused(e: std::io::Error) -> Refused {
    tracing::warn!(target: "zero_live::uploads", error = %e, "an upload could not be stored");
    refused("upload_failed", "the server could not store the upload", false)
}

#[cfg(test)]
mod tests;
