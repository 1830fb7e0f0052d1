//! The lexer: source text to a complete, lossless list of tokens.
//!
//! Outside strings, a logos DFA recognises tokens by Nix's own regular expressions (longest match,
//! keywords before identifiers). Nix's lexer is modal, so a small stack of modes sits on top:
//! `"..."` strings, `''...''` indented strings, interpolated paths, and the brace kinds that
//! decide what a `}` closes. Inside strings the scanner is hand-written, following Nix's rules for
//! `$`, `\` and `''` escapes byte for byte.
//!
//! The lexer never fails: a byte it cannot place becomes an `ERROR_TOKEN` and lexing goes on.
//! Problems that Nix reports at lexing time (a trailing slash in a path, an unterminated comment,
//! an integer that does not fit in 64 bits) are returned beside the tokens. It does not interpret
//! escapes or the values of numbers: that is the AST's and the evaluator's job.

use logos::Logos;

use crate::SyntaxKind::{self, *};
use crate::error::SyntaxErrorCode;

/// One token: its kind and its length in bytes. Offsets follow from the lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: SyntaxKind,
    pub len: u32,
}

/// A problem found while lexing, with the byte range it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub code: SyntaxErrorCode,
    pub start: usize,
    pub end: usize,
    pub message: String,
}

/// Tokens of Nix outside strings, as Nix's flex lexer defines them.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
enum Raw {
    #[regex(r"[ \t\r\n]+")]
    Whitespace,
    #[regex(r"#[^\r\n]*", allow_greedy = true)]
    LineComment,
    #[token("/*")]
    BlockCommentStart,

    #[token("assert")]
    Assert,
    #[token("else")]
    Else,
    #[token("if")]
    If,
    #[token("in")]
    In,
    #[token("inherit")]
    Inherit,
    #[token("let")]
    Let,
    #[token("or")]
    Or,
    #[token("rec")]
    Rec,
    #[token("then")]
    Then,
    #[token("with")]
    With,

    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBrack,
    #[token("]")]
    RBrack,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token(";")]
    Semicolon,
    #[token(":")]
    Colon,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token("...")]
    Ellipsis,
    #[token("@")]
    At,
    #[token("?")]
    Question,
    #[token("=")]
    Assign,
    #[token("${")]
    DollarCurly,
    #[token("\"")]
    Quote,
    #[token("''")]
    IndQuote,

    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("++")]
    Concat,
    #[token("//")]
    Update,
    #[token("!")]
    Bang,
    #[token("==")]
    Eq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Less,
    #[token("<=")]
    LessEq,
    #[token(">")]
    More,
    #[token(">=")]
    MoreEq,
    #[token("&&")]
    AndAnd,
    #[token("||")]
    OrOr,
    #[token("->")]
    Implication,
    #[token("|>")]
    PipeInto,
    #[token("<|")]
    PipeFrom,

    #[regex(r"[a-zA-Z_][a-zA-Z0-9_'\-]*")]
    Ident,
    #[regex(r"[0-9]+")]
    Int,
    #[regex(r"(([1-9][0-9]*\.[0-9]*)|(0?\.[0-9]+))([Ee][+\-]?[0-9]+)?")]
    Float,
    #[regex(r"[a-zA-Z0-9._\-+]*(/[a-zA-Z0-9._\-+]+)+/?")]
    Path,
    #[regex(r"~(/[a-zA-Z0-9._\-+]+)+/?")]
    HomePath,
    /// A path prefix directly followed by `${`: `./a/${`, `~/${`.
    #[regex(r"[a-zA-Z0-9._\-+]*/\$\{")]
    #[regex(r"~/\$\{")]
    PathInterpolStart,
    #[regex(r"<[a-zA-Z0-9._\-+]+(/[a-zA-Z0-9._\-+]+)*>")]
    SearchPath,
    #[regex(r"[a-zA-Z][a-zA-Z0-9+\-.]*:[a-zA-Z0-9%/?:@&=+$,\-_.!~*']+")]
    Uri,
}

