//! Reading and editing an app made by `zerogen new app`, for the generators that add to it:
//! its tables edited by column name (`tsv`). Every edit is computed in memory first; the
//! generator writes all of it or nothing (`commit`).

pub mod commit;
pub mod features;
pub mod tsv;

use std::path::Path;

use crate::resource::{ResourceError, io_error, migration_files, version_of, write_all};

/// Lays `rows` (a header line, then rows) into the table `path` of text `table` by column
/// name (rows whose `key` values it has already are left out), as an edit of `edits` when that
/// changes the table. A table that cannot take them (no header, no key column) is refused,
/// naming it.
pub fn append_rows(
    edits: &mut Vec<(String, String)>,
    path: &str,
    table: &str,
    rows: &str,
    key: &[&str],
) -> Result<(), ResourceError> {
    let appended = tsv::append(table, rows, key)
        .map_err(|e| ResourceError::Invalid(format!("{path}: {e}; nothing was written")))?;
    if appended != table {
        edits.push((path.to_owned(), appended));
    }
    Ok(())
}

/// Refuses a folder that is not an app made by `zerogen new app`.
pub fn require_app(root: &Path) -> Result<(), ResourceError> {
    if crate::app::is_app(root) {
        return Ok(());
    }
    Err(ResourceError::Invalid(format!(
        "{} is not an app (no spec/routes.tsv); run this in an app made by `zerogen new app`",
        root.display()
    )))
}

/// The version of a migration a generator writes, and the app's migrations it would replace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationPlan {
    /// `requested`, or with `force` the version the generator's migration has already (a rerun
    /// rewrites it in place: a second one would create its tables twice).
    pub version: String,
    /// The app's migrations of the same name under any version (`migrations/BACKEND/FILE`).
    pub existing: Vec<String>,
}

/// Plans the migration named `*SUFFIX` (`_create_orgs.sql`) of the app at `root`: `requested`
/// must be 14 digits (`YYYYMMDDHHMMSS`), and the version may be no other migration's.
pub fn plan_migration(
    root: &Path,
    suffix: &str,
    requested: &str,
    force: bool,
) -> Result<MigrationPlan, ResourceError> {
    if requested.len() != 14 || !requested.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ResourceError::Invalid(format!(
            "--timestamp `{requested}` must be 14 digits, YYYYMMDDHHMMSS"
        )));
    }
    let migrations = migration_files(root);
    let existing: Vec<String> =
        migrations.iter().filter(|f| f.ends_with(suffix)).cloned().collect();
    let kept = existing.iter().find_map(|f| version_of(f)).filter(|_| force);
    let version = kept.unwrap_or(requested).to_owned();
    // Its down file (`_create_orgs.down.sql`) shares its version.
    let down = suffix.replace(".sql", ".down.sql");
    let own = |f: &str| f.ends_with(suffix) || f.ends_with(&down);
    if migrations.iter().any(|f| version_of(f) == Some(&version) && !own(f)) {
        return Err(ResourceError::Invalid(format!(
            "--timestamp `{version}` is the version of another migration of this app: pick a \
             later one (or leave it out for now)"
        )));
    }
    Ok(MigrationPlan { version, existing })
}

