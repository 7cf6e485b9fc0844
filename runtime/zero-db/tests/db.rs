#![allow(clippy::unwrap_used, clippy::print_stderr)]
//! `zero_db` against real databases: a SQLite file always, and Postgres when
//! `ZERO_DB_POSTGRES_URL` names one (CI starts it with `.ci/postgres`; under `CI` its absence
//! fails the run instead of skipping). Each Postgres test works in a schema of its own.

use zero_db::{Backend, Db, DbError, Migrations, get};

/// Embedded as an app's build script embeds them (`zero_template::embed` writes this list).
fn migrations() -> Migrations {
    const CREATE: &str = "20261125000000_create_authors_and_posts.sql";
    Migrations::embedded(
        &[(CREATE, include_str!("migrations/sqlite/20261125000000_create_authors_and_posts.sql"))],
        &[(
            CREATE,
            include_str!("migrations/postgres/20261125000000_create_authors_and_posts.sql"),
        )],
    )
    .unwrap()
}

/// A fresh database of each backend: a SQLite file in `dir`, and a new Postgres schema.
async fn databases(dir: &std::path::Path) -> Vec<Db> {
    let sqlite = format!("sqlite://{}/nested/app.db", dir.display());
    let mut dbs = vec![Db::connect(&sqlite).await.unwrap()];
    match std::env::var("ZERO_DB_POSTGRES_URL") {
        Ok(url) => dbs.push(postgres_schema(&url).await),
        Err(_) if std::env::var_os("CI").is_some() => {
            panic!("ZERO_DB_POSTGRES_URL is not set: CI runs these tests on Postgres too")
        }
        Err(_) => eprintln!("ZERO_DB_POSTGRES_URL not set: Postgres not tested in this run"),
    }
    dbs
}

async fn postgres_schema(url: &str) -> Db {
    Db::connect(&zero_db::testing::fresh_url(Some(url)).await.unwrap()).await.unwrap()
}

async fn author(db: &Db, name: &str) -> Result<i64, DbError> {
    let row = sqlx::query("INSERT INTO authors (name) VALUES ($1) RETURNING id")
        .bind(name)
        .fetch_one(db.pool())
        .await?;
    get(&row, "id")
}

#[tokio::test]
async fn migrations_apply_once_and_rows_round_trip_with_their_types() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        db.migrate(&migrations()).await.unwrap();
        db.migrate(&migrations()).await.unwrap();
        db.require_tables(&["authors", "posts"]).await.unwrap();
        let ada = author(&db, "Ada").await.unwrap();
        sqlx::query(
            "INSERT INTO posts (author_id, title, published, score) VALUES ($1, $2, $3, $4)",
        )
        .bind(ada)
        .bind("Notes")
        .bind(true)
        .bind(None::<f64>)
        .execute(db.pool())
        .await
        .unwrap();
        let row = sqlx::query("SELECT title, published, score FROM posts WHERE author_id = $1")
            .bind(ada)
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(get::<String>(&row, "title").unwrap(), "Notes");
        assert!(get::<bool>(&row, "published").unwrap(), "{:?}", db.backend());
        assert_eq!(get::<Option<f64>>(&row, "score").unwrap(), None);
        let wrong = get::<i64>(&row, "title").unwrap_err();
        assert!(matches!(&wrong, DbError::Decode { column, .. } if column == "title"), "{wrong}");
        db.ping().await.unwrap();
    }
    assert!(dir.path().join("nested/app.db").is_file(), "the SQLite file and its folder exist");
}

