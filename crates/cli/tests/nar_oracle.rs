//! Differential tests of the store against real Nix: trees with every kind of entry and awkward
//! names are added by `cairn store add` / `add-fixed` and by `nix-store --add` / `--add-fixed`
//! (same store paths), serialised by `cairn store dump` and `nix-store --dump` (same NAR
//! bytes), and described by `cairn store path-info --json` and `nix path-info --json` (same NAR
//! hash and size).
//!
//! Nix (Debian's `nix-bin`) must be installed and able to write its store (as root): where it
//! is not, the tests say loudly that they were skipped, and pass.

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether Nix can be the oracle here; prints why not when it cannot.
fn nix_available(dir: &Path) -> bool {
    let probe = dir.join("probe");
    std::fs::write(&probe, "probe").unwrap();
    match Command::new("nix-store").arg("--add").arg(&probe).output() {
        Ok(out) if out.status.success() => true,
        Ok(out) => {
            eprintln!(
                "\n*** SKIPPED: nix-store cannot add to its store here ({}); \
                 the store is not compared with Nix ***\n",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            false
        }
        Err(e) => {
            eprintln!(
                "\n*** SKIPPED: nix-store is not installed ({e}); install Debian's nix-bin \
                 (scripts/test.sh does) to compare the store with Nix ***\n"
            );
            false
        }
    }
}

fn run(cmd: &mut Command) -> Vec<u8> {
    let out = cmd.output().expect("the program runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn cairn(root: &Path, args: &[&str]) -> Vec<u8> {
    run(Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("CAIRN_STORE", root)
        .env_remove("CAIRN_STORE_DIR"))
}

fn nix(program: &str, args: &[&str]) -> Vec<u8> {
    run(Command::new(program)
        .args(
            ["--extra-experimental-features", "nix-command"]
                .iter()
                .filter(|_| program == "nix"),
        )
        .args(args))
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

/// The trees and files compared, each under its own name in `dir`.
fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let write = |p: &Path, contents: &[u8]| {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    };
    let exec =
        |p: &Path| std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();

    // Every kind of entry, and names in an order where byte order matters.
    let t = dir.join("kinds");
    for name in ["a", "A", "a.b", "a-b", "ab", "a b", "Z", "_", "é", "日本"] {
        write(&t.join(name), name.as_bytes());
    }
    write(&t.join("empty"), b"");
    write(&t.join("bin/tool"), b"#!/bin/sh\nexit 0\n");
    exec(&t.join("bin/tool"));
    std::fs::create_dir_all(t.join("empty-dir")).unwrap();
    symlink("a", t.join("link-to-file")).unwrap();
    symlink("bin", t.join("link-to-dir")).unwrap();
    symlink("/nonexistent/target", t.join("dangling")).unwrap();
    symlink("../../up", t.join("bin/relative-up")).unwrap();
    out.push(t);

    // Contents of every length around the 8-byte padding, and a large file.
    let t = dir.join("padding");
    for n in 0..=17 {
        write(&t.join(format!("len{n:02}")), &vec![b'x'; n]);
    }
    let big: Vec<u8> = (0..3_000_001u32).map(|i| (i * 7 + i / 251) as u8).collect();
    write(&t.join("big"), &big);
    out.push(t);

    // Deep nesting.
    let mut deep = dir.join("deep");
    for i in 0..40 {
        deep = deep.join(format!("level{i}"));
    }
    write(&deep.join("bottom"), b"bottom\n");
    out.push(dir.join("deep"));

    // A file and an executable file as roots.
    let f = dir.join("single.txt");
    write(&f, b"just one file\n");
    out.push(f);
    let f = dir.join("script.sh");
    write(&f, b"#!/bin/sh\necho hi\n");
    exec(&f);
    out.push(f);
    // A symbolic link as the root.
    let l = dir.join("rootlink");
    symlink("single.txt", &l).unwrap();
    out.push(l);
    out
}

#[test]
fn store_paths_nars_and_path_info_match_nix() {
    let tmp = tempfile::tempdir().unwrap();
    if !nix_available(tmp.path()) {
        return;
    }
    let dir = tmp.path().join("in");
    let root = tmp.path().join("store");
    for path in fixtures(&dir) {
        let p = path.to_str().unwrap();
        let ours = text(cairn(&root, &["store", "add", p]));
        let theirs = text(nix("nix-store", &["--add", p]));
        assert_eq!(ours, theirs, "store path of {p}");
        let sp = ours.trim();

        let our_nar = cairn(&root, &["store", "dump", sp]);
        let their_nar = nix("nix-store", &["--dump", p]);
        assert!(our_nar == their_nar, "NAR of {p} differs");

        let ours: serde_json::Value =
            serde_json::from_slice(&cairn(&root, &["store", "path-info", "--json", sp])).unwrap();
        let theirs: serde_json::Value =
            serde_json::from_slice(&nix("nix", &["path-info", "--json", sp])).unwrap();
        for key in ["path", "narHash", "narSize", "references", "ca"] {
            assert_eq!(ours[0][key], theirs[0][key], "{key} of {p}");
        }
    }
}

#[test]
fn fixed_output_adds_match_nix() {
    let tmp = tempfile::tempdir().unwrap();
    if !nix_available(tmp.path()) {
        return;
    }
    let dir = tmp.path().join("in");
    let root = tmp.path().join("store");
    let fixtures = fixtures(&dir);
    for algo in ["md5", "sha1", "sha256", "sha512"] {
        for path in &fixtures {
            let p = path.to_str().unwrap();
            let is_file = std::fs::symlink_metadata(path).unwrap().is_file();
            // Flat: files only.
            if is_file {
                let ours = text(cairn(&root, &["store", "add-fixed", algo, p]));
                let theirs = text(nix("nix-store", &["--add-fixed", algo, p]));
                assert_eq!(ours, theirs, "flat {algo} of {p}");
            }
            let ours = text(cairn(
                &root,
                &["store", "add-fixed", "--recursive", algo, p],
            ));
            let theirs = text(nix("nix-store", &["--add-fixed", "--recursive", algo, p]));
            assert_eq!(ours, theirs, "recursive {algo} of {p}");
        }
    }
    let out = cairn(&root, &["store", "verify", "--check-contents"]);
    assert!(out.is_empty());
}
