//! Copying closures between the local store and a binary cache, as `nix copy` does.
//!
//! `push` uploads what the cache lacks of the closures of some paths. `pull` reads the
//! narinfos of the closure first and checks every signature before it downloads anything;
//! then it imports the paths through `LocalStore::add_nar`, which makes a path valid only once
//! its NAR has the hash and size the narinfo gives. Both work in parallel (`parallel_map` for
//! the questions, `in_order` for the transfers) and always references first: a narinfo never
//! names a reference the cache lacks, and a store path never one the store lacks.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Condvar, Mutex};

use cairn_store::{CopyEvent, LocalStore, NarWriter, StoreError, StorePath};

use crate::narinfo::NarInfo;
use crate::signing::{PublicKey, SecretKey};
use crate::{BinaryCache, CacheError};

/// How many questions (narinfo lookups) are asked at once: they wait on the network or the
/// disk, not the processor.
pub(crate) const QUERY_JOBS: usize = 16;

/// How many paths are compressed or unpacked at once.
pub(crate) fn transfer_jobs() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

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
/// uploads with `key` if given, and telling `events` what happens.
pub fn push(
    store: &LocalStore,
    cache: &BinaryCache,
    roots: &[StorePath],
    key: Option<&SecretKey>,
    events: &(dyn Fn(CopyEvent<'_>) + Sync),
) -> Result<CopyReport, CacheError> {
    let dir = store.store_dir();
    let closure: Vec<StorePath> = store.closure(roots)?.into_iter().collect();
    let present = parallel_map(&closure, QUERY_JOBS, |p| cache.has_path(p));
    let mut infos = BTreeMap::new();
    let mut skipped = 0;
    for (path, present) in closure.into_iter().zip(present) {
        if present? {
            skipped += 1;
            continue;
        }
        let info = store
            .path_info(&path)?
            .ok_or_else(|| StoreError::NotValid(dir.print(&path)))?;
        infos.insert(path, info);
    }
    if !infos.is_empty() {
        cache.init()?;
    }
    let nar_bytes = infos.values().map(|i| i.nar_size).sum();
    events(CopyEvent::Planned {
        paths: infos.len(),
        bytes: nar_bytes,
    });
    let mut report = transfer(
        &infos,
        |i| &i.references,
        events,
        |path, info| {
            let physical = store.physical(path);
            let written = cache.put_path(
                NarInfo::from_path_info(info),
                &mut |out| {
                    let mut nar = NarWriter::new(out)?;
                    cairn_store::dump::dump_path(&physical, &mut |_| true, &mut nar)
                },
                key,
            )?;
            Ok(written.file_size.unwrap_or(0))
        },
    )?;
    report.skipped = skipped;
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
    events: &(dyn Fn(CopyEvent<'_>) + Sync),
) -> Result<CopyReport, CacheError> {
    let dir = store.store_dir();
    let (wanted, skipped) = closure_to_fetch(
        store,
        roots,
        |i| i,
        |paths| {
            let infos = parallel_map(paths, QUERY_JOBS, |p| cache.narinfo(p));
            let mut out = Vec::with_capacity(paths.len());
            for (path, info) in paths.iter().zip(infos) {
                let info = info?.ok_or_else(|| CacheError::NotInCache {
                    path: dir.print(path),
                    url: cache.url().to_string(),
                })?;
                if let Some(keys) = trusted {
                    info.check_signatures(dir, keys)?;
                }
                out.push(info);
            }
            Ok(out)
        },
    )?;
    let wanted: BTreeMap<StorePath, (&BinaryCache, NarInfo)> = wanted
        .into_iter()
        .map(|(p, info)| (p, (cache, info)))
        .collect();
    let mut report = import(store, &wanted, events)?;
    report.skipped = skipped;
    Ok(report)
}

/// The paths of the closures of `roots` that `store` lacks, with their narinfos, and how many
/// paths of the closures it has. `lookup` gives what is known of a batch of paths (or
/// fails), whose narinfo `info` finds.
pub(crate) fn closure_to_fetch<T>(
    store: &LocalStore,
    roots: &[StorePath],
    info_of: impl Fn(&T) -> &NarInfo,
    mut lookup: impl FnMut(&[StorePath]) -> Result<Vec<T>, CacheError>,
) -> Result<(BTreeMap<StorePath, T>, usize), CacheError> {
    let mut wanted = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut skipped = 0;
    let mut level: Vec<StorePath> = roots.to_vec();
    // Breadth first, a level's narinfos asked for together.
    while !level.is_empty() {
        let mut missing = Vec::new();
        for path in level.drain(..) {
            if !seen.insert(path.clone()) {
                continue;
            }
            // A valid path's references are valid too.
            if store.is_valid(&path)? {
                skipped += 1;
            } else {
                missing.push(path);
            }
        }
        let infos = lookup(&missing)?;
        for (path, info) in missing.into_iter().zip(infos) {
            level.extend(info_of(&info).references.iter().cloned());
            wanted.insert(path, info);
        }
    }
    Ok((wanted, skipped))
}

/// Downloads and imports `wanted`, each path from its cache, references first, in parallel.
pub(crate) fn import(
    store: &LocalStore,
    wanted: &BTreeMap<StorePath, (&BinaryCache, NarInfo)>,
    events: &(dyn Fn(CopyEvent<'_>) + Sync),
) -> Result<CopyReport, CacheError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    events(CopyEvent::Planned {
        paths: wanted.len(),
        bytes: wanted
            .values()
            .map(|(_, i)| i.file_size.unwrap_or(i.nar_size))
            .sum(),
    });
    transfer(
        wanted,
        |(_, info)| &info.references,
        events,
        |_, (cache, info)| {
            let mut nar = cache.nar(info)?;
            store.add_nar(info.to_path_info(now), &mut nar)?;
            Ok(info.file_size.unwrap_or(info.nar_size))
        },
    )
}

/// Runs `copy` on every entry of `nodes`, references first and in parallel (`in_order`),
/// telling `events` when each starts and ends, and sums up the bytes each says it moved.
fn transfer<T: Sync>(
    nodes: &BTreeMap<StorePath, T>,
    refs: impl Fn(&T) -> &BTreeSet<StorePath> + Sync,
    events: &(dyn Fn(CopyEvent<'_>) + Sync),
    copy: impl Fn(&StorePath, &T) -> Result<u64, CacheError> + Sync,
) -> Result<CopyReport, CacheError> {
    let report = Mutex::new(CopyReport::default());
    in_order(nodes, refs, transfer_jobs(), |path, node| {
        events(CopyEvent::Started(path));
        let bytes = copy(path, node)?;
        let mut r = report.lock().unwrap_or_else(|e| e.into_inner());
        r.bytes += bytes;
        r.copied.push(path.clone());
        drop(r);
        events(CopyEvent::Done(path, bytes));
        Ok::<(), CacheError>(())
    })?;
    Ok(report.into_inner().unwrap_or_else(|e| e.into_inner()))
}

/// `f` of each item, up to `jobs` at once, in the items' order.
pub(crate) fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    jobs: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    if items.len() <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len()) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(item) = items.get(i) else { return };
                    let r = f(item);
                    *results[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| {
            r.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every item was mapped")
        })
        .collect()
}

/// Runs `work` on every entry of `nodes`, each only once the entries it refers to are done
/// (references outside `nodes`, a node's reference to itself, and the edge that closes a
/// cycle are ignored), up to `jobs` at once. After an error no new work starts; the first
/// error is returned when the running work has ended.
pub(crate) fn in_order<T: Sync, E: Send>(
    nodes: &BTreeMap<StorePath, T>,
    refs: impl Fn(&T) -> &BTreeSet<StorePath> + Sync,
    jobs: usize,
    work: impl Fn(&StorePath, &T) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let order = references_first(nodes, &refs);
    let position: BTreeMap<&StorePath, usize> =
        order.iter().enumerate().map(|(i, p)| (p, i)).collect();
    // What each node waits for: its references placed before it.
    let waits_for: Vec<Vec<usize>> = order
        .iter()
        .enumerate()
        .map(|(i, p)| {
            refs(&nodes[p])
                .iter()
                .filter_map(|r| position.get(r).copied())
                .filter(|&j| j < i)
                .collect()
        })
        .collect();
    struct State<E> {
        next: Vec<usize>,
        done: Vec<bool>,
        error: Option<E>,
    }
    let state = Mutex::new(State {
        next: (0..order.len()).rev().collect(),
        done: vec![false; order.len()],
        error: None,
    });
    let wake = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, order.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let picked = {
                        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                        loop {
                            if st.error.is_some() || st.next.is_empty() {
                                break None;
                            }
                            // `next` is in reverse order: the earliest ready node is nearest
                            // its end.
                            let ready = st
                                .next
                                .iter()
                                .rposition(|&i| waits_for[i].iter().all(|&j| st.done[j]));
                            match ready {
                                Some(k) => break Some(st.next.remove(k)),
                                None => st = wake.wait(st).unwrap_or_else(|e| e.into_inner()),
                            }
                        }
                    };
                    let Some(i) = picked else {
                        wake.notify_all();
                        return;
                    };
                    let path = &order[i];
                    let result = work(path, &nodes[path]);
                    let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                    match result {
                        Ok(()) => st.done[i] = true,
                        Err(e) => {
                            if st.error.is_none() {
                                st.error = Some(e);
                            }
                        }
                    }
                    drop(st);
                    wake.notify_all();
                }
            });
        }
    });
    match state.into_inner().unwrap_or_else(|e| e.into_inner()).error {
        Some(e) => Err(e),
        None => Ok(()),
    }
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
pub(crate) mod tests;
