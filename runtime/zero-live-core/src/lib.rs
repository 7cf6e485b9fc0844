//! `zero-live-core`: what generated template code and the runtime share, with few
//! dependencies: escaping ([`escape`]), how values render ([`Render`], [`RenderAttr`]), the
//! live tree of statics and dynamics ([`tree`]) and the [`Template`] trait.

mod component;
pub mod escape;
mod js;
mod render;
mod stream;
pub mod tree;

pub use component::{AttrEntry, Attrs, RenderSlot, Slot};
pub use js::Js;

pub use render::{Display, Render, RenderAttr, display, truthy};
pub use stream::{At, Stream, StreamOps};
pub use tree::{Block, Builder, Dyn, List, Rendered};

/// The size of a template's last render, so the next one allocates once. Generated code keeps
/// one per template in a `static`.
#[derive(Debug)]
pub struct SizeHint(std::sync::atomic::AtomicUsize);

impl SizeHint {
    /// A hint starting at `initial` bytes.
    pub const fn new(initial: usize) -> SizeHint {
        SizeHint(std::sync::atomic::AtomicUsize::new(initial))
    }

    /// The current hint.
    #[inline]
    pub fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Records a render of `len` bytes.
    #[inline]
    pub fn update(&self, len: usize) {
        if len > self.get() {
            self.0.store(len, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// A colocated asset (`<script :colocated>` or `<style :colocated>`), extracted by the build
/// into a content-hashed file; [`colocated_assets!`] lists a crate's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// The file name, e.g. `counter.1a2b3c4d5e6f7a8b.js` (a template in a folder keeps it).
    pub file: &'static str,
    /// The Subresource Integrity value: `sha256-` and the base64 digest.
    pub integrity: &'static str,
    /// The contents.
    pub body: &'static str,
}

impl Asset {
    /// Whether it is a script module (otherwise a stylesheet).
    pub fn is_script(&self) -> bool {
        self.file.ends_with(".js")
    }
}

/// The colocated assets of the templates the crate's `build.rs` compiled, as a
/// `&'static [Asset]` (hand it to the runtime: `Live::builder().assets(...)`).
#[macro_export]
macro_rules! colocated_assets {
    () => {
        include!(concat!(env!("OUT_DIR"), "/zero-assets/assets.rs"))
    };
}

/// A compiled `*.html.0x0` template bound to the type whose fields it reads.
pub trait Template {
    /// A size hint for the HTML output, in bytes.
    const SIZE_HINT: usize;

    /// Renders straight to HTML (the first, disconnected request).
    fn render_html(&self, out: &mut String);

    /// Renders to the tree of statics and dynamics the live runtime diffs.
    fn render_live(&self) -> Rendered;

    /// Renders into `b` and returns the root block (how a component renders inside its
    /// caller's tree).
    fn render_block(&self, b: &mut Builder) -> Block;

    /// Forgets the streams this template rendered (`:stream` lists): the session calls it after
    /// each live render, so sent items leave server memory.
    fn flush_streams(&mut self) {}

    /// Renders to a new HTML string.
    fn to_html(&self) -> String {
        let mut out = String::with_capacity(Self::SIZE_HINT);
        self.render_html(&mut out);
        out
    }
}

/// Binds a compiled template to a type: `zero_live_core::template!(Index, "posts/index");`
/// includes `$OUT_DIR/zero-templates/posts/index.rs`, which the app's `build.rs` wrote with
/// `zero_template::build`. Functions the template calls are looked up where the macro is used.
#[macro_export]
macro_rules! template {
    ($ty:ty, $name:literal) => {
        const _: () = {
            #[allow(unused_imports)]
            use $crate::{Render as _, RenderAttr as _, RenderSlot as _};
            type __ZlSelf = $ty;
            include!(concat!(env!("OUT_DIR"), "/zero-templates/", $name, ".rs"))
        };
    };
}

/// Binds a component's template to its struct, whose fields are the component's attributes
/// and slots: `zero_live_core::component!(Card<'a>, "components/card");` makes `<.card>`
/// callable from templates whose build registers the file declaring it
/// (`Build::rust_components`). The struct takes at most one lifetime.
#[macro_export]
macro_rules! component {
    ($ty:ident < $lt:lifetime >, $name:literal) => {
        const _: () = {
            #[allow(unused_imports)]
            use $crate::{Render as _, RenderAttr as _, RenderSlot as _};
            type __ZlSelf<$lt> = $ty<$lt>;
            include!(concat!(env!("OUT_DIR"), "/zero-templates/", $name, ".rs"))
        };
    };
    ($ty:ty, $name:literal) => {
        $crate::template!($ty, $name);
    };
}
