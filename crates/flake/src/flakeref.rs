//! Flake references and installables, in Nix's URL syntax:
//!
//! - `.`, `./dir`, `/abs/dir`, `path:/abs/dir`: a folder (in a git checkout: its tracked files);
//! - `git+file:///repo?ref=main&rev=SHA&dir=sub`: a commit of a local git repository;
//! - `file:///x.tar.gz` (or `tarball+file://`): an archive, unpacked; `file+file://` (or
//!   `file://` of anything else): a file;
//! - `cairn:stdlib`: the standard library bundled into cairn.
//!
//! An installable is `FLAKEREF#ATTRPATH`; without `#ATTRPATH` it means `default`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a flake's source comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FlakeRef {
    /// A folder on this machine.
    Path { path: PathBuf, dir: Option<String> },
    /// A local git repository, at `rev` (or the tip of `ref`, or HEAD).
    Git {
        path: PathBuf,
        git_ref: Option<String>,
        rev: Option<String>,
        dir: Option<String>,
    },
    /// The standard library bundled into cairn.
    Cairn { name: String },
    /// An archive on this machine (`file://`), unpacked.
    Tarball { path: PathBuf },
    /// A file on this machine (`file://`), as it is.
    File { path: PathBuf },
}

/// The archive formats a `file://` URL is unpacked from, by its ending.
const ARCHIVES: [&str; 7] = [
    ".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.bz2", ".tar.zst", ".zip",
];

impl FlakeRef {
    /// Parses `text`; relative paths are relative to `cwd`.
    pub fn parse(text: &str, cwd: &Path) -> Result<FlakeRef, String> {
        let (base, query) = match text.split_once('?') {
            Some((b, q)) => (b, parse_query(q)?),
            None => (text, BTreeMap::new()),
        };
        let known = |allowed: &[&str]| -> Result<(), String> {
            for key in query.keys() {
                if !allowed.contains(&key.as_str()) {
                    return Err(format!(
                        "flake reference '{text}' has an unsupported parameter '{key}'"
                    ));
                }
            }
            Ok(())
        };
        let dir = query.get("dir").cloned().filter(|d| !d.is_empty());
        if let Some(name) = base.strip_prefix("cairn:") {
            known(&[])?;
            if name != "stdlib" {
                return Err(format!(
                    "unknown flake reference '{text}': cairn bundles only 'cairn:stdlib'"
                ));
            }
            return Ok(FlakeRef::Cairn { name: name.into() });
        }
        if let Some(rest) = base.strip_prefix("git+file://") {
            known(&["ref", "rev", "dir"])?;
            if let Some(rev) = query.get("rev")
                && !(rev.len() == 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return Err(format!(
                    "flake reference '{text}': 'rev' must be a full 40-digit commit hash"
                ));
            }
            return Ok(FlakeRef::Git {
                path: absolute(rest, cwd),
                git_ref: query.get("ref").cloned(),
                rev: query.get("rev").cloned(),
                dir,
            });
        }
        for (scheme, tarball) in [
            ("tarball+file://", Some(true)),
            ("file+file://", Some(false)),
            ("file://", None),
        ] {
            if let Some(rest) = base.strip_prefix(scheme) {
                known(&["narHash"])?;
                let path = absolute(rest, cwd);
                let tarball = tarball.unwrap_or_else(|| ARCHIVES.iter().any(|e| rest.ends_with(e)));
                return Ok(if tarball {
                    FlakeRef::Tarball { path }
                } else {
                    FlakeRef::File { path }
                });
            }
        }
        if let Some(rest) = base.strip_prefix("path:") {
            known(&["dir", "narHash", "lastModified"])?;
            return Ok(FlakeRef::Path {
                path: absolute(rest, cwd),
                dir,
            });
        }
        if base.starts_with('.') || base.starts_with('/') {
            known(&["dir"])?;
            return Ok(FlakeRef::Path {
                path: absolute(base, cwd),
                dir,
            });
        }
        Err(format!(
            "cannot understand the flake reference '{text}': use a path (`.`, `./dir`, \
             `path:/abs`), `git+file:///repo?rev=SHA`, `file:///archive.tar.gz`, or \
             `cairn:stdlib`"
        ))
    }

