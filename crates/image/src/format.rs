//! An image's blobs and how they are laid out: [`Image`] builds the layers (in parallel) and the
//! configuration once, then writes them as a docker-archive (what `docker load` and
//! `skopeo copy docker-archive:` read) or as an OCI image layout directory.
//!
//! A docker-archive here is an uncompressed tar of, in this order, the compressed layers named
//! `<blob hex>.tar.gz`, the configuration `<config hex>.json` and `manifest.json`
//! (`[{"Config", "RepoTags", "Layers"}]`), every entry with mode 0444, mtime
//! [`crate::LAYER_MTIME`] and owner 0. An OCI layout is `oci-layout`, `index.json` (one
//! manifest, tagged with `org.opencontainers.image.ref.name`) and `blobs/sha256/<hex>` for the
//! layers, the configuration and the manifest.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;

use serde::Serialize;

use crate::config::{config_digest, config_json};
use crate::layer::{BuiltLayer, build_layer, header};
use crate::{Digest, ImageError, ImageInfo, ImageSpec, LayerInfo, Result, StorePathEntry, Tree};

/// The media type of an OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// The media type of an OCI image index (`index.json` of a layout).
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// The media type of an OCI image configuration.
pub const OCI_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
/// The media type of a gzip-compressed layer in an OCI manifest.
pub const OCI_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";

/// An image whose layers are built (compressed, in temporary files) and whose configuration and
/// manifest are known; write it in either format, as often as needed.
#[derive(Debug)]
pub struct Image {
    tag: String,
    layers: Vec<BuiltLayer>,
    config: Vec<u8>,
    manifest: Vec<u8>,
    info: ImageInfo,
}

impl Image {
    /// Builds the image `spec` whose store layers are `layers` (bottom first, logical paths,
    /// e.g. from [`crate::plan_layers`]), each path looked up in `closure` for its files, and
    /// whose last layer is the tree `customisation`, if given, put at `/`. Every path of
    /// `closure` must be in exactly one layer. Layers are built in parallel, one thread per core.
    pub fn build(
        spec: &ImageSpec,
        closure: &[StorePathEntry],
        layers: &[Vec<String>],
        customisation: Option<&Path>,
    ) -> Result<Image> {
        let mut trees = store_layers(closure, layers)?;
        if let Some(dir) = customisation {
            trees.push(Tree::from_dir(dir)?);
        }
        Image::from_layers(spec, &trees)
    }

    /// Builds the image `spec` whose layers, bottom first, are `layers`, in parallel, one
    /// thread per core. Nothing checks here that the store paths are a closure.
    pub fn from_layers(spec: &ImageSpec, layers: &[Tree]) -> Result<Image> {
        let built = build_all(layers)?;
        let mut infos = Vec::with_capacity(built.len());
        for (layer, tree) in built.iter().zip(layers) {
            let mut store_paths = tree.store_paths().to_vec();
            store_paths.sort();
            infos.push(LayerInfo {
                digest: layer.digest.clone(),
                size: layer.size,
                diff_id: layer.diff_id.clone(),
                store_paths,
            });
        }
        let config = config_json(spec, &infos);
        let config_digest = config_digest(&config);
        let manifest = oci_manifest(
            (&config_digest, config.len() as u64),
            &infos
                .iter()
                .map(|l| (&l.digest, l.size))
                .collect::<Vec<_>>(),
        );
        let info = ImageInfo {
            repo_tag: spec.repo_tag(),
            config_digest,
            manifest_digest: Digest::of(&manifest),
            layers: infos,
        };
        Ok(Image {
            tag: spec.tag.clone(),
            layers: built,
            config,
            manifest,
            info,
        })
    }

    /// The digests and sizes of the image.
    pub fn info(&self) -> &ImageInfo {
        &self.info
    }

    /// The configuration JSON.
    pub fn config_json(&self) -> &[u8] {
        &self.config
    }

    /// The OCI manifest JSON, whose digest is [`ImageInfo::manifest_digest`].
    pub fn manifest_json(&self) -> &[u8] {
        &self.manifest
    }

