//! Built-ins on strings: substrings, replacement, regular expressions, versions, hashes and
//! string contexts.

use std::rc::Rc;

use md5::Digest;

use super::attr;
use crate::Evaluator;
use crate::error::{EvalError, Result, Span};
use crate::eval::Coerce;
use crate::regex::PosixRegex;
use crate::symbol::Symbol;
use crate::value::*;

pub(super) fn to_string(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let (s, ctx) = ev.coerce_to_string(&args[0], Coerce::More, false)?;
    Ok(Value::string_with_context(s, ctx))
}

pub(super) fn string_length(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let (s, _) = ev.coerce_to_string(&args[0], Coerce::Interpolation, true)?;
    Ok(Value::Int(s.len() as i64))
}

/// Bytes `start..start+len` of `s`; a cut inside a UTF-8 sequence keeps what is valid.
fn byte_slice(s: &str, start: usize, end: usize) -> String {
    match s.get(start..end) {
        Some(t) => t.to_string(),
        None => String::from_utf8_lossy(&s.as_bytes()[start..end]).into_owned(),
    }
}

pub(super) fn substring(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let start = ev.force_int(&args[0])?;
    let len = ev.force_int(&args[1])?;
    let (s, ctx) = ev.coerce_to_string(&args[2], Coerce::Interpolation, true)?;
    if start < 0 {
        return Err(EvalError::other("negative start position in 'substring'"));
    }
    let start = (start as usize).min(s.len());
    let end = if len < 0 {
        s.len()
    } else {
        start.saturating_add(len as usize).min(s.len())
    };
    Ok(Value::string_with_context(byte_slice(&s, start, end), ctx))
}

pub(super) fn concat_strings_sep(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let sep = ev.force_string(&args[0])?;
    let list = ev.force_list(&args[1])?;
    let mut out = String::new();
    let mut ctx = sep.context().cloned().unwrap_or_default();
    for (i, item) in list.iter().enumerate() {
        if i > 0 {
            out.push_str(sep.as_str());
        }
        ev.coerce_into(item, Coerce::Interpolation, true, &mut out, &mut ctx)?;
    }
    Ok(Value::string_with_context(out, ctx))
}

pub(super) fn replace_strings(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let from = ev.force_list(&args[0])?;
    let to = ev.force_list(&args[1])?;
    if from.len() != to.len() {
        return Err(EvalError::other(
            "'from' and 'to' arguments passed to builtins.replaceStrings have different lengths",
        ));
    }
    let mut pats = Vec::with_capacity(from.len());
    for f in from.iter() {
        pats.push(ev.force_string(f)?);
    }
    // Replacements are forced only when used.
    let mut reps: Vec<Option<Rc<NixString>>> = vec![None; to.len()];
    let s = ev.force_string(&args[2])?;
    let mut ctx = s.context().cloned().unwrap_or_default();
    let text = s.as_str();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    while pos <= bytes.len() {
        let mut matched = false;
        for (i, p) in pats.iter().enumerate() {
            let p = p.as_str();
            if bytes[pos..].starts_with(p.as_bytes()) {
                if reps[i].is_none() {
                    reps[i] = Some(ev.force_string(&to[i])?);
                }
                let r = reps[i].as_ref().expect("just set");
                out.push_str(r.as_str());
                if let Some(c) = r.context() {
                    ctx.extend(c.iter().cloned());
                }
                matched = true;
                if p.is_empty() {
                    if let Some(c) = text[pos..].chars().next() {
                        out.push(c);
                        pos += c.len_utf8();
                    } else {
                        pos += 1;
                    }
                } else {
                    pos += p.len();
                }
                break;
            }
        }
        if !matched {
            match text[pos..].chars().next() {
                Some(c) => {
                    out.push(c);
                    pos += c.len_utf8();
                }
                None => break,
            }
        }
    }
    Ok(Value::string_with_context(out, ctx))
}

