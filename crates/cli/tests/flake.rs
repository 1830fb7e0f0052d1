//! Flakes: installables, `flake.lock` (written on first use, read afterwards, refused when it
//! no longer matches), inputs (`path:`, `git+file://` at a commit, `flake = false`,
//! `follows`, the bundled standard library), pure evaluation, the `cairn flake` commands, and
//! time travel: an old commit rebuilt by `rev` gives the image it gave then, byte for byte.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cairn(store: &Path, cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.env("CAIRN_STORE", store)
        .env("XDG_CACHE_HOME", store.join("cache"))
        .current_dir(cwd);
    cmd
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn failed(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "expected a failure:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn git(repo: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .unwrap();
    ok(&out).trim().to_string()
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A flake of plain derivations (the sandbox's /bin/sh builds them), in a fresh folder.
fn simple_flake(dir: &Path, message: &str) {
    write(
        dir,
        "flake.nix",
        r#"{
  description = "a small flake";
  inputs.stdlib.url = "cairn:stdlib";
  outputs = { self, stdlib }: {
    packages.x86_64-linux.hello = derivation {
      name = "hello";
      system = "x86_64-linux";
      builder = "/bin/sh";
      args = [ "-c" "echo $(cat ${./message.txt}) > $out" ];
    };
    packages.x86_64-linux.default = self.packages.x86_64-linux.hello;
    legacyPackages.x86_64-linux.legacy = "from legacyPackages";
    top = "from the top";
    selfInfo = { inherit (self) narHash; hasOutPath = self ? outPath; };
    env = builtins.getEnv "HOME";
    libVersion = stdlib.lib.versions.major "1.2.3";
  };
}
"#,
    );
    write(dir, "message.txt", message);
}

fn eval(store: &Path, cwd: &Path, installable: &str) -> String {
    ok(&cairn(store, cwd)
        .args(["eval", "--json", installable])
        .output()
        .unwrap())
}

#[test]
fn installables_select_as_nix_does_and_the_lock_is_written_once() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let dir = tmp.path().join("flake");
    simple_flake(&dir, "hi");
    assert_eq!(eval(&store, &dir, ".#legacy"), "\"from legacyPackages\"\n");
    assert_eq!(eval(&store, &dir, ".#top"), "\"from the top\"\n");
    assert_eq!(eval(&store, &dir, ".#libVersion"), "\"1\"\n");
    // Pure: the environment is not visible.
    assert_eq!(eval(&store, &dir, ".#env"), "\"\"\n");
    let info: serde_json::Value = serde_json::from_str(&eval(&store, &dir, ".#selfInfo")).unwrap();
    assert_eq!(info["hasOutPath"], true);
    assert!(info["narHash"].as_str().unwrap().starts_with("sha256-"));

    let lock = std::fs::read_to_string(dir.join("flake.lock")).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&lock).unwrap();
    assert_eq!(parsed["version"], 7);
    assert_eq!(parsed["nodes"]["stdlib"]["locked"]["type"], "cairn");
    let out = cairn(&store, &dir)
        .args(["build", ".#hello", "--no-link", "--print-out-paths"])
        .output()
        .unwrap();
    let path = ok(&out);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("lock file"),
        "the lock was written again"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("flake.lock")).unwrap(),
        lock
    );
    let physical = store.join(path.trim().trim_start_matches('/'));
    assert_eq!(std::fs::read_to_string(physical).unwrap(), "hi\n");

    // No fragment: `default`; a folder with a flake.nix and no default.nix is a flake.
    let out = ok(&cairn(&store, &dir)
        .args(["build", ".", "--no-link", "--print-out-paths"])
        .output()
        .unwrap());
    assert_eq!(out, path);
    let err = failed(
        &cairn(&store, &dir)
            .args(["eval", ".#nothing"])
            .output()
            .unwrap(),
    );
    assert!(err.contains("does not provide attribute"), "{err}");
}

