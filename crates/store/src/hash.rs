//! Hashes as Nix writes and reads them: md5, sha1, sha256 and sha512 digests, printed in base
//! 16, nixbase32, base 64 or SRI form, and parsed from any of them with Nix's rules (a `type:`
//! or SRI `type-` prefix, the encoding told apart by length).
//!
//! The digests come from ring (SHA-1, SHA-256, SHA-512: assembly that uses the CPU's SHA
//! extensions or AVX2) and md-5; `Hasher` streams data into one. Base 64 is
//! written here, because Nix's decoder is lenient in ways a strict one is not (it stops at
//! `=` and skips newlines), and parsing must accept what Nix accepts.

use std::fmt;
use std::io;

use md5::Digest as _;

use crate::nixbase32;

/// A hash function Nix knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlgo {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl HashAlgo {
    /// The algorithm Nix names `name` (`parseHashTypeOpt`).
    pub fn parse(name: &str) -> Option<HashAlgo> {
        match name {
            "md5" => Some(HashAlgo::Md5),
            "sha1" => Some(HashAlgo::Sha1),
            "sha256" => Some(HashAlgo::Sha256),
            "sha512" => Some(HashAlgo::Sha512),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha512 => "sha512",
        }
    }

    /// The size of a digest in bytes.
    pub fn size(self) -> usize {
        match self {
            HashAlgo::Md5 => 16,
            HashAlgo::Sha1 => 20,
            HashAlgo::Sha256 => 32,
            HashAlgo::Sha512 => 64,
        }
    }

    fn base16_len(self) -> usize {
        self.size() * 2
    }

    fn base32_len(self) -> usize {
        nixbase32::encoded_len(self.size())
    }

    fn base64_len(self) -> usize {
        self.size().div_ceil(3) * 4
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The ways a hash is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Base16,
    /// Nix's base 32 (`nixbase32`).
    Base32,
    Base64,
    /// `sha256-<base64>`: always with the type.
    Sri,
}

/// A digest and the algorithm that made it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hash {
    algo: HashAlgo,
    bytes: [u8; 64],
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.to_sri())
    }
}

/// A hash that could not be parsed; the messages are Nix's.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    #[error("unknown hash algorithm '{0}'")]
    UnknownAlgo(String),
    #[error("hash '{0}' does not include a type, nor is the type otherwise known from context")]
    MissingType(String),
    #[error("hash '{0}' should have type '{1}'")]
    WrongType(String, HashAlgo),
    #[error("invalid base-16 hash '{0}'")]
    Base16(String),
    #[error("invalid base-32 hash '{0}'")]
    Base32(String),
    #[error("invalid base-64 hash '{0}'")]
    Base64(String),
    #[error("invalid SRI hash '{0}'")]
    Sri(String),
    #[error("hash '{0}' is not SRI")]
    NotSri(String),
    #[error("hash '{0}' has wrong length for hash type '{1}'")]
    Length(String, HashAlgo),
    #[error("empty hash requires explicit hash type")]
    EmptyWithoutType,
}

impl Hash {
    /// A hash from its digest bytes; `None` if the length is not the algorithm's.
    pub fn from_bytes(algo: HashAlgo, digest: &[u8]) -> Option<Hash> {
        if digest.len() != algo.size() {
            return None;
        }
        let mut bytes = [0u8; 64];
        bytes[..digest.len()].copy_from_slice(digest);
        Some(Hash { algo, bytes })
    }

    /// The all-zero hash Nix uses for an empty `outputHash`.
    pub fn zero(algo: HashAlgo) -> Hash {
        Hash {
            algo,
            bytes: [0; 64],
        }
    }

    /// The digest of `data`.
    pub fn digest(algo: HashAlgo, data: impl AsRef<[u8]>) -> Hash {
        let mut h = Hasher::new(algo);
        h.update(data.as_ref());
        h.finish()
    }

