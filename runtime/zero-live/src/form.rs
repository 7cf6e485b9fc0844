//! Forms: the state of a form built from the params a change or submit event carries (values,
//! errors, touched and dirty fields, submit status) and a changeset-like validation API.
//!
//! ```
//! use serde_json::json;
//! use zero_live::form::{Action, Form};
//!
//! let form = Form::new("post", [("title", ""), ("body", "")])
//!     .with_params(&json!({"post[title]": "Hi", "_target": "post[title]"}), Action::Change)
//!     .validate_required(&["title", "body"])
//!     .validate_length("title", Some(3), Some(80));
//! assert_eq!(form.value("title"), "Hi");
//! assert!(!form.is_valid());
//! // Only touched fields show their errors while the user types.
//! assert_eq!(form.visible_errors("title")[0].code, "too_short");
//! assert!(form.visible_errors("body").is_empty());
//! ```
//!
//! Field names in the page are `FORM[FIELD]` (`post[title]`), nested ones
//! `FORM[FIELD][INDEX][SUB]` (`post[tags][0][name]`, read here as `tags.0.name`). A change event
//! names the field the user edited in `_target`; a submit touches every field.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Why a form's params arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Action {
    /// Built by the view (mount): nothing touched yet.
    #[default]
    New,
    /// A change while the user types (live validation): the `_target` field is touched.
    Change,
    /// A submit: every field counts as touched.
    Submit,
}

/// One problem with a field's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// A stable code (`required`, `too_short`, `too_long`, `format`, `not_a_number`,
    /// `too_small`, `too_large`, `inclusion`, `taken`, or an app's own).
    pub code: &'static str,
    /// What the user reads.
    pub message: String,
}

/// A form's state; validations consume and return it, so they chain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Form {
    name: String,
    /// The prefix of input ids (`post`; `post_tags_0` for a nested form).
    id: String,
    initial: BTreeMap<String, String>,
    values: BTreeMap<String, String>,
    errors: BTreeMap<String, Vec<FieldError>>,
    touched: BTreeSet<String>,
    action: Action,
}

impl Form {
    /// A form named `name` (the prefix of its field names) with these initial values.
    pub fn new<K: Into<String>, V: Into<String>>(
        name: &str,
        initial: impl IntoIterator<Item = (K, V)>,
    ) -> Form {
        let initial: BTreeMap<String, String> =
            initial.into_iter().map(|(k, v)| (k.into(), v.into())).collect();
        Form {
            name: name.to_owned(),
            id: name.to_owned(),
            values: initial.clone(),
            initial,
            ..Form::default()
        }
    }

    /// The form name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field path of a page field name: `post[tags][0][name]` is `tags.0.name`; a name
    /// without the form's prefix is taken as is.
    fn field_of(&self, key: &str) -> String {
        // A list's name (`post[tags][]`) names its field.
        let key = key.strip_suffix("[]").unwrap_or(key);
        match key.strip_prefix(&self.name).and_then(|rest| rest.strip_prefix('[')) {
            Some(rest) => rest.trim_end_matches(']').replace("][", "."),
            None => key.to_owned(),
        }
    }

