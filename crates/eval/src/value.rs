//! Values. A `Value` is 16 bytes and cheap to clone: scalars inline, everything else behind an
//! `Rc`. Unevaluated values are `Thunk`s, which are forced at most once and black-holed while
//! they are being forced.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use smallvec::SmallVec;

use crate::builtins::PrimOpDef;
use crate::error::Span;
use crate::ir::{Expr, LambdaIr};
use crate::symbol::Symbol;

/// A Nix value, possibly not yet evaluated.
#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Rc<NixString>),
    /// An absolute, canonical path.
    Path(Rc<String>),
    List(Rc<Vec<Value>>),
    Attrs(Rc<Attrs>),
    Lambda(Rc<Closure>),
    PrimOp(&'static PrimOpDef),
    PrimOpApp(Rc<PrimOpApp>),
    Thunk(Rc<Thunk>),
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::String(s) => write!(f, "{:?}", s.as_str()),
            Value::Path(p) => f.write_str(p),
            Value::List(l) => f.debug_list().entries(l.iter()).finish(),
            Value::Attrs(a) => f
                .debug_map()
                .entries(a.iter().map(|e| (e.name, &e.value)))
                .finish(),
            Value::Lambda(_) => f.write_str("<LAMBDA>"),
            Value::PrimOp(_) => f.write_str("<PRIMOP>"),
            Value::PrimOpApp(_) => f.write_str("<PRIMOP-APP>"),
            Value::Thunk(_) => f.write_str("<CODE>"),
        }
    }
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(Rc::new(NixString::new(s.into())))
    }

    pub fn string_with_context(s: impl Into<String>, context: Context) -> Value {
        Value::String(Rc::new(NixString {
            s: s.into().into_boxed_str(),
            context: if context.is_empty() {
                None
            } else {
                Some(Box::new(context))
            },
        }))
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Rc::new(items))
    }

    pub fn attrs(a: Attrs) -> Value {
        Value::Attrs(Rc::new(a))
    }

    pub fn path(p: impl Into<String>) -> Value {
        Value::Path(Rc::new(p.into()))
    }

    /// Nix's name for the type of a forced value, as `builtins.typeOf` gives it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::List(_) => "list",
            Value::Attrs(_) => "set",
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => "lambda",
            Value::Thunk(_) => "thunk",
        }
    }

    /// How error messages name the type: "an integer", "a set", ...
    pub fn type_description(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::List(_) => "a list",
            Value::Attrs(_) => "a set",
            Value::Lambda(_) => "a function",
            Value::PrimOp(_) => "a built-in function",
            Value::PrimOpApp(_) => "a partially applied built-in function",
            Value::Thunk(_) => "a thunk",
        }
    }

    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)
        )
    }
}

/// The string context: which store paths a string refers to, in Nix's encoding (`/nix/store/x`
/// for a plain path, `=/nix/store/x.drv` for a derivation and its closure, `!out!/nix/store/x.drv`
/// for one output of a derivation). A sorted set without duplicates, kept in a vector: most
/// contexts have one or two elements, and the elements are shared between the strings that
/// carry them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context(Vec<Rc<str>>);

impl Context {
    pub fn new() -> Context {
        Context(Vec::new())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The elements, in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Rc<str>> {
        self.0.iter()
    }

    pub fn contains(&self, element: &str) -> bool {
        self.0.binary_search_by(|e| (**e).cmp(element)).is_ok()
    }

    /// Adds an element; returns whether it was new.
    pub fn insert(&mut self, element: impl Into<Rc<str>>) -> bool {
        let element = element.into();
        match self.0.binary_search(&element) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, element);
                true
            }
        }
    }
}

/// Sorts the new elements alone and merges them in, so that adding a few elements to a large
/// context (as `toJSON` of a list of thousands of derivations does, once per string) costs
/// a pass over it, not a sort of it.
impl<T: Into<Rc<str>>> Extend<T> for Context {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        let mut new: Vec<Rc<str>> = iter.into_iter().map(Into::into).collect();
        if new.len() == 1 {
            self.insert(new.pop().expect("one element"));
            return;
        }
        new.sort_unstable();
        new.dedup();
        if self.0.is_empty() {
            self.0 = new;
            return;
        }
        let old = std::mem::take(&mut self.0);
        let mut merged = Vec::with_capacity(old.len() + new.len());
        let (mut old, mut new) = (old.into_iter().peekable(), new.into_iter().peekable());
        loop {
            let next = match (old.peek(), new.peek()) {
                (Some(a), Some(b)) => match a.cmp(b) {
                    std::cmp::Ordering::Less => old.next(),
                    std::cmp::Ordering::Greater => new.next(),
                    std::cmp::Ordering::Equal => {
                        new.next();
                        old.next()
                    }
                },
                (Some(_), None) => old.next(),
                (None, Some(_)) => new.next(),
                (None, None) => break,
            };
            merged.extend(next);
        }
        self.0 = merged;
    }
}

