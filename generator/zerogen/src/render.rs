//! The one way a generator writes code a user owns: a template file under `templates/`
//! (embedded at build time), rendered by tera from a model the generator computes in Rust,
//! then formatted: Rust by rustfmt (required, never skipped), templates by the template
//! formatter. Every name a template prints is in its model; templates interpolate, branch on
//! the model's flags and loop, nothing more. See ADR 0021.

use std::path::{Path, PathBuf};

use serde::Serialize;

include!(concat!(env!("OUT_DIR"), "/scaffold.rs"));

/// Why a generator could not render or format its files. Nothing is written in any case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A template failed to parse or render: a bug of the generator, named with its file.
    #[error("templates/{name}: {message}")]
    Template {
        /// The template, as `GROUP/PATH.tmpl`.
        name: String,
        /// What went wrong, with tera's causes.
        message: String,
    },
    /// rustfmt could not be run.
    #[error(
        "rustfmt could not be run ({0}); generated Rust is always formatted, so nothing was \
         written\nhelp: install it with `rustup component add rustfmt`"
    )]
    NoRustfmt(String),
    /// rustfmt refused the generated Rust (a bug of its template) or a file failed to format.
    #[error("formatting the generated files failed, so nothing was written: {0}")]
    Format(String),
}

/// The templates of one generator (`app`, `auth`, `auth-password`, `resource`, `component`,
/// `layout`, `scope`, `package`, `mount`).
pub struct Templates {
    group: &'static str,
}

/// The embedded templates of `group`: (path after the group, without `.tmpl`; text).
fn group_files(group: &str) -> &'static [(&'static str, &'static str)] {
    match group {
        "app" => APP,
        "auth" => AUTH,
        "auth-password" => AUTH_PASSWORD,
        "resource" => RESOURCE,
        "component" => COMPONENT,
        "layout" => LAYOUT,
        "scope" => SCOPE,
        "package" => PACKAGE,
        "mount" => MOUNT,
        "release" => RELEASE,
        _ => &[],
    }
}

/// tera's error with its causes, on one line.
fn describe(e: &tera::Error) -> String {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

impl Templates {
    /// The templates of `group`. Each is parsed when it is rendered, and only then: a
    /// generator pays for the files it writes, not for the whole group (a generator finishes
    /// in well under 100 ms; parsing the app's 50 templates to render one cost 20).
    pub fn of(group: &'static str) -> Result<Templates, RenderError> {
        if group_files(group).is_empty() {
            return Err(RenderError::Template {
                name: format!("{group}/"),
                message: "no such group of templates".to_owned(),
            });
        }
        Ok(Templates { group })
    }

    /// Parses every template of the group (what the tests check; rendering parses one).
    pub fn check(&self) -> Result<(), RenderError> {
        let mut tera = tera::Tera::default();
        for (path, text) in group_files(self.group) {
            tera.add_raw_template(path, text).map_err(|e| RenderError::Template {
                name: format!("{}/{path}.tmpl", self.group),
                message: describe(&e),
            })?;
        }
        Ok(())
    }

    /// The paths of the group's templates, sorted (as the files they write are named before
    /// a generator moves them).
    pub fn paths(&self) -> impl Iterator<Item = &'static str> {
        group_files(self.group).iter().map(|(path, _)| *path)
    }

    /// Renders the template at `path` (without `.tmpl`) from `model`. A name the model does
    /// not have is an error, never an empty string.
    pub fn render(&self, path: &str, model: &impl Serialize) -> Result<String, RenderError> {
        let name = || format!("{}/{path}.tmpl", self.group);
        let failed = |e: tera::Error| RenderError::Template { name: name(), message: describe(&e) };
        let Some((_, text)) = group_files(self.group).iter().find(|(p, _)| *p == path) else {
            return Err(RenderError::Template {
                name: name(),
                message: "no such template".to_owned(),
            });
        };
        let context = tera::Context::from_serialize(model).map_err(failed)?;
        let mut tera = tera::Tera::default();
        // The output is Rust, SQL, Markdown and templates, never HTML to escape.
        tera.autoescape_on(Vec::new());
        tera.add_raw_template(path, text).map_err(failed)?;
        tera.render(path, &context).map_err(failed)
    }
}

