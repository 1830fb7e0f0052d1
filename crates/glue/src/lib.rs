//! Connects the evaluator to the store: the only crate that knows both `cairn-eval` and
//! `cairn-store`.
//!
//! `StoreIo` is the evaluator's `Io` with a store behind it. File-system reads go to
//! `cairn_eval::StdIo`; the store hooks compute what Nix computes in read-only evaluation
//! (`nix-instantiate --eval`): the store path of a path interpolated into a string, of a
//! `builtins.path` or `filterSource` import, and the `.drv` and output paths of a derivation.
//! Nothing is written to a store yet. Of each derivation only what later derivations need is
//! kept (its hash modulo, output names and references); `StoreIo::keep_derivations` keeps whole
//! derivations, whose `.drv` texts `StoreIo::derivations` then gives.

mod derivations;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;
use std::path::Path;
use std::rc::Rc;

use cairn_eval::{
    DerivationPaths, DerivationRequest, EvalError, FileType, Io, PathImport, Result, StdIo,
};
use cairn_store::dump::{hash_file, hash_path};
use cairn_store::{DRV_EXTENSION, Hash, HashAlgo, IngestionMethod, StoreDir};

use crate::derivations::Registry;

/// The evaluator's access to the world, with a store. Clones share their state, so a caller
/// can keep one to read the derivations after handing another to the evaluator.
#[derive(Clone, Debug, Default)]
pub struct StoreIo {
    inner: Rc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    fs: StdIo,
    store: StoreDir,
    /// Paths already copied to the store (`srcToStore`): path on disk to store path.
    sources: RefCell<HashMap<String, String>>,
    derivations: RefCell<Registry>,
}

impl StoreIo {
    /// A store at `/nix/store`.
    pub fn new() -> StoreIo {
        StoreIo::default()
    }

    /// A store whose logical directory is `dir`.
    pub fn with_store_dir(dir: &str) -> StoreIo {
        StoreIo {
            inner: Rc::new(Inner {
                store: StoreDir::new(dir),
                ..Inner::default()
            }),
        }
    }

    pub fn store_dir(&self) -> &StoreDir {
        &self.inner.store
    }

    /// Keeps every derivation instantiated from now on, for `derivations`.
    pub fn keep_derivations(&self) {
        self.inner.derivations.borrow_mut().keep = true;
    }

    /// Every derivation instantiated since `keep_derivations`: `.drv` path to its ATerm text.
    pub fn derivations(&self) -> BTreeMap<String, String> {
        self.inner.derivations.borrow().texts(&self.inner.store)
    }

    fn store_path_of(
        &self,
        path: &str,
        name: &str,
        method: IngestionMethod,
        filter: &mut dyn FnMut(&Path) -> bool,
    ) -> Result<String> {
        let hash = match method {
            IngestionMethod::Recursive => {
                hash_path(HashAlgo::Sha256, Path::new(path), filter).map(|(h, _)| h)
            }
            IngestionMethod::Flat => hash_file(HashAlgo::Sha256, Path::new(path)),
        }
        .map_err(|e| EvalError::other(e.to_string()))?;
        let store = &self.inner.store;
        let sp = store
            .make_fixed_output_path(method, &hash, name, &BTreeSet::new(), false)
            .map_err(|e| EvalError::other(e.to_string()))?;
        Ok(store.print(&sp))
    }
}

impl Io for StoreIo {
    fn read_file(&self, path: &str) -> std::io::Result<Vec<u8>> {
        self.inner.fs.read_file(path)
    }

    fn file_type(&self, path: &str) -> std::io::Result<FileType> {
        self.inner.fs.file_type(path)
    }

    fn path_exists(&self, path: &str) -> bool {
        self.inner.fs.path_exists(path)
    }

    fn read_dir(&self, path: &str) -> std::io::Result<Vec<(String, FileType)>> {
        self.inner.fs.read_dir(path)
    }

    fn get_env(&self, name: &str) -> Option<String> {
        self.inner.fs.get_env(name)
    }

    fn current_time(&self) -> i64 {
        self.inner.fs.current_time()
    }

    fn trace(&self, message: &str) {
        self.inner.fs.trace(message)
    }

    /// `"${./path}"`: the `source` path of the NAR of `path`, named after its last component
    /// (Nix's `copyPathToStore` in read-only mode).
    fn copy_path_to_store(&self, path: &str) -> Result<String> {
        if path.ends_with(DRV_EXTENSION) {
            return Err(EvalError::other(format!(
                "file names are not allowed to end in '{DRV_EXTENSION}'"
            )));
        }
        if let Some(p) = self.inner.sources.borrow().get(path) {
            return Ok(p.clone());
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let stored = self.store_path_of(path, name, IngestionMethod::Recursive, &mut |_| true)?;
        self.inner
            .sources
            .borrow_mut()
            .insert(path.to_string(), stored.clone());
        Ok(stored)
    }

    fn instantiate_derivation(&self, drv: DerivationRequest) -> Result<DerivationPaths> {
        self.inner
            .derivations
            .borrow_mut()
            .instantiate(&self.inner.store, drv, &|msg| self.trace(msg))
            .map_err(EvalError::other)
    }

    /// `builtins.path` and `filterSource`: the NAR (or the file's bytes) hashed with the
    /// refused entries left out; with an expected hash, the path it gives must be the same.
    fn import_path(&self, import: &PathImport<'_>) -> Result<String> {
        let method = if import.recursive {
            IngestionMethod::Recursive
        } else {
            IngestionMethod::Flat
        };
        let expected = match import.sha256 {
            Some(text) => {
                let (hash, _) = Hash::parse_allow_empty(text, Some(HashAlgo::Sha256))
                    .map_err(|e| EvalError::other(e.to_string()))?;
                let store = &self.inner.store;
                let sp = store
                    .make_fixed_output_path(method, &hash, import.name, &BTreeSet::new(), false)
                    .map_err(|e| EvalError::other(e.to_string()))?;
                Some(store.print(&sp))
            }
            None => None,
        };
        let excluded = import.excluded;
        let stored = self.store_path_of(import.path, import.name, method, &mut |p| {
            p.to_str().is_none_or(|s| !excluded.contains(s))
        })?;
        if expected.is_some_and(|e| e != stored) {
            return Err(EvalError::other(format!(
                "store path mismatch in (possibly filtered) path added from '{}'",
                import.path
            )));
        }
        Ok(stored)
    }
}
