//! `zerogen resource SINGULAR PLURAL FIELD:TYPE[:MODIFIER]...`: a table, its domain module and
//! its live pages in an app. It writes migrations for both backends, `src/PLURAL.rs` (the row
//! type, validation through `zero_db::values`, list/find/create/update/delete publishing each
//! change on the resource's topic), `web/live/PLURAL/` (index, show, and one form for new and
//! edit), the routes, tests, ledger rows and a docs page, then regenerates `web/routes.rs`.
//! Nothing is written when an argument is invalid or a file exists (unless `--force`).

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// A field's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// Short text (at most 255 characters).
    String,
    /// Long text.
    Text,
    /// A whole number.
    Integer,
    /// A floating-point number.
    Float,
    /// A decimal number kept as text.
    Decimal,
    /// A checkbox.
    Boolean,
    /// `YYYY-MM-DD`.
    Date,
    /// `YYYY-MM-DDTHH:MM`.
    Datetime,
    /// A UUID.
    Uuid,
    /// One of the listed values.
    Enum(Vec<String>),
    /// The id of a row of another resource's table.
    References(String),
    /// A file the live form uploads (a photo, a PDF): the column keeps its key in the app's
    /// store (`web/storage.rs`), which the form sets and the page links to.
    Upload,
}

/// One field of a resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Its column and field name (snake_case).
    pub name: String,
    /// Its type.
    pub ty: Ty,
    /// A unique column.
    pub unique: bool,
    /// May be empty (a nullable column).
    pub optional: bool,
    /// The column's default and the new form's value.
    pub default: Option<String>,
}

/// What web layer a resource gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Web {
    /// Live pages: index (a stream), show, and one form for new and edit.
    #[default]
    Live,
    /// A JSON API under `/api` (`--json`): list, show, create, update, delete.
    Json,
    /// Pages that are not live (`--html`): index, show, and one form for new and edit, posted
    /// back as HTML forms.
    Html,
}

/// Whose rows a resource's are, as asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ScopeChoice {
    /// The app's default scope (`spec/scopes.tsv`), if it has accounts; else everyone's.
    #[default]
    Default,
    /// The scope of this name (`--scope NAME`).
    Named(String),
    /// Rows for everyone, even in an app with accounts (`--no-scope`).
    Everyone,
}

/// What `zerogen resource` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// `Post`.
    pub singular: String,
    /// `posts`: the table, the module and the path.
    pub plural: String,
    /// The fields, in order.
    pub fields: Vec<Field>,
    /// Its web layer.
    pub web: Web,
    /// Whether its rows belong to users (an app with accounts, `zerogen auth`): an owner
    /// column, functions that take the scope first and see only its user's rows, changes
    /// published on the scope's topic.
    pub owned: bool,
    /// The scope asked for (`--scope NAME`, `--no-scope`, or the app's default).
    pub scope: ScopeChoice,
    /// The owner column of owned rows (the scope's, `user_id` by default).
    pub owner_column: String,
    /// The referenced tables whose rows belong to users too: a reference must name a row of
    /// the scope's user (checked before each write).
    pub owned_refs: Vec<String>,
    /// The table the owner column references: `users`, or an organization scope's table
    /// (`zerogen scope org`: `orgs`), whose rows then belong to the current one.
    pub owner_table: String,
}

/// Why nothing was written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// An argument is not valid.
    #[error("{0}")]
    Invalid(String),
    /// Files the resource would write exist.
    #[error(
        "{} already exist{}: nothing was written (pass --force to overwrite)",
        .0.join(", "),
        if .0.len() == 1 { "s" } else { "" }
    )]
    Exists(Vec<String>),
    /// Reading or writing failed.
    #[error("{0}")]
    Io(String),
}

const TYPES: &str = "string, text, integer, float, decimal, boolean, date, datetime, uuid, \
                     upload, enum:A:B:..., references:TABLE";

use crate::scaffold::KEYWORDS;

mod model;
mod storage;

use crate::render::{RenderError, Templates};

/// What a resource adds to files the app has.
struct Additions {
    /// Its rows of `spec/routes.tsv`.
    routes: String,
    /// Its rows of `release/surface.tsv`.
    ledger: String,
    /// Its row fixture in `tests/support/mod.rs`.
    row_fixture: String,
    /// The fixtures of users, which the first resource with owners adds.
    user_fixtures: String,
}

/// A resource's model with the backend its migration is for.
#[derive(serde::Serialize)]
struct Backend<'a> {
    #[serde(flatten)]
    model: &'a model::Model,
    postgres: bool,
}

/// Names a resource's plural cannot take: the app's own modules and folders.
const RESERVED: &[&str] = &["web", "tally", "tests", "assets", "api", "live", "health", "new"];

/// Words SQLite or Postgres reserve: a column or table of one of these names breaks the
/// migration or its queries, so a field may not take one.
const SQL_RESERVED: &[&str] = &[
    "add",
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "autoincrement",
    "between",
    "both",
    "by",
    "case",
    "cast",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "delete",
    "desc",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "escape",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "in",
    "index",
    "initially",
    "inner",
    "insert",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "set",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "variadic",
    "when",
    "where",
    "window",
    "with",
];

/// Whether `s` is a snake_case name (`blog_posts`).
pub(crate) fn snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !s.ends_with('_')
        && !s.contains("__")
}

/// Whether `name` cannot be a table and module of the app: a Rust keyword, a word SQL
/// reserves, or one of the app's own modules and paths.
pub(crate) fn reserved_name(name: &str) -> bool {
    KEYWORDS.contains(&name) || RESERVED.contains(&name) || SQL_RESERVED.contains(&name)
}

/// `WorkTeams` from `work_teams`.
pub(crate) fn camel(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next().map_or_else(String::new, |f| f.to_ascii_uppercase().to_string() + c.as_str())
        })
        .collect()
}

