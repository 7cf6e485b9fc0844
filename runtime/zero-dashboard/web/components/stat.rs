//! `<.stat>`: one figure with its label. Its template is `stat.html.0x0` beside this file.

/// `<.stat id="events" label="Events / s" value="12.0" />`: one figure.
pub struct Stat<'a> {
    /// The figure's element id (what a test or a reader's script finds it by).
    pub id: &'a str,
    /// What it counts.
    pub label: &'a str,
    /// Its value, formatted.
    pub value: &'a str,
}
zero_live_core::component!(Stat<'a>, "components/stat");

#[cfg(test)]
mod tests {
    use zero_live_core::Template as _;

    use super::*;

    #[test]
    fn a_stat_shows_its_label_and_value_escaped() {
        let html = Stat { id: "memory", label: "Memory", value: "<1 MiB>" }.to_html();
        assert!(html.contains("id=\"memory\""), "{html}");
        assert!(html.contains("Memory"), "{html}");
        assert!(html.contains("&lt;1 MiB&gt;") && !html.contains("<1 MiB>"), "{html}");
    }
}
