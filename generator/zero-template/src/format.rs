//! The formatter behind `zerogen fmt`.
//!
//! It works on the token stream and only ever changes whitespace that HTML rendering ignores:
//! indentation, spaces inside tags, runs of whitespace between tokens (a run stays a run: a
//! line break stays a line break, spaces become one space, and no whitespace is added where
//! there was none). The author's line structure is kept; indentation follows nesting; long
//! tags wrap one attribute per line. `<pre>` and `<textarea>` are copied verbatim; embedded
//! `<style>` and `<script>` blocks are re-indented. Formatting twice equals formatting once.

use crate::Problem;
use crate::lexer::{Attr, AttrValue, StartTag, Token};
use crate::parser::VOID_ELEMENTS;

/// How attributes are wrapped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttrWrap {
    /// One attribute per line when the tag does not fit the line width.
    #[default]
    Auto,
    /// One attribute per line whenever a tag has more than one attribute.
    Always,
    /// Never wrap.
    Never,
}

/// Formatter settings (`[fmt]` in `zerogen.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The line width tags are wrapped at.
    pub line_width: usize,
    /// Spaces per indentation level.
    pub indent: usize,
    /// How attributes wrap.
    pub attr_wrap: AttrWrap,
}

impl Default for Config {
    fn default() -> Config {
        Config { line_width: 98, indent: 2, attr_wrap: AttrWrap::Auto }
    }
}

/// Elements whose content is copied exactly as written.
const VERBATIM: &[&str] = &["pre", "textarea"];

/// Formats `source`; an invalid template is refused with its problems (the structural ones
/// and Rust syntax errors are enough: formatting needs no component knowledge).
pub fn format(source: &str, config: &Config) -> Result<String, Vec<Problem>> {
    let (nodes, mut problems) = crate::parse(source);
    crate::check::check(source, &nodes, &crate::Components::default(), &mut problems);
    problems.retain(|p| {
        !matches!(p.code.id, "Z0423" | "Z0424" | "Z0425" | "Z0426" | "Z0427" | "Z0428" | "Z0429")
    });
    if !problems.is_empty() {
        return Err(problems);
    }
    let (tokens, _) = crate::lexer::lex(source);
    let mut f = Formatter {
        source,
        config,
        out: String::with_capacity(source.len() + 64),
        depth: 0,
        ws: Ws::None,
        verbatim: None,
        at_start: true,
    };
    f.run(&tokens);
    Ok(f.finish())
}

/// Whitespace waiting to be written before the next token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ws {
    None,
    Space,
    Newline,
    BlankLine,
}

fn classify(run: &str) -> Ws {
    match run.matches('\n').count() {
        _ if run.is_empty() => Ws::None,
        0 => Ws::Space,
        1 => Ws::Newline,
        _ => Ws::BlankLine,
    }
}

struct Formatter<'a> {
    source: &'a str,
    config: &'a Config,
    out: String,
    depth: usize,
    ws: Ws,
    /// Inside `<pre>`/`<textarea>`: the element name and nesting of same-named elements.
    verbatim: Option<(String, usize)>,
    at_start: bool,
}

