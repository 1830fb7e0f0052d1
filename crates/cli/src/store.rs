//! `cairn store`: add, list, read, dump, describe, verify and collect store paths.
//!
//! Paths on the command line are logical (`/nix/store/<hash>-name`, or a path inside one),
//! physical (under the store's root), or links to either such as `./result`; what comes out
//! is logical paths and the physical files' contents.

use std::collections::BTreeSet;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use cairn_store::{
    HashAlgo, IngestionMethod, LocalStore, StorePath,
    local::{GcOptions, VerifyReport},
};

use crate::{GlobalArgs, Outcome};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum StoreCommand {
    /// Add files or trees to the store, as `nix-store --add` does, and print their paths.
    ///
    /// Each path is archived as a NAR (symbolic links kept as links) and stored under the
    /// path its SHA-256 gives, named after the last component (or `--name`).
    #[command(after_help = "Examples:\n  \
        cairn store add ./src                  add a tree\n  \
        cairn store add --name config ./c.json add a file under another name")]
    Add {
        /// The files or directories to add.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The name of the store path (default: the file's name).
        #[arg(long, short = 'n')]
        name: Option<String>,
    },

    /// Add files as fixed-output paths of a given hash algorithm, as `nix-store --add-fixed`.
    ///
    /// Without `--recursive` the file's bytes are hashed (a regular file only); with it, its
    /// NAR. The path printed is the one a fixed-output derivation with that hash would have.
    #[command(after_help = "Examples:\n  \
        cairn store add-fixed sha256 ./go1.23.tar.gz\n  \
        cairn store add-fixed --recursive sha1 ./tree")]
    AddFixed {
        /// Hash the NAR of the path instead of the bytes of a file.
        #[arg(long, short = 'r')]
        recursive: bool,
        /// The hash algorithm: md5, sha1, sha256 or sha512.
        #[arg(value_name = "ALGO")]
        algo: String,
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },

    /// List the valid store paths, or the contents of a path in the store.
    #[command(after_help = "Examples:\n  \
        cairn store ls                                 every valid path\n  \
        cairn store ls -lR /nix/store/<hash>-hello     a path's files, recursively")]
    Ls {
        /// A path in the store (a store path or a file inside one).
        #[arg(value_name = "PATH")]
        path: Option<String>,
        /// Show the type, permissions and size of each entry.
        #[arg(long, short = 'l')]
        long: bool,
        /// List directories recursively.
        #[arg(long, short = 'R')]
        recursive: bool,
    },

    /// Print the contents of a file in the store.
    #[command(after_help = "Example:\n  cairn store cat /nix/store/<hash>-hello/bin/hello")]
    Cat {
        #[arg(value_name = "PATH")]
        path: String,
    },

    /// Write the NAR serialisation of a store path to standard output, as `nix-store --dump`.
    #[command(after_help = "Example:\n  cairn store dump ./result > hello.nar")]
    Dump {
        #[arg(value_name = "PATH")]
        path: String,
    },

    /// Show what the store knows of paths: NAR hash and size, references, deriver.
    ///
    /// The JSON form uses the names `nix path-info --json` uses.
    #[command(after_help = "Examples:\n  \
        cairn store path-info -rS ./result      the closure, with closure sizes\n  \
        cairn store path-info --json /nix/store/<hash>-hello")]
    PathInfo {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
        /// Include everything the paths refer to, directly or not.
        #[arg(long, short = 'r')]
        recursive: bool,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// Show each path's NAR size.
        #[arg(long, short = 's')]
        size: bool,
        /// Show the size of each path's closure.
        #[arg(long, short = 'S')]
        closure_size: bool,
    },

    /// Check that every valid path is there, its references are valid and, with
    /// `--check-contents`, that its contents still have the recorded NAR hash.
    ///
    /// Exits with 1 when something is wrong, after naming every problem.
    Verify {
        /// Hash every path again and compare with the database.
        #[arg(long)]
        check_contents: bool,
    },

    /// Delete the paths that no garbage collector root keeps.
    ///
    /// Roots are the links under ROOT/nix/var/cairn/gcroots (add your own there) and the
    /// links registered by `--add-root` and `result` links, and the paths that running cairn
    /// processes use.
    #[command(after_help = "Examples:\n  \
        cairn store gc --dry-run     show what would go\n  \
        cairn store gc")]
    Gc {
        /// Only show what would be deleted.
        #[arg(long)]
        dry_run: bool,
        /// Print the roots and the paths they keep, and delete nothing.
        #[arg(long)]
        print_roots: bool,
    },

    /// Delete the given paths, if no root keeps them and no other path refers to them.
    Delete {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
    },
}

