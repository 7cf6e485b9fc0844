//! The component gallery: tabs and pages whose state is in the URL (live patches), and a
//! dropdown.

use zero_live::{Context, LiveView, MountError};

/// The gallery's state: what the URL says.
#[derive(Debug)]
pub struct Gallery {
    /// The selected tab (`?tab=`).
    pub tab: &'static str,
    /// The page (`?page=`, 1 to [`PAGES`]).
    pub page: u32,
}
zero_live_core::template!(Gallery, "live/gallery");

/// How many pages the gallery's pagination has.
pub const PAGES: u32 = 12;

/// The gallery's tabs: id and label.
pub const TABS: &[(&str, &str)] = &[("overview", "Overview"), ("details", "Details")];

impl Gallery {
    fn from_url(ctx: &Context) -> Result<Gallery, String> {
        let tab = match ctx.query("tab") {
            None => TABS[0].0,
            Some(tab) => TABS
                .iter()
                .find(|(id, _)| *id == tab)
                .map(|(id, _)| *id)
                .ok_or_else(|| format!("no tab `{tab}`"))?,
        };
        let page = match ctx.query("page") {
            None => 1,
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|p| (1..=PAGES).contains(p))
                .ok_or_else(|| format!("page `{raw}` is not from 1 to {PAGES}"))?,
        };
        Ok(Gallery { tab, page })
    }
}

impl LiveView for Gallery {
    fn mount(ctx: &mut Context) -> Result<Self, MountError> {
        ctx.set_title("Components");
        Gallery::from_url(ctx).map_err(MountError)
    }

    fn handle_params(&mut self, ctx: &mut Context) {
        match Gallery::from_url(ctx) {
            Ok(next) => *self = next,
            Err(e) => ctx.put_flash("error", e),
        }
    }
}
