//! Everything the evaluator reads from outside: files, directories, the environment, the clock,
//! and (later) the store. `StdIo` is the real thing; tests and embedders can supply their own.

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
    /// The entries of a directory with their types (symbolic links not followed).
    fn read_dir(&self, path: &str) -> std::io::Result<Vec<(String, FileType)>>;
    /// An environment variable.
    fn get_env(&self, name: &str) -> Option<String>;
    /// Seconds since the epoch.
    fn current_time(&self) -> i64;
    /// Shows a message from `builtins.trace` or a warning.
    fn trace(&self, message: &str);
    /// Copies a path into the store and returns its store path, as string interpolation of a
    /// path does.
    fn copy_path_to_store(&self, path: &str) -> Result<String> {
        Err(EvalError::other(format!(
            "cannot copy '{path}' to the store: this evaluation has no store"
        )))
    }
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
        eprintln!("{message}");
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
