//! The `*.html.0x0` template compiler of 0x0 Live.
//!
//! A pipeline of separate stages, each keeping spans: [`lexer`] (source to tokens),
//! [`parser`] (tokens to the [`ast`] tree, with HTML structure checks), [`check`] (Rust
//! expressions, directives, bindings, unsafe constructs, typed components). Every stage
//! records problems and goes on, so all problems of a template are reported at once.
//!
//! This crate knows nothing about axum, clap or the generator: an app's `build.rs` can use it.

pub mod assets;
pub mod ast;
pub mod build;
pub mod check;
pub mod components;
pub mod embed;
pub mod format;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod remap;
pub mod rust_components;
pub mod span;

use zero_diag::{Code, Diagnostic};

pub use components::{AttrDef, AttrType, ComponentDef, Components, RustBinding, SlotDef};
pub use span::{LineIndex, Span};

/// A problem found in a template, before it is given a file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The diagnostic code.
    pub code: Code,
    /// Where.
    pub span: Span,
    /// What is wrong (lowercase fragment).
    pub message: String,
    /// A specific help line (the code's default otherwise).
    pub help: Option<String>,
}

impl Problem {
    /// A problem with the code's default help.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Problem {
        Problem { code, span, message: message.into(), help: None }
    }

    /// Replaces the help line (a quick fix where one exists).
    pub fn with_help(mut self, help: impl Into<String>) -> Problem {
        self.help = Some(help.into());
        self
    }

    /// The diagnostic for this problem in the template `file` whose source is `source`.
    pub fn into_diagnostic(self, file: &str, source: &str, index: &LineIndex) -> Diagnostic {
        let d = Diagnostic::error(self.code, index.location(file, source, self.span), self.message);
        match self.help {
            Some(help) => d.with_help(help),
            None => d,
        }
    }
}

/// The diagnostics of `problems` in the template `file`, sorted.
pub fn diagnostics(file: &str, source: &str, problems: Vec<Problem>) -> Vec<Diagnostic> {
    let index = LineIndex::new(source);
    let mut diagnostics: Vec<Diagnostic> =
        problems.into_iter().map(|p| p.into_diagnostic(file, source, &index)).collect();
    zero_diag::sort(&mut diagnostics);
    diagnostics
}

/// A template that was parsed and checked.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The tree (built even when there are problems, for tooling).
    pub nodes: Vec<ast::Node>,
    /// Every problem, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
}

/// Tokenizes and parses `source`, returning the tree and the structural problems.
pub fn parse(source: &str) -> (Vec<ast::Node>, Vec<Problem>) {
    let lexed = lexer::lex_all(source);
    let mut problems = lexed.problems;
    let nodes = parser::parse(lexed.tokens, lexed.truncated, &mut problems);
    (nodes, problems)
}

/// Parses and checks the template `source` (named `file` in diagnostics) against the
/// components in scope.
pub fn check(file: &str, source: &str, components: &Components) -> Checked {
    let (nodes, mut problems) = parse(source);
    check::check(source, &nodes, components, &mut problems);
    let diagnostics = diagnostics(file, source, problems);
    Checked { nodes, diagnostics }
}