    /// The compressed blob of layer `index` (bottom first), from its first byte; readers of
    /// different layers, or of the same layer, may run at once on several threads.
    pub fn layer_blob(&self, index: usize) -> Option<LayerBlob<'_>> {
        let layer = self.layers.get(index)?;
        Some(FileRange::new(&layer.blob, 0, layer.size))
    }

    /// Writes the image as a docker-archive to `out`.
    pub fn write_docker_archive(&self, out: impl Write) -> Result<()> {
        let mut tar = tar::Builder::new(out);
        let mut written = BTreeSet::new();
        let mut layer_names = Vec::new();
        for (layer, info) in self.layers.iter().zip(&self.info.layers) {
            let name = format!("{}.tar.gz", info.digest.hex());
            if written.insert(name.clone()) {
                let mut blob = &layer.blob;
                blob.seek(SeekFrom::Start(0)).map_err(ImageError::Output)?;
                append_file(&mut tar, &name, layer.size, blob)?;
            }
            layer_names.push(name);
        }
        let config_name = format!("{}.json", self.info.config_digest.hex());
        append_file(
            &mut tar,
            &config_name,
            self.config.len() as u64,
            &self.config[..],
        )?;
        let manifest = serde_json::to_vec(&[DockerManifest {
            config: &config_name,
            repo_tags: vec![&self.info.repo_tag],
            layers: layer_names.iter().map(String::as_str).collect(),
        }])
        .expect("the manifest serialises");
        append_file(
            &mut tar,
            "manifest.json",
            manifest.len() as u64,
            &manifest[..],
        )?;
        tar.into_inner()
            .and_then(|mut out| out.flush())
            .map_err(ImageError::Output)
    }

    /// Writes the image as an OCI image layout into `dir`, which must not exist or be empty; the
    /// manifest is tagged with the spec's tag (`oci:DIR:TAG` for skopeo, `DIR:TAG` for umoci).
    pub fn write_oci_layout(&self, dir: &Path) -> Result<()> {
        let write_error = |path: &Path| {
            let path = path.to_owned();
            move |source| ImageError::Write { path, source }
        };
        if let Ok(mut entries) = fs::read_dir(dir)
            && entries.next().is_some()
        {
            return Err(ImageError::NotEmpty {
                path: dir.to_owned(),
            });
        }
        let blobs = dir.join("blobs").join("sha256");
        fs::create_dir_all(&blobs).map_err(write_error(&blobs))?;
        let write = |path: &Path, bytes: &[u8]| fs::write(path, bytes).map_err(write_error(path));
        write(
            &dir.join("oci-layout"),
            br#"{"imageLayoutVersion":"1.0.0"}"#,
        )?;
        for (layer, info) in self.layers.iter().zip(&self.info.layers) {
            let path = blobs.join(info.digest.hex());
            let mut blob = &layer.blob;
            blob.seek(SeekFrom::Start(0)).map_err(ImageError::Output)?;
            let file = File::create(&path).map_err(write_error(&path))?;
            let mut out = BufWriter::new(file);
            io::copy(&mut blob, &mut out)
                .and_then(|_| out.flush())
                .map_err(write_error(&path))?;
        }
        write(&blobs.join(self.info.config_digest.hex()), &self.config)?;
        write(&blobs.join(self.info.manifest_digest.hex()), &self.manifest)?;
        let annotations = BTreeMap::from([
            ("io.containerd.image.name", self.info.repo_tag.as_str()),
            ("org.opencontainers.image.ref.name", self.tag.as_str()),
        ]);
        let index = serde_json::to_vec(&OciIndex {
            schema_version: 2,
            media_type: OCI_INDEX,
            manifests: vec![Descriptor {
                media_type: OCI_MANIFEST,
                digest: self.info.manifest_digest.as_str(),
                size: self.manifest.len() as u64,
                annotations: Some(annotations),
            }],
        })
        .expect("the index serialises");
        write(&dir.join("index.json"), &index)
    }
}

/// A reader of the bytes `offset..end` of a file (owned, or borrowed as `&File`). It reads at
/// its own position (`pread`), so several may read the same file at once.
#[derive(Debug)]
pub struct FileRange<F> {
    file: F,
    offset: u64,
    end: u64,
}

/// A reader of one compressed layer of an [`Image`].
pub type LayerBlob<'a> = FileRange<&'a File>;

impl<F: std::borrow::Borrow<File>> FileRange<F> {
    /// The bytes `offset..end` of `file`.
    pub fn new(file: F, offset: u64, end: u64) -> FileRange<F> {
        FileRange {
            file,
            offset: offset.min(end),
            end,
        }
    }

    /// The same range without its first `n` bytes.
    pub fn skip(mut self, n: u64) -> FileRange<F> {
        self.offset = self.offset.saturating_add(n).min(self.end);
        self
    }
}

