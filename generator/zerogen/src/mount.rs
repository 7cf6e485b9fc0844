//! `zerogen mount PATH`: mounts the live package at `PATH` (a crate `zerogen package` made) in
//! the app. It adds the package as a path dependency of the app's `Cargo.toml`, a `mount` row to
//! `spec/routes.tsv` (from which `web/routes.rs` is generated again: the package's views under
//! the path, its migrations with the app's), a test, a docs page and a ledger row, from
//! `templates/mount/`. Everything is planned first; nothing is written on any problem.

use std::path::{Component, Path, PathBuf};

use serde::Serialize;
use zero_spec::tables::RouteKind;

use crate::apptree::append_rows;
use crate::render::Templates;
use crate::resource::{ResourceError, io_error, migration_files, version_of, write_all};

/// What `zerogen mount` was asked for.
#[derive(Debug, Clone)]
pub struct Mount {
    /// The package's folder.
    pub package: PathBuf,
    /// The path to mount it under (default: `/` and its name).
    pub at: Option<String>,
    /// The pipeline its pages pass through.
    pub pipeline: String,
    /// The main navigation's link text (default: its title; empty for no link).
    pub nav: Option<String>,
    /// Overwrite the test and docs page when they exist.
    pub force: bool,
}

/// The mount, as its templates see it.
#[derive(Debug, Clone, Serialize)]
struct Model {
    /// The app's crate as Rust names it.
    app: String,
    /// `help-desk`: the package's crate.
    name: String,
    /// `help_desk`.
    module: String,
    /// `Help Desk`.
    title: String,
    /// `help-desk`: its CSS classes' prefix.
    class: String,
    /// `/help-desk`.
    at: String,
    pipeline: String,
    /// The navigation's text, empty for none.
    nav: String,
    /// The package's folder relative to the app: `../help-desk`.
    path: String,
    /// The docs page's heading anchor.
    anchor: String,
}

/// The name of the live package whose folder is `dir`, from its `Cargo.toml`; a crate that is
/// not a live package is refused.
pub fn package_name(dir: &Path) -> Result<String, ResourceError> {
    let path = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| io_error(&path, e))?;
    let manifest: toml::Table =
        text.parse().map_err(|e| ResourceError::Invalid(format!("{}: {e}", path.display())))?;
    let package = manifest.get("package");
    let name = package.and_then(|p| p.get("name")).and_then(toml::Value::as_str);
    let live = package
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("zero-live"))
        .and_then(|z| z.get("package"))
        .and_then(toml::Value::as_bool);
    match (name, live) {
        (Some(name), Some(true)) => Ok(name.to_owned()),
        _ => Err(ResourceError::Invalid(format!(
            "{} is not a live package (no `[package.metadata.zero-live] package = true`); make \
             one with `zerogen package NAME`",
            path.display()
        ))),
    }
}

/// The folders of the live packages the app at `root` depends on by path (its mounts).
pub fn mounted_packages(root: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let Ok(manifest) = text.parse::<toml::Table>() else { return Vec::new() };
    let Some(deps) = manifest.get("dependencies").and_then(toml::Value::as_table) else {
        return Vec::new();
    };
    deps.values()
        .filter_map(|d| d.get("path").and_then(toml::Value::as_str))
        .map(|path| root.join(path))
        .filter(|dir| package_name(dir).is_ok())
        .collect()
}

/// A migration of the app at `root` and one of the package at `package` with one version,
/// if there are.
fn shared_version(root: &Path, package: &Path) -> Option<(String, String)> {
    let app = migration_files(root);
    migration_files(package).into_iter().find_map(|theirs| {
        let version = version_of(&theirs)?;
        let ours = app.iter().find(|f| version_of(f) == Some(version))?;
        Some((ours.clone(), theirs.clone()))
    })
}

