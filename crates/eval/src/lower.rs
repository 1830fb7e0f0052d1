//! Lowering: the checked syntax tree of one file to the IR of `ir.rs`.
//!
//! Scopes are resolved here. Each `let`, `rec` set, lambda and `with` is one runtime scope; a
//! variable becomes `Local { depth, slot }` when a scope binds it, a constant when it is a global,
//! and `WithVar` (the only run-time lookup by name) when neither does and a `with` encloses it.
//! As in Nix, globals are lexical: `with { true = 1; }; true` is `true`.
//!
//! The input has passed `cairn_syntax::check`, so duplicate attributes, duplicate formals and
//! unbound variables are already reported; what is left to fail here is reported as an error
//! rather than assumed away.

use std::cell::Cell;
use std::rc::Rc;

use cairn_syntax::ast::{self, AstNode, BinOpKind, UnaryOpKind};
use cairn_syntax::{SyntaxKind, TextRange};
use rustc_hash::FxHashMap;

use crate::error::{EvalError, FileId, Result, Span};
use crate::ir::*;
use crate::symbol::Symbol;
use crate::value::Value;

/// What the lowering needs to know about its surroundings.
pub(crate) struct LowerCtx<'a> {
    pub(crate) file: FileId,
    /// The directory relative paths are resolved against (absolute, canonical).
    pub(crate) base_dir: &'a str,
    /// `$HOME`, for `~/...` paths.
    pub(crate) home: Option<&'a str>,
    pub(crate) globals: &'a FxHashMap<Symbol, Value>,
    /// Names bound around the whole file (`scopedImport`), at slots of the root scope.
    pub(crate) outer: Option<&'a FxHashMap<Symbol, u32>>,
}

enum Scope {
    Frame(FxHashMap<Symbol, u32>),
    With,
}

pub(crate) fn lower(root: &ast::Root, ctx: &LowerCtx<'_>) -> Result<ExprRef> {
    let mut l = Lowerer {
        ctx,
        scopes: Vec::new(),
    };
    if let Some(outer) = ctx.outer {
        l.scopes.push(Scope::Frame(outer.clone()));
    }
    match root.expr() {
        Some(e) => l.expr(&e),
        None => Err(EvalError::other("the file contains no expression")),
    }
}

struct Lowerer<'c, 'a> {
    ctx: &'c LowerCtx<'a>,
    scopes: Vec<Scope>,
}

/// Attributes after folding attribute paths.
#[derive(Default)]
struct Model {
    rec: bool,
    order: Vec<Symbol>,
    attrs: FxHashMap<Symbol, Def>,
    dynamic: Vec<(ast::Attr, DefValue, TextRange)>,
}

struct Def {
    value: DefValue,
    range: TextRange,
    inherited: bool,
}

enum DefValue {
    Expr(ast::Expr),
    Nested(Model),
    Var(Symbol, TextRange),
    From(Rc<Cell<Option<ExprRef>>>, ast::Expr, Symbol, TextRange),
}

impl Model {
    fn insert(&mut self, name: Symbol, def: Def) {
        self.order.push(name);
        self.attrs.insert(name, def);
    }
}

