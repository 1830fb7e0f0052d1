//! Ed25519 keys and signatures in Nix's text forms: a secret key is `name:base64(64 bytes)`
//! (libsodium's layout, the 32-byte seed then the public key), a public key
//! `name:base64(32 bytes)`, and a signature `name:base64(64 bytes)`, where the name says which
//! key made it. What is signed is a path's fingerprint (`narinfo::NarInfo::fingerprint`).
//!
//! The arithmetic is ring's (already the store's hash functions); this module only reads and
//! writes the text forms and matches signatures to keys by name. It does not decide which keys
//! are trusted: the caller passes them in.

use cairn_store::hash::{base64_decode, base64_encode};
use ring::rand::SecureRandom as _;
use ring::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};

/// A key that could not be read or made.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{what} is not of the form `name:base64`")]
    Form { what: &'static str },
    #[error("{what} `{name}` is corrupt: {why}")]
    Corrupt {
        what: &'static str,
        name: String,
        why: String,
    },
    #[error("invalid key name `{0}`: it must be non-empty, without `:` or white space")]
    Name(String),
    #[error("cannot get random bytes from the system")]
    Random,
}

/// A secret signing key with its name.
pub struct SecretKey {
    name: String,
    pair: Ed25519KeyPair,
    seed: [u8; 32],
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({})", self.name)
    }
}

/// A public key with its name, to check signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    name: String,
    key: [u8; 32],
}

/// Splits `name:base64` and decodes the base 64, which must be `len` bytes long.
fn split_key(text: &str, what: &'static str, len: usize) -> Result<(String, Vec<u8>), KeyError> {
    let text = text.trim();
    let Some((name, body)) = text.split_once(':') else {
        return Err(KeyError::Form { what });
    };
    if name.is_empty() || body.is_empty() {
        return Err(KeyError::Form { what });
    }
    let corrupt = |why: String| KeyError::Corrupt {
        what,
        name: name.to_string(),
        why,
    };
    let bytes = base64_decode(body).ok_or_else(|| corrupt("invalid base 64".into()))?;
    if bytes.len() != len {
        return Err(corrupt(format!(
            "{} bytes where {len} are expected",
            bytes.len()
        )));
    }
    Ok((name.to_string(), bytes))
}

fn check_name(name: &str) -> Result<(), KeyError> {
    if name.is_empty() || name.contains(':') || name.chars().any(char::is_whitespace) {
        return Err(KeyError::Name(name.to_string()));
    }
    Ok(())
}

impl SecretKey {
    /// A new random key (`nix key generate-secret`).
    pub fn generate(name: &str) -> Result<SecretKey, KeyError> {
        check_name(name)?;
        let mut seed = [0u8; 32];
        ring::rand::SystemRandom::new()
            .fill(&mut seed)
            .map_err(|_| KeyError::Random)?;
        let pair = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| KeyError::Random)?;
        Ok(SecretKey {
            name: name.to_string(),
            pair,
            seed,
        })
    }

    /// Reads `name:base64(seed and public key)`; surrounding white space is ignored, and the
    /// public half must be the seed's.
    pub fn parse(text: &str) -> Result<SecretKey, KeyError> {
        const WHAT: &str = "secret key";
        let (name, bytes) = split_key(text, WHAT, 64)?;
        let pair =
            Ed25519KeyPair::from_seed_and_public_key(&bytes[..32], &bytes[32..]).map_err(|e| {
                KeyError::Corrupt {
                    what: WHAT,
                    name: name.clone(),
                    why: e.to_string(),
                }
            })?;
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&bytes[..32]);
        Ok(SecretKey { name, pair, seed })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The text form, as a key file holds it.
    pub fn to_text(&self) -> String {
        let mut bytes = self.seed.to_vec();
        bytes.extend_from_slice(self.pair.public_key().as_ref());
        format!("{}:{}", self.name, base64_encode(&bytes))
    }

    /// The public key of this secret key (`nix key convert-secret-to-public`).
    pub fn public_key(&self) -> PublicKey {
        let mut key = [0u8; 32];
        key.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey {
            name: self.name.clone(),
            key,
        }
    }

    /// Signs `message`, giving `name:base64(signature)`.
    pub fn sign(&self, message: &[u8]) -> String {
        let sig = self.pair.sign(message);
        format!("{}:{}", self.name, base64_encode(sig.as_ref()))
    }
}

