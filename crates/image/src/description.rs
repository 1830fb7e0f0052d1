//! An image described by store paths, without its bytes: [`ImageDescription`], the JSON file
//! that `dockerTools.streamLayeredImage` builds and from which the image is written on demand
//! (`cairn image stream`) or once into the store (`dockerTools.buildLayeredImage`).
//!
//! The description is small: the name, tag, creation time, platform and configuration of the
//! image, and for each layer the store paths it holds and the entries of a [`Tree`] (folders,
//! symbolic links, files). Since it names every store path the image needs, the references
//! scanned in it keep them alive, and since the same description always gives the same bytes,
//! an image streamed from it is the image built from it. The JSON, one object:
//!
//! ```json
//! { "cairnImageDescription": 1,
//!   "name": "example.org/hello", "tag": "latest", "created": "1970-01-01T00:00:01Z",
//!   "architecture": "amd64", "os": "linux",
//!   "config": { "Cmd": ["/nix/store/...-hello/bin/hello"] },
//!   "layers": [
//!     { "storePaths": ["/nix/store/...-hello"] },
//!     { "tree": [
//!         { "type": "directory", "path": "bin", "mode": "0755" },
//!         { "type": "symlink", "path": "bin/sh", "target": "/nix/store/...-busybox/bin/sh" },
//!         { "type": "file", "path": "etc/motd", "mode": "0644",
//!           "source": "/nix/store/...-extra/root/etc/motd" } ] } ] }
//! ```
//!
//! Tree entries come parents first; a file's `source` is a file in a store path. This module
//! does not decide what the layers are (the caller does, with [`crate::plan_layers`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use cairn_store::LocalStore;
use serde::{Deserialize, Serialize};

use crate::tree::Node;
use crate::{Image, ImageConfig, ImageError, ImageSpec, Result, Tree};

/// The version of the format, the value of the `cairnImageDescription` key.
const FORMAT_VERSION: u32 = 1;

/// An image by its store paths: see the module documentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageDescription {
    /// The name, tag, creation time, platform and configuration (`max_layers` is not kept).
    pub spec: ImageSpec,
    /// The layers, bottom first.
    pub layers: Vec<DescribedLayer>,
}

/// One layer of an [`ImageDescription`]: store paths (logical, such as `/nix/store/<hash>-x`)
/// and a tree whose files' sources are logical paths too. Either may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DescribedLayer {
    pub store_paths: Vec<String>,
    pub tree: Tree,
}

impl ImageDescription {
    /// The description as JSON, keys in a fixed order. A tree that holds folders from disk
    /// (`Tree::from_dir`, `Tree::add_store_path`) or a name that is not UTF-8 cannot be
    /// described.
    pub fn to_json(&self) -> Result<Vec<u8>> {
        let layers = self
            .layers
            .iter()
            .map(|layer| {
                Ok(LayerJson {
                    store_paths: layer.store_paths.clone(),
                    tree: tree_entries(&layer.tree)?,
                })
            })
            .collect::<Result<_>>()?;
        let spec = &self.spec;
        let json = DescriptionJson {
            cairn_image_description: FORMAT_VERSION,
            name: spec.name.clone(),
            tag: spec.tag.clone(),
            created: spec.created.clone(),
            architecture: spec.architecture.clone(),
            os: spec.os.clone(),
            config: spec.config.to_json(),
            layers,
        };
        let mut out = serde_json::to_vec_pretty(&json).expect("a description serialises");
        out.push(b'\n');
        Ok(out)
    }

