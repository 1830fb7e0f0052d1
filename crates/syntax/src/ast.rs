//! The typed AST: zero-cost views over `SyntaxNode`s of a known kind.
//!
//! Every accessor returns an `Option` (or an iterator), because the tree under a node may be
//! broken: the AST reflects what is there and never assumes the input was valid. String escapes
//! are interpreted here (`Str::parts`); numbers are left as text for the evaluator, which owns
//! their overflow rules.

use crate::{NixLanguage, SyntaxElement, SyntaxKind, SyntaxKind::*, SyntaxNode, SyntaxToken};

/// A typed view of a node.
pub trait AstNode: Sized {
    fn can_cast(kind: SyntaxKind) -> bool;
    fn cast(node: SyntaxNode) -> Option<Self>;
    fn syntax(&self) -> &SyntaxNode;
}

macro_rules! node {
    ($(#[$doc:meta])* $name:ident = $kind:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(SyntaxNode);

        impl AstNode for $name {
            fn can_cast(kind: SyntaxKind) -> bool {
                kind == $kind
            }
            fn cast(node: SyntaxNode) -> Option<Self> {
                Self::can_cast(node.kind()).then(|| Self(node))
            }
            fn syntax(&self) -> &SyntaxNode {
                &self.0
            }
        }
    };
}

fn child<N: AstNode>(node: &SyntaxNode) -> Option<N> {
    node.children().find_map(N::cast)
}

fn children<N: AstNode>(node: &SyntaxNode) -> impl Iterator<Item = N> + use<N> {
    node.children().filter_map(N::cast)
}

fn token(node: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxToken> {
    node.children_with_tokens()
        .filter_map(SyntaxElement::into_token)
        .find(|t| t.kind() == kind)
}

fn nth_expr(node: &SyntaxNode, n: usize) -> Option<Expr> {
    node.children().filter_map(Expr::cast).nth(n)
}

/// The first significant token directly under `node`.
fn first_significant_token(node: &SyntaxNode) -> Option<SyntaxToken> {
    node.children_with_tokens()
        .filter_map(SyntaxElement::into_token)
        .find(|t| !t.kind().is_trivia())
}

node!(
    /// The whole file.
    Root = ROOT
);
impl Root {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.0)
    }
}

/// Any expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    Apply(Apply),
    Assert(Assert),
    AttrSet(AttrSet),
    BinOp(BinOp),
    Error(Error),
    HasAttr(HasAttr),
    IfElse(IfElse),
    Lambda(Lambda),
    LegacyLet(LegacyLet),
    LetIn(LetIn),
    List(List),
    Literal(Literal),
    Paren(Paren),
    Path(PathExpr),
    Select(Select),
    Str(Str),
    UnaryOp(UnaryOp),
    Var(Var),
    With(With),
}

impl AstNode for Expr {
    fn can_cast(kind: SyntaxKind) -> bool {
        matches!(
            kind,
            APPLY
                | ASSERT
                | ATTR_SET
                | BIN_OP
                | ERROR
                | HAS_ATTR
                | IF_ELSE
                | LAMBDA
                | LEGACY_LET
                | LET_IN
                | LIST
                | LITERAL
                | PAREN
                | PATH_EXPR
                | SELECT
                | STRING
                | UNARY_OP
                | VAR
                | WITH
        )
    }
    fn cast(node: SyntaxNode) -> Option<Self> {
        Some(match node.kind() {
            APPLY => Expr::Apply(Apply(node)),
            ASSERT => Expr::Assert(Assert(node)),
            ATTR_SET => Expr::AttrSet(AttrSet(node)),
            BIN_OP => Expr::BinOp(BinOp(node)),
            ERROR => Expr::Error(Error(node)),
            HAS_ATTR => Expr::HasAttr(HasAttr(node)),
            IF_ELSE => Expr::IfElse(IfElse(node)),
            LAMBDA => Expr::Lambda(Lambda(node)),
            LEGACY_LET => Expr::LegacyLet(LegacyLet(node)),
            LET_IN => Expr::LetIn(LetIn(node)),
            LIST => Expr::List(List(node)),
            LITERAL => Expr::Literal(Literal(node)),
            PAREN => Expr::Paren(Paren(node)),
            PATH_EXPR => Expr::Path(PathExpr(node)),
            SELECT => Expr::Select(Select(node)),
            STRING => Expr::Str(Str(node)),
            UNARY_OP => Expr::UnaryOp(UnaryOp(node)),
            VAR => Expr::Var(Var(node)),
            WITH => Expr::With(With(node)),
            _ => return None,
        })
    }
    fn syntax(&self) -> &SyntaxNode {
        match self {
            Expr::Apply(n) => n.syntax(),
            Expr::Assert(n) => n.syntax(),
            Expr::AttrSet(n) => n.syntax(),
            Expr::BinOp(n) => n.syntax(),
            Expr::Error(n) => n.syntax(),
            Expr::HasAttr(n) => n.syntax(),
            Expr::IfElse(n) => n.syntax(),
            Expr::Lambda(n) => n.syntax(),
            Expr::LegacyLet(n) => n.syntax(),
            Expr::LetIn(n) => n.syntax(),
            Expr::List(n) => n.syntax(),
            Expr::Literal(n) => n.syntax(),
            Expr::Paren(n) => n.syntax(),
            Expr::Path(n) => n.syntax(),
            Expr::Select(n) => n.syntax(),
            Expr::Str(n) => n.syntax(),
            Expr::UnaryOp(n) => n.syntax(),
            Expr::Var(n) => n.syntax(),
            Expr::With(n) => n.syntax(),
        }
    }
}

