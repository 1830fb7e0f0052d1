//! What the image is and how it runs: [`ImageSpec`] and [`ImageConfig`], and the image
//! configuration JSON written from them.
//!
//! The JSON is the same bytes for a docker-archive and an OCI layout (the two formats share the
//! configuration's schema), so the image ID `docker load` reports is the OCI config digest. It is
//! compact, with keys in a fixed (alphabetical) order, and a field of `config` is present only
//! when it is set.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::{Digest, LayerInfo};

/// An image to write: its name, tag and configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSpec {
    /// The repository, e.g. `registry.fly.io/douglas-adams-quotes`.
    pub name: String,
    /// The tag, e.g. `latest`.
    pub tag: String,
    /// The `created` time of the configuration and its history, RFC 3339; default
    /// `1970-01-01T00:00:01Z`. Layer entries never use it (see [`crate::LAYER_MTIME`]).
    pub created: String,
    pub config: ImageConfig,
    /// The most layers the image may have, the customisation layer included; default 100.
    /// [`crate::plan_layers`] honours it; it is here so that one value travels with the image.
    pub max_layers: usize,
    /// The GOARCH-style architecture, default `amd64`.
    pub architecture: String,
    /// Default `linux`.
    pub os: String,
}

impl ImageSpec {
    /// A spec with the defaults and an empty configuration.
    pub fn new(name: impl Into<String>, tag: impl Into<String>) -> ImageSpec {
        ImageSpec {
            name: name.into(),
            tag: tag.into(),
            created: "1970-01-01T00:00:01Z".to_owned(),
            config: ImageConfig::default(),
            max_layers: 100,
            architecture: "amd64".to_owned(),
            os: "linux".to_owned(),
        }
    }

    /// `name:tag`, the archive's `RepoTags` entry.
    pub fn repo_tag(&self) -> String {
        format!("{}:{}", self.name, self.tag)
    }
}

/// How a container of the image runs: the `config` object of the image configuration. Unset
/// (`None`, empty) fields are left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    pub cmd: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    /// `NAME=value` entries, in the given order.
    pub env: Vec<String>,
    /// `port/protocol`, e.g. `8080/tcp`.
    pub exposed_ports: BTreeSet<String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub labels: BTreeMap<String, String>,
    /// Mount points, e.g. `/data`.
    pub volumes: BTreeSet<String>,
}

/// The configuration JSON for `spec` with `layers` (bottom first).
pub(crate) fn config_json(spec: &ImageSpec, layers: &[LayerInfo]) -> Vec<u8> {
    let c = &spec.config;
    let file = ConfigFile {
        architecture: &spec.architecture,
        config: RunConfig {
            cmd: c.cmd.as_deref(),
            entrypoint: c.entrypoint.as_deref(),
            env: (!c.env.is_empty()).then_some(&c.env[..]),
            exposed_ports: (!c.exposed_ports.is_empty()).then(|| {
                c.exposed_ports
                    .iter()
                    .map(|p| (p.as_str(), Empty {}))
                    .collect()
            }),
            labels: (!c.labels.is_empty()).then_some(&c.labels),
            user: c.user.as_deref(),
            volumes: (!c.volumes.is_empty())
                .then(|| c.volumes.iter().map(|v| (v.as_str(), Empty {})).collect()),
            working_dir: c.working_dir.as_deref(),
        },
        created: &spec.created,
        history: layers
            .iter()
            .map(|layer| History {
                comment: if layer.store_paths.is_empty() {
                    "customisation layer".to_owned()
                } else {
                    format!("store paths: {}", layer.store_paths.join(" "))
                },
                created: &spec.created,
            })
            .collect(),
        os: &spec.os,
        rootfs: RootFs {
            diff_ids: layers.iter().map(|l| l.diff_id.as_str()).collect(),
            kind: "layers",
        },
    };
    serde_json::to_vec(&file).expect("the configuration serialises")
}

/// The digest of a configuration.
pub(crate) fn config_digest(json: &[u8]) -> Digest {
    Digest::of(json)
}

#[derive(Serialize)]
struct ConfigFile<'a> {
    architecture: &'a str,
    config: RunConfig<'a>,
    created: &'a str,
    history: Vec<History<'a>>,
    os: &'a str,
    rootfs: RootFs<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct RunConfig<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    cmd: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entrypoint: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    env: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exposed_ports: Option<BTreeMap<&'a str, Empty>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<&'a BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    volumes: Option<BTreeMap<&'a str, Empty>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    working_dir: Option<&'a str>,
}

/// `{}`, the value of an exposed port or a volume.
#[derive(Serialize)]
struct Empty {}

#[derive(Serialize)]
struct History<'a> {
    comment: String,
    created: &'a str,
}

#[derive(Serialize)]
struct RootFs<'a> {
    diff_ids: Vec<&'a str>,
    #[serde(rename = "type")]
    kind: &'a str,
}
