//! Types bound to the test templates. Each `template!` includes the code `build.rs` generated.

/// `templates/page.html.0x0`.
pub struct Page {
    /// The heading.
    pub title: String,
    /// Shows the welcome paragraph.
    pub show_intro: bool,
    /// Who is welcomed.
    pub user: String,
    /// A link target (may be hostile).
    pub link: String,
    /// The checkbox state.
    pub done: bool,
    /// HTML the app trusts.
    pub trusted_html: String,
}
zero_live_core::template!(Page, "page");

/// One post.
pub struct Post {
    /// Its id.
    pub id: u64,
    /// Its title.
    pub title: String,
    /// Whether it is a draft.
    pub draft: bool,
}

/// The path of a post, as a route helper would give it.
pub fn post_path(post: &Post) -> String {
    format!("/posts/{}", post.id)
}

/// `templates/posts/index.html.0x0`.
pub struct PostsIndex {
    /// The posts.
    pub posts: Vec<Post>,
}
zero_live_core::template!(PostsIndex, "posts/index");

/// The rosetta `big-table` benchmark.
pub struct BigTable {
    /// Rows of cells.
    pub table: Vec<Vec<usize>>,
}
zero_live_core::template!(BigTable, "big_table");

/// One team of the rosetta `teams` benchmark.
pub struct Team {
    /// Its name.
    pub name: String,
    /// Its score.
    pub score: u8,
}

/// The rosetta `teams` benchmark.
pub struct Teams {
    /// The season.
    pub year: u16,
    /// The teams, champion first.
    pub teams: Vec<Team>,
}
zero_live_core::template!(Teams, "teams");

/// `templates/card.html.0x0`: a template with colocated style and script.
pub struct Card {
    /// The heading.
    pub heading: String,
    /// The text.
    pub body: String,
}
zero_live_core::template!(Card, "card");

/// The asset manifest `build.rs` wrote: template name to hashed CSS/JS files and integrity.
pub const ASSET_MANIFEST: &str =
    include_str!(concat!(env!("OUT_DIR"), "/zero-assets/manifest.json"));

/// The folder the hashed assets were written to.
pub const ASSET_DIR: &str = concat!(env!("OUT_DIR"), "/zero-assets");

pub mod components;
pub mod ui;

/// `templates/dashboard.html.0x0`: calls components declared in Rust.
pub struct Dashboard {
    /// Shown under the first panel's title.
    pub subtitle: Option<String>,
    /// The posts, one panel each.
    pub posts: Vec<Post>,
    /// Unread count.
    pub unread: u32,
}
zero_live_core::template!(Dashboard, "dashboard");

/// `templates/computed.html.0x0`: string attributes and slot attributes computed in the call
/// (`title={format!(..)}`), which the call keeps alive.
pub struct Computed {
    /// Shown in the titles.
    pub unread: u32,
}
zero_live_core::template!(Computed, "computed");

/// `templates/broken/type_error.html.0x0` passes a `u32` where `Panel` takes `&str`; it is
/// bound only with the `broken-templates` feature, which `zerogen templates cargo-check` is
/// tested against.
#[cfg(feature = "broken-templates")]
pub struct TypeError {
    /// Not a string.
    pub count: u32,
}
#[cfg(feature = "broken-templates")]
zero_live_core::template!(TypeError, "broken/type_error");
