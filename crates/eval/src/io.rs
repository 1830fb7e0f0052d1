//! Everything the evaluator reads from outside: files, directories, the environment, the clock,
//! and the store. `StdIo` is the real file system without a store; `cairn_glue::StoreIo` adds
//! the store hooks (paths copied to the store, `builtins.path`, derivations); tests and
//! embedders can supply their own.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::error::{EvalError, Result};

/// The type of a directory entry, as `builtins.readDir` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Regular,
    Directory,
    Symlink,
    Unknown,
}

impl FileType {
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Regular => "regular",
            FileType::Directory => "directory",
            FileType::Symlink => "symlink",
            FileType::Unknown => "unknown",
        }
    }
}

/// The evaluator's access to the world.
pub trait Io {
    /// The contents of a file (symbolic links followed).
    fn read_file(&self, path: &str) -> std::io::Result<Vec<u8>>;
    /// The type of what `path` names, following symbolic links.
    fn file_type(&self, path: &str) -> std::io::Result<FileType>;
    /// Whether something exists at `path` (a dangling symbolic link does).
    fn path_exists(&self, path: &str) -> bool {
        self.file_type(path).is_ok()
    }
    /// The entries of a directory with their types (symbolic links not followed).
    fn read_dir(&self, path: &str) -> std::io::Result<Vec<(String, FileType)>>;
    /// An environment variable.
    fn get_env(&self, name: &str) -> Option<String>;
    /// Seconds since the epoch.
    fn current_time(&self) -> i64;
    /// Shows a message from `builtins.trace` or a warning.
    fn trace(&self, message: &str);
    /// The logical store directory, `builtins.storeDir`.
    fn store_dir(&self) -> &str {
        "/nix/store"
    }
    /// Adds a text file that refers to `references` (store paths) to the store, as
    /// `builtins.toFile` does, and returns its store path.
    fn add_text_to_store(
        &self,
        name: &str,
        _contents: &str,
        _references: &[&str],
    ) -> Result<String> {
        Err(EvalError::other(format!(
            "cannot add the file '{name}' to the store: this evaluation has no store"
        )))
    }
    /// Makes sure the store path `path` is valid, as `builtins.storePath` does when it may
    /// write to the store; evaluations that only compute paths accept any.
    fn ensure_store_path(&self, _path: &str) -> Result<()> {
        Ok(())
    }
    /// Downloads `url` into the store as the flat file `name` (`builtins.fetchurl`), checked
    /// against `sha256` when given, and returns its store path.
    fn fetch_url(&self, url: &str, _name: &str, _sha256: Option<&str>) -> Result<String> {
        Err(EvalError::other(format!(
            "cannot fetch '{url}': this evaluation has no store"
        )))
    }
    /// Copies a path into the store and returns its store path, as string interpolation of a
    /// path does.
    fn copy_path_to_store(&self, path: &str) -> Result<String> {
        Err(EvalError::other(format!(
            "cannot copy '{path}' to the store: this evaluation has no store"
        )))
    }
    /// Computes the `.drv` path and output paths of a derivation that `derivationStrict` has
    /// evaluated, as `nix-instantiate --eval` does (and records the derivation, for the
    /// derivations that will depend on it).
    fn instantiate_derivation(&self, drv: DerivationRequest) -> Result<DerivationPaths> {
        Err(EvalError::other(format!(
            "cannot instantiate the derivation '{}': this evaluation has no store",
            drv.name
        )))
    }
    /// Imports a tool of the host into the store (`__hostTool`), checked against its
    /// pin when one is given.
    fn host_tool(&self, request: &HostToolRequest<'_>) -> Result<HostToolInfo> {
        Err(EvalError::other(format!(
            "cannot import the host tool '{}': this evaluation has no store",
            request.tool
        )))
    }
    /// Adds a file or tree to the store, as `builtins.path` and `builtins.filterSource` do,
    /// and returns its store path.
    fn import_path(&self, import: &PathImport<'_>) -> Result<String> {
        Err(EvalError::other(format!(
            "cannot add '{}' to the store: this evaluation has no store",
            import.path
        )))
    }
}

