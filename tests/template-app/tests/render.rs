//! Templates compiled by `build.rs` into this crate render the HTML they say, escape what they
//! interpolate, and their live render (statics and dynamics) renders to the same HTML.

use zero_live_core::{Dyn, Template};
use zero_template_app::{BigTable, Page, Post, PostsIndex, Team, Teams};

fn page(link: &str) -> Page {
    Page {
        title: "Tom & \"Jerry\"".to_owned(),
        show_intro: true,
        user: "<script>alert(1)</script>".to_owned(),
        link: link.to_owned(),
        done: false,
        trusted_html: "<em>ok</em>".to_owned(),
    }
}

#[test]
fn page_renders_escaped_html_with_debug_annotations() {
    let html = page("/home?a=1&b=2").to_html();
    assert_eq!(
        html,
        "<!DOCTYPE html>\n<main class=\"page\" data-z-loc=\"templates/page.html.0x0:2\">\n  \
         <h1 title=\"Tom &amp; &quot;Jerry&quot;\">Tom &amp; &quot;Jerry&quot;</h1>\n  \
         <p>Welcome, &lt;script&gt;alert(1)&lt;/script&gt;!</p>\n  \
         <a href=\"/home?a=1&amp;b=2\">Go</a>\n  \
         <input type=\"checkbox\" name=\"done\">\n  \
         <div><em>ok</em></div>\n</main>\n"
    );
}

#[test]
fn script_urls_and_false_booleans_do_not_reach_the_page() {
    let mut p = page("javascript:alert(1)");
    p.show_intro = false;
    p.done = true;
    let html = p.to_html();
    assert!(html.contains("<a href=\"#blocked-unsafe-url\">"), "{html}");
    assert!(!html.contains("Welcome"), "{html}");
    assert!(html.contains("<input type=\"checkbox\" checked name=\"done\">"), "{html}");
}

#[test]
fn live_render_matches_html_render() {
    for link in ["/a", "javascript:x"] {
        let p = page(link);
        assert_eq!(p.render_live().to_html(), p.to_html());
    }
    let posts = PostsIndex {
        posts: vec![
            Post { id: 7, title: "First <post>".to_owned(), draft: false },
            Post { id: 9, title: "Second".to_owned(), draft: true },
        ],
    };
    assert_eq!(posts.render_live().to_html(), posts.to_html());
    let empty = PostsIndex { posts: Vec::new() };
    assert_eq!(empty.render_live().to_html(), empty.to_html());
    assert!(empty.to_html().contains("<p>No posts yet.</p>"));
}

#[test]
fn live_render_has_keyed_rows_and_stable_fingerprints() {
    let index = PostsIndex {
        posts: vec![
            Post { id: 7, title: "a".to_owned(), draft: false },
            Post { id: 9, title: "b".to_owned(), draft: true },
        ],
    };
    let live = index.render_live();
    let Dyn::List(i) = live.root.dynamics[1] else { panic!("the :for is the second dynamic") };
    let list = live.list(i).unwrap();
    let keys: Vec<&str> = list.keys.iter().map(|(s, e)| live.text(*s, *e)).collect();
    assert_eq!(keys, vec!["7", "9"]);
    assert_eq!(list.len(), 2);
    assert!(matches!(live.root.dynamics[0], Dyn::Empty), "the :if does not hold");
    let again = PostsIndex { posts: vec![Post { id: 1, title: "z".to_owned(), draft: false }] }
        .render_live();
    assert_eq!(again.root.fingerprint, live.root.fingerprint, "same statics, same fingerprint");
    let Dyn::List(j) = again.root.dynamics[1] else { panic!() };
    let other = again.list(j).unwrap();
    assert_eq!(other.fingerprint, list.fingerprint);
    assert_ne!(list.fingerprint, live.root.fingerprint);
}

/// Loops whose items open and close with static HTML share the pushes between items
/// (`</td><td>`): no item, one item and an empty inner loop must still render exactly.
#[test]
fn loops_render_exactly_with_no_one_or_many_items() {
    let cases: [(Vec<Vec<usize>>, &str); 4] = [
        (vec![], "<tbody></tbody>"),
        (vec![vec![]], "<tbody><tr></tr></tbody>"),
        (vec![vec![7]], "<tbody><tr><td>7</td></tr></tbody>"),
        (vec![vec![], vec![1, 2]], "<tbody><tr></tr><tr><td>1</td><td>2</td></tr></tbody>"),
    ];
    for (rows, expected) in cases {
        let table = BigTable { table: rows };
        let html = table.to_html();
        assert!(html.contains(expected), "{expected} in {html}");
        assert_eq!(table.render_live().to_html(), html);
    }
    let teams = Teams { year: 2015, teams: vec![Team { name: "Solo".to_owned(), score: 1 }] };
    let html = teams.to_html();
    assert!(html.contains("<ul><li class=\"champion\"><b>Solo</b>: 1</li></ul>"), "{html}");
    let none = Teams { year: 2015, teams: vec![] }.to_html();
    assert!(none.contains("<ul></ul>"), "{none}");
}

#[test]
fn rosetta_benchmarks_render() {
    let table = BigTable { table: (0..3).map(|r| (0..2).map(|c| r * 10 + c).collect()).collect() };
    assert_eq!(
        table.to_html(),
        "<table data-z-loc=\"templates/big_table.html.0x0:1\"><tbody><tr><td>0</td><td>1</td></tr><tr><td>10</td><td>11</td></tr><tr><td>20</td><td>21</td></tr></tbody></table>\n"
    );
    assert_eq!(table.render_live().to_html(), table.to_html());
    let teams = Teams {
        year: 2015,
        teams: vec![
            Team { name: "Jiangsu".to_owned(), score: 43 },
            Team { name: "Beijing".to_owned(), score: 27 },
        ],
    };
    let html = teams.to_html();
    assert!(
        html.contains(
            "<li class=\"champion\"><b>Jiangsu</b>: 43</li><li class=\"\"><b>Beijing</b>: 27</li>"
        ),
        "{html}"
    );
    assert_eq!(teams.render_live().to_html(), html);
}