impl Formatter<'_> {
    fn run(&mut self, tokens: &[Token]) {
        let mut i = 0;
        while i < tokens.len() {
            let token = &tokens[i];
            if let Some((name, nesting)) = self.verbatim.clone() {
                self.verbatim_token(token, &name, nesting);
                i += 1;
                continue;
            }
            match token {
                Token::Text { text, span } => {
                    let previous_is_raw_text_tag = i > 0
                        && matches!(&tokens[i - 1], Token::StartTag(t) if !t.self_closing && (t.name == "script" || t.name == "style"));
                    if previous_is_raw_text_tag {
                        self.raw_block(span.text(self.source));
                    } else {
                        self.text(text);
                    }
                }
                Token::Expr { code, .. } => self.word(&braced(code.text(self.source))),
                Token::Raw { code, .. } => {
                    self.word(&format!("{{@html {}}}", code.text(self.source).trim()))
                }
                Token::Comment { span } | Token::Doctype { span } => {
                    self.word(span.text(self.source))
                }
                Token::StartTag(tag) => {
                    self.start_tag(tag);
                    let lower = tag.name.to_ascii_lowercase();
                    let void = VOID_ELEMENTS.contains(&lower.as_str());
                    if !tag.self_closing && !void {
                        self.depth += 1;
                        if VERBATIM.contains(&lower.as_str()) {
                            self.verbatim = Some((lower, 0));
                        }
                    }
                }
                Token::EndTag { name, .. } => {
                    self.depth = self.depth.saturating_sub(1);
                    self.word(&format!("</{name}>"));
                }
            }
            i += 1;
        }
    }

    fn verbatim_token(&mut self, token: &Token, name: &str, nesting: usize) {
        match token {
            Token::EndTag { name: end, span, .. } if end.eq_ignore_ascii_case(name) => {
                if nesting == 0 {
                    self.verbatim = None;
                    self.depth = self.depth.saturating_sub(1);
                } else {
                    self.verbatim = Some((name.to_owned(), nesting - 1));
                }
                self.out.push_str(span.text(self.source));
            }
            Token::StartTag(tag) if tag.name.eq_ignore_ascii_case(name) && !tag.self_closing => {
                self.verbatim = Some((name.to_owned(), nesting + 1));
                self.out.push_str(tag.span.text(self.source));
            }
            other => self.out.push_str(other.span().text(self.source)),
        }
    }

    /// Writes the pending whitespace, then `text` (which contains no whitespace run that
    /// could be reflowed).
    fn word(&mut self, text: &str) {
        self.flush_ws();
        self.out.push_str(text);
        self.at_start = false;
    }

    fn flush_ws(&mut self) {
        match std::mem::replace(&mut self.ws, Ws::None) {
            Ws::None => {}
            Ws::Space => self.out.push(' '),
            ws @ (Ws::Newline | Ws::BlankLine) => {
                if self.at_start {
                    return;
                }
                trim_trailing_spaces(&mut self.out);
                self.out.push('\n');
                if ws == Ws::BlankLine {
                    self.out.push('\n');
                }
                self.indent(self.depth);
            }
        }
    }

    fn indent(&mut self, depth: usize) {
        for _ in 0..depth * self.config.indent {
            self.out.push(' ');
        }
    }

    fn add_ws(&mut self, ws: Ws) {
        self.ws = self.ws.max(ws);
    }

    fn text(&mut self, text: &str) {
        let escaped = text.replace('{', "{{").replace('}', "}}");
        let mut rest = escaped.as_str();
        while !rest.is_empty() {
            let ws_len = rest.len() - rest.trim_start().len();
            if ws_len > 0 {
                self.add_ws(classify(&rest[..ws_len]));
                rest = &rest[ws_len..];
                continue;
            }
            let word_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
            self.word(&rest[..word_len]);
            rest = &rest[word_len..];
        }
    }

    /// Re-indents the content of a `<style>` or `<script>` block one level deeper.
    fn raw_block(&mut self, text: &str) {
        let lines: Vec<&str> = text.lines().collect();
        let first = lines.iter().position(|l| !l.trim().is_empty());
        let last = lines.iter().rposition(|l| !l.trim().is_empty());
        let (Some(first), Some(last)) = (first, last) else { return };
        let common = lines[first..=last]
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.len() - l.trim_start().len())
            .min()
            .unwrap_or(0);
        for line in &lines[first..=last] {
            trim_trailing_spaces(&mut self.out);
            self.out.push('\n');
            if !line.trim().is_empty() {
                self.indent(self.depth);
                self.out.push_str(line.get(common..).unwrap_or(line.trim_start()).trim_end());
            }
        }
        self.ws = Ws::Newline;
    }

    fn attr_text(&self, attr: &Attr) -> String {
        match &attr.value {
            AttrValue::None => attr.name.clone(),
            AttrValue::Expr { code } => {
                format!("{}={}", attr.name, braced(code.text(self.source)))
            }
            AttrValue::Static { text, .. } => {
                if text.contains('"') {
                    format!("{}='{text}'", attr.name)
                } else {
                    format!("{}=\"{text}\"", attr.name)
                }
            }
        }
    }

    fn start_tag(&mut self, tag: &StartTag) {
        self.flush_ws();
        let attrs: Vec<String> = tag.attrs.iter().map(|a| self.attr_text(a)).collect();
        let lower = tag.name.to_ascii_lowercase();
        let void = VOID_ELEMENTS.contains(&lower.as_str());
        let close = if tag.self_closing && !void { " />" } else { ">" };
        let one_line = format!(
            "<{}{}{}{close}",
            tag.name,
            if attrs.is_empty() { "" } else { " " },
            attrs.join(" ")
        );
        let line = &self.out[self.out.rfind('\n').map_or(0, |i| i + 1)..];
        let column = line.chars().count();
        // Only a tag that starts its line wraps: wrapping inside a line of text reads worse.
        let starts_line = line.trim().is_empty();
        let wrap = starts_line
            && attrs.len() > 1
            && match self.config.attr_wrap {
                AttrWrap::Never => false,
                AttrWrap::Always => true,
                AttrWrap::Auto => column + one_line.chars().count() > self.config.line_width,
            };
        if !wrap {
            self.out.push_str(&one_line);
        } else {
            self.out.push('<');
            self.out.push_str(&tag.name);
            for attr in &attrs {
                self.out.push('\n');
                self.indent(self.depth + 1);
                self.out.push_str(attr);
            }
            self.out.push('\n');
            self.indent(self.depth);
            self.out.push_str(close.trim_start());
        }
        self.at_start = false;
    }

    fn finish(mut self) -> String {
        trim_trailing_spaces(&mut self.out);
        let mut out: String = self.out.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
        let trimmed = out.trim_end().len();
        out.truncate(trimmed);
        out.push('\n');
        out
    }
}

