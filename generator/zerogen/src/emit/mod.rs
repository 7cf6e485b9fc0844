//! Emitters: one module per kind of output.

pub mod docs;
pub mod schemas;
pub mod wire;
