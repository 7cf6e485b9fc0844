//! The `builds` suite: what a new user waits for.
//!
//! - The wall time of every generator that writes into an app (`auth`, `resource`,
//!   `component`, `layout`, `scope`, `package`, `mount`) on a fresh app, in fresh processes.
//! - A new app's cold `cargo build` (debug, as `cargo run` builds it) in an empty target
//!   folder, and the same for an app with accounts and two resources. The registry must hold
//!   the crates already (nothing is downloaded while the clock runs); cargo runs as a user's
//!   would, with none of the repository's `CARGO_*` settings.
//!
//! One cold build of each app per process: `--record` runs five processes.

use std::path::Path;
use std::process::Command;

use anyhow::Result;
use zerogen::term::Printer;

use crate::app::{Generator, run, user_cargo};
use crate::{Measure, median, report};

/// What the builds suite measures: what decides how long an app takes to build.
const SOURCES: &[&str] = &[
    "templates",
    "generator/zerogen/src",
    "generator/zero-template/src",
    "runtime/zero-live/src",
    "runtime/zero-live-core/src",
    "runtime/zero-db/src",
    "runtime/zero-values/src",
    "runtime/zero-auth/src",
    "runtime/zero-pubsub/src",
    "runtime/zero-dashboard/src",
    "runtime/zero-dashboard/web",
    "runtime/zero-security/src",
    "Cargo.toml",
    "bench/zero-bench/src/builds.rs",
];

/// The generators whose wall time is measured, in the order they run on one app.
const GENERATORS: &[&str] =
    &["auth", "resource", "component", "layout", "scope", "package", "mount"];

/// The resources of the bigger app.
const RESOURCES: [&[&str]; 2] = [
    &["resource", "Post", "posts", "title:string", "body:text", "published_on:date"],
    &["resource", "Comment", "comments", "post_id:references:posts", "body:text"],
];

pub(crate) fn suite(printer: &Printer, quick: bool) -> Result<()> {
    let Generator { root, zerogen, .. } = Generator::build("builds")?;
    let tmp = tempfile::tempdir()?;
    let mut measures = Vec::new();

    // The generators, each on a fresh app, in fresh processes, in the order a user runs them
    // (organizations need accounts; a package is mounted once made).
    let mut walls: Vec<(&str, Vec<std::time::Duration>)> =
        GENERATORS.iter().map(|g| (*g, Vec::new())).collect();
    for i in 0..if quick { 2 } else { 5 } {
        let app = new_app(&zerogen, &root, &tmp.path().join(format!("gen{i}")))?;
        let package = tmp.path().join(format!("kb{i}"));
        for (generator, times) in &mut walls {
            let mut command = Command::new(&zerogen);
            command.arg("-q").current_dir(&app);
            match *generator {
                "resource" => command.args(RESOURCES[0]),
                "component" => command.args(["component", "price_tag", "amount:float:required"]),
                "layout" => command.args(["layout", "admin"]),
                "scope" => command.args(["scope", "team"]),
                // Its migration's version apart from the app's, made this same second.
                "package" => command
                    .args(["package", "kb", "--timestamp", "20250101000000", "--path"])
                    .arg(&package),
                "mount" => command.arg("mount").arg(&package),
                other => command.arg(other),
            };
            times.push(run(&mut command, &format!("zerogen {generator}"))?);
        }
    }
    let ms = |d: &[std::time::Duration]| median(d.iter().map(|d| d.as_secs_f64() * 1e3).collect());
    for (generator, times) in &walls {
        measures.push(Measure::new(
            "generators",
            "zerogen",
            &format!("{generator}_wall"),
            ms(times),
            "ms",
            Some(&format!("generator.{generator}.wall")),
        ));
    }

    if quick {
        printer.status("Skipped", "cold builds (not with --quick)");
        return report(printer, "builds", SOURCES, &measures);
    }
    // A new app as `zerogen new app` leaves it.
    let plain = new_app(&zerogen, &root, &tmp.path().join("plain"))?;
    printer.status("Building", "a new app from cold");
    let secs = cold_build(&plain, &tmp.path().join("target-plain"))?;
    measures.push(Measure::new(
        "new_app",
        "cargo",
        "cold_build",
        secs,
        "s",
        Some("generator.app.cold_build"),
    ));

    // With accounts and two resources.
    let full = new_app(&zerogen, &root, &tmp.path().join("full"))?;
    run(Command::new(&zerogen).args(["-q", "auth"]).current_dir(&full), "zerogen auth")?;
    for args in RESOURCES {
        run(Command::new(&zerogen).arg("-q").args(args).current_dir(&full), "zerogen resource")?;
    }
    printer.status("Building", "an app with accounts and two resources from cold");
    let secs = cold_build(&full, &tmp.path().join("target-full"))?;
    measures.push(Measure::new(
        "app_with_auth_and_two_resources",
        "cargo",
        "cold_build",
        secs,
        "s",
        Some("generator.app.cold_build_auth_resources"),
    ));
    report(printer, "builds", SOURCES, &measures)
}

fn new_app(zerogen: &Path, root: &Path, dir: &Path) -> Result<std::path::PathBuf> {
    run(
        Command::new(zerogen)
            .args(["-q", "new", "app", "demo", "--path"])
            .arg(dir)
            .arg("--zero-live-path")
            .arg(root),
        "zerogen new app",
    )?;
    Ok(dir.to_path_buf())
}

/// `cargo build` of `app` into the empty `target`, in seconds, as a user's shell runs it
/// ([`user_cargo`]).
fn cold_build(app: &Path, target: &Path) -> Result<f64> {
    let mut command = user_cargo(app);
    command.args(["build", "-q", "--offline"]).env("CARGO_TARGET_DIR", target);
    Ok(run(&mut command, "the cold cargo build")?.as_secs_f64())
}
