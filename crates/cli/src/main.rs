//! The `cairn` command line: argument parsing, dispatch to commands, exit codes.
//!
//! Exit codes are part of the interface: 0 when the command did what was asked, 1 when the
//! input was rejected (a parse, evaluation or build error), 2 for usage and internal errors.
//! Commands run on a thread with a large stack, so deeply nested input is bounded by the
//! parser's nesting limit and not by the size of the main thread's stack.

mod alloc;
mod build;
mod cache;
mod copy;
mod diagnostics;
mod eval;
mod flake;
mod hash;
mod host_tools;
mod image;
mod instantiate;
mod key;
mod log;
mod parse;
mod push;
mod repl;
mod stdlib;
mod store;
mod substitute;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[global_allocator]
static GLOBAL: alloc::Mimalloc = alloc::Mimalloc;

/// Reproducible container images from Nix expressions.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,

    /// When to use colours in messages.
    #[arg(
        long,
        global = true,
        value_enum,
        default_value_t = ColorChoice::Auto,
        help_heading = "Global options"
    )]
    color: ColorChoice,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check that a Nix file or expression parses, and show its syntax tree.
    ///
    /// Exits with 0 when the input is valid Nix syntax, and 1 with every error on standard error
    /// otherwise. Besides the grammar, it makes the checks Nix makes when it reads a file:
    /// duplicate attributes, duplicate function arguments, unbound variables.
    #[command(after_help = "Examples:\n  \
        cairn parse default.nix             check a file\n  \
        cairn parse ./pkgs/hello            check ./pkgs/hello/default.nix\n  \
        cairn parse --dump -E 'x: x + 1'    show the syntax tree of an expression\n  \
        git show HEAD:flake.nix | cairn parse -")]
    Parse(parse::ParseArgs),

    /// Evaluate a Nix file or expression and print its value.
    ///
    /// The value is forced deeply and printed as `nix-instantiate --eval --strict` prints it,
    /// or as JSON (`--json`) or XML (`--xml`). A file whose value is a function taking a set of
    /// arguments is called with the `--arg`/`--argstr` values, as nix-instantiate does.
    /// Errors show where they happened and the calls that led there. Exits with 1 when the
    /// evaluation fails.
    #[command(after_help = "Examples:\n  \
        cairn eval -E '1 + 2'                        print 3\n  \
        cairn eval ./default.nix -A packages.hello   select an attribute\n  \
        cairn eval f.nix --argstr name world         call a function file\n  \
        cairn eval --json -E '{ a = [ 1 2 ]; }'     print JSON")]
    Eval(eval::EvalArgs),

    /// Evaluate a Nix file or expression and write the `.drv` files of its derivations.
    ///
    /// Like `nix-instantiate`: the value may be a derivation, or a set or list of them (sets
    /// are searched one level deep, deeper where `recurseForDerivations = true`). Every
    /// derivation the evaluation instantiates is written to the store with the sources it
    /// needs; the paths of the selected ones are printed, one per line (`PATH!OUTPUT` when an
    /// output other than `out` was selected).
    #[command(after_help = "Examples:\n  \
        cairn instantiate ./default.nix              write the .drv files, print their paths\n  \
        cairn instantiate -A packages.hello          one attribute\n  \
        cairn instantiate -E 'import ./x.nix {}'     an expression\n  \
        cairn instantiate --add-root ./drv -A hello  keep the .drv from garbage collection")]
    Instantiate(instantiate::InstantiateArgs),

    /// Build derivations in the sandbox, and link their outputs.
    ///
    /// Evaluates as `cairn instantiate` does, then builds every derivation whose outputs are
    /// not in the store yet, inputs first, each in a sandbox that sees only its inputs (no
    /// network, except for fixed-output derivations). The outputs are linked as nix-build
    /// links them: `result`, `result-dev`, `result-2`; the links are garbage collector roots.
    #[command(after_help = "Examples:\n  \
        cairn build ./default.nix -A hello          build, and link ./result\n  \
        cairn build -E 'import ./x.nix {}' --no-link --print-out-paths\n  \
        cairn build --dry-run -A hello              show what would be built")]
    Build(build::BuildArgs),

    /// Evaluate expressions interactively, as `nix repl` does.
    ///
    /// Reads expressions, bindings (`x = expr`) and commands (`:l FILE`, `:b EXPR`, `:p EXPR`,
    /// `:?` for the list), and prints each value. An unfinished expression goes on on the next
    /// line. On a terminal, lines are edited with history and tab completion of names and
    /// attribute paths; otherwise standard input is read line by line and each result printed,
    /// so scripts can drive it. The FILE's attributes (or a flake's outputs, for a FLAKEREF
    /// such as `.`) are in scope from the start, and again after `:r`.
    #[command(
        after_help = "Examples:\n  \
        cairn repl                                 start with the built-ins\n  \
        cairn repl ./default.nix                   start with a file's attributes in scope\n  \
        cairn repl .#                              start with the outputs of the flake here\n  \
        cairn repl -E 'import <cairn> {}'          start with the standard package set\n  \
        printf '1 + 1\\n' | cairn repl              print 2",
        mut_arg("file", |a| a.help(
            "A file whose attributes are put in scope (a directory means its `default.nix`; a \
             function is called with the `--arg`s or its defaults)"
        )),
        mut_arg("expr", |a| a.help("An expression whose attributes are put in scope, instead of a file")),
    )]
    Repl(repl::ReplArgs),

    /// Show the log of a derivation's last build.
    #[command(after_help = "Examples:\n  \
        cairn log ./result                      the log of the build that made ./result\n  \
        cairn log /nix/store/<hash>-hello.drv")]
    Log(log::LogArgs),

    /// Work with the store: add paths, list, read and check them, collect garbage.
    #[command(subcommand)]
    Store(store::StoreCommand),

    /// Write container images from image descriptions (`dockerTools.streamLayeredImage`).
    #[command(subcommand)]
    Image(image::ImageCommand),

    /// Print the hash of a path's NAR serialisation or of a file's contents.
    ///
    /// `cairn hash path` hashes paths as Nix does to add them to the store (`nix hash path`),
    /// `cairn hash file` hashes the contents of files (`nix hash file`). Hashes are SHA-256 in
    /// SRI form unless `--type` and `--base16`, `--base32` or `--base64` say otherwise.
    #[command(after_help = "Examples:\n  \
        cairn hash path ./src                 sha256-... in SRI form\n  \
        cairn hash path --base32 ./src        the form of `sha256 = \"...\";`\n  \
        cairn hash file --type sha1 f.tar     the SHA-1 of a file")]
    Hash(hash::HashArgs),

    /// Pin the host toolchains (busybox, go, cacert) that the standard library imports.
    ///
    /// There is no bootstrap from source: builds use the host's static busybox, Go toolchain
    /// and CA bundle, imported into the store as content-addressed paths. Their NAR hashes are
    /// pinned in a JSON file, so a build on a machine whose tools differ stops instead of
    /// giving a different result.
    #[command(subcommand, name = "host-tools")]
    HostTools(host_tools::HostToolsCommand),

    /// Copy closures of store paths to or from a binary cache, as `nix copy` does.
    ///
    /// A binary cache is Nix's, in a directory (`file:///DIR`) or on a web server
    /// (`http://`, `https://`): cairn and Nix read and write the same caches. `--to` uploads
    /// what the cache lacks of the closures of PATHs, NARs compressed with xz unless the URL
    /// says otherwise, signed with `--sign-key`. `--from` imports them; every path must be
    /// signed by a key of `--trusted-public-keys` (unless `--no-check-sigs`), and its NAR must
    /// have the hash the cache gives, before it becomes valid.
    #[command(after_help = "Examples:\n  \
        cairn copy --to file:///srv/cache --sign-key cache.sec ./result\n  \
        cairn copy --to 'file:///srv/cache?compression=zstd' /nix/store/<hash>-hello\n  \
        cairn copy --from file:///srv/cache --trusted-public-keys \"$(cat cache.pub)\" \\\n      \
            /nix/store/<hash>-hello\n  \
        cairn copy --from file:///srv/cache --no-check-sigs /nix/store/<hash>-hello\n  \
        cairn copy --from http://cache.example.org:5000 --trusted-public-keys \"$(cat cache.pub)\" \\\n      \
            /nix/store/<hash>-hello")]
    Copy(copy::CopyArgs),

    /// Push an image to a registry, sending only the blobs it lacks.
    ///
    /// Builds (or fetches) the INSTALLABLE, then speaks the OCI distribution API: each blob is
    /// asked for and skipped when the repository has it, mounted from another repository of
    /// the registry that has it, or uploaded (several at once); then the manifest is put
    /// under the tag. Layers go out as the build wrote them, so an unchanged layer is never
    /// sent twice. Prints, per blob, `pushed`, `skipped` or `mounted` and the bytes sent.
    #[command(after_help = "Examples:\n  \
        cairn push .#docker docker://registry.example/quotes:1.0.0\n  \
        cairn push ./result docker://127.0.0.1:5000/quotes:latest\n  \
        cairn push --creds \"$USER:$TOKEN\" .#docker docker://ghcr.io/org/quotes:1\n  \
        cairn push --tls-verify=false --json .#docker docker://registry.lan:5000/quotes")]
    Push(push::PushArgs),

    /// Make and convert the keys that sign binary cache paths, as `nix key` does.
    #[command(subcommand)]
    Key(key::KeyCommand),

    /// Serve the store as a binary cache over HTTP (`cairn cache serve`).
    #[command(subcommand)]
    Cache(cache::CacheCommand),

    /// Work with flakes: write and update flake.lock, show outputs and metadata, check.
    ///
    /// A flake is a folder (or a git commit) with a `flake.nix`: `inputs` to pin and
    /// `outputs`, a function of them. `cairn build .#docker` builds its output `docker`.
    #[command(subcommand)]
    Flake(flake::FlakeCommand),
}

