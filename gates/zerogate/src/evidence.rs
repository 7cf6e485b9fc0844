//! Evidence integrity: the hash of the sources a measurement depended on, and the digest that
//! ties a row's values to that hash.

use std::path::Path;

use sha2::{Digest, Sha256};
use zero_spec::tables::EvidenceRow;

/// Fewer independent runs than this and a figure is one sample, not evidence.
pub const MIN_RUNS: u32 = 5;

/// A budget missed in this many runs is missed, whatever the median says.
pub const MAX_MISSES: u32 = 2;

/// SHA-256 over every column of `row` but `recorded` and `digest`, `hash` included, as
/// `zero-bench --record` writes them: numbers in Rust's shortest round-trip form, so a value
/// parsed back from the file gives the same digest, and any edited value gives another.
pub fn digest(row: &EvidenceRow) -> String {
    let text = [
        row.id.clone(),
        row.suite.clone(),
        row.case.clone(),
        row.subject.clone(),
        row.metric.clone(),
        row.value.to_string(),
        row.min.to_string(),
        row.max.to_string(),
        row.runs.to_string(),
        row.misses.to_string(),
        row.unit.as_str().to_owned(),
        row.budget.clone().unwrap_or_default(),
        row.sources.items().join(","),
        row.hash.clone(),
    ]
    .join("\t");
    hex(&Sha256::digest(text.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `file` (repository-relative) is one of `sources` or lies under one of them.
pub fn covers(sources: &[String], file: &str) -> bool {
    sources.iter().any(|s| {
        let s = s.trim_end_matches('/');
        file == s || file.strip_prefix(s).is_some_and(|rest| rest.starts_with('/'))
    })
}

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
    Ok(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row() -> EvidenceRow {
        EvidenceRow {
            id: "s.c.m".into(),
            suite: "s".into(),
            case: "c".into(),
            subject: "x".into(),
            metric: "m".into(),
            value: 1.5,
            min: 1.25,
            max: 2.0,
            runs: 5,
            misses: 0,
            unit: zero_spec::tables::Unit::Ms,
            budget: Some("b.m".into()),
            sources: zero_spec::tables::CommaList(vec!["src".into()]),
            hash: "0".repeat(64),
            digest: String::new(),
            recorded: "now".into(),
        }
    }

    #[test]
    fn the_digest_covers_every_value_but_the_note() {
        let base = digest(&row());
        assert_eq!(base.len(), 64);
        let mut edited = row();
        edited.recorded = "another note".into();
        assert_eq!(digest(&edited), base, "the free-text note is not covered");
        let edits: [fn(&mut EvidenceRow); 7] = [
            |r| r.value = 1.4,
            |r| r.min = 1.0,
            |r| r.max = 2.5,
            |r| r.runs = 9,
            |r| r.misses = 1,
            |r| r.budget = None,
            |r| r.hash = "1".repeat(64),
        ];
        for edit in edits {
            let mut edited = row();
            edit(&mut edited);
            assert_ne!(digest(&edited), base);
        }
    }

    #[test]
    fn coverage_is_by_file_or_folder() {
        let sources = vec!["bench/src/main.rs".to_owned(), "runtime/zero-live/src/".to_owned()];
        assert!(covers(&sources, "bench/src/main.rs"));
        assert!(covers(&sources, "runtime/zero-live/src/server.rs"));
        assert!(!covers(&sources, "bench/src/live.rs"));
        assert!(!covers(&sources, "runtime/zero-live/srcx/a.rs"), "a prefix is not a folder");
    }

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
