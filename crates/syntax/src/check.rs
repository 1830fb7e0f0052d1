//! The static checks Nix makes when it parses a file, beyond the grammar: duplicate attributes
//! (with Nix's rules for merging `a.b = ...; a = { ... };`), duplicate formal arguments,
//! dynamic attributes where they are not allowed, and variables bound nowhere (unless a `with`
//! is in scope, which makes every name dynamic).
//!
//! Attribute paths are folded into nested sets exactly as Nix's parser does, because that
//! folding decides both which definitions clash and which scope a value sees (a `rec` set merged
//! into an earlier `a.b = ...` loses its `rec`). Names of the global scope are supplied by the
//! caller, since they belong to the evaluator. Nothing is evaluated here.
//!
//! The walk reads the green tree directly (`View`), borrowing names from its tokens: it visits
//! every node of a file once, and red nodes would cost an allocation each. Its reading of the
//! tree must agree with the typed AST's in `ast.rs`.

use std::borrow::Cow;

use rowan::{GreenNodeData, GreenTokenData, NodeOrToken, TextRange, TextSize};
use rustc_hash::FxHashMap as HashMap;

use crate::SyntaxKind::{self, *};
use crate::ast::{self, AstNode, unescape};
use crate::error::{SyntaxError, SyntaxErrorCode};

/// Runs every static check over `root` and returns the problems, in source order.
/// `is_global` says whether a name is bound in the global scope (`builtins`, `map`, `true`...).
pub fn check(root: &ast::Root, is_global: &dyn Fn(&str) -> bool) -> Vec<SyntaxError> {
    let node = root.syntax();
    let green = node.green();
    let view = View {
        green: &green,
        offset: node.text_range().start(),
    };
    let mut checker = Checker {
        errors: Vec::new(),
        is_global,
    };
    if let Some(e) = view.exprs().next() {
        checker.expr(e, &Env::Global);
    }
    let mut errors = checker.errors;
    errors.sort_by_key(|e| (e.range.start(), e.range.end()));
    errors.dedup();
    errors
}

/// A node of the green tree and where it starts.
#[derive(Clone, Copy)]
struct View<'a> {
    green: &'a GreenNodeData,
    offset: TextSize,
}

/// A token of the green tree and where it starts.
#[derive(Clone, Copy)]
struct TokenView<'a> {
    green: &'a GreenTokenData,
    offset: TextSize,
}

impl<'a> TokenView<'a> {
    fn kind(self) -> SyntaxKind {
        SyntaxKind::from_raw(self.green.kind().0)
    }
    fn text(self) -> &'a str {
        self.green.text()
    }
    fn range(self) -> TextRange {
        TextRange::at(self.offset, self.green.text_len())
    }
}

impl<'a> View<'a> {
    fn kind(self) -> SyntaxKind {
        SyntaxKind::from_raw(self.green.kind().0)
    }

    fn range(self) -> TextRange {
        TextRange::at(self.offset, self.green.text_len())
    }

    fn elements(self) -> impl Iterator<Item = NodeOrToken<View<'a>, TokenView<'a>>> {
        let mut offset = self.offset;
        self.green.children().map(move |child| {
            let start = offset;
            offset += child.text_len();
            match child {
                NodeOrToken::Node(green) => NodeOrToken::Node(View {
                    green,
                    offset: start,
                }),
                NodeOrToken::Token(green) => NodeOrToken::Token(TokenView {
                    green,
                    offset: start,
                }),
            }
        })
    }