fn raw_kind(raw: Raw) -> SyntaxKind {
    match raw {
        Raw::Whitespace => WHITESPACE,
        Raw::LineComment | Raw::BlockCommentStart => COMMENT,
        Raw::Assert => ASSERT_KW,
        Raw::Else => ELSE_KW,
        Raw::If => IF_KW,
        Raw::In => IN_KW,
        Raw::Inherit => INHERIT_KW,
        Raw::Let => LET_KW,
        Raw::Or => OR_KW,
        Raw::Rec => REC_KW,
        Raw::Then => THEN_KW,
        Raw::With => WITH_KW,
        Raw::LBrace => L_BRACE,
        Raw::RBrace => R_BRACE,
        Raw::LBrack => L_BRACK,
        Raw::RBrack => R_BRACK,
        Raw::LParen => L_PAREN,
        Raw::RParen => R_PAREN,
        Raw::Semicolon => SEMICOLON,
        Raw::Colon => COLON,
        Raw::Comma => COMMA,
        Raw::Dot => DOT,
        Raw::Ellipsis => ELLIPSIS,
        Raw::At => AT,
        Raw::Question => QUESTION,
        Raw::Assign => ASSIGN,
        Raw::DollarCurly => DYNAMIC_START,
        Raw::Quote => STRING_START,
        Raw::IndQuote => IND_STRING_START,
        Raw::Plus => PLUS,
        Raw::Minus => MINUS,
        Raw::Star => STAR,
        Raw::Slash => SLASH,
        Raw::Concat => CONCAT,
        Raw::Update => UPDATE,
        Raw::Bang => BANG,
        Raw::Eq => EQ,
        Raw::NotEq => NOT_EQ,
        Raw::Less => LESS,
        Raw::LessEq => LESS_EQ,
        Raw::More => MORE,
        Raw::MoreEq => MORE_EQ,
        Raw::AndAnd => AND_AND,
        Raw::OrOr => OR_OR,
        Raw::Implication => IMPLICATION,
        Raw::PipeInto => PIPE_INTO,
        Raw::PipeFrom => PIPE_FROM,
        Raw::Ident => IDENT,
        Raw::Int => INT,
        Raw::Float => FLOAT,
        Raw::Path | Raw::HomePath => PATH,
        Raw::PathInterpolStart => PATH_START,
        Raw::SearchPath => SEARCH_PATH,
        Raw::Uri => URI,
    }
}

/// What the innermost open construct is, which decides how the next bytes are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Ordinary code. `closer` is what a `}` ends here: a brace, a dynamic attribute, an
    /// interpolation; `None` at the top level.
    Code { closer: Option<SyntaxKind> },
    /// Inside `"..."`.
    Str,
    /// Inside `''...''`.
    IndStr,
    /// Inside an interpolated path, after a piece or an interpolation.
    Path,
}

fn is_path_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'+')
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    modes: Vec<Mode>,
    tokens: Vec<Token>,
    errors: Vec<LexError>,
}

/// Splits `src` into tokens whose lengths add up to `src.len()`.
pub fn tokenize(src: &str) -> (Vec<Token>, Vec<LexError>) {
    let mut lexer = Lexer {
        src,
        pos: 0,
        modes: vec![Mode::Code { closer: None }],
        tokens: Vec::with_capacity(src.len() / 3),
        errors: Vec::new(),
    };
    lexer.run();
    (lexer.tokens, lexer.errors)
}

impl<'a> Lexer<'a> {
    fn push(&mut self, kind: SyntaxKind, len: usize) {
        debug_assert!(len > 0);
        self.tokens.push(Token {
            kind,
            len: len as u32,
        });
        self.pos += len;
    }

    fn error(
        &mut self,
        code: SyntaxErrorCode,
        start: usize,
        end: usize,
        message: impl Into<String>,
    ) {
        self.errors.push(LexError {
            code,
            start,
            end,
            message: message.into(),
        });
    }

