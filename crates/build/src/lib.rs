//! Realising derivations: building their outputs in a sandbox and registering them in the
//! store.
//!
//! `Builder::realise` takes `.drv` paths, walks their input derivations, and builds every one
//! whose outputs are not all valid yet, inputs first (`schedule`). A build (`build_one`)
//! prepares a root folder under the store's state, runs the builder in the sandbox
//! (`sandbox`) with Nix's environment (`env`), then takes the outputs from the root's store
//! folder, makes them canonical, scans them for references, checks a fixed-output hash, and
//! registers them all at once. A build that fails registers nothing and leaves nothing but
//! its log (and, with `keep_failed`, its folder).
//!
//! Before anything is built, `Builder::decide` asks the store's substituter (binary caches)
//! for the missing outputs, from the derivations asked for down: a derivation whose outputs a
//! cache has is fetched, and its inputs are not even looked at; the others are built, and
//! their inputs asked about in turn. With `jobs == 0` nothing may be built: a derivation no
//! cache has is an error that says why, before anything is fetched.

pub mod env;
pub mod fetchurl;
mod image;
pub mod sandbox;
pub mod scan;

pub use crate::fetchurl::{FetchError, fetchurl};
pub use crate::image::{ImageFormat, WriteImageError, read_description, write_described_image};
pub use crate::scan::{RefScanner, Scanned, scan_and_hash, scan_references};

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn_store::{
    Derivation, Hash, IngestionMethod, LocalStore, Output, PathInfo, StoreError, StorePath,
};

/// What a build may use, and how it is run.
#[derive(Clone, Debug)]
pub struct BuildOptions {
    /// The `cairn` binary, whose `__sandbox` command enters the sandbox.
    pub sandbox_exe: PathBuf,
    /// Host paths a build sees besides its inputs: (path inside, path on the host).
    pub sandbox_paths: Vec<(String, PathBuf)>,
    /// `NIX_BUILD_CORES`.
    pub cores: usize,
    /// Keep the build folder of a failed build.
    pub keep_failed: bool,
    /// How many builds run at once; 0 forbids building (what is missing must be fetched).
    pub jobs: usize,
}

/// Parses Nix's `sandbox-paths` syntax: paths separated by spaces, each `PATH` (the same
/// inside and on the host) or `INSIDE=HOST`, with a `?` at the end for a path that may be
/// missing on the host (then it is left out).
pub fn parse_sandbox_paths(text: &str) -> Result<Vec<(String, PathBuf)>, String> {
    let mut out = Vec::new();
    for item in text.split_whitespace() {
        let (item, optional) = match item.strip_suffix('?') {
            Some(i) => (i, true),
            None => (item, false),
        };
        let (inside, host) = item.split_once('=').unwrap_or((item, item));
        if !inside.starts_with('/') || !host.starts_with('/') {
            return Err(format!("sandbox path '{item}' is not absolute"));
        }
        if !Path::new(host).exists() {
            if optional {
                continue;
            }
            return Err(format!("sandbox path '{host}' does not exist"));
        }
        out.push((inside.to_string(), PathBuf::from(host)));
    }
    Ok(out)
}

impl BuildOptions {
    /// The defaults: `/bin/sh` is the host's static busybox, when there is one.
    pub fn new(sandbox_exe: PathBuf) -> BuildOptions {
        let mut sandbox_paths = Vec::new();
        for candidate in ["/bin/busybox", "/usr/bin/busybox"] {
            if Path::new(candidate).exists() {
                sandbox_paths.push(("/bin/sh".to_string(), PathBuf::from(candidate)));
                break;
            }
        }
        BuildOptions {
            sandbox_exe,
            sandbox_paths,
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            keep_failed: false,
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// What happened, for the caller to show.
#[derive(Debug)]
pub enum Event<'a> {
    /// How many derivations will be built.
    Planned(usize),
    /// A derivation starts building.
    Building(&'a str),
    /// A derivation was built.
    Built(&'a str),
    /// A line of a build's log.
    Log(&'a str, &'a str),
    /// Outputs are fetched from a binary cache instead of being built.
    Fetch(cairn_store::CopyEvent<'a>),
    /// Something the user should know about a build: (derivation, message).
    Note(&'a str, &'a str),
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Failed(String),
}

type Result<T, E = BuildError> = std::result::Result<T, E>;

/// The features a derivation may require (`requiredSystemFeatures`), as Nix's defaults
/// without `kvm`.
const SYSTEM_FEATURES: [&str; 3] = ["benchmark", "big-parallel", "nixos-test"];

/// The system this machine builds for, in Nix's spelling.
pub fn host_system() -> String {
    let arch = match std::env::consts::ARCH {
        "x86" => "i686",
        other => other,
    };
    format!("{arch}-{}", std::env::consts::OS)
}

/// The declared hash of a fixed output, and how it is computed.
type FixedHash = (IngestionMethod, Hash);

fn failed(msg: impl Into<String>) -> BuildError {
    BuildError::Failed(msg.into())
}

/// What `realise` will do: the output paths to fetch, and the derivations to build, each
/// with why its outputs are not fetched instead.
#[derive(Debug, Default)]
pub struct Decision {
    pub fetch: Vec<StorePath>,
    pub build: BTreeMap<StorePath, String>,
}

/// Whether a derivation's outputs may be fetched (`allowSubstitutes`, true unless set to
/// false: `""` in the environment, or `false` in structured attributes).
fn substitutes_allowed(drv: &Derivation) -> bool {
    if let Some(json) = drv.env.get("__json") {
        return serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| v.get("allowSubstitutes").and_then(|a| a.as_bool()))
            .unwrap_or(true);
    }
    drv.env.get("allowSubstitutes").is_none_or(|v| v == "1")
}

/// The state of `realise`, shared by its workers.
struct Schedule<'p> {
    waiting: Vec<&'p StorePath>,
    running: BTreeSet<&'p StorePath>,
    done: BTreeSet<&'p StorePath>,
    error: Option<BuildError>,
}

pub struct Builder<'a> {
    store: Arc<LocalStore>,
    options: BuildOptions,
    events: &'a (dyn Fn(Event<'_>) + Sync),
}

