//! Store paths: `/nix/store/<32 nixbase32 digits>-<name>`, the rules a name must follow, and
//! the computation of a path from what it holds (`makeStorePath` and the functions built on
//! it: output paths, fixed-output paths, text paths).
//!
//! A `StorePath` is the base name only; the store directory (`StoreDir`) is added when it is
//! printed, as Nix does. Nothing here touches the file system.

use std::collections::BTreeSet;
use std::fmt;

use crate::hash::{Hash, HashAlgo};
use crate::nixbase32;

/// The length of the hash part of a store path.
pub const HASH_PART_LEN: usize = 32;

/// The longest name a store path may have.
pub const MAX_NAME_LEN: usize = 211;

/// The extension of store derivations.
pub const DRV_EXTENSION: &str = ".drv";

/// A path that is not a valid store path; the messages are Nix's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StorePathError {
    #[error("store path '{0}' has an empty name")]
    EmptyName(String),
    #[error("store path '{0}' has a name longer than 211 characters")]
    NameTooLong(String),
    #[error("store path '{0}' contains illegal character '{1}'")]
    IllegalChar(String, char),
    #[error("'{0}' is too short to be a valid store path")]
    TooShort(String),
    #[error("store path '{0}' contains illegal base-32 character '{1}'")]
    IllegalHashChar(String, char),
    #[error("path '{0}' is not in the Nix store")]
    NotInStore(String),
}

/// The base name of a store path, `<hash>-<name>`, checked.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorePath {
    base: Box<str>,
}

impl fmt::Debug for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorePath({})", self.base)
    }
}

impl fmt::Display for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

impl StorePath {
    /// Parses a base name such as `7rjj86a15146cq1d3qy068lml7n8ykzm-hello-2.12`.
    pub fn from_base_name(base: &str) -> Result<StorePath, StorePathError> {
        if base.len() < HASH_PART_LEN + 1 {
            return Err(StorePathError::TooShort(base.to_string()));
        }
        for &b in &base.as_bytes()[..HASH_PART_LEN] {
            if nixbase32::digit_value(b).is_none() {
                let c = base.chars().find(|c| !c.is_ascii()).unwrap_or(b as char);
                return Err(StorePathError::IllegalHashChar(base.to_string(), c));
            }
        }
        let Some(name) = base.get(HASH_PART_LEN + 1..) else {
            let c = base[HASH_PART_LEN..].chars().next().unwrap_or('?');
            return Err(StorePathError::IllegalChar(base.to_string(), c));
        };
        check_name(base, name)?;
        Ok(StorePath { base: base.into() })
    }

    /// The store path with a 20-byte digest and a name.
    pub fn from_digest(digest: &[u8; 20], name: &str) -> Result<StorePath, StorePathError> {
        let base = format!("{}-{name}", nixbase32::encode(digest));
        check_name(&base, name)?;
        Ok(StorePath { base: base.into() })
    }

    /// `<hash>-<name>`.
    pub fn base_name(&self) -> &str {
        &self.base
    }

    /// The 32 nixbase32 digits.
    pub fn hash_part(&self) -> &str {
        &self.base[..HASH_PART_LEN]
    }

    pub fn name(&self) -> &str {
        &self.base[HASH_PART_LEN + 1..]
    }

    /// Whether this is a store derivation (its name ends in `.drv`).
    pub fn is_derivation(&self) -> bool {
        self.name().ends_with(DRV_EXTENSION)
    }
}

/// Checks a store path name: 1 to 211 characters out of letters, digits and `+-._?=`.
pub fn check_name(path: &str, name: &str) -> Result<(), StorePathError> {
    if name.is_empty() {
        return Err(StorePathError::EmptyName(path.to_string()));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StorePathError::NameTooLong(path.to_string()));
    }
    if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || "+-._?=".contains(c)))
    {
        return Err(StorePathError::IllegalChar(path.to_string(), c));
    }
    Ok(())
}

/// How the contents of a path are hashed for a content-addressed path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IngestionMethod {
    /// The bytes of one file.
    Flat,
    /// The NAR serialisation of a file system tree.
    Recursive,
}

impl IngestionMethod {
    /// `r:` for recursive, nothing for flat, as it goes in front of an algorithm's name.
    pub fn prefix(self) -> &'static str {
        match self {
            IngestionMethod::Flat => "",
            IngestionMethod::Recursive => "r:",
        }
    }
}

/// The logical store directory, such as `/nix/store`: where store paths are printed, and part
/// of every path's fingerprint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreDir {
    dir: String,
}