#[tokio::test]
async fn unique_and_foreign_key_violations_say_which_table_and_columns() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        db.migrate(&migrations()).await.unwrap();
        let ada = author(&db, "Ada").await.unwrap();
        let taken = author(&db, "Ada").await.unwrap_err();
        match &taken {
            DbError::Unique { table, columns } => {
                assert_eq!(table.as_deref(), Some("authors"), "{:?}", db.backend());
                assert_eq!(columns, &["name"], "{:?}", db.backend());
            }
            other => panic!("{:?}: {other:?}", db.backend()),
        }
        assert_eq!(taken.field(), Some("name"));
        let insert = "INSERT INTO posts (author_id, title) VALUES ($1, $2)";
        sqlx::query(insert).bind(ada).bind("Notes").execute(db.pool()).await.unwrap();
        let twice: DbError = sqlx::query(insert)
            .bind(ada)
            .bind("Notes")
            .execute(db.pool())
            .await
            .unwrap_err()
            .into();
        assert!(
            matches!(&twice, DbError::Unique { columns, .. } if columns == &["author_id", "title"]),
            "{:?}: {twice:?}",
            db.backend()
        );
        assert_eq!(twice.field(), Some("title"));
        let orphan: DbError = sqlx::query(insert)
            .bind(999_i64)
            .bind("Lost")
            .execute(db.pool())
            .await
            .unwrap_err()
            .into();
        assert!(matches!(orphan, DbError::ForeignKey), "{:?}: {orphan:?}", db.backend());
        // Nothing was written by the refused statements.
        let count: i64 = get(
            &sqlx::query("SELECT COUNT(*) AS n FROM posts").fetch_one(db.pool()).await.unwrap(),
            "n",
        )
        .unwrap();
        assert_eq!(count, 1);
    }
}

#[tokio::test]
async fn missing_tables_are_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let error = db.require_tables(&["authors", "posts"]).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "tables `authors`, `posts` missing: run the app's migrations (they run on start in dev)"
        );
        let Err(error) = sqlx::query("SELECT * FROM posts").fetch_all(db.pool()).await else {
            panic!("{:?}: a query of a missing table succeeded", db.backend())
        };
        let error = DbError::from(error);
        assert!(matches!(&error, DbError::MissingTables(t) if t == &["posts"]), "{error:?}");
    }
}

#[tokio::test]
async fn a_transaction_commits_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        db.migrate(&migrations()).await.unwrap();
        {
            let mut tx = db.begin().await.unwrap();
            sqlx::query("INSERT INTO authors (name) VALUES ($1)")
                .bind("Dropped")
                .execute(&mut *tx)
                .await
                .unwrap();
            // Dropped without commit: rolled back.
        }
        let mut tx = db.begin().await.unwrap();
        sqlx::query("INSERT INTO authors (name) VALUES ($1)")
            .bind("Kept")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let rows = sqlx::query("SELECT name FROM authors ORDER BY name")
            .fetch_all(db.pool())
            .await
            .unwrap();
        let names: Vec<String> = rows.iter().map(|r| get(r, "name").unwrap()).collect();
        assert_eq!(names, ["Kept"], "{:?}", db.backend());
    }
}

#[tokio::test]
async fn an_edited_migration_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("migrations");
    std::fs::create_dir(&folder).unwrap();
    let file = folder.join("20261125000000_create_authors.sql");
    std::fs::write(&file, "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);")
        .unwrap();
    let db = Db::connect(&format!("sqlite://{}/app.db", dir.path().display())).await.unwrap();
    let load = || async {
        let migrator = sqlx::migrate::Migrator::new(folder.as_path()).await.unwrap();
        let other = sqlx::migrate::Migrator::new(folder.as_path()).await.unwrap();
        Migrations { sqlite: migrator, postgres: other }
    };
    db.migrate(&load().await).await.unwrap();
    std::fs::write(&file, "CREATE TABLE authors (id INTEGER PRIMARY KEY);").unwrap();
    let error = db.migrate(&load().await).await.unwrap_err();
    assert!(matches!(error, DbError::Migrate(_)), "{error:?}");
    assert!(error.to_string().contains("20261125000000"), "{error}");
}

/// An app migrated by sqlx's folder reader (what `sqlx::migrate!` and `sqlx migrate run` use)
/// moves to the embedded files without a checksum mismatch; an edited file is still refused.
#[tokio::test]
async fn a_database_migrated_by_sqlx_accepts_the_same_files_embedded() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("migrations");
    std::fs::create_dir(&folder).unwrap();
    let name = "20261125000000_create_authors.sql";
    let sql = "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);";
    std::fs::write(folder.join(name), sql).unwrap();
    let db = Db::connect(&format!("sqlite://{}/app.db", dir.path().display())).await.unwrap();
    let by_sqlx = sqlx::migrate::Migrator::new(folder.as_path()).await.unwrap();
    let unused = sqlx::migrate::Migrator::new(folder.as_path()).await.unwrap();
    db.migrate(&Migrations { sqlite: by_sqlx, postgres: unused }).await.unwrap();

    let embedded = |sql: &'static str| {
        let files: &'static [(&'static str, &'static str)] = Box::leak(Box::new([(name, sql)]));
        Migrations::embedded(files, &[]).unwrap()
    };
    db.migrate(&embedded(sql)).await.unwrap();
    db.require_tables(&["authors"]).await.unwrap();
    let edited = db.migrate(&embedded("CREATE TABLE authors (id INTEGER PRIMARY KEY);")).await;
    let error = edited.unwrap_err();
    assert!(matches!(error, DbError::Migrate(_)) && error.to_string().contains("20261125000000"));
}

