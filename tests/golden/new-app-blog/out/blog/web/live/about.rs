//! The about page: what the app is, reached from the home page over the same socket.

use zero_live::{Context, LiveView, MountError};

/// The about page's state.
#[derive(Debug, Default)]
pub struct About {
    /// The app's version.
    pub version: &'static str,
}
zero_live_core::template!(About, "live/about");

impl LiveView for About {
    async fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("About");
        Ok(About { version: env!("CARGO_PKG_VERSION") })
    }
}
