//! The static checks Nix makes when it parses a file, beyond the grammar: duplicate attributes
//! (with Nix's rules for merging `a.b = ...; a = { ... };`), duplicate formal arguments,
//! dynamic attributes where they are not allowed, and variables
//! bound nowhere (unless a `with` is in scope, which makes every name dynamic).
//!
//! Attribute paths are folded into nested sets exactly as Nix's parser does, because that
//! folding decides both which definitions clash and which scope a value sees (a `rec` set merged
//! into an earlier `a.b = ...` loses its `rec`). Names of the global scope are supplied by the
//! caller, since they belong to the evaluator. Nothing is evaluated here.

use rustc_hash::FxHashMap as HashMap;

use crate::ast::{self, AstNode, Attr, Binding, Expr, HasBindings, Param};
use crate::{SyntaxError, TextRange};

/// Runs every static check over `root` and returns the problems, in source order.
/// `is_global` says whether a name is bound in the global scope (`builtins`, `map`, `true`...).
pub fn check(root: &ast::Root, is_global: &dyn Fn(&str) -> bool) -> Vec<SyntaxError> {
    let mut checker = Checker {
        errors: Vec::new(),
        is_global,
    };
    if let Some(e) = root.expr() {
        checker.expr(&e, &Env::Global);
    }
    let mut errors = checker.errors;
    errors.sort_by_key(|e| (e.range.start(), e.range.end()));
    errors.dedup();
    errors
}

/// A scope: the names it binds, or a `with`, which makes all names dynamic.
enum Env<'p> {
    Global,
    /// Lambda arguments: few, so a list.
    Names {
        names: Vec<String>,
        parent: &'p Env<'p>,
    },
    /// The attributes of a `let` or `rec` set.
    Attrs {
        attrs: &'p HashMap<String, Def>,
        parent: &'p Env<'p>,
    },
    With,
}

impl Env<'_> {
    fn resolves(&self, name: &str, is_global: &dyn Fn(&str) -> bool) -> bool {
        let mut env = self;
        loop {
            match env {
                Env::Global => return is_global(name),
                Env::Names { names, parent } => {
                    if names.iter().any(|n| n == name) {
                        return true;
                    }
                    env = parent;
                }
                Env::Attrs { attrs, parent } => {
                    if attrs.contains_key(name) {
                        return true;
                    }
                    env = parent;
                }
                Env::With => return true,
            }
        }
    }
}

/// A set of attributes after Nix folds attribute paths into nested sets.
#[derive(Default)]
struct AttrsModel {
    rec: bool,
    order: Vec<String>,
    attrs: HashMap<String, Def>,
    dynamic: Vec<(Option<Expr>, DefValue)>,
}

struct Def {
    value: DefValue,
    range: TextRange,
    /// `inherit x;`: looked up in the enclosing scope, never merged into.
    inherited: bool,
}

enum DefValue {
    Expr(Expr),
    Nested(AttrsModel),
    /// `inherit x;` of a variable.
    Var(String, TextRange),
    /// `inherit (e) x;`: bound where ordinary values are.
    From(Option<Expr>),
}

impl AttrsModel {
    fn insert(&mut self, name: String, def: Def) {
        self.order.push(name.clone());
        self.attrs.insert(name, def);
    }
}

struct Checker<'g> {
    errors: Vec<SyntaxError>,
    is_global: &'g dyn Fn(&str) -> bool,
}

/// The expression under any number of parentheses, which Nix's parser drops.
fn strip_parens(mut e: Expr) -> Expr {
    while let Expr::Paren(p) = &e {
        match p.expr() {
            Some(inner) => e = inner,
            None => break,
        }
    }
    e
}

fn path_text(attrs: &[Attr]) -> String {
    attrs
        .iter()
        .map(|a| a.static_name().unwrap_or_else(|| "\"${...}\"".to_string()))
        .collect::<Vec<_>>()
        .join(".")
}

