use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;

use cairn_store::dump::{dump_path, hash_path};
use cairn_store::hash::HashAlgo;
use cairn_store::nar::NarWriter;

use super::{FetchError, fetchurl};

/// The environment of a `<nix/fetchurl.nix>` derivation for `url`, with `extra` attributes.
fn env(url: &str, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = [
        ("builder", "builtin:fetchurl"),
        ("name", "fetched"),
        ("outputHashAlgo", "sha256"),
        ("outputHashMode", "flat"),
        ("url", url),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.insert("urls".into(), url.into());
    env
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

/// The NAR of the tree at `path`.
fn nar_of(path: &Path) -> Vec<u8> {
    let mut nar = NarWriter::new(Vec::new()).unwrap();
    dump_path(path, &mut |_| true, &mut nar).unwrap();
    nar.into_inner()
}

fn nar_hash(path: &Path) -> (cairn_store::Hash, u64) {
    hash_path(HashAlgo::Sha256, path, &mut |_| true).unwrap()
}

/// A tree with a file, an executable, a symbolic link and a subdirectory.
fn sample_tree(dir: &Path) -> std::path::PathBuf {
    let tree = dir.join("tree");
    fs::create_dir_all(tree.join("bin")).unwrap();
    fs::write(tree.join("README"), "hello\n").unwrap();
    fs::write(tree.join("bin/run"), "#!/bin/sh\necho hi\n").unwrap();
    fs::set_permissions(tree.join("bin/run"), fs::Permissions::from_mode(0o755)).unwrap();
    symlink("bin/run", tree.join("run")).unwrap();
    tree
}

#[test]
fn a_file_url_is_copied_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.txt");
    fs::write(&src, "some contents\n").unwrap();
    let out = dir.path().join("out");
    fetchurl(&env(&file_url(&src), &[]), &out).unwrap();
    assert_eq!(fs::read(&out).unwrap(), b"some contents\n");
    assert_eq!(mode(&out), 0o444);
}

#[test]
fn executable_makes_the_file_executable() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("tool");
    fs::write(&src, "#!/bin/sh\n").unwrap();
    let out = dir.path().join("out");
    let env = env(
        &file_url(&src),
        &[("executable", "1"), ("outputHashMode", "recursive")],
    );
    fetchurl(&env, &out).unwrap();
    assert_eq!(fs::read(&out).unwrap(), b"#!/bin/sh\n");
    assert_eq!(mode(&out), 0o555);
}

#[test]
fn executable_other_than_1_is_not_executable() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("tool");
    fs::write(&src, "x").unwrap();
    let out = dir.path().join("out");
    fetchurl(&env(&file_url(&src), &[("executable", "true")]), &out).unwrap();
    assert_eq!(mode(&out), 0o444);
}

#[test]
fn a_file_url_is_percent_decoded_and_may_name_localhost() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("a file");
    fs::write(&src, "spaced").unwrap();
    let url = format!("file://localhost{}/a%20file", dir.path().display());
    let out = dir.path().join("out");
    fetchurl(&env(&url, &[]), &out).unwrap();
    assert_eq!(fs::read(&out).unwrap(), b"spaced");
}

#[test]
fn a_missing_file_is_an_error_naming_the_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = file_url(&dir.path().join("absent"));
    let out = dir.path().join("out");
    let err = fetchurl(&env(&url, &[]), &out).unwrap_err();
    assert!(
        matches!(&err, FetchError::Download { url: u, error }
            if *u == url && error.kind() == std::io::ErrorKind::NotFound),
        "{err:?}"
    );
    assert!(err.to_string().contains(&format!("'{url}'")), "{err}");
    assert!(!out.exists());
}

#[test]
fn the_attributes_nix_requires_are_required() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut env = env("file:///dev/null", &[]);
    env.remove("outputHashMode");
    let err = fetchurl(&env, &out).unwrap_err();
    assert_eq!(err.to_string(), "attribute 'outputHashMode' missing");
    env.remove("url");
    let err = fetchurl(&env, &out).unwrap_err();
    assert_eq!(err.to_string(), "attribute 'url' missing");
    assert!(!out.exists());
}