/// Parses and checks the command's arguments.
pub fn parse(singular: &str, plural: &str, fields: &[String]) -> Result<Resource, ResourceError> {
    let invalid = |m: String| Err(ResourceError::Invalid(m));
    let pascal = singular.starts_with(|c: char| c.is_ascii_uppercase())
        && singular.chars().all(|c| c.is_ascii_alphanumeric());
    if !pascal {
        return invalid(format!(
            "SINGULAR `{singular}` must be a type name in PascalCase (e.g. Post, BlogPost)"
        ));
    }
    if !snake(plural) || reserved_name(plural) {
        return invalid(format!(
            "PLURAL `{plural}` must be a snake_case table name that is not a Rust keyword, a word \
             SQL reserves, nor one of {} (e.g. posts, blog_posts)",
            RESERVED.join(", ")
        ));
    }
    if fields.is_empty() {
        return invalid("give at least one field, e.g. `title:string`".to_owned());
    }
    let mut out = Vec::new();
    let mut names = BTreeSet::new();
    for (i, arg) in fields.iter().enumerate() {
        let at = |m: &str| ResourceError::Invalid(format!("field {} `{arg}`: {m}", i + 1));
        let mut parts = arg.split(':');
        let name = parts.next().unwrap_or_default();
        if !snake(name) || KEYWORDS.contains(&name) {
            return Err(at("the name must be snake_case and not a Rust keyword"));
        }
        if SQL_RESERVED.contains(&name) {
            return Err(at(&format!(
                "`{name}` is a word SQL reserves, so it cannot name a column: pick another \
                 (e.g. `{name}_at`, `{name}_name`)"
            )));
        }
        if matches!(name, "id" | "inserted_at" | "updated_at") {
            return Err(at("`id` is the primary key every resource has"));
        }
        if !names.insert(name.to_owned()) {
            return Err(at("a field of that name comes earlier"));
        }
        let ty = match parts.next() {
            Some("string") => Ty::String,
            Some("text") => Ty::Text,
            Some("integer") => Ty::Integer,
            Some("float") => Ty::Float,
            Some("decimal") => Ty::Decimal,
            Some("boolean") => Ty::Boolean,
            Some("date") => Ty::Date,
            Some("datetime") => Ty::Datetime,
            Some("uuid") => Ty::Uuid,
            Some("upload") => Ty::Upload,
            Some("enum") => {
                let mut values = Vec::new();
                for value in parts.by_ref() {
                    if matches!(value, "unique" | "optional") || value.starts_with("default=") {
                        return Err(at("modifiers come after the enum's values are done: \
                                       `status:enum:draft:live` cannot take modifiers"));
                    }
                    if !snake(value) {
                        return Err(at(&format!("enum value `{value}` must be snake_case")));
                    }
                    values.push(value.to_owned());
                }
                if values.len() < 2 {
                    return Err(at("an enum lists two values or more: `status:enum:draft:live`"));
                }
                Ty::Enum(values)
            }
            Some("references") => match parts.next() {
                Some(table) if snake(table) => Ty::References(table.to_owned()),
                _ => return Err(at("name the table: `author_id:references:authors`")),
            },
            Some(other) => return Err(at(&format!("unknown type `{other}` (types: {TYPES})"))),
            None => return Err(at(&format!("give a type: `{name}:string` (types: {TYPES})"))),
        };
        let mut field =
            Field { name: name.to_owned(), ty, unique: false, optional: false, default: None };
        for modifier in parts {
            match modifier {
                "unique" => field.unique = true,
                "optional" => field.optional = true,
                m if m.starts_with("default=") => {
                    let value = &m["default=".len()..];
                    check_default(&field.ty, value).map_err(|e| at(&e))?;
                    field.default = Some(value.to_owned());
                }
                other => {
                    return Err(at(&format!(
                        "unknown modifier `{other}` (modifiers: unique, optional, default=VALUE)"
                    )));
                }
            }
        }
        if field.ty == Ty::Boolean && (field.optional || field.unique) {
            return Err(at("a boolean is never empty nor unique"));
        }
        if field.ty == Ty::Upload && (field.unique || field.default.is_some()) {
            return Err(at("an upload is a file the form sends: it takes `optional`, never \
                           `unique` nor a default"));
        }
        out.push(field);
    }
    if out.iter().all(|f| f.ty == Ty::Upload) {
        return invalid(
            "give a field that is not an upload too (e.g. `title:string`): the \
                        pages name and focus it"
                .to_owned(),
        );
    }
    Ok(Resource {
        singular: singular.to_owned(),
        plural: plural.to_owned(),
        fields: out,
        web: Web::Live,
        owned: false,
        scope: ScopeChoice::Default,
        owner_column: "user_id".to_owned(),
        owned_refs: Vec::new(),
        owner_table: "users".to_owned(),
    })
}

fn check_default(ty: &Ty, value: &str) -> Result<(), String> {
    use zero_values::{is_date, is_datetime, is_decimal, is_uuid};
    let ok = match ty {
        Ty::String | Ty::Text => !value.contains(['\'', '"', '\\']),
        Ty::Integer | Ty::References(_) => value.parse::<i64>().is_ok(),
        Ty::Float => value.parse::<f64>().is_ok_and(f64::is_finite),
        Ty::Decimal => is_decimal(value),
        Ty::Boolean => matches!(value, "true" | "false"),
        Ty::Date => is_date(value),
        Ty::Datetime => is_datetime(value),
        Ty::Uuid => is_uuid(value),
        Ty::Enum(values) => values.iter().any(|v| v == value),
        Ty::Upload => false,
    };
    if ok { Ok(()) } else { Err(format!("`{value}` is not a default this type takes")) }
}

impl Field {
    fn rust(&self) -> String {
        let base = self.value_type().unwrap_or(match self.ty {
            Ty::Integer | Ty::References(_) => "i64",
            Ty::Float => "f64",
            Ty::Boolean => "bool",
            _ => "String",
        });
        if self.optional { format!("Option<{base}>") } else { base.to_owned() }
    }

    /// The `zero_db::values` type of a typed field (a date, date-time, decimal or UUID): a
    /// native column on Postgres, text on SQLite, crossing the driver as its text.
    fn value_type(&self) -> Option<&'static str> {
        match self.ty {
            Ty::Date => Some("Date"),
            Ty::Datetime => Some("DateTime"),
            Ty::Decimal => Some("Decimal"),
            Ty::Uuid => Some("Uuid"),
            _ => None,
        }
    }

    /// The Postgres type a typed field's parameter is cast to.
    fn postgres_cast(&self) -> Option<&'static str> {
        match self.ty {
            Ty::Date => Some("date"),
            Ty::Datetime => Some("timestamp"),
            Ty::Decimal => Some("numeric"),
            Ty::Uuid => Some("uuid"),
            _ => None,
        }
    }

    fn column(&self, postgres: bool) -> String {
        let ty = match (&self.ty, postgres) {
            (Ty::Integer, false) | (Ty::References(_), false) => "INTEGER".to_owned(),
            (Ty::Integer, true) | (Ty::References(_), true) => "BIGINT".to_owned(),
            (Ty::Float, false) => "REAL".to_owned(),
            (Ty::Float, true) => "DOUBLE PRECISION".to_owned(),
            (Ty::Boolean, false) => format!("INTEGER CHECK ({} IN (0, 1))", self.name),
            (Ty::Boolean, true) => "BOOLEAN".to_owned(),
            (Ty::Enum(values), _) => {
                let list: Vec<String> = values.iter().map(|v| format!("'{v}'")).collect();
                format!("TEXT CHECK ({} IN ({}))", self.name, list.join(", "))
            }
            (Ty::Date, true) => "DATE".to_owned(),
            (Ty::Datetime, true) => "TIMESTAMP".to_owned(),
            (Ty::Decimal, true) => "NUMERIC".to_owned(),
            (Ty::Uuid, true) => "UUID".to_owned(),
            _ => "TEXT".to_owned(),
        };
        let mut column = format!("{} {ty}", self.name);
        if !self.optional {
            column.push_str(" NOT NULL");
        }
        if let Some(default) = &self.default {
            let sql = match (&self.ty, postgres) {
                (Ty::Boolean, false) => if default == "true" { "1" } else { "0" }.to_owned(),
                (Ty::Boolean, true) => default.to_uppercase(),
                (Ty::Integer | Ty::Float | Ty::References(_), _) => default.clone(),
                _ => format!("'{default}'"),
            };
            let _ = write!(column, " DEFAULT {sql}");
        }
        if self.unique {
            column.push_str(" UNIQUE");
        }
        if let Ty::References(table) = &self.ty {
            let _ = write!(column, " REFERENCES {table} (id) ON DELETE CASCADE");
        }
        column
    }

    /// The `zero_db::values` call reading this field.
    fn reader(&self) -> String {
        let opt = if self.optional { "optional_" } else { "" };
        let name = &self.name;
        match &self.ty {
            Ty::String => format!("v.{opt}text(\"{name}\", Some(255))"),
            Ty::Text => format!("v.{opt}text(\"{name}\", None)"),
            Ty::Integer | Ty::References(_) => format!("v.{opt}integer(\"{name}\")"),
            Ty::Float => format!("v.{opt}float(\"{name}\")"),
            Ty::Decimal => format!("v.{opt}decimal(\"{name}\")"),
            Ty::Boolean => format!("v.boolean(\"{name}\")"),
            Ty::Date => format!("v.{opt}date(\"{name}\")"),
            Ty::Datetime => format!("v.{opt}datetime(\"{name}\")"),
            Ty::Uuid => format!("v.{opt}uuid(\"{name}\")"),
            Ty::Enum(_) => format!("v.{opt}choice(\"{name}\", {}_VALUES)", name.to_uppercase()),
            // A key in the store, set by the form (never by the browser).
            Ty::Upload => format!("v.{opt}text(\"{name}\", Some(255))"),
        }
    }

    /// The `<.input>` kind.
    fn input(&self) -> &'static str {
        match self.ty {
            Ty::String | Ty::Decimal | Ty::Uuid => "text",
            Ty::Text => "textarea",
            Ty::Integer | Ty::Float | Ty::References(_) => "number",
            Ty::Boolean => "checkbox",
            Ty::Date => "date",
            Ty::Datetime => "datetime-local",
            Ty::Enum(_) => "select",
            Ty::Upload => "file",
        }
    }

    /// `Published at` from `published_at`.
    fn label(&self) -> String {
        label_of(&self.name)
    }

    /// A valid value for examples and tests (`n` varies unique ones).
    fn example(&self, n: &str) -> String {
        match &self.ty {
            Ty::String => format!("{} {n}", self.label()),
            Ty::Text => format!("Some {} {n}", self.name.replace('_', " ")),
            Ty::Integer => format!("4{n}"),
            Ty::Float => format!("1.{n}"),
            Ty::Decimal => format!("1{n}.50"),
            Ty::Boolean => "true".to_owned(),
            Ty::Date => "2026-11-25".to_owned(),
            Ty::Datetime => "2026-11-25T10:30".to_owned(),
            Ty::Uuid => format!("123e4567-e89b-12d3-a456-42661417400{n}"),
            Ty::Enum(values) => values[0].clone(),
            Ty::References(_) => "1".to_owned(),
            Ty::Upload => format!("{}/example-{n}.png", self.name),
        }
    }

    /// How a template shows the value of `row.FIELD`.
    fn display(&self, row: &str) -> String {
        let value = format!("{row}.{}", self.name);
        match self.ty {
            Ty::Boolean => format!("{{if {value} {{ \"Yes\" }} else {{ \"No\" }}}}"),
            _ if self.value_type().is_some() => format!("{{zero_db::values::text(&{value})}}"),
            _ => format!("{{{value}}}"),
        }
    }
}

