use std::collections::BTreeSet;
use std::sync::Mutex;

use cairn_store::{Hash, IngestionMethod, StoreDir, StorePath};

use super::*;
use crate::{BinaryCache, PublicKey};

struct Fixture {
    tmp: tempfile::TempDir,
    store: Arc<LocalStore>,
    /// `top` refers to `leaf`, a tree with a large file, a link and an executable.
    top: StorePath,
    leaf: StorePath,
    key: PublicKey,
}

fn fixture() -> (Fixture, SecretKey) {
    let tmp = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&tmp.path().join("a"), StoreDir::new("/nix/store")).unwrap();
    let tree = tmp.path().join("tree");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(tree.join("bin/x"), big).unwrap();
    std::os::unix::fs::symlink("bin/x", tree.join("link")).unwrap();
    let leaf = store
        .add_path(
            &tree,
            "leaf",
            IngestionMethod::Recursive,
            HashAlgo::Sha256,
            &mut |_| true,
        )
        .unwrap();
    let top = store
        .add_text("top", b"top", &BTreeSet::from([leaf.clone()]))
        .unwrap();
    let secret = SecretKey::generate("serve-test-1").unwrap();
    let fixture = Fixture {
        tmp,
        store: Arc::new(store),
        top,
        leaf,
        key: secret.public_key(),
    };
    (fixture, secret)
}

fn start(f: &Fixture, key: Option<SecretKey>, compression: Compression) -> Server {
    let options = ServeOptions {
        compression,
        key,
        ..ServeOptions::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    Server::start(Arc::clone(&f.store), options, listener).unwrap()
}

/// Status, content type and body of a request.
fn request(method: &str, url: &str) -> (u16, String, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(url)
        .body(())
        .unwrap();
    let response = agent.run(request).unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let mut body = Vec::new();
    response
        .into_body()
        .into_reader()
        .read_to_end(&mut body)
        .unwrap();
    (status, content_type, body)
}

fn nar_hash(nar: &[u8]) -> Hash {
    Hash::digest(HashAlgo::Sha256, nar)
}

#[test]
fn the_store_is_answered_as_a_cache() {
    let (f, secret) = fixture();
    let server = start(&f, Some(secret), Compression::Xz);
    let url = server.url();
    let dir = f.store.store_dir();

    let (status, content_type, body) = request("GET", &format!("{url}/nix-cache-info"));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/x-nix-cache-info")
    );
    assert_eq!(
        String::from_utf8(body).unwrap(),
        "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n"
    );

    // The narinfo: the store's record, a NAR name with the path's hash and NAR hash, no file
    // hash or size, signed with the server's key.
    let file = format!("{url}/{}.narinfo", f.leaf.hash_part());
    let (status, content_type, body) = request("GET", &file);
    assert_eq!((status, content_type.as_str()), (200, "text/x-nix-narinfo"));
    let info = NarInfo::parse(std::str::from_utf8(&body).unwrap(), dir, "leaf").unwrap();
    let recorded = f.store.path_info(&f.leaf).unwrap().unwrap();
    assert_eq!(info.path, f.leaf);
    assert_eq!(
        (info.nar_hash, info.nar_size),
        (recorded.nar_hash, recorded.nar_size)
    );
    assert_eq!(
        info.url,
        format!(
            "nar/{}-{}.nar.xz",
            f.leaf.hash_part(),
            recorded.nar_hash.to_nix32()
        )
    );
    assert_eq!(info.compression, "xz");
    assert_eq!((info.file_hash, info.file_size), (None, None));
    info.check_signatures(dir, std::slice::from_ref(&f.key))
        .unwrap();
    let top = request("GET", &format!("{url}/{}.narinfo", f.top.hash_part()));
    let top = NarInfo::parse(std::str::from_utf8(&top.2).unwrap(), dir, "top").unwrap();
    assert_eq!(top.references, BTreeSet::from([f.leaf.clone()]));
    assert_eq!(top.ca, f.store.path_info(&f.top).unwrap().unwrap().ca);

    // HEAD answers as GET does, without a body.
    assert_eq!(request("HEAD", &file).0, 200);
    assert!(request("HEAD", &file).2.is_empty());

    // The NAR, in every compression whatever the narinfo says.
    let stem = format!(
        "{url}/nar/{}-{}",
        f.leaf.hash_part(),
        recorded.nar_hash.to_nix32()
    );
    for c in [Compression::None, Compression::Xz, Compression::Zstd] {
        let (status, content_type, body) = request("GET", &format!("{stem}.nar{}", c.extension()));
        assert_eq!(
            (status, content_type.as_str()),
            (200, "application/x-nix-nar")
        );
        let mut nar = Vec::new();
        c.decompressor(&body[..])
            .unwrap()
            .read_to_end(&mut nar)
            .unwrap();
        assert_eq!(nar_hash(&nar), recorded.nar_hash, "{c:?}");
        assert_eq!(nar.len() as u64, recorded.nar_size, "{c:?}");
        if c != Compression::None {
            assert!(body.len() < nar.len() / 2, "{c:?} did not compress");
        }
        let (status, _, body) = request("HEAD", &format!("{stem}.nar{}", c.extension()));
        assert_eq!((status, body.len()), (200, 0));
    }
}

