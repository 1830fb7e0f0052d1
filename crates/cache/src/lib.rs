//! Binary caches in Nix's format, so that cairn and Nix can share one: a cache is a set of
//! files, `nix-cache-info`, one `<hash>.narinfo` per store path (`narinfo`), and the
//! compressed NARs under `nar/` (`compression`), whose narinfos are signed with ed25519 keys
//! in Nix's text forms (`signing`).
//!
//! `BinaryCache` reads and writes that layout over a `backend::Backend`, which only stores
//! files (`file:///dir`, `http://` and `https://`). `copy` moves closures between a cache and
//! the local store, in parallel, checking signatures and NAR hashes before a path becomes
//! valid. `Substituters` is the store's substituter over a list of caches: what `cairn build`
//! and the evaluator ask for a path they lack. `serve` is the other side: the local store
//! served over HTTP as a cache, NARs made on the fly.
//!
//! This crate does not evaluate, build or decide policy: which keys are trusted and which
//! caches are asked come from the caller.

pub mod backend;
pub mod compression;
pub mod copy;
pub mod narinfo;
pub mod serve;
pub mod signing;
pub mod substituters;

use std::io::{self, Read, Seek, Write};

use cairn_store::{HashAlgo, HashingWriter, StoreDir, StoreError, StorePath};

pub use crate::backend::Backend;
pub use crate::compression::Compression;
pub use crate::copy::{CopyReport, pull, push};
pub use crate::narinfo::{CacheInfo, FormatError, NarInfo, SignatureError};
pub use crate::serve::{RequestLog, ServeOptions, Served, Server};
pub use crate::signing::{KeyError, PublicKey, SecretKey};
pub use crate::substituters::Substituters;

/// Why a cache operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("invalid binary cache URL `{url}`: {why}")]
    Url { url: String, why: String },
    #[error("{context}: {error}")]
    Io { context: String, error: io::Error },
    #[error("invalid file name `{0}` in a binary cache")]
    BadFileName(String),
    #[error(transparent)]
    Format(#[from] FormatError),
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "binary cache `{url}` is for the store directory '{cache}', not '{local}' (store paths depend on it)"
    )]
    WrongStoreDir {
        url: String,
        cache: String,
        local: String,
    },
    #[error("path '{path}' is not in binary cache `{url}`")]
    NotInCache { path: String, url: String },
    #[error("binary cache `{url}`: {why}")]
    Corrupt { url: String, why: String },
    #[error("cannot fetch '{path}': {why}")]
    Unavailable { path: String, why: String },
    #[error("binary cache `{url}` answered `{status}` to {method} `{file}`")]
    HttpStatus {
        url: String,
        method: &'static str,
        file: String,
        status: String,
    },
    #[error(
        "binary cache `{url}` is read-only over HTTP: it answered `{status}` to PUT `{file}` (hint: write to the directory the server serves, with `file:///DIR`)"
    )]
    ReadOnly {
        url: String,
        file: String,
        status: String,
    },
}

impl CacheError {
    pub(crate) fn io(context: impl Into<String>) -> impl FnOnce(io::Error) -> CacheError {
        let context = context.into();
        move |error| CacheError::Io { context, error }
    }
}

/// A binary cache: Nix's layout over a backend, for one store directory.
#[derive(Debug)]
pub struct BinaryCache {
    backend: Box<dyn Backend>,
    dir: StoreDir,
    /// How NARs are compressed when written (the URL's `?compression=`, zstd by default).
    compression: Compression,
}