#[test]
fn path_and_git_inputs_are_locked_and_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let lib = tmp.path().join("lib");
    write(
        &lib,
        "flake.nix",
        "{ outputs = { self }: { answer = 42; }; }\n",
    );
    let data = tmp.path().join("data");
    write(&data, "value.txt", "one\n");
    let repo = tmp.path().join("repo");
    write(&repo, "word.txt", "first\n");
    git(&repo, &["init", "-q"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "first"]);
    let first = git(&repo, &["rev-parse", "HEAD"]);
    write(&repo, "word.txt", "second\n");
    git(&repo, &["commit", "-q", "-am", "second"]);

    let pack = tmp.path().join("pack/pkg-1.0");
    write(&pack, "readme.txt", "packed\n");
    let archive = tmp.path().join("pkg-1.0.tar.gz");
    ok(&Command::new("tar")
        .arg("-czf")
        .arg(&archive)
        .arg("-C")
        .arg(tmp.path().join("pack"))
        .arg("pkg-1.0")
        .output()
        .unwrap());

    let dir = tmp.path().join("app");
    write(
        &dir,
        "flake.nix",
        &format!(
            r#"{{
  inputs.lib.url = "path:{lib}";
  inputs.data = {{ url = "path:{data}"; flake = false; }};
  inputs.old = {{ url = "git+file://{repo}?rev={first}"; flake = false; }};
  inputs.again.follows = "lib";
  inputs.archive = {{ url = "file://{archive}"; flake = false; }};
  outputs = {{ self, lib, data, old, again, archive }}: {{
    packed = builtins.readFile "${{archive}}/readme.txt";
    answer = lib.answer;
    same = again.answer;
    value = builtins.readFile "${{data}}/value.txt";
    word = builtins.readFile "${{old}}/word.txt";
    rev = old.rev;
  }};
}}
"#,
            lib = lib.display(),
            data = data.display(),
            repo = repo.display(),
            archive = archive.display(),
        ),
    );
    assert_eq!(eval(&store, &dir, ".#answer"), "42\n");
    assert_eq!(eval(&store, &dir, ".#same"), "42\n");
    assert_eq!(eval(&store, &dir, ".#value"), "\"one\\n\"\n");
    assert_eq!(eval(&store, &dir, ".#word"), "\"first\\n\"\n");
    assert_eq!(eval(&store, &dir, ".#rev"), format!("\"{first}\"\n"));
    assert_eq!(eval(&store, &dir, ".#packed"), "\"packed\\n\"\n");
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("flake.lock")).unwrap()).unwrap();
    assert_eq!(
        lock["nodes"]["root"]["inputs"]["again"],
        serde_json::json!(["lib"])
    );
    assert_eq!(lock["nodes"]["data"]["flake"], false);
    assert_eq!(lock["nodes"]["old"]["locked"]["rev"], first.as_str());

    // The data changes: the lock no longer matches, and says how to update it.
    write(&data, "value.txt", "two\n");
    let err = failed(
        &cairn(&store, &dir)
            .args(["eval", ".#value"])
            .output()
            .unwrap(),
    );
    assert!(
        err.contains("no longer matches input 'data'") && err.contains("cairn flake update data"),
        "{err}"
    );
    ok(&cairn(&store, &dir)
        .args(["flake", "update", "data"])
        .output()
        .unwrap());
    assert_eq!(eval(&store, &dir, ".#value"), "\"two\\n\"\n");

    let show = ok(&cairn(&store, &dir)
        .args(["flake", "show"])
        .output()
        .unwrap());
    assert!(show.contains("answer: an integer"), "{show}");
    let meta: serde_json::Value = serde_json::from_str(&ok(&cairn(&store, &dir)
        .args(["flake", "metadata", "--json"])
        .output()
        .unwrap()))
    .unwrap();
    assert_eq!(meta["locks"]["version"], 7);
}

