//! Garbage collection, deletion and verification.
//!
//! The roots are the symbolic links under `gcroots/` (followed once more when they point to
//! a link outside the store: that is how `result` links are registered, through
//! `gcroots/auto/`) and the temporary roots of live processes. Everything not in their closure
//! is dead. The collector holds the exclusive gc lock while it decides and deletes, so no add
//! is half done meanwhile; it removes the rows of the dead paths in one transaction before
//! their files, so a crash in between leaves stray files (removed by the next collection), not
//! valid paths without files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::lock::{GcLock, read_temp_roots};
use super::{LocalStore, Result, StoreError, fsutil};
use crate::hash::HashAlgo;
use crate::store_path::StorePath;

/// What `gc` should do.
#[derive(Clone, Debug, Default)]
pub struct GcOptions {
    /// Report what is dead without deleting it.
    pub dry_run: bool,
}

/// What `gc` did (or, in a dry run, would do).
#[derive(Clone, Debug, Default)]
pub struct GcReport {
    /// The dead paths, deleted unless this was a dry run.
    pub dead: Vec<StorePath>,
    /// Their NAR sizes added up.
    pub bytes: u64,
    /// Leftovers of interrupted adds that were removed.
    pub strays: Vec<String>,
}

/// What `verify` found.
#[derive(Clone, Debug, Default)]
pub struct VerifyReport {
    /// Valid paths checked.
    pub checked: usize,
    /// Valid paths whose files are missing.
    pub missing: Vec<StorePath>,
    /// Valid paths whose contents no longer have the recorded NAR hash: (path, recorded,
    /// actual), hashes in SRI form.
    pub modified: Vec<(StorePath, String, String)>,
    /// Valid paths that refer to paths that are not valid: (referrer, reference).
    pub dangling: Vec<(StorePath, StorePath)>,
}

impl VerifyReport {
    pub fn is_ok(&self) -> bool {
        self.missing.is_empty() && self.modified.is_empty() && self.dangling.is_empty()
    }
}

pub(super) fn add_indirect_root(store: &LocalStore, link: &Path, path: &StorePath) -> Result<()> {
    let link = absolute(link)?;
    if let Some(parent) = link.parent() {
        std::fs::create_dir_all(parent).map_err(StoreError::io(format!(
            "cannot create the folder of the link '{}'",
            link.display()
        )))?;
    }
    let target = store.physical(path);
    match std::fs::symlink_metadata(&link) {
        Ok(md) if md.file_type().is_symlink() => {
            std::fs::remove_file(&link).map_err(StoreError::io(format!(
                "cannot replace '{}'",
                link.display()
            )))?;
        }
        Ok(_) => {
            return Err(StoreError::Other(format!(
                "cannot make the link '{}': something that is not a link is there",
                link.display()
            )));
        }
        Err(_) => {}
    }
    std::os::unix::fs::symlink(&target, &link).map_err(StoreError::io(format!(
        "cannot make the link '{}'",
        link.display()
    )))?;
    let name =
        crate::hash::Hash::digest(HashAlgo::Sha256, link.as_os_str().as_encoded_bytes()).to_nix32();
    let auto = store.state.join("gcroots/auto").join(&name[..32]);
    let _ = std::fs::remove_file(&auto);
    std::os::unix::fs::symlink(&link, &auto).map_err(StoreError::io(format!(
        "cannot register the root '{}'",
        auto.display()
    )))
}

fn absolute(p: &Path) -> Result<PathBuf> {
    std::path::absolute(p).map_err(StoreError::io(format!("cannot resolve '{}'", p.display())))
}

impl LocalStore {
    /// The roots: each link (a link under `gcroots/`, or the link a record under
    /// `gcroots/auto/` names) and the store path it keeps.
    pub fn roots(&self) -> Result<BTreeMap<PathBuf, StorePath>> {
        self.find_roots(false)
    }

