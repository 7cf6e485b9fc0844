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

/// A post in the database (with a row of each table it references); `n` varies
/// its unique values. Added by `zerogen resource Post posts`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn posts_row(db: &Db, n: u32) -> blog::posts::Post {
    let values = blog::posts::example_values(n);
    let attrs = blog::posts::validate(&values).expect("valid example values");
    blog::posts::create(db, &zero_live::pubsub::Local::default(), &attrs).await.expect("a post row")
}
