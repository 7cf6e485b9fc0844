//! Persistence for 0x0 Live apps: one sqlx pool over SQLite (the embedded default: a file in the
//! app's directory, created on first run) or Postgres (`DATABASE_URL`), chosen at start by the
//! URL, so the same generated code runs on both.
//!
//! - [`Db::connect`] opens the pool (SQLite: creates the file and its folder, turns foreign keys
//!   on, WAL, a busy timeout);
//! - [`Db::migrate`] applies the app's [`Migrations`] (one folder per backend, since DDL is not
//!   portable), [`Db::rollback`] reverts them by their down files, and
//!   [`Db::require_tables`] turns a missing table into one clear start-up error;
//! - database errors become a [`DbError`] an app can show: a unique violation names its table
//!   and columns (so a form can put it on the field), a missing table says so.
//!
//! Queries use `$1, $2, ...` placeholders, which both backends accept. Values cross the
//! backends as integers, floats, text and booleans; [`get`] reads a column (a boolean stored as
//! SQLite's `0`/`1` reads as `bool`). Dates, date-times, decimals and UUIDs are real types in
//! Rust ([`values::Date`], [`values::DateTime`], [`values::Decimal`], [`values::Uuid`]). On
//! Postgres they live in native columns (`DATE`, `TIMESTAMP`, `NUMERIC`, `UUID`), on SQLite as
//! their text; they cross the driver as text: a query selects them with `CAST(col AS TEXT)`,
//! binds their [`values::text`] and casts the parameter the Postgres way (`$2::date`), which
//! [`Db::sql`] leaves out on SQLite. See ADR 0008.

mod history;
mod migrations;
#[cfg(feature = "testing")]
pub mod testing;

pub use history::{Reverted, Rollback};
pub use migrations::{EmbeddedFiles, Migrations};

/// Reading a row's fields from form text (the `zero-values` crate, which needs no driver).
pub use zero_values as values;

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor as _, Row as _, ValueRef as _};

pub use sqlx;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (a file, or `sqlite::memory:`).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// The backend a URL names (`sqlite:...`, `postgres://...` or `postgresql://...`).
    pub fn of_url(url: &str) -> Result<Backend, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(DbError::Url(format!(
                "`{}` names no supported database (use sqlite://PATH or postgres://...)",
                redact(url)
            )))
        }
    }

    /// `sqlite` or `postgres`, as logs name it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Why a database operation failed, in the terms an app reacts to.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL is not one this crate can open.
    #[error("database URL: {0}")]
    Url(String),
    /// The database could not be reached or opened.
    #[error("cannot open the database at {url}: {message}")]
    Connect {
        /// The URL, password removed.
        url: String,
        /// What the driver said.
        message: String,
    },
    /// A migration failed or the applied ones differ from the app's.
    #[error("migrations: {0}")]
    Migrate(String),
    /// Tables the app needs are missing.
    #[error("table{} {} missing: run the app's migrations (they run on start in dev)", if .0.len() == 1 { "" } else { "s" }, .0.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", "))]
    MissingTables(Vec<String>),
    /// A row with the same unique values exists.
    #[error("{} already taken", describe_columns(table.as_deref(), columns))]
    Unique {
        /// The table, when the database says.
        table: Option<String>,
        /// The columns of the violated constraint, when the database says.
        columns: Vec<String>,
    },
    /// A reference to a row that does not exist (or a delete of a row still referenced).
    #[error("a referenced row does not exist or is still referenced")]
    ForeignKey,
    /// A required value is missing or a check constraint failed.
    #[error("a value breaks a constraint of the table: {0}")]
    Constraint(String),
    /// The query found no row.
    #[error("not found")]
    NotFound,
    /// A column could not be read as the type asked.
    #[error("column `{column}`: {message}")]
    Decode {
        /// The column.
        column: String,
        /// Why.
        message: String,
    },
    /// Anything else the driver reported.
    #[error(transparent)]
    Other(sqlx::Error),
}