#[tokio::test]
async fn unreachable_and_unknown_databases_are_refused_without_their_password() {
    let error = Db::connect("postgres://app:s3cret@127.0.0.1:1/app").await.unwrap_err();
    let text = error.to_string();
    assert!(
        text.starts_with("cannot open the database at postgres://app:***@127.0.0.1:1/app"),
        "{text}"
    );
    assert!(!text.contains("s3cret"), "{text}");
    assert!(text.contains("Connection refused"), "the driver's reason, not only a timeout: {text}");
    assert!(matches!(Db::connect("mysql://x/y").await.unwrap_err(), DbError::Url(_)));
    let memory = Db::connect("sqlite::memory:").await.unwrap();
    assert_eq!(memory.backend(), Backend::Sqlite);
    memory.migrate(&migrations()).await.unwrap();
    // One connection, so the tables migrated are the tables queried.
    memory.require_tables(&["authors"]).await.unwrap();
}

/// `zero_db::testing`: each call is a database of its own, migrated, on SQLite and on Postgres;
/// a test schema left over an hour ago is dropped when the next is made, a recent one is kept;
/// a server that is down is an error naming it.
#[tokio::test]
async fn each_test_database_is_its_own_and_old_test_schemas_are_dropped() {
    use zero_db::testing::{SCHEMA_PREFIX, fresh_url};
    let mut servers = vec![None];
    if let Ok(url) = std::env::var("ZERO_DB_POSTGRES_URL") {
        servers.push(Some(url));
    }
    for server in &servers {
        let one = Db::connect(&fresh_url(server.as_deref()).await.unwrap()).await.unwrap();
        let two = Db::connect(&fresh_url(server.as_deref()).await.unwrap()).await.unwrap();
        one.migrate(&migrations()).await.unwrap();
        two.migrate(&migrations()).await.unwrap();
        author(&one, "Ann").await.unwrap();
        let rows = sqlx::query("SELECT id FROM authors").fetch_all(two.pool()).await.unwrap();
        assert!(rows.is_empty(), "{server:?}: the second database has no rows of the first");
    }
    if let Some(Some(url)) = servers.get(1) {
        let admin = Db::connect(url).await.unwrap();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
        let old = format!("{SCHEMA_PREFIX}{}_1_0", now.as_secs() - 7200);
        let recent = format!("{SCHEMA_PREFIX}{}_1_0", now.as_secs() - 60);
        for schema in [&old, &recent] {
            let create = format!("CREATE SCHEMA IF NOT EXISTS {schema}");
            sqlx::query(sqlx::AssertSqlSafe(create)).execute(admin.pool()).await.unwrap();
        }
        fresh_url(Some(url)).await.unwrap();
        let exists = |name: String| {
            let pool = admin.pool().clone();
            async move {
                sqlx::query("SELECT 1 AS one FROM pg_namespace WHERE nspname::text = $1")
                    .bind(name)
                    .fetch_optional(&pool)
                    .await
                    .unwrap()
                    .is_some()
            }
        };
        assert!(!exists(old).await, "a schema left two hours ago is dropped");
        assert!(exists(recent.clone()).await, "a schema of a test still running is kept");
        let drop = format!("DROP SCHEMA {recent}");
        sqlx::query(sqlx::AssertSqlSafe(drop)).execute(admin.pool()).await.unwrap();
    }
    // What an app's tests call: wherever TEST_DATABASE_URL points, migrated and empty.
    let db = zero_db::testing::database(&migrations()).await.unwrap();
    assert_eq!(author(&db, "Bo").await.unwrap(), 1, "the first row of a new database");
    let down = fresh_url(Some("postgres://app:s3cret@127.0.0.1:1/app")).await.unwrap_err();
    assert!(down.to_string().contains("127.0.0.1:1") && !down.to_string().contains("s3cret"));
}

