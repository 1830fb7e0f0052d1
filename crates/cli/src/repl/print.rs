//! Values as nix repl prints them: to a depth (one level for a plain expression, all of them
//! for `:p`), forcing what is shown, derivations as `«derivation /nix/store/...drv»`,
//! functions as `«lambda @ file:line:column»` or `«primop name»`, and an error inside the value
//! as `«error: message»` where it stands.
//!
//! Scalars are written as `cairn eval` writes them (`cairn_eval::print`); only the shape of
//! sets and lists, the depth and the colours are the REPL's.

use std::collections::HashSet;
use std::rc::Rc;

use cairn_eval::print::{escape_string, format_float, print_attr_name};
use cairn_eval::{EvalError, Evaluator, Value};

/// How deep a value is printed: sets and lists deeper than this show as `{ ... }` and
/// `[ ... ]`.
pub(super) enum Depth {
    /// The attributes or elements of the value itself, as nix repl shows an expression.
    Shallow,
    /// Everything (`:p`).
    Deep,
}

/// ANSI colours, as nix repl uses them.
const NUMBER: &str = "\x1b[36;1m";
const STRING: &str = "\x1b[35;1m";
const PATH: &str = "\x1b[32;1m";
const FUNCTION: &str = "\x1b[34;1m";
const ERROR: &str = "\x1b[31;1m";
const NORMAL: &str = "\x1b[0m";

/// The text of `v`. An error in forcing `v` itself is returned; an error in one of its
/// attributes or elements is printed in its place.
pub(super) fn print(
    ev: &mut Evaluator,
    v: &Value,
    depth: Depth,
    color: bool,
) -> Result<String, Box<EvalError>> {
    let mut p = Printer {
        ev,
        color,
        out: String::new(),
        seen: HashSet::new(),
    };
    let levels = match depth {
        Depth::Shallow => 1,
        Depth::Deep => usize::MAX,
    };
    let v = p.ev.force(v)?;
    p.value(&v, levels)?;
    Ok(p.out)
}

struct Printer<'e> {
    ev: &'e mut Evaluator,
    color: bool,
    out: String,
    /// Sets and lists printed already: met again, they are `«repeated»`.
    seen: HashSet<usize>,
}

impl Printer<'_> {
    fn painted(&mut self, colour: &str, text: &str) {
        if self.color {
            self.out.push_str(colour);
            self.out.push_str(text);
            self.out.push_str(NORMAL);
        } else {
            self.out.push_str(text);
        }
    }

    /// Prints a forced value with `levels` levels of sets and lists opened.
    fn value(&mut self, v: &Value, levels: usize) -> Result<(), Box<EvalError>> {
        match v {
            Value::Null => self.painted(NUMBER, "null"),
            Value::Bool(b) => self.painted(NUMBER, if *b { "true" } else { "false" }),
            Value::Int(i) => self.painted(NUMBER, &i.to_string()),
            Value::Float(f) => self.painted(NUMBER, &format_float(*f)),
            Value::String(s) => {
                let mut text = String::new();
                escape_string(s.as_str(), &mut text);
                self.painted(STRING, &text);
            }
            Value::Path(p) => self.painted(PATH, p),
            Value::Attrs(attrs) => {
                if let Some(drv) = self.derivation_path(v)? {
                    self.painted(PATH, &format!("«derivation {drv}»"));
                } else if attrs.is_empty() {
                    self.out.push_str("{ }");
                } else if levels == 0 {
                    self.out.push_str("{ ... }");
                } else if !self.seen.insert(Rc::as_ptr(attrs) as usize) {
                    self.painted(STRING, "«repeated»");
                } else {
                    self.out.push_str("{ ");
                    for attr in attrs.sorted_by_name() {
                        print_attr_name(attr.name.as_str(), &mut self.out);
                        self.out.push_str(" = ");
                        self.nested(&attr.value, levels - 1);
                        self.out.push_str("; ");
                    }
                    self.out.push('}');
                }
            }
            Value::List(items) => {
                if items.is_empty() {
                    self.out.push_str("[ ]");
                } else if levels == 0 {
                    self.out.push_str("[ ... ]");
                } else if !self.seen.insert(Rc::as_ptr(items) as usize) {
                    self.painted(STRING, "«repeated»");
                } else {
                    self.out.push_str("[ ");
                    for item in items.iter() {
                        self.nested(item, levels - 1);
                        self.out.push(' ');
                    }
                    self.out.push(']');
                }
            }
            Value::Lambda(closure) => {
                let (file, line, column) = self.ev.line_col(closure.span());
                self.painted(FUNCTION, &format!("«lambda @ {file}:{line}:{column}»"));
            }
            Value::PrimOp(op) => self.painted(FUNCTION, &format!("«primop {}»", op.name)),
            Value::PrimOpApp(app) => self.painted(
                FUNCTION,
                &format!("«partially applied primop {}»", app.primop().name),
            ),
            // `force` never gives a thunk.
            Value::Thunk(_) => self.out.push_str("«thunk»"),
        }
        Ok(())
    }

    /// An attribute's value or a list's element: forced, and an error shown where it stands.
    fn nested(&mut self, v: &Value, levels: usize) {
        let printed = self.ev.force(v).and_then(|v| self.value(&v, levels));
        if let Err(e) = printed {
            self.painted(ERROR, &format!("«error: {}»", e.message));
        }
    }

    /// The `.drv` path of a derivation (a set with `type = "derivation"`), `???` when it has
    /// none; `None` for any other value.
    fn derivation_path(&mut self, v: &Value) -> Result<Option<String>, Box<EvalError>> {
        let Value::Attrs(attrs) = v else {
            return Ok(None);
        };
        let Some(ty) = attrs.get_str("type").cloned() else {
            return Ok(None);
        };
        match self.ev.force(&ty)? {
            Value::String(s) if s.as_str() == "derivation" => {}
            _ => return Ok(None),
        }
        let Some(drv) = attrs.get_str("drvPath").cloned() else {
            return Ok(Some("???".into()));
        };
        Ok(Some(match self.ev.force(&drv)? {
            Value::String(s) => s.as_str().to_string(),
            other => {
                return Err(EvalError::type_error(format!(
                    "the 'drvPath' attribute is {} while a string was expected",
                    other.type_description()
                )));
            }
        }))
    }
}
