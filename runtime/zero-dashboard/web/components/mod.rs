//! The dashboard's components, called as `<.NAME>` in its template.

mod stat;
pub use stat::Stat;
