#![allow(clippy::unwrap_used)]
//! End to end: `zerogen new app` into a temp folder, then the app builds without a warning,
//! passes its own tests and clippy, is fresh for `zerogen generate --check`, and its gate is
//! green. Cargo shares this workspace's target folder, so dependencies compile once.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"))
}

fn cargo(dir: &Path, args: &[&str]) -> Output {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap()
}

fn zerogen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zerogen")).args(args).current_dir(dir).output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The warnings cargo printed for the app's own crate (dependencies are not the app's).
fn app_warnings(output: &Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|l| {
            l.starts_with("warning") && !l.contains("generated") && !l.contains("(lib) generated")
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_new_app_builds_without_warnings_passes_its_tests_clippy_and_gate() {
    let tmp = tempfile::tempdir().unwrap();
    let made = zerogen(
        tmp.path(),
        &["new", "app", "shop", "--zero-live-path", workspace().to_str().unwrap()],
    );
    assert!(made.status.success(), "{}", text(&made));
    let app = tmp.path().join("shop");
    assert!(text(&made).contains("cargo run"), "next steps are printed");

    let build = cargo(&app, &["build", "--all-targets"]);
    assert!(build.status.success(), "{}", text(&build));
    assert_eq!(app_warnings(&build), Vec::<String>::new(), "{}", text(&build));

    let test = cargo(&app, &["test"]);
    assert!(test.status.success(), "{}", text(&test));
    assert!(text(&test).contains("5 passed"), "{}", text(&test));

    let clippy = cargo(&app, &["clippy", "--all-targets", "--", "-D", "warnings"]);
    assert!(clippy.status.success(), "{}", text(&clippy));

    let fresh = zerogen(&app, &["generate", "--check"]);
    assert!(fresh.status.success(), "{}", text(&fresh));
    let routes = zerogen(&app, &["routes", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&routes.stdout).unwrap();
    assert_eq!(json["routes"][0]["helper"], "home_path");

    let gate = cargo(
        &workspace(),
        &["run", "-q", "-p", "zerogate", "--", "check", "--root", app.to_str().unwrap()],
    );
    assert!(gate.status.success(), "{}", text(&gate));
    assert!(text(&gate).contains("0 findings"), "{}", text(&gate));

    // A route to a handler that does not exist fails the build at the generated line that
    // names the table row.
    let table = app.join("spec/routes.tsv");
    let edited =
        std::fs::read_to_string(&table).unwrap().replace("web::http::status", "web::http::gone");
    std::fs::write(&table, edited).unwrap();
    assert!(zerogen(&app, &["generate"]).status.success());
    let broken = cargo(&app, &["build"]);
    assert!(!broken.status.success());
    let message = text(&broken);
    assert!(message.contains("gone") && message.contains("web/routes.rs"), "{message}");
}

#[test]
fn new_app_refuses_bad_names_and_non_empty_folders_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = zerogen(tmp.path(), &["new", "app", "My App"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("invalid app name `My App`"), "{}", text(&bad));
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());
    std::fs::create_dir(tmp.path().join("taken")).unwrap();
    std::fs::write(tmp.path().join("taken/notes.txt"), "mine").unwrap();
    let taken = zerogen(tmp.path(), &["new", "app", "taken"]);
    assert_eq!(taken.status.code(), Some(2));
    assert!(text(&taken).contains("is not empty"), "{}", text(&taken));
    assert_eq!(std::fs::read_dir(tmp.path().join("taken")).unwrap().count(), 1);
    let nowhere = zerogen(tmp.path(), &["new", "app", "x", "--zero-live-path", "/nonexistent"]);
    assert_eq!(nowhere.status.code(), Some(2));
    assert!(text(&nowhere).contains("not a 0x0 Live checkout"), "{}", text(&nowhere));
    let routes = zerogen(tmp.path(), &["--root", tmp.path().to_str().unwrap(), "routes"]);
    assert_eq!(routes.status.code(), Some(2), "{}", text(&routes));
}
