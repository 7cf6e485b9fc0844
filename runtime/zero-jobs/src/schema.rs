//! The `zero_jobs` table, for each backend: what an app's migration creates (the generator
//! copies it) and what [`create`] runs for tests. Times are milliseconds since the Unix epoch,
//! in integers on both backends; arguments are JSON text.

use zero_db::{Backend, Db, DbError};

/// The table and its index on SQLite.
pub const SQLITE: &str = "CREATE TABLE zero_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    kind TEXT NOT NULL,
    args TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    run_at INTEGER NOT NULL,
    locked_by TEXT,
    locked_until INTEGER,
    unique_key TEXT,
    last_error TEXT,
    inserted_at INTEGER NOT NULL,
    finished_at INTEGER,
    UNIQUE (queue, unique_key)
);
CREATE INDEX zero_jobs_due ON zero_jobs (queue, state, run_at);
";

/// The table and its index on Postgres.
pub const POSTGRES: &str = "CREATE TABLE zero_jobs (
    id BIGSERIAL PRIMARY KEY,
    queue TEXT NOT NULL,
    kind TEXT NOT NULL,
    args TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL CHECK (max_attempts > 0),
    run_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    unique_key TEXT,
    last_error TEXT,
    inserted_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (queue, unique_key)
);
CREATE INDEX zero_jobs_due ON zero_jobs (queue, state, run_at);
";

/// Removes the table (a migration's down file).
pub const DROP: &str = "DROP TABLE zero_jobs;\n";

/// The table's SQL for `backend`.
pub fn sql(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => SQLITE,
        Backend::Postgres => POSTGRES,
    }
}

/// Creates the table in `db` (tests; an app creates it by a migration).
pub async fn create(db: &Db) -> Result<(), DbError> {
    for statement in sql(db.backend()).split(';').map(str::trim).filter(|s| !s.is_empty()) {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_owned())).execute(db.pool()).await?;
    }
    Ok(())
}