pub(crate) fn run(cmd: StoreCommand, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let mut out = BufWriter::new(std::io::stdout().lock());
    let outcome = match cmd {
        StoreCommand::Add { paths, name } => {
            for p in &paths {
                let name = match &name {
                    Some(n) => n.clone(),
                    None => base_name(p)?,
                };
                let sp = store.add_path(
                    p,
                    &name,
                    IngestionMethod::Recursive,
                    HashAlgo::Sha256,
                    &mut |_| true,
                )?;
                writeln!(out, "{}", store.store_dir().print(&sp))?;
            }
            Outcome::Success
        }
        StoreCommand::AddFixed {
            recursive,
            algo,
            paths,
        } => {
            let Some(algo) = HashAlgo::parse(&algo) else {
                bail!("unknown hash algorithm '{algo}' (use md5, sha1, sha256 or sha512)");
            };
            let method = if recursive {
                IngestionMethod::Recursive
            } else {
                IngestionMethod::Flat
            };
            for p in &paths {
                let sp = store.add_path(p, &base_name(p)?, method, algo, &mut |_| true)?;
                writeln!(out, "{}", store.store_dir().print(&sp))?;
            }
            Outcome::Success
        }
        StoreCommand::Ls {
            path,
            long,
            recursive,
        } => {
            match path {
                None => {
                    for p in store.valid_paths()? {
                        writeln!(out, "{}", store.store_dir().print(&p))?;
                    }
                }
                Some(path) => {
                    let (logical, physical) = resolve(&store, &path)?;
                    list(&mut out, &logical, &physical, long, recursive, true)?;
                }
            }
            Outcome::Success
        }
        StoreCommand::Cat { path } => {
            let (logical, physical) = resolve(&store, &path)?;
            let md = std::fs::symlink_metadata(&physical)
                .with_context(|| format!("cannot read '{logical}'"))?;
            if !md.is_file() {
                bail!("path '{logical}' is not a regular file");
            }
            let mut f = std::fs::File::open(&physical)
                .with_context(|| format!("cannot read '{logical}'"))?;
            std::io::copy(&mut f, &mut out)?;
            Outcome::Success
        }
        StoreCommand::Dump { path } => {
            let sp = valid_path(&store, &path)?;
            let mut nar = cairn_store::NarWriter::new(&mut out)?;
            cairn_store::dump::dump_path(&store.physical(&sp), &mut |_| true, &mut nar)?;
            Outcome::Success
        }
        StoreCommand::PathInfo {
            paths,
            recursive,
            json,
            size,
            closure_size,
        } => {
            let mut roots = Vec::new();
            for p in &paths {
                roots.push(valid_path(&store, p)?);
            }
            let shown: BTreeSet<StorePath> = if recursive {
                store.closure(&roots)?
            } else {
                roots.into_iter().collect()
            };
            path_info(&mut out, &store, &shown, json, size, closure_size)?;
            Outcome::Success
        }
        StoreCommand::Verify { check_contents } => {
            let dir = store.store_dir().clone();
            let verbose = global.verbosity() > 0;
            let report = store.verify(check_contents, &mut |p| {
                if verbose {
                    eprintln!("checking '{}'", dir.print(p));
                }
            })?;
            out.flush()?;
            report_verify(&store, &report, global.chatty());
            if report.is_ok() {
                Outcome::Success
            } else {
                Outcome::Rejected
            }
        }
        StoreCommand::Gc {
            dry_run,
            print_roots,
        } => {
            if print_roots {
                for (link, path) in store.roots()? {
                    writeln!(
                        out,
                        "{} -> {}",
                        link.display(),
                        store.store_dir().print(&path)
                    )?;
                }
                return finish(out, Outcome::Success);
            }
            let chatty = global.chatty();
            let waiting = || {
                if chatty {
                    eprintln!("waiting for other cairn processes to finish adding paths");
                }
            };
            let report = store.gc(&GcOptions { dry_run }, &waiting)?;
            for p in &report.dead {
                writeln!(out, "{}", store.store_dir().print(p))?;
            }
            out.flush()?;
            if global.chatty() {
                let verb = if dry_run {
                    "would be deleted"
                } else {
                    "deleted"
                };
                eprintln!(
                    "{} {verb}, {} freed",
                    plural(report.dead.len(), "store path", "store paths"),
                    human_size(report.bytes)
                );
                if !report.strays.is_empty() {
                    eprintln!(
                        "removed {} left by interrupted adds",
                        plural(report.strays.len(), "entry", "entries")
                    );
                }
            }
            Outcome::Success
        }
        StoreCommand::Delete { paths } => {
            let mut sps = Vec::new();
            for p in &paths {
                sps.push(store.parse_user_path(p)?);
            }
            let chatty = global.chatty();
            let waiting = || {
                if chatty {
                    eprintln!("waiting for other cairn processes to finish adding paths");
                }
            };
            store.delete(&sps, &waiting)?;
            if chatty {
                eprintln!("{} deleted", plural(sps.len(), "store path", "store paths"));
            }
            Outcome::Success
        }
    };
    finish(out, outcome)
}

