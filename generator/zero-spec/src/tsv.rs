//! Loading TSV tables: tab separated, one header row, `#` comment lines, one record per line.
//!
//! Every row is read into its serde type, checked against the type's JSON Schema, and keeps
//! the line and the column of each of its fields so later checks can point at them. All
//! problems of a file are reported, never just the first.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use zero_diag::{Diagnostic, Location, codes, to_u32};

use crate::schema::TableSchema;

/// One row of a table with where it came from.
#[derive(Debug, Clone)]
pub struct Row<T> {
    /// 1-based line of the row in its file.
    pub line: u32,
    /// `(column, length)` in characters of each field, in header order.
    fields: Vec<(u32, u32)>,
    /// The typed value.
    pub value: T,
}

/// A loaded TSV table: its rows and the diagnostics found while loading it.
#[derive(Debug, Clone)]
pub struct Table<T> {
    /// Repository-relative path of the file.
    pub file: String,
    /// Column names from the header row.
    pub columns: Vec<String>,
    /// Rows that were read and validated without error.
    pub rows: Vec<Row<T>>,
    /// Every problem found while loading.
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Table<T> {
    /// The location of `column` in `row`; the row start when the table has no such column.
    pub fn location(&self, row: &Row<T>, column: &str) -> Location {
        let (col, len) = self
            .columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| row.fields.get(i).copied())
            .unwrap_or((1, 1));
        Location::span(self.file.clone(), row.line, col, len)
    }

    /// The location of a whole row (its first field).
    pub fn row_location(&self, row: &Row<T>) -> Location {
        let (col, len) = row.fields.first().copied().unwrap_or((1, 1));
        Location::span(self.file.clone(), row.line, col, len)
    }
}

/// Reads `text` (the content of `file`) as a table of `T`.
pub fn load<T>(file: &str, text: &str) -> Table<T>
where
    T: DeserializeOwned + Serialize + JsonSchema,
{
    let schema = TableSchema::of::<T>();
    let mut table = Table {
        file: file.to_owned(),
        columns: Vec::new(),
        rows: Vec::new(),
        diagnostics: Vec::new(),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .comment(Some(b'#'))
        .quoting(false)
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());

    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            table.diagnostics.push(Diagnostic::error(
                codes::TSV_SYNTAX,
                Location::file(file),
                format!("cannot read the header row: {e}"),
            ));
            return table;
        }
    };
    let header_line = lines
        .iter()
        .position(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map_or(1, |i| to_u32(i + 1));
    table.columns = headers.iter().map(str::to_owned).collect();
    if table.columns.is_empty() || table.columns.iter().all(String::is_empty) {
        table.diagnostics.push(Diagnostic::error(
            codes::TSV_HEADER,
            Location::file(file),
            "the table has no header row",
        ));
        return table;
    }
    if !check_header(&mut table, &schema, header_line, lines.get(header_line as usize - 1)) {
        return table;
    }

    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| to_u32(p.line() as usize));
                table.diagnostics.push(Diagnostic::error(
                    codes::TSV_SYNTAX,
                    Location::span(file, line, 1, 1),
                    format!("cannot read the record: {e}"),
                ));
                continue;
            }
        }
        let line = record.position().map_or(0, |p| to_u32(p.line() as usize));
        let raw = lines.get((line as usize).saturating_sub(1)).copied().unwrap_or("");
        let fields = field_spans(raw);
        if record.len() != headers.len() {
            let (col, len) = fields.get(headers.len().min(record.len())).copied().unwrap_or((1, 1));
            table.diagnostics.push(
                Diagnostic::error(
                    codes::TSV_SYNTAX,
                    Location::span(file, line, col, len),
                    format!(
                        "expected {} tab-separated fields, found {}",
                        headers.len(),
                        record.len()
                    ),
                )
                .with_help(format!("the header declares: {}", table.columns.join(", "))),
            );
            continue;
        }
        let value: T = match record.deserialize(Some(&headers)) {
            Ok(v) => v,
            Err(e) => {
                table.diagnostics.push(deserialize_diagnostic(&table, &e, &record, line, &fields));
                continue;
            }
        };
        let row = Row { line, fields, value };
        let before = table.diagnostics.len();
        for (path, message) in schema.violations(&row.value) {
            let column = path.trim_start_matches('/').split('/').next().unwrap_or("").to_owned();
            let location = table.location(&row, &column);
            table.diagnostics.push(Diagnostic::error(
                codes::SCHEMA,
                location,
                format!("column `{column}`: {message}"),
            ));
        }
        if table.diagnostics.len() == before {
            table.rows.push(row);
        }
    }
    table
}

/// `(column, length)` in characters of each tab-separated field of a raw line.
fn field_spans(raw: &str) -> Vec<(u32, u32)> {
    let mut spans = Vec::new();
    let mut col = 1u32;
    for field in raw.split('\t') {
        let len = to_u32(field.chars().count());
        spans.push((col, len.max(1)));
        col += len + 1;
    }
    spans
}

