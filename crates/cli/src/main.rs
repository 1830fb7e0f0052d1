//! The `cairn` command line: argument parsing, dispatch to commands, exit codes.
//!
//! Exit codes are part of the interface: 0 when the command did what was asked, 1 when the
//! input was rejected (a parse, evaluation or build error), 2 for usage and internal errors.
//! Commands run on a thread with a large stack, so deeply nested input is bounded by the
//! parser's nesting limit and not by the size of the main thread's stack.

mod alloc;
mod diagnostics;
mod eval;
mod hash;
mod parse;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[global_allocator]
static GLOBAL: alloc::Mimalloc = alloc::Mimalloc;

/// Reproducible container images from Nix expressions.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, propagate_version = true)]
struct Cli {
    /// When to use colours in messages.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
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
        Command::Eval(args) => eval::run(args, cli.color),
        Command::Hash(args) => hash::run(args),
    }
}

/// A closed pipe on standard output is the reader's choice, not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
