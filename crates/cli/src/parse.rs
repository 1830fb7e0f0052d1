//! `cairn parse`: parse a file or expression, run Nix's parse-time checks, print diagnostics or
//! the syntax tree. It evaluates nothing.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;

use crate::diagnostics::{self, Source};
use crate::{ColorChoice, Outcome};

#[derive(Debug, clap::Args)]
pub(crate) struct ParseArgs {
    /// The file to parse; `-` reads standard input.
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

pub(crate) fn run(args: ParseArgs, color: ColorChoice) -> anyhow::Result<Outcome> {
    let source = match (&args.expr, &args.file) {
        (Some(expr), _) => Source {
            name: "«expression»".into(),
            text: expr.clone(),
        },
        (None, Some(path)) if path.as_os_str() == "-" => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("could not read standard input")?;
            Source {
                name: "«stdin»".into(),
                text,
            }
        }
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("could not read `{}`", path.display()))?;
            Source {
                name: path.display().to_string(),
                text,
            }
        }
        (None, None) => unreachable!("clap requires FILE or --expr"),
    };

    let parse = cairn_syntax::parse(&source.text);
    let mut errors = parse.errors().to_vec();
    if errors.is_empty() {
        errors = cairn_syntax::check(&parse.tree(), &crate::globals::is_global);
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
