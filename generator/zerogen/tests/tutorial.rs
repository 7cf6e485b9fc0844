//! The tutorial is tested: the steps of `docs/guide/tutorial.md` run, in order, from an empty
//! folder, with this build of `zerogen` on the `PATH` and the workspace's target folder shared
//! so dependencies compile once. A failing step is named by its line.

mod support;

use std::path::PathBuf;
use std::process::Command;

const PAGE: &str = "docs/guide/tutorial.md";

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn the_tutorial_runs_from_an_empty_folder() {
    let text = std::fs::read_to_string(workspace().join(PAGE)).expect("the tutorial");
    let steps = zerogen::tutorial::steps(&text).unwrap_or_else(|e| panic!("{PAGE}: {e}"));
    assert!(steps.len() >= 5, "the tutorial has its steps: {steps:?}");
    let script = zerogen::tutorial::script(PAGE, &steps);
    let tmp = tempfile::tempdir().expect("a folder");
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_zerogen"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("the binary's folder").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(tmp.path())
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        // Each test gets its own database; the tutorial's tests run on SQLite.
        .env_remove("TEST_DATABASE_URL")
        .env_remove("DATABASE_URL")
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stdout.lines().rfind(|l| l.starts_with("::step ")).unwrap_or("before any step");
    assert!(
        output.status.success(),
        "the tutorial failed at {last}\n--- stdout\n{stdout}\n--- stderr\n{stderr}"
    );
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("::step ")).count(),
        steps.len(),
        "every step ran"
    );
    // The tutorial's app is in a folder of the script's; its test binaries are named absolute.
    support::forget_test_binaries(tmp.path(), &stderr);
}
