//! Rows added to an app's TSV tables (`spec/routes.tsv`, `release/surface.tsv`) by column name,
//! not by position: a generator renders its rows under a header of its own, and they are laid
//! into the app's table under the app's header. A column the rows fill that the app's table
//! lacks (an app made before it existed) is added at the end, empty in the rows it had.

/// The text of `table` with the rows of `rows` (a header line, then rows) appended.
///
/// Comments and blank lines of `table` are kept. A row whose `key` columns' values are those of
/// a row of the table is not added again. A column of `rows` the table does not have is added
/// to its header (and left empty in its rows) when some new row fills it; a column the rows do
/// not have is left empty in them.
pub fn append(table: &str, rows: &str, key: &[&str]) -> Result<String, String> {
    let mut new = data_lines(rows);
    let Some(new_header) = new.next() else { return Ok(table.to_owned()) };
    let new_columns: Vec<&str> = new_header.split('\t').collect();
    let lines: Vec<&str> = table.lines().collect();
    let Some(header_at) = lines.iter().position(|l| is_data(l)) else {
        return Err("the table has no header line".to_owned());
    };
    let mut columns: Vec<String> = lines[header_at].split('\t').map(str::to_owned).collect();
    let mut key_at = Vec::new();
    for k in key {
        match columns.iter().position(|c| c == k) {
            Some(at) => key_at.push(at),
            None => return Err(format!("the table has no `{k}` column")),
        }
    }
    let existing: Vec<Vec<String>> = lines[header_at + 1..]
        .iter()
        .filter(|l| is_data(l))
        .map(|l| {
            let cells: Vec<&str> = l.split('\t').collect();
            key_at.iter().map(|&at| cells.get(at).copied().unwrap_or("").to_owned()).collect()
        })
        .collect();
    let mut added: Vec<Vec<(String, String)>> = Vec::new();
    for line in new {
        let values: Vec<(String, String)> = new_columns
            .iter()
            .map(|c| (*c).to_owned())
            .zip(line.split('\t').map(str::to_owned).chain(std::iter::repeat(String::new())))
            .collect();
        let value_of = |column: &str| {
            values.iter().find(|(c, _)| c == column).map_or(String::new(), |(_, v)| v.clone())
        };
        let this: Vec<String> = key.iter().map(|k| value_of(k)).collect();
        if existing.contains(&this) {
            continue;
        }
        added.push(values);
    }
    // Columns the app's table lacks, in the order the rows name them, if a new row fills one.
    let widen: Vec<String> = new_columns
        .iter()
        .filter(|c| !columns.iter().any(|have| have == *c))
        .filter(|c| added.iter().any(|row| row.iter().any(|(k, v)| k == *c && !v.is_empty())))
        .map(|c| (*c).to_owned())
        .collect();
    let mut out = String::with_capacity(table.len() + rows.len());
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        if !widen.is_empty() && i >= header_at && is_data(line) {
            if i == header_at {
                for column in &widen {
                    out.push('\t');
                    out.push_str(column);
                }
            } else {
                // A row with fewer fields than the header gets the empty ones spelled out.
                let have = line.split('\t').count();
                for _ in have..columns.len() + widen.len() {
                    out.push('\t');
                }
            }
        }
        out.push('\n');
    }
    columns.extend(widen);
    for row in added {
        let fields: Vec<&str> = columns
            .iter()
            .map(|c| row.iter().find(|(k, _)| k == c).map_or("", |(_, v)| v.as_str()))
            .collect();
        out.push_str(&fields.join("\t"));
        out.push('\n');
    }
    Ok(out)
}

/// Whether `line` holds data (not a comment, not blank).
fn is_data(line: &str) -> bool {
    !line.trim().is_empty() && !line.starts_with('#')
}

fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().filter(|l| is_data(l))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ROUTES: &str = "# The routes.\nmethod\tpath\tname\nGET\t/\thome\n";

    #[test]
    fn rows_are_laid_in_by_column_name_and_a_filled_new_column_is_added() {
        let rows = "path\tmethod\tname\tnav\n/posts\tGET\tposts\tPosts\n/posts/:id\tGET\tpost\t\n";
        let out = append(ROUTES, rows, &["method", "path"]).unwrap();
        assert_eq!(
            out,
            "# The routes.\nmethod\tpath\tname\tnav\nGET\t/\thome\t\nGET\t/posts\tposts\tPosts\n\
             GET\t/posts/:id\tpost\t\n"
        );
    }

    #[test]
    fn an_empty_new_column_is_not_added_and_rows_already_there_are_skipped() {
        let rows = "method\tpath\tname\tnav\nGET\t/\thome\tHome\nGET\t/about\tabout\t\n";
        let out = append(ROUTES, rows, &["method", "path"]).unwrap();
        assert_eq!(out, "# The routes.\nmethod\tpath\tname\nGET\t/\thome\nGET\t/about\tabout\n");
    }

    #[test]
    fn a_table_without_a_header_or_the_key_column_is_refused() {
        assert!(append("# only a comment\n", "a\n1\n", &["a"]).unwrap_err().contains("no header"));
        assert!(append(ROUTES, "x\n1\n", &["id"]).unwrap_err().contains("no `id` column"));
        assert_eq!(append(ROUTES, "", &["path"]).unwrap(), ROUTES);
    }
}
