//! `cairn push` against a real registry (Debian's `docker-registry`, the CNCF distribution
//! registry, started by each test on a free port of 127.0.0.1 with its own storage): the
//! example image goes up, comes back through skopeo into an OCI layout, is unpacked by umoci
//! and answers `GET /`; a one-line change of the service sends its layer and the configuration
//! and nothing else; the monorepo's second image mounts or skips what it shares with the
//! first; docker-archives, OCI layouts and streamed images push the same blobs and manifest;
//! a registry with basic authentication refuses a wrong password and takes the right one; a
//! registry with bearer tokens (from a token service the test runs, as the registry's
//! `auth: token` configuration expects) gets a token per scope, and mounts with one that may
//! read the other repository.
//!
//! Needs `docker-registry`, skopeo and umoci, busybox-static for the builds, `htpasswd`
//! (apache2-utils) and openssl for the authenticated registries, and Go (`CAIRN_GO`) for the
//! examples; without them the tests say they were skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::{Registry, copy_tree, have, image_command, ok, run_service, skip, umoci_unpack};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Why the tests cannot run here, if they cannot.
fn missing_tools(go: bool) -> Option<&'static str> {
    if !Path::new("/bin/busybox").exists() {
        return Some("no /bin/busybox (Debian's busybox-static)");
    }
    if !have("docker-registry", "--version") {
        return Some("no registry to push to (Debian's docker-registry)");
    }
    if !have("skopeo", "--version") || !have("umoci", "--version") {
        return Some("skopeo or umoci is missing");
    }
    if go && std::env::var_os("CAIRN_GO").is_none() && !have("go", "version") {
        return Some("no Go toolchain (`. scripts/go-toolchain.sh` sets CAIRN_GO)");
    }
    None
}

macro_rules! require_tools {
    ($go:expr) => {
        if let Some(why) = missing_tools($go) {
            skip(why);
            return;
        }
    };
}

