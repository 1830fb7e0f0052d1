//! The built-in functions and constants: the `builtins` set and the global scope.
//!
//! A built-in is a `PrimOpDef`: a name, an arity and a Rust function that receives its
//! arguments unevaluated and forces what it needs. They are grouped by subject: this file holds
//! the registry, type checks and the functions on sets, lists and control flow; `strings`,
//! `json`, `xml`, `toml` and `fs` the rest.

mod add_path;
mod derivation;
mod fs;
mod json;
mod strings;
mod table;
mod toml;
mod xml;

use std::rc::Rc;

use rustc_hash::FxHashMap;

use crate::Evaluator;
use crate::error::{ErrorKind, EvalError, Result, Span};
use crate::eval::Coerce;
use crate::ir::BinOp;
use crate::symbol::Symbol;
use crate::value::*;

pub use table::PRIMOPS;

/// A built-in function.
pub struct PrimOpDef {
    pub name: &'static str,
    pub arity: u8,
    pub(crate) f: fn(&mut Evaluator, &mut [Value], Span) -> Result<Value>,
    /// Its documentation: the doc comment of its entry in the table, a line each.
    pub(crate) doc: &'static str,
}

impl PrimOpDef {
    /// How it is called (`map f list`) and what it does, or `None` when it has no
    /// documentation.
    pub fn doc(&self) -> Option<(&'static str, String)> {
        let mut lines = self.doc.lines().map(|l| l.strip_prefix(' ').unwrap_or(l));
        let usage = lines.next()?.trim();
        let usage = usage
            .strip_prefix('`')
            .and_then(|u| u.strip_suffix('`'))
            .unwrap_or(usage);
        let text: Vec<&str> = lines.collect();
        Some((usage, text.join("\n")))
    }
}

/// The documentation of a global or of an attribute of `builtins`, by name (`map`,
/// `__map` and `builtins.map` alike): how it is called and what it does.
pub fn doc(name: &str) -> Option<(String, String)> {
    let name = name.strip_prefix("builtins.").unwrap_or(name);
    let bare = name.strip_prefix("__").unwrap_or(name);
    if let Some(op) = PRIMOPS
        .iter()
        .chain(EXTENSIONS)
        .find(|op| op.name == bare || op.name == name)
    {
        return op.doc().map(|(usage, text)| (usage.to_string(), text));
    }
    OTHER_DOCS
        .iter()
        .find(|(n, _, _)| *n == bare)
        .map(|(_, usage, text)| (usage.to_string(), text.to_string()))
}

/// The documentation of the globals that are not built-in functions: name, how it is used,
/// what it is.
const OTHER_DOCS: &[(&str, &str, &str)] = &[
    (
        "derivation",
        "derivation { name; system; builder; args ? []; outputs ? [\"out\"]; ... }",
        "A derivation: how to build store paths. The attributes become the builder's \
         environment; the result is the set of attributes with `drvPath`, `outPath` and one \
         attribute per output added.",
    ),
    (
        "currentSystem",
        "currentSystem",
        "The system evaluation runs for, such as `\"x86_64-linux\"`.",
    ),
    (
        "currentTime",
        "currentTime",
        "The time the evaluation started, in seconds since the epoch; absent in pure evaluation.",
    ),
    (
        "nixPath",
        "nixPath",
        "The search path of `<...>` lookups, from `-I` and `NIX_PATH`: a list of \
         `{ prefix; path; }`.",
    ),
    (
        "storeDir",
        "storeDir",
        "The logical store directory, `\"/nix/store\"` unless `--store-dir` says otherwise.",
    ),
    (
        "nixVersion",
        "nixVersion",
        "The version of Nix whose language cairn evaluates.",
    ),
    (
        "langVersion",
        "langVersion",
        "The version of the Nix language, an integer.",
    ),
];

/// Built-ins bound in the global scope under their own name too (all are bound as `__name`).
const UNPREFIXED: &[&str] = &[
    "abort",
    "baseNameOf",
    "derivationStrict",
    "dirOf",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
];

