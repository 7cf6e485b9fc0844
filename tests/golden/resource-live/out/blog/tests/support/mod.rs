//! What the app's tests share: a fresh, migrated database for each test (`zero_db::testing`):
//! in-memory SQLite, or with `TEST_DATABASE_URL=postgres://...` a schema of its own in that
//! Postgres (so the same tests run on both backends).

use zero_db::Db;

/// A new database with every migration applied.
pub async fn database() -> Db {
    let migrations = blog::web::migrations().expect("the app's migrations");
    zero_db::testing::database(&migrations).await.expect("a migrated database")
}

/// A post in the database (with a row of each table it references); `n` varies
/// its unique values. Added by `zerogen resource Post posts`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn posts_row(db: &Db, n: u32) -> blog::posts::Post {
    let values = blog::posts::example_values(n);
    let attrs = blog::posts::validate(&values).expect("valid example values");
    blog::posts::create(db, &zero_live::pubsub::Local::default(), &attrs).await.expect("a post row")
}

/// A comment in the database (with a row of each table it references); `n` varies
/// its unique values. Added by `zerogen resource Comment comments`.
#[allow(dead_code)] // each test binary uses some of the fixtures
pub async fn comments_row(db: &Db, n: u32) -> blog::comments::Comment {
    let mut values = blog::comments::example_values(n);
    values.insert("post_id".to_owned(), posts_row(db, n).await.id.to_string());
    let attrs = blog::comments::validate(&values).expect("valid example values");
    blog::comments::create(db, &zero_live::pubsub::Local::default(), &attrs)
        .await
        .expect("a comment row")
}