    fn nodes(self) -> impl Iterator<Item = View<'a>> {
        self.elements().filter_map(NodeOrToken::into_node)
    }

    fn tokens(self) -> impl Iterator<Item = TokenView<'a>> {
        self.elements().filter_map(NodeOrToken::into_token)
    }

    /// Child nodes that are expressions, as `ast::Expr` would cast them.
    fn exprs(self) -> impl Iterator<Item = View<'a>> {
        self.nodes().filter(|n| ast::Expr::can_cast(n.kind()))
    }

    fn child(self, kind: SyntaxKind) -> Option<View<'a>> {
        self.nodes().find(|n| n.kind() == kind)
    }

    fn token(self, kind: SyntaxKind) -> Option<TokenView<'a>> {
        self.tokens().find(|t| t.kind() == kind)
    }

    fn first_significant_token(self) -> Option<TokenView<'a>> {
        self.tokens().find(|t| !t.kind().is_trivia())
    }

    /// The attribute names of an `ATTRPATH` or an `INHERIT`.
    fn attrs(self) -> impl Iterator<Item = View<'a>> {
        self.nodes()
            .filter(|n| matches!(n.kind(), NAME | STRING | DYNAMIC))
    }

    /// The expression under any number of parentheses, which Nix's parser drops.
    fn strip_parens(mut self) -> View<'a> {
        while self.kind() == PAREN {
            match self.exprs().next() {
                Some(inner) => self = inner,
                None => break,
            }
        }
        self
    }

    /// The value of a plain `"..."` string without interpolation, as `ast::Str::static_value`.
    fn static_string(self) -> Option<Cow<'a, str>> {
        let mut value: Option<Cow<'a, str>> = None;
        for element in self.elements() {
            match element {
                NodeOrToken::Node(n) if n.kind() == INTERPOL => return None,
                NodeOrToken::Node(_) => {}
                NodeOrToken::Token(t) => match t.kind() {
                    IND_STRING_START => return None,
                    STRING_CONTENT => {
                        let piece = if t.text().contains('\\') {
                            Cow::Owned(unescape(t.text()))
                        } else {
                            Cow::Borrowed(t.text())
                        };
                        value = Some(match value {
                            None => piece,
                            Some(v) => Cow::Owned(v.into_owned() + &piece),
                        });
                    }
                    _ => {}
                },
            }
        }
        Some(value.unwrap_or(Cow::Borrowed("")))
    }

    /// The name of an attribute when it is known without evaluation, as `ast::Attr::static_name`.
    fn static_name(self) -> Option<Cow<'a, str>> {
        match self.kind() {
            NAME => self
                .first_significant_token()
                .map(|t| Cow::Borrowed(t.text())),
            STRING => self.static_string(),
            DYNAMIC => match self.exprs().next() {
                Some(inner) if inner.kind() == STRING => inner.static_string(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The key expression of a dynamic attribute.
    fn dynamic_key(self) -> Option<View<'a>> {
        match self.kind() {
            DYNAMIC => self.exprs().next(),
            STRING => Some(self),
            _ => None,
        }
    }
}

/// A scope: the names it binds, or a `with`, which makes all names dynamic.
enum Env<'p, 'a> {
    Global,
    /// Lambda arguments: few, so a list.
    Names {
        names: Vec<&'a str>,
        parent: &'p Env<'p, 'a>,
    },
    /// The attributes of a `let` or `rec` set.
    Attrs {
        attrs: &'p HashMap<Cow<'a, str>, Def<'a>>,
        parent: &'p Env<'p, 'a>,
    },
    With,
}

impl Env<'_, '_> {
    fn resolves(&self, name: &str, is_global: &dyn Fn(&str) -> bool) -> bool {
        let mut env = self;
        loop {
            match env {
                Env::Global => return is_global(name),
                Env::Names { names, parent } => {
                    if names.contains(&name) {
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
struct AttrsModel<'a> {
    rec: bool,
    order: Vec<Cow<'a, str>>,
    attrs: HashMap<Cow<'a, str>, Def<'a>>,
    dynamic: Vec<(Option<View<'a>>, DefValue<'a>)>,
}

struct Def<'a> {
    value: DefValue<'a>,
    range: TextRange,
    /// `inherit x;`: looked up in the enclosing scope, never merged into.
    inherited: bool,
}

enum DefValue<'a> {
    Expr(View<'a>),
    Nested(AttrsModel<'a>),
    /// `inherit x;` of a variable.
    Var(Cow<'a, str>, TextRange),
    /// `inherit (e) x;`: bound where ordinary values are.
    From(Option<View<'a>>),
}

impl<'a> AttrsModel<'a> {
    fn insert(&mut self, name: Cow<'a, str>, def: Def<'a>) {
        self.order.push(name.clone());
        self.attrs.insert(name, def);
    }
}

struct Checker<'g> {
    errors: Vec<SyntaxError>,
    is_global: &'g dyn Fn(&str) -> bool,
}

fn path_text(attrs: &[View<'_>]) -> String {
    attrs
        .iter()
        .map(|a| a.static_name().unwrap_or(Cow::Borrowed("\"${...}\"")))
        .collect::<Vec<_>>()
        .join(".")
}

impl<'a> Checker<'_> {
    fn error(&mut self, code: SyntaxErrorCode, range: TextRange, message: String) {
        self.errors.push(SyntaxError {
            code,
            range,
            message,
            related: None,
        });
    }

    fn duplicate(&mut self, name: &str, range: TextRange, first: TextRange) {
        self.errors.push(SyntaxError {
            code: SyntaxErrorCode::DuplicateAttribute,
            range,
            message: format!("attribute `{name}` is already defined"),
            related: Some((first, "first defined here".to_string())),
        });
    }

    /// Folds the bindings of a set or `let` into a model, reporting duplicates.
    fn model(&mut self, holder: View<'a>, rec: bool) -> AttrsModel<'a> {
        let mut model = AttrsModel {
            rec,
            ..AttrsModel::default()
        };
        for binding in holder.nodes() {
            match binding.kind() {
                BINDING => {
                    let Some(path) = binding.child(ATTRPATH) else {
                        continue;
                    };
                    let attrs: Vec<View<'a>> = path.attrs().collect();
                    if attrs.is_empty() {
                        continue;
                    }
                    self.add_attr(&mut model, &attrs, path.range(), binding.exprs().next());
                }
                INHERIT => {
                    let from = binding.child(INHERIT_FROM);
                    for attr in binding.attrs() {
                        let range = attr.range();
                        let Some(name) = attr.static_name() else {
                            self.error(
                                SyntaxErrorCode::DynamicAttribute,
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
                        let (value, inherited) = match from {
                            Some(f) => (DefValue::From(f.exprs().next()), false),
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
                _ => {}
            }
        }
        model
    }

    fn value_of(&mut self, e: Option<View<'a>>) -> DefValue<'a> {
        match e.map(View::strip_parens) {
            Some(set) if set.kind() == ATTR_SET => {
                DefValue::Nested(self.model(set, set.token(REC_KW).is_some()))
            }
            Some(e) => DefValue::Expr(e),
            None => DefValue::From(None),
        }
    }

    fn add_attr(
        &mut self,
        model: &mut AttrsModel<'a>,
        path: &[View<'a>],
        range: TextRange,
        value: Option<View<'a>>,
    ) {
        let (last, init) = path.split_last().expect("attribute paths are not empty");
        let mut cur = model;
        for attr in init {
            match attr.static_name() {
                Some(name) => {
                    if !cur.attrs.contains_key(&name) {
                        let nested = Def {
                            value: DefValue::Nested(AttrsModel::default()),
                            range,
                            inherited: false,
                        };
                        cur.insert(name.clone(), nested);
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
                    cur.dynamic
                        .push((attr.dynamic_key(), DefValue::Nested(AttrsModel::default())));
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
                    (DefValue::Nested(into), DefValue::Nested(mut from)) if !existing.inherited => {
                        // Nix merges the literal's static attributes only: its `rec` and its
                        // dynamic attributes are dropped.
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
            None => cur.dynamic.push((last.dynamic_key(), value)),
        }
    }

    /// Checks the variables of a folded set: `env` is the scope around it.
    fn bind_model(&mut self, model: &AttrsModel<'a>, env: &Env<'_, 'a>) {
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
    fn bind_defs(&mut self, model: &AttrsModel<'a>, outer: &Env<'_, 'a>, inner: &Env<'_, 'a>) {
        for name in &model.order {
            let def = &model.attrs[name];
            self.bind_value(&def.value, outer, inner);
        }
        for (key, value) in &model.dynamic {
            if let Some(key) = key {
                self.expr(*key, inner);
            }
            self.bind_value(value, outer, inner);
        }
    }

    fn bind_value(&mut self, value: &DefValue<'a>, outer: &Env<'_, 'a>, inner: &Env<'_, 'a>) {
        match value {
            DefValue::Expr(e) => self.expr(*e, inner),
            DefValue::Nested(m) => self.bind_model(m, inner),
            DefValue::Var(name, range) => self.var(name, *range, outer),
            DefValue::From(Some(e)) => self.expr(*e, inner),
            DefValue::From(None) => {}
        }
    }

    fn var(&mut self, name: &str, range: TextRange, env: &Env<'_, 'a>) {
        if !env.resolves(name, self.is_global) {
            self.error(
                SyntaxErrorCode::UndefinedVariable,
                range,
                format!("undefined variable `{name}`"),
            );
        }
    }

    fn let_in(&mut self, l: View<'a>, env: &Env<'_, 'a>) {
        let model = self.model(l, true);
        for (key, _) in &model.dynamic {
            if let Some(key) = key {
                self.error(
                    SyntaxErrorCode::DynamicAttribute,
                    key.range(),
                    "dynamic attributes are not allowed in `let`".into(),
                );
            }
        }
        let inner = Env::Attrs {
            attrs: &model.attrs,
            parent: env,
        };
        self.bind_defs(&model, env, &inner);
        if let Some(body) = l.exprs().next() {
            self.expr(body, &inner);
        }
    }

    fn expr(&mut self, e: View<'a>, env: &Env<'_, 'a>) {
        match e.kind() {
            VAR => {
                if let Some(t) = e.first_significant_token() {
                    self.var(t.text(), t.range(), env);
                }
            }
            LAMBDA => self.lambda(e, env),
            ATTR_SET => {
                let model = self.model(e, e.token(REC_KW).is_some());
                self.bind_model(&model, env);
            }
            LEGACY_LET => {
                let model = self.model(e, true);
                self.bind_model(&model, env);
            }
            LET_IN => self.let_in(e, env),
            WITH => {
                let mut parts = e.exprs();
                if let Some(ns) = parts.next() {
                    self.expr(ns, env);
                }
                if let Some(body) = parts.next() {
                    self.expr(body, &Env::With);
                }
            }
            _ => self.children(e, env),
        }
    }

    /// Checks every expression below `node` in the same scope (dynamic attribute names and
    /// interpolations included).
    fn children(&mut self, node: View<'a>, env: &Env<'_, 'a>) {
        for child in node.nodes() {
            if ast::Expr::can_cast(child.kind()) {
                self.expr(child, env);
            } else {
                self.children(child, env);
            }
        }
    }

    fn lambda(&mut self, l: View<'a>, env: &Env<'_, 'a>) {
        let mut names: Vec<&'a str> = Vec::new();
        let mut defaults = Vec::new();
        if let Some(p) = l.child(PARAM)
            && let Some(t) = p.token(IDENT)
        {
            names.push(t.text());
        }
        if let Some(p) = l.child(PATTERN) {
            if let Some(t) = p.child(PAT_BIND).and_then(|b| b.token(IDENT)) {
                names.push(t.text());
            }
            for entry in p.nodes().filter(|n| n.kind() == PAT_ENTRY) {
                let Some(t) = entry.token(IDENT) else {
                    continue;
                };
                if names.contains(&t.text()) {
                    self.error(
                        SyntaxErrorCode::DuplicateFormal,
                        t.range(),
                        format!("duplicate formal function argument `{}`", t.text()),
                    );
                } else {
                    names.push(t.text());
                }
                if let Some(d) = entry.exprs().next() {
                    defaults.push(d);
                }
            }
        }
        let inner = Env::Names { names, parent: env };
        for d in defaults {
            self.expr(d, &inner);
        }
        if let Some(body) = l.exprs().next() {
            self.expr(body, &inner);
        }
    }
}