fn finish(mut out: impl Write, outcome: Outcome) -> anyhow::Result<Outcome> {
    out.flush()?;
    Ok(outcome)
}

/// The name a path gets in the store: its last component.
fn base_name(p: &Path) -> anyhow::Result<String> {
    let abs = std::path::absolute(p)?;
    match abs.file_name().and_then(|n| n.to_str()) {
        Some(n) => Ok(n.to_string()),
        None => bail!(
            "'{}' has no name to give the store path (use --name)",
            p.display()
        ),
    }
}

/// A store path the user named, which must be valid.
pub(crate) fn valid_path(store: &LocalStore, arg: &str) -> anyhow::Result<StorePath> {
    let sp = store.parse_user_path(arg)?;
    if !store.is_valid(&sp)? {
        bail!("path '{}' is not valid", store.store_dir().print(&sp));
    }
    Ok(sp)
}

/// A path inside the store the user named: its logical name and where it is on disk. Its
/// store path must be valid; symbolic links inside it are not followed (a path through one is
/// an error), and `..` cannot leave it.
fn resolve(store: &LocalStore, arg: &str) -> anyhow::Result<(String, PathBuf)> {
    let sp = valid_path(store, arg)?;
    let logical_root = store.store_dir().print(&sp);
    let phys_root = store.physical(&sp);
    let rest = match arg.strip_prefix(&logical_root) {
        Some(rest) => rest.to_string(),
        None => {
            let phys = phys_root.to_string_lossy();
            arg.strip_prefix(&*phys).unwrap_or("").to_string()
        }
    };
    let mut logical = logical_root;
    let mut physical = phys_root;
    for component in rest.split('/').filter(|c| !c.is_empty() && *c != ".") {
        if component == ".." {
            bail!("'{arg}': '..' may not leave a store path");
        }
        if std::fs::symlink_metadata(&physical).is_ok_and(|m| m.file_type().is_symlink()) {
            bail!("'{arg}' goes through the symbolic link '{logical}', which is not followed");
        }
        logical.push('/');
        logical.push_str(component);
        physical.push(component);
    }
    Ok((logical, physical))
}

