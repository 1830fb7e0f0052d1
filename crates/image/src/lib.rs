//! Layered container images from store paths, written deterministically: the same closure, layer
//! plan, customisation tree and [`ImageSpec`] give the same bytes on any machine, in any
//! directory, at any time, under any user, umask or time zone.
//!
//! The pieces, in the order a caller uses them:
//!
//! - [`closure_entries`] reads a closure and its references out of a [`LocalStore`];
//! - [`plan_layers`] (module `layering`) groups its store paths into layers by popularity;
//! - a [`Tree`] (module `tree`) is what one layer holds: store paths, and the customisation
//!   (the contents linked, a tree made by a build copied over them);
//! - an [`ImageDescription`] (module `description`) is an image by its store paths, as JSON: what
//!   `dockerTools.streamLayeredImage` stores, and what images are written from;
//! - [`Image::build`] and [`Image::from_layers`] write every layer as a tar (module `layer`),
//!   compress and hash it, in parallel, and derive the image configuration (module `config`);
//! - [`Image::write_docker_archive`] and [`Image::write_oci_layout`] (module `format`) put the
//!   same blobs and configuration into a `docker load` archive or an OCI image layout.
//!
//! This crate does not evaluate, build or fetch anything, knows nothing of derivations or of the
//! command line, and never talks to a registry or a container engine. It reads the files of the
//! store paths and of the customisation tree and writes only its output (and anonymous temporary
//! files for the compressed layers).

mod config;
mod description;
mod format;
mod layer;
mod layering;
mod tree;

use std::io;
use std::path::{Path, PathBuf};

use cairn_store::{LocalStore, StoreError, StorePath};

pub use crate::config::{ImageConfig, ImageSpec};
pub use crate::description::{DescribedLayer, ImageDescription};
pub use crate::format::{
    FileRange, Image, LayerBlob, OCI_CONFIG, OCI_INDEX, OCI_LAYER_GZIP, OCI_MANIFEST, oci_manifest,
    write_docker_archive, write_oci_layout,
};
pub use crate::layer::LAYER_MTIME;
pub use crate::layering::plan_layers;
pub use crate::tree::Tree;

/// One store path of the image's closure: where it is in the image (`logical`, an absolute path
/// like `/nix/store/<hash>-name`), where its files are on this machine (`physical`), and the
/// store paths it refers to (logical too; self-references and references outside the closure
/// are ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StorePathEntry {
    pub logical: String,
    pub physical: PathBuf,
    pub references: Vec<String>,
}

/// What went wrong writing an image.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write `{}`: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
    #[error("cannot write the image: {0}")]
    Output(#[source] io::Error),
    #[error("`{}` is neither a regular file, a directory nor a symbolic link", path.display())]
    UnsupportedFileType { path: PathBuf },
    #[error("`{}` changed while it was being archived", path.display())]
    Changed { path: PathBuf },
    #[error("`{0}` is not an absolute path in a store directory")]
    BadStorePath(String),
    #[error("`{0}` is in a layer but not in the closure")]
    NotInClosure(String),
    #[error("`{0}` is in more than one layer")]
    InTwoLayers(String),
    #[error("`{0}` is in the closure but in no layer")]
    InNoLayer(String),
    #[error("the OCI layout directory `{}` exists and is not empty", path.display())]
    NotEmpty { path: PathBuf },
    #[error("the image configuration is not valid: {0}")]
    Config(String),
    #[error("not an image description: {0}")]
    Description(String),
    #[error("`{0}` is not valid in the store (it may have been collected)")]
    NotValid(String),
    #[error("`{}` is not UTF-8, which an image description cannot hold", path.display())]
    NotUtf8 { path: PathBuf },
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type Result<T, E = ImageError> = std::result::Result<T, E>;

/// A sha256 digest as registries and image configurations spell it: `sha256:<64 hex digits>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Digest(String);

impl Digest {
    pub(crate) fn from_hash(hash: &cairn_store::Hash) -> Digest {
        Digest(format!("sha256:{}", hash.to_base16()))
    }

    /// The sha256 digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Digest {
        Digest::from_hash(&cairn_store::Hash::digest(
            cairn_store::HashAlgo::Sha256,
            bytes,
        ))
    }

    /// Reads `sha256:<64 lower-case hex digits>`; `None` for anything else (another
    /// algorithm, upper case, a wrong length).
    pub fn parse(text: &str) -> Option<Digest> {
        let hex = text.strip_prefix("sha256:")?;
        (hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| Digest(text.to_owned()))
    }

    /// `sha256:<hex>`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 64 hex digits alone, as blob file names use them.
    pub fn hex(&self) -> &str {
        &self.0["sha256:".len()..]
    }
}

impl std::fmt::Display for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One layer of a written image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    /// The digest of the gzip-compressed layer, the blob a registry stores.
    pub digest: Digest,
    /// The size of the compressed layer in bytes.
    pub size: u64,
    /// The digest of the uncompressed tar, the configuration's `rootfs.diff_ids` entry.
    pub diff_id: Digest,
    /// The logical store paths in the layer, sorted; empty for the customisation layer.
    pub store_paths: Vec<String>,
}

/// What identifies a written image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    /// `name:tag`.
    pub repo_tag: String,
    /// The digest of the configuration JSON: the image ID `docker load` reports.
    pub config_digest: Digest,
    /// The digest of the OCI manifest, the image digest in an OCI layout or a registry that
    /// stores it as written.
    pub manifest_digest: Digest,
    /// The layers, bottom first; the customisation layer, if any, is the last.
    pub layers: Vec<LayerInfo>,
}

/// The closure of `roots` in `store` as [`StorePathEntry`]s, sorted by logical path, with the
/// references the store's database records.
pub fn closure_entries(store: &LocalStore, roots: &[StorePath]) -> Result<Vec<StorePathEntry>> {
    let dir = store.store_dir();
    let mut entries = Vec::new();
    for path in store.closure(roots)? {
        let info = store
            .path_info(&path)?
            .ok_or_else(|| StoreError::NotValid(dir.print(&path)))?;
        entries.push(StorePathEntry {
            logical: dir.print(&path),
            physical: store.physical(&path),
            references: info.references.iter().map(|r| dir.print(r)).collect(),
        });
    }
    entries.sort_by(|a, b| a.logical.cmp(&b.logical));
    Ok(entries)
}

/// Splits a logical store path into its store directory and base name:
/// `/nix/store/abc-x` is (`/nix/store`, `abc-x`).
pub(crate) fn split_store_path(logical: &str) -> Result<(&str, &str)> {
    let bad = || ImageError::BadStorePath(logical.to_owned());
    let (dir, base) = logical.rsplit_once('/').ok_or_else(bad)?;
    if !dir.starts_with('/')
        || dir.len() < 2
        || dir.ends_with('/')
        || dir
            .split('/')
            .skip(1)
            .any(|c| c.is_empty() || c == "." || c == "..")
        || base.is_empty()
        || base == "."
        || base == ".."
    {
        return Err(bad());
    }
    Ok((dir, base))
}

/// `path` for messages.
pub(crate) fn read_error(path: &Path) -> impl FnOnce(io::Error) -> ImageError + '_ {
    move |source| ImageError::Read {
        path: path.to_owned(),
        source,
    }
}
