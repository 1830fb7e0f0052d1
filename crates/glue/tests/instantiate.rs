//! Evaluations with `StoreIo` give Nix 2.8's store paths, `.drv` paths and `.drv` texts.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use cairn_eval::{Evaluator, Options};
use cairn_glue::StoreIo;

/// Writes the fixture of `test_data/README.md` into a temporary directory.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("paths.nix"),
        include_str!("../test_data/paths.nix"),
    )
    .unwrap();
    fs::write(root.join("hello.txt"), "hello\n").unwrap();
    fs::create_dir_all(root.join("src/sub")).unwrap();
    fs::write(root.join("src/data"), "data\n").unwrap();
    fs::write(root.join("src/sub/x"), "x\n").unwrap();
    fs::set_permissions(root.join("src/sub/x"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(root.join("src/data"), fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::symlink("data", root.join("src/link")).unwrap();
    dir
}

fn eval(io: &StoreIo, file: &str) -> String {
    let mut ev = Evaluator::new(Box::new(io.clone()), Options::default());
    let v = ev.eval_file(file).unwrap();
    let v = ev.force_deep(&v).unwrap();
    cairn_eval::print::print_value(&v)
}

#[test]
fn paths_match_nix() {
    let dir = fixture();
    let io = StoreIo::new();
    io.keep_derivations();
    let out = eval(&io, &dir.path().join("paths.nix").to_string_lossy());
    let expected = concat!(
        r#"{ dev = "/nix/store/z7bl1xyyjpy4s0fzp91gs21w39678g18-a-dev"; drvs = [ "#,
        r#"[ "/nix/store/c285lpdh5s18ycbpq124mvd4p1jr83sv-a.drv" "/nix/store/0fa2mswwfcyzxfbyrjkm4f9hapn8szp5-a" ] "#,
        r#"[ "/nix/store/2nnd1yy38m9lm35d75h7mwqmkns7f2wl-s.drv" "/nix/store/wcy45b9y3yxfgwm11fcf2jjplx6rbdzq-s" ] "#,
        r#"[ "/nix/store/02nhvmal9shpypdl3zfb9fccph0fhchw-closure.drv" "/nix/store/i8kkhsap7k5vha75cw8npchqcf69spgl-closure" ] "#,
        r#"[ "/nix/store/dgg41j3fp7r6193m98cm3i95hl5iq009-escapes.drv" "/nix/store/2c4ssrcnnnchcbwbr5k2i82p4ylvi013-escapes" ] ]; "#,
        r#"fixed = [ "/nix/store/4c6wsvi6cnq8h7ibg70pv68bi43y92xs-f" "/nix/store/aj9d7nkaqrf7k6smhizv83fcgb1apm8n-f" "#,
        r#""/nix/store/w3b7frjrr2yxd9v9bxlk8hy1dvi0kk6n-f" "/nix/store/hqmc7r1nclkn3yiaday2b4abpi6qpa6z-f" "#,
        r#""/nix/store/qab67z21q4qx45zvih02ssh3gl4995mk-f" ]; "#,
        r#"paths = { dir = "/nix/store/s75p1c3x6xfa03hq8zasipl4h934kn8d-src"; "#,
        r#"file = "/nix/store/i9pmrzmpshapij2kin22pff6fc2adavx-hello.txt"; "#,
        r#"filtered = "/nix/store/j97yqjqgxlw0q7kypa8ga1r0hara6vg7-filtered"; "#,
        r#"flat = "/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt"; "#,
        r#"fs = "/nix/store/s6wzgsfs1lq2v1qipjvcgpw10pj6m90y-src"; }; }"#
    );
    assert_eq!(out, expected);

    let texts = io.derivations();
    for (path, text) in [
        (
            "/nix/store/2nnd1yy38m9lm35d75h7mwqmkns7f2wl-s.drv",
            include_str!("../test_data/s.drv"),
        ),
        (
            "/nix/store/02nhvmal9shpypdl3zfb9fccph0fhchw-closure.drv",
            include_str!("../test_data/closure.drv"),
        ),
        (
            "/nix/store/dgg41j3fp7r6193m98cm3i95hl5iq009-escapes.drv",
            include_str!("../test_data/escapes.drv"),
        ),
    ] {
        assert_eq!(texts.get(path).map(String::as_str), Some(text), "{path}");
    }
}

#[test]
fn a_wrong_expected_hash_is_an_error() {
    let dir = fixture();
    let file = dir.path().join("bad.nix");
    fs::write(
        &file,
        r#"builtins.path { path = ./hello.txt; sha256 = "0000000000000000000000000000000000000000000000000000"; }"#,
    )
    .unwrap();
    let mut ev = Evaluator::new(Box::new(StoreIo::new()), Options::default());
    let err = ev.eval_file(&file.to_string_lossy()).unwrap_err();
    assert!(
        err.message
            .starts_with("store path mismatch in (possibly filtered) path added from"),
        "{}",
        err.message
    );
}

#[test]
fn the_store_directory_is_part_of_every_path() {
    let dir = fixture();
    let file = dir.path().join("drv.nix");
    fs::write(
        &file,
        r#"(derivation { name = "a"; builder = "b"; system = "c"; }).outPath"#,
    )
    .unwrap();
    let default = eval(&StoreIo::new(), &file.to_string_lossy());
    let other = eval(
        &StoreIo::with_store_dir("/cairn/store"),
        &file.to_string_lossy(),
    );
    assert!(default.starts_with("\"/nix/store/"));
    assert!(other.starts_with("\"/cairn/store/"));
    assert_ne!(default[12..], other[14..]);
}

#[test]
fn derivation_files_cannot_be_copied() {
    let dir = fixture();
    fs::write(dir.path().join("x.drv"), "").unwrap();
    let file = dir.path().join("copy.nix");
    fs::write(&file, r#""${./x.drv}""#).unwrap();
    let mut ev = Evaluator::new(Box::new(StoreIo::new()), Options::default());
    let err = ev.eval_file(&file.to_string_lossy()).unwrap_err();
    assert_eq!(err.message, "file names are not allowed to end in '.drv'");
}
