//! Copying closures between the local store and a binary cache, as `nix copy` does.
//!
//! `push` uploads what the cache lacks of the closures of some paths, references first, so a
//! narinfo never names a reference the cache does not have. `pull` reads the narinfos of the
//! closure first and checks every signature before it downloads anything; then it imports the
//! paths references first, each through `LocalStore::add_nar`, which makes a path valid only
//! once its NAR has the hash and size the narinfo gives.
//!
//! Paths are copied one after the other; a path already on the other side is skipped.

use std::collections::{BTreeMap, BTreeSet};

use cairn_store::{LocalStore, NarWriter, StoreError, StorePath};

use crate::narinfo::NarInfo;
use crate::signing::{PublicKey, SecretKey};
use crate::{BinaryCache, CacheError};

/// What a copy did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CopyReport {
    /// The paths copied, in the order they were.
    pub copied: Vec<StorePath>,
    /// How many paths of the closures the other side had already.
    pub skipped: usize,
    /// The bytes of NAR files written or read, compressed.
    pub bytes: u64,
}

/// Uploads the closures of `roots` (valid paths of `store`) to `cache`, signing what it
/// uploads with `key` if given. `progress` is told of each path before it is uploaded.
pub fn push(
    store: &LocalStore,
    cache: &BinaryCache,
    roots: &[StorePath],
    key: Option<&SecretKey>,
    progress: &mut dyn FnMut(&StorePath),
) -> Result<CopyReport, CacheError> {
    let dir = store.store_dir();
    let mut infos = BTreeMap::new();
    for path in store.closure(roots)? {
        let info = store
            .path_info(&path)?
            .ok_or_else(|| StoreError::NotValid(dir.print(&path)))?;
        infos.insert(path, info);
    }
    let mut report = CopyReport::default();
    let mut inited = false;
    let order = references_first(&infos, |i| &i.references);
    for path in order {
        if cache.has_path(&path)? {
            report.skipped += 1;
            continue;
        }
        if !inited {
            cache.init()?;
            inited = true;
        }
        progress(&path);
        let physical = store.physical(&path);
        let written = cache.put_path(
            NarInfo::from_path_info(&infos[&path]),
            &mut |out| {
                let mut nar = NarWriter::new(out)?;
                cairn_store::dump::dump_path(&physical, &mut |_| true, &mut nar)
            },
            key,
        )?;
        report.bytes += written.file_size.unwrap_or(0);
        report.copied.push(path);
    }
    Ok(report)
}

/// Imports the closures of `roots` from `cache` into `store`. With `trusted` given, every
/// path must carry a valid signature by one of those keys, and all are checked before the
/// first download; with `None`, signatures are not checked (NAR hashes always are).
pub fn pull(
    store: &LocalStore,
    cache: &BinaryCache,
    roots: &[StorePath],
    trusted: Option<&[PublicKey]>,
    progress: &mut dyn FnMut(&StorePath),
) -> Result<CopyReport, CacheError> {
    let dir = store.store_dir();
    let mut report = CopyReport::default();
    let mut wanted: BTreeMap<StorePath, NarInfo> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut todo: Vec<StorePath> = roots.to_vec();
    while let Some(path) = todo.pop() {
        if !seen.insert(path.clone()) {
            continue;
        }
        // A valid path's references are valid too.
        if store.is_valid(&path)? {
            report.skipped += 1;
            continue;
        }
        let info = cache
            .narinfo(&path)?
            .ok_or_else(|| CacheError::NotInCache {
                path: dir.print(&path),
                url: cache.url().to_string(),
            })?;
        if let Some(keys) = trusted {
            info.check_signatures(dir, keys)?;
        }
        todo.extend(info.references.iter().cloned());
        wanted.insert(path, info);
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    for path in references_first(&wanted, |i| &i.references) {
        let info = &wanted[&path];
        progress(&path);
        let mut nar = cache.nar(info)?;
        store.add_nar(info.to_path_info(now), &mut nar)?;
        report.bytes += info.file_size.unwrap_or(info.nar_size);
        report.copied.push(path);
    }
    Ok(report)
}

/// The keys of `nodes`, each after the nodes it refers to (references outside `nodes`, and a
/// path's reference to itself, are ignored; a cycle is cut somewhere).
fn references_first<T>(
    nodes: &BTreeMap<StorePath, T>,
    refs: impl Fn(&T) -> &BTreeSet<StorePath>,
) -> Vec<StorePath> {
    let mut order = Vec::with_capacity(nodes.len());
    let mut done = BTreeSet::new();
    // Entered once each: a cycle (which only a broken cache can have) is cut, not followed.
    let mut entered = BTreeSet::new();
    for start in nodes.keys() {
        // An explicit stack of (node, whether its references are pushed already).
        let mut stack = vec![(start, false)];
        while let Some((node, expanded)) = stack.pop() {
            if expanded {
                if done.insert(node) {
                    order.push(node.clone());
                }
                continue;
            }
            if !entered.insert(node) {
                continue;
            }
            stack.push((node, true));
            for r in refs(&nodes[node]) {
                if r != node && nodes.contains_key(r) && !done.contains(r) {
                    stack.push((r, false));
                }
            }
        }
    }
    order
}

#[cfg(test)]
mod tests;
