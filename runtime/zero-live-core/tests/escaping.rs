//! Escaping, proven against a real HTML5 parser: whatever string goes through an interpolation
//! context (text, attribute value, URL attribute), the parsed page has exactly the elements and
//! attributes the template wrote, and the string comes back as text or value unchanged.

// Test helpers outside #[test] fns panic on broken fixtures by design.
#![allow(clippy::unwrap_used)]

use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use proptest::prelude::*;
use zero_live_core::{Render, RenderAttr, escape};

/// The page a template `<div title={s}>{s}</div><a href={s}>x</a>` renders for `s`.
fn page(s: &str) -> String {
    let mut out = String::from("<!DOCTYPE html><html><head></head><body><div");
    s.render_attr(&mut out, " title", false);
    out.push('>');
    s.render_escaped(&mut out);
    out.push_str("</div><a");
    s.render_attr(&mut out, " href", true);
    out.push_str(">x</a><button");
    js(s).render_attr(&mut out, " z-click", false);
    out.push_str(">y</button></body></html>");
    out
}

/// JS commands carrying `s` as a selector and as an event's value (single-quoted JSON).
fn js(s: &str) -> zero_live_core::Js {
    zero_live_core::Js::new().hide(s).push(s, serde_json::Value::String(s.to_owned()))
}

fn element_children(handle: &Handle) -> Vec<Handle> {
    handle
        .children
        .borrow()
        .iter()
        .filter(|c| matches!(c.data, NodeData::Element { .. }))
        .cloned()
        .collect()
}

fn name_and_attrs(handle: &Handle) -> (String, Vec<(String, String)>) {
    match &handle.data {
        NodeData::Element { name, attrs, .. } => (
            name.local.to_string(),
            attrs
                .borrow()
                .iter()
                .map(|a| (a.name.local.to_string(), a.value.to_string()))
                .collect(),
        ),
        _ => (String::new(), Vec::new()),
    }
}

fn text_of(handle: &Handle) -> String {
    let mut out = String::new();
    for child in handle.children.borrow().iter() {
        match &child.data {
            NodeData::Text { contents } => out.push_str(&contents.borrow()),
            _ => out.push_str("<element>"),
        }
    }
    out
}

fn check(s: &str) {
    let html = page(s);
    let dom = html5ever::parse_document(RcDom::default(), Default::default()).one(html.clone());
    let document = dom.document;
    let html_el = element_children(&document);
    assert_eq!(html_el.len(), 1, "{html}");
    let parts = element_children(&html_el[0]);
    assert_eq!(parts.len(), 2, "head and body only: {html}");
    let body = &parts[1];
    let elements = element_children(body);
    let names: Vec<String> = elements.iter().map(|e| name_and_attrs(e).0).collect();
    assert_eq!(names, vec!["div", "a", "button"], "no new element: {html}");
    let (_, div_attrs) = name_and_attrs(&elements[0]);
    assert_eq!(div_attrs, vec![("title".to_owned(), s.to_owned())], "{html}");
    assert_eq!(text_of(&elements[0]), s, "{html}");
    let (_, a_attrs) = name_and_attrs(&elements[1]);
    assert_eq!(a_attrs.len(), 1, "no new attribute: {html}");
    let expected_href = if escape::is_script_url(s) { escape::BLOCKED_URL } else { s };
    assert_eq!(a_attrs[0], ("href".to_owned(), expected_href.to_owned()), "{html}");
    assert_eq!(text_of(&elements[1]), "x");
    let (_, button_attrs) = name_and_attrs(&elements[2]);
    assert_eq!(button_attrs, vec![("z-click".to_owned(), js(s).to_string())], "{html}");
    assert_eq!(text_of(&elements[2]), "y");
}

#[test]
fn known_attacks_stay_text() {
    for s in [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "' autofocus onfocus='alert(1)",
        "</div><div id=\"x\">",
        "<!-- comment -->",
        "&lt;already escaped&gt;",
        "javascript:alert(document.cookie)",
        " JAVASCRIPT:alert(1)",
        "<![CDATA[x]]>",
        "<svg/onload=alert(1)>",
    ] {
        check(s);
    }
}

fn interesting() -> impl Strategy<Value = String> {
    prop_oneof![
        // Arbitrary text without NUL and CR, which the HTML parser normalizes in every context.
        "[^\u{0}\r]{0,64}",
        // Dense in the characters that matter.
        "[<>&\"'=/ a-zA-Z!:;-]{0,48}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn no_string_adds_an_element_or_attribute(s in interesting()) {
        check(&s);
    }
}