impl PublicKey {
    /// Reads `name:base64(32 bytes)`; surrounding white space is ignored.
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let (name, bytes) = split_key(text, "public key", 32)?;
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes);
        Ok(PublicKey { name, key })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The text form, as `trusted-public-keys` lists it.
    pub fn to_text(&self) -> String {
        format!("{}:{}", self.name, base64_encode(&self.key))
    }

    /// Whether `signature` (`name:base64`) is this key's signature of `message`: the names
    /// must match and the signature must verify.
    pub fn verifies(&self, message: &[u8], signature: &str) -> bool {
        let Some((name, body)) = signature.split_once(':') else {
            return false;
        };
        if name != self.name {
            return false;
        }
        let Some(sig) = base64_decode(body).filter(|s| s.len() == 64) else {
            return false;
        };
        UnparsedPublicKey::new(&ED25519, &self.key)
            .verify(message, &sig)
            .is_ok()
    }
}

/// The name of the key a signature `name:base64` claims to be by.
pub fn signature_key_name(signature: &str) -> &str {
    signature.split_once(':').map_or(signature, |(n, _)| n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key made by `nix key generate-secret --key-name test-1` (Nix 2.8), and its public key as
    /// `nix key convert-secret-to-public` printed it.
    const NIX_SECRET: &str = "test-1:5kaS29py/d6thUmfeK3jH9B4rsiITYIr7aypV592k+Kfej1/BpQaaY3oc4ss+exJCEVV0Jf3Jqm5xWLRKE3X2A==";
    const NIX_PUBLIC: &str = "test-1:n3o9fwaUGmmN6HOLLPnsSQhFVdCX9yapucVi0ShN19g=";

    #[test]
    fn reads_and_writes_nixs_forms() {
        let secret = SecretKey::parse(NIX_SECRET).unwrap();
        assert_eq!(secret.name(), "test-1");
        assert_eq!(secret.to_text(), NIX_SECRET);
        assert_eq!(secret.public_key().to_text(), NIX_PUBLIC);
        assert_eq!(PublicKey::parse(NIX_PUBLIC).unwrap(), secret.public_key());
        assert!(SecretKey::parse(&format!("{NIX_SECRET}\n")).is_ok());
    }

    #[test]
    fn signatures_verify_with_the_right_key_only() {
        let a = SecretKey::generate("a").unwrap();
        let b = SecretKey::generate("b").unwrap();
        let sig = a.sign(b"1;/nix/store/x;sha256:0;1;");
        assert!(sig.starts_with("a:"));
        assert_eq!(signature_key_name(&sig), "a");
        assert!(a.public_key().verifies(b"1;/nix/store/x;sha256:0;1;", &sig));
        assert!(!a.public_key().verifies(b"1;/nix/store/y;sha256:0;1;", &sig));
        assert!(!b.public_key().verifies(b"1;/nix/store/x;sha256:0;1;", &sig));
        // b's key under a's name: the name matches, the signature does not.
        let impostor = PublicKey::parse(&b.public_key().to_text().replacen("b:", "a:", 1)).unwrap();
        assert!(!impostor.verifies(b"1;/nix/store/x;sha256:0;1;", &sig));
        assert!(!a.public_key().verifies(b"x", "a:not base 64!"));
        assert!(!a.public_key().verifies(b"x", "no colon"));
    }

    #[test]
    fn bad_keys_are_errors() {
        for bad in ["", "name", ":abc", "name:", "n:AAAA", "n:!!!!"] {
            assert!(SecretKey::parse(bad).is_err(), "{bad}");
            assert!(PublicKey::parse(bad).is_err(), "{bad}");
        }
        // The public half does not match the seed.
        let mut other = SecretKey::parse(NIX_SECRET).unwrap().to_text();
        other.replace_range(10..11, if &other[10..11] == "A" { "B" } else { "A" });
        assert!(SecretKey::parse(&other).is_err());
        for bad in ["", "a:b", "a b", "a\n"] {
            assert!(SecretKey::generate(bad).is_err(), "{bad:?}");
        }
    }
}
