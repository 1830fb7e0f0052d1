//! Bundles the standard library (`stdlib/`, in the Nix language) into the binary: every file,
//! with its path and whether it is executable, in `$OUT_DIR/stdlib.rs`.

use std::fmt::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.join("../../stdlib");
    let root = root.canonicalize().expect("the workspace has stdlib/");
    println!("cargo::rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("pub(crate) static FILES: &[(&str, &[u8], bool)] = &[\n");
    for (rel, abs, exec) in files {
        writeln!(out, "    ({rel:?}, include_bytes!({abs:?}), {exec}),").expect("string");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("stdlib.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String, bool)>) {
    for entry in std::fs::read_dir(dir).expect("stdlib/ is readable") {
        let entry = entry.expect("stdlib/ is readable");
        let path = entry.path();
        let meta = entry.metadata().expect("stdlib/ is readable");
        if meta.is_dir() {
            // The library's own tests run from the repository; they are not part of it.
            if dir == root && entry.file_name() == "tests" {
                continue;
            }
            collect(root, &path, files);
        } else if meta.is_file() {
            let rel = path.strip_prefix(root).expect("below the root");
            files.push((
                rel.to_string_lossy().into_owned(),
                path.to_string_lossy().into_owned(),
                meta.permissions().mode() & 0o111 != 0,
            ));
        }
    }
}
