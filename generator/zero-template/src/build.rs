//! The build-script API: compile every `*.html.0x0` under a folder into `$OUT_DIR`.
//!
//! In an app's `build.rs`:
//!
//! ```no_run
//! if let Err(e) = zero_template::build::Build::new("web").compile_for_cargo() {
//!     eprintln!("{e}");
//!     std::process::exit(1);
//! }
//! ```
//!
//! Components declared in Rust are registered by the file that declares them:
//! `.rust_components("src/components.rs", "crate::components")` makes every
//! `component!(Card<'a>, "components/card")` of that file callable as `<.card>`.
//!
//! Each template `web/posts/index.html.0x0` becomes `$OUT_DIR/zero-templates/posts/index.rs`
//! (bound to a type with `zero_live_core::template!(Index, "posts/index")`) and
//! `posts/index.rs.map.json` (its source map).

use std::fmt;
use std::path::{Path, PathBuf};

use zero_diag::{Diagnostic, SourceCache};

use crate::lower::{self, Options};
use crate::rust_components::RustModule;
use crate::{Components, assets};

/// The template file extension.
pub const EXTENSION: &str = ".html.0x0";

/// Why a build failed.
#[derive(Debug)]
pub enum BuildError {
    /// A file could not be read or written, or `OUT_DIR` is not set.
    Io(String),
    /// Templates have problems; `rendered` shows them with source windows.
    Templates {
        /// Every problem of every template.
        diagnostics: Vec<Diagnostic>,
        /// The same, rendered for a terminal.
        rendered: String,
    },
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Io(m) => write!(f, "error: {m}"),
            BuildError::Templates { diagnostics, rendered } => {
                write!(f, "{rendered}error: {} problem(s) in templates", diagnostics.len())
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// What a build compiled.
#[derive(Debug, Clone, Default)]
pub struct Compiled {
    /// Template names (`posts/index`), sorted.
    pub templates: Vec<String>,
    /// Files written.
    pub written: Vec<PathBuf>,
}

/// A template build.
#[derive(Debug, Clone)]
pub struct Build {
    dir: PathBuf,
    out_dir: Option<PathBuf>,
    components: Components,
    rust: Vec<(PathBuf, RustModule)>,
    debug_annotations: bool,
}

impl Build {
    /// Compiles the templates under `dir` (relative to the current folder, which cargo sets to
    /// the package root for build scripts).
    pub fn new(dir: impl Into<PathBuf>) -> Build {
        Build {
            dir: dir.into(),
            out_dir: None,
            components: Components::default(),
            rust: Vec::new(),
            debug_annotations: false,
        }
    }

    /// Writes into `out` instead of `$OUT_DIR`.
    pub fn out_dir(mut self, out: impl Into<PathBuf>) -> Build {
        self.out_dir = Some(out.into());
        self
    }

    /// The components templates may call.
    pub fn components(mut self, components: Components) -> Build {
        self.components = components;
        self
    }

    /// Registers the components declared in the Rust file `file` (module path `module`, as
    /// generated code names it: `crate::components`), called as `<.name>`. A folder stands for
    /// every `.rs` file in it (not below): its `mod.rs` and the modules whose components it
    /// re-exports (`mod card; pub use card::Card;`, as `zerogen component` writes them).
    pub fn rust_components(self, file: impl Into<PathBuf>, module: &str) -> Build {
        self.rust_module(file.into(), module, None)
    }

    /// Registers the components of another module, called as `<prefix::name>`.
    pub fn remote_components(self, prefix: &str, file: impl Into<PathBuf>, module: &str) -> Build {
        self.rust_module(file.into(), module, Some(prefix.to_owned()))
    }

    fn rust_module(mut self, file: PathBuf, module: &str, prefix: Option<String>) -> Build {
        let display = file.to_string_lossy().replace('\\', "/");
        self.rust.push((file, RustModule { file: display, module: module.to_owned(), prefix }));
        self
    }

    /// Adds `data-z-loc="file:line"` to top-level elements, except in release builds.
    pub fn debug_annotations(mut self, on: bool) -> Build {
        self.debug_annotations = on;
        self
    }

    /// Compiles, and prints the `cargo:rerun-if-changed` lines a build script needs.
    pub fn compile_for_cargo(&self) -> Result<Compiled, BuildError> {
        let compiled = self.compile()?;
        // Build scripts talk to cargo through stdout.
        #[allow(clippy::print_stdout)]
        {
            println!("cargo:rerun-if-changed={}", self.dir.display());
            for (file, _) in &self.rust {
                println!("cargo:rerun-if-changed={}", file.display());
            }
            for name in &compiled.templates {
                println!(
                    "cargo:rerun-if-changed={}",
                    self.dir.join(format!("{name}{EXTENSION}")).display()
                );
            }
        }
        Ok(compiled)
    }

    /// The registered Rust files, each folder replaced by its `.rs` files (sorted).
    fn rust_files(&self) -> Result<Vec<(PathBuf, RustModule)>, BuildError> {
        let mut files = Vec::new();
        for (path, module) in &self.rust {
            if !path.is_dir() {
                files.push((path.clone(), module.clone()));
                continue;
            }
            let entries = std::fs::read_dir(path)
                .map_err(|e| BuildError::Io(format!("cannot read {}: {e}", module.file)))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "rs"))
                .collect();
            found.sort();
            for file in found {
                let display = file.to_string_lossy().replace('\\', "/");
                files.push((file, RustModule { file: display, ..module.clone() }));
            }
        }
        Ok(files)
    }

