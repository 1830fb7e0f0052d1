//! The builders of `dockerTools` (`stdlib/pkgs/docker-tools.nix`), written in Rust with
//! `cairn-image` instead of shell scripts:
//!
//! - `builtin:streamLayeredImage` writes an image description ([`ImageDescription`], JSON):
//!   the layer plan of the closure, and the customisation tree;
//! - `builtin:writeImage` writes the image of a description, as a docker-archive or an OCI
//!   image layout.
//!
//! The attributes of `builtin:streamLayeredImage` (strings, as every attribute of a derivation):
//!
//! - `imageName`, `imageTag` (empty: the hash part of the output path, so that an image
//!   streamed from the description and one written from it have the same tag);
//! - `contents`: store paths, separated by spaces, whose trees are merged into the image's
//!   root as symbolic links (files) and folders, in the customisation layer;
//! - `customisationLayer` (optional): the output of the `extraCommands` build, a folder `root`
//!   whose tree is copied over the contents, and a file `modes` with the permission bits its
//!   entries had before the store made them read-only (lines `MODE ./PATH`, as
//!   `stat -c '%a %n'` prints them);
//! - `config`: the image configuration as JSON, Docker's names (see [`ImageConfig::from_json`]);
//!   `SSL_CERT_FILE` is added to `Env` when some contents have `etc/ssl/certs/ca-bundle.crt`;
//! - `created` (default `1970-01-01T00:00:01Z`), `maxLayers` (default 100), `architecture`
//!   (default `amd64`);
//! - `singleLayer`: `1` to put the closure and the customisation in one layer (`buildImage`).
//!
//! The image holds the closure of the derivation's inputs but the customisation layer's (its
//! files are copied; what they refer to is in the closure): the contents and every store path
//! the configuration names (their string contexts made them inputs).
//!
//! The attributes of `builtin:writeImage`: `description`, the store path of a description, and
//! `format`, `docker-archive` (the default) or `oci`.

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use cairn_image::{
    DescribedLayer, ImageConfig, ImageDescription, ImageSpec, Tree, closure_entries, plan_layers,
};
use cairn_store::{Derivation, LocalStore, StorePath};

/// Where a file of a certificate bundle is looked for in the contents, and what `SSL_CERT_FILE`
/// is set to when one is found.
const CA_BUNDLE: &str = "etc/ssl/certs/ca-bundle.crt";

/// The formats `builtin:writeImage` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// A `docker load` archive: one file.
    DockerArchive,
    /// An OCI image layout: a folder.
    Oci,
}

impl ImageFormat {
    /// The format named `docker-archive` or `oci`.
    pub fn parse(name: &str) -> Result<ImageFormat, String> {
        match name {
            "" | "docker-archive" => Ok(ImageFormat::DockerArchive),
            "oci" => Ok(ImageFormat::Oci),
            other => Err(format!(
                "the image format '{other}' is not known (known: 'docker-archive', 'oci')"
            )),
        }
    }
}

/// `builtin:streamLayeredImage`: writes the description of the image to `dest`.
pub(crate) fn describe_image(
    store: &LocalStore,
    drv: &Derivation,
    out: &StorePath,
    direct: &[StorePath],
    dest: &Path,
) -> Result<(), String> {
    let attr = |name: &str| drv.env.get(name).map(String::as_str).unwrap_or("");
    let tag = match attr("imageTag") {
        "" => out.hash_part().to_string(),
        t => t.to_string(),
    };
    let mut spec = ImageSpec::new(attr("imageName"), tag);
    if !attr("created").is_empty() {
        spec.created = attr("created").to_string();
    }
    if !attr("architecture").is_empty() {
        spec.architecture = attr("architecture").to_string();
    }
    if !attr("maxLayers").is_empty() {
        spec.max_layers = attr("maxLayers")
            .parse()
            .map_err(|_| format!("maxLayers '{}' is not a number", attr("maxLayers")))?;
    }
    if !attr("config").trim().is_empty() {
        let config: serde_json::Value = serde_json::from_str(attr("config"))
            .map_err(|e| format!("the image config is not JSON: {e}"))?;
        spec.config = ImageConfig::from_json(&config).map_err(|e| e.to_string())?;
    }
    let contents = store_paths(store, attr("contents"))?;
    let extra = match attr("customisationLayer") {
        "" => None,
        p => Some(store.store_dir().parse(p).map_err(|e| e.to_string())?),
    };

    // The customisation: the contents linked, the `extraCommands` tree copied over them.
    let mut tree = Tree::new();
    for p in &contents {
        let logical = store.store_dir().print(p);
        tree.link_contents(&logical, &store.physical(p))
            .map_err(|e| format!("cannot link the contents: {e}"))?;
        if fs::symlink_metadata(store.physical(p).join(CA_BUNDLE)).is_ok() {
            spec.config
                .set_env_default("SSL_CERT_FILE", &format!("/{CA_BUNDLE}"));
        }
    }
    // The image's store paths are the closure of the inputs; the customisation layer's own
    // files are copied, so it is not in the image, but what they refer to is.
    let mut roots: Vec<StorePath> = direct
        .iter()
        .filter(|p| Some(*p) != extra.as_ref())
        .cloned()
        .collect();
    if let Some(extra) = &extra {
        let logical = store.store_dir().print(extra);
        let physical = store.physical(extra);
        let modes = read_modes(&physical.join("modes"))?;
        tree.overlay(
            &Path::new(&logical).join("root"),
            &physical.join("root"),
            &|p| modes.get(p).copied(),
        )
        .map_err(|e| format!("cannot copy the customisation layer: {e}"))?;
        let info = store
            .path_info(extra)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("'{logical}' is not valid"))?;
        roots.extend(info.references.into_iter().filter(|r| r != extra));
    }

    let closure = closure_entries(store, &roots).map_err(|e| e.to_string())?;
    let layers = if attr("singleLayer") == "1" {
        vec![DescribedLayer {
            store_paths: closure.iter().map(|e| e.logical.clone()).collect(),
            tree,
        }]
    } else {
        // The inputs are the roots of the layering: the application and its contents get
        // layers of their own.
        let root_names: Vec<String> = roots.iter().map(|p| store.store_dir().print(p)).collect();
        let mut layers: Vec<DescribedLayer> = plan_layers(&closure, &root_names, spec.max_layers)
            .into_iter()
            .map(|store_paths| DescribedLayer {
                store_paths,
                tree: Tree::new(),
            })
            .collect();
        layers.push(DescribedLayer {
            store_paths: Vec::new(),
            tree,
        });
        layers
    };
    let description = ImageDescription { spec, layers };
    let json = description.to_json().map_err(|e| e.to_string())?;
    fs::write(dest, json).map_err(|e| format!("cannot write the image description: {e}"))
}

