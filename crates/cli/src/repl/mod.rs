//! `cairn repl`: read expressions, bindings and commands a line at a time, evaluate them in a
//! scope that grows, and print the values as nix repl does.
//!
//! The session holds one evaluator for its whole life (the `<cairn>` standard library, the
//! search path and the store as `cairn eval` sets them up, writing `.drv` files as `cairn
//! instantiate` does, so that `:b` can build them) and the scope: the bindings made so far,
//! passed to `Evaluator::eval_source_with_scope` as the outermost scope of each input. On a
//! terminal, rustyline reads the lines, with history and completion (`complete.rs`);
//! otherwise standard input is read line by line with no prompt. `input.rs` splits inputs
//! into commands, bindings and expressions and says when one goes on; `print.rs` prints
//! values. Builds go through `cairn build`'s progress display and `cairn_build::Builder`.

mod complete;
mod input;
mod print;

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use cairn_eval::{Attrs, EvalError, Evaluator, Symbol, Value};
use cairn_store::LocalStore;

use crate::eval::{InputArgs, SHORT_TRACE};
use crate::{ColorChoice, GlobalArgs, Outcome};
use input::Input;
use print::Depth;

#[derive(Debug, clap::Args)]
pub(crate) struct ReplArgs {
    #[command(flatten)]
    input: InputArgs,
}

/// The prompt, and the prompt of the lines that continue an unfinished input.
const PROMPT: &str = "cairn-repl> ";
const CONTINUATION: &str = "        ... ";

/// How the inputs of the REPL are named in error messages.
const SOURCE_NAME: &str = "«string»";

const HELP: &str = "\
The following commands are available:

  <expr>         Evaluate and print an expression
  <x> = <expr>   Bind an expression to a variable
  :a <expr>      Add the attributes of a set to the scope
  :b <expr>      Build a derivation
  :doc <name>    Show the documentation of a built-in function
  :l <path>      Load a Nix file and add its attributes to the scope
  :lf <ref>      Load a flake and add its outputs to the scope
  :p <expr>      Evaluate and print an expression deeply
  :q             Quit (or Ctrl-D)
  :r             Reload the loaded files (bindings are forgotten)
  :t <expr>      Show the type of an expression
  :?             Show this help

An input whose expression is not finished (an open brace, parenthesis or string, a `let`
without `in`) goes on on the next line.";

pub(crate) fn run(
    args: ReplArgs,
    global: &GlobalArgs,
    color: ColorChoice,
) -> anyhow::Result<Outcome> {
    if args.input.reads_stdin() {
        anyhow::bail!("`cairn repl` reads its commands from standard input: give a file to load");
    }
    let store = match global.open_store() {
        Ok(store) => Some(store),
        Err(e) => {
            eprintln!("warning: the store cannot be opened, so `:b` cannot build: {e:#}");
            None
        }
    };
    let io = match &store {
        Some(store) => cairn_glue::StoreIo::writing(store.clone()),
        None => cairn_glue::StoreIo::with_store_dir(&global.store_dir()),
    };
    io.set_fetcher(crate::eval::fetcher());
    let (ev, cwd) = crate::eval::evaluator(&args.input, io)?;
    let interactive = std::io::stdin().is_terminal();
    let session = Session {
        ev,
        cwd,
        store,
        show_trace: args.input.show_trace,
        input: args.input,
        scope: Vec::new(),
        slots: HashMap::new(),
        loaded: Vec::new(),
        auto_args: Attrs::new(),
        color,
        paint: interactive
            && crate::diagnostics::wants_color(color, std::io::stdout().is_terminal()),
        chatty: global.chatty(),
    };
    let session = Rc::new(RefCell::new(session));
    if interactive {
        println!(
            "Welcome to cairn {}. Type :? for help.\n",
            env!("CARGO_PKG_VERSION")
        );
    }
    session
        .borrow_mut()
        .process_with_batch(|s| s.load_input())?;
    if interactive {
        interactive_loop(&session)?;
    } else {
        piped_loop(&session)?;
    }
    // The values form a large graph; freeing it piece by piece on exit is wasted time.
    if let Ok(session) = Rc::try_unwrap(session) {
        std::mem::forget(session.into_inner().ev);
    }
    Ok(Outcome::Success)
}

