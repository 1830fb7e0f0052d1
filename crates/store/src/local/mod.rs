//! The local store: store paths as files under a physical root, and a SQLite database of the
//! valid ones.
//!
//! A store has a logical directory (`StoreDir`, `/nix/store` by default), which is what paths
//! are called and what their hashes are computed over, and a physical root anywhere on the file
//! system. The path `/nix/store/<hash>-foo` lives at `<root>/nix/store/<hash>-foo`; the state
//! lives under `<root>/nix/var/cairn`:
//!
//! ```text
//! <root>/nix/store/                 the paths, read-only and canonical
//! <root>/nix/var/cairn/db/db.sqlite valid paths, references, derivers (Nix's schema)
//! <root>/nix/var/cairn/gcroots/     symbolic links to paths (or to links) that gc keeps
//! <root>/nix/var/cairn/temproots/   one file per live process: paths it is using
//! <root>/nix/var/cairn/locks/       per-path locks, bucketed by the hash's first characters
//! <root>/nix/var/cairn/gc.lock      shared while adding, exclusive while collecting
//! ```
//!
//! A path is valid when, and only when, the database has a row for it. Adding a path writes it
//! under a temporary name in the store directory, flushes it to disk, renames it into place and
//! then commits its row, all under the path's lock: a crash at any point leaves either no row
//! (and at most a stray file tree that the next add of that path or the next `gc` removes) or a
//! complete, valid path. Paths are canonical as Nix makes them: files 0444 (0555 when
//! executable), directories 0555, modification times 1.

mod db;
mod fsutil;
mod gc;
mod lock;

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::hash::{Encoding, Hash, HashAlgo};
use crate::store_path::{IngestionMethod, StoreDir, StorePath, StorePathError};

pub use self::gc::{GcOptions, GcReport, VerifyReport};
pub use self::lock::BuildLock;
use self::lock::{GcLock, PathLock, TempRoots};

/// What the database knows of a valid path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathInfo {
    pub path: StorePath,
    /// The SHA-256 of the path's NAR.
    pub nar_hash: Hash,
    pub nar_size: u64,
    /// The store paths it refers to (itself included when it does).
    pub references: BTreeSet<StorePath>,
    /// The derivation that built it.
    pub deriver: Option<StorePath>,
    /// Seconds since the epoch when it became valid.
    pub registration_time: i64,
    /// How it is content-addressed: `text:sha256:<nix32>` or `fixed:[r:]<algo>:<nix32>`.
    pub ca: Option<String>,
    /// Signatures, `name:base64`.
    pub sigs: Vec<String>,
}

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{context}: {error}")]
    Io { context: String, error: io::Error },
    #[error("store database {path}: {error}")]
    Db {
        path: String,
        error: rusqlite::Error,
    },
    #[error(
        "the store at '{root}' has the store directory '{recorded}', not '{asked}' (store paths \
         depend on it; use --store-dir {recorded}, or another --store)"
    )]
    WrongStoreDir {
        root: String,
        recorded: String,
        asked: String,
    },
    #[error(transparent)]
    Path(#[from] StorePathError),
    #[error("path '{0}' is not valid")]
    NotValid(String),
    #[error("cannot delete path '{path}' since it is still alive: {why}")]
    Alive { path: String, why: String },
    #[error("the NAR of '{path}' is not the one expected: expected {expected}, got {actual}")]
    NarMismatch {
        path: String,
        expected: String,
        actual: String,
    },
    #[error("{0}")]
    Other(String),
}

