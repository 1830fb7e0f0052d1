//! Copying a flake's source into the store, as Nix does: a folder in a git checkout is its
//! tracked files (with their changes, with a warning when there are some), other folders are
//! copied whole, and a commit of a git repository is its tree at that commit. Nothing here
//! needs the network.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use cairn_store::dump::hash_path;
use cairn_store::{HashAlgo, IngestionMethod, LocalStore};

use crate::flakeref::FlakeRef;

/// A source in the store.
#[derive(Clone, Debug)]
pub struct Source {
    /// The store path (logical).
    pub store_path: String,
    /// The NAR hash, in SRI form.
    pub nar_hash: String,
    pub last_modified: Option<i64>,
    /// The commit, for a git source without changes.
    pub rev: Option<String>,
    /// `<commit>-dirty` for a git checkout with changes.
    pub dirty_rev: Option<String>,
    /// Where the flake is inside the source.
    pub dir: Option<String>,
    /// The reference with what pins it (the commit of a git source).
    pub locked: FlakeRef,
}

fn git(repo: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e} (install git to use git sources)"))?;
    if !out.status.success() {
        return Err(format!(
            "git {} in {} failed: {}",
            args.join(" "),
            repo.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

fn git_text(repo: &Path, args: &[&str]) -> Result<String, String> {
    Ok(String::from_utf8_lossy(&git(repo, args)?)
        .trim()
        .to_string())
}

/// The top of the git work tree holding `dir`, if it is in one.
fn git_top(dir: &Path) -> Option<PathBuf> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()))
}

fn join_dir(a: Option<String>, b: Option<&str>) -> Option<String> {
    match (a.filter(|s| !s.is_empty()), b.filter(|s| !s.is_empty())) {
        (Some(a), Some(b)) => Some(format!("{a}/{b}")),
        (a, b) => a.or(b.map(String::from)),
    }
}

/// Copies the source of `flake` into `store`; `stdlib` is the folder of the bundled standard
/// library, for `cairn:stdlib`.
pub fn fetch(
    store: &LocalStore,
    flake: &FlakeRef,
    stdlib: &Path,
    warn: &dyn Fn(&str),
) -> Result<Source, String> {
    match flake {
        FlakeRef::Cairn { .. } => {
            let (store_path, nar_hash) = add(store, stdlib, &mut |_| true)?;
            Ok(plain(store_path, nar_hash, flake))
        }
        FlakeRef::Path { path, dir } => {
            if !path.is_dir() {
                return Err(format!("flake folder '{}' does not exist", path.display()));
            }
            match git_top(path) {
                Some(top) => fetch_work_tree(store, &top, path, dir.as_deref(), warn),
                None => {
                    let (store_path, nar_hash) = add(store, path, &mut |_| true)?;
                    Ok(Source {
                        dir: dir.clone(),
                        ..plain(store_path, nar_hash, flake)
                    })
                }
            }
        }
        FlakeRef::File { path } => {
            let (store_path, nar_hash) = add(store, path, &mut |_| true)?;
            Ok(plain(store_path, nar_hash, flake))
        }
        FlakeRef::Tarball { path } => {
            let temp = tempfile::Builder::new()
                .prefix("cairn-tarball-")
                .tempdir()
                .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
            let unpack = if path.to_string_lossy().ends_with(".zip") {
                Command::new("unzip")
                    .arg("-q")
                    .arg(path)
                    .arg("-d")
                    .arg(temp.path())
                    .output()
            } else {
                Command::new("tar")
                    .arg("-xf")
                    .arg(path)
                    .arg("-C")
                    .arg(temp.path())
                    .output()
            }
            .map_err(|e| format!("cannot unpack {}: {e}", path.display()))?;
            if !unpack.status.success() {
                return Err(format!(
                    "cannot unpack {}: {}",
                    path.display(),
                    String::from_utf8_lossy(&unpack.stderr).trim()
                ));
            }
            // An archive of one folder is that folder, as Nix unpacks it.
            let entries: Vec<_> = std::fs::read_dir(temp.path())
                .map_err(|e| e.to_string())?
                .flatten()
                .collect();
            let root = match entries.as_slice() {
                [one] if one.file_type().is_ok_and(|t| t.is_dir()) => one.path(),
                _ => temp.path().to_path_buf(),
            };
            let (store_path, nar_hash) = add(store, &root, &mut |_| true)?;
            Ok(plain(store_path, nar_hash, flake))
        }
        FlakeRef::Git {
            path,
            git_ref,
            rev,
            dir,
        } => {
            let rev = match (rev, git_ref) {
                (Some(rev), _) => rev.clone(),
                (None, Some(r)) => {
                    git_text(path, &["rev-parse", "--verify", &format!("{r}^{{commit}}")])?
                }
                (None, None) => git_text(path, &["rev-parse", "--verify", "HEAD^{commit}"])?,
            };
            git(path, &["cat-file", "-e", &format!("{rev}^{{commit}}")])
                .map_err(|_| format!("git repository '{}' has no commit {rev}", path.display()))?;
            let last_modified: i64 = git_text(path, &["log", "-1", "--format=%ct", &rev])?
                .parse()
                .map_err(|_| format!("cannot read the time of commit {rev}"))?;
            let temp = tempfile::Builder::new()
                .prefix("cairn-git-")
                .tempdir()
                .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
            let archive = git(path, &["archive", "--format=tar", &rev])?;
            let mut untar = Command::new("tar")
                .args(["-x", "-C"])
                .arg(temp.path())
                .stdin(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| format!("cannot run tar: {e}"))?;
            {
                use std::io::Write;
                let mut stdin = untar.stdin.take().ok_or("tar has no input")?;
                stdin
                    .write_all(&archive)
                    .map_err(|e| format!("cannot unpack commit {rev}: {e}"))?;
            }
            let status = untar.wait().map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("cannot unpack commit {rev} of {}", path.display()));
            }
            let (store_path, nar_hash) = add(store, temp.path(), &mut |_| true)?;
            Ok(Source {
                store_path,
                nar_hash,
                last_modified: Some(last_modified),
                rev: Some(rev.clone()),
                dirty_rev: None,
                dir: dir.clone(),
                locked: FlakeRef::Git {
                    path: path.clone(),
                    git_ref: git_ref.clone(),
                    rev: Some(rev),
                    dir: dir.clone(),
                },
            })
        }
    }
}