/// Formats the files a generator is about to write into the app at `root`: the Rust ones with
/// rustfmt (the app's `rustfmt.toml`, in one run), the templates as `zerogen fmt` would (the
/// app's `zerogen.toml`). Files are formatted in memory and a scratch folder, never in the app,
/// so a failure writes nothing.
pub fn format(root: &Path, files: &mut [(String, String)]) -> Result<(), RenderError> {
    let config = crate::templates::settings(root).map(|s| s.fmt).unwrap_or_default();
    for (path, text) in files.iter_mut().filter(|(p, _)| p.ends_with(".html.0x0")) {
        *text = zero_template::format::format(text, &config).map_err(|e| {
            RenderError::Format(format!(
                "{path}: {}",
                e.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("; ")
            ))
        })?;
    }
    rustfmt(root, files)
}

/// A scratch folder, removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs rustfmt once over the Rust files among `files`, with the `rustfmt.toml` among them (a
/// new crate's) or the app's when it has one (edition 2024 otherwise).
fn rustfmt(root: &Path, files: &mut [(String, String)]) -> Result<(), RenderError> {
    let rust: Vec<usize> = (0..files.len()).filter(|&i| files[i].0.ends_with(".rs")).collect();
    if rust.is_empty() {
        return Ok(());
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let scratch =
        Scratch(std::env::temp_dir().join(format!("zerogen-fmt-{}-{nanos}", std::process::id())));
    let io =
        |path: &Path, e: std::io::Error| RenderError::Format(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(&scratch.0).map_err(|e| io(&scratch.0, e))?;
    let mut paths = Vec::new();
    for (n, &i) in rust.iter().enumerate() {
        // rustfmt also formats the modules a file declares, and fails on one it cannot find:
        // each file is the `mod.rs` of its own folder, beside empty files of its modules.
        let folder = scratch.0.join(n.to_string());
        std::fs::create_dir_all(&folder).map_err(|e| io(&folder, e))?;
        for module in declared_modules(&files[i].1) {
            // Only inside the scratch folder: `#[path]` may name any file.
            let Some(stub) = inside(&scratch.0, &folder.join(module)) else { continue };
            if let Some(parent) = stub.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            std::fs::write(&stub, "").map_err(|e| io(&stub, e))?;
        }
        let path = folder.join("mod.rs");
        std::fs::write(&path, &files[i].1).map_err(|e| io(&path, e))?;
        paths.push(path);
    }
    let config = root.join("rustfmt.toml");
    // A new crate's settings are among the files about to be written.
    let config = if let Some((_, settings)) = files.iter().find(|(p, _)| p == "rustfmt.toml") {
        let path = scratch.0.join("rustfmt.toml");
        std::fs::write(&path, settings).map_err(|e| io(&path, e))?;
        Some(path)
    } else if config.is_file() {
        // rustfmt runs in the scratch folder: the app's config by its absolute path.
        Some(std::path::absolute(&config).map_err(|e| io(&config, e))?)
    } else {
        None
    };
    // The files in one rustfmt per core (at most four), each given about as many bytes: a
    // generator's wall time is mostly rustfmt's.
    let cores = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 4);
    let mut groups: Vec<(usize, Vec<&PathBuf>)> = vec![(0, Vec::new()); cores.min(paths.len())];
    let mut by_size: Vec<usize> = (0..paths.len()).collect();
    by_size.sort_by_key(|&n| std::cmp::Reverse(files[rust[n]].1.len()));
    for n in by_size {
        if let Some(lightest) = groups.iter_mut().min_by_key(|(bytes, _)| *bytes) {
            lightest.0 += files[rust[n]].1.len();
            lightest.1.push(&paths[n]);
        }
    }
    let mut running = Vec::new();
    for (_, group) in &groups {
        let mut command = std::process::Command::new("rustfmt");
        command.arg("--edition").arg("2024");
        if let Some(config) = &config {
            command.arg("--config-path").arg(config);
        }
        let child = command
            .args(group)
            .current_dir(&scratch.0)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| RenderError::NoRustfmt(e.to_string()))?;
        running.push(child);
    }
    let (mut failed, mut stderr) = (false, String::new());
    for child in running {
        let output = child.wait_with_output().map_err(|e| RenderError::NoRustfmt(e.to_string()))?;
        if !output.status.success() {
            failed = true;
            stderr.push_str(&String::from_utf8_lossy(&output.stderr));
        }
    }
    if failed {
        let mut message = stderr;
        for (n, &i) in rust.iter().enumerate() {
            message = message.replace(&paths[n].display().to_string(), &files[i].0);
        }
        return Err(RenderError::Format(format!("rustfmt: {}", message.trim())));
    }
    for (n, &i) in rust.iter().enumerate() {
        files[i].1 = std::fs::read_to_string(&paths[n]).map_err(|e| io(&paths[n], e))?;
    }
    Ok(())
}