fn describe_columns(table: Option<&str>, columns: &[String]) -> String {
    match (table, columns) {
        (_, []) => "a unique value is".to_owned(),
        (Some(t), [c]) => format!("`{t}.{c}` is"),
        (None, [c]) => format!("`{c}` is"),
        (_, cs) => format!("the combination of {} is", cs.join(", ")),
    }
}

impl DbError {
    /// The form field a unique violation belongs to: its last column (`title` of
    /// `UNIQUE (author_id, title)`, the one a user typed).
    pub fn field(&self) -> Option<&str> {
        match self {
            DbError::Unique { columns, .. } => columns.last().map(String::as_str),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for DbError {
    fn from(e: sqlx::Error) -> DbError {
        match e {
            sqlx::Error::RowNotFound => DbError::NotFound,
            sqlx::Error::Database(db) => {
                use sqlx::error::ErrorKind;
                let message = db.message().to_owned();
                match db.kind() {
                    ErrorKind::UniqueViolation => unique(&*db),
                    ErrorKind::ForeignKeyViolation => DbError::ForeignKey,
                    ErrorKind::NotNullViolation | ErrorKind::CheckViolation => {
                        DbError::Constraint(message)
                    }
                    _ => match missing_table(db.code().as_deref(), &message) {
                        Some(table) => DbError::MissingTables(vec![table]),
                        None => DbError::Other(sqlx::Error::Database(db)),
                    },
                }
            }
            sqlx::Error::ColumnNotFound(column) => {
                DbError::Decode { column, message: "no such column in the result".to_owned() }
            }
            sqlx::Error::ColumnDecode { index, source } => DbError::Decode {
                column: index.trim_matches('"').to_owned(),
                message: source.to_string(),
            },
            other => DbError::Other(other),
        }
    }
}

/// The table and columns of a unique violation: SQLite says
/// `UNIQUE constraint failed: posts.author_id, posts.title`; Postgres gives the table and a
/// detail `Key (author_id, title)=(1, x) already exists.`.
fn unique(db: &dyn sqlx::error::DatabaseError) -> DbError {
    let message = db.message();
    if let Some(list) = message.strip_prefix("UNIQUE constraint failed: ") {
        let mut table = None;
        let columns = list
            .split(", ")
            .map(|qualified| match qualified.split_once('.') {
                Some((t, c)) => {
                    table = Some(t.to_owned());
                    c.to_owned()
                }
                None => qualified.to_owned(),
            })
            .collect();
        return DbError::Unique { table, columns };
    }
    let table = db.table().map(str::to_owned);
    let detail = db
        .try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
        .and_then(|pg| pg.detail())
        .unwrap_or_default();
    let columns = detail
        .strip_prefix("Key (")
        .and_then(|rest| rest.split_once(")="))
        .map(|(list, _)| list.split(", ").map(|c| c.trim_matches('"').to_owned()).collect())
        .unwrap_or_default();
    DbError::Unique { table, columns }
}

/// The table a "no such table" error names (SQLite's message, Postgres's `42P01`).
fn missing_table(code: Option<&str>, message: &str) -> Option<String> {
    if let Some(table) = message.strip_prefix("no such table: ") {
        return Some(table.to_owned());
    }
    if code == Some("42P01") {
        let name = message.strip_prefix("relation \"")?.split('"').next()?;
        return Some(name.to_owned());
    }
    None
}

/// The URL with its password replaced, for messages and logs: the user info's
/// (`postgres://app:***@db/app`, the last `@` ending it) and a `password` query parameter's.
pub fn redact(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let mut out = match base.split_once("://").and_then(|(scheme, rest)| {
        let (userinfo, host) = rest.rsplit_once('@')?;
        let (user, _) = userinfo.split_once(':')?;
        Some(format!("{scheme}://{user}:***@{host}"))
    }) {
        Some(redacted) => redacted,
        None => base.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

/// `DATABASE_URL` from the environment, else `default`.
pub fn database_url(default: &str) -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| default.to_owned())
}

/// The database URL of an app: `DATABASE_URL` from the environment, else `url` of the file at
/// `path` (an app's `spec/database.toml`). A missing file, a file without `url`, or another key
/// is an error naming the file (and the line and column of a syntax error).
pub fn url_from_file(path: &Path) -> Result<String, DbError> {
    if let Some(url) = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty()) {
        return Ok(url);
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| DbError::Url(format!("{}: {e}", path.display())))?;
    url_from_toml(&text).map_err(|e| DbError::Url(format!("{}: {e}", path.display())))
}

/// The database URL of an app: `DATABASE_URL` read through `env`, else `url` of `text` (an
/// app's `database.toml`). A file without `url`, with another key or naming no supported
/// database is an error (with the line and column of a syntax error).
pub fn url_from_text(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<String, DbError> {
    if let Some(url) = env("DATABASE_URL").filter(|u| !u.is_empty()) {
        return Ok(url);
    }
    url_from_toml(text).map_err(DbError::Url)
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DatabaseFile {
    url: String,
}

fn url_from_toml(text: &str) -> Result<String, String> {
    let file: DatabaseFile =
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())?;
    Backend::of_url(&file.url).map_err(|e| e.to_string())?;
    Ok(file.url)
}

/// A pool of connections to the app's database.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
}

impl Db {
    /// Opens the database at `url`. A SQLite file (`sqlite://data/dev.db`, relative to the
    /// working directory) and its folder are created when missing.
    pub async fn connect(url: &str) -> Result<Db, DbError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)?;
        let failed = |e: &dyn std::fmt::Display| DbError::Connect {
            url: redact(url),
            message: e.to_string(),
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(5));
        let url = match backend {
            Backend::Postgres => url.to_owned(),
            Backend::Sqlite => {
                let memory = url.contains(":memory:") || url.contains("mode=memory");
                if memory {
                    // Every connection to `:memory:` is a database of its own: keep one.
                    options = options
                        .max_connections(1)
                        .min_connections(1)
                        .idle_timeout(None)
                        .max_lifetime(None);
                } else if let Some(path) = sqlite_path(url)
                    && let Some(parent) =
                        Path::new(path).parent().filter(|p| !p.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(parent).map_err(|e| failed(&e))?;
                }
                options = options.after_connect(move |conn, _| {
                    Box::pin(async move {
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute("PRAGMA busy_timeout = 5000").await?;
                        if !memory {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                        }
                        Ok(())
                    })
                });
                if memory || url.contains("mode=") {
                    url.to_owned()
                } else {
                    let sep = if url.contains('?') { '&' } else { '?' };
                    format!("{url}{sep}mode=rwc")
                }
            }
        };
        let pool = match options.connect(&url).await {
            Ok(pool) => pool,
            // The pool only says it timed out: one direct attempt tells why (refused, unknown
            // database, authentication).
            Err(sqlx::Error::PoolTimedOut) => {
                use sqlx::Connection as _;
                return Err(match sqlx::AnyConnection::connect(&url).await {
                    Err(e) => failed(&e),
                    Ok(_) => failed(&"timed out waiting for a connection"),
                });
            }
            Err(e) => return Err(failed(&e)),
        };
        tracing::info!(target: "zero_db", backend = backend.name(), url = %redact(&url), "connected");
        Ok(Db { pool, backend })
    }

