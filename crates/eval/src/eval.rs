//! The interpreter: evaluation of the IR to weak head normal form, forcing, function calls,
//! and the operations on values the language defines (coercion to strings, equality,
//! comparison, arithmetic).

use std::rc::Rc;

use smallvec::{SmallVec, smallvec};

use crate::Evaluator;
use crate::error::{ErrorKind, EvalError, Result, Span};
use crate::ir::*;
use crate::symbol::Symbol;
use crate::value::*;

/// How far `coerce_to_string` goes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Coerce {
    /// Strings, paths, and sets with `__toString` or `outPath` (string interpolation).
    Interpolation,
    /// Also numbers, Booleans, null and lists (`toString`).
    More,
}

impl Evaluator {
    /// Makes a value for `e` in `env` without evaluating it, where that is possible cheaply.
    #[inline]
    pub(crate) fn delay(&self, e: &ExprRef, env: &Rc<Env>) -> Value {
        match &**e {
            Expr::Const(v) => v.clone(),
            Expr::Local { depth, slot, .. } => lookup(env, *depth, *slot),
            Expr::Lambda(def) => Value::Lambda(Rc::new(Closure {
                def: def.clone(),
                env: env.clone(),
            })),
            // Integer arithmetic and comparison of values already known cannot fail (except
            // by overflow, which is left to the thunk) nor run long: done now, it saves the
            // thunk. `n - 1` in a recursive call is the common case.
            Expr::Binary { op, lhs, rhs, .. } => {
                if let (Some(a), Some(b)) = (known_int(lhs, env), known_int(rhs, env))
                    && let Some(v) = int_binary(*op, a, b)
                {
                    return v;
                }
                Thunk::make(ThunkState::Expr(e.clone(), env.clone()))
            }
            _ => Thunk::make(ThunkState::Expr(e.clone(), env.clone())),
        }
    }

    /// As `delay`, but never evaluating anything now: for the values of a `rec` set whose
    /// `__overrides` may still change the variables they read.
    fn delay_lazily(&self, e: &ExprRef, env: &Rc<Env>) -> Value {
        match &**e {
            Expr::Binary { .. } | Expr::Local { depth: 0, .. } => {
                Thunk::make(ThunkState::Expr(e.clone(), env.clone()))
            }
            _ => self.delay(e, env),
        }
    }

    /// As `delay`, for a value bound in the scope `env` being filled: its own slots may not be
    /// set yet, so variables of that scope become thunks.
    #[inline]
    fn delay_in_frame(&self, e: &ExprRef, env: &Rc<Env>) -> Value {
        match &**e {
            Expr::Local { depth: 0, .. } => Thunk::make(ThunkState::Expr(e.clone(), env.clone())),
            _ => self.delay(e, env),
        }
    }

    /// Forces a value to weak head normal form.
    #[inline]
    pub fn force(&mut self, v: &Value) -> Result<Value> {
        match v {
            Value::Thunk(t) => self.force_thunk(t),
            v => Ok(v.clone()),
        }
    }

    #[inline]
    pub(crate) fn force_thunk(&mut self, t: &Rc<Thunk>) -> Result<Value> {
        if let ThunkState::Done(v) = &*t.state.borrow() {
            return Ok(v.clone());
        }
        self.force_thunk_slow(t)
    }

    #[inline(never)]
    fn force_thunk_slow(&mut self, t: &Rc<Thunk>) -> Result<Value> {
        let state = std::mem::replace(&mut *t.state.borrow_mut(), ThunkState::Blackhole);
        let result = match &state {
            ThunkState::Expr(e, env) => self.eval_deep(e, env),
            ThunkState::Apply(app) => self.apply(app.0.clone(), app.1.clone(), Span::NONE),
            ThunkState::Apply2(app) => {
                let (f, x, y) = &**app;
                let g = self.apply(f.clone(), x.clone(), Span::NONE);
                g.and_then(|g| self.apply(g, y.clone(), Span::NONE))
            }
            ThunkState::Blackhole => {
                return Err(EvalError::new(
                    ErrorKind::InfiniteRecursion,
                    "infinite recursion encountered",
                ));
            }
            ThunkState::Done(_) => unreachable!("handled above"),
        };
        match result {
            Ok(v) => {
                // A thunk may evaluate to another thunk's value, never to a thunk.
                *t.state.borrow_mut() = ThunkState::Done(v.clone());
                Ok(v)
            }
            Err(e) => {
                // Forcing again repeats the evaluation (and the error), as in Nix.
                *t.state.borrow_mut() = state;
                Err(e)
            }
        }
    }