fn strip_parens(mut e: ast::Expr) -> ast::Expr {
    while let ast::Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

impl Lowerer<'_, '_> {
    /// Runs `f` with `scope` as the innermost scope.
    fn in_scope<T>(&mut self, scope: Scope, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.scopes.push(scope);
        let result = f(self);
        self.scopes.pop();
        result
    }

    fn span(&self, r: TextRange) -> Span {
        Span {
            file: self.ctx.file,
            start: r.start().into(),
            end: r.end().into(),
        }
    }

    fn node_span(&self, n: &impl AstNode) -> Span {
        self.span(n.syntax().text_range())
    }

    fn err(&self, r: TextRange, msg: impl Into<String>) -> Box<EvalError> {
        EvalError::other(msg).at(self.span(r))
    }

    fn opt_expr(&mut self, e: Option<ast::Expr>, r: TextRange) -> Result<ExprRef> {
        match e {
            Some(e) => self.expr(&e),
            None => Err(self.err(r, "syntax error: missing expression")),
        }
    }

    /// Resolves `name` in the scopes below `skip` innermost ones.
    fn resolve(&self, name: Symbol, range: TextRange, skip: usize) -> Result<ExprRef> {
        let mut withs = Vec::new();
        let n = self.scopes.len() - skip;
        for (depth, scope) in self.scopes[..n].iter().rev().enumerate() {
            match scope {
                Scope::Frame(names) => {
                    if let Some(&slot) = names.get(&name) {
                        return Ok(Rc::new(Expr::Local {
                            depth: depth as u32,
                            slot,
                            span: self.span(range),
                        }));
                    }
                }
                Scope::With => withs.push(depth as u32),
            }
        }
        if let Some(v) = self.ctx.globals.get(&name) {
            return Ok(Rc::new(Expr::Const(v.clone())));
        }
        if !withs.is_empty() {
            return Ok(Rc::new(Expr::WithVar {
                name,
                cache: WithCache::new(withs.len()),
                withs: withs.into(),
                span: self.span(range),
            }));
        }
        let mut e = self.err(range, format!("undefined variable '{name}'"));
        let mut candidates: Vec<&str> = Vec::new();
        for scope in &self.scopes {
            if let Scope::Frame(names) = scope {
                candidates.extend(names.keys().map(|s| s.as_str()));
            }
        }
        if let Some(s) = crate::error::suggest(name.as_str(), candidates.into_iter()) {
            e = e.with_hint(format!("did you mean '{s}'?"));
        }
        Err(e)
    }

    fn expr(&mut self, e: &ast::Expr) -> Result<ExprRef> {
        let range = e.syntax().text_range();
        let span = self.span(range);
        Ok(match e {
            ast::Expr::Paren(p) => return self.opt_expr(p.expr(), range),
            ast::Expr::Literal(lit) => Rc::new(Expr::Const(self.literal(lit, range)?)),
            ast::Expr::Var(v) => {
                let name = v
                    .name()
                    .ok_or_else(|| self.err(range, "syntax error: missing name"))?;
                if name == "__curPos" {
                    return Ok(Rc::new(Expr::CurPos(span)));
                }
                self.resolve(Symbol::intern(&name), range, 0)?
            }
            ast::Expr::Str(s) => self.string(s, range)?,
            ast::Expr::Path(p) => self.path(p, range)?,
            ast::Expr::List(l) => {
                let items = l
                    .items()
                    .map(|i| self.expr(&i))
                    .collect::<Result<Vec<_>>>()?;
                if items.is_empty() {
                    Rc::new(Expr::Const(Value::list(Vec::new())))
                } else {
                    Rc::new(Expr::List(items.into()))
                }
            }
            ast::Expr::Apply(a) => {
                // `f a b c` is a chain of applications; gather it into one call.
                let mut args = vec![a.argument()];
                let mut head = a.lambda();
                while let Some(ast::Expr::Apply(inner)) = &head {
                    args.push(inner.argument());
                    head = inner.lambda();
                }
                let f = self.opt_expr(head, range)?;
                let mut lowered = Vec::with_capacity(args.len());
                for arg in args.into_iter().rev() {
                    lowered.push(self.opt_expr(arg, range)?);
                }
                if lowered.len() == 1 {
                    let arg = lowered.pop().expect("one argument");
                    Rc::new(Expr::Apply { f, arg, span })
                } else {
                    Rc::new(Expr::Call {
                        f,
                        args: lowered.into(),
                        span,
                    })
                }
            }
            ast::Expr::Select(s) => {
                let expr = self.opt_expr(s.expr(), range)?;
                let path = self.attrpath(s.attrpath(), range)?;
                let default = match s.default_expr() {
                    Some(d) => Some(self.expr(&d)?),
                    None => None,
                };
                // `builtins.length` and the like: a global set's attributes are known now.
                if let (Expr::Const(Value::Attrs(set)), [AttrKey::Static(name)]) = (&*expr, &*path)
                    && let Some(v) = set.get(*name)
                    && !matches!(v, Value::Thunk(_))
                {
                    return Ok(Rc::new(Expr::Const(v.clone())));
                }
                Rc::new(Expr::Select {
                    expr,
                    path,
                    default,
                    span,
                })
            }
            ast::Expr::HasAttr(h) => {
                let expr = self.opt_expr(h.expr(), range)?;
                let path = self.attrpath(h.attrpath(), range)?;
                Rc::new(Expr::HasAttr { expr, path, span })
            }
            ast::Expr::IfElse(i) => Rc::new(Expr::If {
                cond: self.opt_expr(i.condition(), range)?,
                then: self.opt_expr(i.body(), range)?,
                else_: self.opt_expr(i.else_body(), range)?,
                span: i.condition().map_or(span, |c| self.node_span(&c)),
            }),
            ast::Expr::Assert(a) => Rc::new(Expr::Assert {
                cond: self.opt_expr(a.condition(), range)?,
                body: self.opt_expr(a.body(), range)?,
                span: a.condition().map_or(span, |c| self.node_span(&c)),
            }),
            ast::Expr::With(w) => {
                let ns = self.opt_expr(w.namespace(), range)?;
                let body = self.in_scope(Scope::With, |l| l.opt_expr(w.body(), range))?;
                Rc::new(Expr::With { ns, body })
            }
            ast::Expr::UnaryOp(u) => {
                let inner = self.opt_expr(u.expr(), range)?;
                match u.operator() {
                    Some(UnaryOpKind::Invert) => Rc::new(Expr::Not(inner, span)),
                    Some(UnaryOpKind::Negate) => Rc::new(Expr::Negate(inner, span)),
                    None => return Err(self.err(range, "syntax error: missing operator")),
                }
            }
            ast::Expr::BinOp(b) => {
                let lhs = self.opt_expr(b.lhs(), range)?;
                let rhs = self.opt_expr(b.rhs(), range)?;
                let op = match b.operator() {
                    Some(op) => binop(op),
                    None => return Err(self.err(range, "syntax error: missing operator")),
                };
                let span = b
                    .operator_token()
                    .map_or(span, |t| self.span(t.text_range()));
                Rc::new(Expr::Binary { op, lhs, rhs, span })
            }
            ast::Expr::Lambda(l) => self.lambda(l, range)?,
            ast::Expr::AttrSet(s) => {
                let model = self.model(s.syntax(), s.is_rec())?;
                self.attrs(model)?
            }
            ast::Expr::LegacyLet(l) => {
                // `let { a = 1; body = a; }` is `rec { ... }.body`.
                let model = self.model(l.syntax(), true)?;
                let set = self.attrs(model)?;
                Rc::new(Expr::Select {
                    expr: set,
                    path: Box::new([AttrKey::Static(Symbol::intern("body"))]),
                    default: None,
                    span,
                })
            }
            ast::Expr::LetIn(l) => self.let_in(l, range)?,
            ast::Expr::Error(_) => return Err(self.err(range, "syntax error")),
        })
    }

    fn literal(&self, lit: &ast::Literal, range: TextRange) -> Result<Value> {
        Ok(match lit.kind() {
            Some(ast::LiteralKind::Int(t)) => Value::Int(
                t.text()
                    .parse()
                    .map_err(|_| self.err(range, "integer literal out of range"))?,
            ),
            Some(ast::LiteralKind::Float(t)) => {
                // Nix reads floats with `strtod` and refuses the ones it flags as out of range:
                // overflow to infinity, and underflow to a subnormal or to zero.
                let text = t.text();
                let invalid = || self.err(range, format!("invalid float '{text}'"));
                let f: f64 = text.parse().map_err(|_| invalid())?;
                let mantissa = text.split(['e', 'E']).next().unwrap_or("");
                let nonzero = mantissa.bytes().any(|b| b.is_ascii_digit() && b != b'0');
                if f.is_infinite() || (f.abs() < f64::MIN_POSITIVE && nonzero) {
                    return Err(invalid());
                }
                Value::Float(f)
            }
            Some(ast::LiteralKind::Uri(t)) => Value::string(t.text()),
            None => return Err(self.err(range, "syntax error: bad literal")),
        })
    }

    fn attrpath(&mut self, p: Option<ast::Attrpath>, range: TextRange) -> Result<Box<[AttrKey]>> {
        let p = p.ok_or_else(|| self.err(range, "syntax error: missing attribute path"))?;
        let mut keys = Vec::new();
        for a in p.attrs() {
            keys.push(self.attr_key(&a)?);
        }
        if keys.is_empty() {
            return Err(self.err(range, "syntax error: missing attribute path"));
        }
        Ok(keys.into())
    }

    fn attr_key(&mut self, a: &ast::Attr) -> Result<AttrKey> {
        if let Some(name) = a.static_name() {
            return Ok(AttrKey::Static(Symbol::intern(&name)));
        }
        let range = a.syntax().text_range();
        Ok(AttrKey::Dynamic(match a {
            ast::Attr::Dynamic(d) => self.opt_expr(d.expr(), range)?,
            ast::Attr::Str(s) => self.string(s, range)?,
            ast::Attr::Name(_) => return Err(self.err(range, "syntax error: bad attribute")),
        }))
    }

    // ----- strings and paths -----

    fn string(&mut self, s: &ast::Str, range: TextRange) -> Result<ExprRef> {
        let span = self.span(range);
        let pieces = if s.is_indented() {
            strip_indentation(indented_pieces(s.syntax()))
        } else {
            plain_pieces(s.syntax())
        };
        let mut parts = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Text(t, _) => {
                    if let Some(Expr::Const(Value::String(prev))) =
                        parts.last().map(|p: &ExprRef| &**p)
                    {
                        let joined = format!("{}{}", prev.as_str(), t);
                        parts.pop();
                        parts.push(Rc::new(Expr::Const(Value::string(joined))));
                    } else {
                        parts.push(Rc::new(Expr::Const(Value::string(t))));
                    }
                }
                Piece::Interp(i) => {
                    let r = i.syntax().text_range();
                    parts.push(self.opt_expr(i.expr(), r)?);
                }
            }
        }
        match parts.len() {
            0 => Ok(Rc::new(Expr::Const(Value::string("")))),
            1 if matches!(&*parts[0], Expr::Const(Value::String(_))) => Ok(parts.pop().unwrap()),
            _ => Ok(Rc::new(Expr::Interpolate {
                parts: parts.into(),
                span,
            })),
        }
    }

    fn path(&mut self, p: &ast::PathExpr, range: TextRange) -> Result<ExprRef> {
        let span = self.span(range);
        if let Some(name) = p.search_path() {
            // `<name>` is `__findFile __nixPath "name"`, so a scope can redefine either.
            let find = self.resolve(Symbol::intern("__findFile"), range, 0)?;
            let nix_path = self.resolve(Symbol::intern("__nixPath"), range, 0)?;
            let f = Rc::new(Expr::Apply {
                f: find,
                arg: nix_path,
                span,
            });
            return Ok(Rc::new(Expr::Apply {
                f,
                arg: Rc::new(Expr::Const(Value::string(name))),
                span,
            }));
        }
        let mut parts = Vec::new();
        for (i, part) in p.parts().into_iter().enumerate() {
            match part {
                ast::Part::Literal(text) => {
                    let text = if i == 0 {
                        self.path_start(&text, range)?
                    } else {
                        text
                    };
                    parts.push(Rc::new(Expr::Const(Value::string(text))));
                }
                ast::Part::Interpolation(interp) => {
                    let r = interp.syntax().text_range();
                    parts.push(self.opt_expr(interp.expr(), r)?);
                }
            }
        }
        if parts.len() == 1
            && let Expr::Const(Value::String(s)) = &*parts[0]
        {
            return Ok(Rc::new(Expr::Const(Value::path(canon_path(s.as_str())))));
        }
        Ok(Rc::new(Expr::PathInterpolate {
            parts: parts.into(),
            span,
        }))
    }

    /// The first literal of a path made absolute; a trailing `/` is kept, because more follows.
    fn path_start(&self, text: &str, range: TextRange) -> Result<String> {
        let trailing = text.len() > 1 && text.ends_with('/');
        let mut abs = if let Some(rest) = text.strip_prefix('~') {
            match self.ctx.home {
                Some(home) => canon_path(&format!("{home}{rest}")),
                None => {
                    return Err(self.err(
                        range,
                        "cannot resolve a `~/` path: the HOME environment variable is not set",
                    ));
                }
            }
        } else if text.starts_with('/') {
            canon_path(text)
        } else {
            canon_path(&format!("{}/{}", self.ctx.base_dir, text))
        };
        if trailing && !abs.ends_with('/') {
            abs.push('/');
        }
        Ok(abs)
    }

    // ----- functions -----

    fn lambda(&mut self, l: &ast::Lambda, range: TextRange) -> Result<ExprRef> {
        let span = self.span(range);
        let param = l
            .param()
            .ok_or_else(|| self.err(range, "syntax error: missing parameter"))?;
        match param {
            ast::Param::Ident(p) => {
                let name = p
                    .token()
                    .ok_or_else(|| self.err(range, "syntax error: missing parameter"))?;
                let sym = Symbol::intern(name.text());
                let mut names = FxHashMap::default();
                names.insert(sym, 0);
                let body = self.in_scope(Scope::Frame(names), |s| s.opt_expr(l.body(), range))?;
                Ok(Rc::new(Expr::Lambda(Rc::new(LambdaIr {
                    name: Cell::new(None),
                    frame_size: 1,
                    param: Param::Ident(sym),
                    body,
                    span,
                }))))
            }
            ast::Param::Pattern(p) => {
                let mut formals: Vec<(Symbol, Option<ast::Expr>, Span)> = Vec::new();
                for entry in p.entries() {
                    let Some(t) = entry.ident() else { continue };
                    let sym = Symbol::intern(t.text());
                    if formals.iter().any(|(s, _, _)| *s == sym) {
                        return Err(self.err(
                            t.text_range(),
                            format!("duplicate formal function argument '{sym}'"),
                        ));
                    }
                    formals.push((sym, entry.default(), self.span(t.text_range())));
                }
                formals.sort_by_key(|(s, _, _)| *s);
                let bind = p
                    .pat_bind()
                    .and_then(|b| b.ident())
                    .map(|t| Symbol::intern(t.text()));
                let mut names = FxHashMap::default();
                for (i, (s, _, _)) in formals.iter().enumerate() {
                    names.insert(*s, i as u32);
                }
                let n = formals.len() as u32;
                if let Some(b) = bind {
                    names.entry(b).or_insert(n);
                }
                let (formals, body) = self.in_scope(Scope::Frame(names), |s| {
                    let mut lowered = Vec::new();
                    for (name, default, span) in formals {
                        let default = match default {
                            Some(d) => Some(s.expr(&d)?),
                            None => None,
                        };
                        lowered.push(Formal {
                            name,
                            span,
                            default,
                        });
                    }
                    let body = s.opt_expr(l.body(), range)?;
                    Ok((lowered, body))
                })?;
                Ok(Rc::new(Expr::Lambda(Rc::new(LambdaIr {
                    name: Cell::new(None),
                    frame_size: n + u32::from(bind.is_some()),
                    param: Param::Pattern(Rc::new(Pattern {
                        formals: formals.into(),
                        ellipsis: p.ellipsis_token().is_some(),
                        bind,
                    })),
                    body,
                    span,
                }))))
            }
        }
    }

    // ----- sets and let -----

    /// Folds the bindings under `holder` into a model, as Nix's parser does.
    fn model(&mut self, holder: &cairn_syntax::SyntaxNode, rec: bool) -> Result<Model> {
        let mut model = Model {
            rec,
            ..Model::default()
        };
        for child in holder.children() {
            if let Some(binding) = ast::Binding::cast(child) {
                match binding {
                    ast::Binding::Value(av) => {
                        let range = av.syntax().text_range();
                        let Some(path) = av.attrpath() else { continue };
                        let attrs: Vec<ast::Attr> = path.attrs().collect();
                        if attrs.is_empty() {
                            continue;
                        }
                        let prange = path.syntax().text_range();
                        let value = av
                            .value()
                            .ok_or_else(|| self.err(range, "syntax error: missing value"))?;
                        self.add_attr(&mut model, &attrs, prange, value)?;
                    }
                    ast::Binding::Inherit(inh) => {
                        let from = inh.from().and_then(|f| f.expr());
                        let shared = Rc::new(Cell::new(None));
                        for attr in inh.attrs() {
                            let range = attr.syntax().text_range();
                            let Some(name) = attr.static_name() else {
                                return Err(self
                                    .err(range, "dynamic attributes are not allowed in inherit"));
                            };
                            let sym = Symbol::intern(&name);
                            if model.attrs.contains_key(&sym) {
                                return Err(
                                    self.err(range, format!("attribute '{name}' already defined"))
                                );
                            }
                            let (value, inherited) = match &from {
                                Some(f) => {
                                    (DefValue::From(shared.clone(), f.clone(), sym, range), false)
                                }
                                None => (DefValue::Var(sym, range), true),
                            };
                            model.insert(
                                sym,
                                Def {
                                    value,
                                    range,
                                    inherited,
                                },
                            );
                        }
                    }
                }
            }
        }
        Ok(model)
    }

    fn value_of(&mut self, e: ast::Expr) -> Result<DefValue> {
        match strip_parens(e) {
            ast::Expr::AttrSet(set) => {
                Ok(DefValue::Nested(self.model(set.syntax(), set.is_rec())?))
            }
            e => Ok(DefValue::Expr(e)),
        }
    }

    fn add_attr(
        &mut self,
        model: &mut Model,
        path: &[ast::Attr],
        range: TextRange,
        value: ast::Expr,
    ) -> Result<()> {
        let (last, init) = path.split_last().expect("attribute paths are not empty");
        let mut cur = model;
        for attr in init {
            match attr.static_name() {
                Some(name) => {
                    let sym = Symbol::intern(&name);
                    if !cur.attrs.contains_key(&sym) {
                        cur.insert(
                            sym,
                            Def {
                                value: DefValue::Nested(Model::default()),
                                range,
                                inherited: false,
                            },
                        );
                    }
                    let def = cur.attrs.get_mut(&sym).expect("just inserted");
                    match &mut def.value {
                        DefValue::Nested(m) if !def.inherited => cur = m,
                        _ => {
                            return Err(
                                self.err(range, format!("attribute '{name}' already defined"))
                            );
                        }
                    }
                }
                None => {
                    cur.dynamic
                        .push((attr.clone(), DefValue::Nested(Model::default()), range));
                    let Some((_, DefValue::Nested(m), _)) = cur.dynamic.last_mut() else {
                        unreachable!()
                    };
                    cur = m;
                }
            }
        }
        let value = self.value_of(value)?;
        match last.static_name() {
            Some(name) => {
                let sym = Symbol::intern(&name);
                match cur.attrs.get_mut(&sym) {
                    Some(existing) => match (&mut existing.value, value) {
                        (DefValue::Nested(into), DefValue::Nested(mut from))
                            if !existing.inherited =>
                        {
                            for key in std::mem::take(&mut from.order) {
                                let def =
                                    from.attrs.remove(&key).expect("ordered keys are present");
                                if into.attrs.contains_key(&key) {
                                    return Err(self.err(
                                        def.range,
                                        format!("attribute '{key}' already defined"),
                                    ));
                                }
                                into.insert(key, def);
                            }
                        }
                        _ => {
                            return Err(
                                self.err(range, format!("attribute '{name}' already defined"))
                            );
                        }
                    },
                    None => cur.insert(
                        sym,
                        Def {
                            value,
                            range,
                            inherited: false,
                        },
                    ),
                }
            }
            None => cur.dynamic.push((last.clone(), value, range)),
        }
        Ok(())
    }

    /// Lowers one definition's value. `skip` is how many innermost scopes to leave out when the
    /// value is an inherited variable (1 inside `rec`/`let`, whose own scope must not see it).
    fn def_value(&mut self, value: DefValue, name: Option<Symbol>, skip: usize) -> Result<ExprRef> {
        match value {
            DefValue::Expr(e) => {
                let lowered = self.expr(&e)?;
                if let (Expr::Lambda(l), Some(n)) = (&*lowered, name) {
                    l.name.set(Some(n));
                }
                Ok(lowered)
            }
            DefValue::Nested(m) => self.attrs(m),
            DefValue::Var(sym, range) => self.resolve(sym, range, skip),
            DefValue::From(shared, from, sym, range) => {
                let e = match shared.take() {
                    Some(e) => e,
                    None => self.expr(&from)?,
                };
                shared.set(Some(e.clone()));
                Ok(Rc::new(Expr::Select {
                    expr: e,
                    path: Box::new([AttrKey::Static(sym)]),
                    default: None,
                    span: self.span(range),
                }))
            }
        }
    }

    fn attrs(&mut self, model: Model) -> Result<ExprRef> {
        let Model {
            rec,
            mut order,
            mut attrs,
            dynamic,
        } = model;
        order.sort();
        let skip = usize::from(rec);
        let lower_values = |l: &mut Self| {
            let mut statics = Vec::with_capacity(order.len());
            for name in &order {
                let def = attrs.remove(name).expect("ordered keys are present");
                let inherited = def.inherited;
                let span = l.span(def.range);
                let value = l.def_value(def.value, Some(*name), skip)?;
                statics.push(StaticAttr {
                    name: *name,
                    span,
                    binding: Binding {
                        value,
                        inherited: inherited && rec,
                    },
                });
            }
            let mut dynamics = Vec::with_capacity(dynamic.len());
            for (key, value, range) in dynamic {
                let name = match l.attr_key(&key)? {
                    AttrKey::Dynamic(e) => e,
                    AttrKey::Static(s) => Rc::new(Expr::Const(Value::string(s.as_str()))),
                };
                let value = l.def_value(value, None, skip)?;
                dynamics.push(DynamicAttr {
                    name,
                    value,
                    span: l.span(range),
                });
            }
            Ok((statics, dynamics))
        };
        let (statics, dynamics) = if rec {
            let frame = frame_of(&order);
            self.in_scope(frame, lower_values)?
        } else {
            lower_values(self)?
        };
        let overrides = if rec {
            let o = Symbol::intern("__overrides");
            statics.iter().position(|s| s.name == o)
        } else {
            None
        };
        Ok(Rc::new(Expr::Attrs(Rc::new(AttrsIr {
            rec,
            statics: statics.into(),
            dynamics: dynamics.into(),
            overrides,
        }))))
    }

    fn let_in(&mut self, l: &ast::LetIn, range: TextRange) -> Result<ExprRef> {
        let Model {
            mut order,
            mut attrs,
            dynamic,
            ..
        } = self.model(l.syntax(), true)?;
        if let Some((_, _, r)) = dynamic.first() {
            return Err(self.err(*r, "dynamic attributes are not allowed in let"));
        }
        order.sort();
        let (bindings, body) = self.in_scope(frame_of(&order), |s| {
            let mut bindings = Vec::with_capacity(order.len());
            for name in &order {
                let def = attrs.remove(name).expect("ordered keys are present");
                let inherited = def.inherited;
                let value = s.def_value(def.value, Some(*name), 1)?;
                bindings.push(Binding { value, inherited });
            }
            let body = s.opt_expr(l.body(), range)?;
            Ok((bindings, body))
        })?;
        Ok(Rc::new(Expr::Let {
            bindings: bindings.into(),
            body,
        }))
    }
}

