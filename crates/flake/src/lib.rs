//! Flakes: a `flake.nix` with `description`, `inputs` and `outputs`, its inputs resolved and
//! pinned in a `flake.lock` (Nix's version 7 format), its sources copied into the store, and its
//! outputs called with `self` and the inputs.
//!
//! Resolution happens here, in Rust: every input is fetched (or taken from the lock), and the
//! lock is computed. Calling the flakes happens in the language (`call-flake.nix`), from the
//! lock and the sources, as Nix does it.
//!
//! Besides flakes, paths and git commits, the lock holds the standard library (`cairn:stdlib`,
//! type `cairn`) and, below it, the pins of the host tools that the evaluation imported (type
//! `host`), so that a changed host tool is caught and named.

pub mod fetch;
pub mod flakeref;
pub mod lock;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use cairn_eval::{Attr, Attrs, Context, EvalError, Evaluator, Span, Symbol, Value};
use cairn_store::LocalStore;
use serde_json::{Map, Value as Json, json};

pub use crate::fetch::Source;
pub use crate::flakeref::{FlakeRef, looks_like_installable, split_installable};
use crate::lock::{Lock, Node};

const CALL_FLAKE: &str = include_str!("call-flake.nix");

/// How deep inputs of inputs may nest: deeper is taken for a cycle.
const MAX_INPUT_DEPTH: usize = 32;

/// What loading a flake may do besides reading.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// Inputs to fetch again instead of taking them from the lock (`cairn flake update`);
    /// `Some(empty)` means all of them.
    pub update: Option<BTreeSet<String>>,
}

/// A flake, called.
pub struct Loaded {
    /// The flake's value: its outputs, with `inputs`, `outputs`, `sourceInfo` and `outPath`.
    pub value: Value,
    /// The root's source.
    pub source: Source,
    /// The lock computed for it.
    pub lock: Lock,
    /// The lock as it was read (None when there was none).
    pub old_lock: Option<Lock>,
    /// Where the lock belongs: the flake's folder, for a flake in a folder of this machine.
    pub lock_path: Option<PathBuf>,
    /// The flake's `description`.
    pub description: Option<String>,
}

/// Errors of loading: an evaluation error (printed with its trace) or a plain message.
pub enum FlakeError {
    Eval(Box<EvalError>),
    Other(String),
}

impl From<Box<EvalError>> for FlakeError {
    fn from(e: Box<EvalError>) -> Self {
        FlakeError::Eval(e)
    }
}

impl From<String> for FlakeError {
    fn from(e: String) -> Self {
        FlakeError::Other(e)
    }
}

/// What `inputs.NAME` says.
#[derive(Clone, Debug, Default)]
struct InputSpec {
    url: Option<String>,
    flake: bool,
    follows: Option<Vec<String>>,
    /// `inputs.NAME.inputs.X.follows`.
    overrides: BTreeMap<String, Vec<String>>,
}

