//! What a source file defines: symbols and tests, read by parsing (Rust with `syn`), never by
//! grepping for names.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

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

/// Indexes a Rust file; the error is the parser's message with its line and column.
pub fn rust(text: &str) -> Result<FileIndex, (u32, u32, String)> {
    let file = syn::parse_file(text).map_err(|e| {
        let start = e.span().start();
        (zero_diag::to_u32(start.line), zero_diag::to_u32(start.column + 1), e.to_string())
    })?;
    let mut visitor = RustVisitor { index: FileIndex::default(), modules: Vec::new() };
    visitor.visit_file(&file);
    Ok(visitor.index)
}

struct RustVisitor {
    index: FileIndex,
    modules: Vec<String>,
}

impl RustVisitor {
    fn add(&mut self, ident: &syn::Ident) {
        self.index.symbols.insert(ident.to_string().trim_start_matches("r#").to_owned());
    }

    fn add_test(&mut self, name: &str) {
        let mut path = self.modules.join("::");
        if !path.is_empty() {
            path.push_str("::");
        }
        path.push_str(name);
        self.index.tests.insert(path);
    }

    /// Tests declared inside a macro such as `proptest! { #[test] fn name(..) {..} }`.
    fn scan_macro_tests(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut saw_test_attr = false;
        for (i, tree) in trees.iter().enumerate() {
            match tree {
                TokenTree::Group(group) if is_test_attr_group(group) => saw_test_attr = true,
                TokenTree::Ident(ident) if ident == "fn" && saw_test_attr => {
                    if let Some(TokenTree::Ident(name)) = trees.get(i + 1) {
                        self.add_test(&name.to_string());
                    }
                    saw_test_attr = false;
                }
                TokenTree::Group(group) => self.scan_macro_tests(group.stream()),
                _ => {}
            }
        }
    }
}

fn is_test_attr_group(group: &proc_macro2::Group) -> bool {
    if group.delimiter() != proc_macro2::Delimiter::Bracket {
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
    idents.last().is_some_and(|last| last == "test")
}

/// `#[test]`, `#[tokio::test]`, `#[sqlx::test]`, `#[test_case]`-free: any attribute whose path
/// ends in `test`.
fn is_test_attr(attr: &syn::Attribute) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == "test")
}

fn type_name(ty: &syn::Type) -> Option<String> {
    match ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        syn::Type::Reference(r) => type_name(&r.elem),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for RustVisitor {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        self.add(&item.sig.ident);
        if item.attrs.iter().any(is_test_attr) {
            self.add_test(&item.sig.ident.to_string());
        }
        syn::visit::visit_item_fn(self, item);
    }
    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        self.add(&item.ident);
    }
    fn visit_item_enum(&mut self, item: &'ast syn::ItemEnum) {
        self.add(&item.ident);
    }
    fn visit_item_union(&mut self, item: &'ast syn::ItemUnion) {
        self.add(&item.ident);
    }
    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        self.add(&item.ident);
    }
    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.add(&item.ident);
    }
    fn visit_item_type(&mut self, item: &'ast syn::ItemType) {
        self.add(&item.ident);
    }
    fn visit_item_trait(&mut self, item: &'ast syn::ItemTrait) {
        self.add(&item.ident);
        let owner = item.ident.to_string();
        for trait_item in &item.items {
            match trait_item {
                syn::TraitItem::Fn(f) => {
                    self.index.symbols.insert(format!("{owner}::{}", f.sig.ident));
                }
                syn::TraitItem::Const(c) => {
                    self.index.symbols.insert(format!("{owner}::{}", c.ident));
                }
                _ => {}
            }
        }
    }
    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        if let Some(owner) = type_name(&item.self_ty) {
            for impl_item in &item.items {
                match impl_item {
                    syn::ImplItem::Fn(f) => {
                        self.index.symbols.insert(format!("{owner}::{}", f.sig.ident));
                    }
                    syn::ImplItem::Const(c) => {
                        self.index.symbols.insert(format!("{owner}::{}", c.ident));
                    }
                    _ => {}
                }
            }
        }
        syn::visit::visit_item_impl(self, item);
    }
    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        self.add(&item.ident);
        self.modules.push(item.ident.to_string());
        syn::visit::visit_item_mod(self, item);
        self.modules.pop();
    }
    fn visit_item_macro(&mut self, item: &'ast syn::ItemMacro) {
        if let Some(ident) = &item.ident {
            // `macro_rules! name { .. }`
            self.add(ident);
        } else {
            self.scan_macro_tests(item.mac.tokens.clone());
        }
    }
}

/// Indexes a JavaScript module: exported `function`, `class`, `const`/`let` names, and tests
/// declared as `test("name", ..)` or `it("name", ..)`.
pub fn javascript(text: &str) -> FileIndex {
    let mut index = FileIndex::default();
    for line in text.lines() {
        let trimmed = line.trim_start();
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
                let Some(quote) = after.chars().next().filter(|c| matches!(c, '"' | '\'' | '`')) else {
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
        pub fn free() {}
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
            "free", "S", "E", "T", "K", "ST", "Alias", "U", "mac", "S::method", "S::required", "S::C",
            "T::required", "T::C", "inner", "deep", "tests",
        ] {
            assert!(index.symbols.contains(symbol), "missing {symbol}: {:?}", index.symbols);
        }
        assert!(!index.symbols.contains("S::missing"));
        assert!(!index.symbols.contains("A"), "enum variants are not items");
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
        let (line, column, message) = rust("fn ok() {}\nfn broken( {}\n").unwrap_err();
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
    }

    #[test]
    fn tsv_first_column_values() {
        let index = tsv("# c\nkind\tx\njoin\t1\nleave\t2\n");
        assert_eq!(index.symbols.iter().collect::<Vec<_>>(), vec!["join", "leave"]);
    }
}