#[test]
fn what_is_not_there_is_404_and_a_malformed_narinfo_name_400() {
    let (f, _) = fixture();
    let server = start(&f, None, Compression::Zstd);
    let url = server.url();
    let recorded = f.store.path_info(&f.leaf).unwrap().unwrap();
    let stale = Hash::digest(HashAlgo::Sha256, b"another NAR").to_nix32();
    let unknown = "00000000000000000000000000000000";
    let good_nar = format!(
        "nar/{}-{}.nar",
        f.leaf.hash_part(),
        recorded.nar_hash.to_nix32()
    );
    for (method, file, expected) in [
        ("GET", format!("{unknown}.narinfo"), 404),
        ("HEAD", format!("{unknown}.narinfo"), 404),
        ("GET", format!("nar/{unknown}-{stale}.nar"), 404),
        // A NAR hash that is not the path's: the path changed since the narinfo was read.
        (
            "GET",
            format!("nar/{}-{stale}.nar.xz", f.leaf.hash_part()),
            404,
        ),
        ("GET", "nix-cache-info/x".into(), 404),
        ("GET", "".into(), 404),
        ("GET", "log/x".into(), 404),
        ("GET", "abc.narinfo".into(), 400),
        ("GET", "../../etc/passwd.narinfo".into(), 400),
        (
            "GET",
            "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.narinfo".into(),
            400,
        ),
        // NAR files of other names may be in other caches: they are not here.
        ("GET", "nar/x.nar".into(), 404),
        (
            "HEAD",
            "nar/0mzz7k9v4ywldiqsqylvwapj3w8g434jxng9sqfhli6q03xrm1g9.nar.xz".into(),
            404,
        ),
        ("GET", format!("{good_nar}.bz2"), 404),
        ("GET", good_nar.replace(".nar", ""), 404),
        ("POST", "nix-cache-info".into(), 405),
        ("PUT", format!("{}.narinfo", f.leaf.hash_part()), 405),
        ("DELETE", good_nar.clone(), 405),
        ("GET", good_nar.clone(), 200),
        ("GET", format!("{good_nar}?x=1"), 200),
    ] {
        let (status, _, _) = request(method, &format!("{url}/{file}"));
        assert_eq!(status, expected, "{method} {file}");
    }
}

