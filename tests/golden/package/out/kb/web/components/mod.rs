//! The package's components, called as `<.NAME>` in its templates. An app can call them too:
//! its `build.rs` registers them with `.remote_components("kb", PATH, "kb::web::components")`,
//! PATH being this folder.

mod entry_card;
pub use entry_card::EntryCard;