    /// Which database this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool, for queries: `sqlx::query("SELECT ...").bind(x).fetch_all(db.pool())`.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// `sql` as this database runs it. Queries are written once for both backends, with a
    /// typed parameter cast the Postgres way (`VALUES ($1, $2::date)`): Postgres needs the cast
    /// to put text in a native column, and SQLite, which stores such values as text, gets the
    /// query without its casts. Quoted strings and identifiers are left as they are.
    /// Each query is rewritten once: queries are literals, so their SQLite forms are kept for
    /// the life of the process.
    pub fn sql(&self, sql: &'static str) -> sqlx::SqlStr {
        match self.backend {
            Backend::Sqlite if sql.contains("::") => sqlx::SqlStr::from_static(sqlite_form(sql)),
            _ => sqlx::SqlStr::from_static(sql),
        }
    }

    /// Starts a transaction (rolled back when dropped without `commit`).
    pub async fn begin(&self) -> Result<sqlx::Transaction<'static, Any>, DbError> {
        Ok(self.pool.begin().await?)
    }

    /// Applies the migrations of this backend not applied yet; refuses a database whose
    /// applied migrations differ from the app's (an edited migration file, or a deleted one
    /// older than the build's newest). A database that has applied migrations newer than every
    /// file of this build (this binary was rolled back after its successor migrated) is
    /// accepted with a `newer migrations` warning: migrations are written expand-then-contract,
    /// so an older build runs on its successor's schema (`docs/guide/compatibility.md`).
    pub async fn migrate(&self, migrations: &Migrations) -> Result<(), DbError> {
        let migrator = self.migrator(migrations);
        let applied = self.applied(migrations).await?;
        let newer = history::newer_than_build(&applied, migrator).map_err(DbError::Migrate)?;
        let failed = |e: sqlx::migrate::MigrateError| DbError::Migrate(e.to_string());
        if newer.is_empty() {
            return migrator.run(&self.pool).await.map_err(failed);
        }
        tracing::warn!(
            target: "zero_db",
            versions = ?newer,
            "newer migrations: the database has migrations this build does not know \
             (a rolled-back binary); running on their schema"
        );
        let mut tolerant =
            sqlx::migrate::Migrator::with_migrations(migrator.iter().cloned().collect());
        tolerant.set_ignore_missing(true);
        tolerant.run(&self.pool).await.map_err(failed)
    }

    /// The versions of the migrations this database has applied, oldest first (none when it
    /// has never been migrated).
    pub async fn applied(&self, migrations: &Migrations) -> Result<Vec<i64>, DbError> {
        use sqlx::migrate::Migrate as _;
        let table = &self.migrator(migrations).table_name;
        let mut conn = self.pool.acquire().await?;
        let failed = |e: sqlx::migrate::MigrateError| DbError::Migrate(e.to_string());
        conn.ensure_migrations_table(table).await.map_err(failed)?;
        let mut versions: Vec<i64> = conn
            .list_applied_migrations(table)
            .await
            .map_err(failed)?
            .into_iter()
            .map(|m| m.version)
            .collect();
        versions.sort_unstable();
        Ok(versions)
    }

    /// Reverts applied migrations, newest first, by their `.down.sql` files, as `to` says.
    /// Nothing runs unless every migration to revert has a down file in this build; each down
    /// file runs in its own transaction (unless it starts `-- no-transaction`). Returns what
    /// was reverted, newest first (nothing when nothing was applied).
    pub async fn rollback(
        &self,
        migrations: &Migrations,
        to: Rollback,
    ) -> Result<Vec<Reverted>, DbError> {
        let migrator = self.migrator(migrations);
        let applied = self.applied(migrations).await?;
        let (downs, ends_at) = history::plan(&applied, migrator, to).map_err(DbError::Migrate)?;
        if downs.is_empty() {
            return Ok(Vec::new());
        }
        let reverted: Vec<Reverted> = downs
            .iter()
            .map(|m| Reverted { version: m.version, description: m.description.to_string() })
            .collect();
        migrator.undo(&self.pool, ends_at).await.map_err(|e| DbError::Migrate(e.to_string()))?;
        for m in &reverted {
            tracing::info!(
                target: "zero_db",
                version = m.version,
                description = %m.description,
                "migration reverted"
            );
        }
        Ok(reverted)
    }

    fn migrator<'m>(&self, migrations: &'m Migrations) -> &'m sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &migrations.sqlite,
            Backend::Postgres => &migrations.postgres,
        }
    }

    /// Checks that every table of `tables` exists, naming all that do not.
    pub async fn require_tables(&self, tables: &[&str]) -> Result<(), DbError> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $1",
            Backend::Postgres => {
                // Only the existence: the Any driver cannot decode Postgres's `name` type.
                "SELECT 1 FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = $1"
            }
        };
        let mut missing = Vec::new();
        for table in tables {
            let found = sqlx::query(sql).bind(*table).fetch_optional(&self.pool).await?;
            if found.is_none() {
                missing.push((*table).to_owned());
            }
        }
        if missing.is_empty() { Ok(()) } else { Err(DbError::MissingTables(missing)) }
    }

    /// A round trip to the database (for health checks).
    pub async fn ping(&self) -> Result<(), DbError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The file path of a SQLite URL (`sqlite://data/dev.db`, `sqlite:data/dev.db`), without its