fn check_header(
    table: &mut Table<impl Sized>,
    schema: &TableSchema,
    line: u32,
    raw: Option<&&str>,
) -> bool {
    let spans = raw.map(|r| field_spans(r)).unwrap_or_default();
    let mut ok = true;
    let mut seen = BTreeMap::new();
    for (i, column) in table.columns.iter().enumerate() {
        let (col, len) = spans.get(i).copied().unwrap_or((1, 1));
        let location = Location::span(table.file.clone(), line, col, len);
        if seen.insert(column.clone(), i).is_some() {
            table.diagnostics.push(Diagnostic::error(
                codes::TSV_HEADER,
                location,
                format!("column `{column}` appears twice in the header"),
            ));
            ok = false;
        } else if !schema.properties.contains(column) {
            table.diagnostics.push(
                Diagnostic::error(
                    codes::TSV_HEADER,
                    location,
                    format!("unknown column `{column}`"),
                )
                .with_help(format!(
                    "this table's columns are: {}",
                    schema.properties.iter().cloned().collect::<Vec<_>>().join(", ")
                )),
            );
            ok = false;
        }
    }
    for required in &schema.required {
        if !seen.contains_key(required) {
            table.diagnostics.push(Diagnostic::error(
                codes::TSV_HEADER,
                Location::span(table.file.clone(), line, 1, 1),
                format!("the header lacks the required column `{required}`"),
            ));
            ok = false;
        }
    }
    ok
}

fn deserialize_diagnostic<T>(
    table: &Table<T>,
    error: &csv::Error,
    record: &csv::StringRecord,
    line: u32,
    fields: &[(u32, u32)],
) -> Diagnostic {
    let (index, detail) = match error.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            (err.field().map(|f| f as usize), err.kind().to_string())
        }
        other => (None, format!("{other:?}")),
    };
    // serde does not say which field held an unknown enum variant: find the field by its value.
    let index = index.or_else(|| {
        let value = detail.split('`').nth(1)?;
        record.iter().position(|field| field == value)
    });
    let column = index.and_then(|i| table.columns.get(i)).cloned().unwrap_or_default();
    let (col, len) = index.and_then(|i| fields.get(i)).copied().unwrap_or((1, 1));
    let location = Location::span(table.file.clone(), line, col, len);
    // serde reports a value outside an enum as "unknown variant": that is the schema's enum.
    let code = if detail.contains("unknown variant") { codes::SCHEMA } else { codes::FIELD_TYPE };
    let message = if column.is_empty() { detail } else { format!("column `{column}`: {detail}") };
    Diagnostic::error(code, location, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::Budget;

    const HEADER: &str = "id\tmetric\tunit\tcomparison\tbudget\tbench\tsummary\n";

    fn budgets(body: &str) -> Table<Budget> {
        load("spec/budgets.tsv", &format!("# budgets\n{HEADER}{body}"))
    }

    fn codes_and_positions<T>(t: &Table<T>) -> Vec<(String, u32, u32)> {
        t.diagnostics
            .iter()
            .map(|d| (d.code.id.to_owned(), d.location.line, d.location.column))
            .collect()
    }

    #[test]
    fn good_rows_load_with_positions() {
        let t = budgets("gate.check.wall\twall\tms\tlte\t1000\tgate/check_10k\tfast gate\n");
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        assert_eq!(t.rows.len(), 1);
        assert_eq!(t.rows[0].line, 3);
        let loc = t.location(&t.rows[0], "unit");
        assert_eq!((loc.line, loc.column, loc.len), (3, 22, 2));
    }

    #[test]
    fn every_bad_row_is_reported_not_just_the_first() {
        let t = budgets(concat!(
            "a.b\twall\tms\tlte\tfast\tgate/x\ts\n",
            "a.c\twall\tms\tlte\n",
            "a.d\twall\tparsecs\tlte\t1\tgate/x\ts\n",
            "Bad Id\twall\tms\tlte\t1\tgate/x\ts\n",
            "a.e\twall\tms\tlte\t1\tgate/x\tok\n",
        ));
        assert_eq!(
            codes_and_positions(&t),
            vec![
                ("Z0103".into(), 3, 17),
                ("Z0101".into(), 4, 1),
                ("Z0104".into(), 5, 10),
                ("Z0104".into(), 6, 1),
            ]
        );
        assert_eq!(t.rows.len(), 1, "the good row still loads");
    }

    #[test]
    fn header_problems_are_reported_at_the_header() {
        let t: Table<Budget> =
            load("b.tsv", "id\tmetric\tmetric\tcolour\tunit\tcomparison\tbench\tsummary\n");
        let found = codes_and_positions(&t);
        assert!(found.contains(&("Z0102".into(), 1, 11)), "{found:?}");
        assert!(found.contains(&("Z0102".into(), 1, 18)), "{found:?}");
        assert!(t.diagnostics.iter().any(|d| d.message.contains("required column `budget`")));
    }

    #[test]
    fn empty_file_has_no_header() {
        let t: Table<Budget> = load("b.tsv", "# only a comment\n");
        assert_eq!(t.diagnostics.len(), 1);
        assert_eq!(t.diagnostics[0].code, codes::TSV_HEADER);
    }
}