/// The scope of a `let` or `rec` set: binding `i` of `order` at slot `i`.
fn frame_of(order: &[Symbol]) -> Scope {
    Scope::Frame(
        order
            .iter()
            .enumerate()
            .map(|(i, s)| (*s, i as u32))
            .collect(),
    )
}

fn binop(op: BinOpKind) -> BinOp {
    match op {
        BinOpKind::Concat => BinOp::Concat,
        BinOpKind::Update => BinOp::Update,
        BinOpKind::Add => BinOp::Add,
        BinOpKind::Sub => BinOp::Sub,
        BinOpKind::Mul => BinOp::Mul,
        BinOpKind::Div => BinOp::Div,
        BinOpKind::And => BinOp::And,
        BinOpKind::Or => BinOp::Or,
        BinOpKind::Implication => BinOp::Implies,
        BinOpKind::Equal => BinOp::Eq,
        BinOpKind::NotEqual => BinOp::NotEq,
        BinOpKind::Less => BinOp::Lt,
        BinOpKind::LessOrEq => BinOp::Le,
        BinOpKind::More => BinOp::Gt,
        BinOpKind::MoreOrEq => BinOp::Ge,
        BinOpKind::PipeInto => BinOp::PipeRight,
        BinOpKind::PipeFrom => BinOp::PipeLeft,
    }
}