pub(super) fn base_name_of(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let (s, ctx) = ev.coerce_to_string(&args[0], Coerce::Interpolation, false)?;
    let trimmed = s.strip_suffix('/').unwrap_or(&s);
    let base = match trimmed.rfind('/') {
        Some(i) => &trimmed[i + 1..],
        None => trimmed,
    };
    Ok(Value::string_with_context(base, ctx))
}

pub(super) fn dir_of(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let v = ev.force(&args[0])?;
    let is_path = matches!(v, Value::Path(_));
    let (s, ctx) = ev.coerce_to_string(&v, Coerce::Interpolation, false)?;
    let dir = match s.rfind('/') {
        Some(0) => "/".to_string(),
        Some(i) => s[..i].to_string(),
        None => ".".to_string(),
    };
    if is_path {
        Ok(Value::path(dir))
    } else {
        Ok(Value::string_with_context(dir, ctx))
    }
}

// ----- regular expressions -----

impl Evaluator {
    fn regex(&mut self, pattern: &str) -> Result<Rc<PosixRegex>> {
        if let Some(r) = self.regex_cache.get(pattern) {
            return Ok(r.clone());
        }
        let r = PosixRegex::new(pattern).map_err(|e| {
            EvalError::other(format!("invalid regular expression '{pattern}': {e}"))
        })?;
        let r = Rc::new(r);
        self.regex_cache.insert(pattern.to_string(), r.clone());
        Ok(r)
    }
}

fn groups_value(s: &str, groups: &[Option<(usize, usize)>]) -> Value {
    Value::list(
        groups
            .iter()
            .map(|g| match g {
                Some((a, b)) => Value::string(byte_slice(s, *a, *b)),
                None => Value::Null,
            })
            .collect(),
    )
}

pub(super) fn regex_match(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let pattern = ev.force_string(&args[0])?;
    let re = ev.regex(pattern.as_str())?;
    let s = ev.force_string(&args[1])?;
    match re.match_full(s.as_str()) {
        Some(groups) => Ok(groups_value(s.as_str(), &groups)),
        None => Ok(Value::Null),
    }
}

pub(super) fn regex_split(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let pattern = ev.force_string(&args[0])?;
    let re = ev.regex(pattern.as_str())?;
    let s = ev.force_string(&args[1])?;
    let text = s.as_str();
    let mut out = Vec::new();
    let mut last = 0;
    for ((start, end), groups) in re.find_all(text) {
        out.push(Value::string(byte_slice(text, last, start)));
        out.push(groups_value(text, &groups));
        last = end;
    }
    out.push(Value::string(byte_slice(text, last, text.len())));
    Ok(Value::list(out))
}

// ----- versions -----

fn next_component(s: &[u8], p: &mut usize) -> String {
    while *p < s.len() && (s[*p] == b'.' || s[*p] == b'-') {
        *p += 1;
    }
    let start = *p;
    if *p < s.len() && s[*p].is_ascii_digit() {
        while *p < s.len() && s[*p].is_ascii_digit() {
            *p += 1;
        }
    } else {
        while *p < s.len() && !s[*p].is_ascii_digit() && s[*p] != b'.' && s[*p] != b'-' {
            *p += 1;
        }
    }
    String::from_utf8_lossy(&s[start..*p]).into_owned()
}

fn components_lt(c1: &str, c2: &str) -> bool {
    let n1 = c1.parse::<i32>().ok().filter(|_| !c1.is_empty());
    let n2 = c2.parse::<i32>().ok().filter(|_| !c2.is_empty());
    match (n1, n2) {
        (Some(a), Some(b)) => a < b,
        _ if c1.is_empty() && n2.is_some() => true,
        _ if c1 == "pre" && c2 != "pre" => true,
        _ if c2 == "pre" => false,
        (_, Some(_)) => true,
        (Some(_), _) => false,
        _ => c1 < c2,
    }
}

