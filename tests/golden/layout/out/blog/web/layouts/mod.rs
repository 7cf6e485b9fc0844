//! Layouts: the root layout (the HTML document every page renders in, set on the endpoint) and
//! the app layout views call explicitly (`<.app_layout current="/">`), with the navigation,
//! the theme toggle and breadcrumbs. The page's heading is its own `<.header title="...">`.

use zero_live::Page;
use zero_live_core::{Slot, Template};

use crate::web::features::{Account, Features};
// The navigation generated from the `nav` column of spec/routes.tsv, and the home page's path.
use crate::web::routes::{NAV, home_path};

/// The HTML document around a page: head tags, the flash group and the live root come from
/// the runtime (already escaped), the stylesheet and theme from the app, and the account menu
/// from the app's features (`web/features.rs`; none without accounts).
#[derive(Debug)]
pub struct Root {
    /// What the runtime rendered.
    pub page: Page,
    /// The account menu.
    pub account: Option<Account>,
}
zero_live_core::template!(Root, "layouts/root");

/// The root layout (`Live::builder().root_layout(root)`).
pub fn root(page: Page) -> String {
    let account = Features::account(&page);
    // Sized once: the page's parts and the layout's own markup.
    let mut html = String::with_capacity(page.size() + Root::SIZE_HINT);
    Root { page, account }.render_html(&mut html);
    html
}

/// `aria-current="page"` for the link to `href` when it is the current page.
pub fn active(current: &str, href: &str) -> Option<&'static str> {
    (current == href).then_some("page")
}

/// One breadcrumb: `<:crumb href="/">Home</:crumb>`; the last one is the current page.
#[derive(Debug)]
pub struct Crumb<'a> {
    /// Where it links (none for the current page).
    pub href: Option<&'a str>,
}

/// The app layout: `<.app_layout current="/about">...</.app_layout>`.
pub struct AppLayout<'a> {
    /// The current path, for the active link.
    pub current: &'a str,
    /// Breadcrumbs, outermost first.
    pub crumb: Vec<Slot<'a, Crumb<'a>>>,
    /// The page's content.
    pub inner_block: Slot<'a>,
}
zero_live_core::component!(AppLayout<'a>, "layouts/app_layout");

mod admin_layout;
pub use admin_layout::AdminLayout;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_layout_marks_the_current_page_and_lays_out_its_crumbs() {
        let (home, here) = (|o: &mut String| o.push_str("Home"), |o: &mut String| o.push_str("Me"));
        let content = |out: &mut String| out.push_str("<p>Hi</p>");
        let html = AppLayout {
            current: "/about",
            crumb: vec![
                Slot::html(Crumb { href: Some("/") }, &home),
                Slot::html(Crumb { href: None }, &here),
            ],
            inner_block: Slot::html((), &content),
        }
        .to_html();
        let about = r#"<a href="/about" z-navigate aria-current="page">About</a>"#;
        assert!(html.contains(about), "{html}");
        let home_link = format!(r#"<a href="{}" z-navigate>Home</a>"#, home_path());
        assert!(html.contains(&home_link), "the other links are not current: {html}");
        for link in NAV {
            assert!(html.contains(&format!(">{}</a>", link.text)), "every link: {html}");
        }
        assert!(html.contains(r#"<a href="/">Home</a>"#), "{html}");
        assert!(html.contains(r#"<span aria-current="page">Me</span>"#), "{html}");
        assert!(!html.contains("<h1"), "the page's header holds its one heading: {html}");
        assert!(html.contains("<p>Hi</p>"), "{html}");
    }

    #[test]
    fn the_active_link_is_the_current_path_only() {
        assert_eq!(active("/about", "/about"), Some("page"));
        assert_eq!(active("/about", "/"), None);
    }

    #[test]
    fn the_root_layout_places_the_page_and_loads_the_stylesheet() {
        let page = Page {
            title: "A <title>".to_owned(),
            head: "<meta name=\"csrf-token\" content=\"t\">".to_owned(),
            body: "<div data-zl-root></div>".to_owned(),
            extensions: Default::default(),
        };
        // A visitor's menu in an app with accounts (`zerogen auth`), none without.
        let menu = Features::account(&page).is_some();
        let html = root(page);
        assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
        assert!(html.contains("<title>A &lt;title&gt;</title>"), "{html}");
        assert!(html.contains("<meta name=\"csrf-token\" content=\"t\">"), "{html}");
        // The theme's tokens first, then the components styled with them.
        let theme = html.find("<link rel=\"stylesheet\" href=\"/assets/theme.css\">");
        let app = html.find("<link rel=\"stylesheet\" href=\"/assets/app.css\">");
        assert!(theme.zip(app).is_some_and(|(t, a)| t < a), "{html}");
        assert_eq!(html.contains("class=\"account-menu\""), menu, "{html}");
        let body = html.find("<body>").expect("a body");
        assert!(html.find("<div data-zl-root></div>").is_some_and(|at| at > body), "{html}");
    }
}
