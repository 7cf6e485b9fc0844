//! Components of another module, called as `<ui::badge>`.

/// A count badge.
pub struct Badge {
    /// The count.
    pub count: u32,
}
zero_live_core::component!(Badge, "ui/badge");
