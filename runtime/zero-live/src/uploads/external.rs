//! External uploads (the `storage` feature): the browser sends each file straight to the store
//! through a URL the session signs for that one entry (a presigned `PUT` for S3, the app's own
//! signed route for a local folder), reports its progress with `upload_progress`, and says when
//! the store took it whole. The session then checks the object itself (its size is the one
//! declared, its first bytes agree with its name) before the entry is done. Nothing of the file
//! crosses the socket; the endpoint's disk holds it only while the upload's scanner, if it has
//! one, reads it.
//!
//! The object the browser writes is an incoming one (`PREFIX/incoming/ID.EXT`); storing the
//! entry copies it to a key no URL can write and checks that copy again, so a file replaced
//! after the check is refused rather than kept. An entry cancelled, refused or left behind by
//! its session has its incoming object removed from the store.

use std::time::Duration;

use serde_json::{Value, json};

use super::UploadError;
use super::entry::UploadEntry;
use super::session::{Ack, Refused, fail, open_entry, refused};
use super::{Spool, Upload};
use crate::storage::Storage;

/// How long an upload URL is good for: a store checks it when the request starts, so a large
/// file that starts in time finishes.
pub(crate) const URL_TTL: Duration = Duration::from_secs(3600);

/// Where an external upload's files go.
#[derive(Debug, Clone)]
pub(crate) struct External {
    pub(crate) storage: Storage,
    pub(crate) prefix: String,
}

impl External {
    /// A new incoming object for `entry`, under a key of its own.
    pub(crate) fn object_for(&self, entry: &UploadEntry) -> Incoming {
        let prefix = format!("{}/incoming", self.prefix.trim_matches('/'));
        let key = crate::storage::new_key(prefix.trim_start_matches('/'), entry, None);
        Incoming { storage: self.storage.clone(), key }
    }
}

/// The object an external entry's file is put to: removed from the store, and its URL let go
/// of, when the entry goes (stored, cancelled, refused, its session ended).
#[derive(Debug)]
pub(crate) struct Incoming {
    pub(crate) storage: Storage,
    pub(crate) key: String,
}

impl Drop for Incoming {
    fn drop(&mut self) {
        self.storage.forget_upload(&self.key);
        let (storage, key) = (self.storage.clone(), std::mem::take(&mut self.key));
        // Outside a runtime (a test dropping an upload) there is nothing to remove with.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(async move {
                match storage.delete(&key).await {
                    Ok(()) | Err(crate::storage::StorageError::Store(object_store::Error::NotFound { .. })) => {}
                    Err(e) => {
                        tracing::warn!(target: "zero_live::uploads", error = %e, "an incoming upload could not be removed");
                    }
                }
            });
        }
    }
}

/// Signs the URL of each external entry the answer of an `upload_start` holds
/// (`"external": {"url": .., "method": "PUT"}`); an entry whose URL cannot be signed fails.
pub(crate) async fn sign(upload: &mut Upload, response: &mut Value) {
    let Some(answers) = response.get_mut("entries").and_then(Value::as_object_mut) else {
        return;
    };
    for answer in answers.values_mut() {
        if answer.get("external").is_none() {
            continue;
        }
        let Some(reference) = answer["entry"].as_str().map(str::to_owned) else { continue };
        let Some(entry) = upload.entry_mut(&reference) else { continue };
        let Some(incoming) = entry.external.as_ref() else { continue };
        match incoming.storage.upload_url(&incoming.key, entry.client_size, URL_TTL).await {
            Ok(url) => answer["external"] = json!({"url": url, "method": "PUT"}),
            Err(e) => {
                tracing::warn!(target: "zero_live::uploads", error = %e, "an upload URL could not be signed");
                fail(entry, UploadError::Failed);
                *answer = json!({"entry": reference, "error": UploadError::Failed.code()});
            }
        }
    }
}

/// The browser's report on an external entry: `received` bytes sent to the store so far, or
/// (`last`) that the store took the file whole, when the object is checked and the entry done
/// or refused. A report on an entry sent over the socket, or of more bytes than declared,
/// breaks the protocol.
pub(crate) async fn progress(
    upload: &mut Upload,
    spool: &mut Spool,
    reference: &str,
    received: u64,
    last: bool,
) -> Result<Ack, Refused> {
    let scanner = upload.config.scan.clone();
    let entry = open_entry(upload, reference)?;
    let Some(incoming) = entry.external.as_ref() else {
        return Err(refused("not_external", "this entry is sent over the socket", true));
    };
    if received > entry.client_size {
        fail(entry, UploadError::TooLarge);
        return Err(refused("upload_overrun", "the entry is larger than it was declared", true));
    }
    entry.received = entry.received.max(received);
    if last {
        let (storage, key) = (incoming.storage.clone(), incoming.key.clone());
        match storage.check(&key, &entry.client_name, entry.client_size).await {
            Ok(sniffed) => {
                entry.sniffed = sniffed;
                entry.received = entry.client_size;
                match scanner {
                    Some(scanner) => scan(entry, spool, &storage, &key, scanner).await,
                    None => entry.done = true,
                }
            }
            // The object goes with the entry's failure.
            Err(error) => fail(entry, error),
        }
    }
    Ok(Ack { offset: entry.received, done: entry.done })
}

/// Runs the upload's scanner on an external entry's object, read into a file of the session's
/// folder (removed once scanned): the entry is done when it passes, and rejected, its object
/// removed, when it does not, the scanner fails, or the object cannot be read.
async fn scan(
    entry: &mut UploadEntry,
    spool: &mut Spool,
    storage: &Storage,
    key: &str,
    scanner: super::Scanner,
) {
    let number = entry.reference.rsplit_once(':').and_then(|(_, n)| n.parse().ok());
    let copied = async {
        let path = spool.file(number.unwrap_or(0))?;
        storage.download(key, &path).await.map(|()| path)
    };
    match copied.await {
        Ok(path) => {
            super::session::scan_at(entry, scanner, path.clone()).await;
            let _ = tokio::fs::remove_file(&path).await;
        }
        Err(e) => {
            tracing::warn!(target: "zero_live::uploads", error = %e, "an uploaded object could not be read to scan it");
            entry.rejection = Some("the file could not be scanned".to_owned());
            fail(entry, UploadError::Rejected);
        }
    }
}

#[cfg(test)]
mod tests;
