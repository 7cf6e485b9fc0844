//! `zero-live`: the runtime 0x0 Live apps link.
//!
//! - [`protocol`]: the versioned wire protocol, generated from `spec/wire-protocol.tsv`, with a
//!   decoder that fails closed.
//! - [`diff`]: the diff engine over the live tree templates render to.
//! - [`client`]: the client's merge of full and change forms (for tests and Rust clients).
//! - [`view`]: the [`LiveView`] trait; [`server`]: pages, the socket and sessions;
//!   [`token`]: signed session and CSRF tokens; [`config`]: policies from `security.toml`.

pub mod assets;
mod async_result;
pub use async_result::AsyncResult;
pub mod client;
pub mod command;
pub mod config;
pub mod cookies;
pub mod csrf;
pub mod diff;
pub mod endpoint;
pub mod form;
pub mod headers;
pub mod health;
pub mod hooks;
pub mod keys;
mod limits;
pub mod logs;
mod messenger;
pub use messenger::Messenger;
pub mod metrics;
#[cfg(feature = "otlp")]
pub mod otlp;
pub mod peer;
pub mod protocol;
pub mod recent;
/// Publish/subscribe (the `zero-pubsub` crate): the adapter trait and the in-process adapter.
pub use zero_pubsub as pubsub;
pub mod server;
pub mod static_files;
#[cfg(feature = "storage")]
pub mod storage;
pub mod tasks;
#[cfg(feature = "testing")]
pub mod testing;
pub mod timers;
pub mod token;
pub mod uploads;
pub mod view;

pub use config::LiveConfig;
pub use endpoint::Endpoint;
pub use hooks::Flow;
pub use limits::ClientAddr;
pub use server::{
    Disconnect, Live, LiveBuilder, LiveSocketId, Observer, Package, Page, RootLayout, SessionInfo,
};
pub use timers::TimerRef;
pub use token::Signer;
pub use view::{Context, EventError, LiveView, MountError, Terminate};
