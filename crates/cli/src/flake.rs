//! Installables (`.#docker`, `git+file:///repo?rev=SHA#docker`) for `cairn eval`,
//! `instantiate` and `build`, and `cairn flake lock | update | show | metadata`.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn_eval::{EvalError, Evaluator, Value};
use cairn_flake::{FlakeError, FlakeRef, LoadOptions, Loaded};
use cairn_store::LocalStore;

use crate::{ColorChoice, GlobalArgs, Outcome};

/// A flake being evaluated: what is needed to finish its lock once evaluation is done.
pub(crate) struct Pending {
    loaded: Loaded,
    io: cairn_glue::StoreIo,
}

fn to_eval(e: FlakeError) -> Box<EvalError> {
    match e {
        FlakeError::Eval(e) => e,
        FlakeError::Other(m) => EvalError::other(m),
    }
}

fn warn(message: &str) {
    eprintln!("warning: {message}");
}

/// Loads the flake an installable names and selects its attribute: `packages.<system>.ATTR`,
/// then `legacyPackages.<system>.ATTR`, then `ATTR` (`default` without one).
pub(crate) fn select(
    ev: &mut Evaluator,
    store: &LocalStore,
    io: &cairn_glue::StoreIo,
    installable: &str,
    cwd: &str,
) -> Result<(Value, Pending), Box<EvalError>> {
    let (reference, attr) = cairn_flake::split_installable(installable);
    let flake_ref = FlakeRef::parse(reference, Path::new(cwd)).map_err(EvalError::other)?;
    let stdlib = crate::stdlib::dir().map_err(|e| EvalError::other(e.to_string()))?;
    let loaded = cairn_flake::load(
        ev,
        store,
        &flake_ref,
        &stdlib,
        &LoadOptions::default(),
        &warn,
    )
    .map_err(to_eval)?;
    let system = cairn_build::host_system();
    let candidates = cairn_flake::attr_candidates(attr, &system);
    let none = cairn_eval::Attrs::default();
    let mut value = None;
    for path in &candidates {
        if has_path(ev, &loaded.value, path)? {
            value = Some(ev.select_path(loaded.value.clone(), path, &none)?);
            break;
        }
    }
    let Some(value) = value else {
        return Err(EvalError::other(format!(
            "flake '{reference}' does not provide attribute '{}'",
            candidates.join("', '")
        )));
    };
    Ok((
        value,
        Pending {
            loaded,
            io: io.clone(),
        },
    ))
}

/// The whole flake `reference` names (its outputs, `inputs`, `sourceInfo`...), with its lock
/// written if it changed, for `cairn repl`.
pub(crate) fn load_whole(
    ev: &mut Evaluator,
    store: &LocalStore,
    reference: &str,
    cwd: &str,
) -> Result<Value, Box<EvalError>> {
    let flake_ref = FlakeRef::parse(reference, Path::new(cwd)).map_err(EvalError::other)?;
    let stdlib = crate::stdlib::dir().map_err(|e| EvalError::other(e.to_string()))?;
    let loaded = cairn_flake::load(
        ev,
        store,
        &flake_ref,
        &stdlib,
        &LoadOptions::default(),
        &warn,
    )
    .map_err(to_eval)?;
    write_lock(&loaded).map_err(|e| EvalError::other(e.to_string()))?;
    Ok(loaded.value)
}