pub(crate) fn label_of(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    chars.next().map_or_else(String::new, |c| c.to_ascii_uppercase().to_string() + chars.as_str())
}

/// The folders a resource writes into and the files it edits, relative to the app root.
pub const LIB: &str = "src/lib.rs";
const LIVE_MOD: &str = "web/live/mod.rs";
const WEB_MOD: &str = "web/mod.rs";
const API_MOD: &str = "web/api/mod.rs";
const HTML_MOD: &str = "web/html/mod.rs";
const LEDGER: &str = "release/surface.tsv";
const SUPPORT: &str = "tests/support/mod.rs";

impl Resource {
    fn lower(&self) -> String {
        // `BlogPost` → `blog_post`.
        let mut out = String::new();
        for (i, c) in self.singular.chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out
    }

    fn human(&self) -> String {
        self.lower().replace('_', " ")
    }

    fn title(&self) -> String {
        label_of(&self.plural)
    }

    fn command(&self) -> String {
        let fields: Vec<String> = self.fields.iter().map(|f| self.arg(f)).collect();
        let flag = match self.web {
            Web::Live => "",
            Web::Json => " --json",
            Web::Html => " --html",
        };
        format!("zerogen resource {} {} {}{flag}", self.singular, self.plural, fields.join(" "))
    }

    fn arg(&self, f: &Field) -> String {
        let mut arg = format!("{}:", f.name);
        match &f.ty {
            Ty::Enum(values) => {
                let _ = write!(arg, "enum:{}", values.join(":"));
            }
            Ty::References(table) => {
                let _ = write!(arg, "references:{table}");
            }
            other => arg.push_str(&format!("{other:?}").to_lowercase()),
        }
        if f.unique {
            arg.push_str(":unique");
        }
        if f.optional {
            arg.push_str(":optional");
        }
        if let Some(d) = &f.default {
            let _ = write!(arg, ":default={d}");
        }
        arg
    }

    /// The files this resource writes (not the ones it edits), for app `module`, rendered
    /// from `templates/resource/` (not formatted yet).
    pub fn files(
        &self,
        module: &str,
        timestamp: &str,
    ) -> Result<Vec<(String, String)>, ResourceError> {
        self.renderer(module)?.files(timestamp)
    }

    /// The resource's templates and model for app `module`, computed once for every file.
    fn renderer(&self, module: &str) -> Result<Renderer<'_>, ResourceError> {
        let templates = Templates::of("resource").map_err(render_failed)?;
        Ok(Renderer { resource: self, templates, model: self.model(module) })
    }

    /// The columns a query selects: a typed field as its text (`CAST(on AS TEXT) AS on`), the
    /// one form both backends give the driver.
    fn columns(&self) -> String {
        let mut names = vec!["id".to_owned()];
        names.extend(self.fields.iter().map(|f| match f.value_type() {
            Some(_) => format!("CAST({n} AS TEXT) AS {n}", n = f.name),
            None => f.name.clone(),
        }));
        names.join(", ")
    }
}

/// Inserts `line` into the `pub mod` list of `text` in sorted place (no change when present).
pub(crate) fn add_mod(text: &str, name: &str) -> String {
    let line = format!("pub mod {name};");
    if text.lines().any(|l| l.trim() == line) {
        return text.to_owned();
    }
    let mut lines: Vec<&str> = text.lines().collect();
    let mods: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].starts_with("pub mod ")).collect();
    let at = mods
        .iter()
        .copied()
        .find(|&i| lines[i] > line.as_str() && (i == 0 || !lines[i - 1].starts_with("#[")))
        .or_else(|| mods.last().map(|i| i + 1))
        .unwrap_or(lines.len());
    lines.insert(at, &line);
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// The migration files of the app at `root`, as `migrations/BACKEND/NAME`.
pub(crate) fn migration_files(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for backend in ["sqlite", "postgres"] {
        let Ok(entries) = std::fs::read_dir(root.join("migrations").join(backend)) else {
            continue;
        };
        for entry in entries.flatten() {
            files.push(format!("migrations/{backend}/{}", entry.file_name().to_string_lossy()));
        }
    }
    files
}

/// Whether the rows of `table` belong to the scope whose owner column is `column`.
fn owns(root: &Path, table: &str, column: &str) -> bool {
    owner_column_of(root, table).is_some_and(|c| c == column)
}

/// The owner column of the rows of `table`, if a scope of `spec/scopes.tsv` lists the table.
pub(crate) fn owner_column_of(root: &Path, table: &str) -> Option<String> {
    let scopes = crate::scopes::of_app(root).ok()?;
    crate::scopes::owner_of(&scopes, table).map(|s| s.column.clone())
}

/// The scope a resource's rows belong to, as asked (`None`: rows for everyone); an unknown
/// name, or a scope in an app without accounts, is refused.
fn owner_scope(
    root: &Path,
    choice: &ScopeChoice,
) -> Result<Option<crate::scopes::ScopeRow>, ResourceError> {
    let scopes = crate::scopes::of_app(root).map_err(ResourceError::Invalid)?;
    match choice {
        ScopeChoice::Everyone => Ok(None),
        ScopeChoice::Default => Ok(scopes.into_iter().find(|s| s.default)),
        ScopeChoice::Named(name) if scopes.is_empty() => Err(ResourceError::Invalid(format!(
            "--scope {name}: this app has no scopes yet (no accounts): run `zerogen auth` first"
        ))),
        ScopeChoice::Named(name) => {
            let known: Vec<&str> = scopes.iter().map(|s| s.name.as_str()).collect();
            let known = known.join(", ");
            scopes.iter().find(|s| s.name == *name).cloned().map(Some).ok_or_else(|| {
                ResourceError::Invalid(format!(
                    "--scope {name}: no such scope in {}; the app's are: {known}",
                    crate::scopes::TABLE
                ))
            })
        }
    }
}

