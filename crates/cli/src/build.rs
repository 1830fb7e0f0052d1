//! `cairn build`: instantiate, build what is missing in the sandbox, and link the results.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use cairn_build::{BuildOptions, Builder, Event};
use cairn_store::CopyEvent;

use crate::eval::InputArgs;
use crate::instantiate::instantiate;
use crate::store::human_size;
use crate::{ColorChoice, GlobalArgs, Outcome};

#[derive(Debug, clap::Args)]
pub(crate) struct BuildArgs {
    #[command(flatten)]
    input: InputArgs,

    /// The name of the link to the first result (`result`); the others are named after it,
    /// as nix-build names them (`result-dev`, `result-2`).
    #[arg(long, short = 'o', value_name = "PATH", default_value = "result")]
    out_link: PathBuf,

    /// Make no link to the results.
    #[arg(long)]
    no_link: bool,

    /// Print the output paths on standard output.
    #[arg(long)]
    print_out_paths: bool,

    /// Print the derivations and their outputs as JSON on standard output.
    #[arg(long)]
    json: bool,

    /// Show the derivations that would be built, and build nothing.
    #[arg(long)]
    dry_run: bool,

    /// Keep the build folder of a failed build, and say where it is.
    #[arg(long, short = 'K')]
    keep_failed: bool,

    /// How many builds may run at once [default: the number of cores]; 0 builds nothing:
    /// what is missing must come from a binary cache (`--substituters`).
    #[arg(short = 'j', long = "max-jobs", value_name = "N")]
    jobs: Option<usize>,

    /// Build the derivations again even though their outputs are valid, and report whether
    /// the new outputs are the same, naming the files that differ.
    #[arg(long)]
    check: bool,

    /// Host paths every build sees, in Nix's `sandbox-paths` syntax: `PATH` or `INSIDE=HOST`,
    /// separated by spaces, `?` at the end for one that may be missing [default:
    /// "/bin/sh=/bin/busybox" when the host has a static busybox there]
    #[arg(long, value_name = "PATHS")]
    sandbox_paths: Option<String>,

    /// Show the builders' output as they run.
    #[arg(long, short = 'L')]
    print_build_logs: bool,
}

pub(crate) fn run(
    args: BuildArgs,
    global: &GlobalArgs,
    color: ColorChoice,
) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let Some(found) = instantiate(&store, &args.input, color)? else {
        return Ok(Outcome::Rejected);
    };
    let mut drvs = Vec::new();
    for (drv, _) in &found {
        let p = store.store_dir().parse(drv)?;
        if !drvs.contains(&p) {
            drvs.push(p);
        }
    }
    let chatty = global.chatty();
    // `--check` prints its verdicts as it goes: no progress line to overwrite them.
    let progress = Progress::new(chatty, args.print_build_logs, args.check);
    let events = |e: Event<'_>| progress.event(e);
    let exe = std::env::current_exe()?;
    let mut options = BuildOptions::new(exe);
    options.keep_failed = args.keep_failed;
    if let Some(paths) = &args.sandbox_paths {
        options.sandbox_paths =
            cairn_build::parse_sandbox_paths(paths).map_err(|e| anyhow::anyhow!(e))?;
    }
    if let Some(j) = args.jobs {
        options.jobs = j;
    }
    let builder = Builder::new(store.clone(), options, &events);

    if args.dry_run {
        let (_, known) = builder.plan(&drvs)?;
        let decision = builder.decide(&drvs, &known)?;
        let print = |p: &cairn_store::StorePath| store.store_dir().print(p);
        if decision.build.is_empty() && decision.fetch.is_empty() {
            eprintln!("nothing to build or fetch");
        }
        match decision.build.len() {
            0 => {}
            1 => eprintln!("this derivation will be built:"),
            n => eprintln!("these {n} derivations will be built:"),
        }
        for d in decision.build.keys() {
            eprintln!("  {}", print(d));
        }
        if !decision.fetch.is_empty() {
            let (paths, size) = to_fetch(&store, &decision.fetch)?;
            match paths.len() {
                1 => eprintln!("this path will be fetched ({}):", human_size(size)),
                n => eprintln!("these {n} paths will be fetched ({}):", human_size(size)),
            }
            for p in &paths {
                eprintln!("  {}", print(p));
            }
        }
        return Ok(Outcome::Success);
    }

    if args.check {
        let outcome = check(&builder, &store, &drvs, chatty);
        progress.finish();
        return outcome;
    }

    let outputs = builder.realise(&drvs);
    progress.finish();
    let (fetched, bytes) = progress.fetched();
    if chatty && fetched > 0 {
        eprintln!(
            "fetched {} ({}) from binary caches",
            crate::store::plural(fetched, "path", "paths"),
            human_size(bytes)
        );
    }
    let outputs = match outputs {
        Ok(o) => o,
        Err(cairn_build::BuildError::Failed(msg)) => {
            eprintln!("error: {msg}");
            return Ok(Outcome::Rejected);
        }
        Err(e) => return Err(e.into()),
    };

    let mut stdout = std::io::stdout().lock();
    let mut prefixes: Vec<(String, String)> = Vec::new();
    let mut json: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for (drv, output) in &found {
        let p = store.store_dir().parse(drv)?;
        let Some(out_path) = outputs.get(&p).and_then(|o| o.get(output)) else {
            anyhow::bail!("derivation '{drv}' has no output '{output}'");
        };
        if !args.no_link {
            // As nix-build: one prefix per derivation, `-OUTPUT` for outputs other than out.
            let prefix = match prefixes.iter().find(|(d, _)| d == drv) {
                Some((_, prefix)) => prefix.clone(),
                None => {
                    let mut prefix = args.out_link.to_string_lossy().into_owned();
                    if !prefixes.is_empty() {
                        prefix.push_str(&format!("-{}", prefixes.len() + 1));
                    }
                    prefixes.push((drv.clone(), prefix.clone()));
                    prefix
                }
            };
            let link = if output == "out" {
                prefix
            } else {
                format!("{prefix}-{output}")
            };
            store.add_indirect_root(std::path::Path::new(&link), out_path)?;
        }
        let printed = store.store_dir().print(out_path);
        if args.print_out_paths {
            writeln!(stdout, "{printed}")?;
        }
        match json.iter_mut().find(|(d, _)| d == drv) {
            Some((_, outs)) => {
                outs.insert(output.clone(), printed);
            }
            None => json.push((drv.clone(), BTreeMap::from([(output.clone(), printed)]))),
        }
    }
    if args.json {
        let json: Vec<_> = json
            .into_iter()
            .map(|(drv, outputs)| serde_json::json!({ "drvPath": drv, "outputs": outputs }))
            .collect();
        serde_json::to_writer(&mut stdout, &json)?;
        writeln!(stdout)?;
    }
    stdout.flush()?;
    Ok(Outcome::Success)
}