/// query.
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty()).then_some(path)
}

/// The SQLite form of query `sql` ([`without_casts`]), made once per query.
fn sqlite_form(sql: &'static str) -> &'static str {
    static FORMS: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<&'static str, &'static str>>,
    > = std::sync::OnceLock::new();
    let forms = FORMS.get_or_init(Default::default);
    let mut forms = forms.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    // Bounded: one entry per query literal of the program.
    forms.entry(sql).or_insert_with(|| Box::leak(without_casts(sql).into_boxed_str()))
}

/// `sql` without its `::type` casts outside quotes (`$2::date` becomes `$2`).
fn without_casts(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == ':' && chars.peek() == Some(&':') => {
                chars.next();
                // The type's name: letters, digits, `_`, and `[]` for an array.
                while chars.peek().is_some_and(|c| c.is_ascii_alphanumeric() || "_[]".contains(*c))
                {
                    chars.next();
                }
            }
            None => out.push(c),
        }
    }
    out
}

/// A value read from a column of a row, the same way on both backends.
pub trait Column: Sized {
    /// Reads column `name` of `row`.
    fn column(row: &AnyRow, name: &str) -> Result<Self, DbError>;
}

macro_rules! column_as_is {
    ($($ty:ty),*) => {$(
        impl Column for $ty {
            fn column(row: &AnyRow, name: &str) -> Result<Self, DbError> {
                Ok(row.try_get::<$ty, _>(name)?)
            }
        }
    )*};
}
column_as_is!(i64, f64, String);

