//! Reading and editing an app made by `zerogen new app`, for the generators that add to it:
//! its tables edited by column name (`tsv`). Every edit is computed in memory first; the
//! generator writes all of it or nothing (`commit`).

pub mod commit;
pub mod features;
pub mod tsv;

use std::path::Path;

use crate::resource::{ResourceError, io_error, write_all};

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
    let table = read(LEDGER)?;
    let added =
        tsv::append(&table, ledger, &["id"]).map_err(|e| nothing(format!("{LEDGER}: {e}")))?;
    if added != table {
        edits.push((LEDGER.to_owned(), added));
    }
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
