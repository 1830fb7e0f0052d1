//! `cairn key`: signing keys for binary caches, in Nix's text forms, as `nix key` makes and
//! converts them. The keys themselves are `cairn_cache::signing`'s.

use std::io::{Read, Write};

use anyhow::Context as _;
use cairn_cache::SecretKey;

use crate::Outcome;

/// Reads the secret key in `file` (`--sign-key FILE`), if a file is given.
pub(crate) fn read_secret_key(file: Option<&std::path::Path>) -> anyhow::Result<Option<SecretKey>> {
    let Some(file) = file else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("cannot read the key file '{}'", file.display()))?;
    let key =
        SecretKey::parse(&text).with_context(|| format!("in the key file '{}'", file.display()))?;
    Ok(Some(key))
}

#[derive(Debug, clap::Subcommand)]
pub(crate) enum KeyCommand {
    /// Print a new secret key for signing store paths, as `nix key generate-secret` does.
    ///
    /// The key is `NAME:base64`, an ed25519 key in Nix's form; the name goes into every
    /// signature it makes, so it says which key to check them with. Keep the file secret, and
    /// give its public key (`cairn key convert-secret-to-public`) to those who trust it.
    #[command(after_help = "Examples:\n  \
        cairn key generate-secret --key-name cache.example.org-1 > cache.sec\n  \
        cairn key convert-secret-to-public < cache.sec > cache.pub")]
    GenerateSecret {
        /// The key's name, conventionally the cache's host name and a number.
        #[arg(long, value_name = "NAME")]
        key_name: String,
    },

    /// Read a secret key on standard input and print its public key, as
    /// `nix key convert-secret-to-public` does.
    #[command(after_help = "Example:\n  \
        cairn key convert-secret-to-public < cache.sec\n  \
        (prints cache.example.org-1:base64..., for --trusted-public-keys)")]
    ConvertSecretToPublic,
}

pub(crate) fn run(cmd: KeyCommand) -> anyhow::Result<Outcome> {
    // No newline after the key, as Nix prints it.
    let text = match cmd {
        KeyCommand::GenerateSecret { key_name } => SecretKey::generate(&key_name)?.to_text(),
        KeyCommand::ConvertSecretToPublic => {
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .context("cannot read the secret key on standard input")?;
            SecretKey::parse(&input)?.public_key().to_text()
        }
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(Outcome::Success)
}
