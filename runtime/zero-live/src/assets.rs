//! The browser client, compiled into the runtime and served as content-addressed modules:
//! `/assets/zl-<hash>/zero-live.js` and the modules it imports, immutable and cacheable forever,
//! the entry loaded with a Subresource Integrity hash so the page needs no inline script.

use std::sync::OnceLock;

use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The client's modules: name under the asset folder, and source. They are read through
/// `packaged/client/`, links to `runtime/client/` and `generated/js/protocol.js`, so that
/// `cargo package` ships them inside the crate.
const FILES: &[(&str, &str)] = &[
    ("zero-live.js", include_str!("../packaged/client/zero-live.js")),
    ("tree.js", include_str!("../packaged/client/tree.js")),
    ("protocol.js", include_str!("../packaged/client/protocol.js")),
    ("uploads.js", include_str!("../packaged/client/uploads.js")),
    ("vendor/morphdom.js", include_str!("../packaged/client/vendor/morphdom.js")),
];

/// Where the client is served and how the page loads it.
#[derive(Debug)]
pub struct ClientAssets {
    /// The folder, e.g. `/assets/zl-1a2b3c4d5e6f7a8b`.
    pub dir: String,
    /// `sha256-...` of the entry module.
    pub integrity: String,
}

impl ClientAssets {
    /// The client, hashed once per process.
    pub fn get() -> &'static ClientAssets {
        static ASSETS: OnceLock<ClientAssets> = OnceLock::new();
        ASSETS.get_or_init(|| {
            let mut all = Sha256::new();
            for (name, body) in FILES {
                all.update(name.as_bytes());
                all.update([0]);
                all.update(body.as_bytes());
            }
            let hash: String = all.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect();
            let entry = Sha256::digest(FILES[0].1.as_bytes());
            ClientAssets {
                dir: format!("/assets/zl-{hash}"),
                integrity: format!(
                    "sha256-{}",
                    base64::engine::general_purpose::STANDARD.encode(entry)
                ),
            }
        })
    }

    /// The entry module's URL.
    pub fn entry(&self) -> String {
        format!("{}/{}", self.dir, FILES[0].0)
    }

    /// Every module: URL path and source.
    pub fn files(&self) -> impl Iterator<Item = (String, &'static str)> + '_ {
        FILES.iter().map(|(name, body)| (format!("{}/{name}", self.dir), *body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_are_content_addressed_with_an_integrity_hash() {
        let assets = ClientAssets::get();
        assert!(
            assets.dir.starts_with("/assets/zl-") && assets.dir.len() == "/assets/zl-".len() + 16
        );
        assert!(assets.entry().ends_with("/zero-live.js"));
        let entry = Sha256::digest(FILES[0].1.as_bytes());
        assert_eq!(
            assets.integrity,
            format!("sha256-{}", base64::engine::general_purpose::STANDARD.encode(entry))
        );
        let files: Vec<String> = assets.files().map(|(path, _)| path).collect();
        assert_eq!(files.len(), 5);
        // Imports are relative, so every module the entry imports is served beside it.
        for import in ["./tree.js", "./vendor/morphdom.js", "./protocol.js", "./uploads.js"] {
            assert!(FILES[0].1.contains(import), "{import}");
            let served = format!("{}/{}", assets.dir, import.trim_start_matches("./"));
            assert!(files.contains(&served), "{served}");
        }
    }
}