/// Whether the session goes on after an input.
#[derive(PartialEq, Eq)]
enum Flow {
    Continue,
    Quit,
}

/// Standard input when it is not a terminal: each line as it comes, no prompt, and an
/// unfinished input at the end still evaluated, so that its error shows.
fn piped_loop(session: &RefCell<Session>) -> anyhow::Result<()> {
    let mut pending = String::new();
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        pending.push_str(&line);
        pending.push('\n');
        if input::is_unfinished(&pending) {
            continue;
        }
        let text = std::mem::take(&mut pending);
        if session.borrow_mut().process(&text)? == Flow::Quit {
            return Ok(());
        }
    }
    if !pending.trim().is_empty() {
        session.borrow_mut().process(&pending)?;
    }
    Ok(())
}

/// A terminal: rustyline with the prompt, history and completion.
fn interactive_loop(session: &Rc<RefCell<Session>>) -> anyhow::Result<()> {
    use rustyline::error::ReadlineError;

    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .history_ignore_space(true)
        .max_history_size(10_000)?
        .auto_add_history(false)
        .build();
    let mut editor: rustyline::Editor<complete::ReplHelper, rustyline::history::FileHistory> =
        rustyline::Editor::with_config(config)?;
    editor.set_helper(Some(complete::ReplHelper::new(session.clone())));
    let history = history_file();
    if let Some(path) = &history {
        // A first session has no history yet.
        let _ = editor.load_history(path);
    }
    let mut history_failed = false;
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() {
            PROMPT
        } else {
            CONTINUATION
        };
        match editor.readline(prompt) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    editor.add_history_entry(line.as_str())?;
                    if let Some(path) = &history
                        && let Err(e) = save_history(&mut editor, path)
                        && !history_failed
                    {
                        history_failed = true;
                        eprintln!(
                            "warning: cannot write the history to '{}': {e}",
                            path.display()
                        );
                    }
                }
                pending.push_str(&line);
                pending.push('\n');
                if input::is_unfinished(&pending) {
                    continue;
                }
                let text = std::mem::take(&mut pending);
                let flow = session.borrow_mut().process(&text)?;
                if flow == Flow::Quit {
                    return Ok(());
                }
                if input::classify(&text) != Input::Empty {
                    println!();
                }
            }
            // Ctrl-C drops the input typed so far, as in a shell.
            Err(ReadlineError::Interrupted) => pending.clear(),
            Err(ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err(e.into()),
        }
    }
}

fn save_history(
    editor: &mut rustyline::Editor<complete::ReplHelper, rustyline::history::FileHistory>,
    path: &Path,
) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    editor.append_history(path)?;
    Ok(())
}

/// `$XDG_STATE_HOME/cairn/repl-history`, or `~/.local/state/cairn/repl-history`.
fn history_file() -> Option<PathBuf> {
    let state = match std::env::var_os("XDG_STATE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".local/state")
        }
    };
    Some(state.join("cairn/repl-history"))
}

/// The evaluator, the scope and what `:r` loads again.
struct Session {
    ev: Evaluator,
    cwd: String,
    /// The store the evaluation writes `.drv` files to and `:b` builds in; `None` when it
    /// could not be opened.
    store: Option<Arc<LocalStore>>,
    /// The command line's file or expression, loaded at the start and by `:r`.
    input: InputArgs,
    /// The bindings, in the order they were made; a name bound again keeps its slot.
    scope: Vec<(Symbol, Value)>,
    slots: HashMap<Symbol, usize>,
    /// The arguments of the `:l` commands so far.
    loaded: Vec<String>,
    /// `--arg` and `--argstr`, for the functions that `:l` and the file argument call.
    auto_args: Attrs,
    /// Colours of diagnostics.
    color: ColorChoice,
    /// Whether values are printed with colours.
    paint: bool,
    show_trace: bool,
    chatty: bool,
}

type EvalResult<T> = Result<T, Box<EvalError>>;

impl Session {
    /// Runs `f` inside one batch of the store, so the `.drv` files an input writes are
    /// registered together when it ends.
    fn process_with_batch<T>(
        &mut self,
        f: impl FnOnce(&mut Session) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        if let Some(store) = &self.store {
            store.begin_batch()?;
        }
        let result = f(self);
        if let Some(store) = &self.store {
            store.commit_batch()?;
        }
        result
    }

