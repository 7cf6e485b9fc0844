//! The registry of table kinds: one definition per kind drives schema files, reference pages
//! and loaders.

use serde_json::Value;

use crate::schema::schema_json;
use crate::security::SecurityConfig;
use crate::tables::{
    Budget, Component, ComponentAttr, ComponentSlot, EvidenceRow, LedgerRow, Route, ThemeToken,
    WireMessage,
};

/// How a table is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Tab-separated values with a header row.
    Tsv,
    /// A TOML document.
    Toml,
}

/// One kind of spec table.
#[derive(Debug, Clone, Copy)]
pub struct TableKind {
    /// The kind's name, also the stem of its schema file and reference page.
    pub name: &'static str,
    /// Where tables of this kind live.
    pub files: &'static str,
    /// TSV or TOML.
    pub format: Format,
    /// What the table declares and what it feeds, for the reference page.
    pub summary: &'static str,
    /// The JSON Schema of one row (TSV) or of the document (TOML).
    pub schema: fn() -> Value,
}

/// Every table kind, in reference order.
pub const KINDS: &[TableKind] = &[
    TableKind {
        name: "wire-protocol",
        files: "spec/wire-protocol.tsv",
        format: Format::Tsv,
        summary: "The message kinds of the live wire protocol. Feeds the Rust codec types in \
                  `generated/rust/wire.rs`, the browser client constants in \
                  `generated/js/protocol.js` and this reference.",
        schema: schema_json::<WireMessage>,
    },
    TableKind {
        name: "budgets",
        files: "spec/budgets.tsv",
        format: Format::Tsv,
        summary: "Performance and size budgets. Each names the `zero-bench` case that measures \
                  it; evidence rows name the budget they prove and the gate compares them.",
        schema: schema_json::<Budget>,
    },
    TableKind {
        name: "security",
        files: "spec/security.toml",
        format: Format::Toml,
        summary: "Secure defaults: content security policy, socket origins, size and rate \
                  limits, token lifetimes and heartbeat. The runtime starts from these values.",
        schema: schema_json::<SecurityConfig>,
    },
    TableKind {
        name: "components",
        files: "spec/components.tsv",
        format: Format::Tsv,
        summary: "The core components every app gets. Their attributes and slots are in \
                  `component-attrs` and `component-slots`.",
        schema: schema_json::<Component>,
    },
    TableKind {
        name: "component-attrs",
        files: "spec/component-attrs.tsv",
        format: Format::Tsv,
        summary: "Typed attributes of the core components: type, required flag, default and, \
                  for enums, the allowed values.",
        schema: schema_json::<ComponentAttr>,
    },
    TableKind {
        name: "component-slots",
        files: "spec/component-slots.tsv",
        format: Format::Tsv,
        summary: "Slots of the core components, with the attributes each slot takes.",
        schema: schema_json::<ComponentSlot>,
    },
    TableKind {
        name: "routes",
        files: "spec/routes.tsv (in an app)",
        format: Format::Tsv,
        summary: "An app's routes: live views, HTTP handlers, static directories and mounted live packages, each with \
                  its pipeline, scope and name. The app's router is generated from it.",
        schema: schema_json::<Route>,
    },
    TableKind {
        name: "theme",
        files: "spec/theme.tsv (in an app)",
        format: Format::Tsv,
        summary: "An app's design tokens: colours, radius, spacing and type scale, each with \
                  its light and dark value. `web/assets/theme.css` is generated from it, and \
                  text colours are checked for contrast on the backgrounds they are used on.",
        schema: schema_json::<ThemeToken>,
    },
    TableKind {
        name: "ledger",
        files: "release/*.tsv",
        format: Format::Tsv,
        summary: "The surface ledger: one row per public surface with where its source, tests, \
                  docs and evidence live. `zerogate check` proves every row.",
        schema: schema_json::<LedgerRow>,
    },
    TableKind {
        name: "evidence",
        files: "release/evidence/*.tsv",
        format: Format::Tsv,
        summary: "Recorded measurements, written by `zero-bench --record`. Each row carries a \
                  hash of the sources it measured so the gate can tell when it went stale.",
        schema: schema_json::<EvidenceRow>,
    },
];

/// Looks a kind up by name.
pub fn kind(name: &str) -> Option<&'static TableKind> {
    KINDS.iter().find(|k| k.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_compiling_schema_with_descriptions() {
        let mut names = std::collections::BTreeSet::new();
        for kind in KINDS {
            assert!(names.insert(kind.name), "{} is registered twice", kind.name);
            let schema = (kind.schema)();
            assert!(
                jsonschema::validator_for(&schema).is_ok(),
                "{} schema does not compile",
                kind.name
            );
            let properties = schema["properties"].as_object().unwrap();
            for (column, prop) in properties {
                let described = prop.get("description").is_some()
                    || prop.get("$ref").is_some()
                    || prop.get("allOf").is_some();
                assert!(described, "{}.{column} has no description", kind.name);
            }
        }
        assert_eq!(kind("ledger").map(|k| k.files), Some("release/*.tsv"));
        assert!(kind("nope").is_none());
    }
}
