//! `derivationStrict` and the global `derivation`.
//!
//! `derivationStrict` follows Nix 2.8's `prim_derivationStrict`: it turns every attribute into
//! a string of the builder's environment (or, with `__structuredAttrs`, into one `__json`
//! value), gathers the string contexts, validates `name`, `outputs` and the `outputHash`
//! attributes, and hands the result to `Io::instantiate_derivation`, which computes the paths.
//! It returns `{ drvPath; <output> = path; ... }` with the contexts that make later
//! derivations depend on this one. It does not parse hashes or compute paths: that is the
//! store's business, behind the `Io` trait.
//!
//! `derivation` is written in the language (`corepkgs/derivation.nix`); the global is a thunk
//! that imports that file.

use std::collections::BTreeSet;

use crate::Evaluator;
use crate::error::{EvalError, Result, Span};
use crate::eval::Coerce;
use crate::io::{DerivationRequest, FixedOutputRequest};
use crate::symbol::Symbol;
use crate::value::*;

/// Where `derivation.nix` is served from (see `corepkg` in `lib.rs`).
const DERIVATION_NIX: &str = "/__corepkgs__/derivation.nix";

/// The value of the global `derivation`: `import <nix/derivation.nix>`, evaluated when first
/// used.
pub(super) fn derivation_global() -> Value {
    let import = super::PRIMOPS
        .iter()
        .find(|op| op.name == "import")
        .expect("`import` is a built-in");
    Thunk::apply(Value::PrimOp(import), Value::path(DERIVATION_NIX))
}

/// What `derivationStrict` has gathered so far.
struct Gathered {
    req: DerivationRequest,
    /// The text of `__json`, when `__structuredAttrs` is set.
    json: Option<String>,
    output_hash: Option<String>,
    output_hash_algo: String,
    recursive: Option<bool>,
}