    /// Compiles every template; writes nothing if any template has a problem.
    pub fn compile(&self) -> Result<Compiled, BuildError> {
        let out_dir = match &self.out_dir {
            Some(out) => out.clone(),
            None => PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(|| {
                BuildError::Io("OUT_DIR is not set; call from build.rs or use out_dir()".into())
            })?),
        };
        let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
        let debug_annotations = self.debug_annotations && !release;
        let mut names = Vec::new();
        find_templates(&self.dir, &self.dir, &mut names)?;
        names.sort();
        let mut diagnostics = Vec::new();
        let mut sources = SourceCache::new(Path::new("."));
        let mut components = self.components.clone();
        for (file, module) in &self.rust_files()? {
            let source = std::fs::read_to_string(file)
                .map_err(|e| BuildError::Io(format!("cannot read {}: {e}", module.file)))?;
            match crate::rust_components::read(module, &source) {
                Ok(defs) => defs.into_iter().for_each(|d| components.insert(d)),
                Err(found) => {
                    diagnostics.extend(found);
                    sources.insert(&module.file, source);
                }
            }
        }
        if !diagnostics.is_empty() {
            let rendered = zero_diag::render_all(&diagnostics, &mut sources);
            return Err(BuildError::Templates { diagnostics, rendered });
        }
        let mut outputs = Vec::new();
        for name in &names {
            let path = self.dir.join(format!("{name}{EXTENSION}"));
            let display = path.to_string_lossy().replace('\\', "/");
            let source = std::fs::read_to_string(&path)
                .map_err(|e| BuildError::Io(format!("cannot read {display}: {e}")))?;
            let checked = crate::check(&display, &source, &components);
            if !checked.diagnostics.is_empty() {
                diagnostics.extend(checked.diagnostics);
                sources.insert(&display, source);
                continue;
            }
            let scope = assets::scope_attribute(name);
            let colocated = assets::collect(&checked.nodes, &scope);
            let lifetime = components
                .by_template(name)
                .and_then(|c| c.rust.as_ref())
                .is_some_and(|r| r.lifetime);
            let options = Options {
                debug_annotations,
                scope: colocated.css.is_some().then_some(scope),
                lifetime,
            };
            match lower::lower(&display, &source, &checked.nodes, &components, &options) {
                Ok(lowered) => outputs.push((name.clone(), lowered, colocated)),
                Err(problems) => {
                    diagnostics.extend(crate::diagnostics(&display, &source, problems));
                    sources.insert(&display, source);
                }
            }
        }
        if !diagnostics.is_empty() {
            zero_diag::sort(&mut diagnostics);
            let rendered = zero_diag::render_all(&diagnostics, &mut sources);
            return Err(BuildError::Templates { diagnostics, rendered });
        }
        let mut compiled = Compiled { templates: names, written: Vec::new() };
        let mut manifest = std::collections::BTreeMap::new();
        let mut table = String::from(
            "// Generated by zero_template::build::Build (the crate's build.rs): the colocated assets,\n\
             // included by `zero_live_core::colocated_assets!()`.\n&[\n",
        );
        for (name, lowered, colocated) in outputs {
            let mut entry = std::collections::BTreeMap::new();
            for (ext, contents) in [("css", &colocated.css), ("js", &colocated.js)] {
                let Some(contents) = contents else { continue };
                let file = assets::hashed_name(&name, ext, contents);
                let path = out_dir.join("zero-assets").join(&file);
                write_if_changed(&path, contents)?;
                table.push_str(&format!(
                    "    zero_live_core::Asset {{ file: {file:?}, integrity: {integrity:?}, body: include_str!({path:?}) }},\n",
                    integrity = assets::integrity(contents),
                    path = path.display().to_string(),
                ));
                compiled.written.push(path);
                entry.insert(
                    ext,
                    serde_json::json!({ "file": file, "integrity": assets::integrity(contents) }),
                );
            }
            if !entry.is_empty() {
                manifest.insert(name.clone(), entry);
            }
            let path = out_dir.join("zero-templates").join(format!("{name}.rs"));
            write_if_changed(&path, &lowered.code)?;
            let map = serde_json::to_string_pretty(&lowered.map).unwrap_or_default() + "\n";
            let map_path = out_dir.join("zero-templates").join(format!("{name}.rs.map.json"));
            write_if_changed(&map_path, &map)?;
            compiled.written.push(path);
            compiled.written.push(map_path);
        }
        let manifest_path = out_dir.join("zero-assets").join("manifest.json");
        let text = serde_json::to_string_pretty(&serde_json::json!({ "templates": manifest }))
            .unwrap_or_default()
            + "\n";
        write_if_changed(&manifest_path, &text)?;
        compiled.written.push(manifest_path);
        table.push_str("]\n");
        let table_path = out_dir.join("zero-assets").join("assets.rs");
        write_if_changed(&table_path, &table)?;
        compiled.written.push(table_path);
        Ok(compiled)
    }
}

