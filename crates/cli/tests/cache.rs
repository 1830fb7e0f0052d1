//! Binary caches shared with real Nix: a path Nix built and pushed with `nix copy --to
//! file://...` is imported by `cairn copy --from` with the same NAR hash, its Nix signature
//! checked; what `cairn copy --to` writes is accepted by `nix copy --from` and `nix store
//! verify` with only cairn's key trusted, and refused with another key; keys made by each tool
//! work in the other; a NAR changed by one byte is refused by both.
//!
//! Over HTTP: what `cairn cache serve` serves, Nix copies (`nix copy --from http://...`) and
//! substitutes (`nix-store -r`) with only cairn's key trusted, and verifies, in every
//! compression; a `file://` cache that `cairn copy --to` wrote, served by a plain static web
//! server (Python's `http.server`), is read by Nix and by `cairn copy --from`; an upload to
//! such a server fails, saying that it is read-only.
//!
//! Nix (Debian's `nix-bin`) must be installed and able to build into a store of its own under
//! a temporary folder (as root), and `python3` must be there for the static server: where they
//! are not, the test says loudly that it was skipped, and passes. Nix is told to use no
//! substituter but the local servers, so nothing goes to the network. Every server a test
//! starts is killed when the test ends, whether it passed or not.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output, Stdio};

mod support;
use std::time::{Duration, Instant};
use support::{Running, serve};

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