/// Nix's version comparison: -1, 0 or 1.
pub(crate) fn compare_version_strings(v1: &str, v2: &str) -> i64 {
    let (a, b) = (v1.as_bytes(), v2.as_bytes());
    let (mut p1, mut p2) = (0, 0);
    while p1 < a.len() || p2 < b.len() {
        let c1 = next_component(a, &mut p1);
        let c2 = next_component(b, &mut p2);
        if components_lt(&c1, &c2) {
            return -1;
        }
        if components_lt(&c2, &c1) {
            return 1;
        }
    }
    0
}

pub(super) fn compare_versions(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let a = ev.force_string(&args[0])?;
    let b = ev.force_string(&args[1])?;
    Ok(Value::Int(compare_version_strings(a.as_str(), b.as_str())))
}

pub(super) fn split_version(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let s = ev.force_string(&args[0])?;
    let bytes = s.as_str().as_bytes();
    let mut p = 0;
    let mut out = Vec::new();
    while p < bytes.len() {
        let c = next_component(bytes, &mut p);
        if c.is_empty() {
            break;
        }
        out.push(Value::string(c));
    }
    Ok(Value::list(out))
}

pub(super) fn parse_drv_name(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let (s, _) = ev.coerce_to_string(&args[0], Coerce::Interpolation, false)?;
    let b = s.as_bytes();
    let mut name = s.as_str();
    let mut version = "";
    for i in 0..b.len() {
        if b[i] == b'-' && i + 1 < b.len() && !b[i + 1].is_ascii_alphabetic() {
            name = &s[..i];
            version = &s[i + 1..];
            break;
        }
    }
    Ok(Value::attrs(Attrs::from_unsorted(vec![
        attr(ev.syms.name, Value::string(name)),
        attr(Symbol::intern("version"), Value::string(version)),
    ])))
}

// ----- hashes -----