pub(super) fn derivation_strict(
    ev: &mut Evaluator,
    args: &mut [Value],
    span: Span,
) -> Result<Value> {
    let attrs = ev.force_attrs(&args[0])?;

    let Some(name_attr) = attrs.get_attr(ev.syms.name) else {
        return Err(EvalError::type_error(
            "attribute 'name' missing for call to 'derivationStrict'",
        )
        .at(span));
    };
    let name_pos = if name_attr.pos.is_none() {
        span
    } else {
        name_attr.pos
    };
    let name = string_no_context(ev, &name_attr.value).map_err(|e| {
        e.at(name_pos)
            .frame(name_pos, "while evaluating the derivation attribute 'name'")
    })?;

    let structured = match attrs.get_str("__structuredAttrs") {
        Some(v) => ev.force_bool(v)?,
        None => false,
    };
    let ignore_nulls = match attrs.get_str("__ignoreNulls") {
        Some(v) => ev.force_bool(v)?,
        None => false,
    };

    let mut g = Gathered {
        req: DerivationRequest {
            name: name.clone(),
            outputs: BTreeSet::from(["out".to_string()]),
            ..DerivationRequest::default()
        },
        json: structured.then(|| "{".to_string()),
        output_hash: None,
        output_hash_algo: String::new(),
        recursive: None,
    };

    for attr in attrs.sorted_by_name() {
        let key = attr.name.as_str();
        if key == "__ignoreNulls" {
            continue;
        }
        gather(ev, &mut g, key, &attr.value, ignore_nulls).map_err(|e| {
            e.at(name_pos).frame(
                name_pos,
                format!("while evaluating the attribute '{key}' of the derivation '{name}'"),
            )
        })?;
    }

    let mut req = g.req;
    if let Some(mut json) = g.json {
        json.push('}');
        req.env.insert("__json".into(), json);
    }
    let fail = |msg: &str| Err(EvalError::other(msg).at(name_pos));
    if req.builder.is_empty() {
        return fail("required attribute 'builder' missing");
    }
    if req.system.is_empty() {
        return fail("required attribute 'system' missing");
    }
    if name.ends_with(".drv") {
        return fail("derivation names are not allowed to end in '.drv'");
    }
    if let Some(hash) = g.output_hash {
        if req.outputs.len() != 1 || !req.outputs.contains("out") {
            return fail("multiple outputs are not supported in fixed-output derivations");
        }
        req.fixed_output = Some(FixedOutputRequest {
            hash,
            algo: g.output_hash_algo,
            recursive: g.recursive.unwrap_or(false),
        });
    }

    let paths = ev
        .io
        .instantiate_derivation(req)
        .map_err(|e| e.at(name_pos))?;

    let mut entries = Vec::with_capacity(1 + paths.outputs.len());
    let drv_path = paths.drv_path;
    entries.push(Attr {
        name: Symbol::intern("drvPath"),
        pos: Span::NONE,
        value: Value::string_with_context(
            drv_path.clone(),
            Context::from([format!("={drv_path}").into_boxed_str()]),
        ),
    });
    for (output, path) in paths.outputs {
        let ctx = Context::from([format!("!{output}!{drv_path}").into_boxed_str()]);
        entries.push(Attr {
            name: Symbol::intern(&output),
            pos: Span::NONE,
            value: Value::string_with_context(path, ctx),
        });
    }
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

/// Processes one attribute of the argument of `derivationStrict`.
fn gather(
    ev: &mut Evaluator,
    g: &mut Gathered,
    key: &str,
    value: &Value,
    ignore_nulls: bool,
) -> Result<()> {
    if ignore_nulls && matches!(ev.force(value)?, Value::Null) {
        return Ok(());
    }
    match key {
        "__contentAddressed" | "__impure" => {
            if ev.force_bool(value)? {
                let feature = if key == "__impure" {
                    "impure-derivations"
                } else {
                    "ca-derivations"
                };
                return Err(EvalError::other(format!(
                    "experimental Nix feature '{feature}' is disabled; use '--extra-experimental-features {feature}' to override"
                )));
            }
            Ok(())
        }
        "args" => {
            let list = ev.force_list(value)?;
            for item in list.iter() {
                let (s, ctx) = ev.coerce_to_string(item, Coerce::More, true)?;
                g.req.context.extend(ctx);
                g.req.args.push(s);
            }
            Ok(())
        }
        _ if g.json.is_some() => gather_json(ev, g, key, value),
        _ => {
            let (s, ctx) = ev.coerce_to_string(value, Coerce::More, true)?;
            g.req.context.extend(ctx);
            match key {
                "builder" => g.req.builder = s.clone(),
                "system" => g.req.system = s.clone(),
                "outputHash" => g.output_hash = Some(s.clone()),
                "outputHashAlgo" => g.output_hash_algo = s.clone(),
                "outputHashMode" => g.recursive = Some(hash_mode(&s)?),
                "outputs" => {
                    let names = s.split([' ', '\t', '\n', '\r']).filter(|t| !t.is_empty());
                    g.req.outputs = outputs(names)?;
                }
                _ => {}
            }
            g.req.env.insert(key.to_string(), s);
            Ok(())
        }
    }
}

/// Processes one attribute into `__json`, for `__structuredAttrs`.
fn gather_json(ev: &mut Evaluator, g: &mut Gathered, key: &str, value: &Value) -> Result<()> {
    if key == "__structuredAttrs" {
        return Ok(());
    }
    let mut text = String::new();
    ev.write_json(value, &mut text, &mut g.req.context)?;
    let json = g.json.as_mut().expect("structured attributes");
    if json.len() > 1 {
        json.push(',');
    }
    super::json::json_string(key, json);
    json.push(':');
    json.push_str(&text);
    match key {
        "builder" => {
            let s = ev.force_string(value)?;
            g.req.builder = s.as_str().to_string();
        }
        "system" => g.req.system = string_no_context(ev, value)?,
        "outputHash" => g.output_hash = Some(string_no_context(ev, value)?),
        "outputHashAlgo" => g.output_hash_algo = string_no_context(ev, value)?,
        "outputHashMode" => {
            let s = string_no_context(ev, value)?;
            g.recursive = Some(hash_mode(&s)?);
        }
        "outputs" => {
            let list = ev.force_list(value)?;
            let mut names = Vec::with_capacity(list.len());
            for item in list.iter() {
                names.push(string_no_context(ev, item)?);
            }
            g.req.outputs = outputs(names.iter().map(String::as_str))?;
        }
        _ => {}
    }
    Ok(())
}

/// `outputHashMode`: whether the output is hashed as a NAR.
fn hash_mode(s: &str) -> Result<bool> {
    match s {
        "recursive" => Ok(true),
        "flat" => Ok(false),
        _ => Err(EvalError::other(format!(
            "invalid value '{s}' for 'outputHashMode' attribute"
        ))),
    }
}

/// The output names, checked: no duplicates, none named `drv`, at least one.
fn outputs<'a>(names: impl Iterator<Item = &'a str>) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for name in names {
        if out.contains(name) {
            return Err(EvalError::other(format!(
                "duplicate derivation output '{name}'"
            )));
        }
        if name == "drv" {
            return Err(EvalError::other("invalid derivation output name 'drv'"));
        }
        out.insert(name.to_string());
    }
    if out.is_empty() {
        return Err(EvalError::other(
            "derivation cannot have an empty set of outputs",
        ));
    }
    Ok(out)
}

