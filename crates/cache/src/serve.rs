//! The local store served as a binary cache over HTTP, as `nix-serve` serves one, for
//! `cairn cache serve`: Nix (`nix copy --from http://...`, `substituters`) and cairn's own
//! `HttpBackend` read it as any other HTTP cache.
//!
//! Nothing is prepared ahead; each request is answered from the store's database:
//!
//! - `GET /nix-cache-info`: the store directory, `WantMassQuery: 1` and the priority.
//! - `GET /<hash>.narinfo`: the narinfo of the valid path with that hash part, signed with
//!   the server's key (beside the signatures the store keeps), whose `URL` is
//!   `nar/<hash>-<narhash>.nar<ext>` with the configured compression. It has no `FileHash`
//!   or `FileSize`, which would need the compressed NAR first; Nix does without them.
//! - `GET /nar/<hash>-<narhash>.nar`, `.nar.xz`, `.nar.zst`: the path's NAR, written from the
//!   store on a thread and compressed as the name's extension asks while it is sent, never
//!   held whole in memory. A NAR hash in the name that is not the path's (the path changed
//!   since the narinfo was read) is a 404.
//!
//! `HEAD` is answered as `GET`, without the body; other methods get 405, other names 404 (400
//! for a narinfo whose name is not a hash part). The server checks the NAR it sends against
//! the recorded hash, but once the body has started it cannot take it back: a path that
//! changed on disk reaches the client as a NAR whose hash the client refuses.
//!
//! It serves; it does not authenticate, encrypt (put a reverse proxy in front for HTTPS) or
//! accept uploads.

pub(crate) mod pool;

#[cfg(test)]
pub(crate) mod directory;

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use cairn_store::{HashAlgo, HashingWriter, LocalStore, NarWriter, StoreError};

use self::pool::Pool;
use crate::CacheError;
use crate::compression::Compression;
use crate::narinfo::{CacheInfo, NarInfo};
use crate::signing::SecretKey;

/// How a store is served.
pub struct ServeOptions {
    /// How the NARs the narinfos point to are compressed (a client may ask for any of them).
    pub compression: Compression,
    /// The cache's `Priority`: lower is asked first. Nix's own caches say 40, nix-serve 30.
    pub priority: u32,
    /// Signs every narinfo served.
    pub key: Option<SecretKey>,
    /// How many requests are answered at once.
    pub workers: usize,
    /// Told of every request once it is answered.
    pub log: Option<Box<RequestLog>>,
}

/// What `ServeOptions::log` calls.
pub type RequestLog = dyn Fn(&Served<'_>) + Send + Sync;

impl Default for ServeOptions {
    fn default() -> ServeOptions {
        ServeOptions {
            compression: Compression::default(),
            priority: 30,
            key: None,
            workers: 8,
            log: None,
        }
    }
}

impl std::fmt::Debug for ServeOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeOptions")
            .field("compression", &self.compression)
            .field("priority", &self.priority)
            .field("key", &self.key)
            .field("workers", &self.workers)
            .finish_non_exhaustive()
    }
}

/// One request answered, for a log: `GET /nix-cache-info 200 (127.0.0.1:41234)`, with why
/// it failed when it did.
#[derive(Debug)]
pub struct Served<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub status: u16,
    pub remote: Option<SocketAddr>,
    /// A failure on the server's side: a 500, or a body that ended early.
    pub error: Option<String>,
}

impl std::fmt::Display for Served<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {}", self.method, self.url, self.status)?;
        if let Some(remote) = self.remote {
            write!(f, " ({remote})")?;
        }
        if let Some(error) = &self.error {
            write!(f, ": {error}")?;
        }
        Ok(())
    }
}

/// A store served over HTTP until `stop` or drop.
#[derive(Debug)]
pub struct Server {
    pool: Pool,
}

impl Server {
    /// Serves `store` on the connections `listener` accepts (bind it to port 0 to let the
    /// system choose; `addr` tells which it chose). The server is answering when this returns.
    pub fn start(
        store: Arc<LocalStore>,
        options: ServeOptions,
        listener: TcpListener,
    ) -> Result<Server, CacheError> {
        let workers = options.workers;
        let cache = Arc::new(Cache { store, options });
        let pool = Pool::start(listener, workers, Arc::new(move |rq| cache.handle(rq)))
            .map_err(CacheError::io("cannot start the HTTP server"))?;
        Ok(Server { pool })
    }

    pub fn addr(&self) -> SocketAddr {
        self.pool.addr()
    }

    /// `http://ADDR`, what a client is given.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// Stops taking requests; the ones being answered are finished.
    pub fn stop(&self) {
        self.pool.stop();
    }

    /// Blocks until the server stops: after `stop`, or with an error when it can no longer
    /// accept connections.
    pub fn wait(&self) -> Result<(), CacheError> {
        self.pool.wait().map_err(CacheError::io(format!(
            "the server at {} stopped",
            self.url()
        )))
    }
}