/// The global scope: `true`, `false`, `null`, `builtins`, the unprefixed built-ins and every
/// built-in as `__name`.
pub(crate) fn globals(ev: &Evaluator) -> FxHashMap<Symbol, Value> {
    let mut entries: Vec<Attr> = Vec::new();
    let mut add = |name: &str, value: Value| {
        entries.push(Attr {
            name: Symbol::intern(name),
            pos: Span::NONE,
            value,
        });
    };
    for op in PRIMOPS {
        add(op.name, Value::PrimOp(op));
    }
    add("true", Value::Bool(true));
    add("false", Value::Bool(false));
    add("null", Value::Null);
    add("langVersion", Value::Int(6));
    add("nixVersion", Value::string("2.8.0"));
    add("storeDir", Value::string(ev.io.store_dir()));
    add("currentSystem", Value::string(ev.options.system.clone()));
    // Pure evaluation has no clock: `builtins.currentTime` does not exist there, as in Nix.
    if !ev.options.pure {
        add("currentTime", Value::Int(ev.io.current_time()));
    }
    let nix_path = ev
        .options
        .search_path
        .iter()
        .map(|(prefix, path)| {
            Value::attrs(Attrs::from_unsorted(vec![
                Attr {
                    name: Symbol::intern("path"),
                    pos: Span::NONE,
                    value: Value::string(path.clone()),
                },
                Attr {
                    name: Symbol::intern("prefix"),
                    pos: Span::NONE,
                    value: Value::string(prefix.clone()),
                },
            ]))
        })
        .collect();
    add("nixPath", Value::list(nix_path));
    add("derivation", derivation::derivation_global());

    // `builtins.builtins` is `builtins` itself: a thunk that is filled once the set exists.
    let self_ref = Rc::new(Thunk {
        state: std::cell::RefCell::new(ThunkState::Blackhole),
    });
    entries.push(Attr {
        name: Symbol::intern("builtins"),
        pos: Span::NONE,
        value: Value::Thunk(self_ref.clone()),
    });
    let builtins = Value::attrs(Attrs::from_unsorted(entries));
    *self_ref.state.borrow_mut() = ThunkState::Done(builtins.clone());

    let mut globals = FxHashMap::default();
    let Value::Attrs(set) = &builtins else {
        unreachable!()
    };
    for a in set.iter() {
        let name = a.name.as_str();
        if !matches!(name, "builtins" | "true" | "false" | "null") {
            globals.insert(Symbol::intern(&format!("__{name}")), a.value.clone());
        }
    }
    for name in UNPREFIXED
        .iter()
        .chain(&["true", "false", "null", "derivation"])
    {
        let s = Symbol::intern(name);
        if let Some(v) = set.get(s) {
            globals.insert(s, v.clone());
        }
    }
    globals.insert(Symbol::intern("builtins"), builtins.clone());
    // cairn's own primitives are globals only, so that `builtins` stays Nix's.
    for op in EXTENSIONS {
        globals.insert(Symbol::intern(op.name), Value::PrimOp(op));
    }
    globals
}

/// cairn's own built-in functions, as globals named `__<name>` and not in `builtins`.
pub static EXTENSIONS: &[PrimOpDef] = &[PrimOpDef {
    name: "__hostTool",
    arity: 1,
    f: add_path::host_tool,
    doc: " `__hostTool { tool; narHash ? null; version ? null; pinFile ? null; }`\n \
          A tool of the host (`busybox`, `go`, `cacert`) imported into the store as a \
          content-addressed path and checked against its pin: `{ name; pname; version; \
          narHash; outPath; }`.\n",
}];

/// The fetchers download while evaluating, which cairn does not do: every download is a
/// fixed-output derivation, checked against its hash when it is built.
fn no_fetching(name: &str) -> Result<Value> {
    Err(EvalError::other(format!(
        "'builtins.{name}' downloads during evaluation, which cairn does not do; use a \
         fixed-output derivation, such as `import <nix/fetchurl.nix> {{ url = ...; sha256 = ...; }}`"
    )))
}

