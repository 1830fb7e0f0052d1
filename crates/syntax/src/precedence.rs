//! Operator precedence: turns a flat run of operands and operators into a tree, as bison's
//! %prec declarations do in Nix's grammar.
//!
//! The grammar hands over runs like `a + ! b ? c * d` as `OpItem`s; a shunting-yard pass applies
//! the table below. Prefix operators are resolved the way a precedence-driven LR parser resolves
//! them, which matters for `!`: it binds looser than arithmetic, so `a + !b + c` is
//! `a + !(b + c)`. Non-associative operators used twice in a row (`a == b == c`) and mixed pipe
//! directions (`a |> f <| b`) are syntax errors, recorded and then read as if
//! left-associative so the tree stays whole.

use crate::SyntaxKind::{self, *};
use crate::error::SyntaxErrorCode;
use crate::parser::{Builder, Child, Tok};

/// One element of a flat operator run.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OpItem {
    Operand(Child),
    /// `!` or `-` before an operand.
    Prefix(Tok),
    /// A binary operator between operands.
    Binary(Tok),
    /// `? attrpath` after an operand. Nix declares `?` non-associative, but as its right side is
    /// no expression that never comes into play: `a ? b ? c` is `(a ? b) ? c`.
    HasAttr(Tok, Child),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Assoc {
    Left,
    Right,
    None,
}

/// Binding strength, from the loosest (`|>`, `<|`) to the tightest (prefix `-`), and
/// associativity, as in Nix's grammar.
fn binary(kind: SyntaxKind) -> (u8, Assoc) {
    match kind {
        PIPE_INTO => (0, Assoc::Left),
        PIPE_FROM => (0, Assoc::Right),
        IMPLICATION => (1, Assoc::Right),
        OR_OR => (2, Assoc::Left),
        AND_AND => (3, Assoc::Left),
        EQ | NOT_EQ => (4, Assoc::None),
        LESS | LESS_EQ | MORE | MORE_EQ => (5, Assoc::None),
        UPDATE => (6, Assoc::Right),
        // 7 is prefix `!`
        PLUS | MINUS => (8, Assoc::Left),
        STAR | SLASH => (9, Assoc::Left),
        CONCAT => (10, Assoc::Right),
        // 11 is `?`, 12 is prefix `-`
        _ => unreachable!("{kind:?} is not a binary operator"),
    }
}

const NOT: u8 = 7;
const HAS_ATTR: u8 = 11;
const NEGATE: u8 = 12;

fn prefix(kind: SyntaxKind) -> u8 {
    if kind == BANG { NOT } else { NEGATE }
}

#[derive(Debug, Clone, Copy)]
enum Pending {
    Prefix(Tok),
    Binary(Tok),
}

impl Pending {
    fn precedence(self) -> u8 {
        match self {
            Pending::Prefix(t) => prefix(t.kind),
            Pending::Binary(t) => binary(t.kind).0,
        }
    }
}

impl Builder {
    /// Builds the tree of one operator run.
    pub(crate) fn operators(&mut self, items: Vec<OpItem>) -> Child {
        let mut operands: Vec<Child> = Vec::with_capacity(4);
        let mut pending: Vec<Pending> = Vec::with_capacity(4);
        for item in items {
            match item {
                OpItem::Operand(c) => {
                    operands.push(c);
                }
                OpItem::Prefix(t) => pending.push(Pending::Prefix(t)),
                OpItem::Binary(t) => {
                    let (prec, assoc) = binary(t.kind);
                    while let Some(&top) = pending.last() {
                        let top_prec = top.precedence();
                        if top_prec < prec {
                            break;
                        }
                        if top_prec == prec
                            && let Pending::Binary(top_tok) = top
                        {
                            if assoc == Assoc::None {
                                self.operator_error(
                                    t,
                                    SyntaxErrorCode::ChainedOperator,
                                    format!(
                                        "`{}` cannot be chained, add parentheses",
                                        op_text(t.kind)
                                    ),
                                );
                            } else if top_tok.kind != t.kind && prec == 0 {
                                self.operator_error(
                                    t,
                                    SyntaxErrorCode::MixedPipes,
                                    "`|>` and `<|` cannot be mixed, add parentheses".to_string(),
                                );
                            } else if assoc == Assoc::Right {
                                break;
                            }
                        }
                        self.reduce(&mut operands, &mut pending);
                    }
                    pending.push(Pending::Binary(t));
                }
                OpItem::HasAttr(q, path) => {
                    while pending.last().is_some_and(|p| p.precedence() > HAS_ATTR) {
                        self.reduce(&mut operands, &mut pending);
                    }
                    let operand = operands.pop().expect("`?` follows an operand");
                    let node = self.node(SyntaxKind::HAS_ATTR, &[operand, q.into(), path]);
                    operands.push(node);
                }
            }
        }
        while !pending.is_empty() {
            self.reduce(&mut operands, &mut pending);
        }
        debug_assert_eq!(operands.len(), 1);
        operands.pop().expect("an operator run has an operand")
    }

    fn reduce(&mut self, operands: &mut Vec<Child>, pending: &mut Vec<Pending>) {
        match pending.pop().expect("reduce has an operator") {
            Pending::Prefix(t) => {
                let e = operands.pop().expect("a prefix operator has an operand");
                let node = self.node(UNARY_OP, &[t.into(), e]);
                operands.push(node);
            }
            Pending::Binary(t) => {
                let rhs = operands
                    .pop()
                    .expect("a binary operator has a right operand");
                let lhs = operands
                    .pop()
                    .expect("a binary operator has a left operand");
                let node = self.node(BIN_OP, &[lhs, t.into(), rhs]);
                operands.push(node);
            }
        }
    }
}

fn op_text(kind: SyntaxKind) -> &'static str {
    kind.describe().trim_matches('`')
}
