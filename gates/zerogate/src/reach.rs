//! Whether a named test reaches a row's source: the gate's guard against a row that names a
//! test of something else.
//!
//! A Rust test reaches `path#name` when its body, or the body of a function of its own file that
//! it calls (transitively), names `name` (the last segment of `Type::method`) or calls a method
//! that the file defines in an `impl` of `name` (a test of `m.refused()` tests `Metrics`), or
//! when it runs
//! the binary of the package the source belongs to (`env!("CARGO_BIN_EXE_<bin>")`). A
//! JavaScript test reaches a source that its file names or imports. This is a lexical check,
//! not a call graph: it proves that the test can reach the source, which is what a reader of
//! the ledger needs to trust, and it catches the common mistake of naming a test of another
//! surface.

use std::collections::{BTreeSet, HashMap, VecDeque};

use proc_macro2::{Delimiter, TokenStream, TokenTree};

/// The names each function of a Rust file mentions in its body.
#[derive(Debug, Default, Clone)]
pub struct Bodies {
    /// Function name (last segment) to the identifiers of its body, and `bin:<name>` for every
    /// `CARGO_BIN_EXE_<name>` the body reads. Functions of the same name are merged.
    pub functions: HashMap<String, BTreeSet<String>>,
    /// Type name (last segment) to the functions its `impl` blocks of this file define.
    pub methods: HashMap<String, BTreeSet<String>>,
}

/// Where a test's reach ends, as the check needs it.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reach {
    /// Every identifier the test and the same-file functions it calls name.
    pub names: BTreeSet<String>,
    /// Binaries the test runs (`CARGO_BIN_EXE_<bin>`).
    pub binaries: BTreeSet<String>,
}

impl Bodies {
    /// Whether `test` reaches `name`: it names it, or calls a function of this file that
    /// `name` is made of (a method of the type `name`, or a function that `name` or one of
    /// those methods calls, transitively). A test of `check_name`, which `write` calls, tests
    /// part of `write`; a test of a function `write` never calls does not.
    pub fn reaches(&self, test: &str, name: &str) -> bool {
        let reach = self.reach(test);
        if reach.names.contains(name) {
            return true;
        }
        let mut parts: BTreeSet<String> = self.methods.get(name).cloned().unwrap_or_default();
        if self.functions.contains_key(name) {
            parts.insert(name.to_owned());
        }
        let roots: Vec<String> = parts.iter().cloned().collect();
        for root in roots {
            parts.extend(
                self.reach(&root).names.into_iter().filter(|n| self.functions.contains_key(n)),
            );
        }
        parts.iter().any(|part| reach.names.contains(part))
    }

    /// What `test` reaches through its own body and the same-file functions it calls.
    pub fn reach(&self, test: &str) -> Reach {
        let mut reach = Reach::default();
        let mut seen: BTreeSet<&str> = BTreeSet::new();
        let mut queue: VecDeque<&str> = VecDeque::from([test]);
        while let Some(function) = queue.pop_front() {
            if !seen.insert(function) {
                continue;
            }
            let Some(names) = self.functions.get(function) else { continue };
            for name in names {
                if let Some(bin) = name.strip_prefix("bin:") {
                    reach.binaries.insert(bin.to_owned());
                    continue;
                }
                reach.names.insert(name.clone());
                if self.functions.contains_key(name.as_str()) {
                    queue.push_back(name);
                }
            }
        }
        reach
    }
}

/// Reads the bodies of every function of a Rust file (at any depth: modules, impls, macros
/// such as `proptest!`, and functions inside functions).
pub fn rust(text: &str) -> Result<Bodies, String> {
    let tokens: TokenStream = text.parse().map_err(|e: proc_macro2::LexError| e.to_string())?;
    let mut bodies = Bodies::default();
    walk(tokens, &mut bodies, &[]);
    Ok(bodies)
}

