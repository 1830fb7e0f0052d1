//! `fromTOML`.
//!
//! Nix 2.8 reads TOML 1.0 with toml11; the `toml` crate reads TOML 1.1. A document is parsed by
//! the crate, then checked for what TOML 1.1 added (newlines, comments and trailing commas in
//! inline tables, `\e` and `\xHH` escapes), which toml11 rejects. Values follow toml11: integers
//! and floats that overflow saturate, and dates and times are an error, as Nix has no type for
//! them.

use toml::de::{DeTable, DeValue};

use crate::Evaluator;
use crate::error::{EvalError, Result, Span};
use crate::symbol::Symbol;
use crate::value::*;

pub(super) fn from_toml(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let s = ev.force_string(&args[0])?;
    if let Some(first) = s.context().and_then(|c| c.iter().next()) {
        return Err(EvalError::other(format!(
            "the string '{}' is not allowed to refer to a store path (such as '{first}')",
            s.as_str()
        )));
    }
    parse_toml(s.as_str())
}

/// A TOML document as a Nix value, or an error worded as Nix words it.
fn parse_toml(text: &str) -> Result<Value> {
    let table = DeTable::parse(text).map_err(|e| toml_error(e.to_string().trim_end()))?;
    if let Some((at, what)) = toml_1_1_only(text) {
        return Err(toml_error(&located(text, at, what)));
    }
    table_value(table.get_ref())
}

fn toml_error(msg: &str) -> Box<EvalError> {
    EvalError::other(format!("while parsing a TOML string: {msg}"))
}

fn table_value(t: &DeTable<'_>) -> Result<Value> {
    let mut entries = Vec::with_capacity(t.len());
    for (k, v) in t.iter() {
        entries.push(Attr {
            name: Symbol::intern(k.get_ref()),
            pos: Span::NONE,
            value: toml_value(v.get_ref())?,
        });
    }
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn toml_value(v: &DeValue<'_>) -> Result<Value> {
    Ok(match v {
        DeValue::String(s) => Value::string(s.as_ref()),
        DeValue::Integer(i) => Value::Int(saturating_int(i.as_str(), i.radix())),
        DeValue::Float(f) => Value::Float(float(f.as_str())),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(_) => {
            return Err(toml_error("Dates and times are not supported"));
        }
        DeValue::Array(a) => {
            let mut items = Vec::with_capacity(a.len());
            for item in a.iter() {
                items.push(toml_value(item.get_ref())?);
            }
            Value::list(items)
        }
        DeValue::Table(t) => table_value(t)?,
    })
}

/// An integer in `radix`, with an optional sign; out of range, the nearest 64-bit integer (as
/// C++ streams read it).
fn saturating_int(s: &str, radix: u32) -> i64 {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i128 = 0;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else {
            continue;
        };
        n = n * i128::from(radix) + i128::from(d);
        if n > i128::from(i64::MAX) + 1 {
            break;
        }
    }
    let n = if neg { -n } else { n };
    n.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

/// A float; one too large for a double is the largest double (as C++ streams read it).
fn float(s: &str) -> f64 {
    let digits: String = s.chars().filter(|&c| c != '_').collect();
    match digits.parse::<f64>() {
        Ok(f) if f.is_infinite() && !digits.contains("inf") => f64::MAX.copysign(f),
        Ok(f) => f,
        Err(_) => f64::NAN,
    }
}

/// A message about the byte at `at`, shown as the `toml` crate shows its errors.
fn located(text: &str, at: usize, what: &str) -> String {
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..at].matches('\n').count() + 1;
    let col = text[line_start..at].chars().count() + 1;
    let content = text[line_start..].split('\n').next().unwrap_or("");
    let content = content.strip_suffix('\r').unwrap_or(content);
    let gutter = " ".repeat(line.to_string().len() + 1);
    format!(
        "TOML parse error at line {line}, column {col}\n{gutter}|\n{line} | {content}\n{gutter}|{}^\n{what}",
        " ".repeat(col)
    )
}

