#![allow(clippy::unwrap_used)]
//! Golden tests of the generators: every case of `tests/golden/` runs `zerogen` with the
//! arguments of each line of `in/args`, in order, in an empty folder. With one line, the tree it
//! writes must be `out/`, file for file; with more, the first line makes the starting point (a
//! new app) and `out/` holds exactly the files the later lines wrote or changed. So a
//! generator's case shows what it gives a user, nothing else. `UPDATE_GOLDEN=1` rewrites `out/`
//! instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn golden_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/golden")
}

/// Every file under `dir`, relative, with its contents.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let relative = path.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
                files.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    files
}

fn zerogen(dir: &Path, line: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_zerogen"))
        .arg("-q")
        .args(line.split_whitespace())
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "zerogen {line}: {}", String::from_utf8_lossy(&output.stderr));
}

fn run_case(case: &Path) -> Vec<String> {
    let args = std::fs::read_to_string(case.join("in/args")).unwrap();
    let lines: Vec<&str> = args.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let work = tempfile::tempdir().unwrap();
    zerogen(work.path(), lines[0]);
    let start = if lines.len() > 1 { tree(work.path()) } else { BTreeMap::new() };
    for line in &lines[1..] {
        zerogen(work.path(), line);
    }
    let mut made = tree(work.path());
    made.retain(|path, text| start.get(path) != Some(text));
    let expected_dir = case.join("out");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&expected_dir);
        for (path, text) in &made {
            let target = expected_dir.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, text).unwrap();
        }
        return Vec::new();
    }
    let expected = tree(&expected_dir);
    let mut problems = Vec::new();
    for path in expected.keys().filter(|p| !made.contains_key(*p)) {
        problems.push(format!("{path}: expected, not written"));
    }
    for (path, text) in &made {
        match expected.get(path) {
            None => problems.push(format!("{path}: written, not expected")),
            Some(want) if want != text => {
                let diff = similar::TextDiff::from_lines(want.as_str(), text.as_str())
                    .unified_diff()
                    .header("expected", "written")
                    .to_string();
                problems.push(format!("{path} differs:\n{diff}"));
            }
            Some(_) => {}
        }
    }
    problems
}

#[test]
fn every_golden_case_writes_exactly_its_tree() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(golden_root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("in/args").is_file())
        .collect();
    cases.sort();
    assert!(!cases.is_empty());
    let mut problems = Vec::new();
    for case in &cases {
        for problem in run_case(case) {
            problems.push(format!("{}: {problem}", case.file_name().unwrap().to_string_lossy()));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n(run with UPDATE_GOLDEN=1 after an intended change)",
        problems.join("\n")
    );
}

#[test]
fn a_changed_tree_is_reported_file_by_file() {
    // The comparison itself: a copy of a case with one file edited and one removed fails.
    let case = golden_root().join("new-app-blog");
    let copy = tempfile::tempdir().unwrap();
    for (path, text) in tree(&case) {
        let target = copy.path().join(path);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
    }
    std::fs::write(copy.path().join("out/blog/README.md"), "edited\n").unwrap();
    std::fs::remove_file(copy.path().join("out/blog/src/tally.rs")).unwrap();
    std::fs::write(copy.path().join("out/extra.txt"), "x").unwrap();
    let problems = run_case(copy.path());
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems.iter().any(|p| p.starts_with("extra.txt: expected, not written")));
    assert!(problems.iter().any(|p| p.starts_with("blog/src/tally.rs: written, not expected")));
    assert!(problems.iter().any(|p| p.starts_with("blog/README.md differs:")));
}

#[test]
fn without_rustfmt_a_generator_writes_nothing_and_says_how_to_get_it() {
    let work = tempfile::tempdir().unwrap();
    zerogen(work.path(), "new app blog --zero-live-version 0.1.0");
    let before = tree(work.path());
    let output = Command::new(env!("CARGO_BIN_EXE_zerogen"))
        .args(["-q", "--root", "blog", "resource", "Post", "posts", "title:string"])
        .env("PATH", "")
        .current_dir(work.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("rustfmt could not be run"), "{stderr}");
    assert!(stderr.contains("rustup component add rustfmt"), "{stderr}");
    assert_eq!(tree(work.path()), before, "nothing written");
    // With rustfmt on the PATH, the same command writes the resource.
    zerogen(work.path(), "--root blog resource Post posts title:string");
    assert!(work.path().join("blog/src/posts.rs").is_file());
}
