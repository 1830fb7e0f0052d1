//! Tab completion of the REPL: command names, file names after `:l`, the variables in scope
//! (bindings, loaded attributes, globals), and attribute paths (`builtins.attrN`,
//! `pkgs.docker`), whose prefix is evaluated to find the names of its set.

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use super::Session;

/// The commands, as completion offers them.
const COMMANDS: &[&str] = &[
    ":?", ":a", ":b", ":doc", ":l", ":lf", ":p", ":q", ":r", ":t",
];

/// What rustyline asks for completions; it shares the session with the loop, which does not
/// hold it while a line is read.
pub(super) struct ReplHelper {
    pub(super) session: Rc<RefCell<Session>>,
    files: FilenameCompleter,
}

impl ReplHelper {
    pub(super) fn new(session: Rc<RefCell<Session>>) -> ReplHelper {
        ReplHelper {
            session,
            files: FilenameCompleter::new(),
        }
    }
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let trimmed = before.trim_start();
        if trimmed.starts_with(':') {
            match trimmed.split_once(char::is_whitespace) {
                None => {
                    let start = pos - trimmed.len();
                    return Ok((start, pairs(COMMANDS.iter().copied(), trimmed)));
                }
                Some((":l" | ":load", _)) => return self.files.complete_path(line, pos),
                Some(_) => {}
            }
        }
        let word_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-' | '.')))
            .map_or(0, |i| i + 1);
        let word = &before[word_start..];
        let mut session = self.session.borrow_mut();
        Ok(match word.rsplit_once('.') {
            None => (word_start, pairs(session.names_in_scope(), word)),
            Some((prefix, partial)) => {
                let start = word_start + prefix.len() + 1;
                let names = session.attribute_names(prefix);
                let quoted = names.into_iter().map(|n| {
                    let mut out = String::new();
                    cairn_eval::print::print_attr_name(&n, &mut out);
                    out
                });
                (start, pairs(quoted, partial))
            }
        })
    }
}

/// The candidates that start with `partial`, sorted, each once.
fn pairs<S: AsRef<str>>(names: impl IntoIterator<Item = S>, partial: &str) -> Vec<Pair> {
    let mut names: Vec<String> = names
        .into_iter()
        .filter(|n| n.as_ref().starts_with(partial))
        .map(|n| n.as_ref().to_string())
        .collect();
    names.sort();
    names.dedup();
    names
        .into_iter()
        .map(|n| Pair {
            display: n.clone(),
            replacement: n,
        })
        .collect()
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {}

impl Validator for ReplHelper {}

impl Helper for ReplHelper {}