/// The version of a migration file (`migrations/sqlite/20261201000000_create_posts.sql`).
pub(crate) fn version_of(file: &str) -> Option<&str> {
    file.rsplit('/').next()?.split_once('_').map(|(version, _)| version)
}

/// `timestamp`, or the first version after it that neither the app's migrations nor those of
/// the live packages it mounts use yet (two resources made in the same second get versions one
/// apart; the packages' share the app's history).
pub fn free_timestamp(root: &Path, timestamp: &str) -> String {
    let mut files = migration_files(root);
    for package in crate::mount::mounted_packages(root) {
        files.extend(migration_files(&package));
    }
    let taken: BTreeSet<&str> = files.iter().filter_map(|f| version_of(f)).collect();
    let mut version = timestamp.parse::<u64>().unwrap_or_default();
    while taken.contains(format!("{version:014}").as_str()) {
        version += 1;
    }
    format!("{version:014}")
}

/// Writes the resource into the app at `root`; returns the files written and edited.
pub fn write(
    r: &Resource,
    root: &Path,
    timestamp: &str,
    force: bool,
) -> Result<Vec<String>, ResourceError> {
    let io = io_error;
    crate::apptree::require_app(root)?;
    if r.web != Web::Live
        && let Some(f) = r.fields.iter().find(|f| f.ty == Ty::Upload)
    {
        return Err(ResourceError::Invalid(format!(
            "`{}:upload`: files are uploaded by live pages (over their socket), which {} does \
             not generate: leave out --json/--html, or the upload field; nothing was written",
            f.name,
            if r.web == Web::Json { "--json" } else { "--html" }
        )));
    }
    // In an app with accounts (`zerogen auth`) rows belong to a scope's users, unless asked.
    let scope = owner_scope(root, &r.scope)?;
    let owned = scope.is_some();
    if owned && r.web == Web::Json {
        return Err(ResourceError::Invalid(
            "this app has accounts, so its rows belong to users, and a JSON API of them would \
             need callers authenticated by token, which is not generated yet: generate live \
             pages (leave out --json), or rows for everyone (--no-scope)"
                .to_owned(),
        ));
    }
    if !owned && let Some(column) = owner_column_of(root, &r.plural) {
        return Err(ResourceError::Invalid(format!(
            "the rows of `{p}` belong to a scope ({column}, listed in {table}): they cannot become \
             everyone's; leave out --no-scope; nothing was written",
            p = r.plural,
            table = crate::scopes::TABLE
        )));
    }
    let scope_name = scope.as_ref().map(|s| s.name.clone());
    let owner_table = scope.as_ref().map_or_else(|| "users".to_owned(), |s| s.references.clone());
    let owner_column = scope.map_or_else(|| r.owner_column.clone(), |s| s.column);
    let r = &Resource { owned, owner_column, owner_table, ..r.clone() };
    // Rewritten with --force, the table's migration keeps its version (a second one would
    // create the table twice); another migration's version is refused.
    let suffix = format!("_create_{}.sql", r.plural);
    let plan = crate::apptree::plan_migration(root, &suffix, timestamp, force)?;
    // A resource made before accounts, made again with --force in an app that has them, gets
    // owners: its table's migration stays as it ran, and a new one adds the owner column.
    let converting =
        force && owned && !plan.existing.is_empty() && owner_column_of(root, &r.plural).is_none();
    let requested = timestamp;
    if converting && let Some(other) = public_referrer(root, &r.plural) {
        return Err(ResourceError::Invalid(format!(
            "the rows of `{other}` are everyone's and reference {p}, so {p} cannot get owners \
             first: give `{other}` owners before (its command again with --force), then run this \
             again; nothing was written",
            p = r.plural
        )));
    }
    if converting && migration_files(root).iter().any(|f| version_of(f) == Some(requested)) {
        return Err(ResourceError::Invalid(format!(
            "--timestamp `{requested}` is the version of another migration of this app: the \
             migration that gives {} owners needs a new one (leave it out for now)",
            r.plural
        )));
    }
    let timestamp = plan.version.as_str();
    for f in &r.fields {
        if let Ty::References(table) = &f.ty
            && !root.join(format!("src/{table}.rs")).is_file()
        {
            return Err(ResourceError::Invalid(format!(
                "`{}:references:{table}` needs the `{table}` resource first (src/{table}.rs): \
                 generate it with `zerogen resource`",
                f.name
            )));
        }
    }
    // Rows for everyone cannot point at rows that belong to a scope.
    if !owned {
        for f in &r.fields {
            if let Ty::References(table) = &f.ty
                && let Some(column) = owner_column_of(root, table)
            {
                return Err(ResourceError::Invalid(format!(
                    "`{}:references:{table}`: the rows of `{table}` belong to a scope ({column}), \
                     so rows for everyone cannot reference them: give this resource their scope \
                     (leave out --no-scope)",
                    f.name
                )));
            }
        }
    }
    // A reference stays within one scope: rows of a user do not point at an organization's.
    if owned {
        for f in &r.fields {
            if let Ty::References(table) = &f.ty
                && let Some(column) = owner_column_of(root, table)
                && column != r.owner_column
            {
                return Err(ResourceError::Invalid(format!(
                    "`{}:references:{table}`: the rows of `{table}` belong to another scope \
                     ({column}) than these ({}), so they cannot reference them: give both one \
                     scope (--scope)",
                    f.name, r.owner_column
                )));
            }
        }
    }
    // References to tables of owned rows must name the scope's own rows.
    let owned_refs: Vec<String> = r
        .fields
        .iter()
        .filter_map(|f| match &f.ty {
            Ty::References(table) if owned && owns(root, table, &r.owner_column) => {
                Some(table.clone())
            }
            _ => None,
        })
        .collect();
    let r = &Resource { owned_refs, ..r.clone() };
    let module = crate::app::crate_module(root).map_err(ResourceError::Io)?;
    let renderer = r.renderer(&module)?;
    let mut files = renderer.files(timestamp)?;
    if converting {
        files.retain(|(path, _)| !path.ends_with(&suffix));
        files.extend(renderer.owner_migrations(requested)?);
    }
    let additions = renderer.additions()?;
    // The tests' shared helpers (made for apps older than them) get the resource's fixture.
    let support = match std::fs::read_to_string(root.join(SUPPORT)) {
        Ok(text) => text,
        Err(_) => Templates::of("app")
            .and_then(|app| app.render(SUPPORT, &serde_json::json!({ "module": module })))
            .map_err(|e| ResourceError::Invalid(e.to_string()))?,
    };
    let mut existing: Vec<String> =
        files.iter().filter(|(p, _)| root.join(p).exists()).map(|(p, _)| p.clone()).collect();
    // A migration of the same table under another timestamp counts too.
    for path in plan.existing {
        if !existing.contains(&path) {
            existing.push(path);
        }
    }
    let routes_path = root.join(crate::app::ROUTES_TABLE);
    let routes = std::fs::read_to_string(&routes_path).map_err(|e| io(&routes_path, e))?;
    let already_routed =
        routes.lines().any(|l| l.split('\t').nth(1) == Some(&format!("/{}", r.plural)));
    if !force && !existing.is_empty() {
        existing.sort();
        return Err(ResourceError::Exists(existing));
    }
    if !force && already_routed {
        return Err(ResourceError::Exists(vec![format!(
            "the route /{} in spec/routes.tsv",
            r.plural
        )]));
    }
    // Edits, computed before anything is written.
    let lib_path = root.join(LIB);
    let lib = std::fs::read_to_string(&lib_path).map_err(|e| io(&lib_path, e))?;
    let ledger_path = root.join(LEDGER);
    let ledger = std::fs::read_to_string(&ledger_path).map_err(|e| io(&ledger_path, e))?;
    let mut edits = vec![(LIB.to_owned(), add_mod(&lib, &r.plural))];
    match r.web {
        Web::Live => {
            let live_path = root.join(LIVE_MOD);
            let live = std::fs::read_to_string(&live_path).map_err(|e| io(&live_path, e))?;
            edits.push((LIVE_MOD.to_owned(), add_mod(&live, &r.plural)));
        }
        Web::Json => {
            // `web/api/` is made by the first JSON resource.
            let web_path = root.join(WEB_MOD);
            let web = std::fs::read_to_string(&web_path).map_err(|e| io(&web_path, e))?;
            edits.push((WEB_MOD.to_owned(), add_mod(&web, "api")));
            let api_path = root.join(API_MOD);
            let api = match std::fs::read_to_string(&api_path) {
                Ok(text) => text,
                Err(_) => "//! The app's JSON APIs, one module a resource (`zerogen resource --json`).\n\n".to_owned(),
            };
            edits.push((API_MOD.to_owned(), add_mod(&api, &r.plural)));
        }
        Web::Html => {
            // Pages that are not live render through the endpoint (`Extension<Live>`), which
            // apps made before them do not hand to handlers.
            let web_path = root.join(WEB_MOD);
            let web = std::fs::read_to_string(&web_path).map_err(|e| io(&web_path, e))?;
            if !web.contains(".layer(Extension(live.clone()))") {
                return Err(ResourceError::Invalid(
                    "web/mod.rs does not hand the endpoint to HTTP handlers: add \
                     `.layer(Extension(live.clone()))` after the other `Extension` layers in \
                     `App::new`, then run this again; nothing was written"
                        .to_owned(),
                ));
            }
            edits.push((WEB_MOD.to_owned(), add_mod(&web, "html")));
            let html_path = root.join(HTML_MOD);
            let html = match std::fs::read_to_string(&html_path) {
                Ok(text) => text,
                Err(_) => "//! The app's pages that are not live, one module a resource (`zerogen resource --html`).\n\n".to_owned(),
            };
            edits.push((HTML_MOD.to_owned(), add_mod(&html, &r.plural)));
        }
    }
    let table_error =
        |path: &str, e: String| ResourceError::Invalid(format!("{path}: {e}; nothing was written"));
    let uploads = r.fields.iter().any(|f| f.ty == Ty::Upload);
    let (path, key) = (crate::app::ROUTES_TABLE, &["method", "path"][..]);
    if !already_routed {
        crate::apptree::append_rows(&mut edits, path, &routes, &additions.routes, key)?;
    }
    // The app's first upload field brings the file store, and the route of its links.
    if uploads && !storage::has_store(root) {
        // One edit of the table: the resource's rows, then the store's.
        let at = edits.iter().position(|(p, _)| p == path);
        let current = at.map_or_else(|| routes.clone(), |i| edits.remove(i).1);
        edits.push((path.to_owned(), current.clone()));
        let mut routed = Vec::new();
        crate::apptree::append_rows(&mut routed, path, &current, storage::ROUTE, key)?;
        if let Some((_, text)) = routed.pop() {
            edits.retain(|(p, _)| p != path);
            edits.push((path.to_owned(), text));
        }
    }
    let mut support = support;
    let mut changed = false;
    if r.owned && !support.contains("pub async fn user_scope(") {
        support.push_str(&additions.user_fixtures);
        changed = true;
    }
    let fixture = format!("pub async fn {}_row(", r.plural);
    if !support.contains(&fixture) {
        support.push_str(&additions.row_fixture);
        changed = true;
    } else if converting {
        // The fixture of rows for everyone becomes the owned one (it takes the scope).
        support = replace_fixture(&support, &fixture, &additions.row_fixture);
        changed = true;
    }
    if changed {
        edits.push((SUPPORT.to_owned(), support));
    }
    crate::apptree::append_rows(&mut edits, LEDGER, &ledger, &additions.ledger, &["id"])?;
    if uploads {
        let (more, edited) = storage::additions(root, renderer.render("storage.rs")?)?;
        files.extend(more);
        edits.extend(edited);
    }
    // The scope's row lists the table: who owns it is read from there.
    if let Some(scope) = &scope_name {
        // An app whose accounts predate the table gets it.
        let scopes = match std::fs::read_to_string(root.join(crate::scopes::TABLE)) {
            Ok(text) => text,
            Err(_) => crate::scopes::with_row(None, &crate::scopes::ScopeRow::named(scope, true))
                .map_err(|e| table_error(crate::scopes::TABLE, e))?
                .unwrap_or_default(),
        };
        let table = crate::scopes::with_table(&scopes, scope, &r.plural)
            .map_err(|e| table_error(crate::scopes::TABLE, e))?;
        if table != scopes {
            edits.push((crate::scopes::TABLE.to_owned(), table));
        }
    }
    write_all(root, &files, &edits)
}

