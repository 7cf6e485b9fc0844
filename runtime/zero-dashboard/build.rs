//! Compiles the dashboard's templates under `web/` (its view and components) for `template!`,
//! with their colocated styles.

use zero_template::build::{Build, BuildError};

fn main() {
    if let Err(e) = build() {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{e}");
        }
        std::process::exit(1);
    }
}

fn build() -> Result<(), BuildError> {
    Build::new("web")
        .rust_components("web/components", "crate::web::components")
        .debug_annotations(cfg!(debug_assertions))
        .compile_for_cargo()?;
    Ok(())
}
