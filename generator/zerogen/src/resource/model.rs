//! The model `templates/resource/` renders from: every name, type, SQL column, expression and
//! example a template prints, computed here from the parsed [`Resource`]. Templates only
//! interpolate these, branch on the flags and loop over the lists.

use serde::Serialize;

use super::{Field, Resource, Ty, Web, label_of};

/// A resource as its templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct Model {
    /// The command that made it, for the files' first line.
    pub command: String,
    /// `BlogPost`.
    pub singular: String,
    /// `blog_posts`: table, module, path.
    pub plural: String,
    /// `blog_post`: a variable, a form's name, an element id's prefix.
    pub lower: String,
    /// `blog post`, in sentences.
    pub human: String,
    /// `Blog post`, starting a sentence.
    pub sentence: String,
    /// `blog posts`, in sentences.
    pub human_plural: String,
    /// `Blog posts`, the index's title.
    pub title: String,
    /// The app's crate as a test names it (`::notes` when the app is named like the module).
    pub krate: String,
    /// The app's crate module.
    pub module: String,
    /// `live`, `html` or `json`.
    pub web: &'static str,
    /// Rows belong to a scope's users.
    pub owned: bool,
    /// The owner column of owned rows.
    pub owner_column: String,
    /// The table the owner column references (`users`, or an organization scope's).
    pub owner_table: String,
    /// The organization scope the rows belong to (`org`), `None` for a user's rows.
    pub org: Option<String>,
    /// Who owns the rows, in sentences: `user`, or the organization scope's name.
    pub owner_human: String,
    /// The fields, in order.
    pub fields: Vec<FieldModel>,
    /// The first field that is not an upload (the one a taken unique value falls back to, the
    /// editor focuses and the pages name).
    pub first: FieldModel,
    /// The upload fields (`photo:upload`): files the live form sends and the store keeps.
    pub uploads: Vec<FieldModel>,
    /// The fields a form's `<.input>` edits (every one but the uploads).
    pub inputs: Vec<FieldModel>,
    /// The first unique field, if any.
    pub unique: Option<FieldModel>,
    /// The fields a user can leave empty and must not: not optional, not a checkbox.
    pub required: Vec<FieldModel>,
    /// The required fields a form's `<.input>` edits (not the uploads).
    pub required_inputs: Vec<FieldModel>,
    /// The required fields a JSON create must name (no default either: not a checkbox, not a
    /// choice, whose first value is its default).
    pub api_required: Vec<FieldModel>,
    /// The fields that reference another table.
    pub parents: Vec<FieldModel>,
    /// The references to tables whose rows belong to users too (checked against the owner).
    pub owned_parents: Vec<FieldModel>,
    /// `"title", "body"`: the fields as a Rust list.
    pub field_list: String,
    /// `id, title, body`: the columns a query selects.
    pub columns: String,
    /// `title, body` (and the owner column): the columns an insert names.
    pub insert_columns: String,
    /// `$1, $2` (and the owner's): an insert's placeholders.
    pub insert_values: String,
    /// `title = $1, body = $2`: an update's assignments.
    pub sets: String,
    /// `$3`: the id's placeholder in an update (the owner's follows it).
    pub update_id: String,
    /// `$4`: the owner's placeholder in an update.
    pub update_owner: String,
    /// `Date, Decimal`: the `zero_db::values` types the domain module names (none: no field is
    /// a date, date-time, decimal or UUID; with some, inserts and updates cast their parameters
    /// for Postgres, `$2::date`, through `Db::sql`).
    pub value_types: String,
    /// A required field is a date or date-time, which has no `Default` in `time`: rows that
    /// belong to a scope (whose pages need an empty row) implement it by hand.
    pub dated: bool,
}

