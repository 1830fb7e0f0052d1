//! Connects the evaluator to the store: the only crate that knows both `cairn-eval` and
//! `cairn-store`.
//!
//! `StoreIo` is the evaluator's `Io` with a store behind it, in one of three modes:
//!
//! - without a local store (`StoreIo::new`), the store hooks compute what Nix computes in
//!   read-only evaluation (`nix-instantiate --eval`): the store path of a path interpolated
//!   into a string, of a `builtins.path`, `filterSource` or `toFile`, and the `.drv` and
//!   output paths of a derivation; nothing is written;
//! - reading a local store (`StoreIo::reading`), the same, and paths inside the store
//!   directory are read from the store's physical root (`builtins.readFile` of a store path);
//! - writing to a local store (`StoreIo::writing`), as `nix-instantiate` does: sources and
//!   `toFile` texts are added, every derivation's `.drv` is written, and `storePath` requires
//!   a valid path.
//!
//! Of each derivation only what later derivations need is kept (its hash modulo, output names
//! and references); `StoreIo::keep_derivations` keeps whole derivations, whose `.drv` texts
//! `StoreIo::derivations` then gives.

mod derivations;
pub mod host_tools;

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashMap as HashMap;

use cairn_eval::{
    DerivationPaths, DerivationRequest, EvalError, FileType, HostToolInfo, HostToolRequest, Io,
    PathImport, Result, StdIo,
};
use cairn_store::dump::{hash_file, hash_path};
use cairn_store::{
    DRV_EXTENSION, Hash, HashAlgo, IngestionMethod, LocalStore, StoreDir, StorePath,
};

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
    /// The local store, when there is one.
    local: Option<Arc<LocalStore>>,
    /// Whether to write to it.
    write: bool,
    /// Paths already copied to the store (`srcToStore`): path on disk to store path.
    sources: RefCell<HashMap<String, String>>,
    derivations: RefCell<Registry>,
    /// Downloads a URL to a file, for `builtins.fetchurl`.
    fetcher: RefCell<Option<FetcherBox>>,
    /// The host tools imported so far, by name (what a flake's lock records).
    host_tools: RefCell<BTreeMap<String, HostToolInfo>>,
    /// Whether only the store directory may be read.
    store_only: std::cell::Cell<bool>,
}

/// Downloads a URL to a new file at the path given.
pub type Fetcher = Rc<dyn Fn(&str, &Path) -> std::result::Result<(), String>>;

#[derive(Clone)]
struct FetcherBox(Fetcher);

