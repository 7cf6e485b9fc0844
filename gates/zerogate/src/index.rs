//! What a source file defines: symbols and tests, read by parsing (Rust with `syn`), never by
//! grepping for names.

use std::collections::BTreeSet;

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The symbols and tests one file defines.
#[derive(Debug, Default, Clone)]
pub struct FileIndex {
    /// Item names at any module depth (`fn`, `struct`, `enum`, `trait`, `const`, `static`,
    /// `mod`, `type`, `macro_rules!`, `union`), and `Type::method` for associated fns.
    pub symbols: BTreeSet<String>,
    /// Tests, each as its path of module names within the file plus the fn name
    /// (`tests::parses`).
    pub tests: BTreeSet<String>,
}

impl FileIndex {
    /// Whether the file defines a test called `name` (the last path segment).
    pub fn test_paths(&self, name: &str) -> Vec<&str> {
        self.tests
            .iter()
            .filter(|t| t.rsplit("::").next() == Some(name))
            .map(String::as_str)
            .collect()
    }
}

/// Indexes a Rust file; the error is the lexer's message with its line and column.
///
/// The file is tokenized with `proc-macro2` (the lexer `syn` is built on, so comments and
/// string literals never count) and walked at item level: function bodies are skipped as
/// token trees instead of being parsed into expressions, which is what keeps a 2,000-file
/// ledger under its time budget (see docs/adr/0002-gate-item-index.md).
pub fn rust(text: &str) -> Result<FileIndex, (u32, u32, String)> {
    let tokens: TokenStream = text.parse().map_err(|e: proc_macro2::LexError| {
        let start = e.span().start();
        (zero_diag::to_u32(start.line), zero_diag::to_u32(start.column + 1), e.to_string())
    })?;
    let mut walker = ItemWalker { index: FileIndex::default(), modules: Vec::new() };
    walker.items(tokens, None);
    Ok(walker.index)
}

struct ItemWalker {
    index: FileIndex,
    modules: Vec<String>,
}

fn ident_at(trees: &[TokenTree], i: usize) -> Option<String> {
    match trees.get(i) {
        Some(TokenTree::Ident(ident)) => {
            Some(ident.to_string().trim_start_matches("r#").to_owned())
        }
        _ => None,
    }
}

fn is_punct(tree: Option<&TokenTree>, ch: char) -> bool {
    matches!(tree, Some(TokenTree::Punct(p)) if p.as_char() == ch)
}

/// The index just past the item starting at `start`: after its first `{...}` block or `;`.
fn skip_item(trees: &[TokenTree], start: usize) -> usize {
    let mut i = start;
    while i < trees.len() {
        match &trees[i] {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => return i + 1,
            TokenTree::Punct(p) if p.as_char() == ';' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

/// The self type of an `impl` header: the last identifier at angle depth 0 of the type after
/// `for` (trait impls) or after the generics (inherent impls), before any `where`.
fn impl_type(header: &[TokenTree]) -> Option<String> {
    let mut depth = 0i32;
    let mut segment_start = 0;
    let mut end = header.len();
    for (i, tree) in header.iter().enumerate() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p)
                if p.as_char() == '>' && !is_punct(header.get(i.wrapping_sub(1)), '-') =>
            {
                depth -= 1
            }
            TokenTree::Ident(id) if depth == 0 && id == "for" => segment_start = i + 1,
            TokenTree::Ident(id) if depth == 0 && id == "where" => {
                end = i;
                break;
            }
            _ => {}
        }
    }
    let mut depth = 0i32;
    let mut name = None;
    for (i, tree) in header[segment_start..end].iter().enumerate() {
        match tree {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p)
                if p.as_char() == '>'
                    && (i == 0 || !is_punct(header.get(segment_start + i - 1), '-')) =>
            {
                depth -= 1
            }
            TokenTree::Ident(id) if depth == 0 && id != "dyn" && id != "mut" => {
                name = Some(id.to_string())
            }
            _ => {}
        }
    }
    name
}

