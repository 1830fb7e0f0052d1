//! `cairn hash path` and `cairn hash file`: the hash of the NAR serialisation of a path, or of
//! the contents of a file, printed as `nix hash path` and `nix hash file` print it. The hashing
//! itself is `cairn_store::dump`'s; this file only parses arguments and prints.

use std::io::Write;
use std::path::PathBuf;

use cairn_store::dump::{hash_file, hash_path};
use cairn_store::{Encoding, HashAlgo};

use crate::Outcome;

#[derive(Debug, clap::Args)]
pub(crate) struct HashArgs {
    #[command(subcommand)]
    command: HashCommand,
}

#[derive(Debug, clap::Subcommand)]
enum HashCommand {
    /// Print the hash of the NAR serialisation of each path, as `nix hash path` does.
    ///
    /// The NAR of a path is what Nix hashes to add it to the store: its directory tree with
    /// entries in byte order, file contents, executable bits and symbolic link targets, and
    /// nothing else (no owners, times or other permissions). Symbolic links are not followed.
    #[command(after_help = "Examples:\n  \
        cairn hash path ./src                    sha256-... in SRI form\n  \
        cairn hash path --base32 ./src           the form of `sha256 = \"...\";`\n  \
        cairn hash path --type sha512 a b        one line for each path")]
    Path(HashOptions),

    /// Print the hash of the contents of each file, as `nix hash file` does.
    ///
    /// Symbolic links are followed. This is the hash of a fixed-output derivation with the
    /// default `outputHashMode = "flat"`, as `fetchurl` makes.
    #[command(after_help = "Examples:\n  \
        cairn hash file hello.tar.gz             sha256-... in SRI form\n  \
        cairn hash file --base16 --type sha1 f   as `sha1sum f` prints it")]
    File(HashOptions),
}

#[derive(Debug, clap::Args)]
struct HashOptions {
    /// The paths to hash.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,

    /// The hash function.
    #[arg(long = "type", value_name = "ALGO", value_enum, default_value_t = Algo::Sha256)]
    algo: Algo,

    /// Print the hash in base 16 (hexadecimal).
    #[arg(long, overrides_with_all = ["base16", "base32", "base64", "sri"])]
    base16: bool,

    /// Print the hash in Nix's base 32, as store paths and `sha256 = "...";` write it.
    #[arg(long, overrides_with_all = ["base16", "base32", "base64", "sri"])]
    base32: bool,

    /// Print the hash in base 64.
    #[arg(long, overrides_with_all = ["base16", "base32", "base64", "sri"])]
    base64: bool,

    /// Print the hash in SRI form, `ALGO-BASE64` (the default).
    #[arg(long, overrides_with_all = ["base16", "base32", "base64", "sri"])]
    sri: bool,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Algo {
    Sha256,
    Sha512,
    Sha1,
    Md5,
}

impl HashOptions {
    fn algo(&self) -> HashAlgo {
        match self.algo {
            Algo::Sha256 => HashAlgo::Sha256,
            Algo::Sha512 => HashAlgo::Sha512,
            Algo::Sha1 => HashAlgo::Sha1,
            Algo::Md5 => HashAlgo::Md5,
        }
    }

    /// The encoding asked for; the last option given wins, as in Nix.
    fn encoding(&self) -> Encoding {
        if self.base16 {
            Encoding::Base16
        } else if self.base32 {
            Encoding::Base32
        } else if self.base64 {
            Encoding::Base64
        } else {
            Encoding::Sri
        }
    }
}

pub(crate) fn run(args: HashArgs) -> anyhow::Result<Outcome> {
    let (options, nar) = match &args.command {
        HashCommand::Path(options) => (options, true),
        HashCommand::File(options) => (options, false),
    };
    let algo = options.algo();
    let encoding = options.encoding();
    let mut stdout = std::io::stdout().lock();
    for path in &options.paths {
        // The errors name the path: `getting status of 'x': No such file or directory`.
        let hash = if nar {
            hash_path(algo, path, &mut |_| true)?.0
        } else {
            hash_file(algo, path)?
        };
        writeln!(stdout, "{}", hash.encode(encoding, false))?;
        stdout.flush()?;
    }
    Ok(Outcome::Success)
}
