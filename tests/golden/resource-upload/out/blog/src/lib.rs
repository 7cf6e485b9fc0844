//! Blog: a 0x0 Live app. `src/` holds the domain (no web imports); `web/` holds the live
//! views, layouts, components, pipelines and the routes generated from `spec/routes.tsv`.

pub mod albums;
pub mod photos;
pub mod tally;

#[path = "../web/mod.rs"]
pub mod web;