impl ItemWalker {
    fn symbol(&mut self, owner: Option<&str>, name: &str) {
        let symbol = match owner {
            Some(owner) => format!("{owner}::{name}"),
            None => name.to_owned(),
        };
        self.index.symbols.insert(symbol);
    }

    fn add_test(&mut self, name: &str) {
        let mut path = self.modules.join("::");
        if !path.is_empty() {
            path.push_str("::");
        }
        path.push_str(name);
        self.index.tests.insert(path);
    }

    /// Walks the items of a file, a module, an impl or a trait (`owner` for the last two).
    fn items(&mut self, tokens: TokenStream, owner: Option<&str>) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut test_attr = false;
        let mut i = 0;
        while i < trees.len() {
            let TokenTree::Ident(ident) = &trees[i] else {
                if is_punct(trees.get(i), '#') {
                    let j = if is_punct(trees.get(i + 1), '!') { i + 2 } else { i + 1 };
                    if let Some(TokenTree::Group(g)) = trees.get(j) {
                        test_attr |= is_test_attr_group(g);
                        i = j + 1;
                        continue;
                    }
                }
                i += 1;
                continue;
            };
            let keyword = ident.to_string();
            match keyword.as_str() {
                "fn" => {
                    if let Some(name) = ident_at(&trees, i + 1) {
                        self.symbol(owner, &name);
                        if test_attr && owner.is_none() {
                            self.add_test(&name);
                        }
                    }
                    test_attr = false;
                    i = skip_item(&trees, i + 1);
                }
                "const" | "static" | "struct" | "enum" | "union" | "type" => {
                    let j = if ident_at(&trees, i + 1).as_deref() == Some("mut") {
                        i + 2
                    } else {
                        i + 1
                    };
                    match ident_at(&trees, j) {
                        Some(n) if matches!(n.as_str(), "fn" | "unsafe" | "async" | "extern") => {
                            i += 1;
                            continue;
                        }
                        Some(n) if n != "_" => self.symbol(owner, &n),
                        _ => {}
                    }
                    test_attr = false;
                    i = skip_item(&trees, j);
                }
                "mod" => {
                    if let Some(name) = ident_at(&trees, i + 1) {
                        self.symbol(None, &name);
                        if let Some(TokenTree::Group(g)) = trees.get(i + 2)
                            && g.delimiter() == Delimiter::Brace
                        {
                            self.modules.push(name);
                            self.items(g.stream(), None);
                            self.modules.pop();
                        }
                    }
                    test_attr = false;
                    i = skip_item(&trees, i + 1);
                }
                "trait" | "impl" => {
                    let body = (i + 1..trees.len()).find(|&k| {
                        matches!(&trees[k], TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
                    });
                    let Some(body) = body else {
                        i += 1;
                        continue;
                    };
                    let name = if keyword == "trait" {
                        ident_at(&trees, i + 1)
                    } else {
                        impl_type(&trees[i + 1..body])
                    };
                    if let Some(name) = name {
                        if keyword == "trait" {
                            self.symbol(None, &name);
                        }
                        if let TokenTree::Group(g) = &trees[body] {
                            self.items(g.stream(), Some(&name));
                        }
                    }
                    test_attr = false;
                    i = body + 1;
                }
                "macro_rules" if is_punct(trees.get(i + 1), '!') => {
                    if let Some(name) = ident_at(&trees, i + 2) {
                        self.symbol(None, &name);
                    }
                    test_attr = false;
                    i = skip_item(&trees, i + 2);
                }
                _ if is_punct(trees.get(i + 1), '!') => {
                    // An item macro such as `proptest! { #[test] fn name(..) {..} }`.
                    if let Some(TokenTree::Group(g)) = trees.get(i + 2) {
                        self.scan_macro_tests(g.stream());
                        i += 3;
                    } else {
                        i += 2;
                    }
                    test_attr = false;
                }
                _ => i += 1,
            }
        }
    }