fn trim_trailing_spaces(out: &mut String) {
    let len = out.trim_end_matches([' ', '\t']).len();
    out.truncate(len);
}

/// The token stream with whitespace normalized the way HTML rendering treats it: every run of
/// whitespace in text is one space, tags compare by name and attributes, void elements ignore
/// a self-closing slash, and `<style>`/`<script>` bodies compare line by line, trimmed.
/// `format` keeps this unchanged.
pub fn normalized_tokens(source: &str) -> Vec<String> {
    let (tokens, _) = crate::lexer::lex(source);
    let mut out = Vec::new();
    let mut raw_next = false;
    for token in &tokens {
        let item = match token {
            Token::Text { span, .. } if raw_next => {
                let lines: Vec<&str> =
                    span.text(source).lines().map(str::trim).filter(|l| !l.is_empty()).collect();
                format!("raw:{}", lines.join("\n"))
            }
            Token::Text { text, .. } => {
                let mut collapsed = String::new();
                let mut in_ws = false;
                for c in text.chars() {
                    if c.is_whitespace() {
                        if !in_ws {
                            collapsed.push(' ');
                        }
                        in_ws = true;
                    } else {
                        collapsed.push(c);
                        in_ws = false;
                    }
                }
                format!("text:{collapsed}")
            }
            Token::Expr { code, .. } => format!("expr:{}", code.text(source).trim()),
            Token::Raw { code, .. } => format!("raw_expr:{}", code.text(source).trim()),
            Token::Comment { span } => format!("comment:{}", span.text(source)),
            Token::Doctype { span } => format!("doctype:{}", span.text(source)),
            Token::StartTag(tag) => {
                let lower = tag.name.to_ascii_lowercase();
                let void = VOID_ELEMENTS.contains(&lower.as_str());
                let attrs: Vec<String> = tag
                    .attrs
                    .iter()
                    .map(|a| match &a.value {
                        AttrValue::None => a.name.clone(),
                        AttrValue::Static { text, .. } => format!("{}={text}", a.name),
                        AttrValue::Expr { code } => {
                            format!("{}={{{}}}", a.name, code.text(source).trim())
                        }
                    })
                    .collect();
                format!("start:{}:{}:{}", tag.name, attrs.join(" "), tag.self_closing && !void)
            }
            Token::EndTag { name, .. } => format!("end:{name}"),
        };
        raw_next = matches!(token, Token::StartTag(t) if !t.self_closing && (t.name == "script" || t.name == "style"));
        out.push(item);
    }
    // Whitespace before the first and after the last token is not part of the template: the
    // formatter ends every file with one newline.
    if let Some(first) = out.first_mut().filter(|t| t.starts_with("text:")) {
        *first = format!("text:{}", first["text:".len()..].trim_start());
    }
    if let Some(last) = out.last_mut().filter(|t| t.starts_with("text:")) {
        *last = format!("text:{}", last["text:".len()..].trim_end());
    }
    out.retain(|t| t != "text:");
    out.dedup();
    out
}

