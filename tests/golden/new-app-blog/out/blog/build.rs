//! Compiles the templates under `web/` (views, layouts, components) for `template!`, and
//! rebuilds when a migration changes (they are embedded by `sqlx::migrate!`).

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let build = zero_template::build::Build::new("web")
        .rust_components("web/components/mod.rs", "crate::web::components")
        .rust_components("web/layouts/mod.rs", "crate::web::layouts")
        .debug_annotations(cfg!(debug_assertions));
    if let Err(e) = build.compile_for_cargo() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{e}");
        }
        std::process::exit(1);
    }
}
