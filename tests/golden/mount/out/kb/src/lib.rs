//! Kb: a live package for 0x0 Live apps. An app adds it as a dependency and mounts it
//! under a path of its own with a `mount` row of its `spec/routes.tsv` whose target is
//! `kb` (`zerogen mount` writes both).
//!
//! The app's generated router then calls [`mount`], and its migrations take the package's
//! ([`migrations`]). `src/` holds the domain; `web/` the live views and components, whose
//! colocated styles every page of the app loads.

pub mod entries;

#[path = "../web/mod.rs"]
pub mod web;

use zero_db::{DbError, Migrations};
use zero_live::LiveBuilder;

/// Where the app mounted the package: its views' links start here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mounted {
    /// The path prefix, `/kb` (never ending in `/`).
    pub at: String,
}

impl Mounted {
    /// The path of `rest` under the mount: `path("/3")` is `/kb/3`.
    pub fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.at)
    }
}

/// Registers the package's views in the app's `pipeline` under `at` (`/kb`): the index
/// there and each entry's page at `at/{id}`, with the package's colocated assets. Its views read
/// the app's `Db` and `Arc<dyn PubSub>` (shared with `LiveBuilder::state`, as every generated
/// app does).
pub fn mount(live: LiveBuilder, pipeline: &str, at: &str) -> LiveBuilder {
    let at = at.trim_end_matches('/');
    live.live_in::<web::live::index::Index>(pipeline, at)
        .live_in::<web::live::show::Show>(pipeline, &format!("{at}/{{id}}"))
        .assets(zero_live_core::colocated_assets!())
        .state(Mounted { at: at.to_owned() })
}

/// The package's migrations, one folder per backend, embedded by `build.rs`. The app applies
/// them with its own (`zero_db::Migrations::merge`, which the app's generated router calls), so
/// their versions are the package's own and never an app's.
pub fn migrations() -> Result<Migrations, DbError> {
    Migrations::embedded(
        include!(concat!(env!("OUT_DIR"), "/zero-embed/migrations-sqlite.rs")),
        include!(concat!(env!("OUT_DIR"), "/zero-embed/migrations-postgres.rs")),
    )
}
