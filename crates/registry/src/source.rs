//! What is pushed: an image's configuration, layers and manifest, from where the build left
//! them, read without being written anywhere else.
//!
//! - A docker-archive (`dockerTools.buildLayeredImage`, `buildImage`): the tar's
//!   `manifest.json` names the configuration and the layers; cairn writes each layer as its
//!   compressed blob named `<hex digest>.tar.gz`, so a layer is a range of the tar, sent as it
//!   is, and its digest is its name. A layer named otherwise is hashed (it must be gzip).
//! - An OCI image layout (`format = "oci"`): `index.json`, then the manifest and its blobs
//!   under `blobs/sha256/`; the manifest is pushed as it is, byte for byte.
//! - An [`Image`] (`dockerTools.streamLayeredImage`'s description, built by the caller): its
//!   layers were compressed once, into temporary files, and are read from there.
//!
//! The manifest of the first and last is the OCI manifest [`cairn_image::oci_manifest`] writes,
//! the same bytes as the OCI layout of the same image. [`ImageSource::docker_manifest`] gives the
//! Docker schema 2 manifest of the same blobs, for registries that take no OCI manifest.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use cairn_image::{Digest, FileRange, Image, OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST};
use cairn_store::{HashAlgo, Hasher};

use crate::RegistryError;

/// The media type of a Docker schema 2 manifest.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER_GZIP: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// What a blob is to the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    Layer,
    Config,
}

impl BlobKind {
    pub fn name(self) -> &'static str {
        match self {
            BlobKind::Layer => "layer",
            BlobKind::Config => "config",
        }
    }
}

/// One blob of the image: what it is, its digest, size and media type, and where its bytes
/// are.
#[derive(Debug, Clone)]
pub struct Blob {
    pub kind: BlobKind,
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
    data: Data,
}

#[derive(Debug, Clone)]
enum Data {
    Memory(Vec<u8>),
    /// `size` bytes from `offset` of a file.
    File {
        path: PathBuf,
        offset: u64,
    },
    /// Layer `index` of the source's [`Image`].
    ImageLayer(usize),
}

/// An image ready to push: its blobs and its manifest.
#[derive(Debug)]
pub struct ImageSource {
    config: Blob,
    layers: Vec<Blob>,
    manifest: Vec<u8>,
    manifest_type: String,
    image: Option<Image>,
    origin: String,
}

impl ImageSource {
    /// The image at `path`: a docker-archive file or an OCI layout folder.
    pub fn open(path: &Path) -> Result<ImageSource, RegistryError> {
        let meta = std::fs::metadata(path).map_err(source_error(path))?;
        if meta.is_dir() {
            if path.join("oci-layout").is_file() {
                return open_oci_layout(path);
            }
            return Err(not_an_image(
                path,
                "it is a folder without an `oci-layout` file",
            ));
        }
        open_docker_archive(path)
    }

    /// The image `image`, whose layers are read from its temporary files.
    pub fn from_image(image: Image) -> ImageSource {
        let info = image.info();
        let config = Blob {
            kind: BlobKind::Config,
            digest: info.config_digest.clone(),
            size: image.config_json().len() as u64,
            media_type: OCI_CONFIG.to_owned(),
            data: Data::Memory(image.config_json().to_vec()),
        };
        let layers = info
            .layers
            .iter()
            .enumerate()
            .map(|(i, l)| Blob {
                kind: BlobKind::Layer,
                digest: l.digest.clone(),
                size: l.size,
                media_type: OCI_LAYER_GZIP.to_owned(),
                data: Data::ImageLayer(i),
            })
            .collect();
        ImageSource {
            config,
            layers,
            manifest: image.manifest_json().to_vec(),
            manifest_type: OCI_MANIFEST.to_owned(),
            origin: format!("the image {}", info.repo_tag),
            image: Some(image),
        }
    }

    /// The configuration blob.
    pub fn config(&self) -> &Blob {
        &self.config
    }

    /// The layers, bottom first (a layer may appear twice).
    pub fn layers(&self) -> &[Blob] {
        &self.layers
    }

    /// The manifest as it is pushed first, and its media type.
    pub fn manifest(&self) -> (&[u8], &str) {
        (&self.manifest, &self.manifest_type)
    }

