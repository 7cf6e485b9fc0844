//! Writing a generator's plan into an app all or nothing. Every file is first written beside its
//! place (`NAME.zerogen-new`, in the same folder, so the move is a rename on one file system);
//! only when all of them are there does each replace its file. A failure while staging removes
//! what was staged; a failure while replacing puts back what was replaced (the old contents, or
//! no file) and removes the rest. Either way the app is as it was, and the error says so.

use std::path::{Path, PathBuf};

use crate::resource::ResourceError;

/// The suffix of a staged file.
const STAGED: &str = "zerogen-new";

/// One file of the plan, staged.
struct Staged {
    path: String,
    full: PathBuf,
    temp: PathBuf,
    /// The file's contents before, `None` when it did not exist.
    before: Option<Vec<u8>>,
}

/// Writes `files` (app-relative path, contents) under `root`, all or nothing; returns their
/// paths.
pub fn commit(root: &Path, files: &[(String, String)]) -> Result<Vec<String>, ResourceError> {
    commit_with(root, files, |from, to| std::fs::rename(from, to))
}

/// [`commit`] with the move that replaces each file (a test makes one fail).
fn commit_with(
    root: &Path,
    files: &[(String, String)],
    rename: impl Fn(&Path, &Path) -> std::io::Result<()>,
) -> Result<Vec<String>, ResourceError> {
    let mut created: Vec<PathBuf> = Vec::new();
    let mut staged: Vec<Staged> = Vec::new();
    for (path, text) in files {
        match stage(root, path, text, &mut created) {
            Ok(one) => staged.push(one),
            Err(e) => {
                for s in &staged {
                    let _ = std::fs::remove_file(&s.temp);
                }
                remove_created(&created);
                return Err(ResourceError::Io(format!("{e}; nothing was written")));
            }
        }
    }
    for (i, s) in staged.iter().enumerate() {
        if let Err(e) = rename(&s.temp, &s.full) {
            let why = format!("{}: {e}", s.full.display());
            let restored = roll_back(&staged[..i]);
            for rest in &staged[i..] {
                let _ = std::fs::remove_file(&rest.temp);
            }
            remove_created(&created);
            return Err(ResourceError::Io(match restored {
                Ok(()) => format!("{why}; the files written before it were put back as they were"),
                Err(lost) => format!("{why}; and putting back {lost} failed: check it by hand"),
            }));
        }
    }
    Ok(staged.into_iter().map(|s| s.path).collect())
}

fn stage(
    root: &Path,
    path: &str,
    text: &str,
    created: &mut Vec<PathBuf>,
) -> Result<Staged, String> {
    let full = root.join(path);
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    if let Some(parent) = full.parent() {
        // The folders made for the plan, outermost first, so a failure can remove them.
        let mut missing: Vec<PathBuf> =
            parent.ancestors().take_while(|a| !a.exists()).map(Path::to_path_buf).collect();
        missing.reverse();
        std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        created.extend(missing);
    }
    let before = match std::fs::read(&full) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io(&full, e)),
    };
    let mut temp = full.clone().into_os_string();
    temp.push(format!(".{STAGED}"));
    let temp = PathBuf::from(temp);
    std::fs::write(&temp, text).map_err(|e| io(&temp, e))?;
    Ok(Staged { path: path.to_owned(), full, temp, before })
}

/// Puts back the files of `done` as they were; the first path that could not be, if any.
fn roll_back(done: &[Staged]) -> Result<(), String> {
    let mut lost = None;
    for s in done.iter().rev() {
        let back = match &s.before {
            Some(bytes) => std::fs::write(&s.full, bytes),
            None => std::fs::remove_file(&s.full),
        };
        if back.is_err() && lost.is_none() {
            lost = Some(s.full.display().to_string());
        }
    }
    lost.map_or(Ok(()), Err)
}

/// Removes the folders the plan made (innermost first; only empty ones go).
fn remove_created(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        let _ = std::fs::remove_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tree(root: &Path) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for entry in walk(root) {
            let rel = entry.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&entry).unwrap_or_else(|_| "<dir>".to_owned());
            out.push((rel, text));
        }
        out.sort();
        out
    }

    fn walk(dir: &Path) -> Vec<PathBuf> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            all.push(path.clone());
            if path.is_dir() {
                all.extend(walk(&path));
            }
        }
        all
    }

    fn plan(files: &[(&str, &str)]) -> Vec<(String, String)> {
        files.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect()
    }

    #[test]
    fn a_plan_is_written_whole_and_edits_replace_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lib.rs"), "old").unwrap();
        let written =
            commit(dir.path(), &plan(&[("lib.rs", "new"), ("src/deep/a.rs", "a")])).unwrap();
        assert_eq!(written, ["lib.rs", "src/deep/a.rs"]);
        assert_eq!(std::fs::read_to_string(dir.path().join("lib.rs")).unwrap(), "new");
        assert_eq!(std::fs::read_to_string(dir.path().join("src/deep/a.rs")).unwrap(), "a");
        assert!(!tree(dir.path()).iter().any(|(p, _)| p.ends_with(STAGED)), "no staged file left");
    }

    #[test]
    fn a_failure_while_staging_or_replacing_leaves_the_app_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("lib.rs"), "old").unwrap();
        std::fs::write(root.join("blocker"), "a file, not a folder").unwrap();
        let before = tree(root);
        // Staging fails: a folder cannot be made where a file is.
        let staged = plan(&[("lib.rs", "new"), ("web/new/a.rs", "a"), ("blocker/b.rs", "b")]);
        let e = commit(root, &staged).unwrap_err().to_string();
        assert!(e.contains("blocker") && e.ends_with("nothing was written"), "{e}");
        assert_eq!(tree(root), before, "staged files and made folders are gone");
        // A folder where a file goes is refused while staging too.
        std::fs::create_dir_all(root.join("taken/inside")).unwrap();
        let before = tree(root);
        let e = commit(root, &plan(&[("lib.rs", "new"), ("taken", "t")])).unwrap_err();
        assert!(e.to_string().ends_with("nothing was written"), "{e}");
        assert_eq!(tree(root), before);
        // Replacing fails on the third file (the disk filled up, say): the edited file gets its
        // old contents back, and the new file and folder are removed.
        let replaced = plan(&[("lib.rs", "new"), ("src/new.rs", "n"), ("web/last.rs", "l")]);
        let e = commit_with(root, &replaced, |from, to| {
            if to.ends_with("last.rs") {
                Err(std::io::Error::other("no space left on device"))
            } else {
                std::fs::rename(from, to)
            }
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("last.rs: no space left") && e.contains("put back as they were"), "{e}");
        assert_eq!(tree(root), before);
    }
}
