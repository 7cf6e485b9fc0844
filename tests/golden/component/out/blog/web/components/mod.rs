//! Core components: each struct's fields are the component's attributes and slots, checked
//! when templates compile. Undeclared attributes (`id`, `z-click`, `aria-*`, ...) pass through
//! to the component's main element.

use zero_live_core::{Attrs, Slot};

/// `<.button z-click="save">Save</.button>`: a button (`type="button"` unless `submit`).
pub struct Button<'a> {
    /// `primary` (default) or `secondary`.
    pub variant: Option<&'a str>,
    /// Submits its form.
    pub submit: bool,
    /// The label.
    pub inner_block: Slot<'a>,
    /// Passed to the `<button>`.
    pub rest: Attrs<'a>,
}
zero_live_core::component!(Button<'a>, "components/button");

/// `<.link href="/about" navigate>About</.link>`: a link that patches the view (`patch`),
/// moves to another live view over the socket (`navigate`), or loads the page.
pub struct Link<'a> {
    /// Where it goes.
    pub href: &'a str,
    /// Same view, new params (`handle_params`).
    pub patch: bool,
    /// Another live view, over the same socket.
    pub navigate: bool,
    /// The text.
    pub inner_block: Slot<'a>,
    /// Passed to the `<a>`.
    pub rest: Attrs<'a>,
}
zero_live_core::component!(Link<'a>, "components/link");

/// `<.header title="Posts">subtitle<:actions>buttons</:actions></.header>`.
pub struct Header<'a> {
    /// The heading.
    pub title: &'a str,
    /// A line under the heading.
    pub inner_block: Option<Slot<'a>>,
    /// Buttons or links beside the heading.
    pub actions: Option<Slot<'a>>,
}
zero_live_core::component!(Header<'a>, "components/header");

/// `<.modal id="confirm" title="Sure?">body<:actions>..</:actions></.modal>`: a dialog, hidden
/// until shown with `Js::new().show("#confirm")`; Escape and the close button hide it, and Tab
/// stays inside it while it is open.
pub struct Modal<'a> {
    /// The element id (the dialog's title is `ID-title`).
    pub id: &'a str,
    /// The dialog's title.
    pub title: &'a str,
    /// The body.
    pub inner_block: Slot<'a>,
    /// The buttons.
    pub actions: Option<Slot<'a>>,
}
zero_live_core::component!(Modal<'a>, "components/modal");

/// The JS commands that hide modal `id`.
pub fn hide_modal(id: &str) -> zero_live_core::Js {
    zero_live_core::Js::new().hide(&["#", id].concat())
}

/// `<.flash id="saved" kind="info">Saved.</.flash>`: a message in the page (the flash of a
/// redirect is the layout's flash group); its button dismisses it without a round trip.
pub struct Flash<'a> {
    /// The element id (what the dismiss button hides).
    pub id: &'a str,
    /// `info` (announced politely, `role="status"`) or `error` (`role="alert"`).
    pub kind: &'a str,
    /// A title above the message.
    pub title: Option<&'a str>,
    /// The message.
    pub inner_block: Slot<'a>,
    /// Passed to the message's `<div>`.
    pub rest: Attrs<'a>,
}
zero_live_core::component!(Flash<'a>, "components/flash");

/// The JS commands that dismiss flash `id`.
pub fn dismiss(id: &str) -> zero_live_core::Js {
    zero_live_core::Js::new().hide(&["#", id].concat())
}

/// One `<:col>` of a table: its header.
#[derive(Debug)]
pub struct Col<'a> {
    /// The column's header text.
    pub label: &'a str,
}

