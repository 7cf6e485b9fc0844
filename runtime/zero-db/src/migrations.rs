//! An app's migrations: one folder per backend (DDL is not portable), embedded in the binary by
//! the app's build script (`zero_template::embed`) and read here the way sqlx reads a folder:
//! `VERSION_DESCRIPTION.sql`, or `.up.sql` and `.down.sql` for a reversible one, and a first
//! line `-- no-transaction` to run outside a transaction. The checksums are sqlx's, so a
//! database migrated by `sqlx::migrate!` or `sqlx migrate run` accepts the same files.

use std::borrow::Cow;
use std::collections::BTreeSet;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::DbError;

/// An app's migrations, one [`Migrator`] per backend.
#[derive(Debug)]
pub struct Migrations {
    /// Applied to SQLite.
    pub sqlite: Migrator,
    /// Applied to Postgres.
    pub postgres: Migrator,
}

/// Embedded files: `(file name, contents)`.
pub type EmbeddedFiles = &'static [(&'static str, &'static str)];

impl Migrations {
    /// Reads the embedded folders (`migrations/sqlite` and `migrations/postgres` in a generated
    /// app). A file whose name is not `VERSION_DESCRIPTION.sql` with an integer version, or two
    /// files with one version, is an error that names the file.
    pub fn embedded(sqlite: EmbeddedFiles, postgres: EmbeddedFiles) -> Result<Migrations, DbError> {
        Ok(Migrations {
            sqlite: migrator("migrations/sqlite", sqlite)?,
            postgres: migrator("migrations/postgres", postgres)?,
        })
    }

    /// These migrations and those of `package` (a live package the app mounts, named for the
    /// error), applied as one ordered set, so a database records them in one history. A version
    /// both have is an error that names it and the package: each keeps its own versions.
    pub fn merge(self, package: &str, other: Migrations) -> Result<Migrations, DbError> {
        Ok(Migrations {
            sqlite: merged(package, "sqlite", &self.sqlite, &other.sqlite)?,
            postgres: merged(package, "postgres", &self.postgres, &other.postgres)?,
        })
    }
}

fn merged(
    package: &str,
    backend: &str,
    app: &Migrator,
    other: &Migrator,
) -> Result<Migrator, DbError> {
    let mut seen: BTreeSet<(i64, bool)> =
        app.iter().map(|m| (m.version, m.migration_type.is_down_migration())).collect();
    for migration in other.iter() {
        if !seen.insert((migration.version, migration.migration_type.is_down_migration())) {
            return Err(DbError::Migrate(format!(
                "package `{package}`: its {backend} migration {} ({}) has a version the app \
                 already uses; give one of them another version",
                migration.version, migration.description
            )));
        }
    }
    Ok(Migrator::with_migrations(app.iter().chain(other.iter()).cloned().collect()))
}

fn migrator(folder: &str, files: EmbeddedFiles) -> Result<Migrator, DbError> {
    let mut seen = BTreeSet::new();
    let mut migrations = Vec::with_capacity(files.len());
    for (name, sql) in files {
        let migration = migration(name, sql)
            .map_err(|why| DbError::Migrate(format!("{folder}/{name}: {why}")))?;
        if !seen.insert((migration.version, migration.migration_type.is_down_migration())) {
            return Err(DbError::Migrate(format!(
                "{folder}/{name}: version {} is taken by another file; give each migration its own",
                migration.version
            )));
        }
        migrations.push(migration);
    }
    Ok(Migrator::with_migrations(migrations))
}

