use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;

use super::*;
use crate::serve::directory::DirectoryServer;
use crate::serve::pool::Pool;

/// The files under `dir`, relative to it, sorted.
fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_shared_suite_passes_with_and_without_a_prefix() {
    // The base URL as given, and where its files land under the served directory.
    for (suffix, folder) in [
        ("", ""),
        ("/", ""),
        ("/some/prefix", "some/prefix"),
        ("/some/prefix/?compression=zstd", "some/prefix"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let server = DirectoryServer::start(dir.path(), true);
        let url = format!("{}{suffix}", server.url());
        let backend = crate::backend::open(&url).unwrap();
        assert_eq!(backend.url(), url);
        crate::backend::suite::run(&*backend);
        // Nothing is left under a temporary name, and nothing lands elsewhere.
        assert_eq!(
            files_under(&dir.path().join(folder)),
            ["empty.narinfo", "nar/big.nar", "nix-cache-info"],
            "{url}"
        );
    }
}

#[test]
fn names_are_escaped_in_urls() {
    let backend = HttpBackend::new("http://cache.example.org/a%20b/").unwrap();
    assert_eq!(
        backend.file_url("nar/x y+z.nar.xz").unwrap(),
        "http://cache.example.org/a%20b/nar/x%20y+z.nar.xz"
    );
    assert!(backend.file_url("nar/../x").is_err());
}

/// A server that answers every request with the status its path names (`/404/...`).
fn status_server() -> Pool {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    Pool::start(
        listener,
        2,
        Arc::new(|rq: tiny_http::Request| {
            let code = rq.url()[1..4].parse::<u16>().unwrap_or(400);
            let _ = rq.respond(tiny_http::Response::from_string("no").with_status_code(code));
        }),
    )
    .unwrap()
}

#[test]
fn missing_files_are_absent_and_other_statuses_are_errors() {
    let server = status_server();
    let url = format!("http://{}", server.addr());
    let backend = HttpBackend::new(&url).unwrap();
    for missing in ["404", "403"] {
        let file = format!("{missing}/x.narinfo");
        assert!(!backend.has(&file).unwrap());
        assert!(backend.get(&file).unwrap().is_none());
    }
    for (code, status) in [
        ("500", "500 Internal Server Error"),
        ("401", "401 Unauthorized"),
        ("418", "418"),
    ] {
        let file = format!("{code}/x.narinfo");
        for e in [
            backend.has(&file).unwrap_err(),
            backend.get(&file).err().unwrap(),
            backend
                .put(&file, &mut &b"x"[..], "text/plain")
                .unwrap_err(),
        ] {
            let e = e.to_string();
            assert!(e.contains(&url) && e.contains(status), "{e}");
        }
    }
    // A server that refuses uploads is read-only, whichever refusal it gives.
    for code in ["405", "403", "501"] {
        let e = backend
            .put(&format!("{code}/x.narinfo"), &mut &b"x"[..], "text/plain")
            .unwrap_err();
        assert!(matches!(e, CacheError::ReadOnly { .. }), "{e}");
        let e = e.to_string();
        assert!(e.contains("read-only over HTTP") && e.contains(&url), "{e}");
    }
}

#[test]
fn a_read_only_directory_server_refuses_uploads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("nix-cache-info"), "StoreDir: /nix/store\n").unwrap();
    let server = DirectoryServer::start(dir.path(), false);
    let backend = HttpBackend::new(&server.url()).unwrap();
    assert!(backend.has("nix-cache-info").unwrap());
    // A body larger than the server would read before answering.
    let big = vec![1u8; 1 << 20];
    let e = backend
        .put("nar/big.nar", &mut &big[..], "application/x-nix-nar")
        .unwrap_err();
    assert!(e.to_string().contains("405 Method Not Allowed"), "{e}");
    assert!(!dir.path().join("nar").exists());
}

#[test]
fn a_body_that_breaks_off_is_an_io_error() {
    // A server that promises 100000 bytes, sends 1000 and hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        while reader.read_line(&mut line).unwrap() > 0 && !line.ends_with("\r\n\r\n") {}
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n")
            .unwrap();
        stream.write_all(&[7u8; 1000]).unwrap();
    });
    let backend = HttpBackend::new(&url).unwrap();
    let mut body = backend.get("nar/x.nar").unwrap().unwrap();
    let mut out = Vec::new();
    assert!(body.read_to_end(&mut out).is_err());
    server.join().unwrap();
}

#[test]
fn an_unreachable_server_is_an_error_naming_the_url() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cache", listener.local_addr().unwrap());
    drop(listener);
    let backend = HttpBackend::new(&url).unwrap();
    let e = backend.has("nix-cache-info").unwrap_err().to_string();
    assert!(e.contains(&format!("{url}/nix-cache-info")), "{e}");
}

#[test]
fn a_closure_goes_to_a_web_server_and_back() {
    use cairn_store::{LocalStore, StoreDir};
    use std::collections::BTreeSet;

    let tmp = tempfile::tempdir().unwrap();
    let dir = StoreDir::new("/nix/store");
    let a = LocalStore::open(&tmp.path().join("a"), dir.clone()).unwrap();
    let b = LocalStore::open(&tmp.path().join("b"), dir.clone()).unwrap();
    let leaf = a
        .add_text("leaf", &[9u8; 200_000], &BTreeSet::new())
        .unwrap();
    let top = a
        .add_text("top", b"top", &BTreeSet::from([leaf.clone()]))
        .unwrap();
    let served = tmp.path().join("www");
    let server = DirectoryServer::start(&served, true);
    let url = format!("{}/cache?compression=zstd", server.url());
    let cache = crate::BinaryCache::open(&url, &dir).unwrap();
    let key = crate::SecretKey::generate("web-1").unwrap();
    let pushed = crate::push(&a, &cache, std::slice::from_ref(&top), Some(&key), &|_| {}).unwrap();
    assert_eq!(pushed.copied, [leaf.clone(), top.clone()]);
    assert!(
        std::fs::read_to_string(served.join("cache/nix-cache-info"))
            .unwrap()
            .starts_with("StoreDir: /nix/store\n")
    );
    let pulled = crate::pull(
        &b,
        &cache,
        std::slice::from_ref(&top),
        Some(&[key.public_key()]),
        &|_| {},
    )
    .unwrap();
    assert_eq!(pulled.copied, [leaf.clone(), top.clone()]);
    assert_eq!(
        b.path_info(&leaf).unwrap().unwrap().nar_hash,
        a.path_info(&leaf).unwrap().unwrap().nar_hash
    );
}
