//! Embeds the scaffolding templates (`templates/{app,auth,auth-password,resource,component,layout,scope,package,mount,release}/**/*.tmpl`) so the `zerogen` binary can
//! write a new app without its source tree.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let templates = manifest.join("../../templates");
    println!("cargo::rerun-if-changed={}", templates.display());
    let mut code = String::new();
    for (name, doc) in [
        ("app", "The app scaffold (`zerogen new app`)"),
        ("auth", "What `zerogen auth` adds to an app"),
        (
            "auth-password",
            "What `zerogen auth --password` adds or replaces (`snippets/` fill placeholders)",
        ),
        ("resource", "What `zerogen resource` writes (paths named by `resource::Resource::files`)"),
        (
            "component",
            "What `zerogen component` writes (paths named by `component::Component::files`)",
        ),
        ("layout", "What `zerogen layout` writes (paths named by `layout::Layout::files`)"),
        ("scope", "What `zerogen scope` writes (paths named by `organizations::files`)"),
        ("package", "A live package (`zerogen package`)"),
        ("mount", "What `zerogen mount` adds to an app"),
        ("release", "What `zerogen release` writes (paths named by `release::files`)"),
    ] {
        let mut files = Vec::new();
        collect(&templates.join(name), &mut files);
        files.sort();
        let _ = writeln!(
            code,
            "/// {doc}: (path relative to the app, template text).\npub const {}: &[(&str, &str)] = &[",
            name.to_uppercase().replace('-', "_")
        );
        for file in &files {
            println!("cargo::rerun-if-changed={}", file.display());
            let relative = file.strip_prefix(templates.join(name)).unwrap_or(file);
            let path = relative.to_string_lossy().trim_end_matches(".tmpl").replace('\\', "/");
            let _ =
                writeln!(code, "    ({path:?}, include_str!({:?})),", file.display().to_string());
        }
        code.push_str("];\n");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("scaffold.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "tmpl") {
            out.push(path);
        }
    }
}