struct Cache {
    store: Arc<LocalStore>,
    options: ServeOptions,
}

/// What a request is answered with.
enum Reply {
    Status(u16),
    Text {
        content_type: &'static str,
        text: String,
    },
    Nar {
        nar: Box<NarInfo>,
        compression: Compression,
    },
}

/// The NAR of a narinfo's path: `nar/<hash>-<narhash>.nar<ext>`.
fn nar_file(info: &NarInfo, compression: Compression) -> String {
    format!(
        "nar/{}-{}.nar{}",
        info.path.hash_part(),
        info.nar_hash.to_nix32(),
        compression.extension()
    )
}

/// A NAR's name that is not one the server makes.
struct Malformed;

/// The hash part and NAR hash in a NAR's name (`<hash>-<narhash>.nar<ext>`), and the
/// compression its extension asks for.
fn parse_nar_name(name: &str) -> Result<(&str, &str, Compression), Malformed> {
    let (stem, ext) = name.split_once(".nar").ok_or(Malformed)?;
    let compression = [Compression::None, Compression::Xz, Compression::Zstd]
        .into_iter()
        .find(|c| c.extension() == ext)
        .ok_or(Malformed)?;
    let (hash, nar_hash) = stem.split_once('-').ok_or(Malformed)?;
    if !is_nix32(hash, 32) || !is_nix32(nar_hash, 52) {
        return Err(Malformed);
    }
    Ok((hash, nar_hash, compression))
}

fn is_nix32(text: &str, len: usize) -> bool {
    text.len() == len
        && text
            .bytes()
            .all(|c| cairn_store::nixbase32::digit_value(c).is_some())
}

impl Cache {
    fn handle(&self, request: tiny_http::Request) {
        let method = request.method().to_string();
        let url = request.url().to_string();
        let remote = request.remote_addr().copied();
        let (status, error) = match self.reply(request.method(), &url) {
            Ok(reply) => self.send(request, reply),
            Err(e) => {
                let _ = request.respond(
                    tiny_http::Response::from_string("internal server error\n")
                        .with_status_code(500),
                );
                (500, Some(e.to_string()))
            }
        };
        if let Some(log) = &self.options.log {
            log(&Served {
                method: &method,
                url: &url,
                status,
                remote,
                error,
            });
        }
    }

    fn reply(&self, method: &tiny_http::Method, url: &str) -> Result<Reply, CacheError> {
        if !matches!(method, tiny_http::Method::Get | tiny_http::Method::Head) {
            return Ok(Reply::Status(405));
        }
        let path = url.split('?').next().unwrap_or("");
        if path == "/nix-cache-info" {
            let info = CacheInfo {
                store_dir: self.store.store_dir().as_str().to_string(),
                want_mass_query: true,
                priority: Some(self.options.priority),
            };
            return Ok(Reply::Text {
                content_type: "text/x-nix-cache-info",
                text: info.to_text(),
            });
        }
        if let Some(hash) = path
            .strip_prefix('/')
            .and_then(|p| p.strip_suffix(".narinfo"))
        {
            if !is_nix32(hash, 32) {
                return Ok(Reply::Status(400));
            }
            let Some(mut info) = self.narinfo(hash)? else {
                return Ok(Reply::Status(404));
            };
            info.url = nar_file(&info, self.options.compression);
            info.compression = self.options.compression.name().to_string();
            if let Some(key) = &self.options.key {
                info.sign(self.store.store_dir(), key);
            }
            return Ok(Reply::Text {
                content_type: "text/x-nix-narinfo",
                text: info.to_text(self.store.store_dir()),
            });
        }
        if let Some(name) = path.strip_prefix("/nar/") {
            // A name of another scheme is not malformed: it is a file this cache lacks.
            let Ok((hash, nar_hash, compression)) = parse_nar_name(name) else {
                return Ok(Reply::Status(404));
            };
            let Some(info) = self.narinfo(hash)? else {
                return Ok(Reply::Status(404));
            };
            let on_disk = std::fs::symlink_metadata(self.store.physical(&info.path)).is_ok();
            if info.nar_hash.to_nix32() != nar_hash || !on_disk {
                return Ok(Reply::Status(404));
            }
            return Ok(Reply::Nar {
                nar: Box::new(info),
                compression,
            });
        }
        Ok(Reply::Status(404))
    }

    /// The narinfo of the valid path whose hash part is `hash`, without its NAR file.
    fn narinfo(&self, hash: &str) -> Result<Option<NarInfo>, CacheError> {
        let Some(path) = self.store.query_path_from_hash_part(hash)? else {
            return Ok(None);
        };
        Ok(self
            .store
            .path_info(&path)?
            .map(|info| NarInfo::from_path_info(&info)))
    }

