//! `cairn parse`: parse a file or expression, run Nix's parse-time checks, print diagnostics or
//! the syntax tree. It evaluates nothing.

use std::io::{Read, Write};

use std::path::PathBuf;

use anyhow::Context;

use crate::diagnostics::{self, Source};
use crate::{ColorChoice, Outcome};

#[derive(Debug, clap::Args)]
pub(crate) struct ParseArgs {
    /// The file to parse (a directory means its `default.nix`); `-` reads standard input.
    #[arg(
        value_name = "FILE",
        conflicts_with = "expr",
        required_unless_present = "expr"
    )]
    file: Option<PathBuf>,

    /// Parse this expression instead of a file.
    #[arg(
        short = 'E',
        long = "expr",
        value_name = "EXPR",
        allow_hyphen_values = true
    )]
    expr: Option<String>,

    /// Print the concrete syntax tree: one node or token a line, with its kind, byte range and
    /// text.
    #[arg(long)]
    dump: bool,
}

/// Larger sources are refused: offsets in the syntax tree are 32-bit.
const MAX_SOURCE_LEN: usize = 1 << 30;

/// The source as text, or `None` after saying why it cannot be parsed.
fn text_of(name: &str, bytes: Vec<u8>) -> Option<Source> {
    if bytes.len() > MAX_SOURCE_LEN {
        eprintln!(
            "error: `{name}` is too large to parse: {} bytes, the limit is 1 GiB",
            bytes.len()
        );
        return None;
    }
    match String::from_utf8(bytes) {
        Ok(text) => Some(Source {
            name: name.to_string(),
            text,
        }),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            eprintln!("error: `{name}` is not UTF-8 text: the byte at offset {offset} is invalid");
            eprintln!(
                "hint: Nix files are read as UTF-8; convert the file, e.g. with `iconv -t UTF-8`"
            );
            None
        }
    }
}

pub(crate) fn run(args: ParseArgs, color: ColorChoice) -> anyhow::Result<Outcome> {
    let source = match (&args.expr, &args.file) {
        (Some(expr), _) if expr.len() > MAX_SOURCE_LEN => {
            eprintln!("error: the expression is too large to parse: the limit is 1 GiB");
            return Ok(Outcome::Rejected);
        }
        (Some(expr), _) => Source {
            name: "«expression»".into(),
            text: expr.clone(),
        },
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("could not read standard input")?;
            match text_of("«stdin»", bytes) {
                Some(source) => source,
                None => return Ok(Outcome::Rejected),
            }
        }
        (None, Some(path)) => {
            // As in Nix, a directory stands for its `default.nix`.
            let path = if path.is_dir() {
                path.join("default.nix")
            } else {
                path.clone()
            };
            let bytes = std::fs::read(&path)
                .with_context(|| format!("could not read `{}`", path.display()))?;
            match text_of(&path.display().to_string(), bytes) {
                Some(source) => source,
                None => return Ok(Outcome::Rejected),
            }
        }
        (None, None) => unreachable!("clap requires FILE or --expr"),
    };

    let parse = cairn_syntax::parse(&source.text);
    let mut errors = parse.errors().to_vec();
    if errors.is_empty() {
        // The global scope is the evaluator's: its built-ins, and `__curPos`.
        let ev =
            cairn_eval::Evaluator::new(Box::new(cairn_eval::StdIo), cairn_eval::Options::default());
        let is_global = |name: &str| name == "__curPos" || ev.is_global(name);
        errors = cairn_syntax::check(&parse.tree(), &is_global);
    }

    if args.dump {
        let dump = cairn_syntax::debug_tree(&parse.syntax_node());
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(dump.as_bytes())?;
        stdout.flush()?;
    }

    // The process ends soon: freeing a large tree node by node is wasted time.
    std::mem::forget(parse);
    if errors.is_empty() {
        return Ok(Outcome::Success);
    }
    diagnostics::print_syntax_errors(&source, &errors, color);
    Ok(Outcome::Rejected)
}
