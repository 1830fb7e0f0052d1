//! Packages of `mkDerivation` and the trivial builders, built by `cairn build` and by real Nix's
//! `nix-build`, are the same paths with the same contents.

use super::{Env, have, have_busybox, skip};
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Whether real Nix can build in its sandbox here; says why not loudly.
fn nix_works(test: &str, env: &Env) -> bool {
    if !have("nix-build") || !have("nix-store") {
        skip(test, "real Nix is not installed");
        return false;
    }
    let out = nix_build(env, "probe");
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

fn nix_build(env: &Env, attr: &str) -> Output {
    Command::new("nix-build")
        .args(["default.nix", "-A", attr, "--no-out-link"])
        .args([
            "--option",
            "substituters",
            "",
            "--option",
            "sandbox",
            "true",
        ])
        .args(["--option", "sandbox-paths", "/bin/sh=/bin/busybox"])
        .current_dir(env.dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("nix-build runs")
}

#[test]
fn outputs_equal_those_of_nix_build() {
    let test = "outputs_equal_those_of_nix_build";
    if !have_busybox(test) {
        return;
    }
    // Real Nix cannot import a host tool: both build the busybox of `sandbox-busybox.nix`.
    let busybox =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stdlib/tests/sandbox-busybox.nix");
    let env = Env::with_package_set(
        &format!(
            "{{ overlays = [ (final: prev: {{ busybox = import {}; }}) ]; }}",
            busybox.canonicalize().unwrap().display()
        ),
        r#"rec {
  probe = pkgs.busybox;
  package = stdenv.mkDerivation {
    pname = "parity";
    version = "1.0";
    src = ./src;
    outputs = [ "out" "doc" ];
    patches = [ ./fix.patch ];
    buildInputs = [ tool ];
    postPatch = "substituteInPlace text --replace-fail patched substituted";
    buildPhase = "my-tool > built";
    installPhase = ''
      mkdir -p $out/bin $doc
      cp text built $out/
      printf '#!/usr/bin/env sh\necho run\n' > $out/bin/run
      chmod +x $out/bin/run
      echo "$outputs" > $doc/outputs
    '';
  };
  tool = pkgs.writeShellScriptBin "my-tool" "echo from my-tool";
  text = pkgs.writeText "parity-text" "some text\n";
  joined = pkgs.symlinkJoin { name = "parity-joined"; paths = [ tool package ]; };
  farm = pkgs.linkFarm "parity-farm" { t = text; p = package; };
}"#,
    );
    env.write("src/text", "to be patched\n");
    env.write(
        "fix.patch",
        "--- a/text\n+++ b/text\n@@ -1 +1 @@\n-to be patched\n+patched\n",
    );
    if !nix_works(test, &env) {
        return;
    }
    let mut differences = Vec::new();
    for attr in ["package", "package.doc", "text", "joined", "farm"] {
        let nix = nix_build(&env, attr);
        assert!(
            nix.status.success(),
            "nix-build -A {attr}: {}",
            String::from_utf8_lossy(&nix.stderr)
        );
        let theirs = String::from_utf8(nix.stdout).unwrap().trim().to_string();
        let ours = env.build(attr);
        if ours != theirs {
            differences.push(format!("{attr}: cairn {ours}, nix-build {theirs}"));
            continue;
        }
        let nar_ours = env.run(&["store", "dump", &ours]).stdout;
        let nar_theirs = Command::new("nix-store")
            .args(["--dump", &theirs])
            .output()
            .unwrap()
            .stdout;
        if nar_ours != nar_theirs {
            differences.push(format!("{attr}: the contents of {ours} differ"));
        }
    }
    assert!(
        differences.is_empty(),
        "differences from nix-build:\n{}",
        differences.join("\n")
    );
}
