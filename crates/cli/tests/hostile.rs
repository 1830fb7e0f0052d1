//! Hostile input through the `cairn` binary: whatever the input, `cairn parse` ends with exit
//! code 0 or 1 and a readable message, never a panic, a crash or a flood of output.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn parse_stdin(input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["parse", "--color", "never", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the cairn binary runs");
    let mut stdin = child.stdin.take().expect("a piped stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("cairn finishes");
    writer.join().expect("the input is written");
    output
}

fn assert_rejected(output: &Output, phrase: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(1),
        "exit code, stderr:\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "a panic:\n{stderr}");
    assert!(stderr.contains(phrase), "`{phrase}` not in:\n{stderr}");
    assert!(
        stderr.len() < 64 * 1024,
        "{} bytes of diagnostics",
        stderr.len()
    );
}

#[test]
fn an_error_far_along_a_long_line_is_shown_clipped() {
    let src = format!("[ {} ) ]", "1 ".repeat(100_000));
    let output = parse_stdin(src.as_bytes());
    assert_rejected(&output, "unexpected `)`");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(":1:200004]"),
        "the column of the error"
    );
}

#[test]
fn a_duplicate_far_from_its_first_definition_on_one_line_says_where() {
    let middle: String = (0..20_000).map(|i| format!("b{i} = 2; ")).collect();
    let src = format!("{{ a = 1; {middle}a = 3; }}");
    let output = parse_stdin(src.as_bytes());
    assert_rejected(&output, "first defined here: line 1, column 3");
}

#[test]
fn thousands_of_errors_are_counted_not_all_drawn() {
    let src = "{ ".to_string() + &"a = ; ".repeat(5_000) + "}";
    let output = parse_stdin(src.as_bytes());
    assert_rejected(&output, "more errors not shown");
}

#[test]
fn deep_nesting_is_refused_with_a_message() {
    let src = "[".repeat(100_000);
    assert_rejected(&parse_stdin(src.as_bytes()), "nested more than");
}

#[test]
fn binary_input_is_refused_as_not_utf8() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    assert_rejected(&parse_stdin(&bytes), "is not UTF-8 text");
}

#[test]
fn control_characters_make_one_error_per_run() {
    let output = parse_stdin(b"{ a = 1; }\x01\x02\x03\x04");
    assert_rejected(&output, r#"unexpected characters "\u{1}\u{2}\u{3}\u{4}""#);
}

#[test]
fn a_chain_too_deep_for_the_tree_is_refused_at_its_start() {
    let src = vec!["x"; 12_000].join(" +\n");
    let output = parse_stdin(src.as_bytes());
    assert_rejected(&output, "nested more than 10000 levels deep");
    assert!(String::from_utf8_lossy(&output.stderr).contains("«stdin»:1:1]"));
}