    /// Handles one complete input. Errors of evaluation are printed and the session goes
    /// on; the error returned is one that ends it (standard output closed).
    fn process(&mut self, text: &str) -> anyhow::Result<Flow> {
        let result = self.process_with_batch(|s| s.dispatch(text));
        match result {
            Ok(flow) => Ok(flow),
            Err(e) if crate::is_broken_pipe(&e) => Err(e),
            Err(e) => {
                crate::diagnostics::print_error(&e, self.color);
                Ok(Flow::Continue)
            }
        }
    }

    fn dispatch(&mut self, text: &str) -> anyhow::Result<Flow> {
        match input::classify(text) {
            Input::Empty => {}
            Input::Command(name, arg) => return self.command(name, arg),
            Input::Binding(name, expr) => {
                match self
                    .ev
                    .delay_source_with_scope(SOURCE_NAME, expr, &self.cwd, &self.scope)
                {
                    Ok(v) => self.bind(Symbol::intern(name), v),
                    Err(e) => self.report(&e),
                }
            }
            Input::Expr(expr) => {
                let printed = self
                    .eval(expr)
                    .and_then(|v| print::print(&mut self.ev, &v, Depth::Shallow, self.paint));
                self.show(printed)?;
            }
        }
        Ok(Flow::Continue)
    }

    fn command(&mut self, name: &str, arg: &str) -> anyhow::Result<Flow> {
        let needs_arg = |what: &str| {
            EvalError::other(format!("`{name}` needs {what}"))
                .with_hint("`:?` lists the commands and what they take")
        };
        match name {
            ":?" | ":help" => writeln!(std::io::stdout(), "{HELP}")?,
            ":q" | ":quit" => return Ok(Flow::Quit),
            ":r" | ":reload" => self.reload(),
            ":l" | ":load" if arg.is_empty() => self.report(&needs_arg("a file")),
            ":l" | ":load" => {
                self.loaded.push(arg.to_string());
                let added = self.load_file(arg);
                self.added(added);
            }
            ":lf" | ":load-flake" if arg.is_empty() => self.report(&needs_arg("a flake reference")),
            ":lf" | ":load-flake" => {
                let added = self.load_flake(arg).and_then(|v| self.add_attrs(&v));
                self.added(added);
            }
            ":doc" if arg.is_empty() => self.report(&needs_arg("the name of a built-in")),
            ":doc" => self.doc(arg)?,
            _ if arg.is_empty() && input::takes_expression(name) => {
                self.report(&needs_arg("an expression"))
            }
            ":a" | ":add" => {
                let added = self.eval(arg).and_then(|v| self.add_attrs(&v));
                self.added(added);
            }
            ":p" | ":print" => {
                let printed = self
                    .eval(arg)
                    .and_then(|v| self.ev.force_deep(&v))
                    .and_then(|v| print::print(&mut self.ev, &v, Depth::Deep, self.paint));
                self.show(printed)?;
            }
            ":t" | ":type" => {
                let ty = self.eval(arg).map(|v| v.type_name().to_string());
                self.show(ty)?;
            }
            ":b" | ":build" => self.build(arg)?,
            _ => self.report(
                &EvalError::other(format!("unknown command '{name}'"))
                    .with_hint("`:?` lists the commands"),
            ),
        }
        Ok(Flow::Continue)
    }

    /// Prints a result on standard output, or its error on standard error.
    fn show(&self, result: EvalResult<String>) -> anyhow::Result<()> {
        match result {
            Ok(text) => {
                let mut stdout = std::io::stdout().lock();
                writeln!(stdout, "{text}")?;
                stdout.flush()?;
            }
            Err(e) => self.report(&e),
        }
        Ok(())
    }

    /// Prints an evaluation error as `cairn eval` does.
    fn report(&self, e: &EvalError) {
        crate::diagnostics::print_eval_error(&self.ev, e, self.show_trace, SHORT_TRACE, self.color);
    }

