//! An HTTP server over tiny_http: connections are read on tiny_http's threads, and a fixed
//! number of worker threads take the requests and answer them with one handler. The store's
//! cache (`serve::Server`) and the tests' directory server (`serve::directory`) are both this
//! with a different handler.
//!
//! It knows no paths and no methods: the handler answers every request. A handler that panics
//! answers 500 (tiny_http does, as the request is dropped) and its worker goes on.

use std::io;
use std::net::{SocketAddr, TcpListener};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Answers one request.
pub(crate) type Handler = dyn Fn(tiny_http::Request) + Send + Sync;

/// A running server; dropping it stops it.
pub(crate) struct Pool {
    server: Arc<tiny_http::Server>,
    addr: SocketAddr,
    workers: Mutex<Vec<JoinHandle<()>>>,
    count: usize,
    shared: Arc<Shared>,
}

struct Shared {
    stopping: AtomicBool,
    /// Why the server stopped by itself (it could no longer accept connections).
    failure: Mutex<Option<io::Error>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pool({})", self.addr)
    }
}

impl Pool {
    /// Serves the connections `listener` accepts with `workers` threads running `handler`.
    pub(crate) fn start(
        listener: TcpListener,
        workers: usize,
        handler: Arc<Handler>,
    ) -> io::Result<Pool> {
        let addr = listener.local_addr()?;
        let server = tiny_http::Server::from_listener(listener, None).map_err(io::Error::other)?;
        let server = Arc::new(server);
        let shared = Arc::new(Shared {
            stopping: AtomicBool::new(false),
            failure: Mutex::new(None),
        });
        let count = workers.max(1);
        let mut threads = Vec::with_capacity(count);
        for i in 0..count {
            let server = Arc::clone(&server);
            let shared = Arc::clone(&shared);
            let handler = Arc::clone(&handler);
            let thread = std::thread::Builder::new()
                .name(format!("http-{i}"))
                .spawn(move || work(&server, &shared, &*handler, count))?;
            threads.push(thread);
        }
        Ok(Pool {
            server,
            addr,
            workers: Mutex::new(threads),
            count,
            shared,
        })
    }

    /// The address the server listens on (with the port the system chose for port 0).
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Makes the workers stop once they have answered the requests they are at.
    pub(crate) fn stop(&self) {
        stop(&self.server, &self.shared, self.count);
    }

    /// Waits until the server stops: after `stop`, or when it can no longer accept
    /// connections, which is the error returned.
    pub(crate) fn wait(&self) -> io::Result<()> {
        let threads = std::mem::take(&mut *lock(&self.workers));
        for t in threads {
            let _ = t.join();
        }
        match lock(&self.shared.failure).take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.stop();
        let _ = self.wait();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn stop(server: &tiny_http::Server, shared: &Shared, workers: usize) {
    if !shared.stopping.swap(true, Ordering::SeqCst) {
        // One wake-up for each worker, queued after the requests already waiting.
        for _ in 0..workers {
            server.unblock();
        }
    }
}

fn work(server: &tiny_http::Server, shared: &Shared, handler: &Handler, workers: usize) {
    while !shared.stopping.load(Ordering::SeqCst) {
        match server.recv() {
            Ok(request) => {
                // The panic is printed by the hook; the dropped request answers 500.
                let _ = std::panic::catch_unwind(AssertUnwindSafe(|| handler(request)));
            }
            Err(e) => {
                // Woken to stop, or the listener failed and no request will come again.
                if !shared.stopping.load(Ordering::SeqCst) {
                    lock(&shared.failure).get_or_insert(e);
                    stop(server, shared, workers);
                }
                return;
            }
        }
    }
}