fn plain(store_path: String, nar_hash: String, flake: &FlakeRef) -> Source {
    Source {
        store_path,
        nar_hash,
        last_modified: None,
        rev: None,
        dirty_rev: None,
        dir: None,
        locked: flake.clone(),
    }
}

/// The tracked files of the work tree at `top` (their current contents), for the flake in
/// `folder` below it.
fn fetch_work_tree(
    store: &LocalStore,
    top: &Path,
    folder: &Path,
    dir: Option<&str>,
    warn: &dyn Fn(&str),
) -> Result<Source, String> {
    let top = top
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {e}", top.display()))?;
    let folder = folder
        .canonicalize()
        .map_err(|e| format!("cannot read {}: {e}", folder.display()))?;
    let files = git(&top, &["ls-files", "-z", "--cached"])?;
    let mut keep: HashSet<PathBuf> = HashSet::new();
    for name in files.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let mut p = top.join(String::from_utf8_lossy(name).as_ref());
        while p != top && keep.insert(p.clone()) {
            if !p.pop() {
                break;
            }
        }
    }
    let head = git_text(&top, &["rev-parse", "--verify", "HEAD^{commit}"]).ok();
    let dirty = !git(&top, &["status", "--porcelain", "--untracked-files=no"])?.is_empty();
    if dirty {
        warn(&format!("Git tree '{}' is dirty", top.display()));
    }
    let last_modified = match &head {
        Some(rev) => git_text(&top, &["log", "-1", "--format=%ct", rev])?
            .parse()
            .ok(),
        None => None,
    };
    let (store_path, nar_hash) = add(store, &top, &mut |p| keep.contains(p))?;
    let sub = folder
        .strip_prefix(&top)
        .ok()
        .map(|p| p.to_string_lossy().into_owned())
        .filter(|p| !p.is_empty());
    let (rev, dirty_rev) = match (head, dirty) {
        (Some(h), false) => (Some(h), None),
        (Some(h), true) => (None, Some(format!("{h}-dirty"))),
        (None, _) => (None, None),
    };
    Ok(Source {
        store_path,
        nar_hash,
        last_modified,
        rev,
        dirty_rev,
        dir: join_dir(sub, dir),
        locked: FlakeRef::Path {
            path: folder.clone(),
            dir: dir.map(String::from),
        },
    })
}

/// Adds `path` (filtered) to the store as `source`: its store path and NAR hash.
fn add(
    store: &LocalStore,
    path: &Path,
    filter: &mut dyn FnMut(&Path) -> bool,
) -> Result<(String, String), String> {
    let sp = store
        .add_path(
            path,
            "source",
            IngestionMethod::Recursive,
            HashAlgo::Sha256,
            filter,
        )
        .map_err(|e| format!("cannot copy '{}' to the store: {e}", path.display()))?;
    // Inside a batch the path is registered only when the batch ends: hash what was copied.
    let nar_hash = match store.path_info(&sp).map_err(|e| e.to_string())? {
        Some(info) => info.nar_hash.to_sri(),
        None => nar_hash_of(&store.physical(&sp))?,
    };
    Ok((store.store_dir().print(&sp), nar_hash))
}

/// The NAR hash a folder would have in the store (for checking a lock without copying).
pub fn nar_hash_of(path: &Path) -> Result<String, String> {
    hash_path(HashAlgo::Sha256, path, &mut |_| true)
        .map(|(h, _)| h.to_sri())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The store path of a source with NAR hash `nar_hash` (named `source`), if it is valid.
pub fn valid_source(store: &LocalStore, nar_hash: &str) -> Option<String> {
    let hash = cairn_store::Hash::parse_any(nar_hash, Some(HashAlgo::Sha256)).ok()?;
    let path = store
        .store_dir()
        .make_fixed_output_path(
            IngestionMethod::Recursive,
            &hash,
            "source",
            &std::collections::BTreeSet::new(),
            false,
        )
        .ok()?;
    store
        .is_valid(&path)
        .ok()?
        .then(|| store.store_dir().print(&path))
}