#[test]
fn other_schemes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for url in ["ftp://example.org/x", "file://elsewhere/x", "no-scheme"] {
        let err = fetchurl(&env(url, &[]), &out).unwrap_err();
        assert!(
            matches!(&err, FetchError::UnsupportedUrl { url: u } if u == url),
            "{err:?}"
        );
    }
}

/// Serves `count` connections on 127.0.0.1, one request each: `/file` and `/nar` are 200 with
/// `file` and `nar` as bodies, `/moved` redirects to `/file`, anything else is 404. Returns the
/// base URL and the server's thread.
fn serve(count: usize, file: Vec<u8>, nar: Vec<u8>) -> (String, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let handle = thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let mut stream = stream.unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            loop {
                let mut header = String::new();
                reader.read_line(&mut header).unwrap();
                if header.trim().is_empty() {
                    break;
                }
            }
            let path = request_line.split(' ').nth(1).unwrap_or("");
            let (status, extra, body): (&str, &str, &[u8]) = match path {
                "/file" => ("200 OK", "", &file),
                "/nar" | "/nar.xz" => ("200 OK", "", &nar),
                "/moved" => ("302 Found", "Location: /file\r\n", b""),
                _ => ("404 Not Found", "", b"no such thing"),
            };
            let head = format!(
                "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream.write_all(body).unwrap();
        }
    });
    (base, handle)
}

#[test]
fn http_downloads_the_body_and_follows_redirects() {
    let dir = tempfile::tempdir().unwrap();
    let body = (0..100_000u32).map(|i| (i % 251) as u8).collect::<Vec<_>>();
    let (base, server) = serve(3, body.clone(), Vec::new());

    let out = dir.path().join("out");
    fetchurl(&env(&format!("{base}/file"), &[]), &out).unwrap();
    assert_eq!(fs::read(&out).unwrap(), body);
    assert_eq!(mode(&out), 0o444);

    // `/moved` takes two connections: the redirect and `/file`.
    let moved = dir.path().join("moved");
    fetchurl(&env(&format!("{base}/moved"), &[]), &moved).unwrap();
    assert_eq!(fs::read(&moved).unwrap(), body);
    server.join().unwrap();
}

#[test]
fn an_http_error_status_is_an_error_naming_the_url_and_status() {
    let dir = tempfile::tempdir().unwrap();
    let (base, server) = serve(1, Vec::new(), Vec::new());
    let url = format!("{base}/absent");
    let out = dir.path().join("out");
    let err = fetchurl(&env(&url, &[]), &out).unwrap_err();
    server.join().unwrap();
    assert!(
        matches!(&err, FetchError::HttpStatus { url: u, status: 404, .. } if *u == url),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        format!("unable to download '{url}': HTTP error 404 ('Not Found')")
    );
    assert!(!out.exists());
}

#[test]
fn a_refused_connection_is_an_error_naming_the_url() {
    let dir = tempfile::tempdir().unwrap();
    // A port that was just free: nothing listens there any more.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/x");
    let err = fetchurl(&env(&url, &[]), &dir.path().join("out")).unwrap_err();
    assert!(
        matches!(&err, FetchError::Download { url: u, .. } if *u == url),
        "{err:?}"
    );
}

#[test]
fn unpack_restores_a_nar() {
    let dir = tempfile::tempdir().unwrap();
    let tree = sample_tree(dir.path());
    let nar = dir.path().join("tree.nar");
    fs::write(&nar, nar_of(&tree)).unwrap();
    let out = dir.path().join("out");
    let env = env(
        &file_url(&nar),
        &[("unpack", "1"), ("outputHashMode", "recursive")],
    );
    fetchurl(&env, &out).unwrap();
    assert_eq!(nar_hash(&out), nar_hash(&tree));
    assert_eq!(mode(&out.join("README")), 0o444);
    assert_eq!(mode(&out.join("bin/run")), 0o555);
}

