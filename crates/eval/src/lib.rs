//! A lazy evaluator for the Nix language.
//!
//! Source goes through `cairn_syntax` (parse, then Nix's parse-time checks), then `lower` turns
//! the tree into the IR of `ir`, resolving every variable to a slot of an enclosing scope. `eval`
//! interprets the IR to values (`value`); thunks are forced at most once and black-holed while
//! forced. `builtins` holds the built-in functions, `print` Nix's printed form of values.
//!
//! The crate does no I/O of its own: files, directories, the environment and the store are
//! reached through the `Io` trait, which the caller supplies (`StdIo` reads the real file
//! system).

pub mod builtins;
mod error;
mod eval;
mod io;
mod ir;
mod lower;
pub mod print;
mod regex;
mod symbol;
mod value;

use std::rc::Rc;
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub use crate::error::{ErrorKind, EvalError, FileId, Frame, Result, Span};
pub use crate::io::{
    DerivationPaths, DerivationRequest, FileType, FixedOutputRequest, HostToolInfo,
    HostToolRequest, Io, PathImport, StdIo,
};
pub use crate::lower::canon_path;
pub use crate::symbol::Symbol;
pub use crate::value::{Attr, Attrs, Closure, Context, NixString, PrimOpApp, Value};

use crate::value::Env;

/// A source file the evaluator has read, for error messages.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// How the file is shown: its path, or `«string»` for an expression.
    pub name: String,
    pub text: Arc<str>,
}

/// Settings of an evaluation.
#[derive(Clone, Debug)]
pub struct Options {
    /// `-I` entries and `NIX_PATH`, in lookup order: `(prefix, path)`; an empty prefix matches
    /// any name.
    pub search_path: Vec<(String, String)>,
    /// Entries searched after `search_path` that are not part of `builtins.nixPath`: what
    /// the embedder bundles (cairn's standard library, `<cairn>`).
    pub bundled_search_path: Vec<(String, String)>,
    /// The deepest nesting of calls and forced thunks before evaluation stops with a stack
    /// overflow error. The caller must run the evaluator on a stack that can hold it.
    pub max_depth: usize,
    /// `builtins.currentSystem`.
    pub system: String,
    /// Pure evaluation: no `getEnv`, `currentTime`, `nixPath` lookups of the environment.
    pub pure: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            search_path: Vec::new(),
            bundled_search_path: Vec::new(),
            max_depth: 10_000,
            system: "x86_64-linux".into(),
            pure: false,
        }
    }
}

/// Symbols the evaluator looks up often.
pub(crate) struct Syms {
    pub(crate) functor: Symbol,
    pub(crate) to_string: Symbol,
    pub(crate) out_path: Symbol,
    pub(crate) type_: Symbol,
    pub(crate) name: Symbol,
    pub(crate) value: Symbol,
}

/// The evaluator: its global scope, the files it has read, and its caches.
pub struct Evaluator {
    pub(crate) io: Box<dyn Io>,
    pub(crate) options: Options,
    sources: Vec<SourceFile>,
    pub(crate) globals: FxHashMap<Symbol, Value>,
    import_cache: FxHashMap<String, Value>,
    pub(crate) depth: usize,
    pub(crate) max_depth: usize,
    pub(crate) syms: Syms,
    pub(crate) regex_cache: FxHashMap<String, Rc<crate::regex::PosixRegex>>,
}

impl Evaluator {
    pub fn new(io: Box<dyn Io>, options: Options) -> Evaluator {
        let mut ev = Evaluator {
            io,
            max_depth: options.max_depth,
            options,
            sources: Vec::new(),
            globals: FxHashMap::default(),
            import_cache: FxHashMap::default(),
            depth: 0,
            syms: Syms {
                functor: Symbol::intern("__functor"),
                to_string: Symbol::intern("__toString"),
                out_path: Symbol::intern("outPath"),
                type_: Symbol::intern("type"),
                name: Symbol::intern("name"),
                value: Symbol::intern("value"),
            },
            regex_cache: FxHashMap::default(),
        };
        ev.globals = builtins::globals(&ev);
        ev
    }

    /// The names bound in the global scope (`true`, `map`, `builtins`, `__add`, ...).
    pub fn is_global(&self, name: &str) -> bool {
        Symbol::lookup(name).is_some_and(|s| self.globals.contains_key(&s))
    }

