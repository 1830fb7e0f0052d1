//! The `builtin:fetchurl` builder, as Nix 2.8's `builtinFetchurl`: downloads the derivation's
//! `url` into its output, a regular file (`executable = "1"` makes it executable), or with
//! `unpack = "1"` a NAR restored into a tree, decompressed first when the URL ends in `.xz`.
//!
//! `file://` URLs are read from the file system, `http://` and `https://` ones with ureq over
//! rustls (certificates verified against the webpki roots, up to 10 redirects followed, any
//! status but 2xx an error naming the URL and the status). The body is stored as sent: no
//! `Content-Encoding` is asked for or undone.
//!
//! It does not check the output against the derivation's `outputHash`: the build engine
//! does that for every fixed-output derivation. It does not try Nix's `hashed-mirrors` (empty by
//! default in 2.8) and has no netrc. When it fails, what it wrote of the output is left for
//! the caller to remove.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::thread;

use cairn_store::nar::NarError;
use cairn_store::restore::restore;

/// Why `builtin:fetchurl` failed.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// An attribute 2.8 requires is absent (its message).
    #[error("attribute '{0}' missing")]
    MissingAttribute(&'static str),
    #[error("cannot download '{url}': only `file://`, `http://` and `https://` URLs are supported")]
    UnsupportedUrl { url: String },
    #[error("unable to download '{url}': HTTP error {status}{reason}")]
    HttpStatus {
        url: String,
        status: u16,
        /// ` ('Not Found')`, or empty for a status without a standard reason.
        reason: String,
    },
    /// The file could not be read, the server could not be reached, or the transfer broke.
    #[error("unable to download '{url}': {error}")]
    Download { url: String, error: io::Error },
    #[error("unable to decompress the xz download of '{url}': {error}")]
    Decompress { url: String, error: io::Error },
    #[error("unable to unpack the NAR downloaded from '{url}': {error}")]
    Unpack { url: String, error: NarError },
    #[error("writing '{path}': {error}")]
    Write { path: PathBuf, error: io::Error },
}

/// Runs `builtin:fetchurl` for a derivation whose environment is `env`, writing the result to
/// `out`, which must not exist.
pub fn fetchurl(env: &BTreeMap<String, String>, out: &Path) -> Result<(), FetchError> {
    let attr = |name: &'static str| env.get(name).ok_or(FetchError::MissingAttribute(name));
    let url = attr("url")?;
    // 2.8 reads `outputHashMode` before fetching (to decide on the hashed mirrors) and fails
    // without it.
    attr("outputHashMode")?;
    let flag = |name: &str| env.get(name).is_some_and(|v| v == "1");
    let unpack = flag("unpack");
    let executable = flag("executable");

    let body = open(url)?;
    if unpack {
        if url.ends_with(".xz") {
            unpack_xz(url, body, out)?;
        } else {
            restore(body, out).map_err(|error| unpack_error(url, error))?;
        }
        if executable {
            let md = fs::symlink_metadata(out).map_err(write_error(out))?;
            if md.is_file() {
                set_mode(out, 0o555)?;
            }
        }
    } else {
        let mode = if executable { 0o555 } else { 0o444 };
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(out)
            .map_err(write_error(out))?;
        copy(url, body, &mut file, out)?;
        file.sync_all().map_err(write_error(out))?;
        // The mode asked of `open` is narrowed by the umask.
        set_mode(out, mode)?;
    }
    Ok(())
}

