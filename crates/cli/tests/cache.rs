//! Binary caches shared with real Nix: a path Nix built and pushed with `nix copy --to
//! file://...` is imported by `cairn copy --from` with the same NAR hash, its Nix signature
//! checked; what `cairn copy --to` writes is accepted by `nix copy --from` and `nix store
//! verify` with only cairn's key trusted, and refused with another key; keys made by each tool
//! work in the other; a NAR changed by one byte is refused by both.
//!
//! Nix (Debian's `nix-bin`) must be installed and able to build into a store of its own under
//! a temporary folder (as root): where it is not, the test says loudly that it was skipped,
//! and passes. Nix is told to use no substituter, so nothing goes to the network.

use std::path::Path;
use std::process::{Command, Output};

/// A derivation Nix builds without a shell (`builtin:buildenv`): its output is input-addressed,
/// so only a signature makes it trusted, and it refers to a second path, the manifest.
const ENV_NIX: &str = r#"derivation {
  name = "cache-test-env";
  system = builtins.currentSystem;
  builder = "builtin:buildenv";
  manifest = builtins.toFile "manifest.nix" "[ ]";
  derivations = [ ];
}
"#;

fn output(cmd: &mut Command) -> Output {
    cmd.output().expect("the program runs")
}

fn ok(cmd: &mut Command) -> String {
    let out = output(cmd);
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(cmd: &mut Command) -> String {
    let out = output(cmd);
    assert!(!out.status.success(), "{cmd:?} succeeded");
    String::from_utf8(out.stderr).unwrap()
}

fn nix(args: &[&str]) -> Command {
    let mut c = Command::new("nix");
    c.args(["--extra-experimental-features", "nix-command"])
        .args(["--option", "substituters", ""])
        .args(args);
    c
}

fn cairn(store: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
    c.args(args)
        .env("CAIRN_STORE", store)
        .env_remove("CAIRN_STORE_DIR");
    c
}

fn with_stdin(mut cmd: Command, file: &Path) -> Command {
    cmd.stdin(std::fs::File::open(file).unwrap());
    cmd
}

fn write_stdout(mut cmd: Command, file: &Path) {
    std::fs::write(file, ok(&mut cmd)).unwrap();
}

/// Builds `ENV_NIX` into a Nix store at `store`, or says why the test is skipped.
fn nix_build(dir: &Path, store: &Path) -> Option<String> {
    let expr = dir.join("env.nix");
    std::fs::write(&expr, ENV_NIX).unwrap();
    let out = Command::new("nix-build")
        .args(["--option", "substituters", "", "--no-out-link", "--store"])
        .arg(store)
        .arg(&expr)
        .output();
    match out {
        Ok(out) if out.status.success() => {
            Some(String::from_utf8(out.stdout).unwrap().trim().to_string())
        }
        Ok(out) => {
            eprintln!(
                "\n*** SKIPPED: nix-build cannot build into a store of its own here ({}); \
                 caches are not shared with Nix ***\n",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            None
        }
        Err(e) => {
            eprintln!(
                "\n*** SKIPPED: Nix is not installed ({e}); install Debian's nix-bin \
                 (scripts/test.sh does) to share caches with Nix ***\n"
            );
            None
        }
    }
}

fn file_url(dir: &Path, query: &str) -> String {
    format!("file://{}{query}", dir.display())
}

fn nar_hash(json: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    v[0]["narHash"].as_str().unwrap().to_string()
}

#[test]
fn caches_are_shared_with_nix() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let Some(out) = nix_build(d, &d.join("nix-a")) else {
        return;
    };
    let store = d.join("cairn");

    // Keys: Nix's, cairn's, and one nobody signs with.
    write_stdout(
        nix(&["key", "generate-secret", "--key-name", "nix-test-1"]),
        &d.join("nix.sec"),
    );
    write_stdout(
        with_stdin(
            nix(&["key", "convert-secret-to-public"]),
            &d.join("nix.sec"),
        ),
        &d.join("nix.pub"),
    );
    write_stdout(
        cairn(
            &store,
            &["key", "generate-secret", "--key-name", "cairn-test-1"],
        ),
        &d.join("cairn.sec"),
    );
    write_stdout(
        with_stdin(
            cairn(&store, &["key", "convert-secret-to-public"]),
            &d.join("cairn.sec"),
        ),
        &d.join("cairn.pub"),
    );
    write_stdout(
        cairn(&store, &["key", "generate-secret", "--key-name", "other-1"]),
        &d.join("other.sec"),
    );
    write_stdout(
        with_stdin(
            cairn(&store, &["key", "convert-secret-to-public"]),
            &d.join("other.sec"),
        ),
        &d.join("other.pub"),
    );
    let key = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    // Each tool reads the other's keys.
    assert_eq!(
        ok(&mut with_stdin(
            cairn(&store, &["key", "convert-secret-to-public"]),
            &d.join("nix.sec")
        )),
        key("nix.pub")
    );
    assert_eq!(
        ok(&mut with_stdin(
            nix(&["key", "convert-secret-to-public"]),
            &d.join("cairn.sec")
        )),
        key("cairn.pub")
    );

    // Nix pushes its build, signed with its key; cairn imports it with that key trusted.
    let nix_cache = d.join("from-nix");
    let secret = d.join("nix.sec");
    ok(&mut nix(&[
        "copy",
        "--store",
        &d.join("nix-a").display().to_string(),
        "--to",
        &file_url(&nix_cache, &format!("?secret-key={}", secret.display())),
        &out,
    ]));
    let from_nix = file_url(&nix_cache, "");
    let e = fails(&mut cairn(
        &store,
        &[
            "copy",
            "--from",
            &from_nix,
            "--trusted-public-keys",
            &key("cairn.pub"),
            &out,
        ],
    ));
    assert!(e.contains("`nix-test-1`"), "{e}");
    let e = fails(&mut cairn(&store, &["copy", "--from", &from_nix, &out]));
    assert!(e.contains("`nix-test-1`"), "{e}");
    let summary = ok(&mut cairn(
        &store,
        &[
            "copy",
            "--from",
            &from_nix,
            "--trusted-public-keys",
            &key("nix.pub"),
            &out,
        ],
    ));
    let _ = summary;
    let nix_info = ok(&mut nix(&[
        "path-info",
        "--json",
        "--store",
        &d.join("nix-a").display().to_string(),
        &out,
    ]));
    let cairn_info = ok(&mut cairn(&store, &["store", "path-info", "--json", &out]));
    assert_eq!(nar_hash(&cairn_info), nar_hash(&nix_info));
    assert!(cairn_info.contains("nix-test-1:"), "{cairn_info}");
    ok(&mut cairn(&store, &["store", "verify", "--check-contents"]));

    // A key cairn made signs in Nix too, and cairn checks that signature.
    let nix_signs_for_cairn = d.join("nix-signs-for-cairn");
    ok(&mut nix(&[
        "copy",
        "--store",
        &d.join("nix-a").display().to_string(),
        "--to",
        &file_url(
            &nix_signs_for_cairn,
            &format!("?secret-key={}", d.join("cairn.sec").display()),
        ),
        &out,
    ]));
    let fresh = d.join("cairn-fresh");
    ok(&mut cairn(
        &fresh,
        &[
            "copy",
            "--from",
            &file_url(&nix_signs_for_cairn, ""),
            "--trusted-public-keys",
            &key("cairn.pub"),
            &out,
        ],
    ));

    // cairn pushes the closure, signed with its key: Nix takes it with only cairn's key trusted
    // (the narinfo keeps Nix's signature too, which is not trusted here), and verifies it.
    let to_nix = d.join("to-nix");
    ok(&mut cairn(
        &store,
        &[
            "copy",
            "--to",
            &file_url(&to_nix, ""),
            "--sign-key",
            &d.join("cairn.sec").display().to_string(),
            &out,
        ],
    ));
    let nix_b = d.join("nix-b").display().to_string();
    let e = fails(&mut nix(&[
        "copy",
        "--from",
        &file_url(&to_nix, ""),
        "--to",
        &nix_b,
        "--option",
        "trusted-public-keys",
        &key("other.pub"),
        &out,
    ]));
    assert!(e.contains("lacks a valid signature"), "{e}");
    ok(&mut nix(&[
        "copy",
        "--from",
        &file_url(&to_nix, ""),
        "--to",
        &nix_b,
        "--option",
        "trusted-public-keys",
        &key("cairn.pub"),
        &out,
    ]));
    ok(&mut nix(&[
        "store",
        "verify",
        "--store",
        &nix_b,
        "-r",
        "--option",
        "trusted-public-keys",
        &key("cairn.pub"),
        &out,
    ]));
    let e = fails(&mut nix(&[
        "store",
        "verify",
        "--store",
        &nix_b,
        "-r",
        "--option",
        "trusted-public-keys",
        &key("other.pub"),
        &out,
    ]));
    assert!(e.contains("is untrusted"), "{e}");
    let nix_b_info = ok(&mut nix(&["path-info", "--json", "--store", &nix_b, &out]));
    assert_eq!(nar_hash(&nix_b_info), nar_hash(&nix_info));

    // zstd and uncompressed caches are read by Nix too.
    for compression in ["zstd", "none"] {
        let cache = d.join(compression);
        let url = file_url(&cache, &format!("?compression={compression}"));
        ok(&mut cairn(
            &store,
            &[
                "copy",
                "--to",
                &url,
                "--sign-key",
                &d.join("cairn.sec").display().to_string(),
                &out,
            ],
        ));
        let narinfo =
            std::fs::read_to_string(cache.join(format!("{}.narinfo", &out[11..43]))).unwrap();
        assert!(
            narinfo.contains(&format!("Compression: {compression}\n")),
            "{narinfo}"
        );
        let nix_c = d.join(format!("nix-{compression}")).display().to_string();
        ok(&mut nix(&[
            "copy",
            "--from",
            &file_url(&cache, ""),
            "--to",
            &nix_c,
            "--option",
            "trusted-public-keys",
            &key("cairn.pub"),
            &out,
        ]));
    }

    // One byte changed in an uncompressed NAR: both refuse it, and cairn names the path.
    let narinfo =
        std::fs::read_to_string(d.join("none").join(format!("{}.narinfo", &out[11..43]))).unwrap();
    let url = narinfo
        .lines()
        .find_map(|l| l.strip_prefix("URL: "))
        .unwrap();
    let nar_file = d.join("none").join(url);
    let mut nar = std::fs::read(&nar_file).unwrap();
    let at = nar
        .windows(13)
        .position(|w| w == b"manifest.nix\0")
        .unwrap_or(nar.len() - 60);
    nar[at] ^= 0x20;
    std::fs::write(&nar_file, nar).unwrap();
    let tampered = file_url(&d.join("none"), "");
    let e = fails(&mut cairn(
        &d.join("cairn-tampered"),
        &[
            "copy",
            "--from",
            &tampered,
            "--trusted-public-keys",
            &key("cairn.pub"),
            &out,
        ],
    ));
    assert!(
        e.contains("is not the one expected") && e.contains(&out),
        "{e}"
    );
    let listed = ok(&mut cairn(&d.join("cairn-tampered"), &["store", "ls"]));
    assert!(!listed.contains(&out), "{listed}");
    fails(&mut nix(&[
        "copy",
        "--from",
        &tampered,
        "--to",
        &d.join("nix-tampered").display().to_string(),
        "--option",
        "trusted-public-keys",
        &key("cairn.pub"),
        &out,
    ]));
}
