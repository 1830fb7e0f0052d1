//! Substitution in `cairn build`: outputs a cache has (`file://`, or `cairn cache serve` over
//! HTTP) are fetched instead of built,
//! from the top down; `--dry-run` says what would be fetched; `-j 0` fetches or fails naming
//! what would have to be built and why; the configuration file gives the caches and keys when
//! the command line does not; `allowSubstitutes = false` is built all the same.
//!
//! The derivations are built with the host's static busybox (`/bin/busybox`, which becomes the
//! sandbox's `/bin/sh`); without it the tests say loudly that they were skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

struct Env {
    dir: tempfile::TempDir,
}

/// `lib` builds a file; `app` refers to it; `local` does not allow substitutes.
const EXPR: &str = r#"
let
  mk = name: script: extra: derivation ({
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" script ];
  } // extra);
in rec {
  lib = mk "lib" "echo library > $out" { };
  app = mk "app" "echo 'uses ${lib}' > $out" { };
  local = mk "local" "echo ${app} > $out" { allowSubstitutes = false; };
}
"#;

impl Env {
    fn new() -> Option<Env> {
        if !Path::new("/bin/busybox").exists() {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "\n==== SKIPPED: no static busybox at /bin/busybox ====\n"
            );
            return None;
        }
        let env = Env {
            dir: tempfile::tempdir().unwrap(),
        };
        std::fs::write(env.path("default.nix"), EXPR).unwrap();
        Some(env)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn url(&self) -> String {
        format!("file://{}", self.path("cache").display())
    }

    /// `cairn` with the store `store`, and no configuration file unless `CAIRN_CONFIG` is set.
    fn cairn(&self, store: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
        c.args(args)
            .env("CAIRN_STORE", self.path(store))
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env_remove("CAIRN_CONFIG")
            .env_remove("CAIRN_STORE_DIR")
            .current_dir(self.dir.path());
        c
    }

    fn run(&self, store: &str, args: &[&str]) -> Output {
        self.cairn(store, args).output().unwrap()
    }

    fn ok(&self, store: &str, args: &[&str]) -> (String, String) {
        let out = self.run(store, args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "cairn {args:?} failed: {stderr}");
        (String::from_utf8(out.stdout).unwrap(), stderr)
    }

    /// Builds `app` in store `a`, uploads it signed, and gives the public key.
    fn fill_cache(&self) -> String {
        self.ok("a", &["build", "-A", "app", "-o", "result-a"]);
        let (secret, _) = self.ok("a", &["key", "generate-secret", "--key-name", "test-1"]);
        std::fs::write(self.path("secret"), secret).unwrap();
        let public = self
            .cairn("a", &["key", "convert-secret-to-public"])
            .stdin(std::fs::File::open(self.path("secret")).unwrap())
            .output()
            .unwrap();
        let secret = self.path("secret");
        self.ok(
            "a",
            &[
                "copy",
                "--to",
                &self.url(),
                "--sign-key",
                secret.to_str().unwrap(),
                "result-a",
            ],
        );
        String::from_utf8(public.stdout).unwrap()
    }

    fn valid(&self, store: &str, path: &str) -> bool {
        self.run(store, &["store", "path-info", path])
            .status
            .success()
    }
}

#[test]
fn outputs_in_a_cache_are_fetched_not_built() {
    let Some(env) = Env::new() else { return };
    let key = env.fill_cache();
    let (app, _) = env.ok(
        "a",
        &["build", "-A", "app", "--no-link", "--print-out-paths"],
    );
    let (lib, _) = env.ok(
        "a",
        &["build", "-A", "lib", "--no-link", "--print-out-paths"],
    );
    let subs = ["--substituters", &env.url(), "--trusted-public-keys", &key];

    // The plan: two paths to fetch, nothing to build.
    let mut args = vec!["build", "-A", "app", "--dry-run"];
    args.extend(subs);
    let (_, stderr) = env.ok("b", &args);
    assert!(stderr.contains("these 2 paths will be fetched"), "{stderr}");
    assert!(
        stderr.contains(app.trim()) && stderr.contains(lib.trim()),
        "{stderr}"
    );
    assert!(!stderr.contains("will be built"), "{stderr}");
    assert!(!env.valid("b", app.trim()));

    // Fetched with building forbidden; `lib` comes with `app`, as its reference.
    let mut args = vec![
        "build",
        "-A",
        "app",
        "-j",
        "0",
        "--print-out-paths",
        "--no-link",
    ];
    args.extend(subs);
    let (stdout, stderr) = env.ok("b", &args);
    assert_eq!(stdout, app);
    assert!(stderr.contains("fetched 2 paths"), "{stderr}");
    assert!(env.valid("b", lib.trim()));
    // Nothing was built: no build log exists for it.
    assert!(!env.run("b", &["log", app.trim()]).status.success());
}

#[test]
fn building_forbidden_fails_naming_what_and_why() {
    let Some(env) = Env::new() else { return };
    let key = env.fill_cache();
    let (app, _) = env.ok(
        "a",
        &["build", "-A", "app", "--no-link", "--print-out-paths"],
    );
    // No cache at all.
    let out = env.run("b", &["build", "-A", "app", "-j", "0", "--no-link"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("building is forbidden (-j 0), but 2 derivations"),
        "{stderr}"
    );
    assert!(stderr.contains("-app.drv"), "{stderr}");
    assert!(stderr.contains("no binary cache is configured"), "{stderr}");

    // A cache whose key is not trusted: the message names the key, nothing is fetched.
    let out = env.run(
        "b",
        &[
            "build",
            "-A",
            "app",
            "-j",
            "0",
            "--no-link",
            "--substituters",
            &env.url(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`test-1`"), "{stderr}");
    assert!(stderr.contains("--trusted-public-keys"), "{stderr}");
    assert!(!env.valid("b", app.trim()));

    // `allowSubstitutes = false`: built here even though the rest comes from the cache.
    let subs = ["--substituters", &env.url(), "--trusted-public-keys", &key];
    let mut args = vec!["build", "-A", "local", "-j", "0", "--no-link"];
    args.extend(subs);
    let out = env.run("b", &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("allowSubstitutes = false"), "{stderr}");
    assert!(stderr.contains("-local.drv"), "{stderr}");
    let mut args = vec!["build", "-A", "local", "--no-link"];
    args.extend(subs);
    let (_, stderr) = env.ok("b", &args);
    assert!(stderr.contains("fetched 2 paths"), "{stderr}");
    assert!(stderr.contains("-local.drv"), "{stderr}");
}

#[test]
fn the_configuration_file_names_caches_and_keys() {
    let Some(env) = Env::new() else { return };
    let key = env.fill_cache();
    let config = env.path("config/cairn/cairn.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(
        &config,
        format!(
            "substituters = [\"{}\"]\ntrusted-public-keys = [\"{key}\"]\n",
            env.url()
        ),
    )
    .unwrap();
    let (_, stderr) = env.ok("b", &["build", "-A", "app", "-j", "0", "--no-link"]);
    assert!(stderr.contains("fetched 2 paths"), "{stderr}");

    // The command line replaces the file's caches.
    let out = env.run(
        "c",
        &[
            "build",
            "-A",
            "app",
            "-j",
            "0",
            "--no-link",
            "--substituters",
            "",
        ],
    );
    assert_eq!(out.status.code(), Some(1));

    // A key the file does not know is an error naming the file.
    std::fs::write(&config, "substituter = []\n").unwrap();
    let out = env.run("c", &["build", "-A", "app", "--no-link"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(config.to_str().unwrap()), "{stderr}");
    assert!(stderr.contains("substituter"), "{stderr}");
}

#[test]
fn outputs_come_from_another_store_served_over_http() {
    let Some(env) = Env::new() else { return };
    let key = env.fill_cache();
    let (app, _) = env.ok(
        "a",
        &["build", "-A", "app", "--no-link", "--print-out-paths"],
    );
    let secret = env.path("secret");
    let server = support::serve(env.cairn(
        "a",
        &[
            "cache",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--sign-key",
            secret.to_str().unwrap(),
        ],
    ));
    let url = server.url.clone();
    let args = [
        "build",
        "-A",
        "app",
        "-j",
        "0",
        "--no-link",
        "--print-out-paths",
        "--substituters",
        &url,
        "--trusted-public-keys",
        &key,
    ];
    let (stdout, stderr) = env.ok("b", &args);
    assert_eq!(stdout, app);
    assert!(stderr.contains("fetched 2 paths"), "{stderr}");
    // A server that is gone is left out with a warning; with -j 0 that is an error.
    drop(server);
    let out = env.run("c", &args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("warning: ignoring the binary cache"),
        "{stderr}"
    );
}