/// `<.table rows={posts.len()}><:col label="Title" /><tbody>..</tbody><:empty>No posts.</:empty></.table>`:
/// a table whose header comes from its columns and whose body (the row markup, with a last
/// cell of row actions when the rows have them) the caller writes; with `rows == 0` the empty
/// state spans every column.
pub struct Table<'a> {
    /// How many rows the body has (0 shows `empty`).
    pub rows: usize,
    /// The columns, in order.
    pub col: Vec<Slot<'a, Col<'a>>>,
    /// The `<tbody>` (or several).
    pub inner_block: Slot<'a>,
    /// What an empty table says.
    pub empty: Option<Slot<'a>>,
    /// Passed to the `<table>`.
    pub rest: Attrs<'a>,
}
zero_live_core::component!(Table<'a>, "components/table");

/// `<.input form={form} field="email" kind="email" label="Email" />`: a labelled input of any
/// kind (`text`, `email`, `password`, `number`, `date`, `datetime-local`, `hidden`,
/// `textarea`, `select`, `select-multiple`, `checkbox`, `radio`, `file`), its value from the
/// form, its errors shown once the field is touched, wired with `aria-invalid` and
/// `aria-describedby`. A `select-multiple` posts `NAME[]`, which the form holds as the chosen
/// values joined with `,`; a `file` input shows no value (uploads are handled apart from forms).
pub struct Input<'a> {
    /// The form the field belongs to.
    pub form: &'a zero_live::form::Form,
    /// The field (`title`, or `tags.0.name` in a nested form).
    pub field: &'a str,
    /// What the input is (see above).
    pub kind: &'a str,
    /// The label (the legend of a radio group).
    pub label: &'a str,
    /// The choices of a `select` or `radio`: value and text.
    pub options: Option<&'a [(&'a str, &'a str)]>,
    /// Passed to the field's `<div>`.
    pub rest: Attrs<'a>,
}
zero_live_core::component!(Input<'a>, "components/input");

/// Kinds rendered as one `<input type=..>`.
pub fn plain(kind: &str) -> bool {
    matches!(
        kind,
        "text"
            | "email"
            | "password"
            | "number"
            | "date"
            | "datetime-local"
            | "hidden"
            | "search"
            | "tel"
            | "url"
    )
}

/// Whether `value` is among the comma-joined `values` of a multiple select.
pub fn chosen(values: &str, value: &str) -> bool {
    values.split(',').any(|v| v == value)
}

/// Kinds whose label comes before the control (a checkbox's wraps it, a radio group has a
/// legend, a hidden input none).
pub fn labelled(kind: &str) -> bool {
    kind != "checkbox" && kind != "radio" && kind != "hidden"
}

/// `aria-invalid` of a field: whether it shows errors.
pub fn invalid(form: &zero_live::form::Form, field: &str) -> &'static str {
    if form.visible_errors(field).is_empty() { "false" } else { "true" }
}

/// The id of the element holding a field's errors.
pub fn errors_id(form: &zero_live::form::Form, field: &str) -> String {
    format!("{}-errors", form.input_id(field))
}

/// `<.icon name="plus" />`: a decorative inline SVG (hidden from assistive technology).
pub struct Icon<'a> {
    /// One of [`ICONS`].
    pub name: &'a str,
    /// Passed to the `<svg>`.
    pub rest: Attrs<'a>,
}
zero_live_core::component!(Icon<'a>, "components/icon");

/// The icons `<.icon>` knows: name and SVG path (24x24, stroked).
pub const ICONS: &[(&str, &str)] = &[
    ("plus", "M12 5v14M5 12h14"),
    ("minus", "M5 12h14"),
    ("x", "M6 6l12 12M18 6L6 18"),
    ("check", "M5 13l4 4L19 7"),
    ("arrow-left", "M19 12H5M12 19l-7-7 7-7"),
];

/// The path of icon `name` (an unknown name draws nothing).
pub fn icon_path(name: &str) -> &'static str {
    ICONS.iter().find(|(n, _)| *n == name).map_or("", |(_, d)| d)
}

/// One `<:item>` of a list.
#[derive(Debug)]
pub struct Item<'a> {
    /// A label shown before the item (a definition-list term).
    pub title: Option<&'a str>,
}

/// `<.list><:item title="Name">Ada</:item></.list>`: a description list, or a plain list when
/// items have no titles.
pub struct List<'a> {
    /// The items, in order.
    pub item: Vec<Slot<'a, Item<'a>>>,
}
zero_live_core::component!(List<'a>, "components/list");

/// `<.pagination page={3} pages={12} path="/components" />`: links to the pages around the
/// current one (live patches to `path?page=N`), with previous and next.
pub struct Pagination<'a> {
    /// The current page, from 1.
    pub page: u32,
    /// How many pages there are.
    pub pages: u32,
    /// The path the page number is added to.
    pub path: &'a str,
}
zero_live_core::component!(Pagination<'a>, "components/pagination");

/// `path` with `page=N` added to its query.
pub fn page_href(path: &str, page: u32) -> String {
    let join = if path.contains('?') { '&' } else { '?' };
    format!("{path}{join}page={page}")
}

/// The pages a pagination links: the first, the last, and two on each side of the current
/// one; `None` marks a gap.
pub fn page_window(page: u32, pages: u32) -> Vec<Option<u32>> {
    let mut out: Vec<Option<u32>> = Vec::new();
    for n in 1..=pages {
        if n == 1 || n == pages || n.abs_diff(page) <= 2 {
            out.push(Some(n));
        } else if out.last().is_some_and(Option::is_some) {
            out.push(None);
        }
    }
    out
}

/// One `<:tab id="overview" label="Overview" href="?tab=overview">` of `<.tabs>`.
#[derive(Debug)]
pub struct Tab<'a> {
    /// Its id (unique on the page).
    pub id: &'a str,
    /// The tab's label.
    pub label: &'a str,
    /// Where selecting it patches to (the view picks `current` from it).
    pub href: &'a str,
}