impl<'a> Builder<'a> {
    pub fn new(
        store: Arc<LocalStore>,
        options: BuildOptions,
        events: &'a (dyn Fn(Event<'_>) + Sync),
    ) -> Builder<'a> {
        Builder {
            store,
            options,
            events,
        }
    }

    fn print(&self, p: &StorePath) -> String {
        self.store.store_dir().print(p)
    }

    /// Reads a `.drv` from the store.
    pub fn read_derivation(&self, drv: &StorePath) -> Result<Derivation> {
        if !self.store.is_valid(drv)? {
            return Err(failed(format!(
                "derivation '{}' is not valid",
                self.print(drv)
            )));
        }
        let text = fs::read_to_string(self.store.physical(drv))
            .map_err(|e| failed(format!("cannot read '{}': {e}", self.print(drv))))?;
        Derivation::from_aterm(self.store.store_dir(), drv.name(), &text)
            .map_err(|e| failed(format!("cannot read '{}': {e}", self.print(drv))))
    }

    /// The derivations to build for `drvs`, inputs before the derivations that use them, and
    /// every derivation read on the way.
    pub fn plan(
        &self,
        drvs: &[StorePath],
    ) -> Result<(Vec<StorePath>, BTreeMap<StorePath, Derivation>)> {
        let mut known = BTreeMap::new();
        let mut order = Vec::new();
        // Depth first, iterative: (path, inputs pushed yet).
        let mut stack: Vec<(StorePath, bool)> =
            drvs.iter().rev().map(|d| (d.clone(), false)).collect();
        let mut done = BTreeSet::new();
        while let Some((p, expanded)) = stack.pop() {
            if done.contains(&p) {
                continue;
            }
            if expanded {
                done.insert(p.clone());
                order.push(p);
                continue;
            }
            if !known.contains_key(&p) {
                let drv = self.read_derivation(&p)?;
                known.insert(p.clone(), drv);
            }
            stack.push((p.clone(), true));
            for input in known[&p].input_drvs.keys().rev() {
                if !done.contains(input) {
                    stack.push((input.clone(), false));
                }
            }
        }
        Ok((order, known))
    }

    /// Whether every output of `drv` is valid.
    fn outputs_valid(&self, drv: &Derivation) -> Result<bool> {
        for out in drv.outputs.values() {
            match out.path() {
                Some(p) if self.store.is_valid(p)? => {}
                _ => return Ok(false),
            }
        }
        Ok(true)
    }

    /// Builds what `drvs` need and returns the output paths of each. Up to `jobs` builds run
    /// at once, each as soon as its inputs are built; after a failure no new build starts,
    /// the running ones end, and the first failure is returned.
    pub fn realise(
        &self,
        drvs: &[StorePath],
    ) -> Result<BTreeMap<StorePath, BTreeMap<String, StorePath>>> {
        let (order, known) = self.plan(drvs)?;
        let decision = self.decide(drvs, &known)?;
        if self.options.jobs == 0 && !decision.build.is_empty() {
            return Err(failed(self.cannot_build(&decision)));
        }
        if !decision.fetch.is_empty()
            && let Some(sub) = self.store.substituter()
        {
            sub.fetch(&self.store, &decision.fetch, &|e| {
                (self.events)(Event::Fetch(e))
            })
            .map_err(|e| failed(e.to_string()))?;
        }
        let todo: Vec<&StorePath> = order
            .iter()
            .filter(|p| decision.build.contains_key(*p))
            .collect();
        let pending: BTreeSet<&StorePath> = todo.iter().copied().collect();
        // What is valid already must stay while the builds that need it run.
        for p in &order {
            for out in known[p].outputs.values().filter_map(Output::path) {
                if self.store.is_valid(out)? {
                    self.store.add_temp_root(out)?;
                }
            }
            for src in &known[p].input_srcs {
                if self.store.is_valid(src)? {
                    self.store.add_temp_root(src)?;
                }
            }
        }
        (self.events)(Event::Planned(todo.len()));
        let state = std::sync::Mutex::new(Schedule {
            waiting: todo,
            running: BTreeSet::new(),
            done: BTreeSet::new(),
            error: None,
        });
        let wake = std::sync::Condvar::new();
        let jobs = self.options.jobs.max(1);
        std::thread::scope(|scope| {
            for _ in 0..jobs {
                scope.spawn(|| {
                    loop {
                        let next = {
                            let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                            loop {
                                if st.error.is_some() || st.waiting.is_empty() {
                                    break None;
                                }
                                // The first waiting derivation whose inputs are all built.
                                let ready = st.waiting.iter().position(|p| {
                                    known[*p]
                                        .input_drvs
                                        .keys()
                                        .all(|i| !pending.contains(i) || st.done.contains(i))
                                });
                                match ready {
                                    Some(i) => {
                                        let p = st.waiting.remove(i);
                                        st.running.insert(p);
                                        break Some(p);
                                    }
                                    None => {
                                        st = wake.wait(st).unwrap_or_else(|e| e.into_inner());
                                    }
                                }
                            }
                        };
                        let Some(p) = next else {
                            wake.notify_all();
                            return;
                        };
                        let result = self.build_locked(p, &known[p]);
                        if result.is_ok() {
                            (self.events)(Event::Built(&self.print(p)));
                        }
                        let mut st = state.lock().unwrap_or_else(|e| e.into_inner());
                        st.running.remove(p);
                        match result {
                            Ok(()) => {
                                st.done.insert(p);
                            }
                            Err(e) => {
                                if st.error.is_none() {
                                    st.error = Some(e);
                                }
                            }
                        }
                        drop(st);
                        wake.notify_all();
                    }
                });
            }
        });
        let st = state.into_inner().unwrap_or_else(|e| e.into_inner());
        if let Some(e) = st.error {
            return Err(e);
        }
        let mut out = BTreeMap::new();
        for d in drvs {
            let outputs = known[d]
                .outputs
                .iter()
                .filter_map(|(n, o)| Some((n.clone(), o.path()?.clone())))
                .collect();
            out.insert(d.clone(), outputs);
        }
        Ok(out)
    }

    /// Builds `drv` under its build lock, unless another process built it meanwhile.
    fn build_locked(&self, p: &StorePath, drv: &Derivation) -> Result<()> {
        let _lock = match self.store.try_lock_build(p)? {
            Some(lock) => lock,
            None => {
                (self.events)(Event::Note(
                    &self.print(p),
                    "waiting for another build of it to finish",
                ));
                self.store.lock_build(p)?
            }
        };
        if self.outputs_valid(drv)? {
            return Ok(());
        }
        self.build_one(p, drv)
    }

    /// What to fetch and what to build for `drvs`, whose derivations (and their inputs') are
    /// in `known`: from `drvs` down, the missing outputs of each level are asked of the
    /// substituter together. A derivation whose missing outputs can all be fetched is fetched,
    /// and its inputs are not needed; the others are built, and their inputs looked at next.
    pub fn decide(
        &self,
        drvs: &[StorePath],
        known: &BTreeMap<StorePath, Derivation>,
    ) -> Result<Decision> {
        let sub = self.store.substituter();
        let mut decision = Decision::default();
        let mut seen = BTreeSet::new();
        let mut level: Vec<StorePath> = drvs.to_vec();
        while !level.is_empty() {
            // Each derivation with missing outputs: the outputs, and whether any has no path
            // known before it is built.
            let mut missing = Vec::new();
            for d in std::mem::take(&mut level) {
                if !seen.insert(d.clone()) {
                    continue;
                }
                let drv = known.get(&d).ok_or_else(|| {
                    failed(format!("derivation '{}' was not read", self.print(&d)))
                })?;
                let mut outputs = Vec::new();
                let mut floating = false;
                for out in drv.outputs.values() {
                    match out.path() {
                        Some(p) if self.store.is_valid(p)? => {}
                        Some(p) => outputs.push(p.clone()),
                        None => floating = true,
                    }
                }
                if !outputs.is_empty() || floating {
                    missing.push((d, outputs, floating));
                }
            }
            let asked: Vec<StorePath> = missing
                .iter()
                .filter(|(d, _, floating)| !floating && substitutes_allowed(&known[d]))
                .flat_map(|(_, outputs, _)| outputs.iter().cloned())
                .collect();
            let answers = match sub {
                Some(sub) if !asked.is_empty() => sub.query(&asked),
                _ => BTreeMap::new(),
            };
            for (d, outputs, floating) in missing {
                let why_not = if sub.is_none() {
                    Some("no binary cache is configured".to_string())
                } else if floating {
                    Some("its outputs have no paths before it is built".to_string())
                } else if !substitutes_allowed(&known[&d]) {
                    Some("it is built locally (`allowSubstitutes = false`)".to_string())
                } else {
                    outputs.iter().find_map(|o| match answers.get(o) {
                        Some(Ok(_)) => None,
                        Some(Err(why)) => Some(format!("'{}': {why}", self.print(o))),
                        None => Some(format!("'{}' was not asked about", self.print(o))),
                    })
                };
                match why_not {
                    None => decision.fetch.extend(outputs),
                    Some(why) => {
                        level.extend(known[&d].input_drvs.keys().cloned());
                        decision.build.insert(d, why);
                    }
                }
            }
        }
        Ok(decision)
    }

    /// Why `-j 0` cannot do without building: what would have to be built, and why no cache
    /// gives it.
    fn cannot_build(&self, decision: &Decision) -> String {
        let n = decision.build.len();
        let mut msg = format!(
            "building is forbidden (-j 0), but {} {} would have to be built:",
            n,
            if n == 1 { "derivation" } else { "derivations" }
        );
        for (d, why) in &decision.build {
            msg.push_str(&format!("\n  {}\n    {why}", self.print(d)));
        }
        msg
    }

    /// The store paths a build may see: the closure of its sources and of the outputs of its
    /// input derivations.
    fn input_closure(
        &self,
        drv: &Derivation,
        known: Option<&BTreeMap<StorePath, Derivation>>,
    ) -> Result<BTreeSet<StorePath>> {
        let roots = self.direct_inputs(drv, known)?;
        Ok(self.store.closure(&roots)?)
    }

    /// The store paths a derivation names: its sources and the outputs of its input
    /// derivations it uses.
    fn direct_inputs(
        &self,
        drv: &Derivation,
        known: Option<&BTreeMap<StorePath, Derivation>>,
    ) -> Result<Vec<StorePath>> {
        let mut roots: Vec<StorePath> = drv.input_srcs.iter().cloned().collect();
        for (input, outputs) in &drv.input_drvs {
            let input_drv = match known.and_then(|k| k.get(input)) {
                Some(d) => d.clone(),
                None => self.read_derivation(input)?,
            };
            for name in outputs {
                match input_drv.outputs.get(name).and_then(Output::path) {
                    Some(p) => roots.push(p.clone()),
                    None => {
                        return Err(failed(format!(
                            "derivation '{}' has no output '{name}'",
                            self.print(input)
                        )));
                    }
                }
            }
        }
        Ok(roots)
    }

    /// Builds one derivation whose inputs are valid, and registers its outputs.
    pub fn build_one(&self, path: &StorePath, drv: &Derivation) -> Result<()> {
        self.build_as(path, drv, None)
    }

    /// Builds a derivation whose outputs are valid once more, and compares the new outputs
    /// with the registered ones: the differences, one line each (none when the build is
    /// reproducible). Nothing is registered.
    pub fn check(&self, path: &StorePath, drv: &Derivation) -> Result<Vec<String>> {
        if !self.outputs_valid(drv)? {
            return Err(failed(format!(
                "some outputs of '{}' are not valid, so checking is not possible",
                self.print(path)
            )));
        }
        let _lock = self.store.lock_build(path)?;
        let mut differences = Vec::new();
        self.build_as(path, drv, Some(&mut differences))?;
        Ok(differences)
    }

    fn build_as(
        &self,
        path: &StorePath,
        drv: &Derivation,
        check: Option<&mut Vec<String>>,
    ) -> Result<()> {
        let name = self.print(path);
        let system = host_system();
        if drv.system != system && drv.system != "builtin" {
            return Err(failed(format!(
                "cannot build '{name}': it needs the system '{}', and this machine is '{system}'",
                drv.system
            )));
        }
        if let Some(features) = drv.env.get("requiredSystemFeatures") {
            let missing: Vec<&str> = features
                .split_whitespace()
                .filter(|f| !SYSTEM_FEATURES.contains(f))
                .collect();
            if !missing.is_empty() {
                return Err(failed(format!(
                    "'{name}' requires the system features {{{}}}, which this machine does not have",
                    missing.join(", ")
                )));
            }
        }
        if drv.builder == "builtin:fetchurl" && !drv.is_fixed_output() {
            return Err(failed(format!(
                "cannot build '{name}': the builder '{}' may only be used by fixed-output derivations",
                drv.builder
            )));
        }
        for (attr, what) in [
            ("__json", "__structuredAttrs"),
            ("exportReferencesGraph", "exportReferencesGraph"),
        ] {
            if drv.env.contains_key(attr) {
                return Err(failed(format!(
                    "cannot build '{name}': derivations with {what} cannot be built yet"
                )));
            }
        }
        (self.events)(Event::Building(&name));
        let inputs = self.input_closure(drv, None)?;
        // One build of a derivation at a time (the caller holds its build lock): what a killed
        // build left is removed first.
        let top = self.store.state_dir().join("builds").join(path.base_name());
        let _ = cairn_store::dump::make_writable_and_remove(&top);
        let root = top.join("root");
        let network = drv.is_fixed_output();
        let store_dir = self.store.store_dir().as_str().to_string();
        sandbox::prepare_root(&root, &store_dir, network)
            .map_err(|e| failed(format!("cannot prepare the build of '{name}': {e}")))?;
        let env = env::build_env(drv, &store_dir, self.options.cores, &|n| {
            std::env::var(n).ok()
        });
        for (file, contents) in &env.files {
            fs::write(root.join("build").join(file), contents)
                .map_err(|e| failed(format!("cannot prepare the build of '{name}': {e}")))?;
        }
        let mut binds: Vec<(PathBuf, String, bool)> = inputs
            .iter()
            .map(|p| (self.store.physical(p), self.print(p), true))
            .collect();
        for (inside, host) in &self.options.sandbox_paths {
            binds.push((host.clone(), inside.clone(), true));
        }
        for dev in sandbox::DEVICES {
            if Path::new(dev).exists() {
                binds.push((PathBuf::from(dev), dev.to_string(), false));
            }
        }
        if network {
            for f in ["/etc/resolv.conf", "/etc/services"] {
                if Path::new(f).exists() {
                    binds.push((PathBuf::from(f), f.to_string(), true));
                }
            }
        }
        let spec = sandbox::Spec {
            root: root.clone(),
            binds,
            network,
            uid: nix::unistd::getuid().as_raw(),
            gid: nix::unistd::getgid().as_raw(),
            builder: drv.builder.clone(),
            args: drv.args.clone(),
            env: env.vars.into_iter().collect(),
            cwd: env::BUILD_TOP.to_string(),
            writable: vec![
                env::BUILD_TOP.to_string(),
                "/tmp".to_string(),
                store_dir.clone(),
            ],
        };
        let spec_file = top.join("spec.json");
        fs::write(
            &spec_file,
            serde_json::to_vec(&spec).expect("a spec serialises"),
        )
        .map_err(|e| failed(format!("cannot prepare the build of '{name}': {e}")))?;

        let result = if drv.builder.starts_with("builtin:") {
            self.builtin(drv, &root)
        } else {
            self.run_sandbox(&name, path, &spec_file)
        };
        let result = result.and_then(|()| self.take_outputs(path, drv, &root, &inputs, check));
        match &result {
            Err(_) if self.options.keep_failed => {
                (self.events)(Event::Note(
                    &name,
                    &format!(
                        "note: keeping the build folder '{}'",
                        top.join("root/build").display()
                    ),
                ));
            }
            _ => {
                let _ = cairn_store::dump::make_writable_and_remove(&top);
            }
        }
        result
    }

    /// Builders written in Rust, run in this process: `builtin:fetchurl` (the only one that
    /// has the network, being fixed-output), and `builtin:streamLayeredImage` and
    /// `builtin:writeImage` of `dockerTools`. Their output goes where a sandboxed builder's
    /// would, in the root's store folder.
    fn builtin(&self, drv: &Derivation, root: &Path) -> Result<()> {
        let out = drv
            .outputs
            .get("out")
            .and_then(Output::path)
            .ok_or_else(|| {
                failed(format!(
                    "the builder '{}' needs an output 'out'",
                    drv.builder
                ))
            })?;
        let dest = root.join(self.print(out).trim_start_matches('/'));
        match drv.builder.as_str() {
            "builtin:streamLayeredImage" => {
                let direct = self.direct_inputs(drv, None)?;
                image::describe_image(&self.store, drv, out, &direct, &dest)
                    .map_err(|e| failed(format!("cannot describe the image: {e}")))
            }
            "builtin:writeImage" => image::write_image(&self.store, drv, &dest)
                .map_err(|e| failed(format!("cannot write the image: {e}"))),
            "builtin:fetchurl" => fetchurl(&drv.env, &dest).map_err(|e| failed(e.to_string())),
            other => Err(failed(format!("the builder '{other}' is not supported"))),
        }
    }

    /// Runs the builder in the sandbox, its output into the log.
    fn run_sandbox(&self, name: &str, path: &StorePath, spec_file: &Path) -> Result<()> {
        let log_path = self.log_path(path);
        if let Some(parent) = log_path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| failed(format!("cannot create the log folder: {e}")))?;
        }
        let mut log = fs::File::create(&log_path).map_err(|e| {
            failed(format!(
                "cannot create the log '{}': {e}",
                log_path.display()
            ))
        })?;
        let (reader, writer) =
            std::io::pipe().map_err(|e| failed(format!("cannot make a pipe: {e}")))?;
        let mut child = std::process::Command::new(&self.options.sandbox_exe)
            .args(["__sandbox", "stage1"])
            .arg(spec_file)
            .stdin(std::process::Stdio::null())
            .stdout(writer.try_clone().map_err(|e| failed(e.to_string()))?)
            .stderr(writer)
            .env_clear()
            .spawn()
            .map_err(|e| failed(format!("cannot start the sandbox: {e}")))?;
        let mut last = Vec::new();
        for line in std::io::BufReader::new(reader).split(b'\n') {
            let Ok(line) = line else { break };
            let _ = log.write_all(&line);
            let _ = log.write_all(b"\n");
            let text = String::from_utf8_lossy(&line);
            (self.events)(Event::Log(name, &text));
            last.push(text.into_owned());
            if last.len() > 25 {
                last.remove(0);
            }
        }
        let status = child
            .wait()
            .map_err(|e| failed(format!("cannot wait for the build: {e}")))?;
        drop(log);
        compress_log(&log_path);
        if !status.success() {
            let code = status
                .code()
                .map_or("a signal".to_string(), |c| format!("exit code {c}"));
            let tail = if last.is_empty() {
                "; it printed nothing".to_string()
            } else {
                format!(
                    "; last {} log lines:\n{}",
                    last.len(),
                    last.iter()
                        .map(|l| format!("> {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            };
            let hint = if last
                .iter()
                .any(|l| l.contains("cannot create the namespaces"))
            {
                "\nhint: builds need user namespaces; check that the kernel allows them \
                 (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone)"
            } else {
                ""
            };
            return Err(failed(format!(
                "builder for '{name}' failed with {code}{tail}\nFor the whole log, run 'cairn log {name}'.{hint}"
            )));
        }
        Ok(())
    }

    /// Where the log of a derivation's build is written while it runs (afterwards, with
    /// `.xz` added, compressed).
    pub fn log_path(&self, drv: &StorePath) -> PathBuf {
        log_path(&self.store, drv)
    }

    /// Takes the outputs out of the build's root, checks and registers them.
    fn take_outputs(
        &self,
        path: &StorePath,
        drv: &Derivation,
        root: &Path,
        inputs: &BTreeSet<StorePath>,
        check: Option<&mut Vec<String>>,
    ) -> Result<()> {
        let name = self.print(path);
        let outputs: Vec<(String, StorePath, Option<FixedHash>)> = drv
            .outputs
            .iter()
            .map(|(n, o)| match o {
                Output::InputAddressed(p) => Ok((n.clone(), p.clone(), None)),
                Output::Fixed { method, hash, path } => {
                    Ok((n.clone(), path.clone(), Some((*method, *hash))))
                }
                _ => Err(failed(format!(
                    "derivation '{name}' has an output of a kind not supported yet"
                ))),
            })
            .collect::<Result<_>>()?;
        let mut candidates = inputs.clone();
        candidates.extend(outputs.iter().map(|(_, p, _)| p.clone()));
        let mut moved = Vec::new();
        for (out_name, out_path, fixed) in &outputs {
            let built = root.join(self.print(out_path).trim_start_matches('/'));
            if fs::symlink_metadata(&built).is_err() {
                return Err(failed(format!(
                    "builder for '{name}' failed to produce output path for output '{out_name}' at '{}'",
                    self.print(out_path)
                )));
            }
            let temp = self.store.temp_path();
            fs::rename(&built, &temp)
                .map_err(|e| failed(format!("cannot move the output '{out_name}': {e}")))?;
            moved.push(temp.clone());
            if let Err(e) = cairn_store::dump::canonicalise(&temp) {
                remove_all(&moved);
                let e = e
                    .to_string()
                    .replace(&temp.to_string_lossy().into_owned(), &self.print(out_path));
                return Err(failed(format!("output '{}': {e}", self.print(out_path))));
            }
            if let Some((method, hash)) = fixed {
                let actual = match method {
                    IngestionMethod::Flat => cairn_store::dump::hash_file(hash.algo(), &temp),
                    IngestionMethod::Recursive => {
                        cairn_store::dump::hash_path(hash.algo(), &temp, &mut |_| true)
                            .map(|(h, _)| h)
                    }
                }
                .map_err(|e| failed(format!("cannot hash the output of '{name}': {e}")))?;
                if actual != *hash {
                    remove_all(&moved);
                    return Err(failed(format!(
                        "hash mismatch in fixed-output derivation '{name}':\n  specified: {}\n     got:    {}",
                        hash.to_sri(),
                        actual.to_sri()
                    )));
                }
            }
        }
        let mut infos = Vec::new();
        for ((_, out_path, fixed), temp) in outputs.iter().zip(&moved) {
            let scanned = scan_and_hash(temp, &candidates).map_err(|e| {
                failed(format!(
                    "cannot scan the output '{}': {e}",
                    self.print(out_path)
                ))
            })?;
            infos.push((
                temp.clone(),
                PathInfo {
                    path: out_path.clone(),
                    nar_hash: scanned.nar_hash,
                    nar_size: scanned.nar_size,
                    references: scanned.references,
                    deriver: Some(path.clone()),
                    registration_time: std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs() as i64),
                    ca: fixed
                        .map(|(m, h)| format!("fixed:{}{}:{}", m.prefix(), h.algo(), h.to_nix32())),
                    sigs: Vec::new(),
                },
            ));
        }
        if let Some(differences) = check {
            for (temp, info) in &infos {
                let registered = self.store.path_info(&info.path)?;
                if registered.is_none_or(|r| r.nar_hash != info.nar_hash) {
                    let out = self.print(&info.path);
                    differences.push(format!("output '{out}' differs from the registered one:"));
                    diff_trees(&self.store.physical(&info.path), temp, "", differences);
                }
            }
            remove_all(&moved);
            return Ok(());
        }
        if let Err(e) = self.check_references(&name, drv, &infos) {
            remove_all(&moved);
            return Err(e);
        }
        if let Err(e) = self.store.register_built(infos) {
            remove_all(&moved);
            return Err(e.into());
        }
        Ok(())
    }
}

impl Builder<'_> {
    /// Nix's checks of the outputs' references: no cycle between outputs, and the
    /// `allowedReferences`, `allowedRequisites`, `disallowedReferences` and
    /// `disallowedRequisites` of the derivation (store paths, or names of its outputs).
    fn check_references(
        &self,
        name: &str,
        drv: &Derivation,
        infos: &[(PathBuf, PathInfo)],
    ) -> Result<()> {
        let output_of: BTreeMap<&StorePath, &str> = drv
            .outputs
            .iter()
            .filter_map(|(n, o)| Some((o.path()?, n.as_str())))
            .collect();
        let refs: BTreeMap<&StorePath, &BTreeSet<StorePath>> = infos
            .iter()
            .map(|(_, i)| (&i.path, &i.references))
            .collect();
        // Cycles between outputs: a depth-first search over the references among them.
        for (_, info) in infos {
            let mut stack: Vec<&StorePath> = info
                .references
                .iter()
                .filter(|r| **r != info.path && refs.contains_key(r))
                .collect();
            let mut seen = BTreeSet::new();
            while let Some(r) = stack.pop() {
                if *r == info.path {
                    return Err(failed(format!(
                        "cycle detected in build of '{name}' in the references of output '{}'",
                        output_of[&info.path]
                    )));
                }
                if seen.insert(r) {
                    stack.extend(refs[r].iter().filter(|x| *x != r && refs.contains_key(x)));
                }
            }
        }
        let resolve = |spec: &str| -> Result<BTreeSet<StorePath>> {
            let mut out = BTreeSet::new();
            for item in spec.split_whitespace() {
                if let Some(o) = drv.outputs.get(item).and_then(Output::path) {
                    out.insert(o.clone());
                } else {
                    out.insert(
                        self.store
                            .store_dir()
                            .parse(item)
                            .map_err(|e| failed(format!("derivation '{name}': {e}")))?,
                    );
                }
            }
            Ok(out)
        };
        for (_, info) in infos {
            let requisites = || -> Result<BTreeSet<StorePath>> {
                let mut all = BTreeSet::new();
                let mut todo: Vec<StorePath> = vec![info.path.clone()];
                while let Some(p) = todo.pop() {
                    if !all.insert(p.clone()) {
                        continue;
                    }
                    match refs.get(&p) {
                        Some(r) => todo.extend(r.iter().cloned()),
                        None => todo.extend(self.store.closure(std::slice::from_ref(&p))?),
                    }
                }
                Ok(all)
            };
            let out = self.print(&info.path);
            for (attr, closure, allowed) in [
                ("allowedReferences", false, true),
                ("allowedRequisites", true, true),
                ("disallowedReferences", false, false),
                ("disallowedRequisites", true, false),
            ] {
                let Some(spec) = drv.env.get(attr) else {
                    continue;
                };
                let listed = resolve(spec)?;
                let paths = if closure {
                    requisites()?
                } else {
                    info.references.clone()
                };
                let bad: Vec<String> = paths
                    .iter()
                    .filter(|p| listed.contains(*p) != allowed)
                    .map(|p| self.print(p))
                    .collect();
                if !bad.is_empty() {
                    return Err(failed(format!(
                        "output '{out}' is not allowed to refer to the following paths ({attr}):\n  {}",
                        bad.join("\n  ")
                    )));
                }
            }
        }
        Ok(())
    }
}

