//! Where the store fetches paths it lacks: the binary caches of `--substituters` or of the
//! configuration file, trusting the keys of `--trusted-public-keys` or of that file.
//!
//! The configuration file is `$XDG_CONFIG_HOME/cairn/cairn.toml` (`~/.config/cairn/cairn.toml`
//! without `XDG_CONFIG_HOME`), or the file `CAIRN_CONFIG` names:
//!
//! ```toml
//! substituters = ["http://cache.example.org:5000", "file:///srv/nix-cache"]
//! trusted-public-keys = ["cache.example.org-1:...base64..."]
//! ```
//!
//! An option given on the command line replaces the file's (`--substituters ''` turns
//! substitution off). The caches are opened on the first question, so a command that asks
//! nothing does not touch the network.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use anyhow::Context as _;
use cairn_cache::{PublicKey, Substituters};
use cairn_store::{CopyEvent, LocalStore, StoreDir, StoreError, StorePath, Substitutable};

/// The configuration file's settings.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct Config {
    /// Binary caches to fetch from, in order.
    #[serde(default)]
    pub(crate) substituters: Vec<String>,
    /// Keys (`name:base64`) whose signatures are trusted.
    #[serde(default)]
    pub(crate) trusted_public_keys: Vec<String>,
}

/// Where the configuration file is, if there is a place for one.
pub(crate) fn config_file() -> Option<PathBuf> {
    if let Some(file) = std::env::var_os("CAIRN_CONFIG").filter(|f| !f.is_empty()) {
        return Some(PathBuf::from(file));
    }
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|d| !d.is_empty())?).join(".config"),
    };
    Some(base.join("cairn/cairn.toml"))
}

/// Reads the configuration file; a missing file is the empty configuration.
pub(crate) fn read_config() -> anyhow::Result<Config> {
    let Some(file) = config_file() else {
        return Ok(Config::default());
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read '{}'", file.display()));
        }
    };
    toml::from_str(&text).with_context(|| format!("in the configuration file '{}'", file.display()))
}

/// Space-separated values of a repeatable option, or `None` when it was not given.
fn words(given: &[String]) -> Option<Vec<String>> {
    if given.is_empty() {
        return None;
    }
    Some(
        given
            .iter()
            .flat_map(|v| v.split_whitespace())
            .map(str::to_string)
            .collect(),
    )
}

/// The caches and keys in effect: the command line's, else the configuration file's.
pub(crate) fn settings(
    substituters: &[String],
    trusted_public_keys: &[String],
) -> anyhow::Result<(Vec<String>, Vec<PublicKey>)> {
    let (urls, keys) = match (words(substituters), words(trusted_public_keys)) {
        (Some(urls), Some(keys)) => (urls, keys),
        (urls, keys) => {
            let config = read_config()?;
            (
                urls.unwrap_or(config.substituters),
                keys.unwrap_or(config.trusted_public_keys),
            )
        }
    };
    let keys = keys
        .iter()
        .map(|k| PublicKey::parse(k).with_context(|| format!("trusted public key `{k}`")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok((urls, keys))
}

/// The caches of `urls`, opened on the first question.
#[derive(Debug)]
pub(crate) struct Lazy {
    urls: Vec<String>,
    dir: StoreDir,
    keys: Vec<PublicKey>,
    opened: OnceLock<Substituters>,
    /// Whether to say what is fetched outside a build (`-q` says nothing).
    chatty: bool,
}

impl Lazy {
    pub(crate) fn new(
        urls: Vec<String>,
        dir: StoreDir,
        keys: Vec<PublicKey>,
        chatty: bool,
    ) -> Arc<Lazy> {
        Arc::new(Lazy {
            urls,
            dir,
            keys,
            opened: OnceLock::new(),
            chatty,
        })
    }

    fn get(&self) -> &Substituters {
        self.opened.get_or_init(|| {
            Substituters::open(&self.urls, &self.dir, self.keys.clone(), true, &|w| {
                eprintln!("warning: {w}")
            })
        })
    }
}

impl cairn_store::Substituter for Lazy {
    fn query(
        &self,
        paths: &[StorePath],
    ) -> std::collections::BTreeMap<StorePath, Result<Substitutable, String>> {
        self.get().query(paths)
    }

    fn fetch(
        &self,
        store: &LocalStore,
        paths: &[StorePath],
        events: &(dyn Fn(CopyEvent<'_>) + Sync),
    ) -> Result<(), StoreError> {
        self.get().fetch(store, paths, events)
    }

    fn describe(&self) -> String {
        self.get().describe()
    }

    fn report(&self, event: CopyEvent<'_>) {
        if let CopyEvent::Started(path) = event
            && self.chatty
        {
            eprintln!("fetching '{}' from binary caches...", path.base_name());
        }
    }
}
