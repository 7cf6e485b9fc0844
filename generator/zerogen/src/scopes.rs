//! An app's scopes table, `spec/scopes.tsv`: who the rows of a resource belong to. `zerogen
//! auth [--scope NAME]` writes its row; `zerogen resource [--scope NAME | --no-scope]` reads it
//! to make rows owned by a scope (its column, a foreign key to `users`, filled from the scope's
//! user) or rows for everyone, and lists an owned resource's table in its scope's `tables`.
//! The generators learn who owns a table from that cell, never from the generated SQL.
//!
//! ```text
//! name    default  column   references  tables
//! user    yes      user_id  users       posts notices
//! ```

use std::path::Path;

/// The table's path in an app.
pub const TABLE: &str = "spec/scopes.tsv";

/// The table's header.
pub const HEADER: &str = "name\tdefault\tcolumn\treferences\ttables";

/// The header of the table before its `tables` column.
const OLD_HEADER: &str = "name\tdefault\tcolumn\treferences";

/// One scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeRow {
    /// Its name: `user`.
    pub name: String,
    /// Whether resources get it when none is named.
    pub default: bool,
    /// The owner column of its rows: `user_id`.
    pub column: String,
    /// The table that column references: `users`.
    pub references: String,
    /// The tables whose rows belong to it (`zerogen resource` adds each one it owns).
    pub tables: Vec<String>,
}

impl ScopeRow {
    /// The scope `name` (its column `NAME_id`, on `users`).
    pub fn named(name: &str, default: bool) -> ScopeRow {
        ScopeRow {
            name: name.to_owned(),
            default,
            column: format!("{name}_id"),
            references: "users".to_owned(),
            tables: Vec::new(),
        }
    }

    /// The row as the table writes it.
    pub fn line(&self) -> String {
        let default = if self.default { "yes" } else { "no" };
        let (name, column, references) = (&self.name, &self.column, &self.references);
        format!("{name}\t{default}\t{column}\t{references}\t{}", self.tables.join(" "))
    }
}

/// Why a scope name is not one (`None` when it is).
pub fn invalid_name(name: &str) -> Option<String> {
    let ok = name.len() <= 32 && crate::resource::snake(name) && !name.ends_with("_id");
    (!ok).then(|| {
        format!(
            "scope `{name}` must be a snake_case name of at most 32 characters, not ending in \
             `_id` (its column is NAME_id): e.g. `user`, `author`, `member`"
        )
    })
}

/// The scopes of `text` (the table at `path`, for errors `path:line:column`).
pub fn parse(path: &str, text: &str) -> Result<Vec<ScopeRow>, String> {
    let mut rows: Vec<ScopeRow> = Vec::new();
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.trim_end() == HEADER => {}
        Some((_, header)) if header.trim_end() == OLD_HEADER => {
            return Err(format!(
                "{path}:1:1: the table has no `tables` column: add it to the header and to each \
                 row (the tables whose rows belong to the scope, separated by spaces; e.g. \
                 `posts notices`), then run this again"
            ));
        }
        _ => {
            return Err(format!(
                "{path}:1:1: the header must be `{}`",
                HEADER.replace('\t', "<TAB>")
            ));
        }
    }
    for (i, line) in lines {
        let at = i + 1;
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        if cells.len() != 5 {
            return Err(format!(
                "{path}:{at}:1: a row has 5 cells (name, default, column, references, tables); \
                 this one has {}",
                cells.len()
            ));
        }
        if let Some(why) = invalid_name(cells[0]) {
            return Err(format!("{path}:{at}:1: {why}"));
        }
        let default = match cells[1] {
            "yes" => true,
            "no" => false,
            other => {
                let col = cells[0].len() + 2;
                return Err(format!("{path}:{at}:{col}: default is `yes` or `no`, not `{other}`"));
            }
        };
        for (n, cell) in [(2, cells[2]), (3, cells[3])] {
            if !crate::resource::snake(cell) {
                let col = cells[..n].iter().map(|c| c.len() + 1).sum::<usize>() + 1;
                return Err(format!("{path}:{at}:{col}: `{cell}` is not a snake_case name"));
            }
        }
        if rows.iter().any(|r| r.name == cells[0]) {
            return Err(format!("{path}:{at}:1: scope `{}` is listed twice", cells[0]));
        }
        if default && rows.iter().any(|r| r.default) {
            return Err(format!("{path}:{at}:1: a second default scope (one at most)"));
        }
        let col = cells[..4].iter().map(|c| c.len() + 1).sum::<usize>() + 1;
        let mut tables: Vec<String> = Vec::new();
        for table in cells[4].split(' ').filter(|t| !t.is_empty()) {
            if !crate::resource::snake(table) {
                return Err(format!("{path}:{at}:{col}: table `{table}` is not a snake_case name"));
            }
            if let Some(other) = rows.iter().find(|r| r.tables.iter().any(|t| t == table)) {
                return Err(format!(
                    "{path}:{at}:{col}: table `{table}` belongs to scope `{}` already (a table \
                     has one owner)",
                    other.name
                ));
            }
            if tables.iter().any(|t| t == table) {
                return Err(format!("{path}:{at}:{col}: table `{table}` is listed twice"));
            }
            tables.push(table.to_owned());
        }
        rows.push(ScopeRow {
            name: cells[0].to_owned(),
            default,
            column: cells[2].to_owned(),
            references: cells[3].to_owned(),
            tables,
        });
    }
    Ok(rows)
}

