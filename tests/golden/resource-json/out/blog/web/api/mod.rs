//! The app's JSON APIs, one module a resource (`zerogen resource --json`).

pub mod posts;
