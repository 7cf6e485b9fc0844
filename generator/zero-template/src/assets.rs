//! Colocated `<style :colocated>` and `<script :colocated>` blocks: extracted at build time into
//! content-hashed asset files, so pages need no inline script or style and a strict CSP
//! (`script-src 'self'; style-src 'self'`) holds. Styles are scoped to the template that owns
//! them: every element of the template carries `data-z-SCOPE`, and every selector of its
//! stylesheet is narrowed to elements with that attribute.

use sha2::{Digest, Sha256};

use crate::ast::{Element, Node, TagKind};

/// What one template colocates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Colocated {
    /// The scoped stylesheet, if the template has `<style :colocated>` blocks.
    pub css: Option<String>,
    /// The script module, if the template has `<script :colocated>` blocks.
    pub js: Option<String>,
}

/// The scope attribute of a template: `data-z-` and 8 hex digits of the template name's hash.
pub fn scope_attribute(template: &str) -> String {
    let digest = Sha256::digest(template.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("data-z-{hex}")
}

/// Collects the colocated blocks of `nodes`; styles are scoped with `scope`.
pub fn collect(nodes: &[Node], scope: &str) -> Colocated {
    let mut css = String::new();
    let mut js = String::new();
    visit(nodes, &mut |e: &Element| {
        let text: String = e
            .children
            .iter()
            .filter_map(|c| match c {
                Node::Text { text, .. } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        match e.name.as_str() {
            "style" => css.push_str(&scope_css(&text, scope)),
            "script" => {
                js.push_str(text.trim());
                js.push('\n');
            }
            _ => {}
        }
    });
    Colocated { css: (!css.is_empty()).then_some(css), js: (!js.is_empty()).then_some(js) }
}

fn visit(nodes: &[Node], f: &mut impl FnMut(&Element)) {
    for node in nodes {
        match node {
            Node::Element(e) if e.kind == TagKind::Html && e.attr(":colocated").is_some() => f(e),
            Node::Element(e) | Node::Component(e) | Node::Slot(e) => visit(&e.children, f),
            _ => {}
        }
    }
}

/// Narrows every selector of `css` to elements carrying the attribute `scope`.
///
/// `.card p:hover, h1::before {}` becomes `.card p[data-z-1]:hover, h1[data-z-1]::before {}`:
/// the attribute goes on the last compound selector, before pseudo-classes and -elements.
/// Rules inside `@media`/`@supports`/`@container`/`@layer` blocks are scoped too;
/// `@keyframes`, `@font-face` and other at-rules are copied as they are.
pub fn scope_css(css: &str, scope: &str) -> String {
    let mut out = String::with_capacity(css.len() + 64);
    scope_block(&strip_comments(css), scope, &mut out);
    out
}

fn strip_comments(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut rest = css;
    while let Some(i) = rest.find("/*") {
        out.push_str(&rest[..i]);
        rest = rest[i + 2..].find("*/").map_or("", |j| &rest[i + 2 + j + 2..]);
    }
    out.push_str(rest);
    out
}

/// The index of the `}` that closes the block opened just before `text`.
fn closing_brace(text: &str) -> usize {
    let mut depth = 1;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

fn scope_block(css: &str, scope: &str, out: &mut String) {
    let mut rest = css;
    while let Some(open) = rest.find('{') {
        let prelude = rest[..open].trim();
        let body_start = open + 1;
        let close = body_start + closing_brace(&rest[body_start..]);
        let body = &rest[body_start..close.min(rest.len())];
        if let Some(at_rule) = prelude.strip_prefix('@') {
            let name = at_rule.split(|c: char| c.is_whitespace() || c == '(').next().unwrap_or("");
            out.push_str(prelude);
            out.push_str(" {\n");
            if matches!(name, "media" | "supports" | "container" | "layer" | "document") {
                scope_block(body, scope, out);
            } else {
                out.push_str(body.trim());
                out.push('\n');
            }
            out.push_str("}\n");
        } else {
            let selectors: Vec<String> =
                split_top_level(prelude).iter().map(|s| scope_selector(s.trim(), scope)).collect();
            out.push_str(&selectors.join(", "));
            out.push_str(" {");
            out.push_str(body.trim_end());
            out.push_str(" }\n");
        }
        rest = rest.get(close + 1..).unwrap_or("");
    }
}

/// Splits a selector list at commas outside parentheses and brackets.
fn split_top_level(list: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in list.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&list[start..]);
    parts
}

fn scope_selector(selector: &str, scope: &str) -> String {
    // The last compound selector starts after the last combinator outside brackets.
    let mut depth = 0i32;
    let mut last_start = 0;
    for (i, c) in selector.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ' ' | '>' | '+' | '~' if depth == 0 => last_start = i + c.len_utf8(),
            _ => {}
        }
    }
    let compound = &selector[last_start..];
    // Insert before the first pseudo-class or pseudo-element outside brackets.
    let mut depth = 0i32;
    let mut insert_at = compound.len();
    for (i, c) in compound.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ':' if depth == 0 => {
                insert_at = i;
                break;
            }
            _ => {}
        }
    }
    format!(
        "{}{}[{scope}]{}",
        &selector[..last_start],
        &compound[..insert_at],
        &compound[insert_at..]
    )
}

/// The content-addressed file name of an asset: `stem.HASH.ext` with 16 hex digits.
pub fn hashed_name(stem: &str, ext: &str, contents: &str) -> String {
    let digest = Sha256::digest(contents.as_bytes());
    let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{stem}.{hex}.{ext}")
}

/// The Subresource Integrity value of `contents`: `sha256-` and the base64 digest.
pub fn integrity(contents: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(contents.as_bytes())))
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors_are_scoped_on_their_last_compound() {
        let css = ".card { padding: 1rem; }\n.card p:hover, h1::before { color: red }\n/* gone */ a > b.c[x=\"1,2\"] { }";
        let scoped = scope_css(css, "data-z-1");
        assert_eq!(
            scoped,
            ".card[data-z-1] { padding: 1rem; }\n.card p[data-z-1]:hover, h1[data-z-1]::before { color: red }\na > b.c[x=\"1,2\"][data-z-1] { }\n"
        );
    }

    #[test]
    fn media_rules_are_scoped_and_keyframes_kept() {
        let css = "@media (max-width: 600px) { .a, :hover { x: 1 } }\n@keyframes spin { from { a: 1 } to { a: 2 } }";
        let scoped = scope_css(css, "data-z-1");
        assert!(
            scoped.contains(
                "@media (max-width: 600px) {\n.a[data-z-1], [data-z-1]:hover { x: 1 }\n}"
            ),
            "{scoped}"
        );
        assert!(scoped.contains("@keyframes spin {\nfrom { a: 1 } to { a: 2 }\n}"), "{scoped}");
    }

    #[test]
    fn hashes_and_integrity_are_content_addressed() {
        assert_eq!(integrity(""), "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
        assert_ne!(hashed_name("x", "css", "a"), hashed_name("x", "css", "b"));
        assert!(hashed_name("posts/index", "css", "a").starts_with("posts/index."));
        assert_eq!(scope_attribute("a.html.0x0"), scope_attribute("a.html.0x0"));
        assert_ne!(scope_attribute("a.html.0x0"), scope_attribute("b.html.0x0"));
    }
}
