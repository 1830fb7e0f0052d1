//! `flake.lock`, Nix's version 7 format: a graph of nodes, each with its `locked` and `original`
//! reference and its `inputs` (a node name, or a path of input names from the root for
//! `follows`), written with sorted keys and two-space indentation as Nix writes it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::{Map, Value as Json, json};

use crate::fetch::Source;
use crate::flakeref::FlakeRef;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Node {
    pub inputs: Map<String, Json>,
    pub locked: Map<String, Json>,
    pub original: Map<String, Json>,
    /// `false` for `flake = false` inputs and host tools.
    pub flake: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lock {
    pub nodes: BTreeMap<String, Node>,
    pub root: String,
}

impl Lock {
    pub fn new() -> Lock {
        Lock {
            nodes: BTreeMap::new(),
            root: "root".into(),
        }
    }

    pub fn parse(text: &str) -> Result<Lock, String> {
        let v: Json = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        match v.get("version").and_then(Json::as_u64) {
            Some(7) => {}
            Some(n) => {
                return Err(format!(
                    "version {n} is not supported (cairn reads version 7)"
                ));
            }
            None => return Err("it has no version".into()),
        }
        let root = v
            .get("root")
            .and_then(Json::as_str)
            .ok_or("it has no root")?
            .to_string();
        let mut nodes = BTreeMap::new();
        let object = |n: &Json, key: &str| n.get(key).and_then(Json::as_object).cloned();
        for (name, n) in v
            .get("nodes")
            .and_then(Json::as_object)
            .ok_or("it has no nodes")?
        {
            nodes.insert(
                name.clone(),
                Node {
                    inputs: object(n, "inputs").unwrap_or_default(),
                    locked: object(n, "locked").unwrap_or_default(),
                    original: object(n, "original").unwrap_or_default(),
                    flake: n.get("flake").and_then(Json::as_bool).unwrap_or(true),
                },
            );
        }
        if !nodes.contains_key(&root) {
            return Err(format!("its root node '{root}' is missing"));
        }
        Ok(Lock { nodes, root })
    }

    /// The text of the file, as Nix writes it.
    pub fn to_json(&self) -> String {
        let mut nodes = BTreeMap::new();
        for (name, n) in &self.nodes {
            let mut obj = BTreeMap::new();
            if !n.flake {
                obj.insert("flake".to_string(), json!(false));
            }
            if !n.inputs.is_empty() {
                obj.insert(
                    "inputs".to_string(),
                    sorted(&Json::Object(n.inputs.clone())),
                );
            }
            if !n.locked.is_empty() {
                obj.insert(
                    "locked".to_string(),
                    sorted(&Json::Object(n.locked.clone())),
                );
            }
            if !n.original.is_empty() {
                obj.insert(
                    "original".to_string(),
                    sorted(&Json::Object(n.original.clone())),
                );
            }
            nodes.insert(name.clone(), obj);
        }
        let doc = json!({ "nodes": nodes, "root": self.root, "version": 7 });
        serde_json::to_string_pretty(&sorted(&doc)).unwrap_or_default() + "\n"
    }

    /// The node an input reference names.
    pub fn resolve(&self, spec: &Json) -> Option<String> {
        match spec {
            Json::String(s) => Some(s.clone()),
            Json::Array(path) => {
                let mut node = self.root.clone();
                for name in path {
                    let next = self.nodes.get(&node)?.inputs.get(name.as_str()?)?;
                    node = self.resolve(next)?;
                }
                Some(node)
            }
            _ => None,
        }
    }

    /// A node name not taken yet: `name`, else `name_2`, `name_3`...
    pub fn fresh_name(&self, name: &str) -> String {
        if !self.nodes.contains_key(name) && name != self.root {
            return name.to_string();
        }
        (2..)
            .map(|n| format!("{name}_{n}"))
            .find(|n| !self.nodes.contains_key(n))
            .unwrap_or_else(|| name.to_string())
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

fn sorted(v: &Json) -> Json {
    match v {
        Json::Object(map) => {
            let ordered: BTreeMap<&String, Json> =
                map.iter().map(|(k, v)| (k, sorted(v))).collect();
            let mut out = Map::new();
            for (k, v) in ordered {
                out.insert(k.clone(), v);
            }
            Json::Object(out)
        }
        Json::Array(items) => Json::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

fn obj(v: Json) -> Map<String, Json> {
    v.as_object().cloned().unwrap_or_default()
}

/// The `original` of a reference.
pub fn original_of(r: &FlakeRef) -> Map<String, Json> {
    let mut m = match r {
        FlakeRef::Path { path, .. } => obj(json!({ "path": path, "type": "path" })),
        FlakeRef::Git {
            path, git_ref, rev, ..
        } => {
            let mut m = obj(json!({ "type": "git", "url": format!("file://{}", path.display()) }));
            if let Some(r) = git_ref {
                m.insert("ref".into(), json!(r));
            }
            if let Some(r) = rev {
                m.insert("rev".into(), json!(r));
            }
            m
        }
        FlakeRef::Cairn { name } => obj(json!({ "name": name, "type": "cairn" })),
        FlakeRef::Tarball { path } => {
            obj(json!({ "type": "tarball", "url": format!("file://{}", path.display()) }))
        }
        FlakeRef::File { path } => {
            obj(json!({ "type": "file", "url": format!("file://{}", path.display()) }))
        }
    };
    if let Some(dir) = r.dir() {
        m.insert("dir".into(), json!(dir));
    }
    m
}

/// The `locked` of a fetched source.
pub fn locked_of(r: &FlakeRef, source: &Source) -> Map<String, Json> {
    let mut m = original_of(r);
    m.insert("narHash".into(), json!(source.nar_hash));
    if let Some(t) = source.last_modified {
        m.insert("lastModified".into(), json!(t));
    }
    if let Some(rev) = &source.rev
        && matches!(r, FlakeRef::Git { .. })
    {
        m.insert("rev".into(), json!(rev));
    }
    m
}

/// The reference a `locked` entry pins.
pub fn locked_ref(locked: &Map<String, Json>) -> Result<FlakeRef, String> {
    let s = |k: &str| locked.get(k).and_then(Json::as_str).map(String::from);
    let dir = s("dir");
    match s("type").as_deref() {
        Some("path") => Ok(FlakeRef::Path {
            path: PathBuf::from(s("path").ok_or("a path input without 'path'")?),
            dir,
        }),
        Some("git") => {
            let url = s("url").ok_or("a git input without 'url'")?;
            let path = url
                .strip_prefix("file://")
                .ok_or_else(|| format!("git input '{url}' is not a file:// URL"))?;
            Ok(FlakeRef::Git {
                path: PathBuf::from(path),
                git_ref: s("ref"),
                rev: Some(s("rev").ok_or("a git input without 'rev'")?),
                dir,
            })
        }
        Some(kind @ ("tarball" | "file")) => {
            let url = s("url").ok_or("an archive input without 'url'")?;
            let path = PathBuf::from(
                url.strip_prefix("file://")
                    .ok_or_else(|| format!("input '{url}' is not a file:// URL"))?,
            );
            Ok(if kind == "tarball" {
                FlakeRef::Tarball { path }
            } else {
                FlakeRef::File { path }
            })
        }
        Some("cairn") => Ok(FlakeRef::Cairn {
            name: s("name").unwrap_or_else(|| "stdlib".into()),
        }),
        Some(other) => Err(format!("inputs of type '{other}' are not supported")),
        None => Err("an input without 'type'".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_reads_back_and_follows_resolve() {
        let text = r#"{
  "nodes": {
    "a": { "inputs": { "b": ["b"] }, "locked": { "narHash": "sha256-x", "path": "/a", "type": "path" }, "original": { "path": "/a", "type": "path" } },
    "b": { "flake": false, "locked": { "narHash": "sha256-y", "path": "/b", "type": "path" }, "original": { "path": "/b", "type": "path" } },
    "root": { "inputs": { "a": "a", "b": "b" } }
  },
  "root": "root",
  "version": 7
}"#;
        let lock = Lock::parse(text).unwrap();
        assert_eq!(lock.resolve(&json!(["b"])), Some("b".to_string()));
        assert!(!lock.nodes["b"].flake);
        let again = Lock::parse(&lock.to_json()).unwrap();
        assert_eq!(again, lock);
        assert_eq!(lock.fresh_name("a"), "a_2");
        assert!(Lock::parse(r#"{"version": 5, "root": "root", "nodes": {}}"#).is_err());
    }
}
