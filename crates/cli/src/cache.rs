//! `cairn cache`: the local store as a binary cache. `cairn cache serve` serves it over HTTP
//! as `nix-serve` does, for Nix and for `cairn copy --from http://...`; the server is
//! `cairn_cache::serve`'s, and this file parses arguments, reads the key and prints.

use std::net::TcpListener;
use std::path::PathBuf;

use anyhow::Context as _;
use cairn_cache::{Compression, ServeOptions, Served, Server};

use crate::{GlobalArgs, Outcome};

#[derive(Debug, clap::Subcommand)]
pub(crate) enum CacheCommand {
    /// Serve the store as a binary cache over HTTP, as `nix-serve` does, until killed.
    ///
    /// Every valid path of the store is offered: its narinfo is made when asked for (signed
    /// with `--sign-key`), and its NAR is written from the store and compressed as it is sent.
    /// Nix takes paths from it with `nix copy --from http://HOST:PORT` or as a substituter,
    /// trusting the key's public half; `cairn copy --from` does too. The cache is read-only;
    /// there is no authentication or HTTPS (put a reverse proxy in front for those). The URL
    /// is printed on standard error once the server is listening; `-v` logs every request.
    #[command(after_help = "Examples:\n  \
        cairn cache serve --sign-key cache.sec                 on http://127.0.0.1:5000\n  \
        cairn cache serve --listen 0.0.0.0:5000 --sign-key cache.sec --compression zstd\n  \
        nix copy --from http://HOST:5000 --option trusted-public-keys \"$(cat cache.pub)\" \\\n      \
            /nix/store/<hash>-hello")]
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// The address and port to listen on (`0.0.0.0:5000` for every interface; port 0 lets the
    /// system choose, and the URL printed says which).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:5000")]
    listen: String,

    /// Sign every narinfo served with the secret key in FILE (`cairn key generate-secret`).
    #[arg(long, value_name = "FILE")]
    sign_key: Option<PathBuf>,

    /// How the NARs the narinfos point to are compressed (a client may ask for any of these).
    #[arg(long, value_name = "METHOD", default_value = "zstd", value_parser = ["none", "xz", "zstd"])]
    compression: String,

    /// The cache's priority: substituters with a lower number are asked first (Nix's own
    /// cache says 40).
    #[arg(long, value_name = "N", default_value_t = 30)]
    priority: u32,
}

pub(crate) fn run(cmd: CacheCommand, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    match cmd {
        CacheCommand::Serve(args) => serve(args, global),
    }
}

fn serve(args: ServeArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let key = crate::key::read_secret_key(args.sign_key.as_deref())?;
    let compression = Compression::parse(&args.compression)
        .with_context(|| format!("unknown compression `{}`", args.compression))?;
    let store = global.open_store()?;
    let listener = TcpListener::bind(&args.listen)
        .with_context(|| format!("cannot listen on `{}`", args.listen))?;
    let verbose = global.verbosity() > 0;
    let options = ServeOptions {
        compression,
        priority: args.priority,
        key,
        log: Some(Box::new(move |served: &Served<'_>| {
            if verbose || served.error.is_some() {
                eprintln!("{served}");
            }
        })),
        ..ServeOptions::default()
    };
    let dir = store.store_dir().as_str().to_string();
    let server = Server::start(store, options, listener)?;
    if global.chatty() {
        eprintln!("serving '{dir}' at {}", server.url());
    }
    server.wait()?;
    Ok(Outcome::Success)
}
