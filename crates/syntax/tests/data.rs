//! Lexer and parser snapshot tests, as data.
//!
//! - `test_data/lexer/NAME.nix`: the tokens, one a line, go to `NAME.tokens`, lex errors after.
//! - `test_data/parser/ok/NAME.nix`: must parse without error; the tree goes to `NAME.rast`.
//! - `test_data/parser/err/NAME.nix`: must have syntax errors; tree and errors go to `NAME.rast`.
//!
//! Every case also checks that the tree's text is exactly the input. Run with `UPDATE_EXPECT=1`
//! to write the snapshots after a deliberate change, and review the diff.

use std::fmt::Write;
use std::path::{Path, PathBuf};

use expect_test::expect_file;

fn cases(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases in {}", dir.display());
    files
}

fn render_errors(out: &mut String, src: &str, errors: &[cairn_syntax::SyntaxError]) {
    for e in errors {
        let start = usize::from(e.range.start());
        let end = usize::from(e.range.end());
        let _ = writeln!(
            out,
            "error {start}..{end} {:?} [{}]: {}",
            &src[start..end],
            e.code.as_str(),
            e.message
        );
    }
}

#[test]
fn lexer_snapshots() {
    for path in cases("lexer") {
        let src = std::fs::read_to_string(&path).unwrap();
        let (tokens, errors) = cairn_syntax::lexer::tokenize(&src);
        let mut out = String::new();
        let mut pos = 0;
        for t in &tokens {
            let end = pos + t.len as usize;
            let _ = writeln!(out, "{:?} {:?}", t.kind, &src[pos..end]);
            pos = end;
        }
        assert_eq!(
            pos,
            src.len(),
            "{}: token lengths must add up to the input",
            path.display()
        );
        for e in &errors {
            let _ = writeln!(
                out,
                "error {}..{} {:?} [{}]: {}",
                e.start,
                e.end,
                &src[e.start..e.end],
                e.code.as_str(),
                e.message
            );
        }
        expect_file![path.with_extension("tokens")].assert_eq(&out);
    }
}

fn parser_snapshots(dir: &str, expect_errors: bool) {
    for path in cases(dir) {
        let src = std::fs::read_to_string(&path).unwrap();
        let parse = cairn_syntax::parse(&src);
        let root = parse.syntax_node();
        assert_eq!(
            root.to_string(),
            src,
            "{}: the tree's text must be the input",
            path.display()
        );
        let mut errors = parse.errors().to_vec();
        if errors.is_empty() {
            errors = cairn_syntax::check(&parse.tree(), &|name| {
                matches!(name, "true" | "false" | "null" | "map")
            });
        }
        // Free variables of the `ok` cases are fine: they test syntax, not scoping.
        let syntax_errors: Vec<_> = parse.errors().to_vec();
        if expect_errors {
            assert!(
                !errors.is_empty(),
                "{}: expected errors, found none",
                path.display()
            );
        } else {
            assert!(
                syntax_errors.is_empty(),
                "{}: unexpected errors: {syntax_errors:?}",
                path.display()
            );
        }
        let mut out = cairn_syntax::debug_tree(&root);
        if expect_errors {
            render_errors(&mut out, &src, &errors);
        }
        expect_file![path.with_extension("rast")].assert_eq(&out);
    }
}

#[test]
fn parser_ok_snapshots() {
    parser_snapshots("parser/ok", false);
}

#[test]
fn parser_err_snapshots() {
    parser_snapshots("parser/err", true);
}