/// The paths fetching `outputs` brings into the store (their closures, less what the store
/// has), and the bytes to download.
fn to_fetch(
    store: &cairn_store::LocalStore,
    outputs: &[cairn_store::StorePath],
) -> anyhow::Result<(std::collections::BTreeSet<cairn_store::StorePath>, u64)> {
    let mut paths = std::collections::BTreeSet::new();
    let mut size = 0;
    let Some(sub) = store.substituter() else {
        return Ok((paths, size));
    };
    let mut level = outputs.to_vec();
    while !level.is_empty() {
        let mut next = Vec::new();
        for (path, found) in sub.query(&level) {
            if let Ok(found) = found
                && paths.insert(path.clone())
            {
                size += found.download_size.unwrap_or(found.nar_size);
                for r in found.references {
                    if !paths.contains(&r) && !store.is_valid(&r)? {
                        next.push(r);
                    }
                }
            }
        }
        level = next;
    }
    Ok((paths, size))
}

/// Builds (or fetches) what `input` names, as `cairn build --no-link` does, and returns its
/// output paths; `None` when the evaluation or a build failed (and said so).
pub(crate) fn realise_input(
    store: &std::sync::Arc<cairn_store::LocalStore>,
    input: &InputArgs,
    global: &GlobalArgs,
    color: ColorChoice,
) -> anyhow::Result<Option<Vec<cairn_store::StorePath>>> {
    let Some(found) = instantiate(store, input, color)? else {
        return Ok(None);
    };
    let mut drvs = Vec::new();
    for (drv, _) in &found {
        let p = store.store_dir().parse(drv)?;
        if !drvs.contains(&p) {
            drvs.push(p);
        }
    }
    let progress = Progress::new(global.chatty(), false, false);
    let events = |e: Event<'_>| progress.event(e);
    let builder = Builder::new(
        store.clone(),
        BuildOptions::new(std::env::current_exe()?),
        &events,
    );
    let outputs = builder.realise(&drvs);
    progress.finish();
    let outputs = match outputs {
        Ok(o) => o,
        Err(cairn_build::BuildError::Failed(msg)) => {
            eprintln!("error: {msg}");
            return Ok(None);
        }
        Err(e) => return Err(e.into()),
    };
    let mut paths = Vec::new();
    for (drv, output) in &found {
        let p = store.store_dir().parse(drv)?;
        let Some(out_path) = outputs.get(&p).and_then(|o| o.get(output)) else {
            anyhow::bail!("derivation '{drv}' has no output '{output}'");
        };
        paths.push(out_path.clone());
    }
    Ok(Some(paths))
}

