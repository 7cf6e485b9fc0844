//! What the app's tests share: a fresh, migrated database for each test (`zero_db::testing`):
//! in-memory SQLite, or with `TEST_DATABASE_URL=postgres://...` a schema of its own in that
//! Postgres (so the same tests run on both backends).

use zero_db::Db;

/// A new database with every migration applied.
pub async fn database() -> Db {
    let migrations = blog::web::migrations().expect("the app's migrations");
    zero_db::testing::database(&migrations).await.expect("a migrated database")
}
