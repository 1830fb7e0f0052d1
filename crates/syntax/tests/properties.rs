//! Property tests: the tree's text is the input, for any input; parsing never panics; error
//! ranges lie on character boundaries inside the input; valid expressions parse without error.

use proptest::prelude::*;

mod common;

fn assert_lossless(src: &str) {
    let parse = cairn_syntax::parse(src);
    assert_eq!(parse.syntax_node().to_string(), src);
    for e in parse.errors() {
        let (start, end) = (usize::from(e.range.start()), usize::from(e.range.end()));
        assert!(
            start <= end && end <= src.len(),
            "error range {start}..{end} outside the input"
        );
        assert!(src.is_char_boundary(start) && src.is_char_boundary(end));
    }
    let _ = cairn_syntax::check(&parse.tree(), &|_| false);
}

/// Pieces only cairn reads (the pipe operators) or that no Nix lexer places.
const EXTRA_FRAGMENTS: &[&str] = &["|>", "<|", "/*", "é", "`", "\t", "''\\"];

fn soup() -> impl Strategy<Value = String> {
    let fragments: Vec<&'static str> = common::FRAGMENTS
        .iter()
        .chain(EXTRA_FRAGMENTS)
        .copied()
        .collect();
    prop::collection::vec(prop::sample::select(fragments), 0..60).prop_map(|parts| {
        // Glue some fragments together and separate others, so both lexings happen.
        parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                if i % 3 == 0 {
                    format!("{p} ")
                } else {
                    p.to_string()
                }
            })
            .collect()
    })
}

/// Valid operator-level expressions over the variables `a`, `b`, `c`.
fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("c".to_string()),
        Just("1".to_string()),
        Just("\"s${a}\"".to_string()),
        Just("./p/${b}".to_string()),
        Just("{ x = a; }".to_string()),
    ];
    leaf.prop_recursive(5, 64, 3, |inner| {
        prop_oneof![
            (inner.clone(), prop::sample::select(BINARY), inner.clone())
                .prop_map(|(l, o, r)| format!("{l} {o} {r}")),
            (prop::sample::select(&["!", "-"][..]), inner.clone())
                .prop_map(|(o, e)| format!("{o}{e}")),
            inner.clone().prop_map(|e| format!("({e})")),
            (inner.clone(), inner.clone()).prop_map(|(f, x)| format!("({f}) ({x})")),
            inner.clone().prop_map(|e| format!("({e}) ? x.y")),
            inner.clone().prop_map(|e| format!("[ ({e}) ]")),
            // These extend as far as they can, so as operands they need parentheses.
            (inner.clone(), inner.clone()).prop_map(|(c, e)| format!("(if {c} then {e} else {e})")),
            inner.clone().prop_map(|e| format!("(let v = {e}; in v)")),
            inner.clone().prop_map(|e| format!("(x: {e})")),
        ]
    })
}

/// Binary operators that chain (the non-associative ones are exercised elsewhere).
const BINARY: &[&str] = &["+", "-", "*", "/", "++", "//", "&&", "||", "->", "|>"];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn any_string_round_trips(src in "\\PC*") {
        assert_lossless(&src);
    }

    #[test]
    fn any_bytes_as_text_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        assert_lossless(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soup_round_trips(src in soup()) {
        assert_lossless(&src);
    }

    #[test]
    fn valid_expressions_parse_cleanly(src in expr()) {
        let parse = cairn_syntax::parse(&src);
        prop_assert_eq!(parse.syntax_node().to_string(), src.clone());
        prop_assert!(parse.errors().is_empty(), "{src}: {:?}", parse.errors());
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    // Run where the stack is as small as a test thread's: the parser must not depend on it.
    let src = "(".repeat(200_000) + &")".repeat(200_000);
    let result = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let parse = cairn_syntax::parse(&src);
            (parse.syntax_node().to_string() == src, parse.errors().len())
        })
        .unwrap()
        .join()
        .expect("parsing deep input does not crash");
    assert!(result.0, "the tree's text is the input");
    assert!(result.1 > 0, "nesting this deep is reported");
}