    /// One level deeper in evaluation or in a walk over a value, within the evaluator's depth
    /// limit, so that runaway recursion is an error and not a crash. Pair with `depth -= 1`, or
    /// use `nested`.
    #[inline]
    pub(crate) fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.max_depth {
            self.depth -= 1;
            return Err(EvalError::new(
                ErrorKind::StackOverflow,
                "stack overflow (possible infinite recursion)",
            ));
        }
        Ok(())
    }

    /// Runs `f` one level deeper (see `enter`).
    #[inline]
    pub(crate) fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        self.enter()?;
        let r = f(self);
        self.depth -= 1;
        r
    }

    #[inline]
    fn eval_deep(&mut self, e: &Expr, env: &Rc<Env>) -> Result<Value> {
        self.nested(|ev| ev.eval(e, env))
    }

    /// Evaluates `e` in `env` to weak head normal form.
    pub(crate) fn eval(&mut self, e: &Expr, env: &Rc<Env>) -> Result<Value> {
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Local { depth, slot, span } => self.read_local(env, *depth, *slot, *span),
            Expr::Apply { f, arg, span } => {
                let fv = self.eval(f, env)?;
                let a = self.delay(arg, env);
                self.apply(fv, a, *span)
            }
            Expr::Call { f, args, span } => self.eval_call(f, args, *span, env),
            Expr::Select {
                expr,
                path,
                default,
                span,
            } => self.eval_select(expr, path, default.as_ref(), *span, env),
            Expr::Lambda(def) => Ok(Value::Lambda(Rc::new(Closure {
                def: def.clone(),
                env: env.clone(),
            }))),
            Expr::If {
                cond,
                then,
                else_,
                span,
            } => {
                let c = self.eval(cond, env)?;
                match c {
                    Value::Bool(true) => self.eval(then, env),
                    Value::Bool(false) => self.eval(else_, env),
                    other => Err(EvalError::type_error(format!(
                        "value is {} while a Boolean was expected",
                        other.type_description()
                    ))
                    .at(*span)),
                }
            }
            Expr::Binary { op, lhs, rhs, span } => self.eval_binary(*op, lhs, rhs, *span, env),
            Expr::Let { bindings, body } => {
                let frame = Env::new(bindings.len(), Some(env.clone()));
                for (i, b) in bindings.iter().enumerate() {
                    let v = if b.inherited {
                        self.delay(&b.value, env)
                    } else {
                        self.delay_in_frame(&b.value, &frame)
                    };
                    frame.set(i, v);
                }
                self.eval(body, &frame)
            }
            Expr::Attrs(a) => self.eval_attrs(a, env),
            Expr::List(items) => Ok(Value::list(
                items.iter().map(|i| self.delay(i, env)).collect(),
            )),
            Expr::WithVar {
                name,
                withs,
                span,
                cache,
            } => self.eval_with_var(*name, withs, *span, cache, env),
            Expr::HasAttr { expr, path, span } => {
                let mut v = self.eval(expr, env)?;
                let last = path.len() - 1;
                for (i, key) in path.iter().enumerate() {
                    let Value::Attrs(a) = &v else {
                        return Ok(Value::Bool(false));
                    };
                    let a = a.clone();
                    let name = self.attr_name(key, env).map_err(|e| e.at(*span))?;
                    match a.get(name) {
                        // The value of the last attribute is not needed: `?` does not force it.
                        Some(_) if i == last => return Ok(Value::Bool(true)),
                        Some(next) => v = self.force(next)?,
                        None => return Ok(Value::Bool(false)),
                    }
                }
                Ok(Value::Bool(true))
            }
            Expr::Assert { cond, body, span } => {
                let c = self.eval(cond, env)?;
                match c {
                    Value::Bool(true) => self.eval(body, env),
                    Value::Bool(false) => {
                        let text = self.source_text(*span);
                        Err(
                            EvalError::new(ErrorKind::Assert, format!("assertion '{text}' failed"))
                                .at(*span),
                        )
                    }
                    other => Err(EvalError::type_error(format!(
                        "value is {} while a Boolean was expected",
                        other.type_description()
                    ))
                    .at(*span)),
                }
            }
            Expr::With { ns, body } => {
                let v = self.delay(ns, env);
                let frame = Env::with_values(smallvec![v], Some(env.clone()));
                self.eval(body, &frame)
            }
            Expr::Not(inner, span) => match self.eval(inner, env)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                other => Err(EvalError::type_error(format!(
                    "value is {} while a Boolean was expected",
                    other.type_description()
                ))
                .at(*span)),
            },
            Expr::Negate(inner, span) => {
                let v = self.eval(inner, env)?;
                self.arith(BinOp::Sub, &Value::Int(0), &v, *span)
            }
            Expr::Interpolate { parts, span } => {
                let mut out = String::new();
                let mut ctx = Context::new();
                for p in parts.iter() {
                    let v = self.eval(p, env)?;
                    self.coerce_into(&v, Coerce::Interpolation, true, &mut out, &mut ctx)
                        .map_err(|e| e.at(*span))?;
                }
                Ok(Value::string_with_context(out, ctx))
            }
            Expr::PathInterpolate { parts, span } => {
                let mut out = String::new();
                let mut ctx = Context::new();
                for p in parts.iter() {
                    let v = self.eval(p, env)?;
                    self.coerce_into(&v, Coerce::Interpolation, false, &mut out, &mut ctx)
                        .map_err(|e| e.at(*span))?;
                }
                if !ctx.is_empty() {
                    return Err(EvalError::other(
                        "a string that refers to a store path cannot be appended to a path",
                    )
                    .at(*span));
                }
                Ok(Value::path(crate::lower::canon_path(&out)))
            }
            Expr::CurPos(span) => Ok(self.pos_value(*span)),
        }
    }

    fn eval_call(
        &mut self,
        f: &ExprRef,
        args: &[ExprRef],
        span: Span,
        env: &Rc<Env>,
    ) -> Result<Value> {
        let mut fv = self.eval(f, env)?;
        let mut i = 0;
        while i < args.len() {
            if let Value::PrimOp(op) = &fv {
                let n = op.arity as usize;
                if n <= args.len() - i {
                    let op = *op;
                    let mut a: SmallVec<[Value; 4]> =
                        args[i..i + n].iter().map(|x| self.delay(x, env)).collect();
                    fv = self.call_primop(op, &mut a, span)?;
                    i += n;
                    continue;
                }
            }
            let a = self.delay(&args[i], env);
            fv = self.apply(fv, a, span)?;
            i += 1;
        }
        Ok(fv)
    }

    /// The forced value of a variable, with one reference count taken.
    #[inline]
    fn read_local(&mut self, env: &Rc<Env>, depth: u32, slot: u32, span: Span) -> Result<Value> {
        let mut e = env;
        for _ in 0..depth {
            e = e.up.as_ref().expect("scopes are resolved statically");
        }
        let slots = e.slots.borrow();
        match &slots[slot as usize] {
            Value::Thunk(t) => {
                if let ThunkState::Done(v) = &*t.state.borrow() {
                    return Ok(v.clone());
                }
                let t = t.clone();
                drop(slots);
                self.force_thunk(&t).map_err(|e| e.at(span))
            }
            v => Ok(v.clone()),
        }
    }

    /// The name an attribute path component selects (a dynamic one must be a string).
    fn attr_name(&mut self, key: &AttrKey, env: &Rc<Env>) -> Result<Symbol> {
        match key {
            AttrKey::Static(s) => Ok(*s),
            AttrKey::Dynamic(e) => {
                let v = self.eval(e, env)?;
                match v {
                    Value::String(s) => Ok(Symbol::intern(s.as_str())),
                    other => Err(EvalError::type_error(format!(
                        "value is {} while a string was expected",
                        other.type_description()
                    ))),
                }
            }
        }
    }

    fn eval_select(
        &mut self,
        expr: &ExprRef,
        path: &[AttrKey],
        default: Option<&ExprRef>,
        span: Span,
        env: &Rc<Env>,
    ) -> Result<Value> {
        let mut v = self.eval(expr, env)?;
        for (i, key) in path.iter().enumerate() {
            let name = self.attr_name(key, env).map_err(|e| e.at(span))?;
            let next = match &v {
                Value::Attrs(a) => a.get(name).cloned(),
                _ if default.is_some() => None,
                other => {
                    return Err(EvalError::type_error(format!(
                        "value is {} while a set was expected",
                        other.type_description()
                    ))
                    .at(span)
                    .frame(span, format!("while selecting the attribute '{name}'")));
                }
            };
            match next {
                Some(n) => {
                    v = match self.force(&n) {
                        Ok(v) => v,
                        Err(e) => {
                            return Err(e.frame(
                                span,
                                format!("while evaluating the attribute '{}'", path_text(path, i)),
                            ));
                        }
                    }
                }
                None => {
                    if let Some(d) = default {
                        return self.eval(d, env);
                    }
                    let Value::Attrs(a) = &v else { unreachable!() };
                    let mut err = EvalError::other(format!("attribute '{name}' missing")).at(span);
                    if let Some(s) =
                        crate::error::suggest(name.as_str(), a.iter().map(|a| a.name.as_str()))
                    {
                        err = err.with_hint(format!("did you mean '{s}'?"));
                    }
                    return Err(err);
                }
            }
        }
        Ok(v)
    }

    fn eval_with_var(
        &mut self,
        name: Symbol,
        withs: &[u32],
        span: Span,
        cache: &WithCache,
        env: &Rc<Env>,
    ) -> Result<Value> {
        for (level, &depth) in withs.iter().enumerate() {
            // Fast path: the namespace is already an evaluated set; look in it in place, through
            // the cache when it is the same set as last time.
            let find = |a: &Rc<Attrs>| -> Option<Value> {
                let mut c = cache.0.borrow_mut();
                let index = match &c[level] {
                    Some((seen, index)) if Rc::ptr_eq(seen, a) => index.map(|i| i as usize),
                    _ => {
                        let index = a.position(name);
                        c[level] = Some((a.clone(), index.map(|i| i as u32)));
                        index
                    }
                };
                index.map(|i| a.value_at(i).clone())
            };
            let found = {
                let mut e = env;
                for _ in 0..depth {
                    e = e.up.as_ref().expect("scopes are resolved statically");
                }
                let slots = e.slots.borrow();
                match &slots[0] {
                    Value::Attrs(a) => Some(find(a)),
                    Value::Thunk(t) => match &*t.state.borrow() {
                        ThunkState::Done(Value::Attrs(a)) => Some(find(a)),
                        _ => None,
                    },
                    _ => None,
                }
            };
            match found {
                Some(Some(v)) => return self.force(&v),
                Some(None) => continue,
                None => {}
            }
            let ns = lookup(env, depth, 0);
            let ns = self.force(&ns)?;
            let Value::Attrs(a) = &ns else {
                return Err(EvalError::type_error(format!(
                    "value is {} while a set was expected",
                    ns.type_description()
                ))
                .at(span));
            };
            if let Some(v) = a.get(name) {
                let v = v.clone();
                return self.force(&v);
            }
        }
        Err(EvalError::other(format!("undefined variable '{name}'")).at(span))
    }

    fn eval_attrs(&mut self, a: &AttrsIr, env: &Rc<Env>) -> Result<Value> {
        let mut entries = Vec::with_capacity(a.statics.len() + a.dynamics.len());
        let scope = if a.rec {
            let frame = Env::new(a.statics.len(), Some(env.clone()));
            for (i, s) in a.statics.iter().enumerate() {
                let v = if s.binding.inherited {
                    self.delay(&s.binding.value, env)
                } else if a.overrides.is_some() {
                    self.delay_lazily(&s.binding.value, &frame)
                } else {
                    self.delay_in_frame(&s.binding.value, &frame)
                };
                frame.set(i, v.clone());
                entries.push(Attr {
                    name: s.name,
                    pos: s.span,
                    value: v,
                });
            }
            frame
        } else {
            for s in a.statics.iter() {
                entries.push(Attr {
                    name: s.name,
                    pos: s.span,
                    value: self.delay(&s.binding.value, env),
                });
            }
            env.clone()
        };
        let mut attrs = if a.dynamics.is_empty() {
            Attrs::from_sorted(entries)
        } else {
            let mut attrs = Attrs::from_sorted(entries);
            for d in a.dynamics.iter() {
                let name = self.eval(&d.name, &scope)?;
                let name = match name {
                    Value::Null => continue,
                    Value::String(s) => Symbol::intern(s.as_str()),
                    other => {
                        return Err(EvalError::type_error(format!(
                            "value is {} while a string was expected",
                            other.type_description()
                        ))
                        .at(d.span));
                    }
                };
                if attrs.contains(name) {
                    return Err(EvalError::other(format!(
                        "dynamic attribute '{name}' already defined"
                    ))
                    .at(d.span));
                }
                attrs.insert(Attr {
                    name,
                    pos: d.span,
                    value: self.delay(&d.value, &scope),
                });
            }
            attrs
        };
        if let Some(i) = a.overrides {
            let ov = scope.get(i);
            let ov = self.force(&ov)?;
            let Value::Attrs(ov) = ov else {
                return Err(EvalError::type_error(format!(
                    "value is {} while a set was expected",
                    ov.type_description()
                )));
            };
            for o in ov.iter() {
                if let Some(slot) = a.statics.iter().position(|s| s.name == o.name) {
                    scope.set(slot, o.value.clone());
                }
                attrs.insert(o.clone());
            }
        }
        Ok(Value::attrs(attrs))
    }

    // ----- function calls -----

    /// Applies a function value to an argument.
    pub fn apply(&mut self, f: Value, arg: Value, span: Span) -> Result<Value> {
        match f {
            Value::Lambda(c) => self.call_lambda(&c, arg, span),
            Value::PrimOp(op) => {
                if op.arity == 1 {
                    self.call_primop(op, &mut [arg], span)
                } else {
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                        op,
                        args: smallvec![arg],
                    })))
                }
            }
            Value::PrimOpApp(app) => {
                let op = app.op;
                if app.args.len() + 1 == op.arity as usize {
                    let mut args: SmallVec<[Value; 4]> = app.args.iter().cloned().collect();
                    args.push(arg);
                    self.call_primop(op, &mut args, span)
                } else {
                    let mut args = app.args.clone();
                    args.push(arg);
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp { op, args })))
                }
            }
            Value::Attrs(a) => {
                let functor = self.syms.functor;
                match a.get(functor) {
                    Some(fv) => {
                        let fv = fv.clone();
                        let fv = self.force(&fv)?;
                        let g = self.apply(fv, Value::Attrs(a.clone()), span)?;
                        let g = self.force(&g)?;
                        self.apply(g, arg, span)
                    }
                    None => Err(EvalError::type_error(
                        "attempt to call something which is not a function but a set",
                    )
                    .at(span)),
                }
            }
            Value::Thunk(t) => {
                let f = self.force_thunk(&t)?;
                self.apply(f, arg, span)
            }
            other => Err(EvalError::type_error(format!(
                "attempt to call something which is not a function but {}",
                other.type_description()
            ))
            .at(span)),
        }
    }

    fn call_primop(
        &mut self,
        op: &'static crate::builtins::PrimOpDef,
        args: &mut [Value],
        span: Span,
    ) -> Result<Value> {
        let r = (op.f)(self, args, span);
        // Built-ins return values in weak head normal form, as `eval` does.
        let r = match r {
            Ok(Value::Thunk(t)) => self.force_thunk(&t),
            r => r,
        };
        r.map_err(|e| {
            let e = e.at(span);
            if e.kind == ErrorKind::Throw || e.kind == ErrorKind::Abort {
                e
            } else {
                e.frame(span, format!("while calling the '{}' builtin", op.name))
            }
        })
    }

    fn call_lambda(&mut self, c: &Rc<Closure>, arg: Value, span: Span) -> Result<Value> {
        let def = &c.def;
        let frame = match &def.param {
            Param::Ident(_) => Env::with_values(smallvec![arg], Some(c.env.clone())),
            Param::Pattern(p) => self.bind_pattern(def, p, c, arg).map_err(|e| {
                let what = match def.name.get() {
                    Some(n) => format!("while calling '{n}'"),
                    None => "while calling an anonymous function".to_string(),
                };
                e.at(span).frame(span, what)
            })?,
        };
        self.nested(|ev| ev.eval(&def.body, &frame)).map_err(|e| {
            let e = e.at(span);
            if e.kind == ErrorKind::StackOverflow && e.trace.len() > 20 {
                return e;
            }
            let what = match def.name.get() {
                Some(n) => format!("while calling '{n}'"),
                None => "while calling an anonymous function".to_string(),
            };
            e.frame(span, what)
        })
    }

    fn bind_pattern(
        &mut self,
        def: &LambdaIr,
        p: &Pattern,
        c: &Rc<Closure>,
        arg: Value,
    ) -> Result<Rc<Env>> {
        let forced = self.force(&arg)?;
        let Value::Attrs(attrs) = &forced else {
            return Err(EvalError::type_error(format!(
                "value is {} while a set was expected",
                forced.type_description()
            )));
        };
        let frame = Env::new(def.frame_size as usize, Some(c.env.clone()));
        let fname = || match def.name.get() {
            Some(n) => format!("function '{n}'"),
            None => "anonymous function".to_string(),
        };
        if !p.ellipsis {
            for a in attrs.iter() {
                if !p.formals.iter().any(|f| f.name == a.name) {
                    let mut e = EvalError::type_error(format!(
                        "{} called with unexpected argument '{}'",
                        fname(),
                        a.name
                    ))
                    .at(def.span);
                    if let Some(s) = crate::error::suggest(
                        a.name.as_str(),
                        p.formals.iter().map(|f| f.name.as_str()),
                    ) {
                        e = e.with_hint(format!("did you mean '{s}'?"));
                    }
                    return Err(e);
                }
            }
        }
        for (i, f) in p.formals.iter().enumerate() {
            match attrs.get(f.name) {
                Some(v) => frame.set(i, v.clone()),
                None => match &f.default {
                    Some(d) => {
                        let v = self.delay_in_frame(d, &frame);
                        frame.set(i, v);
                    }
                    None => {
                        return Err(EvalError::type_error(format!(
                            "{} called without required argument '{}'",
                            fname(),
                            f.name
                        ))
                        .at(def.span));
                    }
                },
            }
        }
        if let Some(b) = p.bind {
            let slot = p
                .formals
                .iter()
                .position(|f| f.name == b)
                .unwrap_or(p.formals.len());
            frame.set(slot, arg);
        }
        Ok(frame)
    }

    // ----- operators -----

    fn eval_binary(
        &mut self,
        op: BinOp,
        lhs: &ExprRef,
        rhs: &ExprRef,
        span: Span,
        env: &Rc<Env>,
    ) -> Result<Value> {
        match op {
            BinOp::And => {
                if !self.eval_bool(lhs, env, span)? {
                    return Ok(Value::Bool(false));
                }
                Ok(Value::Bool(self.eval_bool(rhs, env, span)?))
            }
            BinOp::Or => {
                if self.eval_bool(lhs, env, span)? {
                    return Ok(Value::Bool(true));
                }
                Ok(Value::Bool(self.eval_bool(rhs, env, span)?))
            }
            BinOp::Implies => {
                if !self.eval_bool(lhs, env, span)? {
                    return Ok(Value::Bool(true));
                }
                Ok(Value::Bool(self.eval_bool(rhs, env, span)?))
            }
            BinOp::PipeRight => {
                let x = self.delay(lhs, env);
                let f = self.eval(rhs, env)?;
                self.apply(f, x, span)
            }
            BinOp::PipeLeft => {
                let f = self.eval(lhs, env)?;
                let x = self.delay(rhs, env);
                self.apply(f, x, span)
            }
            _ => {
                let l = self.eval(lhs, env)?;
                let r = self.eval(rhs, env)?;
                if let (Value::Int(a), Value::Int(b)) = (&l, &r) {
                    let (a, b) = (*a, *b);
                    let v = match op {
                        BinOp::Add => a.checked_add(b).map(Value::Int),
                        BinOp::Sub => a.checked_sub(b).map(Value::Int),
                        BinOp::Mul => a.checked_mul(b).map(Value::Int),
                        BinOp::Lt => Some(Value::Bool(a < b)),
                        BinOp::Le => Some(Value::Bool(a <= b)),
                        BinOp::Gt => Some(Value::Bool(a > b)),
                        BinOp::Ge => Some(Value::Bool(a >= b)),
                        BinOp::Eq => Some(Value::Bool(a == b)),
                        BinOp::NotEq => Some(Value::Bool(a != b)),
                        _ => None,
                    };
                    if let Some(v) = v {
                        return Ok(v);
                    }
                }
                self.binary_values(op, &l, &r, span)
            }
        }
    }

    fn eval_bool(&mut self, e: &Expr, env: &Rc<Env>, span: Span) -> Result<bool> {
        match self.eval(e, env)? {
            Value::Bool(b) => Ok(b),
            other => Err(EvalError::type_error(format!(
                "value is {} while a Boolean was expected",
                other.type_description()
            ))
            .at(span)),
        }
    }

    pub(crate) fn binary_values(
        &mut self,
        op: BinOp,
        l: &Value,
        r: &Value,
        span: Span,
    ) -> Result<Value> {
        match op {
            BinOp::Eq => Ok(Value::Bool(self.equal(l, r, true).map_err(|e| e.at(span))?)),
            BinOp::NotEq => Ok(Value::Bool(
                !self.equal(l, r, true).map_err(|e| e.at(span))?,
            )),
            BinOp::Lt => Ok(Value::Bool(self.less_than(l, r).map_err(|e| e.at(span))?)),
            BinOp::Gt => Ok(Value::Bool(self.less_than(r, l).map_err(|e| e.at(span))?)),
            BinOp::Le => Ok(Value::Bool(!self.less_than(r, l).map_err(|e| e.at(span))?)),
            BinOp::Ge => Ok(Value::Bool(!self.less_than(l, r).map_err(|e| e.at(span))?)),
            BinOp::Update => match (l, r) {
                (Value::Attrs(a), Value::Attrs(b)) => {
                    if b.is_empty() {
                        Ok(l.clone())
                    } else if a.is_empty() {
                        Ok(r.clone())
                    } else {
                        Ok(Value::attrs(a.update(b)))
                    }
                }
                (Value::Attrs(_), other) | (other, _) => Err(EvalError::type_error(format!(
                    "value is {} while a set was expected",
                    other.type_description()
                ))
                .at(span)),
            },
            BinOp::Concat => match (l, r) {
                (Value::List(a), Value::List(b)) => {
                    if b.is_empty() {
                        return Ok(l.clone());
                    }
                    if a.is_empty() {
                        return Ok(r.clone());
                    }
                    let mut v = Vec::with_capacity(a.len() + b.len());
                    v.extend(a.iter().cloned());
                    v.extend(b.iter().cloned());
                    Ok(Value::list(v))
                }
                (Value::List(_), other) | (other, _) => Err(EvalError::type_error(format!(
                    "value is {} while a list was expected",
                    other.type_description()
                ))
                .at(span)),
            },
            BinOp::Add => match (l, r) {
                (Value::Int(_) | Value::Float(_), _) => self.arith(op, l, r, span),
                (Value::Path(p), _) => {
                    let mut out = p.to_string();
                    let mut ctx = Context::new();
                    self.coerce_into(r, Coerce::Interpolation, false, &mut out, &mut ctx)
                        .map_err(|e| e.at(span))?;
                    if !ctx.is_empty() {
                        return Err(EvalError::other(
                            "a string that refers to a store path cannot be appended to a path",
                        )
                        .at(span));
                    }
                    Ok(Value::path(crate::lower::canon_path(&out)))
                }
                _ => {
                    let mut out = String::new();
                    let mut ctx = Context::new();
                    self.coerce_into(l, Coerce::Interpolation, true, &mut out, &mut ctx)
                        .map_err(|e| e.at(span))?;
                    self.coerce_into(r, Coerce::Interpolation, true, &mut out, &mut ctx)
                        .map_err(|e| e.at(span))?;
                    Ok(Value::string_with_context(out, ctx))
                }
            },
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, l, r, span),
            BinOp::And | BinOp::Or | BinOp::Implies | BinOp::PipeLeft | BinOp::PipeRight => {
                unreachable!("handled lazily")
            }
        }
    }

    pub(crate) fn arith(&mut self, op: BinOp, l: &Value, r: &Value, span: Span) -> Result<Value> {
        let l = self.force(l)?;
        let r = self.force(r)?;
        let (name, verb) = match op {
            BinOp::Add => ("add", "adding"),
            BinOp::Sub => ("subtract", "subtracting"),
            BinOp::Mul => ("multiply", "multiplying"),
            _ => ("divide", "dividing"),
        };
        match (&l, &r) {
            (Value::Int(a), Value::Int(b)) => {
                let (a, b) = (*a, *b);
                let res = match op {
                    BinOp::Add => a.checked_add(b),
                    BinOp::Sub => a.checked_sub(b),
                    BinOp::Mul => a.checked_mul(b),
                    _ => {
                        if b == 0 {
                            return Err(EvalError::other("division by zero").at(span));
                        }
                        a.checked_div(b)
                    }
                };
                res.map(Value::Int).ok_or_else(|| {
                    EvalError::other(format!("integer overflow in {verb} {a} and {b}")).at(span)
                })
            }
            (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
                let a = as_float(&l);
                let b = as_float(&r);
                Ok(Value::Float(match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    _ => {
                        if b == 0.0 {
                            return Err(EvalError::other("division by zero").at(span));
                        }
                        a / b
                    }
                }))
            }
            (Value::Int(_) | Value::Float(_), other) => Err(EvalError::type_error(format!(
                "cannot {name} {} {} {}",
                other.type_description(),
                if op == BinOp::Add { "to" } else { "and" },
                l.type_description()
            ))
            .at(span)),
            (other, _) => Err(EvalError::type_error(format!(
                "value is {} while an integer was expected",
                other.type_description()
            ))
            .at(span)),
        }
    }

    /// Nix's `==`. `top` is false inside lists and sets, where two references to the same value
    /// are equal without looking (so a function is equal to itself there, as in Nix).
    pub(crate) fn equal(&mut self, a: &Value, b: &Value, top: bool) -> Result<bool> {
        if let Some(eq) = quick_equal(a, b) {
            return Ok(eq);
        }
        if !top && same_value(a, b) {
            return Ok(true);
        }
        let a = self.force(a)?;
        let b = self.force(b)?;
        Ok(match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
            (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::String(x), Value::String(y)) => x.as_str() == y.as_str(),
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.equal(p, q, false)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if Rc::ptr_eq(x, y) {
                    return Ok(true);
                }
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    let op = self.syms.out_path;
                    if let (Some(p), Some(q)) = (x.get(op), y.get(op)) {
                        let (p, q) = (p.clone(), q.clone());
                        return self.equal(&p, &q, false);
                    }
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if p.name != q.name || !self.equal(&p.value, &q.value, false)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    pub(crate) fn is_derivation(&mut self, a: &Attrs) -> Result<bool> {
        match a.get(self.syms.type_) {
            Some(t) => {
                let t = t.clone();
                Ok(matches!(self.force(&t)?, Value::String(s) if s.as_str() == "derivation"))
            }
            None => Ok(false),
        }
    }

    /// Nix's `<`: numbers, strings, paths, and lists of those, element by element.
    pub(crate) fn less_than(&mut self, a: &Value, b: &Value) -> Result<bool> {
        let a = self.force(a)?;
        let b = self.force(b)?;
        Ok(match (&a, &b) {
            (Value::Int(x), Value::Int(y)) => x < y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) < *y,
            (Value::Float(x), Value::Int(y)) => *x < (*y as f64),
            (Value::Float(x), Value::Float(y)) => x < y,
            (Value::String(x), Value::String(y)) => x.as_str() < y.as_str(),
            (Value::Path(x), Value::Path(y)) => x < y,
            (Value::List(x), Value::List(y)) => {
                // The first elements that differ decide; equal ones need not be comparable.
                for (p, q) in x.iter().zip(y.iter()) {
                    if !self.equal(p, q, false)? {
                        return self.less_than(p, q);
                    }
                }
                x.len() < y.len()
            }
            _ => {
                return Err(EvalError::type_error(format!(
                    "cannot compare {} with {}",
                    a.type_description(),
                    b.type_description()
                )));
            }
        })
    }

    // ----- coercion -----

    /// Appends the string form of `v` to `out`, adding its context to `ctx`. Paths are copied
    /// to the store when `copy` is set, as string interpolation does.
    pub(crate) fn coerce_into(
        &mut self,
        v: &Value,
        how: Coerce,
        copy: bool,
        out: &mut String,
        ctx: &mut Context,
    ) -> Result<()> {
        let v = self.force(v)?;
        match &v {
            Value::String(s) => {
                out.push_str(s.as_str());
                if let Some(c) = s.context() {
                    ctx.extend(c.iter().cloned());
                }
            }
            Value::Path(p) => {
                if copy {
                    let stored = self.io.copy_path_to_store(p)?;
                    out.push_str(&stored);
                    ctx.insert(stored.into_boxed_str());
                } else {
                    out.push_str(p);
                }
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get(self.syms.to_string) {
                    let f = f.clone();
                    let f = self.force(&f)?;
                    let r = self.apply(f, v.clone(), Span::NONE)?;
                    let r = self.force(&r)?;
                    match (&r, how) {
                        (Value::String(_) | Value::Path(_) | Value::Attrs(_), _)
                        | (_, Coerce::More) => {
                            return self.coerce_into(&r, how, copy, out, ctx);
                        }
                        _ => {
                            return Err(EvalError::type_error(format!(
                                "cannot coerce {} to a string",
                                r.type_description()
                            )));
                        }
                    }
                }
                if let Some(p) = a.get(self.syms.out_path) {
                    let p = p.clone();
                    return self.coerce_into(&p, how, copy, out, ctx);
                }
                return Err(EvalError::type_error("cannot coerce a set to a string"));
            }
            Value::Int(i) if how == Coerce::More => out.push_str(&i.to_string()),
            Value::Float(f) if how == Coerce::More => out.push_str(&format!("{f:.6}")),
            Value::Bool(true) if how == Coerce::More => out.push('1'),
            Value::Bool(false) | Value::Null if how == Coerce::More => {}
            Value::List(items) if how == Coerce::More => {
                let n = items.len();
                for (i, item) in items.iter().enumerate() {
                    self.coerce_into(item, how, copy, out, ctx)?;
                    if i + 1 < n {
                        let item = self.force(item)?;
                        if !matches!(&item, Value::List(l) if l.is_empty()) {
                            out.push(' ');
                        }
                    }
                }
            }
            other => {
                return Err(EvalError::type_error(format!(
                    "cannot coerce {} to a string",
                    other.type_description()
                )));
            }
        }
        Ok(())
    }

    /// Forces `v` deeply: every attribute value and list element, recursively.
    pub fn force_deep(&mut self, v: &Value) -> Result<Value> {
        let mut seen = rustc_hash::FxHashSet::default();
        let forced = self.force(v)?;
        self.force_deep_inner(&forced, &mut seen)?;
        Ok(forced)
    }

    fn force_deep_inner(
        &mut self,
        v: &Value,
        seen: &mut rustc_hash::FxHashSet<usize>,
    ) -> Result<()> {
        match v {
            Value::Attrs(a) if seen.insert(Rc::as_ptr(a) as usize) => self.nested(|ev| {
                for attr in a.iter() {
                    ev.force(&attr.value)
                        .and_then(|x| ev.force_deep_inner(&x, seen))
                        .map_err(|e| {
                            e.frame(
                                attr.pos,
                                format!("while evaluating the attribute '{}'", attr.name),
                            )
                        })?;
                }
                Ok(())
            }),
            Value::List(l) if seen.insert(Rc::as_ptr(l) as usize) => self.nested(|ev| {
                for item in l.iter() {
                    let x = ev.force(item)?;
                    ev.force_deep_inner(&x, seen)?;
                }
                Ok(())
            }),
            _ => Ok(()),
        }
    }

    /// `{ file, line, column }` for a position, as `__curPos` and `unsafeGetAttrPos` give it.
    pub(crate) fn pos_value(&self, span: Span) -> Value {
        if span.is_none() {
            return Value::Null;
        }
        let (file, line, column) = self.line_col(span);
        let mut attrs = Attrs::with_capacity(3);
        attrs.insert(Attr {
            name: Symbol::intern("file"),
            pos: Span::NONE,
            value: Value::string(file),
        });
        attrs.insert(Attr {
            name: Symbol::intern("line"),
            pos: Span::NONE,
            value: Value::Int(line as i64),
        });
        attrs.insert(Attr {
            name: Symbol::intern("column"),
            pos: Span::NONE,
            value: Value::Int(column as i64),
        });
        Value::attrs(attrs)
    }
}