node!(
    /// Input the parser could not place.
    Error = ERROR
);

node!(
    /// `f x`
    Apply = APPLY
);
impl Apply {
    pub fn lambda(&self) -> Option<Expr> {
        nth_expr(&self.0, 0)
    }
    pub fn argument(&self) -> Option<Expr> {
        nth_expr(&self.0, 1)
    }
}

node!(
    /// `assert cond; body`
    Assert = ASSERT
);
impl Assert {
    pub fn condition(&self) -> Option<Expr> {
        nth_expr(&self.0, 0)
    }
    pub fn body(&self) -> Option<Expr> {
        nth_expr(&self.0, 1)
    }
}

node!(
    /// `with env; body`
    With = WITH
);
impl With {
    pub fn namespace(&self) -> Option<Expr> {
        nth_expr(&self.0, 0)
    }
    pub fn body(&self) -> Option<Expr> {
        nth_expr(&self.0, 1)
    }
}

node!(
    /// `if c then a else b`
    IfElse = IF_ELSE
);
impl IfElse {
    pub fn condition(&self) -> Option<Expr> {
        nth_expr(&self.0, 0)
    }
    pub fn body(&self) -> Option<Expr> {
        nth_expr(&self.0, 1)
    }
    pub fn else_body(&self) -> Option<Expr> {
        nth_expr(&self.0, 2)
    }
}

/// A binding in an attribute set or `let`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Binding {
    /// `a.b = value;`
    Value(AttrpathValue),
    /// `inherit a;` or `inherit (e) a;`
    Inherit(Inherit),
}

impl AstNode for Binding {
    fn can_cast(kind: SyntaxKind) -> bool {
        matches!(kind, BINDING | INHERIT)
    }
    fn cast(node: SyntaxNode) -> Option<Self> {
        match node.kind() {
            BINDING => Some(Binding::Value(AttrpathValue(node))),
            INHERIT => Some(Binding::Inherit(Inherit(node))),
            _ => None,
        }
    }
    fn syntax(&self) -> &SyntaxNode {
        match self {
            Binding::Value(n) => n.syntax(),
            Binding::Inherit(n) => n.syntax(),
        }
    }
}

/// Nodes that hold bindings: attribute sets, `let ... in`, `let { }`.
pub trait HasBindings: AstNode {
    fn bindings(&self) -> impl Iterator<Item = Binding> {
        children(self.syntax())
    }
}

node!(
    /// `{ ... }` or `rec { ... }`
    AttrSet = ATTR_SET
);
impl HasBindings for AttrSet {}
impl AttrSet {
    pub fn rec_token(&self) -> Option<SyntaxToken> {
        token(&self.0, REC_KW)
    }
    pub fn is_rec(&self) -> bool {
        self.rec_token().is_some()
    }
}