fn fetch_git(_: &mut Evaluator, _: &mut [Value], _: Span) -> Result<Value> {
    no_fetching("fetchGit")
}

fn fetch_mercurial(_: &mut Evaluator, _: &mut [Value], _: Span) -> Result<Value> {
    no_fetching("fetchMercurial")
}

fn fetch_tarball(_: &mut Evaluator, _: &mut [Value], _: Span) -> Result<Value> {
    no_fetching("fetchTarball")
}

fn fetch_tree(_: &mut Evaluator, _: &mut [Value], _: Span) -> Result<Value> {
    no_fetching("fetchTree")
}

/// `builtins.fetchurl URL` or `builtins.fetchurl { url; sha256 ? null; name ? baseNameOf url; }`:
/// a flat file in the store. Pure evaluation needs the hash.
fn fetch_url(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    let arg = ev.force(&args[0])?;
    let (mut url, mut name, mut sha256) = (None, None, None);
    match &arg {
        Value::Attrs(a) => {
            for attr in a.sorted_by_name() {
                let at = |e: Box<EvalError>| e.at(if attr.pos.is_none() { span } else { attr.pos });
                let text = derivation::string_no_context(ev, &attr.value).map_err(at)?;
                match attr.name.as_str() {
                    "url" => url = Some(text),
                    "name" => name = Some(text),
                    "sha256" => sha256 = Some(text),
                    other => {
                        return Err(EvalError::other(format!(
                            "unsupported argument '{other}' to 'fetchurl'"
                        ))
                        .at(attr.pos));
                    }
                }
            }
        }
        _ => url = Some(derivation::string_no_context(ev, &arg).map_err(|e| e.at(span))?),
    }
    let Some(url) = url else {
        return Err(EvalError::other("'url' argument required").at(span));
    };
    if ev.options.pure && sha256.is_none() {
        return Err(EvalError::other(
            "in pure evaluation mode, 'fetchurl' requires a 'sha256' argument",
        )
        .at(span));
    }
    let name = name.unwrap_or_else(|| {
        let trimmed = url.trim_end_matches('/');
        trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
    });
    let stored = ev
        .io
        .fetch_url(&url, &name, sha256.as_deref())
        .map_err(|e| e.at(span))?;
    let ctx = Context::from([stored.clone().into_boxed_str()]);
    Ok(Value::string_with_context(stored, ctx))
}

// ----- argument helpers -----

impl Evaluator {
    pub(crate) fn force_attrs(&mut self, v: &Value) -> Result<Rc<Attrs>> {
        match self.force(v)? {
            Value::Attrs(a) => Ok(a),
            other => Err(expected(&other, "a set")),
        }
    }

    pub(crate) fn force_list(&mut self, v: &Value) -> Result<Rc<Vec<Value>>> {
        match self.force(v)? {
            Value::List(l) => Ok(l),
            other => Err(expected(&other, "a list")),
        }
    }

    pub(crate) fn force_int(&mut self, v: &Value) -> Result<i64> {
        match self.force(v)? {
            Value::Int(i) => Ok(i),
            other => Err(expected(&other, "an integer")),
        }
    }

    pub(crate) fn force_float(&mut self, v: &Value) -> Result<f64> {
        match self.force(v)? {
            Value::Int(i) => Ok(i as f64),
            Value::Float(f) => Ok(f),
            other => Err(expected(&other, "a float")),
        }
    }

    pub(crate) fn force_bool(&mut self, v: &Value) -> Result<bool> {
        match self.force(v)? {
            Value::Bool(b) => Ok(b),
            other => Err(expected(&other, "a Boolean")),
        }
    }

    /// A string value (not a path, not a set with `__toString`).
    pub(crate) fn force_string(&mut self, v: &Value) -> Result<Rc<NixString>> {
        match self.force(v)? {
            Value::String(s) => Ok(s),
            other => Err(expected(&other, "a string")),
        }
    }

