//! `<.entry_card>`: an entry in a list, linking to its page. Its template is
//! `entry_card.html.0x0` beside this file.

/// `<.entry_card body="..." href="/kb/1" />`: an entry in a list.
pub struct EntryCard<'a> {
    /// What the entry says.
    pub body: &'a str,
    /// Its page.
    pub href: &'a str,
}
zero_live_core::component!(EntryCard<'a>, "components/entry_card");

#[cfg(test)]
mod tests {
    use zero_live_core::Template as _;

    use super::*;

    #[test]
    fn an_entry_card_shows_the_entry_escaped_and_links_to_its_page() {
        let html = EntryCard { body: "<b>hi</b>", href: "/kb/1" }.to_html();
        assert!(html.contains("&lt;b&gt;hi&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("href=\"/kb/1\""), "{html}");
    }
}