/// The names an `impl` (or `trait`) header at `trees[i]` is for, and the index of its brace
/// group: the type (the last path segment before the body), and the trait before `for` when
/// there is one, so that a call of `x.subscribe()` reaches both `Local` and `PubSub`.
fn impl_target(trees: &[TokenTree], i: usize) -> Option<(Vec<String>, usize)> {
    let mut trait_name = None;
    let mut target = None;
    let mut depth = 0i32;
    let mut in_where = false;
    for (j, tree) in trees.iter().enumerate().skip(i + 1) {
        match tree {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace && depth == 0 => {
                return target.map(|t| (trait_name.into_iter().chain([t]).collect(), j));
            }
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' => depth -= 1,
            TokenTree::Punct(p) if p.as_char() == ';' => return None,
            TokenTree::Ident(ident) if depth == 0 && ident == "where" => in_where = true,
            TokenTree::Ident(ident) if depth == 0 && ident == "for" => {
                trait_name = target.take();
            }
            TokenTree::Ident(ident) if depth == 0 && !in_where && ident != "dyn" => {
                target = Some(ident.to_string());
            }
            _ => {}
        }
    }
    None
}

fn walk(tokens: TokenStream, bodies: &mut Bodies, owners: &[String]) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < trees.len() {
        match &trees[i] {
            TokenTree::Ident(ident) if ident == "impl" || ident == "trait" => {
                match impl_target(&trees, i) {
                    Some((owners, body)) => {
                        if let TokenTree::Group(g) = &trees[body] {
                            walk(g.stream(), bodies, &owners);
                        }
                        i = body + 1;
                    }
                    None => i += 1,
                }
            }
            TokenTree::Ident(ident) if ident == "fn" => {
                let name = match trees.get(i + 1) {
                    Some(TokenTree::Ident(name)) => name.to_string(),
                    _ => {
                        i += 1;
                        continue;
                    }
                };
                // The body: the first brace group after the signature, unless a `;` ends it.
                let mut j = i + 2;
                let mut body = None;
                while j < trees.len() {
                    match &trees[j] {
                        TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                            body = Some(g.stream());
                            break;
                        }
                        TokenTree::Punct(p) if p.as_char() == ';' => break,
                        _ => j += 1,
                    }
                }
                if let Some(body) = body {
                    let mut names = BTreeSet::new();
                    collect(body.clone(), &mut names);
                    for owner in owners {
                        bodies.methods.entry(owner.clone()).or_default().insert(name.clone());
                    }
                    bodies.functions.entry(name).or_default().extend(names);
                    walk(body, bodies, &[]);
                }
                i = j + 1;
            }
            TokenTree::Group(g) => {
                walk(g.stream(), bodies, &[]);
                i += 1;
            }
            _ => i += 1,
        }
    }
}

fn collect(tokens: TokenStream, names: &mut BTreeSet<String>) {
    for tree in tokens {
        match tree {
            TokenTree::Ident(ident) => {
                names.insert(ident.to_string().trim_start_matches("r#").to_owned());
            }
            TokenTree::Group(g) => collect(g.stream(), names),
            TokenTree::Literal(literal) => {
                let text = literal.to_string();
                if let Some(bin) = text.trim_matches('"').strip_prefix("CARGO_BIN_EXE_") {
                    names.insert(format!("bin:{bin}"));
                }
            }
            TokenTree::Punct(_) => {}
        }
    }
}

/// The paths a Rust file embeds with `include_str!` or `include_bytes!`, as written.
pub fn embeds(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["include_str!(\"", "include_bytes!(\""] {
        for (at, _) in text.match_indices(marker) {
            let rest = &text[at + marker.len()..];
            if let Some(end) = rest.find('"') {
                out.push(rest[..end].to_owned());
            }
        }
    }
    out
}

/// Whether a JavaScript test file reaches `name` of `source_path`: it names it as a word, or
/// imports the source file.
pub fn javascript(text: &str, source_path: &str, name: &str) -> bool {
    let file = source_path.rsplit('/').next().unwrap_or(source_path);
    let imports = text.lines().any(|l| {
        let l = l.trim_start();
        (l.starts_with("import ") || l.contains("require(") || l.contains("import("))
            && l.contains(file)
    });
    imports || has_word(text, name)
}

