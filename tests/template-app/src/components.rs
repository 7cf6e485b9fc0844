//! Components declared in Rust: each struct's fields are the component's attributes and slots;
//! `build.rs` registers this file so templates can call `<.panel>` and `<.tabs>`.

use zero_live_core::{Attrs, Slot};

/// `<.panel title="..">body<:footer>..</:footer></.panel>`.
pub struct Panel<'a> {
    /// The heading (required).
    pub title: &'a str,
    /// A line under the heading.
    pub subtitle: Option<&'a str>,
    /// Renders the panel collapsed.
    pub collapsed: bool,
    /// The body.
    pub inner_block: Slot<'a>,
    /// An optional footer.
    pub footer: Option<Slot<'a>>,
    /// Undeclared attributes, written onto the `<section>`.
    pub rest: Attrs<'a>,
}
zero_live_core::component!(Panel<'a>, "components/panel");

/// The attributes of one `<:tab>`.
pub struct Tab<'a> {
    /// The tab's label.
    pub label: &'a str,
    /// An extra class.
    pub class: Option<&'a str>,
}

/// `<.tabs><:tab label="..">..</:tab>...</.tabs>`.
pub struct Tabs<'a> {
    /// The tabs, in order.
    pub tab: Vec<Slot<'a, Tab<'a>>>,
}
zero_live_core::component!(Tabs<'a>, "components/tabs");