    pub(crate) fn force_function(&mut self, v: &Value) -> Result<Value> {
        let f = self.force(v)?;
        match &f {
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(f),
            Value::Attrs(a) if a.contains(self.syms.functor) => Ok(f),
            other => Err(expected(other, "a function")),
        }
    }

    /// Coerces to a string as interpolation does (paths copied to the store when `copy`).
    pub(crate) fn coerce_to_string(
        &mut self,
        v: &Value,
        how: Coerce,
        copy: bool,
    ) -> Result<(String, Context)> {
        let mut out = String::new();
        let mut ctx = Context::new();
        self.coerce_into(v, how, copy, &mut out, &mut ctx)?;
        Ok((out, ctx))
    }

    /// Whether `path` is inside the store directory.
    pub(crate) fn is_in_store(&self, path: &str) -> bool {
        path.strip_prefix(self.io.store_dir())
            .is_some_and(|rest| rest.starts_with('/'))
    }

    /// Coerces to an absolute path string, as `readFile` and `import` take their argument.
    pub(crate) fn coerce_to_path(&mut self, v: &Value) -> Result<String> {
        let (s, _) = self.coerce_to_string(v, Coerce::Interpolation, false)?;
        if !s.starts_with('/') {
            return Err(EvalError::other(format!(
                "string '{s}' doesn't represent an absolute path"
            )));
        }
        Ok(s)
    }

    /// Calls `f a` and forces the result.
    pub(crate) fn call1(&mut self, f: &Value, a: Value) -> Result<Value> {
        let r = self.apply(f.clone(), a, Span::NONE)?;
        self.force(&r)
    }

    /// Calls `f a b` and forces the result.
    pub(crate) fn call2(&mut self, f: &Value, a: Value, b: Value) -> Result<Value> {
        let g = self.apply(f.clone(), a, Span::NONE)?;
        let r = self.apply(g, b, Span::NONE)?;
        self.force(&r)
    }

    pub(crate) fn call_bool(&mut self, f: &Value, a: Value) -> Result<bool> {
        match self.call1(f, a)? {
            Value::Bool(b) => Ok(b),
            other => Err(expected(&other, "a Boolean")),
        }
    }
}

pub(crate) fn expected(v: &Value, what: &str) -> Box<EvalError> {
    EvalError::type_error(format!(
        "value is {} while {what} was expected",
        v.type_description()
    ))
}

fn attr(name: Symbol, value: Value) -> Attr {
    Attr {
        name,
        pos: Span::NONE,
        value,
    }
}

// ----- control -----

fn abort(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let (s, _) = ev.coerce_to_string(&args[0], Coerce::More, false)?;
    Err(EvalError::new(
        ErrorKind::Abort,
        format!("evaluation aborted with the following error message: '{s}'"),
    ))
}

fn throw(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let (s, _) = ev.coerce_to_string(&args[0], Coerce::More, false)?;
    Err(EvalError::new(ErrorKind::Throw, s))
}

fn add_error_context(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    match ev.force(&args[1]) {
        Ok(v) => Ok(v),
        Err(e) => {
            let msg = match ev.coerce_to_string(&args[0], Coerce::More, false) {
                Ok((s, _)) => s,
                Err(_) => return Err(e),
            };
            Err(e.frame(span, msg))
        }
    }
}

fn seq(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    ev.force(&args[0])?;
    ev.force(&args[1])
}

fn deep_seq(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    ev.force_deep(&args[0])?;
    ev.force(&args[1])
}

fn trace(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let v = ev.force(&args[0])?;
    let msg = match &v {
        Value::String(s) => s.as_str().to_string(),
        other => crate::print::print_value(other),
    };
    ev.io.trace(&format!("trace: {msg}"));
    ev.force(&args[1])
}

fn try_eval(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let depth = ev.depth;
    let (success, value) = match ev.force(&args[0]) {
        Ok(v) => (true, v),
        Err(e) if e.is_catchable() => {
            ev.depth = depth;
            (false, Value::Bool(false))
        }
        Err(e) => return Err(e),
    };
    Ok(Value::attrs(Attrs::from_unsorted(vec![
        attr(Symbol::intern("success"), Value::Bool(success)),
        attr(ev.syms.value, value),
    ])))
}