    /// Tests declared inside a macro such as `proptest! { #[test] fn name(..) {..} }`.
    fn scan_macro_tests(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut saw_test_attr = false;
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(group) if is_test_attr_group(group) => saw_test_attr = true,
                TokenTree::Ident(ident) if ident == "fn" && saw_test_attr => {
                    if let Some(name) = ident_at(&trees, i + 1) {
                        self.add_test(&name);
                    }
                    saw_test_attr = false;
                }
                _ => {}
            }
        }
    }
}

fn is_test_attr_group(group: &proc_macro2::Group) -> bool {
    if group.delimiter() != Delimiter::Bracket {
        return false;
    }
    let idents: Vec<String> = group
        .stream()
        .into_iter()
        .take_while(|t| !matches!(t, TokenTree::Group(_)))
        .filter_map(|t| match t {
            TokenTree::Ident(i) => Some(i.to_string()),
            _ => None,
        })
        .collect();
    // `#[test]`, `#[tokio::test]`, `#[sqlx::test(..)]`: a path ending in `test`.
    idents.last().is_some_and(|last| last == "test")
}

/// Indexes a JavaScript module: exported `function`, `class`, `const`/`let` names, and tests
/// declared as `test("name", ..)` or `it("name", ..)`.
pub fn javascript(text: &str) -> FileIndex {
    let mut index = FileIndex::default();
    let mut class: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        // Methods of an exported class, as `Class::method` (a private `#method` as `method`),
        // written at the class body's two-space indent.
        if !line.is_empty() && !line.starts_with(' ') {
            class = None;
        } else if let Some(owner) = &class
            && let Some(rest) = line.strip_prefix("  ")
            && !rest.starts_with(' ')
        {
            let rest = rest.trim_start_matches("static ").trim_start_matches("async ");
            let name: String = rest
                .trim_start_matches('#')
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                .collect();
            let after = &rest[rest.len() - rest.trim_start_matches('#').len() + name.len()..];
            if !name.is_empty() && after.starts_with('(') && rest.trim_end().ends_with('{') {
                index.symbols.insert(format!("{owner}::{name}"));
            }
        }
        if let Some(rest) = trimmed.strip_prefix("export class ") {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                .collect();
            class = (!name.is_empty()).then_some(name);
        }
        if let Some(rest) = trimmed.strip_prefix("export ") {
            let rest = rest.trim_start_matches("default ").trim_start_matches("async ");
            for keyword in ["function* ", "function ", "class ", "const ", "let ", "var "] {
                if let Some(after) = rest.strip_prefix(keyword) {
                    let name: String = after
                        .trim_start()
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                        .collect();
                    if !name.is_empty() {
                        index.symbols.insert(name);
                    }
                }
            }
        }
        for call in ["test(", "it(", "test.only(", "it.only("] {
            let mut search = trimmed;
            while let Some(pos) = search.find(call) {
                let before = search[..pos].chars().last();
                let after = &search[pos + call.len()..];
                search = after;
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
                    continue;
                }
                let after = after.trim_start();
                let Some(quote) = after.chars().next().filter(|c| matches!(c, '"' | '\'' | '`'))
                else {
                    continue;
                };
                if let Some(end) = after[1..].find(quote) {
                    index.tests.insert(after[1..1 + end].to_owned());
                }
            }
        }
    }
    index
}

