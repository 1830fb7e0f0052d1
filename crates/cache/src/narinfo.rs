//! The text files of a binary cache: `nix-cache-info` (`CacheInfo`) and `<hash>.narinfo`
//! (`NarInfo`), read and written as Nix 2.8 reads and writes them, and a path's fingerprint,
//! the text its signatures sign.
//!
//! Both are lines of `Name: value`. Nix writes the fields of a narinfo in a fixed order
//! (`StorePath`, `URL`, `Compression`, `FileHash`, `FileSize`, `NarHash`, `NarSize`,
//! `References`, `Deriver`, `System`, `Sig`..., `CA`), and so does `NarInfo::to_text`; a reader
//! takes them in any order and ignores fields it does not know.

use std::collections::BTreeSet;

use cairn_store::{Encoding, Hash, HashAlgo, PathInfo, StoreDir, StorePath};

use crate::signing::{PublicKey, SecretKey, signature_key_name};

/// A narinfo or `nix-cache-info` that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid {file}: {why}")]
pub struct FormatError {
    pub file: String,
    pub why: String,
}

/// Why a path's signatures were not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SignatureError {
    #[error(
        "path '{path}' is not signed (hint: sign it with `cairn copy --sign-key`, or pass `--no-check-sigs`)"
    )]
    Unsigned { path: String },
    #[error(
        "path '{path}' is signed only by untrusted keys: {keys} (hint: pass the public key with `--trusted-public-keys`)"
    )]
    Untrusted { path: String, keys: String },
    #[error("path '{path}' has a signature by key `{key}` that is not valid for it")]
    Invalid { path: String, key: String },
}

/// What `nix-cache-info` says of a cache.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CacheInfo {
    /// The store directory the cache's paths are in.
    pub store_dir: String,
    /// Whether a client may ask for many paths at once (`WantMassQuery: 1`).
    pub want_mass_query: bool,
    /// Lower is tried first; Nix's default is 50.
    pub priority: Option<u32>,
}

impl CacheInfo {
    /// What Nix writes into a new cache: its store directory alone.
    pub fn new(store_dir: &str) -> CacheInfo {
        CacheInfo {
            store_dir: store_dir.to_string(),
            want_mass_query: false,
            priority: None,
        }
    }

    pub fn parse(text: &str) -> Result<CacheInfo, FormatError> {
        let mut info = CacheInfo::new("/nix/store");
        for (name, value) in fields(text, "nix-cache-info")? {
            match name {
                "StoreDir" => info.store_dir = value.to_string(),
                "WantMassQuery" => info.want_mass_query = value == "1",
                "Priority" => {
                    info.priority = Some(value.parse().map_err(|_| FormatError {
                        file: "nix-cache-info".into(),
                        why: format!("`Priority: {value}` is not a number"),
                    })?)
                }
                _ => {}
            }
        }
        Ok(info)
    }

    pub fn to_text(&self) -> String {
        let mut s = format!("StoreDir: {}\n", self.store_dir);
        if self.want_mass_query {
            s.push_str("WantMassQuery: 1\n");
        }
        if let Some(p) = self.priority {
            s.push_str(&format!("Priority: {p}\n"));
        }
        s
    }
}

/// What a cache knows of one store path: where its NAR file is and how it is compressed,
/// the NAR's hash and size, references, deriver, signatures, content address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NarInfo {
    pub path: StorePath,
    /// The NAR file, relative to the cache (`nar/<filehash>.nar.xz`).
    pub url: String,
    /// As written (`xz`, `zstd`, `none`, or a name cairn cannot unpack).
    pub compression: String,
    /// The SHA-256 and size of the NAR file as stored.
    pub file_hash: Option<Hash>,
    pub file_size: Option<u64>,
    pub nar_hash: Hash,
    pub nar_size: u64,
    pub references: BTreeSet<StorePath>,
    pub deriver: Option<StorePath>,
    pub system: Option<String>,
    /// `name:base64`, in Nix's (sorted) order.
    pub sigs: BTreeSet<String>,
    /// `text:sha256:...` or `fixed:[r:]algo:...`.
    pub ca: Option<String>,
}

/// `Name: value` lines; a line without `: ` is an error, as in Nix.
fn fields<'a>(text: &'a str, file: &str) -> Result<Vec<(&'a str, &'a str)>, FormatError> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(": ") else {
            return Err(FormatError {
                file: file.to_string(),
                why: format!("line `{line}` is not `Name: value`"),
            });
        };
        out.push((name, value));
    }
    Ok(out)
}