// ----- types -----

fn type_of(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let v = ev.force(&args[0])?;
    Ok(Value::string(v.type_name()))
}

macro_rules! is_type {
    ($fn:ident, $pat:pat) => {
        fn $fn(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
            let v = ev.force(&args[0])?;
            Ok(Value::Bool(matches!(v, $pat)))
        }
    };
}

is_type!(is_attrs, Value::Attrs(_));
is_type!(is_bool, Value::Bool(_));
is_type!(is_float, Value::Float(_));
is_type!(
    is_function,
    Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)
);
is_type!(is_int, Value::Int(_));
is_type!(is_list, Value::List(_));
is_type!(is_null, Value::Null);
is_type!(is_path, Value::Path(_));
is_type!(is_string, Value::String(_));

// ----- arithmetic -----

fn add(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    num_op(ev, args, BinOp::Add, span)
}
fn sub(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    num_op(ev, args, BinOp::Sub, span)
}
fn mul(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    num_op(ev, args, BinOp::Mul, span)
}
fn div(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    num_op(ev, args, BinOp::Div, span)
}

fn num_op(ev: &mut Evaluator, args: &mut [Value], op: BinOp, span: Span) -> Result<Value> {
    let a = ev.force(&args[0])?;
    let b = ev.force(&args[1])?;
    for v in [&a, &b] {
        if !matches!(v, Value::Int(_) | Value::Float(_)) {
            return Err(expected(v, "an integer"));
        }
    }
    ev.arith(op, &a, &b, span)
}

fn bit_op(ev: &mut Evaluator, args: &mut [Value], f: fn(i64, i64) -> i64) -> Result<Value> {
    let a = ev.force_int(&args[0])?;
    let b = ev.force_int(&args[1])?;
    Ok(Value::Int(f(a, b)))
}
fn bit_and(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    bit_op(ev, args, |a, b| a & b)
}
fn bit_or(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    bit_op(ev, args, |a, b| a | b)
}
fn bit_xor(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    bit_op(ev, args, |a, b| a ^ b)
}

fn float_to_int(x: f64) -> Result<Value> {
    if x.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&x) {
        return Err(EvalError::other(format!(
            "float {} does not fit in an integer",
            crate::print::format_float(x)
        )));
    }
    Ok(Value::Int(x as i64))
}

fn ceil(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    float_to_int(ev.force_float(&args[0])?.ceil())
}

fn floor(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    float_to_int(ev.force_float(&args[0])?.floor())
}

fn less_than(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    Ok(Value::Bool(ev.less_than(&args[0], &args[1])?))
}

// ----- sets -----

fn attr_names(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0])?;
    Ok(Value::list(
        a.sorted_by_name()
            .into_iter()
            .map(|a| Value::string(a.name.as_str()))
            .collect(),
    ))
}

fn attr_values(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0])?;
    Ok(Value::list(
        a.sorted_by_name()
            .into_iter()
            .map(|a| a.value.clone())
            .collect(),
    ))
}

fn get_attr(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let name = ev.force_string(&args[0])?;
    let a = ev.force_attrs(&args[1])?;
    match Symbol::lookup(name.as_str()).and_then(|s| a.get(s)) {
        Some(v) => {
            let v = v.clone();
            ev.force(&v)
        }
        None => Err(EvalError::other(format!(
            "attribute '{}' missing",
            name.as_str()
        ))),
    }
}

fn has_attr(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let name = ev.force_string(&args[0])?;
    let a = ev.force_attrs(&args[1])?;
    Ok(Value::Bool(
        Symbol::lookup(name.as_str()).is_some_and(|s| a.contains(s)),
    ))
}

fn unsafe_get_attr_pos(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let name = ev.force_string(&args[0])?;
    let a = ev.force_attrs(&args[1])?;
    match Symbol::lookup(name.as_str()).and_then(|s| a.get_attr(s)) {
        Some(attr) => Ok(ev.pos_value(attr.pos)),
        None => Ok(Value::Null),
    }
}