impl StoreError {
    /// A NAR whose hash or size is not the one recorded for `path`.
    pub fn nar_mismatch(path: String, expected: (&Hash, u64), actual: (&Hash, u64)) -> StoreError {
        let show =
            |(h, n): (&Hash, u64)| format!("{} ({n} bytes)", h.encode(Encoding::Base32, true));
        StoreError::NarMismatch {
            path,
            expected: show(expected),
            actual: show(actual),
        }
    }

    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> StoreError {
        let context = context.into();
        move |error| StoreError::Io { context, error }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A store on the local file system. Methods take `&self`; the database connection is behind
/// a mutex, so a store can be shared between threads.
#[derive(Debug)]
pub struct LocalStore {
    dir: StoreDir,
    root: PathBuf,
    /// `<root><dir>`: where the paths are on disk.
    real: PathBuf,
    /// `<root>/nix/var/cairn`.
    state: PathBuf,
    db: Mutex<db::Db>,
    temp_roots: Mutex<Option<TempRoots>>,
    batch: Mutex<Option<Batch>>,
    /// Where paths the store lacks may be fetched from.
    substituter: std::sync::OnceLock<std::sync::Arc<dyn crate::Substituter>>,
}

/// Paths added since `begin_batch`: in place on disk, registered by `commit_batch`.
#[derive(Debug)]
struct Batch {
    /// Held until the batch is committed, so that no collection sees the unregistered paths.
    _gc: GcLock,
    pending: Vec<PathInfo>,
    /// Output paths of the derivations among them.
    outputs: Vec<(StorePath, Vec<(String, StorePath)>)>,
}

impl LocalStore {
    /// Opens (creating it when needed) the store with physical root `root` and logical
    /// directory `dir`. The logical directory is recorded on creation; opening the store with
    /// another one is an error, since every path's hash depends on it.
    pub fn open(root: &Path, dir: StoreDir) -> Result<LocalStore> {
        let root = if root.is_absolute() {
            root.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(StoreError::io("cannot get the current directory"))?
                .join(root)
        };
        let real = physical_of(&root, dir.as_str());
        let state = root.join("nix/var/cairn");
        let create = |d: &Path| {
            std::fs::create_dir_all(d).map_err(StoreError::io(format!(
                "cannot create the store directory '{}'",
                d.display()
            )))
        };
        create(&state.join("db"))?;
        // Opening creates the schema and switches to write-ahead logging; two processes
        // opening a new store at once must not do that together.
        let open_lock = lock::open_lock(&state.join("db/open.lock"))?;
        let db = db::Db::open(&state.join("db/db.sqlite"), dir.as_str(), &root)?;
        drop(open_lock);
        // The paths' folder only once the database has confirmed the store directory.
        for d in [
            real.clone(),
            state.join("gcroots/auto"),
            state.join("temproots"),
            state.join("locks"),
        ] {
            create(&d)?;
        }
        Ok(LocalStore {
            dir,
            root,
            real,
            state,
            db: Mutex::new(db),
            temp_roots: Mutex::new(None),
            batch: Mutex::new(None),
            substituter: std::sync::OnceLock::new(),
        })
    }

    /// Sets where paths the store lacks are fetched from (once; later calls change nothing).
    pub fn set_substituter(&self, substituter: std::sync::Arc<dyn crate::Substituter>) {
        let _ = self.substituter.set(substituter);
    }

    /// Where paths the store lacks are fetched from, if anywhere.
    pub fn substituter(&self) -> Option<&dyn crate::Substituter> {
        self.substituter.get().map(|s| &**s)
    }

    /// Makes `path` valid by fetching it, when it is not valid and a substituter has it.
    /// Returns whether it is valid now; a failed fetch is an error, a path no source has is
    /// `false`.
    pub fn ensure_valid(&self, path: &StorePath) -> Result<bool> {
        if self.is_valid(path)? {
            return Ok(true);
        }
        let Some(sub) = self.substituter() else {
            return Ok(false);
        };
        let found = sub.query(std::slice::from_ref(path));
        if !matches!(found.get(path), Some(Ok(_))) {
            return Ok(false);
        }
        sub.fetch(self, std::slice::from_ref(path), &|e| sub.report(e))?;
        self.is_valid(path)
    }

    /// The logical store directory.
    pub fn store_dir(&self) -> &StoreDir {
        &self.dir
    }

    /// The physical root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the store directory is on disk.
    pub fn real_store_dir(&self) -> &Path {
        &self.real
    }

    /// Where a store path's files are on disk.
    pub fn physical(&self, path: &StorePath) -> PathBuf {
        self.real.join(path.base_name())
    }

    /// The physical path of a logical path inside the store (`/nix/store/<hash>-x/bin/sh`),
    /// or `None` when it is not inside the store directory.
    pub fn to_physical(&self, logical: &str) -> Option<PathBuf> {
        let rest = logical.strip_prefix(self.dir.as_str())?;
        if !(rest.is_empty() || rest.starts_with('/')) {
            return None;
        }
        Some(physical_of(&self.root, logical))
    }

    /// The store path a user means by `arg`: a logical path (`/nix/store/<hash>-x`, or a path
    /// inside one), a physical one, or a symbolic link to either (such as `./result`).
    pub fn parse_user_path(&self, arg: &str) -> Result<StorePath> {
        let mut candidate = arg.to_string();
        for _ in 0..40 {
            if let Some((sp, _)) = self.dir.parse_prefix(&candidate) {
                return Ok(sp);
            }
            if let Some(rest) = Path::new(&candidate)
                .strip_prefix(&self.real)
                .ok()
                .and_then(|r| r.to_str())
            {
                let base = rest.split('/').next().unwrap_or("");
                return Ok(StorePath::from_base_name(base)?);
            }
            let p = Path::new(&candidate);
            match std::fs::read_link(p) {
                Ok(target) => {
                    let target = p.parent().unwrap_or(Path::new("/")).join(target);
                    candidate = target.to_string_lossy().into_owned();
                }
                Err(_) => break,
            }
        }
        Err(StorePathError::NotInStore(arg.to_string()).into())
    }

    fn lock_db(&self) -> std::sync::MutexGuard<'_, db::Db> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `path` is valid (or added in this process's batch).
    pub fn is_valid(&self, path: &StorePath) -> Result<bool> {
        if self
            .lock_batch()
            .as_ref()
            .is_some_and(|b| b.pending.iter().any(|i| i.path == *path))
        {
            return Ok(true);
        }
        self.lock_db().is_valid(path)
    }

    fn lock_batch(&self) -> std::sync::MutexGuard<'_, Option<Batch>> {
        self.batch.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// From now on until `commit_batch`, adds put their files in place but register them
    /// all at once, after one flush to disk: many small paths (the `.drv` files of an
    /// evaluation) cost one flush and one transaction instead of one each. Until then a
    /// crash leaves only unregistered files, which the next collection removes.
    pub fn begin_batch(&self) -> Result<()> {
        let mut batch = self.lock_batch();
        if batch.is_none() {
            *batch = Some(Batch {
                _gc: GcLock::shared(&self.state)?,
                pending: Vec::new(),
                outputs: Vec::new(),
            });
        }
        Ok(())
    }

    /// Registers the paths added since `begin_batch`.
    pub fn commit_batch(&self) -> Result<()> {
        let Some(batch) = self.lock_batch().take() else {
            return Ok(());
        };
        if batch.pending.is_empty() {
            return Ok(());
        }
        fsutil::sync_fs(&self.real).map_err(StoreError::io("cannot flush the store to disk"))?;
        let mut db = self.lock_db();
        db.register(&batch.pending)?;
        for (drv, outputs) in &batch.outputs {
            db.add_derivation_outputs(drv, outputs)?;
        }
        drop(db);
        for info in &batch.pending {
            self.add_temp_root(&info.path)?;
        }
        Ok(())
    }

    /// The database's record of `path`, if it is valid.
    pub fn path_info(&self, path: &StorePath) -> Result<Option<PathInfo>> {
        self.lock_db().path_info(path)
    }

    /// The valid path whose hash part is `hash_part` (as `nix-store --query-path-from-hash-part`
    /// finds it), or `None` when there is none or `hash_part` is not a hash part at all.
    pub fn query_path_from_hash_part(&self, hash_part: &str) -> Result<Option<StorePath>> {
        let well_formed = hash_part.len() == crate::store_path::HASH_PART_LEN
            && hash_part
                .bytes()
                .all(|c| crate::nixbase32::digit_value(c).is_some());
        if !well_formed {
            return Ok(None);
        }
        let prefix = format!("{}/{hash_part}-", self.dir.as_str());
        self.lock_db().path_with_prefix(&prefix)
    }

    /// Every valid path, sorted.
    pub fn valid_paths(&self) -> Result<Vec<StorePath>> {
        self.lock_db().valid_paths()
    }

    /// The valid paths that refer to `path`.
    pub fn referrers(&self, path: &StorePath) -> Result<BTreeSet<StorePath>> {
        self.lock_db().referrers(path)
    }

    /// The closure of `paths` under references: them and everything they refer to,
    /// directly or not. Every path must be valid.
    pub fn closure(&self, paths: &[StorePath]) -> Result<BTreeSet<StorePath>> {
        let db = self.lock_db();
        let mut seen = BTreeSet::new();
        let mut todo: Vec<StorePath> = paths.to_vec();
        while let Some(p) = todo.pop() {
            if seen.contains(&p) {
                continue;
            }
            let refs = db
                .references(&p)?
                .ok_or_else(|| StoreError::NotValid(self.dir.print(&p)))?;
            todo.extend(refs.into_iter().filter(|r| !seen.contains(r)));
            seen.insert(p);
        }
        Ok(seen)
    }

    /// Adds a file or tree, as `nix-store --add` (recursive, sha256) or `--add-fixed` does,
    /// and returns its content-addressed path. `filter` is asked about every entry below
    /// `src` (as `builtins.filterSource` does); a flat add takes one regular file.
    pub fn add_path(
        &self,
        src: &Path,
        name: &str,
        method: IngestionMethod,
        algo: HashAlgo,
        filter: &mut dyn FnMut(&Path) -> bool,
    ) -> Result<StorePath> {
        // A tree that holds the store would hold the copy being made.
        if let (Ok(src_real), Ok(store_real)) = (src.canonicalize(), self.real.canonicalize())
            && store_real.starts_with(&src_real)
            && std::fs::symlink_metadata(src).is_ok_and(|m| m.is_dir())
        {
            return Err(StoreError::Other(format!(
                "cannot add '{}': it contains the store itself ('{}')",
                src.display(),
                self.real.display()
            )));
        }
        let _gc = GcLock::shared(&self.state)?;
        // Sources are added again at every evaluation: hashing is much cheaper than copying,
        // so a path that is already valid is found by its hash first.
        if let Some(path) = self.already_valid(src, name, method, algo, filter)? {
            self.add_temp_root(&path)?;
            return Ok(path);
        }
        let temp = self.new_temp_path();
        let _cleanup = RemoveOnDrop(&temp);
        let (nar_hash, nar_size) = fsutil::copy_path(src, &temp, filter)
            .map_err(StoreError::io(format!("cannot add '{}'", src.display())))?;
        let ca_hash = match (method, algo) {
            (IngestionMethod::Recursive, HashAlgo::Sha256) => nar_hash,
            (IngestionMethod::Recursive, _) => {
                fsutil::hash_path(algo, &temp, &mut |_| true)
                    .map_err(StoreError::io(format!("cannot hash '{}'", src.display())))?
                    .0
            }
            (IngestionMethod::Flat, _) => {
                if !std::fs::symlink_metadata(&temp).is_ok_and(|m| m.is_file()) {
                    return Err(StoreError::Other(format!(
                        "'{}' is not a regular file, so it cannot be added flat",
                        src.display()
                    )));
                }
                fsutil::hash_file(algo, &temp)
                    .map_err(StoreError::io(format!("cannot hash '{}'", src.display())))?
            }
        };
        let path =
            self.dir
                .make_fixed_output_path(method, &ca_hash, name, &BTreeSet::new(), false)?;
        let info = PathInfo {
            path: path.clone(),
            nar_hash,
            nar_size,
            references: BTreeSet::new(),
            deriver: None,
            registration_time: now(),
            ca: Some(format!(
                "fixed:{}{}:{}",
                method.prefix(),
                algo,
                ca_hash.to_nix32()
            )),
            sigs: Vec::new(),
        };
        self.commit(&temp, info)?;
        Ok(path)
    }

    /// The path `src` would be added as, if it is valid already.
    fn already_valid(
        &self,
        src: &Path,
        name: &str,
        method: IngestionMethod,
        algo: HashAlgo,
        filter: &mut dyn FnMut(&Path) -> bool,
    ) -> Result<Option<StorePath>> {
        let hashing = || StoreError::io(format!("cannot hash '{}'", src.display()));
        let ca_hash = match method {
            IngestionMethod::Recursive => {
                fsutil::hash_path(algo, src, filter).map_err(hashing())?.0
            }
            IngestionMethod::Flat => {
                if !std::fs::symlink_metadata(src).is_ok_and(|m| m.is_file()) {
                    // Refused with a clear message by the add itself.
                    return Ok(None);
                }
                fsutil::hash_file(algo, src).map_err(hashing())?
            }
        };
        let path =
            self.dir
                .make_fixed_output_path(method, &ca_hash, name, &BTreeSet::new(), false)?;
        Ok(self.is_valid(&path)?.then_some(path))
    }

    /// Adds a text file such as a `.drv` or the result of `builtins.toFile`, which refers to
    /// `references`, and returns its path.
    pub fn add_text(
        &self,
        name: &str,
        contents: &[u8],
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath> {
        let hash = Hash::digest(HashAlgo::Sha256, contents);
        let path = self.dir.make_text_path(name, &hash, references)?;
        let _gc = GcLock::shared(&self.state)?;
        if self.is_valid(&path)? {
            self.add_temp_root(&path)?;
            return Ok(path);
        }
        let temp = self.new_temp_path();
        let _cleanup = RemoveOnDrop(&temp);
        fsutil::write_file(&temp, contents)
            .map_err(StoreError::io(format!("cannot write '{}'", temp.display())))?;
        let info = PathInfo {
            path: path.clone(),
            nar_hash: fsutil::nar_hash_of_file(contents, false),
            nar_size: fsutil::nar_size_of_file(contents.len() as u64, false),
            references: references.clone(),
            deriver: None,
            registration_time: now(),
            ca: Some(format!("text:sha256:{}", hash.to_nix32())),
            sigs: Vec::new(),
        };
        self.commit(&temp, info)?;
        Ok(path)
    }

    /// Writes a derivation's `.drv` file (Nix's `writeDerivation`) and records its output
    /// paths, and returns its path.
    pub fn add_derivation(&self, drv: &crate::Derivation) -> Result<StorePath> {
        let aterm = drv.to_aterm(&self.dir);
        let name = format!("{}{}", drv.name, crate::DRV_EXTENSION);
        let path = self.add_text(&name, aterm.as_bytes(), &drv.references())?;
        let outputs: Vec<(String, StorePath)> = drv
            .outputs
            .iter()
            .filter_map(|(n, o)| Some((n.clone(), o.path()?.clone())))
            .collect();
        if let Some(batch) = self.lock_batch().as_mut() {
            batch.outputs.push((path.clone(), outputs));
            return Ok(path);
        }
        self.lock_db().add_derivation_outputs(&path, &outputs)?;
        Ok(path)
    }

    /// Adds the path `info` describes from its NAR, read from `nar` (Nix's `addToStore` of a
    /// path and its NAR, as a substitution or an import does): the NAR is unpacked under a
    /// temporary name, and the path becomes valid only when the NAR's SHA-256 and size are the
    /// ones `info` gives and every reference is valid. A path that is valid already is left as
    /// it is, and `nar` is not read.
    pub fn add_nar(&self, info: PathInfo, nar: &mut dyn io::Read) -> Result<()> {
        let _gc = GcLock::shared(&self.state)?;
        if self.is_valid(&info.path)? {
            return self.add_temp_root(&info.path);
        }
        let printed = self.dir.print(&info.path);
        let temp = self.new_temp_path();
        let _cleanup = RemoveOnDrop(&temp);
        let mut reader = crate::HashingReader::new(nar, HashAlgo::Sha256);
        crate::restore(&mut reader, &temp)
            .map_err(|e| StoreError::Other(format!("cannot unpack the NAR of '{printed}': {e}")))?;
        let (nar_hash, nar_size) = reader.finish();
        if nar_hash != info.nar_hash || nar_size != info.nar_size {
            return Err(StoreError::nar_mismatch(
                printed,
                (&info.nar_hash, info.nar_size),
                (&nar_hash, nar_size),
            ));
        }
        self.commit(&temp, info)
    }

    /// Makes the tree at `temp` (in the store directory, canonical) the valid path `info`
    /// describes: under the path's lock, unless it is already valid, it replaces whatever is
    /// left at the final name by an earlier crash, is flushed to disk, renamed into place, and
    /// registered. The caller holds the gc lock.
    fn commit(&self, temp: &Path, info: PathInfo) -> Result<()> {
        let _lock = PathLock::acquire(&self.state, &info.path)?;
        if !self.is_valid(&info.path)? {
            for r in info.references.iter().filter(|r| **r != info.path) {
                if !self.is_valid(r)? {
                    return Err(StoreError::Other(format!(
                        "cannot add '{}': its reference '{}' is not valid",
                        self.dir.print(&info.path),
                        self.dir.print(r)
                    )));
                }
            }
            let dest = self.physical(&info.path);
            let mut batch = self.lock_batch();
            // What is already at the final name is either a path another process has put in
            // place and not registered yet (a batch), which must stay where it is, or what a
            // crash left. Either way, a tree with the expected NAR hash is kept as it is.
            let keep = std::fs::symlink_metadata(&dest).is_ok()
                && fsutil::hash_path(HashAlgo::Sha256, &dest, &mut |_| true)
                    .is_ok_and(|(h, _)| h == info.nar_hash);
            if keep {
                let _ = fsutil::remove_tree(temp);
            } else {
                fsutil::remove_tree(&dest).map_err(StoreError::io(format!(
                    "cannot remove the stale '{}'",
                    dest.display()
                )))?;
                if batch.is_none() {
                    fsutil::sync_fs(temp)
                        .map_err(StoreError::io("cannot flush the store to disk"))?;
                }
                std::fs::rename(temp, &dest).map_err(StoreError::io(format!(
                    "cannot move '{}' into place",
                    dest.display()
                )))?;
            }
            match batch.as_mut() {
                Some(b) => {
                    b.pending.push(info);
                    return Ok(());
                }
                None => {
                    drop(batch);
                    fsutil::sync_dir(&self.real)
                        .map_err(StoreError::io("cannot flush the store"))?;
                    self.lock_db().register(std::slice::from_ref(&info))?;
                }
            }
        }
        self.add_temp_root(&info.path)
    }

    /// Makes valid the trees a build produced, all together (the outputs of a derivation may
    /// refer to each other), after one flush. Each tree is at a temporary name of the store
    /// folder (`temp_path`), canonical; an output that became valid meanwhile (another
    /// process built it) is left as it is and its tree dropped.
    pub fn register_built(&self, outputs: Vec<(PathBuf, PathInfo)>) -> Result<()> {
        let _gc = GcLock::shared(&self.state)?;
        let own: BTreeSet<StorePath> = outputs.iter().map(|(_, i)| i.path.clone()).collect();
        for (_, info) in &outputs {
            for r in info.references.iter().filter(|r| !own.contains(*r)) {
                if !self.is_valid(r)? {
                    return Err(StoreError::Other(format!(
                        "cannot register '{}': its reference '{}' is not valid",
                        self.dir.print(&info.path),
                        self.dir.print(r)
                    )));
                }
            }
        }
        fsutil::sync_fs(&self.real).map_err(StoreError::io("cannot flush the store to disk"))?;
        let mut infos = Vec::new();
        for (temp, info) in outputs {
            let _lock = PathLock::acquire(&self.state, &info.path)?;
            if self.is_valid(&info.path)? {
                let _ = fsutil::remove_tree(&temp);
                continue;
            }
            let dest = self.physical(&info.path);
            fsutil::remove_tree(&dest).map_err(StoreError::io(format!(
                "cannot remove the stale '{}'",
                dest.display()
            )))?;
            std::fs::rename(&temp, &dest).map_err(StoreError::io(format!(
                "cannot move '{}' into place",
                dest.display()
            )))?;
            infos.push(info);
        }
        fsutil::sync_dir(&self.real).map_err(StoreError::io("cannot flush the store"))?;
        self.lock_db().register(&infos)?;
        for info in &infos {
            self.add_temp_root(&info.path)?;
        }
        Ok(())
    }

    /// A fresh temporary name in the store folder, for a tree to register later.
    pub fn temp_path(&self) -> PathBuf {
        self.new_temp_path()
    }

    /// The build lock of `drv`, if no other build holds it.
    pub fn try_lock_build(&self, drv: &StorePath) -> Result<Option<BuildLock>> {
        BuildLock::try_acquire(&self.state, drv)
    }

    /// Waits until no other build of `drv` runs, and holds that until the lock is dropped.
    pub fn lock_build(&self, drv: &StorePath) -> Result<BuildLock> {
        BuildLock::acquire(&self.state, drv)
    }

    /// The folder for the store's own state (`ROOT/nix/var/cairn`).
    pub fn state_dir(&self) -> &Path {
        &self.state
    }

    /// A fresh temporary name in the store directory (never a store path: those start with a
    /// hash).
    fn new_temp_path(&self) -> PathBuf {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        self.real
            .join(format!(".tmp-{}-{n}-{}", std::process::id(), now_nanos()))
    }

    /// Records that this process uses `path`, so that a concurrent `gc` keeps it.
    pub fn add_temp_root(&self, path: &StorePath) -> Result<()> {
        let _gc = GcLock::shared(&self.state)?;
        let mut roots = self.temp_roots.lock().unwrap_or_else(|e| e.into_inner());
        if roots.is_none() {
            *roots = Some(TempRoots::create(&self.state)?);
        }
        roots.as_mut().expect("just created").add(path)
    }

    /// Makes `link` a symbolic link to the physical `path` and registers it as a garbage
    /// collector root: `path` stays as long as `link` points to it (`result` links).
    pub fn add_indirect_root(&self, link: &Path, path: &StorePath) -> Result<()> {
        gc::add_indirect_root(self, link, path)
    }
}

/// `root` followed by the absolute path `logical`.
fn physical_of(root: &Path, logical: &str) -> PathBuf {
    root.join(logical.trim_start_matches('/'))
}

/// Removes a temporary tree when an add ends, however it ends.
struct RemoveOnDrop<'a>(&'a Path);

impl Drop for RemoveOnDrop<'_> {
    fn drop(&mut self) {
        let _ = fsutil::remove_tree(self.0);
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn now_nanos() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests;
