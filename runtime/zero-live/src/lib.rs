//! `zero-live`: the runtime 0x0 Live apps link.
//!
//! - [`protocol`]: the versioned wire protocol, generated from `spec/wire-protocol.tsv`, with a
//!   decoder that fails closed.
//! - [`diff`]: the diff engine over the live tree templates render to.
//! - [`client`]: the client's merge of full and change forms (for tests and Rust clients).

pub mod client;
pub mod diff;
pub mod protocol;
