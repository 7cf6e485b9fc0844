//! What a database has applied, against what this build knows: the checks behind
//! [`Db::migrate`](crate::Db::migrate) and [`Db::rollback`](crate::Db::rollback), kept apart
//! from the driver so they are tested as plain functions.
//!
//! Two deployments make the history differ from the build:
//! - a binary rolled back after its successor migrated: the database has versions newer than
//!   any file this build has. Migrations are written expand-then-contract
//!   (`docs/guide/compatibility.md`), so the older build still runs on that schema; it
//!   applies nothing of its own out of order and says so in the log;
//! - a file deleted or renamed after it ran: a version older than the build's newest is
//!   applied but unknown. That is refused, as sqlx refuses it.

use sqlx::migrate::{Migration, Migrator};

/// How far [`Db::rollback`](crate::Db::rollback) goes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollback {
    /// Revert the newest N applied migrations (`rollback-migration --step N`; 1 by default).
    Steps(u32),
    /// Revert every applied migration newer than this version, which stays applied
    /// (`rollback-migration --to VERSION`; `0` reverts them all).
    To(i64),
}

/// A migration [`Db::rollback`](crate::Db::rollback) reverted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reverted {
    /// Its version.
    pub version: i64,
    /// Its description (`create posts`).
    pub description: String,
}

/// The applied versions newer than every migration `known` has (a rolled-back binary's
/// view of its successor's work), or an error naming an applied version the build has no
/// file for although it is older than the build's newest.
pub(crate) fn newer_than_build(applied: &[i64], known: &Migrator) -> Result<Vec<i64>, String> {
    let ups: Vec<i64> =
        known.iter().filter(|m| !m.migration_type.is_down_migration()).map(|m| m.version).collect();
    let newest = ups.iter().copied().max().unwrap_or(0);
    let mut newer = Vec::new();
    for &version in applied {
        if ups.contains(&version) {
            continue;
        }
        if version > newest {
            newer.push(version);
        } else {
            return Err(format!(
                "the database has applied migration {version}, which this build has no file \
                 for; restore the file (a migration that has run somewhere is never deleted \
                 or renamed)"
            ));
        }
    }
    Ok(newer)
}