    /// Evaluates an input's expression in the scope.
    fn eval(&mut self, expr: &str) -> EvalResult<Value> {
        self.ev
            .eval_source_with_scope(SOURCE_NAME, expr, &self.cwd, &self.scope)
    }

    fn bind(&mut self, name: Symbol, value: Value) {
        match self.slots.get(&name) {
            Some(&slot) => self.scope[slot].1 = value,
            None => {
                self.slots.insert(name, self.scope.len());
                self.scope.push((name, value));
            }
        }
    }

    /// Binds every attribute of the set `v`; gives how many there were.
    fn add_attrs(&mut self, v: &Value) -> EvalResult<usize> {
        match self.ev.force(v)? {
            Value::Attrs(attrs) => {
                for attr in attrs.iter() {
                    self.bind(attr.name, attr.value.clone());
                }
                Ok(attrs.len())
            }
            other => Err(EvalError::type_error(format!(
                "value is {} while a set was expected",
                other.type_description()
            ))),
        }
    }

    /// Says how many variables a command added, as nix repl does, or prints its error.
    fn added(&self, result: EvalResult<usize>) {
        match result {
            Ok(n) => eprintln!("Added {n} variable{}.", if n == 1 { "" } else { "s" }),
            Err(e) => self.report(&e),
        }
    }

    /// The command line's file or expression (`-A` and `--arg` applied), added to the scope.
    fn load_input(&mut self) -> anyhow::Result<()> {
        let loaded = crate::eval::auto_args(&mut self.ev, &self.input, &self.cwd).and_then(|a| {
            self.auto_args = a;
            if !self.input.names_input() {
                return Ok(None);
            }
            // A flake (`cairn repl .`, `cairn repl git+file:///r?rev=SHA`): its outputs.
            if let Some(installable) = self.input.installable() {
                let (reference, _) = cairn_flake::split_installable(&installable);
                let flake = self.load_flake(reference)?;
                return Ok(Some(self.add_attrs(&flake)?));
            }
            let (values, _, _) =
                crate::eval::selected_values(&mut self.ev, &self.input, &self.cwd, None)?;
            let mut added = 0;
            for v in values {
                let v = self.ev.auto_call(v, &self.auto_args)?;
                added += self.add_attrs(&v)?;
            }
            Ok(Some(added))
        });
        match loaded {
            Ok(Some(n)) => self.added(Ok(n)),
            Ok(None) => {}
            Err(e) => self.report(&e),
        }
        Ok(())
    }

    /// `:l`: a file's value, a function called with `--arg`s (or its defaults), added to the
    /// scope. `<name>` is looked up in the search path.
    fn load_file(&mut self, arg: &str) -> EvalResult<usize> {
        // The file is read again, and so is what it imports.
        self.ev.clear_import_cache();
        let path = if arg.starts_with('<') && arg.ends_with('>') {
            match self.ev.eval_source(SOURCE_NAME, arg, &self.cwd)? {
                Value::Path(p) => p.to_string(),
                other => {
                    return Err(EvalError::type_error(format!(
                        "`{arg}` is {} while a path was expected",
                        other.type_description()
                    )));
                }
            }
        } else {
            let path = Path::new(&self.cwd).join(arg);
            cairn_eval::canon_path(&path.to_string_lossy())
        };
        let v = self.ev.eval_file(&path)?;
        let v = self.ev.auto_call(v, &self.auto_args)?;
        self.add_attrs(&v)
    }

    /// `:lf`: the outputs of a flake, as a set to add to the scope.
    fn load_flake(&mut self, flake_ref: &str) -> EvalResult<Value> {
        let Some(store) = self.store.clone() else {
            return Err(EvalError::other(format!(
                "cannot load '{flake_ref}': there is no store to copy it to"
            )));
        };
        crate::flake::load_whole(&mut self.ev, &store, flake_ref, &self.cwd)
    }

    /// `:r`: the scope emptied, then the file argument and the `:l` files loaded again, read
    /// anew.
    fn reload(&mut self) {
        self.ev.clear_import_cache();
        self.scope.clear();
        self.slots.clear();
        // Errors are printed; the other files load all the same.
        let _ = self.load_input();
        for arg in self.loaded.clone() {
            let added = self.load_file(&arg);
            self.added(added);
        }
    }