/// The digest of `data` with a hash Nix names `algo`.
pub(crate) fn hash_bytes(algo: &str, data: &[u8]) -> Result<Vec<u8>> {
    Ok(match algo {
        "md5" => md5::Md5::digest(data).to_vec(),
        "sha1" => sha1::Sha1::digest(data).to_vec(),
        "sha256" => sha2::Sha256::digest(data).to_vec(),
        "sha512" => sha2::Sha512::digest(data).to_vec(),
        other => {
            return Err(EvalError::other(format!(
                "unknown hash algorithm '{other}'"
            )));
        }
    })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Nix's base-32 encoding of hashes.
pub(crate) fn nix_base32(bytes: &[u8]) -> String {
    const CHARS: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";
    let len = (bytes.len() * 8).div_ceil(5);
    let mut s = String::with_capacity(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let lo = (bytes[i] as u16) >> j;
        let hi = if i + 1 < bytes.len() {
            (bytes[i + 1] as u16) << (8 - j)
        } else {
            0
        };
        s.push(CHARS[((lo | hi) & 0x1f) as usize] as char);
    }
    s
}

pub(super) fn hash_string(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let algo = ev.force_string(&args[0])?;
    let s = ev.force_string(&args[1])?;
    let digest = hash_bytes(algo.as_str(), s.as_str().as_bytes())?;
    Ok(Value::string(hex(&digest)))
}

pub(super) fn placeholder(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let name = ev.force_string(&args[0])?;
    let digest = hash_bytes("sha256", format!("nix-output:{}", name.as_str()).as_bytes())?;
    Ok(Value::string(format!("/{}", nix_base32(&digest))))
}

// ----- contexts -----

pub(super) fn has_context(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let s = ev.force_string(&args[0])?;
    Ok(Value::Bool(s.has_context()))
}

pub(super) fn unsafe_discard_string_context(
    ev: &mut Evaluator,
    args: &mut [Value],
    _: Span,
) -> Result<Value> {
    let (s, _) = ev.coerce_to_string(&args[0], Coerce::Interpolation, true)?;
    Ok(Value::string(s))
}

pub(super) fn unsafe_discard_output_dependency(
    ev: &mut Evaluator,
    args: &mut [Value],
    _: Span,
) -> Result<Value> {
    let (s, ctx) = ev.coerce_to_string(&args[0], Coerce::Interpolation, true)?;
    let ctx = ctx
        .into_iter()
        .map(|c| match c.strip_prefix('=') {
            Some(p) => p.into(),
            None => c,
        })
        .collect();
    Ok(Value::string_with_context(s, ctx))
}

pub(super) fn get_context(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let s = ev.force_string(&args[0])?;
    #[derive(Default)]
    struct Info {
        path: bool,
        all: bool,
        outputs: Vec<String>,
    }
    let mut infos: std::collections::BTreeMap<String, Info> = Default::default();
    if let Some(ctx) = s.context() {
        for c in ctx.iter() {
            if let Some(p) = c.strip_prefix('=') {
                infos.entry(p.to_string()).or_default().all = true;
            } else if let Some(rest) = c.strip_prefix('!') {
                if let Some((out, p)) = rest.split_once('!') {
                    infos
                        .entry(p.to_string())
                        .or_default()
                        .outputs
                        .push(out.to_string());
                }
            } else {
                infos.entry(c.to_string()).or_default().path = true;
            }
        }
    }
    let entries = infos
        .into_iter()
        .map(|(p, info)| {
            let mut fields = Vec::new();
            if info.path {
                fields.push(attr(Symbol::intern("path"), Value::Bool(true)));
            }
            if info.all {
                fields.push(attr(Symbol::intern("allOutputs"), Value::Bool(true)));
            }
            if !info.outputs.is_empty() {
                let mut outs = info.outputs;
                outs.sort();
                fields.push(attr(
                    Symbol::intern("outputs"),
                    Value::list(outs.into_iter().map(Value::string).collect()),
                ));
            }
            attr(
                Symbol::intern(&p),
                Value::attrs(Attrs::from_unsorted(fields)),
            )
        })
        .collect();
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

pub(super) fn append_context(ev: &mut Evaluator, args: &mut [Value], _: Span) -> Result<Value> {
    let s = ev.force_string(&args[0])?;
    let a = ev.force_attrs(&args[1])?;
    let mut ctx = s.context().cloned().unwrap_or_default();
    for entry in a.iter() {
        let path = entry.name.as_str();
        if !ev.is_in_store(path) {
            return Err(EvalError::other(format!(
                "context key '{path}' is not a store path"
            )));
        }
        let info = ev.force_attrs(&entry.value)?;
        if let Some(v) = info.get_str("path") {
            let v = v.clone();
            if ev.force_bool(&v)? {
                ctx.insert(path);
            }
        }
        if let Some(v) = info.get_str("allOutputs") {
            let v = v.clone();
            if ev.force_bool(&v)? {
                if !path.ends_with(".drv") {
                    return Err(EvalError::other(format!(
                        "tried to add all-outputs context of {path}, which is not a derivation, to a string"
                    )));
                }
                ctx.insert(format!("={path}"));
            }
        }
        if let Some(v) = info.get_str("outputs") {
            let v = v.clone();
            let outs = ev.force_list(&v)?;
            if !outs.is_empty() && !path.ends_with(".drv") {
                return Err(EvalError::other(format!(
                    "tried to add derivation output context of {path}, which is not a derivation, to a string"
                )));
            }
            for o in outs.iter() {
                let o = ev.force_string(o)?;
                ctx.insert(format!("!{}!{path}", o.as_str()));
            }
        }
    }
    Ok(Value::string_with_context(s.as_str(), ctx))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_as_nix_compares_them() {
        assert_eq!(compare_version_strings("1.0", "1.0pre"), 1);
        assert_eq!(compare_version_strings("2.3a", "2.3.1"), -1);
        assert_eq!(compare_version_strings("1.2.3", "1.2.3"), 0);
        assert_eq!(compare_version_strings("1.10", "1.9"), 1);
    }

    #[test]
    fn nix_base32_matches_nix() {
        // builtins.placeholder "out" in Nix 2.8.
        let digest = hash_bytes("sha256", b"nix-output:out").unwrap();
        assert_eq!(
            nix_base32(&digest),
            "1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"
        );
    }
}