/// Dates, date-times, decimals and UUIDs are real types: native columns on Postgres, text on
/// SQLite, one query text for both (`Db::sql` leaves the Postgres casts out on SQLite), and the
/// same values read back. A column whose text is not the type is an error naming the column.
#[tokio::test]
async fn typed_values_round_trip_in_native_postgres_columns_and_sqlite_text() {
    use zero_db::values::{self, AsText as _, Date, DateTime, Decimal, Uuid};
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        let ddl = match db.backend() {
            Backend::Postgres => {
                "CREATE TABLE events (id BIGSERIAL PRIMARY KEY, on_day DATE NOT NULL, \
                 starts TIMESTAMP NOT NULL, price NUMERIC NOT NULL, ref UUID, note TEXT)"
            }
            Backend::Sqlite => {
                "CREATE TABLE events (id INTEGER PRIMARY KEY, on_day TEXT NOT NULL, \
                 starts TEXT NOT NULL, price TEXT NOT NULL, ref TEXT, note TEXT)"
            }
        };
        sqlx::query(ddl).execute(db.pool()).await.unwrap();
        let on_day: Date = values::parse_date("2024-02-29").unwrap();
        let starts: DateTime = values::parse_datetime("2026-11-25T10:30:05").unwrap();
        let price: Decimal = values::parse_decimal("12.50").unwrap();
        let id: Uuid = values::parse_uuid("123e4567-e89b-12d3-a456-426614174000").unwrap();
        let insert = db.sql(
            "INSERT INTO events (on_day, starts, price, ref, note) \
             VALUES ($1::date, $2::timestamp, $3::numeric, $4::uuid, 'a::b') \
             RETURNING id, CAST(on_day AS TEXT) AS on_day, CAST(starts AS TEXT) AS starts, \
             CAST(price AS TEXT) AS price, CAST(ref AS TEXT) AS ref, note",
        );
        let row = sqlx::query(insert)
            .bind(on_day.as_text())
            .bind(starts.as_text())
            .bind(price.as_text())
            .bind(values::nullable(&Some(id)))
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(get::<Date>(&row, "on_day").unwrap(), on_day);
        assert_eq!(get::<DateTime>(&row, "starts").unwrap(), starts);
        assert_eq!(get::<Decimal>(&row, "price").unwrap().as_text(), "12.50");
        assert_eq!(get::<Option<Uuid>>(&row, "ref").unwrap(), Some(id));
        assert_eq!(get::<String>(&row, "note").unwrap(), "a::b", "a quoted `::` stays");
        // NULL, and text that is not the type.
        let none = sqlx::query(db.sql(
            "INSERT INTO events (on_day, starts, price, ref) VALUES ($1::date, $2::timestamp, \
             $3::numeric, $4::uuid) RETURNING CAST(ref AS TEXT) AS ref, note AS on_day",
        ))
        .bind(on_day.as_text())
        .bind(starts.as_text())
        .bind(price.as_text())
        .bind(values::nullable::<Uuid>(&None))
        .fetch_one(db.pool())
        .await
        .unwrap();
        assert_eq!(get::<Option<Uuid>>(&none, "ref").unwrap(), None);
        let row = sqlx::query("SELECT 'not a date' AS on_day").fetch_one(db.pool()).await.unwrap();
        let error = get::<Date>(&row, "on_day").unwrap_err().to_string();
        assert_eq!(error, "column `on_day`: `not a date` is not a date");
        if db.backend() == Backend::Postgres {
            // The native column refuses a day that does not exist, whatever the app checked.
            let refused = sqlx::query(db.sql(
                "INSERT INTO events (on_day, starts, price) VALUES ($1::date, $2::timestamp, \
                 $3::numeric)",
            ))
            .bind("2025-02-31")
            .bind(starts.as_text())
            .bind("1")
            .execute(db.pool())
            .await;
            assert!(refused.is_err());
        }
    }
}

