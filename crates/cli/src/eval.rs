//! `cairn eval`: evaluate a file or expression and print the value as
//! `nix-instantiate --eval --strict` prints it (or as JSON or XML).

use std::io::Write;
use std::path::{Path, PathBuf};

use cairn_eval::{Attr, Attrs, EvalError, Evaluator, Options, Span, Symbol, Value};

use crate::{ColorChoice, GlobalArgs, Outcome};

#[derive(Debug, clap::Args)]
pub(crate) struct EvalArgs {
    #[command(flatten)]
    pub(crate) input: InputArgs,

    /// Force the value deeply before printing (always done; accepted for compatibility).
    #[arg(long)]
    strict: bool,

    /// Accepted for compatibility with `nix-instantiate --eval`.
    #[arg(long, hide = true)]
    eval: bool,

    /// Print the value as JSON, as `builtins.toJSON` does.
    #[arg(long, conflicts_with = "xml")]
    json: bool,

    /// Print the value as XML, as `builtins.toXML` does.
    #[arg(long)]
    xml: bool,

    /// With `--xml`, leave out source positions.
    #[arg(long)]
    no_location: bool,
}

/// What to evaluate, shared by `cairn eval` and `cairn instantiate`.
#[derive(Debug, Default, clap::Args)]
pub(crate) struct InputArgs {
    /// The file to evaluate (a directory means its `default.nix`), `-` for standard input, or
    /// an installable (`.#docker`, `git+file:///repo?rev=SHA#docker`).
    #[arg(value_name = "FILE | INSTALLABLE", conflicts_with = "expr")]
    file: Option<PathBuf>,

    /// Evaluate this expression instead of a file.
    #[arg(
        short = 'E',
        long = "expr",
        value_name = "EXPR",
        allow_hyphen_values = true
    )]
    expr: Option<String>,

    /// Select an attribute of the result, such as `packages.hello` or `list.0`; functions on
    /// the way are called with the `--arg`s.
    #[arg(short = 'A', long = "attr", value_name = "ATTRPATH")]
    attr: Vec<String>,

    /// Pass NAME = EXPR to a function-valued result (repeatable).
    #[arg(long = "arg", num_args = 2, value_names = ["NAME", "EXPR"], allow_hyphen_values = true)]
    arg: Vec<String>,

    /// Pass NAME = "STRING" to a function-valued result (repeatable).
    #[arg(long = "argstr", num_args = 2, value_names = ["NAME", "STRING"], allow_hyphen_values = true)]
    argstr: Vec<String>,

    /// Add a search path entry for `<...>` lookups: `PATH` or `NAME=PATH` (repeatable; searched
    /// before `NIX_PATH`).
    #[arg(short = 'I', long = "include", value_name = "[NAME=]PATH")]
    include: Vec<String>,

    /// Show every frame of an error's trace, not only the innermost ones.
    #[arg(long)]
    pub(crate) show_trace: bool,

    /// Evaluate purely, as flakes are: `getEnv` gives "", `currentTime` does not exist and
    /// `<...>` lookups are errors.
    #[arg(long)]
    pure_eval: bool,

    /// Evaluate a flake impurely: with `getEnv`, `currentTime` and `<...>` lookups.
    #[arg(long)]
    impure: bool,
}

impl InputArgs {
    /// An installable alone, as `cairn copy` takes them.
    pub(crate) fn of_installable(installable: &str) -> InputArgs {
        InputArgs {
            file: Some(PathBuf::from(installable)),
            ..InputArgs::default()
        }
    }

    /// The installable the file argument names (`.#docker`, `git+file:///r?rev=SHA#x`, or a
    /// folder with a `flake.nix` and no `default.nix`), if it names one.
    pub(crate) fn installable(&self) -> Option<String> {
        let file = self.file.as_ref()?;
        let text = file.to_str()?;
        if cairn_flake::looks_like_installable(text) {
            return Some(text.to_string());
        }
        let dir = crate::flake::folder_flake(file)?;
        let abs = std::path::absolute(dir).ok()?;
        Some(abs.to_string_lossy().into_owned())
    }
}

impl InputArgs {
    /// Whether a file or an expression is named; without either, `cairn eval` and its kin
    /// read `./default.nix`.
    pub(crate) fn names_input(&self) -> bool {
        self.file.is_some() || self.expr.is_some()
    }

