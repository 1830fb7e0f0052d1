//! Differential tests against real Nix: random expressions full of operators are parsed by cairn
//! and by `nix-instantiate --parse`, and the trees must agree; random programs glued from pieces
//! of Nix must be accepted or rejected by both alike.
//!
//! Nix prints its AST with every operation parenthesised (and some desugared: `a - b` is
//! `(__sub a b)`), so a small printer here renders cairn's AST the same way for the subset of the
//! language the generator uses: variables, integers, every operator, application, selection with
//! `or`, `?`, lists and lambdas. The oracle must be installed (`nix-bin` on Debian; the test script
//! installs it).

use std::process::Command;

mod common;

use cairn_syntax::ast::{self, AstNode, Attr, BinOpKind, Expr, UnaryOpKind};

/// Nix's expression tree, as far as `--parse` shows it.
enum Nix {
    Atom(String),
    Call(Box<Nix>, Vec<Nix>),
    Not(Box<Nix>),
    Infix(&'static str, Box<Nix>, Box<Nix>),
    HasAttr(Box<Nix>, String),
    Select(Box<Nix>, String, Option<Box<Nix>>),
    List(Vec<Nix>),
    Lambda(String, Box<Nix>),
}

fn call(f: &str, args: Vec<Nix>) -> Nix {
    Nix::Call(Box::new(Nix::Atom(f.to_string())), args)
}

fn path(p: Option<ast::Attrpath>) -> String {
    p.expect("an attribute path")
        .attrs()
        .map(|a| match a {
            Attr::Name(n) => n.text().expect("a name"),
            other => panic!("unsupported attribute {other:?}"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn lower(e: Expr) -> Nix {
    let sub = |e: Option<Expr>| Box::new(lower(e.expect("an operand")));
    match e {
        Expr::Paren(p) => lower(p.expr().expect("an inner expression")),
        Expr::Var(v) => Nix::Atom(v.name().expect("a name")),
        Expr::Literal(l) => Nix::Atom(l.syntax().text().to_string()),
        Expr::Apply(a) => {
            let arg = lower(a.argument().expect("an argument"));
            match lower(a.lambda().expect("a function")) {
                // Nix adds arguments to a call it already has, even one it made from an operator.
                Nix::Call(f, mut args) => {
                    args.push(arg);
                    Nix::Call(f, args)
                }
                f => Nix::Call(Box::new(f), vec![arg]),
            }
        }
        Expr::UnaryOp(u) => match u.operator().expect("an operator") {
            UnaryOpKind::Invert => Nix::Not(sub(u.expr())),
            UnaryOpKind::Negate => call("__sub", vec![Nix::Atom("0".into()), *sub(u.expr())]),
        },
        Expr::BinOp(b) => {
            let (l, r) = (sub(b.lhs()), sub(b.rhs()));
            match b.operator().expect("an operator") {
                BinOpKind::Sub => call("__sub", vec![*l, *r]),
                BinOpKind::Mul => call("__mul", vec![*l, *r]),
                BinOpKind::Div => call("__div", vec![*l, *r]),
                BinOpKind::Less => call("__lessThan", vec![*l, *r]),
                BinOpKind::More => call("__lessThan", vec![*r, *l]),
                BinOpKind::LessOrEq => Nix::Not(Box::new(call("__lessThan", vec![*r, *l]))),
                BinOpKind::MoreOrEq => Nix::Not(Box::new(call("__lessThan", vec![*l, *r]))),
                BinOpKind::Add => Nix::Infix("+", l, r),
                BinOpKind::Concat => Nix::Infix("++", l, r),
                BinOpKind::Update => Nix::Infix("//", l, r),
                BinOpKind::Equal => Nix::Infix("==", l, r),
                BinOpKind::NotEqual => Nix::Infix("!=", l, r),
                BinOpKind::And => Nix::Infix("&&", l, r),
                BinOpKind::Or => Nix::Infix("||", l, r),
                BinOpKind::Implication => Nix::Infix("->", l, r),
                op => panic!("Nix 2.8 has no {op:?}"),
            }
        }
        Expr::HasAttr(h) => Nix::HasAttr(sub(h.expr()), path(h.attrpath())),
        Expr::Select(s) => Nix::Select(
            sub(s.expr()),
            path(s.attrpath()),
            s.default_expr().map(|d| Box::new(lower(d))),
        ),
        Expr::List(l) => Nix::List(l.items().map(lower).collect()),
        Expr::Lambda(l) => {
            let name = match l.param().expect("a parameter") {
                ast::Param::Ident(p) => p.token().expect("a name").text().to_string(),
                ast::Param::Pattern(_) => panic!("patterns are not generated"),
            };
            Nix::Lambda(name, sub(l.body()))
        }
        other => panic!("not generated: {other:?}"),
    }
}

fn show(n: &Nix, out: &mut String) {
    match n {
        Nix::Atom(s) => out.push_str(s),
        Nix::Call(f, args) => {
            out.push('(');
            show(f, out);
            for a in args {
                out.push(' ');
                show(a, out);
            }
            out.push(')');
        }
        Nix::Not(e) => {
            out.push_str("(! ");
            show(e, out);
            out.push(')');
        }
        Nix::Infix(op, l, r) => {
            out.push('(');
            show(l, out);
            out.push_str(&format!(" {op} "));
            show(r, out);
            out.push(')');
        }
        Nix::HasAttr(e, p) => {
            out.push_str("((");
            show(e, out);
            out.push_str(&format!(") ? {p})"));
        }
        Nix::Select(e, p, def) => {
            out.push('(');
            show(e, out);
            out.push_str(&format!(").{p}"));
            if let Some(d) = def {
                out.push_str(" or (");
                show(d, out);
                out.push(')');
            }
        }
        Nix::List(items) => {
            out.push_str("[ ");
            for i in items {
                out.push('(');
                show(i, out);
                out.push_str(") ");
            }
            out.push(']');
        }
        Nix::Lambda(arg, body) => {
            out.push_str(&format!("({arg}: "));
            show(body, out);
            out.push(')');
        }
    }
}

/// A small deterministic generator (xorshift), so a failure is reproducible from the seed.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[(self.next() % xs.len() as u64) as usize]
    }

    fn expr(&mut self, depth: u32) -> String {
        if depth == 0 || self.next().is_multiple_of(4) {
            return self.pick(&["a", "b", "c", "f", "1", "2"]).to_string();
        }
        let d = depth - 1;
        match self.next() % 10 {
            0..=3 => {
                let op = self.pick(&[
                    "+", "-", "*", "/", "++", "//", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
                    "->",
                ]);
                format!("{} {op} {}", self.expr(d), self.expr(d))
            }
            4 => format!("{}{}", self.pick(&["!", "-", "! ", "- "]), self.expr(d)),
            5 => format!("{} ? x.y", self.expr(d)),
            6 => format!(
                "{} {}",
                self.expr(d),
                self.pick(&["a", "b", "(c)", "[ f ]"])
            ),
            7 => format!("{}.x or {}", self.pick(&["a", "(b)", "f"]), self.expr(d)),
            8 => format!("({})", self.expr(d)),
            _ => format!("(v: {})", self.expr(d)),
        }
    }
}

fn nix_parse(src: &str) -> Option<String> {
    let out = Command::new("nix-instantiate")
        .args(["--parse", "-E", src])
        .env("NIX_REMOTE", "dummy://")
        .output()
        .expect("nix-instantiate runs (install Debian's nix-bin)");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_string())
}

fn cairn_show(src: &str) -> Option<String> {
    let parse = cairn_syntax::parse(src);
    if !parse.errors().is_empty() {
        return None;
    }
    let mut out = String::new();
    show(&lower(parse.tree().expr()?), &mut out);
    Some(out)
}

const PRELUDE: &str = "a: b: c: f: ";

#[test]
fn operator_precedence_matches_nix() {
    for seed in [
        0x5eed_cafe_f00d_d00d,
        0x0123_4567_89ab_cdef,
        0x9e37_79b9_7f4a_7c15,
    ] {
        compare_with_nix(seed);
    }
}

fn compare_with_nix(seed: u64) {
    let mut rng = Gen(seed);
    let mut accepted = Vec::new();
    let mut rejected = Vec::new();
    while accepted.len() < 400 {
        let e = rng.expr(4);
        if cairn_syntax::parse(&e).errors().is_empty() {
            accepted.push(e)
        } else {
            rejected.push(e)
        }
    }
    // One Nix process for all the expressions cairn accepts.
    let list = format!(
        "{PRELUDE}[ {} ]",
        accepted
            .iter()
            .map(|e| format!("({e})"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let ours = cairn_show(&list).expect("cairn parses the batch");
    let theirs = nix_parse(&list);
    if theirs.as_deref() != Some(ours.as_str()) {
        for e in &accepted {
            let src = format!("{PRELUDE}{e}");
            assert_eq!(
                cairn_show(&src),
                nix_parse(&src),
                "cairn and Nix disagree on `{e}`"
            );
        }
        panic!("the batch differs, but no single expression does");
    }
    // Whatever cairn rejects, Nix rejects too (pipes aside, which Nix 2.8 lacks).
    for e in &rejected {
        assert_eq!(
            nix_parse(&format!("{PRELUDE}{e}")),
            None,
            "Nix accepts `{e}`, which cairn rejects"
        );
    }
}

#[test]
fn verdicts_on_random_programs_match_nix() {
    let mut rng = Gen(0xdead_beef_1234_5678);
    for _ in 0..300 {
        let len = 1 + rng.next() % 5;
        let mut program = String::from("with {}; ");
        for _ in 0..len {
            program.push_str(rng.pick(common::FRAGMENTS));
            program.push_str(rng.pick(&["", " ", " "]));
        }
        let parse = cairn_syntax::parse(&program);
        let ours =
            parse.errors().is_empty() && cairn_syntax::check(&parse.tree(), &|_| false).is_empty();
        let theirs = nix_parse(&program).is_some();
        assert_eq!(
            ours,
            theirs,
            "cairn {} `{program}`, Nix does not",
            if ours { "accepts" } else { "rejects" }
        );
    }
}
