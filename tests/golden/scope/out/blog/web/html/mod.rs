//! The app's pages that are not live, one module a resource (`zerogen resource --html`).

pub mod tasks;