node!(
    /// `let a = 1; in body`
    LetIn = LET_IN
);
impl HasBindings for LetIn {}
impl LetIn {
    pub fn body(&self) -> Option<Expr> {
        child(&self.0)
    }
}

node!(
    /// `let { a = 1; body = a; }`
    LegacyLet = LEGACY_LET
);
impl HasBindings for LegacyLet {}

node!(
    /// `a.b.c = value;`
    AttrpathValue = BINDING
);
impl AttrpathValue {
    pub fn attrpath(&self) -> Option<Attrpath> {
        child(&self.0)
    }
    pub fn value(&self) -> Option<Expr> {
        child(&self.0)
    }
}

node!(
    /// `inherit a b;` or `inherit (from) a b;`
    Inherit = INHERIT
);
impl Inherit {
    pub fn from(&self) -> Option<InheritFrom> {
        child(&self.0)
    }
    pub fn attrs(&self) -> impl Iterator<Item = Attr> + use<> {
        children(&self.0)
    }
}

node!(
    /// `(e)` in `inherit (e) a;`
    InheritFrom = INHERIT_FROM
);
impl InheritFrom {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.0)
    }
}

node!(
    /// `a.b."c".${d}`
    Attrpath = ATTRPATH
);
impl Attrpath {
    pub fn attrs(&self) -> impl Iterator<Item = Attr> + use<> {
        children(&self.0)
    }
}

/// One attribute name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Attr {
    /// `a`, or the keyword `or` used as a name
    Name(Name),
    /// `"a b"`
    Str(Str),
    /// `${e}`
    Dynamic(Dynamic),
}

impl AstNode for Attr {
    fn can_cast(kind: SyntaxKind) -> bool {
        matches!(kind, NAME | STRING | DYNAMIC)
    }
    fn cast(node: SyntaxNode) -> Option<Self> {
        match node.kind() {
            NAME => Some(Attr::Name(Name(node))),
            STRING => Some(Attr::Str(Str(node))),
            DYNAMIC => Some(Attr::Dynamic(Dynamic(node))),
            _ => None,
        }
    }
    fn syntax(&self) -> &SyntaxNode {
        match self {
            Attr::Name(n) => n.syntax(),
            Attr::Str(n) => n.syntax(),
            Attr::Dynamic(n) => n.syntax(),
        }
    }
}

impl Attr {
    /// The name, when it is known without evaluation: an identifier or a string without
    /// interpolation.
    pub fn static_name(&self) -> Option<String> {
        match self {
            Attr::Name(n) => n.text(),
            Attr::Str(s) => s.static_value(),
            Attr::Dynamic(d) => match d.expr()? {
                // `${"a"}` is as static as `a`.
                Expr::Str(s) => s.static_value(),
                _ => None,
            },
        }
    }
}

node!(
    /// A name that introduces or selects something.
    Name = NAME
);
impl Name {
    pub fn token(&self) -> Option<SyntaxToken> {
        first_significant_token(&self.0)
    }
    pub fn text(&self) -> Option<String> {
        self.token().map(|t| t.text().to_string())
    }
}

node!(
    /// `${e}` as an attribute name.
    Dynamic = DYNAMIC
);
impl Dynamic {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.0)
    }
}

node!(
    /// `${e}` inside a string or a path.
    Interpol = INTERPOL
);
impl Interpol {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.0)
    }
}

node!(
    /// A binary operation.
    BinOp = BIN_OP
);

/// The operator of a `BinOp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOpKind {
    Concat,
    Update,
    Add,
    Sub,
    Mul,
    Div,
    And,
    Equal,
    Implication,
    Less,
    LessOrEq,
    More,
    MoreOrEq,
    NotEqual,
    Or,
    PipeInto,
    PipeFrom,
}

