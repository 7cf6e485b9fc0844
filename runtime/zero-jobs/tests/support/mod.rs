#![allow(clippy::unwrap_used, clippy::print_stderr, dead_code, unreachable_pub)]
//! What the queue's test binaries share: the databases each test runs on.

use zero_db::Db;

/// The URLs of a SQLite file in `dir`, and of a Postgres schema of the test's own when a server
/// is named, each with the jobs table.
pub async fn urls(dir: &std::path::Path) -> Vec<String> {
    let mut urls = vec![format!("sqlite://{}/jobs.db", dir.display())];
    match std::env::var("ZERO_DB_POSTGRES_URL") {
        Ok(url) => urls.push(zero_db::testing::fresh_url(Some(&url)).await.unwrap()),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("ZERO_DB_POSTGRES_URL is not set: CI runs these tests on Postgres too")
        }
        Err(_) => eprintln!("ZERO_DB_POSTGRES_URL not set: Postgres not tested in this run"),
    }
    for url in &urls {
        zero_jobs::schema::create(&Db::connect(url).await.unwrap()).await.unwrap();
    }
    urls
}

/// The databases of [`urls`].
pub async fn databases(dir: &std::path::Path) -> Vec<Db> {
    let mut dbs = Vec::new();
    for url in urls(dir).await {
        dbs.push(Db::connect(&url).await.unwrap());
    }
    dbs
}
