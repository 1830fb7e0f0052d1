use std::collections::BTreeSet;

use cairn_store::{HashAlgo, IngestionMethod, LocalStore, StoreDir};

use super::*;

struct Fixture {
    _tmp: tempfile::TempDir,
    a: LocalStore,
    b: LocalStore,
    url: String,
    cache_dir: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = StoreDir::new("/nix/store");
    let a = LocalStore::open(&tmp.path().join("a"), dir.clone()).unwrap();
    let b = LocalStore::open(&tmp.path().join("b"), dir).unwrap();
    let cache_dir = tmp.path().join("cache");
    Fixture {
        url: format!("file://{}", cache_dir.display()),
        cache_dir,
        a,
        b,
        _tmp: tmp,
    }
}

/// A closure of three paths: `top` refers to `mid` and `leaf`, `mid` to `leaf`.
fn closure(store: &LocalStore, tmp: &std::path::Path) -> (StorePath, BTreeSet<StorePath>) {
    let tree = tmp.join("tree");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::write(tree.join("bin/x"), vec![7u8; 100_000]).unwrap();
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
    let mid = store
        .add_text("mid", b"mid", &BTreeSet::from([leaf.clone()]))
        .unwrap();
    let top = store
        .add_text("top", b"top", &BTreeSet::from([mid.clone(), leaf.clone()]))
        .unwrap();
    (top.clone(), BTreeSet::from([top, mid, leaf]))
}

fn open(url: &str) -> BinaryCache {
    BinaryCache::open(url, &StoreDir::new("/nix/store")).unwrap()
}