impl BinOp {
    pub fn lhs(&self) -> Option<Expr> {
        nth_expr(&self.0, 0)
    }
    pub fn rhs(&self) -> Option<Expr> {
        nth_expr(&self.0, 1)
    }
    pub fn operator_token(&self) -> Option<SyntaxToken> {
        first_significant_token(&self.0)
    }
    pub fn operator(&self) -> Option<BinOpKind> {
        Some(match self.operator_token()?.kind() {
            CONCAT => BinOpKind::Concat,
            UPDATE => BinOpKind::Update,
            PLUS => BinOpKind::Add,
            MINUS => BinOpKind::Sub,
            STAR => BinOpKind::Mul,
            SLASH => BinOpKind::Div,
            AND_AND => BinOpKind::And,
            EQ => BinOpKind::Equal,
            IMPLICATION => BinOpKind::Implication,
            LESS => BinOpKind::Less,
            LESS_EQ => BinOpKind::LessOrEq,
            MORE => BinOpKind::More,
            MORE_EQ => BinOpKind::MoreOrEq,
            NOT_EQ => BinOpKind::NotEqual,
            OR_OR => BinOpKind::Or,
            PIPE_INTO => BinOpKind::PipeInto,
            PIPE_FROM => BinOpKind::PipeFrom,
            _ => return None,
        })
    }
}

node!(
    /// `!e` or `-e`
    UnaryOp = UNARY_OP
);

/// The operator of a `UnaryOp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOpKind {
    Invert,
    Negate,
}

impl UnaryOp {
    pub fn operator(&self) -> Option<UnaryOpKind> {
        match first_significant_token(&self.0)?.kind() {
            BANG => Some(UnaryOpKind::Invert),
            MINUS => Some(UnaryOpKind::Negate),
            _ => None,
        }
    }
    pub fn expr(&self) -> Option<Expr> {
        child(&self.0)
    }
}

node!(
    /// `e ? a.b`
    HasAttr = HAS_ATTR
);
impl HasAttr {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.0)
    }
    pub fn attrpath(&self) -> Option<Attrpath> {
        child(&self.0)
    }
}

node!(
    /// `e.a.b` or `e.a.b or default`
    Select = SELECT
);
impl Select {
    pub fn expr(&self) -> Option<Expr> {
        nth_expr(&self.0, 0)
    }
    pub fn attrpath(&self) -> Option<Attrpath> {
        child(&self.0)
    }
    pub fn default_expr(&self) -> Option<Expr> {
        nth_expr(&self.0, 1)
    }
}

node!(
    /// `[ a b c ]`
    List = LIST
);
impl List {
    pub fn items(&self) -> impl Iterator<Item = Expr> + use<> {
        children(&self.0)
    }
}

node!(
    /// `(e)`
    Paren = PAREN
);
impl Paren {
    pub fn expr(&self) -> Option<Expr> {
        child(&self.0)
    }
}

node!(
    /// A variable reference.
    Var = VAR
);
impl Var {
    pub fn token(&self) -> Option<SyntaxToken> {
        first_significant_token(&self.0)
    }
    pub fn name(&self) -> Option<String> {
        self.token().map(|t| t.text().to_string())
    }
}

node!(
    /// An integer, a float or a URI.
    Literal = LITERAL
);

/// What a `Literal` holds, as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LiteralKind {
    Int(SyntaxToken),
    Float(SyntaxToken),
    Uri(SyntaxToken),
}

impl Literal {
    pub fn kind(&self) -> Option<LiteralKind> {
        let t = first_significant_token(&self.0)?;
        match t.kind() {
            INT => Some(LiteralKind::Int(t)),
            FLOAT => Some(LiteralKind::Float(t)),
            URI => Some(LiteralKind::Uri(t)),
            _ => None,
        }
    }
}

node!(
    /// A path: `./a`, `/a`, `~/a`, `<nixpkgs>`, or with interpolation, `./a/${b}`.
    PathExpr = PATH_EXPR
);

/// A piece of an interpolated path or string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Part {
    /// Literal text, escapes already interpreted.
    Literal(String),
    Interpolation(Interpol),
}

impl PathExpr {
    /// `<name>` paths are looked up in the search path; the text without the brackets.
    pub fn search_path(&self) -> Option<String> {
        let t = first_significant_token(&self.0)?;
        (t.kind() == SEARCH_PATH).then(|| t.text()[1..t.text().len() - 1].to_string())
    }

    /// The pieces of the path, in order.
    pub fn parts(&self) -> Vec<Part> {
        self.0
            .children_with_tokens()
            .filter_map(|e| match e {
                rowan::NodeOrToken::Token(t)
                    if matches!(t.kind(), PATH | PATH_START | PATH_FRAGMENT) =>
                {
                    Some(Part::Literal(t.text().to_string()))
                }
                rowan::NodeOrToken::Node(n) => Interpol::cast(n).map(Part::Interpolation),
                _ => None,
            })
            .collect()
    }
}