fn remove_attrs(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0])?;
    let names = ev.force_list(&args[1])?;
    let mut remove = Vec::with_capacity(names.len());
    for n in names.iter() {
        let s = ev.force_string(n)?;
        if let Some(sym) = Symbol::lookup(s.as_str()) {
            remove.push(sym);
        }
    }
    if remove.is_empty() {
        return Ok(Value::Attrs(a));
    }
    remove.sort();
    let kept: Vec<Attr> = a
        .iter()
        .filter(|x| remove.binary_search(&x.name).is_err())
        .cloned()
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(kept)))
}

fn intersect_attrs(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0])?;
    let b = ev.force_attrs(&args[1])?;
    let kept: Vec<Attr> = b.iter().filter(|x| a.contains(x.name)).cloned().collect();
    Ok(Value::attrs(Attrs::from_sorted(kept)))
}

fn list_to_attrs(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let list = ev.force_list(&args[0])?;
    let mut entries: Vec<Attr> = Vec::with_capacity(list.len());
    let (name_sym, value_sym) = (ev.syms.name, ev.syms.value);
    for item in list.iter() {
        let set = ev.force_attrs(item)?;
        let name = set
            .get(name_sym)
            .cloned()
            .ok_or_else(|| EvalError::other("attribute 'name' missing"))?;
        let name = ev.force_string(&name)?;
        let attr_ref = set
            .get_attr(value_sym)
            .ok_or_else(|| EvalError::other("attribute 'value' missing"))?;
        entries.push(Attr {
            name: Symbol::intern(name.as_str()),
            pos: attr_ref.pos,
            value: attr_ref.value.clone(),
        });
    }
    // The first definition of a name wins.
    entries.reverse();
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn map_attrs(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[1])?;
    let f = args[0].clone();
    let entries: Vec<Attr> = a
        .iter()
        .map(|x| Attr {
            name: x.name,
            pos: Span::NONE,
            value: Thunk::apply2(f.clone(), Value::string(x.name.as_str()), x.value.clone()),
        })
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn zip_attrs_with(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let f = args[0].clone();
    let sets = ev.force_list(&args[1])?;
    let mut order: Vec<Symbol> = Vec::new();
    let mut values: FxHashMap<Symbol, Vec<Value>> = FxHashMap::default();
    for s in sets.iter() {
        let a = ev.force_attrs(s)?;
        for x in a.iter() {
            values
                .entry(x.name)
                .or_insert_with(|| {
                    order.push(x.name);
                    Vec::new()
                })
                .push(x.value.clone());
        }
    }
    let entries = order
        .into_iter()
        .map(|name| {
            let vs = values.remove(&name).unwrap_or_default();
            attr(
                name,
                Thunk::apply2(f.clone(), Value::string(name.as_str()), Value::list(vs)),
            )
        })
        .collect();
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn cat_attrs(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let name = ev.force_string(&args[0])?;
    let list = ev.force_list(&args[1])?;
    let sym = Symbol::lookup(name.as_str());
    let mut out = Vec::new();
    for item in list.iter() {
        let a = ev.force_attrs(item)?;
        if let Some(v) = sym.and_then(|s| a.get(s)) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn function_args(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let f = ev.force(&args[0])?;
    match &f {
        Value::Lambda(c) => match &c.def.param {
            crate::ir::Param::Ident(_) => Ok(Value::attrs(Attrs::new())),
            crate::ir::Param::Pattern(p) => Ok(Value::attrs(Attrs::from_unsorted(
                p.formals
                    .iter()
                    .map(|f| Attr {
                        name: f.name,
                        pos: f.span,
                        value: Value::Bool(f.default.is_some()),
                    })
                    .collect(),
            ))),
        },
        Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(Value::attrs(Attrs::new())),
        other => Err(expected(other, "a function")),
    }
}

// ----- lists -----

fn length(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    Ok(Value::Int(ev.force_list(&args[0])?.len() as i64))
}

fn head(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[0])?;
    match l.first() {
        Some(v) => {
            let v = v.clone();
            ev.force(&v)
        }
        None => Err(EvalError::other("list index 0 is out of bounds")),
    }
}

fn tail(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[0])?;
    if l.is_empty() {
        return Err(EvalError::other("'tail' called on an empty list"));
    }
    Ok(Value::list(l[1..].to_vec()))
}

fn elem_at(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[0])?;
    let i = ev.force_int(&args[1])?;
    if i < 0 || i as usize >= l.len() {
        return Err(EvalError::other(format!("list index {i} is out of bounds")));
    }
    let v = l[i as usize].clone();
    ev.force(&v)
}

fn elem(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[1])?;
    let needle = ev.force(&args[0])?;
    for item in l.iter() {
        if ev.equal(&needle, item, true)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn map(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[1])?;
    let f = args[0].clone();
    Ok(Value::list(
        l.iter()
            .map(|x| Thunk::apply(f.clone(), x.clone()))
            .collect(),
    ))
}

fn filter(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[1])?;
    let f = ev.force_function(&args[0])?;
    let mut out = Vec::new();
    for x in l.iter() {
        if ev.call_bool(&f, x.clone())? {
            out.push(x.clone());
        }
    }
    if out.len() == l.len() {
        return Ok(Value::List(l));
    }
    Ok(Value::list(out))
}