/// Canonicalises an absolute path as Nix does, without touching the file system: `.` and empty
/// components dropped, `..` taking away the previous component, no trailing `/`.
pub fn canon_path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            p => out.push(p),
        }
    }
    if out.is_empty() {
        return "/".to_string();
    }
    let mut s = String::with_capacity(path.len());
    for p in out {
        s.push('/');
        s.push_str(p);
    }
    s
}

// ----- string pieces -----

enum Piece {
    /// Text, and whether it counts for indentation (plain text does, escapes do not).
    Text(String, bool),
    Interp(ast::Interpol),
}

fn plain_pieces(node: &cairn_syntax::SyntaxNode) -> Vec<Piece> {
    let mut out = Vec::new();
    for e in node.children_with_tokens() {
        match e {
            rowan::NodeOrToken::Token(t) if t.kind() == SyntaxKind::STRING_CONTENT => {
                out.push(Piece::Text(ast::unescape(t.text()), true));
            }
            rowan::NodeOrToken::Node(n) => {
                if let Some(i) = ast::Interpol::cast(n) {
                    out.push(Piece::Interp(i));
                }
            }
            _ => {}
        }
    }
    out
}

/// Splits the content of an indented string into the pieces Nix's lexer makes: runs of plain
/// text, and the escapes `''$`, `'''`, `''\x` and lone `$` or `'`, which end the leading
/// whitespace of a line without counting as indentation.
fn indented_pieces(node: &cairn_syntax::SyntaxNode) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut raw = String::new();
    let flush_raw = |raw: &mut String, out: &mut Vec<Piece>| {
        scan_indented(raw, out);
        raw.clear();
    };
    // Nix's lexer takes spaces and one newline right after the opening `''` as part of it.
    let mut at_open = true;
    for e in node.children_with_tokens() {
        match e {
            rowan::NodeOrToken::Token(t) if t.kind() == SyntaxKind::STRING_CONTENT => {
                let mut text = t.text();
                if at_open {
                    let spaces = text.len() - text.trim_start_matches(' ').len();
                    if text[spaces..].starts_with('\n') {
                        text = &text[spaces + 1..];
                    }
                }
                at_open = false;
                raw.push_str(text);
            }
            rowan::NodeOrToken::Node(n) => {
                at_open = false;
                if let Some(i) = ast::Interpol::cast(n) {
                    flush_raw(&mut raw, &mut out);
                    out.push(Piece::Interp(i));
                }
            }
            _ => {}
        }
    }
    flush_raw(&mut raw, &mut out);
    out
}