/// The down migrations that take the database from `applied` back as `to` says, newest
/// first, and the version the database ends at. Refuses (reverting nothing) when a
/// migration to revert is newer than this build or has no down file.
pub(crate) fn plan<'m>(
    applied: &[i64],
    known: &'m Migrator,
    to: Rollback,
) -> Result<(Vec<&'m Migration>, i64), String> {
    let mut newest_first = applied.to_vec();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    let revert: Vec<i64> = match to {
        Rollback::Steps(0) => return Err("--step must be at least 1".to_owned()),
        Rollback::Steps(n) => newest_first.iter().copied().take(n as usize).collect(),
        Rollback::To(target) if target < 0 => {
            return Err(format!("--to {target}: a version is 0 or more"));
        }
        Rollback::To(target) => {
            if target != 0 && !applied.contains(&target) {
                return Err(format!(
                    "--to {target}: the database has not applied migration {target}; \
                     name one it has (or 0 to revert them all)"
                ));
            }
            newest_first.iter().copied().filter(|v| *v > target).collect()
        }
    };
    let ends_at = newest_first.iter().copied().find(|v| !revert.contains(v)).unwrap_or(0);
    let mut downs = Vec::with_capacity(revert.len());
    for version in revert {
        let mut files = known.iter().filter(|m| m.version == version);
        let Some(up) = files.clone().find(|m| !m.migration_type.is_down_migration()) else {
            return Err(format!(
                "migration {version} is newer than this build; roll it back with the build \
                 that added it"
            ));
        };
        let Some(down) = files.find(|m| m.migration_type.is_down_migration()) else {
            return Err(format!(
                "migration {version} ({}) has no down file; write \
                 `{version}_{}.down.sql` beside it to make it reversible",
                up.description,
                up.description.replace(' ', "_")
            ));
        };
        downs.push(down);
    }
    Ok((downs, ends_at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Migrations;

    fn known() -> Migrator {
        Migrations::embedded(
            &[
                ("1_create_posts.up.sql", "CREATE TABLE posts (id INTEGER);"),
                ("1_create_posts.down.sql", "DROP TABLE posts;"),
                ("2_add_body.sql", "ALTER TABLE posts ADD body TEXT;"),
                ("3_create_tags.up.sql", "CREATE TABLE tags (id INTEGER);"),
                ("3_create_tags.down.sql", "DROP TABLE tags;"),
            ],
            &[],
        )
        .unwrap()
        .sqlite
    }

    fn versions(plan: &(Vec<&Migration>, i64)) -> (Vec<i64>, i64) {
        (plan.0.iter().map(|m| m.version).collect(), plan.1)
    }

    #[test]
    fn versions_newer_than_the_build_are_tolerated_and_a_missing_older_one_is_not() {
        let known = known();
        assert_eq!(newer_than_build(&[1, 2, 3], &known), Ok(vec![]));
        assert_eq!(newer_than_build(&[1, 2, 3, 7, 9], &known), Ok(vec![7, 9]));
        assert_eq!(newer_than_build(&[], &known), Ok(vec![]));
        let none = Migrator::with_migrations(vec![]);
        assert_eq!(newer_than_build(&[1, 2], &none), Ok(vec![1, 2]), "no files: all are newer");
        let gap = Migrations::embedded(&[("1_a.sql", "SELECT 1;"), ("3_c.sql", "SELECT 3;")], &[])
            .unwrap()
            .sqlite;
        let err = newer_than_build(&[1, 2, 3], &gap).unwrap_err();
        assert!(err.contains("migration 2") && err.contains("restore the file"), "{err}");
    }

    #[test]
    fn a_rollback_reverts_the_newest_first_and_says_where_the_database_ends() {
        let known = known();
        assert_eq!(versions(&plan(&[1, 3], &known, Rollback::Steps(1)).unwrap()), (vec![3], 1));
        assert_eq!(
            versions(&plan(&[3, 1], &known, Rollback::Steps(5)).unwrap()),
            (vec![3, 1], 0),
            "more steps than applied migrations reverts them all"
        );
        assert_eq!(versions(&plan(&[1, 3], &known, Rollback::To(1)).unwrap()), (vec![3], 1));
        assert_eq!(versions(&plan(&[1, 3], &known, Rollback::To(0)).unwrap()), (vec![3, 1], 0));
        assert_eq!(versions(&plan(&[1, 3], &known, Rollback::To(3)).unwrap()), (vec![], 3));
        assert_eq!(versions(&plan(&[], &known, Rollback::Steps(1)).unwrap()), (vec![], 0));
        let (downs, _) = plan(&[1, 3], &known, Rollback::Steps(1)).unwrap();
        assert!(downs[0].migration_type.is_down_migration());
        assert_eq!(downs[0].sql.as_str(), "DROP TABLE tags;");
    }

    #[test]
    fn a_rollback_that_cannot_be_done_whole_is_refused_before_anything_runs() {
        let known = known();
        let err = plan(&[1, 2, 3], &known, Rollback::Steps(2)).unwrap_err();
        assert!(
            err.contains("migration 2 (add body) has no down file")
                && err.contains("`2_add_body.down.sql`"),
            "{err}"
        );
        let err = plan(&[1, 3, 8], &known, Rollback::Steps(1)).unwrap_err();
        assert!(err.contains("migration 8 is newer than this build"), "{err}");
        let err = plan(&[1, 3], &known, Rollback::To(2)).unwrap_err();
        assert!(err.contains("has not applied migration 2"), "{err}");
        let err = plan(&[1, 3], &known, Rollback::To(-1)).unwrap_err();
        assert!(err.contains("0 or more"), "{err}");
        let err = plan(&[1, 3], &known, Rollback::Steps(0)).unwrap_err();
        assert!(err.contains("at least 1"), "{err}");
    }
}
