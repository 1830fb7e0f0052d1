//! Checks the lossless property on files outside the project: for every `.nix` file under the
//! given paths, the syntax tree's text must be the file, byte for byte. Prints a summary and
//! exits 1 if any file differs:
//! `cargo run --release -p cairn-syntax --example roundtrip -- DIR_OR_FILE...`.

use std::path::{Path, PathBuf};

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return;
        };
        let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        children.sort();
        for child in children {
            collect(&child, out);
        }
    } else if path.extension().is_some_and(|e| e == "nix") {
        out.push(path.to_path_buf());
    }
}

fn main() {
    let mut files = Vec::new();
    for arg in std::env::args().skip(1) {
        collect(Path::new(&arg), &mut files);
    }
    let (mut same, mut differ, mut with_errors, mut not_text) = (0, 0, 0, 0);
    for file in &files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        let Ok(src) = String::from_utf8(bytes) else {
            not_text += 1;
            continue;
        };
        let parse = cairn_syntax::parse(&src);
        if parse.syntax_node().to_string() == src {
            same += 1;
        } else {
            differ += 1;
            println!("DIFFERS {}", file.display());
        }
        if !parse.errors().is_empty() {
            with_errors += 1;
        }
    }
    println!(
        "{} files: {same} round-trip exactly, {differ} differ; {with_errors} have syntax errors; {not_text} are not UTF-8",
        files.len()
    );
    std::process::exit(i32::from(differ > 0));
}
