//! Values printed as `nix-instantiate --eval` prints them.

use std::fmt::Write;
use std::rc::Rc;

use rustc_hash::FxHashSet;

use crate::value::{ThunkState, Value};

/// Prints a value. Thunks that were forced print as their value, others as `<CODE>`.
/// A set or list met a second time prints as `«repeated»`, as in Nix.
pub fn print_value(v: &Value) -> String {
    let mut out = String::new();
    let mut seen = FxHashSet::default();
    print_into(v, &mut out, &mut seen);
    out
}

fn print_into(v: &Value, out: &mut String, seen: &mut FxHashSet<usize>) {
    print_value_in(v, None, out, seen);
}

/// `cell` identifies the place the value is stored when it was reached through a thunk: Nix
/// keeps lists of one or two elements inline in that place, so such a list is "the same" only
/// when reached through the same place, while longer lists and sets are the same when their
/// contents are.
fn print_value_in(v: &Value, cell: Option<usize>, out: &mut String, seen: &mut FxHashSet<usize>) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::String(s) => escape_string(s.as_str(), out),
        Value::Path(p) => out.push_str(p),
        Value::List(l) => {
            let id = if l.len() > 2 {
                Some(Rc::as_ptr(l) as usize)
            } else if l.is_empty() {
                None
            } else {
                cell
            };
            if let Some(id) = id
                && !seen.insert(id)
            {
                out.push_str("«repeated»");
                return;
            }
            out.push('[');
            for item in l.iter() {
                out.push(' ');
                print_into(item, out, seen);
            }
            out.push_str(" ]");
        }
        Value::Attrs(a) => {
            if !a.is_empty() && !seen.insert(Rc::as_ptr(a) as usize) {
                out.push_str("«repeated»");
                return;
            }
            out.push('{');
            for attr in a.sorted_by_name() {
                out.push(' ');
                print_attr_name(attr.name.as_str(), out);
                out.push_str(" = ");
                print_into(&attr.value, out, seen);
                out.push(';');
            }
            out.push_str(" }");
        }
        Value::Lambda(_) => out.push_str("<LAMBDA>"),
        Value::PrimOp(_) => out.push_str("<PRIMOP>"),
        Value::PrimOpApp(_) => out.push_str("<PRIMOP-APP>"),
        Value::Thunk(t) => match &*t.state.borrow() {
            ThunkState::Done(v) => print_value_in(v, Some(Rc::as_ptr(t) as usize), out, seen),
            _ => out.push_str("<CODE>"),
        },
    }
}

/// An attribute name, quoted unless it is an identifier.
pub fn print_attr_name(name: &str, out: &mut String) {
    // Nix 2.8 quotes `if` (and no other keyword), and escapes every `$` in a quoted name.
    if is_identifier(name) && name != "if" {
        out.push_str(name);
    } else {
        let mut quoted = String::new();
        escape_string(name, &mut quoted);
        out.push_str(&quoted.replace("\\$", "$").replace('$', "\\$"));
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
}

/// A string literal as Nix prints it: `"`, `\`, newline, return, tab and `${` escaped.
pub fn escape_string(s: &str, out: &mut String) {
    out.reserve(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as C's `%g` prints it (six significant digits), which is how Nix prints floats.
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() { "-nan" } else { "nan" }.to_string();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf" } else { "inf" }.to_string();
    }
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let sci = format!("{x:.5e}");
    let (mantissa, exp) = sci.split_once('e').expect("exponent form");
    let exp: i32 = exp.parse().expect("exponent");
    if (-4..6).contains(&exp) {
        let fixed = format!("{:.*}", (5 - exp) as usize, x);
        strip_zeros(&fixed).to_string()
    } else {
        let m = strip_zeros(mantissa);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{m}e{sign}{:02}", exp.abs())
    }
}

fn strip_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_percent_g() {
        let cases = [
            (1.0, "1"),
            (0.1, "0.1"),
            (123456789.0, "1.23457e+08"),
            (1.5e-7, "1.5e-07"),
            (100000.0, "100000"),
            (1000000.0, "1e+06"),
            (0.00001, "1e-05"),
            (0.0001, "0.0001"),
            (-0.5, "-0.5"),
            (0.000012345, "1.2345e-05"),
            (1e300, "1e+300"),
            (f64::INFINITY, "inf"),
            (0.1 + 0.2, "0.3"),
            (999999.5, "1e+06"),
        ];
        for (x, want) in cases {
            assert_eq!(format_float(x), want, "{x}");
        }
    }

    #[test]
    fn strings_escape_what_nix_escapes() {
        let mut out = String::new();
        escape_string("a\"b\\c\nd\te\r ${x} $x", &mut out);
        assert_eq!(out, r#""a\"b\\c\nd\te\r \${x} $x""#);
    }
}