/// Lines naming what differs between two trees: files only in one, of another kind, with
/// other contents or another executable bit, and links to other targets.
fn diff_trees(a: &Path, b: &Path, rel: &str, out: &mut Vec<String>) {
    use std::os::unix::fs::PermissionsExt;
    let name = if rel.is_empty() { "." } else { rel };
    let (ma, mb) = match (fs::symlink_metadata(a), fs::symlink_metadata(b)) {
        (Ok(ma), Ok(mb)) => (ma, mb),
        (Ok(_), Err(_)) => return out.push(format!("  {name}: only in the registered output")),
        (Err(_), Ok(_)) => return out.push(format!("  {name}: only in the new output")),
        (Err(_), Err(_)) => return,
    };
    let (ta, tb) = (ma.file_type(), mb.file_type());
    if ta.is_dir() && tb.is_dir() {
        let names = |p: &Path| -> BTreeSet<std::ffi::OsString> {
            fs::read_dir(p)
                .map(|d| d.flatten().map(|e| e.file_name()).collect())
                .unwrap_or_default()
        };
        let all: BTreeSet<_> = names(a).union(&names(b)).cloned().collect();
        for n in all {
            let child = if rel.is_empty() {
                n.to_string_lossy().into_owned()
            } else {
                format!("{rel}/{}", n.to_string_lossy())
            };
            diff_trees(&a.join(&n), &b.join(&n), &child, out);
        }
    } else if ta.is_symlink() && tb.is_symlink() {
        if fs::read_link(a).ok() != fs::read_link(b).ok() {
            out.push(format!("  {name}: the link points elsewhere"));
        }
    } else if ta.is_file() && tb.is_file() {
        if fs::read(a).ok() != fs::read(b).ok() {
            out.push(format!("  {name}: the contents differ"));
        } else if (ma.permissions().mode() & 0o100) != (mb.permissions().mode() & 0o100) {
            out.push(format!("  {name}: the executable bit differs"));
        }
    } else {
        out.push(format!("  {name}: a different kind of file"));
    }
}