    /// The state after an event's `params` (a change or submit value): values replaced,
    /// earlier errors dropped (validate again), touched fields updated.
    pub fn with_params(mut self, params: &Value, action: Action) -> Form {
        if let Some(object) = params.as_object() {
            for (key, value) in object {
                if key.starts_with('_') {
                    continue;
                }
                // `post[tags][]` is a list (a multiple select): its values joined with `,`.
                // Any other repeated name keeps its last value, so a checkbox after its hidden
                // `false` input reads `true` when checked (as Plug does).
                let (key, list) = match key.strip_suffix("[]") {
                    Some(key) => (key, true),
                    None => (key.as_str(), false),
                };
                let text_of = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    Value::Array(items) if list => {
                        items.iter().map(text_of).collect::<Vec<_>>().join(",")
                    }
                    Value::Array(items) => items.last().map(text_of).unwrap_or_default(),
                    other => other.to_string(),
                };
                let field = self.field_of(key);
                self.values.insert(field, text);
            }
            if let Some(target) = object.get("_target").and_then(Value::as_str) {
                let field = self.field_of(target);
                self.touched.insert(field);
            }
        }
        if action == Action::Submit {
            let all: Vec<String> = self.values.keys().cloned().collect();
            self.touched.extend(all);
        }
        self.action = action;
        self.errors.clear();
        self
    }

    /// A field's value (empty when absent).
    pub fn value(&self, field: &str) -> &str {
        self.values.get(field).map_or("", String::as_str)
    }

    /// The name of a field in the page: `post[title]`.
    pub fn input_name(&self, field: &str) -> String {
        let mut name = self.name.clone();
        for part in field.split('.') {
            name.push('[');
            name.push_str(part);
            name.push(']');
        }
        name
    }

    /// The id of a field's input in the page: `post_title` (`post_tags_0_name` in a nested
    /// form).
    pub fn input_id(&self, field: &str) -> String {
        format!("{}_{}", self.id, field.replace('.', "_"))
    }

    /// The nested form of object field `field` (`address.street`, `address.city`, ...): named
    /// `post[address]`, with the values, errors and touched state of its fields, so the same
    /// input components render it (`<.input form={address} field="street" />` is
    /// `post[address][street]`). Nested forms are views of this one: params and validations go
    /// through the parent (`validate_required(&["address.street"])`).
    pub fn nested(&self, field: &str) -> Form {
        let prefix = format!("{field}.");
        fn under<V: Clone>(map: &BTreeMap<String, V>, prefix: &str) -> BTreeMap<String, V> {
            map.iter()
                .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_owned(), v.clone())))
                .collect()
        }
        Form {
            name: self.input_name(field),
            id: self.input_id(field),
            initial: under(&self.initial, &prefix),
            values: under(&self.values, &prefix),
            errors: under(&self.errors, &prefix),
            touched: self
                .touched
                .iter()
                .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
                .collect(),
            action: self.action,
        }
    }

    /// The nested forms of list field `field` (`tags.0.name`, `tags.1.name`, ...), one per
    /// index the values or initial values have, in index order: for
    /// `<fieldset :for={tag in form.inputs_for("tags")}>`. Indices that are not numbers are
    /// not rows.
    pub fn inputs_for(&self, field: &str) -> Vec<Form> {
        let prefix = format!("{field}.");
        let indices: BTreeSet<usize> = self
            .values
            .keys()
            .chain(self.initial.keys())
            .filter_map(|k| k.strip_prefix(&prefix)?.split('.').next()?.parse().ok())
            .collect();
        indices.into_iter().map(|i| self.nested(&format!("{field}.{i}"))).collect()
    }

    /// Every error of `field`.
    pub fn errors(&self, field: &str) -> &[FieldError] {
        self.errors.get(field).map_or(&[], Vec::as_slice)
    }

    /// The errors to show for `field`: none until the user touched it or submitted.
    pub fn visible_errors(&self, field: &str) -> &[FieldError] {
        if self.touched.contains(field) { self.errors(field) } else { &[] }
    }

    /// Whether the user touched `field` (edited it, or submitted the form).
    pub fn is_touched(&self, field: &str) -> bool {
        self.touched.contains(field)
    }

    /// Whether `field` differs from its initial value.
    pub fn is_dirty(&self, field: &str) -> bool {
        self.values.get(field) != self.initial.get(field)
    }

    /// The fields whose values differ from the initial ones.
    pub fn changes(&self) -> BTreeMap<&str, &str> {
        self.values
            .iter()
            .filter(|(k, v)| self.initial.get(*k) != Some(*v))
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    /// Whether no validation found a problem.
    pub fn is_valid(&self) -> bool {
        self.errors.values().all(Vec::is_empty)
    }

    /// Whether the last params came from a submit.
    pub fn submitted(&self) -> bool {
        self.action == Action::Submit
    }

    /// Adds an error to `field` (e.g. `taken` when the database refused a duplicate).
    pub fn add_error(&mut self, field: &str, code: &'static str, message: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_default()
            .push(FieldError { code, message: message.into() });
    }

    fn check(mut self, field: &str, problem: Option<(&'static str, String)>) -> Form {
        if let Some((code, message)) = problem {
            self.add_error(field, code, message);
        }
        self
    }

    /// Each of `fields` must have a value other than blanks.
    pub fn validate_required(mut self, fields: &[&str]) -> Form {
        for field in fields {
            if self.value(field).trim().is_empty() {
                self.add_error(field, "required", "can't be blank");
            }
        }
        self
    }

    /// A present value of `field` has from `min` to `max` characters.
    pub fn validate_length(self, field: &str, min: Option<usize>, max: Option<usize>) -> Form {
        let value = self.value(field);
        let count = value.chars().count();
        let problem = if value.is_empty() {
            None
        } else if min.is_some_and(|m| count < m) {
            Some(("too_short", format!("should be at least {} characters", min.unwrap_or(0))))
        } else if max.is_some_and(|m| count > m) {
            Some(("too_long", format!("should be at most {} characters", max.unwrap_or(0))))
        } else {
            None
        };
        self.check(field, problem)
    }

    /// A present value of `field` satisfies `valid` (e.g. an email shape); else `message`.
    pub fn validate_format(self, field: &str, valid: impl Fn(&str) -> bool, message: &str) -> Form {
        let value = self.value(field);
        let problem = (!value.is_empty() && !valid(value)).then(|| ("format", message.to_owned()));
        self.check(field, problem)
    }

    /// A present value of `field` is a number from `min` to `max`.
    pub fn validate_number(self, field: &str, min: Option<f64>, max: Option<f64>) -> Form {
        let value = self.value(field).trim();
        let problem = if value.is_empty() {
            None
        } else {
            match value.parse::<f64>() {
                Err(_) => Some(("not_a_number", "must be a number".to_owned())),
                Ok(n) if !n.is_finite() => Some(("not_a_number", "must be a number".to_owned())),
                Ok(n) if min.is_some_and(|m| n < m) => {
                    Some(("too_small", format!("must be at least {}", min.unwrap_or(0.0))))
                }
                Ok(n) if max.is_some_and(|m| n > m) => {
                    Some(("too_large", format!("must be at most {}", max.unwrap_or(0.0))))
                }
                Ok(_) => None,
            }
        };
        self.check(field, problem)
    }

    /// A present value of `field` is one of `allowed`.
    pub fn validate_inclusion(self, field: &str, allowed: &[&str]) -> Form {
        let value = self.value(field);
        let problem = (!value.is_empty() && !allowed.contains(&value))
            .then(|| ("inclusion", format!("must be one of: {}", allowed.join(", "))));
        self.check(field, problem)
    }

    /// `rule` checks the value of `field` (present or not) and names the problem:
    /// `Err((code, message))`.
    pub fn validate_with(
        self,
        field: &str,
        rule: impl FnOnce(&str) -> Result<(), (&'static str, String)>,
    ) -> Form {
        let problem = rule(self.value(field)).err();
        self.check(field, problem)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn post() -> Form {
        Form::new("post", [("title", "Draft"), ("body", ""), ("stars", ""), ("kind", "note")])
    }

    #[test]
    fn params_replace_values_and_mark_the_target_touched() {
        let form = post().with_params(
            &json!({"post[title]": "Hello", "post[tags][0][name]": "rust", "_target": "post[title]"}),
            Action::Change,
        );
        assert_eq!(form.value("title"), "Hello");
        assert_eq!(form.value("tags.0.name"), "rust");
        assert!(form.is_touched("title") && !form.is_touched("body"));
        assert!(form.is_dirty("title") && !form.is_dirty("body"));
        assert_eq!(form.changes().keys().copied().collect::<Vec<_>>(), ["tags.0.name", "title"]);
        assert_eq!(form.input_name("tags.0.name"), "post[tags][0][name]");
        assert_eq!(form.input_id("tags.0.name"), "post_tags_0_name");
        assert!(!form.submitted());
        // A submit touches everything; repeated names arrive as arrays: a `[]` name is a list,
        // any other keeps its last value (a checked checkbox after its hidden `false`).
        let submitted = form.with_params(
            &json!({"post[kind][]": ["a", "b"], "post[public]": ["false", "true"]}),
            Action::Submit,
        );
        assert!(submitted.is_touched("body") && submitted.submitted());
        assert_eq!(submitted.value("kind"), "a,b");
        assert_eq!(submitted.value("public"), "true");
        let unchecked = submitted.with_params(&json!({"post[public]": "false"}), Action::Change);
        assert_eq!(unchecked.value("public"), "false");
        // A list's change touches the list's field.
        let picked = post().with_params(
            &json!({"post[kind][]": ["a"], "_target": "post[kind][]"}),
            Action::Change,
        );
        assert!(picked.is_touched("kind") && !picked.is_touched("kind."), "{picked:?}");
    }

    #[test]
    fn every_rule_reports_its_code_and_passes_good_values() {
        let bad = post()
            .with_params(
                &json!({"post[title]": "Hi", "post[stars]": "9", "post[kind]": "poem", "post[body]": " "}),
                Action::Submit,
            )
            .validate_required(&["title", "body"])
            .validate_length("title", Some(3), Some(80))
            .validate_number("stars", Some(1.0), Some(5.0))
            .validate_inclusion("kind", &["note", "essay"])
            .validate_format("title", |t| t.chars().all(char::is_alphabetic), "letters only")
            .validate_with("title", |t| {
                if t == "Hi" { Err(("taken", "is already used".to_owned())) } else { Ok(()) }
            });
        let codes = |field: &str| bad.errors(field).iter().map(|e| e.code).collect::<Vec<_>>();
        assert_eq!(codes("title"), ["too_short", "taken"]);
        assert_eq!(codes("body"), ["required"]);
        assert_eq!(codes("stars"), ["too_large"]);
        assert_eq!(codes("kind"), ["inclusion"]);
        assert!(!bad.is_valid());
        let good = post()
            .with_params(
                &json!({"post[title]": "Hello", "post[stars]": "4", "post[kind]": "essay", "post[body]": "text"}),
                Action::Submit,
            )
            .validate_required(&["title", "body"])
            .validate_length("title", Some(3), Some(80))
            .validate_number("stars", Some(1.0), Some(5.0))
            .validate_inclusion("kind", &["note", "essay"])
            .validate_format("title", |t| t.chars().all(char::is_alphabetic), "letters only");
        assert!(good.is_valid(), "{good:?}");
        for bad_number in ["x", "NaN", "inf"] {
            let form = post()
                .with_params(&json!({"post[stars]": bad_number}), Action::Submit)
                .validate_number("stars", None, None);
            assert_eq!(form.errors("stars")[0].code, "not_a_number", "{bad_number}");
        }
    }

    #[test]
    fn errors_show_only_for_touched_fields_and_new_params_clear_them() {
        let typing = post()
            .with_params(&json!({"post[title]": "", "_target": "post[title]"}), Action::Change)
            .validate_required(&["title", "body"]);
        assert_eq!(typing.visible_errors("title").len(), 1);
        assert!(typing.visible_errors("body").is_empty() && typing.errors("body").len() == 1);
        let mut fixed = typing.with_params(&json!({"post[title]": "Ok"}), Action::Change);
        assert!(fixed.is_valid(), "validations run again on the new values");
        fixed.add_error("title", "taken", "is already used");
        assert_eq!(fixed.visible_errors("title")[0].message, "is already used");
        // Params that are not an object change nothing but the action.
        let same = fixed.clone().with_params(&json!("junk"), Action::Change);
        assert_eq!(same.value("title"), "Ok");
    }

    #[test]
    fn nested_forms_carry_names_ids_values_errors_and_touched_fields() {
        let form =
            Form::new("post", [("title", "T"), ("tags.0.name", "rust"), ("address.city", "")])
                .with_params(
                    &json!({"post[tags][1][name]": "", "post[tags][0][name]": "web",
                        "post[tags][x][name]": "not a row", "_target": "post[tags][1][name]"}),
                    Action::Change,
                )
                .validate_required(&["tags.0.name", "tags.1.name", "address.city"]);
        let tags = form.inputs_for("tags");
        assert_eq!(tags.len(), 2, "rows 0 and 1; `x` is no row");
        assert_eq!(tags[0].input_name("name"), "post[tags][0][name]");
        assert_eq!(tags[0].input_id("name"), "post_tags_0_name");
        assert_eq!(tags[0].value("name"), "web");
        assert!(tags[0].is_dirty("name"));
        assert!(tags[0].errors("name").is_empty());
        assert_eq!(tags[1].errors("name")[0].code, "required");
        assert_eq!(tags[1].visible_errors("name").len(), 1, "touched by the change");
        assert!(!tags[1].is_dirty("title"), "a parent field is not the row's");
        let address = form.nested("address");
        assert_eq!(address.input_name("city"), "post[address][city]");
        assert_eq!(address.errors("city")[0].code, "required");
        assert!(address.visible_errors("city").is_empty(), "untouched");
        // A nested form of its own nests further.
        assert_eq!(address.nested("geo").input_name("lat"), "post[address][geo][lat]");
        assert_eq!(address.nested("geo").input_id("lat"), "post_address_geo_lat");
    }

    #[test]
    fn a_field_without_rows_has_no_nested_forms() {
        let form = Form::new("post", [("title", "T"), ("tagsx.0.name", "near miss")]);
        assert!(form.inputs_for("tags").is_empty());
        assert!(form.nested("tags").value("name").is_empty());
        let submitted = form.with_params(&json!({"post[tags][0][name]": ""}), Action::Submit);
        assert_eq!(submitted.inputs_for("tags").len(), 1);
        assert!(submitted.inputs_for("tags")[0].is_touched("name"), "a submit touches rows too");
        assert!(submitted.inputs_for("tags")[0].submitted());
    }
}