impl Checker<'_> {
    fn error(&mut self, range: TextRange, message: String) {
        self.errors.push(SyntaxError {
            range,
            message,
            related: None,
        });
    }

    fn duplicate(&mut self, name: &str, range: TextRange, first: TextRange) {
        self.errors.push(SyntaxError {
            range,
            message: format!("attribute `{name}` is already defined"),
            related: Some((first, "first defined here".to_string())),
        });
    }

    /// Folds bindings into a model, reporting duplicates.
    fn model(&mut self, bindings: impl Iterator<Item = Binding>, rec: bool) -> AttrsModel {
        let mut model = AttrsModel {
            rec,
            ..AttrsModel::default()
        };
        for binding in bindings {
            match binding {
                Binding::Value(b) => {
                    let Some(path) = b.attrpath() else { continue };
                    let attrs: Vec<Attr> = path.attrs().collect();
                    if attrs.is_empty() {
                        continue;
                    }
                    self.add_attr(&mut model, &attrs, path.syntax().text_range(), b.value());
                }
                Binding::Inherit(inherit) => {
                    let from = inherit.from();
                    for attr in inherit.attrs() {
                        let range = attr.syntax().text_range();
                        let Some(name) = attr.static_name() else {
                            self.error(
                                range,
                                "dynamic attributes are not allowed in `inherit`".into(),
                            );
                            continue;
                        };
                        if let Some(first) = model.attrs.get(&name) {
                            let first = first.range;
                            self.duplicate(&name, range, first);
                            continue;
                        }
                        let (value, inherited) = match &from {
                            Some(f) => (DefValue::From(f.expr()), false),
                            None => (DefValue::Var(name.clone(), range), true),
                        };
                        model.insert(
                            name,
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
        model
    }

    fn value_of(&mut self, e: Option<Expr>) -> DefValue {
        match e.map(strip_parens) {
            Some(Expr::AttrSet(set)) => DefValue::Nested(self.model(set.bindings(), set.is_rec())),
            Some(e) => DefValue::Expr(e),
            None => DefValue::From(None),
        }
    }

    fn add_attr(
        &mut self,
        model: &mut AttrsModel,
        path: &[Attr],
        range: TextRange,
        value: Option<Expr>,
    ) {
        let (last, init) = path.split_last().expect("attribute paths are not empty");
        let mut cur = model;
        for attr in init {
            match attr.static_name() {
                Some(name) => {
                    if !cur.attrs.contains_key(&name) {
                        cur.insert(
                            name.clone(),
                            Def {
                                value: DefValue::Nested(AttrsModel::default()),
                                range,
                                inherited: false,
                            },
                        );
                    }
                    let def = cur.attrs.get_mut(&name).expect("just inserted");
                    match &mut def.value {
                        DefValue::Nested(m) if !def.inherited => cur = m,
                        _ => {
                            let first = def.range;
                            self.duplicate(&path_text(path), range, first);
                            return;
                        }
                    }
                }
                None => {
                    let key = dynamic_expr(attr);
                    cur.dynamic
                        .push((key, DefValue::Nested(AttrsModel::default())));
                    let Some((_, DefValue::Nested(m))) = cur.dynamic.last_mut() else {
                        unreachable!()
                    };
                    cur = m;
                }
            }
        }
        let value = self.value_of(value);
        match last.static_name() {
            Some(name) => match cur.attrs.get_mut(&name) {
                Some(existing) => match (&mut existing.value, value) {
                    (DefValue::Nested(into), DefValue::Nested(from)) if !existing.inherited => {
                        // Nix merges the literal's static attributes only: its `rec` and its
                        // dynamic attributes are dropped.
                        let mut from = from;
                        for key in std::mem::take(&mut from.order) {
                            let def = from.attrs.remove(&key).expect("ordered keys are present");
                            if let Some(first) = into.attrs.get(&key) {
                                let first = first.range;
                                self.duplicate(&key, def.range, first);
                            } else {
                                into.insert(key, def);
                            }
                        }
                    }
                    _ => {
                        let first = existing.range;
                        self.duplicate(&path_text(path), range, first);
                    }
                },
                None => cur.insert(
                    name,
                    Def {
                        value,
                        range,
                        inherited: false,
                    },
                ),
            },
            None => cur.dynamic.push((dynamic_expr(last), value)),
        }
    }

    /// Checks the variables of a folded set: `env` is the scope around it.
    fn bind_model(&mut self, model: &AttrsModel, env: &Env<'_>) {
        if model.rec {
            let inner = Env::Attrs {
                attrs: &model.attrs,
                parent: env,
            };
            self.bind_defs(model, env, &inner);
        } else {
            self.bind_defs(model, env, env);
        }
    }

    /// `outer` is where inherited names are looked up, `inner` where values are bound.
    fn bind_defs(&mut self, model: &AttrsModel, outer: &Env<'_>, inner: &Env<'_>) {
        for name in &model.order {
            let def = &model.attrs[name];
            self.bind_value(&def.value, outer, inner);
        }
        for (key, value) in &model.dynamic {
            if let Some(key) = key {
                self.expr(key, inner);
            }
            self.bind_value(value, outer, inner);
        }
    }

    fn bind_value(&mut self, value: &DefValue, outer: &Env<'_>, inner: &Env<'_>) {
        match value {
            DefValue::Expr(e) => self.expr(e, inner),
            DefValue::Nested(m) => self.bind_model(m, inner),
            DefValue::Var(name, range) => self.var(name, *range, outer),
            DefValue::From(Some(e)) => self.expr(e, inner),
            DefValue::From(None) => {}
        }
    }

    fn var(&mut self, name: &str, range: TextRange, env: &Env<'_>) {
        if !env.resolves(name, self.is_global) {
            self.error(range, format!("undefined variable `{name}`"));
        }
    }

    fn let_in(&mut self, l: &ast::LetIn, env: &Env<'_>) {
        let model = self.model(l.bindings(), true);
        for (key, _) in &model.dynamic {
            let range = key.as_ref().map(|k| k.syntax().text_range());
            if let Some(range) = range {
                self.error(range, "dynamic attributes are not allowed in `let`".into());
            }
        }
        let inner = Env::Attrs {
            attrs: &model.attrs,
            parent: env,
        };
        self.bind_defs(&model, env, &inner);
        if let Some(body) = l.body() {
            self.expr(&body, &inner);
        }
    }

    fn expr(&mut self, e: &Expr, env: &Env<'_>) {
        match e {
            Expr::Var(v) => {
                if let Some(t) = v.token() {
                    self.var(t.text(), t.text_range(), env);
                }
            }
            Expr::Lambda(l) => self.lambda(l, env),
            Expr::AttrSet(set) => {
                let model = self.model(set.bindings(), set.is_rec());
                self.bind_model(&model, env);
            }
            Expr::LegacyLet(l) => {
                let model = self.model(l.bindings(), true);
                self.bind_model(&model, env);
            }
            Expr::LetIn(l) => self.let_in(l, env),
            Expr::With(w) => {
                if let Some(ns) = w.namespace() {
                    self.expr(&ns, env);
                }
                let inner = Env::With;
                if let Some(body) = w.body() {
                    self.expr(&body, &inner);
                }
            }
            _ => self.children(e.syntax(), env),
        }
    }

    /// Checks every expression below `node` in the same scope (dynamic attribute names and
    /// interpolations included).
    fn children(&mut self, node: &crate::SyntaxNode, env: &Env<'_>) {
        for child in node.children() {
            match Expr::cast(child.clone()) {
                Some(e) => self.expr(&e, env),
                None => self.children(&child, env),
            }
        }
    }

    fn lambda(&mut self, l: &ast::Lambda, env: &Env<'_>) {
        let mut names = Vec::new();
        let mut defaults = Vec::new();
        match l.param() {
            Some(Param::Ident(p)) => {
                if let Some(t) = p.token() {
                    names.push(t.text().to_string());
                }
            }
            Some(Param::Pattern(p)) => {
                if let Some(t) = p.pat_bind().and_then(|b| b.ident()) {
                    names.push(t.text().to_string());
                }
                for entry in p.entries() {
                    let Some(t) = entry.ident() else { continue };
                    let name = t.text().to_string();
                    if names.contains(&name) {
                        self.error(
                            t.text_range(),
                            format!("duplicate formal function argument `{name}`"),
                        );
                    } else {
                        names.push(name);
                    }
                    if let Some(d) = entry.default() {
                        defaults.push(d);
                    }
                }
            }
            None => {}
        }
        let inner = Env::Names { names, parent: env };
        for d in defaults {
            self.expr(&d, &inner);
        }
        if let Some(body) = l.body() {
            self.expr(&body, &inner);
        }
    }
}

fn dynamic_expr(attr: &Attr) -> Option<Expr> {
    match attr {
        Attr::Dynamic(d) => d.expr(),
        Attr::Str(s) => Some(Expr::Str(s.clone())),
        Attr::Name(_) => None,
    }
}