    /// Whether the input is standard input (`-`).
    pub(crate) fn reads_stdin(&self) -> bool {
        self.expr.is_none() && self.file.as_ref().is_some_and(|f| f.as_os_str() == "-")
    }
}

/// Frames of the trace shown without `--show-trace`.
pub(crate) const SHORT_TRACE: usize = 3;

pub(crate) fn run(
    args: EvalArgs,
    global: &GlobalArgs,
    color: ColorChoice,
) -> anyhow::Result<Outcome> {
    let _ = (args.strict, args.eval);
    // Evaluation computes store paths without writing; with an existing store, paths inside
    // it are read from it.
    // A flake's sources are copied to the store first, as Nix does.
    let flake_store = match args.input.installable() {
        Some(_) => Some(global.open_store()?),
        None => None,
    };
    let io = match (&flake_store, global.existing_store()?) {
        (Some(store), _) => cairn_glue::StoreIo::writing(store.clone()),
        (None, Some(store)) => cairn_glue::StoreIo::reading(store),
        (None, None) => cairn_glue::StoreIo::with_store_dir(&global.store_dir()),
    };
    io.set_fetcher(fetcher());
    let (mut ev, cwd) = evaluator(&args.input, io.clone())?;
    let result = evaluate(
        &mut ev,
        &args,
        &cwd,
        flake_store.as_deref().map(|s| (s, &io)),
    );
    let outcome = match result {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            Outcome::Success
        }
        Err(e) => {
            crate::diagnostics::print_eval_error(
                &ev,
                &e,
                args.input.show_trace,
                SHORT_TRACE,
                color,
            );
            Outcome::Rejected
        }
    };
    // The values form a large graph; freeing it piece by piece on exit is wasted time.
    std::mem::forget(ev);
    Ok(outcome)
}

/// How `builtins.fetchurl` downloads: as `builtin:fetchurl` does (`file://`, `http://`,
/// `https://`).
pub(crate) fn fetcher() -> cairn_glue::Fetcher {
    std::rc::Rc::new(|url: &str, dest: &Path| {
        let env = std::collections::BTreeMap::from([
            ("url".to_string(), url.to_string()),
            ("outputHashMode".to_string(), "flat".to_string()),
        ]);
        cairn_build::fetchurl(&env, dest).map_err(|e| e.to_string())
    })
}

/// An evaluator for `input` with `io`, and the current directory.
pub(crate) fn evaluator(
    input: &InputArgs,
    io: cairn_glue::StoreIo,
) -> anyhow::Result<(Evaluator, String)> {
    let cwd = std::env::current_dir()?;
    let flake_pure = input.installable().is_some() && !input.impure;
    if flake_pure {
        io.restrict_to_store();
    }
    let ev = new_evaluator(io, &input.include, input.pure_eval || flake_pure)?;
    Ok((ev, cwd.to_string_lossy().into_owned()))
}

/// An evaluator with the search path of `NIX_PATH` and the standard library, for commands
/// without `-I` (the flake commands).
pub(crate) fn plain_evaluator(io: cairn_glue::StoreIo, pure: bool) -> anyhow::Result<Evaluator> {
    new_evaluator(io, &[], pure)
}

fn new_evaluator(
    io: cairn_glue::StoreIo,
    include: &[String],
    pure: bool,
) -> anyhow::Result<Evaluator> {
    let cwd = std::env::current_dir()?;
    let mut search_path = Vec::new();
    for entry in include {
        search_path.push(search_entry(entry, &cwd));
    }
    if let Ok(nix_path) = std::env::var("NIX_PATH") {
        for entry in nix_path.split(':').filter(|e| !e.is_empty()) {
            search_path.push(search_entry(entry, &cwd));
        }
    }
    // `<cairn>`: the bundled standard library, unless `-I` or `NIX_PATH` name another.
    let bundled_search_path = match crate::stdlib::dir() {
        Ok(dir) => vec![("cairn".into(), dir.to_string_lossy().into_owned())],
        Err(e) => {
            eprintln!("warning: the standard library is not available as <cairn>: {e}");
            Vec::new()
        }
    };
    let options = Options {
        search_path,
        bundled_search_path,
        pure,
        max_depth: crate::MAX_EVAL_DEPTH,
        ..Options::default()
    };
    Ok(Evaluator::new(Box::new(io), options))
}

