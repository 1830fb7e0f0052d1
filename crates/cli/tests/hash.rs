//! `cairn hash path` and `cairn hash file` against hashes that real Nix 2.8 printed for the
//! same trees (`nix hash path|file` with the same options), so they run without Nix.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn cairn(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the cairn binary runs")
}

fn stdout_of(args: &[&str], dir: &Path) -> String {
    let out = cairn(args, dir);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(out.stderr.is_empty(), "{stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// `t/`: a file, an executable, an empty file, a symbolic link, a nested file and an empty
/// directory inside another. Times, owners and other mode bits must not matter.
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("t");
    fs::create_dir_all(t.join("d/e")).unwrap();
    fs::write(t.join("a"), "hi\n").unwrap();
    fs::write(t.join("x"), "#!/bin/sh\n").unwrap();
    fs::set_permissions(t.join("x"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(t.join("empty"), "").unwrap();
    std::os::unix::fs::symlink("a", t.join("link")).unwrap();
    fs::write(t.join("d/f"), "nested\n").unwrap();
    fs::set_permissions(t.join("d/f"), fs::Permissions::from_mode(0o640)).unwrap();
    dir
}

#[test]
fn path_hashes_are_nixs_in_every_encoding() {
    let dir = tree();
    let cases: &[(&[&str], &str)] = &[
        (&[], "sha256-CM3goyaa61izNlPh1NpULUZeb6buopEa6k3CdHSztNk=\n"),
        (
            &["--sri"],
            "sha256-CM3goyaa61izNlPh1NpULUZeb6buopEa6k3CdHSztNk=\n",
        ),
        (
            &["--base32"],
            "1ndlnds79hjdx8d938pflrpmwiidakdd9qak6srmisws4siy1k88\n",
        ),
        (
            &["--type", "sha512", "--base16"],
            "0c569dbe0d68aad081f144cb32e6b7d2a910ac3749c2cc9593347b0cb2ac512d\
             6e3e82cd6984206249bfe9ea6834edece5aceff2150fe2d82227132b1c02d183\n",
        ),
        (
            &["--type", "sha1", "--base64"],
            "tLqEYkn3SwOpIXjnyDBxeZSjbSc=\n",
        ),
        (
            &["--type", "md5", "--sri"],
            "md5-THqIKa33y9oo/fCLFIn7TQ==\n",
        ),
        // The last encoding given wins.
        (
            &["--base16", "--base32"],
            "1ndlnds79hjdx8d938pflrpmwiidakdd9qak6srmisws4siy1k88\n",
        ),
    ];
    for (options, expected) in cases {
        let mut args = vec!["hash", "path"];
        args.extend_from_slice(options);
        args.push("t");
        assert_eq!(stdout_of(&args, dir.path()), *expected, "{options:?}");
    }
}

#[test]
fn each_path_gets_a_line() {
    let dir = tree();
    let out = stdout_of(
        &["hash", "path", "t/x", "t/link", "t/d/e", "t/empty"],
        dir.path(),
    );
    assert_eq!(
        out,
        "sha256-YoPBZoJg+QPRqJXAzWuCL6S2h2K7CxfO3vLTnZfiZVQ=\n\
         sha256-stRxoI0wZi8UwK4ecYsW+fwfON5CX0fMoEN+npO8HyQ=\n\
         sha256-pQpattmS9VmO3ZIQUFn66az8GSmB4IvYhTTCFn6SUmo=\n\
         sha256-d6xi4mKdjkX2JFicDIv5niSzpyI0m/Hnm8GGAIU04kY=\n"
    );
}

#[test]
fn file_hashes_follow_links() {
    let dir = tree();
    assert_eq!(
        stdout_of(&["hash", "file", "t/a"], dir.path()),
        "sha256-mOpuTyFvL7S2n/+bOkSELDhobKaF8/VdxIxdP7EQe+Q=\n"
    );
    assert_eq!(
        stdout_of(&["hash", "file", "--base32", "t/link"], dir.path()),
        "1r3v22qkypccqifzbww5lrn6hf1chi23m6zzkyvb8bvg457nxslq\n"
    );
    assert_eq!(
        stdout_of(
            &[
                "hash", "file", "--type", "sha1", "--base16", "t/x", "t/empty"
            ],
            dir.path()
        ),
        "bd971bec88149956458a10fc9c5ecb3eb99dd452\nda39a3ee5e6b4b0d3255bfef95601890afd80709\n"
    );
}

#[test]
fn errors_name_the_path_and_exit_with_2() {
    let dir = tree();
    let out = cairn(&["hash", "path", "t/a", "missing"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    // The paths before the failing one are printed.
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "sha256-EFUdrtf6Rn0LWIJufrmg8q99aT3jGfLvd1//zaJEufY=\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: getting status of 'missing': No such file or directory\n"
    );
    let out = cairn(&["hash", "file", "t/d"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: reading file 't/d': Is a directory\n"
    );
    assert_eq!(cairn(&["hash", "path"], dir.path()).status.code(), Some(2));
    let out = cairn(&["hash", "path", "--type", "sha3", "t"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}
