//! Anchors of documentation pages: Markdown heading slugs (GitHub's rules) and explicit `id=`
//! attributes in Markdown or HTML.

use std::collections::{BTreeMap, BTreeSet};

/// GitHub's heading slug, as the docs site makes its heading ids.
pub use zerogen::site::slug;

/// Every anchor a page defines.
pub fn anchors(text: &str, markdown: bool) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut in_fence = false;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if markdown && (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        if markdown && trimmed.starts_with('#') {
            let level = trimmed.chars().take_while(|c| *c == '#').count();
            let rest = &trimmed[level..];
            if level <= 6 && (rest.is_empty() || rest.starts_with(' ')) {
                let title = rest.trim().trim_end_matches('#').trim();
                let base = slug(&strip_inline_markup(title));
                let n = seen.entry(base.clone()).or_insert(0);
                let anchor = if *n == 0 { base.clone() } else { format!("{base}-{n}") };
                *n += 1;
                found.insert(anchor);
            }
        }
        collect_ids(line, &mut found);
    }
    found
}

/// Removes link targets and emphasis markers the way GitHub renders a heading before slugging.
fn strip_inline_markup(title: &str) -> String {
    let mut out = String::new();
    let mut chars = title.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '`' | '*' => {}
            ']' if chars.peek() == Some(&'(') => {
                for skipped in chars.by_ref() {
                    if skipped == ')' {
                        break;
                    }
                }
            }
            '[' => {}
            c => out.push(c),
        }
    }
    out
}

fn collect_ids(line: &str, found: &mut BTreeSet<String>) {
    let mut rest = line;
    while let Some(pos) = rest.find("id=") {
        let before = rest[..pos].chars().last();
        rest = &rest[pos + 3..];
        if before.is_some_and(|c| !c.is_whitespace()) {
            continue;
        }
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else { continue };
        if let Some(end) = rest[1..].find(quote) {
            found.insert(rest[1..1 + end].to_owned());
            rest = &rest[1 + end..];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github() {
        assert_eq!(slug("Table kind `budgets`"), "table-kind-budgets");
        assert_eq!(slug("Z0101 tsv-syntax"), "z0101-tsv-syntax");
        assert_eq!(slug("What's new? (v1.2)"), "whats-new-v12");
        assert_eq!(slug("snake_case kept"), "snake_case-kept");
    }

    #[test]
    fn headings_duplicates_links_fences_and_ids() {
        let page = "# Intro\n## Usage\n## Usage\n### [The `link`](x.md) thing\n```\n# not a heading\n```\n\
                    <a id=\"gate.check_10k.wall\"></a> text\n<div id='x1' data-id=\"no\">\n#nospace\n";
        let found = anchors(page, true);
        let expected: BTreeSet<String> =
            ["intro", "usage", "usage-1", "the-link-thing", "gate.check_10k.wall", "x1"]
                .into_iter()
                .map(str::to_owned)
                .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn html_pages_use_ids_only() {
        let found = anchors("<h1 id=\"top\"># Not markdown</h1>", false);
        assert_eq!(found.into_iter().collect::<Vec<_>>(), vec!["top"]);
    }
}
