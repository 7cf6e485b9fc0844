//! The tokenizer: template source to a flat list of tokens, each with its span.
//!
//! A tag is one token with its attributes (as in the HTML tokenizer spec). The tokenizer never
//! stops at a problem: it records it and resynchronizes, so every problem of a template is
//! reported at once.

use zero_diag::{Code, codes};

use crate::Problem;
use crate::span::Span;

/// One token.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Token {
    /// Literal text, with `{{` and `}}` already turned into `{` and `}`.
    Text {
        /// Where it is.
        span: Span,
        /// The text.
        text: String,
    },
    /// `{expr}`: an escaped interpolation.
    Expr {
        /// The whole `{...}`.
        span: Span,
        /// The Rust expression inside.
        code: Span,
    },
    /// `{@html expr}`: explicit raw output.
    Raw {
        /// The whole `{@html ...}`.
        span: Span,
        /// The Rust expression.
        code: Span,
    },
    /// `<!-- ... -->`: dropped from the output.
    Comment {
        /// Where it is.
        span: Span,
    },
    /// `<!DOCTYPE html>`.
    Doctype {
        /// Where it is.
        span: Span,
    },
    /// `<name attrs...>` or `<name attrs.../>`.
    StartTag(StartTag),
    /// `</name>`.
    EndTag {
        /// The element name.
        name: String,
        /// Where the name is.
        name_span: Span,
        /// The whole end tag.
        span: Span,
    },
}

impl Token {
    /// The token's span.
    pub fn span(&self) -> Span {
        match self {
            Token::Text { span, .. }
            | Token::Expr { span, .. }
            | Token::Raw { span, .. }
            | Token::Comment { span }
            | Token::Doctype { span }
            | Token::EndTag { span, .. } => *span,
            Token::StartTag(tag) => tag.span,
        }
    }
}

/// A start tag with its attributes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StartTag {
    /// The tag name as written: `div`, `.button`, `ui::card`, `:col`.
    pub name: String,
    /// Where the name is.
    pub name_span: Span,
    /// Attributes in source order.
    pub attrs: Vec<Attr>,
    /// Written `<name ... />`.
    pub self_closing: bool,
    /// The whole tag.
    pub span: Span,
}

/// An attribute.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attr {
    /// The name as written (`class`, `:if`, `z-click`).
    pub name: String,
    /// Where the name is.
    pub name_span: Span,
    /// The value.
    pub value: AttrValue,
    /// The whole attribute.
    pub span: Span,
}

/// An attribute value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum AttrValue {
    /// A boolean attribute: no value.
    None,
    /// A literal value, quoted or not.
    Static {
        /// The value without quotes.
        text: String,
        /// Where the value is (without quotes).
        span: Span,
    },
    /// `name={expr}`.
    Expr {
        /// The Rust expression inside the braces.
        code: Span,
    },
}

/// Elements whose content is raw text: no tags, no interpolation.
const RAW_TEXT_ELEMENTS: &[&str] = &["script", "style"];

/// Tokenizes `source`; returns the tokens and every problem found.
pub fn lex(source: &str) -> (Vec<Token>, Vec<Problem>) {
    let lexed = lex_all(source);
    (lexed.tokens, lexed.problems)
}

/// The tokens, the problems, and whether a problem swallowed the rest of the source (an
/// unclosed comment or quote), in which case the parser does not report the elements left
/// open at the end: they are a consequence, not a second problem.
#[derive(Debug)]
pub struct Lexed {
    /// The tokens.
    pub tokens: Vec<Token>,
    /// Every problem.
    pub problems: Vec<Problem>,
    /// A problem consumed the source to its end.
    pub truncated: bool,
}

/// Tokenizes `source` (see [`Lexed`]).
pub fn lex_all(source: &str) -> Lexed {
    let mut lexer = Lexer {
        src: source,
        bytes: source.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        problems: Vec::new(),
        truncated: false,
    };
    lexer.run();
    Lexed { tokens: lexer.tokens, problems: lexer.problems, truncated: lexer.truncated }
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    problems: Vec<Problem>,
    truncated: bool,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'.' || b == b':' || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':')
}

/// A byte of an attribute name: not whitespace, not a control character (HTML allows
/// neither), not one of the characters that end a name.
fn is_attr_name_char(b: u8) -> bool {
    !b.is_ascii_whitespace()
        && !b.is_ascii_control()
        && !matches!(b, b'"' | b'\'' | b'<' | b'>' | b'/' | b'=' | b'{' | b'}')
}