    /// Every name of the global scope, in no particular order.
    pub fn global_names(&self) -> impl Iterator<Item = Symbol> + '_ {
        self.globals.keys().copied()
    }

    /// Every file read so far, indexed by `FileId`.
    pub fn sources(&self) -> &[SourceFile] {
        &self.sources
    }

    pub fn source(&self, id: FileId) -> Option<&SourceFile> {
        self.sources.get(id.0 as usize)
    }

    fn add_source(&mut self, name: String, text: Arc<str>) -> FileId {
        self.sources.push(SourceFile { name, text });
        FileId(self.sources.len() as u32 - 1)
    }

    /// The text under a span.
    pub(crate) fn source_text(&self, span: Span) -> String {
        self.source(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
            .to_string()
    }

    /// File name, 1-based line and column of the start of a span.
    pub fn line_col(&self, span: Span) -> (String, usize, usize) {
        let Some(f) = self.source(span.file) else {
            return (String::new(), 0, 0);
        };
        let start = (span.start as usize).min(f.text.len());
        let before = &f.text[..start];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        (f.name.clone(), line, col)
    }

    /// Parses, checks and lowers `text`. `base_dir` resolves relative paths.
    fn load(
        &mut self,
        name: String,
        text: Arc<str>,
        base_dir: &str,
        outer: Option<&FxHashMap<Symbol, u32>>,
    ) -> Result<ir::ExprRef> {
        let file = self.add_source(name, text.clone());
        let parse = cairn_syntax::parse(&text);
        let to_error = |e: &cairn_syntax::SyntaxError| {
            EvalError::other(format!("syntax error: {}", e.message)).at(Span {
                file,
                start: e.range.start().into(),
                end: e.range.end().into(),
            })
        };
        if let Some(e) = parse.errors().first() {
            return Err(to_error(e));
        }
        let root = parse.tree();
        let globals = &self.globals;
        let is_bound = |n: &str| {
            Symbol::lookup(n).is_some_and(|s| {
                globals.contains_key(&s) || outer.is_some_and(|o| o.contains_key(&s))
            })
        };
        // Unbound variables are reported by the lowering, which has hints for them.
        let errors = cairn_syntax::check(&root, &is_bound);
        if let Some(e) = errors
            .iter()
            .find(|e| e.code != cairn_syntax::SyntaxErrorCode::UndefinedVariable)
        {
            let mut err = to_error(e);
            err.message = e.message.clone();
            return Err(err);
        }
        let home = self.io.get_env("HOME");
        let ctx = lower::LowerCtx {
            file,
            base_dir,
            home: home.as_deref(),
            globals: &self.globals,
            outer,
        };
        lower::lower(&root, &ctx)
    }

    /// Evaluates an expression given as text; relative paths are resolved against `base_dir`.
    pub fn eval_source(&mut self, name: &str, text: &str, base_dir: &str) -> Result<Value> {
        let e = self.load(name.to_string(), Arc::from(text), base_dir, None)?;
        let env = Env::new(0, None);
        let v = self.eval(&e, &env)?;
        Ok(v)
    }

    /// Evaluates a file (a directory means its `default.nix`), as `import` does.
    pub fn eval_file(&mut self, path: &str) -> Result<Value> {
        self.import(path)
    }

    /// `import path`: evaluates the file once; later imports of the same path share the value.
    pub(crate) fn import(&mut self, path: &str) -> Result<Value> {
        let path = self.resolve_import_path(path)?;
        if let Some(v) = self.import_cache.get(&path) {
            return Ok(v.clone());
        }
        let v = self.import_uncached(&path, None)?;
        self.import_cache.insert(path, v.clone());
        Ok(v)
    }

    /// Forgets the files imported so far: the next import of each reads and evaluates it
    /// again (a REPL's reload). Values already computed from them stay as they are.
    pub fn clear_import_cache(&mut self) {
        self.import_cache.clear();
    }

    /// `scopedImport scope path`: evaluates the file with the attributes of `scope` bound around
    /// it, shadowing the globals. Not cached.
    pub(crate) fn scoped_import(&mut self, scope: &Attrs, path: &str) -> Result<Value> {
        let path = self.resolve_import_path(path)?;
        self.import_uncached(&path, Some(scope))
    }

    fn import_uncached(&mut self, path: &str, scope: Option<&Attrs>) -> Result<Value> {
        let bytes = match corepkg(path) {
            Some(text) => text.as_bytes().to_vec(),
            None => self
                .io
                .read_file(path)
                .map_err(|e| EvalError::other(format!("cannot read '{path}': {e}")))?,
        };
        let text = String::from_utf8(bytes)
            .map_err(|_| EvalError::other(format!("'{path}' is not valid UTF-8 text")))?;
        let base_dir = parent_dir(path);
        let (names, env) = match scope {
            Some(scope) => {
                let (names, env) = outer_scope(scope.iter().map(|a| (a.name, a.value.clone())));
                (Some(names), env)
            }
            None => (None, Env::new(0, None)),
        };
        let e = self.load(path.to_string(), Arc::from(text), &base_dir, names.as_ref())?;
        self.eval(&e, &env)
    }

    /// The value of `text` with the variables of `scope` bound around it, not evaluated yet: a
    /// thunk that a later `force` evaluates. Syntax errors and unbound variables are reported
    /// now.
    ///
    /// The names of `scope` are an outermost lexical scope: the expression's own `let`s,
    /// lambdas and `rec` sets shadow them, and they shadow the globals (`true`, `map`,
    /// `builtins`, ...) and every `with`, as a `let` around the text would. A name given twice
    /// is bound to its last value. This is what a REPL's bindings are.
    pub fn delay_source_with_scope(
        &mut self,
        name: &str,
        text: &str,
        base_dir: &str,
        scope: &[(Symbol, Value)],
    ) -> Result<Value> {
        let (names, env) = outer_scope(scope.iter().cloned());
        let e = self.load(name.to_string(), Arc::from(text), base_dir, Some(&names))?;
        Ok(value::Thunk::make(value::ThunkState::Expr(e, env)))
    }

    /// Evaluates `text` with the variables of `scope` bound around it (see
    /// `delay_source_with_scope`), to weak head normal form.
    pub fn eval_source_with_scope(
        &mut self,
        name: &str,
        text: &str,
        base_dir: &str,
        scope: &[(Symbol, Value)],
    ) -> Result<Value> {
        let v = self.delay_source_with_scope(name, text, base_dir, scope)?;
        self.force(&v)
    }

    /// A directory imports its `default.nix`; symbolic links are followed.
    fn resolve_import_path(&self, path: &str) -> Result<String> {
        if corepkg(path).is_some() {
            return Ok(path.to_string());
        }
        let mut p = path.to_string();
        for _ in 0..64 {
            match self.io.file_type(&p) {
                Ok(FileType::Directory) => {
                    p = lower::canon_path(&format!("{p}/default.nix"));
                }
                Ok(_) => return Ok(p),
                Err(e) => {
                    return Err(EvalError::other(format!(
                        "path '{p}' does not exist or cannot be read: {e}"
                    )));
                }
            }
        }
        Ok(p)
    }

    /// Calls a function with automatic arguments, as `nix-instantiate` does with `--arg`: a
    /// function taking a set of formals gets the arguments it names (all of them if it has
    /// `...`); a set with `__functor` is called through it; anything else is returned as it is.
    pub fn auto_call(&mut self, v: Value, args: &Attrs) -> Result<Value> {
        let v = self.force(&v)?;
        match &v {
            Value::Lambda(c) => {
                let ir::Param::Pattern(p) = &c.def.param else {
                    return Ok(v);
                };
                let given = if p.ellipsis {
                    args.clone()
                } else {
                    let mut given = Attrs::new();
                    for f in p.formals.iter() {
                        match args.get_attr(f.name) {
                            Some(a) => given.insert(a.clone()),
                            None if f.default.is_some() => {}
                            None => {
                                return Err(EvalError::other(format!(
                                    "cannot evaluate a function that has an argument without a value ('{}')",
                                    f.name
                                ))
                                .at(c.def.span)
                                .with_hint(format!(
                                    "pass it with `--arg {} EXPR` or `--argstr {} STRING`",
                                    f.name, f.name
                                )));
                            }
                        }
                    }
                    given
                };
                let r = self.apply(v.clone(), Value::attrs(given), Span::NONE)?;
                self.force(&r)
            }
            Value::Attrs(a) if a.contains(self.syms.functor) => {
                let f = a.get(self.syms.functor).cloned().expect("checked");
                let f = self.force(&f)?;
                let r = self.apply(f, v.clone(), Span::NONE)?;
                self.auto_call(r, args)
            }
            _ => Ok(v),
        }
    }

    /// Follows an attribute path such as `a.b.0` (numbers index lists), calling functions
    /// met on the way with `args`, as `nix-instantiate -A` does.
    pub fn select_path(&mut self, v: Value, path: &str, args: &Attrs) -> Result<Value> {
        let mut v = v;
        for key in split_attr_path(path) {
            let cur = self.auto_call(v, args)?;
            v = match (&cur, key.parse::<usize>()) {
                (Value::List(l), Ok(i)) => match l.get(i) {
                    Some(x) => self.force(x)?,
                    None => {
                        return Err(EvalError::other(format!(
                            "list index {i} in selection path '{path}' is out of range"
                        )));
                    }
                },
                (Value::Attrs(a), _) => match Symbol::lookup(&key).and_then(|s| a.get(s)) {
                    Some(x) => {
                        let x = x.clone();
                        self.force(&x)?
                    }
                    None => {
                        let mut e = EvalError::other(format!(
                            "attribute '{key}' in selection path '{path}' not found"
                        ));
                        if let Some(s) = error::suggest(&key, a.iter().map(|a| a.name.as_str())) {
                            e = e.with_hint(format!("did you mean '{s}'?"));
                        }
                        return Err(e);
                    }
                },
                (other, _) => {
                    return Err(EvalError::type_error(format!(
                        "the expression selected by the selection path '{path}' should be a set but is {}",
                        other.type_description()
                    )));
                }
            };
        }
        Ok(v)
    }

    /// Parses `text` as the expression of a `--arg`; it is evaluated when used.
    pub fn arg_value(&mut self, text: &str, base_dir: &str) -> Result<Value> {
        let e = self.load("«arg»".to_string(), Arc::from(text), base_dir, None)?;
        Ok(value::Thunk::make(value::ThunkState::Expr(
            e,
            Env::new(0, None),
        )))
    }

    /// Evaluates `expr` (text) as the value of a command-line `--arg`.
    pub fn eval_arg(&mut self, text: &str, base_dir: &str) -> Result<Value> {
        self.eval_source("«arg»", text, base_dir)
    }
}

