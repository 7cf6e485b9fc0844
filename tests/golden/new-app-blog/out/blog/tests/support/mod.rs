//! What the app's tests share: a fresh, migrated database for each test, in-memory SQLite, or
//! with `TEST_DATABASE_URL=postgres://...` a schema of its own in that Postgres (so the same
//! tests run on both backends).

use std::sync::atomic::{AtomicU32, Ordering};

use zero_db::Db;

/// A new database with every migration applied.
pub async fn database() -> Db {
    let url = match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            // The process id and the time: ids are reused (a busy machine wraps them) and a
            // schema outlives the test that made it.
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            let nanos = now.map_or(0, |d| d.as_nanos());
            let schema = format!("test_{}_{nanos}_{n}", std::process::id());
            let admin = Db::connect(&url).await.expect("the test database");
            let create = format!("CREATE SCHEMA {schema}");
            sqlx::query(sqlx::AssertSqlSafe(create))
                .execute(admin.pool())
                .await
                .expect("a schema of the test's own");
            admin.close().await;
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}options=-c%20search_path%3D{schema}")
        }
        _ => "sqlite::memory:".to_owned(),
    };
    blog::web::database(&url).await.expect("a migrated database")
}