impl<T: Into<Rc<str>>> FromIterator<T> for Context {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Context {
        let mut c = Context::new();
        c.extend(iter);
        c
    }
}

impl<T: Into<Rc<str>>, const N: usize> From<[T; N]> for Context {
    fn from(items: [T; N]) -> Context {
        items.into_iter().collect()
    }
}

impl IntoIterator for Context {
    type Item = Rc<str>;
    type IntoIter = std::vec::IntoIter<Rc<str>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Context {
    type Item = &'a Rc<str>;
    type IntoIter = std::slice::Iter<'a, Rc<str>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A string and its context.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NixString {
    s: Box<str>,
    context: Option<Box<Context>>,
}

impl NixString {
    pub fn new(s: String) -> NixString {
        NixString {
            s: s.into_boxed_str(),
            context: None,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.s
    }

    pub fn context(&self) -> Option<&Context> {
        self.context.as_deref()
    }

    pub fn has_context(&self) -> bool {
        self.context.is_some()
    }
}

/// One attribute: its name, where it was defined (for `unsafeGetAttrPos`) and its value.
#[derive(Clone, Debug)]
pub struct Attr {
    pub name: Symbol,
    pub pos: Span,
    pub value: Value,
}

/// Sets with at most this many attributes are searched linearly and keep no key array.
const SMALL: usize = 8;

/// An attribute set: attributes sorted by symbol, so lookups are binary searches over integers
/// and unions are merges. The symbols of a large set are also kept in a dense array of their own,
/// so a search touches few cache lines. Name order (for printing and `attrNames`) is computed
/// when asked.
#[derive(Clone, Debug, Default)]
pub struct Attrs {
    keys: Vec<Symbol>,
    entries: Vec<Attr>,
}

impl Attrs {
    pub fn new() -> Attrs {
        Attrs::default()
    }

    pub fn with_capacity(n: usize) -> Attrs {
        Attrs {
            keys: Vec::new(),
            entries: Vec::with_capacity(n),
        }
    }

    /// Builds a set from entries in any order; a later entry with the same name wins.
    pub fn from_unsorted(mut entries: Vec<Attr>) -> Attrs {
        entries.sort_by_key(|a| a.name);
        // Keep the last of equal names: reverse, dedup keeps the first, reverse back.
        if entries.windows(2).any(|w| w[0].name == w[1].name) {
            entries.reverse();
            // A stable sort kept equal names in input order, so after reversing the last
            // definition comes first.
            entries.dedup_by_key(|a| a.name);
            entries.reverse();
        }
        Attrs::build(entries)
    }

    fn build(entries: Vec<Attr>) -> Attrs {
        Attrs {
            keys: if entries.len() > SMALL {
                entries.iter().map(|a| a.name).collect()
            } else {
                Vec::new()
            },
            entries,
        }
    }

    /// Builds a set from entries already sorted by symbol, without duplicates.
    pub fn from_sorted(entries: Vec<Attr>) -> Attrs {
        debug_assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
        Attrs::build(entries)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, name: Symbol) -> Option<&Value> {
        self.get_attr(name).map(|a| &a.value)
    }

    pub fn get_attr(&self, name: Symbol) -> Option<&Attr> {
        if self.keys.is_empty() {
            return self.entries.iter().find(|a| a.name == name);
        }
        let i = self.keys.binary_search(&name).ok()?;
        Some(&self.entries[i])
    }

    /// The index of an attribute, for `value_at`.
    pub(crate) fn position(&self, name: Symbol) -> Option<usize> {
        if self.keys.is_empty() {
            return self.entries.iter().position(|a| a.name == name);
        }
        self.keys.binary_search(&name).ok()
    }

    pub(crate) fn value_at(&self, i: usize) -> &Value {
        &self.entries[i].value
    }

    pub fn get_str(&self, name: &str) -> Option<&Value> {
        Symbol::lookup(name).and_then(|s| self.get(s))
    }

    pub fn contains(&self, name: Symbol) -> bool {
        self.get_attr(name).is_some()
    }

    /// Attributes in symbol order (not name order).
    pub fn iter(&self) -> std::slice::Iter<'_, Attr> {
        self.entries.iter()
    }

    /// Attributes in the order of their names, as Nix lists them.
    pub fn sorted_by_name(&self) -> Vec<&Attr> {
        let mut v: Vec<&Attr> = self.entries.iter().collect();
        v.sort_unstable_by(|a, b| a.name.as_str().cmp(b.name.as_str()));
        v
    }