#[test]
fn a_closure_goes_to_a_cache_and_back_in_every_compression() {
    for compression in ["xz", "zstd", "none"] {
        let f = fixture();
        let (top, all) = closure(&f.a, f._tmp.path());
        let url = format!("{}?compression={compression}", f.url);
        let cache = open(&url);
        let key = SecretKey::generate("cache-1").unwrap();
        let pushed = push(
            &f.a,
            &cache,
            std::slice::from_ref(&top),
            Some(&key),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(pushed.copied.len(), 3);
        assert_eq!(pushed.skipped, 0);
        // References first.
        assert_eq!(pushed.copied.last(), Some(&top));
        assert!(pushed.copied[0].name() == "leaf");
        let text = std::fs::read_to_string(f.cache_dir.join("nix-cache-info")).unwrap();
        assert_eq!(text, "StoreDir: /nix/store\n");

        // A second push finds everything there.
        let again = push(
            &f.a,
            &cache,
            std::slice::from_ref(&top),
            Some(&key),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!((again.copied.len(), again.skipped), (0, 3));

        let pulled = pull(
            &f.b,
            &cache,
            std::slice::from_ref(&top),
            Some(&[key.public_key()]),
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(pulled.copied.len(), 3, "{compression}");
        for p in &all {
            let (ia, ib) = (
                f.a.path_info(p).unwrap().unwrap(),
                f.b.path_info(p).unwrap().unwrap(),
            );
            assert_eq!(
                (ia.nar_hash, ia.nar_size, &ia.references),
                (ib.nar_hash, ib.nar_size, &ib.references)
            );
            assert_eq!(ia.ca, ib.ca);
            assert_eq!(ib.sigs.len(), 1);
        }
        assert!(f.b.verify(true, &mut |_| {}).unwrap().is_ok());
        let again = pull(&f.b, &cache, std::slice::from_ref(&top), None, &mut |_| {}).unwrap();
        assert_eq!((again.copied.len(), again.skipped), (0, 1));
    }
}

#[test]
fn a_changed_nar_is_refused_and_nothing_becomes_valid() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    let cache = open(&format!("{}?compression=none", f.url));
    push(&f.a, &cache, std::slice::from_ref(&top), None, &mut |_| {}).unwrap();
    // Change one byte of the big file's contents in the leaf's NAR.
    let leaf =
        f.a.closure(std::slice::from_ref(&top))
            .unwrap()
            .into_iter()
            .find(|p| p.name() == "leaf")
            .unwrap();
    let info = cache.narinfo(&leaf).unwrap().unwrap();
    let nar_file = f.cache_dir.join(&info.url);
    let mut bytes = std::fs::read(&nar_file).unwrap();
    let at = bytes
        .windows(64)
        .position(|w| w.iter().all(|b| *b == 7))
        .unwrap()
        + 1000;
    bytes[at] = 8;
    std::fs::write(&nar_file, bytes).unwrap();
    let e = pull(&f.b, &cache, std::slice::from_ref(&top), None, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("is not the one expected"), "{e}");
    assert!(e.to_string().contains("-leaf"), "{e}");
    assert!(f.b.valid_paths().unwrap().is_empty());
}

#[test]
fn signatures_are_checked_before_anything_is_downloaded() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    let cache = open(&f.url);
    let signer = SecretKey::generate("signer-1").unwrap();
    let other = SecretKey::generate("other-1").unwrap();
    // Everything but `top` is signed.
    let mid_and_leaf: Vec<StorePath> =
        f.a.closure(std::slice::from_ref(&top))
            .unwrap()
            .into_iter()
            .filter(|p| *p != top)
            .collect();
    push(&f.a, &cache, &mid_and_leaf, Some(&signer), &mut |_| {}).unwrap();
    push(&f.a, &cache, std::slice::from_ref(&top), None, &mut |_| {}).unwrap();
    let mut downloaded = 0;
    let e = pull(
        &f.b,
        &cache,
        std::slice::from_ref(&top),
        Some(&[signer.public_key()]),
        &mut |_| downloaded += 1,
    )
    .unwrap_err();
    assert!(e.to_string().contains("is not signed"), "{e}");
    assert_eq!(downloaded, 0);

    // Signed by an untrusted key: the message names it.
    let e = pull(
        &f.b,
        &cache,
        &mid_and_leaf,
        Some(&[other.public_key()]),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(e.to_string().contains("`signer-1`"), "{e}");

    // A signature under a trusted key's name that does not verify.
    let forged = PublicKey::parse(
        &other
            .public_key()
            .to_text()
            .replacen("other-1", "signer-1", 1),
    )
    .unwrap();
    let e = pull(&f.b, &cache, &mid_and_leaf, Some(&[forged]), &mut |_| {}).unwrap_err();
    assert!(
        matches!(e, CacheError::Signature(crate::SignatureError::Invalid { ref key, .. }) if key == "signer-1"),
        "{e}"
    );
    assert!(f.b.valid_paths().unwrap().is_empty());

    // Without checking, the hashes still hold.
    let ok = pull(&f.b, &cache, &[top], None, &mut |_| {}).unwrap();
    assert_eq!(ok.copied.len(), 3);
}

#[test]
fn missing_paths_and_other_store_dirs_are_errors() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    let cache = open(&f.url);
    let e = pull(&f.b, &cache, std::slice::from_ref(&top), None, &mut |_| {}).unwrap_err();
    assert!(e.to_string().contains("is not in binary cache"), "{e}");
    push(&f.a, &cache, &[top], None, &mut |_| {}).unwrap();
    let e = BinaryCache::open(&f.url, &StoreDir::new("/other/store")).unwrap_err();
    assert!(e.to_string().contains("'/nix/store'"), "{e}");
    let e = BinaryCache::open(
        &format!("{}?compression=gzip", f.url),
        &StoreDir::new("/nix/store"),
    )
    .unwrap_err();
    assert!(e.to_string().contains("gzip"), "{e}");
}

#[test]
fn references_come_first_and_cycles_end() {
    let p = |s: &str| {
        StorePath::from_base_name(&format!("{}-{s}", "a".repeat(32).replace('a', &s[..1]))).unwrap()
    };
    let (x, y, z) = (p("x"), p("y"), p("z"));
    let nodes = BTreeMap::from([
        (x.clone(), BTreeSet::from([y.clone(), z.clone(), x.clone()])),
        (y.clone(), BTreeSet::from([z.clone()])),
        (z.clone(), BTreeSet::new()),
    ]);
    assert_eq!(
        references_first(&nodes, |r| r),
        vec![z.clone(), y.clone(), x.clone()]
    );
    let cycle = BTreeMap::from([
        (x.clone(), BTreeSet::from([y.clone()])),
        (y.clone(), BTreeSet::from([x.clone()])),
    ]);
    assert_eq!(references_first(&cycle, |r| r).len(), 2);
}