/// A field as its templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldModel {
    /// `published_at`.
    pub name: String,
    /// `Published at`.
    pub label: String,
    /// `PUBLISHED_AT`, for the constants of an enum.
    pub upper: String,
    /// Its Rust type in the row.
    pub rust: String,
    /// May be empty.
    pub optional: bool,
    /// Unique.
    pub unique: bool,
    /// Its column, for SQLite and for Postgres.
    pub sqlite: String,
    /// Its column for Postgres.
    pub postgres: String,
    /// The `Values` call that reads it.
    pub reader: String,
    /// The `<.input>` kind.
    pub input: &'static str,
    /// How a template shows `ROW.NAME` (`ROW` is the model's `lower`).
    pub display: String,
    /// A new form's value.
    pub default: String,
    /// The expression of its form value in `values_of` (after `ROW.`).
    pub value_of: String,
    /// The expression that binds it (after `.bind(`).
    pub bind: String,
    /// The Rust expression of a valid example (`n` varies the unique ones).
    pub example: String,
    /// The type, for the docs.
    pub doc_type: String,
    /// The rules, for the docs.
    pub rules: String,
    /// An enum's values and their labels.
    pub choices: Vec<(String, String)>,
    /// `"draft", "live"`: an enum's values as a Rust list.
    pub value_list: String,
    /// `("draft", "Draft"), ...`: an enum's choices as a Rust list.
    pub choice_list: String,
    /// The table a reference points at.
    pub table: Option<String>,
    /// Its value in the JSON API.
    pub json: String,
    /// Its value in a row made by hand `Default` (`Date::MIN` for a required date).
    pub default_value: String,
    /// A file the form uploads: the column keeps its key in the store.
    pub upload: bool,
}

fn quoted(items: impl IntoIterator<Item = String>) -> String {
    items.into_iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
}

impl Field {
    fn model(&self, lower: &str) -> FieldModel {
        let choices: Vec<(String, String)> = match &self.ty {
            Ty::Enum(values) => values.iter().map(|v| (v.clone(), label_of(v))).collect(),
            _ => Vec::new(),
        };
        let default = match (&self.default, &self.ty) {
            (Some(d), _) => d.clone(),
            (None, Ty::Boolean) => "false".to_owned(),
            (None, Ty::Enum(values)) if !self.optional => values[0].clone(),
            _ => String::new(),
        };
        let name = &self.name;
        let rust = self.rust();
        let typed = self.value_type().is_some();
        // A typed value crosses to the database and the JSON API as its text.
        let as_text = |on: String| match (typed, self.optional) {
            (true, true) => Some(format!("zero_db::values::nullable(&{on})")),
            (true, false) => Some(format!("zero_db::values::text(&{on})")),
            (false, _) => None,
        };
        let value_of = match rust.as_str() {
            _ if typed => format!("zero_db::values::text(&{lower}.{name})"),
            "String" => format!("{lower}.{name}.clone()"),
            "Option<String>" => format!("{lower}.{name}.clone().unwrap_or_default()"),
            "Option<i64>" | "Option<f64>" => {
                format!("{lower}.{name}.map(|v| v.to_string()).unwrap_or_default()")
            }
            _ => format!("{lower}.{name}.to_string()"),
        };
        let bind = as_text(format!("attrs.{name}")).unwrap_or_else(|| match rust.as_str() {
            "i64" | "f64" | "bool" | "Option<i64>" | "Option<f64>" => format!("attrs.{name}"),
            _ => format!("attrs.{name}.clone()"),
        });
        let json = as_text(format!("{lower}.{name}")).unwrap_or_else(|| format!("{lower}.{name}"));
        let default_value = match (&self.ty, self.optional) {
            (Ty::Date, false) => "Date::MIN".to_owned(),
            (Ty::Datetime, false) => "DateTime::MIN".to_owned(),
            _ => "Default::default()".to_owned(),
        };
        let example = self.example("{n}");
        let example = if example.contains("{n}") {
            format!("format!({example:?})")
        } else {
            format!("{example:?}.to_owned()")
        };
        let mut rules = Vec::new();
        if !self.optional && self.ty != Ty::Boolean {
            rules.push("required".to_owned());
        }
        if self.unique {
            rules.push("unique".to_owned());
        }
        if let Some(d) = &self.default {
            rules.push(format!("default `{d}`"));
        }
        let doc_type = match &self.ty {
            Ty::Enum(v) => format!("one of {}", v.join(", ")),
            Ty::References(t) => format!("a row of `{t}`"),
            Ty::Upload => "a file the form uploads (its key in the app's store)".to_owned(),
            other => format!("{other:?}").to_lowercase(),
        };
        FieldModel {
            name: self.name.clone(),
            label: self.label(),
            upper: self.name.to_uppercase(),
            rust,
            optional: self.optional,
            unique: self.unique,
            sqlite: self.column(false),
            postgres: self.column(true),
            reader: self.reader(),
            input: self.input(),
            display: self.display(lower),
            default,
            value_of,
            bind,
            example,
            doc_type,
            rules: rules.join(", "),
            value_list: quoted(choices.iter().map(|(v, _)| v.clone())),
            choice_list: choices
                .iter()
                .map(|(v, l)| format!("(\"{v}\", \"{l}\")"))
                .collect::<Vec<_>>()
                .join(", "),
            choices,
            table: match &self.ty {
                Ty::References(t) => Some(t.clone()),
                _ => None,
            },
            json,
            default_value,
            upload: self.ty == Ty::Upload,
        }
    }
}