    /// Inserts or replaces an attribute.
    pub fn insert(&mut self, attr: Attr) {
        match self.entries.binary_search_by_key(&attr.name, |a| a.name) {
            Ok(i) => self.entries[i] = attr,
            Err(i) => {
                if !self.keys.is_empty() {
                    self.keys.insert(i, attr.name);
                }
                self.entries.insert(i, attr);
                if self.keys.is_empty() && self.entries.len() > SMALL {
                    self.keys = self.entries.iter().map(|a| a.name).collect();
                }
            }
        }
    }

    /// `self // other`: the attributes of both, `other`'s winning.
    pub fn update(&self, other: &Attrs) -> Attrs {
        let (a, b) = (&self.entries, &other.entries);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].name.cmp(&b[j].name) {
                std::cmp::Ordering::Less => {
                    out.push(a[i].clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j].clone());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push(b[j].clone());
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Attrs::build(out)
    }

    pub fn into_entries(self) -> Vec<Attr> {
        self.entries
    }
}

/// A lambda and the environment it closes over.
pub struct Closure {
    pub(crate) def: Rc<LambdaIr>,
    pub(crate) env: Rc<Env>,
}

impl Closure {
    /// Where the lambda is written: `x: ...` from `x` to the end of the body.
    pub fn span(&self) -> Span {
        self.def.span
    }
}

/// A built-in function applied to fewer arguments than it takes.
pub struct PrimOpApp {
    pub(crate) op: &'static PrimOpDef,
    pub(crate) args: SmallVec<[Value; 2]>,
}

impl PrimOpApp {
    /// The built-in function applied.
    pub fn primop(&self) -> &'static PrimOpDef {
        self.op
    }
}

/// A runtime scope: the values of one `let`, `rec` set, lambda call or `with`, and the scope
/// around it. Variables are found by (depth, slot), fixed when the code was lowered.
pub(crate) struct Env {
    pub(crate) slots: RefCell<SmallVec<[Value; 2]>>,
    pub(crate) up: Option<Rc<Env>>,
}

impl Env {
    pub(crate) fn new(size: usize, up: Option<Rc<Env>>) -> Rc<Env> {
        Rc::new(Env {
            slots: RefCell::new(smallvec::smallvec![Value::Null; size]),
            up,
        })
    }

    pub(crate) fn with_values(values: SmallVec<[Value; 2]>, up: Option<Rc<Env>>) -> Rc<Env> {
        Rc::new(Env {
            slots: RefCell::new(values),
            up,
        })
    }

    pub(crate) fn set(&self, slot: usize, v: Value) {
        self.slots.borrow_mut()[slot] = v;
    }

    pub(crate) fn get(&self, slot: usize) -> Value {
        self.slots.borrow()[slot].clone()
    }
}

/// A suspended computation.
pub struct Thunk {
    pub(crate) state: RefCell<ThunkState>,
}

pub(crate) enum ThunkState {
    /// An expression in an environment.
    Expr(Rc<Expr>, Rc<Env>),
    /// `f x`, made by builtins such as `map` and `genList` (boxed: thunks stay small).
    Apply(Box<(Value, Value)>),
    /// `f x y`, made by builtins such as `mapAttrs`.
    Apply2(Box<(Value, Value, Value)>),
    /// Being forced: forcing it again is infinite recursion.
    Blackhole,
    Done(Value),
}

impl Thunk {
    /// A thunk for `f x`.
    pub(crate) fn apply(f: Value, x: Value) -> Value {
        Thunk::make(ThunkState::Apply(Box::new((f, x))))
    }

    /// A thunk for `f x y`.
    pub(crate) fn apply2(f: Value, x: Value, y: Value) -> Value {
        Thunk::make(ThunkState::Apply2(Box::new((f, x, y))))
    }

    pub(crate) fn make(state: ThunkState) -> Value {
        Value::Thunk(Rc::new(Thunk {
            state: RefCell::new(state),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::Context;

    #[test]
    fn contexts_stay_sorted_sets_when_extended() {
        let mut c = Context::from(["/b", "/d"]);
        c.extend(["/c", "/a", "/d", "/e", "/a"]);
        c.extend(["/bb"]);
        c.extend(["/a"]);
        c.extend(Vec::<&str>::new());
        let items: Vec<&str> = c.iter().map(|e| &**e).collect();
        assert_eq!(items, ["/a", "/b", "/bb", "/c", "/d", "/e"]);
        assert!(c.contains("/bb") && !c.contains("/f"));
        let mut empty = Context::new();
        empty.extend(["/z", "/y", "/z"]);
        assert_eq!(empty.len(), 2);
    }
}
