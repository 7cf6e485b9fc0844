//! What an app's tests need from the database (the `testing` feature): a fresh, migrated
//! database for each test, so tests run in parallel and never see each other's rows. A
//! generated app's `tests/support` calls [`database`] with its migrations; a fix here reaches
//! every app with an upgrade.
//!
//! By default each database is in-memory SQLite. With `TEST_DATABASE_URL=postgres://...` each
//! one is a schema of its own in that server, so the same tests run on both backends. Schemas
//! that tests left behind more than an hour ago are dropped when the next one is made.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::{Backend, Db, DbError, Migrations, redact};

/// The variable that names a Postgres server for the tests (unset: in-memory SQLite).
pub const DATABASE_URL_VAR: &str = "TEST_DATABASE_URL";

/// The prefix of the schemas [`fresh_url`] makes: `zl_test_<unix seconds>_<pid>_<n>`.
pub const SCHEMA_PREFIX: &str = "zl_test_";

/// How old a test schema is before the next test drops it.
pub const SCHEMA_TTL: Duration = Duration::from_secs(3600);

/// A new database of the calling test's own with `migrations` applied, on the server
/// `TEST_DATABASE_URL` names (see [`fresh_url`]).
pub async fn database(migrations: &Migrations) -> Result<Db, DbError> {
    let server = std::env::var(DATABASE_URL_VAR).ok();
    let db = Db::connect(&fresh_url(server.as_deref()).await?).await?;
    db.migrate(migrations).await?;
    Ok(db)
}

/// The URL of a new, empty database: `sqlite::memory:` when `server` is `None` or empty; a new
/// schema in `server` when it names a Postgres server. Any other URL is refused, so a mistyped
/// variable never quietly tests on another backend.
pub async fn fresh_url(server: Option<&str>) -> Result<String, DbError> {
    let Some(server) = server.filter(|s| !s.trim().is_empty()) else {
        return Ok("sqlite::memory:".to_owned());
    };
    if Backend::of_url(server).ok() != Some(Backend::Postgres) {
        return Err(DbError::Url(format!(
            "{DATABASE_URL_VAR} is `{}`: name a Postgres server (postgres://...), or unset it \
             to test on in-memory SQLite",
            redact(server)
        )));
    }
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs();
    // The time orders schemas for the clean-up; the process id and a counter keep the names of
    // parallel test binaries and tests apart.
    let schema = format!(
        "{SCHEMA_PREFIX}{now}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let admin = Db::connect(server).await?;
    drop_stale_schemas(&admin, now).await;
    let created = sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(admin.pool())
        .await;
    admin.close().await;
    created?;
    let sep = if server.contains('?') { '&' } else { '?' };
    Ok(format!("{server}{sep}options=-c%20search_path%3D{schema}"))
}

/// Drops the test schemas made more than [`SCHEMA_TTL`] before `now`. Best effort: a schema
/// another process drops at the same time, or one this role may not drop, stays for later.
async fn drop_stale_schemas(admin: &Db, now: u64) {
    let pattern = format!("{}%", SCHEMA_PREFIX.replace('_', "\\_"));
    let Ok(rows) =
        sqlx::query("SELECT nspname::text AS name FROM pg_namespace WHERE nspname LIKE $1")
            .bind(pattern)
            .fetch_all(admin.pool())
            .await
    else {
        return;
    };
    for row in &rows {
        let Ok(name) = crate::get::<String>(row, "name") else { continue };
        if schema_is_stale(&name, now) {
            let drop = format!("DROP SCHEMA IF EXISTS {name} CASCADE");
            let _ = sqlx::query(sqlx::AssertSqlSafe(drop)).execute(admin.pool()).await;
        }
    }
}

/// Whether `name` is a test schema made more than [`SCHEMA_TTL`] before `now` (and only
/// letters, digits and `_`, so it is safe to name in SQL).
fn schema_is_stale(name: &str, now: u64) -> bool {
    let Some(rest) = name.strip_prefix(SCHEMA_PREFIX) else { return false };
    let made = rest.split('_').next().and_then(|s| s.parse::<u64>().ok());
    name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && made.is_some_and(|made| now.saturating_sub(made) > SCHEMA_TTL.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_test_schemas_older_than_an_hour_are_stale() {
        let now = 1_800_000_000;
        assert!(schema_is_stale("zl_test_1799990000_42_0", now));
        assert!(!schema_is_stale("zl_test_1799999000_42_0", now), "15 minutes old");
        assert!(!schema_is_stale("public", now));
        assert!(!schema_is_stale("zl_test_x_1_0", now), "no time");
        assert!(!schema_is_stale("zl_test_1_1; DROP TABLE users", now), "not a plain name");
    }

    #[tokio::test]
    async fn without_a_server_each_database_is_sqlite_in_memory_and_a_wrong_url_is_refused() {
        assert_eq!(fresh_url(None).await.unwrap(), "sqlite::memory:");
        assert_eq!(fresh_url(Some(" ")).await.unwrap(), "sqlite::memory:");
        for wrong in ["sqlite://shared.db", "mysql://u:secret@h/db", "postgress://x"] {
            let refused = fresh_url(Some(wrong)).await.unwrap_err().to_string();
            assert!(refused.contains("TEST_DATABASE_URL"), "{refused}");
            assert!(!refused.contains("secret"), "the password is redacted: {refused}");
        }
    }
}
