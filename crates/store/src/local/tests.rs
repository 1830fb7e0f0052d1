use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::*;

fn store() -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("root"), StoreDir::default()).unwrap();
    (dir, store)
}

fn tree(at: &Path) {
    fs::create_dir_all(at.join("sub")).unwrap();
    fs::write(at.join("b.txt"), "bee\n").unwrap();
    fs::write(at.join("a.sh"), "#!/bin/sh\necho hi\n").unwrap();
    fs::set_permissions(at.join("a.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(at.join("sub/c"), "").unwrap();
    std::os::unix::fs::symlink("b.txt", at.join("link")).unwrap();
}

fn add_tree(store: &LocalStore, src: &Path) -> StorePath {
    store
        .add_path(
            src,
            "src",
            IngestionMethod::Recursive,
            HashAlgo::Sha256,
            &mut |_| true,
        )
        .unwrap()
}

#[test]
fn added_trees_are_valid_canonical_and_named_by_their_nar_hash() {
    let (dir, store) = store();
    let src = dir.path().join("src");
    tree(&src);
    let path = add_tree(&store, &src);
    // `nix-store --add` of the same tree.
    assert_eq!(
        store.store_dir().print(&path),
        "/nix/store/bryy4lqjm4fdpk6vidhydz0kjs2lwl2w-src"
    );
    let info = store.path_info(&path).unwrap().unwrap();
    assert_eq!(
        info.nar_hash.to_nix32(),
        "1mlkxb4vg01zhddzbi3p6afz00g6vl66z3lz571cds3jqfm9zwax"
    );
    let phys = store.physical(&path);
    let mode = |p: &str| {
        fs::symlink_metadata(phys.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(mode("a.sh"), 0o555);
    assert_eq!(mode("b.txt"), 0o444);
    assert_eq!(mode("sub"), 0o555);
    use std::os::unix::fs::MetadataExt;
    assert_eq!(fs::symlink_metadata(phys.join("link")).unwrap().mtime(), 1);
    assert_eq!(fs::metadata(&phys).unwrap().mtime(), 1);
    // Adding it again changes nothing.
    assert_eq!(add_tree(&store, &src), path);
    assert_eq!(store.valid_paths().unwrap(), vec![path]);
}

#[test]
fn flat_adds_take_one_file() {
    let (dir, store) = store();
    let file = dir.path().join("f");
    fs::write(&file, "hello\n").unwrap();
    let p = store
        .add_path(
            &file,
            "f",
            IngestionMethod::Flat,
            HashAlgo::Sha1,
            &mut |_| true,
        )
        .unwrap();
    assert!(store.is_valid(&p).unwrap());
    let info = store.path_info(&p).unwrap().unwrap();
    assert_eq!(
        info.ca.as_deref(),
        Some(
            "fixed:sha1:Hash"
                .replace("Hash", &Hash::digest(HashAlgo::Sha1, "hello\n").to_nix32())
                .as_str()
        )
    );
    let d = dir.path().join("d");
    fs::create_dir(&d).unwrap();
    let e = store
        .add_path(
            &d,
            "d",
            IngestionMethod::Flat,
            HashAlgo::Sha256,
            &mut |_| true,
        )
        .unwrap_err();
    assert!(e.to_string().contains("not a regular file"), "{e}");
    assert_eq!(store.valid_paths().unwrap(), vec![p]);
}

#[test]
fn text_files_record_their_references() {
    let (_dir, store) = store();
    let a = store.add_text("a", b"A", &BTreeSet::new()).unwrap();
    let b = store
        .add_text("b", b"B", &BTreeSet::from([a.clone()]))
        .unwrap();
    assert_eq!(fs::read(store.physical(&b)).unwrap(), b"B");
    assert_eq!(
        store.path_info(&b).unwrap().unwrap().references,
        BTreeSet::from([a.clone()])
    );
    assert_eq!(store.referrers(&a).unwrap(), BTreeSet::from([b.clone()]));
    assert_eq!(
        store.closure(std::slice::from_ref(&b)).unwrap(),
        BTreeSet::from([a, b])
    );
}

#[test]
fn references_must_be_valid() {
    let (_dir, store) = store();
    let ghost = StorePath::from_base_name("00000000000000000000000000000000-ghost").unwrap();
    let e = store
        .add_text("b", b"B", &BTreeSet::from([ghost]))
        .unwrap_err();
    assert!(e.to_string().contains("is not valid"), "{e}");
    assert!(store.valid_paths().unwrap().is_empty());
    // Nothing is left on disk either.
    assert_eq!(fs::read_dir(store.real_store_dir()).unwrap().count(), 0);
}

#[test]
fn gc_keeps_the_closure_of_roots_and_removes_the_rest() {
    let (dir, store) = store();
    let a = store.add_text("a", b"A", &BTreeSet::new()).unwrap();
    let b = store
        .add_text("b", b"B", &BTreeSet::from([a.clone()]))
        .unwrap();
    let c = store.add_text("c", b"C", &BTreeSet::new()).unwrap();
    let link = dir.path().join("result");
    store.add_indirect_root(&link, &b).unwrap();
    // This process's temporary roots keep everything it added; a fresh handle has none.
    drop(store);
    let store = LocalStore::open(&dir.path().join("root"), StoreDir::default()).unwrap();
    let dry = store.gc(&GcOptions { dry_run: true }, &|| ()).unwrap();
    assert_eq!(dry.dead, vec![c.clone()]);
    assert!(store.is_valid(&c).unwrap());
    // A stray tree, as an interrupted add leaves.
    fs::create_dir(store.real_store_dir().join(".tmp-1-2-3")).unwrap();
    let report = store.gc(&GcOptions::default(), &|| ()).unwrap();
    assert_eq!(report.dead, vec![c.clone()]);
    assert_eq!(report.strays, vec![".tmp-1-2-3".to_string()]);
    assert!(!store.physical(&c).exists());
    assert!(store.is_valid(&a).unwrap() && store.is_valid(&b).unwrap());
    // Without the link, the rest goes too.
    fs::remove_file(&link).unwrap();
    let report = store.gc(&GcOptions::default(), &|| ()).unwrap();
    assert_eq!(report.dead.len(), 2);
    assert!(store.valid_paths().unwrap().is_empty());
}

#[test]
fn delete_refuses_paths_that_others_need() {
    let (dir, store) = store();
    let a = store.add_text("a", b"A", &BTreeSet::new()).unwrap();
    let b = store
        .add_text("b", b"B", &BTreeSet::from([a.clone()]))
        .unwrap();
    drop(store);
    let store = LocalStore::open(&dir.path().join("root"), StoreDir::default()).unwrap();
    let e = store.delete(std::slice::from_ref(&a), &|| ()).unwrap_err();
    assert!(e.to_string().contains("refers to it"), "{e}");
    store.delete(&[b.clone(), a.clone()], &|| ()).unwrap();
    assert!(store.valid_paths().unwrap().is_empty());
}

#[test]
fn verify_finds_modified_and_missing_paths() {
    let (dir, store) = store();
    let src = dir.path().join("src");
    tree(&src);
    let p = add_tree(&store, &src);
    let t = store.add_text("t", b"T", &BTreeSet::new()).unwrap();
    assert!(store.verify(true, &mut |_| ()).unwrap().is_ok());
    let file = store.physical(&p).join("b.txt");
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&file, "changed\n").unwrap();
    let report = store.verify(false, &mut |_| ()).unwrap();
    assert!(
        report.is_ok(),
        "without --check-contents only existence is checked"
    );
    let report = store.verify(true, &mut |_| ()).unwrap();
    assert_eq!(report.modified.len(), 1);
    assert_eq!(report.modified[0].0, p);
    fs::remove_file(store.physical(&t)).unwrap();
    let report = store.verify(false, &mut |_| ()).unwrap();
    assert_eq!(report.missing, vec![t]);
}

#[test]
fn a_store_keeps_its_store_dir() {
    let (dir, store) = store();
    drop(store);
    let e = LocalStore::open(&dir.path().join("root"), StoreDir::new("/other/store")).unwrap_err();
    assert!(e.to_string().contains("--store-dir /nix/store"), "{e}");
}

#[test]
fn user_paths_may_be_logical_physical_or_links() {
    let (dir, store) = store();
    let a = store.add_text("a", b"A", &BTreeSet::new()).unwrap();
    let logical = store.store_dir().print(&a);
    assert_eq!(store.parse_user_path(&logical).unwrap(), a);
    assert_eq!(store.parse_user_path(&format!("{logical}/x")).unwrap(), a);
    let phys = store.physical(&a);
    assert_eq!(store.parse_user_path(phys.to_str().unwrap()).unwrap(), a);
    let link = dir.path().join("result");
    std::os::unix::fs::symlink(&phys, &link).unwrap();
    assert_eq!(store.parse_user_path(link.to_str().unwrap()).unwrap(), a);
    assert!(store.parse_user_path("/tmp").is_err());
}

#[test]
fn batches_register_everything_at_once() {
    let (_dir, store) = store();
    store.begin_batch().unwrap();
    let a = store.add_text("a", b"A", &BTreeSet::new()).unwrap();
    let b = store
        .add_text("b", b"B", &BTreeSet::from([a.clone()]))
        .unwrap();
    // In place and valid for this process, not yet in the database.
    assert!(store.physical(&b).exists());
    assert!(store.is_valid(&b).unwrap());
    assert!(store.valid_paths().unwrap().is_empty());
    store.commit_batch().unwrap();
    assert_eq!(store.valid_paths().unwrap(), vec![b.clone(), a.clone()]);
    assert_eq!(store.referrers(&a).unwrap(), BTreeSet::from([b]));
}

#[test]
fn a_tree_that_holds_the_store_is_refused() {
    let (dir, store) = store();
    let e = store
        .add_path(
            dir.path(),
            "all",
            IngestionMethod::Recursive,
            HashAlgo::Sha256,
            &mut |_| true,
        )
        .unwrap_err();
    assert!(e.to_string().contains("contains the store itself"), "{e}");
    assert!(store.valid_paths().unwrap().is_empty());
}

#[test]
fn special_files_are_refused_and_leave_nothing() {
    let (dir, store) = store();
    let src = dir.path().join("src");
    fs::create_dir(&src).unwrap();
    fs::write(src.join("ok"), "ok").unwrap();
    let fifo = src.join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let e = store
        .add_path(
            &src,
            "src",
            IngestionMethod::Recursive,
            HashAlgo::Sha256,
            &mut |_| true,
        )
        .unwrap_err();
    assert!(e.to_string().contains("unsupported type"), "{e}");
    assert!(store.valid_paths().unwrap().is_empty());
    assert_eq!(fs::read_dir(store.real_store_dir()).unwrap().count(), 0);
}

#[test]
fn links_in_the_roots_folder_are_roots() {
    let (dir, store) = store();
    let a = store.add_text("a", b"A", &BTreeSet::new()).unwrap();
    let b = store.add_text("b", b"B", &BTreeSet::new()).unwrap();
    let roots = dir.path().join("root/nix/var/cairn/gcroots/mine");
    fs::create_dir_all(&roots).unwrap();
    // A link to the logical path and one to the physical path both count.
    std::os::unix::fs::symlink(store.store_dir().print(&a), roots.join("a")).unwrap();
    std::os::unix::fs::symlink(store.physical(&b), roots.join("b")).unwrap();
    drop(store);
    let store = LocalStore::open(&dir.path().join("root"), StoreDir::default()).unwrap();
    assert_eq!(store.roots().unwrap().len(), 2);
    let report = store.gc(&GcOptions::default(), &|| ()).unwrap();
    assert!(report.dead.is_empty());
    fs::remove_file(roots.join("a")).unwrap();
    let report = store.gc(&GcOptions::default(), &|| ()).unwrap();
    assert_eq!(report.dead, vec![a]);
}

#[test]
fn paths_are_found_by_their_hash_part() {
    let (dir, store) = store();
    let src = dir.path().join("src");
    tree(&src);
    let path = add_tree(&store, &src);
    let text = store.add_text("t", b"t", &BTreeSet::new()).unwrap();
    for p in [&path, &text] {
        assert_eq!(
            store.query_path_from_hash_part(p.hash_part()).unwrap(),
            Some(p.clone())
        );
    }
    // A hash no valid path has, one a character short, and text that is no hash.
    let mut other = path.hash_part().to_string();
    other.replace_range(31.., if other.ends_with('0') { "1" } else { "0" });
    for missing in [
        other.as_str(),
        &path.hash_part()[..31],
        "",
        "../../etc/passwd",
        "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
    ] {
        assert_eq!(
            store.query_path_from_hash_part(missing).unwrap(),
            None,
            "{missing}"
        );
    }
}
