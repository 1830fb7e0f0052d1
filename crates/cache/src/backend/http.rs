//! `http://host[:port][/prefix]` and `https://...`: a cache on a web server, as Nix's
//! `HttpBinaryCacheStore` reads it. A file is `<base>/<path>`; `has` is a `HEAD`, `get` a
//! streamed `GET`, `put` a `PUT` with the file's MIME type.
//!
//! 404 and 403 mean "no such file" (S3 and many static servers answer 403 for a missing file);
//! any other status but a success is an error naming the URL and the status. A server that
//! refuses `PUT` (405, 403, 501: a static file server, `cairn cache serve`) gives
//! `CacheError::ReadOnly`. A `PUT`'s body is first spooled (in memory when small, to a
//! temporary file otherwise), so it goes out with its length and a failing source sends
//! nothing at all; a NAR, already compressed into a file of known size, goes out from that
//! file (`put_file`) without a second copy.
//!
//! Nothing here knows the cache's format, authenticates, or retries: a failed request is the
//! caller's error.

use std::io::{self, Read, Seek, Write};
use std::time::Duration;

use super::{Backend, check_relative};
use crate::CacheError;

/// How long to wait for a connection to be set up.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long one read or write of the connection may stall (Nix's `stalled-download-timeout`).
const STALL_TIMEOUT: Duration = Duration::from_secs(300);
/// Bodies of `PUT` up to this size are spooled in memory, larger ones to a temporary file.
const SPOOL_IN_MEMORY: usize = 4 << 20;

/// A cache served over HTTP or HTTPS.
#[derive(Debug)]
pub struct HttpBackend {
    url: String,
    /// The URL without its query and trailing `/`: files are `<base>/<path>`.
    base: String,
    agent: ureq::Agent,
}

impl HttpBackend {
    /// The backend of `url` (`http://` or `https://`, with a host, maybe a port and a path).
    pub fn new(url: &str) -> Result<HttpBackend, CacheError> {
        let base = url.split_once('?').map_or(url, |(b, _)| b);
        let base = base.trim_end_matches('/');
        let host = base
            .split_once("://")
            .map_or("", |(_, rest)| rest)
            .split('/')
            .next()
            .unwrap_or("");
        if host.is_empty() {
            return Err(CacheError::Url {
                url: url.to_string(),
                why: "it names no host, as `http://cache.example.org` does".into(),
            });
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_per_read(Some(STALL_TIMEOUT))
            .timeout_per_write(Some(STALL_TIMEOUT))
            .user_agent(concat!("cairn/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(HttpBackend {
            url: url.to_string(),
            base: base.to_string(),
            agent: ureq::Agent::new_with_config(config),
        })
    }

    /// The URL of the file `path`, each component percent-encoded.
    fn file_url(&self, path: &str) -> Result<String, CacheError> {
        check_relative(path)?;
        let mut out = self.base.clone();
        for component in path.split('/') {
            out.push('/');
            for b in component.bytes() {
                if b.is_ascii_alphanumeric() || b"-._~+".contains(&b) {
                    out.push(b as char);
                } else {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
        Ok(out)
    }

    fn status_error(
        &self,
        method: &'static str,
        path: &str,
        status: ureq::http::StatusCode,
    ) -> CacheError {
        CacheError::HttpStatus {
            url: self.url.clone(),
            method,
            file: path.to_string(),
            status: describe(status),
        }
    }
}

/// `404 Not Found`.
fn describe(status: ureq::http::StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// Whether a status says the file is not there.
fn is_missing(status: ureq::http::StatusCode) -> bool {
    matches!(status.as_u16(), 404 | 403)
}

fn transport(method: &str, url: &str) -> impl FnOnce(ureq::Error) -> CacheError {
    let context = format!("cannot {method} `{url}`");
    move |e| CacheError::Io {
        context,
        error: e.into_io(),
    }
}

impl Backend for HttpBackend {
    fn url(&self) -> &str {
        &self.url
    }

    fn has(&self, path: &str) -> Result<bool, CacheError> {
        let url = self.file_url(path)?;
        let response = self
            .agent
            .head(&url)
            .call()
            .map_err(transport("HEAD", &url))?;
        let status = response.status();
        if status.is_success() {
            Ok(true)
        } else if is_missing(status) {
            Ok(false)
        } else {
            Err(self.status_error("HEAD", path, status))
        }
    }

    fn get(&self, path: &str) -> Result<Option<Box<dyn Read + Send>>, CacheError> {
        let url = self.file_url(path)?;
        let response = self
            .agent
            .get(&url)
            .call()
            .map_err(transport("GET", &url))?;
        let status = response.status();
        if status.is_success() {
            Ok(Some(Box::new(response.into_body().into_reader())))
        } else if is_missing(status) {
            Ok(None)
        } else {
            Err(self.status_error("GET", path, status))
        }
    }

    fn put(&self, path: &str, data: &mut dyn Read, content_type: &str) -> Result<(), CacheError> {
        let url = self.file_url(path)?;
        let mut spool = tempfile::SpooledTempFile::new(SPOOL_IN_MEMORY);
        let spooled = (|| -> io::Result<u64> {
            let len = io::copy(data, &mut spool)?;
            spool.flush()?;
            spool.rewind()?;
            Ok(len)
        })();
        let len = spooled.map_err(CacheError::io(format!("cannot read what goes to `{url}`")))?;
        self.send_put(path, &url, spool, len, content_type)
    }

    fn put_file(
        &self,
        path: &str,
        file: std::fs::File,
        size: u64,
        content_type: &str,
    ) -> Result<(), CacheError> {
        let url = self.file_url(path)?;
        self.send_put(path, &url, file, size, content_type)
    }
}

impl HttpBackend {
    /// `PUT url` with `len` bytes of `body`.
    fn send_put(
        &self,
        path: &str,
        url: &str,
        body: impl Read + Send + 'static,
        len: u64,
        content_type: &str,
    ) -> Result<(), CacheError> {
        let response = self
            .agent
            .put(url)
            .header("Content-Type", content_type)
            .header("Content-Length", len.to_string())
            .send(ureq::SendBody::from_owned_reader(body))
            .map_err(transport("PUT", url))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if matches!(status.as_u16(), 403 | 405 | 501) {
            Err(CacheError::ReadOnly {
                url: self.url.clone(),
                file: path.to_string(),
                status: describe(status),
            })
        } else {
            Err(self.status_error("PUT", path, status))
        }
    }
}

#[cfg(test)]
mod tests;
