//! `zerogen`: reads the spec tables and emits code, schemas and reference docs.
//!
//! The binary is argument parsing over this library: [`generate::emit_all`] computes every
//! output in memory, [`generate::write`] writes them and [`generate::check`] compares them with
//! the files on disk (what `zerogen generate --check` and `zerogate check` run).

pub mod app;
pub mod emit;
pub mod generate;
pub mod scaffold;
pub mod site;
pub mod templates;
pub mod term;

use std::path::{Path, PathBuf};

/// Finds the project root: the nearest ancestor of `start` holding both `Cargo.toml` and
/// `spec/`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| dir.join("Cargo.toml").is_file() && dir.join("spec").is_dir())
        .map(Path::to_path_buf)
}