    /// Reads a description written by [`ImageDescription::to_json`].
    pub fn from_json(bytes: &[u8]) -> Result<ImageDescription> {
        let invalid = |why: String| ImageError::Description(why);
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| invalid(format!("not JSON: {e}")))?;
        match value.get("cairnImageDescription") {
            Some(v) if v == FORMAT_VERSION => {}
            Some(v) => {
                return Err(invalid(format!(
                    "version {v} of the format is not known (this cairn reads version \
                     {FORMAT_VERSION})"
                )));
            }
            None => return Err(invalid("it has no `cairnImageDescription` key".to_owned())),
        }
        let json: DescriptionJson =
            serde_json::from_value(value).map_err(|e| invalid(e.to_string()))?;
        let mut spec = ImageSpec::new(json.name, json.tag);
        spec.created = json.created;
        spec.architecture = json.architecture;
        spec.os = json.os;
        spec.config = ImageConfig::from_json(&json.config)?;
        let layers = json
            .layers
            .into_iter()
            .map(|layer| {
                let mut tree = Tree::new();
                for entry in layer.tree {
                    let (path, node) = entry.into_node()?;
                    tree.insert(&path, node)?;
                }
                Ok(DescribedLayer {
                    store_paths: layer.store_paths,
                    tree,
                })
            })
            .collect::<Result<_>>()?;
        Ok(ImageDescription { spec, layers })
    }

    /// Builds the image (see [`Image::from_layers`]), its store paths and files found in
    /// `store`, whose store paths must be valid. Each layer is its store paths, with its tree
    /// merged over them.
    pub fn image(&self, store: &LocalStore) -> Result<Image> {
        let mut valid = BTreeSet::new();
        let mut physical = |logical: &Path| -> Result<PathBuf> {
            let text = logical
                .to_str()
                .ok_or_else(|| ImageError::BadStorePath(logical.display().to_string()))?;
            let bad = || ImageError::BadStorePath(text.to_owned());
            let (path, rest) = store.store_dir().parse_prefix(text).ok_or_else(bad)?;
            let rest = Path::new(rest.trim_start_matches('/'));
            if !rest.components().all(|c| matches!(c, Component::Normal(_))) {
                return Err(bad());
            }
            if !valid.contains(&path) {
                if !store.is_valid(&path)? {
                    return Err(ImageError::NotValid(store.store_dir().print(&path)));
                }
                valid.insert(path.clone());
            }
            Ok(store.physical(&path).join(rest))
        };
        let mut placed = BTreeSet::new();
        let mut trees = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let mut tree = Tree::new();
            for logical in &layer.store_paths {
                if !placed.insert(logical) {
                    return Err(ImageError::InTwoLayers(logical.clone()));
                }
                tree.add_store_path(logical, &physical(Path::new(logical))?)?;
            }
            for (path, node) in layer.tree.entries() {
                let node = match node {
                    Node::Directory { mode, .. } => Node::Directory {
                        mode: *mode,
                        children: BTreeMap::new(),
                    },
                    Node::File { mode, source } => Node::File {
                        mode: *mode,
                        source: physical(source)?,
                    },
                    other => other.clone(),
                };
                tree.insert(&path, node)?;
            }
            trees.push(tree);
        }
        Image::from_layers(&self.spec, &trees)
    }
}