    /// `:doc`: the documentation of a built-in, by its name or by its value.
    fn doc(&mut self, arg: &str) -> anyhow::Result<()> {
        let bound = Symbol::lookup(arg).is_some_and(|s| self.slots.contains_key(&s));
        let mut found = if bound {
            None
        } else {
            cairn_eval::builtins::doc(arg)
        };
        if found.is_none()
            && let Ok(v) = self.eval(arg)
        {
            let op = match v {
                Value::PrimOp(op) => Some(op),
                Value::PrimOpApp(app) => Some(app.primop()),
                _ => None,
            };
            found = op.and_then(|op| op.doc().map(|(usage, text)| (usage.to_string(), text)));
        }
        let mut stdout = std::io::stdout().lock();
        match found {
            Some((usage, text)) => {
                // cairn's own built-ins (`__hostTool`) are globals, not in `builtins`.
                let set = if usage.starts_with("__") {
                    ""
                } else {
                    "builtins."
                };
                writeln!(stdout, "Synopsis: {set}{usage}\n")?;
                for line in wrap(&text, DOC_WIDTH) {
                    writeln!(stdout, "    {line}")?;
                }
            }
            None => writeln!(stdout, "no documentation for '{arg}'")?,
        }
        stdout.flush()?;
        Ok(())
    }

    /// `:b`: the derivation built as `cairn build` builds, and its outputs listed.
    fn build(&mut self, arg: &str) -> anyhow::Result<()> {
        let found = self.eval(arg).and_then(|v| {
            let mut found = crate::instantiate::Found::default();
            let v = self.ev.force(&v)?;
            if !found.take(&mut self.ev, &v)? {
                return Err(EvalError::type_error(format!(
                    "value is {} while a derivation was expected",
                    v.type_description()
                ))
                .with_hint(
                    "`:b` builds one derivation; `cairn build` builds sets and lists of them",
                ));
            }
            Ok(found.lines)
        });
        let drv_path = match found {
            Ok(lines) => lines.into_iter().next().map(|(drv, _)| drv),
            Err(e) => {
                self.report(&e);
                return Ok(());
            }
        };
        let Some(drv_path) = drv_path else {
            return Ok(());
        };
        let Some(store) = self.store.clone() else {
            anyhow::bail!("there is no store to build in");
        };
        // The `.drv` files must be registered before they are built.
        store.commit_batch()?;
        let drv = store.store_dir().parse(&drv_path)?;
        let progress = crate::build::Progress::new(self.chatty, false, false);
        let events = |e: cairn_build::Event<'_>| progress.event(e);
        let options = cairn_build::BuildOptions::new(std::env::current_exe()?);
        let builder = cairn_build::Builder::new(store.clone(), options, &events);
        let outputs = builder.realise(std::slice::from_ref(&drv));
        progress.finish();
        let outputs = match outputs {
            Ok(outputs) => outputs,
            Err(cairn_build::BuildError::Failed(msg)) => {
                eprintln!("error: {msg}");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "This derivation produced the following outputs:")?;
        for (name, path) in outputs.get(&drv).into_iter().flatten() {
            writeln!(stdout, "  {name} -> {}", store.store_dir().print(path))?;
        }
        stdout.flush()?;
        Ok(())
    }

    /// The names completion offers for a variable: the bindings and the globals.
    fn names_in_scope(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .scope
            .iter()
            .map(|(name, _)| name.as_str().to_string())
            .collect();
        names.extend(self.ev.global_names().map(|name| name.as_str().to_string()));
        names
    }

    /// The attribute names of the set `prefix` evaluates to; none when it fails or is not a
    /// set.
    fn attribute_names(&mut self, prefix: &str) -> Vec<String> {
        let names = self.process_with_batch(|s| {
            Ok(match s.eval(prefix) {
                Ok(Value::Attrs(attrs)) => {
                    attrs.iter().map(|a| a.name.as_str().to_string()).collect()
                }
                _ => Vec::new(),
            })
        });
        names.unwrap_or_default()
    }
}

/// The width `:doc` wraps its text to, past its indentation.
const DOC_WIDTH: usize = 76;

/// The words of `text` in lines of at most `width` characters (a longer word has a line of
/// its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
