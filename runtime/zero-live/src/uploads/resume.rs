//! Resumable uploads: the files of an upload declared [`resumable`](super::UploadConfig::resumable)
//! live in one folder of the upload root (`resume/`), named by a random token the server hands
//! the client, beside a record of what they are (`TOKEN.json`: the upload, the page's session,
//! the file's name, size and type). When the session ends before the file is consumed (the
//! connection dropped, the view crashed, the server restarted), the file stays; the same page,
//! joined again, offers the token and goes on from the bytes on disk. Files untouched for longer
//! than their upload's expiry are removed: when a session that held one ends, and when an
//! endpoint starts.
//!
//! Who may resume: only a session joined with the same page token (its id is hashed into the
//! record, never stored), so a token seen by someone else resumes nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::token::hex;

/// The folder of resumable files under the upload root.
const FOLDER: &str = "resume";

/// What a parked file is, as its record says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Record {
    pub(crate) upload: String,
    /// The hash of the page session's id (see [`owner`]).
    pub(crate) owner: String,
    pub(crate) name: String,
    pub(crate) size: u64,
    pub(crate) mime: String,
    /// Seconds the file may sit untouched before it is removed.
    pub(crate) expiry_secs: u64,
}

/// A new token: 128 random bits, in hex.
pub(crate) fn token() -> String {
    hex(&rand::random::<[u8; 16]>())
}

/// What a record keeps of a page session's id: a hash, so the folder holds nothing that joins a
/// session.
pub(crate) fn owner(session_id: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"zero-live upload owner\0");
    hash.update(session_id.as_bytes());
    hex(&hash.finalize())
}

/// Whether `token` is one the server could have made: only those are ever joined to a path.
fn well_formed(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn folder(root: &Path) -> PathBuf {
    root.join(FOLDER)
}

fn data_path(root: &Path, token: &str) -> PathBuf {
    folder(root).join(format!("{token}.part"))
}

fn record_path(root: &Path, token: &str) -> PathBuf {
    folder(root).join(format!("{token}.json"))
}

/// Creates the folder if it has to, readable by this user only. One that exists must be a
/// folder (not a link) that no one else may read.
fn ensure_folder(root: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(root)?;
    let dir = folder(root);
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    match builder.create(&dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let meta = std::fs::symlink_metadata(&dir)?;
            #[cfg(unix)]
            let private = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o077 == 0;
            #[cfg(not(unix))]
            let private = true;
            if meta.is_dir() && private {
                Ok(())
            } else {
                Err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "the folder of resumable uploads is not a private folder",
                ))
            }
        }
        Err(e) => Err(e),
    }
}

/// Writes the record of a new resumable file and returns the path its bytes go to (created by
/// the caller with `create_new`).
pub(crate) fn create(root: &Path, token: &str, record: &Record) -> std::io::Result<PathBuf> {
    ensure_folder(root)?;
    let json = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    let mut file =
        std::fs::OpenOptions::new().write(true).create_new(true).open(record_path(root, token))?;
    std::io::Write::write_all(&mut file, &json)?;
    Ok(data_path(root, token))
}

/// A parked file a session may go on with.
#[derive(Debug)]
pub(crate) struct Found {
    pub(crate) path: PathBuf,
    /// Bytes on disk (at most the declared size): where the client goes on from.
    pub(crate) len: u64,
}

/// The parked file of `token` when its record is `expect` in every field and it has not
/// expired; `None` otherwise (an unknown, forged, foreign or expired token starts afresh).
pub(crate) fn find(root: &Path, token: &str, expect: &Record) -> Option<Found> {
    if !well_formed(token) {
        return None;
    }
    let record: Record =
        serde_json::from_slice(&std::fs::read(record_path(root, token)).ok()?).ok()?;
    if record != *expect {
        return None;
    }
    let path = data_path(root, token);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    if !meta.is_file() || expired(&meta, record.expiry_secs) {
        return None;
    }
    Some(Found { len: meta.len().min(record.size), path })
}

/// Touches a resumed file, so that the expiry counts from now.
pub(crate) fn touch(path: &Path) {
    if let Ok(file) = std::fs::File::options().write(true).open(path) {
        let _ = file.set_modified(SystemTime::now());
    }
}

fn expired(meta: &std::fs::Metadata, expiry_secs: u64) -> bool {
    let age = meta.modified().ok().and_then(|m| m.elapsed().ok()).unwrap_or_default();
    age > Duration::from_secs(expiry_secs)
}