/// The app's scopes: its table's, or for an app whose accounts predate the table, `user`;
/// none without accounts.
pub fn of_app(root: &Path) -> Result<Vec<ScopeRow>, String> {
    match std::fs::read_to_string(root.join(TABLE)) {
        Ok(text) => parse(TABLE, &text),
        Err(_) if root.join(crate::auth::AUTH_MODULE).is_file() => {
            Ok(vec![ScopeRow::named("user", true)])
        }
        Err(_) => Ok(Vec::new()),
    }
}

/// The table with `row` added (a new table when `existing` is `None`); `None` when a scope of
/// that name is listed already. A new row is the default only when no other is.
pub fn with_row(existing: Option<&str>, row: &ScopeRow) -> Result<Option<String>, String> {
    let Some(text) = existing else {
        return Ok(Some(format!("{HEADER}\n{}\n", row.line())));
    };
    let rows = parse(TABLE, text)?;
    if rows.iter().any(|r| r.name == row.name) {
        return Ok(None);
    }
    let row = ScopeRow { default: !rows.iter().any(|r| r.default), ..row.clone() };
    let mut out = text.to_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&row.line());
    out.push('\n');
    Ok(Some(out))
}

/// The scope whose rows `table` holds, if any.
pub fn owner_of<'a>(scopes: &'a [ScopeRow], table: &str) -> Option<&'a ScopeRow> {
    scopes.iter().find(|s| s.tables.iter().any(|t| t == table))
}

