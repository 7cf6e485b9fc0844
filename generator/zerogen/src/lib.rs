//! `zerogen`: reads the spec tables and emits code, schemas and reference docs.
//!
//! The binary is argument parsing over this library: [`generate::emit_all`] computes every
//! output in memory, [`generate::write`] writes them and [`generate::check`] compares them with
//! the files on disk (what `zerogen generate --check` and `zerogate check` run).

pub mod app;
pub mod apptree;
pub mod auth;
pub mod component;
pub mod emit;
pub mod generate;
pub mod layout;
pub mod mount;
pub mod organizations;
pub mod package;
pub mod release;
pub mod render;
pub mod resource;
pub mod scaffold;
pub mod scopes;
pub mod site;
pub mod templates;
pub mod term;
pub mod tutorial;

use std::path::{Path, PathBuf};

/// Finds the project root: the nearest ancestor of `start` holding both `Cargo.toml` and
/// `spec/`, or a live package's crate (`zerogen package`).
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|dir| {
            dir.join("Cargo.toml").is_file()
                && (dir.join("spec").is_dir() || mount::package_name(dir).is_ok())
        })
        .map(Path::to_path_buf)
}

/// The UTC date and time of the system clock: year, month, day, hour, minute, second.
pub fn utc_now() -> (i64, i64, i64, u64, u64, u64) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = i64::try_from(days).unwrap_or(0) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rest / 3_600, rest % 3_600 / 60, rest % 60)
}