/// The first use in a valid TOML 1.1 document of what TOML 1.0 does not allow: its byte offset
/// and a description.
fn toml_1_1_only(text: &str) -> Option<(usize, &'static str)> {
    let b = text.as_bytes();
    let mut open: Vec<u8> = Vec::new();
    // The last byte outside whitespace, comments and strings (a string counts as `"`).
    let mut last = 0u8;
    let mut last_at = 0;
    let mut i = 0;
    let in_inline_table = |open: &[u8]| open.last() == Some(&b'{');
    while i < b.len() {
        match b[i] {
            b'#' => {
                if in_inline_table(&open) {
                    return Some((i, "comments are not allowed in an inline table"));
                }
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\n' if in_inline_table(&open) => {
                return Some((i, "newlines are not allowed in an inline table"));
            }
            b'"' | b'\'' => {
                let quote = b[i];
                let multi = b[i..].starts_with(if quote == b'"' { b"\"\"\"" } else { b"'''" });
                i += if multi { 3 } else { 1 };
                loop {
                    if i >= b.len() {
                        return None;
                    }
                    if quote == b'"' && b[i] == b'\\' {
                        if matches!(b.get(i + 1), Some(b'e' | b'x')) {
                            return Some((i, "unknown escape sequence in a string"));
                        }
                        i += 2;
                        continue;
                    }
                    if b[i] == quote {
                        if !multi {
                            i += 1;
                            break;
                        }
                        let run = b[i..].iter().take_while(|&&c| c == quote).count();
                        if run >= 3 {
                            // Up to two quotes before the closing three belong to the string.
                            i += run.min(5);
                            break;
                        }
                        i += run;
                        continue;
                    }
                    i += 1;
                }
                last = b'"';
                continue;
            }
            c @ (b'{' | b'[') => {
                open.push(c);
                last = c;
            }
            c @ (b'}' | b']') => {
                if c == b'}' && last == b',' {
                    return Some((
                        last_at,
                        "trailing commas are not allowed in an inline table",
                    ));
                }
                open.pop();
                last = c;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            c => {
                last = c;
                last_at = i;
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::{Evaluator, Options, StdIo};

    fn eval(expr: &str) -> Result<String, String> {
        let mut ev = Evaluator::new(Box::new(StdIo), Options::default());
        ev.eval_source("«test»", expr, "/")
            .and_then(|v| ev.force_deep(&v))
            .map(|v| crate::print::print_value(&v))
            .map_err(|e| e.message)
    }

    fn from_toml(toml: &str) -> Result<String, String> {
        let mut lit = String::new();
        crate::print::escape_string(toml, &mut lit);
        eval(&format!("builtins.fromTOML {lit}"))
    }

    // Expected values are what Nix 2.8 gives.
    #[test]
    fn documents() {
        let doc = r#"a = 1
b = "x"
c = 1.5
d = true
e = [1, 2]
f = { x = 1, y.z = 2 }
g.h.i = 3
[t1]
k = 1
[[arr]]
x = 1
[[arr]]
y = 2
[t1.sub]
q = 0x1F
r = 1_000
s = inf
u = -inf
v = nan
w = 1e3
o = 0o17
bb = 0b101
"#;
        assert_eq!(
            from_toml(doc).unwrap(),
            "{ a = 1; arr = [ { x = 1; } { y = 2; } ]; b = \"x\"; c = 1.5; d = true; \
             e = [ 1 2 ]; f = { x = 1; y = { z = 2; }; }; g = { h = { i = 3; }; }; \
             t1 = { k = 1; sub = { bb = 5; o = 15; q = 31; r = 1000; s = inf; u = -inf; \
             v = nan; w = 1000; }; }; }"
        );
        assert_eq!(from_toml("").unwrap(), "{ }");
        assert_eq!(
            from_toml("a = [1, \"x\", 1.5, [true], {a=1}]").unwrap(),
            "{ a = [ 1 \"x\" 1.5 [ true ] { a = 1; } ]; }"
        );
        assert_eq!(
            from_toml("a = { b = [1,\n2] }").unwrap(),
            "{ a = { b = [ 1 2 ]; }; }"
        );
        assert_eq!(
            from_toml("a = { b = \"\"\"x\ny\"\"\" }").unwrap(),
            "{ a = { b = \"x\\ny\"; }; }"
        );
    }

    #[test]
    fn strings() {
        let doc = "a = \"\"\"\nx\\\n   y\"\"\"\nb = 'lit\\n'\nc = \"\\u00e9\\U0001F600\"\n\
                   \"q k\" = 1\n'lit k' = 2\nd = \"\"\"q\"\"\"\"\"\ne = '''z'''''";
        assert_eq!(
            from_toml(doc).unwrap(),
            "{ a = \"xy\"; b = \"lit\\\\n\"; c = \"é😀\"; d = \"q\\\"\\\"\"; e = \"z''\"; \
             \"lit k\" = 2; \"q k\" = 1; }"
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(
            from_toml("a = -0.0\nb = +1\nc = -nan\nd = 9223372036854775807\ne = 3.14159265358979")
                .unwrap(),
            "{ a = -0; b = 1; c = -nan; d = 9223372036854775807; e = 3.14159; }"
        );
        assert_eq!(
            from_toml(
                "a = +nan\nb = nan\nc = +inf\nd = -0\ne = 0.1\nf = 6.02e23\n\
                 g = 1_000.000_1\nh = 0o777777777777777777777777"
            )
            .unwrap(),
            "{ a = nan; b = nan; c = inf; d = 0; e = 0.1; f = 6.02e+23; g = 1000; \
             h = 9223372036854775807; }"
        );
        let cases = [
            ("9223372036854775808", "9223372036854775807"),
            ("-9223372036854775809", "-9223372036854775808"),
            ("-9223372036854775808", "-9223372036854775808"),
            ("0xFFFFFFFFFFFFFFFFFF", "9223372036854775807"),
            ("0x8000000000000000", "9223372036854775807"),
            ("0x7FFFFFFFFFFFFFFF", "9223372036854775807"),
            ("1e400", "1.79769e+308"),
            ("-1e400", "-1.79769e+308"),
            ("1e-400", "0"),
        ];
        for (toml, nix) in cases {
            assert_eq!(
                from_toml(&format!("a = {toml}")).unwrap(),
                format!("{{ a = {nix}; }}"),
                "{toml}"
            );
        }
    }

    #[test]
    fn errors() {
        for doc in [
            "d = 1979-05-27",
            "d = 07:32:00",
            "a = [1979-05-27T07:32:00Z]",
        ] {
            assert_eq!(
                from_toml(doc).unwrap_err(),
                "while parsing a TOML string: Dates and times are not supported",
                "{doc}"
            );
        }
        // TOML 1.1 only, or not TOML at all.
        for doc in [
            "a = =",
            "a = 1\na = 2",
            "[a]\nb = 1\n[a]\nc = 2",
            "a = { x = 1, }",
            "a = { x = 1,\ny = 2 }",
            "a = { x = 1 # c\n}",
            "a = \"\\e\"",
            "a = \"\"\"\\x41\"\"\"",
        ] {
            let e = from_toml(doc).unwrap_err();
            assert!(
                e.starts_with("while parsing a TOML string: TOML parse error at line"),
                "{doc}: {e}"
            );
        }
        assert!(eval("builtins.fromTOML 1").is_err());
    }
}