/// The names of an outermost scope at slots of one frame, and that frame; a name given twice
/// gets the slot of its last value.
fn outer_scope(
    bindings: impl Iterator<Item = (Symbol, Value)>,
) -> (FxHashMap<Symbol, u32>, Rc<Env>) {
    let mut names = FxHashMap::default();
    let mut values = smallvec::SmallVec::new();
    for (i, (name, value)) in bindings.enumerate() {
        names.insert(name, i as u32);
        values.push(value);
    }
    (names, Env::with_values(values, None))
}

/// Where `<nix/...>` files live: they are part of the evaluator, not of the file system.
pub(crate) const COREPKGS: &str = "/__corepkgs__";

/// The text of a file of `<nix/...>`.
fn corepkg(path: &str) -> Option<&'static str> {
    match path.strip_prefix(COREPKGS)? {
        "/fetchurl.nix" => Some(include_str!("corepkgs/fetchurl.nix")),
        "/derivation.nix" => Some(include_str!("corepkgs/derivation.nix")),
        _ => None,
    }
}

/// The components of an attribute path: `a."b.c".d` is `a`, `b.c`, `d`.
fn split_attr_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '"' => quoted = !quoted,
            '.' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    if !path.is_empty() {
        out.push(cur);
    }
    out
}

/// The directory part of an absolute path.
pub(crate) fn parent_dir(path: &str) -> String {
    match path.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => path[..i].to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_in(scope: &[(&str, &str)], text: &str) -> std::result::Result<String, String> {
        let mut ev = Evaluator::new(Box::new(StdIo), Options::default());
        let mut bound = Vec::new();
        for (name, source) in scope {
            let v = ev
                .delay_source_with_scope("«binding»", source, "/", &bound)
                .map_err(|e| e.message.clone())?;
            bound.push((Symbol::intern(name), v));
        }
        let v = ev
            .eval_source_with_scope("«string»", text, "/", &bound)
            .and_then(|v| ev.force_deep(&v))
            .map_err(|e| e.message.clone())?;
        Ok(print::print_value(&v))
    }

    #[test]
    fn a_scope_is_seen_by_the_expression() {
        assert_eq!(
            eval_in(&[("x", "1"), ("y", "x + 1")], "[ x y ]"),
            Ok("[ 1 2 ]".into())
        );
    }

    #[test]
    fn a_scope_shadows_globals_and_lexical_scopes_shadow_it() {
        assert_eq!(eval_in(&[("true", "1")], "true"), Ok("1".into()));
        assert_eq!(eval_in(&[("x", "1")], "let x = 2; in x"), Ok("2".into()));
        assert_eq!(eval_in(&[("x", "1")], "(x: x) 3"), Ok("3".into()));
        // `with` is weaker than any lexical binding, this scope's included.
        assert_eq!(eval_in(&[("x", "1")], "with { x = 2; }; x"), Ok("1".into()));
        assert_eq!(eval_in(&[], "with { true = 1; }; true"), Ok("true".into()));
    }

    #[test]
    fn the_last_binding_of_a_name_wins() {
        assert_eq!(
            eval_in(&[("x", "1"), ("x", "x + 10")], "x"),
            Ok("11".into())
        );
    }

    #[test]
    fn delayed_values_are_evaluated_only_when_used() {
        assert_eq!(eval_in(&[("boom", "throw \"no\"")], "1"), Ok("1".into()));
        assert_eq!(
            eval_in(&[("boom", "throw \"no\"")], "boom"),
            Err("no".into())
        );
    }

    #[test]
    fn unbound_variables_are_reported_when_the_text_is_read() {
        let err = eval_in(&[("lib", "1"), ("z", "lbi")], "1").unwrap_err();
        assert_eq!(err, "undefined variable 'lbi'");
    }
}