#[test]
fn unpack_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let tree = sample_tree(dir.path());
    let (base, server) = serve(1, Vec::new(), nar_of(&tree));
    let out = dir.path().join("out");
    fetchurl(&env(&format!("{base}/nar"), &[("unpack", "1")]), &out).unwrap();
    server.join().unwrap();
    assert_eq!(nar_hash(&out), nar_hash(&tree));
}

#[test]
fn unpack_decompresses_a_url_ending_in_xz() {
    let dir = tempfile::tempdir().unwrap();
    let tree = sample_tree(dir.path());
    let mut xz = Vec::new();
    lzma_rs::xz_compress(&mut &nar_of(&tree)[..], &mut xz).unwrap();
    let (base, server) = serve(1, Vec::new(), xz);
    let out = dir.path().join("out");
    fetchurl(&env(&format!("{base}/nar.xz"), &[("unpack", "1")]), &out).unwrap();
    server.join().unwrap();
    assert_eq!(nar_hash(&out), nar_hash(&tree));
}

#[test]
fn unpack_decompresses_what_the_xz_program_makes() {
    let dir = tempfile::tempdir().unwrap();
    let tree = sample_tree(dir.path());
    fs::write(tree.join("big"), vec![b'q'; 3 << 20]).unwrap();
    let xz = match Command::new("xz")
        .args(["-c", "-T1"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(mut child) => {
            let nar = nar_of(&tree);
            let mut stdin = child.stdin.take().unwrap();
            let writer = thread::spawn(move || stdin.write_all(&nar).unwrap());
            let output = child.wait_with_output().unwrap();
            writer.join().unwrap();
            assert!(output.status.success());
            output.stdout
        }
        Err(e) => {
            eprintln!("\n*** SKIPPED: `xz` is not installed ({e}) ***\n");
            return;
        }
    };
    let file = dir.path().join("tree.nar.xz");
    fs::write(&file, xz).unwrap();
    let out = dir.path().join("out");
    fetchurl(&env(&file_url(&file), &[("unpack", "1")]), &out).unwrap();
    assert_eq!(nar_hash(&out), nar_hash(&tree));
}

#[test]
fn xz_is_only_undone_when_unpacking() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("data.xz");
    fs::write(&src, b"not really xz").unwrap();
    let out = dir.path().join("out");
    fetchurl(&env(&file_url(&src), &[]), &out).unwrap();
    assert_eq!(fs::read(&out).unwrap(), b"not really xz");
}

#[test]
fn unpack_of_what_is_not_a_nar_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("junk");
    fs::write(&src, vec![b'j'; 1000]).unwrap();
    let url = file_url(&src);
    let err = fetchurl(&env(&url, &[("unpack", "1")]), &dir.path().join("out")).unwrap_err();
    assert!(
        matches!(&err, FetchError::Unpack { url: u, .. } if *u == url),
        "{err:?}"
    );

    // Not xz either, behind a `.xz` name.
    let src = dir.path().join("junk.xz");
    fs::write(&src, vec![b'j'; 1000]).unwrap();
    let url = file_url(&src);
    let err = fetchurl(&env(&url, &[("unpack", "1")]), &dir.path().join("out2")).unwrap_err();
    assert!(
        matches!(&err, FetchError::Decompress { url: u, .. } if *u == url),
        "{err:?}"
    );
}

#[test]
fn unpack_and_executable_make_a_single_file_executable() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain");
    fs::write(&file, "data").unwrap();
    let nar = dir.path().join("plain.nar");
    fs::write(&nar, nar_of(&file)).unwrap();
    let out = dir.path().join("out");
    let env = env(&file_url(&nar), &[("unpack", "1"), ("executable", "1")]);
    fetchurl(&env, &out).unwrap();
    assert_eq!(fs::read(&out).unwrap(), b"data");
    assert_eq!(mode(&out), 0o555);
}
