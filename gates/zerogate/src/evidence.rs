//! Evidence freshness: the hash of the sources a measurement depended on.

use std::path::Path;

use sha2::{Digest, Sha256};

/// SHA-256 over every file under `sources` (files or folders, relative to `root`): each file's
/// repository-relative path and contents, in path order. `target/` folders are skipped.
///
/// Fails with a message naming the first source that does not exist or cannot be read.
pub fn source_hash(root: &Path, sources: &[String]) -> Result<String, String> {
    let mut files: Vec<String> = Vec::new();
    for source in sources {
        let path = root.join(source);
        if path.is_file() {
            files.push(source.trim_end_matches('/').to_owned());
        } else if path.is_dir() {
            let walk = walkdir::WalkDir::new(&path)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.file_name() != "target" && e.file_name() != ".git");
            for entry in walk {
                let entry = entry.map_err(|e| format!("cannot walk {source}: {e}"))?;
                if entry.file_type().is_file() {
                    let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
                    files.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        } else {
            return Err(format!("source `{source}` does not exist"));
        }
    }
    files.sort();
    files.dedup();
    let mut hasher = Sha256::new();
    for file in &files {
        let bytes =
            std::fs::read(root.join(file)).map_err(|e| format!("cannot read {file}: {e}"))?;
        hasher.update(file.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_changes_with_content_and_names_missing_sources() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/target")).unwrap();
        std::fs::write(dir.path().join("src/a.rs"), "fn a() {}").unwrap();
        std::fs::write(dir.path().join("src/target/ignored"), "x").unwrap();
        let sources = vec!["src".to_owned()];
        let first = source_hash(dir.path(), &sources).unwrap();
        assert_eq!(first.len(), 64);
        assert_eq!(first, source_hash(dir.path(), &sources).unwrap(), "deterministic");
        std::fs::write(dir.path().join("src/target/ignored"), "y").unwrap();
        assert_eq!(first, source_hash(dir.path(), &sources).unwrap(), "target/ is skipped");
        std::fs::write(dir.path().join("src/a.rs"), "fn a() { }").unwrap();
        assert_ne!(first, source_hash(dir.path(), &sources).unwrap());
        let err = source_hash(dir.path(), &["gone".to_owned()]).unwrap_err();
        assert!(err.contains("`gone` does not exist"), "{err}");
    }
}