fn all(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[1])?;
    let f = ev.force_function(&args[0])?;
    for x in l.iter() {
        if !ev.call_bool(&f, x.clone())? {
            return Ok(Value::Bool(false));
        }
    }
    Ok(Value::Bool(true))
}

fn any(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[1])?;
    let f = ev.force_function(&args[0])?;
    for x in l.iter() {
        if ev.call_bool(&f, x.clone())? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn concat_lists(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[0])?;
    let mut out = Vec::new();
    for x in l.iter() {
        out.extend(ev.force_list(x)?.iter().cloned());
    }
    Ok(Value::list(out))
}

fn concat_map(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let f = ev.force_function(&args[0])?;
    let l = ev.force_list(&args[1])?;
    let mut out = Vec::new();
    for x in l.iter() {
        let r = ev.call1(&f, x.clone())?;
        out.extend(ev.force_list(&r)?.iter().cloned());
    }
    Ok(Value::list(out))
}

fn foldl(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let f = ev.force_function(&args[0])?;
    let l = ev.force_list(&args[2])?;
    let mut acc = args[1].clone();
    for x in l.iter() {
        acc = ev.call2(&f, acc, x.clone())?;
    }
    ev.force(&acc)
}

fn gen_list(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let n = ev.force_int(&args[1])?;
    if n < 0 {
        return Err(EvalError::other(format!("cannot create list of size {n}")));
    }
    let f = args[0].clone();
    Ok(Value::list(
        (0..n)
            .map(|i| Thunk::apply(f.clone(), Value::Int(i)))
            .collect(),
    ))
}

fn partition(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let f = ev.force_function(&args[0])?;
    let l = ev.force_list(&args[1])?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    for x in l.iter() {
        if ev.call_bool(&f, x.clone())? {
            right.push(x.clone());
        } else {
            wrong.push(x.clone());
        }
    }
    Ok(Value::attrs(Attrs::from_unsorted(vec![
        attr(Symbol::intern("right"), Value::list(right)),
        attr(Symbol::intern("wrong"), Value::list(wrong)),
    ])))
}

fn group_by(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let f = ev.force_function(&args[0])?;
    let l = ev.force_list(&args[1])?;
    let mut order = Vec::new();
    let mut groups: FxHashMap<Symbol, Vec<Value>> = FxHashMap::default();
    for x in l.iter() {
        let k = ev.call1(&f, x.clone())?;
        let Value::String(k) = k else {
            return Err(expected(&k, "a string"));
        };
        let sym = Symbol::intern(k.as_str());
        groups
            .entry(sym)
            .or_insert_with(|| {
                order.push(sym);
                Vec::new()
            })
            .push(x.clone());
    }
    Ok(Value::attrs(Attrs::from_unsorted(
        order
            .into_iter()
            .map(|k| attr(k, Value::list(groups.remove(&k).unwrap_or_default())))
            .collect(),
    )))
}