    /// Answers `request`; gives the status sent, and why the body failed if it did.
    fn send(&self, request: tiny_http::Request, reply: Reply) -> (u16, Option<String>) {
        let header = |content_type: &str| {
            tiny_http::Header::from_bytes("Content-Type", content_type).expect("a valid header")
        };
        let is_head = *request.method() == tiny_http::Method::Head;
        let (status, sent) = match reply {
            Reply::Status(code) => {
                let mut response = tiny_http::Response::empty(code);
                if code == 405 {
                    response.add_header(
                        tiny_http::Header::from_bytes("Allow", "GET, HEAD").expect("valid"),
                    );
                }
                (code, request.respond(response))
            }
            Reply::Text { content_type, text } => (
                200,
                request.respond(
                    tiny_http::Response::from_string(text).with_header(header(content_type)),
                ),
            ),
            Reply::Nar { .. } if is_head => (
                200,
                request.respond(tiny_http::Response::new(
                    200.into(),
                    vec![header("application/x-nix-nar")],
                    io::empty(),
                    None,
                    None,
                )),
            ),
            Reply::Nar { nar, compression } => {
                let body = self.nar_stream(*nar, compression);
                let failure = Arc::clone(&body.failure);
                let response = tiny_http::Response::new(
                    200.into(),
                    vec![header("application/x-nix-nar")],
                    body,
                    None,
                    None,
                );
                let sent = request.respond(response);
                if let Some(e) = lock(&failure).take() {
                    return (200, Some(format!("the NAR ended early: {e}")));
                }
                (200, sent)
            }
        };
        (
            status,
            sent.err().map(|e| format!("the answer ended early: {e}")),
        )
    }

    /// The NAR of `path`, compressed, written on a thread of its own as it is read. The
    /// reader ends early when the writing fails or the NAR is not the one `nar` records, and
    /// keeps why in its `failure`.
    fn nar_stream(&self, nar: NarInfo, compression: Compression) -> ChannelReader {
        // A few chunks in flight: the NAR is written while the last ones are sent.
        let (sender, receiver) = std::sync::mpsc::sync_channel(4);
        let physical = self.store.physical(&nar.path);
        let printed = self.store.store_dir().print(&nar.path);
        let failed = sender.clone();
        let write = move || -> io::Result<()> {
            let mut out = ChannelWriter {
                sender,
                chunk: Vec::with_capacity(CHUNK),
            };
            let compressed = compression.compressor(&mut out)?;
            let mut writer = NarWriter::new(HashingWriter::new(compressed, HashAlgo::Sha256))?;
            cairn_store::dump::dump_path(&physical, &mut |_| true, &mut writer)?;
            let (compressed, hash, size) = writer.into_inner().finish();
            if hash != nar.nar_hash || size != nar.nar_size {
                let e =
                    StoreError::nar_mismatch(printed, (&nar.nar_hash, nar.nar_size), (&hash, size));
                return Err(io::Error::other(e));
            }
            compressed.finish()?;
            out.send_chunk()
        };
        let spawned = std::thread::Builder::new()
            .name("nar".into())
            .spawn(move || {
                if let Err(e) = write() {
                    let _ = failed.send(Err(e));
                }
            });
        if let Err(e) = spawned {
            let (sender, receiver) = std::sync::mpsc::sync_channel(1);
            let _ = sender.send(Err(e));
            return ChannelReader::new(receiver);
        }
        ChannelReader::new(receiver)
    }
}

/// The size of the chunks a NAR is sent in.
const CHUNK: usize = 64 * 1024;

/// The writing end of a NAR's stream: full chunks go to the reader.
struct ChannelWriter {
    sender: SyncSender<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
}

impl ChannelWriter {
    fn send_chunk(&mut self) -> io::Result<()> {
        if self.chunk.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.chunk, Vec::with_capacity(CHUNK));
        self.sender
            .send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(CHUNK - self.chunk.len());
        self.chunk.extend_from_slice(&buf[..n]);
        if self.chunk.len() == CHUNK {
            self.send_chunk()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The reading end: chunks until the writer is done or fails.
///
/// A failure ends the stream as its end would, and is kept in `failure`: tiny_http, given a
/// read error, neither ends the chunked body nor flushes what it wrote, and the client would
/// wait for the rest until its timeout. Ended, the NAR is short or not the recorded one, and
/// the client refuses it by its hash.
struct ChannelReader {
    receiver: Receiver<io::Result<Vec<u8>>>,
    chunk: Vec<u8>,
    at: usize,
    failure: Arc<Mutex<Option<io::Error>>>,
}

impl ChannelReader {
    fn new(receiver: Receiver<io::Result<Vec<u8>>>) -> ChannelReader {
        ChannelReader {
            receiver,
            chunk: Vec::new(),
            at: 0,
            failure: Arc::new(Mutex::new(None)),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.receiver.recv() {
                Ok(Ok(chunk)) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Ok(Err(e)) => {
                    lock(&self.failure).get_or_insert(e);
                    return Ok(0);
                }
                // The writer is done, and every chunk was read.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests;
