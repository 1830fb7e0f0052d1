//! The language cases of `tests/lang`, one named test each, run through the `cairn` binary.
//!
//! - `parse-okay-NAME.nix`: `cairn parse` exits 0 and prints nothing on stderr.
//! - `parse-fail-NAME.nix`: `cairn parse` exits 1; stderr, rendered without colour, equals
//!   `parse-fail-NAME.err.exp` (write it with `UPDATE_EXPECT=1` and review the diff).
//! - `eval-okay-NAME.nix`: `cairn eval` exits 0 and prints `eval-okay-NAME.exp` (the output of
//!   `nix-instantiate --eval --strict`); `NAME.flags` holds extra arguments, if any.
//! - `eval-fail-NAME.nix`: `cairn eval` exits 1 and its stderr equals `eval-fail-NAME.err.exp`:
//!   these are the gallery of error messages.
//!
//! Cases run in their folder with `HOME=/fake-home` and `NIX_PATH` unset; the folder's absolute
//! path is written `/pwd` in expected output, so it does not depend on where the checkout is.
//!
//! A case that does not pass yet goes to `tests/lang/notyetpassing/`, where it must still fail,
//! so a fix is noticed. Every `.nix` file under `examples/` must parse too, and every
//! `default.nix` there must evaluate.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};

fn lang_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/lang")
}

fn cairn_parse(file: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["parse", "--color", "never"])
        .arg(file.file_name().expect("a case is a file"))
        .current_dir(file.parent().expect("a case is in a folder"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("the cairn binary runs")
}

fn cairn_eval(file: &Path) -> std::process::Output {
    let flags = std::fs::read_to_string(file.with_extension("flags")).unwrap_or_default();
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["eval", "--color", "never"])
        .args(flags.split_whitespace())
        .arg(file.file_name().expect("a case is a file"))
        .current_dir(file.parent().expect("a case is in a folder"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("HOME", "/fake-home")
        .env_remove("NIX_PATH")
        .output()
        .expect("the cairn binary runs")
}

fn eval_okay(file: &Path) -> Result<(), Failed> {
    let out = cairn_eval(file);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(0) {
        return Err(format!("expected exit 0, got {:?}\n{stderr}", out.status.code()).into());
    }
    compare(&stdout, &file.with_extension("exp"), false)
}

fn eval_fail(file: &Path) -> Result<(), Failed> {
    let out = cairn_eval(file);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.code() != Some(1) {
        return Err(format!("expected exit 1, got {:?}\n{stderr}", out.status.code()).into());
    }
    compare(&stderr, &file.with_extension("err.exp"), true)
}

/// Compares output with an expectation file; `UPDATE_EXPECT=1` rewrites error snapshots (the
/// expected values of `eval-okay` cases come from Nix and are never rewritten).
fn compare(actual: &str, expected_path: &Path, snapshot: bool) -> Result<(), Failed> {
    let dir = expected_path.parent().expect("a case is in a folder");
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let actual = actual.replace(dir.display().to_string().as_str(), "/pwd");
    let actual = actual.as_str();
    if snapshot && std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(expected_path, actual).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(expected_path)
        .map_err(|e| format!("cannot read {}: {e}", expected_path.display()))?;
    if actual != expected {
        return Err(format!(
            "output differs from {}\n--- expected\n{expected}\n--- actual\n{actual}",
            expected_path.display()
        )
        .into());
    }
    Ok(())
}

fn parse_okay(file: &Path) -> Result<(), Failed> {
    let out = cairn_parse(file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() != Some(0) {
        return Err(format!("expected exit 0, got {:?}\n{stderr}", out.status.code()).into());
    }
    if !stderr.is_empty() {
        return Err(format!("expected nothing on stderr, got\n{stderr}").into());
    }
    Ok(())
}

fn parse_fail(file: &Path) -> Result<(), Failed> {
    let out = cairn_parse(file);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    if out.status.code() != Some(1) {
        return Err(format!("expected exit 1, got {:?}\n{stderr}", out.status.code()).into());
    }
    let expected_path = file.with_extension("err.exp");
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        std::fs::write(&expected_path, &stderr).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).map_err(|e| {
        format!(
            "cannot read {}: {e} (run with UPDATE_EXPECT=1)",
            expected_path.display()
        )
    })?;
    if stderr != expected {
        return Err(format!(
            "stderr differs from {}\n--- expected\n{expected}\n--- actual\n{stderr}",
            expected_path.display()
        )
        .into());
    }
    Ok(())
}

fn trials(dir: &Path, expect_pass: bool) -> Vec<Trial> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable folder").path())
        .filter(|p| p.extension().is_some_and(|e| e == "nix"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|file| {
            let name = file.file_stem()?.to_str()?.to_string();
            let run: fn(&Path) -> Result<(), Failed> = if name.starts_with("parse-okay-") {
                parse_okay
            } else if name.starts_with("parse-fail-") {
                parse_fail
            } else if name.starts_with("eval-okay-") {
                eval_okay
            } else if name.starts_with("eval-fail-") {
                eval_fail
            } else {
                return None;
            };
            let test_name = if expect_pass {
                name
            } else {
                format!("notyetpassing::{name}")
            };
            Some(Trial::test(test_name, move || {
                match (run(&file), expect_pass) {
                    (result, true) => result,
                    (Ok(()), false) => Err("passes now: move it out of notyetpassing/".into()),
                    (Err(_), false) => Ok(()),
                }
            }))
        })
        .collect()
}

/// Every `.nix` file under `dir`, recursively, in a stable order.
fn nix_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries
        .map(|e| e.expect("a readable folder").path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            nix_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "nix") {
            out.push(path);
        }
    }
}

fn example_trials() -> Vec<Trial> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut files = Vec::new();
    nix_files(&root, &mut files);
    assert!(!files.is_empty(), "no examples in {}", root.display());
    files
        .into_iter()
        .map(|file| {
            let name = file
                .strip_prefix(&root)
                .unwrap_or(&file)
                .display()
                .to_string();
            Trial::test(format!("examples::{name}"), move || {
                parse_okay(&file)?;
                // A `default.nix` is an entry point: it must evaluate, deeply.
                if file.file_name().is_some_and(|n| n == "default.nix") {
                    let out = cairn_eval(&file);
                    if out.status.code() != Some(0) {
                        return Err(format!(
                            "`cairn eval` failed:\n{}",
                            String::from_utf8_lossy(&out.stderr)
                        )
                        .into());
                    }
                }
                Ok(())
            })
        })
        .collect()
}

fn main() {
    let args = Arguments::from_args();
    let dir = lang_dir();
    let mut all = trials(&dir, true);
    all.extend(trials(&dir.join("notyetpassing"), false));
    all.extend(example_trials());
    assert!(!all.is_empty(), "no language cases in {}", dir.display());
    libtest_mimic::run(&args, all).exit();
}