    /// The roots; with `prune`, records of links that no longer point into the store are
    /// removed.
    fn find_roots(&self, prune: bool) -> Result<BTreeMap<PathBuf, StorePath>> {
        let mut out = BTreeMap::new();
        let mut todo = vec![self.state.join("gcroots")];
        while let Some(dir) = todo.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(md) = std::fs::symlink_metadata(&path) else {
                    continue;
                };
                if md.is_dir() {
                    todo.push(path);
                } else if md.file_type().is_symlink() {
                    let auto = dir.ends_with("auto");
                    match self.resolve_root(&path) {
                        Some(sp) => {
                            let shown = match auto {
                                true => std::fs::read_link(&path).unwrap_or(path),
                                false => path,
                            };
                            out.insert(shown, sp);
                        }
                        None if auto && prune => {
                            let _ = std::fs::remove_file(&path);
                        }
                        None => {}
                    }
                }
            }
        }
        Ok(out)
    }

    /// The store path a root link keeps: its target, or its target's target when the target
    /// is a link outside the store.
    fn resolve_root(&self, link: &Path) -> Option<StorePath> {
        let mut current = link.to_path_buf();
        for _ in 0..2 {
            let target = std::fs::read_link(&current).ok()?;
            let target = current.parent()?.join(target);
            let text = target.to_str()?;
            if let Some((sp, _)) = self.dir.parse_prefix(text) {
                return Some(sp);
            }
            if let Ok(rest) = target.strip_prefix(&self.real) {
                let base = rest.to_str()?.split('/').next()?;
                return StorePath::from_base_name(base).ok();
            }
            current = target;
        }
        None
    }

    /// The live paths: the closure of the roots and the temporary roots. The caller holds the
    /// exclusive gc lock.
    fn live(&self) -> Result<BTreeSet<StorePath>> {
        let mut roots: Vec<StorePath> = self.find_roots(true)?.into_values().collect();
        roots.extend(read_temp_roots(&self.state)?);
        let db = self.lock_db();
        let valid: BTreeSet<StorePath> = db.valid_paths()?.into_iter().collect();
        let mut refs: BTreeMap<StorePath, Vec<StorePath>> = BTreeMap::new();
        for (a, b) in db.all_references()? {
            refs.entry(a).or_default().push(b);
        }
        // As Nix's default (`keep-derivations`): a live output keeps the derivation it was
        // built from, treated here as one more reference.
        for (path, deriver) in db.derivers()? {
            if valid.contains(&deriver) {
                refs.entry(path).or_default().push(deriver);
            }
        }
        drop(db);
        let mut live = BTreeSet::new();
        let mut todo: Vec<StorePath> = roots.into_iter().filter(|r| valid.contains(r)).collect();
        while let Some(p) = todo.pop() {
            if live.insert(p.clone())
                && let Some(rs) = refs.get(&p)
            {
                todo.extend(rs.iter().filter(|r| !live.contains(*r)).cloned());
            }
        }
        Ok(live)
    }

    /// Deletes every path that no root keeps, and the leftovers of interrupted adds.
    pub fn gc(&self, options: &GcOptions, waiting: &dyn Fn()) -> Result<GcReport> {
        let _lock = GcLock::exclusive(&self.state, waiting)?;
        let live = self.live()?;
        let mut report = GcReport::default();
        for p in self.valid_paths()? {
            if !live.contains(&p) {
                report.bytes += self.path_info(&p)?.map_or(0, |i| i.nar_size);
                report.dead.push(p);
            }
        }
        if options.dry_run {
            return Ok(report);
        }
        self.lock_db().invalidate(&report.dead)?;
        for p in &report.dead {
            let phys = self.physical(p);
            fsutil::remove_tree(&phys).map_err(StoreError::io(format!(
                "cannot delete '{}'",
                phys.display()
            )))?;
        }
        report.strays = self.remove_strays()?;
        self.remove_stale_builds();
        Ok(report)
    }

    /// Removes entries of the store directory that are not valid paths: trees left by adds
    /// that were interrupted. The caller holds the exclusive gc lock.
    fn remove_strays(&self) -> Result<Vec<String>> {
        let valid: BTreeSet<String> = self
            .valid_paths()?
            .iter()
            .map(|p| p.base_name().to_string())
            .collect();
        let mut removed = Vec::new();
        let entries = std::fs::read_dir(&self.real).map_err(StoreError::io(format!(
            "cannot read '{}'",
            self.real.display()
        )))?;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Only what an add leaves: its temporary trees, and paths renamed into place but
            // not registered. Anything else in the folder is not the store's to delete.
            let ours = name.starts_with(".tmp-") || StorePath::from_base_name(&name).is_ok();
            if ours && !valid.contains(&name) {
                fsutil::remove_tree(&entry.path()).map_err(StoreError::io(format!(
                    "cannot delete '{}'",
                    entry.path().display()
                )))?;
                removed.push(name);
            }
        }
        removed.sort();
        Ok(removed)
    }

    /// Removes the folders of builds that no process is running (killed builds, and those kept
    /// with `--keep-failed`).
    fn remove_stale_builds(&self) {
        let Ok(entries) = std::fs::read_dir(self.state.join("builds")) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(drv) = StorePath::from_base_name(&name) else {
                continue;
            };
            if let Ok(Some(_lock)) = self.try_lock_build(&drv) {
                let _ = fsutil::remove_tree(&entry.path());
            }
        }
    }

    /// Deletes `paths`, which no root may keep and no other valid path may refer to
    /// (`nix-store --delete`).
    pub fn delete(&self, paths: &[StorePath], waiting: &dyn Fn()) -> Result<()> {
        let _lock = GcLock::exclusive(&self.state, waiting)?;
        let live = self.live()?;
        let doomed: BTreeSet<&StorePath> = paths.iter().collect();
        for p in paths {
            if !self.is_valid(p)? {
                return Err(StoreError::NotValid(self.dir.print(p)));
            }
            if live.contains(p) {
                return Err(StoreError::Alive {
                    path: self.dir.print(p),
                    why: "a garbage collector root keeps it".into(),
                });
            }
            if let Some(r) = self
                .referrers(p)?
                .into_iter()
                .find(|r| r != p && !doomed.contains(r))
            {
                return Err(StoreError::Alive {
                    path: self.dir.print(p),
                    why: format!("'{}' refers to it", self.dir.print(&r)),
                });
            }
        }
        self.lock_db().invalidate(paths)?;
        for p in paths {
            let phys = self.physical(p);
            fsutil::remove_tree(&phys).map_err(StoreError::io(format!(
                "cannot delete '{}'",
                phys.display()
            )))?;
        }
        Ok(())
    }

    /// Checks every valid path: its files exist, its references are valid and, with
    /// `check_contents`, its NAR hash is still the recorded one. `progress` is called with
    /// each path before it is checked.
    pub fn verify(
        &self,
        check_contents: bool,
        progress: &mut dyn FnMut(&StorePath),
    ) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let valid: BTreeSet<StorePath> = self.valid_paths()?.into_iter().collect();
        for p in &valid {
            progress(p);
            report.checked += 1;
            let Some(info) = self.path_info(p)? else {
                continue;
            };
            for r in &info.references {
                if !valid.contains(r) {
                    report.dangling.push((p.clone(), r.clone()));
                }
            }
            let phys = self.physical(p);
            if std::fs::symlink_metadata(&phys).is_err() {
                report.missing.push(p.clone());
                continue;
            }
            if check_contents {
                let (actual, _) = fsutil::hash_path(HashAlgo::Sha256, &phys, &mut |_| true)
                    .map_err(StoreError::io(format!("cannot hash '{}'", phys.display())))?;
                if actual != info.nar_hash {
                    report
                        .modified
                        .push((p.clone(), info.nar_hash.to_sri(), actual.to_sri()));
                }
            }
        }
        Ok(report)
    }
}
