//! The docs suite: `zerogen docs` building the framework's site (every page, the search index,
//! the sitemap, the status page) and a new app's site (its pages, routes, components and
//! ledger), written to a temporary folder, median of several builds in this process.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use zerogen::term::Printer;

use crate::{Measure, median, report};

/// What the suite measures: the code whose change makes its evidence stale. The pages
/// themselves are not listed: editing the docs would make the evidence stale at every change,
/// and the budget is a hundred times the time measured.
const SOURCES: &[&str] = &[
    "generator/zerogen/src/site.rs",
    "generator/zerogen/src/site",
    "generator/zerogen/src/app.rs",
    "templates/app",
    "bench/zero-bench/src/docs.rs",
];

/// Builds the site of `root` into a fresh folder `runs` times; the median wall time in ms and
/// the number of files written.
fn builds(root: &Path, runs: usize) -> Result<(f64, usize)> {
    let mut times = Vec::new();
    let mut files = 0;
    for _ in 0..runs {
        let out = tempfile::tempdir().context("creating a temporary folder")?;
        let started = Instant::now();
        let written = zerogen::site::write(root, out.path()).map_err(|d| {
            anyhow::anyhow!("the site does not build: {}", d.first().map_or("", |d| &d.message))
        })?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        files = written.len();
    }
    Ok((median(times), files))
}

pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    let runs = if quick { 3 } else { 11 };
    let root =
        zerogen::find_root(&std::env::current_dir()?).context("run from inside the repository")?;
    let tmp = tempfile::tempdir().context("creating a temporary folder")?;
    let app = tmp.path().join("demo");
    let files = zerogen::scaffold::files(&zerogen::scaffold::NewApp {
        name: "demo".to_owned(),
        dir: app.clone(),
        source: zerogen::scaffold::Source::Path(root.clone()),
        db: zerogen::scaffold::Database::Sqlite,
    })
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    for (path, text) in files {
        let full = app.join(path);
        std::fs::create_dir_all(full.parent().context("a file has a folder")?)?;
        std::fs::write(&full, text)?;
    }
    let mut measures = Vec::new();
    for (case, site, budget) in [
        ("framework", root.as_path(), "generator.docs.framework_build"),
        ("app", app.as_path(), "generator.docs.app_build"),
    ] {
        builds(site, 1)?; // warm the page cache
        let (wall, files) = builds(site, runs)?;
        measures.push(Measure::new(case, "zerogen", "build", wall, "ms", Some(budget)));
        measures.push(Measure::new(case, "zerogen", "files", files as f64, "count", None));
    }
    report(printer, "docs", SOURCES, &measures)
}