fn scan_indented(s: &str, out: &mut Vec<Piece>) {
    let mut text = String::new();
    let flush = |text: &mut String, out: &mut Vec<Piece>| {
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(text), true));
        }
    };
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("''") {
            flush(&mut text, out);
            let mut chars = after.chars();
            match chars.next() {
                Some('$') => out.push(Piece::Text("$".into(), false)),
                Some('\'') => out.push(Piece::Text("''".into(), false)),
                Some('\\') => {
                    let escaped = match chars.next() {
                        Some('n') => "\n".to_string(),
                        Some('r') => "\r".to_string(),
                        Some('t') => "\t".to_string(),
                        Some(x) => x.to_string(),
                        None => String::new(),
                    };
                    out.push(Piece::Text(escaped, false));
                }
                Some(x) => {
                    // Not an escape (cannot happen in lexed input): keep it as text.
                    text.push_str("''");
                    text.push(x);
                }
                None => text.push_str("''"),
            }
            rest = chars.as_str();
            continue;
        }
        let after = &rest[c.len_utf8()..];
        match c {
            '$' | '\'' => {
                let next = after.chars().next();
                let lone = match c {
                    '$' => matches!(next, None | Some('\'') | Some('{')),
                    _ => matches!(next, None | Some('$')),
                };
                if lone {
                    flush(&mut text, out);
                    out.push(Piece::Text(c.to_string(), false));
                    rest = after;
                } else {
                    let n = next.expect("checked above");
                    text.push(c);
                    text.push(n);
                    rest = &after[n.len_utf8()..];
                }
            }
            _ => {
                text.push(c);
                rest = after;
            }
        }
    }
    flush(&mut text, out);
}