// ----- what the store hooks exchange (used by `builtins::derivation` and `builtins::add_path`)

/// A derivation as `derivationStrict` evaluated it, before its paths are known.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DerivationRequest {
    /// The `name` attribute.
    pub name: String,
    pub system: String,
    pub builder: String,
    pub args: Vec<String>,
    /// The builder's environment: every attribute as a string (or only `__json`), the outputs
    /// included as the user gave them; the store sets the outputs' variables to their paths.
    pub env: std::collections::BTreeMap<String, String>,
    /// The output names (`out` unless `outputs` says otherwise).
    pub outputs: std::collections::BTreeSet<String>,
    /// The context of every string that went into the derivation, in Nix's encoding.
    pub context: crate::value::Context,
    /// `outputHash` and friends, for a fixed-output derivation.
    pub fixed_output: Option<FixedOutputRequest>,
}

/// The declared hash of a fixed-output derivation, as the attributes give it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FixedOutputRequest {
    /// `outputHash`, in any encoding Nix accepts (base 16, nixbase32, base 64, SRI, empty).
    pub hash: String,
    /// `outputHashAlgo`; empty when not given.
    pub algo: String,
    /// `outputHashMode = "recursive"`.
    pub recursive: bool,
}

/// The paths of an instantiated derivation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DerivationPaths {
    pub drv_path: String,
    /// `(output, path)`, sorted by output name.
    pub outputs: Vec<(String, String)>,
}

/// A path to add to the store, as `builtins.path` describes it.
#[derive(Clone, Copy, Debug)]
pub struct PathImport<'a> {
    /// The absolute path on the file system.
    pub path: &'a str,
    /// The name of the store path.
    pub name: &'a str,
    /// The NAR of the tree (`true`) or the bytes of one file.
    pub recursive: bool,
    /// The expected sha256 (`builtins.path`'s `sha256`), in any encoding Nix accepts.
    pub sha256: Option<&'a str>,
    /// The entries below `path` that the filter left out (a directory with its subtree).
    pub excluded: &'a std::collections::HashSet<String>,
}

/// A host tool to import, as `__hostTool` describes it.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostToolRequest<'a> {
    /// `busybox`, `go` or `cacert`.
    pub tool: &'a str,
    /// The pinned NAR hash (SRI), when the tool is pinned.
    pub nar_hash: Option<&'a str>,
    /// The pinned version, which names the store path.
    pub version: Option<&'a str>,
    /// The file the pin comes from, named in the message when the tool no longer matches.
    pub pin_file: Option<&'a str>,
}

/// A host tool in the store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostToolInfo {
    pub path: String,
    /// The NAR hash, in SRI form.
    pub nar_hash: String,
    pub version: String,
}

/// The real file system and environment.
#[derive(Debug, Default)]
pub struct StdIo;

impl Io for StdIo {
    fn read_file(&self, path: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn file_type(&self, path: &str) -> std::io::Result<FileType> {
        let md = std::fs::metadata(path)?;
        Ok(convert(md.file_type()))
    }

    fn path_exists(&self, path: &str) -> bool {
        std::fs::symlink_metadata(path).is_ok()
    }

    fn read_dir(&self, path: &str) -> std::io::Result<Vec<(String, FileType)>> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(path)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            out.push((name, convert(entry.file_type()?)));
        }
        Ok(out)
    }

    fn get_env(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn current_time(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }

    fn trace(&self, message: &str) {
        // As Nix does, colours are shown on a terminal only.
        if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            eprintln!("{message}");
        } else {
            eprintln!("{}", strip_ansi(message));
        }
    }
}

fn convert(t: std::fs::FileType) -> FileType {
    if t.is_symlink() {
        FileType::Symlink
    } else if t.is_dir() {
        FileType::Directory
    } else if t.is_file() {
        FileType::Regular
    } else {
        FileType::Unknown
    }
}

/// `text` without ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_sequences_are_stripped() {
        assert_eq!(
            super::strip_ansi("\x1b[1;35mwarning:\x1b[0m text"),
            "warning: text"
        );
    }
}
