use std::collections::BTreeSet;

use cairn_store::{HashAlgo, IngestionMethod, LocalStore, StoreDir};

use super::*;

pub(crate) struct Fixture {
    pub(crate) _tmp: tempfile::TempDir,
    pub(crate) a: LocalStore,
    pub(crate) b: LocalStore,
    pub(crate) url: String,
    pub(crate) cache_dir: std::path::PathBuf,
}

pub(crate) fn fixture() -> Fixture {
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
pub(crate) fn closure(
    store: &LocalStore,
    tmp: &std::path::Path,
) -> (StorePath, BTreeSet<StorePath>) {
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
            &|_| {},
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
            &|_| {},
        )
        .unwrap();
        assert_eq!((again.copied.len(), again.skipped), (0, 3));

        let pulled = pull(
            &f.b,
            &cache,
            std::slice::from_ref(&top),
            Some(&[key.public_key()]),
            &|_| {},
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
        let again = pull(&f.b, &cache, std::slice::from_ref(&top), None, &|_| {}).unwrap();
        assert_eq!((again.copied.len(), again.skipped), (0, 1));
    }
}

#[test]
fn a_changed_nar_is_refused_and_nothing_becomes_valid() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    let cache = open(&format!("{}?compression=none", f.url));
    push(&f.a, &cache, std::slice::from_ref(&top), None, &|_| {}).unwrap();
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
    let e = pull(&f.b, &cache, std::slice::from_ref(&top), None, &|_| {}).unwrap_err();
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
    push(&f.a, &cache, &mid_and_leaf, Some(&signer), &|_| {}).unwrap();
    push(&f.a, &cache, std::slice::from_ref(&top), None, &|_| {}).unwrap();
    let downloaded = std::sync::atomic::AtomicUsize::new(0);
    let e = pull(
        &f.b,
        &cache,
        std::slice::from_ref(&top),
        Some(&[signer.public_key()]),
        &|e| {
            if let CopyEvent::Started(_) = e {
                downloaded.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("is not signed"), "{e}");
    assert_eq!(downloaded.into_inner(), 0);

    // Signed by an untrusted key: the message names it.
    let e = pull(
        &f.b,
        &cache,
        &mid_and_leaf,
        Some(&[other.public_key()]),
        &|_| {},
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
    let e = pull(&f.b, &cache, &mid_and_leaf, Some(&[forged]), &|_| {}).unwrap_err();
    assert!(
        matches!(e, CacheError::Signature(crate::SignatureError::Invalid { ref key, .. }) if key == "signer-1"),
        "{e}"
    );
    assert!(f.b.valid_paths().unwrap().is_empty());

    // Without checking, the hashes still hold.
    let ok = pull(&f.b, &cache, &[top], None, &|_| {}).unwrap();
    assert_eq!(ok.copied.len(), 3);
}

#[test]
fn missing_paths_and_other_store_dirs_are_errors() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    let cache = open(&f.url);
    let e = pull(&f.b, &cache, std::slice::from_ref(&top), None, &|_| {}).unwrap_err();
    assert!(e.to_string().contains("is not in binary cache"), "{e}");
    push(&f.a, &cache, &[top], None, &|_| {}).unwrap();
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

#[test]
fn work_runs_in_parallel_but_never_before_its_references() {
    // A chain a <- b <- c and ten independent paths: every path starts after its references
    // ended, and with four jobs the independent ones overlap.
    let p = |i: usize| StorePath::from_base_name(&format!("{}-p{i}", "0".repeat(32))).unwrap();
    let mut nodes = BTreeMap::new();
    nodes.insert(p(0), BTreeSet::new());
    nodes.insert(p(1), BTreeSet::from([p(0)]));
    nodes.insert(p(2), BTreeSet::from([p(1), p(0)]));
    for i in 3..13 {
        nodes.insert(p(i), BTreeSet::new());
    }
    let ended = Mutex::new(BTreeSet::new());
    let running = std::sync::atomic::AtomicUsize::new(0);
    let most = std::sync::atomic::AtomicUsize::new(0);
    in_order(
        &nodes,
        |r| r,
        4,
        |path, refs| {
            use std::sync::atomic::Ordering::SeqCst;
            {
                let ended = ended.lock().unwrap();
                assert!(
                    refs.iter().all(|r| ended.contains(r)),
                    "{path:?} started early"
                );
            }
            let now = running.fetch_add(1, SeqCst) + 1;
            most.fetch_max(now, SeqCst);
            std::thread::sleep(std::time::Duration::from_millis(20));
            running.fetch_sub(1, SeqCst);
            ended.lock().unwrap().insert(path.clone());
            Ok::<(), ()>(())
        },
    )
    .unwrap();
    assert_eq!(ended.into_inner().unwrap().len(), 13);
    assert!(most.into_inner() > 1);

    // The first error stops what has not started, and is returned.
    let started = std::sync::atomic::AtomicUsize::new(0);
    let e = in_order(
        &nodes,
        |r| r,
        1,
        |path, _| {
            started.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if *path == p(0) { Err("broken") } else { Ok(()) }
        },
    );
    assert_eq!(e, Err("broken"));
    assert!(started.into_inner() < 13);
}