/// A string that must not refer to the store (Nix's `forceStringNoCtx`).
pub(super) fn string_no_context(ev: &mut Evaluator, v: &Value) -> Result<String> {
    let s = ev.force_string(v)?;
    if let Some(first) = s.context().and_then(|c| c.iter().next()) {
        return Err(EvalError::other(format!(
            "the string '{}' is not allowed to refer to a store path (such as '{first}')",
            s.as_str()
        )));
    }
    Ok(s.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use crate::io::{DerivationPaths, DerivationRequest, FileType, Io};
    use crate::{Evaluator, Options};

    /// An `Io` that records the derivations it is asked for and gives made-up paths.
    #[derive(Default)]
    struct Recorder {
        seen: Rc<RefCell<Vec<DerivationRequest>>>,
    }

    impl Io for Recorder {
        fn read_file(&self, path: &str) -> std::io::Result<Vec<u8>> {
            std::fs::read(path)
        }
        fn file_type(&self, _: &str) -> std::io::Result<FileType> {
            Err(std::io::ErrorKind::NotFound.into())
        }
        fn read_dir(&self, _: &str) -> std::io::Result<Vec<(String, FileType)>> {
            Ok(Vec::new())
        }
        fn get_env(&self, _: &str) -> Option<String> {
            None
        }
        fn current_time(&self) -> i64 {
            0
        }
        fn trace(&self, _: &str) {}
        fn instantiate_derivation(&self, drv: DerivationRequest) -> crate::Result<DerivationPaths> {
            self.seen.borrow_mut().push(drv.clone());
            let n = self.seen.borrow().len();
            Ok(DerivationPaths {
                drv_path: format!("/nix/store/{n:0>32}-{}.drv", drv.name),
                outputs: drv
                    .outputs
                    .iter()
                    .map(|o| (o.clone(), format!("/nix/store/{n:0>32}-{}-{o}", drv.name)))
                    .collect(),
            })
        }
    }

    fn eval(src: &str) -> (crate::Result<String>, Vec<DerivationRequest>) {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let io = Recorder { seen: seen.clone() };
        let mut ev = Evaluator::new(Box::new(io), Options::default());
        let r = ev
            .eval_source("«test»", src, "/")
            .and_then(|v| ev.force_deep(&v))
            .map(|v| crate::print::print_value(&v));
        let seen = seen.borrow().clone();
        (r, seen)
    }

    #[test]
    fn attributes_become_environment_strings() {
        let (r, seen) = eval(
            r#"(derivation { name = "a"; builder = "/bin/sh"; system = "x";
                 l = [ 1 true false null [ ] "s" 1.5 ]; t = true; f = false; n = null; i = 7;
                 args = [ "-c" 2 ]; }).drvPath"#,
        );
        assert!(r.is_ok(), "{r:?}");
        let d = &seen[0];
        assert_eq!(d.env["l"], "1 1   s 1.500000");
        assert_eq!(d.env["t"], "1");
        assert_eq!(d.env["f"], "");
        assert_eq!(d.env["n"], "");
        assert_eq!(d.env["i"], "7");
        assert_eq!(d.args, ["-c", "2"]);
        assert!(!d.env.contains_key("args"));
        assert_eq!(d.builder, "/bin/sh");
        assert!(d.fixed_output.is_none());
    }

    #[test]
    fn contexts_and_outputs_reach_the_store() {
        let (r, seen) = eval(
            r#"let a = derivation { name = "a"; builder = "b"; system = "x"; outputs = [ "out" "dev" ]; };
               in (derivation { name = "b"; builder = "b"; system = "x"; d = a.dev; o = "${a}"; __ignoreNulls = true; z = null; }).outPath"#,
        );
        assert!(r.is_ok(), "{r:?}");
        let b = &seen[1];
        let ctx: Vec<&str> = b.context.iter().map(|c| &**c).collect();
        assert_eq!(
            ctx,
            [
                "!dev!/nix/store/00000000000000000000000000000001-a.drv",
                "!out!/nix/store/00000000000000000000000000000001-a.drv"
            ]
        );
        assert!(!b.env.contains_key("z"));
        assert!(!b.env.contains_key("__ignoreNulls"));
        assert_eq!(seen[0].outputs.iter().collect::<Vec<_>>(), ["dev", "out"]);
    }

    #[test]
    fn structured_attributes_become_json() {
        let (r, seen) = eval(
            r#"(derivationStrict { name = "a"; builder = "b"; system = "x"; __structuredAttrs = true;
                 xs = [ 1 "two" { three = null; } ]; args = [ "a" ]; }).drvPath"#,
        );
        assert!(r.is_ok(), "{r:?}");
        let d = &seen[0];
        assert_eq!(
            d.env["__json"],
            r#"{"builder":"b","name":"a","system":"x","xs":[1,"two",{"three":null}]}"#
        );
        assert_eq!(d.env.len(), 1);
        assert_eq!(d.args, ["a"]);
    }

    #[test]
    fn fixed_outputs_are_passed_unparsed() {
        let (r, seen) = eval(
            r#"(derivationStrict { name = "a"; builder = "b"; system = "x";
                 outputHash = "sha256-abc"; outputHashMode = "recursive"; }).out"#,
        );
        assert!(r.is_ok(), "{r:?}");
        let f = seen[0].fixed_output.as_ref().unwrap();
        assert_eq!(f.hash, "sha256-abc");
        assert_eq!(f.algo, "");
        assert!(f.recursive);
    }

    #[test]
    fn the_result_has_nixs_shape_and_contexts() {
        let (r, _) = eval(
            r#"let d = derivation { name = "a"; builder = "b"; system = "x"; outputs = [ "out" "dev" ]; };
               in [ (builtins.attrNames d) d.outputName d.dev.outputName d.type
                    (builtins.getContext d.drvPath) (builtins.getContext d.dev.outPath)
                    (d.all == [ d d.dev ]) (d.drvAttrs.outputs) ]"#,
        );
        let drv = "/nix/store/00000000000000000000000000000001-a.drv";
        assert_eq!(
            r.unwrap(),
            format!(
                concat!(
                    r#"[ [ "all" "builder" "dev" "drvAttrs" "drvPath" "name" "out" "outPath" "outputName" "outputs" "system" "type" ] "#,
                    r#""out" "dev" "derivation" {{ "{drv}" = {{ allOutputs = true; }}; }} "#,
                    r#"{{ "{drv}" = {{ outputs = [ "dev" ]; }}; }} true [ "out" "dev" ] ]"#
                ),
                drv = drv
            )
        );
    }

    #[test]
    fn bad_derivations_are_errors() {
        for (src, msg) in [
            ("derivationStrict { }", "attribute 'name' missing"),
            (
                r#"derivationStrict { name = "a"; }"#,
                "required attribute 'builder' missing",
            ),
            (
                r#"derivationStrict { name = "a"; builder = 1; }"#,
                "required attribute 'system' missing",
            ),
            (
                r#"derivationStrict { name = "a.drv"; builder = 1; system = 1; }"#,
                "not allowed to end in '.drv'",
            ),
            (
                r#"derivationStrict { name = "a"; builder = 1; system = 1; outputs = [ "out" "out" ]; }"#,
                "duplicate derivation output 'out'",
            ),
            (
                r#"derivationStrict { name = "a"; builder = 1; system = 1; outputs = [ ]; }"#,
                "empty set of outputs",
            ),
            (
                r#"derivationStrict { name = "a"; builder = 1; system = 1; outputs = [ "drv" ]; }"#,
                "invalid derivation output name 'drv'",
            ),
            (
                r#"derivationStrict { name = "a"; builder = 1; system = 1; outputHashMode = "x"; }"#,
                "invalid value 'x' for 'outputHashMode'",
            ),
            (
                r#"derivationStrict { name = "a"; builder = 1; system = 1; outputHash = ""; outputs = [ "out" "dev" ]; }"#,
                "multiple outputs are not supported",
            ),
            (
                r#"derivationStrict { name = "a"; builder = 1; system = 1; __contentAddressed = true; }"#,
                "ca-derivations",
            ),
            (
                r#"derivationStrict { name = "a"; builder = 1; system = 1; __structuredAttrs = 15; }"#,
                "a Boolean was expected",
            ),
            (
                r#"derivationStrict { name = "a"; builder = 1; system = 1; x = { }; }"#,
                "cannot coerce a set to a string",
            ),
            (
                r#"derivationStrict { name = "${derivation { name = "b"; builder = "b"; system = "x"; }}"; }"#,
                "is not allowed to refer to a store path",
            ),
        ] {
            let (r, _) = eval(src);
            let e = r.expect_err(src);
            assert!(e.message.contains(msg), "{src}: {}", e.message);
        }
    }
}