impl Lexer<'_> {
    fn problem(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.problems.push(Problem { code, span, message: message.into(), help: None });
    }

    fn peek(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        self.src[self.pos..].starts_with(s)
    }

    fn run(&mut self) {
        let mut text = String::new();
        let mut text_start = 0;
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            let tag_ahead = b == b'<'
                && self.peek(1).is_some_and(|n| is_name_start(n) || n == b'/' || n == b'!');
            if tag_ahead || (b == b'{' && self.peek(1) != Some(b'{')) {
                self.flush_text(&mut text, text_start);
                if b == b'<' {
                    self.tag();
                } else {
                    self.interpolation();
                }
                text_start = self.pos;
                continue;
            }
            match b {
                b'{' => {
                    text.push('{');
                    self.pos += 2;
                }
                b'}' if self.peek(1) == Some(b'}') => {
                    text.push('}');
                    self.pos += 2;
                }
                b'}' => {
                    self.problem(
                        codes::TPL_UNBALANCED_BRACE,
                        Span::new(self.pos, self.pos + 1),
                        "`}` closes no `{`",
                    );
                    self.pos += 1;
                }
                _ => {
                    let ch = self.src[self.pos..].chars().next().unwrap_or(' ');
                    text.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
        self.flush_text(&mut text, text_start);
    }

    fn flush_text(&mut self, text: &mut String, start: usize) {
        if !text.is_empty() {
            self.tokens
                .push(Token::Text { span: Span::new(start, self.pos), text: std::mem::take(text) });
        }
    }

    /// `{expr}` or `{@html expr}` at `self.pos`.
    fn interpolation(&mut self) {
        let start = self.pos;
        let Some(end) = self.matching_brace(start) else {
            self.problem(
                codes::TPL_UNBALANCED_BRACE,
                Span::new(start, start + 1),
                "`{` is never closed",
            );
            // Resynchronize at the next tag so the rest of the template is still checked.
            self.pos = self.src[start..].find('<').map_or(self.bytes.len(), |i| start + i);
            return;
        };
        self.pos = end + 1;
        let inner = Span::new(start + 1, end);
        let inner_text = inner.text(self.src);
        let trimmed = inner_text.trim_start();
        if let Some(rest) = trimmed.strip_prefix("@html") {
            let code_start = end - rest.len();
            self.tokens.push(Token::Raw {
                span: Span::new(start, end + 1),
                code: Span::new(code_start, end),
            });
        } else {
            self.tokens.push(Token::Expr { span: Span::new(start, end + 1), code: inner });
        }
    }

    /// The index of the `}` matching the `{` at `open`, skipping Rust string and char literals.
    fn matching_brace(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut i = open;
        while i < self.bytes.len() {
            match self.bytes[i] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i);
                    }
                }
                b'"' => i = skip_string(self.bytes, i)?,
                b'r' if matches!(self.bytes.get(i + 1), Some(b'"' | b'#'))
                    && !self
                        .bytes
                        .get(i.wrapping_sub(1))
                        .is_some_and(|p| p.is_ascii_alphanumeric() || *p == b'_') =>
                {
                    if let Some(end) = skip_raw_string(self.bytes, i) {
                        i = end;
                    }
                }
                b'\'' => i = skip_char_literal(self.bytes, i),
                _ => {}
            }
            i += 1;
        }
        None
    }

    fn tag(&mut self) {
        let start = self.pos;
        if self.starts_with("<!--") {
            match self.src[start + 4..].find("-->") {
                Some(i) => {
                    self.pos = start + 4 + i + 3;
                    self.tokens.push(Token::Comment { span: Span::new(start, self.pos) });
                }
                None => {
                    self.problem(
                        codes::TPL_UNTERMINATED_COMMENT,
                        Span::new(start, start + 4),
                        "comment is never closed",
                    );
                    self.pos = self.bytes.len();
                    self.truncated = true;
                }
            }
            return;
        }
        if self.peek(1) == Some(b'!') {
            match self.src[start..].find('>') {
                Some(i) => {
                    self.pos = start + i + 1;
                    self.tokens.push(Token::Doctype { span: Span::new(start, self.pos) });
                }
                None => {
                    self.problem(
                        codes::TPL_UNTERMINATED_TAG,
                        Span::new(start, start + 2),
                        "`<!` is never closed",
                    );
                    self.pos = self.bytes.len();
                }
            }
            return;
        }
        if self.peek(1) == Some(b'/') {
            self.end_tag(start);
            return;
        }
        self.start_tag(start);
    }

    fn name(&mut self) -> (String, Span) {
        let start = self.pos;
        while self.pos < self.bytes.len() && is_name_char(self.bytes[self.pos]) {
            self.pos += 1;
        }
        (self.src[start..self.pos].to_owned(), Span::new(start, self.pos))
    }

    fn skip_whitespace(&mut self) {
        while self.pos < self.bytes.len() && self.bytes[self.pos].is_ascii_whitespace() {
            self.pos += 1;
        }
    }

    fn end_tag(&mut self, start: usize) {
        self.pos = start + 2;
        let (name, name_span) = self.name();
        self.skip_whitespace();
        if self.peek(0) == Some(b'>') {
            self.pos += 1;
            self.tokens.push(Token::EndTag { name, name_span, span: Span::new(start, self.pos) });
        } else {
            self.problem(
                codes::TPL_UNTERMINATED_TAG,
                Span::new(start, name_span.end as usize),
                format!("end tag `</{name}` is not closed with `>`"),
            );
            // Resynchronize at the next tag, taking the end tag as meant.
            self.pos = self.src[self.pos..].find('<').map_or(self.bytes.len(), |i| self.pos + i);
            self.tokens.push(Token::EndTag {
                name,
                name_span,
                span: Span::new(start, name_span.end as usize),
            });
        }
    }

    fn start_tag(&mut self, start: usize) {
        self.pos = start + 1;
        let (name, name_span) = self.name();
        let mut attrs = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek(0) {
                None if self.truncated => return,
                None => {
                    self.problem(
                        codes::TPL_UNTERMINATED_TAG,
                        Span::new(start, name_span.end as usize),
                        format!("tag `<{name}` is not closed with `>`"),
                    );
                    return;
                }
                Some(b'>') => {
                    self.pos += 1;
                    break self.push_start_tag(name, name_span, attrs, false, start);
                }
                Some(b'/') if self.peek(1) == Some(b'>') => {
                    self.pos += 2;
                    break self.push_start_tag(name, name_span, attrs, true, start);
                }
                Some(b'<') => {
                    self.problem(
                        codes::TPL_UNTERMINATED_TAG,
                        Span::new(start, name_span.end as usize),
                        format!("tag `<{name}` is not closed with `>` before the next tag"),
                    );
                    return;
                }
                Some(_) => {
                    if let Some(attr) = self.attribute() {
                        attrs.push(attr);
                    }
                }
            }
        }
    }

    fn push_start_tag(
        &mut self,
        name: String,
        name_span: Span,
        attrs: Vec<Attr>,
        self_closing: bool,
        start: usize,
    ) {
        let raw_text = !self_closing && RAW_TEXT_ELEMENTS.contains(&name.as_str());
        let close = format!("</{name}");
        self.tokens.push(Token::StartTag(StartTag {
            name,
            name_span,
            attrs,
            self_closing,
            span: Span::new(start, self.pos),
        }));
        if raw_text {
            let body_start = self.pos;
            let end =
                self.src[body_start..].find(&close).map_or(self.bytes.len(), |i| body_start + i);
            if end > body_start {
                let text = self.src[body_start..end].to_owned();
                self.tokens.push(Token::Text { span: Span::new(body_start, end), text });
            }
            self.pos = end;
        }
    }

    fn attribute(&mut self) -> Option<Attr> {
        let start = self.pos;
        while self.pos < self.bytes.len() && is_attr_name_char(self.bytes[self.pos]) {
            self.pos += 1;
        }
        if self.pos == start {
            // A character that cannot start an attribute: report it and skip it.
            let ch = self.src[start..].chars().next().unwrap_or(' ');
            self.pos += ch.len_utf8().max(1);
            if ch == '{' {
                let end = self.matching_brace(start).unwrap_or(self.bytes.len() - 1);
                self.pos = end + 1;
                self.problem(
                    codes::TPL_BAD_ATTRIBUTE,
                    Span::new(start, self.pos),
                    "an expression cannot stand in place of an attribute",
                );
            } else {
                self.problem(
                    codes::TPL_BAD_ATTRIBUTE,
                    Span::new(start, self.pos),
                    format!("`{}` cannot start an attribute name", ch.escape_debug()),
                );
            }
            return None;
        }
        let name = self.src[start..self.pos].to_owned();
        let name_span = Span::new(start, self.pos);
        if self.peek(0) != Some(b'=') {
            return Some(Attr { name, name_span, value: AttrValue::None, span: name_span });
        }
        self.pos += 1;
        let value = match self.peek(0) {
            Some(q @ (b'"' | b'\'')) => {
                let value_start = self.pos + 1;
                match self.bytes[value_start..].iter().position(|&b| b == q) {
                    Some(i) => {
                        self.pos = value_start + i + 1;
                        let span = Span::new(value_start, value_start + i);
                        AttrValue::Static { text: span.text(self.src).to_owned(), span }
                    }
                    None => {
                        self.problem(
                            codes::TPL_BAD_ATTRIBUTE,
                            Span::new(start, value_start),
                            format!("the value of `{name}` has no closing quote"),
                        );
                        self.pos = self.bytes.len();
                        self.truncated = true;
                        return None;
                    }
                }
            }
            Some(b'{') => {
                let open = self.pos;
                match self.matching_brace(open) {
                    Some(end) => {
                        self.pos = end + 1;
                        AttrValue::Expr { code: Span::new(open + 1, end) }
                    }
                    None => {
                        self.problem(
                            codes::TPL_UNBALANCED_BRACE,
                            Span::new(open, open + 1),
                            "`{` is never closed",
                        );
                        self.pos = self.bytes.len();
                        self.truncated = true;
                        return None;
                    }
                }
            }
            Some(b) if !b.is_ascii_whitespace() && b != b'>' => {
                let value_start = self.pos;
                while self.pos < self.bytes.len()
                    && !self.bytes[self.pos].is_ascii_whitespace()
                    && self.bytes[self.pos] != b'>'
                    && !(self.bytes[self.pos] == b'/' && self.peek(1) == Some(b'>'))
                {
                    self.pos += 1;
                }
                let span = Span::new(value_start, self.pos);
                let text = span.text(self.src);
                // HTML forbids these in an unquoted value; a value holding both quotes could
                // not be written back quoted either.
                if let Some(bad) = text.chars().find(|c| matches!(c, '"' | '\'' | '<' | '=' | '`'))
                {
                    self.problem(
                        codes::TPL_BAD_ATTRIBUTE,
                        span,
                        format!(
                            "the unquoted value of `{name}` cannot hold `{bad}`; quote the value"
                        ),
                    );
                    return None;
                }
                AttrValue::Static { text: text.to_owned(), span }
            }
            _ => {
                self.problem(
                    codes::TPL_BAD_ATTRIBUTE,
                    Span::new(start, self.pos),
                    format!("`{name}=` has no value"),
                );
                return None;
            }
        };
        Some(Attr { name, name_span, value, span: Span::new(start, self.pos) })
    }
}

