//! Compiles the templates under `web/` (views, layouts, components) for `template!`, and
//! embeds the migrations of each backend (`web::migrations`) and the static files of
//! `web/assets` (`web/routes.rs`), so the binary needs no folder beside it.

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
        .rust_components("web/layouts", "crate::web::layouts")
        .debug_annotations(cfg!(debug_assertions))
        .compile_for_cargo()?;
    Embed::new("migrations/sqlite", "sql").write_for_cargo("migrations-sqlite")?;
    Embed::new("migrations/postgres", "sql").write_for_cargo("migrations-postgres")?;
    // The static files (`web/routes.rs`, from the `static` rows of spec/routes.tsv).
    Embed::tree("web/assets").write_for_cargo("web-assets")?;
    Ok(())
}
