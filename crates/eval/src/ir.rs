//! The evaluator's intermediate representation: the syntax tree after desugaring (attribute
//! paths folded into nested sets, `inherit` expanded, indentation stripped, operators resolved)
//! and with every variable resolved to a slot of an enclosing scope. The only names looked up at
//! run time are those under a `with`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::error::Span;
use crate::symbol::Symbol;
use crate::value::{Attrs, Value};

pub(crate) type ExprRef = Rc<Expr>;

pub(crate) enum Expr {
    /// A literal, a global, or anything else known before evaluation.
    Const(Value),
    /// A variable bound `depth` scopes up, at `slot`.
    Local {
        depth: u32,
        slot: u32,
        span: Span,
    },
    /// A variable found only through `with`: `withs` are the depths of the enclosing `with`
    /// scopes, innermost first.
    WithVar {
        name: Symbol,
        withs: Box<[u32]>,
        span: Span,
        cache: WithCache,
    },
    Select {
        expr: ExprRef,
        path: Box<[AttrKey]>,
        default: Option<ExprRef>,
        span: Span,
    },
    HasAttr {
        expr: ExprRef,
        path: Box<[AttrKey]>,
        span: Span,
    },
    Apply {
        f: ExprRef,
        arg: ExprRef,
        span: Span,
    },
    /// `f a b ...`: a built-in taking that many arguments is called at once, without partial
    /// applications in between.
    Call {
        f: ExprRef,
        args: Box<[ExprRef]>,
        span: Span,
    },
    Lambda(Rc<LambdaIr>),
    /// `let`: a scope of `bindings.len()` slots around `body`.
    Let {
        bindings: Box<[Binding]>,
        body: ExprRef,
    },
    Attrs(Rc<AttrsIr>),
    List(Box<[ExprRef]>),
    If {
        cond: ExprRef,
        then: ExprRef,
        else_: ExprRef,
        span: Span,
    },
    Assert {
        cond: ExprRef,
        body: ExprRef,
        span: Span,
    },
    /// `with ns; body`: a scope of one slot holding `ns`.
    With {
        ns: ExprRef,
        body: ExprRef,
    },
    Binary {
        op: BinOp,
        lhs: ExprRef,
        rhs: ExprRef,
        span: Span,
    },
    Not(ExprRef, Span),
    Negate(ExprRef, Span),
    /// `"a${b}c"`: the parts coerced to strings and concatenated.
    Interpolate {
        parts: Box<[ExprRef]>,
        span: Span,
    },
    /// `./a/${b}`: the parts concatenated into a path; the first part is the path start.
    PathInterpolate {
        parts: Box<[ExprRef]>,
        span: Span,
    },
    /// `__curPos`: the position of this expression as `{ file, line, column }`.
    CurPos(Span),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Eq,
    NotEq,
    Lt,
    Gt,
    Le,
    Ge,
    And,
    Or,
    Implies,
    Update,
    Concat,
    Add,
    Sub,
    Mul,
    Div,
    /// `a |> f` is `f a`.
    PipeRight,
    /// `f <| a` is `f a`.
    PipeLeft,
}

pub(crate) enum AttrKey {
    Static(Symbol),
    Dynamic(ExprRef),
}

/// A value bound in a scope or set.
pub(crate) struct Binding {
    pub(crate) value: ExprRef,
    /// `inherit x;`: the value is read in the scope around the set or `let`, not inside it.
    pub(crate) inherited: bool,
}

/// An attribute set literal, paths already folded.
pub(crate) struct AttrsIr {
    /// A `rec` set: a scope of one slot per static attribute, in `statics` order.
    pub(crate) rec: bool,
    /// Static attributes, sorted by symbol.
    pub(crate) statics: Box<[StaticAttr]>,
    pub(crate) dynamics: Box<[DynamicAttr]>,
    /// Index in `statics` of `__overrides`, for `rec` sets.
    pub(crate) overrides: Option<usize>,
}

pub(crate) struct StaticAttr {
    pub(crate) name: Symbol,
    pub(crate) span: Span,
    pub(crate) binding: Binding,
}

/// What a `with` lookup found in each namespace the last time, keyed by the namespace itself
/// (held, so it cannot be freed and its address reused): the same `with lib;` in a function
/// called many times then finds each name without searching.
pub(crate) struct WithCache(pub(crate) RefCell<Box<[Option<WithHit>]>>);

/// A namespace and the index of the name in it, if it has the name.
pub(crate) type WithHit = (Rc<Attrs>, Option<u32>);

impl WithCache {
    pub(crate) fn new(levels: usize) -> WithCache {
        WithCache(RefCell::new(vec![None; levels].into_boxed_slice()))
    }
}

pub(crate) struct DynamicAttr {
    pub(crate) name: ExprRef,
    pub(crate) value: ExprRef,
    pub(crate) span: Span,
}

/// A function.
pub(crate) struct LambdaIr {
    /// The name it was bound to, for traces: `f = x: ...` is `f`.
    pub(crate) name: Cell<Option<Symbol>>,
    /// Slots of its scope: the argument, or the formals and the `@` name.
    pub(crate) frame_size: u32,
    pub(crate) param: Param,
    pub(crate) body: ExprRef,
    pub(crate) span: Span,
}

pub(crate) enum Param {
    /// `x: ...`, bound at slot 0.
    Ident(Symbol),
    Pattern(Rc<Pattern>),
}

pub(crate) struct Pattern {
    /// Sorted by symbol; formal `i` is at slot `i`.
    pub(crate) formals: Box<[Formal]>,
    pub(crate) ellipsis: bool,
    /// `args @ { ... }`: the slot after the formals.
    pub(crate) bind: Option<Symbol>,
}

pub(crate) struct Formal {
    pub(crate) name: Symbol,
    /// Where the name is written, for `functionArgs` positions.
    pub(crate) span: Span,
    pub(crate) default: Option<ExprRef>,
}
