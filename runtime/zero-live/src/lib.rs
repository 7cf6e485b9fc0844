//! `zero-live`: the runtime 0x0 Live apps link.
//!
//! For now it holds the versioned wire protocol: the message types generated from
//! `spec/wire-protocol.tsv` and a decoder that fails closed. Live sessions, the diff engine and
//! the WebSocket transport build on it.

pub mod protocol;