/// The body at `url`, once the server has answered with success.
fn open(url: &str) -> Result<Box<dyn Read + Send>, FetchError> {
    let download = |error| FetchError::Download {
        url: url.to_string(),
        error,
    };
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    match scheme.to_ascii_lowercase().as_str() {
        "file" => {
            let path = file_url_path(rest).ok_or_else(|| FetchError::UnsupportedUrl {
                url: url.to_string(),
            })?;
            let file = File::open(&path).map_err(download)?;
            if file.metadata().map_err(download)?.is_dir() {
                return Err(download(io::Error::new(
                    io::ErrorKind::IsADirectory,
                    "is a directory",
                )));
            }
            Ok(Box::new(file))
        }
        "http" | "https" => {
            let config = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .max_redirects(10)
                .user_agent(concat!("cairn/", env!("CARGO_PKG_VERSION")))
                .build();
            let agent = ureq::Agent::new_with_config(config);
            let response = agent.get(url).call().map_err(|e| download(e.into_io()))?;
            let status = response.status();
            if !status.is_success() {
                return Err(FetchError::HttpStatus {
                    url: url.to_string(),
                    status: status.as_u16(),
                    reason: status
                        .canonical_reason()
                        .map(|r| format!(" ('{r}')"))
                        .unwrap_or_default(),
                });
            }
            Ok(Box::new(response.into_body().into_reader()))
        }
        _ => Err(FetchError::UnsupportedUrl {
            url: url.to_string(),
        }),
    }
}

/// The path of a `file://` URL after its `://`: an absolute path, after an empty host or
/// `localhost`, with its `%XX` escapes decoded (as curl reads it). `None` for another host.
fn file_url_path(rest: &str) -> Option<PathBuf> {
    let path = match rest.strip_prefix("localhost") {
        Some(p) if p.starts_with('/') => p,
        _ if rest.starts_with('/') => rest,
        _ => return None,
    };
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                decoded.push((hex(h)? * 16 + hex(l)?) as u8);
                i += 3;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    Some(PathBuf::from(OsString::from_vec(decoded)))
}

/// Copies the body to the output file, telling a failed read from a failed write.
fn copy(url: &str, mut body: impl Read, file: &mut File, out: &Path) -> Result<(), FetchError> {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(FetchError::Download {
                    url: url.to_string(),
                    error,
                });
            }
        };
        file.write_all(&buf[..n]).map_err(write_error(out))?;
    }
}

/// Decompresses the xz stream `body` on a second thread and restores the NAR it holds.
fn unpack_xz(url: &str, body: impl Read + Send, out: &Path) -> Result<(), FetchError> {
    let (reader, mut writer) = io::pipe().map_err(write_error(out))?;
    let (decompressed, restored) = thread::scope(|s| {
        let decompressor = s.spawn(move || {
            let mut input = BufReader::with_capacity(64 * 1024, body);
            let result = lzma_rs::xz_decompress(&mut input, &mut writer);
            // The restorer sees the end of the stream when `writer` is dropped, here.
            drop(writer);
            result
        });
        let restored = restore(reader, out);
        let decompressed = decompressor
            .join()
            .expect("the xz decompressor does not panic");
        (decompressed, restored)
    });
    match (decompressed, restored) {
        // The restorer stopping early closes the pipe under the decompressor; its own error
        // is the one to tell.
        (Err(lzma_rs::error::Error::IoError(e)), Err(error))
            if e.kind() == io::ErrorKind::BrokenPipe =>
        {
            Err(unpack_error(url, error))
        }
        (Err(e), _) => Err(FetchError::Decompress {
            url: url.to_string(),
            error: match e {
                lzma_rs::error::Error::IoError(e) => e,
                other => io::Error::new(io::ErrorKind::InvalidData, other.to_string()),
            },
        }),
        (Ok(()), Err(error)) => Err(unpack_error(url, error)),
        (Ok(()), Ok(())) => Ok(()),
    }
}

fn unpack_error(url: &str, error: NarError) -> FetchError {
    FetchError::Unpack {
        url: url.to_string(),
        error,
    }
}

fn write_error(path: &Path) -> impl FnOnce(io::Error) -> FetchError + '_ {
    move |error| FetchError::Write {
        path: path.to_path_buf(),
        error,
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), FetchError> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(write_error(path))
}

#[cfg(test)]
mod tests;
