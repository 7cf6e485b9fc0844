//! The parser: tokens to a tree, with the structural checks a browser's HTML parser would
//! otherwise resolve silently (unclosed, mismatched and stray tags, void elements, nesting the
//! parser rewrites).

use zero_diag::codes;

use crate::Problem;
use crate::ast::{Element, Node, TagKind};
use crate::lexer::{StartTag, Token};
use crate::span::Span;

/// Elements that never have content or an end tag.
pub const VOID_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Elements whose start tag closes an open `<p>` in the HTML parser.
const CLOSES_P: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "dialog",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "main",
    "menu",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
];

/// Parses tokens into nodes; structural problems are added to `problems`. When the lexer was
/// `truncated`, elements still open at the end are not reported (they are a consequence).
pub fn parse(tokens: Vec<Token>, truncated: bool, problems: &mut Vec<Problem>) -> Vec<Node> {
    let mut parser = Parser { stack: Vec::new(), root: Vec::new(), problems };
    for token in tokens {
        parser.token(token);
    }
    while let Some(open) = parser.stack.pop() {
        if truncated {
            let node = open.into_node();
            parser.push(node);
            continue;
        }
        parser.problems.push(Problem::new(
            codes::TPL_UNCLOSED_TAG,
            open.element.name_span,
            format!("`<{}>` is never closed", open.written),
        ));
        let node = open.into_node();
        parser.push(node);
    }
    parser.root
}

struct Open {
    element: Element,
    written: String,
}

impl Open {
    fn into_node(self) -> Node {
        let kind = self.element.kind;
        let element = self.element;
        match kind {
            TagKind::Html => Node::Element(element),
            TagKind::Component | TagKind::Remote => Node::Component(element),
            TagKind::Slot => Node::Slot(element),
        }
    }
}

struct Parser<'p> {
    stack: Vec<Open>,
    root: Vec<Node>,
    problems: &'p mut Vec<Problem>,
}