/// Loads the flake at `root`: fetches it and its inputs, computes the lock and calls the
/// outputs. `stdlib` is the folder of the bundled standard library.
pub fn load(
    ev: &mut Evaluator,
    store: &LocalStore,
    root: &FlakeRef,
    stdlib: &Path,
    options: &LoadOptions,
    warn: &dyn Fn(&str),
) -> Result<Loaded, FlakeError> {
    let source = fetch::fetch(store, root, stdlib, warn)?;
    let flake_dir = join(&source.store_path, source.dir.as_deref());
    let physical = store
        .to_physical(&flake_dir)
        .ok_or_else(|| format!("'{flake_dir}' is not in the store"))?;
    if !physical.join("flake.nix").is_file() {
        let hint = match root {
            FlakeRef::Path { path, dir } if source.rev.is_some() || source.dirty_rev.is_some() => {
                let folder = match dir {
                    Some(d) => path.join(d),
                    None => path.clone(),
                };
                if folder.join("flake.nix").is_file() {
                    " (it is not tracked by git, and a flake in a git checkout is its tracked \
                     files: `git add flake.nix`)"
                } else {
                    ""
                }
            }
            _ => "",
        };
        return Err(format!("{} has no flake.nix{hint}", root.to_url()).into());
    }
    let lock_path = match root {
        FlakeRef::Path { path, dir } => Some(match dir {
            Some(d) => path.join(d).join("flake.lock"),
            None => path.join("flake.lock"),
        }),
        _ => None,
    };
    // A folder's lock is read where it is written, tracked by git or not yet.
    let lock_file = match &lock_path {
        Some(p) if p.is_file() => p.clone(),
        _ => physical.join("flake.lock"),
    };
    let old_lock = match std::fs::read_to_string(&lock_file) {
        Ok(text) => Some(Lock::parse(&text).map_err(|e| format!("{}: {e}", lock_file.display()))?),
        Err(_) => None,
    };

    let flake = ev.eval_file(&format!("{flake_dir}/flake.nix"))?;
    let (description, inputs) = read_flake(ev, &flake, warn)?;

    let mut resolver = Resolver {
        store,
        stdlib,
        warn,
        old: old_lock.clone(),
        update: options.update.clone(),
        lock: Lock::new(),
        sources: BTreeMap::new(),
    };
    resolver.sources.insert("root".into(), source.clone());
    let root_inputs = resolver.resolve_inputs(ev, &inputs, &[])?;
    resolver.lock.nodes.insert(
        "root".into(),
        Node {
            inputs: root_inputs,
            flake: true,
            ..Node::default()
        },
    );

    check_follows(&resolver.lock)?;
    let value = call(ev, &resolver.lock, &resolver.sources)?;
    Ok(Loaded {
        value,
        source,
        lock: resolver.lock,
        old_lock,
        lock_path,
        description,
    })
}

/// Adds the pins of the host tools that `used` names (from an evaluation) to the standard
/// library's nodes of `lock`. Gives whether the lock changed.
pub fn record_host_tools(
    lock: &mut Lock,
    used: &BTreeMap<String, cairn_eval::HostToolInfo>,
) -> bool {
    let stdlib_nodes: Vec<String> = lock
        .nodes
        .iter()
        .filter(|(_, n)| n.locked.get("type").and_then(Json::as_str) == Some("cairn"))
        .map(|(k, _)| k.clone())
        .collect();
    let mut changed = false;
    for node in stdlib_nodes {
        for (tool, info) in used {
            if lock.nodes[&node].inputs.contains_key(tool) {
                continue;
            }
            let name = lock.fresh_name(tool);
            lock.nodes.insert(
                name.clone(),
                Node {
                    locked: host_locked(tool, info),
                    original: json!({ "tool": tool, "type": "host" })
                        .as_object()
                        .cloned()
                        .unwrap_or_default(),
                    flake: false,
                    ..Node::default()
                },
            );
            if let Some(n) = lock.nodes.get_mut(&node) {
                n.inputs.insert(tool.clone(), json!(name));
            }
            changed = true;
        }
    }
    changed
}

fn host_locked(tool: &str, info: &cairn_eval::HostToolInfo) -> Map<String, Json> {
    json!({
        "narHash": info.nar_hash,
        "tool": tool,
        "type": "host",
        "version": info.version,
    })
    .as_object()
    .cloned()
    .unwrap_or_default()
}

fn join(path: &str, dir: Option<&str>) -> String {
    match dir {
        Some(d) if !d.is_empty() => format!("{path}/{d}"),
        _ => path.to_string(),
    }
}