impl BinaryCache {
    /// Opens the cache at `url` (`file:///dir` or `http[s]://host/...`, with
    /// `?compression=zstd|xz|none` for what it writes) for paths of the store directory `dir`.
    /// A cache whose `nix-cache-info` names another store directory is refused; a cache that
    /// does not exist yet is created by the first write.
    pub fn open(url: &str, dir: &StoreDir) -> Result<BinaryCache, CacheError> {
        let mut compression = Compression::default();
        if let Some((_, query)) = url.split_once('?') {
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                if key == "compression" {
                    compression = Compression::parse(value).ok_or_else(|| CacheError::Url {
                        url: url.to_string(),
                        why: format!("unknown compression `{value}` (use xz, zstd or none)"),
                    })?;
                }
            }
        }
        let cache = BinaryCache {
            backend: backend::open(url)?,
            dir: dir.clone(),
            compression,
        };
        if let Some(info) = cache.cache_info()?
            && info.store_dir != dir.as_str()
        {
            return Err(CacheError::WrongStoreDir {
                url: cache.url().to_string(),
                cache: info.store_dir,
                local: dir.as_str().to_string(),
            });
        }
        Ok(cache)
    }

    pub fn url(&self) -> &str {
        self.backend.url()
    }

    pub fn store_dir(&self) -> &StoreDir {
        &self.dir
    }

    fn read_text(&self, file: &str) -> Result<Option<String>, CacheError> {
        let Some(mut r) = self.backend.get(file)? else {
            return Ok(None);
        };
        let mut text = String::new();
        r.read_to_string(&mut text).map_err(CacheError::io(format!(
            "cannot read `{file}` of `{}`",
            self.url()
        )))?;
        Ok(Some(text))
    }

    /// The cache's `nix-cache-info`, if it has one.
    pub fn cache_info(&self) -> Result<Option<CacheInfo>, CacheError> {
        match self.read_text("nix-cache-info")? {
            Some(text) => Ok(Some(CacheInfo::parse(&text)?)),
            None => Ok(None),
        }
    }

    /// Writes `nix-cache-info` when the cache has none, as Nix does before its first upload.
    pub fn init(&self) -> Result<(), CacheError> {
        if !self.backend.has("nix-cache-info")? {
            let text = CacheInfo::new(self.dir.as_str()).to_text();
            self.backend.put(
                "nix-cache-info",
                &mut text.as_bytes(),
                "text/x-nix-cache-info",
            )?;
        }
        Ok(())
    }

    fn narinfo_file(path: &StorePath) -> String {
        format!("{}.narinfo", path.hash_part())
    }

    /// Whether the cache has a narinfo for `path`.
    pub fn has_path(&self, path: &StorePath) -> Result<bool, CacheError> {
        self.backend.has(&Self::narinfo_file(path))
    }

    /// The narinfo of `path`, if the cache has it; it must describe that very path.
    pub fn narinfo(&self, path: &StorePath) -> Result<Option<NarInfo>, CacheError> {
        let file = Self::narinfo_file(path);
        let Some(text) = self.read_text(&file)? else {
            return Ok(None);
        };
        let info = NarInfo::parse(&text, &self.dir, &file)?;
        if info.path != *path {
            return Err(CacheError::Corrupt {
                url: self.url().to_string(),
                why: format!(
                    "`{file}` describes '{}', not '{}'",
                    self.dir.print(&info.path),
                    self.dir.print(path)
                ),
            });
        }
        Ok(Some(info))
    }

    /// The NAR of a path the cache has, uncompressed, as a stream. Its hash is not checked
    /// here: the store checks it as it unpacks (`LocalStore::add_nar`).
    pub fn nar(&self, info: &NarInfo) -> Result<Box<dyn Read>, CacheError> {
        let corrupt = |why: String| CacheError::Corrupt {
            url: self.url().to_string(),
            why,
        };
        let compression = Compression::parse(&info.compression).ok_or_else(|| {
            corrupt(format!(
                "the NAR of '{}' is compressed with `{}`, which cairn cannot unpack",
                self.dir.print(&info.path),
                info.compression
            ))
        })?;
        let file = self.backend.get(&info.url)?.ok_or_else(|| {
            corrupt(format!(
                "the NAR file `{}` of '{}' is missing",
                info.url,
                self.dir.print(&info.path)
            ))
        })?;
        compression
            .decompressor(file)
            .map_err(CacheError::io(format!("cannot read `{}`", info.url)))
    }

    /// Uploads a path: `write_nar` writes its NAR, which is compressed into a temporary file,
    /// checked against `info`'s NAR hash and size, and stored as `nar/<filehash>.nar[.ext]`
    /// (unless the cache has that file already); then its narinfo, signed with `key` if given,
    /// is written last, so that a path is in the cache only once its NAR is. Returns the
    /// narinfo written.
    pub fn put_path(
        &self,
        mut info: NarInfo,
        write_nar: &mut dyn FnMut(&mut dyn Write) -> io::Result<()>,
        key: Option<&SecretKey>,
    ) -> Result<NarInfo, CacheError> {
        let printed = self.dir.print(&info.path);
        let temp = tempfile::tempfile()
            .map_err(CacheError::io("cannot create a temporary file for a NAR"))?;
        let compressing = || -> io::Result<_> {
            let file = HashingWriter::new(io::BufWriter::new(temp), HashAlgo::Sha256);
            let mut nar = HashingWriter::new(self.compression.compressor(file)?, HashAlgo::Sha256);
            write_nar(&mut nar)?;
            let (compressor, nar_hash, nar_size) = nar.finish();
            let (file, file_hash, file_size) = compressor.finish()?.finish();
            let mut file = file.into_inner().map_err(|e| e.into_error())?;
            file.rewind()?;
            Ok((file, nar_hash, nar_size, file_hash, file_size))
        };
        let (file, nar_hash, nar_size, file_hash, file_size) = compressing().map_err(
            CacheError::io(format!("cannot write the NAR of '{printed}'")),
        )?;
        if nar_hash != info.nar_hash || nar_size != info.nar_size {
            return Err(StoreError::nar_mismatch(
                printed,
                (&info.nar_hash, info.nar_size),
                (&nar_hash, nar_size),
            )
            .into());
        }
        info.url = format!(
            "nar/{}.nar{}",
            file_hash.to_nix32(),
            self.compression.extension()
        );
        info.compression = self.compression.name().to_string();
        info.file_hash = Some(file_hash);
        info.file_size = Some(file_size);
        if !self.backend.has(&info.url)? {
            self.backend
                .put_file(&info.url, file, file_size, "application/x-nix-nar")?;
        }
        if let Some(key) = key {
            info.sign(&self.dir, key);
        }
        let text = info.to_text(&self.dir);
        self.backend.put(
            &Self::narinfo_file(&info.path),
            &mut text.as_bytes(),
            "text/x-nix-narinfo",
        )?;
        Ok(info)
    }
}
