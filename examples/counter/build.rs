//! Compiles `templates/` into `$OUT_DIR` for `template!`.

fn main() {
    let build = zero_template::build::Build::new("templates").debug_annotations(true);
    if let Err(e) = build.compile_for_cargo() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{e}");
        }
        std::process::exit(1);
    }
}
