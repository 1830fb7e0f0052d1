//! Built-ins that read files and the environment, through the evaluator's `Io`.

use super::attr;
use crate::Evaluator;
use crate::error::{ErrorKind, EvalError, Result, Span};
use crate::eval::Coerce;
use crate::lower::canon_path;
use crate::symbol::Symbol;
use crate::value::*;

pub(super) fn import(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let path = ev.coerce_to_path(&args[0])?;
    ev.import(&path)
}

pub(super) fn scoped_import(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let scope = ev.force_attrs(&args[0])?;
    let path = ev.coerce_to_path(&args[1])?;
    ev.scoped_import(&scope, &path)
}

pub(super) fn read_file(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let path = ev.coerce_to_path(&args[0])?;
    let bytes = ev
        .io
        .read_file(&path)
        .map_err(|e| EvalError::other(format!("cannot read '{path}': {e}")))?;
    let s = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    Ok(Value::string(s))
}

pub(super) fn path_exists(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let path = ev.coerce_to_path(&args[0])?;
    Ok(Value::Bool(ev.io.path_exists(&path)))
}

pub(super) fn read_dir(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let path = ev.coerce_to_path(&args[0])?;
    let entries = ev
        .io
        .read_dir(&path)
        .map_err(|e| EvalError::other(format!("cannot read directory '{path}': {e}")))?;
    Ok(Value::attrs(Attrs::from_unsorted(
        entries
            .into_iter()
            .map(|(name, t)| attr(Symbol::intern(&name), Value::string(t.as_str())))
            .collect(),
    )))
}

pub(super) fn hash_file(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let algo = ev.force_string(&args[0])?;
    let path = ev.coerce_to_path(&args[1])?;
    let bytes = ev
        .io
        .read_file(&path)
        .map_err(|e| EvalError::other(format!("cannot read '{path}': {e}")))?;
    let digest = super::strings::hash_bytes(algo.as_str(), &bytes)?;
    Ok(Value::string(super::strings::hex(&digest)))
}

pub(super) fn get_env(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let name = ev.force_string(&args[0])?;
    if ev.options.pure {
        return Ok(Value::string(""));
    }
    Ok(Value::string(
        ev.io.get_env(name.as_str()).unwrap_or_default(),
    ))
}

pub(super) fn to_path(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let (s, ctx) = ev.coerce_to_string(&args[0], Coerce::Interpolation, false)?;
    if !s.starts_with('/') {
        return Err(EvalError::other(format!(
            "string '{s}' doesn't represent an absolute path"
        )));
    }
    Ok(Value::string_with_context(canon_path(&s), ctx))
}

/// `name` in the search path entry `prefix=path`, if it is there.
fn search_entry(ev: &Evaluator, prefix: &str, path: &str, name: &str) -> Option<Value> {
    let suffix = if prefix.is_empty() {
        format!("/{name}")
    } else {
        let s = prefix.len();
        if !name.starts_with(prefix) || (name.len() > s && name.as_bytes()[s] != b'/') {
            return None;
        }
        if name.len() == s {
            String::new()
        } else {
            format!("/{}", &name[s + 1..])
        }
    };
    let candidate = format!("{path}{suffix}");
    ev.io
        .file_type(&candidate)
        .is_ok()
        .then(|| Value::path(canon_path(&candidate)))
}

pub(super) fn find_file(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let search = ev.force_list(&args[0])?;
    let name = ev.force_string(&args[1])?;
    let name = name.as_str();
    if ev.options.pure {
        return Err(EvalError::new(
            ErrorKind::Throw,
            format!("cannot look up '<{name}>' in pure evaluation mode"),
        ));
    }
    for entry in search.iter() {
        let e = ev.force_attrs(entry)?;
        let prefix = match e.get_str("prefix") {
            Some(p) => {
                let p = p.clone();
                ev.force_string(&p)?.as_str().to_string()
            }
            None => String::new(),
        };
        let Some(path) = e.get_str("path").cloned() else {
            return Err(EvalError::other("attribute 'path' missing"));
        };
        let (path, _) = ev.coerce_to_string(&path, Coerce::Interpolation, false)?;
        if let Some(found) = search_entry(ev, &prefix, &path, name) {
            return Ok(found);
        }
    }
    // The entries the embedder bundles (cairn's standard library), after the user's.
    for (prefix, path) in ev.options.bundled_search_path.clone() {
        if let Some(found) = search_entry(ev, &prefix, &path, name) {
            return Ok(found);
        }
    }
    if let Some(rest) = name.strip_prefix("nix/") {
        return Ok(Value::path(format!("{}/{rest}", crate::COREPKGS)));
    }
    Err(EvalError::new(
        ErrorKind::Throw,
        if ev.options.pure {
            format!(
                "cannot look up '<{name}>' in pure evaluation mode (use '--impure' to override)"
            )
        } else {
            format!(
                "file '{name}' was not found in the Nix search path (add it using $NIX_PATH or -I)"
            )
        },
    ))
}