/// Indexes a TSV table: the values of its first column are its symbols.
pub fn tsv(text: &str) -> FileIndex {
    let mut index = FileIndex::default();
    let mut lines = text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let _header = lines.next();
    for line in lines {
        if let Some(key) = line.split('\t').next() {
            index.symbols.insert(key.to_owned());
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUST: &str = r#"
        pub fn free() { fn in_body() {} let _ = "fn in_string() {}"; }
        // fn in_comment() {}
        pub(crate) const unsafe fn qualified() {}
        impl<'a, T: Clone> std::fmt::Display for Wrapper<'a, T> where T: Copy { fn fmt(&self) {} }
        struct S;
        enum E { A }
        trait T { fn required(&self); const C: u8; }
        const K: u8 = 1;
        static ST: u8 = 1;
        type Alias = u8;
        union U { a: u8 }
        macro_rules! mac { () => {} }
        impl S { pub fn method(&self) {} }
        impl T for S { fn required(&self) {} const C: u8 = 2; }
        mod inner { pub fn deep() {} }
        #[cfg(test)]
        mod tests {
            #[test] fn plain() {}
            #[tokio::test] async fn asynchronous() {}
            fn helper() {}
            proptest::proptest! { #[test] fn generated(x in 0..1u8) { let _ = x; } }
        }
    "#;

    #[test]
    fn rust_symbols_of_every_item_kind() {
        let index = rust(RUST).unwrap();
        for symbol in [
            "free",
            "S",
            "E",
            "T",
            "K",
            "ST",
            "Alias",
            "U",
            "mac",
            "S::method",
            "S::required",
            "S::C",
            "T::required",
            "T::C",
            "inner",
            "deep",
            "tests",
            "qualified",
            "Wrapper::fmt",
        ] {
            assert!(index.symbols.contains(symbol), "missing {symbol}: {:?}", index.symbols);
        }
        assert!(!index.symbols.contains("S::missing"));
        assert!(!index.symbols.contains("A"), "enum variants are not items");
        assert!(!index.symbols.contains("in_string"), "string contents are not items");
        assert!(!index.symbols.contains("in_comment"), "comments are not items");
        assert!(!index.symbols.contains("in_body"), "items inside fn bodies are not file items");
    }

    #[test]
    fn rust_tests_with_their_module_path() {
        let index = rust(RUST).unwrap();
        let tests: Vec<&str> = index.tests.iter().map(String::as_str).collect();
        assert_eq!(tests, vec!["tests::asynchronous", "tests::generated", "tests::plain"]);
        assert_eq!(index.test_paths("plain"), vec!["tests::plain"]);
        assert!(index.test_paths("helper").is_empty(), "a fn without #[test] is no test");
    }

    #[test]
    fn rust_syntax_error_has_a_position() {
        let (line, column, message) = rust("fn ok() {}\nfn broken( {}\n\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(column > 1, "{column}");
        assert!(!message.is_empty());
    }

    #[test]
    fn javascript_exports_and_tests() {
        let index = javascript(
            "export function connect() {}\nexport async function join() {}\nexport class Socket {}\n\
             export const KIND = {};\nfunction hidden() {}\n\
             test(\"joins the session\", async () => {});\nit('patches', () => {});\nconst latest(\"no\");\n",
        );
        let symbols: Vec<&str> = index.symbols.iter().map(String::as_str).collect();
        assert_eq!(symbols, vec!["KIND", "Socket", "connect", "join"]);
        let tests: Vec<&str> = index.tests.iter().map(String::as_str).collect();
        assert_eq!(tests, vec!["joins the session", "patches"]);
        let index = javascript(
            "export class Live {\n  constructor(a) {\n    inner(x) {\n  }\n  #join() {\n  }\n  \
             async connect(url) {\n  }\n  notAMethod = 1;\n}\nclass Hidden {\n  skip() {\n  }\n}\n",
        );
        let symbols: Vec<&str> = index.symbols.iter().map(String::as_str).collect();
        assert_eq!(symbols, vec!["Live", "Live::connect", "Live::constructor", "Live::join"]);
    }

    #[test]
    fn tsv_first_column_values() {
        let index = tsv("# c\nkind\tx\njoin\t1\nleave\t2\n");
        assert_eq!(index.symbols.iter().collect::<Vec<_>>(), vec!["join", "leave"]);
    }
}