/// Options every command takes.
#[derive(Debug, clap::Args)]
pub(crate) struct GlobalArgs {
    /// The store's physical root: its files are under ROOT/nix/store, its database under
    /// ROOT/nix/var/cairn [default: $XDG_DATA_HOME/cairn, or ~/.local/share/cairn]
    #[arg(
        long = "store",
        value_name = "ROOT",
        env = "CAIRN_STORE",
        global = true
    )]
    store: Option<std::path::PathBuf>,

    /// The logical store directory: what store paths are called, and what their hashes are
    /// computed over.
    #[arg(
        long = "store-dir",
        value_name = "DIR",
        env = "CAIRN_STORE_DIR",
        global = true,
        default_value = "/nix/store",
        help_heading = "Global options"
    )]
    store_dir: String,

    /// Say more about what is going on (repeatable).
    #[arg(
        short = 'v',
        long = "verbose",
        action = clap::ArgAction::Count,
        global = true,
        help_heading = "Global options"
    )]
    verbose: u8,

    /// Say nothing but errors.
    #[arg(
        short = 'q',
        long = "quiet",
        global = true,
        help_heading = "Global options"
    )]
    quiet: bool,

    /// Binary caches to fetch store paths from before building them, separated by spaces
    /// (repeatable; `''` for none) [default: `substituters` of the configuration file]
    #[arg(
        long,
        value_name = "URLS",
        global = true,
        help_heading = "Binary caches"
    )]
    substituters: Vec<String>,

    /// Public keys (`name:base64`) whose signatures on fetched paths are trusted, separated
    /// by spaces (repeatable) [default: `trusted-public-keys` of the configuration file]
    #[arg(
        long,
        value_name = "KEYS",
        global = true,
        help_heading = "Binary caches"
    )]
    trusted_public_keys: Vec<String>,
}

