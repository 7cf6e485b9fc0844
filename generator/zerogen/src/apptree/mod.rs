//! Reading and editing an app made by `zerogen new app`, for the generators that add to it:
//! its tables edited by column name (`tsv`). Every edit is computed in memory first; the
//! generator writes all of it or nothing.

pub mod tsv;

use std::path::Path;

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