#[test]
fn paths_are_pulled_over_http_with_their_signatures_checked() {
    for compression in [Compression::Xz, Compression::Zstd, Compression::None] {
        let (f, secret) = fixture();
        let server = start(&f, Some(secret), compression);
        let dir = f.store.store_dir().clone();
        let b = LocalStore::open(&f.tmp.path().join("b"), dir.clone()).unwrap();
        let cache = BinaryCache::open(&server.url(), &dir).unwrap();

        // Another key is not trusted; nothing is imported then.
        let other = SecretKey::generate("other-1").unwrap().public_key();
        let e = crate::pull(
            &b,
            &cache,
            std::slice::from_ref(&f.top),
            Some(&[other]),
            &|_| {},
        )
        .unwrap_err();
        assert!(e.to_string().contains("`serve-test-1`"), "{e}");
        assert!(!b.is_valid(&f.leaf).unwrap());

        let report = crate::pull(
            &b,
            &cache,
            std::slice::from_ref(&f.top),
            Some(std::slice::from_ref(&f.key)),
            &|_| {},
        )
        .unwrap();
        assert_eq!(
            report.copied,
            [f.leaf.clone(), f.top.clone()],
            "{compression:?}"
        );
        for p in [&f.leaf, &f.top] {
            let a = f.store.path_info(p).unwrap().unwrap();
            let got = b.path_info(p).unwrap().unwrap();
            assert_eq!((got.nar_hash, got.nar_size), (a.nar_hash, a.nar_size));
            assert_eq!(got.references, a.references);
        }
        let copied = std::fs::read(b.physical(&f.leaf).join("bin/x")).unwrap();
        assert_eq!(copied.len(), 3_000_000);
    }
}

#[test]
fn the_served_cache_is_read_only() {
    let (f, secret) = fixture();
    let server = start(&f, None, Compression::Xz);
    let dir = f.store.store_dir().clone();
    let cache = BinaryCache::open(&server.url(), &dir).unwrap();
    // What it serves, it has already; a path of another store is refused.
    let pushed = crate::push(
        &f.store,
        &cache,
        std::slice::from_ref(&f.top),
        None,
        &|_| {},
    )
    .unwrap();
    assert_eq!(pushed.skipped, 2);
    let other = LocalStore::open(&f.tmp.path().join("other"), dir).unwrap();
    let new = other.add_text("new", b"new", &BTreeSet::new()).unwrap();
    let e = crate::push(&other, &cache, &[new], Some(&secret), &|_| {}).unwrap_err();
    assert!(matches!(e, CacheError::ReadOnly { .. }), "{e}");
    assert!(e.to_string().contains("405 Method Not Allowed"), "{e}");
}

#[test]
fn every_request_is_logged() {
    let (f, _) = fixture();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&lines);
    let options = ServeOptions {
        log: Some(Box::new(move |s: &Served<'_>| {
            seen.lock()
                .unwrap()
                .push(format!("{} {} {}", s.method, s.url, s.status));
        })),
        ..ServeOptions::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = Server::start(Arc::clone(&f.store), options, listener).unwrap();
    request("GET", &format!("{}/nix-cache-info", server.url()));
    request("HEAD", &format!("{}/x.narinfo", server.url()));
    server.stop();
    server.wait().unwrap();
    assert_eq!(
        *lines.lock().unwrap(),
        ["GET /nix-cache-info 200", "HEAD /x.narinfo 400"]
    );
}

#[test]
fn a_path_that_changed_on_disk_is_not_sent_as_it_was() {
    let (f, _) = fixture();
    let errors = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&errors);
    let options = ServeOptions {
        log: Some(Box::new(move |s: &Served<'_>| {
            seen.lock().unwrap().extend(s.error.clone());
        })),
        ..ServeOptions::default()
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let server = Server::start(Arc::clone(&f.store), options, listener).unwrap();
    let recorded = f.store.path_info(&f.top).unwrap().unwrap();
    // The store's files are read-only; its owner can still change them.
    let file = f.store.physical(&f.top);
    let mut perms = std::fs::metadata(&file).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o644);
    std::fs::set_permissions(&file, perms).unwrap();
    std::fs::write(&file, b"pot").unwrap();
    let (_, _, body) = request(
        "GET",
        &format!(
            "{}/nar/{}-{}.nar",
            server.url(),
            f.top.hash_part(),
            recorded.nar_hash.to_nix32()
        ),
    );
    assert_ne!(nar_hash(&body), recorded.nar_hash);
    server.stop();
    server.wait().unwrap();
    let errors = errors.lock().unwrap();
    assert!(
        errors.len() == 1 && errors[0].contains("is not the one expected"),
        "{errors:?}"
    );
}
