//! Spec tables of 0x0 Live: typed models, loaders, JSON Schemas and validation.
//!
//! Row-shaped policy is TSV (tab separated, header row, `#` comments) and nested configuration
//! is TOML. Each kind has a serde type in [`tables`] or [`security`], a JSON Schema derived with
//! schemars, and semantic checks in [`checks`]. Every problem is a [`zero_diag::Diagnostic`]
//! with `file:line:column`, and all problems of a file are reported.
//!
//! This crate reads files and returns values and diagnostics; it never prints and never exits.

pub mod checks;
pub mod kinds;
pub mod schema;
pub mod security;
pub mod tables;
pub mod tsv;
pub mod wire;

pub use checks::{FrameworkSpec, load_framework};
pub use tsv::{Row, Table};