/// `<.tabs current="overview"><:tab ...>panel</:tab>...</.tabs>`: a tab list whose selection is
/// in the URL (each tab is a live patch); arrow keys move between tabs.
pub struct Tabs<'a> {
    /// The id of the selected tab.
    pub current: &'a str,
    /// The tabs and their panels.
    pub tab: Vec<Slot<'a, Tab<'a>>>,
}
zero_live_core::component!(Tabs<'a>, "components/tabs");

/// `<.dropdown id="more" label="More"><:item>..</:item></.dropdown>`: a button that shows a
/// list of links or buttons; Escape or a click elsewhere hides it.
pub struct Dropdown<'a> {
    /// The element id (the list is `ID-menu`).
    pub id: &'a str,
    /// The button's label.
    pub label: &'a str,
    /// The entries.
    pub item: Vec<Slot<'a>>,
}
zero_live_core::component!(Dropdown<'a>, "components/dropdown");

/// The JS commands that show or hide dropdown `id`'s list.
pub fn toggle_dropdown(id: &str) -> zero_live_core::Js {
    zero_live_core::Js::new().toggle(&["#", id, "-menu"].concat())
}

/// The JS commands that hide dropdown `id`'s list.
pub fn hide_dropdown(id: &str) -> zero_live_core::Js {
    zero_live_core::Js::new().hide(&["#", id, "-menu"].concat())
}

mod price_tag;
pub use price_tag::PriceTag;

mod badge;
pub use badge::Badge;

/// A component's example in the gallery (`/components`).
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The component's name.
    pub name: &'static str,
    /// Renders it with example values.
    pub render: fn() -> String,
}

/// The app's own components' examples, shown by the gallery (`/components`). `zerogen
/// component` declares its module above and adds its line here.
pub const EXAMPLES: &[Example] = &[
    Example { name: "price_tag", render: price_tag::example },
    Example { name: "badge", render: badge::example },
    // zerogen component adds a line above.
];

#[cfg(test)]
mod tests {
    use zero_live_core::Template;

    use super::*;

    #[test]
    fn a_button_is_a_plain_button_unless_it_submits() {
        let label = |out: &mut String| out.push_str("Save &amp; go");
        let button = |variant, submit| {
            let inner_block = Slot::html((), &label);
            let html = Button { variant, submit, inner_block, rest: Attrs::EMPTY }.to_html();
            html.trim_end().to_owned()
        };
        // Debug builds add a `data-z-loc` attribute after the template's own.
        let plain = button(None, false);
        assert!(plain.starts_with(r#"<button type="button" class="btn btn-primary""#), "{plain}");
        assert!(plain.ends_with(">Save &amp; go</button>"), "{plain}");
        let submit = button(Some("secondary"), true);
        assert!(
            submit.starts_with(r#"<button type="submit" class="btn btn-secondary""#),
            "{submit}"
        );
    }

    #[test]
    fn pages_around_the_current_one_are_linked_with_gaps() {
        assert_eq!(page_window(1, 1), vec![Some(1)]);
        assert_eq!(
            page_window(6, 12),
            vec![Some(1), None, Some(4), Some(5), Some(6), Some(7), Some(8), None, Some(12)]
        );
        assert_eq!(page_window(2, 4), vec![Some(1), Some(2), Some(3), Some(4)]);
        assert_eq!(page_href("/c", 3), "/c?page=3");
        assert_eq!(page_href("/c?tab=a", 3), "/c?tab=a&page=3");
        assert_eq!(toggle_dropdown("m").to_string(), r##"[["toggle",{"to":"#m-menu"}]]"##);
    }

    #[test]
    fn icons_have_paths_and_unknown_names_draw_nothing() {
        assert_eq!(icon_path("plus"), "M12 5v14M5 12h14");
        assert_eq!(icon_path("nope"), "");
        assert_eq!(hide_modal("m").to_string(), r##"[["hide",{"to":"#m"}]]"##);
    }
}