fn search_entry(entry: &str, cwd: &Path) -> (String, String) {
    let (prefix, path) = match entry.split_once('=') {
        Some((p, path)) => (p.to_string(), path.to_string()),
        None => (String::new(), entry.to_string()),
    };
    let abs = if path.starts_with('/') || path.contains("://") {
        path
    } else {
        cwd.join(path).to_string_lossy().into_owned()
    };
    (prefix, abs)
}

/// The values `input` names: the file's or expression's value, each `-A` attribute of it,
/// called with the `--arg`s when they are functions.
pub(crate) fn selected_values(
    ev: &mut Evaluator,
    input: &InputArgs,
    cwd: &str,
    flake: Option<(&cairn_store::LocalStore, &cairn_glue::StoreIo)>,
) -> Result<(Vec<Value>, Attrs, Option<crate::flake::Pending>), Box<EvalError>> {
    if let (Some(installable), Some((store, io))) = (input.installable(), flake) {
        if !input.attr.is_empty() {
            return Err(EvalError::other(
                "-A cannot be used with a flake: name the attribute after '#'",
            ));
        }
        let (value, pending) = crate::flake::select(ev, store, io, &installable, cwd)?;
        return Ok((vec![value], Attrs::default(), Some(pending)));
    }
    let root = match (&input.expr, &input.file) {
        (Some(expr), _) => ev.eval_source("«string»", expr, cwd)?,
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| EvalError::other(format!("cannot read standard input: {e}")))?;
            ev.eval_source("«stdin»", &text, cwd)?
        }
        (None, Some(path)) => {
            let abs = if path.is_absolute() {
                path.clone()
            } else {
                Path::new(cwd).join(path)
            };
            let abs = cairn_eval::canon_path(&abs.to_string_lossy());
            ev.eval_file(&abs)?
        }
        (None, None) => {
            let abs = format!("{cwd}/default.nix");
            ev.eval_file(&abs)?
        }
    };
    let auto_args = auto_args(ev, input, cwd)?;
    let has_args = !auto_args.is_empty();
    let paths: Vec<&str> = if input.attr.is_empty() {
        vec![""]
    } else {
        input.attr.iter().map(String::as_str).collect()
    };
    let mut values = Vec::new();
    for path in paths {
        let mut v = ev.select_path(root.clone(), path, &auto_args)?;
        if has_args {
            v = ev.auto_call(v, &auto_args)?;
        }
        values.push(v);
    }
    Ok((values, auto_args, None))
}

/// The `--arg` and `--argstr` values, by name; an `--arg` is evaluated when used.
pub(crate) fn auto_args(
    ev: &mut Evaluator,
    input: &InputArgs,
    cwd: &str,
) -> Result<Attrs, Box<EvalError>> {
    let mut auto_args = Vec::new();
    for pair in input.arg.chunks(2) {
        let value = ev.arg_value(&pair[1], cwd)?;
        auto_args.push(Attr {
            name: Symbol::intern(&pair[0]),
            pos: Span::NONE,
            value,
        });
    }
    for pair in input.argstr.chunks(2) {
        auto_args.push(Attr {
            name: Symbol::intern(&pair[0]),
            pos: Span::NONE,
            value: Value::string(pair[1].clone()),
        });
    }
    Ok(Attrs::from_unsorted(auto_args))
}

fn evaluate(
    ev: &mut Evaluator,
    args: &EvalArgs,
    cwd: &str,
    flake: Option<(&cairn_store::LocalStore, &cairn_glue::StoreIo)>,
) -> Result<String, Box<EvalError>> {
    let mut out = String::new();
    let (values, _, pending) = selected_values(ev, &args.input, cwd, flake)?;
    for v in values {
        let v = ev.force_deep(&v)?;
        if args.json {
            out.push_str(&ev.to_json_string(&v)?);
        } else if args.xml {
            out.push_str(&ev.to_xml_string(&v, !args.no_location)?);
        } else {
            out.push_str(&cairn_eval::print::print_value(&v));
        }
        out.push('\n');
    }
    if let Some(pending) = pending {
        crate::flake::finish(pending).map_err(|e| EvalError::other(e.to_string()))?;
    }
    Ok(out)
}
