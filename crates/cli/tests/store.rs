//! `cairn store`, `cairn instantiate` and their promises: Nix's paths and hashes, canonical
//! read-only files, verification that catches tampering, garbage collection with roots, and
//! adds that a kill at any moment never leaves half-registered.
//!
//! The expected paths and hashes were computed with Nix 2.8 (`nix-store --add`,
//! `nix-instantiate`, `nix hash path`) from the same inputs; these tests do not need Nix.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
        c.args(args)
            .env("CAIRN_STORE", self.root())
            .env_remove("CAIRN_STORE_DIR")
            .current_dir(self.dir.path());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("the cairn binary runs")
    }

    /// Runs and expects success; gives standard output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "cairn {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The small tree every test adds.
    fn tree(&self) -> PathBuf {
        let at = self.path("src");
        std::fs::create_dir_all(at.join("sub")).unwrap();
        std::fs::write(at.join("b.txt"), "bee\n").unwrap();
        std::fs::write(at.join("a.sh"), "#!/bin/sh\necho hi\n").unwrap();
        std::fs::set_permissions(at.join("a.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(at.join("sub/c"), "").unwrap();
        std::os::unix::fs::symlink("b.txt", at.join("link")).unwrap();
        at
    }
}

const SRC: &str = "/nix/store/bryy4lqjm4fdpk6vidhydz0kjs2lwl2w-src";

#[test]
fn add_gives_nix_paths_and_path_info_nix_names() {
    let env = Env::new();
    let src = env.tree();
    assert_eq!(
        env.ok(&["store", "add", src.to_str().unwrap()]),
        format!("{SRC}\n")
    );
    let json = env.ok(&["store", "path-info", "--json", SRC]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v[0]["path"], SRC);
    assert_eq!(
        v[0]["narHash"],
        "sha256-XfGfqsNy6MbCKZ+Obwzd5gHwnTJ3xPVbgz+At8nqk9Y="
    );
    assert_eq!(v[0]["narSize"], 1072);
    assert_eq!(v[0]["references"], serde_json::json!([]));
    assert_eq!(
        v[0]["ca"],
        "fixed:r:sha256:1mlkxb4vg01zhddzbi3p6afz00g6vl66z3lz571cds3jqfm9zwax"
    );
    // The files are canonical and read-only, at the physical root.
    let phys = env.root().join(SRC.trim_start_matches('/'));
    let mode = |p: &str| {
        std::fs::symlink_metadata(phys.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(
        (mode("a.sh"), mode("b.txt"), mode("sub")),
        (0o555, 0o444, 0o555)
    );
    assert_eq!(env.ok(&["store", "cat", &format!("{SRC}/b.txt")]), "bee\n");
    assert_eq!(env.ok(&["store", "ls"]), format!("{SRC}\n"));
    assert_eq!(
        env.ok(&["store", "ls", "-R", SRC]),
        ["a.sh", "b.txt", "link", "sub", "sub/c"]
            .map(|e| format!("{SRC}/{e}\n"))
            .concat()
    );
}

#[test]
fn dump_writes_the_nar_nix_hashes() {
    let env = Env::new();
    let src = env.tree();
    env.ok(&["store", "add", src.to_str().unwrap()]);
    let out = env.run(&["store", "dump", SRC]);
    assert_eq!(out.status.code(), Some(0));
    use sha2::Digest;
    let digest = sha2::Sha256::digest(&out.stdout);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "5df19faac372e8c6c2299f8e6f0cdde601f09d3277c4f55b833f80b7c9ea93d6"
    );
}

#[test]
fn add_fixed_gives_fixed_output_paths() {
    let env = Env::new();
    std::fs::write(env.path("hello.txt"), "hello\n").unwrap();
    // `nix-store --add-fixed sha256 hello.txt` and `--add-fixed --recursive sha1`.
    assert_eq!(
        env.ok(&["store", "add-fixed", "sha256", "hello.txt"]),
        "/nix/store/gy454w1cxaq731grqwylhzf4pp9r5izh-hello.txt\n"
    );
    assert_eq!(
        env.ok(&["store", "add-fixed", "--recursive", "sha1", "hello.txt"]),
        "/nix/store/hzq8n5jpi3g2d0xhlvqd8q1gx5c9s6i3-hello.txt\n"
    );
    let out = env.run(&["store", "add-fixed", "sha3", "hello.txt"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verify_catches_a_file_modified_behind_the_stores_back() {
    let env = Env::new();
    let src = env.tree();
    env.ok(&["store", "add", src.to_str().unwrap()]);
    assert_eq!(
        env.run(&["store", "verify", "--check-contents"])
            .status
            .code(),
        Some(0)
    );
    let file = env.root().join(SRC.trim_start_matches('/')).join("b.txt");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&file, "wasp\n").unwrap();
    let out = env.run(&["store", "verify", "--check-contents"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("path '{SRC}' was modified!")),
        "{stderr}"
    );
}

#[test]
fn instantiate_writes_the_drv_files_nix_writes() {
    let env = Env::new();
    env.tree();
    std::fs::write(
        env.path("d.nix"),
        r#"
let
  dep = derivation { name = "dep"; builder = "/bin/sh"; system = "x86_64-linux"; outputs = ["out" "dev"]; src = ./src; };
  f = builtins.toFile "f.txt" "hello ${./src/b.txt}";
in {
  a = derivation { name = "a"; builder = "/bin/sh"; system = "x86_64-linux"; inherit f; d = dep.dev; };
  inherit dep;
  devonly = dep.dev;
  nested = { recurseForDerivations = true; x = derivation { name = "x"; builder = "/bin/sh"; system = "x86_64-linux"; }; };
  notnested = { x = derivation { name = "y"; builder = "/bin/sh"; system = "x86_64-linux"; }; };
  s = "str";
}
"#,
    )
    .unwrap();
    // What `nix-instantiate d.nix` prints.
    let expected = "/nix/store/nlss1vldxadasqqfymska3bxsgs5iqap-a.drv\n\
                    /nix/store/syyizsg0ccj8qy3zvxfww5p6n06bg740-dep.drv\n\
                    /nix/store/syyizsg0ccj8qy3zvxfww5p6n06bg740-dep.drv!dev\n\
                    /nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv\n";
    assert_eq!(env.ok(&["instantiate", "d.nix"]), expected);
    // The .drv is there, with the references Nix records.
    let drv = "/nix/store/nlss1vldxadasqqfymska3bxsgs5iqap-a.drv";
    let text = env.ok(&["store", "cat", drv]);
    assert!(text.starts_with("Derive([(\"out\","), "{text}");
    let refs = env.ok(&["store", "path-info", "-r", drv]);
    assert_eq!(
        refs,
        "/nix/store/nlss1vldxadasqqfymska3bxsgs5iqap-a.drv\n\
         /nix/store/syyizsg0ccj8qy3zvxfww5p6n06bg740-dep.drv\n\
         /nix/store/vayh8l5fz2aj5m7idfgxq42wgr57a81d-f.txt\n\
         /nix/store/yv1kq4987sa2haa3312nhg86723yxq5b-b.txt\n\
         /nix/store/bryy4lqjm4fdpk6vidhydz0kjs2lwl2w-src\n"
            .lines()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    // Evaluation reads the store: the text toFile wrote is there.
    assert_eq!(
        env.ok(&[
            "eval",
            "-E",
            "builtins.readFile /nix/store/vayh8l5fz2aj5m7idfgxq42wgr57a81d-f.txt"
        ]),
        "\"hello /nix/store/yv1kq4987sa2haa3312nhg86723yxq5b-b.txt\"\n"
    );
}

#[test]
fn gc_keeps_what_roots_keep() {
    let env = Env::new();
    let src = env.tree();
    env.ok(&["store", "add", src.to_str().unwrap()]);
    std::fs::write(
        env.path("d.nix"),
        r#"derivation { name = "a"; builder = "/bin/sh"; system = "x86_64-linux"; src = ./src/b.txt; }"#,
    )
    .unwrap();
    // As nix-instantiate, the root is printed instead of the path.
    let link = env.ok(&["instantiate", "--add-root", "drv-link", "d.nix"]);
    assert_eq!(link.trim(), env.path("drv-link").to_str().unwrap());
    let target = std::fs::read_link(env.path("drv-link")).unwrap();
    let drv = format!(
        "/nix/store/{}",
        target.file_name().unwrap().to_str().unwrap()
    );
    let drv = drv.as_str();
    assert_eq!(
        env.ok(&["store", "gc", "--print-roots"]),
        format!("{} -> {drv}\n", env.path("drv-link").display())
    );
    let dead = env.ok(&["store", "gc", "--dry-run"]);
    assert_eq!(dead, format!("{SRC}\n"), "the tree is not kept by any root");
    env.ok(&["store", "gc"]);
    assert_eq!(
        env.ok(&["store", "ls"]),
        format!("{drv}\n/nix/store/yv1kq4987sa2haa3312nhg86723yxq5b-b.txt\n")
            .lines()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    // A path that another refers to cannot be deleted alone.
    let out = env.run(&[
        "store",
        "delete",
        "/nix/store/yv1kq4987sa2haa3312nhg86723yxq5b-b.txt",
    ]);
    assert_eq!(out.status.code(), Some(2));
    std::fs::remove_file(env.path("drv-link")).unwrap();
    env.ok(&["store", "gc"]);
    assert_eq!(env.ok(&["store", "ls"]), "");
}

#[test]
fn cat_and_ls_do_not_follow_links_out_of_the_store() {
    let env = Env::new();
    let evil = env.path("evil");
    std::fs::create_dir(&evil).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", evil.join("host")).unwrap();
    std::os::unix::fs::symlink("/etc", evil.join("etc")).unwrap();
    let p = env.ok(&["store", "add", evil.to_str().unwrap()]);
    let p = p.trim();
    for (arg, message) in [
        (format!("{p}/host"), "is not a regular file"),
        (format!("{p}/etc/passwd"), "goes through the symbolic link"),
        (
            format!("{p}/../../../etc/passwd"),
            "'..' may not leave a store path",
        ),
    ] {
        let out = env.run(&["store", "cat", &arg]);
        assert_eq!(out.status.code(), Some(2), "{arg}");
        assert!(out.stdout.is_empty(), "{arg}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{arg}: {stderr}");
        if !arg.ends_with("/host") {
            let out = env.run(&["store", "ls", "-R", &arg]);
            assert_eq!(out.status.code(), Some(2), "{arg}");
        }
    }
    // A link itself is listed, not followed.
    assert_eq!(
        env.ok(&["store", "ls", "-l", &format!("{p}/host")]),
        format!("lrwxrwxrwx            0 {p}/host -> /etc/hostname\n")
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let env = Env::new();
    for args in [
        &["store", "add", "/nonexistent/x"][..],
        &[
            "store",
            "cat",
            "/nix/store/00000000000000000000000000000000-x",
        ],
        &["store", "cat", "/etc/passwd"],
        &["store", "path-info", "not-a-path"],
        &["store", "dump", "/nix/store/x"],
        &[
            "store",
            "delete",
            "/nix/store/00000000000000000000000000000000-x",
        ],
    ] {
        let out = env.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(stderr.contains("error"), "{args:?}: {stderr}");
    }
}

/// A tree big enough that adding it takes a while: many files, some large.
fn big_tree(at: &Path) {
    for d in 0..20 {
        let dir = at.join(format!("d{d:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..100 {
            let size = if f % 25 == 0 { 256 * 1024 } else { 512 };
            let byte = (d * 100 + f) as u8;
            std::fs::write(dir.join(format!("f{f:03}")), vec![byte; size]).unwrap();
        }
    }
}

#[test]
fn killing_an_add_never_leaves_a_half_registered_path() {
    let env = Env::new();
    let tree = env.path("big");
    big_tree(&tree);
    let tree = tree.to_str().unwrap();
    // Kill at a spread of moments (deterministic, so a failure can be reproduced), from before
    // the copy starts to after the registration.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for round in 0..8 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let delay = std::time::Duration::from_millis(seed % 1500);
        let mut child = env
            .command(&["store", "add", tree])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        // Whatever was registered is complete.
        let out = env.run(&["store", "verify", "--check-contents"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "round {round}, killed after {delay:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let valid = env.ok(&["store", "ls"]);
        assert!(valid.lines().count() <= 1, "{valid}");
    }
    // An add after all that gives the path and a consistent store; gc clears the leftovers.
    let path = env.ok(&["store", "add", tree]);
    assert_eq!(env.ok(&["store", "ls"]), path);
    env.ok(&["store", "gc"]);
    let leftovers: Vec<_> = std::fs::read_dir(env.root().join("nix/store"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn concurrent_adds_of_one_tree_all_succeed_with_one_path() {
    let env = Env::new();
    let tree = env.path("big");
    big_tree(&tree);
    let tree = tree.to_str().unwrap();
    let children: Vec<_> = (0..4)
        .map(|_| {
            env.command(&["store", "add", tree])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    // A collection at the same time must not take the path from under them.
    let gc = env.run(&["store", "gc"]);
    assert_eq!(gc.status.code(), Some(0));
    let outputs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    for out in &outputs {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, outputs[0].stdout);
    }
    // Whether the path is still there depends on when the collection ran (once the adds
    // have ended, nothing keeps it); either way the store is consistent.
    let listed = env.ok(&["store", "ls"]);
    assert!(
        listed.is_empty() || listed.as_bytes() == outputs[0].stdout,
        "{listed}"
    );
    assert_eq!(
        env.run(&["store", "verify", "--check-contents"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn instantiate_calls_functions_with_their_defaults_at_every_level() {
    let env = Env::new();
    // What nix-instantiate prints for the same expression.
    let expr = r#"[ ({ x ? derivation { name = "a"; builder = "/bin/sh"; system = "x"; } }: x) ]"#;
    assert_eq!(
        env.ok(&["instantiate", "-E", expr]),
        "/nix/store/l9ldjc53ry43x24hvq73jx7dx0489mhj-a.drv\n"
    );
    let out = env.run(&["instantiate", "-E", "[ 1 ]"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn fetchurl_downloads_into_the_store_and_checks_the_hash() {
    let env = Env::new();
    std::fs::write(env.path("payload.txt"), "payload\n").unwrap();
    let url = format!("file://{}", env.path("payload.txt").display());
    // The path Nix 2.8 gives: a flat sha256 fixed-output path named after the URL.
    let expected = "\"/nix/store/llr36snijbyliq033z86raj4rf0ayvla-payload.txt\"\n";
    env.ok(&["store", "ls"]); // makes the store, so that evaluation downloads into it
    assert_eq!(
        env.ok(&["eval", "-E", &format!("builtins.fetchurl \"{url}\"")]),
        expected
    );
    assert_eq!(
        env.ok(&[
            "store",
            "cat",
            "/nix/store/llr36snijbyliq033z86raj4rf0ayvla-payload.txt"
        ]),
        "payload\n"
    );
    let wrong = format!(
        "builtins.fetchurl {{ url = \"{url}\"; sha256 = \"0000000000000000000000000000000000000000000000000000\"; }}"
    );
    let out = env.run(&["eval", "--color", "never", "-E", &wrong]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("hash mismatch"), "{stderr}");
    let out = env.run(&[
        "eval",
        "--pure-eval",
        "-E",
        &format!("builtins.fetchurl \"{url}\""),
    ]);
    assert_eq!(out.status.code(), Some(1));
}