impl Column for bool {
    /// Postgres `BOOLEAN`, or SQLite's `0`/`1`.
    fn column(row: &AnyRow, name: &str) -> Result<Self, DbError> {
        match row.try_get::<bool, _>(name) {
            Ok(b) => Ok(b),
            Err(_) => Ok(row.try_get::<i64, _>(name)? != 0),
        }
    }
}

macro_rules! column_as_text {
    ($($ty:ty => $parse:path, $what:literal);*) => {$(
        impl Column for $ty {
            /// The column's text (`CAST(col AS TEXT)` on Postgres), parsed.
            fn column(row: &AnyRow, name: &str) -> Result<Self, DbError> {
                let text = row.try_get::<String, _>(name)?;
                $parse(&text).ok_or_else(|| DbError::Decode {
                    column: name.to_owned(),
                    message: format!("`{text}` is not {}", $what),
                })
            }
        }
    )*};
}
column_as_text!(
    values::Date => values::parse_date, "a date";
    values::DateTime => values::parse_datetime, "a date and time";
    values::Decimal => values::parse_decimal, "a decimal number";
    values::Uuid => values::parse_uuid, "a UUID"
);

impl<T: Column> Column for Option<T> {
    fn column(row: &AnyRow, name: &str) -> Result<Self, DbError> {
        if row.try_get_raw(name)?.is_null() { Ok(None) } else { T::column(row, name).map(Some) }
    }
}