/// The `description` and the `inputs` of a flake's top-level set.
fn read_flake(
    ev: &mut Evaluator,
    flake: &Value,
    warn: &dyn Fn(&str),
) -> Result<(Option<String>, BTreeMap<String, InputSpec>), FlakeError> {
    let flake = ev.force(flake)?;
    let Value::Attrs(attrs) = &flake else {
        return Err("flake.nix is not an attribute set".to_string().into());
    };
    let mut description = None;
    let mut inputs = BTreeMap::new();
    let mut has_outputs = false;
    for attr in attrs.iter() {
        match attr.name.as_str() {
            "description" => description = Some(string(ev, &attr.value)?),
            "outputs" => has_outputs = true,
            "nixConfig" => warn("flake.nix: 'nixConfig' is ignored"),
            "inputs" => {
                let v = ev.force(&attr.value)?;
                let Value::Attrs(set) = &v else {
                    return Err("flake.nix: 'inputs' is not an attribute set"
                        .to_string()
                        .into());
                };
                for input in set.iter() {
                    inputs.insert(
                        input.name.as_str().to_string(),
                        input_spec(ev, input.name.as_str(), &input.value)?,
                    );
                }
            }
            other => {
                return Err(format!(
                    "flake.nix has an unsupported attribute '{other}' (a flake has description, \
                     inputs, outputs and nixConfig)"
                )
                .into());
            }
        }
    }
    if !has_outputs {
        return Err("flake.nix has no 'outputs'".to_string().into());
    }
    Ok((description, inputs))
}

fn string(ev: &mut Evaluator, v: &Value) -> Result<String, FlakeError> {
    match ev.force(v)? {
        Value::String(s) => Ok(s.as_str().to_string()),
        other => Err(format!("expected a string but found {}", other.type_description()).into()),
    }
}

fn follows_path(text: &str) -> Vec<String> {
    text.split('/')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn input_spec(ev: &mut Evaluator, name: &str, v: &Value) -> Result<InputSpec, FlakeError> {
    let mut spec = InputSpec {
        flake: true,
        ..InputSpec::default()
    };
    let v = ev.force(v)?;
    let Value::Attrs(attrs) = &v else {
        return Err(format!("flake input '{name}' is not an attribute set").into());
    };
    for attr in attrs.iter() {
        match attr.name.as_str() {
            "url" => spec.url = Some(string(ev, &attr.value)?),
            "flake" => {
                spec.flake = match ev.force(&attr.value)? {
                    Value::Bool(b) => b,
                    _ => return Err(format!("input '{name}': 'flake' is not a Boolean").into()),
                }
            }
            "follows" => spec.follows = Some(follows_path(&string(ev, &attr.value)?)),
            "inputs" => {
                let sub = ev.force(&attr.value)?;
                let Value::Attrs(sub) = &sub else {
                    return Err(format!("input '{name}': 'inputs' is not a set").into());
                };
                for s in sub.iter() {
                    let inner = input_spec(ev, s.name.as_str(), &s.value)?;
                    if let Some(f) = inner.follows {
                        spec.overrides.insert(s.name.as_str().to_string(), f);
                    }
                }
            }
            other => {
                return Err(
                    format!("flake input '{name}' has an unsupported attribute '{other}'").into(),
                );
            }
        }
    }
    if spec.url.is_none() && spec.follows.is_none() {
        return Err(format!("flake input '{name}' has neither 'url' nor 'follows'").into());
    }
    Ok(spec)
}

/// Computes the lock, fetching what it needs.
struct Resolver<'a> {
    store: &'a LocalStore,
    stdlib: &'a Path,
    warn: &'a dyn Fn(&str),
    old: Option<Lock>,
    update: Option<BTreeSet<String>>,
    lock: Lock,
    sources: BTreeMap<String, Source>,
}