impl NarInfo {
    /// The narinfo of a valid path of the local store, before its NAR file is known.
    pub fn from_path_info(info: &PathInfo) -> NarInfo {
        NarInfo {
            path: info.path.clone(),
            url: String::new(),
            compression: String::new(),
            file_hash: None,
            file_size: None,
            nar_hash: info.nar_hash,
            nar_size: info.nar_size,
            references: info.references.clone(),
            deriver: info.deriver.clone(),
            system: None,
            sigs: info.sigs.iter().cloned().collect(),
            ca: info.ca.clone(),
        }
    }

    /// What the local store records of the path once it is imported.
    pub fn to_path_info(&self, registration_time: i64) -> PathInfo {
        PathInfo {
            path: self.path.clone(),
            nar_hash: self.nar_hash,
            nar_size: self.nar_size,
            references: self.references.clone(),
            deriver: self.deriver.clone(),
            registration_time,
            ca: self.ca.clone(),
            sigs: self.sigs.iter().cloned().collect(),
        }
    }

    /// Reads a narinfo of a cache whose store directory is `dir`; `file` names it in errors.
    pub fn parse(text: &str, dir: &StoreDir, file: &str) -> Result<NarInfo, FormatError> {
        let bad = |why: String| FormatError {
            file: file.to_string(),
            why,
        };
        let (mut path, mut url, mut compression) = (None, None, None);
        let (mut file_hash, mut file_size, mut nar_hash, mut nar_size) = (None, None, None, None);
        let (mut references, mut deriver, mut system, mut sigs, mut ca) =
            (BTreeSet::new(), None, None, BTreeSet::new(), None);
        let number = |name: &str, value: &str| {
            value
                .parse::<u64>()
                .map_err(|_| bad(format!("`{name}: {value}` is not a number")))
        };
        let hash = |name: &str, value: &str| {
            Hash::parse_prefixed(value).map_err(|e| bad(format!("`{name}`: {e}")))
        };
        let base = |value: &str| {
            StorePath::from_base_name(value).map_err(|e| bad(format!("`{value}`: {e}")))
        };
        for (name, value) in fields(text, file)? {
            match name {
                "StorePath" => {
                    path = Some(
                        dir.parse(value)
                            .map_err(|e| bad(format!("`StorePath`: {e}")))?,
                    )
                }
                "URL" => url = Some(value.to_string()),
                "Compression" => compression = Some(value.to_string()),
                "FileHash" => file_hash = Some(hash(name, value)?),
                "FileSize" => file_size = Some(number(name, value)?),
                "NarHash" => nar_hash = Some(hash(name, value)?),
                "NarSize" => nar_size = Some(number(name, value)?),
                "References" => {
                    for r in value.split(' ').filter(|r| !r.is_empty()) {
                        references.insert(base(r)?);
                    }
                }
                "Deriver" if value != "unknown-deriver" => deriver = Some(base(value)?),
                "System" => system = Some(value.to_string()),
                "Sig" => {
                    sigs.insert(value.to_string());
                }
                "CA" => ca = Some(value.to_string()),
                _ => {}
            }
        }
        let missing = |field: &str| bad(format!("it has no `{field}`"));
        let nar_hash: Hash = nar_hash.ok_or_else(|| missing("NarHash"))?;
        if nar_hash.algo() != HashAlgo::Sha256 {
            return Err(bad("`NarHash` is not a SHA-256".into()));
        }
        let nar_size = nar_size
            .filter(|n| *n > 0)
            .ok_or_else(|| missing("NarSize"))?;
        Ok(NarInfo {
            path: path.ok_or_else(|| missing("StorePath"))?,
            url: url
                .filter(|u| !u.is_empty())
                .ok_or_else(|| missing("URL"))?,
            // Nix's default, from the days of bzip2 caches.
            compression: compression.unwrap_or_else(|| "bzip2".into()),
            file_hash,
            file_size,
            nar_hash,
            nar_size,
            references,
            deriver,
            system,
            sigs,
            ca,
        })
    }

    /// The text of the narinfo, field by field as Nix writes it.
    pub fn to_text(&self, dir: &StoreDir) -> String {
        let mut s = format!("StorePath: {}\n", dir.print(&self.path));
        s.push_str(&format!("URL: {}\n", self.url));
        s.push_str(&format!("Compression: {}\n", self.compression));
        if let Some(h) = &self.file_hash {
            s.push_str(&format!("FileHash: {}\n", h.encode(Encoding::Base32, true)));
        }
        if let Some(n) = self.file_size {
            s.push_str(&format!("FileSize: {n}\n"));
        }
        s.push_str(&format!(
            "NarHash: {}\n",
            self.nar_hash.encode(Encoding::Base32, true)
        ));
        s.push_str(&format!("NarSize: {}\n", self.nar_size));
        let refs: Vec<&str> = self.references.iter().map(|r| r.base_name()).collect();
        s.push_str(&format!("References: {}\n", refs.join(" ")));
        if let Some(d) = &self.deriver {
            s.push_str(&format!("Deriver: {}\n", d.base_name()));
        }
        if let Some(system) = &self.system {
            s.push_str(&format!("System: {system}\n"));
        }
        for sig in &self.sigs {
            s.push_str(&format!("Sig: {sig}\n"));
        }
        if let Some(ca) = &self.ca {
            s.push_str(&format!("CA: {ca}\n"));
        }
        s
    }

