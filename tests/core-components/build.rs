//! Compiles the core components of `templates/app/web/components` (the files `zerogen new app`
//! writes, minus their `.tmpl`) and the examples in `examples/`, as an app's `build.rs` would.

use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let components = manifest.join("../../templates/app/web/components");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    let web = out.join("web");
    if let Err(e) = stage(&components, &manifest.join("examples"), &web) {
        fail(&format!("staging the core components: {e}"));
    }
    println!("cargo:rerun-if-changed={}", components.display());
    println!("cargo:rerun-if-changed={}", manifest.join("examples").display());
    let build = zero_template::build::Build::new(&web)
        .rust_components(components.join("mod.rs.tmpl"), "crate::components");
    if let Err(e) = build.compile_for_cargo() {
        fail(&e.to_string());
    }
}

/// Copies the component templates (without `.tmpl`) to `web/components` and the examples to
/// `web/examples`.
fn stage(components: &Path, examples: &Path, web: &Path) -> std::io::Result<()> {
    for (from, to, suffix) in [
        (components, web.join("components"), ".html.0x0.tmpl"),
        (examples, web.join("examples"), ".html.0x0"),
    ] {
        std::fs::create_dir_all(&to)?;
        for entry in std::fs::read_dir(from)? {
            let path = entry?.path();
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
            if let Some(stem) = name.strip_suffix(suffix) {
                std::fs::copy(&path, to.join(format!("{stem}.html.0x0")))?;
            }
        }
    }
    Ok(())
}

fn fail(message: &str) -> ! {
    #[allow(clippy::print_stderr)]
    {
        eprintln!("{message}");
    }
    std::process::exit(1);
}