impl Resolver<'_> {
    fn updating(&self, name: &str) -> bool {
        match &self.update {
            Some(set) => set.is_empty() || set.contains(name),
            None => false,
        }
    }

    /// The old lock's node for the input at `path` (input names from the root).
    fn old_node(&self, path: &[String]) -> Option<&Node> {
        let old = self.old.as_ref()?;
        let mut node = old.nodes.get(&old.root)?;
        for name in path {
            let spec = node.inputs.get(name)?;
            let key = old.resolve(spec)?;
            node = old.nodes.get(&key)?;
        }
        Some(node)
    }

    fn resolve_inputs(
        &mut self,
        ev: &mut Evaluator,
        inputs: &BTreeMap<String, InputSpec>,
        at: &[String],
    ) -> Result<Map<String, Json>, FlakeError> {
        let mut refs = Map::new();
        for (name, spec) in inputs {
            if let Some(follows) = &spec.follows {
                refs.insert(name.clone(), json!(follows));
                continue;
            }
            let url = spec.url.clone().unwrap_or_default();
            let mut path = at.to_vec();
            path.push(name.clone());
            if path.len() > MAX_INPUT_DEPTH {
                return Err(format!(
                    "flake inputs nest more than {MAX_INPUT_DEPTH} deep ({}): does a flake \
                     have itself as an input?",
                    path.join("/")
                )
                .into());
            }
            let key = self.resolve_one(ev, name, &url, spec, &path)?;
            refs.insert(name.clone(), json!(key));
        }
        Ok(refs)
    }

    fn resolve_one(
        &mut self,
        ev: &mut Evaluator,
        name: &str,
        url: &str,
        spec: &InputSpec,
        path: &[String],
    ) -> Result<String, FlakeError> {
        let here = self.stdlib.to_path_buf();
        let flake_ref = FlakeRef::parse(url, Path::new("/"))
            .map_err(|e| format!("flake input '{name}': {e}"))?;
        if matches!(flake_ref, FlakeRef::Path { .. })
            && !url.starts_with("path:/")
            && !url.starts_with('/')
        {
            return Err(format!(
                "flake input '{name}': a path input must be absolute (`path:/...`)"
            )
            .into());
        }
        let original = lock::original_of(&flake_ref);
        let reuse = self
            .old_node(path)
            .filter(|n| n.original == original && !self.updating(name))
            .cloned();
        let (source, locked_ref) = match &reuse {
            Some(old) => {
                let locked = lock::locked_ref(&old.locked)
                    .map_err(|e| format!("flake.lock, input '{name}': {e}"))?;
                let mut source = fetch::fetch(self.store, &locked, &here, self.warn)?;
                let pinned = old
                    .locked
                    .get("narHash")
                    .and_then(Json::as_str)
                    .unwrap_or("");
                if source.nar_hash != pinned
                    && matches!(locked, FlakeRef::Cairn { .. })
                    && let Some(kept) = fetch::valid_source(self.store, pinned)
                {
                    // Another version of cairn bundles another standard library: the one
                    // the lock pins is still in the store.
                    source.store_path = kept;
                    source.nar_hash = pinned.to_string();
                }
                if source.nar_hash != pinned {
                    return Err(format!(
                        "flake.lock no longer matches input '{name}' ({url}): it pins {pinned}, \
                         but its content is now {}. If the change is intended, update the lock: \
                         cairn flake update {name}",
                        source.nar_hash
                    )
                    .into());
                }
                (source, locked)
            }
            None => {
                let source = fetch::fetch(self.store, &flake_ref, &here, self.warn)?;
                let locked = source.locked.clone();
                (source, locked)
            }
        };
        let key = self.lock.fresh_name(name);
        let mut node = Node {
            locked: lock::locked_of(&locked_ref, &source),
            original,
            flake: spec.flake,
            ..Node::default()
        };
        self.sources.insert(key.clone(), source.clone());
        match &flake_ref {
            FlakeRef::Cairn { .. } => {
                // The host tools' pins, kept from the old lock unless they are updated.
                if let Some(old) = &reuse {
                    let old_lock = self.old.clone().unwrap_or_default();
                    for (tool, spec) in &old.inputs {
                        if self.updating(tool) {
                            continue;
                        }
                        if let Some(old_key) = old_lock.resolve(spec)
                            && let Some(tool_node) = old_lock.nodes.get(&old_key)
                        {
                            let tool_key = self.lock.fresh_name(tool);
                            self.lock.nodes.insert(tool_key.clone(), tool_node.clone());
                            node.inputs.insert(tool.clone(), json!(tool_key));
                        }
                    }
                }
            }
            _ if spec.flake => {
                let dir = join(&source.store_path, source.dir.as_deref());
                let sub = ev.eval_file(&format!("{dir}/flake.nix"))?;
                let (_, mut sub_inputs) = read_flake(ev, &sub, self.warn)?;
                for (input, follows) in &spec.overrides {
                    sub_inputs.insert(
                        input.clone(),
                        InputSpec {
                            follows: Some(follows.clone()),
                            flake: true,
                            ..InputSpec::default()
                        },
                    );
                }
                node.inputs = self.resolve_inputs(ev, &sub_inputs, path)?;
            }
            _ => {}
        }
        self.lock.nodes.insert(key.clone(), node);
        Ok(key)
    }
}