    fn rest(&self) -> &'a [u8] {
        &self.src.as_bytes()[self.pos..]
    }

    fn run(&mut self) {
        while self.pos < self.src.len() {
            match *self.modes.last().expect("the mode stack is never empty") {
                Mode::Code { .. } => self.code(),
                Mode::Str => self.string(),
                Mode::IndStr => self.ind_string(),
                Mode::Path => self.path(),
            }
        }
        if let Some(Mode::Path) = self.modes.last() {
            self.end_path();
        }
    }

    /// Lexes code until the mode changes or the input ends.
    fn code(&mut self) {
        let start = self.pos;
        let mut lex = Raw::lexer(&self.src[start..]);
        while let Some(result) = lex.next() {
            let span = lex.span();
            let tok_start = start + span.start;
            debug_assert_eq!(tok_start, self.pos);
            let len = span.len();
            let Ok(raw) = result else {
                let consumed = self.error_token(len);
                if consumed > len {
                    lex.bump(consumed - len);
                }
                continue;
            };
            match raw {
                Raw::BlockCommentStart => {
                    let len = self.block_comment();
                    lex.bump(len - 2);
                }
                Raw::LBrace => {
                    self.push(L_BRACE, 1);
                    self.modes.push(Mode::Code {
                        closer: Some(R_BRACE),
                    });
                }
                Raw::DollarCurly => {
                    self.push(DYNAMIC_START, 2);
                    self.modes.push(Mode::Code {
                        closer: Some(DYNAMIC_END),
                    });
                }
                Raw::RBrace => match *self.modes.last().unwrap() {
                    Mode::Code {
                        closer: Some(closer),
                    } => {
                        self.modes.pop();
                        self.push(closer, 1);
                        if closer == INTERPOL_END {
                            // Back in a string or path: leave the DFA.
                            return;
                        }
                    }
                    _ => self.push(R_BRACE, 1),
                },
                Raw::Quote => {
                    self.push(STRING_START, 1);
                    self.modes.push(Mode::Str);
                    return;
                }
                Raw::IndQuote => {
                    self.push(IND_STRING_START, 2);
                    self.modes.push(Mode::IndStr);
                    return;
                }
                Raw::PathInterpolStart => {
                    self.push(PATH_START, len - 2);
                    self.modes.push(Mode::Path);
                    return;
                }
                Raw::Path | Raw::HomePath => {
                    if self.src.as_bytes()[tok_start + len..].starts_with(b"${") {
                        self.push(PATH_START, len);
                        self.modes.push(Mode::Path);
                        return;
                    }
                    if self.src.as_bytes()[tok_start + len - 1] == b'/' {
                        self.error(
                            SyntaxErrorCode::TrailingSlash,
                            tok_start,
                            tok_start + len,
                            "path has a trailing slash",
                        );
                    }
                    self.push(PATH, len);
                }
                Raw::Int => {
                    if self.src[tok_start..tok_start + len].parse::<i64>().is_err() {
                        self.error(
                            SyntaxErrorCode::IntegerOutOfRange,
                            tok_start,
                            tok_start + len,
                            "integer is out of range: cairn and Nix use 64-bit integers",
                        );
                    }
                    self.push(INT, len);
                }
                _ => self.push(raw_kind(raw), len),
            }
        }
    }

    /// A byte sequence no rule matches, `len` bytes as the DFA saw it. The token is widened to a
    /// character boundary, and a run of such characters makes one token and one error. Returns
    /// how many bytes were consumed.
    fn error_token(&mut self, len: usize) -> usize {
        let start = self.pos;
        let mut end = start + len.max(1);
        while !self.src.is_char_boundary(end) {
            end += 1;
        }
        let consumed = end - start;
        if let (Some(last), Some(err)) = (self.tokens.last_mut(), self.errors.last_mut())
            && last.kind == ERROR_TOKEN
            && err.end == start
        {
            last.len += consumed as u32;
            err.end = end;
            let run: String = self.src[err.start..end].chars().take(20).collect();
            err.message = format!("unexpected characters {run:?}");
            self.pos = end;
            return consumed;
        }
        let ch = self.src[start..end].chars().next().unwrap_or('?');
        let message = if ch.is_control() || ch.is_whitespace() || ch == '`' {
            format!("unexpected character {:?}", ch)
        } else {
            format!("unexpected character `{ch}`")
        };
        self.error(SyntaxErrorCode::UnknownCharacter, start, end, message);
        self.push(ERROR_TOKEN, consumed);
        consumed
    }

    /// `/* ... */`, starting at `self.pos`; returns its length. An unterminated comment runs to
    /// the end of the input and is reported.
    fn block_comment(&mut self) -> usize {
        let start = self.pos;
        let body = &self.src[start + 2..];
        match body.find("*/") {
            Some(i) => {
                let len = i + 4;
                self.push(COMMENT, len);
                len
            }
            None => {
                let len = self.src.len() - start;
                self.error(
                    SyntaxErrorCode::UnterminatedComment,
                    start,
                    start + 2,
                    "unterminated comment",
                );
                self.push(COMMENT, len);
                len
            }
        }
    }

    fn open_interpolation(&mut self) {
        self.push(INTERPOL_START, 2);
        self.modes.push(Mode::Code {
            closer: Some(INTERPOL_END),
        });
    }

    /// Inside `"..."`: Nix's rules are that `\` escapes any byte, `${` opens an interpolation,
    /// and `$` followed by anything but `{`, `"` or `\` is taken as a pair (so `$${` is text).
    fn string(&mut self) {
        let rest = self.rest();
        match rest {
            [b'"', ..] => {
                self.push(STRING_END, 1);
                self.modes.pop();
                return;
            }
            [b'$', b'{', ..] => {
                self.open_interpolation();
                return;
            }
            _ => {}
        }
        let mut i = 0;
        while i < rest.len() {
            match rest[i] {
                b'"' => break,
                b'\\' => i += 2,
                b'$' => match rest.get(i + 1) {
                    Some(b'{') => break,
                    Some(b'"') | None => i += 1,
                    Some(b'\\') => i += 3,
                    Some(_) => i += 2,
                },
                _ => i += 1,
            }
        }
        let len = i.min(rest.len());
        self.push_content(len);
    }

    /// Pushes `len` bytes of string content, extended to a character boundary.
    fn push_content(&mut self, len: usize) {
        let mut end = self.pos + len;
        while !self.src.is_char_boundary(end) {
            end += 1;
        }
        self.push(STRING_CONTENT, end - self.pos);
    }

    /// Inside `''...''`: `''$`, `'''` and `''\x` are escapes and stay in the content; any other
    /// `''` closes the string; `${` opens an interpolation; `$` followed by anything but `{` or
    /// `'` is taken as a pair.
    fn ind_string(&mut self) {
        let rest = self.rest();
        match rest {
            [b'\'', b'\'', b'$' | b'\'' | b'\\', ..] => {}
            [b'\'', b'\'', ..] => {
                self.push(IND_STRING_END, 2);
                self.modes.pop();
                return;
            }
            [b'$', b'{', ..] => {
                self.open_interpolation();
                return;
            }
            _ => {}
        }
        let mut i = 0;
        while i < rest.len() {
            match rest[i] {
                b'\'' => match rest.get(i + 1) {
                    Some(b'\'') => match rest.get(i + 2) {
                        Some(b'$' | b'\'') => i += 3,
                        Some(b'\\') => i += 4,
                        _ => break,
                    },
                    _ => i += 1,
                },
                b'$' => match rest.get(i + 1) {
                    Some(b'{') => break,
                    Some(b'\'') | None => i += 1,
                    Some(_) => i += 2,
                },
                _ => i += 1,
            }
        }
        let len = i.min(rest.len());
        self.push_content(len);
    }

    /// Inside an interpolated path: more `${...}` or more path characters, else the path ends.
    fn path(&mut self) {
        let rest = self.rest();
        if rest.starts_with(b"${") {
            self.open_interpolation();
            return;
        }
        let len = rest
            .iter()
            .take_while(|&&b| is_path_char(b) || b == b'/')
            .count();
        if len > 0 {
            self.push(PATH_FRAGMENT, len);
        } else {
            self.end_path();
        }
    }

    fn end_path(&mut self) {
        self.modes.pop();
        let Some(last) = self.tokens.last() else {
            return;
        };
        if last.kind == PATH_FRAGMENT && self.src.as_bytes()[self.pos - 1] == b'/' {
            let start = self.pos - last.len as usize;
            self.error(
                SyntaxErrorCode::TrailingSlash,
                start,
                self.pos,
                "path has a trailing slash",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(SyntaxKind, &str)> {
        let (tokens, _) = tokenize(src);
        let mut pos = 0;
        tokens
            .into_iter()
            .map(|t| {
                let text = &src[pos..pos + t.len as usize];
                pos += t.len as usize;
                (t.kind, text)
            })
            .filter(|(k, _)| *k != WHITESPACE)
            .collect()
    }

    #[test]
    fn floats_follow_nix_not_c() {
        assert_eq!(
            kinds("1.5 .5 1.5e-3 1."),
            [
                (FLOAT, "1.5"),
                (FLOAT, ".5"),
                (FLOAT, "1.5e-3"),
                (FLOAT, "1.")
            ]
        );
        // `1e3` is no float in Nix: an integer applied to `e3`.
        assert_eq!(kinds("1e3"), [(INT, "1"), (IDENT, "e3")]);
        assert_eq!(kinds("1.5e"), [(FLOAT, "1.5"), (IDENT, "e")]);
    }

    #[test]
    fn paths_uris_and_operators_are_told_apart() {
        assert_eq!(kinds("1/2"), [(PATH, "1/2")]);
        assert_eq!(
            kinds("a // b"),
            [(IDENT, "a"), (UPDATE, "//"), (IDENT, "b")]
        );
        assert_eq!(kinds("a/*c*/"), [(IDENT, "a"), (COMMENT, "/*c*/")]);
        assert_eq!(kinds("x:x"), [(URI, "x:x")]);
        assert_eq!(kinds("x: x"), [(IDENT, "x"), (COLON, ":"), (IDENT, "x")]);
        assert_eq!(
            kinds("<nixpkgs/lib> a<b"),
            [
                (SEARCH_PATH, "<nixpkgs/lib>"),
                (IDENT, "a"),
                (LESS, "<"),
                (IDENT, "b")
            ]
        );
    }

    #[test]
    fn interpolated_paths_are_pieces() {
        assert_eq!(
            kinds("./a/${b}/c d"),
            [
                (PATH_START, "./a/"),
                (INTERPOL_START, "${"),
                (IDENT, "b"),
                (INTERPOL_END, "}"),
                (PATH_FRAGMENT, "/c"),
                (IDENT, "d"),
            ]
        );
        assert_eq!(
            kinds("~/${x}"),
            [
                (PATH_START, "~/"),
                (INTERPOL_START, "${"),
                (IDENT, "x"),
                (INTERPOL_END, "}"),
            ]
        );
    }

    #[test]
    fn dollar_pairs_in_strings_are_text() {
        assert_eq!(
            kinds(r#""$${x}""#),
            [
                (STRING_START, "\""),
                (STRING_CONTENT, "$${x}"),
                (STRING_END, "\"")
            ]
        );
        assert_eq!(
            kinds("''a''$b'''c''"),
            [
                (IND_STRING_START, "''"),
                (STRING_CONTENT, "a''$b'''c"),
                (IND_STRING_END, "''")
            ]
        );
    }

    #[test]
    fn braces_close_what_they_opened() {
        assert_eq!(
            kinds(r#""${ { a = "${b}"; } }""#)
                .iter()
                .map(|k| k.0)
                .collect::<Vec<_>>(),
            [
                STRING_START,
                INTERPOL_START,
                L_BRACE,
                IDENT,
                ASSIGN,
                STRING_START,
                INTERPOL_START,
                IDENT,
                INTERPOL_END,
                STRING_END,
                SEMICOLON,
                R_BRACE,
                INTERPOL_END,
                STRING_END
            ]
        );
    }

    #[test]
    fn unknown_bytes_become_error_tokens() {
        let (tokens, errors) = tokenize("a ` é");
        assert_eq!(
            tokens.iter().map(|t| t.kind).collect::<Vec<_>>(),
            [IDENT, WHITESPACE, ERROR_TOKEN, WHITESPACE, ERROR_TOKEN]
        );
        assert_eq!(errors.len(), 2);
        assert_eq!(tokens[4].len, 2);
    }
}