impl std::fmt::Debug for FetcherBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Fetcher")
    }
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

    /// Evaluation with a local store that is read (paths in the store directory are its
    /// files) but not written: paths are computed, as `nix-instantiate --eval` does.
    pub fn reading(local: Arc<LocalStore>) -> StoreIo {
        StoreIo::with_local(local, false)
    }

    /// Evaluation that writes sources, texts and derivations to a local store, as
    /// `nix-instantiate` does.
    pub fn writing(local: Arc<LocalStore>) -> StoreIo {
        StoreIo::with_local(local, true)
    }

    fn with_local(local: Arc<LocalStore>, write: bool) -> StoreIo {
        let registry = Registry {
            physical_root: Some(local.root().to_path_buf()),
            ..Registry::default()
        };
        StoreIo {
            inner: Rc::new(Inner {
                store: local.store_dir().clone(),
                local: Some(local),
                write,
                derivations: RefCell::new(registry),
                ..Inner::default()
            }),
        }
    }

    pub fn store_dir(&self) -> &StoreDir {
        &self.inner.store
    }

    /// How `builtins.fetchurl` downloads, when there is a local store to put the file in.
    pub fn set_fetcher(&self, fetcher: Fetcher) {
        *self.inner.fetcher.borrow_mut() = Some(FetcherBox(fetcher));
    }

    /// The local store this evaluation writes to.
    fn writer(&self) -> Option<&LocalStore> {
        self.inner.local.as_deref().filter(|_| self.inner.write)
    }

    /// Where a path is on disk: paths in the store directory are under the local store's
    /// physical root.
    fn on_disk<'a>(&self, path: &'a str) -> Cow<'a, str> {
        match &self.inner.local {
            Some(local) => match local.to_physical(path) {
                Some(p) => Cow::Owned(p.to_string_lossy().into_owned()),
                None => Cow::Borrowed(path),
            },
            None => Cow::Borrowed(path),
        }
    }

    fn parse_store_path(&self, path: &str) -> Result<StorePath> {
        self.inner
            .store
            .parse(path)
            .map_err(|e| EvalError::other(e.to_string()))
    }

    /// Restricts reading to the store directory, as a flake's pure evaluation is: the flake
    /// and its inputs are in the store, and nothing else of the machine is visible.
    pub fn restrict_to_store(&self) {
        self.inner.store_only.set(true);
    }

    fn allowed(&self, path: &str) -> std::io::Result<()> {
        if !self.inner.store_only.get() {
            return Ok(());
        }
        let dir = self.inner.store.as_str();
        if path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        {
            return Ok(());
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "access to path '{path}' is forbidden in pure evaluation mode (use '--impure' \
                 to override)"
            ),
        ))
    }

    /// The host tools this evaluation imported, by name.
    pub fn host_tools_used(&self) -> BTreeMap<String, HostToolInfo> {
        self.inner.host_tools.borrow().clone()
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
        self.allowed(path)?;
        self.inner.fs.read_file(&self.on_disk(path))
    }

    fn file_type(&self, path: &str) -> std::io::Result<FileType> {
        self.allowed(path)?;
        self.inner.fs.file_type(&self.on_disk(path))
    }

    fn path_exists(&self, path: &str) -> bool {
        self.allowed(path).is_ok() && self.inner.fs.path_exists(&self.on_disk(path))
    }

    fn read_dir(&self, path: &str) -> std::io::Result<Vec<(String, FileType)>> {
        self.allowed(path)?;
        self.inner.fs.read_dir(&self.on_disk(path))
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

    fn store_dir(&self) -> &str {
        self.inner.store.as_str()
    }

    /// `builtins.toFile`: a text path, written when this evaluation writes.
    fn add_text_to_store(&self, name: &str, contents: &str, references: &[&str]) -> Result<String> {
        let refs = references
            .iter()
            .map(|r| self.parse_store_path(r))
            .collect::<Result<BTreeSet<_>>>()?;
        let store = &self.inner.store;
        let sp = match self.writer() {
            Some(local) => local
                .add_text(name, contents.as_bytes(), &refs)
                .map_err(|e| EvalError::other(e.to_string()))?,
            None => store
                .text_path_for(name, contents, &refs)
                .map_err(|e| EvalError::other(e.to_string()))?,
        };
        Ok(store.print(&sp))
    }

    /// `builtins.fetchurl`: a file already in the store under its expected hash is not
    /// downloaded again; without a local store, only a file with an expected hash has a path.
    /// As with Nix, the download goes to the store even when evaluating only.
    fn fetch_url(&self, url: &str, name: &str, sha256: Option<&str>) -> Result<String> {
        let store = &self.inner.store;
        let err = |e: String| EvalError::other(e);
        let expected = match sha256 {
            Some(text) => {
                let (hash, _) = Hash::parse_allow_empty(text, Some(HashAlgo::Sha256))
                    .map_err(|e| err(e.to_string()))?;
                let path = store
                    .make_fixed_output_path(
                        IngestionMethod::Flat,
                        &hash,
                        name,
                        &BTreeSet::new(),
                        false,
                    )
                    .map_err(|e| err(e.to_string()))?;
                Some((hash, path))
            }
            None => None,
        };
        let Some(local) = self.inner.local.as_deref() else {
            return match expected {
                Some((_, path)) => Ok(store.print(&path)),
                None => Err(err(format!(
                    "cannot fetch '{url}' without a store (give its sha256, or use a store)"
                ))),
            };
        };
        if let Some((_, path)) = &expected
            && local.is_valid(path).map_err(|e| err(e.to_string()))?
        {
            local.add_temp_root(path).map_err(|e| err(e.to_string()))?;
            return Ok(store.print(path));
        }
        let Some(FetcherBox(fetcher)) = self.inner.fetcher.borrow().clone() else {
            return Err(err(format!(
                "cannot fetch '{url}': this evaluation cannot download"
            )));
        };
        let dir = std::env::temp_dir().join(format!(
            "cairn-fetch-{}-{}",
            std::process::id(),
            Hash::digest(HashAlgo::Sha256, url).to_nix32()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| err(format!("cannot fetch '{url}': {e}")))?;
        let file = dir.join("download");
        let result = (|| {
            fetcher(url, &file)?;
            let got = hash_file(HashAlgo::Sha256, &file).map_err(|e| e.to_string())?;
            if let Some((hash, _)) = &expected
                && *hash != got
            {
                return Err(format!(
                    "hash mismatch in file downloaded from '{url}':\n  specified: {}\n  got:       {}",
                    hash.to_sri(),
                    got.to_sri()
                ));
            }
            local
                .add_path(
                    &file,
                    name,
                    IngestionMethod::Flat,
                    HashAlgo::Sha256,
                    &mut |_| true,
                )
                .map_err(|e| e.to_string())
        })();
        let _ = std::fs::remove_dir_all(&dir);
        Ok(store.print(&result.map_err(err)?))
    }

    /// `builtins.storePath`: when this evaluation writes, the path must be valid.
    fn ensure_store_path(&self, path: &str) -> Result<()> {
        let sp = self.parse_store_path(path)?;
        if let Some(local) = self.writer() {
            if !local
                .is_valid(&sp)
                .map_err(|e| EvalError::other(e.to_string()))?
            {
                return Err(EvalError::other(format!("path '{path}' is not valid")));
            }
            local
                .add_temp_root(&sp)
                .map_err(|e| EvalError::other(e.to_string()))?;
        }
        Ok(())
    }

    /// `"${./path}"`: the `source` path of the NAR of `path`, named after its last component
    /// (Nix's `copyPathToStore` in read-only mode).
    fn copy_path_to_store(&self, path: &str) -> Result<String> {
        self.allowed(path)
            .map_err(|e| EvalError::other(e.to_string()))?;
        if path.ends_with(DRV_EXTENSION) {
            return Err(EvalError::other(format!(
                "file names are not allowed to end in '{DRV_EXTENSION}'"
            )));
        }
        if let Some(p) = self.inner.sources.borrow().get(path) {
            return Ok(p.clone());
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let stored = match self.writer() {
            Some(local) => {
                let src = self.on_disk(path);
                let sp = local
                    .add_path(
                        Path::new(&*src),
                        name,
                        IngestionMethod::Recursive,
                        HashAlgo::Sha256,
                        &mut |_| true,
                    )
                    .map_err(|e| EvalError::other(e.to_string()))?;
                self.inner.store.print(&sp)
            }
            None => self.store_path_of(path, name, IngestionMethod::Recursive, &mut |_| true)?,
        };
        self.inner
            .sources
            .borrow_mut()
            .insert(path.to_string(), stored.clone());
        Ok(stored)
    }

    fn instantiate_derivation(&self, drv: DerivationRequest) -> Result<DerivationPaths> {
        let write = |drv: &cairn_store::Derivation| match self.writer() {
            Some(local) => local
                .add_derivation(drv)
                .map(drop)
                .map_err(|e| e.to_string()),
            None => Ok(()),
        };
        self.inner
            .derivations
            .borrow_mut()
            .instantiate(&self.inner.store, drv, &|msg| self.trace(msg), &write)
            .map_err(EvalError::other)
    }

    /// `builtins.path` and `filterSource`: the NAR (or the file's bytes) hashed with the
    /// refused entries left out; with an expected hash, the path it gives must be the same.
    fn host_tool(&self, request: &HostToolRequest<'_>) -> Result<HostToolInfo> {
        let info = host_tools::import_host_tool(
            self.inner.local.as_deref(),
            self.inner.write,
            &self.inner.store,
            request,
        )
        .map_err(EvalError::other)?;
        self.inner
            .host_tools
            .borrow_mut()
            .insert(request.tool.to_string(), info.clone());
        Ok(info)
    }

    fn import_path(&self, import: &PathImport<'_>) -> Result<String> {
        self.allowed(import.path)
            .map_err(|e| EvalError::other(e.to_string()))?;
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
        let stored = match self.writer() {
            Some(local) => {
                // A path that is already valid is not read again.
                if let Some(e) = &expected
                    && local
                        .is_valid(&self.parse_store_path(e)?)
                        .map_err(|e| EvalError::other(e.to_string()))?
                {
                    return Ok(e.clone());
                }
                let src = self.on_disk(import.path).into_owned();
                let strip = src.len() - import.path.len();
                let sp = local
                    .add_path(
                        Path::new(&src),
                        import.name,
                        method,
                        HashAlgo::Sha256,
                        &mut |p| {
                            p.to_str()
                                .is_none_or(|s| !excluded.contains(s.get(strip..).unwrap_or(s)))
                        },
                    )
                    .map_err(|e| EvalError::other(e.to_string()))?;
                self.inner.store.print(&sp)
            }
            None => self.store_path_of(import.path, import.name, method, &mut |p| {
                p.to_str().is_none_or(|s| !excluded.contains(s))
            })?,
        };
        if expected.is_some_and(|e| e != stored) {
            return Err(EvalError::other(format!(
                "store path mismatch in (possibly filtered) path added from '{}'",
                import.path
            )));
        }
        Ok(stored)
    }
}
