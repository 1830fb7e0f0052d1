use std::collections::BTreeSet;

use cairn_store::{HashAlgo, IngestionMethod, LocalStore, StoreDir, StorePath, Substituter};

use super::Substituters;
use crate::copy::tests::{closure, fixture};
use crate::{BinaryCache, SecretKey, push};

fn dir() -> StoreDir {
    StoreDir::new("/nix/store")
}

fn upload(store: &LocalStore, url: &str, paths: &[StorePath], key: Option<&SecretKey>) {
    let cache = BinaryCache::open(url, &dir()).unwrap();
    push(store, &cache, paths, key, &|_| {}).unwrap();
}

fn substituters(urls: &[&str], keys: &[&SecretKey]) -> Substituters {
    let urls: Vec<String> = urls.iter().map(|u| u.to_string()).collect();
    let keys = keys.iter().map(|k| k.public_key()).collect();
    Substituters::open(&urls, &dir(), keys, true, &|w| panic!("{w}"))
}

#[test]
fn a_signed_closure_is_found_and_fetched() {
    let f = fixture();
    let (top, all) = closure(&f.a, f._tmp.path());
    let key = SecretKey::generate("cache-1").unwrap();
    upload(&f.a, &f.url, std::slice::from_ref(&top), Some(&key));
    let subs = substituters(&[&f.url], &[&key]);
    let found = subs.query(std::slice::from_ref(&top));
    let top_found = found[&top].as_ref().unwrap();
    assert_eq!(top_found.source, f.url);
    subs.fetch(&f.b, std::slice::from_ref(&top), &|_| {})
        .unwrap();
    let valid: BTreeSet<StorePath> = f.b.valid_paths().unwrap().into_iter().collect();
    assert_eq!(valid, all);
    assert!(f.b.verify(true, &mut |_| {}).unwrap().is_ok());
}

#[test]
fn answers_are_remembered_absent_paths_too() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    let key = SecretKey::generate("cache-1").unwrap();
    upload(&f.a, &f.url, &[], Some(&key));
    let subs = substituters(&[&f.url], &[&key]);
    let absent = subs.query(std::slice::from_ref(&top));
    assert!(
        absent[&top]
            .as_ref()
            .unwrap_err()
            .contains("no binary cache has it")
    );
    // Uploaded later: the same substituters keep their answer, new ones see it.
    upload(&f.a, &f.url, std::slice::from_ref(&top), Some(&key));
    assert!(subs.query(std::slice::from_ref(&top))[&top].is_err());
    let fresh = substituters(&[&f.url], &[&key]);
    assert!(fresh.query(std::slice::from_ref(&top))[&top].is_ok());
}

#[test]
fn untrusted_and_unsigned_paths_are_refused_naming_the_key() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    let signer = SecretKey::generate("signer-1").unwrap();
    let other = SecretKey::generate("other-1").unwrap();
    upload(&f.a, &f.url, std::slice::from_ref(&top), Some(&signer));
    let why = substituters(&[&f.url], &[&other]).query(std::slice::from_ref(&top))[&top]
        .clone()
        .unwrap_err();
    assert!(why.contains("`signer-1`"), "{why}");
    assert!(why.contains(&f.url), "{why}");
    let why = substituters(&[&f.url], &[]).query(std::slice::from_ref(&top))[&top]
        .clone()
        .unwrap_err();
    assert!(why.contains("--trusted-public-keys"), "{why}");
    assert!(why.contains("`signer-1`"), "{why}");
    // Fetching what is refused fails and makes nothing valid.
    let e = substituters(&[&f.url], &[&other])
        .fetch(&f.b, std::slice::from_ref(&top), &|_| {})
        .unwrap_err();
    assert!(e.to_string().contains("signer-1"), "{e}");
    assert!(f.b.valid_paths().unwrap().is_empty());
}

#[test]
fn a_content_addressed_tree_needs_no_signature() {
    let f = fixture();
    let tree = f._tmp.path().join("tool");
    std::fs::create_dir_all(tree.join("bin")).unwrap();
    std::fs::write(tree.join("bin/tool"), b"#!/bin/sh\n").unwrap();
    let tool =
        f.a.add_path(
            &tree,
            "tool-1.0",
            IngestionMethod::Recursive,
            HashAlgo::Sha256,
            &mut |_| true,
        )
        .unwrap();
    // Text paths (`mid`, `top`) are not trees: they still need a signature.
    let (top, _) = closure(&f.a, f._tmp.path());
    upload(&f.a, &f.url, &[tool.clone(), top.clone()], None);
    let subs = substituters(&[&f.url], &[]);
    let found = subs.query(&[tool.clone(), top.clone()]);
    assert!(found[&tool].is_ok(), "{:?}", found[&tool]);
    assert!(found[&top].is_err());
    subs.fetch(&f.b, std::slice::from_ref(&tool), &|_| {})
        .unwrap();
    assert!(f.b.is_valid(&tool).unwrap());
    assert!(f.b.ensure_valid(&tool).unwrap());
}

#[test]
fn caches_are_asked_by_priority() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    let key = SecretKey::generate("cache-1").unwrap();
    let second = format!("file://{}", f._tmp.path().join("second").display());
    upload(&f.a, &f.url, std::slice::from_ref(&top), Some(&key));
    upload(&f.a, &second, std::slice::from_ref(&top), Some(&key));
    std::fs::write(
        f._tmp.path().join("second/nix-cache-info"),
        "StoreDir: /nix/store\nPriority: 10\n",
    )
    .unwrap();
    let subs = substituters(&[&f.url, &second], &[&key]);
    assert_eq!(
        subs.query(std::slice::from_ref(&top))[&top]
            .as_ref()
            .unwrap()
            .source,
        second
    );
}

#[test]
fn a_cache_that_cannot_be_opened_is_left_out_with_a_warning() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    std::fs::create_dir_all(&f.cache_dir).unwrap();
    std::fs::write(f.cache_dir.join("nix-cache-info"), "StoreDir: /other\n").unwrap();
    let warnings = std::sync::Mutex::new(Vec::new());
    let subs = Substituters::open(
        std::slice::from_ref(&f.url),
        &dir(),
        Vec::new(),
        true,
        &|w| warnings.lock().unwrap().push(w),
    );
    assert!(subs.is_empty());
    let warnings = warnings.into_inner().unwrap();
    assert_eq!(warnings.len(), 1);
    assert!(warnings[0].contains(&f.url), "{warnings:?}");
    let why = subs.query(std::slice::from_ref(&top))[&top]
        .clone()
        .unwrap_err();
    assert!(why.contains("no binary cache could be opened"), "{why}");
}

#[test]
fn a_changed_nar_is_refused_when_fetching() {
    let f = fixture();
    let (top, _) = closure(&f.a, f._tmp.path());
    let url = format!("{}?compression=none", f.url);
    upload(&f.a, &url, std::slice::from_ref(&top), None);
    let cache = BinaryCache::open(&url, &dir()).unwrap();
    let info = cache.narinfo(&top).unwrap().unwrap();
    let nar = f.cache_dir.join(&info.url);
    let mut bytes = std::fs::read(&nar).unwrap();
    let at = bytes.len() - 20;
    bytes[at] ^= 1;
    std::fs::write(&nar, bytes).unwrap();
    let subs = Substituters::open(&[url], &dir(), Vec::new(), false, &|w| panic!("{w}"));
    let e = subs
        .fetch(&f.b, std::slice::from_ref(&top), &|_| {})
        .unwrap_err();
    assert!(e.to_string().contains("-top"), "{e}");
    assert!(!f.b.is_valid(&top).unwrap());
}
