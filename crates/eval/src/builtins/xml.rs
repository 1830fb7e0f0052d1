//! `toXML`, and the XML of `nix-instantiate --eval --xml`.
//!
//! The format is Nix's: an `<expr>` element holding one element per value, indented by two
//! spaces, element attributes in name order. Derivations print as `<derivation>` and only once
//! per document (later ones as `<repeated />`); built-in functions print as `<unevaluated />`.

use std::rc::Rc;

use rustc_hash::FxHashSet;

use crate::Evaluator;
use crate::error::{ErrorKind, EvalError, Result, Span};
use crate::ir::Param;
use crate::value::*;

pub(super) fn to_xml(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    // `builtins.toXML` never shows positions.
    let (mut s, ctx) = ev.write_xml(&args[0], false)?;
    s.push('\n');
    Ok(Value::string_with_context(s, ctx))
}

impl Evaluator {
    /// A value as Nix's XML, with source positions when `location` is set, without the final
    /// newline (`builtins.toXML` has one more newline).
    pub fn to_xml_string(&mut self, v: &Value, location: bool) -> Result<String> {
        Ok(self.write_xml(v, location)?.0)
    }

    /// The XML document and the context of the strings in it.
    fn write_xml(&mut self, v: &Value, location: bool) -> Result<(String, Context)> {
        let mut w = XmlWriter {
            out: String::from("<?xml version='1.0' encoding='utf-8'?>\n"),
            open: Vec::new(),
            location,
            ctx: Context::new(),
            drvs_seen: FxHashSet::default(),
            ancestors: Vec::new(),
        };
        w.open("expr", &[]);
        w.value(self, v)?;
        w.close();
        // Without the last newline.
        w.out.pop();
        Ok((w.out, w.ctx))
    }
}

/// An element attribute: name and unescaped value.
type XmlAttr<'a> = (&'a str, String);

struct XmlWriter {
    out: String,
    /// The names of the open elements.
    open: Vec<&'static str>,
    location: bool,
    ctx: Context,
    /// The `drvPath`s of the derivations printed so far.
    drvs_seen: FxHashSet<String>,
    /// The sets (not derivations) and lists being printed, innermost last: one met inside
    /// itself would be printed forever (Nix overflows its stack).
    ancestors: Vec<usize>,
}

impl XmlWriter {
    fn indent(&mut self, depth: usize) {
        self.out.extend(std::iter::repeat_n(' ', depth * 2));
    }

    fn attrs(&mut self, attrs: &[XmlAttr<'_>]) {
        let mut attrs: Vec<&XmlAttr<'_>> = attrs.iter().collect();
        attrs.sort_by_key(|a| a.0);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape(value, &mut self.out);
            self.out.push('"');
        }
    }