/// `to` relative to `from` (both absolute), with `/` between parts.
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<Component<'_>> = from.components().collect();
    let to: Vec<Component<'_>> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); from.len() - common];
    parts.extend(to[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    if parts.is_empty() { ".".to_owned() } else { parts.join("/") }
}

/// The app's `Cargo.toml` with the package as a path dependency, first of its
/// `[dependencies]`; `None` when it depends on a crate of that name already.
fn with_dependency(manifest: &str, name: &str, path: &str) -> Result<Option<String>, String> {
    let table: toml::Table = manifest.parse().map_err(|e| format!("Cargo.toml: {e}"))?;
    let deps = table.get("dependencies").and_then(toml::Value::as_table);
    if deps.is_some_and(|d| d.contains_key(name)) {
        return Ok(None);
    }
    let Some(at) = manifest.find("\n[dependencies]\n") else {
        return Err("Cargo.toml has no `[dependencies]` table".to_owned());
    };
    let at = at + "\n[dependencies]\n".len();
    let line = format!("{name} = {{ path = {path:?} }}\n");
    Ok(Some(format!("{}{line}{}", &manifest[..at], &manifest[at..])))
}

/// Mounts the package in the app at `root`; returns the files written and edited.
pub fn write(root: &Path, mount: &Mount) -> Result<Vec<String>, ResourceError> {
    crate::apptree::require_app(root)?;
    let name = package_name(&mount.package)?;
    let app = crate::app::crate_module(root).map_err(ResourceError::Invalid)?;
    let module = name.replace('-', "_");
    if module == app {
        return Err(ResourceError::Invalid(format!(
            "the package `{name}` has the app's own name; a crate cannot depend on itself"
        )));
    }
    // One history holds the app's migrations and the package's: a version both have would
    // stop the app at start.
    if let Some((ours, theirs)) = shared_version(root, &mount.package) {
        return Err(ResourceError::Invalid(format!(
            "the package's {theirs} has the version of the app's {ours}, and one database \
             history holds both: rename the package's file to another version (or make the \
             package again with --timestamp); nothing was written"
        )));
    }
    let absolute = |p: &Path| p.canonicalize().map_err(|e| io_error(p, e));
    let path = relative(&absolute(root)?, &absolute(&mount.package)?);
    let title = crate::scaffold::title_of(&name);
    let at = mount.at.clone().unwrap_or_else(|| format!("/{name}"));
    let nav = mount.nav.clone().unwrap_or_else(|| title.clone());
    let model = Model {
        app,
        anchor: title.to_lowercase().replace(' ', "-"),
        class: name.replace('_', "-"),
        module: module.clone(),
        name: name.clone(),
        title,
        at: at.clone(),
        pipeline: mount.pipeline.clone(),
        nav: nav.clone(),
        path: path.clone(),
    };
    let failed = |e: crate::render::RenderError| ResourceError::Invalid(e.to_string());
    let templates = Templates::of("mount").map_err(failed)?;
    let files = vec![
        (
            format!("tests/{module}.rs"),
            templates.render("tests/package.rs", &model).map_err(failed)?,
        ),
        (
            format!("docs/packages/{module}.md"),
            templates.render("docs/package.md", &model).map_err(failed)?,
        ),
    ];
    let existing: Vec<String> =
        files.iter().filter(|(p, _)| root.join(p).exists()).map(|(p, _)| p.clone()).collect();
    if !mount.force && !existing.is_empty() {
        return Err(ResourceError::Exists(existing));
    }
    let read = |path: &str| {
        let full = root.join(path);
        std::fs::read_to_string(&full).map_err(|e| io_error(&full, e))
    };
    let nothing =
        |path: &str, e: String| ResourceError::Invalid(format!("{path}: {e}; nothing was written"));
    let mut edits = Vec::new();
    let manifest = read("Cargo.toml")?;
    if let Some(text) =
        with_dependency(&manifest, &name, &path).map_err(|e| nothing("Cargo.toml", e))?
    {
        edits.push(("Cargo.toml".to_owned(), text));
    }
    let routes = read(crate::app::ROUTES_TABLE)?;
    let current = crate::app::parse_routes(&routes).map_err(|_| {
        nothing(
            crate::app::ROUTES_TABLE,
            "fix the table first (`zerogen generate` names its problems)".to_owned(),
        )
    })?;
    if !current.rows.iter().any(|r| r.value.pipeline == mount.pipeline) {
        return Err(ResourceError::Invalid(format!(
            "--pipeline `{}` is none of the app's (web/pipelines.rs, the `pipeline` column of \
             spec/routes.tsv); nothing was written",
            mount.pipeline
        )));
    }
    // A route of that path that is not this mount would keep its row: the path is taken.
    let taken = current.rows.iter().find(|r| {
        r.value.full_path() == at && !(r.value.kind == RouteKind::Mount && r.value.target == module)
    });
    if let Some(row) = taken {
        return Err(ResourceError::Invalid(format!(
            "{}:{}: `{at}` is the path of a route of the app; mount the package elsewhere \
             (--at PATH); nothing was written",
            crate::app::ROUTES_TABLE,
            row.line
        )));
    }
    let row = format!(
        "method\tpath\tkind\ttarget\tpipeline\tscope\tname\tnav\n\
         GET\t{at}\tmount\t{module}\t{pipeline}\t/\t{module}\t{nav}\n",
        pipeline = mount.pipeline
    );
    append_rows(&mut edits, crate::app::ROUTES_TABLE, &routes, &row, &["method", "path"])?;
    const LEDGER: &str = "release/surface.tsv";
    let rows = templates.render("surface.tsv", &model).map_err(failed)?;
    append_rows(&mut edits, LEDGER, &read(LEDGER)?, &rows, &["id"])?;
    // The routes table as it will be is checked (a path taken, a route under the mount, a path
    // that is not a literal prefix) before anything is written.
    write_all(root, &files, &edits)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_path_is_relative_to_the_app() {
        let rel = |a: &str, b: &str| relative(Path::new(a), Path::new(b));
        assert_eq!(rel("/work/apps/blog", "/work/apps/kb"), "../kb");
        assert_eq!(rel("/work/apps/blog", "/work/apps/blog/packages/kb"), "packages/kb");
        assert_eq!(rel("/work/apps/blog", "/srv/kb"), "../../../srv/kb");
        assert_eq!(rel("/work/blog", "/work/blog"), ".");
    }

    #[test]
    fn the_dependency_goes_first_in_dependencies_once() {
        let manifest = "[package]\nname = \"blog\"\n\n[dependencies]\nserde = \"1\"\n\n[dev-dependencies]\nkb = \"1\"\n";
        let added = with_dependency(manifest, "kb", "../kb").unwrap().unwrap();
        assert!(
            added.contains("[dependencies]\nkb = { path = \"../kb\" }\nserde = \"1\"\n"),
            "{added}"
        );
        let parsed: toml::Table = added.parse().unwrap();
        assert_eq!(parsed["dependencies"]["kb"]["path"].as_str(), Some("../kb"));
        assert_eq!(with_dependency(&added, "kb", "../kb").unwrap(), None, "once");
        let e = with_dependency("[package]\nname = \"x\"\n", "kb", "../kb").unwrap_err();
        assert!(e.contains("no `[dependencies]`"), "{e}");
    }

    #[test]
    fn the_packages_an_app_depends_on_by_path_are_its_mounts() {
        let tmp = tempfile::tempdir().unwrap();
        let (app, kb, lib) =
            (tmp.path().join("app"), tmp.path().join("kb"), tmp.path().join("lib"));
        for dir in [&app, &kb, &lib] {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(
            kb.join("Cargo.toml"),
            "[package]\nname = \"kb\"\n[package.metadata.zero-live]\npackage = true\n",
        )
        .unwrap();
        std::fs::write(lib.join("Cargo.toml"), "[package]\nname = \"lib\"\n").unwrap();
        std::fs::write(
            app.join("Cargo.toml"),
            "[package]\nname = \"app\"\n[dependencies]\nkb = { path = \"../kb\" }\nlib = { path = \"../lib\" }\nserde = \"1\"\n",
        )
        .unwrap();
        assert_eq!(mounted_packages(&app), vec![app.join("../kb")]);
        // A version a mounted package uses is not free for the app's next migration.
        std::fs::create_dir_all(kb.join("migrations/sqlite")).unwrap();
        std::fs::write(kb.join("migrations/sqlite/20260101000000_create_entries.sql"), "").unwrap();
        assert_eq!(crate::resource::free_timestamp(&app, "20260101000000"), "20260101000001");
        assert_eq!(mounted_packages(&tmp.path().join("nowhere")), Vec::<PathBuf>::new());
    }

    #[test]
    fn a_package_migration_of_an_app_migrations_version_is_found() {
        let (app, package) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let write = |root: &Path, file: &str| {
            let path = root.join("migrations/sqlite").join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        };
        write(app.path(), "20260101000000_create_posts.sql");
        write(package.path(), "20260101000001_create_entries.sql");
        assert_eq!(shared_version(app.path(), package.path()), None);
        write(package.path(), "20260101000000_create_notes.sql");
        assert_eq!(
            shared_version(app.path(), package.path()),
            Some((
                "migrations/sqlite/20260101000000_create_posts.sql".to_owned(),
                "migrations/sqlite/20260101000000_create_notes.sql".to_owned()
            ))
        );
    }

    #[test]
    fn a_crate_that_is_not_a_live_package_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("Cargo.toml");
        std::fs::write(&manifest, "[package]\nname = \"kb\"\n").unwrap();
        let e = package_name(dir.path()).unwrap_err().to_string();
        assert!(e.contains("is not a live package") && e.contains("zerogen package NAME"), "{e}");
        std::fs::write(
            &manifest,
            "[package]\nname = \"kb\"\n[package.metadata.zero-live]\npackage = true\n",
        )
        .unwrap();
        assert_eq!(package_name(dir.path()).unwrap(), "kb");
        let e = package_name(&dir.path().join("nowhere")).unwrap_err().to_string();
        assert!(e.contains("nowhere/Cargo.toml"), "{e}");
    }
}