impl GlobalArgs {
    /// The physical root of the store.
    pub(crate) fn store_root(&self) -> anyhow::Result<std::path::PathBuf> {
        if let Some(root) = &self.store {
            return Ok(root.clone());
        }
        if let Some(data) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
            return Ok(std::path::PathBuf::from(data).join("cairn"));
        }
        match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
            Some(home) => Ok(std::path::PathBuf::from(home).join(".local/share/cairn")),
            None => anyhow::bail!("neither --store, CAIRN_STORE, XDG_DATA_HOME nor HOME is set"),
        }
    }

    pub(crate) fn store_dir(&self) -> String {
        self.store_dir.clone()
    }

    /// Opens the store, creating it when needed.
    /// Opens (creating it when needed) the store, with the binary caches in effect as its
    /// substituter.
    pub(crate) fn open_store(&self) -> anyhow::Result<std::sync::Arc<cairn_store::LocalStore>> {
        let root = self.store_root()?;
        let store =
            cairn_store::LocalStore::open(&root, cairn_store::StoreDir::new(&self.store_dir))?;
        let (urls, keys) = self.binary_caches()?;
        if !urls.is_empty() {
            store.set_substituter(substitute::Lazy::new(
                urls,
                store.store_dir().clone(),
                keys,
                self.chatty(),
            ));
        }
        Ok(std::sync::Arc::new(store))
    }

    /// The binary caches to fetch from and the keys trusted, from the command line or the
    /// configuration file.
    pub(crate) fn binary_caches(
        &self,
    ) -> anyhow::Result<(Vec<String>, Vec<cairn_cache::PublicKey>)> {
        substitute::settings(&self.substituters, &self.trusted_public_keys)
    }

    /// Opens the store if it exists with this store directory, without creating anything.
    pub(crate) fn existing_store(
        &self,
    ) -> anyhow::Result<Option<std::sync::Arc<cairn_store::LocalStore>>> {
        let root = self.store_root()?;
        if !root.join("nix/var/cairn/db/db.sqlite").exists() {
            return Ok(None);
        }
        let store =
            cairn_store::LocalStore::open(&root, cairn_store::StoreDir::new(&self.store_dir));
        match store {
            Ok(store) => Ok(Some(std::sync::Arc::new(store))),
            // Another store directory: that store's paths are not these.
            Err(cairn_store::StoreError::WrongStoreDir { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Whether progress and summaries are wanted.
    pub(crate) fn chatty(&self) -> bool {
        !self.quiet
    }

    pub(crate) fn verbosity(&self) -> u8 {
        self.verbose
    }
}

/// The deepest nesting of evaluation before it stops with a stack overflow error; the worker
/// thread's stack is sized for it.
pub(crate) const MAX_EVAL_DEPTH: usize = 100_000;

/// What a command reports back to `main`.
pub(crate) enum Outcome {
    /// Did what was asked.
    Success,
    /// The input was rejected; the reasons are already printed.
    Rejected,
}

fn main() -> ExitCode {
    // The sandbox's stages must run before any thread starts.
    let argv: Vec<String> = std::env::args().collect();
    if argv.get(1).is_some_and(|a| a == "__sandbox") {
        return build::sandbox_main(&argv[2..]);
    }
    let cli = Cli::parse();
    let color = cli.color;
    // 4 GiB of stack (address space: only the pages touched are used): evaluation and tree
    // walks recurse with the nesting of the input, up to the evaluator's depth limit.
    let worker = std::thread::Builder::new()
        .stack_size(4 << 30)
        .spawn(move || run(cli));
    let result = match worker {
        Ok(handle) => handle
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("internal error: a command panicked"))),
        Err(e) => Err(anyhow::anyhow!("could not start a worker thread: {e}")),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Rejected) => ExitCode::from(1),
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            diagnostics::print_error(&e, color);
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Parse(args) => parse::run(args, cli.color),
        Command::Eval(args) => eval::run(args, &cli.global, cli.color),
        Command::Instantiate(args) => instantiate::run(args, &cli.global, cli.color),
        Command::Build(args) => build::run(args, &cli.global, cli.color),
        Command::Repl(args) => repl::run(args, &cli.global, cli.color),
        Command::Log(args) => log::run(args, &cli.global),
        Command::Store(cmd) => store::run(cmd, &cli.global),
        Command::Image(cmd) => image::run(cmd, &cli.global),
        Command::Hash(args) => hash::run(args),
        Command::HostTools(cmd) => host_tools::run(cmd, &cli.global),
        Command::Flake(cmd) => flake::run(cmd, &cli.global, cli.color),
        Command::Copy(args) => copy::run(args, &cli.global, cli.color),
        Command::Push(args) => push::run(args, &cli.global, cli.color),
        Command::Key(cmd) => key::run(cmd),
        Command::Cache(cmd) => cache::run(cmd, &cli.global),
    }
}

/// A closed pipe on standard output is the reader's choice, not an error.
pub(crate) fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
