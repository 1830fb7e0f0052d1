//! `file:///dir`: a cache in a directory, as Nix's `LocalBinaryCacheStore` keeps it, so the
//! directory can be served by any static web server. A file is written under a temporary name
//! beside its final one and renamed into place.

use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Backend, check_relative};
use crate::CacheError;

/// A cache in a local directory, created on the first write.
#[derive(Debug)]
pub struct FileBackend {
    url: String,
    dir: PathBuf,
}

impl FileBackend {
    pub fn new(url: &str, dir: PathBuf) -> FileBackend {
        FileBackend {
            url: url.to_string(),
            dir,
        }
    }

    fn file(&self, path: &str) -> Result<PathBuf, CacheError> {
        check_relative(path)?;
        Ok(self.dir.join(path))
    }
}

impl Backend for FileBackend {
    fn url(&self) -> &str {
        &self.url
    }

    fn has(&self, path: &str) -> Result<bool, CacheError> {
        let file = self.file(path)?;
        match std::fs::metadata(&file) {
            Ok(md) => Ok(md.is_file()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(CacheError::io(format!("cannot read '{}'", file.display()))(
                e,
            )),
        }
    }

    fn get(&self, path: &str) -> Result<Option<Box<dyn Read + Send>>, CacheError> {
        let file = self.file(path)?;
        match std::fs::File::open(&file) {
            Ok(f) => Ok(Some(Box::new(f))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CacheError::io(format!("cannot read '{}'", file.display()))(
                e,
            )),
        }
    }

    fn put(&self, path: &str, data: &mut dyn Read, _content_type: &str) -> Result<(), CacheError> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let file = self.file(path)?;
        let parent = file.parent().unwrap_or(&self.dir);
        std::fs::create_dir_all(parent).map_err(CacheError::io(format!(
            "cannot create the directory '{}'",
            parent.display()
        )))?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = parent.join(format!(".tmp-{}-{n}", std::process::id()));
        let mut write = || -> io::Result<()> {
            let mut out = std::fs::File::create(&temp)?;
            io::copy(data, &mut out)?;
            out.sync_all()?;
            std::fs::rename(&temp, &file)
        };
        write().map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            CacheError::io(format!("cannot write '{}'", file.display()))(e)
        })
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_shared_suite_passes() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}", dir.path().join("cache").display());
        let backend = super::super::open(&url).unwrap();
        super::super::suite::run(&*backend);
        // Nothing is left under a temporary name.
        let leftovers: Vec<_> = walk(&dir.path().join("cache"))
            .into_iter()
            .filter(|p| p.contains(".tmp-"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    fn walk(dir: &std::path::Path) -> Vec<String> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p.display().to_string());
            }
        }
        out
    }
}
