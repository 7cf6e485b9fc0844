//! One large file of any type, up to the app's `max_upload_bytes`, sent as soon as it is
//! chosen, and resumable for half an hour after a lost connection or a restart: the page the
//! upload benchmark times (`zero-bench uploads`).

use serde_json::Value;
use zero_live::uploads::{Upload, UploadConfig};
use zero_live::{Context, EventError, LiveView, MountError};

/// The files page's state.
#[derive(Debug)]
pub struct Files {
    /// The upload its file input feeds.
    pub file: Upload,
    /// Bytes of the files let go so far.
    pub kept: u64,
}
zero_live_core::template!(Files, "files");

impl LiveView for Files {
    async fn mount(_ctx: &mut Context) -> Result<Self, MountError> {
        let config = UploadConfig::new("file")
            .auto_upload(true)
            .resumable(std::time::Duration::from_secs(30 * 60));
        Ok(Files { file: Upload::new(config), kept: 0 })
    }

    async fn handle_event(
        &mut self,
        event: &str,
        _value: &Value,
        _ctx: &mut Context,
    ) -> Result<(), EventError> {
        match event {
            // The file is let go once counted: the page stays ready for the next.
            "clear" => {
                let sizes = self.file.consume(|path, _| std::fs::metadata(path).map(|m| m.len()));
                self.kept +=
                    sizes.map_err(|e| EventError::Invalid(e.to_string()))?.iter().sum::<u64>();
                let refused: Vec<String> =
                    self.file.entries().iter().map(|e| e.reference().to_owned()).collect();
                for reference in refused {
                    self.file.cancel(&reference);
                }
            }
            // The view fails mid-upload (its tests: a resumable file outlives a crashed view).
            "crash" => panic!("the files page crashed on purpose"),
            other => return Err(EventError::Unknown(other.to_owned())),
        }
        Ok(())
    }

    fn upload(&mut self, name: &str) -> Option<&mut Upload> {
        (name == "file").then_some(&mut self.file)
    }
}
