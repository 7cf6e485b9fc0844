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
use crate::resource::{ResourceError, add_mod, io_error, write_all};

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
auth.account_menu\truntime\tweb/features.rs#Account\ttests/auth.rs#the_account_menu_shows_a_visitor_the_way_in_and_a_user_the_way_out\tdocs/auth.md#account-menu\t\texperimental
";

/// The migration's name after its version.
const MIGRATION: &str = "_create_users_auth_tables.sql";

const WEB_MOD: &str = "web/mod.rs";
/// The app's extension point (`zerogen new app` writes it, `zerogen auth` rewrites it).
use crate::apptree::features::{FEATURES, Flags};
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

/// The app's `web/features.rs` with accounts, if it needs rewriting (`apptree::features`).
fn with_accounts(root: &Path, current: &str, force: bool) -> Result<Option<String>, ResourceError> {
    let app = Flags::of_app(root);
    let from = Flags { accounts: false, ..app.clone() };
    let to = Flags { accounts: true, ..app };
    crate::apptree::features::rewrite(root, current, &from, &to, force)
}

/// The resources of the app at `root` whose rows are everyone's because they were made before
/// accounts (not with `--no-scope`): each table with the command that made it (the first line
/// of its `src/PLURAL.rs`), which run again with `--force` gives its rows owners.
pub fn public_resources(root: &Path) -> Vec<(String, String)> {
    let ledger = std::fs::read_to_string(root.join(LEDGER)).unwrap_or_default();
    let mut public = Vec::new();
    for line in ledger.lines() {
        let Some(table) = line.split('\t').next().and_then(|id| id.strip_prefix("resource."))
        else {
            continue;
        };
        if table.contains('.') || crate::resource::owner_column_of(root, table).is_some() {
            continue;
        }
        let code =
            std::fs::read_to_string(root.join(format!("src/{table}.rs"))).unwrap_or_default();
        let command = code
            .lines()
            .next()
            .and_then(|l| l.split('`').nth(1))
            .filter(|c| c.starts_with("zerogen resource ") && !c.contains("--no-scope"));
        if let Some(command) = command {
            public.push((table.to_owned(), command.to_owned()));
        }
    }
    public
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
    crate::apptree::require_app(root)?;
    let plan = crate::apptree::plan_migration(root, MIGRATION, timestamp, force)?;
    let module = crate::app::crate_module(root).map_err(ResourceError::Io)?;
    let files = files(&module, &plan.version, options)?;
    let mut existing: Vec<String> =
        files.iter().filter(|(p, _)| root.join(p).exists()).map(|(p, _)| p.clone()).collect();
    for f in plan.existing {
        if !existing.contains(&f) {
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
    let mut edits = Vec::new();
    let web = read(WEB_MOD)?;
    let current = read(FEATURES).map_err(|_| {
        ResourceError::Invalid(format!(
            "this app has no {FEATURES} (its extension point, which apps made before it lack): \
             add `pub mod features;` to {WEB_MOD} and the file as `zerogen new app` writes it \
             now, then run this again; nothing was written"
        ))
    })?;
    if let Some(text) = with_accounts(root, &current, force)? {
        edits.push((FEATURES.to_owned(), text));
    }
    let web_with_auth = add_mod(&web, "auth");
    if web_with_auth != web {
        edits.push((WEB_MOD.to_owned(), web_with_auth));
    }
    edits.push((LIVE_MOD.to_owned(), add_mod(&read(LIVE_MOD)?, "users")));
    if let Some(cargo) = with_dependency(&read(CARGO)?)? {
        edits.push((CARGO.to_owned(), cargo));
    }
    if !routed {
        let mut rows = ROUTES.to_owned();
        if options.password {
            rows.push_str(PASSWORD_ROUTE);
        }
        let (path, key) = (crate::app::ROUTES_TABLE, &["method", "path"][..]);
        crate::apptree::append_rows(&mut edits, path, &routes, &rows, key)?;
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
    crate::apptree::append_rows(&mut edits, LEDGER, &ledger, &rows, &["id"])?;
    write_all(root, &files, &edits)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_new_apps_features_get_accounts_and_an_edited_file_is_refused_unless_forced() {
        let root = tempfile::tempdir().unwrap();
        let plain = crate::apptree::features::render(&Flags::default()).unwrap();
        let with = with_accounts(root.path(), &plain, false).unwrap().unwrap();
        assert!(with.contains("pub accounts: zero_auth::Accounts,"), "{with}");
        assert!(with.contains("zero_auth::web::fetch_scope"), "{with}");
        assert!(!plain.contains("zero_auth"), "{plain}");
        let mut formatted = vec![(FEATURES.to_owned(), with.clone())];
        crate::render::format(root.path(), &mut formatted).unwrap();
        let written = &formatted[0].1;
        assert_eq!(with_accounts(root.path(), written, false).unwrap(), None, "added once");
        let edited = plain.replace("Ok(())", "my_check()");
        let e = with_accounts(root.path(), &edited, false).unwrap_err().to_string();
        assert!(e.contains("nothing was written") && e.contains("--force"), "{e}");
        assert!(e.contains("pub accounts: zero_auth::Accounts,"), "the file to merge: {e}");
        assert_eq!(with_accounts(root.path(), &edited, true).unwrap(), Some(with));
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
