//! `cairn copy`: closures of store paths to a binary cache (`--to`) and from one (`--from`),
//! as `nix copy` copies them. The copying is `cairn_cache::copy`'s; this file parses
//! arguments, reads keys and prints the summary.

use anyhow::Context as _;
use cairn_cache::{BinaryCache, PublicKey, SecretKey};
use cairn_store::StorePath;

use crate::store::{human_size, plural, valid_path};
use crate::{GlobalArgs, Outcome};

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("direction").required(true).args(["to", "from"]))]
pub(crate) struct CopyArgs {
    /// Upload the closures of PATHs to the binary cache at URL (`file:///DIR`, with
    /// `?compression=xz|zstd|none` to choose how NARs are compressed; xz by default).
    #[arg(long, value_name = "URL")]
    to: Option<String>,

    /// Import the closures of PATHs from the binary cache at URL into the store.
    #[arg(long, value_name = "URL")]
    from: Option<String>,

    /// Sign what is uploaded with the secret key in FILE (`cairn key generate-secret`).
    #[arg(long, value_name = "FILE", requires = "to")]
    sign_key: Option<std::path::PathBuf>,

    /// Public keys (`name:base64`) whose signatures are trusted, separated by spaces
    /// (repeatable); every imported path must be signed by one of them.
    #[arg(long, value_name = "KEYS", conflicts_with = "to")]
    trusted_public_keys: Vec<String>,

    /// Import paths whatever their signatures (their NAR hashes are still checked).
    #[arg(long, conflicts_with = "to")]
    no_check_sigs: bool,

    /// Store paths, or links to them such as `./result`.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
}

pub(crate) fn run(args: CopyArgs, global: &GlobalArgs) -> anyhow::Result<Outcome> {
    let store = global.open_store()?;
    let dir = store.store_dir().clone();
    let verbose = global.verbosity() > 0;
    let mut progress = |p: &StorePath| {
        if verbose {
            eprintln!("copying '{}'", dir.print(p));
        }
    };
    let (report, url, verb) = if let Some(url) = &args.to {
        let key = match &args.sign_key {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read the key file '{}'", file.display()))?;
                Some(
                    SecretKey::parse(&text)
                        .with_context(|| format!("in the key file '{}'", file.display()))?,
                )
            }
            None => None,
        };
        let mut roots = Vec::new();
        for p in &args.paths {
            roots.push(valid_path(&store, p)?);
        }
        let cache = BinaryCache::open(url, &dir)?;
        let report = cairn_cache::push(&store, &cache, &roots, key.as_ref(), &mut progress)?;
        (report, url, "uploaded")
    } else {
        let url = args
            .from
            .as_ref()
            .context("either --to or --from is required")?;
        let keys = args
            .trusted_public_keys
            .iter()
            .flat_map(|k| k.split_whitespace())
            .map(PublicKey::parse)
            .collect::<Result<Vec<_>, _>>()?;
        let mut roots = Vec::new();
        for p in &args.paths {
            roots.push(store.parse_user_path(p)?);
        }
        let cache = BinaryCache::open(url, &dir)?;
        let trusted = (!args.no_check_sigs).then_some(&keys[..]);
        let report = cairn_cache::pull(&store, &cache, &roots, trusted, &mut progress)?;
        (report, url, "downloaded")
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
