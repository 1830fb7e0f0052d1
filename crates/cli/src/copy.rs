//! `cairn copy`: closures of store paths or installables to a binary cache (`--to`) and of
//! store paths from one (`--from`), as `nix copy` copies them. The copying is
//! `cairn_cache::copy`'s; this file parses arguments, builds installables, reads keys, shows
//! progress and prints the summary.

use anyhow::Context as _;
use cairn_cache::BinaryCache;
use cairn_store::CopyEvent;

use crate::store::{human_size, plural, valid_path};
use crate::{ColorChoice, GlobalArgs, Outcome};

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("direction").required(true).args(["to", "from"]))]
pub(crate) struct CopyArgs {
    /// Upload the closures of the PATHs to the binary cache at URL (`file:///DIR`,
    /// `http://HOST:PORT`, with `?compression=zstd|xz|none` to choose how NARs are compressed;
    /// zstd by default). Installables are built first (or fetched).
    #[arg(long, value_name = "URL")]
    to: Option<String>,

    /// Import the closures of the PATHs from the binary cache at URL into the store; each
    /// path must be signed by a key of `--trusted-public-keys`.
    #[arg(long, value_name = "URL")]
    from: Option<String>,

    /// Sign what is uploaded with the secret key in FILE (`cairn key generate-secret`).
    #[arg(long, value_name = "FILE", requires = "to")]
    sign_key: Option<std::path::PathBuf>,

    /// Copy the derivations of installables (and with them every source and host tool they
    /// use, such as a pinned Go) instead of building them and copying their outputs, so that
    /// a machine without those tools can build from the cache.
    #[arg(long, requires = "to")]
    derivation: bool,

    /// Import paths whatever their signatures (their NAR hashes are still checked).
    #[arg(long, conflicts_with = "to")]
    no_check_sigs: bool,

    /// Store paths, links to them such as `./result`, or (with `--to`) installables such as
    /// `.#docker`.
    #[arg(required = true, value_name = "PATH | INSTALLABLE")]
    paths: Vec<String>,
}

pub(crate) fn run(
    args: CopyArgs,
    global: &GlobalArgs,
    color: ColorChoice,
) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let dir = store.store_dir().clone();
    let progress = Transfer::new(
        global,
        if args.to.is_some() {
            "uploading"
        } else {
            "downloading"
        },
    );
    let events = |e: CopyEvent<'_>| progress.event(e);
    let (report, url, verb) = if let Some(url) = &args.to {
        let key = crate::key::read_secret_key(args.sign_key.as_deref())?;
        let mut roots = Vec::new();
        for p in &args.paths {
            if cairn_flake::looks_like_installable(p) {
                let input = crate::eval::InputArgs::of_installable(p);
                if args.derivation {
                    match crate::instantiate::instantiate(&store, &input, color)? {
                        Some(found) => {
                            for (drv, _) in found {
                                roots.push(dir.parse(&drv)?);
                            }
                        }
                        None => return Ok(Outcome::Rejected),
                    }
                    continue;
                }
                match crate::build::realise_input(&store, &input, global, color)? {
                    Some(paths) => roots.extend(paths),
                    None => return Ok(Outcome::Rejected),
                }
            } else {
                roots.push(valid_path(&store, p)?);
            }
        }
        let cache = BinaryCache::open(url, &dir)?;
        let report = cairn_cache::push(&store, &cache, &roots, key.as_ref(), &events);
        progress.finish();
        (report?, url, "uploaded")
    } else {
        let url = args
            .from
            .as_ref()
            .context("either --to or --from is required")?;
        let (_, keys) = global.binary_caches()?;
        let mut roots = Vec::new();
        for p in &args.paths {
            if cairn_flake::looks_like_installable(p) {
                anyhow::bail!(
                    "`cairn copy --from` takes store paths, not installables such as `{p}`"
                );
            }
            roots.push(store.parse_user_path(p)?);
        }
        let cache = BinaryCache::open(url, &dir)?;
        let trusted = (!args.no_check_sigs).then_some(&keys[..]);
        let report = cairn_cache::pull(&store, &cache, &roots, trusted, &events);
        progress.finish();
        (report?, url, "downloaded")
    };
    if global.chatty() {
        eprintln!(
            "copied {} ({} {verb}), skipped {} already {}",
            plural(report.copied.len(), "path", "paths"),
            human_size(report.bytes),
            report.skipped,
            if args.to.is_some() {
                format!("in `{url}`")
            } else {
                "in the store".to_string()
            }
        );
    }
    Ok(Outcome::Success)
}

/// What a copy shows while it runs: on a terminal, a bar of the paths copied with the bytes
/// that went over; with `-v` elsewhere, a line per path.
struct Transfer {
    bar: Option<indicatif::ProgressBar>,
    verbose: bool,
    verb: &'static str,
    bytes: std::sync::atomic::AtomicU64,
}

impl Transfer {
    fn new(global: &GlobalArgs, verb: &'static str) -> Transfer {
        use std::io::IsTerminal;
        let bar = (global.chatty() && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{pos}/{len} paths, {prefix}] {wide_msg}",
                )
                .expect("a valid template"),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Transfer {
            bar,
            verbose: global.verbosity() > 0,
            verb,
            bytes: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn event(&self, e: CopyEvent<'_>) {
        match e {
            CopyEvent::Planned { paths, .. } => {
                if let Some(bar) = &self.bar {
                    bar.inc_length(paths as u64);
                }
            }
            CopyEvent::Started(path) => match &self.bar {
                Some(bar) => bar.set_message(format!("{} {}", self.verb, path.name())),
                None if self.verbose => eprintln!("{} '{}'", self.verb, path.base_name()),
                None => {}
            },
            CopyEvent::Done(_, bytes) => {
                let total = self
                    .bytes
                    .fetch_add(bytes, std::sync::atomic::Ordering::Relaxed)
                    + bytes;
                if let Some(bar) = &self.bar {
                    bar.inc(1);
                    bar.set_prefix(human_size(total));
                }
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