impl Parser<'_> {
    fn push(&mut self, node: Node) {
        match self.stack.last_mut() {
            Some(open) => open.element.children.push(node),
            None => self.root.push(node),
        }
    }

    fn token(&mut self, token: Token) {
        match token {
            Token::Text { span, text } => self.push(Node::Text { span, text }),
            Token::Expr { span, code } => self.push(Node::Expr { span, code }),
            Token::Raw { span, code } => self.push(Node::Raw { span, code }),
            Token::Doctype { span } => self.push(Node::Doctype { span }),
            Token::Comment { .. } => {}
            Token::StartTag(tag) => self.start(tag),
            Token::EndTag { name, name_span, span } => self.end(&name, name_span, span),
        }
    }

    fn start(&mut self, tag: StartTag) {
        let kind = TagKind::of(&tag.name);
        let name = match kind {
            TagKind::Component | TagKind::Slot => tag.name[1..].to_owned(),
            TagKind::Html => tag.name.to_ascii_lowercase(),
            TagKind::Remote => tag.name.clone(),
        };
        if kind == TagKind::Html {
            self.check_nesting(&name, tag.name_span);
        }
        let void = kind == TagKind::Html && VOID_ELEMENTS.contains(&name.as_str());
        if tag.self_closing && kind == TagKind::Html && !void {
            self.problems.push(
                Problem::new(
                    codes::TPL_SELF_CLOSING_ELEMENT,
                    tag.span,
                    format!("`<{name}/>` is not self-closing in HTML"),
                )
                .with_help(format!("write `<{name}></{name}>`")),
            );
        }
        let element = Element {
            name,
            kind,
            name_span: tag.name_span,
            attrs: tag.attrs,
            children: Vec::new(),
            start_span: tag.span,
            span: tag.span,
        };
        let open = Open { element, written: tag.name };
        if tag.self_closing || void {
            let node = open.into_node();
            self.push(node);
        } else {
            self.stack.push(open);
        }
    }

    /// The innermost open HTML element (components and slots hide their parents: what they
    /// render around their content is not known here).
    fn html_parent(&self) -> Option<&str> {
        let open = self.stack.last()?;
        (open.element.kind == TagKind::Html).then_some(open.element.name.as_str())
    }

    fn check_nesting(&mut self, name: &str, span: Span) {
        let parent = self.html_parent().map(str::to_owned);
        let mut problem = |message: String, help: &str| {
            self.problems.push(
                Problem::new(codes::TPL_INVALID_NESTING, span, message).with_help(help.to_owned()),
            );
        };
        let in_html_ancestor = |stack: &[Open], wanted: &str| {
            stack
                .iter()
                .rev()
                .take_while(|o| o.element.kind == TagKind::Html)
                .any(|o| o.element.name == wanted)
        };
        if parent.as_deref() == Some("p") && CLOSES_P.contains(&name) {
            problem(
                format!(
                    "`<{name}>` cannot be inside `<p>`: the browser closes the `<p>` before it"
                ),
                "close the paragraph first, or use a `<div>` instead of the `<p>`",
            );
        }
        if name == "a" && in_html_ancestor(&self.stack, "a") {
            problem(
                "`<a>` cannot be inside another `<a>`".to_owned(),
                "links cannot nest; close the outer link first",
            );
        }
        if name == "form" && in_html_ancestor(&self.stack, "form") {
            problem(
                "`<form>` cannot be inside another `<form>`".to_owned(),
                "browsers drop the inner form; move it out",
            );
        }
        let needs = |allowed: &[&str]| parent.as_deref().is_some_and(|p| !allowed.contains(&p));
        if name == "tr" && needs(&["thead", "tbody", "tfoot"]) {
            problem(
                format!(
                    "`<tr>` must be in `<thead>`, `<tbody>` or `<tfoot>`, not `<{}>`",
                    parent.as_deref().unwrap_or("")
                ),
                "wrap the rows in `<tbody>`; the browser inserts one otherwise and live patches miss it",
            );
        }
        if (name == "td" || name == "th") && needs(&["tr"]) {
            problem(
                format!(
                    "`<{name}>` must be in `<tr>`, not `<{}>`",
                    parent.as_deref().unwrap_or("")
                ),
                "put the cell in a row",
            );
        }
        if matches!(name, "thead" | "tbody" | "tfoot" | "caption" | "colgroup") && needs(&["table"])
        {
            problem(
                format!(
                    "`<{name}>` must be in `<table>`, not `<{}>`",
                    parent.as_deref().unwrap_or("")
                ),
                "put it directly in the table",
            );
        }
        if name == "li" && needs(&["ul", "ol", "menu"]) {
            problem(
                format!(
                    "`<li>` must be in `<ul>`, `<ol>` or `<menu>`, not `<{}>`",
                    parent.as_deref().unwrap_or("")
                ),
                "put the item in a list",
            );
        }
    }

    fn end(&mut self, written: &str, name_span: Span, span: Span) {
        let kind = TagKind::of(written);
        let name = match kind {
            TagKind::Component | TagKind::Slot => written.get(1..).unwrap_or("").to_owned(),
            TagKind::Html => written.to_ascii_lowercase(),
            TagKind::Remote => written.to_owned(),
        };
        if kind == TagKind::Html && VOID_ELEMENTS.contains(&name.as_str()) {
            self.problems.push(
                Problem::new(
                    codes::TPL_VOID_END_TAG,
                    span,
                    format!("`<{name}>` is a void element and has no end tag"),
                )
                .with_help(format!("remove `</{name}>`")),
            );
            return;
        }
        let position =
            self.stack.iter().rposition(|o| o.element.name == name && o.element.kind == kind);
        let Some(position) = position else {
            match self.stack.last() {
                Some(open) => {
                    let message =
                        format!("`</{written}>` does not match the open `<{}>`", open.written);
                    let help =
                        format!("close `<{}>` with `</{}>` first", open.written, open.written);
                    self.problems.push(
                        Problem::new(codes::TPL_MISMATCHED_TAG, name_span, message).with_help(help),
                    );
                }
                None => self.problems.push(Problem::new(
                    codes::TPL_STRAY_END_TAG,
                    span,
                    format!("`</{written}>` closes no open element"),
                )),
            }
            return;
        };
        while self.stack.len() > position + 1 {
            if let Some(inner) = self.stack.pop() {
                self.problems.push(
                    Problem::new(
                        codes::TPL_UNCLOSED_TAG,
                        inner.element.name_span,
                        format!(
                            "`<{}>` is never closed (`</{written}>` ends its parent)",
                            inner.written
                        ),
                    )
                    .with_help(format!("add `</{}>`", inner.written)),
                );
                let node = inner.into_node();
                self.push(node);
            }
        }
        if let Some(mut open) = self.stack.pop() {
            open.element.span = open.element.start_span.to(span);
            let node = open.into_node();
            self.push(node);
        }
    }
}
