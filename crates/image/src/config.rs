//! What the image is and how it runs: [`ImageSpec`] and [`ImageConfig`], and the image
//! configuration JSON written from them.
//!
//! The JSON is the same bytes for a docker-archive and an OCI layout (the two formats share the
//! configuration's schema), so the image ID `docker load` reports is the OCI config digest. It is
//! compact, with keys in a fixed (alphabetical) order, and a field of `config` is present only
//! when it is set.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::{Digest, ImageError, LayerInfo, Result};

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

impl ImageConfig {
    /// The configuration as the image's `config` object has it, Docker's names.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.run_config()).expect("the configuration serialises")
    }

    /// A configuration from Docker's names, as nixpkgs' `config` takes them: `Cmd` and
    /// `Entrypoint` (a string or a list of strings), `Env` (a list of `NAME=value` strings),
    /// `ExposedPorts` and `Volumes` (an object whose keys are the ports or mount points, or a
    /// list of them), `WorkingDir` and `User` (strings), `Labels` (an object of strings). A
    /// field that is `null` is unset; any other field is an error.
    pub fn from_json(value: &serde_json::Value) -> Result<ImageConfig> {
        use serde_json::Value;
        let invalid =
            |field: &str, what: &str| ImageError::Config(format!("`{field}` must be {what}"));
        let strings = |field: &str, v: &Value| -> Result<Vec<String>> {
            let items = match v {
                Value::String(s) => return Ok(vec![s.clone()]),
                Value::Array(items) => items,
                _ => return Err(invalid(field, "a string or a list of strings")),
            };
            items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect::<Option<_>>()
                .ok_or_else(|| invalid(field, "a string or a list of strings"))
        };
        let keys = |field: &str, v: &Value| -> Result<BTreeSet<String>> {
            match v {
                Value::Object(m) => Ok(m.keys().cloned().collect()),
                other => Ok(strings(field, other)
                    .map_err(|_| invalid(field, "an object or a list of strings"))?
                    .into_iter()
                    .collect()),
            }
        };
        let string = |field: &str, v: &Value| -> Result<String> {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| invalid(field, "a string"))
        };
        let mut config = ImageConfig::default();
        let Value::Object(fields) = value else {
            return Err(ImageError::Config(
                "the configuration must be an object (an attribute set)".to_owned(),
            ));
        };
        for (field, v) in fields {
            if v.is_null() {
                continue;
            }
            match field.as_str() {
                "Cmd" => config.cmd = Some(strings(field, v)?),
                "Entrypoint" => config.entrypoint = Some(strings(field, v)?),
                "Env" => config.env = strings(field, v)?,
                "ExposedPorts" => config.exposed_ports = keys(field, v)?,
                "WorkingDir" => config.working_dir = Some(string(field, v)?),
                "User" => config.user = Some(string(field, v)?),
                "Labels" => {
                    let Value::Object(labels) = v else {
                        return Err(invalid(field, "an object of strings"));
                    };
                    for (name, label) in labels {
                        let label = label
                            .as_str()
                            .ok_or_else(|| invalid(field, "an object of strings"))?;
                        config.labels.insert(name.clone(), label.to_owned());
                    }
                }
                "Volumes" => config.volumes = keys(field, v)?,
                other => {
                    return Err(ImageError::Config(format!(
                        "unknown field `{other}` (known: `Cmd`, `Entrypoint`, `Env`, \
                         `ExposedPorts`, `Labels`, `User`, `Volumes`, `WorkingDir`)"
                    )));
                }
            }
        }
        Ok(config)
    }

    /// Sets `NAME=value` in `Env` unless some entry sets `NAME` already.
    pub fn set_env_default(&mut self, name: &str, value: &str) {
        let prefix = format!("{name}=");
        if !self.env.iter().any(|e| e.starts_with(&prefix)) {
            self.env.push(format!("{prefix}{value}"));
        }
    }

    fn run_config(&self) -> RunConfig<'_> {
        RunConfig {
            cmd: self.cmd.as_deref(),
            entrypoint: self.entrypoint.as_deref(),
            env: (!self.env.is_empty()).then_some(&self.env[..]),
            exposed_ports: (!self.exposed_ports.is_empty()).then(|| {
                self.exposed_ports
                    .iter()
                    .map(|p| (p.as_str(), Empty {}))
                    .collect()
            }),
            labels: (!self.labels.is_empty()).then_some(&self.labels),
            user: self.user.as_deref(),
            volumes: (!self.volumes.is_empty()).then(|| {
                self.volumes
                    .iter()
                    .map(|v| (v.as_str(), Empty {}))
                    .collect()
            }),
            working_dir: self.working_dir.as_deref(),
        }
    }
}

/// The configuration JSON for `spec` with `layers` (bottom first).
pub(crate) fn config_json(spec: &ImageSpec, layers: &[LayerInfo]) -> Vec<u8> {
    let file = ConfigFile {
        architecture: &spec.architecture,
        config: spec.config.run_config(),
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