/// The entries of `tree`, parents first.
fn tree_entries(tree: &Tree) -> Result<Vec<EntryJson>> {
    let text = |p: &Path| {
        p.to_str()
            .map(str::to_owned)
            .ok_or_else(|| ImageError::NotUtf8 { path: p.to_owned() })
    };
    tree.entries()
        .into_iter()
        .map(|(path, node)| {
            let path_text = text(&path)?;
            Ok(match node {
                Node::Directory { mode, .. } => EntryJson::Directory {
                    path: path_text,
                    mode: format!("{mode:04o}"),
                },
                Node::Symlink(target) => EntryJson::Symlink {
                    path: path_text,
                    target: text(target)?,
                },
                Node::File { mode, source } => EntryJson::File {
                    path: path_text,
                    mode: format!("{mode:04o}"),
                    source: text(source)?,
                },
                Node::Disk(physical) => {
                    return Err(ImageError::Description(format!(
                        "`{}` is a folder on disk (`{}`), which a description cannot hold",
                        path.display(),
                        physical.display()
                    )));
                }
            })
        })
        .collect()
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DescriptionJson {
    cairn_image_description: u32,
    name: String,
    tag: String,
    created: String,
    architecture: String,
    os: String,
    config: serde_json::Value,
    layers: Vec<LayerJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LayerJson {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    store_paths: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tree: Vec<EntryJson>,
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
enum EntryJson {
    Directory {
        path: String,
        mode: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    File {
        path: String,
        mode: String,
        source: String,
    },
}

impl EntryJson {
    fn into_node(self) -> Result<(PathBuf, Node)> {
        let invalid = |why: String| ImageError::Description(why);
        let check_path = |path: &str| -> Result<PathBuf> {
            let p = Path::new(path);
            if path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
                return Err(invalid(format!(
                    "the tree entry `{path}` is not a relative path without `.` and `..`"
                )));
            }
            Ok(p.to_owned())
        };
        let mode = |path: &str, text: &str| -> Result<u32> {
            u32::from_str_radix(text, 8)
                .ok()
                .filter(|m| *m <= 0o7777)
                .ok_or_else(|| invalid(format!("the mode `{text}` of `{path}` is not valid")))
        };
        Ok(match self {
            EntryJson::Directory { path, mode: m } => (
                check_path(&path)?,
                Node::Directory {
                    mode: mode(&path, &m)?,
                    children: BTreeMap::new(),
                },
            ),
            EntryJson::Symlink { path, target } => {
                (check_path(&path)?, Node::Symlink(PathBuf::from(target)))
            }
            EntryJson::File {
                path,
                mode: m,
                source,
            } => (
                check_path(&path)?,
                Node::File {
                    mode: mode(&path, &m)?,
                    source: PathBuf::from(source),
                },
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_read_back_what_they_wrote() {
        let mut spec = ImageSpec::new("example.org/x", "t");
        spec.config.cmd = Some(vec!["/nix/store/h-app/bin/app".into()]);
        spec.config.exposed_ports.insert("80/tcp".into());
        let mut tree = Tree::new();
        tree.insert(
            Path::new("tmp"),
            Node::Directory {
                mode: 0o1777,
                children: BTreeMap::new(),
            },
        )
        .unwrap();
        tree.insert(
            Path::new("bin/sh"),
            Node::Symlink("/nix/store/h-bb/bin/sh".into()),
        )
        .unwrap();
        tree.insert(
            Path::new("etc/motd"),
            Node::File {
                mode: 0o644,
                source: "/nix/store/h-e/root/etc/motd".into(),
            },
        )
        .unwrap();
        let description = ImageDescription {
            spec,
            layers: vec![
                DescribedLayer {
                    store_paths: vec!["/nix/store/h-app".into()],
                    tree: Tree::new(),
                },
                DescribedLayer {
                    store_paths: Vec::new(),
                    tree,
                },
            ],
        };
        let json = description.to_json().unwrap();
        let text = String::from_utf8(json.clone()).unwrap();
        assert!(text.contains(r#""mode": "1777""#), "{text}");
        assert_eq!(ImageDescription::from_json(&json).unwrap(), description);
    }

    #[test]
    fn bad_descriptions_are_errors() {
        for (text, message) in [
            ("[]", "it has no `cairnImageDescription` key"),
            (r#"{"cairnImageDescription": 7}"#, "version 7 of the format"),
            ("{", "not JSON"),
            (
                r#"{"cairnImageDescription": 1, "name": "x", "tag": "y", "created": "",
                   "architecture": "amd64", "os": "linux", "config": {},
                   "layers": [{"tree": [{"path": "../etc", "type": "directory", "mode": "0755"}]}]}"#,
                "is not a relative path",
            ),
            (
                r#"{"cairnImageDescription": 1, "name": "x", "tag": "y", "created": "",
                   "architecture": "amd64", "os": "linux", "config": {},
                   "layers": [{"tree": [{"path": "etc", "type": "directory", "mode": "99"}]}]}"#,
                "the mode `99` of `etc` is not valid",
            ),
        ] {
            let e = ImageDescription::from_json(text.as_bytes()).unwrap_err();
            assert!(e.to_string().contains(message), "{text}: {e}");
        }
        let e = ImageDescription::from_json(
            br#"{"cairnImageDescription": 1, "name": "x", "tag": "y", "created": "",
                 "architecture": "amd64", "os": "linux", "config": {"Cmd": 3}, "layers": []}"#,
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "the image configuration is not valid: `Cmd` must be a string or a list of strings"
        );
    }
}