/// A table of rows for everyone whose creation references `table`, if any.
fn public_referrer(root: &Path, table: &str) -> Option<String> {
    let reference = format!(" REFERENCES {table} (id)");
    migration_files(root).into_iter().find_map(|file| {
        let other = file.strip_prefix("migrations/sqlite/")?.split_once("_create_")?.1;
        let other = other.strip_suffix(".sql")?;
        let sql = std::fs::read_to_string(root.join(&file)).ok()?;
        (other != table && sql.contains(&reference) && owner_column_of(root, other).is_none())
            .then(|| other.to_owned())
    })
}

/// `support` with the fixture whose signature starts with `signature` (with its doc comment)
/// replaced by `fixture`; unchanged when it is not found whole.
fn replace_fixture(support: &str, signature: &str, fixture: &str) -> String {
    let Some(at) = support.find(signature) else { return support.to_owned() };
    let start = support[..at].rfind("\n\n").map_or(0, |i| i + 1);
    let Some(end) = support[at..].find("\n}\n").map(|i| at + i + 3) else {
        return support.to_owned();
    };
    format!("{}{}{}", &support[..start], fixture, &support[end..])
}

/// A failure to read or write `path`.
pub(crate) fn io_error(path: &Path, e: std::io::Error) -> ResourceError {
    ResourceError::Io(format!("{}: {e}", path.display()))
}

/// Formats `files` and `edits` (checked before, by the caller), then writes them into the app
/// at `root` and rewrites the router from the routes table (as the generator emits it, which
/// `zerogen generate --check` compares against), all or nothing (`apptree::commit`); returns
/// every path written. A file that does not format (or no rustfmt) writes nothing.
pub(crate) fn write_all(
    root: &Path,
    files: &[(String, String)],
    edits: &[(String, String)],
) -> Result<Vec<String>, ResourceError> {
    let mut all: Vec<(String, String)> = files.iter().chain(edits.iter()).cloned().collect();
    // The router, from the routes table as it will be.
    let routes = match all.iter().find(|(p, _)| p == crate::app::ROUTES_TABLE) {
        Some((_, text)) => crate::app::parse_routes(text),
        None => crate::app::load_routes(root),
    };
    let routes = routes.map_err(|d| {
        let problems: Vec<String> = d
            .iter()
            .map(|d| {
                let at = &d.location;
                format!("{}:{}:{}: {}", at.file, at.line, at.column, d.message)
            })
            .collect();
        ResourceError::Invalid(format!("{}; nothing was written", problems.join("; ")))
    })?;
    let router = crate::app::emit_router(&routes);
    crate::render::format(root, &mut all).map_err(|e| ResourceError::Io(e.to_string()))?;
    all.push((router.path, router.contents));
    crate::apptree::commit::commit(root, &all)
}