fn list(
    out: &mut impl Write,
    logical: &str,
    physical: &Path,
    long: bool,
    recursive: bool,
    top: bool,
) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let md =
        std::fs::symlink_metadata(physical).with_context(|| format!("cannot read '{logical}'"))?;
    let ft = md.file_type();
    if long {
        let kind = if ft.is_dir() {
            "dr-xr-xr-x".to_string()
        } else if ft.is_symlink() {
            "lrwxrwxrwx".to_string()
        } else if md.permissions().mode() & 0o100 != 0 {
            "-r-xr-xr-x".to_string()
        } else {
            "-r--r--r--".to_string()
        };
        let size = if ft.is_file() { md.len() } else { 0 };
        write!(out, "{kind} {size:>12} {logical}")?;
        if ft.is_symlink() {
            let target = std::fs::read_link(physical)?;
            write!(out, " -> {}", target.display())?;
        }
        writeln!(out)?;
    } else if !(top && ft.is_dir()) {
        writeln!(out, "{logical}")?;
    }
    if ft.is_dir() && (top || recursive) {
        let mut names: Vec<_> = std::fs::read_dir(physical)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<Result<_, _>>()?;
        names.sort();
        for name in names {
            let child_logical = format!("{logical}/{}", name.to_string_lossy());
            list(
                out,
                &child_logical,
                &physical.join(&name),
                long,
                recursive,
                false,
            )?;
        }
    }
    Ok(())
}

fn path_info(
    out: &mut impl Write,
    store: &LocalStore,
    paths: &BTreeSet<StorePath>,
    json: bool,
    size: bool,
    closure_size: bool,
) -> anyhow::Result<()> {
    let dir = store.store_dir();
    let closure_bytes = |p: &StorePath| -> anyhow::Result<u64> {
        let mut total = 0;
        for q in store.closure(std::slice::from_ref(p))? {
            total += store.path_info(&q)?.map_or(0, |i| i.nar_size);
        }
        Ok(total)
    };
    if json {
        let mut list = Vec::new();
        for p in paths {
            let info = store
                .path_info(p)?
                .with_context(|| format!("path '{}' is not valid", dir.print(p)))?;
            let mut obj = serde_json::Map::new();
            obj.insert("path".into(), dir.print(p).into());
            obj.insert("narHash".into(), info.nar_hash.to_sri().into());
            obj.insert("narSize".into(), info.nar_size.into());
            obj.insert(
                "references".into(),
                info.references
                    .iter()
                    .map(|r| serde_json::Value::from(dir.print(r)))
                    .collect(),
            );
            if let Some(ca) = &info.ca {
                obj.insert("ca".into(), ca.clone().into());
            }
            if closure_size {
                obj.insert("closureSize".into(), closure_bytes(p)?.into());
            }
            if let Some(d) = &info.deriver {
                obj.insert("deriver".into(), dir.print(d).into());
            }
            obj.insert("registrationTime".into(), info.registration_time.into());
            if !info.sigs.is_empty() {
                obj.insert("signatures".into(), info.sigs.clone().into());
            }
            list.push(serde_json::Value::Object(obj));
        }
        serde_json::to_writer(&mut *out, &list)?;
        writeln!(out)?;
        return Ok(());
    }
    for p in paths {
        let mut line = dir.print(p);
        if size || closure_size {
            let info = store
                .path_info(p)?
                .with_context(|| format!("path '{}' is not valid", dir.print(p)))?;
            if size {
                line.push_str(&format!("\t{:>11}", info.nar_size));
            }
            if closure_size {
                line.push_str(&format!("\t{:>11}", closure_bytes(p)?));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

fn report_verify(store: &LocalStore, report: &VerifyReport, chatty: bool) {
    let dir = store.store_dir();
    for p in &report.missing {
        eprintln!(
            "error: path '{}' is valid but its files are missing",
            dir.print(p)
        );
    }
    for (p, recorded, actual) in &report.modified {
        eprintln!(
            "error: path '{}' was modified! expected hash '{recorded}', got '{actual}'",
            dir.print(p)
        );
    }
    for (p, r) in &report.dangling {
        eprintln!(
            "error: path '{}' refers to '{}', which is not valid",
            dir.print(p),
            dir.print(r)
        );
    }
    let problems = report.missing.len() + report.modified.len() + report.dangling.len();
    let paths = plural(report.checked, "path", "paths");
    if problems == 0 {
        if chatty {
            eprintln!("checked {paths}: all good");
        }
    } else {
        eprintln!(
            "checked {paths}: {}",
            plural(problems, "problem", "problems")
        );
    }
}

pub(crate) fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub(crate) fn human_size(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}