/// Whether the attribute path `path` exists in `v` (forcing the sets on the way).
fn has_path(ev: &mut Evaluator, v: &Value, path: &str) -> Result<bool, Box<EvalError>> {
    let mut v = v.clone();
    for name in path.split('.') {
        let Value::Attrs(attrs) = ev.force(&v)? else {
            return Ok(false);
        };
        match attrs.get_str(name) {
            Some(next) => v = next.clone(),
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// Completes the lock with the host tools the evaluation imported, and writes it when it
/// changed and belongs to a folder of this machine.
pub(crate) fn finish(pending: Pending) -> anyhow::Result<()> {
    let Pending { mut loaded, io } = pending;
    cairn_flake::record_host_tools(&mut loaded.lock, &io.host_tools_used());
    write_lock(&loaded)
}

fn write_lock(loaded: &Loaded) -> anyhow::Result<()> {
    if loaded.old_lock.as_ref() == Some(&loaded.lock) {
        return Ok(());
    }
    match &loaded.lock_path {
        Some(path) => {
            let verb = if loaded.old_lock.is_some() {
                "updating"
            } else {
                "creating"
            };
            eprintln!("{verb} lock file '{}'", path.display());
            std::fs::write(path, loaded.lock.to_json())
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
        }
        None => {
            warn("the lock of this flake is out of date, and it is not a folder to write it to");
            Ok(())
        }
    }
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum FlakeCommand {
    /// Write flake.lock: pin every input not pinned yet, and the host tools the outputs use.
    #[command(after_help = "Examples:\n  \
        cairn flake lock\n  \
        cairn flake lock ./examples/douglas-adams-quotes")]
    Lock(FlakeArgs),
    /// Pin inputs again (all of them, or those named), as they are now.
    ///
    /// Host tools (busybox, go, cacert) are inputs of the standard library and can be named
    /// too: `cairn flake update go` pins the Go toolchain the host has now.
    #[command(after_help = "Examples:\n  \
        cairn flake update                        every input\n  \
        cairn flake update stdlib go              the standard library and the Go pin\n  \
        cairn flake update --flake ./svc go       another flake")]
    Update {
        /// The inputs to update [default: all].
        #[arg(value_name = "INPUT")]
        inputs: Vec<String>,
        /// The flake.
        #[arg(long = "flake", value_name = "FLAKEREF", default_value = ".")]
        flake: String,
        /// Show every frame of an error's trace.
        #[arg(long)]
        show_trace: bool,
    },
    /// Show the outputs of a flake as a tree, with their types.
    #[command(after_help = "Examples:\n  \
        cairn flake show\n  \
        cairn flake show git+file:///src/app?rev=0123456789abcdef0123456789abcdef01234567")]
    Show(FlakeArgs),
    /// Show where a flake comes from, its inputs and what pins them.
    #[command(after_help = "Examples:\n  \
        cairn flake metadata\n  \
        cairn flake metadata --json")]
    Metadata {
        #[command(flatten)]
        flake: FlakeArgs,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Evaluate every output (derivations to their .drv paths); build nothing.
    #[command(after_help = "Examples:\n  \
        cairn flake check")]
    Check(FlakeArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct FlakeArgs {
    /// The flake [default: the current folder].
    #[arg(value_name = "FLAKEREF", default_value = ".")]
    flake: String,
    /// Show every frame of an error's trace.
    #[arg(long)]
    show_trace: bool,
}

pub(crate) fn run(
    cmd: FlakeCommand,
    global: &GlobalArgs,
    color: ColorChoice,
) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let update_args;
    let (args, update) = match &cmd {
        FlakeCommand::Lock(a) | FlakeCommand::Show(a) | FlakeCommand::Check(a) => (a, None),
        FlakeCommand::Metadata { flake, .. } => (flake, None),
        FlakeCommand::Update {
            flake,
            inputs,
            show_trace,
        } => {
            update_args = FlakeArgs {
                flake: flake.clone(),
                show_trace: *show_trace,
            };
            (
                &update_args,
                Some(inputs.iter().cloned().collect::<BTreeSet<_>>()),
            )
        }
    };
    let io = cairn_glue::StoreIo::writing(store.clone());
    io.set_fetcher(crate::eval::fetcher());
    io.restrict_to_store();
    let cwd = std::env::current_dir()?;
    let mut ev = crate::eval::plain_evaluator(io.clone(), true)?;
    let result = load_and(&mut ev, &store, &io, args, update, &cmd, &cwd);
    let outcome = match result {
        Ok(()) => Outcome::Success,
        Err(e) => {
            crate::diagnostics::print_eval_error(
                &ev,
                &e,
                args.show_trace,
                crate::eval::SHORT_TRACE,
                color,
            );
            Outcome::Rejected
        }
    };
    std::mem::forget(ev);
    Ok(outcome)
}

fn load_and(
    ev: &mut Evaluator,
    store: &Arc<LocalStore>,
    io: &cairn_glue::StoreIo,
    args: &FlakeArgs,
    update: Option<BTreeSet<String>>,
    cmd: &FlakeCommand,
    cwd: &Path,
) -> Result<(), Box<EvalError>> {
    let flake_ref = FlakeRef::parse(&args.flake, cwd).map_err(EvalError::other)?;
    let stdlib = crate::stdlib::dir().map_err(|e| EvalError::other(e.to_string()))?;
    let options = LoadOptions { update };
    let mut loaded =
        cairn_flake::load(ev, store, &flake_ref, &stdlib, &options, &warn).map_err(to_eval)?;
    let mut out = String::new();
    match cmd {
        FlakeCommand::Lock(_) | FlakeCommand::Update { .. } | FlakeCommand::Check(_) => {
            // Evaluating the outputs finds the host tools they use.
            let mut tree = Vec::new();
            walk(ev, &loaded.value, "", &mut tree, true)?;
            if matches!(cmd, FlakeCommand::Check(_)) {
                for (path, kind) in &tree {
                    out.push_str(&format!("{path}: {kind}\n"));
                }
            }
        }
        FlakeCommand::Show(_) => {
            let mut tree = Vec::new();
            walk(ev, &loaded.value, "", &mut tree, false)?;
            out.push_str(&render_tree(&loaded.source.store_path, &tree));
        }
        FlakeCommand::Metadata { json, .. } => {
            out.push_str(&metadata(&loaded, *json));
        }
    }
    cairn_flake::record_host_tools(&mut loaded.lock, &io.host_tools_used());
    write_lock(&loaded).map_err(|e| EvalError::other(e.to_string()))?;
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(out.as_bytes());
    Ok(())
}

/// The outputs as (attribute path, description), as `nix flake show` lists them. With
/// `instantiate`, each derivation's `.drv` path is computed (which writes it).
fn walk(
    ev: &mut Evaluator,
    flake: &Value,
    _prefix: &str,
    out: &mut Vec<(String, String)>,
    instantiate: bool,
) -> Result<(), Box<EvalError>> {
    let Value::Attrs(attrs) = ev.force(flake)? else {
        return Ok(());
    };
    let Some(outputs) = attrs.get_str("outputs").cloned() else {
        return Ok(());
    };
    let Value::Attrs(outputs) = ev.force(&outputs)? else {
        return Ok(());
    };
    for output in outputs.sorted_by_name() {
        let name = output.name.as_str().to_string();
        describe(ev, &output.value, &name, 0, out, instantiate)?;
    }
    Ok(())
}

fn describe(
    ev: &mut Evaluator,
    v: &Value,
    path: &str,
    depth: usize,
    out: &mut Vec<(String, String)>,
    instantiate: bool,
) -> Result<(), Box<EvalError>> {
    let v = ev.force(v)?;
    match &v {
        Value::Attrs(attrs) => {
            let is_drv = match attrs.get_str("type") {
                Some(t) => {
                    matches!(ev.force(&t.clone())?, Value::String(s) if s.as_str() == "derivation")
                }
                None => false,
            };
            if is_drv {
                let name = match attrs.get_str("name") {
                    Some(n) => match ev.force(&n.clone())? {
                        Value::String(s) => s.as_str().to_string(),
                        _ => String::new(),
                    },
                    None => String::new(),
                };
                let mut kind = format!("package '{name}'");
                if instantiate
                    && let Some(d) = attrs.get_str("drvPath")
                    && let Value::String(s) = ev.force(&d.clone())?
                {
                    kind = format!("package '{name}' ({})", s.as_str());
                }
                out.push((path.to_string(), kind));
            } else if depth >= 3 || path.starts_with("legacyPackages.") && depth >= 1 {
                out.push((
                    path.to_string(),
                    "omitted (use 'cairn eval' to look inside)".into(),
                ));
            } else {
                for a in attrs.sorted_by_name() {
                    let sub = format!("{path}.{}", a.name.as_str());
                    describe(ev, &a.value, &sub, depth + 1, out, instantiate)?;
                }
            }
        }
        Value::Lambda(..) | Value::PrimOp(..) | Value::PrimOpApp(..) => {
            out.push((path.to_string(), "function".into()));
        }
        other => out.push((path.to_string(), other.type_description().to_string())),
    }
    Ok(())
}

/// The tree `nix flake show` prints.
fn render_tree(root: &str, items: &[(String, String)]) -> String {
    let mut out = format!("{root}\n");
    let mut shown: BTreeSet<String> = BTreeSet::new();
    for (path, kind) in items {
        let parts: Vec<&str> = path.split('.').collect();
        for depth in 0..parts.len() {
            let prefix = parts[..=depth].join(".");
            if !shown.insert(prefix) {
                continue;
            }
            let indent = "│   ".repeat(depth);
            if depth + 1 == parts.len() {
                out.push_str(&format!("{indent}├───{}: {kind}\n", parts[depth]));
            } else {
                out.push_str(&format!("{indent}├───{}\n", parts[depth]));
            }
        }
    }
    out
}

fn metadata(loaded: &Loaded, json: bool) -> String {
    let s = &loaded.source;
    if json {
        let mut m = serde_json::Map::new();
        m.insert("path".into(), s.store_path.clone().into());
        m.insert("narHash".into(), s.nar_hash.clone().into());
        if let Some(d) = &loaded.description {
            m.insert("description".into(), d.clone().into());
        }
        if let Some(t) = s.last_modified {
            m.insert("lastModified".into(), t.into());
        }
        if let Some(r) = &s.rev {
            m.insert("revision".into(), r.clone().into());
        }
        if let Some(r) = &s.dirty_rev {
            m.insert("dirtyRevision".into(), r.clone().into());
        }
        m.insert("locked".into(), s.locked.to_url().into());
        let lock: serde_json::Value =
            serde_json::from_str(&loaded.lock.to_json()).unwrap_or_default();
        m.insert("locks".into(), lock);
        return serde_json::to_string(&m).unwrap_or_default() + "\n";
    }
    let mut out = String::new();
    out.push_str(&format!("Resolved URL:  {}\n", s.locked.to_url()));
    if let Some(d) = &loaded.description {
        out.push_str(&format!("Description:   {d}\n"));
    }
    out.push_str(&format!("Path:          {}\n", s.store_path));
    if let Some(r) = &s.rev {
        out.push_str(&format!("Revision:      {r}\n"));
    }
    if let Some(r) = &s.dirty_rev {
        out.push_str(&format!("Revision:      {r}\n"));
    }
    if let Some(t) = s.last_modified {
        out.push_str(&format!("Last modified: {t}\n"));
    }
    out.push_str(&format!("NAR hash:      {}\nInputs:\n", s.nar_hash));
    let lock = &loaded.lock;
    fn inputs(lock: &cairn_flake::lock::Lock, node: &str, indent: &str, out: &mut String) {
        let Some(n) = lock.nodes.get(node) else {
            return;
        };
        let count = n.inputs.len();
        for (i, (name, spec)) in n.inputs.iter().enumerate() {
            let last = i + 1 == count;
            let branch = if last { "└───" } else { "├───" };
            match spec {
                serde_json::Value::Array(path) => {
                    let p: Vec<&str> = path.iter().filter_map(|v| v.as_str()).collect();
                    out.push_str(&format!(
                        "{indent}{branch}{name} follows input '{}'\n",
                        p.join("/")
                    ));
                }
                _ => {
                    let key = lock.resolve(spec).unwrap_or_default();
                    let locked = lock
                        .nodes
                        .get(&key)
                        .map(|n| describe_locked(&n.locked))
                        .unwrap_or_default();
                    out.push_str(&format!("{indent}{branch}{name}: {locked}\n"));
                    let sub = format!("{indent}{}", if last { "    " } else { "│   " });
                    inputs(lock, &key, &sub, out);
                }
            }
        }
    }
    inputs(lock, &lock.root, "", &mut out);
    out
}

fn describe_locked(locked: &serde_json::Map<String, serde_json::Value>) -> String {
    let s = |k: &str| locked.get(k).and_then(|v| v.as_str()).unwrap_or("");
    match s("type") {
        "host" => format!(
            "host tool {} {} ({})",
            s("tool"),
            s("version"),
            s("narHash")
        ),
        "cairn" => format!("cairn:{} ({})", s("name"), s("narHash")),
        "git" => format!("{}?rev={} ({})", s("url"), s("rev"), s("narHash")),
        "path" => format!("path:{} ({})", s("path"), s("narHash")),
        other => other.to_string(),
    }
}

/// The flake folder an argument names, for `cairn build DIR` on a folder with a flake.nix and
/// no default.nix.
pub(crate) fn folder_flake(arg: &Path) -> Option<PathBuf> {
    (arg.is_dir() && arg.join("flake.nix").is_file() && !arg.join("default.nix").exists())
        .then(|| arg.to_path_buf())
}
