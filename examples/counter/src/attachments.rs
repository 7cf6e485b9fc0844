//! A page of external uploads: up to two attachments (PDF, PNG or plain text, 2 MB each), sent
//! by the browser straight to the app's store through URLs signed for each file (not over the
//! socket), checked by the server once there, and kept when the form is saved.

use serde_json::Value;
use zero_live::storage::Storage;
use zero_live::uploads::{Upload, UploadConfig};
use zero_live::{Context, EventError, LiveView, MountError};

/// The attachments page's state.
#[derive(Debug)]
pub struct Attachments {
    /// The upload its file input feeds.
    pub files: Upload,
    /// What was saved: name, size and a signed URL that reads it.
    pub saved: Vec<(String, u64, String)>,
}

zero_live_core::template!(Attachments, "attachments");

fn store(ctx: &Context) -> Result<Storage, String> {
    ctx.state::<Storage>().cloned().ok_or_else(|| "the app has no store".to_owned())
}

impl LiveView for Attachments {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("Attachments");
        let storage = store(ctx).map_err(MountError::new)?;
        let config = UploadConfig::new("files")
            .accept(&[".pdf", ".png", ".txt"])
            .max_entries(2)
            .max_file_size(2_000_000)
            .auto_upload(true);
        Ok(Attachments {
            files: Upload::new(config).external(&storage, "attachments"),
            saved: Vec::new(),
        })
    }

    async fn handle_event(
        &mut self,
        event: &str,
        value: &Value,
        ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            "cancel" => {
                self.files.cancel(value["ref"].as_str().unwrap_or_default());
            }
            "save" => {
                let storage = store(ctx).map_err(EventError::Invalid)?;
                let kept = crate::photos::store_and_link(&mut self.files, &storage, "attachments");
                let (kept, failed) = kept.await?;
                self.saved.extend(kept.into_iter().map(|(file, url)| (file.name, file.size, url)));
                failed?;
            }
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }

    fn upload(&mut self, name: &str) -> Option<&mut Upload> {
        (name == "files").then_some(&mut self.files)
    }
}
