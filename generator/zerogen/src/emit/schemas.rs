//! `generated/schemas/KIND.schema.json`: the JSON Schema of every table kind.

use serde_json::Value;
use zero_spec::kinds::KINDS;

use crate::generate::{HEADER, Output};

/// One schema file per table kind.
pub fn emit() -> Vec<Output> {
    KINDS
        .iter()
        .map(|kind| {
            let mut schema = (kind.schema)();
            if let Value::Object(map) = &mut schema {
                map.insert(
                    "$comment".to_owned(),
                    Value::String(format!("{HEADER} Table kind `{}` ({}).", kind.name, kind.files)),
                );
            }
            let mut contents = serde_json::to_string_pretty(&schema).unwrap_or_default();
            contents.push('\n');
            Output { path: format!("generated/schemas/{}.schema.json", kind.name), contents }
        })
        .collect()
}
