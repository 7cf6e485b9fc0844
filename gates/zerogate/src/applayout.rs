//! App discovery: an app's files where its layout says (docs/reference/app.md#layout). Templates
//! live under `web/`; tests and fixtures under `tests/`, never under `web/`; the domain in `src/`
//! imports no web crate. Each misplaced file is a finding at the file (or the offending line).

use std::path::Path;

use zero_diag::{Diagnostic, Location, codes, to_u32};

/// Crates the domain (`src/`) must not use: the web layer's.
const WEB_CRATES: &[&str] =
    &["zero_live", "zero_live_core", "axum", "tower", "tower_http", "hyper"];

/// Folders never looked into.
const SKIPPED: &[&str] = &["target", ".git", "node_modules"];

/// Every misplaced file of the app at `root`.
pub fn check(root: &Path) -> Vec<Diagnostic> {
    let mut findings = Vec::new();
    let walker = walkdir::WalkDir::new(root).sort_by_file_name().into_iter().filter_entry(|e| {
        !(e.file_type().is_dir() && SKIPPED.contains(&e.file_name().to_string_lossy().as_ref()))
    });
    for entry in walker.flatten() {
        if !entry.file_type().is_file() {
            continue;
        }
        let Ok(relative) = entry.path().strip_prefix(root) else { continue };
        let path = relative.to_string_lossy().replace('\\', "/");
        let name = entry.file_name().to_string_lossy();
        let misplaced = |what: &str| {
            Diagnostic::error(codes::APP_LAYOUT, Location::file(path.clone()), what.to_owned())
        };
        if name.ends_with(".html.0x0") && !path.starts_with("web/") {
            findings.push(misplaced("a template outside `web/`: the build compiles only `web/`"));
        }
        if path.starts_with("web/") {
            let fixture = path.split('/').any(|part| matches!(part, "fixtures" | "testdata"))
                || name.ends_with("_test.rs")
                || name.ends_with(".snap");
            if fixture {
                findings
                    .push(misplaced("a test or fixture under `web/`: it would ship with the app"));
            }
        }
        let domain = path.starts_with("src/") && path != "src/lib.rs" && path != "src/main.rs";
        if domain && name.ends_with(".rs") {
            let Ok(text) = std::fs::read_to_string(entry.path()) else { continue };
            findings.extend(web_imports(&path, &text));
        }
    }
    findings
}

/// The lines of domain file `path` that use a web crate.
fn web_imports(path: &str, text: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for krate in WEB_CRATES {
            let hit = code.match_indices(krate).find(|(at, _)| {
                let before = code[..*at].chars().next_back();
                let after = code[at + krate.len()..].chars().next();
                !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    && matches!(after, Some(':' | ';' | ' ' | '{'))
            });
            if let Some((at, _)) = hit {
                let location = Location {
                    file: path.to_owned(),
                    line: to_u32(i + 1),
                    column: to_u32(code[..at].chars().count() + 1),
                    len: to_u32(krate.len()),
                };
                found.push(Diagnostic::error(
                    codes::APP_LAYOUT,
                    location,
                    format!("the domain uses the web crate `{krate}`: keep web code under `web/`"),
                ));
                break;
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    }

    #[test]
    fn a_well_laid_out_app_has_no_findings() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "web/live/home.html.0x0", "<p>hi</p>");
        write(root, "web/live/home.rs", "use zero_live::LiveView;");
        write(root, "src/lib.rs", "#[path = \"../web/mod.rs\"] pub mod web;");
        write(
            root,
            "src/tally.rs",
            "// Not axum::Router, a comment.\npub struct Tally;\nlet axum_like = 1;",
        );
        write(root, "tests/fixtures/page.html", "<p></p>");
        write(root, "target/debug/x.html.0x0", "ignored");
        assert!(check(root).is_empty(), "{:#?}", check(root));
    }

    #[test]
    fn misplaced_templates_fixtures_and_domain_imports_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "templates/home.html.0x0", "<p>hi</p>");
        write(root, "web/live/fixtures/data.json", "{}");
        write(root, "web/live/home_test.rs", "");
        write(
            root,
            "src/orders.rs",
            "pub struct Order;\n    use axum::Router;\nfn f() -> zero_live::Live {}\n",
        );
        let found: Vec<(String, u32, u32)> = check(root)
            .iter()
            .map(|d| (d.location.file.clone(), d.location.line, d.location.column))
            .collect();
        assert_eq!(
            found,
            vec![
                ("src/orders.rs".to_owned(), 2, 9),
                ("src/orders.rs".to_owned(), 3, 11),
                ("templates/home.html.0x0".to_owned(), 0, 0),
                ("web/live/fixtures/data.json".to_owned(), 0, 0),
                ("web/live/home_test.rs".to_owned(), 0, 0),
            ]
        );
        assert!(check(root).iter().all(|d| d.code == codes::APP_LAYOUT));
    }
}