/// Where the log of a derivation's build is written while it runs: under the store's state,
/// `log/<first two characters>/<rest of the .drv name>`, as Nix keeps them.
pub fn log_path(store: &LocalStore, drv: &StorePath) -> PathBuf {
    let base = drv.base_name();
    store
        .state_dir()
        .join("log")
        .join(&base[..2])
        .join(&base[2..])
}

fn xz_path(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".xz");
    PathBuf::from(p)
}

/// Compresses a finished log with xz (`PATH.xz`), and removes the plain one.
fn compress_log(path: &Path) {
    let Ok(plain) = fs::read(path) else { return };
    let mut xz = Vec::new();
    if lzma_rs::xz_compress(&mut &plain[..], &mut xz).is_ok()
        && fs::write(xz_path(path), &xz).is_ok()
    {
        let _ = fs::remove_file(path);
    }
}

/// The log of the last build of `drv`, if one was kept.
pub fn read_log(store: &LocalStore, drv: &StorePath) -> Option<Vec<u8>> {
    let path = log_path(store, drv);
    if let Ok(xz) = fs::read(xz_path(&path)) {
        let mut plain = Vec::new();
        lzma_rs::xz_decompress(&mut &xz[..], &mut plain).ok()?;
        return Some(plain);
    }
    fs::read(path).ok()
}

/// Removes the temporary trees of outputs that will not be registered.
fn remove_all(temps: &[PathBuf]) {
    for t in temps {
        let _ = cairn_store::dump::make_writable_and_remove(t);
    }
}