/// The integer `e` is, when that is known without evaluating anything: an integer literal, or
/// a variable already evaluated to an integer.
#[inline]
fn known_int(e: &Expr, env: &Rc<Env>) -> Option<i64> {
    match e {
        Expr::Const(Value::Int(i)) => Some(*i),
        Expr::Local { depth, slot, .. } => {
            let mut frame = env;
            for _ in 0..*depth {
                frame = frame.up.as_ref()?;
            }
            match frame.slots.borrow().get(*slot as usize)? {
                Value::Int(i) => Some(*i),
                Value::Thunk(t) => match &*t.state.try_borrow().ok()? {
                    ThunkState::Done(Value::Int(i)) => Some(*i),
                    _ => None,
                },
                _ => None,
            }
        }
        _ => None,
    }
}

/// `a op b` on integers, when it cannot fail.
#[inline]
fn int_binary(op: BinOp, a: i64, b: i64) -> Option<Value> {
    Some(match op {
        BinOp::Add => Value::Int(a.checked_add(b)?),
        BinOp::Sub => Value::Int(a.checked_sub(b)?),
        BinOp::Mul => Value::Int(a.checked_mul(b)?),
        BinOp::Lt => Value::Bool(a < b),
        BinOp::Le => Value::Bool(a <= b),
        BinOp::Gt => Value::Bool(a > b),
        BinOp::Ge => Value::Bool(a >= b),
        BinOp::Eq => Value::Bool(a == b),
        BinOp::NotEq => Value::Bool(a != b),
        _ => return None,
    })
}