/// The image of an old commit, built again by `rev`, is the image built at that commit.
#[test]
fn an_old_commit_rebuilds_to_the_same_image() {
    if !Path::new("/bin/busybox").exists() {
        eprintln!("\n*** SKIPPED: no /bin/busybox (Debian's busybox-static) ***\n");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let repo = tmp.path().join("repo");
    write(
        &repo,
        "flake.nix",
        r#"{
  inputs.stdlib.url = "cairn:stdlib";
  outputs = { self, stdlib }:
    let
      pkgs = stdlib.legacyPackages.x86_64-linux;
      app = pkgs.writeShellScriptBin "greet" "echo ${builtins.readFile ./greeting.txt}";
    in {
      packages.x86_64-linux.docker = pkgs.dockerTools.buildLayeredImage {
        name = "example.org/greet";
        tag = "latest";
        contents = [ app ];
        config.Cmd = [ "/bin/greet" ];
      };
    };
}
"#,
    );
    write(&repo, "greeting.txt", "hello");
    git(&repo, &["init", "-q"]);
    // The lock is written by the first build, and committed with A.
    let build = |installable: &str| -> Vec<u8> {
        let out = ok(&cairn(&store, &repo)
            .args(["build", "--no-link", "--print-out-paths", installable])
            .output()
            .unwrap());
        std::fs::read(store.join(out.trim().trim_start_matches('/'))).unwrap()
    };
    git(&repo, &["add", "."]);
    let _ = build(".#docker");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "A"]);
    let a = git(&repo, &["rev-parse", "HEAD"]);
    let image_a = build(".#docker");

    write(&repo, "greeting.txt", "good morning");
    git(&repo, &["commit", "-q", "-am", "B"]);
    let image_b = build(".#docker");
    assert!(image_a != image_b, "a change gave the same image");

    let again = build(&format!("git+file://{}?rev={a}#docker", repo.display()));
    assert!(again == image_a, "the image of commit A is not what it was");
    // And from another store, which never saw A.
    let other = tmp.path().join("other-store");
    let out = ok(&cairn(&other, tmp.path())
        .args(["build", "--no-link", "--print-out-paths"])
        .arg(format!("git+file://{}?rev={a}#docker", repo.display()))
        .output()
        .unwrap());
    let fresh = std::fs::read(other.join(out.trim().trim_start_matches('/'))).unwrap();
    assert!(
        fresh == image_a,
        "another store gave another image for commit A"
    );
}

#[test]
fn bad_flakes_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let dir: PathBuf = tmp.path().join("bad");
    write(
        &dir,
        "flake.nix",
        "{ outputs = { self }: { }; colour = 1; }\n",
    );
    let err = failed(&cairn(&store, &dir).args(["eval", ".#x"]).output().unwrap());
    assert!(err.contains("unsupported attribute 'colour'"), "{err}");
    write(
        &dir,
        "flake.nix",
        "{ inputs.a.follows = \"nope\"; outputs = { self, a }: { x = 1; }; }\n",
    );
    let err = failed(&cairn(&store, &dir).args(["eval", ".#x"]).output().unwrap());
    assert!(
        err.contains("input 'a' follows 'nope', which is not an input"),
        "{err}"
    );
    // A flake that is its own input.
    write(
        &dir,
        "flake.nix",
        &format!(
            "{{ inputs.me.url = \"path:{}\"; outputs = {{ self, me }}: {{ x = 1; }}; }}\n",
            dir.display()
        ),
    );
    let err = failed(&cairn(&store, &dir).args(["eval", ".#x"]).output().unwrap());
    assert!(err.contains("nest more than"), "{err}");
    let _ = std::fs::remove_file(dir.join("flake.lock"));
    write(
        &dir,
        "flake.nix",
        "{ inputs.x.url = \"github:a/b\"; outputs = _: { }; }\n",
    );
    let err = failed(&cairn(&store, &dir).args(["eval", ".#x"]).output().unwrap());
    assert!(
        err.contains("cannot understand the flake reference"),
        "{err}"
    );
    let err = failed(
        &cairn(&store, &dir)
            .args([
                "eval",
                "git+file:///nonexistent?rev=0123456789abcdef0123456789abcdef01234567#x",
            ])
            .output()
            .unwrap(),
    );
    assert!(err.contains("git"), "{err}");
    write(
        &dir,
        "flake.nix",
        "{ outputs = { self }: { x = builtins.readFile /etc/hostname; }; }\n",
    );
    let err = failed(&cairn(&store, &dir).args(["eval", ".#x"]).output().unwrap());
    assert!(err.contains("forbidden in pure evaluation mode"), "{err}");
    ok(&cairn(&store, &dir)
        .args(["eval", "--impure", ".#x"])
        .output()
        .unwrap());
    write(
        &dir,
        "flake.nix",
        "{ outputs = { self }: { x = <cairn>; }; }\n",
    );
    let err = failed(&cairn(&store, &dir).args(["eval", ".#x"]).output().unwrap());
    assert!(err.contains("pure evaluation mode"), "{err}");
    ok(&cairn(&store, &dir)
        .args(["eval", "--impure", ".#x"])
        .output()
        .unwrap());
}