/// `path` with its `.` and `..` resolved, if it stays inside `root`.
fn inside(root: &Path, path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    (out.starts_with(root) && out != root).then_some(out)
}

/// The files of the modules `source` declares (`mod name;`, `pub mod name;`), relative to
/// the folder of `source` as its `mod.rs`: `name.rs`, or the path of a `#[path = "..."]`.
fn declared_modules(source: &str) -> Vec<String> {
    let mut files = Vec::new();
    let mut path = None;
    for line in source.lines().map(str::trim) {
        if let Some(attr) = line.strip_prefix("#[path = \"").and_then(|l| l.strip_suffix("\"]")) {
            path = Some(attr.to_owned());
            continue;
        }
        let rest = line.strip_prefix("pub ").or_else(|| line.strip_prefix("pub(crate) "));
        let declared = rest.unwrap_or(line).strip_prefix("mod ").and_then(|l| l.strip_suffix(';'));
        if let Some(name) = declared.map(str::trim) {
            let name = name.strip_prefix("r#").unwrap_or(name);
            if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                files.push(path.take().unwrap_or_else(|| format!("{name}.rs")));
            }
        }
        if !line.starts_with("#[") {
            path = None;
        }
    }
    files
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Serialize)]
    struct Model {
        name: &'static str,
    }

    #[test]
    fn every_group_parses_and_a_missing_name_is_an_error_naming_the_template() {
        for group in ["app", "auth", "auth-password", "resource", "component", "layout"] {
            let templates = Templates::of(group).unwrap();
            assert!(templates.paths().next().is_some(), "{group}");
            templates.check().unwrap();
        }
        assert!(Templates::of("nope").is_err());
        let e = Templates::of("app").unwrap().render("nope", &Model { name: "x" }).unwrap_err();
        assert!(e.to_string().contains("templates/app/nope.tmpl: no such template"), "{e}");
        let app = Templates::of("app").unwrap();
        let e = app.render("README.md", &Model { name: "blog" }).unwrap_err().to_string();
        assert!(e.starts_with("templates/app/README.md.tmpl: "), "{e}");
        assert!(e.contains("title"), "{e}");
    }

    #[test]
    fn rust_is_formatted_and_rust_that_does_not_parse_is_refused_by_its_path() {
        let root = tempfile::tempdir().unwrap();
        let mut files = vec![
            ("src/a.rs".to_owned(), "fn  a( ) {let x=1;}\n".to_owned()),
            ("docs/a.md".to_owned(), "fn  a( )\n".to_owned()),
            ("src/lib.rs".to_owned(), "pub mod a;\nmod  b;\n#[cfg(test)]\nmod tests;\n".to_owned()),
        ];
        format(root.path(), &mut files).unwrap();
        assert_eq!(files[0].1, "fn a() {\n    let x = 1;\n}\n");
        assert_eq!(files[1].1, "fn  a( )\n", "only Rust goes to rustfmt");
        assert_eq!(files[2].1, "pub mod a;\nmod b;\n#[cfg(test)]\nmod tests;\n");
        assert_eq!(
            declared_modules("#[path = \"../web/mod.rs\"]\npub mod web;\nmod r#type;\n"),
            ["../web/mod.rs", "type.rs"]
        );
        let scratch = Path::new("/tmp/x");
        assert_eq!(
            inside(scratch, Path::new("/tmp/x/0/../web/mod.rs")),
            Some("/tmp/x/web/mod.rs".into())
        );
        assert_eq!(inside(scratch, Path::new("/tmp/x/0/../../etc/passwd")), None);
        // What `#[path = "/etc/passwd"]` joins to.
        #[allow(clippy::join_absolute_paths)]
        let absolute = Path::new("/tmp/x/0").join("/etc/passwd");
        assert_eq!(inside(scratch, &absolute), None);
        let mut broken = vec![("src/b.rs".to_owned(), "fn b( {\n".to_owned())];
        let e = format(root.path(), &mut broken).unwrap_err().to_string();
        assert!(e.contains("src/b.rs") && e.contains("nothing was written"), "{e}");
    }
}