/// The table `text` with `table` listed in the tables of scope `scope` (unchanged when it is).
pub fn with_table(text: &str, scope: &str, table: &str) -> Result<String, String> {
    let rows = parse(TABLE, text)?;
    if let Some(owner) = owner_of(&rows, table) {
        if owner.name == scope {
            return Ok(text.to_owned());
        }
        return Err(format!("table `{table}` belongs to scope `{}` already", owner.name));
    }
    let Some(row) = rows.iter().find(|r| r.name == scope) else {
        return Err(format!("no scope `{scope}`"));
    };
    let mut row = row.clone();
    row.tables.push(table.to_owned());
    let mut out: Vec<String> = text.lines().map(str::to_owned).collect();
    // The scope's row: the line after the header whose first cell names it.
    let at = out.iter().skip(1).position(|l| l.split('\t').next() == Some(scope)).map(|i| i + 1);
    match at {
        Some(i) => out[i] = row.line(),
        None => return Err(format!("no row of scope `{scope}`")),
    }
    Ok(out.join("\n") + "\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rows_are_read_and_bad_ones_refused_at_their_cell() {
        let text = format!(
            "{HEADER}\nuser\tyes\tuser_id\tusers\tposts notes\nauthor\tno\tauthor_id\tusers\t\n"
        );
        let rows = parse(TABLE, &text).unwrap();
        let user = ScopeRow {
            tables: vec!["posts".into(), "notes".into()],
            ..ScopeRow::named("user", true)
        };
        assert_eq!(rows[0], user);
        assert_eq!(rows[1], ScopeRow::named("author", false));
        assert_eq!(owner_of(&rows, "notes").map(|s| s.column.as_str()), Some("user_id"));
        assert_eq!(owner_of(&rows, "tags"), None);
        for (bad, want) in [
            ("name\tcolumn\n", "spec/scopes.tsv:1:1: the header"),
            ("name\tdefault\tcolumn\treferences\n", "1:1: the table has no `tables` column"),
            ("HEADER\nuser\tyes\tuser_id\n", "spec/scopes.tsv:2:1: a row has 5 cells"),
            ("HEADER\nuser\tmaybe\tuser_id\tusers\t\n", "spec/scopes.tsv:2:6: default is"),
            ("HEADER\nuser\tyes\tUser-Id\tusers\t\n", "spec/scopes.tsv:2:10: `User-Id`"),
            ("HEADER\nUser\tyes\tuser_id\tusers\t\n", "spec/scopes.tsv:2:1: scope `User`"),
            ("HEADER\nuser\tyes\tuser_id\tusers\tPosts\n", "2:24: table `Posts` is not"),
            ("HEADER\nuser\tyes\tuser_id\tusers\tposts posts\n", "`posts` is listed twice"),
            (
                "HEADER\nuser\tyes\tuser_id\tusers\tposts\nme\tno\tme_id\tusers\tposts\n",
                "3:19: table `posts` belongs to scope `user` already",
            ),
            (
                "HEADER\nuser\tno\tuser_id\tusers\t\nuser\tno\tx_id\tusers\t\n",
                "3:1: scope `user` is listed twice",
            ),
            (
                "HEADER\nuser\tyes\tuser_id\tusers\t\nme\tyes\tme_id\tusers\t\n",
                "3:1: a second default",
            ),
        ] {
            let e = parse(TABLE, &bad.replace("HEADER", HEADER)).unwrap_err();
            assert!(e.contains(want), "{bad:?}: {e}");
        }
    }

    #[test]
    fn names_are_snake_case_and_not_columns() {
        for good in ["user", "author", "team_member", "u2"] {
            assert_eq!(invalid_name(good), None, "{good}");
        }
        for bad in ["", "User", "user_id", "2u", "a-b", "a__b", "x_", &"a".repeat(33)] {
            assert!(invalid_name(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn a_row_is_added_once_and_the_first_is_the_default() {
        let first = with_row(None, &ScopeRow::named("user", true)).unwrap().unwrap();
        assert_eq!(first, format!("{HEADER}\nuser\tyes\tuser_id\tusers\t\n"));
        assert_eq!(with_row(Some(&first), &ScopeRow::named("user", true)).unwrap(), None);
        let second = with_row(Some(&first), &ScopeRow::named("author", true)).unwrap().unwrap();
        assert!(second.ends_with("author\tno\tauthor_id\tusers\t\n"), "{second}");
        assert!(with_row(Some("bad"), &ScopeRow::named("user", true)).is_err());
    }

    #[test]
    fn an_owned_table_is_listed_in_its_scope_once_and_in_one_scope_only() {
        let text = with_row(None, &ScopeRow::named("user", true)).unwrap().unwrap();
        let text = with_row(Some(&text), &ScopeRow::named("author", false)).unwrap().unwrap();
        let one = with_table(&text, "user", "posts").unwrap();
        let two = with_table(&one, "user", "notes").unwrap();
        assert!(two.contains("user\tyes\tuser_id\tusers\tposts notes\n"), "{two}");
        assert_eq!(with_table(&two, "user", "posts").unwrap(), two, "listed already");
        let e = with_table(&two, "author", "posts").unwrap_err();
        assert!(e.contains("belongs to scope `user` already"), "{e}");
        assert!(with_table(&two, "admin", "tags").unwrap_err().contains("no scope `admin`"));
    }
}
