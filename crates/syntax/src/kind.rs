//! `SyntaxKind`: the one list of token and node kinds of the Nix syntax tree.
//!
//! Tokens come first (trivia, keywords, punctuation, operators, literals, string pieces), then
//! nodes. The lexer produces token kinds only; the parser adapter produces node kinds.
//! This file knows nothing about how kinds are produced or what they mean to the evaluator.

#![allow(non_camel_case_types)]

/// Declares `SyntaxKind` and the table of all its values from one list, so the two cannot
/// drift apart.
macro_rules! syntax_kinds {
    ($($(#[$meta:meta])* $name:ident,)*) => {
        /// Every kind of token and node in a Nix syntax tree.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u16)]
        pub enum SyntaxKind {
            $($(#[$meta])* $name,)*
            #[doc(hidden)]
            __LAST,
        }

        /// Every kind, indexed by its discriminant.
        static ALL_KINDS: &[SyntaxKind] = &[$(SyntaxKind::$name,)*];
    };
}

syntax_kinds! {
    // trivia
    WHITESPACE,
    COMMENT,
    /// A byte sequence the lexer cannot place.
    ERROR_TOKEN,

    // keywords
    ASSERT_KW,
    ELSE_KW,
    IF_KW,
    IN_KW,
    INHERIT_KW,
    LET_KW,
    OR_KW,
    REC_KW,
    THEN_KW,
    WITH_KW,

    // punctuation
    L_BRACE,
    R_BRACE,
    L_BRACK,
    R_BRACK,
    L_PAREN,
    R_PAREN,
    SEMICOLON,
    COLON,
    COMMA,
    DOT,
    ELLIPSIS,
    AT,
    QUESTION,
    ASSIGN,

    // operators
    PLUS,
    MINUS,
    STAR,
    SLASH,
    CONCAT,
    UPDATE,
    BANG,
    EQ,
    NOT_EQ,
    LESS,
    LESS_EQ,
    MORE,
    MORE_EQ,
    AND_AND,
    OR_OR,
    IMPLICATION,
    PIPE_INTO,
    PIPE_FROM,

    // literals
    IDENT,
    INT,
    FLOAT,
    URI,
    /// A whole path literal without interpolation: `./a`, `/a/b`, `~/a`.
    PATH,
    /// The first piece of an interpolated path, always followed by `${`: `./a/` in `./a/${b}`.
    PATH_START,
    /// A later piece of an interpolated path: `/c` in `./a/${b}/c`.
    PATH_FRAGMENT,
    /// `<nixpkgs>`
    SEARCH_PATH,

    // strings and interpolation
    /// `"` opening a string
    STRING_START,
    /// `"` closing a string
    STRING_END,
    /// `''` opening an indented string
    IND_STRING_START,
    /// `''` closing an indented string
    IND_STRING_END,
    /// Literal text of a string, escapes included as written.
    STRING_CONTENT,
    /// `${` inside a string or a path
    INTERPOL_START,
    /// `}` closing an `INTERPOL_START`
    INTERPOL_END,
    /// `${` outside strings: a dynamic attribute name
    DYNAMIC_START,
    /// `}` closing a `DYNAMIC_START`
    DYNAMIC_END,

    // nodes
    /// The whole file.
    ROOT,
    /// Input the parser could not place.
    ERROR,

    APPLY,
    ASSERT,
    ATTR_SET,
    BIN_OP,
    HAS_ATTR,
    IF_ELSE,
    LAMBDA,
    LEGACY_LET,
    LET_IN,
    LIST,
    LITERAL,
    PAREN,
    PATH_EXPR,
    SELECT,
    STRING,
    UNARY_OP,
    VAR,
    WITH,

    /// `a.b."c".${d}`
    ATTRPATH,
    /// `attrpath = value;`
    BINDING,
    /// `inherit a b;` or `inherit (e) a b;`
    INHERIT,
    /// The `(e)` of `inherit (e) ...`.
    INHERIT_FROM,
    /// `${e}` as an attribute name
    DYNAMIC,
    /// `${e}` inside a string or path
    INTERPOL,
    /// An identifier that introduces or names something: attribute, argument, formal.
    NAME,
    /// `{ a, b ? 1, ... }` of a lambda
    PATTERN,
    /// `a` or `b ? 1` inside a pattern
    PAT_ENTRY,
    /// `args @` or `@ args` beside a pattern
    PAT_BIND,
    /// The `x` of `x: body`
    PARAM,

}

use SyntaxKind::*;

impl SyntaxKind {
    /// Whitespace and comments: kept in the tree, invisible to the grammar.
    pub fn is_trivia(self) -> bool {
        matches!(self, WHITESPACE | COMMENT)
    }

    /// Whether this kind is a token (a leaf) rather than a node.
    pub fn is_token(self) -> bool {
        (self as u16) < (ROOT as u16)
    }

    /// Whether this token's text is always the same: punctuation and operators.
    pub fn is_punctuation(self) -> bool {
        (L_BRACE as u16..=PIPE_FROM as u16).contains(&(self as u16))
    }

    /// Whether this kind is a keyword.
    pub fn is_keyword(self) -> bool {
        (ASSERT_KW as u16..=WITH_KW as u16).contains(&(self as u16))
    }

    /// How a person would name this token in a message: the literal text in backticks for fixed
    /// tokens, a description for the others.
    pub fn describe(self) -> &'static str {
        match self {
            WHITESPACE => "whitespace",
            COMMENT => "a comment",
            ERROR_TOKEN => "an unknown character",
            ASSERT_KW => "`assert`",
            ELSE_KW => "`else`",
            IF_KW => "`if`",
            IN_KW => "`in`",
            INHERIT_KW => "`inherit`",
            LET_KW => "`let`",
            OR_KW => "`or`",
            REC_KW => "`rec`",
            THEN_KW => "`then`",
            WITH_KW => "`with`",
            L_BRACE => "`{`",
            R_BRACE => "`}`",
            L_BRACK => "`[`",
            R_BRACK => "`]`",
            L_PAREN => "`(`",
            R_PAREN => "`)`",
            SEMICOLON => "`;`",
            COLON => "`:`",
            COMMA => "`,`",
            DOT => "`.`",
            ELLIPSIS => "`...`",
            AT => "`@`",
            QUESTION => "`?`",
            ASSIGN => "`=`",
            PLUS => "`+`",
            MINUS => "`-`",
            STAR => "`*`",
            SLASH => "`/`",
            CONCAT => "`++`",
            UPDATE => "`//`",
            BANG => "`!`",
            EQ => "`==`",
            NOT_EQ => "`!=`",
            LESS => "`<`",
            LESS_EQ => "`<=`",
            MORE => "`>`",
            MORE_EQ => "`>=`",
            AND_AND => "`&&`",
            OR_OR => "`||`",
            IMPLICATION => "`->`",
            PIPE_INTO => "`|>`",
            PIPE_FROM => "`<|`",
            IDENT => "an identifier",
            INT => "an integer",
            FLOAT => "a float",
            URI => "a URI",
            PATH | PATH_START => "a path",
            PATH_FRAGMENT => "a path fragment",
            SEARCH_PATH => "a search path",
            STRING_START => "`\"`",
            STRING_END => "`\"`",
            IND_STRING_START => "`''`",
            IND_STRING_END => "`''`",
            STRING_CONTENT => "string content",
            INTERPOL_START | DYNAMIC_START => "`${`",
            INTERPOL_END | DYNAMIC_END => "`}`",
            _ => "a syntax node",
        }
    }

    pub(crate) fn from_raw(raw: u16) -> SyntaxKind {
        assert!(raw < __LAST as u16, "invalid syntax kind {raw}");
        ALL_KINDS[raw as usize]
    }
}

/// The rowan language of Nix syntax trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NixLanguage {}

impl rowan::Language for NixLanguage {
    type Kind = SyntaxKind;

    fn kind_from_raw(raw: rowan::SyntaxKind) -> SyntaxKind {
        SyntaxKind::from_raw(raw.0)
    }

    fn kind_to_raw(kind: SyntaxKind) -> rowan::SyntaxKind {
        rowan::SyntaxKind(kind as u16)
    }
}

impl From<SyntaxKind> for rowan::SyntaxKind {
    fn from(kind: SyntaxKind) -> Self {
        rowan::SyntaxKind(kind as u16)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_their_discriminant() {
        for raw in 0..__LAST as u16 {
            assert_eq!(SyntaxKind::from_raw(raw) as u16, raw);
        }
    }
}
