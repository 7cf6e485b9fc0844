//! A page of uploads: up to three photos (PNG, JPEG or GIF, 1 MB each), sent as soon as they
//! are chosen or dropped, previewed, cancellable, scanned once whole, and moved into the app's
//! store when the form is saved, each shown through a signed URL.

use serde_json::Value;
use zero_live::storage::{Storage, Stored};
use zero_live::uploads::{Scan, Upload, UploadConfig};
use zero_live::{Context, EventError, LiveView, MountError};

/// The photos page's state.
#[derive(Debug)]
pub struct Photos {
    /// The upload the file input and the drop target feed.
    pub photos: Upload,
    /// What was saved.
    pub saved: Vec<Saved>,
}

/// A saved photo: its name, type and size, and a signed URL of it in the store.
#[derive(Debug, Clone)]
pub struct Saved {
    /// The name it was chosen with, made safe.
    pub name: String,
    /// The type its bytes show.
    pub kind: &'static str,
    /// Its size in bytes.
    pub size: u64,
    /// A URL that reads it for an hour.
    pub url: String,
}

/// How long a saved photo's link works.
const LINK_TTL: std::time::Duration = std::time::Duration::from_secs(3600);
zero_live_core::template!(Photos, "photos");

/// The largest photo the page takes.
pub const MAX_PHOTO_BYTES: u64 = 1_000_000;

/// The antivirus test signature (EICAR's), which scanners report as if it were a virus.
pub const EICAR: &[u8] = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE";

/// The page's scanner: what a virus scanner would refuse, refused (a real app asks clamd).
fn scan_photo(scan: &Scan) -> Result<(), String> {
    let bytes = std::fs::read(&scan.path).map_err(|e| format!("could not read: {e}"))?;
    match bytes.windows(EICAR.len()).any(|w| w == EICAR) {
        true => Err("It carries a virus signature.".to_owned()),
        false => Ok(()),
    }
}

/// Moves an upload's finished files into `storage` under `prefix`, each with a link that reads
/// it for an hour; what was kept before a failure comes back with the failure.
pub(crate) async fn store_and_link(
    upload: &mut Upload,
    storage: &Storage,
    prefix: &str,
) -> Result<(Vec<(Stored, String)>, Result<(), EventError>), EventError> {
    let (stored, failed) = match upload.store(storage, prefix).await {
        Ok(stored) => (stored, Ok(())),
        Err(partial) => {
            let why = EventError::Invalid(format!("could not keep a file: {}", partial.error));
            (partial.stored, Err(why))
        }
    };
    let mut kept = Vec::with_capacity(stored.len());
    for file in stored {
        let url = storage.signed_url(&file.key, LINK_TTL).await;
        kept.push((file, url.map_err(|e| EventError::Invalid(e.to_string()))?));
    }
    Ok((kept, failed))
}

impl LiveView for Photos {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("Photos");
        let config = UploadConfig::new("photos")
            .accept(&[".png", ".jpg", ".jpeg", ".gif"])
            .max_entries(3)
            .max_file_size(MAX_PHOTO_BYTES)
            .auto_upload(true)
            .scan(scan_photo);
        // All the page's visitors share one scope's quota (`max_scope_upload_bytes`); an app
        // with accounts scopes by user instead: `format!("user:{}", user.id)`.
        Ok(Photos { photos: Upload::new(config).scoped("photos"), saved: Vec::new() })
    }

    async fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "cancel" => {
                let reference = value["ref"].as_str().unwrap_or_default();
                self.photos.cancel(reference);
            }
            // Each finished photo moves into the store, and the page links to it.
            "save" => {
                let Some(storage) = ctx.state::<Storage>().cloned() else {
                    return Err(EventError::Invalid("the app has no store".to_owned()));
                };
                let (kept, failed) = store_and_link(&mut self.photos, &storage, "photos").await?;
                for (photo, url) in kept {
                    let kind = photo.content_type.unwrap_or("unknown");
                    self.saved.push(Saved { name: photo.name, kind, size: photo.size, url });
                }
                failed?;
            }
            // The view fails mid-upload (its tests: a crashed view's files are removed).
            "crash" => panic!("the photos page crashed on purpose"),
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }

    fn upload(&mut self, name: &str) -> Option<&mut Upload> {
        (name == "photos").then_some(&mut self.photos)
    }
}