    fn open(&mut self, name: &'static str, attrs: &[XmlAttr<'_>]) {
        self.indent(self.open.len());
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push_str(">\n");
        self.open.push(name);
    }

    fn close(&mut self) {
        let name = self.open.pop().expect("an open element");
        self.indent(self.open.len());
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn empty(&mut self, name: &str, attrs: &[XmlAttr<'_>]) {
        self.indent(self.open.len());
        self.out.push('<');
        self.out.push_str(name);
        self.attrs(attrs);
        self.out.push_str(" />\n");
    }

    /// `column`, `line` and `path` of a position. Expressions that are not files (`-E`,
    /// standard input, `--arg`) show their whole text as the path, as Nix 2.8 does.
    fn pos_attrs(ev: &Evaluator, span: Span) -> [XmlAttr<'static>; 3] {
        let (name, line, col) = ev.line_col(span);
        let path = match ev.source(span.file) {
            Some(f) if f.name.starts_with('«') => f.text.to_string(),
            _ => name,
        };
        [
            ("column", col.to_string()),
            ("line", line.to_string()),
            ("path", path),
        ]
    }

    /// Runs `f` on the contents of a set or list, one level deeper in the evaluator's depth
    /// limit. `ptr` identifies a set or list that cannot be printed inside itself.
    fn nested(
        &mut self,
        ev: &mut Evaluator,
        ptr: Option<usize>,
        f: impl FnOnce(&mut Self, &mut Evaluator) -> Result<()>,
    ) -> Result<()> {
        if let Some(ptr) = ptr
            && self.ancestors.contains(&ptr)
        {
            return Err(EvalError::new(
                ErrorKind::StackOverflow,
                "stack overflow (possible infinite recursion)",
            ));
        }
        ev.enter()?;
        self.ancestors.extend(ptr);
        let r = f(self, ev);
        if ptr.is_some() {
            self.ancestors.pop();
        }
        ev.depth -= 1;
        r
    }

    fn value(&mut self, ev: &mut Evaluator, v: &Value) -> Result<()> {
        let v = ev.force(v)?;
        match &v {
            Value::Int(i) => self.empty("int", &[("value", i.to_string())]),
            Value::Bool(b) => self.empty("bool", &[("value", b.to_string())]),
            Value::String(s) => {
                if let Some(c) = s.context() {
                    self.ctx.extend(c.iter().cloned());
                }
                self.empty("string", &[("value", s.as_str().to_string())]);
            }
            Value::Path(p) => self.empty("path", &[("value", p.to_string())]),
            Value::Null => self.empty("null", &[]),
            Value::Float(f) => {
                self.empty("float", &[("value", crate::print::format_float(*f))]);
            }
            Value::Attrs(a) => {
                // A derivation met again is `<repeated />`, so only other sets can cycle.
                let drv = ev.is_derivation(a)?;
                let ptr = (!drv).then_some(Rc::as_ptr(a) as usize);
                self.nested(ev, ptr, |w, ev| {
                    if drv {
                        w.derivation(ev, a)
                    } else {
                        w.open("attrs", &[]);
                        w.attr_list(ev, a)?;
                        w.close();
                        Ok(())
                    }
                })?
            }
            Value::List(l) => self.nested(ev, Some(Rc::as_ptr(l) as usize), |w, ev| {
                w.open("list", &[]);
                for item in l.iter() {
                    w.value(ev, item)?;
                }
                w.close();
                Ok(())
            })?,
            Value::Lambda(c) => {
                let def = &c.def;
                let attrs = if self.location {
                    Self::pos_attrs(ev, def.span).to_vec()
                } else {
                    Vec::new()
                };
                self.open("function", &attrs);
                match &def.param {
                    Param::Ident(name) => {
                        self.empty("varpat", &[("name", name.as_str().to_string())]);
                    }
                    Param::Pattern(p) => {
                        let mut attrs = Vec::new();
                        if let Some(name) = p.bind {
                            attrs.push(("name", name.as_str().to_string()));
                        }
                        if p.ellipsis {
                            attrs.push(("ellipsis", "1".to_string()));
                        }
                        self.open("attrspat", &attrs);
                        let mut names: Vec<&str> =
                            p.formals.iter().map(|f| f.name.as_str()).collect();
                        names.sort_unstable();
                        for name in names {
                            self.empty("attr", &[("name", name.to_string())]);
                        }
                        self.close();
                    }
                }
                self.close();
            }
            Value::PrimOp(_) | Value::PrimOpApp(_) | Value::Thunk(_) => {
                self.empty("unevaluated", &[]);
            }
        }
        Ok(())
    }

    /// A derivation: its attributes the first time its `drvPath` is met, else `<repeated />`.
    fn derivation(&mut self, ev: &mut Evaluator, a: &Attrs) -> Result<()> {
        let mut attrs = Vec::new();
        let mut drv_path = String::new();
        for name in ["drvPath", "outPath"] {
            if let Some(x) = a.get_str(name)
                && let Value::String(s) = ev.force(x)?
            {
                if name == "drvPath" {
                    drv_path = s.as_str().to_string();
                }
                attrs.push((name, s.as_str().to_string()));
            }
        }
        self.open("derivation", &attrs);
        if !drv_path.is_empty() && self.drvs_seen.insert(drv_path) {
            self.attr_list(ev, a)?;
        } else {
            self.empty("repeated", &[]);
        }
        self.close();
        Ok(())
    }

    /// The attributes of a set, in name order.
    fn attr_list(&mut self, ev: &mut Evaluator, a: &Attrs) -> Result<()> {
        for attr in a.sorted_by_name() {
            let mut attrs = vec![("name", attr.name.as_str().to_string())];
            if self.location && !attr.pos.is_none() {
                attrs.extend(Self::pos_attrs(ev, attr.pos));
            }
            self.open("attr", &attrs);
            self.value(ev, &attr.value)?;
            self.close();
        }
        Ok(())
    }
}

/// An attribute value escaped as Nix escapes it: `"`, `<`, `>`, `&` and newlines only.
fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' => out.push_str("&#xA;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Evaluator, Options, StdIo};

    fn eval(expr: &str) -> String {
        let mut ev = Evaluator::new(Box::new(StdIo), Options::default());
        let v = ev.eval_source("«test»", expr, "/tmp/xt").unwrap();
        let v = ev.force_deep(&v).unwrap();
        crate::print::print_value(&v)
    }

    // Expected values are what Nix 2.8 gives.
    #[test]
    fn to_xml_builtin() {
        assert_eq!(
            eval("builtins.toXML { a = \"s\"; }"),
            r#""<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <attrs>\n    <attr name=\"a\">\n      <string value=\"s\" />\n    </attr>\n  </attrs>\n</expr>\n""#
        );
        let expr = r#"builtins.toXML [ 1.5 0.1 1.0e20 "a<b>&\"c'\n\td" ./x null true
            { type = "derivation"; drvPath = "/nix/store/x.drv"; outPath = "/nix/store/y"; }
            { type = "derivation"; drvPath = "/nix/store/x.drv"; } builtins.add (args@{z}: z) ]"#;
        assert_eq!(
            eval(expr),
            r#""<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <list>\n    <float value=\"1.5\" />\n    <float value=\"0.1\" />\n    <float value=\"1e+20\" />\n    <string value=\"a&lt;b&gt;&amp;&quot;c'&#xA;\td\" />\n    <path value=\"/tmp/xt/x\" />\n    <null />\n    <bool value=\"true\" />\n    <derivation drvPath=\"/nix/store/x.drv\" outPath=\"/nix/store/y\">\n      <attr name=\"drvPath\">\n        <string value=\"/nix/store/x.drv\" />\n      </attr>\n      <attr name=\"outPath\">\n        <string value=\"/nix/store/y\" />\n      </attr>\n      <attr name=\"type\">\n        <string value=\"derivation\" />\n      </attr>\n    </derivation>\n    <derivation drvPath=\"/nix/store/x.drv\">\n      <repeated />\n    </derivation>\n    <unevaluated />\n    <function>\n      <attrspat name=\"args\">\n        <attr name=\"z\" />\n      </attrspat>\n    </function>\n  </list>\n</expr>\n""#
        );
    }

    #[test]
    fn to_xml_builtin_keeps_context() {
        let expr = r#"builtins.getContext (builtins.toXML [ (builtins.appendContext "a"
            { "/nix/store/00000000000000000000000000000000-x" = { path = true; }; }) ])"#;
        assert_eq!(
            eval(expr),
            r#"{ "/nix/store/00000000000000000000000000000000-x" = { path = true; }; }"#
        );
    }

    #[test]
    fn xml_with_locations() {
        // An expression that is not a file shows its text as the path.
        let text = "{ f = { a, b ? 1, ... }@args: a;\n  g = x: x; }";
        let path = "{ f = { a, b ? 1, ... }@args: a;&#xA;  g = x: x; }";
        let mut ev = Evaluator::new(Box::new(StdIo), Options::default());
        let v = ev.eval_source("«string»", text, "/").unwrap();
        let v = ev.force_deep(&v).unwrap();
        let want = format!(
            r#"<?xml version='1.0' encoding='utf-8'?>
<expr>
  <attrs>
    <attr column="3" line="1" name="f" path="{path}">
      <function column="7" line="1" path="{path}">
        <attrspat ellipsis="1" name="args">
          <attr name="a" />
          <attr name="b" />
        </attrspat>
      </function>
    </attr>
    <attr column="3" line="2" name="g" path="{path}">
      <function column="7" line="2" path="{path}">
        <varpat name="x" />
      </function>
    </attr>
  </attrs>
</expr>"#
        );
        assert_eq!(ev.to_xml_string(&v, true).unwrap(), want);
        assert!(!ev.to_xml_string(&v, false).unwrap().contains("line="));
    }

    #[test]
    fn a_derivation_inside_itself_is_repeated() {
        assert_eq!(
            eval(
                r#"builtins.toXML (let d = { type = "derivation"; drvPath = "/x"; self = d; }; in d)"#
            ),
            r#""<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <derivation drvPath=\"/x\">\n    <attr name=\"drvPath\">\n      <string value=\"/x\" />\n    </attr>\n    <attr name=\"self\">\n      <derivation drvPath=\"/x\">\n        <repeated />\n      </derivation>\n    </attr>\n    <attr name=\"type\">\n      <string value=\"derivation\" />\n    </attr>\n  </derivation>\n</expr>\n""#
        );
    }

    #[test]
    fn a_set_inside_itself_is_an_error() {
        let mut ev = Evaluator::new(Box::new(StdIo), Options::default());
        let r = ev.eval_source(
            "«test»",
            "builtins.toXML (let x = { inherit x; }; in x)",
            "/",
        );
        let r = r.and_then(|v| ev.force_deep(&v));
        assert!(r.unwrap_err().message.contains("stack overflow"));
    }
}