impl Resource {
    /// The model of this resource in the app whose crate module is `module`.
    pub fn model(&self, module: &str) -> Model {
        let lower = self.lower();
        let fields: Vec<FieldModel> = self.fields.iter().map(|f| f.model(&lower)).collect();
        let names: Vec<&str> = self.fields.iter().map(|f| f.name.as_str()).collect();
        let n = names.len();
        let oc = &self.owner_column;
        let mut insert_columns = names.join(", ");
        // A typed field's parameter is cast for Postgres (`Db::sql` drops the cast on SQLite).
        let param = |i: usize, f: &Field| match f.postgres_cast() {
            Some(cast) => format!("${i}::{cast}"),
            None => format!("${i}"),
        };
        let mut insert_values = self
            .fields
            .iter()
            .enumerate()
            .map(|(i, f)| param(i + 1, f))
            .collect::<Vec<_>>()
            .join(", ");
        if self.owned {
            insert_columns.push_str(&format!(", {oc}"));
            insert_values.push_str(&format!(", ${}", n + 1));
        }
        let blank = |f: &&FieldModel| !f.optional && f.rust != "bool";
        let required: Vec<FieldModel> = fields.iter().filter(blank).cloned().collect();
        let api_required: Vec<FieldModel> = self
            .fields
            .iter()
            .zip(&fields)
            // A required choice defaults to its first value (`defaults`), as a checkbox does
            // to false: a create may leave both out.
            .filter(|(f, _)| {
                !f.optional
                    && f.ty != Ty::Boolean
                    && !matches!(f.ty, Ty::Enum(_))
                    && f.default.is_none()
            })
            .map(|(_, m)| m.clone())
            .collect();
        let parents: Vec<FieldModel> =
            fields.iter().filter(|f| f.table.is_some()).cloned().collect();
        let owned_parents: Vec<FieldModel> = parents
            .iter()
            .filter(|f| f.table.as_ref().is_some_and(|t| self.owned_refs.contains(t)))
            .cloned()
            .collect();
        let human = self.human();
        let mut value_types: Vec<&str> = self.fields.iter().filter_map(Field::value_type).collect();
        value_types.sort_unstable();
        value_types.dedup();
        let dated =
            self.fields.iter().any(|f| !f.optional && matches!(f.ty, Ty::Date | Ty::Datetime));
        // Rows of an organization scope: its column is `NAME_id`, on the scope's table.
        let org = (self.owned && self.owner_table != "users")
            .then(|| self.owner_column.trim_end_matches("_id").to_owned());
        Model {
            command: self.command(),
            singular: self.singular.clone(),
            plural: self.plural.clone(),
            sentence: label_of(&human),
            human_plural: self.plural.replace('_', " "),
            title: self.title(),
            krate: if self.plural == module { format!("::{module}") } else { module.to_owned() },
            module: module.to_owned(),
            web: match self.web {
                Web::Live => "live",
                Web::Html => "html",
                Web::Json => "json",
            },
            owned: self.owned,
            owner_column: oc.clone(),
            owner_table: self.owner_table.clone(),
            org: org.clone(),
            owner_human: org.as_ref().map_or_else(|| "user".to_owned(), |o| o.replace('_', " ")),
            first: fields.iter().find(|f| !f.upload).unwrap_or(&fields[0]).clone(),
            uploads: fields.iter().filter(|f| f.upload).cloned().collect(),
            inputs: fields.iter().filter(|f| !f.upload).cloned().collect(),
            unique: fields.iter().find(|f| f.unique).cloned(),
            required_inputs: required.iter().filter(|f| !f.upload).cloned().collect(),
            required,
            api_required,
            parents,
            owned_parents,
            field_list: quoted(names.iter().map(|n| (*n).to_owned())),
            columns: self.columns(),
            insert_columns,
            insert_values,
            sets: self
                .fields
                .iter()
                .enumerate()
                .map(|(i, f)| format!("{} = {}", f.name, param(i + 1, f)))
                .collect::<Vec<_>>()
                .join(", "),
            update_id: format!("${}", n + 1),
            update_owner: format!("${}", n + 2),
            value_types: value_types.join(", "),
            dated,
            fields,
            lower,
            human,
        }
    }
}
