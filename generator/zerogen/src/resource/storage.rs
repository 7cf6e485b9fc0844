//! What an app's first upload field (`photo:upload`) adds besides the resource: the file store's
//! module (`web/storage.rs`, from `templates/resource/storage.rs.tmpl`) and its place in
//! `web/mod.rs`, the route that serves a local folder's signed links (`GET /files/*key`), and in
//! `Cargo.toml` zero-live's `storage` feature, `rand` for a local store's signing key and an
//! `s3` feature for a bucket.

use std::path::Path;

use super::{ResourceError, add_mod, io_error};

/// The file store's module, written with an app's first upload field.
pub(super) const STORAGE_MODULE: &str = "web/storage.rs";

/// The app's manifest.
const CARGO: &str = "Cargo.toml";

/// The web layer's module list.
const WEB_MOD: &str = "web/mod.rs";

/// The route of a local folder's signed links (`web::storage::PREFIX`), as rows of
/// `spec/routes.tsv`: read only, so in the `assets` pipeline (no cookie, no CSRF token).
pub(super) const ROUTE: &str = "method\tpath\tkind\ttarget\tpipeline\tscope\tname\tnav\n\
     GET\t/files/*key\thttp\tweb::storage::read\tassets\t/\t\t\n";

/// Files by path, with their text.
type Files = Vec<(String, String)>;

/// Whether the app at `root` has a file store (`web/storage.rs`).
pub(super) fn has_store(root: &Path) -> bool {
    root.join(STORAGE_MODULE).is_file()
}

/// The files to write and the edits to make so the app at `root` has a file store, with the
/// store's module already rendered (`module`); nothing when it has one. The route is the
/// caller's to add ([`ROUTE`]), with the resource's.
pub(super) fn additions(root: &Path, module: String) -> Result<(Files, Files), ResourceError> {
    if has_store(root) {
        return Ok((Vec::new(), Vec::new()));
    }
    let read = |path: &str| {
        let at = root.join(path);
        std::fs::read_to_string(&at).map_err(|e| io_error(&at, e))
    };
    let edits = vec![
        (WEB_MOD.to_owned(), add_mod(&read(WEB_MOD)?, "storage")),
        (CARGO.to_owned(), with_storage(&read(CARGO)?)?),
    ];
    Ok((vec![(STORAGE_MODULE.to_owned(), module)], edits))
}

/// `zero-live`'s dependency line with the `storage` feature added.
fn storage_feature(line: &str) -> Option<String> {
    let (name, spec) = line.split_once(" = ")?;
    let spec = spec.trim();
    let spec = if let Some(version) = spec.strip_prefix('"') {
        format!("{{ version = \"{version}, features = [\"storage\"] }}")
    } else if spec.contains("features = [") {
        spec.replacen("features = [", "features = [\"storage\", ", 1)
    } else {
        format!("{}, features = [\"storage\"] }}", spec.strip_suffix('}')?.trim_end())
    };
    Some(format!("{name} = {spec}"))
}

/// What `[features]` gains: a bucket for the store.
const S3_FEATURE: &str = "# Uploaded files in an S3-compatible bucket (web/storage.rs): `cargo build --features s3`,\n\
     # then STORAGE_BUCKET and the AWS_* variables name it.\n\
     s3 = [\"zero-live/s3\"]";

/// The app's `Cargo.toml` with what a file store needs (see the module's documentation).
fn with_storage(cargo: &str) -> Result<String, ResourceError> {
    let missing = |what: &str| {
        ResourceError::Invalid(format!(
            "{CARGO} has no {what}, which an upload field needs: add it by hand (see \
             docs/howto/uploads.md in 0x0 Live), then run this again; nothing was written"
        ))
    };
    let line = cargo
        .lines()
        .find(|l| l.starts_with("zero-live = "))
        .ok_or_else(|| missing("`zero-live = ...` dependency"))?;
    let mut out = cargo.to_owned();
    if !line.contains("\"storage\"") {
        let with = storage_feature(line)
            .ok_or_else(|| missing("`zero-live` dependency in a form it can read"))?;
        out = out.replacen(line, &with, 1);
    }
    if !out.lines().any(|l| l.starts_with("rand = ")) {
        let after = out
            .lines()
            .find(|l| l.starts_with("serde_json = "))
            .or_else(|| out.lines().find(|l| l.starts_with("zero-live = ")))
            .map(str::to_owned)
            .ok_or_else(|| missing("`zero-live = ...` dependency"))?;
        let rand =
            "# The signing key of a local file store's links (web/storage.rs).\nrand = \"0.9\"";
        out = out.replacen(&after, &format!("{after}\n{rand}"), 1);
    }
    if !out.lines().any(|l| l.starts_with("s3 = ")) {
        out = match out.find("\n[features]\n") {
            Some(at) => {
                let at = at + "\n[features]\n".len();
                format!("{}{S3_FEATURE}\n{}", &out[..at], &out[at..])
            }
            None => format!("{}\n[features]\n{S3_FEATURE}\n", out.trim_end()),
        };
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_dependency_gains_the_storage_feature_in_each_form() {
        let cases = [
            (
                r#"zero-live = "0.1.0""#,
                r#"zero-live = { version = "0.1.0", features = ["storage"] }"#,
            ),
            (
                r#"zero-live = { path = "/x/runtime/zero-live" }"#,
                r#"zero-live = { path = "/x/runtime/zero-live", features = ["storage"] }"#,
            ),
            (
                r#"zero-live = { version = "0.1", features = ["tls"] }"#,
                r#"zero-live = { version = "0.1", features = ["storage", "tls"] }"#,
            ),
        ];
        for (line, want) in cases {
            assert_eq!(storage_feature(line).as_deref(), Some(want), "{line}");
        }
        assert_eq!(storage_feature("zero-live = { path = \"x\""), None, "unreadable");
    }

    #[test]
    fn the_manifest_gains_rand_and_an_s3_feature_once() {
        let cargo = "[dependencies]\nzero-live = \"0.1\"\nserde_json = \"1\"\n\n[features]\ntls = [\"zero-live/tls\"]\n\n[dev-dependencies]\nzero-live = { version = \"0.1\", features = [\"testing\"] }\n";
        let once = with_storage(cargo).unwrap();
        assert!(once.contains("zero-live = { version = \"0.1\", features = [\"storage\"] }"));
        assert!(once.contains("serde_json = \"1\"\n# The signing key"), "{once}");
        assert!(once.contains("[features]\n# Uploaded files"), "{once}");
        // The dev-dependency keeps its own features (cargo unifies them).
        assert!(once.contains("zero-live = { version = \"0.1\", features = [\"testing\"] }"));
        assert_eq!(with_storage(&once).unwrap(), once, "a second run changes nothing");
        let bare = with_storage("[dependencies]\nzero-live = \"0.1\"\n").unwrap();
        assert!(bare.ends_with("[features]\n# Uploaded files in an S3-compatible bucket (web/storage.rs): `cargo build --features s3`,\n# then STORAGE_BUCKET and the AWS_* variables name it.\ns3 = [\"zero-live/s3\"]\n"), "{bare}");
        let err = with_storage("[dependencies]\nserde_json = \"1\"\n").unwrap_err();
        assert!(err.to_string().contains("no `zero-live = ...` dependency"), "{err}");
    }
}
