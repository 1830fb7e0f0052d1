//! `toJSON` and `fromJSON`.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::Evaluator;
use crate::error::{EvalError, Result, Span};
use crate::eval::Coerce;
use crate::symbol::Symbol;
use crate::value::*;

pub(super) fn to_json(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let mut out = String::new();
    let mut ctx = Context::new();
    ev.write_json(&args[0], &mut out, &mut ctx)?;
    Ok(Value::string_with_context(out, ctx))
}

impl Evaluator {
    /// A value as JSON text, as `builtins.toJSON` gives it (without the string context).
    pub fn to_json_string(&mut self, v: &Value) -> Result<String> {
        let mut out = String::new();
        let mut ctx = Context::new();
        self.write_json(v, &mut out, &mut ctx)?;
        Ok(out)
    }

    /// Writes a value as JSON, as `builtins.toJSON` does: sets with `__toString` or `outPath`
    /// as strings, paths copied to the store, keys in name order.
    pub(crate) fn write_json(
        &mut self,
        v: &Value,
        out: &mut String,
        ctx: &mut Context,
    ) -> Result<()> {
        let v = self.force(v)?;
        match &v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => out.push_str(&i.to_string()),
            Value::Float(f) => out.push_str(&crate::print::format_float(*f)),
            Value::String(s) => {
                if let Some(c) = s.context() {
                    ctx.extend(c.iter().cloned());
                }
                json_string(s.as_str(), out);
            }
            Value::Path(_) => {
                let (s, c) = self.coerce_to_string(&v, Coerce::Interpolation, true)?;
                ctx.extend(c);
                json_string(&s, out);
            }
            Value::List(l) => {
                self.nested(|ev| {
                    out.push('[');
                    for (i, item) in l.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        ev.write_json(item, out, ctx)?;
                    }
                    out.push(']');
                    Ok(())
                })?;
            }
            Value::Attrs(a) => {
                if a.contains(self.syms.to_string) {
                    let (s, c) = self.coerce_to_string(&v, Coerce::Interpolation, true)?;
                    ctx.extend(c);
                    json_string(&s, out);
                    return Ok(());
                }
                if let Some(p) = a.get(self.syms.out_path) {
                    let p = p.clone();
                    return self.write_json(&p, out, ctx);
                }
                self.nested(|ev| {
                    out.push('{');
                    for (i, attr) in a.sorted_by_name().into_iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        json_string(attr.name.as_str(), out);
                        out.push(':');
                        ev.write_json(&attr.value, out, ctx).map_err(|e| {
                            e.frame(
                                attr.pos,
                                format!("while evaluating attribute '{}'", attr.name),
                            )
                        })?;
                    }
                    out.push('}');
                    Ok(())
                })?;
            }
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => {
                return Err(EvalError::type_error("cannot convert a function to JSON"));
            }
            Value::Thunk(_) => unreachable!("forced"),
        }
        Ok(())
    }
}

/// A JSON string literal, escaped as Nix escapes it.
pub(crate) fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub(super) fn from_json(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let s = ev.force_string(&args[0])?;
    let mut de = serde_json::Deserializer::from_str(s.as_str());
    JsonSeed
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| EvalError::other(format!("invalid JSON: {e}")))
}

struct JsonSeed;

impl<'de> DeserializeSeed<'de> for JsonSeed {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_bool<E>(self, b: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, i: i64) -> std::result::Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E>(self, i: u64) -> std::result::Result<Value, E> {
        // Nix reads unsigned numbers past i64 as wrapped integers.
        Ok(Value::Int(i as i64))
    }
    fn visit_f64<E>(self, f: f64) -> std::result::Result<Value, E> {
        Ok(Value::Float(f))
    }
    fn visit_str<E>(self, s: &str) -> std::result::Result<Value, E> {
        Ok(Value::string(s))
    }
    fn visit_string<E>(self, s: String) -> std::result::Result<Value, E> {
        Ok(Value::string(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(JsonSeed)? {
            items.push(v);
        }
        Ok(Value::list(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(JsonSeed)?;
            entries.push(Attr {
                name: Symbol::intern(&k),
                pos: Span::NONE,
                value: v,
            });
        }
        Ok(Value::attrs(Attrs::from_unsorted(entries)))
    }
}
