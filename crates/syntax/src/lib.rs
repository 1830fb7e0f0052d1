//! Lossless syntax for the Nix language.
//!
//! `parse` turns source text into a `Parse`: a rowan tree whose text is exactly the input, the
//! typed AST over it (`ast`), and every syntax error found, each with a byte range. Parsing never
//! fails and never panics: broken input gives `ERROR` nodes and errors, not an early return.
//!
//! The pipeline is `lexer` (logos, with a mode stack for strings and paths) → `parser` (the lalrpop
//! grammar in `grammar/nix.lalrpop`, building a plain tree, then one adapter to rowan that puts
//! trivia back) → `ast` (typed views with `Option` accessors) → `check` (the static checks Nix
//! makes at parse time: duplicate attributes and formals, unbound variables).
//!
//! This crate knows nothing of evaluation, the store or I/O.

pub mod ast;
mod check;
mod error;
mod kind;
pub mod lexer;
mod parser;
mod precedence;

use std::marker::PhantomData;
use std::sync::Arc;

pub use check::check;
pub use error::{SyntaxError, SyntaxErrorCode};
pub use kind::{NixLanguage, SyntaxKind};
pub use parser::{MAX_DEPTH, MAX_NESTING};
pub use rowan::{TextRange, TextSize};

/// A node of the concrete syntax tree.
pub type SyntaxNode = rowan::SyntaxNode<NixLanguage>;
/// A token of the concrete syntax tree.
pub type SyntaxToken = rowan::SyntaxToken<NixLanguage>;
/// A node or a token.
pub type SyntaxElement = rowan::SyntaxElement<NixLanguage>;

/// The result of parsing: a tree, always, and the errors found on the way.
#[derive(Debug, Clone)]
pub struct Parse<T> {
    green: rowan::GreenNode,
    errors: Arc<[SyntaxError]>,
    _ty: PhantomData<fn() -> T>,
}

impl<T: ast::AstNode> Parse<T> {
    /// The untyped root node.
    pub fn syntax_node(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    /// The typed root.
    pub fn tree(&self) -> T {
        T::cast(self.syntax_node()).expect("the root has the right kind")
    }

    /// Syntax errors, in source order. Empty when the input is valid syntax.
    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    /// The green tree, for sharing across threads.
    pub fn green(&self) -> &rowan::GreenNode {
        &self.green
    }

    /// `Ok` with the tree when there is no error, else the errors.
    pub fn ok(self) -> Result<T, Arc<[SyntaxError]>> {
        if self.errors.is_empty() {
            Ok(self.tree())
        } else {
            Err(self.errors)
        }
    }
}

/// Parses a Nix file or expression.
pub fn parse(src: &str) -> Parse<ast::Root> {
    let out = parser::parse_text(src);
    Parse {
        green: out.green,
        errors: out.errors.into(),
        _ty: PhantomData,
    }
}

/// Renders a tree one element a line, indented by depth: `KIND@start..end` for nodes and
/// `KIND@start..end "text"` for tokens, as rust-analyzer's syntax tree dumps do.
pub fn debug_tree(node: &SyntaxNode) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let mut depth = 0usize;
    for event in node.preorder_with_tokens() {
        match event {
            rowan::WalkEvent::Enter(element) => {
                let range = element.text_range();
                let _ = write!(
                    out,
                    "{:indent$}{:?}@{:?}",
                    "",
                    element.kind(),
                    range,
                    indent = depth * 2
                );
                if let rowan::NodeOrToken::Token(token) = &element {
                    let _ = write!(out, " {:?}", token.text());
                }
                out.push('\n');
                if element.as_node().is_some() {
                    depth += 1;
                }
            }
            rowan::WalkEvent::Leave(element) => {
                if element.as_node().is_some() {
                    depth -= 1;
                }
            }
        }
    }
    out
}
