//! `builtin:buildLayeredImage`: a layered docker-archive of the derivation's inputs, written by
//! `cairn-image` instead of a shell script.
//!
//! The derivation's attributes (strings, as every attribute of a derivation):
//!
//! - `imageName`, `imageTag` (empty: the hash part of the output path, as nixpkgs does);
//! - `contents`: store paths, separated by spaces, whose trees are merged into the image's
//!   root as symbolic links (files) and folders, in the customisation layer;
//! - `config`: the image configuration as JSON (`Cmd`, `Entrypoint`, `Env`, `ExposedPorts`,
//!   `WorkingDir`, `User`, `Labels`, `Volumes`), `{}` for none;
//! - `created` (default `1970-01-01T00:00:01Z`) and `maxLayers` (default 100).
//!
//! The image holds the closure of the derivation's inputs: the contents and every store path
//! the configuration names (their string contexts made them inputs).

use std::fs;
use std::path::Path;

use cairn_image::{ImageConfig, ImageSpec, closure_entries, plan_layers, write_docker_archive};
use cairn_store::{Derivation, LocalStore, StorePath};

pub(crate) fn build_layered_image(
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
    if !attr("maxLayers").is_empty() {
        spec.max_layers = attr("maxLayers")
            .parse()
            .map_err(|_| format!("maxLayers '{}' is not a number", attr("maxLayers")))?;
    }
    spec.config = parse_config(attr("config"))?;

    // The image holds the closure of the derivation's direct inputs (the contents and what
    // the configuration names), which are the roots of the layering: the application and its
    // contents get layers of their own.
    let closure = closure_entries(store, direct).map_err(|e| e.to_string())?;
    let root_names: Vec<String> = direct.iter().map(|p| store.store_dir().print(p)).collect();
    let layers = plan_layers(&closure, &root_names, spec.max_layers);

    // The customisation layer: the contents merged into `/`.
    let custom = dest.with_extension("customisation");
    let _ = cairn_store::dump::make_writable_and_remove(&custom);
    fs::create_dir_all(&custom).map_err(|e| e.to_string())?;
    for p in contents(store, attr("contents"))? {
        link_tree(&store.physical(&p), &store.store_dir().print(&p), &custom)
            .map_err(|e| format!("cannot link the contents: {e}"))?;
    }
    let file = fs::File::create(dest).map_err(|e| format!("cannot create the image: {e}"))?;
    let mut writer = std::io::BufWriter::new(file);
    let result = write_docker_archive(&spec, &closure, &layers, Some(&custom), &mut writer)
        .map_err(|e| e.to_string());
    let _ = cairn_store::dump::make_writable_and_remove(&custom);
    result?;
    std::io::Write::flush(&mut writer).map_err(|e| e.to_string())?;
    Ok(())
}

fn contents(store: &LocalStore, text: &str) -> Result<Vec<StorePath>, String> {
    text.split_whitespace()
        .map(|p| store.store_dir().parse(p).map_err(|e| e.to_string()))
        .collect()
}

/// Merges the tree at `physical` (whose logical name is `logical`) into `into`: folders are
/// made, everything else becomes a symbolic link to its logical path. What is already there
/// stays (the first of the contents wins, as with `symlinkJoin`).
fn link_tree(physical: &Path, logical: &str, into: &Path) -> std::io::Result<()> {
    let md = fs::symlink_metadata(physical)?;
    if !md.is_dir() {
        return Ok(());
    }
    let mut names: Vec<_> = fs::read_dir(physical)?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<Result<_, _>>()?;
    names.sort();
    for name in names {
        let child = physical.join(&name);
        let child_logical = format!("{logical}/{}", name.to_string_lossy());
        let target = into.join(&name);
        let is_dir = fs::symlink_metadata(&child)?.is_dir();
        if is_dir {
            if fs::symlink_metadata(&target).is_err() {
                fs::create_dir(&target)?;
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&target, fs::Permissions::from_mode(0o755))?;
            }
            if fs::symlink_metadata(&target)?.is_dir() {
                link_tree(&child, &child_logical, &target)?;
            }
        } else if fs::symlink_metadata(&target).is_err() {
            std::os::unix::fs::symlink(&child_logical, &target)?;
        }
    }
    Ok(())
}

/// The `config` attribute: Docker's names, as nixpkgs' `config` takes them.
fn parse_config(text: &str) -> Result<ImageConfig, String> {
    let mut config = ImageConfig::default();
    if text.trim().is_empty() {
        return Ok(config);
    }
    let v: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("the image config is not JSON: {e}"))?;
    let strings = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let Some(obj) = v.as_object() else {
        return Err("the image config is not an object".into());
    };
    for (k, v) in obj {
        match k.as_str() {
            "Cmd" => config.cmd = Some(strings(v)),
            "Entrypoint" => config.entrypoint = Some(strings(v)),
            "Env" => config.env = strings(v),
            "ExposedPorts" => {
                config.exposed_ports = match v {
                    serde_json::Value::Object(m) => m.keys().cloned().collect(),
                    other => strings(other).into_iter().collect(),
                }
            }
            "WorkingDir" => config.working_dir = v.as_str().map(str::to_string),
            "User" => config.user = v.as_str().map(str::to_string),
            "Labels" => {
                if let Some(m) = v.as_object() {
                    config.labels = m
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                        .collect();
                }
            }
            "Volumes" => {
                config.volumes = match v {
                    serde_json::Value::Object(m) => m.keys().cloned().collect(),
                    other => strings(other).into_iter().collect(),
                }
            }
            other => return Err(format!("unknown image config field '{other}'")),
        }
    }
    Ok(config)
}