impl Default for StoreDir {
    fn default() -> StoreDir {
        StoreDir::new("/nix/store")
    }
}

impl StoreDir {
    /// A store directory; a trailing slash is dropped.
    pub fn new(dir: &str) -> StoreDir {
        let dir = dir.trim_end_matches('/');
        StoreDir {
            dir: if dir.is_empty() {
                "/".into()
            } else {
                dir.into()
            },
        }
    }

    pub fn as_str(&self) -> &str {
        &self.dir
    }

    /// The absolute path of a store path.
    pub fn print(&self, path: &StorePath) -> String {
        let mut s = String::with_capacity(self.dir.len() + 1 + path.base.len());
        s.push_str(&self.dir);
        s.push('/');
        s.push_str(&path.base);
        s
    }

    /// Parses an absolute store path, such as `/nix/store/<hash>-<name>`; the path must be
    /// directly in the store directory (`Store::parseStorePath`, with `..` and `//` folded).
    pub fn parse(&self, path: &str) -> Result<StorePath, StorePathError> {
        let canon = canon_path(path);
        match canon.rsplit_once('/') {
            Some((dir, base)) if dir == self.dir || (dir.is_empty() && self.dir == "/") => {
                StorePath::from_base_name(base)
            }
            _ => Err(StorePathError::NotInStore(canon)),
        }
    }

    /// Splits a path inside the store into its store path and the rest (`/bin/sh` of
    /// `/nix/store/<hash>-bash/bin/sh`).
    pub fn parse_prefix<'a>(&self, path: &'a str) -> Option<(StorePath, &'a str)> {
        let rest = path.strip_prefix(self.dir.as_str())?.strip_prefix('/')?;
        let end = rest.find('/').unwrap_or(rest.len());
        let sp = StorePath::from_base_name(&rest[..end]).ok()?;
        Some((sp, &rest[end..]))
    }

    /// `makeStorePath`: the path whose fingerprint is `type:algo:<hex>:<storeDir>:<name>`.
    pub fn make_store_path(
        &self,
        path_type: &str,
        hash: &Hash,
        name: &str,
    ) -> Result<StorePath, StorePathError> {
        let fingerprint = format!(
            "{path_type}:{}:{}:{}:{name}",
            hash.algo(),
            hash.to_base16(),
            self.dir
        );
        let digest = Hash::digest(HashAlgo::Sha256, fingerprint).compress(20);
        let digest: [u8; 20] = digest.try_into().expect("compressed to 20 bytes");
        StorePath::from_digest(&digest, name)
    }

    /// The path of output `output` of a derivation named `drv_name` whose `hashDerivationModulo`
    /// is `hash` (`makeOutputPath`): outputs other than `out` get `-<output>` after the name.
    pub fn make_output_path(
        &self,
        output: &str,
        hash: &Hash,
        drv_name: &str,
    ) -> Result<StorePath, StorePathError> {
        self.make_store_path(
            &format!("output:{output}"),
            hash,
            &output_path_name(drv_name, output),
        )
    }

    /// The path of a content-addressed file or tree (`makeFixedOutputPath`). A tree hashed
    /// recursively with sha256 is a `source` path (which may have references); anything else
    /// is `output:out` over the hash of `fixed:out:<r:>algo:<hex>:`.
    pub fn make_fixed_output_path(
        &self,
        method: IngestionMethod,
        hash: &Hash,
        name: &str,
        references: &BTreeSet<StorePath>,
        self_reference: bool,
    ) -> Result<StorePath, StorePathError> {
        if hash.algo() == HashAlgo::Sha256 && method == IngestionMethod::Recursive {
            let ty = self.make_type("source", references, self_reference);
            self.make_store_path(&ty, hash, name)
        } else {
            debug_assert!(references.is_empty());
            let inner = format!(
                "fixed:out:{}{}:{}:",
                method.prefix(),
                hash.algo(),
                hash.to_base16()
            );
            self.make_store_path("output:out", &Hash::digest(HashAlgo::Sha256, inner), name)
        }
    }

    /// The path of a text file such as a `.drv`, whose contents hash to `hash` (sha256) and
    /// which refers to `references` (`makeTextPath`).
    pub fn make_text_path(
        &self,
        name: &str,
        hash: &Hash,
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StorePathError> {
        let ty = self.make_type("text", references, false);
        self.make_store_path(&ty, hash, name)
    }

    /// The path `builtins.toFile` or a `.drv` gets for `contents` (`computeStorePathForText`).
    pub fn text_path_for(
        &self,
        name: &str,
        contents: &str,
        references: &BTreeSet<StorePath>,
    ) -> Result<StorePath, StorePathError> {
        self.make_text_path(name, &Hash::digest(HashAlgo::Sha256, contents), references)
    }

    /// `type:<ref>:<ref>...[:self]`.
    fn make_type(
        &self,
        base: &str,
        references: &BTreeSet<StorePath>,
        self_reference: bool,
    ) -> String {
        let mut ty = base.to_string();
        for r in references {
            ty.push(':');
            ty.push_str(&self.print(r));
        }
        if self_reference {
            ty.push_str(":self");
        }
        ty
    }
}

