//! The command-line contract of `cairn parse`: inputs, exit codes, output streams.

use std::process::{Command, Output};

fn cairn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
        .expect("the cairn binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_directory_means_its_default_nix() {
    let dir = std::env::temp_dir().join(format!("cairn-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("default.nix"), "{ a = 1; }").unwrap();
    let out = cairn(&["parse", dir.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn an_expression_may_start_with_a_minus() {
    let out = cairn(&["parse", "-E", "-1"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn dump_prints_the_tree_on_stdout_and_nothing_else() {
    let out = cairn(&["parse", "--dump", "-E", "a: a"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).starts_with("ROOT@0..4\n  LAMBDA@0..4\n"),
        "{}",
        text(&out.stdout)
    );
    assert!(out.stderr.is_empty());
}

#[test]
fn errors_go_to_stderr_with_exit_code_1() {
    let out = cairn(&["parse", "--color", "never", "-E", "{ a = ; }"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("unexpected `;`, expected an expression"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "no colour codes with --color never: {stderr:?}"
    );
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let out = cairn(&["parse", "/nonexistent/file.nix"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("could not read `/nonexistent/file.nix`"));
}

#[test]
fn no_input_is_a_usage_error() {
    assert_eq!(cairn(&["parse"]).status.code(), Some(2));
    assert_eq!(cairn(&["parse", "x.nix", "-E", "1"]).status.code(), Some(2));
}

#[test]
fn colour_is_used_only_when_asked_or_on_a_terminal() {
    let always = cairn(&["parse", "--color", "always", "-E", "("]);
    assert!(
        text(&always.stderr).contains('\u{1b}'),
        "colour codes with --color always"
    );
    let auto = cairn(&["parse", "-E", "("]);
    assert!(
        !text(&auto.stderr).contains('\u{1b}'),
        "no colour when stderr is not a terminal"
    );
}