/// `cairn` with its store and cache under `dir`.
fn cairn(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cairn"));
    cmd.env("CAIRN_STORE", dir.join("store"))
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("HOME", dir.join("home"));
    // No auth file of the machine's: only those a test gives.
    for var in [
        "REGISTRY_AUTH_FILE",
        "XDG_RUNTIME_DIR",
        "XDG_CONFIG_HOME",
        "DOCKER_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// `cairn push --json IMAGE REFERENCE EXTRA...`, which must succeed; its report.
fn push(dir: &Path, image: &str, reference: &str, extra: &[&str]) -> serde_json::Value {
    let out = cairn(dir)
        .args(["push", "-q", "--json", image, reference])
        .args(extra)
        .output()
        .unwrap();
    serde_json::from_str(&ok(&out)).unwrap()
}

/// The blobs of a report with the given status and kind.
fn digests(report: &serde_json::Value, status: &str, kind: &str) -> BTreeSet<String> {
    report["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["status"] == status && b["kind"] == kind)
        .map(|b| b["digest"].as_str().unwrap().to_string())
        .collect()
}

fn bytes_sent(report: &serde_json::Value) -> u64 {
    report["bytesSent"].as_u64().unwrap()
}

/// `skopeo inspect` (with `args`) of an image in the test registry.
fn inspect_registry(reference: &str, args: &[&str]) -> serde_json::Value {
    let out = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false"])
        .args(args)
        .arg(format!("docker://{reference}"))
        .output()
        .unwrap();
    serde_json::from_str(&ok(&out)).unwrap()
}

/// The layer digests a docker-archive written by cairn holds: its `manifest.json`'s layer
/// names, `<hex>.tar.gz`.
fn archive_layers(archive: &Path) -> Vec<String> {
    let out = Command::new("tar")
        .arg("-xOf")
        .arg(archive)
        .arg("manifest.json")
        .output()
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    manifest[0]["Layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let name = l.as_str().unwrap();
            format!("sha256:{}", name.strip_suffix(".tar.gz").unwrap())
        })
        .collect()
}

fn build(dir: &Path, installable: &str, link: &Path) {
    ok(&cairn(dir)
        .args(["build", "-q", "-o"])
        .arg(link)
        .arg(installable)
        .output()
        .unwrap());
}

/// The example image goes up; comes back whole; and an update of one line of the service
/// sends the service's layer and the configuration, and nothing else.
#[test]
fn the_quotes_image_is_pushed_and_an_update_sends_only_what_changed() {
    require_tools!(true);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let registry = Registry::start(&dir.join("registry"), "");
    let checkout = dir.join("quotes");
    copy_tree(&repo().join("examples/douglas-adams-quotes"), &checkout);
    let installable = format!("{}#docker", checkout.display());
    let link = dir.join("result");
    build(dir, &installable, &link);

    // The first push sends every blob; the layers are the archive's, byte for byte.
    let first_ref = format!("{}/quotes:1", registry.host());
    let first = push(dir, &installable, &format!("docker://{first_ref}"), &[]);
    let layers = archive_layers(&link);
    assert_eq!(
        digests(&first, "pushed", "layer"),
        layers.iter().cloned().collect(),
        "{first}"
    );
    assert_eq!(digests(&first, "pushed", "config").len(), 1, "{first}");
    let first_bytes = bytes_sent(&first);
    eprintln!("first push of the quotes image: {first_bytes} bytes sent");
    let sizes: u64 = first["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["size"].as_u64().unwrap())
        .sum();
    assert_eq!(
        first_bytes,
        sizes + first["manifest"]["size"].as_u64().unwrap()
    );

    let inspected = inspect_registry(&first_ref, &[]);
    assert_eq!(
        inspected["Layers"],
        serde_json::json!(layers),
        "{inspected}"
    );
    assert_eq!(inspected["Digest"], first["manifest"]["digest"]);
    let config = inspect_registry(&first_ref, &["--config"]);
    let archive_config = ok(&Command::new("skopeo")
        .arg("inspect")
        .arg("--config")
        .arg(format!("docker-archive:{}", link.display()))
        .output()
        .unwrap());
    assert_eq!(
        config,
        serde_json::from_str::<serde_json::Value>(&archive_config).unwrap()
    );

    // Back from the registry into an OCI layout, unpacked, and run.
    let oci = dir.join("pulled");
    ok(&Command::new("skopeo")
        .args(["copy", "-q", "--src-tls-verify=false"])
        .arg(format!("docker://{first_ref}"))
        .arg(format!("oci:{}:latest", oci.display()))
        .output()
        .unwrap());
    let rootfs = umoci_unpack(&format!("{}:latest", oci.display()), &dir.join("bundle"));
    let argv = image_command(&format!("docker://{first_ref}"), &["--tls-verify=false"]);
    if let Some((root, health)) = run_service(&argv, &rootfs) {
        assert!(root.starts_with("HTTP/1.0 200"), "{root}");
        assert!(root.contains("Douglas Adams"), "{root}");
        assert!(health.ends_with("\r\n\r\nok\n"), "{health}");
    }

    // The same image again: nothing but the manifest.
    let again = push(dir, &installable, &format!("docker://{first_ref}"), &[]);
    assert_eq!(
        digests(&again, "pushed", "layer"),
        BTreeSet::new(),
        "{again}"
    );
    assert_eq!(
        bytes_sent(&again),
        again["manifest"]["size"].as_u64().unwrap()
    );

    // One line of the service changed.
    let main = checkout.join("main.go");
    let source = std::fs::read_to_string(&main).unwrap();
    let edited = source.replace(
        "Time is an illusion. Lunchtime doubly so.",
        "Time is an illusion. Teatime doubly so.",
    );
    assert_ne!(source, edited);
    std::fs::write(&main, edited).unwrap();
    let link2 = dir.join("result-2");
    build(dir, &installable, &link2);
    let before = registry.blob_bytes();
    let second_ref = format!("{}/quotes:2", registry.host());
    let second = push(dir, &installable, &format!("docker://{second_ref}"), &[]);
    let new_layers: BTreeSet<String> = archive_layers(&link2)
        .into_iter()
        .filter(|l| !layers.contains(l))
        .collect();
    // The service's layer (and the customisation layer, were it different) is new.
    assert!(
        !new_layers.is_empty() && new_layers.len() <= 2,
        "{new_layers:?}"
    );
    assert_eq!(digests(&second, "pushed", "layer"), new_layers, "{second}");
    let skipped = digests(&second, "skipped", "layer");
    assert_eq!(
        skipped.len() + new_layers.len(),
        layers.len(),
        "every other layer is skipped: {second}"
    );
    assert_eq!(digests(&second, "pushed", "config").len(), 1, "{second}");
    let pushed_bytes: u64 = second["blobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["status"] == "pushed")
        .map(|b| b["size"].as_u64().unwrap())
        .sum();
    let manifest_size = second["manifest"]["size"].as_u64().unwrap();
    assert_eq!(bytes_sent(&second), pushed_bytes + manifest_size);
    eprintln!(
        "push of the quotes image with one line changed: {} bytes sent",
        bytes_sent(&second)
    );
    let growth = registry.blob_bytes() - before;
    assert!(
        growth <= pushed_bytes + manifest_size,
        "the registry's blobs grew by {growth} bytes, more than the {} bytes pushed",
        pushed_bytes + manifest_size
    );
    let inspected = inspect_registry(&second_ref, &[]);
    assert_eq!(
        inspected["Layers"],
        serde_json::json!(archive_layers(&link2))
    );
}

/// The monorepo's second image, pushed to another repository of the registry, sends its
/// service's layer and its configuration; the layers it shares with the first image are
/// mounted from the first repository (or were there already), not sent.
#[test]
fn the_monorepo_images_share_their_layers_across_repositories() {
    require_tools!(true);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let registry = Registry::start(&dir.join("registry"), "");
    let flake = repo().join("examples/monorepo");
    let quotes = push(
        dir,
        &format!("{}#quotes-image", flake.display()),
        &format!("docker://{}/monorepo/quotes:1.0.0", registry.host()),
        &[],
    );
    let facts = push(
        dir,
        &format!("{}#facts-image", flake.display()),
        &format!("docker://{}/monorepo/facts:1.0.0", registry.host()),
        &["--tls-verify=false"],
    );
    let quote_layers = digests(&quotes, "pushed", "layer");
    let mut shared = 0;
    for blob in facts["blobs"].as_array().unwrap() {
        let digest = blob["digest"].as_str().unwrap();
        if quote_layers.contains(digest) {
            shared += 1;
            assert!(
                blob["status"] == "mounted" || blob["status"] == "skipped",
                "{blob}"
            );
            assert_eq!(blob["bytesSent"], 0, "{blob}");
        } else {
            assert_eq!(blob["status"], "pushed", "{blob}");
        }
    }
    assert_eq!(
        shared + 1,
        facts["blobs"].as_array().unwrap().len() - 1,
        "all but the service's layer are shared: {facts}"
    );
    assert_eq!(digests(&facts, "pushed", "layer").len(), 1, "{facts}");
    assert!(!digests(&facts, "mounted", "layer").is_empty(), "{facts}");
    let inspected = inspect_registry(&format!("{}/monorepo/facts:1.0.0", registry.host()), &[]);
    assert_eq!(inspected["Digest"], facts["manifest"]["digest"]);
}

/// `body`, a Nix expression, with the standard library's `dockerTools` and two small store
/// paths: `app` (a script) and `etc` (a file).
fn small_images(dir: &Path) {
    std::fs::write(
        dir.join("image.nix"),
        format!(
            r#"
let
  pkgs = import {} {{ }};
  inherit (pkgs) dockerTools;
  app = derivation {{ name = "app"; system = "x86_64-linux"; builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/bin; printf '#!/bin/sh\necho hello\n' > $out/bin/hello; chmod +x $out/bin/hello" ]; }};
  etc = derivation {{ name = "etc"; system = "x86_64-linux"; builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/etc; echo cfg > $out/etc/app.conf" ]; }};
  args = {{ name = "example.org/hello"; tag = "latest"; contents = [ etc ];
    config.Cmd = [ "${{app}}/bin/hello" ]; }};
in
{{
  layered = dockerTools.buildLayeredImage args;
  oci = dockerTools.buildLayeredImage (args // {{ format = "oci"; }});
  stream = dockerTools.streamLayeredImage args;
}}
"#,
            repo().join("stdlib").display()
        ),
    )
    .unwrap();
    for attr in ["layered", "oci", "stream"] {
        ok(&cairn(dir)
            .current_dir(dir)
            .args(["build", "-q", "image.nix", "-A", attr, "-o", attr])
            .output()
            .unwrap());
    }
}

/// A docker-archive, an OCI layout and an image description of the same image push the same
/// blobs and manifest: the manifest of the OCI layout `cairn image export` writes.
#[test]
fn archives_layouts_and_streamed_images_push_the_same_manifest() {
    require_tools!(false);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_images(dir);
    let registry = Registry::start(&dir.join("registry"), "");
    let mut manifests = BTreeSet::new();
    for (n, attr) in ["layered", "oci", "stream"].iter().enumerate() {
        let reference = format!("docker://{}/small{n}:{attr}", registry.host());
        let report = push(dir, &dir.join(attr).display().to_string(), &reference, &[]);
        manifests.insert(report["manifest"]["digest"].as_str().unwrap().to_string());
    }
    assert_eq!(manifests.len(), 1, "{manifests:?}");
    let oci = dir.join("exported");
    ok(&cairn(dir)
        .current_dir(dir)
        .args(["image", "export", "--format", "oci", "stream"])
        .arg(&oci)
        .output()
        .unwrap());
    let out = Command::new("skopeo")
        .arg("inspect")
        .arg(format!("oci:{}:latest", oci.display()))
        .output()
        .unwrap();
    let exported: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(
        exported["Digest"].as_str().unwrap(),
        manifests.first().unwrap()
    );
    // Pulled back and unpacked, the streamed image is the image.
    let pulled = dir.join("pulled");
    ok(&Command::new("skopeo")
        .args(["copy", "-q", "--src-tls-verify=false"])
        .arg(format!("docker://{}/small2:stream", registry.host()))
        .arg(format!("oci:{}:latest", pulled.display()))
        .output()
        .unwrap());
    let rootfs = umoci_unpack(&format!("{}:latest", pulled.display()), &dir.join("bundle"));
    assert!(std::fs::symlink_metadata(rootfs.join("etc/app.conf")).is_ok());
}

fn push_output(dir: &Path, image: &str, reference: &str, extra: &[&str]) -> Output {
    cairn(dir)
        .args(["push", "-q", image, reference])
        .args(extra)
        .output()
        .unwrap()
}

/// A registry with basic authentication refuses a wrong password, and one without
/// credentials, with messages that name the registry; the right password, from `--creds` or
/// from `$REGISTRY_AUTH_FILE`, is taken.
#[test]
fn a_registry_with_basic_auth_checks_the_credentials() {
    require_tools!(false);
    if !have("htpasswd", "-h") && !Path::new("/usr/bin/htpasswd").exists() {
        skip("no htpasswd (apache2-utils) to make the registry's users");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_images(dir);
    let users = dir.join("htpasswd");
    let out = Command::new("htpasswd")
        .args(["-Bbn", "alice", "correct horse"])
        .output()
        .unwrap();
    std::fs::write(&users, ok(&out)).unwrap();
    let auth = format!(
        "auth:\n  htpasswd:\n    realm: cairn-tests\n    path: {}\n",
        users.display()
    );
    let registry = Registry::start(&dir.join("registry"), &auth);
    let image = dir.join("layered").display().to_string();
    let reference = format!("docker://{}/private:1", registry.host());

    let out = push_output(dir, &image, &reference, &["--creds", "alice:wrong"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the registry `{}` refused the credentials of `alice`",
            registry.host()
        )),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());

    let out = push_output(dir, &image, &reference, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the registry `{}` requires credentials",
            registry.host()
        )),
        "{stderr}"
    );
    assert_eq!(registry.blob_bytes(), 0);

    let report = push(dir, &image, &reference, &["--creds", "alice:correct horse"]);
    assert_eq!(digests(&report, "pushed", "layer").len(), 3, "{report}");

    // The auth file's entry, as `skopeo login` writes it.
    let auth = dir.join("auth.json");
    let out = Command::new("base64")
        .arg("-w0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"alice:correct horse")?;
            child.wait_with_output()
        })
        .unwrap();
    std::fs::write(
        &auth,
        format!(
            r#"{{ "auths": {{ "{}": {{ "auth": "{}" }} }} }}"#,
            registry.host(),
            ok(&out)
        ),
    )
    .unwrap();
    let out = cairn(dir)
        .env("REGISTRY_AUTH_FILE", &auth)
        .args(["push", "-q", "--json", &image, &reference])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    assert_eq!(digests(&report, "skipped", "layer").len(), 3, "{report}");
}

/// Mistakes are errors that say what is wrong, never a crash: a reference that is not one,
/// and a store path that is not an image.
#[test]
fn bad_references_and_non_images_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let file = dir.join("not-an-image");
    std::fs::write(&file, "hello").unwrap();
    let port = support::free_port();
    let cases: &[(&str, &str)] = &[
        ("127.0.0.1:5000/quotes:1", "does not start with `docker://`"),
        ("docker://127.0.0.1:5000/Quotes", "is not a repository name"),
        ("oci:/tmp/layout:1", "cairn image export --format oci"),
    ];
    for (reference, message) in cases {
        let out = push_output(dir, "/nonexistent", reference, &[]);
        assert_eq!(out.status.code(), Some(2), "{reference}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(message), "{reference}: {stderr}");
    }
    let out = cairn(dir)
        .args(["store", "add"])
        .arg(&file)
        .output()
        .unwrap();
    let path = ok(&out).trim().to_string();
    let out = push_output(dir, &path, &format!("docker://127.0.0.1:{port}/x:1"), &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("it is not an image"), "{stderr}");
}

/// A token service for a registry's `auth: token` configuration, as Docker Hub's or GHCR's
/// work: `GET /token?service=...&scope=...` with the user's basic credentials (or none)
/// answers a JWT signed with ES256, whose `x5c` header carries the certificate the registry
/// trusts. The right user gets every action asked for; an anonymous one only `pull`; a wrong
/// password a `401`. The scopes of every request are kept, for the test to read.
struct TokenService {
    port: u16,
    scopes: std::sync::Arc<std::sync::Mutex<Vec<Vec<String>>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

const SERVICE: &str = "cairn-tests";
const ISSUER: &str = "cairn-tests-issuer";

impl TokenService {
    fn start(
        key_pkcs8: Vec<u8>,
        cert_der: Vec<u8>,
        user: &'static str,
        password: &'static str,
    ) -> Self {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let scopes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let rng = ring::rand::SystemRandom::new();
        let key = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &key_pkcs8,
            &rng,
        )
        .unwrap();
        let basic = format!(
            "Basic {}",
            cairn_store::hash::base64_encode(format!("{user}:{password}").as_bytes())
        );
        let (seen, stopped) = (scopes.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut serial = 0;
            for stream in listener.incoming() {
                if stopped.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                let _ = reader.read_line(&mut line);
                let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
                let mut authorization = None;
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                        break;
                    }
                    if let Some((name, value)) = header.split_once(':')
                        && name.eq_ignore_ascii_case("authorization")
                    {
                        authorization = Some(value.trim().to_string());
                    }
                }
                let query = target.split_once('?').map_or("", |(_, q)| q);
                let asked: Vec<String> = query
                    .split('&')
                    .filter_map(|kv| kv.strip_prefix("scope="))
                    .map(percent_decode)
                    .collect();
                seen.lock().unwrap().push(asked.clone());
                let answer = match authorization.as_deref() {
                    Some(a) if a != basic => {
                        "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            .to_string()
                    }
                    a => {
                        let anonymous = a.is_none();
                        let access: Vec<serde_json::Value> = asked
                            .iter()
                            .filter_map(|scope| {
                                let mut parts = scope.split(':');
                                let (kind, name, actions) =
                                    (parts.next()?, parts.next()?, parts.next()?);
                                let actions: Vec<&str> = actions
                                    .split(',')
                                    .filter(|a| !anonymous || *a == "pull")
                                    .collect();
                                Some(serde_json::json!({
                                    "type": kind, "name": name, "actions": actions
                                }))
                            })
                            .collect();
                        serial += 1;
                        let token = jwt(&key, &rng, &cert_der, if anonymous { "" } else { user }, access, serial);
                        let body = serde_json::json!({ "token": token }).to_string();
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        )
                    }
                };
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        TokenService {
            port,
            scopes,
            stop,
            thread: Some(thread),
        }
    }

    fn realm(&self) -> String {
        format!("http://127.0.0.1:{}/token", self.port)
    }
}

impl Drop for TokenService {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(b) = u8::from_str_radix(hex, 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn base64url(bytes: &[u8]) -> String {
    cairn_store::hash::base64_encode(bytes)
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// A JWT for the registry: ES256, the certificate in `x5c`, the claims it checks.
fn jwt(
    key: &ring::signature::EcdsaKeyPair,
    rng: &ring::rand::SystemRandom,
    cert_der: &[u8],
    subject: &str,
    access: Vec<serde_json::Value>,
    serial: u64,
) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let header = serde_json::json!({
        "typ": "JWT",
        "alg": "ES256",
        "x5c": [cairn_store::hash::base64_encode(cert_der)],
    });
    let claims = serde_json::json!({
        "iss": ISSUER,
        "sub": subject,
        "aud": SERVICE,
        "exp": now + 600,
        "nbf": now - 60,
        "iat": now - 60,
        "jti": format!("token-{serial}"),
        "access": access,
    });
    let signed = format!(
        "{}.{}",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    );
    let signature = key.sign(rng, signed.as_bytes()).unwrap();
    format!("{signed}.{}", base64url(signature.as_ref()))
}

/// A registry that wants bearer tokens (`WWW-Authenticate: Bearer realm=...,service=...`):
/// a wrong password is refused by the token service, an anonymous push is refused the
/// upload, and the right user gets a token per scope; a mount asks for one token that may
/// read the other repository too.
#[test]
fn a_registry_with_bearer_tokens_gets_a_token_per_scope() {
    require_tools!(false);
    if !have("openssl", "version") {
        skip("no openssl to make the token service's key and certificate");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_images(dir);
    let openssl = |args: &[&str]| {
        ok(&Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap());
    };
    // The key comes from ring (whose PKCS#8 openssl reads, and not the other way round).
    let rng = ring::rand::SystemRandom::new();
    let key = ring::signature::EcdsaKeyPair::generate_pkcs8(
        &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &rng,
    )
    .unwrap();
    let body = cairn_store::hash::base64_encode(key.as_ref());
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    std::fs::write(
        dir.join("key.pem"),
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.join("\n")
        ),
    )
    .unwrap();
    openssl(&[
        "req",
        "-x509",
        "-new",
        "-key",
        "key.pem",
        "-subj",
        "/CN=cairn-tests",
        "-days",
        "2",
        "-out",
        "cert.pem",
    ]);
    openssl(&[
        "x509", "-in", "cert.pem", "-outform", "DER", "-out", "cert.der",
    ]);
    let tokens = TokenService::start(
        key.as_ref().to_vec(),
        std::fs::read(dir.join("cert.der")).unwrap(),
        "alice",
        "correct horse",
    );
    let auth = format!(
        "auth:\n  token:\n    realm: {}\n    service: {SERVICE}\n    issuer: {ISSUER}\n    rootcertbundle: {}\n",
        tokens.realm(),
        dir.join("cert.pem").display()
    );
    let registry = Registry::start(&dir.join("registry"), &auth);
    let image = dir.join("layered").display().to_string();
    let reference = format!("docker://{}/team/app:1", registry.host());

    let out = push_output(dir, &image, &reference, &["--creds", "alice:wrong"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the registry `{}` refused the credentials of `alice`",
            registry.host()
        )),
        "{stderr}"
    );

    let out = push_output(dir, &image, &reference, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the registry `{}` refused anonymous users while starting the upload of the layer",
            registry.host()
        )) && stderr.contains("hint: give credentials"),
        "{stderr}"
    );
    assert_eq!(registry.blob_bytes(), 0);

    let report = push(dir, &image, &reference, &["--creds", "alice:correct horse"]);
    assert_eq!(digests(&report, "pushed", "layer").len(), 3, "{report}");
    assert!(
        tokens
            .scopes
            .lock()
            .unwrap()
            .contains(&vec!["repository:team/app:pull,push".to_string()])
    );

    // The streamed image into another repository: its blobs are mounted, with a token for
    // both repositories.
    let stream = dir.join("stream").display().to_string();
    let other = format!("docker://{}/team/web:1", registry.host());
    let report = push(dir, &stream, &other, &["--creds", "alice:correct horse"]);
    assert_eq!(digests(&report, "mounted", "layer").len(), 3, "{report}");
    assert_eq!(
        bytes_sent(&report),
        report["manifest"]["size"].as_u64().unwrap()
    );
    assert!(tokens.scopes.lock().unwrap().contains(&vec![
        "repository:team/web:pull,push".to_string(),
        "repository:team/app:pull".to_string(),
    ]));
    let inspected = Command::new("skopeo")
        .args([
            "inspect",
            "--tls-verify=false",
            "--creds",
            "alice:correct horse",
        ])
        .arg(&other)
        .output()
        .unwrap();
    let inspected: serde_json::Value = serde_json::from_str(&ok(&inspected)).unwrap();
    assert_eq!(inspected["Digest"], report["manifest"]["digest"]);
}

/// A registry served over HTTPS with a certificate of its own: refused, with a hint, while
/// TLS verification is on; pushed to with `--tls-verify=false`.
#[test]
fn tls_verification_is_on_unless_turned_off() {
    require_tools!(false);
    if !have("openssl", "version") {
        skip("no openssl to make the registry's certificate");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    small_images(dir);
    ok(&Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
        ])
        .args(["-nodes", "-days", "2", "-subj", "/CN=127.0.0.1"])
        .args(["-addext", "subjectAltName=IP:127.0.0.1"])
        .args(["-keyout", "tls.key", "-out", "tls.crt"])
        .current_dir(dir)
        .output()
        .unwrap());
    let tls = format!(
        "  tls:\n    certificate: {}\n    key: {}\n",
        dir.join("tls.crt").display(),
        dir.join("tls.key").display()
    );
    let registry = Registry::start(&dir.join("registry"), &tls);
    let image = dir.join("layered").display().to_string();
    let reference = format!("docker://{}/secure:1", registry.host());

    let out = push_output(dir, &image, &reference, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot reach the registry `{}`", registry.host()))
            && stderr.contains("--tls-verify=false"),
        "{stderr}"
    );
    let report = push(dir, &image, &reference, &["--tls-verify=false"]);
    assert_eq!(digests(&report, "pushed", "layer").len(), 3, "{report}");
}