/// The name of an output's path: the derivation's name, then `-<output>` unless it is `out`.
pub fn output_path_name(drv_name: &str, output: &str) -> String {
    if output == "out" {
        drv_name.to_string()
    } else {
        format!("{drv_name}-{output}")
    }
}

/// The placeholder that stands for an output's path before it is known
/// (`builtins.placeholder`): `/` and the nixbase32 sha256 of `nix-output:<output>`.
pub fn hash_placeholder(output: &str) -> String {
    let h = Hash::digest(HashAlgo::Sha256, format!("nix-output:{output}"));
    format!("/{}", h.to_nix32())
}

/// Folds `.`, `..` and repeated slashes, without looking at the file system.
fn canon_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    let mut out = String::with_capacity(path.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> StoreDir {
        StoreDir::default()
    }

    #[test]
    fn parses_and_prints_paths() {
        let p = store()
            .parse("/nix/store/7rjj86a15146cq1d3qy068lml7n8ykzm-hello-2.12")
            .unwrap();
        assert_eq!(p.name(), "hello-2.12");
        assert_eq!(p.hash_part(), "7rjj86a15146cq1d3qy068lml7n8ykzm");
        assert_eq!(
            store().print(&p),
            "/nix/store/7rjj86a15146cq1d3qy068lml7n8ykzm-hello-2.12"
        );
        assert!(!p.is_derivation());
        assert_eq!(
            store().parse("/nix/store/x").unwrap_err().to_string(),
            "'x' is too short to be a valid store path"
        );
        assert!(matches!(
            store().parse("/nix/store/eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee-x"),
            Err(StorePathError::IllegalHashChar(_, 'e'))
        ));
        assert!(matches!(
            store().parse("/tmp/7rjj86a15146cq1d3qy068lml7n8ykzm-x"),
            Err(StorePathError::NotInStore(_))
        ));
        let (sp, rest) = store()
            .parse_prefix("/nix/store/7rjj86a15146cq1d3qy068lml7n8ykzm-bash/bin/sh")
            .unwrap();
        assert_eq!(sp.name(), "bash");
        assert_eq!(rest, "/bin/sh");
    }

    #[test]
    fn names_follow_nixs_rules() {
        assert!(check_name("p", "a-b_c.d+e?f=g").is_ok());
        assert_eq!(
            check_name("p", "~jiggle~"),
            Err(StorePathError::IllegalChar("p".into(), '~'))
        );
        assert!(check_name("p", &"a".repeat(211)).is_ok());
        assert!(check_name("p", &"a".repeat(212)).is_err());
        assert!(check_name("p", "").is_err());
    }

    #[test]
    fn fixed_output_paths_match_nix() {
        // `derivation { name = "src-0.tar.gz"; outputHashMode = "flat"; outputHashAlgo =
        // "sha256"; outputHash = hashString "sha256" "source 0"; ... }`.outPath in Nix 2.8.
        let h = Hash::digest(HashAlgo::Sha256, "source 0");
        let p = store()
            .make_fixed_output_path(
                IngestionMethod::Flat,
                &h,
                "src-0.tar.gz",
                &BTreeSet::new(),
                false,
            )
            .unwrap();
        assert_eq!(
            store().print(&p),
            "/nix/store/vsbh1qpr5rq1hvgrh6zksag2gw6rqdxd-src-0.tar.gz"
        );
    }

    #[test]
    fn placeholders_match_nix() {
        // `builtins.placeholder "out"`.
        assert_eq!(
            hash_placeholder("out"),
            "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"
        );
    }

    #[test]
    fn output_names() {
        assert_eq!(output_path_name("a", "out"), "a");
        assert_eq!(output_path_name("a", "dev"), "a-dev");
    }
}