/// `--check`: each derivation built again, its outputs compared with the registered ones.
fn check(
    builder: &Builder<'_>,
    store: &cairn_store::LocalStore,
    drvs: &[cairn_store::StorePath],
    chatty: bool,
) -> anyhow::Result<Outcome> {
    let mut all_same = true;
    for p in drvs {
        let drv = builder.read_derivation(p)?;
        match builder.check(p, &drv) {
            Ok(differences) if differences.is_empty() => {
                if chatty {
                    eprintln!(
                        "checked '{}': the outputs are the same",
                        store.store_dir().print(p)
                    );
                }
            }
            Ok(differences) => {
                all_same = false;
                eprintln!(
                    "error: derivation '{}' may not be deterministic:",
                    store.store_dir().print(p)
                );
                for d in differences {
                    eprintln!("{d}");
                }
            }
            Err(cairn_build::BuildError::Failed(msg)) => {
                eprintln!("error: {msg}");
                return Ok(Outcome::Rejected);
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(if all_same {
        Outcome::Success
    } else {
        Outcome::Rejected
    })
}

/// What `cairn build` shows while it builds: on a terminal, a line with the builds done,
/// running and left and the last line of a running build's log; otherwise a line per build
/// started. With `-L`, every line of every log, prefixed with the derivation's name.
pub(crate) struct Progress {
    chatty: bool,
    logs: bool,
    bar: Option<indicatif::ProgressBar>,
    state: std::sync::Mutex<(usize, usize, usize)>,
    /// Paths to fetch, fetched, and the bytes that took.
    fetched: std::sync::Mutex<(usize, usize, u64)>,
}

impl Progress {
    /// `logs`: every log line; `no_bar`: no progress line even on a terminal.
    pub(crate) fn new(chatty: bool, logs: bool, no_bar: bool) -> Progress {
        use std::io::IsTerminal;
        let bar = (chatty && !logs && !no_bar && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} [{prefix}] {wide_msg}")
                    .expect("a valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress {
            chatty,
            logs,
            bar,
            state: std::sync::Mutex::new((0, 0, 0)),
            fetched: std::sync::Mutex::new((0, 0, 0)),
        }
    }

    pub(crate) fn event(&self, e: Event<'_>) {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let (planned, started, built) = &mut *st;
        match e {
            Event::Planned(n) => *planned = n,
            Event::Building(name) => {
                *started += 1;
                match &self.bar {
                    Some(bar) => bar.set_message(format!("building {}", short(name))),
                    None if self.chatty => eprintln!("building '{name}'..."),
                    None => {}
                }
            }
            Event::Built(_) => *built += 1,
            Event::Note(name, note) => match &self.bar {
                Some(bar) => bar.println(format!("{}: {note}", short(name))),
                None => eprintln!("{}: {note}", short(name)),
            },
            Event::Fetch(e) => {
                let mut f = self.fetched.lock().unwrap_or_else(|e| e.into_inner());
                match e {
                    CopyEvent::Planned { paths, .. } => f.0 += paths,
                    CopyEvent::Started(path) => match &self.bar {
                        Some(bar) => bar.set_message(format!("fetching {}", path.name())),
                        None if self.chatty => eprintln!("fetching '{}'...", path.base_name()),
                        None => {}
                    },
                    CopyEvent::Done(_, bytes) => {
                        f.1 += 1;
                        f.2 += bytes;
                    }
                }
            }
            Event::Log(name, line) => {
                if self.logs {
                    eprintln!("{}> {line}", short(name));
                } else if let Some(bar) = &self.bar {
                    bar.set_message(format!("{}> {line}", short(name)));
                }
            }
        }
        if let Some(bar) = &self.bar {
            let running = *started - *built;
            let (to_fetch, fetched, bytes) =
                *self.fetched.lock().unwrap_or_else(|e| e.into_inner());
            let fetching = if to_fetch > 0 {
                format!("{fetched}/{to_fetch} fetched ({}), ", human_size(bytes))
            } else {
                String::new()
            };
            bar.set_prefix(format!(
                "{fetching}{built}/{planned} built, {running} running, {} left",
                planned.saturating_sub(*started)
            ));
        }
    }

    /// What was fetched: (paths, bytes).
    pub(crate) fn fetched(&self) -> (usize, u64) {
        let f = self.fetched.lock().unwrap_or_else(|e| e.into_inner());
        (f.1, f.2)
    }

    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// `name` of `/nix/store/<hash>-name.drv`.
fn short(drv: &str) -> &str {
    let base = drv.rsplit('/').next().unwrap_or(drv);
    let name = base.get(33..).unwrap_or(base);
    name.strip_suffix(".drv").unwrap_or(name)
}

/// `cairn __sandbox stage1|stage2 SPEC`: the stages of the build sandbox, run by the builder
/// before any thread is started (namespaces cannot be entered by a threaded process).
pub(crate) fn sandbox_main(args: &[String]) -> std::process::ExitCode {
    let (stage, spec) = match args {
        [stage, spec] => (stage.as_str(), std::path::Path::new(spec)),
        _ => {
            eprintln!("error: usage: cairn __sandbox stage1|stage2 SPEC");
            return std::process::ExitCode::from(2);
        }
    };
    let result = match stage {
        "stage1" => cairn_build::sandbox::stage1(spec),
        "stage2" => cairn_build::sandbox::stage2(spec),
        _ => {
            eprintln!("error: unknown sandbox stage '{stage}'");
            return std::process::ExitCode::from(2);
        }
    };
    match result {
        Ok(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(255)),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::from(255)
        }
    }
}
