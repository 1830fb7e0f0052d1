//! Each trivial builder of `stdlib/pkgs/trivial-builders.nix` writes what it is given.

use super::{Env, have_busybox};

#[test]
fn trivial_builders_write_what_they_are_given() {
    if !have_busybox("trivial_builders_write_what_they_are_given") {
        return;
    }
    let env = Env::new(
        r##"rec {
  text = pkgs.writeText "note.txt" "hello\nworld";
  textFile = pkgs.writeTextFile {
    name = "checked";
    text = "#!/bin/sh\necho checked\n";
    executable = true;
    destination = "/libexec/checked";
    checkPhase = "test -x $target";
  };
  textDir = pkgs.writeTextDir "share/doc/note.txt" "in a folder\n";
  script = pkgs.writeScript "script" "#!/bin/sh\necho script\n";
  scriptBin = pkgs.writeScriptBin "script-bin" "#!/bin/sh\necho script-bin\n";
  shell = pkgs.writeShellScript "shell" "echo shell";
  shellBin = pkgs.writeShellScriptBin "shell-bin" "echo shell-bin";
  badShell = pkgs.writeShellScript "bad-shell" "if then fi";
  command = pkgs.runCommand "command" { GREETING = "hi"; nativeBuildInputs = [ shellBin ]; } ''
    echo "$GREETING" > $out
    shell-bin >> $out
  '';
  local = pkgs.runCommandLocal "local" { } "echo local > $out";
  big = pkgs.writeText "big" (lib.concatStrings (lib.genList (i: "line ${toString i} of a text larger than the environment may hold\n") 50000));
  joined = pkgs.symlinkJoin {
    name = "joined";
    paths = [ scriptBin shellBin textDir (pkgs.writeTextDir "share/doc/note.txt" "loses\n") ];
    postBuild = "echo after > $out/post";
  };
  farm = pkgs.linkFarm "farm" [ { name = "a/b"; path = text; } { name = "c"; path = script; } ];
  farmSet = pkgs.linkFarm "farm-set" { x = text; };
  farmDrvs = pkgs.trivialBuilders.linkFarmFromDrvs "farm-drvs" [ text script ];
}"##,
    );
    let read = |attr: &str, rel: &str| env.read(&env.build(attr), rel);
    let text = env.build("text");
    assert!(text.ends_with("-note.txt"), "{text}");
    assert_eq!(env.read(&text, ""), "hello\nworld");
    assert_eq!(
        read("textFile", "libexec/checked"),
        "#!/bin/sh\necho checked\n"
    );
    assert_eq!(read("textDir", "share/doc/note.txt"), "in a folder\n");
    assert_eq!(read("script", ""), "#!/bin/sh\necho script\n");
    assert_eq!(
        read("scriptBin", "bin/script-bin"),
        "#!/bin/sh\necho script-bin\n"
    );
    let sh = format!("{}/bin/sh", env.busybox());
    assert_eq!(read("shell", ""), format!("#!{sh}\necho shell\n"));
    assert_eq!(
        read("shellBin", "bin/shell-bin"),
        format!("#!{sh}\necho shell-bin\n")
    );
    let stderr = env.build_fails("badShell");
    assert!(stderr.contains("syntax error"), "{stderr}");
    assert_eq!(read("command", ""), "hi\nshell-bin\n");
    assert_eq!(read("local", ""), "local\n");
    let big = read("big", "");
    assert_eq!(big.lines().count(), 50000);
    assert!(big.len() > 1_000_000, "{}", big.len());

    let executable = |attr: &str, rel: &str| {
        use std::os::unix::fs::PermissionsExt;
        let out = env.physical(&env.build(attr));
        let at = if rel.is_empty() { out } else { out.join(rel) };
        std::fs::metadata(at).unwrap().permissions().mode() & 0o111 != 0
    };
    assert!(!executable("text", ""));
    for (attr, rel) in [
        ("textFile", "libexec/checked"),
        ("script", ""),
        ("scriptBin", "bin/script-bin"),
        ("shell", ""),
        ("shellBin", "bin/shell-bin"),
    ] {
        assert!(executable(attr, rel), "{attr}");
    }
    let meta = env.eval_json(
        "with d; [ scriptBin.meta.mainProgram shellBin.meta.mainProgram (script.meta ? mainProgram) (farm.entries ? c) ]",
    );
    assert_eq!(
        meta,
        serde_json::json!(["script-bin", "shell-bin", false, true])
    );

    let joined = env.build("joined");
    let link = |out: &str, rel: &str| {
        std::fs::read_link(env.physical(out).join(rel))
            .unwrap_or_else(|e| panic!("{rel}: {e}"))
            .to_string_lossy()
            .into_owned()
    };
    let script_bin = env.build("scriptBin");
    let text_dir = env.build("textDir");
    assert_eq!(
        link(&joined, "bin/script-bin"),
        format!("{script_bin}/bin/script-bin")
    );
    assert_eq!(
        link(&joined, "share/doc/note.txt"),
        format!("{text_dir}/share/doc/note.txt")
    );
    assert!(env.physical(&joined).join("share/doc").is_dir());
    assert!(!env.physical(&joined).join("share/doc").is_symlink());
    assert_eq!(env.read(&joined, "post"), "after\n");

    let farm = env.build("farm");
    let script = env.build("script");
    assert_eq!(link(&farm, "a/b"), text);
    assert_eq!(link(&farm, "c"), script);
    assert_eq!(link(&env.build("farmSet"), "x"), text);
    let farm_drvs = env.build("farmDrvs");
    assert_eq!(link(&farm_drvs, "note.txt"), text);
    assert_eq!(link(&farm_drvs, "script"), script);
}