fn migration(name: &str, sql: &'static str) -> Result<Migration, String> {
    const SHAPE: &str =
        "a migration is named VERSION_DESCRIPTION.sql (e.g. 20250101120000_create_posts.sql)";
    let Some((version, rest)) = name.split_once('_') else {
        return Err(SHAPE.to_owned());
    };
    if !rest.ends_with(".sql") {
        return Err(SHAPE.to_owned());
    }
    let version: i64 = match version.parse() {
        Ok(v) if v > 0 && version.bytes().all(|b| b.is_ascii_digit()) => v,
        _ => return Err(format!("`{version}` is not a positive integer version; {SHAPE}")),
    };
    let kind = MigrationType::from_filename(rest);
    let description = rest.trim_end_matches(kind.suffix()).replace('_', " ");
    let no_tx = sql.starts_with("-- no-transaction");
    Ok(Migration::new(version, Cow::Owned(description), kind, SqlStr::from_static(sql), no_tx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_become_sqlx_migrations_with_sqlx_checksums() {
        let m = Migrations::embedded(
            &[
                (
                    "20250102000000_add_body.sql",
                    "-- no-transaction\nALTER TABLE posts ADD body TEXT;",
                ),
                ("20250101000000_create_posts.sql", "CREATE TABLE posts (id INTEGER);"),
            ],
            &[
                ("1_users.up.sql", "CREATE TABLE users (id BIGINT);"),
                ("1_users.down.sql", "DROP TABLE users;"),
            ],
        )
        .unwrap();
        let sqlite: Vec<_> =
            m.sqlite.iter().map(|m| (m.version, m.description.to_string(), m.no_tx)).collect();
        assert_eq!(
            sqlite,
            [
                (20250101000000, "create posts".to_owned(), false),
                (20250102000000, "add body".to_owned(), true)
            ]
        );
        let first = m.sqlite.iter().next().unwrap();
        let expected = Migration::new(
            1,
            "x".into(),
            MigrationType::Simple,
            SqlStr::from_static("CREATE TABLE posts (id INTEGER);"),
            false,
        );
        assert_eq!(first.checksum, expected.checksum);
        let kinds: Vec<_> = m.postgres.iter().map(|m| m.migration_type).collect();
        assert_eq!(kinds, [MigrationType::ReversibleUp, MigrationType::ReversibleDown]);
    }

    #[test]
    fn a_package_merges_into_one_ordered_history_and_a_shared_version_is_refused() {
        let app = || {
            Migrations::embedded(&[("3_posts.sql", "SELECT 3;")], &[("3_posts.sql", "SELECT 3;")])
                .unwrap()
        };
        let package =
            Migrations::embedded(&[("2_kb.sql", "SELECT 2;")], &[("4_kb.sql", "SELECT 4;")])
                .unwrap();
        let merged = app().merge("kb", package).unwrap();
        let versions = |m: &Migrator| m.iter().map(|m| m.version).collect::<Vec<_>>();
        assert_eq!(versions(&merged.sqlite), [2, 3]);
        assert_eq!(versions(&merged.postgres), [3, 4]);
        let clash = Migrations::embedded(&[("3_kb_entries.sql", "SELECT 1;")], &[]).unwrap();
        let err = app().merge("kb", clash).unwrap_err().to_string();
        assert!(
            err.contains("package `kb`: its sqlite migration 3 (kb entries)")
                && err.contains("already uses"),
            "{err}"
        );
    }

    #[test]
    fn a_misnamed_or_duplicate_file_is_an_error_naming_it() {
        for (name, why) in [
            ("create_posts.sql", "is not a positive integer version"),
            ("20250101.sql", "VERSION_DESCRIPTION.sql"),
            ("-5_neg.sql", "is not a positive integer version"),
            ("12_notes.txt", "VERSION_DESCRIPTION.sql"),
        ] {
            let files: EmbeddedFiles = Box::leak(Box::new([(name, "SELECT 1;")]));
            let err = Migrations::embedded(files, &[]).unwrap_err().to_string();
            assert!(
                err.contains(&format!("migrations/sqlite/{name}")) && err.contains(why),
                "{name}: {err}"
            );
        }
        let err = Migrations::embedded(&[], &[("7_a.sql", "SELECT 1;"), ("7_b.sql", "SELECT 2;")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("migrations/postgres/7_b.sql: version 7 is taken"), "{err}");
    }
}