/// Refuses a `follows` that names no input.
fn check_follows(lock: &Lock) -> Result<(), FlakeError> {
    for (node, n) in &lock.nodes {
        for (name, spec) in &n.inputs {
            if spec.is_array() && lock.resolve(spec).is_none() {
                let target: Vec<&str> = spec
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Json::as_str)
                    .collect();
                let owner = if *node == lock.root {
                    String::new()
                } else {
                    format!(" of input '{node}'")
                };
                return Err(format!(
                    "input '{name}'{owner} follows '{}', which is not an input",
                    target.join("/")
                )
                .into());
            }
        }
    }
    Ok(())
}

/// Calls the flakes of `lock` (`call-flake.nix`), with the sources fetched.
fn call(
    ev: &mut Evaluator,
    lock: &Lock,
    sources: &BTreeMap<String, Source>,
) -> Result<Value, FlakeError> {
    let attr = |name: &str, value: Value| Attr {
        name: Symbol::intern(name),
        pos: Span::NONE,
        value,
    };
    let mut entries = Vec::new();
    for (key, s) in sources {
        let mut info = vec![
            attr(
                "outPath",
                Value::string_with_context(
                    s.store_path.clone(),
                    Context::from([s.store_path.clone().into_boxed_str()]),
                ),
            ),
            attr("narHash", Value::string(s.nar_hash.clone())),
        ];
        if let Some(t) = s.last_modified {
            info.push(attr("lastModified", Value::Int(t)));
            info.push(attr("lastModifiedDate", Value::string(date_of(t))));
        }
        if let Some(rev) = &s.rev {
            info.push(attr("rev", Value::string(rev.clone())));
            info.push(attr(
                "shortRev",
                Value::string(rev[..7.min(rev.len())].to_string()),
            ));
        }
        if let Some(rev) = &s.dirty_rev {
            info.push(attr("dirtyRev", Value::string(rev.clone())));
            info.push(attr(
                "dirtyShortRev",
                Value::string(format!("{}-dirty", &rev[..7.min(rev.len())])),
            ));
        }
        if let Some(dir) = &s.dir {
            info.push(attr("dir", Value::string(dir.clone())));
        }
        entries.push(attr(key, Value::attrs(Attrs::from_unsorted(info))));
    }
    let sources = Value::attrs(Attrs::from_unsorted(entries));
    let f = ev.eval_source("«call-flake.nix»", CALL_FLAKE, "/")?;
    let f = ev.apply(f, Value::string(lock.to_json()), Span::NONE)?;
    Ok(ev.apply(f, sources, Span::NONE)?)
}

/// `YYYYMMDDHHMMSS` of a time in seconds since the epoch (UTC), as `lastModifiedDate` is.
fn date_of(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}{m:02}{d:02}{:02}{:02}{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Looks up an installable's attribute in a flake's outputs as Nix does:
/// `packages.<system>.ATTR`, then `legacyPackages.<system>.ATTR`, then `ATTR`.
pub fn attr_candidates(attr: Option<&str>, system: &str) -> Vec<String> {
    let attr = attr.filter(|a| !a.is_empty()).unwrap_or("default");
    vec![
        format!("packages.{system}.{attr}"),
        format!("legacyPackages.{system}.{attr}"),
        attr.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc() {
        assert_eq!(date_of(0), "19700101000000");
        assert_eq!(date_of(1_700_000_000), "20231114221320");
    }
}
