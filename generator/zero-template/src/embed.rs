//! The build-script API for embedding a folder's text files in the binary: a generated app's
//! migrations (read by `zero_db::Migrations::embedded`), so that the binary needs no folder
//! beside it and no proc-macro (sqlx's `migrate!` builds a second copy of sqlx and SQLite for
//! the host; ADR 0020).
//!
//! In an app's `build.rs`:
//!
//! ```no_run
//! zero_template::embed::Embed::new("migrations/sqlite", "sql").write_for_cargo("migrations-sqlite")
//!     .expect("migrations embedded");
//! ```
//!
//! and where the files are needed:
//!
//! ```ignore
//! let files: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/zero-embed/migrations-sqlite.rs"));
//! ```
//!
//! The list holds `(file name, contents)` for each file of the folder (not its subfolders)
//! whose name ends in `.EXTENSION`, sorted by name.
//!
//! [`Embed::tree`] embeds every file of a folder and its subfolders as bytes instead: an app's
//! static assets (`web/assets`, served from memory by `zero_live::static_files`), listed as
//! `(relative/path, include_bytes!(...))` with `/` between folders, sorted; files and folders
//! whose names start with `.` are left out.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::build::BuildError;

/// A folder's files to embed.
#[derive(Debug, Clone)]
pub struct Embed {
    dir: PathBuf,
    /// `Some(extension)`: the folder's own text files of that extension; `None`: every file of
    /// the folder and its subfolders, as bytes.
    extension: Option<String>,
}

impl Embed {
    /// The files of `dir` whose names end in `.extension`, as text.
    pub fn new(dir: impl Into<PathBuf>, extension: &str) -> Embed {
        Embed { dir: dir.into(), extension: Some(extension.trim_start_matches('.').to_owned()) }
    }

    /// Every file of `dir` and its subfolders, as bytes (names starting with `.` left out).
    pub fn tree(dir: impl Into<PathBuf>) -> Embed {
        Embed { dir: dir.into(), extension: None }
    }