impl<F: std::borrow::Borrow<File>> io::Read for FileRange<F> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        use std::os::unix::fs::FileExt;
        let left = self.end - self.offset;
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.borrow().read_at(&mut buf[..want], self.offset)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file is shorter than the range read from it",
            ));
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// The OCI manifest of an image whose configuration and gzip-compressed layers (bottom first)
/// have the given digests and sizes: the bytes [`Image`] writes into an OCI layout, compact,
/// so the same blobs always give the same manifest digest.
pub fn oci_manifest(config: (&Digest, u64), layers: &[(&Digest, u64)]) -> Vec<u8> {
    serde_json::to_vec(&OciManifest {
        schema_version: 2,
        media_type: OCI_MANIFEST,
        config: Descriptor {
            media_type: OCI_CONFIG,
            digest: config.0.as_str(),
            size: config.1,
            annotations: None,
        },
        layers: layers
            .iter()
            .map(|(digest, size)| Descriptor {
                media_type: OCI_LAYER_GZIP,
                digest: digest.as_str(),
                size: *size,
                annotations: None,
            })
            .collect(),
    })
    .expect("the manifest serialises")
}

/// Builds the image (see [`Image::build`]) and writes it as a docker-archive to `out`.
pub fn write_docker_archive(
    spec: &ImageSpec,
    closure: &[StorePathEntry],
    layers: &[Vec<String>],
    customisation: Option<&Path>,
    out: impl Write,
) -> Result<ImageInfo> {
    let image = Image::build(spec, closure, layers, customisation)?;
    image.write_docker_archive(out)?;
    Ok(image.info)
}

/// Builds the image (see [`Image::build`]) and writes it as an OCI image layout into `dir`,
/// tagged with `spec.tag`.
pub fn write_oci_layout(
    spec: &ImageSpec,
    closure: &[StorePathEntry],
    layers: &[Vec<String>],
    customisation: Option<&Path>,
    dir: &Path,
) -> Result<ImageInfo> {
    let image = Image::build(spec, closure, layers, customisation)?;
    image.write_oci_layout(dir)?;
    Ok(image.info)
}

/// Checks that `layers` partition `closure` and gives the tree of each layer.
fn store_layers(closure: &[StorePathEntry], layers: &[Vec<String>]) -> Result<Vec<Tree>> {
    let by_logical: BTreeMap<&str, &StorePathEntry> =
        closure.iter().map(|e| (e.logical.as_str(), e)).collect();
    let mut placed = BTreeSet::new();
    let mut trees = Vec::with_capacity(layers.len() + 1);
    for layer in layers {
        let mut tree = Tree::new();
        for logical in layer {
            let entry = by_logical
                .get(logical.as_str())
                .ok_or_else(|| ImageError::NotInClosure(logical.clone()))?;
            if !placed.insert(logical.as_str()) {
                return Err(ImageError::InTwoLayers(logical.clone()));
            }
            tree.add_store_path(logical, &entry.physical)?;
        }
        trees.push(tree);
    }
    if let Some(missing) = by_logical.keys().find(|p| !placed.contains(*p)) {
        return Err(ImageError::InNoLayer((*missing).to_owned()));
    }
    Ok(trees)
}

/// Builds every layer, as many at a time as there are cores; the first error (in layer order)
/// wins.
fn build_all(trees: &[Tree]) -> Result<Vec<BuiltLayer>> {
    let workers = thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(trees.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let mut results: Vec<(usize, Result<BuiltLayer>)> = thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    while !failed.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(tree) = trees.get(i) else { break };
                        let result = build_layer(tree);
                        if result.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        done.push((i, result));
                    }
                    done
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a layer thread panicked"))
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

fn append_file<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &str,
    size: u64,
    contents: impl io::Read,
) -> Result<()> {
    let mut header = header(tar::EntryType::Regular, 0o444, size);
    tar.append_data(&mut header, name, contents)
        .map_err(ImageError::Output)
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifest<'a> {
    config: &'a str,
    repo_tags: Vec<&'a str>,
    layers: Vec<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OciManifest<'a> {
    schema_version: u32,
    media_type: &'a str,
    config: Descriptor<'a>,
    layers: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OciIndex<'a> {
    schema_version: u32,
    media_type: &'a str,
    manifests: Vec<Descriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor<'a> {
    media_type: &'a str,
    digest: &'a str,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<BTreeMap<&'a str, &'a str>>,
}
