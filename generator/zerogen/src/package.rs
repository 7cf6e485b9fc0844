//! `zerogen package NAME`: a live package, a crate of views, components, colocated styles and
//! migrations that apps add as a dependency and mount under a path of their own (`zerogen
//! mount`, [`crate::mount`]). It is written from `templates/package/`, like a new app, all or
//! nothing into a new folder.

use std::path::PathBuf;

use serde::Serialize;

use crate::render::Templates;
use crate::scaffold::{ScaffoldError, Source, title_of, validate_name};

/// What `zerogen package` was asked for.
#[derive(Debug, Clone)]
pub struct NewPackage {
    /// The package's name (its crate's): `kb`, `help-desk`.
    pub name: String,
    /// The folder to create (must not exist or be empty).
    pub dir: PathBuf,
    /// Where the framework comes from.
    pub source: Source,
    /// Its migrations' version, `YYYYMMDDHHMMSS`.
    pub version: String,
}

/// The package, as its templates see it.
#[derive(Debug, Clone, Serialize)]
struct Model {
    /// `help-desk`: the crate, and the path the docs mount it at.
    name: String,
    /// `help_desk`: the crate as Rust names it; its table and topic start with it.
    module: String,
    /// `Help Desk`.
    title: String,
    /// `help-desk`: its CSS classes' prefix.
    class: String,
    zero_live: String,
    zero_live_testing: String,
    zero_live_core: String,
    zero_db: String,
    zero_db_testing: String,
    zero_pubsub: String,
    zero_template: String,
}

/// The package's files, rendered and formatted: (path relative to the package, contents),
/// sorted.
pub fn files(package: &NewPackage) -> Result<Vec<(String, String)>, ScaffoldError> {
    validate_name(&package.name)?;
    let version = &package.version;
    if version.len() != 14 || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScaffoldError::Io(format!(
            "--timestamp `{version}` must be 14 digits, YYYYMMDDHHMMSS"
        )));
    }
    let source = &package.source;
    let model = Model {
        name: package.name.clone(),
        module: package.name.replace('-', "_"),
        title: title_of(&package.name),
        class: package.name.replace('_', "-"),
        zero_live: source.dependency("runtime/zero-live", &[]),
        zero_live_testing: source.dependency("runtime/zero-live", &["testing"]),
        zero_live_core: source.dependency("runtime/zero-live-core", &[]),
        zero_db: source.dependency("runtime/zero-db", &[]),
        zero_db_testing: source.dependency("runtime/zero-db", &["testing"]),
        zero_pubsub: source.dependency("runtime/zero-pubsub", &[]),
        zero_template: source.dependency("generator/zero-template", &[]),
    };
    let failed = |e: crate::render::RenderError| ScaffoldError::Io(e.to_string());
    let templates = Templates::of("package").map_err(failed)?;
    let mut out = Vec::new();
    for path in templates.paths() {
        let text = templates.render(path, &model).map_err(failed)?;
        // A migration's file name carries its version.
        let path = match path.rsplit_once('/') {
            Some((folder, file)) if folder.starts_with("migrations/") => {
                format!("{folder}/{version}_{file}")
            }
            _ => path.to_owned(),
        };
        out.push((path, text));
    }
    crate::render::format(&package.dir, &mut out).map_err(failed)?;
    out.sort();
    Ok(out)
}

/// Writes the package; returns the files written. Refuses a folder that has anything in it;
/// a failure leaves nothing behind.
pub fn write(package: &NewPackage) -> Result<Vec<String>, ScaffoldError> {
    let files = files(package)?;
    crate::scaffold::write_new(&package.dir, &package.source, files)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn package(name: &str, dir: &std::path::Path) -> NewPackage {
        NewPackage {
            name: name.to_owned(),
            dir: dir.to_owned(),
            source: Source::Version("0.1.0".to_owned()),
            version: "20260101000000".to_owned(),
        }
    }

    #[test]
    fn a_package_is_a_crate_with_views_components_styles_and_migrations() {
        let dir = tempfile::tempdir().unwrap();
        let files = files(&package("help-desk", &dir.path().join("help-desk"))).unwrap();
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        for path in [
            "Cargo.toml",
            "build.rs",
            "src/lib.rs",
            "src/entries.rs",
            "web/components/entry_card.html.0x0",
            "web/live/index.html.0x0",
            "migrations/sqlite/20260101000000_create_entries.sql",
            "migrations/postgres/20260101000000_create_entries.sql",
            "tests/entries.rs",
        ] {
            assert!(paths.contains(&path), "{path}: {paths:?}");
        }
        let file = |p: &str| files.iter().find(|(path, _)| path == p).unwrap().1.clone();
        let manifest: toml::Table = file("Cargo.toml").parse().unwrap();
        assert_eq!(manifest["package"]["name"].as_str(), Some("help-desk"));
        assert_eq!(manifest["package"]["metadata"]["zero-live"]["package"].as_bool(), Some(true));
        assert!(file("src/lib.rs").contains("format!(\"{at}/{{id}}\")"), "{}", file("src/lib.rs"));
        assert!(file("src/entries.rs").contains("FROM help_desk_entries"));
        assert!(
            file("migrations/sqlite/20260101000000_create_entries.sql")
                .contains("CREATE TABLE help_desk_entries")
        );
        assert!(file("web/live/index.html.0x0").contains(".help-desk-package {"));
        for (path, text) in &files {
            for key in ["{{name", "{{module", "{{title", "{{class", "{{zero", "{%"] {
                assert!(!text.contains(key), "{path}: {key} is not filled");
            }
        }
    }

    #[test]
    fn a_bad_name_or_version_writes_nothing_and_an_existing_folder_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let e = write(&package("Kb", &dir.path().join("kb"))).unwrap_err().to_string();
        assert!(e.contains("invalid name `Kb`: start with a lowercase letter"), "{e}");
        let mut bad = package("kb", &dir.path().join("kb"));
        bad.version = "2026".to_owned();
        assert!(write(&bad).unwrap_err().to_string().contains("must be 14 digits"));
        assert!(!dir.path().join("kb").exists(), "nothing was written");
        let taken = dir.path().join("taken");
        std::fs::create_dir_all(&taken).unwrap();
        std::fs::write(taken.join("notes.txt"), "mine").unwrap();
        let e = write(&package("taken", &taken)).unwrap_err();
        assert!(matches!(e, ScaffoldError::NotEmpty(_)), "{e}");
        assert_eq!(std::fs::read_to_string(taken.join("notes.txt")).unwrap(), "mine");
    }
}
