//! `builtins.path` and `builtins.filterSource`: a file or tree added to the store, filtered by
//! a function of the language.
//!
//! The filter needs the evaluator, and the store must not call back into it, so the walk
//! happens here: the tree is read through `Io::read_dir` in the order Nix's NAR writer visits
//! it (entries sorted by name, depth first), the filter is called once for every entry below
//! the root, and the entries it refuses are passed to `Io::import_path`, which hashes what is
//! left. Nothing here hashes or computes a path.

use std::collections::HashSet;

use crate::Evaluator;
use crate::error::{EvalError, Result, Span};
use crate::io::{FileType, PathImport};
use crate::symbol::Symbol;
use crate::value::*;

use super::derivation::string_no_context;

/// `builtins.filterSource filter path`.
pub(super) fn filter_source(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    let path = ev.coerce_to_path(&args[1])?;
    let filter = ev.force(&args[0])?;
    if !filter.is_function() {
        return Err(EvalError::type_error(format!(
            "first argument in call to 'filterSource' is not a function but {}",
            filter.type_description()
        ))
        .at(span));
    }
    let name = base_name(&path).to_string();
    add_path(ev, &path, &name, Some(&filter), true, None).map_err(|e| e.at(span))
}

/// `builtins.path { path; name ? baseNameOf path; filter ? null; recursive ? true; sha256 ? null; }`.
pub(super) fn path(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    let attrs = ev.force_attrs(&args[0])?;
    let mut path = None;
    let mut name = None;
    let mut filter = None;
    let mut recursive = true;
    let mut sha256 = None;
    for attr in attrs.sorted_by_name() {
        let at = |e: Box<EvalError>| e.at(if attr.pos.is_none() { span } else { attr.pos });
        match attr.name.as_str() {
            "path" => path = Some(ev.coerce_to_path(&attr.value).map_err(at)?),
            "name" => name = Some(string_no_context(ev, &attr.value).map_err(at)?),
            "filter" => filter = Some(ev.force(&attr.value).map_err(at)?),
            "recursive" => recursive = ev.force_bool(&attr.value).map_err(at)?,
            "sha256" => sha256 = Some(string_no_context(ev, &attr.value).map_err(at)?),
            other => {
                return Err(EvalError::other(format!(
                    "unsupported argument '{other}' to 'addPath'"
                ))
                .at(attr.pos));
            }
        }
    }
    let Some(path) = path.filter(|p| !p.is_empty()) else {
        return Err(EvalError::other("'path' required").at(span));
    };
    let name = match name.filter(|n| !n.is_empty()) {
        Some(n) => n,
        None => base_name(&path).to_string(),
    };
    add_path(
        ev,
        &path,
        &name,
        filter.as_ref(),
        recursive,
        sha256.as_deref(),
    )
    .map_err(|e| e.at(span))
}

/// `builtins.toFile name contents`: a text file in the store. Its references are the store
/// paths in the contents' context; derivation outputs are refused, since the file would be
/// made before they are built.
pub(super) fn to_file(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    let name = string_no_context(ev, &args[0]).map_err(|e| e.at(span))?;
    let contents = ev.force_string(&args[1]).map_err(|e| e.at(span))?;
    let mut references = Vec::new();
    if let Some(ctx) = contents.context() {
        for c in ctx.iter() {
            if !c.starts_with('/') {
                return Err(EvalError::other(format!(
                    "in 'toFile': the file named '{name}' must not contain a reference to a \
                     derivation but contains ({c})"
                ))
                .at(span));
            }
            references.push(&**c);
        }
    }
    let stored = ev
        .io
        .add_text_to_store(&name, contents.as_str(), &references)
        .map_err(|e| e.at(span))?;
    let ctx = Context::from([stored.clone().into_boxed_str()]);
    Ok(Value::string_with_context(stored, ctx))
}

/// `builtins.storePath path`: a path in the store, with the context that makes it a
/// dependency.
pub(super) fn store_path(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    if ev.options.pure {
        return Err(EvalError::other(
            "'builtins.storePath' is not allowed in pure evaluation mode",
        )
        .at(span));
    }
    let path = ev.coerce_to_path(&args[0]).map_err(|e| e.at(span))?;
    let dir = ev.io.store_dir().to_string();
    let store_path = path
        .strip_prefix(&dir)
        .and_then(|rest| rest.strip_prefix('/'))
        .map(|rest| rest.split('/').next().unwrap_or(""))
        .filter(|base| !base.is_empty())
        .map(|base| format!("{dir}/{base}"));
    let Some(store_path) = store_path else {
        return Err(EvalError::other(format!("path '{path}' is not in the Nix store")).at(span));
    };
    ev.io
        .ensure_store_path(&store_path)
        .map_err(|e| e.at(span))?;
    let ctx = Context::from([store_path.into_boxed_str()]);
    Ok(Value::string_with_context(path, ctx))
}