/// Writes a module a generator adds to `folder` of the app at `root` (a component, a layout):
/// its `files`, refused where they exist unless `force`; `folder/mod.rs` as `register` makes it
/// (an `Err` writes nothing); and the `ledger` rows (a header, then rows) in
/// `release/surface.tsv`. Returns every path written.
pub fn write_module(
    root: &Path,
    folder: &str,
    files: &[(String, String)],
    force: bool,
    register: impl FnOnce(&str) -> Result<String, String>,
    ledger: &str,
) -> Result<Vec<String>, ResourceError> {
    require_app(root)?;
    registers_folder(root, folder).map_err(ResourceError::Invalid)?;
    let existing: Vec<String> =
        files.iter().filter(|(p, _)| root.join(p).exists()).map(|(p, _)| p.clone()).collect();
    if !force && !existing.is_empty() {
        return Err(ResourceError::Exists(existing));
    }
    let read = |path: &str| {
        let full = root.join(path);
        std::fs::read_to_string(&full).map_err(|e| io_error(&full, e))
    };
    let nothing = |e: String| ResourceError::Invalid(format!("{e}; nothing was written"));
    let mut edits = Vec::new();
    let module = format!("{folder}/mod.rs");
    let code = read(&module)?;
    let registered = register(&code).map_err(nothing)?;
    if registered != code {
        edits.push((module, registered));
    }
    const LEDGER: &str = "release/surface.tsv";
    append_rows(&mut edits, LEDGER, &read(LEDGER)?, ledger, &["id"])?;
    write_all(root, files, &edits)
}

/// Refuses an app whose build script registers only `folder/mod.rs` for components (an app made
/// before a folder could be registered): the generated module beside it would not be seen.
pub fn registers_folder(root: &Path, folder: &str) -> Result<(), String> {
    let build = std::fs::read_to_string(root.join("build.rs")).unwrap_or_default();
    let old = format!(".rust_components(\"{folder}/mod.rs\"");
    if build.contains(&old) {
        return Err(format!(
            "build.rs registers only {folder}/mod.rs, so a module beside it would not be compiled \
             as a component: change `{old}` to `.rust_components(\"{folder}\"` (every file of the \
             folder), then run this again; nothing was written"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_migration_keeps_its_version_when_forced_and_never_takes_another_ones() {
        let root = tempfile::tempdir().unwrap();
        for backend in ["sqlite", "postgres"] {
            let dir = root.path().join("migrations").join(backend);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("20260101000000_create_posts.sql"), "").unwrap();
            std::fs::write(dir.join("20260101000001_create_orgs.sql"), "").unwrap();
            std::fs::write(dir.join("20260101000001_create_orgs.down.sql"), "").unwrap();
            std::fs::write(dir.join("20260101000000_create_posts.down.sql"), "").unwrap();
        }
        let plan = |requested: &str, force: bool| {
            plan_migration(root.path(), "_create_orgs.sql", requested, force)
        };
        // New: the version asked for; the files of the same name are listed either way.
        let fresh = plan_migration(root.path(), "_create_teams.sql", "20260101000002", false);
        assert_eq!(
            fresh.unwrap(),
            MigrationPlan { version: "20260101000002".into(), existing: vec![] }
        );
        let again = plan("20260101000005", false).unwrap();
        assert_eq!(again.version, "20260101000005");
        assert_eq!(again.existing.len(), 2, "{again:?}");
        // Forced, it keeps its own version (its down file shares it): a second migration would
        // create the tables twice.
        assert_eq!(plan("20260101000005", true).unwrap().version, "20260101000001");
        // Another migration's version, or one that is not 14 digits, is refused.
        let taken = plan("20260101000000", false).unwrap_err().to_string();
        assert!(taken.contains("is the version of another migration"), "{taken}");
        for bad in ["2026", "2026010100000x", "202601010000000"] {
            assert!(plan(bad, false).unwrap_err().to_string().contains("must be 14 digits"));
        }
    }

    #[test]
    fn a_build_script_that_registers_only_mod_rs_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let build = root.path().join("build.rs");
        std::fs::write(&build, "Build::new(\"web\").rust_components(\"web/layouts\", \"m\")")
            .unwrap();
        assert!(registers_folder(root.path(), "web/layouts").is_ok());
        std::fs::write(&build, "x.rust_components(\"web/layouts/mod.rs\", \"m\")").unwrap();
        let e = registers_folder(root.path(), "web/layouts").unwrap_err();
        assert!(e.contains("nothing was written") && e.contains("\"web/layouts\""), "{e}");
    }
}
