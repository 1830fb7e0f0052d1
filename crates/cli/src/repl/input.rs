//! What a line of the REPL is: a command, a binding or an expression, and whether it is
//! complete or goes on on the next line.
//!
//! Only the parser decides completeness: an input is unfinished when parsing it stops because
//! the text ended (an open brace, parenthesis or string, a `let` without `in`, a comment not
//! closed). Nothing here evaluates.

use cairn_syntax::SyntaxErrorCode;

/// One complete input of the REPL.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Input<'a> {
    /// Blank, or comments only.
    Empty,
    /// `:name argument`, the argument trimmed.
    Command(&'a str, &'a str),
    /// `name = expr`.
    Binding(&'a str, &'a str),
    Expr(&'a str),
}

/// Whether the argument of the command `name` is an expression, which may go on over several
/// lines.
pub(super) fn takes_expression(name: &str) -> bool {
    matches!(
        name,
        ":a" | ":add" | ":b" | ":build" | ":p" | ":print" | ":t" | ":type"
    )
}

/// Keywords, which are not names a binding can have (`or` is one).
const KEYWORDS: &[&str] = &[
    "assert", "else", "if", "in", "inherit", "let", "rec", "then", "with",
];

pub(super) fn classify(text: &str) -> Input<'_> {
    let trimmed = text.trim();
    if let Some(rest) = trimmed.strip_prefix(':') {
        let end = rest
            .find(char::is_whitespace)
            .map_or(trimmed.len(), |i| i + 1);
        return Input::Command(&trimmed[..end], trimmed[end..].trim());
    }
    if let Some((name, expr)) = binding(text) {
        return Input::Binding(name, expr);
    }
    if only_trivia(text) {
        return Input::Empty;
    }
    Input::Expr(text)
}

/// `name = expr`, as nix repl reads it: a name, then `=` that is not `==`.
fn binding(text: &str) -> Option<(&str, &str)> {
    let eq = text.find('=')?;
    let name = text[..eq].trim();
    let expr = &text[eq + 1..];
    if expr.starts_with('=') || !is_name(name) || KEYWORDS.contains(&name) {
        return None;
    }
    Some((name, expr))
}

/// An identifier of the language: a letter or `_`, then letters, digits, `_`, `'` and `-`.
pub(super) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
}

/// Whether `text` needs more lines: its expression, or its command's expression, ends early.
pub(super) fn is_unfinished(text: &str) -> bool {
    match classify(text) {
        Input::Empty => has_open_comment(text),
        Input::Command(name, arg) => takes_expression(name) && !arg.is_empty() && ends_early(arg),
        // `x =` alone goes on: the value is on the next lines.
        Input::Binding(_, expr) => only_trivia(expr) || ends_early(expr),
        Input::Expr(expr) => ends_early(expr),
    }
}

/// Whether parsing `source` stops because the text ended.
fn ends_early(source: &str) -> bool {
    let parse = cairn_syntax::parse(source);
    parse.errors().first().is_some_and(|e| {
        matches!(
            e.code,
            SyntaxErrorCode::UnexpectedEnd | SyntaxErrorCode::UnterminatedComment
        )
    })
}

/// Whether `text` holds no token but whitespace and comments.
fn only_trivia(text: &str) -> bool {
    cairn_syntax::lexer::tokenize(text)
        .0
        .iter()
        .all(|t| t.kind.is_trivia())
}

/// Whether `text` has a `/*` comment without its `*/`.
fn has_open_comment(text: &str) -> bool {
    cairn_syntax::lexer::tokenize(text)
        .1
        .iter()
        .any(|e| e.code == SyntaxErrorCode::UnterminatedComment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_are_commands_bindings_or_expressions() {
        assert_eq!(classify("  "), Input::Empty);
        assert_eq!(classify("# a comment"), Input::Empty);
        assert_eq!(classify(":q"), Input::Command(":q", ""));
        assert_eq!(classify(" :l  ./x.nix "), Input::Command(":l", "./x.nix"));
        assert_eq!(classify("x = 1"), Input::Binding("x", " 1"));
        assert_eq!(classify("x' = 1"), Input::Binding("x'", " 1"));
        assert_eq!(classify("x == 1"), Input::Expr("x == 1"));
        assert_eq!(classify("{ a = 1; }"), Input::Expr("{ a = 1; }"));
        assert_eq!(classify("let = 1"), Input::Expr("let = 1"));
    }

    #[test]
    fn inputs_that_end_early_go_on() {
        for text in [
            "{ a = 1;",
            "(1 +",
            "\"abc",
            "''abc",
            "let a = 1;",
            "[ 1",
            "x = {",
            "x =",
            ":p { a =",
            "/* a comment",
        ] {
            assert!(is_unfinished(text), "{text:?} goes on");
        }
        for text in [
            "1 + 1",
            "{ a = 1; }",
            "x = 1",
            ":p 1",
            ":p",
            ":l ./x.nix",
            "}",
            "1 1 )",
            "",
            "# done",
        ] {
            assert!(!is_unfinished(text), "{text:?} is complete");
        }
    }
}
