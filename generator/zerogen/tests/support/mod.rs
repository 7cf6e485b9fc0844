//! What the end-to-end tests share.

use std::path::Path;

/// Removes the test binaries a `cargo test` ran (the paths its `Running ... (PATH)` lines
/// name, relative to `dir` when not absolute). The generated apps share the workspace's target
/// folder so that dependencies compile once, but each app's test binaries are its own: some
/// 80 MB each and two hundred in a CI run, more than a CI machine's disk holds. An app's hash
/// is unique to its folder, so no other test's binary is named here.
pub(crate) fn forget_test_binaries(dir: &Path, cargo_test_output: &str) {
    let ran = cargo_test_output
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("Running "))
        .filter_map(|rest| rest.strip_suffix(')')?.rsplit_once(" (").map(|(_, path)| path));
    for binary in ran {
        // Already gone (a second run of the same binaries) is fine.
        let _ = std::fs::remove_file(dir.join(binary));
    }
}