fn add_path(
    ev: &mut Evaluator,
    path: &str,
    name: &str,
    filter: Option<&Value>,
    recursive: bool,
    sha256: Option<&str>,
) -> Result<Value> {
    let mut excluded = HashSet::new();
    if let Some(f) = filter
        && recursive
        && root_is_directory(ev, path)
    {
        walk(ev, f, path, &mut excluded)
            .map_err(|e| e.frame(Span::NONE, format!("while adding path '{path}'")))?;
    }
    let import = PathImport {
        path,
        name,
        recursive,
        sha256,
        excluded: &excluded,
    };
    let stored = ev.io.import_path(&import)?;
    let ctx = Context::from([stored.clone().into_boxed_str()]);
    Ok(Value::string_with_context(stored, ctx))
}

/// Whether the root is a directory itself, not a symbolic link to one (which is archived as a
/// link, so the filter never sees what is behind it).
fn root_is_directory(ev: &mut Evaluator, path: &str) -> bool {
    let (parent, base) = match path.rfind('/') {
        Some(0) if path.len() > 1 => ("/", &path[1..]),
        Some(i) if i > 0 => (&path[..i], &path[i + 1..]),
        _ => return matches!(ev.io.file_type(path), Ok(FileType::Directory)),
    };
    match ev.io.read_dir(parent) {
        Ok(entries) => entries
            .iter()
            .any(|(n, t)| n == base && *t == FileType::Directory),
        Err(_) => matches!(ev.io.file_type(path), Ok(FileType::Directory)),
    }
}

/// Calls the filter on every entry below `dir`, in NAR order, and records the ones it refuses.
fn walk(
    ev: &mut Evaluator,
    filter: &Value,
    dir: &str,
    excluded: &mut HashSet<String>,
) -> Result<()> {
    let mut entries = ev
        .io
        .read_dir(dir)
        .map_err(|e| EvalError::other(format!("cannot read directory '{dir}': {e}")))?;
    entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    for (entry, ty) in entries {
        let child = format!("{dir}/{entry}");
        let keep = ev.call2(
            filter,
            Value::string(child.clone()),
            Value::string(ty.as_str()),
        )?;
        match keep {
            Value::Bool(true) if ty == FileType::Directory => {
                walk(ev, filter, &child, excluded)?;
            }
            Value::Bool(true) => {}
            Value::Bool(false) => {
                excluded.insert(child);
            }
            other => return Err(super::expected(&other, "a Boolean")),
        }
    }
    Ok(())
}

/// The last component of a path, as `baseNameOf` gives it.
fn base_name(path: &str) -> &str {
    let trimmed = path.strip_suffix('/').unwrap_or(path);
    match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    }
}

/// `builtins.hostTool { tool; narHash ? null; version ? null; pinFile ? null; }`: a tool of the
/// host (`busybox`, `go`, `cacert`) imported into the store as a content-addressed path,
/// checked against its pin. The value is `{ name; pname; version; narHash; outPath; }`.
pub(super) fn host_tool(ev: &mut Evaluator, args: &mut [Value], span: Span) -> Result<Value> {
    let attrs = ev.force_attrs(&args[0]).map_err(|e| e.at(span))?;
    let mut fields: [Option<String>; 4] = Default::default();
    for attr in attrs.sorted_by_name() {
        let at = |e: Box<EvalError>| e.at(if attr.pos.is_none() { span } else { attr.pos });
        let slot = match attr.name.as_str() {
            "tool" => 0,
            "narHash" => 1,
            "version" => 2,
            "pinFile" => 3,
            other => {
                return Err(EvalError::other(format!(
                    "unsupported argument '{other}' to '__hostTool'"
                ))
                .at(attr.pos));
            }
        };
        if !matches!(ev.force(&attr.value).map_err(at)?, Value::Null) {
            fields[slot] = Some(string_no_context(ev, &attr.value).map_err(at)?);
        }
    }
    let [tool, nar_hash, version, pin_file] = fields;
    let Some(tool) = tool else {
        return Err(EvalError::other("'tool' required").at(span));
    };
    let info = ev
        .io
        .host_tool(&crate::io::HostToolRequest {
            tool: &tool,
            nar_hash: nar_hash.as_deref(),
            version: version.as_deref(),
            pin_file: pin_file.as_deref(),
        })
        .map_err(|e| e.at(span))?;
    let ctx = Context::from([info.path.clone().into_boxed_str()]);
    let name = if info.version.is_empty() {
        tool.clone()
    } else {
        format!("{tool}-{}", info.version)
    };
    let attr = |name: &str, value: Value| Attr {
        name: Symbol::intern(name),
        pos: Span::NONE,
        value,
    };
    Ok(Value::attrs(Attrs::from_unsorted(vec![
        attr("name", Value::string(name)),
        attr("pname", Value::string(tool)),
        attr("version", Value::string(info.version)),
        attr("narHash", Value::string(info.nar_hash)),
        attr("outPath", Value::string_with_context(info.path, ctx)),
    ])))
}
