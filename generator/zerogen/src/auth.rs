//! `zerogen auth`: adds accounts to an app made by `zerogen new app`, on the `zero-auth`
//! crate: the tables (a migration per backend, from the crate's own `tables.sql`), the pages
//! (`templates/auth/`), the routes, the wiring in `App` (the scope middleware on every request,
//! the accounts shared with views), the dependency, tests, docs and ledger rows.
//!
//! It never overwrites a file without `--force`, and it edits the app's files only where it
//! finds the lines `zerogen new app` wrote; an app whose `web/mod.rs` was reshaped is told which
//! lines to add by hand, and nothing is written.

use std::collections::BTreeMap;
use std::path::Path;

use crate::render::Templates;
use crate::resource::{ResourceError, add_mod, io_error, migration_files, version_of, write_all};

/// The accounts tables, with `{id}` for the backend's id column.
const TABLES_SQL: &str = include_str!("../../../runtime/zero-auth/src/tables.sql");

/// The routes `zerogen auth` adds, laid into the app's table by column name.
const ROUTES: &str = "\
method\tpath\tkind\ttarget\tpipeline\tscope\tname
GET\t/users/register\tlive\tweb::live::users::register::Register\tbrowser\t/\tuser_registration
GET\t/users/log-in\tlive\tweb::live::users::log_in::LogIn\tbrowser\t/\tuser_log_in
POST\t/users/log-in\thttp\tweb::auth::log_in\tbrowser\t/\t
GET\t/users/log-in/:token\tlive\tweb::live::users::confirm::Confirm\tbrowser\t/\tuser_confirm
POST\t/users/log-out\thttp\tweb::auth::log_out\tbrowser\t/\tuser_log_out
GET\t/users/settings\tlive\tweb::live::users::settings::Settings\tbrowser\t/\tuser_settings
GET\t/users/settings/confirm-email/:token\tlive\tweb::live::users::confirm_email::ConfirmEmail\tbrowser\t/\tuser_confirm_email
GET\t/dev/mailbox\thttp\tweb::auth::dev_mailbox\tbrowser\t/\tdev_mailbox
";

/// The route `zerogen auth --password` adds.
const PASSWORD_ROUTE: &str = "\
POST\t/users/settings/password\thttp\tweb::auth::update_password\tbrowser\t/\tuser_password
";

/// The ledger row `zerogen auth --password` adds.
const PASSWORD_LEDGER_ROW: &str = "\
auth.passwords\truntime\tweb/live/users/settings.rs#Settings\ttests/auth.rs#a_password_set_in_the_settings_logs_in_and_ends_other_sessions,tests/auth.rs#a_wrong_password_answers_like_an_unknown_address\tdocs/auth.md#passwords\t\texperimental
";

/// The ledger rows `zerogen auth` adds.
const LEDGER_ROWS: &str = "\
id\tkind\tsource\ttests\tdocs\tevidence\tstatus
auth.accounts\truntime\tweb/auth.rs#accounts\ttests/auth.rs#registering_mails_a_link_that_logs_in_once,tests/auth.rs#the_login_form_answers_the_same_for_an_unknown_address,tests/auth.rs#a_login_post_without_its_csrf_token_is_refused,tests/auth.rs#the_dev_mailbox_shows_the_mail_sent\tdocs/auth.md#accounts\t\texperimental
auth.pages\truntime\tweb/live/users/log_in.rs#LogIn\ttests/auth.rs#protected_pages_send_visitors_to_log_in_and_back,tests/auth.rs#invalid_addresses_are_refused_as_the_user_types,tests/auth.rs#logging_out_ends_the_session_and_everywhere_closes_other_live_pages\tdocs/auth.md#pages\t\texperimental
";

/// The migration's name after its version.
const MIGRATION: &str = "_create_users_auth_tables.sql";