fn sort(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let l = ev.force_list(&args[1])?;
    let f = ev.force_function(&args[0])?;
    let mut items: Vec<Value> = l.iter().cloned().collect();
    let is_lt_primop = matches!(&f, Value::PrimOp(op) if op.name == "lessThan");
    let mut less = |ev: &mut Evaluator, a: &Value, b: &Value| -> Result<bool> {
        if is_lt_primop {
            ev.less_than(a, b)
        } else {
            let g = ev.apply(f.clone(), a.clone(), Span::NONE)?;
            let r = ev.apply(g, b.clone(), Span::NONE)?;
            ev.force_bool(&r)
        }
    };
    merge_sort(ev, &mut items, &mut less)?;
    Ok(Value::list(items))
}

/// A stable merge sort with a comparison that can fail (and need not be consistent).
fn merge_sort(
    ev: &mut Evaluator,
    items: &mut Vec<Value>,
    less: &mut dyn FnMut(&mut Evaluator, &Value, &Value) -> Result<bool>,
) -> Result<()> {
    let n = items.len();
    if n < 2 {
        return Ok(());
    }
    // Insertion sort for short runs, then bottom-up merging.
    const RUN: usize = 16;
    for start in (0..n).step_by(RUN) {
        let end = (start + RUN).min(n);
        for i in start + 1..end {
            let mut j = i;
            while j > start && less(ev, &items[j], &items[j - 1])? {
                items.swap(j, j - 1);
                j -= 1;
            }
        }
    }
    let mut width = RUN;
    let mut buf: Vec<Value> = Vec::with_capacity(n);
    while width < n {
        buf.clear();
        let mut start = 0;
        while start < n {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j) = (start, mid);
            while i < mid && j < end {
                if less(ev, &items[j], &items[i])? {
                    buf.push(items[j].clone());
                    j += 1;
                } else {
                    buf.push(items[i].clone());
                    i += 1;
                }
            }
            buf.extend_from_slice(&items[i..mid]);
            buf.extend_from_slice(&items[j..end]);
            start = end;
        }
        std::mem::swap(items, &mut buf);
        width *= 2;
    }
    Ok(())
}

fn generic_closure(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let a = ev.force_attrs(&args[0])?;
    let start = a
        .get_str("startSet")
        .cloned()
        .ok_or_else(|| EvalError::other("attribute 'startSet' missing"))?;
    let op = a
        .get_str("operator")
        .cloned()
        .ok_or_else(|| EvalError::other("attribute 'operator' missing"))?;
    let op = ev.force_function(&op)?;
    let mut work: std::collections::VecDeque<Value> =
        ev.force_list(&start)?.iter().cloned().collect();
    let key_sym = Symbol::intern("key");
    let mut seen: Vec<Value> = Vec::new();
    let mut out = Vec::new();
    while let Some(item) = work.pop_front() {
        let set = ev.force_attrs(&item)?;
        let key = set
            .get(key_sym)
            .cloned()
            .ok_or_else(|| EvalError::other("attribute 'key' missing"))?;
        let key = ev.force(&key)?;
        // Binary search in the sorted keys, comparing as `<` does.
        let (mut lo, mut hi) = (0, seen.len());
        let mut found = false;
        while lo < hi {
            let mid = (lo + hi) / 2;
            if ev.less_than(&seen[mid], &key)? {
                lo = mid + 1;
            } else if ev.less_than(&key, &seen[mid])? {
                hi = mid;
            } else {
                found = true;
                break;
            }
        }
        if found {
            continue;
        }
        seen.insert(lo, key);
        out.push(item.clone());
        let next = ev.call1(&op, item)?;
        work.extend(ev.force_list(&next)?.iter().cloned());
    }
    Ok(Value::list(out))
}