#[test]
fn colocated_assets_are_extracted_scoped_and_hashed() {
    let card = zero_template_app::Card { heading: "Hi".to_owned(), body: "<b>x</b>".to_owned() };
    let html = card.to_html();
    assert!(!html.contains("<style") && !html.contains("<script"), "no inline asset: {html}");
    let scope = html
        .split_whitespace()
        .find(|w| w.starts_with("data-z-") && !w.starts_with("data-z-loc"))
        .unwrap();
    let scope = scope.trim_end_matches('>');
    assert!(html.contains(&format!("<h2 {scope}>Hi</h2>")), "every element is scoped: {html}");
    let manifest = zero_template_app::ASSET_MANIFEST;
    let css_file = manifest.split("\"file\": \"").nth(1).unwrap().split('"').next().unwrap();
    assert!(css_file.starts_with("card.") && css_file.ends_with(".css"), "{manifest}");
    let css =
        std::fs::read_to_string(format!("{}/{css_file}", zero_template_app::ASSET_DIR)).unwrap();
    assert!(css.contains(&format!(".card[{scope}] {{")), "{css}");
    assert!(css.contains(&format!(".card h2[{scope}]:hover")), "{css}");
    assert!(manifest.contains("\"integrity\": \"sha256-"), "{manifest}");
    let js_file = manifest.split("\"file\": \"").nth(2).unwrap().split('"').next().unwrap();
    let js =
        std::fs::read_to_string(format!("{}/{js_file}", zero_template_app::ASSET_DIR)).unwrap();
    assert!(js.starts_with("export const Card"), "{js}");
    assert_eq!(card.render_live().to_html(), html);
}

fn dashboard() -> zero_template_app::Dashboard {
    zero_template_app::Dashboard {
        subtitle: Some("Latest <b>".to_owned()),
        posts: vec![
            Post { id: 1, title: "Hello & welcome".into(), draft: false },
            Post { id: 2, title: "Draft".into(), draft: true },
        ],
        unread: 7,
    }
}

#[test]
fn components_declared_in_rust_render_with_attrs_slots_and_passthrough() {
    let html = dashboard().to_html();
    // Attributes: literal, expression, optional (Some and omitted), flag.
    assert!(html.contains("<h2>Posts</h2>"), "{html}");
    assert!(html.contains("<p class=\"sub\">Latest &lt;b&gt;</p>"), "{html}");
    assert!(html.contains("<h2>Hello &amp; welcome</h2>"), "{html}");
    assert_eq!(html.matches("class=\"sub\"").count(), 1, "an omitted Option renders nothing");
    assert_eq!(html.matches(" hidden").count(), 1, "only the draft panel is collapsed");
    // Undeclared attributes pass through onto the component's root element, escaped.
    assert!(html.contains("<section class=\"panel\" id=\"p1\" data-count=\"2\""), "{html}");
    // The body, a named optional slot with a nested remote component, repeated slots with attrs.
    assert!(html.contains("<div class=\"body\">\n    <p>2 posts</p>"), "{html}");
    assert!(html.contains("<footer>Unread: <span class=\"badge\" data-z-loc="), "{html}");
    assert!(html.contains(">7</span>\n</footer>"), "{html}");
    assert_eq!(html.matches("<footer>").count(), 1, "omitted optional slots render nothing");
    assert!(html.contains("<li class=\"first\">One: Alpha 7</li>"), "{html}");
    assert!(html.contains("<li>Two: Beta</li>"), "{html}");
    assert!(html.contains("data-z-loc=\"templates/components/panel.html.0x0:1\""), "{html}");
}

#[test]
fn components_render_as_nested_blocks_in_the_live_tree() {
    let d = dashboard();
    let rendered = d.render_live();
    assert_eq!(rendered.to_html(), d.to_html(), "the live tree renders the same HTML");
    // The first panel is a block of the page, with the panel template's statics.
    let Dyn::Block(i) = rendered.root.dynamics[0] else { panic!("{:?}", rendered.root) };
    let panel = rendered.block(i).unwrap();
    assert!(panel.statics[0].starts_with("<section class=\"panel\""), "{:?}", panel.statics);
    // Two calls of the same component share a fingerprint; another component differs.
    let Dyn::List(l) = rendered.root.dynamics[1] else { panic!() };
    let list = rendered.list(l).unwrap();
    let Dyn::Block(j) = list.dynamics[0] else { panic!("{:?}", list.dynamics) };
    assert_eq!(rendered.block(j).unwrap().fingerprint, panel.fingerprint);
    let Dyn::Block(k) = rendered.root.dynamics[2] else { panic!() };
    assert_ne!(rendered.block(k).unwrap().fingerprint, panel.fingerprint);
    // A change of one value inside a slot changes one text dynamic, not the statics.
    let mut changed = dashboard();
    changed.unread = 8;
    let again = changed.render_live();
    assert_eq!(again.root.dynamics.len(), rendered.root.dynamics.len());
    assert!(again.to_html().contains("Alpha 8"));
}

#[test]
fn computed_strings_can_be_passed_to_str_attributes_of_components_and_slots() {
    let view = zero_template_app::Computed { unread: 4 };
    let html = view.to_html();
    assert!(html.contains("<h2>4 unread</h2>"), "{html}");
    assert!(html.contains("Tab 5: 4"), "{html}");
    assert_eq!(view.render_live().to_html(), html);
}