/// `web/mod.rs` as `zerogen new app` wrote it, and what `zerogen auth` makes of it: each line
/// found is replaced by its new text.
const WEB_EDITS: &[(&str, &str)] = &[
    (
        "    /// The database, migrated.\n    pub db: Db,\n}",
        "    /// The database, migrated.\n    pub db: Db,\n    /// The accounts (`zerogen auth`).\n    pub accounts: zero_auth::Accounts,\n}",
    ),
    (
        "        Ok(App::new(config, signer, endpoint, db))",
        "        auth::check()?;\n        Ok(App::new(config, signer, endpoint, db))",
    ),
    (
        "        let pubsub: Arc<dyn PubSub> = Arc::new(Local::default());\n",
        "        let pubsub: Arc<dyn PubSub> = Arc::new(Local::default());\n        let accounts = auth::accounts(db.clone(), pubsub.clone(), &endpoint);\n",
    ),
    (
        "            .state(pubsub.clone())\n",
        "            .state(pubsub.clone())\n            .state(accounts.clone())\n",
    ),
    (
        "        // One layer call: each `Router::layer` boxes every route again. A path no route names\n        // gets the app's 404 page.\n        let routes = routes::router(&live).fallback(http::not_found).layer(\n            tower::ServiceBuilder::new()\n                .layer(Extension(db.clone()))\n                .layer(Extension(pubsub))\n                .layer(Extension(live.clone())),\n        );\n",
        "        // Every request (pages, handlers, the live socket) gets its user's `Scope`.\n        let auth = zero_auth::web::Auth::new(accounts.clone(), &live);\n        // One layer call: each `Router::layer` boxes every route again. The first layer runs\n        // first: the scope is fetched before the handler runs. A path no route names gets the\n        // app's 404 page.\n        let routes = routes::router(&live).fallback(http::not_found).layer(\n            tower::ServiceBuilder::new()\n                .layer(axum::middleware::from_fn_with_state(\n                    auth.clone(),\n                    zero_auth::web::fetch_scope,\n                ))\n                .layer(Extension(auth))\n                .layer(Extension(db.clone()))\n                .layer(Extension(pubsub))\n                .layer(Extension(live.clone())),\n        );\n",
    ),
    (
        "        App { live, router, endpoint, db }",
        "        App { live, router, endpoint, db, accounts }",
    ),
];

const WEB_MOD: &str = "web/mod.rs";
/// The module `zerogen auth` writes: an app that has it has accounts.
pub const AUTH_MODULE: &str = "web/auth.rs";
const LIVE_MOD: &str = "web/live/mod.rs";
const CARGO: &str = "Cargo.toml";
const LEDGER: &str = "release/surface.tsv";

/// What `zerogen auth` is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Passwords beside magic links (`--password`).
    pub password: bool,
    /// Overwrite existing files (`--force`).
    pub force: bool,
    /// The scope that owns the rows of later resources (`--scope NAME`): its column is
    /// `NAME_id`, in `spec/scopes.tsv`.
    pub scope: String,
}

impl Default for Options {
    fn default() -> Options {
        Options { password: false, force: false, scope: "user".to_owned() }
    }
}

/// The files `zerogen auth` writes (not the ones it edits), for app `module`. With passwords,
/// `templates/auth-password/` replaces the pages of the same path and its `snippets/` fill
/// the `{{password_*}}` placeholders (empty otherwise).
pub fn files(
    module: &str,
    timestamp: &str,
    options: &Options,
) -> Result<Vec<(String, String)>, ResourceError> {
    let mut vars = BTreeMap::from([
        ("module", module.to_owned()),
        ("password_tests", String::new()),
        ("password_docs", String::new()),
    ]);
    let failed = |e: crate::render::RenderError| ResourceError::Invalid(e.to_string());
    let auth = Templates::of("auth").map_err(failed)?;
    let password =
        if options.password { Some(Templates::of("auth-password").map_err(failed)?) } else { None };
    let overlay: Vec<&str> = password.iter().flat_map(Templates::paths).collect();
    if let Some(password) = &password {
        for path in &overlay {
            if let Some(name) = path.strip_prefix("snippets/") {
                let key =
                    if name.starts_with("tests") { "password_tests" } else { "password_docs" };
                let text = password.render(path, &vars).map_err(failed)?;
                vars.insert(key, text);
            }
        }
    }
    let mut files = Vec::new();
    for path in auth.paths() {
        let text = match &password {
            Some(password) if overlay.contains(&path) => password.render(path, &vars),
            _ => auth.render(path, &vars),
        };
        files.push((path.to_owned(), text.map_err(failed)?));
    }
    for (backend, id) in [
        ("sqlite", "id INTEGER PRIMARY KEY AUTOINCREMENT"),
        ("postgres", "id BIGSERIAL PRIMARY KEY"),
    ] {
        let sql = format!(
            "-- Generated by `zerogen auth`; edit freely (add columns, keep these).\n{}",
            TABLES_SQL.replace("{id}", id)
        );
        files.push((format!("migrations/{backend}/{timestamp}{MIGRATION}"), sql));
    }
    files.sort();
    Ok(files)
}

/// What an app with accounts adds to its `Cargo.toml`: password hashing optimized in dev
/// builds too (unoptimized, a login by password in a test takes ten times as long).
const PROFILE: &str = "
# Password hashing (zero-auth) is slow by design; unoptimized it is ten times slower.
[profile.dev.package.argon2]
opt-level = 3

[profile.dev.package.blake2]
opt-level = 3
";