fn render_failed(e: RenderError) -> ResourceError {
    ResourceError::Invalid(e.to_string())
}

/// A resource's templates and its model, computed once, for every file it renders.
struct Renderer<'r> {
    resource: &'r Resource,
    templates: Templates,
    model: model::Model,
}

impl Renderer<'_> {
    fn render(&self, path: &str) -> Result<String, ResourceError> {
        self.templates.render(path, &self.model).map_err(render_failed)
    }

    /// A migration of the template `path` for one backend.
    fn migration(&self, path: &str, postgres: bool) -> Result<String, ResourceError> {
        let model = Backend { model: &self.model, postgres };
        self.templates.render(path, &model).map_err(render_failed)
    }

    /// The files the resource writes (not the ones it edits), not formatted yet.
    fn files(&self, timestamp: &str) -> Result<Vec<(String, String)>, ResourceError> {
        let p = &self.resource.plural;
        let mut files = vec![
            (
                format!("migrations/sqlite/{timestamp}_create_{p}.sql"),
                self.migration("migration.sql", false)?,
            ),
            (
                format!("migrations/postgres/{timestamp}_create_{p}.sql"),
                self.migration("migration.sql", true)?,
            ),
            (
                format!("migrations/sqlite/{timestamp}_create_{p}.down.sql"),
                self.render("migration.down.sql")?,
            ),
            (
                format!("migrations/postgres/{timestamp}_create_{p}.down.sql"),
                self.render("migration.down.sql")?,
            ),
            (format!("src/{p}.rs"), self.render("domain.rs")?),
        ];
        match self.resource.web {
            Web::Live => {
                for name in ["mod.rs", "index.rs", "show.rs", "form.rs"] {
                    let code = self.render(&format!("live/{name}"))?;
                    files.push((format!("web/live/{p}/{name}"), code));
                }
                for name in ["index", "show", "form"] {
                    let page = self.render(&format!("{name}.html.0x0"))?;
                    files.push((format!("web/live/{p}/{name}.html.0x0"), page));
                }
            }
            Web::Json => files.push((format!("web/api/{p}.rs"), self.render("api/handlers.rs")?)),
            Web::Html => files.extend([
                (format!("web/html/{p}.rs"), self.render("html/pages.rs")?),
                (format!("web/html/{p}/index.html.0x0"), self.render("index.html.0x0")?),
                (format!("web/html/{p}/show.html.0x0"), self.render("show.html.0x0")?),
                (format!("web/html/{p}/form.html.0x0"), self.render("form.html.0x0")?),
            ]),
        }
        files.push((format!("tests/{p}.rs"), self.render("tests.rs")?));
        files.push((format!("docs/{p}.md"), self.render("docs.md")?));
        Ok(files)
    }

    /// The migrations that give the rows of a resource made before accounts their owner
    /// column.
    fn owner_migrations(&self, timestamp: &str) -> Result<Vec<(String, String)>, ResourceError> {
        let (p, o) = (&self.resource.plural, &self.resource.owner_column);
        let mut files = Vec::new();
        for (backend, postgres) in [("sqlite", false), ("postgres", true)] {
            let sql = self.migration("owners.sql", postgres)?;
            files.push((format!("migrations/{backend}/{timestamp}_add_{o}_to_{p}.sql"), sql));
        }
        Ok(files)
    }

    /// What the resource adds to the app's files: its rows of `spec/routes.tsv` and
    /// `release/surface.tsv`, and its fixtures of `tests/support/mod.rs`.
    fn additions(&self) -> Result<Additions, ResourceError> {
        Ok(Additions {
            routes: self.render("routes.tsv")?,
            ledger: self.render("surface.tsv")?,
            row_fixture: self.render("support/row.rs")?,
            user_fixtures: self.render("support/users.rs")?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    impl Resource {
        /// What this resource adds to the app's files, for app `module`.
        fn additions(&self, module: &str) -> Result<Additions, ResourceError> {
            self.renderer(module)?.additions()
        }

        /// The file this resource writes (in an app `app`) whose path starts with `prefix`.
        fn file(&self, prefix: &str) -> String {
            let files = self.files("app", "20260101000000").unwrap();
            files.into_iter().find(|(p, _)| p.starts_with(prefix)).unwrap().1
        }

        fn migration(&self, postgres: bool) -> String {
            self.file(if postgres { "migrations/postgres/" } else { "migrations/sqlite/" })
        }

        fn domain(&self) -> String {
            self.file(&format!("src/{}.rs", self.plural))
        }
    }

    fn route_rows(r: &Resource) -> String {
        r.additions("app").unwrap().routes
    }

    /// The ledger rows, without the header they are rendered under.
    fn ledger_rows(r: &Resource) -> String {
        let ledger = r.additions("app").unwrap().ledger;
        ledger.split_once('\n').unwrap().1.to_owned()
    }

    #[test]
    fn owned_rows_get_a_user_column_scope_first_functions_and_user_tests() {
        let r = parse("Note", "notes", &args(&["title:string"])).unwrap();
        let owned = Resource { owned: true, ..r.clone() };
        assert!(
            owned
                .migration(true)
                .contains("user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE")
        );
        assert!(
            owned.migration(false).contains("CREATE INDEX notes_user_id_index ON notes (user_id);")
        );
        let domain = owned.domain();
        assert!(domain.contains("pub async fn list(scope: &Scope, db: &Db)"), "{domain}");
        assert!(domain.contains("WHERE id = $1 AND user_id = $2"), "{domain}");
        assert!(domain.contains("INSERT INTO notes (title, user_id) VALUES ($1, $2)"), "{domain}");
        assert!(domain.contains("changed(scope, pubsub, Change::Deleted(id))"), "{domain}");
        let tests = owned.file("tests/");
        assert!(tests.contains("async fn another_users_notes_are_out_of_reach()"), "{tests}");
        assert!(tests.contains("support::sign_in(&app, visitor.new_browser()"), "{tests}");
        assert!(!tests.contains("notes::list(&db)"), "{tests}");
        // Rows of an app without accounts stay as they were.
        assert!(!r.domain().contains("Scope") && !r.migration(false).contains("user_id"));
    }

    #[test]
    fn references_to_owned_rows_are_checked_against_the_owner_and_tested() {
        let fields = args(&[
            "body:text",
            "note_id:references:notes",
            "spare_id:references:notes:optional",
            "tag_id:references:tags",
        ]);
        let r = parse("Comment", "comments", &fields).unwrap();
        let owned = Resource { owned: true, owned_refs: vec!["notes".to_owned()], ..r.clone() };
        let domain = owned.domain();
        assert_eq!(
            domain.matches("own_references(db, owner, attrs).await?;").count(),
            2,
            "create and update"
        );
        assert_eq!(
            domain.matches("SELECT id FROM notes WHERE id = $1 AND user_id = $2").count(),
            2
        );
        assert!(domain.contains("if let Some(id) = attrs.spare_id {"), "{domain}");
        assert!(!domain.contains("FROM tags WHERE"), "tags are not owned: {domain}");
        let tests = owned.file("tests/");
        assert!(
            tests.contains("async fn note_id_of_another_user_is_refused_as_missing()"),
            "{tests}"
        );
        assert!(
            tests.contains("async fn spare_id_of_another_user_is_refused_as_missing()"),
            "{tests}"
        );
        assert!(!tests.contains("tag_id_of_another_user"), "{tests}");
        assert!(tests.contains("support::notes_row(db, scope, n)"), "{tests}");
        assert!(tests.contains("support::tags_row(db, n)"), "{tests}");
        assert!(
            !tests.contains("example(&db, 1)") && !tests.contains("example(&db, 2)"),
            "{tests}"
        );
        let fixture = owned.additions("app").unwrap().row_fixture;
        assert!(
            fixture
                .contains("pub async fn comments_row(db: &Db, scope: &zero_auth::Scope, n: u32)"),
            "{fixture}"
        );
        assert!(
            fixture.contains("notes_row(db, scope, n)") && fixture.contains("tags_row(db, n)"),
            "{fixture}"
        );
        // Owned rows whose references are not owned keep the plain example.
        let plain = Resource { owned: true, ..r };
        assert!(!plain.domain().contains("own_references"));
        assert!(plain.file("tests/").contains("example(&db, 1)"));
    }

    #[test]
    fn a_saved_form_does_not_write_again_and_the_page_edits_in_a_modal() {
        let r = parse("Note", "notes", &args(&["title:string"])).unwrap();
        let form = r.file("web/live/notes/form.rs");
        let save = form.find("async fn save(").expect("the form's save");
        let guard = form[save..].find("if let Some(to) = self.saved").expect("the guard");
        let write = form[save..].find("apply(ctx, ").expect("the write");
        assert!(guard < write, "checked before writing: {form}");
        assert!(form.contains("self.saved = Some(to.clone());"), "{form}");
        // The page of a row edits it in its modal through the same checks and write.
        let show = r.file("web/live/notes/show.rs");
        assert!(show.contains("super::form::apply(ctx, id, &mut self.form)"), "{show}");
        assert!(r.file("web/live/notes/show.html.0x0").contains("<.modal id=\"note-editor\""));
    }

    #[test]
    fn fields_parse_with_types_and_modifiers() {
        let r = parse(
            "BlogPost",
            "blog_posts",
            &args(&[
                "title:string:unique",
                "body:text:optional",
                "views:integer:default=0",
                "status:enum:draft:live",
                "published:boolean:default=true",
                "author_id:references:authors",
            ]),
        )
        .unwrap();
        assert_eq!(r.lower(), "blog_post");
        assert_eq!(r.fields[0].ty, Ty::String);
        assert!(r.fields[0].unique && r.fields[1].optional);
        assert_eq!(r.fields[2].default.as_deref(), Some("0"));
        assert_eq!(r.fields[3].ty, Ty::Enum(vec!["draft".into(), "live".into()]));
        assert_eq!(r.fields[5].ty, Ty::References("authors".into()));
        let sqlite = r.migration(false);
        assert!(sqlite.contains("title TEXT NOT NULL UNIQUE"), "{sqlite}");
        assert!(
            sqlite.contains("published INTEGER CHECK (published IN (0, 1)) NOT NULL DEFAULT 1"),
            "{sqlite}"
        );
        assert!(
            sqlite.contains("author_id INTEGER NOT NULL REFERENCES authors (id) ON DELETE CASCADE"),
            "{sqlite}"
        );
        let postgres = r.migration(true);
        assert!(postgres.contains("id BIGSERIAL PRIMARY KEY"), "{postgres}");
        assert!(postgres.contains("published BOOLEAN NOT NULL DEFAULT TRUE"), "{postgres}");
        assert!(
            postgres.contains("status TEXT CHECK (status IN ('draft', 'live')) NOT NULL"),
            "{postgres}"
        );
        assert!(
            r.command().starts_with("zerogen resource BlogPost blog_posts title:string:unique")
        );
    }

    #[test]
    fn bad_arguments_are_refused_with_the_argument_named() {
        for (singular, plural, fields, expected) in [
            ("post", "posts", vec!["title:string"], "PascalCase"),
            ("Post", "Posts", vec!["title:string"], "snake_case table"),
            ("Post", "web", vec!["title:string"], "snake_case table"),
            ("Post", "posts", vec![], "at least one field"),
            ("Post", "posts", vec!["title"], "field 1 `title`: give a type"),
            ("Post", "posts", vec!["title:strng"], "unknown type `strng`"),
            ("Post", "posts", vec!["id:integer"], "primary key"),
            ("Post", "posts", vec!["a:string", "a:text"], "field 2 `a:text`: a field of that name"),
            ("Post", "posts", vec!["type:string"], "Rust keyword"),
            ("Post", "posts", vec!["on:date"], "`on` is a word SQL reserves"),
            ("Post", "posts", vec!["order:integer"], "`order` is a word SQL reserves"),
            ("Group", "group", vec!["name:string"], "a word SQL reserves"),
            ("Post", "posts", vec!["s:enum:one"], "two values or more"),
            ("Post", "posts", vec!["s:enum:a:B"], "enum value `B`"),
            ("Post", "posts", vec!["a:references"], "name the table"),
            ("Post", "posts", vec!["a:string:loud"], "unknown modifier `loud`"),
            ("Post", "posts", vec!["n:integer:default=x"], "not a default"),
            ("Post", "posts", vec!["d:date:default=2026-13-01"], "not a default"),
            ("Post", "posts", vec!["b:boolean:optional"], "never empty"),
            ("Post", "posts", vec!["t:string", "f:upload:unique"], "never `unique`"),
            ("Post", "posts", vec!["t:string", "f:upload:default=x"], "not a default"),
            ("Post", "posts", vec!["f:upload", "g:upload:optional"], "not an upload too"),
        ] {
            let error = parse(singular, plural, &args(&fields)).unwrap_err().to_string();
            assert!(error.contains(expected), "{fields:?}: {error}");
        }
    }

    #[test]
    fn a_json_resource_gets_an_api_instead_of_live_pages() {
        let mut r =
            parse("Tag", "tags", &args(&["label:string:unique", "weight:integer"])).unwrap();
        r.web = Web::Json;
        let files: Vec<String> =
            r.files("shop", "20261201000000").unwrap().into_iter().map(|(p, _)| p).collect();
        assert!(files.contains(&"web/api/tags.rs".to_owned()), "{files:?}");
        assert!(!files.iter().any(|f| f.starts_with("web/live/")), "{files:?}");
        let routes = route_rows(&r);
        assert!(
            routes.contains("POST\t/tags\thttp\tweb::api::tags::create\tapi\t/api"),
            "{routes}"
        );
        assert!(routes.contains("DELETE\t/tags/:id\thttp\tweb::api::tags::delete"), "{routes}");
        assert!(r.command().ends_with("--json"));
        assert!(ledger_rows(&r).contains("resource.tags.api\truntime\tweb/api/tags.rs#create"));
        // In an app named like the resource, the tests name the crate from the root.
        let (_, tests) =
            r.files("tags", "1").unwrap().into_iter().find(|(p, _)| p == "tests/tags.rs").unwrap();
        assert!(
            tests.contains("use ::tags::web::App;\nuse ::tags::tags::{self, Change};"),
            "{tests}"
        );
        let (_, tests) =
            r.files("shop", "1").unwrap().into_iter().find(|(p, _)| p == "tests/tags.rs").unwrap();
        assert!(tests.contains("use shop::web::App;\nuse shop::tags::{self, Change};"), "{tests}");
        let api = r.file("web/api/tags.rs");
        assert!(api.contains("pub async fn update(") && api.contains("StatusCode::CREATED"));
        let live = Resource { web: Web::Live, ..r };
        assert!(!live.files("shop", "1").unwrap().iter().any(|(p, _)| p.starts_with("web/api/")));
    }

    #[test]
    fn an_html_resource_gets_pages_that_are_not_live() {
        let fields = args(&["title:string:unique", "published:boolean"]);
        let mut r = parse("Post", "posts", &fields).unwrap();
        r.web = Web::Html;
        let files = r.files("shop", "20261201000000").unwrap();
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        for want in [
            "web/html/posts.rs",
            "web/html/posts/index.html.0x0",
            "web/html/posts/show.html.0x0",
            "web/html/posts/form.html.0x0",
        ] {
            assert!(paths.contains(&want), "{want}: {paths:?}");
        }
        assert!(!paths.iter().any(|f| f.starts_with("web/live/")), "{paths:?}");
        let routes = route_rows(&r);
        for row in [
            "GET\t/posts\thttp\tweb::html::posts::index\tbrowser\t/\tposts",
            "POST\t/posts\thttp\tweb::html::posts::create\tbrowser",
            "POST\t/posts/:id\thttp\tweb::html::posts::update\tbrowser",
            "POST\t/posts/:id/delete\thttp\tweb::html::posts::delete\tbrowser",
        ] {
            assert!(routes.contains(row), "{row}: {routes}");
        }
        assert!(r.command().ends_with("--html"));
        let get = |p: &str| &files.iter().find(|(path, _)| path == p).unwrap().1;
        let tests = get("tests/posts.rs");
        for row in ledger_rows(&r).lines() {
            for test in row.split('\t').nth(3).unwrap().split(',') {
                let name = test.rsplit('#').next().unwrap();
                assert!(tests.contains(&format!("async fn {name}(")), "{name}");
            }
        }
        assert!(!tests.contains("serde_json::json"), "no unused import");
        let form = get("web/html/posts/form.html.0x0");
        assert!(form.contains("<input type=\"hidden\" name=\"_csrf_token\" value={csrf}>"));
        assert!(form.contains("method=\"post\" action={action}") && !form.contains("z-submit"));
        let code = get("web/html/posts.rs");
        assert!(code.contains("StatusCode::UNPROCESSABLE_ENTITY") && !code.contains("Scope"));
        // Owned rows: a visitor is sent to log in from every handler.
        let owned = Resource { owned: true, ..r };
        let code = owned.file("web/html/posts.rs");
        assert_eq!(code.matches("return to_log_in(&live, ").count(), 7, "{code}");
        assert!(code.contains("posts::list(&scope, &db)"), "{code}");
    }

    #[test]
    fn a_forced_rerun_keeps_the_tables_migration_version() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let app = crate::scaffold::files(&crate::scaffold::NewApp {
            name: "shop".to_owned(),
            dir: root.to_owned(),
            source: crate::scaffold::Source::Version("0.1".to_owned()),
            db: crate::scaffold::Database::Sqlite,
        })
        .unwrap();
        for (path, text) in app {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
        let r = parse("Note", "notes", &args(&["title:string"])).unwrap();
        write(&r, root, "20261201000000", false).unwrap();
        write(&r, root, "20261201000009", true).unwrap();
        let versions: Vec<String> = migration_files(root)
            .into_iter()
            .filter(|f| f.ends_with("_create_notes.sql"))
            .collect();
        assert_eq!(versions.len(), 2, "one per backend: {versions:?}");
        assert!(versions.iter().all(|f| f.contains("/20261201000000_")), "{versions:?}");
        assert!(write(&r, root, "20261201000010", false).is_err(), "refused without --force");
    }

    /// A new app `shop` (its `zero-live` by version) in `root`.
    fn new_app_at(root: &Path) {
        let app = crate::scaffold::files(&crate::scaffold::NewApp {
            name: "shop".to_owned(),
            dir: root.to_owned(),
            source: crate::scaffold::Source::Version("0.1".to_owned()),
            db: crate::scaffold::Database::Sqlite,
        })
        .unwrap();
        for (path, text) in app {
            let full = root.join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, text).unwrap();
        }
    }

    #[test]
    fn an_upload_field_brings_the_file_store_once_and_only_to_live_pages() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        new_app_at(root);
        let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
        let before = read("web/features.rs");
        // Files travel over a live page's socket: other web layers are refused, nothing written.
        for web in [Web::Json, Web::Html] {
            let mut r = parse("Doc", "docs", &args(&["title:string", "file:upload"])).unwrap();
            r.web = web;
            let error = write(&r, root, "20261201000000", false).unwrap_err().to_string();
            assert!(error.contains("`file:upload`: files are uploaded by live pages"), "{error}");
            assert!(!root.join("src/docs.rs").exists() && !root.join("web/storage.rs").exists());
        }
        let r = parse("Doc", "docs", &args(&["title:string", "file:upload"])).unwrap();
        write(&r, root, "20261201000000", false).unwrap();
        assert!(read("web/storage.rs").contains("pub async fn keep("));
        assert!(read("web/mod.rs").contains("pub mod storage;"));
        assert!(
            read("spec/routes.tsv")
                .contains("GET\t/files/*key\thttp\tweb::storage::read\tassets\t/")
        );
        assert!(read("web/routes.rs").contains("web::storage::read"));
        assert_eq!(read("web/features.rs"), before, "the features are as they were");
        let cargo = read("Cargo.toml");
        assert!(cargo.contains("zero-live = { version = \"0.1\", features = [\"storage\"] }"));
        assert!(cargo.contains("rand = \"0.9\"") && cargo.contains("s3 = [\"zero-live/s3\"]"));
        let sql = read("migrations/sqlite/20261201000000_create_docs.sql");
        assert!(sql.contains("file TEXT NOT NULL"), "{sql}");
        // A second upload resource changes none of it.
        let r = parse("Pic", "pics", &args(&["title:string", "pic:upload:optional"])).unwrap();
        write(&r, root, "20261201000001", false).unwrap();
        assert_eq!(read("Cargo.toml"), cargo);
        assert_eq!(read("spec/routes.tsv").matches("/files/*key").count(), 1, "one route");
        // An app whose manifest has no zero-live to extend is told so, and nothing is written.
        let dir = tempfile::tempdir().unwrap();
        new_app_at(dir.path());
        let manifest = dir.path().join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let text: Vec<&str> = text.lines().filter(|l| !l.starts_with("zero-live = ")).collect();
        std::fs::write(&manifest, text.join("\n")).unwrap();
        let error = write(&r, dir.path(), "20261201000000", false).unwrap_err().to_string();
        assert!(error.contains("Cargo.toml has no `zero-live = ...` dependency"), "{error}");
        assert!(!dir.path().join("src/pics.rs").exists(), "nothing written");
        assert!(!dir.path().join("web/storage.rs").exists(), "nothing written");
    }

    #[test]
    fn a_default_version_skips_the_ones_the_app_has() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_timestamp(dir.path(), "20261201000000"), "20261201000000");
        std::fs::create_dir_all(dir.path().join("migrations/sqlite")).unwrap();
        for v in ["20261201000000", "20261201000001"] {
            std::fs::write(dir.path().join(format!("migrations/sqlite/{v}_create_x.sql")), "")
                .unwrap();
        }
        assert_eq!(free_timestamp(dir.path(), "20261201000000"), "20261201000002");
        assert_eq!(free_timestamp(dir.path(), "20261201000005"), "20261201000005");
    }

    #[test]
    fn mods_are_added_in_sorted_place_once() {
        let text = "//! Doc.\n\npub mod tally;\n\n#[path = \"../web/mod.rs\"]\npub mod web;\n";
        let added = add_mod(text, "posts");
        assert_eq!(
            added,
            "//! Doc.\n\npub mod posts;\npub mod tally;\n\n#[path = \"../web/mod.rs\"]\npub mod web;\n"
        );
        assert_eq!(add_mod(&added, "posts"), added);
        let live = "//! Live.\n\npub mod about;\npub mod home;\n";
        assert_eq!(
            add_mod(live, "posts"),
            "//! Live.\n\npub mod about;\npub mod home;\npub mod posts;\n"
        );
    }
}
