//! `cairn build` end to end: outputs byte-identical to real Nix's, a sandbox that hostile
//! builders cannot see or change the host through, and builds that a kill or a concurrent
//! build of the same derivation never leave half-done.
//!
//! The parity test needs real Nix (`nix-build`, `nix`) able to build in its sandbox, and is
//! skipped with a `SKIPPED` banner on standard error without it. Every test needs the host's
//! static busybox at `/bin/busybox`, which becomes the sandbox's `/bin/sh`; without it they are
//! skipped the same way. The builders use busybox's applets (`ls`, `cat`, `nc`, ...) through
//! its standalone shell, so they need no `PATH`.
//!
//! The hostile builders write what they observed into `$out`, and the tests check it; none of
//! them asserts how long something took.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

    fn write(&self, rel: &str, contents: &str) -> PathBuf {
        let at = self.path(rel);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::fs::write(&at, contents).unwrap();
        at
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

    /// Where a logical store path is on disk.
    fn physical(&self, store_path: &str) -> PathBuf {
        self.root().join(store_path.trim_start_matches('/'))
    }

    /// Builds `file` (relative to the temporary folder) and gives its one output path.
    fn build(&self, file: &str) -> String {
        let out = self.ok(&["build", file, "--no-link", "--print-out-paths"]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "one output path: {out}");
        lines[0].to_string()
    }

    /// `cairn store verify --check-contents` passes.
    fn assert_verifies(&self) {
        let out = self.run(&["store", "verify", "--check-contents"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "the store does not verify: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The valid paths, as `cairn store ls` lists them.
    fn valid_paths(&self) -> Vec<String> {
        self.ok(&["store", "ls"])
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// No valid path and no entry on disk in the store is named `name` (any hash).
    fn assert_nothing_named(&self, name: &str) {
        let suffix = format!("-{name}");
        let valid: Vec<String> = self
            .valid_paths()
            .into_iter()
            .filter(|p| p.ends_with(&suffix))
            .collect();
        assert!(valid.is_empty(), "registered: {valid:?}");
        let on_disk: Vec<String> = store_entries(&self.root())
            .into_iter()
            .filter(|e| e.ends_with(&suffix))
            .collect();
        assert!(on_disk.is_empty(), "on disk: {on_disk:?}");
    }
}

/// The names in the physical store folder.
fn store_entries(root: &Path) -> Vec<String> {
    match std::fs::read_dir(root.join("nix/store")) {
        Ok(rd) => rd
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Says loudly that `test` is skipped: straight to standard error, past the test harness's
/// capture, so that a passing run shows it.
fn skip(test: &str, why: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n==== SKIPPED {test}: {why} ====\n");
}

/// Whether the sandbox's `/bin/sh` exists; says so loudly when not.
fn have_busybox(test: &str) -> bool {
    if Path::new("/bin/busybox").exists() {
        return true;
    }
    skip(test, "no static busybox at /bin/busybox");
    false
}

/// The `mk` every expression here builds with: a derivation whose builder is busybox's shell
/// running `script`.
const PRELUDE: &str = r#"
  mk = name: script: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
  };
"#;

/// An expression of one derivation named `name` whose builder runs `script`.
fn one(name: &str, script: &str) -> String {
    format!("let {PRELUDE} in mk \"{name}\" ''\n{script}\n''\n")
}

/// A string unique to this test process, for markers that must not collide with another run.
fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{}{}", std::process::id(), nanos % 1000)
}

/// The command lines of the host's processes (arguments joined by spaces), by pid.
fn host_processes() -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(raw) = std::fs::read(entry.path().join("cmdline")) {
            let line = String::from_utf8_lossy(&raw).replace('\0', " ");
            out.push((pid, line));
        }
    }
    out
}

fn processes_with(marker: &str) -> Vec<(u32, String)> {
    host_processes()
        .into_iter()
        .filter(|(_, c)| c.contains(marker))
        .collect()
}

/// Waits until no host process has `marker` in its command line; gives those left after
/// `limit` (a bound on waiting, not an assertion on time).
fn wait_gone(marker: &str, limit: Duration) -> Vec<(u32, String)> {
    let start = Instant::now();
    loop {
        let left = processes_with(marker);
        if left.is_empty() || start.elapsed() > limit {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(data).to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Parity with nix-build

/// The derivations built by both: dependencies, several outputs one referring to another, a
/// self-reference, a single-file output, a symlink output, executables, `passAsFile`, a
/// fixed-output fetch of a local file, `builtins.toFile`, a source folder, and what a builder
/// sees of its sandbox (users, groups, hosts, ids, environment but the number of cores).
const PARITY: &str = r#"
let
  @PRELUDE@
  note = builtins.toFile "cairn-parity-note.txt" "a note from toFile\n";
  greet = builtins.toFile "cairn-parity-greet.sh" "echo greetings from toFile\n";
  fetched = import <nix/fetchurl.nix> {
    url = "file://@DATA@";
    sha256 = "@DATA_SHA256@";
  };
in rec {
  base = mk "cairn-parity-base" ''
    set -e
    mkdir -p $out/bin $out/share
    printf '#!/bin/sh\necho hello from base\n' > $out/bin/hello
    chmod 755 $out/bin/hello
    echo "this file lives in $out" > $out/share/self
    echo plain > $out/share/plain
    ln -s bin/hello $out/hello-link
  '';
  single = mk "cairn-parity-single" ''
    echo "one file and no references" > $out
  '';
  link = mk "cairn-parity-link" ''
    ln -s ${base}/bin/hello $out
  '';
  multi = derivation {
    name = "cairn-parity-multi";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    outputs = [ "out" "lib" "doc" ];
    args = [ "-c" ''
      set -e
      mkdir -p $lib/lib $doc $out/bin
      echo library > $lib/lib/libfoo
      echo documentation > $doc/README
      echo "cat $lib/lib/libfoo" > $out/bin/run
      chmod 755 $out/bin/run
    '' ];
  };
  passFile = derivation {
    name = "cairn-parity-passasfile";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    passAsFile = [ "text" ];
    text = "passed as a file, naming ${single}\n";
    args = [ "-c" "cat $textPath > $out" ];
  };
  fixed = fetched;
  usesFixed = mk "cairn-parity-uses-fixed" ''
    set -e
    mkdir $out
    cat ${fetched} > $out/data
    echo ${fetched} > $out/from
  '';
  sources = mk "cairn-parity-sources" ''
    set -e
    mkdir $out
    cat ${./src}/a.txt > $out/a.txt
    cat ${./src}/sub/b.txt > $out/b.txt
    cat ${note} > $out/note
    . ${greet} > $out/greeting
    echo ${./src} ${note} > $out/inputs
  '';
  sandboxView = mk "cairn-parity-sandbox-view" ''
    {
      cat /etc/passwd /etc/group /etc/hosts
      id; hostname; pwd; umask
      env | grep -v -e '^NIX_BUILD_CORES=' | sort
    } > $out
  '';
  top = mk "cairn-parity-top" ''
    set -e
    mkdir $out
    echo ${base} ${multi.lib} ${link} > $out/deps
    ${base}/bin/hello > $out/said
    ${multi}/bin/run > $out/ran
  '';
}
"#;

const PARITY_ATTRS: [&str; 12] = [
    "base",
    "single",
    "link",
    "multi",
    "multi.lib",
    "multi.doc",
    "passFile",
    "fixed",
    "usesFixed",
    "sources",
    "sandboxView",
    "top",
];

const NIX_BUILD_OPTIONS: [&str; 6] = [
    "--option",
    "substituters",
    "",
    "--option",
    "sandbox",
    "true",
];

/// Runs nix-build in `dir`; the builtin fetcher runs in Nix's sandbox, so `dir/data.bin` is
/// made visible there.
fn nix_build(dir: &Path, file: &str, attr: Option<&str>) -> Output {
    let mut c = Command::new("nix-build");
    c.arg(file).arg("--no-out-link").args(NIX_BUILD_OPTIONS);
    let data = dir.join("data.bin");
    c.args([
        "--option",
        "sandbox-paths",
        &format!("/bin/sh=/bin/busybox {}", data.display()),
    ]);
    if let Some(a) = attr {
        c.args(["-A", a]);
    }
    c.current_dir(dir).stdin(Stdio::null());
    c.output().expect("nix-build runs")
}

/// Whether real Nix can build in its sandbox here; says why not loudly.
fn nix_works(test: &str, env: &Env) -> bool {
    for tool in ["nix-build", "nix"] {
        let found = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            skip(test, &format!("`{tool}` is not installed"));
            return false;
        }
    }
    if !have_busybox(test) {
        return false;
    }
    // Unique, so that Nix really builds it rather than finding it built by an earlier run.
    env.write(
        "probe.nix",
        &one(
            "cairn-parity-probe",
            &format!("echo probe {} > $out", unique()),
        ),
    );
    let out = nix_build(env.dir.path(), "probe.nix", None);
    if !out.status.success() {
        skip(
            test,
            &format!(
                "nix-build cannot build in its sandbox here: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
        );
        return false;
    }
    true
}

fn path_info(json: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let info = &v[0];
    let mut refs: Vec<String> = info["references"]
        .as_array()
        .map(|a| a.iter().map(|r| r.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    refs.sort();
    serde_json::json!({
        "path": info["path"],
        "narHash": info["narHash"],
        "narSize": info["narSize"],
        "references": refs,
        "ca": info["ca"],
    })
}

#[test]
fn outputs_paths_hashes_and_references_equal_nix_builds() {
    let test = "outputs_paths_hashes_and_references_equal_nix_builds";
    let env = Env::new();
    let data = env.write("data.bin", "fetched from a file url\n");
    if !nix_works(test, &env) {
        return;
    }
    env.write("src/a.txt", "source a\n");
    env.write("src/sub/b.txt", "source b\n");
    let expr = PARITY
        .replace("@PRELUDE@", PRELUDE)
        .replace("@DATA@", data.to_str().unwrap())
        .replace("@DATA_SHA256@", &hex(&sha256(b"fetched from a file url\n")));
    env.write("parity.nix", &expr);

    let mut mismatches = Vec::new();
    for attr in PARITY_ATTRS {
        let nix = nix_build(env.dir.path(), "parity.nix", Some(attr));
        assert!(
            nix.status.success(),
            "nix-build -A {attr} failed: {}",
            String::from_utf8_lossy(&nix.stderr)
        );
        let nix_path = String::from_utf8(nix.stdout).unwrap().trim().to_string();
        eprintln!("{attr}: {nix_path}");

        let printed = env.ok(&[
            "build",
            "parity.nix",
            "-A",
            attr,
            "--no-link",
            "--print-out-paths",
        ]);
        if printed.trim() != nix_path {
            mismatches.push(format!(
                "{attr}: --print-out-paths {:?}, nix-build {nix_path:?}",
                printed.trim()
            ));
            continue;
        }
        let json = env.ok(&["build", "parity.nix", "-A", attr, "--no-link", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let output = attr.split_once('.').map_or("out", |(_, o)| o);
        if v[0]["outputs"][output] != nix_path.as_str() {
            mismatches.push(format!("{attr}: --json {json}, nix-build {nix_path:?}"));
        }

        let ours = path_info(&env.ok(&["store", "path-info", "--json", &nix_path]));
        let nix_info = Command::new("nix")
            .args([
                "path-info",
                "--json",
                "--extra-experimental-features",
                "nix-command",
                &nix_path,
            ])
            .output()
            .expect("nix runs");
        assert!(nix_info.status.success(), "nix path-info {nix_path}");
        let theirs = path_info(&String::from_utf8(nix_info.stdout).unwrap());
        if ours != theirs {
            mismatches.push(format!("{attr}: cairn {ours}\n      nix {theirs}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "differences from nix-build:\n{}",
        mismatches.join("\n")
    );
    env.assert_verifies();
}

#[path = "build/hostile.rs"]
mod hostile;

// ---------------------------------------------------------------------------------------------
// Interrupted and concurrent builds

#[test]
fn a_killed_build_leaves_nothing_and_builds_again() {
    let test = "a_killed_build_leaves_nothing_and_builds_again";
    if !have_busybox(test) {
        return;
    }
    let env = Env::new();
    let marker = format!("3.{}", unique());
    env.write(
        "slow.nix",
        &one("cairn-slow", &format!("sleep {marker}\necho done > $out")),
    );
    let mut child = env
        .command(&["build", "slow.nix", "--no-link", "--print-out-paths"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Kill cairn once its builder runs.
    let sleeping = format!("sleep {marker}");
    let start = Instant::now();
    while processes_with(&sleeping).is_empty() {
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            panic!("cairn ended before its builder was seen ({status}): {err}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the builder never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let left = wait_gone(&marker, Duration::from_secs(5));
    assert!(left.is_empty(), "the build outlived its cairn: {left:?}");
    env.assert_verifies();
    env.assert_nothing_named("cairn-slow");

    let out = env.build("slow.nix");
    assert_eq!(
        std::fs::read_to_string(env.physical(&out)).unwrap(),
        "done\n"
    );
    env.assert_verifies();
}

/// Starts two `cairn build` of `shared.nix` at once, -L showing the builders' output; checks
/// both succeed with one path, built once, and gives that path.
fn build_twice_at_once(env: &Env) -> String {
    let marker = format!("builder-ran-{}", unique());
    env.write(
        "shared.nix",
        &one(
            "cairn-shared",
            &format!("echo {marker} >&2\nsleep 1\necho built > $out"),
        ),
    );
    let children: Vec<_> = (0..2)
        .map(|_| {
            env.command(&[
                "build",
                "shared.nix",
                "--no-link",
                "--print-out-paths",
                "-L",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let mut paths = Vec::new();
    let mut ran = 0;
    for out in &outputs {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        paths.push(String::from_utf8(out.stdout.clone()).unwrap());
        ran += stderr.matches(&marker).count();
    }
    assert_eq!(paths[0], paths[1]);
    assert_eq!(ran, 1, "the builder ran {ran} times");
    assert_eq!(
        std::fs::read_to_string(env.physical(paths[0].trim())).unwrap(),
        "built\n"
    );
    env.assert_verifies();
    paths.swap_remove(0)
}

/// The build lock: the second build waits for the first and finds the output built. The
/// store exists before (opening a new store at once is the next test).
#[test]
fn two_builds_of_one_derivation_at_once_build_it_once() {
    let test = "two_builds_of_one_derivation_at_once_build_it_once";
    if !have_busybox(test) {
        return;
    }
    let env = Env::new();
    env.ok(&["store", "ls"]);
    build_twice_at_once(&env);
}

/// Two builds at once in a store that does not exist yet: both create it. A few rounds, as
/// the two openings race.
#[test]
fn two_builds_at_once_in_a_new_store_both_succeed() {
    let test = "two_builds_at_once_in_a_new_store_both_succeed";
    if !have_busybox(test) {
        return;
    }
    for _ in 0..6 {
        build_twice_at_once(&Env::new());
    }
}