/// The app's `Cargo.toml` with `zero-auth` beside its `zero-db` (by path or version, as the
/// app takes zero-db) and [`PROFILE`]; `None` when it has `zero-auth` already.
fn with_dependency(cargo: &str) -> Result<Option<String>, ResourceError> {
    if cargo.lines().any(|l| l.starts_with("zero-auth")) {
        return Ok(None);
    }
    let Some(line) = cargo.lines().find(|l| l.starts_with("zero-db = ")) else {
        return Err(ResourceError::Invalid(
            "Cargo.toml has no `zero-db = ...` dependency to put `zero-auth` beside".to_owned(),
        ));
    };
    let auth =
        line.replacen("zero-db", "zero-auth", 1).replace("runtime/zero-db", "runtime/zero-auth");
    let mut out = cargo.replacen(line, &format!("{line}\n{auth}"), 1);
    if !out.contains("[profile.dev.package.argon2]") {
        out.push_str(PROFILE);
    }
    Ok(Some(out))
}

/// `web/mod.rs` with accounts wired into `App`; the lines it could not find otherwise.
fn wire_app(web: &str) -> Result<String, ResourceError> {
    let mut out = add_mod(web, "auth");
    let missing: Vec<&str> =
        WEB_EDITS.iter().filter(|(from, _)| !out.contains(from)).map(|(_, to)| *to).collect();
    if !missing.is_empty() {
        return Err(ResourceError::Invalid(format!(
            "web/mod.rs is not as `zerogen new app` wrote it; nothing was written. Add these \
             lines to `App` by hand (then rerun with --force):\n{}",
            missing.join("\n")
        )));
    }
    for (from, to) in WEB_EDITS {
        out = out.replacen(from, to, 1);
    }
    Ok(out)
}

