//! The tables accounts use, per backend. `zerogen auth` writes these into the app's
//! migrations (so the app owns and may extend them); this crate's tests apply them as they are.

/// `users` and `users_tokens`, with `{id}` for the backend's id column (`tables.sql`, which
/// `zerogen auth` reads too).
pub const TABLES_SQL: &str = include_str!("tables.sql");

/// The statements that create the tables on `backend`.
pub fn sql(backend: zero_db::Backend) -> String {
    let id = match backend {
        zero_db::Backend::Sqlite => "id INTEGER PRIMARY KEY AUTOINCREMENT",
        zero_db::Backend::Postgres => "id BIGSERIAL PRIMARY KEY",
    };
    TABLES_SQL.replace("{id}", id)
}

/// The tables an app with accounts needs (checked at start).
pub const TABLES: &[&str] = &["users", "users_tokens"];

/// Creates the tables in `db` (its backend's statements, one by one): for tests and tools;
/// an app applies them as one of its migrations.
pub async fn create(db: &zero_db::Db) -> Result<(), zero_db::DbError> {
    let sql = sql(db.backend());
    for statement in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        zero_db::sqlx::query(zero_db::sqlx::AssertSqlSafe(statement.to_owned()))
            .execute(db.pool())
            .await?;
    }
    Ok(())
}
