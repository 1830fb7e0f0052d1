//! `stdenv.mkDerivation` and the trivial builders of `stdlib/` built with `cairn build`: the
//! phases and their hooks run in order, sources are unpacked and patched, a Makefile project
//! is configured, built, checked and installed, build inputs are on `PATH`, outputs, `passthru`,
//! `meta` and `overrideAttrs` are where nixpkgs puts them, `#!` lines are fixed, failures stop
//! the build and name their phase, each trivial builder writes what it is given, and
//! `callPackage` results can be overridden. One test builds the same packages with real Nix
//! and compares the outputs byte for byte.
//!
//! Every test needs the host's static busybox at `/bin/busybox`, the sandbox's `/bin/sh` and the
//! package set's `busybox`, imported from the host; without it the tests are skipped with a
//! `SKIPPED` banner on standard error. The Makefile test also needs the host's GNU make, bound into the
//! sandbox with its libraries, and the parity test real Nix able to build in its sandbox; the
//! archives are made with the host's `tar`, `gzip`, `bzip2`, `xz` and `zip`. Each is skipped the
//! same way when what it needs is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    /// A temporary folder with a store of its own and `default.nix`: `let` the package set
    /// (`pkgs`, `lib`, `stdenv`) `in` the set `attrs`.
    fn new(attrs: &str) -> Env {
        Env::with_package_set("{ }", attrs)
    }

    /// The same, with the package set called with `args`; `pkgs.nix` is the package set.
    fn with_package_set(args: &str, attrs: &str) -> Env {
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        let stdlib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stdlib");
        let stdlib = stdlib.canonicalize().unwrap();
        env.write("pkgs.nix", &format!("import {} {args}\n", stdlib.display()));
        env.write(
            "default.nix",
            &format!(
                "let\n  pkgs = import ./pkgs.nix;\n  inherit (pkgs) lib stdenv;\nin\n{attrs}\n"
            ),
        );
        env
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

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_cairn"))
            .args(args)
            .env("CAIRN_STORE", self.path("store"))
            .env_remove("CAIRN_STORE_DIR")
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("the cairn binary runs")
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

    /// Builds the attribute `attr` of `default.nix` with the extra arguments `extra`, and gives
    /// its output path.
    fn build_with(&self, attr: &str, extra: &[&str]) -> String {
        let mut args = vec!["build", "-A", attr, "--no-link", "--print-out-paths"];
        args.extend_from_slice(extra);
        let out = self.ok(&args);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "one output path: {out}");
        lines[0].to_string()
    }

    fn build(&self, attr: &str) -> String {
        self.build_with(attr, &[])
    }

    /// Builds `attr`, which must fail; gives standard error.
    fn build_fails(&self, attr: &str) -> String {
        let out = self.run(&["build", "-A", attr, "--no-link"]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{attr} should fail: {stderr}");
        stderr
    }

    /// `cairn eval --json -E EXPR`, with `default.nix` as `d` and the package set as `pkgs`.
    fn eval_json(&self, expr: &str) -> serde_json::Value {
        let expr = format!("let d = import ./default.nix; pkgs = import ./pkgs.nix; in {expr}");
        let out = self.ok(&["eval", "--json", "-E", &expr]);
        serde_json::from_str(&out).unwrap()
    }

    /// The store path of the package set's busybox.
    fn busybox(&self) -> String {
        let path = self.eval_json("pkgs.busybox.outPath");
        path.as_str().unwrap().to_string()
    }

    /// Where a logical store path is on disk.
    fn physical(&self, store_path: &str) -> PathBuf {
        self.path("store").join(store_path.trim_start_matches('/'))
    }

    /// The text of the file `rel` of the store path `out` (`""` for the path itself).
    fn read(&self, out: &str, rel: &str) -> String {
        let at = if rel.is_empty() {
            self.physical(out)
        } else {
            self.physical(out).join(rel)
        };
        std::fs::read_to_string(&at).unwrap_or_else(|e| panic!("reading {}: {e}", at.display()))
    }

    /// The log of the build of the store path `out`.
    fn log(&self, out: &str) -> String {
        self.ok(&["log", out])
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

/// Whether the host has `tool`.
fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `sh -c script` in `dir`, which must succeed.
fn sh(dir: &Path, script: &str) {
    let out = Command::new("sh")
        .args(["-c", script])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The lines of `log` that start with one of `prefixes`.
fn lines_starting(log: &str, prefixes: &[&str]) -> Vec<String> {
    log.lines()
        .filter(|l| prefixes.iter().any(|p| l.starts_with(p)))
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Phases

#[test]
fn phases_run_in_order_with_their_hooks() {
    if !have_busybox("phases_run_in_order_with_their_hooks") {
        return;
    }
    let hooks: String = [
        "Unpack",
        "Patch",
        "Configure",
        "Build",
        "Check",
        "Install",
        "Fixup",
        "InstallCheck",
        "Dist",
    ]
    .iter()
    .map(|p| format!("pre{p} = \"echo HOOK pre{p}\"; post{p} = \"echo HOOK post{p}\";\n"))
    .collect();
    let env = Env::new(&format!(
        r#"rec {{
  all = stdenv.mkDerivation {{
    name = "all-phases";
    src = ./src;
    {hooks}
    doCheck = true;
    doInstallCheck = true;
    installPhase = ''
      runHook preInstall
      mkdir -p $out
      runHook postInstall
    '';
  }};
  defaults = all.overrideAttrs {{ doCheck = false; doInstallCheck = false; }};
  own = stdenv.mkDerivation {{
    name = "own-phases";
    phases = [ "firstPhase" "installPhase" "lastPhase" ];
    firstPhase = "echo in firstPhase";
    installPhase = "mkdir $out; echo installed > $out/by";
    lastPhase = "echo in lastPhase >> $out/by";
  }};
  skipped = stdenv.mkDerivation {{
    name = "skipped";
    dontUnpack = true; dontPatch = true; dontConfigure = true; dontBuild = true; dontFixup = true;
    installPhase = "mkdir $out";
  }};
}}"#
    ));
    env.write("src/file", "a source\n");

    let out = env.build("all");
    let expected: Vec<String> = [
        ("unpack", "Unpack"),
        ("patch", "Patch"),
        ("configure", "Configure"),
        ("build", "Build"),
        ("check", "Check"),
        ("install", "Install"),
        ("fixup", "Fixup"),
        ("installCheck", "InstallCheck"),
    ]
    .iter()
    .flat_map(|(phase, hook)| {
        [
            format!("Running phase: {phase}Phase"),
            format!("HOOK pre{hook}"),
            format!("HOOK post{hook}"),
        ]
    })
    .collect();
    let log = env.log(&out);
    assert_eq!(
        lines_starting(&log, &["Running phase:", "HOOK"]),
        expected,
        "{log}"
    );

    // Without `doCheck` and `doInstallCheck`, those phases do not run; `distPhase` never does.
    let log = env.log(&env.build("defaults"));
    assert_eq!(
        lines_starting(&log, &["Running phase:"]),
        ["unpack", "patch", "configure", "build", "install", "fixup"]
            .map(|p| format!("Running phase: {p}Phase")),
        "{log}"
    );

    let out = env.build("own");
    assert_eq!(env.read(&out, "by"), "installed\nin lastPhase\n");
    let log = env.log(&out);
    assert_eq!(
        lines_starting(&log, &["Running phase:", "in "]),
        [
            "Running phase: firstPhase",
            "in firstPhase",
            "Running phase: installPhase",
            "Running phase: lastPhase"
        ],
        "{log}"
    );

    let log = env.log(&env.build("skipped"));
    assert_eq!(
        lines_starting(&log, &["Running phase:"]),
        ["Running phase: installPhase"],
        "{log}"
    );
}

#[test]
fn build_command_and_own_builders_replace_the_phases() {
    if !have_busybox("build_command_and_own_builders_replace_the_phases") {
        return;
    }
    let env = Env::new(
        r#"{
  command = stdenv.mkDerivation {
    name = "command";
    buildCommand = "echo from buildCommand > $out";
    installPhase = "echo never > $out";
  };
  builder = stdenv.mkDerivation {
    name = "own-builder";
    builder = ./builder.sh;
    greeting = "hello";
  };
  setup = derivation {
    name = "uses-setup";
    system = stdenv.system;
    builder = stdenv.shell;
    inherit stdenv;
    args = [ "-c" ". $stdenv/setup; echo $PATH > $out; test -n \"$(type genericBuild)\"" ];
  };
}"#,
    );
    env.write(
        "builder.sh",
        "source $stdenv/setup\necho \"$greeting from a builder\" > $out\n",
    );
    let out = env.build("command");
    assert_eq!(env.read(&out, ""), "from buildCommand\n");
    assert!(!env.log(&out).contains("Running phase"));
    let out = env.build("builder");
    assert_eq!(env.read(&out, ""), "hello from a builder\n");
    // `$stdenv/setup` puts busybox on PATH.
    let out = env.build("setup");
    assert_eq!(env.read(&out, ""), format!("{}/bin\n", env.busybox()));
}

#[test]
fn a_failing_command_fails_the_build_and_names_its_phase() {
    if !have_busybox("a_failing_command_fails_the_build_and_names_its_phase") {
        return;
    }
    let env = Env::new(
        r#"{
  inPhase = stdenv.mkDerivation {
    name = "fails-in-build";
    dontUnpack = true;
    buildPhase = ''
      echo before the failure
      false
      echo after the failure
    '';
    installPhase = "mkdir $out";
  };
  inHook = stdenv.mkDerivation {
    name = "fails-in-hook";
    dontUnpack = true;
    postInstall = "cat /no/such/file; echo after the failure";
  };
  inPipe = stdenv.mkDerivation {
    name = "fails-in-pipe";
    dontUnpack = true;
    configurePhase = "false | cat; echo after the failure";
  };
  inCommand = stdenv.mkDerivation {
    name = "fails-in-command";
    buildCommand = "mkdir $out; false; echo after the failure";
  };
}"#,
    );
    for (attr, phase) in [
        ("inPhase", "buildPhase"),
        ("inHook", "installPhase"),
        ("inPipe", "configurePhase"),
        ("inCommand", "buildCommand"),
    ] {
        let stderr = env.build_fails(attr);
        assert!(
            stderr.contains(&format!("> error: {phase} failed with exit code 1")),
            "{attr}: {stderr}"
        );
        assert!(!stderr.contains("after the failure"), "{attr}: {stderr}");
        if phase != "buildCommand" {
            assert!(
                stderr.contains(&format!("> Running phase: {phase}")),
                "{attr}: {stderr}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sources

#[test]
fn archives_and_folders_are_unpacked() {
    let test = "archives_and_folders_are_unpacked";
    if !have_busybox(test) {
        return;
    }
    // The archives each hold `hello-1.0/`, made by the host's tools.
    let formats = [
        ("tar", "tar", "tar cf hello-1.0.tar hello-1.0"),
        ("tar.gz", "gzip", "tar czf hello-1.0.tar.gz hello-1.0"),
        ("tgz", "gzip", "tar czf hello-1.0.tgz hello-1.0"),
        ("tar.bz2", "bzip2", "tar cjf hello-1.0.tar.bz2 hello-1.0"),
        ("tar.xz", "xz", "tar cJf hello-1.0.tar.xz hello-1.0"),
        ("zip", "zip", "zip -qr hello-1.0.zip hello-1.0"),
    ];
    let available: Vec<&str> = formats
        .iter()
        .filter(|(ext, tool, _)| {
            let there = have("tar") && have(tool);
            if !there {
                skip(test, &format!("no `{tool}` to make a .{ext} archive"));
            }
            there
        })
        .map(|(ext, _, _)| *ext)
        .collect();
    // Attribute names without dots: `tar_gz` unpacks `hello-1.0.tar.gz`.
    let archives: String = available
        .iter()
        .map(|ext| {
            format!(
                "  {} = unpacked ./hello-1.0.{ext};\n",
                ext.replace('.', "_")
            )
        })
        .collect();
    let env = Env::new(&format!(
        r#"let
  # What the build saw: the source root, the working folder, and that the sources are writable.
  unpacked = src: stdenv.mkDerivation {{
    name = "unpacked";
    inherit src;
    buildPhase = "echo written > file-written-in-the-build";
    installPhase = ''
      mkdir $out
      cp -R . $out/tree
      echo "$sourceRoot $(pwd)" > $out/where
    '';
  }};
in
{{
{archives}
  folder = unpacked ./hello-1.0;
  several = stdenv.mkDerivation {{
    name = "several";
    srcs = [ ./hello-1.0 ./other ];
    sourceRoot = "other";
    installPhase = "mkdir $out; ls .. > $out/siblings; pwd > $out/where";
  }};
  ambiguous = stdenv.mkDerivation {{ name = "ambiguous"; srcs = [ ./hello-1.0 ./other ]; }};
  chosen = stdenv.mkDerivation {{
    name = "chosen";
    src = ./hello-1.0;
    setSourceRoot = "sourceRoot=hello-1.0/sub";
    installPhase = "mkdir $out; pwd > $out/where";
  }};
  command = stdenv.mkDerivation {{
    name = "unpack-command";
    src = ./data.custom;
    unpackCmd = "mkdir custom; cp $curSrc custom/data";
    installPhase = "mkdir $out; cp data $out/";
  }};
  none = stdenv.mkDerivation {{
    name = "no-source";
    dontUnpack = true;
    installPhase = "mkdir $out; pwd > $out/where";
  }};
  unknown = stdenv.mkDerivation {{ name = "unknown"; src = ./data.custom; }};
}}"#
    ));
    env.write("hello-1.0/README", "the readme\n");
    env.write("hello-1.0/sub/file", "a file\n");
    env.write("other/f", "other\n");
    env.write("data.custom", "custom data\n");
    for (ext, _, make) in &formats {
        if available.contains(ext) {
            sh(env.dir.path(), make);
        }
    }

    let attrs = available.iter().map(|ext| ext.replace('.', "_"));
    for attr in attrs.chain(["folder".to_string()]) {
        let out = env.build(&attr);
        assert_eq!(env.read(&out, "tree/README"), "the readme\n", "{attr}");
        assert_eq!(env.read(&out, "tree/sub/file"), "a file\n", "{attr}");
        assert_eq!(
            env.read(&out, "tree/file-written-in-the-build"),
            "written\n",
            "{attr}"
        );
        assert_eq!(
            env.read(&out, "where"),
            "hello-1.0 /build/hello-1.0\n",
            "{attr}"
        );
        assert!(env.log(&out).contains("source root is hello-1.0"), "{attr}");
    }

    let out = env.build("several");
    assert_eq!(env.read(&out, "siblings"), "env-vars\nhello-1.0\nother\n");
    assert_eq!(env.read(&out, "where"), "/build/other\n");
    let stderr = env.build_fails("ambiguous");
    assert!(
        stderr.contains("unpacker produced multiple directories"),
        "{stderr}"
    );
    let out = env.build("chosen");
    assert_eq!(env.read(&out, "where"), "/build/hello-1.0/sub\n");
    let out = env.build("command");
    assert_eq!(env.read(&out, "data"), "custom data\n");
    let out = env.build("none");
    assert_eq!(env.read(&out, "where"), "/build\n");
    let stderr = env.build_fails("unknown");
    assert!(
        stderr.contains("do not know how to unpack source archive"),
        "{stderr}"
    );
}

#[test]
fn patches_apply_with_their_hooks() {
    let test = "patches_apply_with_their_hooks";
    if !have_busybox(test) || !have("gzip") {
        skip(test, "no busybox or no gzip");
        return;
    }
    let env = Env::new(
        r#"rec {
  patched = stdenv.mkDerivation {
    name = "patched";
    src = ./src;
    patches = [ ./one.patch ./two.patch.gz ];
    prePatch = "echo before >> notes";
    postPatch = "echo after >> notes";
    installPhase = "mkdir $out; cp notes text $out/";
  };
  levels = patched.overrideAttrs { patches = [ ./zero.patch ]; patchFlags = [ "-p0" ]; };
  broken = patched.overrideAttrs { patches = [ ./broken.patch ]; };
}"#,
    );
    env.write("src/text", "one\ntwo\nthree\n");
    env.write(
        "one.patch",
        "--- a/text\n+++ b/text\n@@ -1,3 +1,3 @@\n-one\n+ONE\n two\n three\n",
    );
    env.write(
        "two.patch",
        "--- a/text\n+++ b/text\n@@ -1,3 +1,3 @@\n ONE\n two\n-three\n+THREE\n",
    );
    sh(env.dir.path(), "gzip two.patch");
    env.write(
        "zero.patch",
        "--- text\n+++ text\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n",
    );
    env.write(
        "broken.patch",
        "--- a/text\n+++ b/text\n@@ -1,3 +1,3 @@\n-nothing\n+like this\n two\n three\n",
    );
    let out = env.build("patched");
    assert_eq!(env.read(&out, "text"), "ONE\ntwo\nTHREE\n");
    assert_eq!(env.read(&out, "notes"), "before\nafter\n");
    let log = env.log(&out);
    assert!(log.contains("applying patch /nix/store/"), "{log}");
    let out = env.build("levels");
    assert_eq!(env.read(&out, "text"), "one\nTWO\nthree\n");
    let stderr = env.build_fails("broken");
    assert!(stderr.contains("error: patchPhase failed"), "{stderr}");
}

#[test]
fn substitute_in_place_replaces_plain_strings() {
    if !have_busybox("substitute_in_place_replaces_plain_strings") {
        return;
    }
    let env = Env::new(
        r#"rec {
  replaced = stdenv.mkDerivation {
    name = "replaced";
    src = ./src;
    who = "cairn";
    postPatch = ''
      substituteInPlace config.h \
        --replace-fail 'a*b' '[&\1]' \
        --subst-var who \
        --subst-var-by version 1.0 \
        --replace-quiet absent x
      substitute config.h copy.h --replace-fail "
second" " second"
    '';
    installPhase = "mkdir $out; cp config.h copy.h $out/";
  };
  missing = replaced.overrideAttrs {
    postPatch = "substituteInPlace config.h --replace-fail absent x";
  };
}"#,
    );
    env.write("src/config.h", "a*b by @who@ at @version@ a*b\nsecond\n\n");
    let out = env.build("replaced");
    assert_eq!(
        env.read(&out, "config.h"),
        "[&\\1] by cairn at 1.0 [&\\1]\nsecond\n\n"
    );
    assert_eq!(
        env.read(&out, "copy.h"),
        "[&\\1] by cairn at 1.0 [&\\1] second\n\n"
    );
    let stderr = env.build_fails("missing");
    assert!(
        stderr.contains("'absent' was not found in 'config.h'"),
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------------------------
// make

#[test]
fn a_makefile_project_is_configured_built_checked_and_installed() {
    let test = "a_makefile_project_is_configured_built_checked_and_installed";
    if !have_busybox(test) {
        return;
    }
    // The dynamic loader and the C library, where they really are.
    let (Ok(lib64), Ok(lib)) = (
        Path::new("/lib64").canonicalize(),
        Path::new("/lib").canonicalize(),
    ) else {
        skip(test, "no /lib64 or /lib");
        return;
    };
    if !Path::new("/usr/bin/make").exists() {
        skip(test, "no GNU make at /usr/bin/make");
        return;
    }
    let env = Env::new(
        r#"rec {
  # The host's make, reached through the sandbox paths.
  make = derivation {
    name = "host-make";
    system = stdenv.system;
    builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/bin; ln -s /usr/bin/make $out/bin/make" ];
  };
  hello = stdenv.mkDerivation (finalAttrs: {
    pname = "hello";
    version = "2.0";
    src = ./hello-2.0;
    nativeBuildInputs = [ make ];
    configureFlags = [ "--with-greeting=hello" ];
    makeFlags = [ "WHO=world" ];
    buildFlags = [ "all" ];
    installFlags = [ "DOCDIR=$(PREFIX)/share/doc" ];
    doCheck = true;
    enableParallelBuilding = true;
  });
  serial = hello.overrideAttrs { enableParallelBuilding = false; checkTarget = "test"; };
  failing = hello.overrideAttrs { makeFlags = [ "WHO=nobody" ]; };
}"#,
    );
    env.write(
        "hello-2.0/configure",
        "#!/usr/bin/env sh\n\
         for a in \"$@\"; do\n\
           case $a in\n\
             --prefix=*) echo \"PREFIX = ${a#--prefix=}\" >> config.mk ;;\n\
             --with-greeting=*) echo \"GREETING = ${a#--with-greeting=}\" >> config.mk ;;\n\
           esac\n\
         done\n",
    );
    env.write(
        "hello-2.0/Makefile",
        "include config.mk\n\
         all: greet\n\
         greet: greet.in\n\
         \tsed -e 's/@GREETING@/$(GREETING)/' -e 's/@WHO@/$(WHO)/' greet.in > greet\n\
         \tchmod +x greet\n\
         check:\n\
         \t./greet | grep -q 'hello world'\n\
         test: check\n\
         install:\n\
         \tmkdir -p $(PREFIX)/bin $(DOCDIR)\n\
         \tcp greet $(PREFIX)/bin/greet\n\
         \techo docs > $(DOCDIR)/README\n",
    );
    env.write("hello-2.0/greet.in", "#!/bin/sh\necho @GREETING@ @WHO@\n");
    sh(env.dir.path(), "chmod +x hello-2.0/configure");
    let paths = format!(
        "/bin/sh=/bin/busybox /usr/bin/make /lib64={} /lib={}",
        lib64.display(),
        lib.display()
    );
    let paths = paths.as_str();
    let sandbox = ["--sandbox-paths", paths];

    let out = env.build_with("hello", &sandbox);
    assert_eq!(
        env.read(&out, "bin/greet"),
        format!("#!{}/bin/sh\necho hello world\n", env.busybox())
    );
    assert_eq!(env.read(&out, "share/doc/README"), "docs\n");
    let log = env.log(&out);
    for expected in [
        format!("configure flags: --prefix={out} --with-greeting=hello"),
        "./configure: interpreter directive changed from \"#!/usr/bin/env sh\"".to_string(),
        "build flags: -j".to_string(),
        " WHO=world all".to_string(),
        "check flags: -j".to_string(),
        " WHO=world VERBOSE=y check".to_string(),
        "install flags: -j".to_string(),
        " WHO=world DOCDIR=$(PREFIX)/share/doc install".to_string(),
    ] {
        assert!(log.contains(&expected), "no {expected:?} in:\n{log}");
    }

    let out = env.build_with("serial", &sandbox);
    let log = env.log(&out);
    assert!(!log.contains("flags: -j"), "{log}");
    assert!(log.contains(" WHO=world VERBOSE=y test"), "{log}");

    let out = env.run(&[
        "build",
        "-A",
        "failing",
        "--no-link",
        "--sandbox-paths",
        paths,
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("> error: checkPhase failed"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Inputs, outputs, the package's attributes

#[test]
fn build_inputs_are_on_path_before_busybox() {
    if !have_busybox("build_inputs_are_on_path_before_busybox") {
        return;
    }
    let env = Env::new(
        r#"rec {
  native = pkgs.writeShellScriptBin "native-tool" "echo native";
  host = pkgs.writeShellScriptBin "host-tool" "echo host";
  deep = pkgs.writeShellScriptBin "deep-tool" "echo deep";
  library = stdenv.mkDerivation {
    name = "library";
    dontUnpack = true;
    propagatedBuildInputs = [ deep ];
    installPhase = "mkdir $out";
  };
  user = stdenv.mkDerivation {
    name = "user";
    dontUnpack = true;
    nativeBuildInputs = [ native null ];
    buildInputs = [ [ host ] library ];
    installPhase = ''
      mkdir $out
      { native-tool; host-tool; deep-tool; } > $out/ran
      echo "$PATH" > $out/path
    '';
  };
}"#,
    );
    let out = env.build("user");
    assert_eq!(env.read(&out, "ran"), "native\nhost\ndeep\n");
    let path: Vec<String> = ["native", "host", "deep"]
        .iter()
        .map(|tool| format!("{}/bin", env.build(tool)))
        .chain([format!("{}/bin", env.busybox())])
        .collect();
    assert_eq!(env.read(&out, "path"), format!("{}\n", path.join(":")));
    let library = env.build("library");
    let deep = env.build("deep");
    assert_eq!(
        env.read(&library, "nix-support/propagated-build-inputs"),
        format!("{deep}\n")
    );
}

#[test]
fn outputs_passthru_meta_and_overrides() {
    if !have_busybox("outputs_passthru_meta_and_overrides") {
        return;
    }
    let env = Env::new(
        r#"rec {
  pkg = stdenv.mkDerivation (finalAttrs: {
    pname = "multi";
    version = "1.0";
    outputs = [ "out" "bin" "doc" ];
    dontUnpack = true;
    greeting = "version ${finalAttrs.version}";
    installPhase = ''
      mkdir -p $out $bin/bin $doc
      echo "$greeting" > $out/greeting
      printf '#!/bin/sh\necho hi\n' > $bin/bin/hi
      chmod +x $bin/bin/hi
      echo "$outputs" > $doc/outputs
      runHook postInstall
    '';
    env.FROM_ENV = "set by env";
    postInstall = "echo $FROM_ENV > $out/env";
    passthru.tests.simple = "a test";
    passthru.self = finalAttrs.finalPackage;
    meta.description = "a package of three outputs";
  });
  newer = pkg.overrideAttrs (final: prev: { version = "2.0"; });
  older = pkg.overrideAttrs (prev: { version = "0.${prev.version}"; });
  plain = pkg.overrideAttrs { pname = "plain"; };
}"#,
    );
    let shape = env.eval_json(
        r#"with d; {
  inherit (pkg) name pname version outputs meta;
  # Not `type`: a set with `type = "derivation"` is a derivation to `cairn eval`.
  isDerivation = pkg.type == "derivation";
  # Nor `outPath`, which JSON prints instead of the set.
  outIsDefault = pkg.outPath == pkg.out.outPath;
  outputNames = map (o: pkg.${o}.outputName) pkg.outputs;
  tests = pkg.tests.simple;
  passthruTests = pkg.passthru.tests.simple;
  onOutputs = [ pkg.bin.tests.simple pkg.doc.meta.description ];
  self = pkg.self.outPath == pkg.outPath;
  inDerivation = [ (pkg.drvAttrs ? passthru) (pkg.drvAttrs ? meta) (pkg.drvAttrs ? env) (pkg.drvAttrs ? tests) pkg.drvAttrs.FROM_ENV ];
  drvPath = builtins.match "/nix/store/.*-multi-1.0.drv" pkg.drvPath != null;
  names = [ newer.name older.name plain.name newer.self.name ];
  overridable = [ (newer ? overrideAttrs) (newer.bin ? overrideAttrs) ((newer.overrideAttrs { version = "3"; }).name) ];
}"#,
    );
    assert_eq!(
        shape,
        serde_json::json!({
            "name": "multi-1.0",
            "pname": "multi",
            "version": "1.0",
            "isDerivation": true,
            "outputs": ["out", "bin", "doc"],
            "meta": { "description": "a package of three outputs" },
            "outIsDefault": true,
            "outputNames": ["out", "bin", "doc"],
            "tests": "a test",
            "passthruTests": "a test",
            "onOutputs": ["a test", "a package of three outputs"],
            "self": true,
            "inDerivation": [false, false, false, false, "set by env"],
            "drvPath": true,
            "names": ["multi-2.0", "multi-0.1.0", "plain-1.0", "multi-2.0"],
            "overridable": [true, true, "multi-3"],
        })
    );

    let json = env.ok(&["build", "-A", "pkg", "--no-link", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let out = v[0]["outputs"]["out"].as_str().unwrap().to_string();
    assert_eq!(env.read(&out, "greeting"), "version 1.0\n");
    assert_eq!(env.read(&out, "env"), "set by env\n");
    let doc = env.build("pkg.doc");
    assert!(doc.ends_with("-multi-1.0-doc"), "{doc}");
    assert_eq!(env.read(&doc, "outputs"), "out bin doc\n");
    let bin = env.build("pkg.bin");
    assert!(env.read(&bin, "bin/hi").starts_with("#!/nix/store/"));
    let newer = env.build("newer");
    assert_eq!(env.read(&newer, "greeting"), "version 2.0\n");
}

#[test]
fn mistakes_are_reported_when_evaluating() {
    let env = Env::new(
        r#"{
  structured = stdenv.mkDerivation { name = "s"; __structuredAttrs = true; };
  overlap = stdenv.mkDerivation { name = "o"; src = "x"; env.src = "x"; };
  badEnv = stdenv.mkDerivation { name = "b"; env.list = [ 1 ]; };
  noName = stdenv.mkDerivation { pname = "n"; };
  destination = pkgs.writeTextFile { name = "d"; text = ""; destination = "relative"; };
}"#,
    );
    for (attr, message) in [
        ("structured", "`__structuredAttrs` is not supported"),
        (
            "overlap",
            "`env` may not hold attributes that are also the derivation's: src",
        ),
        ("badEnv", "`env.list` is a list"),
        (
            "noName",
            "give the package a `name`, or a `pname` and a `version`",
        ),
        ("destination", "destination must be an absolute path"),
    ] {
        let out = env.run(&["eval", "-A", &format!("{attr}.drvPath")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{attr}: {stderr}");
        assert!(stderr.contains(message), "{attr}: {stderr}");
    }
}

// ---------------------------------------------------------------------------------------------
// fixupPhase

#[test]
fn patch_shebangs_points_scripts_at_interpreters_on_path() {
    if !have_busybox("patch_shebangs_points_scripts_at_interpreters_on_path") {
        return;
    }
    let env = Env::new(
        r#"rec {
  tool = pkgs.writeShellScriptBin "my-interpreter" "cat";
  scripts = stdenv.mkDerivation {
    name = "scripts";
    dontUnpack = true;
    nativeBuildInputs = [ tool ];
    installPhase = ''
      mkdir -p $out/bin $out/share
      printf '#!/bin/sh\necho a\n' > $out/bin/plain
      printf '#!/bin/sh -e\necho b\n' > $out/bin/with-argument
      printf '#! /usr/bin/env sh\necho c\n' > $out/bin/env
      printf '#!/usr/bin/env my-interpreter --flag\n' > $out/bin/env-argument
      printf '#!/usr/bin/env -S sh -e\n' > $out/bin/env-split
      printf '#!/opt/no/such-interpreter\n' > $out/bin/unknown
      printf '#!/bin/sh' > $out/bin/no-newline
      printf '#!/bin/sh\n' > $out/share/not-executable
      chmod +x $out/bin/*
    '';
  };
  untouched = scripts.overrideAttrs { name = "untouched"; dontPatchShebangs = true; };
}"#,
    );
    let out = env.build("scripts");
    let first_line = |rel: &str| env.read(&out, rel).lines().next().unwrap().to_string();
    let bin = format!("{}/bin", env.busybox());
    let tool = env.build("tool");
    for (rel, expected) in [
        ("bin/plain", format!("#!{bin}/sh")),
        ("bin/with-argument", format!("#!{bin}/sh -e")),
        ("bin/env", format!("#!{bin}/sh")),
        (
            "bin/env-argument",
            format!("#!{tool}/bin/my-interpreter --flag"),
        ),
        ("bin/env-split", format!("#!{bin}/env -S {bin}/sh -e")),
        ("bin/unknown", "#!/opt/no/such-interpreter".to_string()),
        ("bin/no-newline", format!("#!{bin}/sh")),
        ("share/not-executable", "#!/bin/sh".to_string()),
    ] {
        assert_eq!(first_line(rel), expected, "{rel}");
    }
    assert_eq!(env.read(&out, "bin/plain"), format!("#!{bin}/sh\necho a\n"));
    assert_eq!(
        env.read(&out, "bin/with-argument"),
        format!("#!{bin}/sh -e\necho b\n")
    );

    let out = env.build("untouched");
    assert_eq!(env.read(&out, "bin/plain"), "#!/bin/sh\necho a\n");
}

// ---------------------------------------------------------------------------------------------
// callPackage

#[test]
fn call_package_results_can_be_overridden() {
    if !have_busybox("call_package_results_can_be_overridden") {
        return;
    }
    let env = Env::new(
        r#"rec {
  greeting = pkgs.callPackage ./greeting.nix { };
  other = greeting.override { who = "cairn"; };
  newer = other.overrideAttrs (prev: { version = "2.0"; });
  again = newer.override { who = "again"; };
  renamed = greeting.overrideDerivation (old: { name = "renamed"; });
  shape = [ (greeting ? override) (greeting ? overrideAttrs) (greeting ? overrideDerivation) greeting.who again.who again.name renamed.name renamed.who ];
}"#,
    );
    env.write(
        "greeting.nix",
        r#"{ stdenv, writeText, who ? "world" }:
stdenv.mkDerivation {
  pname = "greeting";
  version = "1.0";
  dontUnpack = true;
  installPhase = "cat ${writeText "greeting" "hello ${who}"} > $out";
  passthru.who = who;
}
"#,
    );
    assert_eq!(
        env.eval_json("d.shape"),
        serde_json::json!([
            true,
            true,
            true,
            "world",
            "again",
            "greeting-2.0",
            "renamed",
            "world"
        ])
    );
    for (attr, expected) in [
        ("greeting", "hello world"),
        ("other", "hello cairn"),
        ("newer", "hello cairn"),
        ("again", "hello again"),
        ("renamed", "hello world"),
    ] {
        assert_eq!(env.read(&env.build(attr), ""), expected, "{attr}");
    }
}

#[path = "stdenv/trivial_builders.rs"]
mod trivial_builders;

#[path = "stdenv/nix_parity.rs"]
mod nix_parity;