/// Reads column `name` of `row` as `T`: `let title: String = zero_db::get(&row, "title")?;`.
pub fn get<T: Column>(row: &AnyRow, name: &str) -> Result<T, DbError> {
    T::column(row, name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casts_are_left_out_for_sqlite_outside_quotes_only() {
        assert_eq!(
            without_casts(
                "INSERT INTO t (a, b) VALUES ($1, $2::date) RETURNING CAST(b AS TEXT) AS b"
            ),
            "INSERT INTO t (a, b) VALUES ($1, $2) RETURNING CAST(b AS TEXT) AS b"
        );
        assert_eq!(
            without_casts("SET a = $1::timestamp, b = $2::numeric, c = $3::uuid"),
            "SET a = $1, b = $2, c = $3"
        );
        assert_eq!(without_casts("SELECT $1::int[] AS x"), "SELECT $1 AS x");
        assert_eq!(
            without_casts("SELECT 'a::b', \"c::d\" FROM t"),
            "SELECT 'a::b', \"c::d\" FROM t"
        );
        assert_eq!(without_casts("SELECT 'it''s'::text"), "SELECT 'it''s'");
        // Made once per query: the same text comes back, not a new copy.
        let query = "UPDATE t SET d = $1::date";
        assert_eq!(sqlite_form(query), "UPDATE t SET d = $1");
        assert!(std::ptr::eq(sqlite_form(query), sqlite_form(query)));
    }

    #[test]
    fn urls_name_their_backend_and_passwords_never_show() {
        assert_eq!(Backend::of_url("sqlite://data/dev.db").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("postgresql://u@h/db").unwrap(), Backend::Postgres);
        let error = Backend::of_url("mysql://root:hunter2@db/app").unwrap_err();
        assert!(error.to_string().contains("names no supported database"), "{error}");
        assert!(!error.to_string().contains("hunter2"), "{error}");
        assert_eq!(redact("postgres://app:s3cret@db:5432/app"), "postgres://app:***@db:5432/app");
        assert_eq!(redact("postgres://app@db/app"), "postgres://app@db/app");
        assert_eq!(redact("postgres://app:p@ss@db/app"), "postgres://app:***@db/app");
        assert_eq!(
            redact("postgres://db/app?user=app&password=s3cret&sslmode=require"),
            "postgres://db/app?user=app&password=***&sslmode=require"
        );
        assert_eq!(redact("sqlite://data/dev.db?mode=rwc"), "sqlite://data/dev.db?mode=rwc");
        assert_eq!(sqlite_path("sqlite://data/dev.db?mode=rwc"), Some("data/dev.db"));
        assert_eq!(sqlite_path("sqlite::memory:"), Some(":memory:"));
        assert_eq!(sqlite_path("sqlite://"), None);
    }

    #[test]
    fn the_file_names_the_url_and_bad_files_are_located() {
        assert_eq!(
            url_from_toml("url = \"sqlite://data/dev.db\"\n").unwrap(),
            "sqlite://data/dev.db"
        );
        let error = url_from_toml("url = sqlite\n").unwrap_err();
        assert!(error.contains("line 1, column 7"), "{error}");
        assert!(url_from_toml("").unwrap_err().contains("missing field `url`"));
        assert!(
            url_from_toml("url = \"x\"\npool = 3\n").unwrap_err().contains("unknown field `pool`")
        );
        assert!(
            url_from_toml("url = \"redis://h\"\n")
                .unwrap_err()
                .contains("names no supported database")
        );
        let error = url_from_file(Path::new("/nonexistent/database.toml")).unwrap_err();
        assert!(error.to_string().contains("/nonexistent/database.toml"), "{error}");
        let file = "url = \"sqlite://data/dev.db\"\n";
        assert_eq!(url_from_text(file, |_| None).unwrap(), "sqlite://data/dev.db");
        let env = |k: &str| (k == "DATABASE_URL").then(|| "postgres://db/app".to_owned());
        assert_eq!(url_from_text("not toml", env).unwrap(), "postgres://db/app");
        assert!(url_from_text("url = 3", |_| None).is_err());
    }

    #[test]
    fn unique_errors_describe_their_columns() {
        let one = DbError::Unique { table: Some("posts".into()), columns: vec!["title".into()] };
        assert_eq!(one.to_string(), "`posts.title` is already taken");
        assert_eq!(one.field(), Some("title"));
        let two =
            DbError::Unique { table: None, columns: vec!["author_id".into(), "title".into()] };
        assert_eq!(two.to_string(), "the combination of author_id, title is already taken");
        assert_eq!(two.field(), Some("title"));
        assert_eq!(DbError::NotFound.field(), None);
        assert_eq!(missing_table(Some("1"), "no such table: posts").as_deref(), Some("posts"));
        assert_eq!(
            missing_table(Some("42P01"), "relation \"posts\" does not exist").as_deref(),
            Some("posts")
        );
        assert_eq!(missing_table(Some("42601"), "syntax error"), None);
    }
}