fn has_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    text.match_indices(word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
        fn helper() { measure_fmt(1) }
        fn other() { unrelated() }
        #[test]
        fn direct() { let _ = suite_rows(); }
        #[test]
        fn through_a_helper() { helper(); }
        #[test]
        fn elsewhere() { other(); let _ = "measure_fmt"; }
        #[test]
        fn runs_the_binary() { let _ = env!("CARGO_BIN_EXE_zerogen"); }
        mod inner { proptest::proptest! { #[test] fn generated(x in 0..1u8) { inner_call(x) } } }
        struct Metrics;
        impl Metrics { fn refused(&self) {} }
        impl<T: Into<u8>> std::fmt::Display for Wrapper<T> where T: Copy { fn fmt(&self) {} }
        #[test]
        fn a_method() { let m = make(); m.refused(); }
        #[test]
        fn formats() { let w = make(); w.fmt(); }
        trait Render { fn render_html(&self) -> String { String::new() } fn bare(&self); }
        #[test]
        fn uses_a_trait() { make().render_html(); }
        fn write() { check_name(); }
        fn check_name() {}
        fn unrelated() {}
        #[test]
        fn names() { check_name(); }
        #[test]
        fn not_a_part() { unrelated(); }
    "#;

    #[test]
    fn a_test_reaches_what_it_or_its_helpers_name() {
        let bodies = rust(FILE).unwrap();
        assert!(bodies.reach("direct").names.contains("suite_rows"));
        assert!(bodies.reach("through_a_helper").names.contains("measure_fmt"));
        let elsewhere = bodies.reach("elsewhere");
        assert!(elsewhere.names.contains("unrelated"));
        assert!(!elsewhere.names.contains("measure_fmt"), "string literals name nothing");
        assert!(bodies.reach("runs_the_binary").binaries.contains("zerogen"));
        assert!(bodies.reach("elsewhere").binaries.is_empty());
        assert!(bodies.reach("generated").names.contains("inner_call"));
        assert_eq!(bodies.reach("missing"), Reach::default());
        assert!(rust("fn broken( {").is_err());
        assert!(bodies.reaches("a_method", "Metrics"), "a method of the type reaches the type");
        assert!(!bodies.reaches("direct", "Metrics"));
        assert!(bodies.reaches("formats", "Wrapper"), "the type after `for`, generics skipped");
        assert!(bodies.reaches("formats", "Display"), "and the trait before `for`");
        assert!(bodies.reaches("uses_a_trait", "Render"), "a method a trait declares");
        assert!(!bodies.reaches("uses_a_trait", "Metrics"));
        assert!(bodies.reaches("direct", "suite_rows"));
        assert!(bodies.reaches("names", "write"), "a function the source calls is a part of it");
        assert!(!bodies.reaches("not_a_part", "write"), "one it never calls is not");
    }

    #[test]
    fn a_js_test_reaches_what_its_file_names_or_imports() {
        let text = "import { LiveSocket } from '../zero-live.js';\ntest('x', () => applyDiff());";
        assert!(javascript(text, "runtime/client/zero-live.js", "whatever"));
        assert!(javascript(text, "runtime/client/tree.js", "applyDiff"));
        assert!(!javascript(text, "runtime/client/tree.js", "apply"), "whole words only");
        assert!(!javascript(text, "runtime/client/tree.js", "Rendered"));
    }

    #[test]
    fn embedded_files_are_found_as_written() {
        let text = r#"const A: &str = include_str!("../../client/zero-live.js");
            let b = include_bytes!("logo.png"); let c = "include_str!";"#;
        assert_eq!(embeds(text), vec!["../../client/zero-live.js", "logo.png"]);
        assert!(embeds("fn f() {}").is_empty());
    }
}
