//! File locks between processes sharing a store (`flock`, released when the file is closed,
//! so a killed process never leaves a lock behind).
//!
//! - `PathLock`: one writer at a time per store path. Locks are bucketed by the first two
//!   characters of the path's hash (1024 lock files at most); two paths of one bucket merely
//!   wait for each other. A process holds one path lock at a time.
//! - `GcLock`: shared by every add, from the first byte written until the path is registered
//!   and recorded as a temporary root; exclusive while the garbage collector decides what is
//!   dead, so it never sees a half-added path.
//! - `TempRoots`: a file per process listing the paths it uses, locked for the life of the
//!   process. The collector keeps those paths; a file whose lock it can take belongs to a
//!   process that is gone.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{Result, StoreError};
use crate::store_path::StorePath;

fn open_lock_file(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(StoreError::io(format!(
            "cannot open the lock '{}'",
            path.display()
        )))
}

/// An exclusive lock on `path`, held until the file is dropped.
pub(super) fn open_lock(path: &Path) -> Result<File> {
    let file = open_lock_file(path)?;
    file.lock()
        .map_err(StoreError::io(format!("cannot lock '{}'", path.display())))?;
    Ok(file)
}

#[derive(Debug)]
pub(super) struct PathLock {
    _file: File,
}

impl PathLock {
    pub(super) fn acquire(state: &Path, path: &StorePath) -> Result<PathLock> {
        let bucket = &path.hash_part()[..2];
        let file = open_lock_file(&state.join("locks").join(format!("{bucket}.lock")))?;
        file.lock()
            .map_err(StoreError::io(format!("cannot lock '{path}'")))?;
        Ok(PathLock { _file: file })
    }
}

#[derive(Debug)]
pub(super) struct GcLock {
    _file: File,
}

impl GcLock {
    pub(super) fn shared(state: &Path) -> Result<GcLock> {
        let file = open_lock_file(&state.join("gc.lock"))?;
        file.lock_shared()
            .map_err(StoreError::io("cannot take the store's gc lock"))?;
        Ok(GcLock { _file: file })
    }

    /// The exclusive lock, waiting for every add in progress to end; `waiting` is called
    /// once if it has to wait.
    pub(super) fn exclusive(state: &Path, waiting: &dyn Fn()) -> Result<GcLock> {
        let file = open_lock_file(&state.join("gc.lock"))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                waiting();
                file.lock()
                    .map_err(StoreError::io("cannot take the store's gc lock"))?;
            }
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::io("cannot take the store's gc lock")(e));
            }
        }
        Ok(GcLock { _file: file })
    }
}

#[derive(Debug)]
pub(super) struct TempRoots {
    file: File,
}

impl TempRoots {
    pub(super) fn create(state: &Path) -> Result<TempRoots> {
        let path = state.join("temproots").join(std::process::id().to_string());
        // A file left by an earlier process with our pid is stale: start afresh.
        let file = File::create(&path).map_err(StoreError::io(format!(
            "cannot create '{}'",
            path.display()
        )))?;
        file.lock()
            .map_err(StoreError::io(format!("cannot lock '{}'", path.display())))?;
        Ok(TempRoots { file })
    }

    pub(super) fn add(&mut self, path: &StorePath) -> Result<()> {
        writeln!(self.file, "{path}").map_err(StoreError::io("cannot record a temporary root"))
    }
}

/// The paths the live processes use, for the collector (which holds the exclusive gc lock);
/// the files of processes that are gone are removed.
pub(super) fn read_temp_roots(state: &Path) -> Result<Vec<StorePath>> {
    let dir = state.join("temproots");
    let mut roots = Vec::new();
    let entries = std::fs::read_dir(&dir)
        .map_err(StoreError::io(format!("cannot read '{}'", dir.display())))?;
    for entry in entries.flatten() {
        let path: PathBuf = entry.path();
        let Ok(file) = File::open(&path) else {
            continue;
        };
        if file.try_lock_shared().is_ok() {
            // Its process is gone.
            let _ = std::fs::remove_file(&path);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        roots.extend(
            text.lines()
                .filter_map(|l| StorePath::from_base_name(l).ok()),
        );
    }
    Ok(roots)
}

/// Held while a derivation is built, so that two processes build it once: the second waits,
/// then finds the outputs valid. Bucketed as path locks are, in a folder of their own (a
/// builder holds one of these while it registers outputs under path locks).
#[derive(Debug)]
pub struct BuildLock {
    _file: File,
}

impl BuildLock {
    /// The lock if no other build holds it.
    /// The lock file of `drv`'s bucket.
    fn file(state: &Path, drv: &StorePath) -> Result<File> {
        let dir = state.join("locks/build");
        std::fs::create_dir_all(&dir)
            .map_err(StoreError::io(format!("cannot create '{}'", dir.display())))?;
        let bucket = &drv.hash_part()[..2];
        open_lock_file(&dir.join(format!("{bucket}.lock")))
    }

    /// The lock if no other build holds it.
    pub(super) fn try_acquire(state: &Path, drv: &StorePath) -> Result<Option<BuildLock>> {
        let file = BuildLock::file(state, drv)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(BuildLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(StoreError::io(format!(
                "cannot lock the build of '{drv}'"
            ))(e)),
        }
    }

    pub(super) fn acquire(state: &Path, drv: &StorePath) -> Result<BuildLock> {
        let file = BuildLock::file(state, drv)?;
        file.lock()
            .map_err(StoreError::io(format!("cannot lock the build of '{drv}'")))?;
        Ok(BuildLock { _file: file })
    }
}