    /// The file names to embed (relative paths, `/` between folders), sorted. A folder that
    /// does not exist holds none; a name that is not UTF-8 is an error (it could not be
    /// written in the list).
    pub fn files(&self) -> Result<Vec<String>, BuildError> {
        let Some(extension) = &self.extension else {
            let mut names = Vec::new();
            self.walk(&self.dir, "", &mut names)?;
            names.sort();
            return Ok(names);
        };
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(BuildError::Io(format!("cannot read {}: {e}", self.dir.display())));
            }
        };
        let suffix = format!(".{extension}");
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry
                .map_err(|e| BuildError::Io(format!("cannot read {}: {e}", self.dir.display())))?;
            let is_file = entry.file_type().is_ok_and(|t| t.is_file() || t.is_symlink());
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Err(BuildError::Io(format!(
                    "{}: {} is not a UTF-8 file name",
                    self.dir.display(),
                    name.to_string_lossy()
                )));
            };
            if is_file && name.ends_with(&suffix) {
                names.push(name.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    /// Adds the files under `dir` (named `prefix` + their path) to `names`.
    fn walk(&self, dir: &Path, prefix: &str, names: &mut Vec<String>) -> Result<(), BuildError> {
        let cannot =
            |e: std::io::Error| BuildError::Io(format!("cannot read {}: {e}", dir.display()));
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && prefix.is_empty() => {
                return Ok(());
            }
            Err(e) => return Err(cannot(e)),
        };
        for entry in entries {
            let entry = entry.map_err(cannot)?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Err(BuildError::Io(format!(
                    "{}: {} is not a UTF-8 file name",
                    dir.display(),
                    name.to_string_lossy()
                )));
            };
            if name.starts_with('.') {
                continue;
            }
            let path = entry.path();
            let relative = format!("{prefix}{name}");
            if path.is_dir() {
                self.walk(&path, &format!("{relative}/"), names)?;
            } else if path.is_file() {
                names.push(relative);
            }
        }
        Ok(())
    }

    /// The Rust expression `&[(name, include_str!(path)), ...]` for the files
    /// (`include_bytes!` for a [`Embed::tree`]).
    pub fn source(&self) -> Result<String, BuildError> {
        self.source_of(&self.files()?)
    }

    /// The list's source for `files` (the folder read once by the caller).
    fn source_of(&self, files: &[String]) -> Result<String, BuildError> {
        let dir = std::fs::canonicalize(&self.dir).unwrap_or_else(|_| self.dir.clone());
        let (what, include) = match &self.extension {
            Some(extension) => (format!("*.{extension} files"), "include_str"),
            None => ("files".to_owned(), "include_bytes"),
        };
        let mut out = format!(
            "// The {what} of {}, embedded by zero_template::embed. Do not edit.\n&[\n",
            self.dir.display()
        );
        for name in files {
            let path = dir.join(name);
            let Some(path) = path.to_str() else {
                return Err(BuildError::Io(format!("{} is not a UTF-8 path", path.display())));
            };
            // Debug formatting writes a valid Rust string literal.
            // A tree's files are arrays of their own lengths: each is written as a slice.
            let cast = if self.extension.is_none() { " as &[u8]" } else { "" };
            let _ = writeln!(out, "    ({name:?}, {include}!({path:?}){cast}),");
        }
        out.push_str("]\n");
        Ok(out)
    }

    /// Writes the list to `$OUT_DIR/zero-embed/NAME.rs` (only when it changed) and prints the
    /// `cargo:rerun-if-changed` lines for the folder and each file.
    pub fn write_for_cargo(&self, name: &str) -> Result<PathBuf, BuildError> {
        let out = std::env::var_os("OUT_DIR").ok_or_else(|| {
            BuildError::Io("OUT_DIR is not set; call from build.rs or use write_to()".into())
        })?;
        let files = self.files()?;
        let written = self.write_list(Path::new(&out), name, &files)?;
        // Build scripts talk to cargo through stdout.
        #[allow(clippy::print_stdout)]
        {
            println!("cargo:rerun-if-changed={}", self.dir.display());
            for file in &files {
                println!("cargo:rerun-if-changed={}", self.dir.join(file).display());
            }
        }
        Ok(written)
    }

    /// Writes the list to `OUT/zero-embed/NAME.rs`, leaving the file untouched when it holds
    /// the same list (so nothing that includes it rebuilds).
    pub fn write_to(&self, out: &Path, name: &str) -> Result<PathBuf, BuildError> {
        self.write_list(out, name, &self.files()?)
    }

    fn write_list(&self, out: &Path, name: &str, files: &[String]) -> Result<PathBuf, BuildError> {
        if name.is_empty()
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(BuildError::Io(format!(
                "`{name}` cannot name an embedded list (letters, digits, - and _)"
            )));
        }
        let folder = out.join("zero-embed");
        std::fs::create_dir_all(&folder)
            .map_err(|e| BuildError::Io(format!("cannot create {}: {e}", folder.display())))?;
        let path = folder.join(format!("{name}.rs"));
        let source = self.source_of(files)?;
        if std::fs::read_to_string(&path).is_ok_and(|old| old == source) {
            return Ok(path);
        }
        std::fs::write(&path, source)
            .map_err(|e| BuildError::Io(format!("cannot write {}: {e}", path.display())))?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_holds_the_folders_files_of_the_extension_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("migrations");
        std::fs::create_dir(&folder).unwrap();
        std::fs::write(folder.join("20250102000000_b.sql"), "SELECT 2;").unwrap();
        std::fs::write(folder.join("20250101000000_a \"q\".sql"), "SELECT 1;").unwrap();
        std::fs::write(folder.join("README.md"), "not SQL").unwrap();
        std::fs::create_dir(folder.join("nested.sql")).unwrap();
        let embed = Embed::new(&folder, "sql");
        assert_eq!(embed.files().unwrap(), ["20250101000000_a \"q\".sql", "20250102000000_b.sql"]);
        let source = embed.source().unwrap();
        assert!(source.contains("(\"20250101000000_a \\\"q\\\".sql\", include_str!("), "{source}");
        assert!(!source.contains("README") && !source.contains("nested"), "{source}");

        let out = dir.path().join("out");
        let path = embed.write_to(&out, "migrations-sqlite").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), source);
        let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
        embed.write_to(&out, "migrations-sqlite").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), modified);
    }

    #[test]
    fn a_tree_holds_every_file_below_as_bytes_without_hidden_ones() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("assets");
        std::fs::create_dir_all(folder.join("img/icons")).unwrap();
        std::fs::create_dir_all(folder.join(".cache")).unwrap();
        std::fs::write(folder.join("app.css"), "a{}").unwrap();
        std::fs::write(folder.join("img/icons/logo.png"), [0x89, b'P', b'N', b'G']).unwrap();
        std::fs::write(folder.join(".DS_Store"), "junk").unwrap();
        std::fs::write(folder.join(".cache/x"), "junk").unwrap();
        let embed = Embed::tree(&folder);
        assert_eq!(embed.files().unwrap(), ["app.css", "img/icons/logo.png"]);
        let source = embed.source().unwrap();
        assert!(source.contains("(\"img/icons/logo.png\", include_bytes!("), "{source}");
        assert!(!source.contains("include_str") && !source.contains("junk"), "{source}");
        assert!(Embed::tree(dir.path().join("absent")).files().unwrap().is_empty());
    }

    #[test]
    fn a_missing_folder_embeds_nothing_and_a_bad_name_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let embed = Embed::new(dir.path().join("absent"), "sql");
        assert!(embed.files().unwrap().is_empty());
        assert_eq!(embed.source().unwrap().lines().last(), Some("]"));
        let err = embed.write_to(dir.path(), "../escape").unwrap_err();
        assert!(err.to_string().contains("cannot name an embedded list"), "{err}");
        assert!(!dir.path().join("zero-embed").exists());
    }
}