/// Builds of one app: v1 creates `notes`; v2 adds a nullable column (expand) and can revert
/// it; v3 adds a table with no down file. `gap` is v3 with v2's file deleted.
fn build(version: &str) -> Migrations {
    let files = |id: &'static str| {
        let create: &'static str = Box::leak(
            format!("CREATE TABLE notes (id {id} PRIMARY KEY, body TEXT NOT NULL);")
                .into_boxed_str(),
        );
        let mut files: Vec<(&'static str, &'static str)> = vec![
            ("1_create_notes.up.sql", create),
            ("1_create_notes.down.sql", "DROP TABLE notes;"),
        ];
        if version != "v1" && version != "gap" {
            files.push(("2_add_pinned_to_notes.up.sql", "ALTER TABLE notes ADD pinned BOOLEAN;"));
            files.push(("2_add_pinned_to_notes.down.sql", "ALTER TABLE notes DROP COLUMN pinned;"));
        }
        if version == "v3" || version == "gap" {
            files.push(("3_create_tags.sql", "CREATE TABLE tags (id INTEGER PRIMARY KEY);"));
        }
        let files: zero_db::EmbeddedFiles = Box::leak(files.into_boxed_slice());
        files
    };
    Migrations::embedded(files("INTEGER"), files("BIGSERIAL")).unwrap()
}

async fn notes(db: &Db) -> Vec<String> {
    let rows =
        sqlx::query("SELECT body FROM notes ORDER BY id").fetch_all(db.pool()).await.unwrap();
    rows.iter().map(|r| get::<String>(r, "body").unwrap()).collect()
}

/// The rollback a deployment does: v2 migrates, v1 comes back and runs on v2's schema (its
/// rows intact), then v2's `rollback-migration` reverts its migration and v1 migrates as
/// if v2 had never been; a migration without a down file, or newer than the build, is
/// refused before anything is reverted.
#[tokio::test]
async fn a_rolled_back_build_runs_on_its_successors_schema_and_down_files_revert_it() {
    let dir = tempfile::tempdir().unwrap();
    for db in databases(dir.path()).await {
        db.migrate(&build("v1")).await.unwrap();
        sqlx::query("INSERT INTO notes (body) VALUES ('from v1')")
            .execute(db.pool())
            .await
            .unwrap();
        db.migrate(&build("v2")).await.unwrap();
        sqlx::query("INSERT INTO notes (body, pinned) VALUES ('from v2', TRUE)")
            .execute(db.pool())
            .await
            .unwrap();
        assert_eq!(db.applied(&build("v1")).await.unwrap(), [1, 2]);

        // v1 again: it accepts the newer version and its inserts still work (expand).
        db.migrate(&build("v1")).await.unwrap();
        sqlx::query("INSERT INTO notes (body) VALUES ('v1 again')")
            .execute(db.pool())
            .await
            .unwrap();
        assert_eq!(notes(&db).await, ["from v1", "from v2", "v1 again"]);
        // ...but it cannot revert what it does not know.
        let err = db.rollback(&build("v1"), zero_db::Rollback::Steps(1)).await.unwrap_err();
        assert!(err.to_string().contains("migration 2 is newer than this build"), "{err}");

        // v2 reverts its own migration; the rows stay, the column goes.
        let reverted = db.rollback(&build("v2"), zero_db::Rollback::Steps(1)).await.unwrap();
        assert_eq!(
            reverted,
            [zero_db::Reverted { version: 2, description: "add pinned to notes".to_owned() }]
        );
        assert_eq!(db.applied(&build("v2")).await.unwrap(), [1]);
        assert_eq!(notes(&db).await, ["from v1", "from v2", "v1 again"]);
        let gone = sqlx::query("SELECT pinned FROM notes").fetch_all(db.pool()).await;
        assert!(gone.is_err(), "the down file dropped the column");
        db.migrate(&build("v1")).await.unwrap();
        assert!(db.rollback(&build("v1"), zero_db::Rollback::To(1)).await.unwrap().is_empty());

        // A migration with no down file stops the whole rollback before anything runs.
        db.migrate(&build("v3")).await.unwrap();
        let err = db.rollback(&build("v3"), zero_db::Rollback::To(0)).await.unwrap_err();
        assert!(err.to_string().contains("migration 3 (create tags) has no down file"), "{err}");
        assert_eq!(db.applied(&build("v3")).await.unwrap(), [1, 2, 3], "nothing was reverted");

        // A file deleted below the build's newest is still refused on migrate.
        let gap = build("gap");
        let err = db.migrate(&gap).await.unwrap_err();
        assert!(
            err.to_string().contains("applied migration 2, which this build has no file"),
            "{err}"
        );
    }
}