/// The value at `slot` of the scope `depth` levels up.
#[inline]
pub(crate) fn lookup(env: &Rc<Env>, depth: u32, slot: u32) -> Value {
    let mut e = env;
    for _ in 0..depth {
        e = e.up.as_ref().expect("scopes are resolved statically");
    }
    e.get(slot as usize)
}

pub(crate) fn as_float(v: &Value) -> f64 {
    match v {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        _ => 0.0,
    }
}

/// Equality of two evaluated scalars (looking through forced thunks) without cloning anything;
/// `None` when either is not an evaluated number, Boolean or null.
#[inline]
fn quick_equal(a: &Value, b: &Value) -> Option<bool> {
    #[derive(Clone, Copy)]
    enum S {
        I(i64),
        F(f64),
        B(bool),
        N,
    }
    fn scalar(v: &Value) -> Option<S> {
        match v {
            Value::Int(i) => Some(S::I(*i)),
            Value::Float(f) => Some(S::F(*f)),
            Value::Bool(b) => Some(S::B(*b)),
            Value::Null => Some(S::N),
            Value::Thunk(t) => match &*t.state.try_borrow().ok()? {
                ThunkState::Done(v) => match v {
                    Value::Int(i) => Some(S::I(*i)),
                    Value::Float(f) => Some(S::F(*f)),
                    Value::Bool(b) => Some(S::B(*b)),
                    Value::Null => Some(S::N),
                    _ => None,
                },
                _ => None,
            },
            _ => None,
        }
    }
    Some(match (scalar(a)?, scalar(b)?) {
        (S::I(x), S::I(y)) => x == y,
        (S::I(x), S::F(y)) | (S::F(y), S::I(x)) => x as f64 == y,
        (S::F(x), S::F(y)) => x == y,
        (S::B(x), S::B(y)) => x == y,
        (S::N, S::N) => true,
        _ => false,
    })
}

/// Whether two values are the same object (Nix compares by reference before comparing by value
/// inside lists and sets).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Thunk(x), Value::Thunk(y)) => Rc::ptr_eq(x, y),
        (Value::Lambda(x), Value::Lambda(y)) => Rc::ptr_eq(x, y),
        (Value::Attrs(x), Value::Attrs(y)) => Rc::ptr_eq(x, y),
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        (Value::PrimOp(x), Value::PrimOp(y)) => std::ptr::eq(*x, *y),
        (Value::PrimOpApp(x), Value::PrimOpApp(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

fn path_text(path: &[AttrKey], upto: usize) -> String {
    path[..=upto]
        .iter()
        .map(|k| match k {
            AttrKey::Static(s) => s.as_str().to_string(),
            AttrKey::Dynamic(_) => "${...}".to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}
