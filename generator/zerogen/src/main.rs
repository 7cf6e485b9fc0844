//! The `zerogen` command line: argument parsing and glue over the `zerogen` library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use zero_diag::SourceCache;
use zerogen::generate;
use zerogen::term::Printer;

/// The 0x0 Live generator.
#[derive(Debug, Parser)]
#[command(name = "zerogen", version, about)]
struct Cli {
    /// Project root (default: the nearest ancestor with Cargo.toml and spec/, or a live
    /// package).
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    /// Print no status lines.
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create something new: `zerogen new app NAME`.
    New {
        #[command(subcommand)]
        what: NewCommand,
    },
    /// Build the documentation site: docs/**/*.md and README.md as static pages with search, a
    /// sitemap and light/dark themes; broken internal links are findings (exit 1).
    Docs {
        /// Where to write the site (default: target/site).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Check the links only; write nothing.
        #[arg(long)]
        check: bool,
        /// The JSON of `zerogate check --format json`: the status page shows each ledger row's
        /// findings.
        #[arg(long, value_name = "FILE")]
        gate_report: Option<PathBuf>,
        /// Then serve the site on 127.0.0.1 until interrupted.
        #[arg(long, conflicts_with = "check")]
        serve: bool,
        /// The port `--serve` listens on.
        #[arg(long, default_value_t = 4001, requires = "serve")]
        port: u16,
    },
    /// Add a resource to an app: its table (a migration per backend), its domain module, live
    /// pages (index, show, new/edit form) or a JSON API (--json), routes, tests, ledger rows and
    /// a docs page.
    Resource {
        /// The row type, in PascalCase: `Post`.
        singular: String,
        /// The table and path, in snake_case: `posts`.
        plural: String,
        /// `name:type[:modifier]...`; types string, text, integer, float, decimal, boolean,
        /// date, datetime, uuid, upload (a file, live pages only), enum:A:B...,
        /// references:TABLE; modifiers unique, optional, default=VALUE.
        #[arg(required = true)]
        fields: Vec<String>,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
        /// The migrations' version, YYYYMMDDHHMMSS (default: now, UTC).
        #[arg(long, value_name = "TS")]
        timestamp: Option<String>,
        /// A JSON API under /api (list, show, create, update, delete) instead of live pages.
        #[arg(long, conflicts_with = "html")]
        json: bool,
        /// Pages that are not live (index, show, a form posted back) instead of live pages.
        #[arg(long)]
        html: bool,
        /// The scope its rows belong to, from spec/scopes.tsv (default: the default one, in an
        /// app with accounts).
        #[arg(long, value_name = "NAME", conflicts_with = "no_scope")]
        scope: Option<String>,
        /// Rows for everyone, even in an app with accounts.
        #[arg(long)]
        no_scope: bool,
    },
    /// Add accounts to an app (the `zero-auth` crate): the users and tokens tables, the
    /// registration, magic-link login, confirmation and settings pages, logout, the dev mailbox,
    /// the scope of every request, tests, ledger rows and a docs page.
    Auth {
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
        /// The migrations' version, YYYYMMDDHHMMSS (default: now, UTC).
        #[arg(long, value_name = "TS")]
        timestamp: Option<String>,
        /// Passwords beside magic links (Argon2id): set in the settings, offered at login.
        #[arg(long)]
        password: bool,
        /// The scope later resources belong to: their rows get the column NAME_id (a user's
        /// id); listed in spec/scopes.tsv.
        #[arg(long, value_name = "NAME", default_value = "user")]
        scope: String,
    },
    /// Add organizations to an app with accounts (`zerogen scope org`, or `team`...): the
    /// tables of them and their members with roles, the current one of every request (in its
    /// scope), a page that switches, creates and manages members, tests, ledger rows and a
    /// docs page. `zerogen resource ... --scope NAME` then makes rows that belong to one.
    Scope {
        /// The scope's name, in snake_case: `org`, `team`, `workspace` (its table is NAMEs).
        name: String,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
        /// The migration's version, YYYYMMDDHHMMSS (default: now, UTC).
        #[arg(long, value_name = "TS")]
        timestamp: Option<String>,
    },
    /// Add a component of the app's own, called as `<.NAME ...>`: its declaration and
    /// template in web/components/, an example in the gallery, a test, a docs page and a ledger
    /// row.
    Component {
        /// Its name, in snake_case: `price_tag` (called as `<.price_tag>`).
        name: String,
        /// `name:type[:required]`; types string, int, float, bool (never required).
        attrs: Vec<String>,
        /// A named slot (`<:NAME>`); repeat for more.
        #[arg(long = "slot", value_name = "NAME")]
        slots: Vec<String>,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Add a layout for the app's pages, called as `<.NAME_layout current="/path">`: the
    /// declaration and template in web/layouts/, a test, a docs page and a ledger row.
    Layout {
        /// Its name, in snake_case: `admin` (called as `<.admin_layout>`).
        name: String,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Add what shipping the app takes: a multi-stage Dockerfile, a systemd unit, an nginx
    /// site, .env.example (every variable the app reads) and RELEASE.md (deploy, upgrade,
    /// roll back).
    Release {
        /// The host name the app is served at (nginx's server_name, RELEASE.md).
        #[arg(long, default_value = "example.com")]
        domain: String,
        /// Overwrite files that exist.
        #[arg(long)]
        force: bool,
    },
    /// Create a live package: a crate of live views, components, colocated styles and
    /// migrations, with its own tests, that apps add as a dependency and mount under a path
    /// (`zerogen mount`).
    Package {
        /// The package's name (its crate's): lowercase letters, digits, `_` and `-`.
        name: String,
        /// Where to create it (default: ./NAME); must not exist or be empty.
        #[arg(long)]
        path: Option<PathBuf>,
        #[command(flatten)]
        framework: Framework,
        /// Its migrations' version, YYYYMMDDHHMMSS (default: now, UTC).
        #[arg(long, value_name = "TS")]
        timestamp: Option<String>,
    },
    /// Mount a live package (made by `zerogen package`) in the app: a path dependency, a
    /// `mount` row of spec/routes.tsv (its views under the path, its migrations with the
    /// app's), a test, a docs page and a ledger row.
    Mount {
        /// The package's folder.
        package: PathBuf,
        /// The path to mount it under (default: / and the package's name).
        #[arg(long, value_name = "PATH")]
        at: Option<String>,
        /// The pipeline its pages pass through.
        #[arg(long, default_value = "browser")]
        pipeline: String,
        /// The main navigation's link text (default: the package's title; "" for none).
        #[arg(long, value_name = "TEXT")]
        nav: Option<String>,
        /// Overwrite the test and docs page when they exist.
        #[arg(long)]
        force: bool,
    },
    /// Print an app's route table (spec/routes.tsv) with its path helpers.
    Routes {
        /// Print the table as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Format `*.html.0x0` templates in place (settings: `[fmt]` in zerogen.toml).
    Fmt {
        /// Write nothing; print a diff for each file that is not formatted and exit 1 if any.
        #[arg(long)]
        check: bool,
        /// Templates or folders (default: the project root).
        paths: Vec<PathBuf>,
    },
    /// Check and inspect `*.html.0x0` templates.
    Templates {
        #[command(subcommand)]
        action: TemplatesCommand,
    },
    /// Emit generated/ and docs/reference/ from the spec tables.
    Generate {
        /// Write nothing; print a unified diff for each stale file and exit 1 if any.
        #[arg(long)]
        check: bool,
        /// Print findings as JSON.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum NewCommand {
    /// A complete app: routes, endpoint, layouts, core components, tests, ledger, docs, CI.
    App {
        /// The app's name (its crate's): lowercase letters, digits, `_` and `-`.
        name: String,
        /// Where to create it (default: ./NAME); must not exist or be empty.
        #[arg(long)]
        path: Option<PathBuf>,
        #[command(flatten)]
        framework: Framework,
        /// The database `spec/database.toml` names (`DATABASE_URL` overrides it).
        #[arg(long, value_enum, default_value_t = DbArg::Sqlite)]
        db: DbArg,
    },
}

/// Where a new crate's framework dependencies come from.
#[derive(Debug, clap::Args)]
struct Framework {
    /// Depend on the framework checkout at this path (default: the one zerogen was built
    /// from).
    #[arg(long, value_name = "P", conflicts_with = "zero_live_version")]
    zero_live_path: Option<PathBuf>,
    /// Depend on this released version of the framework instead.
    #[arg(long, value_name = "V")]
    zero_live_version: Option<String>,
}

/// `--db`: the database a new app starts with.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DbArg {
    /// A SQLite file, `data/dev.db` (nothing to start).
    Sqlite,
    /// A local Postgres database, `NAME_dev`.
    Postgres,
}

#[derive(Debug, Subcommand)]
enum TemplatesCommand {
    /// Check templates (files, or folders searched for *.html.0x0); exit 1 on problems.
    Check {
        /// Templates or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Print findings as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print what a template lowers to (Rust code), or its tokens or tree.
    Dump {
        /// The template.
        file: PathBuf,
        /// What to print.
        #[arg(long, value_enum, default_value = "code")]
        what: DumpWhat,
    },
    /// Run `cargo check` and report rustc's errors in template expressions at the template's
    /// line and column; exit 1 on any error.
    CargoCheck {
        /// Print findings as JSON.
        #[arg(long)]
        json: bool,
        /// Arguments for `cargo check` (after `--`), e.g. `-- -p blog`.
        #[arg(last = true)]
        cargo_args: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum DumpWhat {
    /// The generated Rust code.
    Code,
    /// The tokens, as JSON.
    Tokens,
    /// The tree, as JSON.
    Ast,
    /// The source map, as JSON.
    Map,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.quiet);
    if let Command::New { what } = &cli.command {
        return run_new(&printer, what);
    }
    if let Command::Package { name, path, framework, timestamp } = &cli.command {
        let Some(source) = source_of(&printer, framework) else {
            return ExitCode::from(2);
        };
        let version = timestamp.clone().unwrap_or_else(utc_timestamp);
        let dir = path.clone().unwrap_or_else(|| PathBuf::from(name));
        let package =
            zerogen::package::NewPackage { name: name.clone(), dir: dir.clone(), source, version };
        return match zerogen::package::write(&package) {
            Ok(files) => {
                for file in &files {
                    printer.status("Created", &dir.join(file).display().to_string());
                }
                let absolute = dir.canonicalize().unwrap_or_else(|_| dir.clone());
                printer.result(&format!(
                    "\nNext: `cd {}` and `cargo test`; then, in an app, `zerogen mount {}`.",
                    dir.display(),
                    absolute.display()
                ));
                ExitCode::SUCCESS
            }
            Err(e) => {
                printer.error(&e.to_string());
                ExitCode::from(2)
            }
        };
    }
    let root = match cli
        .root
        .clone()
        .or_else(|| std::env::current_dir().ok().and_then(|d| zerogen::find_root(&d)))
    {
        Some(root) => root,
        None => {
            printer
                .error("no project root found (a folder with Cargo.toml and spec/, or a live package); pass --root");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Command::New { .. } | Command::Package { .. } => ExitCode::from(2),
        Command::Mount { package, at, pipeline, nav, force } => {
            let mount = zerogen::mount::Mount { package, at, pipeline, nav, force };
            let written = zerogen::mount::write(&root, &mount);
            let next = "\nNext: `cargo test` runs the package's test in the app; `cargo run` \
                        serves its pages.";
            report_written(&printer, written, next)
        }
        Command::Routes { json } => run_routes(&printer, &root, json),
        Command::Resource {
            singular,
            plural,
            fields,
            force,
            timestamp,
            json,
            html,
            scope,
            no_scope,
        } => {
            use zerogen::resource::{Resource, ScopeChoice, Web, parse};
            let web = match (json, html) {
                (true, _) => Web::Json,
                (false, true) => Web::Html,
                (false, false) => Web::Live,
            };
            let scope = match (scope, no_scope) {
                (_, true) => ScopeChoice::Everyone,
                (Some(name), false) => ScopeChoice::Named(name),
                (None, false) => ScopeChoice::Default,
            };
            let parsed = parse(&singular, &plural, &fields).map(|r| Resource { web, scope, ..r });
            run_resource(&printer, &root, parsed, force, timestamp)
        }
        Command::Component { name, attrs, slots, force } => {
            run_component(&printer, &root, &name, &attrs, &slots, force)
        }
        Command::Layout { name, force } => {
            let written = zerogen::layout::parse(&name)
                .and_then(|layout| zerogen::layout::write(&layout, &root, force));
            let call = format!("{}_layout", name.strip_suffix("_layout").unwrap_or(&name));
            let next =
                format!("\nNext: lay a page out with `<.{call} current=\"/path\">...</.{call}>`.");
            report_written(&printer, written, &next)
        }
        Command::Release { domain, force } => {
            let written = zerogen::release::write(&root, &domain, force);
            let next = "\nNext: fill in .env from .env.example, then follow RELEASE.md.";
            report_written(&printer, written, next)
        }
        Command::Scope { name, force, timestamp } => {
            let timestamp = timestamp
                .unwrap_or_else(|| zerogen::resource::free_timestamp(&root, &utc_timestamp()));
            let written = zerogen::organizations::write(&root, &name, &timestamp, force);
            let next = format!(
                "\nNext: `cargo test` runs tests/{name}s.rs; `cargo run` serves /{name}s; \
                 `zerogen resource ... --scope {name}` makes rows that belong to one."
            );
            report_written(&printer, written, &next)
        }
        Command::Auth { force, timestamp, password, scope } => {
            let options = zerogen::auth::Options { password, force, scope };
            run_auth(&printer, &root, options, timestamp)
        }
        Command::Docs { out, check, gate_report, serve, port } => {
            let out = out.unwrap_or_else(|| root.join("target/site"));
            let built = run_docs(&printer, &root, &out, check, gate_report);
            if serve && built == ExitCode::SUCCESS {
                serve_site(&printer, &out, port)
            } else {
                built
            }
        }
        Command::Generate { check, json } => run_generate(&printer, &root, check, json),
        Command::Fmt { check, paths } => {
            let paths = if paths.is_empty() { vec![root.clone()] } else { paths };
            let result = zerogen::templates::settings(&root).and_then(|settings| {
                zerogen::templates::run_fmt(&printer, &root, &paths, check, &settings.fmt)
            });
            exit_code(&printer, result)
        }
        Command::Templates { action } => {
            let components = zerogen::templates::components_for(&root);
            let result = match action {
                TemplatesCommand::Check { paths, json } => {
                    zerogen::templates::run_check(&printer, &root, &paths, &components, json)
                }
                TemplatesCommand::Dump { file, what } => {
                    let what = match what {
                        DumpWhat::Code => zerogen::templates::Dump::Code,
                        DumpWhat::Tokens => zerogen::templates::Dump::Tokens,
                        DumpWhat::Ast => zerogen::templates::Dump::Ast,
                        DumpWhat::Map => zerogen::templates::Dump::Map,
                    };
                    zerogen::templates::run_dump(&printer, &root, &file, &components, what)
                }
                TemplatesCommand::CargoCheck { json, cargo_args } => {
                    zerogen::templates::run_cargo_check(&printer, &root, &cargo_args, json)
                }
            };
            exit_code(&printer, result)
        }
    }
}

/// 0 when clean, 1 on findings, 2 on an I/O or usage error (printed).
fn exit_code(printer: &Printer, result: std::io::Result<bool>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            printer.error(&e.to_string());
            ExitCode::from(2)
        }
    }
}

/// Where a new crate's framework dependencies come from (`--zero-live-path`,
/// `--zero-live-version`, or the checkout zerogen was built from); `None` after printing why
/// there is none.
fn source_of(printer: &Printer, framework: &Framework) -> Option<zerogen::scaffold::Source> {
    match (&framework.zero_live_path, &framework.zero_live_version) {
        (Some(path), _) => {
            if !path.join("runtime/zero-live/Cargo.toml").is_file() {
                printer.error(&format!(
                    "{}: not a 0x0 Live checkout (no runtime/zero-live/Cargo.toml)",
                    path.display()
                ));
                return None;
            }
            Some(zerogen::scaffold::Source::Path(
                path.canonicalize().unwrap_or_else(|_| path.clone()),
            ))
        }
        (None, Some(version)) => Some(zerogen::scaffold::Source::Version(version.clone())),
        (None, None) => {
            let source = zerogen::scaffold::Source::this_checkout();
            if source.is_none() {
                printer.error(
                    "the checkout zerogen was built from is gone; pass --zero-live-path or \
                     --zero-live-version",
                );
            }
            source
        }
    }
}

fn run_new(printer: &Printer, what: &NewCommand) -> ExitCode {
    let NewCommand::App { name, path, framework, db } = what;
    let db = match db {
        DbArg::Sqlite => zerogen::scaffold::Database::Sqlite,
        DbArg::Postgres => zerogen::scaffold::Database::Postgres,
    };
    let Some(source) = source_of(printer, framework) else {
        return ExitCode::from(2);
    };
    let dir = path.clone().unwrap_or_else(|| PathBuf::from(name));
    let app = zerogen::scaffold::NewApp { name: name.clone(), dir: dir.clone(), source, db };
    let started = std::time::Instant::now();
    match zerogen::scaffold::write(&app) {
        Ok(files) => {
            for file in &files {
                printer.status("Created", &dir.join(file).display().to_string());
            }
            printer.status(
                "Finished",
                &format!(
                    "app `{name}` ({} files) in {} ms",
                    files.len(),
                    started.elapsed().as_millis()
                ),
            );
            printer.result(&format!(
                "\nNext:\n  cd {}\n  cargo run      # http://127.0.0.1:4000\n  cargo test\n  zerogate check\n",
                dir.display()
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            printer.error(&e.to_string());
            ExitCode::from(2)
        }
    }
}

fn run_docs(
    printer: &Printer,
    root: &std::path::Path,
    out: &std::path::Path,
    check: bool,
    gate_report: Option<PathBuf>,
) -> ExitCode {
    let started = std::time::Instant::now();
    let gate = match gate_report.map(|file| {
        std::fs::read_to_string(&file)
            .map_err(|e| e.to_string())
            .and_then(|text| zerogen::site::GateReport::parse(&text))
            .map_err(|e| format!("--gate-report {}: {e}", file.display()))
    }) {
        None => None,
        Some(Ok(report)) => Some(report),
        Some(Err(e)) => {
            printer.error(&e);
            return ExitCode::from(2);
        }
    };
    let result = if check {
        zerogen::site::build_with(root, gate.as_ref())
            .map(|site| site.pages.iter().map(|p| p.url.clone()).collect())
    } else {
        zerogen::site::write_with(root, out, gate.as_ref())
    };
    match result {
        Ok(files) => {
            let verb = if check { "Checked" } else { "Built" };
            printer.status(
                verb,
                &format!("{} files in {} ms", files.len(), started.elapsed().as_millis()),
            );
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            let mut sources = SourceCache::new(root);
            printer.result(&zero_diag::render_all(&diagnostics, &mut sources));
            ExitCode::from(1)
        }
    }
}

/// Serves the built site in `dir` on 127.0.0.1:`port` until Ctrl-C.
fn serve_site(printer: &Printer, dir: &std::path::Path, port: u16) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            printer.error(&format!("cannot start the server: {e}"));
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async {
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
            Ok(listener) => listener,
            Err(e) => {
                printer.error(&format!("cannot listen on 127.0.0.1:{port}: {e}"));
                return ExitCode::from(2);
            }
        };
        printer.status("Serving", &format!("http://127.0.0.1:{port}/ (Ctrl-C to stop)"));
        let stop = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match zerogen::site::serve(listener, dir.to_path_buf(), stop).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                printer.error(&format!("the server stopped: {e}"));
                ExitCode::from(2)
            }
        }
    })
}

fn run_resource(
    printer: &Printer,
    root: &std::path::Path,
    parsed: Result<zerogen::resource::Resource, zerogen::resource::ResourceError>,
    force: bool,
    timestamp: Option<String>,
) -> ExitCode {
    use zerogen::resource;
    let resource = match parsed {
        Ok(resource) => resource,
        Err(e) => {
            printer.error(&e.to_string());
            return ExitCode::from(2);
        }
    };
    let (web, plural) = (resource.web, resource.plural.clone());
    let timestamp = timestamp.unwrap_or_else(|| resource::free_timestamp(root, &utc_timestamp()));
    match resource::write(&resource, root, &timestamp, force) {
        Ok(files) => {
            for file in &files {
                printer.status("Wrote", file);
            }
            let served = match web {
                resource::Web::Live | resource::Web::Html => format!("/{plural}"),
                resource::Web::Json => format!("/api/{plural}"),
            };
            printer.result(&format!(
                "\nNext: `cargo test` runs the new tests; `cargo run` serves {served}."
            ));
            ExitCode::SUCCESS
        }
        Err(e) => {
            printer.error(&e.to_string());
            ExitCode::from(2)
        }
    }
}

/// Prints the files a generator wrote and what to do next, or its error (exit 2).
fn report_written(
    printer: &Printer,
    written: Result<Vec<String>, zerogen::resource::ResourceError>,
    next: &str,
) -> ExitCode {
    match written {
        Ok(files) => {
            for file in &files {
                printer.status("Wrote", file);
            }
            printer.result(next);
            ExitCode::SUCCESS
        }
        Err(e) => {
            printer.error(&e.to_string());
            ExitCode::from(2)
        }
    }
}

fn run_component(
    printer: &Printer,
    root: &std::path::Path,
    name: &str,
    attrs: &[String],
    slots: &[String],
    force: bool,
) -> ExitCode {
    let written = zerogen::component::parse(name, attrs, slots)
        .and_then(|c| zerogen::component::write(&c, root, force));
    let next = format!(
        "\nNext: call it as `<.{name} ...>` in a template; `cargo test` runs its test, and \
         /components shows its example."
    );
    report_written(printer, written, &next)
}

fn run_auth(
    printer: &Printer,
    root: &std::path::Path,
    options: zerogen::auth::Options,
    timestamp: Option<String>,
) -> ExitCode {
    let timestamp =
        timestamp.unwrap_or_else(|| zerogen::resource::free_timestamp(root, &utc_timestamp()));
    match zerogen::auth::write(root, &timestamp, &options) {
        Ok(files) => {
            for file in &files {
                printer.status("Wrote", file);
            }
            printer.result(
                "\nNext: `cargo test` runs tests/auth.rs; `cargo run` serves /users/register, \
                 and the links it mails show at /dev/mailbox.",
            );
            let public = zerogen::auth::public_resources(root);
            if !public.is_empty() {
                let mut note = String::from(
                    "\nMade before the accounts, these resources' rows stay everyone's. To give a \
                     resource owners (its code takes the scope, and a migration adds the owner \
                     column), run its command again with --force:",
                );
                for (_, command) in &public {
                    note.push_str(&format!("\n  {command} --force"));
                }
                printer.result(&note);
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            printer.error(&e.to_string());
            ExitCode::from(2)
        }
    }
}

/// Now in UTC as `YYYYMMDDHHMMSS` (a migration's version).
fn utc_timestamp() -> String {
    let (year, month, day, hour, minute, second) = zerogen::utc_now();
    format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}")
}

fn run_routes(printer: &Printer, root: &std::path::Path, json: bool) -> ExitCode {
    if !zerogen::app::is_app(root) {
        printer.error(&format!("{}: not an app (no spec/routes.tsv)", root.display()));
        return ExitCode::from(2);
    }
    match zerogen::app::load_routes(root) {
        Ok(routes) if json => {
            let value = zerogen::app::routes_json(&routes);
            printer.result(&serde_json::to_string_pretty(&value).unwrap_or_default());
            ExitCode::SUCCESS
        }
        Ok(routes) => {
            printer.result(zerogen::app::routes_text(&routes).trim_end());
            ExitCode::SUCCESS
        }
        Err(diagnostics) => {
            let mut sources = SourceCache::new(root);
            printer.result(&zero_diag::render_all(&diagnostics, &mut sources));
            ExitCode::from(1)
        }
    }
}

fn run_generate(printer: &Printer, root: &std::path::Path, check: bool, json: bool) -> ExitCode {
    if !root.join("spec").is_dir() {
        printer.error(&format!("{}: no spec/ folder", root.display()));
        return ExitCode::from(2);
    }
    let findings = match generate::emit_all(root) {
        Ok(outputs) if check => generate::check(root, &outputs),
        Ok(outputs) => match generate::write(root, &outputs) {
            Ok(changed) => {
                for path in &changed {
                    printer.status("Wrote", path);
                }
                printer.status(
                    "Generated",
                    &format!("{} files, {} changed", outputs.len(), changed.len()),
                );
                Vec::new()
            }
            Err(e) => {
                printer.error(&e.to_string());
                return ExitCode::from(2);
            }
        },
        Err(spec_diagnostics) => spec_diagnostics,
    };
    if json {
        let value = serde_json::json!({ "findings": findings });
        printer.result(&serde_json::to_string_pretty(&value).unwrap_or_default());
    } else if !findings.is_empty() {
        let mut sources = SourceCache::new(root);
        printer.result(&zero_diag::render_all(&findings, &mut sources));
    }
    if findings.is_empty() {
        if check {
            printer.status("Fresh", "every generated file matches the spec tables");
        }
        ExitCode::SUCCESS
    } else {
        printer.error(&format!("{} problem(s) found", findings.len()));
        ExitCode::from(1)
    }
}