/// Index of the closing `"` of the string starting at `open`.
fn skip_string(bytes: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Index of the closing quote of the raw string `r#"..."#` starting at `r`.
fn skip_raw_string(bytes: &[u8], r: usize) -> Option<usize> {
    let mut i = r + 1;
    let mut hashes = 0;
    while bytes.get(i) == Some(&b'#') {
        hashes += 1;
        i += 1;
    }
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    i += 1;
    while i < bytes.len() {
        if bytes[i] == b'"'
            && bytes[i + 1..].iter().take(hashes).filter(|&&b| b == b'#').count() == hashes
        {
            return Some(i + hashes);
        }
        i += 1;
    }
    None
}

/// Index of the last byte of a char literal starting at `'`, or `open` for a lifetime.
fn skip_char_literal(bytes: &[u8], open: usize) -> usize {
    match (bytes.get(open + 1), bytes.get(open + 2), bytes.get(open + 3)) {
        (Some(b'\\'), _, _) => {
            let mut i = open + 2;
            while i < bytes.len() && bytes[i] != b'\'' {
                i += 1;
            }
            i
        }
        (Some(_), Some(b'\''), _) => open + 2,
        _ => {
            // A multi-byte char literal such as 'é', else a lifetime.
            let rest = std::str::from_utf8(&bytes[open + 1..]).ok();
            match rest.and_then(|r| r.chars().next()) {
                Some(c)
                    if c.len_utf8() > 1 && bytes.get(open + 1 + c.len_utf8()) == Some(&b'\'') =>
                {
                    open + 1 + c.len_utf8()
                }
                _ => open,
            }
        }
    }
}