    /// The reference as a URL, as `original` in the lock records it.
    pub fn to_url(&self) -> String {
        let with_query = |base: String, pairs: Vec<(&str, &Option<String>)>| {
            let q: Vec<String> = pairs
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}={v}")))
                .collect();
            if q.is_empty() {
                base
            } else {
                format!("{base}?{}", q.join("&"))
            }
        };
        match self {
            FlakeRef::Path { path, dir } => {
                with_query(format!("path:{}", path.display()), vec![("dir", dir)])
            }
            FlakeRef::Git {
                path,
                git_ref,
                rev,
                dir,
            } => with_query(
                format!("git+file://{}", path.display()),
                vec![("dir", dir), ("ref", git_ref), ("rev", rev)],
            ),
            FlakeRef::Cairn { name } => format!("cairn:{name}"),
            FlakeRef::Tarball { path } => format!("tarball+file://{}", path.display()),
            FlakeRef::File { path } => format!("file+file://{}", path.display()),
        }
    }

    /// The subfolder of the source that holds `flake.nix`.
    pub fn dir(&self) -> Option<&str> {
        match self {
            FlakeRef::Path { dir, .. } | FlakeRef::Git { dir, .. } => dir.as_deref(),
            FlakeRef::Cairn { .. } | FlakeRef::Tarball { .. } | FlakeRef::File { .. } => None,
        }
    }
}

/// Splits `FLAKEREF#ATTRPATH`; the attribute path is `None` when there is no `#`.
pub fn split_installable(text: &str) -> (&str, Option<&str>) {
    match text.split_once('#') {
        Some((r, a)) => (r, Some(a)),
        None => (text, None),
    }
}

/// Whether a command-line argument names a flake rather than a file: it has a `#`, or a flake
/// URL scheme.
pub fn looks_like_installable(text: &str) -> bool {
    text.contains('#')
        || [
            "path:",
            "git+file:",
            "cairn:",
            "tarball+file:",
            "file+file:",
            "file:",
        ]
        .iter()
        .any(|s| text.starts_with(s))
}

fn absolute(path: &str, cwd: &Path) -> PathBuf {
    let p = Path::new(path);
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        cwd.join(p)
    };
    // Lexically: `.` and `..` go, links stay.
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn parse_query(q: &str) -> Result<BTreeMap<String, String>, String> {
    let mut map = BTreeMap::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair
            .split_once('=')
            .ok_or_else(|| format!("flake reference parameter '{pair}' has no value"))?;
        map.insert(k.to_string(), v.to_string());
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_parse() {
        let cwd = Path::new("/work/x");
        assert_eq!(
            FlakeRef::parse(".", cwd).unwrap(),
            FlakeRef::Path {
                path: "/work/x".into(),
                dir: None
            }
        );
        assert_eq!(
            FlakeRef::parse("./a/../b", cwd).unwrap().to_url(),
            "path:/work/x/b"
        );
        let rev = "0123456789abcdef0123456789abcdef01234567";
        let git = FlakeRef::parse(&format!("git+file:///repo?rev={rev}&dir=svc"), cwd).unwrap();
        assert_eq!(git.dir(), Some("svc"));
        assert_eq!(git.to_url(), format!("git+file:///repo?dir=svc&rev={rev}"));
        assert!(FlakeRef::parse("git+file:///repo?rev=abc", cwd).is_err());
        assert!(FlakeRef::parse("github:NixOS/nixpkgs", cwd).is_err());
        assert!(FlakeRef::parse("path:/x?color=red", cwd).is_err());
        assert_eq!(
            FlakeRef::parse("cairn:stdlib", cwd).unwrap().to_url(),
            "cairn:stdlib"
        );
        assert_eq!(split_installable(".#docker"), (".", Some("docker")));
        assert!(looks_like_installable(".#docker"));
        assert!(!looks_like_installable("./default.nix"));
    }
}