/// An expression's code in braces, trimmed; code that starts with `{` keeps a space after the
/// opening brace, or `{{` would read back as a literal brace.
fn braced(code: &str) -> String {
    let code = code.trim();
    if code.starts_with('{') { format!("{{ {code} }}") } else { format!("{{{code}}}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt(source: &str) -> String {
        format(source, &Config::default()).unwrap_or_else(|p| panic!("{p:?}"))
    }

    #[test]
    fn indents_nesting_and_normalizes_spaces_inside_tags() {
        let input = "<section   class=\"posts\" >\n<h1>{ title }</h1>\n     <ul>\n<li :for={p in posts}   :key={p.id}>{p.name}</li>\n</ul>\n\n\n\n</section>\n";
        let expected = "<section class=\"posts\">\n  <h1>{title}</h1>\n  <ul>\n    <li :for={p in posts} :key={p.id}>{p.name}</li>\n  </ul>\n\n</section>\n";
        assert_eq!(fmt(input), expected);
        assert_eq!(fmt(expected), expected, "idempotent");
    }

    #[test]
    fn keeps_whitespace_that_matters_and_adds_none() {
        assert_eq!(fmt("<p>a<b>b</b>c   d</p>"), "<p>a<b>b</b>c d</p>\n");
        assert_eq!(fmt("<p>{{literal}} {x}</p>"), "<p>{{literal}} {x}</p>\n");
        let pre = "<div>\n<pre>  keep\n    this  </pre>\n</div>\n";
        assert_eq!(fmt(pre), "<div>\n  <pre>  keep\n    this  </pre>\n</div>\n");
    }

    #[test]
    fn control_characters_are_no_attribute_names() {
        // Found by the `template_parse` fuzz target: a vertical tab and NULs inside a tag were
        // read as attribute names, and the formatter wrapped and unwrapped the tag on
        // alternate runs.
        let source = "<form a\u{b}\u{b}n=\"x\"\0x></form>\n";
        let problems = format(source, &Config::default()).unwrap_err();
        assert!(
            problems.iter().any(|p| p.code == zero_diag::codes::TPL_BAD_ATTRIBUTE
                && p.message.contains("`\\u{b}` cannot start an attribute name")),
            "{problems:?}"
        );
        // Tab, form feed and newline separate attributes as HTML says.
        assert_eq!(
            fmt("<form\ta=\"x\"\x0cb=\"y\"\nc></form>\n"),
            "<form a=\"x\" b=\"y\" c></form>\n"
        );
    }

    #[test]
    fn wraps_long_tags_one_attribute_per_line() {
        let input = "<input type=\"text\" name=\"a-rather-long-name\" value={form.value(\"a-rather-long-name\")} placeholder=\"Type here\">\n";
        let out = fmt(input);
        assert_eq!(
            out,
            "<input\n  type=\"text\"\n  name=\"a-rather-long-name\"\n  value={form.value(\"a-rather-long-name\")}\n  placeholder=\"Type here\"\n>\n"
        );
        assert_eq!(fmt(&out), out);
        let never = Config { attr_wrap: AttrWrap::Never, ..Config::default() };
        assert!(!format(input, &never).unwrap().contains("\n  type"));
        let always = Config { attr_wrap: AttrWrap::Always, ..Config::default() };
        assert!(
            format("<a href=\"/\" id=\"x\">y</a>", &always)
                .unwrap()
                .starts_with("<a\n  href=\"/\"\n")
        );
    }

    #[test]
    fn reindents_style_and_script_blocks() {
        let input = "<div>\n<style :colocated>\n        .a { color: red; }\n          .b { x: 1 }\n</style>\n</div>\n";
        let out = fmt(input);
        assert_eq!(
            out,
            "<div>\n  <style :colocated>\n    .a { color: red; }\n      .b { x: 1 }\n  </style>\n</div>\n"
        );
        assert_eq!(fmt(&out), out);
        assert_eq!(normalized_tokens(input), normalized_tokens(&out));
    }

    #[test]
    fn refuses_invalid_templates() {
        let problems = format("<div><span></div>", &Config::default()).unwrap_err();
        assert!(problems.iter().any(|p| p.code.id == "Z0411"));
        assert!(format("<p>{a +}</p>", &Config::default()).is_err());
        // Unknown components are not the formatter's business.
        assert!(format("<.whatever x=\"1\" />", &Config::default()).is_ok());
    }
}
