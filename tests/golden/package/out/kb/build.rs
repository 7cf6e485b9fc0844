//! Compiles the package's templates under `web/` (views and components) for `template!`, with
//! their colocated styles, and embeds its migrations of each backend (`kb::migrations`).

use zero_template::build::{Build, BuildError};
use zero_template::embed::Embed;

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
    Embed::new("migrations/sqlite", "sql").write_for_cargo("migrations-sqlite")?;
    Embed::new("migrations/postgres", "sql").write_for_cargo("migrations-postgres")?;
    Ok(())
}