node!(
    /// `"..."` or `''...''`
    Str = STRING
);
impl Str {
    /// Whether this is an indented string (`''...''`).
    pub fn is_indented(&self) -> bool {
        first_significant_token(&self.0).is_some_and(|t| t.kind() == IND_STRING_START)
    }

    /// The pieces as written, escapes interpreted, before any indentation stripping.
    pub fn parts(&self) -> Vec<Part> {
        let indented = self.is_indented();
        self.0
            .children_with_tokens()
            .filter_map(|e| match e {
                rowan::NodeOrToken::Token(t) if t.kind() == STRING_CONTENT => {
                    Some(Part::Literal(if indented {
                        unescape_indented(t.text())
                    } else {
                        unescape(t.text())
                    }))
                }
                rowan::NodeOrToken::Node(n) => Interpol::cast(n).map(Part::Interpolation),
                _ => None,
            })
            .collect()
    }

    /// The value of a plain string without interpolation, as Nix reads it.
    pub fn static_value(&self) -> Option<String> {
        if self.is_indented() {
            return None;
        }
        let mut value = String::new();
        for part in self.parts() {
            match part {
                Part::Literal(s) => value.push_str(&s),
                Part::Interpolation(_) => return None,
            }
        }
        Some(value)
    }
}

/// Interprets the escapes of a `"..."` string piece: `\n`, `\r`, `\t`, and `\x` for any other `x`.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Interprets the escapes of a `''...''` string piece: `''$` is `$`, `'''` is `''`, and `''\x`
/// is `x` read as in a `"..."` string.
pub fn unescape_indented(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("''") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let mut chars = after.chars();
        match chars.next() {
            Some('$') => out.push('$'),
            Some('\'') => out.push_str("''"),
            Some('\\') => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            },
            Some(other) => {
                out.push_str("''");
                out.push(other);
            }
            None => out.push_str("''"),
        }
        rest = chars.as_str();
    }
    out.push_str(rest);
    out
}

node!(
    /// `x: body` or `{ a, b }: body`
    Lambda = LAMBDA
);

/// What a lambda takes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Param {
    /// `x:`
    Ident(ParamIdent),
    /// `{ a, b ? 1, ... } @ args:`
    Pattern(Pattern),
}

impl Lambda {
    pub fn param(&self) -> Option<Param> {
        self.0.children().find_map(|n| match n.kind() {
            PARAM => Some(Param::Ident(ParamIdent(n))),
            PATTERN => Some(Param::Pattern(Pattern(n))),
            _ => None,
        })
    }
    pub fn body(&self) -> Option<Expr> {
        child(&self.0)
    }
}

node!(
    /// The `x` of `x: body`.
    ParamIdent = PARAM
);
impl ParamIdent {
    pub fn token(&self) -> Option<SyntaxToken> {
        first_significant_token(&self.0)
    }
}

node!(
    /// `{ a, b ? 1, ... }`, with its `@` binding if any.
    Pattern = PATTERN
);
impl Pattern {
    pub fn entries(&self) -> impl Iterator<Item = PatEntry> + use<> {
        children(&self.0)
    }
    pub fn ellipsis_token(&self) -> Option<SyntaxToken> {
        token(&self.0, ELLIPSIS)
    }
    pub fn pat_bind(&self) -> Option<PatBind> {
        child(&self.0)
    }
}

node!(
    /// `a` or `b ? default` in a pattern.
    PatEntry = PAT_ENTRY
);
impl PatEntry {
    pub fn ident(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
    pub fn default(&self) -> Option<Expr> {
        child(&self.0)
    }
}

node!(
    /// `args @` or `@ args`.
    PatBind = PAT_BIND
);
impl PatBind {
    pub fn ident(&self) -> Option<SyntaxToken> {
        token(&self.0, IDENT)
    }
}

/// The rowan language this AST is for.
pub type Language = NixLanguage;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_interpreted_as_nix_does() {
        assert_eq!(unescape(r"a\nb\t\$\{\q\\"), "a\nb\t${q\\");
        assert_eq!(unescape_indented("a''$b'''c''\\nd''\\e"), "a$b''c\nde");
    }
}