/// `cairn copy --from URL` imports `path` into the store `fresh`, trusting `key`, with the NAR
/// hash `hash`.
fn cairn_pulls(fresh: &Path, url: &str, key: &str, path: &str, hash: &str) {
    ok(&mut cairn(
        fresh,
        &["copy", "--from", url, "--trusted-public-keys", key, path],
    ));
    let info = ok(&mut cairn(fresh, &["store", "path-info", "--json", path]));
    assert_eq!(nar_hash(&info), hash);
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

    // xz (Nix's default) and uncompressed caches are read by Nix too.
    for compression in ["xz", "none"] {
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

/// Starts `cairn cache serve` on a port the system chooses, and waits until it says where.
fn cairn_serve(store: &Path, args: &[&str]) -> Running {
    let mut cmd = cairn(store, &["cache", "serve", "--listen", "127.0.0.1:0"]);
    cmd.args(args);
    serve(cmd)
}

/// The response to `GET PATH` of the server at `url` (`http://127.0.0.1:PORT`), headers
/// included.
fn http_get(url: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(url.trim_start_matches("http://")).unwrap();
    // HTTP/1.0: the server closes the connection after the response.
    write!(stream, "GET {path} HTTP/1.0\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// Whether `python3` runs, or says loudly why the test is skipped.
fn have_python() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!(
            "\n*** SKIPPED: python3 is not installed; a static web server is not tried \
             (scripts/test.sh installs it) ***\n"
        );
    }
    ok
}

/// Serves `dir` with Python's static web server, which answers `GET` and `HEAD` and refuses
/// `PUT` with 501.
fn static_server(dir: &Path) -> Running {
    // A port nobody uses now (Python's server cannot say which one it chose).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .args(["-m", "http.server", "--bind", "127.0.0.1"])
        .arg(port.to_string())
        .arg("--directory")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 runs");
    let mut running = Running {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = running.child.try_wait() {
            panic!("python3 -m http.server ended: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "python3 -m http.server does not listen on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    running
}

/// Makes a secret key `NAME.sec` and its public key `NAME.pub` in `dir`, and gives the public
/// key.
fn cairn_key(store: &Path, dir: &Path, name: &str) -> String {
    let secret = dir.join(format!("{name}.sec"));
    write_stdout(
        cairn(store, &["key", "generate-secret", "--key-name", name]),
        &secret,
    );
    let public = ok(&mut with_stdin(
        cairn(store, &["key", "convert-secret-to-public"]),
        &secret,
    ));
    std::fs::write(dir.join(format!("{name}.pub")), &public).unwrap();
    public
}

/// Builds `ENV_NIX` with Nix and imports its closure into the cairn store `store` through a
/// file cache; gives the path and its NAR hash as Nix has it. `None` when Nix cannot build.
fn nix_path_in_cairn(d: &Path, store: &Path) -> Option<(String, String)> {
    let out = nix_build(d, &d.join("nix-a"))?;
    let nix_a = d.join("nix-a").display().to_string();
    let cache = d.join("from-nix");
    ok(&mut nix(&[
        "copy",
        "--store",
        &nix_a,
        "--to",
        &file_url(&cache, ""),
        &out,
    ]));
    ok(&mut cairn(
        store,
        &[
            "copy",
            "--from",
            &file_url(&cache, ""),
            "--no-check-sigs",
            &out,
        ],
    ));
    let info = ok(&mut nix(&["path-info", "--json", "--store", &nix_a, &out]));
    Some((out, nar_hash(&info)))
}

#[test]
fn nix_takes_paths_from_cairn_cache_serve() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let store = d.join("cairn");
    let Some((out, hash)) = nix_path_in_cairn(d, &store) else {
        return;
    };
    let trusted = cairn_key(&store, d, "cairn-serve-1");
    let other = cairn_key(&store, d, "other-1");
    let sign_key = d.join("cairn-serve-1.sec").display().to_string();
    let server = cairn_serve(&store, &["--sign-key", &sign_key]);
    let copy_to = |nix_store: &str, key: &str| {
        nix(&[
            "copy",
            "--from",
            &server.url,
            "--to",
            nix_store,
            "--option",
            "trusted-public-keys",
            key,
            &out,
        ])
    };

    // Only the server's key makes its paths trusted.
    let nix_b = d.join("nix-b").display().to_string();
    let e = fails(&mut copy_to(&nix_b, &other));
    assert!(e.contains("lacks a valid signature"), "{e}");
    ok(&mut copy_to(&nix_b, &trusted));
    ok(&mut nix(&[
        "store",
        "verify",
        "--store",
        &nix_b,
        "-r",
        "--option",
        "trusted-public-keys",
        &trusted,
        &out,
    ]));
    let info = ok(&mut nix(&["path-info", "--json", "--store", &nix_b, &out]));
    assert_eq!(nar_hash(&info), hash);

    // As a substituter.
    let nix_c = d.join("nix-c").display().to_string();
    ok(Command::new("nix-store")
        .args(["--store", &nix_c, "--realise", &out])
        .args(["--option", "substituters", &server.url])
        .args(["--option", "trusted-public-keys", &trusted]));
    let info = ok(&mut nix(&["path-info", "--json", "--store", &nix_c, &out]));
    assert_eq!(nar_hash(&info), hash);

    // cairn reads it over HTTP too.
    let fresh = d.join("cairn-fresh");
    cairn_pulls(&fresh, &server.url, &trusted, &out, &hash);
    drop(server);

    // NARs compressed with xz (Nix's default), or not at all.
    for compression in ["xz", "none"] {
        let server = cairn_serve(
            &store,
            &["--sign-key", &sign_key, "--compression", compression],
        );
        let narinfo = http_get(&server.url, &format!("/{}.narinfo", &out[11..43]));
        assert!(
            narinfo.contains(&format!("Compression: {compression}\n")),
            "{narinfo}"
        );
        let nix_d = d.join(format!("nix-{compression}")).display().to_string();
        ok(&mut nix(&[
            "copy",
            "--from",
            &server.url,
            "--to",
            &nix_d,
            "--option",
            "trusted-public-keys",
            &trusted,
            &out,
        ]));
        let info = ok(&mut nix(&["path-info", "--json", "--store", &nix_d, &out]));
        assert_eq!(nar_hash(&info), hash);
    }
}

#[test]
fn a_static_web_server_serves_a_file_cache() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let store = d.join("cairn");
    if !have_python() {
        return;
    }
    let Some((out, hash)) = nix_path_in_cairn(d, &store) else {
        return;
    };
    let trusted = cairn_key(&store, d, "cairn-web-1");
    let www = d.join("www");
    ok(&mut cairn(
        &store,
        &[
            "copy",
            "--to",
            &file_url(&www, ""),
            "--sign-key",
            &d.join("cairn-web-1.sec").display().to_string(),
            &out,
        ],
    ));
    let server = static_server(&www);

    let nix_b = d.join("nix-b").display().to_string();
    ok(&mut nix(&[
        "copy",
        "--from",
        &server.url,
        "--to",
        &nix_b,
        "--option",
        "trusted-public-keys",
        &trusted,
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
        &trusted,
        &out,
    ]));
    let info = ok(&mut nix(&["path-info", "--json", "--store", &nix_b, &out]));
    assert_eq!(nar_hash(&info), hash);

    let fresh = d.join("cairn-fresh");
    cairn_pulls(&fresh, &server.url, &trusted, &out, &hash);
    ok(&mut cairn(&fresh, &["store", "verify", "--check-contents"]));
}

#[test]
fn uploads_to_a_read_only_web_server_fail_clearly() {
    if !have_python() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let store = d.join("cairn");
    std::fs::write(d.join("file"), "contents\n").unwrap();
    let path = ok(&mut cairn(
        &store,
        &["store", "add", &d.join("file").display().to_string()],
    ));
    let www = d.join("www");
    std::fs::create_dir(&www).unwrap();
    let server = static_server(&www);
    let result = output(&mut cairn(
        &store,
        &["copy", "--to", &server.url, path.trim()],
    ));
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("read-only over HTTP") && stderr.contains(&server.url),
        "{stderr}"
    );
    assert!(std::fs::read_dir(&www).unwrap().next().is_none());
}
