//! Compiles `templates/` with the build-script API, as an app's `build.rs` does.

fn main() {
    let build = zero_template::build::Build::new("templates")
        .rust_components("src/components.rs", "crate::components")
        .remote_components("ui", "src/ui.rs", "crate::ui")
        .debug_annotations(true);
    if let Err(e) = build.compile_for_cargo() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{e}");
        }
        std::process::exit(1);
    }
}
