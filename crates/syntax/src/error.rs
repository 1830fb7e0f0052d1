//! `SyntaxError`: what the parser and the static checks report, with a stable code per kind of
//! problem, so tools can match on the code and leave the wording free to improve.
//!
//! Rendering (snippets, colours) is not done here: the command line does it with miette.

use rowan::TextRange;

/// A syntax error: a message, the byte range it is about, and what kind of problem it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    pub code: SyntaxErrorCode,
    pub range: TextRange,
    pub message: String,
    /// Another place the message refers to, with its label (the first definition of a
    /// duplicate attribute, say).
    pub related: Option<(TextRange, String)>,
}

/// The kinds of syntax error, each with a stable name (`SyntaxErrorCode::as_str`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SyntaxErrorCode {
    /// A token the grammar does not allow where it stands.
    UnexpectedToken,
    /// The input ends inside a construct.
    UnexpectedEnd,
    /// Characters that start no token.
    UnknownCharacter,
    /// `/*` without `*/`.
    UnterminatedComment,
    /// A path ending in `/`.
    TrailingSlash,
    /// An integer literal that does not fit in 64 bits.
    IntegerOutOfRange,
    /// Input nested past the parser's limits.
    NestedTooDeep,
    /// A non-associative operator used twice in a row, such as `a == b == c`.
    ChainedOperator,
    /// `|>` and `<|` in one run without parentheses.
    MixedPipes,
    /// An attribute defined twice in one set.
    DuplicateAttribute,
    /// A function argument named twice in one pattern.
    DuplicateFormal,
    /// A dynamic attribute where only static names are allowed (`let`, `inherit`).
    DynamicAttribute,
    /// A variable bound nowhere, with no `with` around it.
    UndefinedVariable,
}

impl SyntaxErrorCode {
    /// The stable name of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            SyntaxErrorCode::UnexpectedToken => "unexpected-token",
            SyntaxErrorCode::UnexpectedEnd => "unexpected-end",
            SyntaxErrorCode::UnknownCharacter => "unknown-character",
            SyntaxErrorCode::UnterminatedComment => "unterminated-comment",
            SyntaxErrorCode::TrailingSlash => "trailing-slash",
            SyntaxErrorCode::IntegerOutOfRange => "integer-out-of-range",
            SyntaxErrorCode::NestedTooDeep => "nested-too-deep",
            SyntaxErrorCode::ChainedOperator => "chained-operator",
            SyntaxErrorCode::MixedPipes => "mixed-pipes",
            SyntaxErrorCode::DuplicateAttribute => "duplicate-attribute",
            SyntaxErrorCode::DuplicateFormal => "duplicate-formal",
            SyntaxErrorCode::DynamicAttribute => "dynamic-attribute",
            SyntaxErrorCode::UndefinedVariable => "undefined-variable",
        }
    }

    /// Whether the grammar itself rejects the input (as opposed to the static checks).
    pub fn is_grammatical(self) -> bool {
        !matches!(
            self,
            SyntaxErrorCode::DuplicateAttribute
                | SyntaxErrorCode::DuplicateFormal
                | SyntaxErrorCode::DynamicAttribute
                | SyntaxErrorCode::UndefinedVariable
        )
    }
}