    /// A Docker schema 2 manifest of the same blobs, for a registry that refuses the OCI
    /// manifest; `None` when a blob has no Docker media type (a layer not gzip-compressed).
    pub fn docker_manifest(&self) -> Option<Vec<u8>> {
        if self.manifest_type == DOCKER_MANIFEST {
            return Some(self.manifest.clone());
        }
        let descriptor = |media_type: &str, blob: &Blob| {
            serde_json::json!({
                "mediaType": media_type,
                "size": blob.size,
                "digest": blob.digest.as_str(),
            })
        };
        let mut layers = Vec::new();
        for layer in &self.layers {
            if layer.media_type != OCI_LAYER_GZIP && layer.media_type != DOCKER_LAYER_GZIP {
                return None;
            }
            layers.push(descriptor(DOCKER_LAYER_GZIP, layer));
        }
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": DOCKER_MANIFEST,
            "config": descriptor(DOCKER_CONFIG, &self.config),
            "layers": layers,
        });
        Some(serde_json::to_vec(&manifest).expect("a manifest serialises"))
    }

    /// A reader of `blob`'s bytes from `from` on; several may read at once.
    pub fn open_blob_from<'a>(
        &'a self,
        blob: &'a Blob,
        from: u64,
    ) -> io::Result<Box<dyn Read + 'a>> {
        let from = from.min(blob.size);
        match &blob.data {
            Data::Memory(bytes) => Ok(Box::new(&bytes[from as usize..])),
            Data::File { path, offset } => Ok(Box::new(
                FileRange::new(File::open(path)?, *offset, offset + blob.size).skip(from),
            )),
            Data::ImageLayer(i) => {
                let image = self.image.as_ref().ok_or_else(|| {
                    io::Error::other("the layer's image is not there (a bug in cairn)")
                })?;
                let reader = image
                    .layer_blob(*i)
                    .ok_or_else(|| io::Error::other(format!("the image has no layer {i}")))?;
                Ok(Box::new(reader.skip(from)))
            }
        }
    }

    /// Where the image comes from, for messages.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

fn source_error(path: &Path) -> impl Fn(io::Error) -> RegistryError + '_ {
    move |e| RegistryError::Source {
        path: path.to_owned(),
        reason: e.to_string(),
    }
}

fn not_an_image(path: &Path, reason: &str) -> RegistryError {
    RegistryError::Source {
        path: path.to_owned(),
        reason: format!(
            "it is not an image ({reason}); give a docker-archive, an OCI layout or an image \
             description (`dockerTools.buildLayeredImage`, `buildImage`, `streamLayeredImage`)"
        ),
    }
}