/// Nix's indentation stripping for `''...''` strings: the smallest indentation of the lines
/// (ignoring whitespace-only lines) is removed from every line, and a last line of spaces only
/// is dropped.
fn strip_indentation(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut at_start = true;
    let mut min_indent = usize::MAX;
    let mut cur = 0usize;
    for p in &pieces {
        match p {
            Piece::Text(s, true) => {
                for b in s.bytes() {
                    if at_start {
                        if b == b' ' {
                            cur += 1;
                        } else if b == b'\n' {
                            cur = 0;
                        } else {
                            at_start = false;
                            min_indent = min_indent.min(cur);
                        }
                    } else if b == b'\n' {
                        at_start = true;
                        cur = 0;
                    }
                }
            }
            _ => {
                if at_start {
                    at_start = false;
                    min_indent = min_indent.min(cur);
                }
            }
        }
    }
    let mut out = Vec::with_capacity(pieces.len());
    at_start = true;
    let mut dropped = 0usize;
    let n = pieces.len();
    for (i, p) in pieces.into_iter().enumerate() {
        match p {
            Piece::Interp(e) => {
                at_start = false;
                dropped = 0;
                out.push(Piece::Interp(e));
            }
            Piece::Text(s, _) => {
                let mut s2 = String::with_capacity(s.len());
                for c in s.chars() {
                    if at_start {
                        if c == ' ' {
                            if dropped >= min_indent {
                                s2.push(c);
                            }
                            dropped += 1;
                        } else if c == '\n' {
                            dropped = 0;
                            s2.push(c);
                        } else {
                            at_start = false;
                            dropped = 0;
                            s2.push(c);
                        }
                    } else {
                        s2.push(c);
                        if c == '\n' {
                            at_start = true;
                        }
                    }
                }
                if i == n - 1
                    && let Some(p) = s2.rfind('\n')
                    && s2[p + 1..].bytes().all(|b| b == b' ')
                {
                    s2.truncate(p + 1);
                }
                out.push(Piece::Text(s2, true));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::canon_path;

    #[test]
    fn paths_are_canonicalised_lexically() {
        assert_eq!(canon_path("/a/./b//c/../d/"), "/a/b/d");
        assert_eq!(canon_path("/.."), "/");
        assert_eq!(canon_path("/"), "/");
    }
}