    pub fn algo(&self) -> HashAlgo {
        self.algo
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.algo.size()]
    }

    pub fn to_base16(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(self.algo.base16_len());
        for b in self.as_bytes() {
            s.push(DIGITS[usize::from(b >> 4)] as char);
            s.push(DIGITS[usize::from(b & 15)] as char);
        }
        s
    }

    pub fn to_nix32(&self) -> String {
        nixbase32::encode(self.as_bytes())
    }

    pub fn to_base64(&self) -> String {
        base64_encode(self.as_bytes())
    }

    /// `sha256-<base64>`.
    pub fn to_sri(&self) -> String {
        format!("{}-{}", self.algo, self.to_base64())
    }

    /// The hash in an encoding, with `algo:` in front when `with_type` (SRI always has it).
    pub fn encode(&self, encoding: Encoding, with_type: bool) -> String {
        let body = match encoding {
            Encoding::Base16 => self.to_base16(),
            Encoding::Base32 => self.to_nix32(),
            Encoding::Base64 => self.to_base64(),
            Encoding::Sri => return self.to_sri(),
        };
        if with_type {
            format!("{}:{body}", self.algo)
        } else {
            body
        }
    }

    /// Folds the digest into `size` bytes by xor, as Nix shortens the hashes of store paths
    /// (`compressHash`). The result keeps the algorithm's name but not its size, so it is
    /// returned as bytes.
    pub fn compress(&self, size: usize) -> Vec<u8> {
        let mut out = vec![0u8; size];
        for (i, b) in self.as_bytes().iter().enumerate() {
            out[i % size] ^= b;
        }
        out
    }

    /// Parses a hash with or without a `type:` or SRI `type-` prefix; `algo` is the type known
    /// from elsewhere, which must agree with the prefix when both are given (`Hash::parseAny`).
    pub fn parse_any(text: &str, algo: Option<HashAlgo>) -> Result<Hash, HashError> {
        let (prefix, rest, sri) = split_type(text);
        let parsed = prefix.map(parse_algo).transpose()?;
        let algo = match (parsed, algo) {
            (None, None) => return Err(HashError::MissingType(rest.to_string())),
            (Some(p), Some(a)) if p != a => return Err(HashError::WrongType(text.to_string(), a)),
            (Some(p), _) => p,
            (None, Some(a)) => a,
        };
        Hash::parse_body(rest, algo, sri)
    }

    /// Parses a hash that must carry its type as a prefix (`Hash::parseAnyPrefixed`).
    pub fn parse_prefixed(text: &str) -> Result<Hash, HashError> {
        let (prefix, rest, sri) = split_type(text);
        match prefix {
            Some(p) => Hash::parse_body(rest, parse_algo(p)?, sri),
            None => Err(HashError::MissingType(rest.to_string())),
        }
    }

    /// Parses an SRI hash, `type-base64` (`Hash::parseSRI`).
    pub fn parse_sri(text: &str) -> Result<Hash, HashError> {
        let Some((algo, rest)) = text.split_once('-') else {
            return Err(HashError::NotSri(text.to_string()));
        };
        Hash::parse_body(rest, parse_algo(algo)?, true)
    }

    /// Parses a hash without prefix in base 16, 32 or 64, told apart by length.
    pub fn parse_unprefixed(text: &str, algo: HashAlgo) -> Result<Hash, HashError> {
        Hash::parse_body(text, algo, false)
    }

    /// Nix's `newHashAllowEmpty`: the empty string is the all-zero hash of the given type.
    /// Returns whether the hash was empty, for the caller to warn as Nix does.
    pub fn parse_allow_empty(
        text: &str,
        algo: Option<HashAlgo>,
    ) -> Result<(Hash, bool), HashError> {
        if text.is_empty() {
            return match algo {
                Some(a) => Ok((Hash::zero(a), true)),
                None => Err(HashError::EmptyWithoutType),
            };
        }
        Ok((Hash::parse_any(text, algo)?, false))
    }

    fn parse_body(rest: &str, algo: HashAlgo, sri: bool) -> Result<Hash, HashError> {
        let mut bytes = [0u8; 64];
        let size = algo.size();
        if !sri && rest.len() == algo.base16_len() {
            let digits = rest.as_bytes();
            for (i, out) in bytes[..size].iter_mut().enumerate() {
                let hi = hex_value(digits[2 * i]);
                let lo = hex_value(digits[2 * i + 1]);
                match (hi, lo) {
                    (Some(hi), Some(lo)) => *out = hi << 4 | lo,
                    _ => return Err(HashError::Base16(rest.to_string())),
                }
            }
        } else if !sri && rest.len() == algo.base32_len() {
            let decoded =
                nixbase32::decode(rest, size).ok_or_else(|| HashError::Base32(rest.to_string()))?;
            bytes[..size].copy_from_slice(&decoded);
        } else if sri || rest.len() == algo.base64_len() {
            let bad = || {
                if sri {
                    HashError::Sri(rest.to_string())
                } else {
                    HashError::Base64(rest.to_string())
                }
            };
            let decoded = base64_decode(rest).ok_or_else(bad)?;
            if decoded.len() != size {
                return Err(bad());
            }
            bytes[..size].copy_from_slice(&decoded);
        } else {
            return Err(HashError::Length(rest.to_string(), algo));
        }
        Ok(Hash { algo, bytes })
    }
}