fn find_templates(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), BuildError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| BuildError::Io(format!("cannot read {}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry.map_err(|e| BuildError::Io(format!("{}: {e}", dir.display())))?.path();
        if path.is_dir() {
            find_templates(root, &path, out)?;
        } else if let Some(rel) = path.strip_prefix(root).ok().and_then(|p| p.to_str())
            && let Some(name) = rel.strip_suffix(EXTENSION)
        {
            out.push(name.replace('\\', "/"));
        }
    }
    Ok(())
}

fn write_if_changed(path: &Path, text: &str) -> Result<(), BuildError> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| BuildError::Io(format!("cannot create {}: {e}", parent.display())))?;
    }
    std::fs::write(path, text)
        .map_err(|e| BuildError::Io(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_folder_of_components_registers_every_module_in_it() {
        let dir = tempfile::tempdir().unwrap();
        let web = dir.path().join("web");
        std::fs::create_dir_all(web.join("components")).unwrap();
        std::fs::write(web.join("page.html.0x0"), "<.card title=\"Hi\" />\n").unwrap();
        std::fs::write(web.join("components/card.html.0x0"), "<div>{title}</div>\n").unwrap();
        std::fs::write(web.join("components/mod.rs"), "mod card;\npub use card::Card;\n").unwrap();
        std::fs::write(
            web.join("components/card.rs"),
            "/// A card.\npub struct Card<'a> {\n    /// Its title.\n    pub title: &'a str,\n}\n\
             zero_live_core::component!(Card<'a>, \"components/card\");\n",
        )
        .unwrap();
        let build = |components: PathBuf| {
            Build::new(&web)
                .rust_components(components, "crate::web::components")
                .out_dir(dir.path().join("out"))
                .compile()
        };
        assert!(build(web.join("components")).is_ok(), "the folder: mod.rs and card.rs");
        let e = build(web.join("components/mod.rs")).unwrap_err().to_string();
        assert!(e.contains("card"), "mod.rs alone does not declare it: {e}");
    }
}