    /// The text a signature of the path signs (Nix's `ValidPathInfo::fingerprint`):
    /// `1;<path>;<narHash>;<narSize>;<references, full paths, comma-separated>`.
    pub fn fingerprint(&self, dir: &StoreDir) -> String {
        let refs: Vec<String> = self.references.iter().map(|r| dir.print(r)).collect();
        format!(
            "1;{};{};{};{}",
            dir.print(&self.path),
            self.nar_hash.encode(Encoding::Base32, true),
            self.nar_size,
            refs.join(",")
        )
    }

    /// Adds `key`'s signature.
    pub fn sign(&mut self, dir: &StoreDir, key: &SecretKey) {
        let sig = key.sign(self.fingerprint(dir).as_bytes());
        self.sigs.retain(|s| signature_key_name(s) != key.name());
        self.sigs.insert(sig);
    }

    /// Accepts the path when one of its signatures is valid by one of `keys`; otherwise says
    /// why not, naming the keys involved.
    pub fn check_signatures(
        &self,
        dir: &StoreDir,
        keys: &[PublicKey],
    ) -> Result<(), SignatureError> {
        let path = dir.print(&self.path);
        let fingerprint = self.fingerprint(dir);
        let mut invalid = None;
        for sig in &self.sigs {
            let name = signature_key_name(sig);
            for key in keys.iter().filter(|k| k.name() == name) {
                if key.verifies(fingerprint.as_bytes(), sig) {
                    return Ok(());
                }
                invalid = Some(name.to_string());
            }
        }
        if let Some(key) = invalid {
            return Err(SignatureError::Invalid { path, key });
        }
        if self.sigs.is_empty() {
            return Err(SignatureError::Unsigned { path });
        }
        let keys: Vec<String> = self
            .sigs
            .iter()
            .map(|s| format!("`{}`", signature_key_name(s)))
            .collect();
        Err(SignatureError::Untrusted {
            path,
            keys: keys.join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Narinfos `nix copy --to file://...` (Nix 2.8) wrote, signed with `NIX_PUBLIC`'s key:
    /// an input-addressed path with a reference and a deriver, and a content-addressed one.
    const NIX_NARINFO: &str = "\
StorePath: /nix/store/r4yqfrwdilng3609y1c83vwaw2r4vm87-cache-test-env
URL: nar/0mzz7k9v4ywldiqsqylvwapj3w8g434jxng9sqfhli6q03xrm1g9.nar.xz
Compression: xz
FileHash: sha256:0mzz7k9v4ywldiqsqylvwapj3w8g434jxng9sqfhli6q03xrm1g9
FileSize: 216
NarHash: sha256:00mxbdy9ssp44vxlrvc96z49f9hq4cmpvblyc80v3x6ip9wrij5h
NarSize: 344
References: 7d2ch0vw00r36i3qh5n06rj7wx8iacj0-manifest.nix
Deriver: d29s7xz1yy07fh97psbgfspr8hmkiykl-cache-test-env.drv
Sig: nix-test-1:9AXNX7XLwvJ/jcCw3Jv0fsBr4dz8Er26Do27cLLdR7xt1ZzbMpCOOJlSmFahbZcrjruhMNWv5KPkGKgjJ0yYAA==
";
    const NIX_NARINFO_CA: &str = "\
StorePath: /nix/store/7d2ch0vw00r36i3qh5n06rj7wx8iacj0-manifest.nix
URL: nar/15zri9kl4as8jn35h4rlqcqnvqcdldzknk60b2q2cn0bpilh7y9g.nar.xz
Compression: xz
FileHash: sha256:15zri9kl4as8jn35h4rlqcqnvqcdldzknk60b2q2cn0bpilh7y9g
FileSize: 128
NarHash: sha256:0dc93cryl8ws4nhwxcwd0anr0cwdnl93zsqz8lvhlg4ibs09h2rl
NarSize: 120
References: 
Sig: nix-test-1:paaBIfWXTOxce8xnqsX4mWxw+BXvHJsxpJer16AzXyK7MTmBgpnOGrT/nl1OqhXq6wyYOp/qwY32Ii8U34gFBA==
CA: text:sha256:1ylsjqlp1i4a8cw8vq3pvz74c58sp1qmdp993qj4gnf6qp0fm12r
";
    const NIX_PUBLIC: &str = "nix-test-1:/8aVPrswH6moEh5S3oPLtWAhSd+FI7w+yUHf7Ig+Vr0=";

    fn dir() -> StoreDir {
        StoreDir::new("/nix/store")
    }

    #[test]
    fn narinfo_round_trips_in_nixs_order() {
        let info = NarInfo::parse(NIX_NARINFO, &dir(), "x.narinfo").unwrap();
        assert_eq!(info.references.len(), 1);
        assert_eq!(info.compression, "xz");
        assert_eq!(info.to_text(&dir()), NIX_NARINFO);
        let ca = NarInfo::parse(NIX_NARINFO_CA, &dir(), "x.narinfo").unwrap();
        assert_eq!(ca.to_text(&dir()), NIX_NARINFO_CA);
        // Order does not matter to the reader, and unknown fields are skipped.
        let shuffled: String = NIX_NARINFO
            .lines()
            .rev()
            .map(|l| format!("{l}\nX-Y: z\n"))
            .collect();
        assert_eq!(NarInfo::parse(&shuffled, &dir(), "x").unwrap(), info);
    }

    #[test]
    fn fingerprint_is_nixs() {
        let info = NarInfo::parse(NIX_NARINFO, &dir(), "x").unwrap();
        assert_eq!(
            info.fingerprint(&dir()),
            "1;/nix/store/r4yqfrwdilng3609y1c83vwaw2r4vm87-cache-test-env;\
             sha256:00mxbdy9ssp44vxlrvc96z49f9hq4cmpvblyc80v3x6ip9wrij5h;344;\
             /nix/store/7d2ch0vw00r36i3qh5n06rj7wx8iacj0-manifest.nix"
        );
        // Nix's signatures of both verify with Nix's public key.
        let key = PublicKey::parse(NIX_PUBLIC).unwrap();
        info.check_signatures(&dir(), std::slice::from_ref(&key))
            .unwrap();
        let ca = NarInfo::parse(NIX_NARINFO_CA, &dir(), "x").unwrap();
        ca.check_signatures(&dir(), &[key]).unwrap();
    }

    #[test]
    fn bad_narinfos_are_errors() {
        let without = |field: &str| -> String {
            NIX_NARINFO
                .lines()
                .filter(|l| !l.starts_with(field))
                .map(|l| format!("{l}\n"))
                .collect()
        };
        for field in ["StorePath", "URL", "NarHash", "NarSize"] {
            let e = NarInfo::parse(&without(field), &dir(), "x.narinfo").unwrap_err();
            assert!(e.to_string().contains(field), "{e}");
        }
        for bad in [
            "StorePath: /elsewhere/r4yqfrwdilng3609y1c83vwaw2r4vm87-cache-test-env",
            "NarSize: many",
            "NarHash: md5:00000000000000000000000000000000",
            "References: ../etc",
            "no colon",
        ] {
            let text = format!("{NIX_NARINFO}{bad}\n");
            assert!(NarInfo::parse(&text, &dir(), "x").is_err(), "{bad}");
        }
    }

    #[test]
    fn signatures_are_checked_by_key_name() {
        let mut info = NarInfo::parse(NIX_NARINFO, &dir(), "x").unwrap();
        info.sigs.clear();
        let a = SecretKey::generate("a").unwrap();
        let b = SecretKey::generate("b").unwrap();
        let e = info
            .check_signatures(&dir(), &[a.public_key()])
            .unwrap_err();
        assert!(matches!(e, SignatureError::Unsigned { .. }), "{e}");
        info.sign(&dir(), &a);
        info.check_signatures(&dir(), &[b.public_key(), a.public_key()])
            .unwrap();
        let e = info
            .check_signatures(&dir(), &[b.public_key()])
            .unwrap_err();
        assert!(e.to_string().contains("`a`"), "{e}");
        // Changing what was signed invalidates it.
        info.nar_size += 1;
        let e = info
            .check_signatures(&dir(), &[a.public_key()])
            .unwrap_err();
        assert!(
            matches!(e, SignatureError::Invalid { ref key, .. } if key == "a"),
            "{e}"
        );
    }

    #[test]
    fn cache_info_round_trips() {
        let text = "StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 40\n";
        let info = CacheInfo::parse(text).unwrap();
        assert_eq!(info.priority, Some(40));
        assert!(info.want_mass_query);
        assert_eq!(info.to_text(), text);
        assert_eq!(CacheInfo::new("/x").to_text(), "StoreDir: /x\n");
        assert!(CacheInfo::parse("Priority: high\n").is_err());
    }
}