fn parse_algo(name: &str) -> Result<HashAlgo, HashError> {
    HashAlgo::parse(name).ok_or_else(|| HashError::UnknownAlgo(name.to_string()))
}

/// Splits `type:rest` or `type-rest` (SRI); the `:` form wins when both could apply.
fn split_type(text: &str) -> (Option<&str>, &str, bool) {
    if let Some((t, rest)) = text.split_once(':') {
        return (Some(t), rest, false);
    }
    if let Some((t, rest)) = text.split_once('-') {
        return (Some(t), rest, true);
    }
    (None, text, false)
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

const BASE64_CHARS: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base 64 with padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let n = chunk.len();
        let v = u32::from(chunk[0]) << 16
            | u32::from(*chunk.get(1).unwrap_or(&0)) << 8
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for k in 0..4 {
            if k <= n {
                s.push(BASE64_CHARS[((v >> (18 - 6 * k)) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// Base 64 decoding as Nix does it: stops at the first `=`, skips newlines, and rejects any
/// other character outside the alphabet.
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        if c == b'=' {
            break;
        }
        if c == b'\n' {
            continue;
        }
        let digit = BASE64_CHARS.iter().position(|&d| d == c)? as u32;
        acc = (acc << 6 | digit) & 0xffff;
        bits += 6;
        if bits >= 8 {
            out.push((acc >> (bits - 8)) as u8);
            bits -= 8;
        }
    }
    Some(out)
}

/// A hash being computed: data is fed in pieces (it is a `std::io::Write`), then `finish`.
#[derive(Clone)]
pub struct Hasher(HasherImpl);

#[derive(Clone)]
enum HasherImpl {
    Md5(md5::Md5),
    /// SHA-1, SHA-256 and SHA-512.
    Ring(HashAlgo, ring::digest::Context),
}

impl fmt::Debug for Hasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hasher({})", self.algo())
    }
}

impl Hasher {
    pub fn new(algo: HashAlgo) -> Hasher {
        let ring = |a| HasherImpl::Ring(algo, ring::digest::Context::new(a));
        Hasher(match algo {
            HashAlgo::Md5 => HasherImpl::Md5(md5::Md5::new()),
            HashAlgo::Sha1 => ring(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
            HashAlgo::Sha256 => ring(&ring::digest::SHA256),
            HashAlgo::Sha512 => ring(&ring::digest::SHA512),
        })
    }

    pub fn algo(&self) -> HashAlgo {
        match &self.0 {
            HasherImpl::Md5(_) => HashAlgo::Md5,
            HasherImpl::Ring(algo, _) => *algo,
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            HasherImpl::Md5(h) => h.update(data),
            HasherImpl::Ring(_, h) => h.update(data),
        }
    }

    pub fn finish(self) -> Hash {
        let algo = self.algo();
        match self.0 {
            HasherImpl::Md5(h) => Hash::from_bytes(algo, &h.finalize()),
            HasherImpl::Ring(_, h) => Hash::from_bytes(algo, h.finish().as_ref()),
        }
        .expect("digest size matches its algorithm")
    }
}

impl io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A reader that hashes and counts what passes through it, to hash a NAR while it is parsed
/// or restored.
#[derive(Debug)]
pub struct HashingReader<R> {
    inner: R,
    hasher: Hasher,
    bytes: u64,
}

impl<R: io::Read> HashingReader<R> {
    pub fn new(inner: R, algo: HashAlgo) -> HashingReader<R> {
        HashingReader {
            inner,
            hasher: Hasher::new(algo),
            bytes: 0,
        }
    }

    /// The number of bytes read so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// The hash of everything read, and its length.
    pub fn finish(self) -> (Hash, u64) {
        (self.hasher.finish(), self.bytes)
    }
}

impl<R: io::Read> io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// A writer that hashes and counts what passes through it on its way to `inner`, to hash a
/// NAR or a compressed file while it is written.
#[derive(Debug)]
pub struct HashingWriter<W> {
    inner: W,
    hasher: Hasher,
    bytes: u64,
}

impl<W: io::Write> HashingWriter<W> {
    pub fn new(inner: W, algo: HashAlgo) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Hasher::new(algo),
            bytes: 0,
        }
    }

    /// The inner writer, the hash of everything written, and its length.
    pub fn finish(self) -> (W, Hash, u64) {
        (self.inner, self.hasher.finish(), self.bytes)
    }
}

impl<W: io::Write> io::Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO_SHA256: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    #[test]
    fn digests_print_as_nix_prints_them() {
        // Values from `nix-hash --flat --type T [--base32]` on a file holding "hello".
        let h = Hash::digest(HashAlgo::Sha256, "hello");
        assert_eq!(h.to_base16(), HELLO_SHA256);
        assert_eq!(
            h.to_nix32(),
            "094qif9n4cq4fdg459qzbhg1c6wywawwaaivx0k0x8xhbyx4vwic"
        );
        assert_eq!(
            h.to_sri(),
            "sha256-LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
        );
        assert_eq!(
            Hash::digest(HashAlgo::Md5, "hello").to_nix32(),
            "4jqlbi14cxf6wpcajbphm40hax"
        );
        assert_eq!(
            Hash::digest(HashAlgo::Sha1, "hello").to_nix32(),
            "9m1skbnr5i43n3yypvda5s65vhfwdx5a"
        );
        assert_eq!(
            h.encode(Encoding::Base16, true),
            format!("sha256:{HELLO_SHA256}")
        );
    }

    #[test]
    fn parses_every_encoding() {
        let h = Hash::digest(HashAlgo::Sha256, "hello");
        for text in [
            HELLO_SHA256.to_string(),
            HELLO_SHA256.to_uppercase(),
            h.to_nix32(),
            h.to_base64(),
        ] {
            assert_eq!(Hash::parse_any(&text, Some(HashAlgo::Sha256)), Ok(h));
            assert_eq!(
                Hash::parse_any(&format!("sha256:{text}"), None),
                Ok(h),
                "{text}"
            );
        }
        assert_eq!(Hash::parse_any(&h.to_sri(), None), Ok(h));
        assert_eq!(Hash::parse_sri(&h.to_sri()), Ok(h));
        assert_eq!(Hash::parse_prefixed(&h.to_sri()), Ok(h));
        let sha512 = Hash::digest(HashAlgo::Sha512, "hello");
        assert_eq!(Hash::parse_any(&sha512.to_sri(), None), Ok(sha512));
        assert_eq!(
            Hash::parse_any(&sha512.to_nix32(), Some(HashAlgo::Sha512)),
            Ok(sha512)
        );
    }

    #[test]
    fn parse_errors_are_nixs() {
        assert_eq!(
            Hash::parse_any("abc", None).unwrap_err().to_string(),
            "hash 'abc' does not include a type, nor is the type otherwise known from context"
        );
        assert_eq!(
            Hash::parse_any("sha256-abc", None).unwrap_err().to_string(),
            "invalid SRI hash 'abc'"
        );
        let text = "sha256:1yhm3gwvg5a41yylymgblsclk95fs6jy72w0wv925mmidlhcq4sw";
        assert_eq!(
            Hash::parse_any(text, Some(HashAlgo::Sha1))
                .unwrap_err()
                .to_string(),
            format!("hash '{text}' should have type 'sha1'")
        );
        assert_eq!(
            Hash::parse_any("foo:abc", None).unwrap_err().to_string(),
            "unknown hash algorithm 'foo'"
        );
        assert_eq!(
            Hash::parse_any("abc", Some(HashAlgo::Sha256))
                .unwrap_err()
                .to_string(),
            "hash 'abc' has wrong length for hash type 'sha256'"
        );
        assert!(matches!(
            Hash::parse_any(&"e".repeat(52), Some(HashAlgo::Sha256)),
            Err(HashError::Base32(_))
        ));
        assert!(matches!(
            Hash::parse_any(&"g".repeat(64), Some(HashAlgo::Sha256)),
            Err(HashError::Base16(_))
        ));
    }

    #[test]
    fn empty_hashes_are_zero_when_the_type_is_known() {
        let (h, empty) = Hash::parse_allow_empty("", Some(HashAlgo::Sha256)).unwrap();
        assert!(empty);
        assert_eq!(
            h.to_sri(),
            "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
        );
        assert_eq!(
            Hash::parse_allow_empty("", None),
            Err(HashError::EmptyWithoutType)
        );
    }

    #[test]
    fn base64_is_lenient_as_nixs() {
        assert_eq!(base64_encode(b""), "");
        assert_eq!(base64_encode(b"f"), "Zg==");
        assert_eq!(base64_encode(b"fo"), "Zm8=");
        assert_eq!(base64_encode(b"foo"), "Zm9v");
        assert_eq!(base64_decode("Zm9v").unwrap(), b"foo");
        assert_eq!(base64_decode("Zg").unwrap(), b"f");
        assert_eq!(base64_decode("Zm\n8=junk").unwrap(), b"fo");
        assert_eq!(base64_decode("Z!"), None);
    }

    #[test]
    fn compression_folds_by_xor() {
        let h = Hash::digest(HashAlgo::Sha256, "hello");
        let c = h.compress(20);
        let b = h.as_bytes();
        assert_eq!(c[0], b[0] ^ b[20]);
        assert_eq!(c[12], b[12]);
    }
}