/// Adds accounts to the app at `root`; returns the files written and edited.
pub fn write(
    root: &Path,
    timestamp: &str,
    options: &Options,
) -> Result<Vec<String>, ResourceError> {
    let force = options.force;
    if let Some(why) = crate::scopes::invalid_name(&options.scope) {
        return Err(ResourceError::Invalid(format!("--scope: {why}")));
    }
    let io = io_error;
    if !crate::app::is_app(root) {
        return Err(ResourceError::Invalid(format!(
            "{} is not an app (no spec/routes.tsv); run this in an app made by `zerogen new app`",
            root.display()
        )));
    }
    if timestamp.len() != 14 || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ResourceError::Invalid(format!(
            "--timestamp `{timestamp}` must be 14 digits, YYYYMMDDHHMMSS"
        )));
    }
    let migrations = migration_files(root);
    if migrations.iter().any(|f| version_of(f) == Some(timestamp) && !f.ends_with(MIGRATION)) {
        return Err(ResourceError::Invalid(format!(
            "--timestamp `{timestamp}` is the version of another migration of this app: pick a \
             later one (or leave it out for now)"
        )));
    }
    let module = crate::app::crate_module(root).map_err(ResourceError::Io)?;
    let files = files(&module, timestamp, options)?;
    let mut existing: Vec<String> =
        files.iter().filter(|(p, _)| root.join(p).exists()).map(|(p, _)| p.clone()).collect();
    for f in migrations {
        if f.ends_with(MIGRATION) && !existing.contains(&f) {
            existing.push(f);
        }
    }
    let read = |path: &str| {
        let full = root.join(path);
        std::fs::read_to_string(&full).map_err(|e| io(&full, e))
    };
    let routes = read(crate::app::ROUTES_TABLE)?;
    let routed = routes.lines().any(|l| l.split('\t').nth(1) == Some("/users/log-in"));
    if !force && (!existing.is_empty() || routed) {
        existing.sort();
        if routed {
            existing.push("the route /users/log-in in spec/routes.tsv".to_owned());
        }
        return Err(ResourceError::Exists(existing));
    }
    // Edits, computed (and refused) before anything is written.
    let web = read(WEB_MOD)?;
    let mut edits = Vec::new();
    if !web.contains("pub accounts: zero_auth::Accounts") {
        edits.push((WEB_MOD.to_owned(), wire_app(&web)?));
    }
    edits.push((LIVE_MOD.to_owned(), add_mod(&read(LIVE_MOD)?, "users")));
    if let Some(cargo) = with_dependency(&read(CARGO)?)? {
        edits.push((CARGO.to_owned(), cargo));
    }
    let table_error =
        |path: &str, e: String| ResourceError::Invalid(format!("{path}: {e}; nothing was written"));
    if !routed {
        let mut rows = ROUTES.to_owned();
        if options.password {
            rows.push_str(PASSWORD_ROUTE);
        }
        let table = crate::apptree::tsv::append(&routes, &rows, &["method", "path"])
            .map_err(|e| table_error(crate::app::ROUTES_TABLE, e))?;
        edits.push((crate::app::ROUTES_TABLE.to_owned(), table));
    }
    // The scope later resources belong to.
    let scopes = std::fs::read_to_string(root.join(crate::scopes::TABLE)).ok();
    let row = crate::scopes::ScopeRow::named(&options.scope, true);
    let table = crate::scopes::with_row(scopes.as_deref(), &row)
        .map_err(|e| ResourceError::Invalid(format!("{e}; nothing was written")))?;
    if let Some(table) = table {
        edits.push((crate::scopes::TABLE.to_owned(), table));
    }
    let ledger = read(LEDGER)?;
    let mut rows = LEDGER_ROWS.to_owned();
    if options.password {
        rows.push_str(PASSWORD_LEDGER_ROW);
    }
    let table =
        crate::apptree::tsv::append(&ledger, &rows, &["id"]).map_err(|e| table_error(LEDGER, e))?;
    if table != ledger {
        edits.push((LEDGER.to_owned(), table));
    }
    write_all(root, &files, &edits)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const WEB: &str = include_str!("../../../templates/app/web/mod.rs.tmpl");

    #[test]
    fn the_new_apps_web_module_is_wired_and_a_reshaped_one_is_refused() {
        let wired = wire_app(WEB).unwrap();
        for (_, to) in WEB_EDITS {
            assert!(wired.contains(to), "{to}");
        }
        assert!(wired.contains("pub mod auth;"));
        let reshaped = WEB.replace("        App { live, router, endpoint, db }", "        todo!()");
        let e = wire_app(&reshaped).unwrap_err().to_string();
        assert!(e.contains("nothing was written") && e.contains("accounts }"), "{e}");
    }

    #[test]
    fn the_dependency_follows_zero_db_and_is_added_once() {
        let by_path = "[dependencies]\nzero-db = { path = \"/x/runtime/zero-db\" }\n";
        let added = with_dependency(by_path).unwrap().unwrap();
        assert!(added.contains("zero-auth = { path = \"/x/runtime/zero-auth\" }"), "{added}");
        assert!(added.ends_with("[profile.dev.package.blake2]\nopt-level = 3\n"), "{added}");
        assert_eq!(with_dependency(&added).unwrap(), None);
        let by_version = with_dependency("zero-db = \"0.1\"\n").unwrap().unwrap();
        assert!(by_version.contains("zero-auth = \"0.1\""), "{by_version}");
        assert!(with_dependency("[dependencies]\n").is_err());
    }

    #[test]
    fn files_are_rendered_with_the_tables_of_each_backend() {
        let files = files("blog", "20260101000000", &Options::default()).unwrap();
        let get = |p: &str| &files.iter().find(|(path, _)| path == p).unwrap().1;
        let sqlite = get("migrations/sqlite/20260101000000_create_users_auth_tables.sql");
        assert!(
            sqlite.contains("id INTEGER PRIMARY KEY AUTOINCREMENT") && !sqlite.contains("{id}")
        );
        let postgres = get("migrations/postgres/20260101000000_create_users_auth_tables.sql");
        assert!(postgres.contains("id BIGSERIAL PRIMARY KEY"));
        assert!(get("tests/auth.rs").contains("use blog::web::App;"));
        assert!(files.iter().all(|(_, text)| !text.contains("{{")));
        assert!(!get("tests/auth.rs").contains("password"));
        assert!(!get("web/live/users/log_in.html.0x0").contains("password"));
    }

    #[test]
    fn passwords_replace_the_login_and_settings_pages_and_add_tests_and_docs() {
        let options = Options { password: true, ..Options::default() };
        let files = files("blog", "20260101000000", &options).unwrap();
        let get = |p: &str| &files.iter().find(|(path, _)| path == p).unwrap().1;
        assert!(get("web/live/users/log_in.html.0x0").contains("id=\"password-login-form\""));
        assert!(get("web/live/users/settings.html.0x0").contains("/users/settings/password"));
        assert!(get("tests/auth.rs").contains("async fn a_wrong_password_answers_like"));
        assert!(get("docs/auth.md").contains("## Passwords"));
        assert!(
            files.iter().all(|(path, text)| !path.starts_with("snippets/") && !text.contains("{{"))
        );
        for row in PASSWORD_LEDGER_ROW.lines() {
            for test in row.split('\t').nth(3).unwrap().split(',') {
                let name = test.rsplit('#').next().unwrap();
                assert!(get("tests/auth.rs").contains(&format!("async fn {name}(")), "{name}");
            }
        }
    }
}
