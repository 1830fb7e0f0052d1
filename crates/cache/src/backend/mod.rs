//! Where a cache's files live, behind one trait: `Backend` reads, writes and tests files by
//! their path relative to the cache (`nix-cache-info`, `<hash>.narinfo`, `nar/...`). The
//! format is above it, in `BinaryCache`; a backend knows only files.
//!
//! `file:///dir` is `FileBackend`, `http://` and `https://` are `HttpBackend` (`HEAD`, `GET`,
//! `PUT`); `open` picks one by the URL's scheme. The trait takes and gives streams and says
//! nothing of local paths, so an S3 bucket would implement the same three methods; there is
//! no such backend yet. Every backend passes the same suite (`suite::run`).

mod file;
mod http;

use std::io::Read;

pub use self::file::FileBackend;
pub use self::http::HttpBackend;
use crate::CacheError;

/// The files of a cache.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// The cache's URL, for messages.
    fn url(&self) -> &str;

    /// Whether the file `path` exists.
    fn has(&self, path: &str) -> Result<bool, CacheError>;

    /// The contents of `path`, as a stream, or `None` when there is no such file.
    fn get(&self, path: &str) -> Result<Option<Box<dyn Read + Send>>, CacheError>;

    /// Writes `path` with what `data` gives, replacing it if it exists. A reader sees either
    /// the old file or the whole new one, never a part. `content_type` is the MIME type
    /// servers give it (`text/x-nix-narinfo`, `application/x-nix-nar`).
    fn put(&self, path: &str, data: &mut dyn Read, content_type: &str) -> Result<(), CacheError>;

    /// `put` of a whole file of `size` bytes, read from its current position: a backend that
    /// needs the length first (HTTP) sends it as it is instead of copying it.
    fn put_file(
        &self,
        path: &str,
        mut file: std::fs::File,
        _size: u64,
        content_type: &str,
    ) -> Result<(), CacheError> {
        self.put(path, &mut file, content_type)
    }
}

/// Opens the backend of a cache URL. The URL's query (`?compression=zstd`) is the caller's.
pub fn open(url: &str) -> Result<Box<dyn Backend>, CacheError> {
    let base = url.split_once('?').map_or(url, |(b, _)| b);
    if let Some(dir) = base.strip_prefix("file://") {
        if !dir.starts_with('/') {
            return Err(CacheError::Url {
                url: url.to_string(),
                why: "a `file://` URL names an absolute directory, as `file:///srv/cache`".into(),
            });
        }
        return Ok(Box::new(FileBackend::new(url, dir.into())));
    }
    let scheme = base.split_once("://").map_or("", |(s, _)| s);
    if scheme == "http" || scheme == "https" {
        return Ok(Box::new(HttpBackend::new(url)?));
    }
    Err(CacheError::Url {
        url: url.to_string(),
        why: if scheme.is_empty() {
            "it has no scheme; a cache in a directory is `file:///DIR`, one on a web server \
             `http://HOST/...`"
                .into()
        } else {
            format!(
                "`{scheme}://` caches are not supported yet, only `file://`, `http://` and \
                 `https://`"
            )
        },
    })
}

/// Checks that `path` is relative and stays inside the cache: no empty, `.` or `..`
/// component, no leading `/`.
pub(crate) fn check_relative(path: &str) -> Result<(), CacheError> {
    let bad = path.is_empty()
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
    if bad {
        return Err(CacheError::BadFileName(path.to_string()));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod suite;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(open("file:///tmp/c").is_ok());
        assert!(open("file:///tmp/c?compression=zstd").is_ok());
        assert!(open("http://localhost:5000").is_ok());
        assert!(open("https://cache.example.org/prefix/?compression=zstd").is_ok());
        for bad in [
            "file://relative",
            "/tmp/c",
            "s3://bucket",
            "ftp://x/y",
            "http://",
            "https:///path",
        ] {
            let e = open(bad).unwrap_err();
            assert!(e.to_string().contains(bad), "{e}");
        }
        let e = open("s3://bucket").unwrap_err().to_string();
        assert!(
            e.contains("only `file://`, `http://` and `https://`"),
            "{e}"
        );
    }

    #[test]
    fn only_relative_names_inside_the_cache() {
        for good in ["nix-cache-info", "nar/abc.nar.xz"] {
            check_relative(good).unwrap();
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "nar/../../x",
            "nar//x",
            "./x",
            "nar/",
        ] {
            assert!(check_relative(bad).is_err(), "{bad}");
        }
    }
}