fn digest_of(bytes: &[u8]) -> Digest {
    Digest::of(bytes)
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ArchiveManifest {
    config: String,
    layers: Vec<String>,
}

fn open_docker_archive(path: &Path) -> Result<ImageSource, RegistryError> {
    let file = File::open(path).map_err(source_error(path))?;
    let mut archive = tar::Archive::new(io::BufReader::new(file));
    // Every regular file: its offset and size; the small JSON files' bytes.
    let mut entries: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    let mut json_files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let not_tar = |e: io::Error| not_an_image(path, &format!("it is not a tar archive: {e}"));
    for entry in archive.entries().map_err(not_tar)? {
        let mut entry = entry.map_err(not_tar)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map_err(not_tar)?
            .to_string_lossy()
            .into_owned();
        let name = name.trim_start_matches("./").to_owned();
        let size = entry.size();
        entries.insert(name.clone(), (entry.raw_file_position(), size));
        if name.ends_with(".json") && size <= 16 << 20 {
            let mut bytes = Vec::with_capacity(size as usize);
            entry.read_to_end(&mut bytes).map_err(source_error(path))?;
            json_files.insert(name, bytes);
        }
    }
    let manifest = json_files
        .get("manifest.json")
        .ok_or_else(|| not_an_image(path, "it has no `manifest.json`"))?;
    let manifests: Vec<ArchiveManifest> = serde_json::from_slice(manifest)
        .map_err(|e| not_an_image(path, &format!("its `manifest.json` cannot be read: {e}")))?;
    let [manifest] = &manifests[..] else {
        return Err(not_an_image(
            path,
            &format!(
                "its `manifest.json` has {} images, and one is pushed at a time",
                manifests.len()
            ),
        ));
    };
    let config_bytes = json_files.get(&manifest.config).ok_or_else(|| {
        not_an_image(
            path,
            &format!("it has no configuration `{}`", manifest.config),
        )
    })?;
    let config = Blob {
        kind: BlobKind::Config,
        digest: digest_of(config_bytes),
        size: config_bytes.len() as u64,
        media_type: OCI_CONFIG.to_owned(),
        data: Data::Memory(config_bytes.clone()),
    };
    let mut layers = Vec::new();
    for name in &manifest.layers {
        let &(offset, size) = entries
            .get(name.trim_start_matches("./"))
            .ok_or_else(|| not_an_image(path, &format!("it has no layer `{name}`")))?;
        let named = name
            .strip_suffix(".tar.gz")
            .and_then(|hex| Digest::parse(&format!("sha256:{hex}")));
        let digest = match named {
            Some(digest) => digest,
            None => hash_gzip_range(path, offset, size, name)?,
        };
        layers.push(Blob {
            kind: BlobKind::Layer,
            digest,
            size,
            media_type: OCI_LAYER_GZIP.to_owned(),
            data: Data::File {
                path: path.to_owned(),
                offset,
            },
        });
    }
    let layer_refs: Vec<(&Digest, u64)> = layers.iter().map(|l| (&l.digest, l.size)).collect();
    let manifest = cairn_image::oci_manifest((&config.digest, config.size), &layer_refs);
    Ok(ImageSource {
        config,
        layers,
        manifest,
        manifest_type: OCI_MANIFEST.to_owned(),
        image: None,
        origin: path.display().to_string(),
    })
}

/// The digest of a layer of an archive whose name does not give it; the layer must be
/// gzip-compressed, as registries store layers.
fn hash_gzip_range(
    path: &Path,
    offset: u64,
    size: u64,
    name: &str,
) -> Result<Digest, RegistryError> {
    let mut reader = FileRange::new(
        File::open(path).map_err(source_error(path))?,
        offset,
        offset + size,
    );
    let mut hasher = Hasher::new(HashAlgo::Sha256);
    let mut buf = vec![0u8; 1 << 16];
    let mut first = true;
    loop {
        let n = reader.read(&mut buf).map_err(source_error(path))?;
        if n == 0 {
            break;
        }
        if first && (n < 2 || buf[..2] != [0x1f, 0x8b]) {
            return Err(not_an_image(
                path,
                &format!("its layer `{name}` is not gzip-compressed"),
            ));
        }
        first = false;
        hasher.update(&buf[..n]);
    }
    Ok(Digest::parse(&format!("sha256:{}", hasher.finish().to_base16())).expect("a sha256"))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    media_type: String,
    digest: String,
    size: u64,
}

#[derive(serde::Deserialize)]
struct Index {
    manifests: Vec<Descriptor>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    media_type: Option<String>,
    config: Descriptor,
    layers: Vec<Descriptor>,
}

fn open_oci_layout(dir: &Path) -> Result<ImageSource, RegistryError> {
    let bad = |reason: String| not_an_image(dir, &reason);
    let index_path = dir.join("index.json");
    let index_bytes = std::fs::read(&index_path).map_err(source_error(&index_path))?;
    let index: Index = serde_json::from_slice(&index_bytes)
        .map_err(|e| bad(format!("its `index.json` cannot be read: {e}")))?;
    let [descriptor] = &index.manifests[..] else {
        return Err(bad(format!(
            "its `index.json` lists {} manifests, and one image is pushed at a time",
            index.manifests.len()
        )));
    };
    if descriptor.media_type != OCI_MANIFEST && descriptor.media_type != DOCKER_MANIFEST {
        return Err(bad(format!(
            "its manifest is a `{}`, not an image manifest",
            descriptor.media_type
        )));
    }
    let blob_path = |digest: &str| -> Result<(Digest, PathBuf), RegistryError> {
        let parsed = Digest::parse(digest)
            .ok_or_else(|| bad(format!("`{digest}` is not a sha256 digest")))?;
        let path = dir.join("blobs/sha256").join(parsed.hex());
        Ok((parsed, path))
    };
    let (manifest_digest, manifest_path) = blob_path(&descriptor.digest)?;
    let manifest_bytes = std::fs::read(&manifest_path).map_err(source_error(&manifest_path))?;
    if digest_of(&manifest_bytes) != manifest_digest {
        return Err(bad(format!(
            "its manifest `{}` does not have that digest",
            manifest_path.display()
        )));
    }
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| bad(format!("its manifest cannot be read: {e}")))?;
    let blob = |kind: BlobKind, d: &Descriptor| -> Result<Blob, RegistryError> {
        let (digest, path) = blob_path(&d.digest)?;
        let size = std::fs::metadata(&path).map_err(source_error(&path))?.len();
        if size != d.size {
            return Err(bad(format!(
                "the blob `{}` has {size} bytes, and its manifest says {}",
                path.display(),
                d.size
            )));
        }
        Ok(Blob {
            kind,
            digest,
            size,
            media_type: d.media_type.clone(),
            data: Data::File { path, offset: 0 },
        })
    };
    let config = blob(BlobKind::Config, &manifest.config)?;
    let layers = manifest
        .layers
        .iter()
        .map(|d| blob(BlobKind::Layer, d))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ImageSource {
        config,
        layers,
        manifest_type: manifest
            .media_type
            .unwrap_or_else(|| descriptor.media_type.clone()),
        manifest: manifest_bytes,
        image: None,
        origin: dir.display().to_string(),
    })
}
