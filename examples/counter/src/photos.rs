//! A page of uploads: up to three photos (PNG, JPEG or GIF, 1 MB each), sent as soon as they
//! are chosen or dropped, previewed, cancellable, scanned once whole, and kept when the form
//! is saved.

use serde_json::Value;
use zero_live::uploads::{Scan, Upload, UploadConfig};
use zero_live::{Context, EventError, LiveView, MountError};

/// The photos page's state.
#[derive(Debug)]
pub struct Photos {
    /// The upload the file input and the drop target feed.
    pub photos: Upload,
    /// What was saved: each photo's name, type and size.
    pub saved: Vec<String>,
}
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

impl LiveView for Photos {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("Photos");
        let config = UploadConfig::new("photos")
            .accept(&[".png", ".jpg", ".jpeg", ".gif"])
            .max_entries(3)
            .max_file_size(MAX_PHOTO_BYTES)
            .auto_upload(true)
            .scan(scan_photo);
        Ok(Photos { photos: Upload::new(config), saved: Vec::new() })
    }

    async fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        _ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "cancel" => {
                let reference = value["ref"].as_str().unwrap_or_default();
                self.photos.cancel(reference);
            }
            // A real app moves each file into its store here; the example reads it back, so a
            // test sees exactly the bytes that arrived.
            "save" => {
                let saved = self.photos.consume(|path, entry| {
                    std::fs::read(path).map(|bytes| {
                        let kind = entry.sniffed_type().unwrap_or("unknown");
                        format!("{} ({kind}, {} bytes)", entry.safe_name(), bytes.len())
                    })
                });
                match saved {
                    Ok(names) => self.saved.extend(names),
                    Err(e) => {
                        return Err(EventError::Invalid(format!("could not keep a photo: {e}")));
                    }
                }
            }
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }

    fn upload(&mut self, name: &str) -> Option<&mut Upload> {
        (name == "photos").then_some(&mut self.photos)
    }
}