/// Removes a resumable file and its record (the entry was consumed, cancelled or refused).
pub(crate) fn remove(root: &Path, token: &str) {
    if well_formed(token) {
        let _ = std::fs::remove_file(data_path(root, token));
        let _ = std::fs::remove_file(record_path(root, token));
    }
}

/// Removes the resumable files untouched for longer than their expiry, and records whose file
/// is gone or unreadable once they are as old. Returns how many files went.
pub(crate) fn sweep(root: &Path) -> usize {
    let Ok(items) = std::fs::read_dir(folder(root)) else { return 0 };
    let mut removed = 0;
    for item in items.flatten() {
        let name = item.file_name();
        let Some(name) = name.to_str() else { continue };
        // Each token once: by its record, or by its file when the record is gone.
        let token = match (name.strip_suffix(".json"), name.strip_suffix(".part")) {
            (Some(token), _) => token,
            (None, Some(token)) if !record_path(root, token).exists() => token,
            _ => continue,
        };
        if !well_formed(token) {
            continue;
        }
        let record: Option<Record> = std::fs::read(record_path(root, token))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        // A file without a readable record expires after a day.
        let expiry = record.map_or(86_400, |r| r.expiry_secs);
        let newest = std::fs::symlink_metadata(data_path(root, token))
            .or_else(|_| std::fs::symlink_metadata(item.path()));
        if newest.is_ok_and(|meta| expired(&meta, expiry)) {
            remove(root, token);
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(owner_id: &str) -> Record {
        Record {
            upload: "photos".into(),
            owner: owner(owner_id),
            name: "cat.png".into(),
            size: 10,
            mime: "image/png".into(),
            expiry_secs: 60,
        }
    }

    fn park(root: &Path, token: &str, rec: &Record, bytes: &[u8]) -> PathBuf {
        let path = create(root, token, rec).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_parked_file_is_found_by_its_token_and_owner_with_the_bytes_on_disk() {
        let root = tempfile::tempdir().unwrap();
        let t = token();
        assert!(well_formed(&t));
        park(root.path(), &t, &record("page-1"), b"12345");
        let found = find(root.path(), &t, &record("page-1")).unwrap();
        assert_eq!(found.len, 5);
        assert!(found.path.starts_with(root.path().join(FOLDER)));
    }

    #[test]
    fn another_owner_another_file_a_forged_or_unknown_token_find_nothing() {
        let root = tempfile::tempdir().unwrap();
        let t = token();
        park(root.path(), &t, &record("page-1"), b"12345");
        assert!(find(root.path(), &t, &record("page-2")).is_none(), "another page's session");
        let other_file = Record { size: 11, ..record("page-1") };
        assert!(find(root.path(), &t, &other_file).is_none(), "another size");
        assert!(find(root.path(), &token(), &record("page-1")).is_none(), "unknown");
        for forged in ["../../etc/passwd", "", &t.to_uppercase(), &format!("{t}0")] {
            assert!(find(root.path(), forged, &record("page-1")).is_none(), "{forged}");
        }
    }

    #[test]
    fn an_expired_file_is_not_resumed_and_the_sweep_removes_it_and_keeps_fresh_ones() {
        let root = tempfile::tempdir().unwrap();
        let (old, fresh) = (token(), token());
        let stale = Record { expiry_secs: 1, ..record("p") };
        let path = park(root.path(), &old, &stale, b"12");
        let long_ago = SystemTime::now() - Duration::from_secs(5);
        std::fs::File::options().write(true).open(&path).unwrap().set_modified(long_ago).unwrap();
        park(root.path(), &fresh, &record("p"), b"12");
        assert!(find(root.path(), &old, &stale).is_none());
        assert_eq!(sweep(root.path()), 1);
        assert!(!path.exists() && !record_path(root.path(), &old).exists());
        assert!(find(root.path(), &fresh, &record("p")).is_some());
        touch(&path);
        assert_eq!(sweep(&root.path().join("missing")), 0);
    }

    #[cfg(unix)]
    #[test]
    fn a_folder_others_may_read_or_a_link_is_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(folder(root.path())).unwrap();
        std::fs::set_permissions(folder(root.path()), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        assert!(create(root.path(), &token(), &record("p")).is_err());
        let linked = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), folder(linked.path())).unwrap();
        assert!(create(linked.path(), &token(), &record("p")).is_err());
        assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    }
}