/// `builtin:writeImage`: writes the image of the description named by the attribute
/// `description` to `dest`, in the format of the attribute `format`.
pub(crate) fn write_image(store: &LocalStore, drv: &Derivation, dest: &Path) -> Result<(), String> {
    let attr = |name: &str| drv.env.get(name).map(String::as_str).unwrap_or("");
    let format = ImageFormat::parse(attr("format"))?;
    let description = store
        .store_dir()
        .parse(attr("description"))
        .map_err(|e| format!("the attribute 'description': {e}"))?;
    read_description(&store.physical(&description))
        .and_then(|d| write_described_image(store, &d, format, dest))
        .map_err(|e| e.to_string())
}

/// What went wrong writing the image of a description.
#[derive(Debug, thiserror::Error)]
pub enum WriteImageError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{}` is not an image description: {reason}", path.display())]
    NotADescription { path: PathBuf, reason: String },
    #[error("cannot create `{}`: {source}", path.display())]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Image(#[from] cairn_image::ImageError),
}

/// Reads the image description at `path`.
pub fn read_description(path: &Path) -> Result<ImageDescription, WriteImageError> {
    let read_error = |source| WriteImageError::Read {
        path: path.to_owned(),
        source,
    };
    // A description is a JSON object; anything else (such as an image) is not read whole.
    let mut file = fs::File::open(path).map_err(read_error)?;
    let mut first = [0u8; 1];
    let n = file.read(&mut first).map_err(read_error)?;
    if n == 0 || first[0] != b'{' {
        return Err(WriteImageError::NotADescription {
            path: path.to_owned(),
            reason: "it is not a JSON object".to_owned(),
        });
    }
    let mut bytes = first.to_vec();
    file.read_to_end(&mut bytes).map_err(read_error)?;
    ImageDescription::from_json(&bytes).map_err(|e| WriteImageError::NotADescription {
        path: path.to_owned(),
        reason: match e {
            cairn_image::ImageError::Description(reason) => reason,
            other => other.to_string(),
        },
    })
}

/// Writes the image of `description` (whose store paths are in `store`) to `dest`: a file for
/// a docker-archive, a folder (which must not exist or be empty) for an OCI layout.
pub fn write_described_image(
    store: &LocalStore,
    description: &ImageDescription,
    format: ImageFormat,
    dest: &Path,
) -> Result<(), WriteImageError> {
    let image = description.image(store)?;
    match format {
        ImageFormat::DockerArchive => {
            let create = |source| WriteImageError::Create {
                path: dest.to_owned(),
                source,
            };
            let file = fs::File::create(dest).map_err(create)?;
            let mut writer = std::io::BufWriter::new(file);
            image.write_docker_archive(&mut writer)?;
            std::io::Write::flush(&mut writer).map_err(create)?;
        }
        ImageFormat::Oci => image.write_oci_layout(dest)?,
    }
    Ok(())
}

fn store_paths(store: &LocalStore, text: &str) -> Result<Vec<StorePath>, String> {
    text.split_whitespace()
        .map(|p| store.store_dir().parse(p).map_err(|e| e.to_string()))
        .collect()
}

/// The `modes` file of a customisation layer: lines `MODE ./PATH` (octal permission bits, as
/// `stat -c '%a %n'` prints them), keyed by the path without `./`.
fn read_modes(path: &Path) -> Result<BTreeMap<PathBuf, u32>, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("cannot read the modes of the customisation layer: {e}"))?;
    let mut modes = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        let parsed = line.split_once(' ').and_then(|(mode, name)| {
            let mode = u32::from_str_radix(mode, 8).ok().filter(|m| *m <= 0o7777)?;
            let name = if name == "." {
                ""
            } else {
                name.strip_prefix("./")?
            };
            Some((PathBuf::from(name), mode))
        });
        match parsed {
            Some((name, mode)) => modes.insert(name, mode),
            None => {
                return Err(format!(
                    "cannot read the modes of the customisation layer: line {} is not \
                     'MODE ./PATH': '{line}'",
                    n + 1
                ));
            }
        };
    }
    Ok(modes)
}
