//! JSON Schemas derived from the table types, and validation against them.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// The JSON Schema of one table kind, compiled for validation.
pub struct TableSchema {
    /// The schema as JSON (what `generated/schemas/` holds).
    pub json: Value,
    /// Top-level property names: the allowed columns or keys.
    pub properties: BTreeSet<String>,
    /// Properties that must be present.
    pub required: BTreeSet<String>,
    validator: Option<jsonschema::Validator>,
}

impl std::fmt::Debug for TableSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableSchema").field("properties", &self.properties).finish_non_exhaustive()
    }
}

impl TableSchema {
    /// Derives and compiles the schema of `T`.
    pub fn of<T: JsonSchema>() -> TableSchema {
        let json = schema_json::<T>();
        let names = |key: &str| -> BTreeSet<String> {
            match json.get(key) {
                Some(Value::Object(map)) => map.keys().cloned().collect(),
                Some(Value::Array(items)) => {
                    items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()
                }
                _ => BTreeSet::new(),
            }
        };
        let properties = names("properties");
        let required = names("required");
        // Our schemas are derived, so compiling them can only fail on a bug in a table type;
        // `every_kind_has_a_compiling_schema_with_descriptions` proves every kind compiles.
        let validator = jsonschema::validator_for(&json).ok();
        TableSchema { json, properties, required, validator }
    }

    /// Every violation of the schema by `value`, as (instance path, message).
    pub fn violations<T: Serialize>(&self, value: &T) -> Vec<(String, String)> {
        let Some(validator) = &self.validator else {
            return vec![(String::new(), "the table's schema does not compile".to_owned())];
        };
        let instance = match serde_json::to_value(value) {
            Ok(v) => v,
            Err(e) => return vec![(String::new(), format!("cannot convert the row to JSON: {e}"))],
        };
        let mut found: Vec<(String, String)> = validator
            .iter_errors(&instance)
            .map(|e| (e.instance_path().as_str().to_owned(), e.to_string()))
            .collect();
        found.sort();
        found
    }
}

/// The JSON Schema of `T` as a JSON value.
pub fn schema_json<T: JsonSchema>() -> Value {
    schemars::schema_for!(T).to_value()
}
