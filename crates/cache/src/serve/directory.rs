//! For tests: a directory served over HTTP as a plain web server with uploads would serve it
//! (`GET`, `HEAD`, `PUT`), so `HttpBackend` is tested against real HTTP. A `PUT` is written to
//! a temporary file and renamed into place only once its whole body (as many bytes as its
//! `Content-Length` says) has arrived. Served read-only, it refuses `PUT` with 405, as a
//! static server does.

use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::pool::Pool;

/// A directory served over HTTP until dropped.
#[derive(Debug)]
pub(crate) struct DirectoryServer {
    pool: Pool,
}

impl DirectoryServer {
    pub(crate) fn start(dir: &Path, writable: bool) -> DirectoryServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let dir = dir.to_path_buf();
        let pool = Pool::start(
            listener,
            4,
            Arc::new(move |request| answer(&dir, writable, request)),
        )
        .unwrap();
        DirectoryServer { pool }
    }

    /// `http://127.0.0.1:PORT`, without a trailing `/`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.pool.addr())
    }
}

fn status(code: u16) -> tiny_http::Response<io::Empty> {
    tiny_http::Response::empty(code)
}

fn answer(dir: &Path, writable: bool, mut request: tiny_http::Request) {
    let path = request.url().split('?').next().unwrap_or("").to_string();
    let Some(file) = file_of(dir, &path) else {
        let _ = request.respond(status(400));
        return;
    };
    match request.method() {
        tiny_http::Method::Get | tiny_http::Method::Head => match std::fs::File::open(&file) {
            Ok(f) if f.metadata().is_ok_and(|m| m.is_file()) => {
                let _ = request.respond(tiny_http::Response::from_file(f));
            }
            _ => {
                let _ = request.respond(status(404));
            }
        },
        tiny_http::Method::Put if writable => {
            let expected = request.body_length();
            let code = match receive(&file, expected, request.as_reader()) {
                Ok(()) => 201,
                Err(_) => 400,
            };
            let _ = request.respond(status(code));
        }
        _ => {
            let _ = request.respond(status(405));
        }
    }
}

/// The file a URL path names under `dir`; `None` for `..`, `.` and empty components.
fn file_of(dir: &Path, url_path: &str) -> Option<PathBuf> {
    let rest = url_path.strip_prefix('/')?;
    let mut file = dir.to_path_buf();
    for component in rest.split('/') {
        if component.is_empty() || component == "." || component == ".." {
            return None;
        }
        file.push(component);
    }
    Some(file)
}

fn receive(file: &Path, expected: Option<usize>, body: &mut dyn Read) -> io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let parent = file.parent().expect("a file under the directory");
    std::fs::create_dir_all(parent)?;
    let temp = parent.join(format!(
        ".upload-{}",
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let mut out = std::fs::File::create(&temp)?;
        let got = io::copy(body, &mut out)?;
        // tiny_http ends a body early at the end of the connection, without an error.
        if expected.is_some_and(|n| n as u64 != got) {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the body ended early",
            ));
        }
        out.flush()?;
        std::fs::rename(&temp, file)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
