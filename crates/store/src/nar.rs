//! The NAR (Nix ARchive) format: a deterministic serialisation of a file, symbolic link or
//! directory tree, which Nix hashes to address sources and outputs.
//!
//! Every token is a string written as its length (a little-endian `u64`), its bytes, and
//! zeros up to a multiple of eight. `NarWriter` writes the tokens to any `Write` (a `Hasher`
//! to hash without buffering, a file, a socket); it does not read the file system and does not
//! sort: the caller gives directory entries in byte order of their names, as `dump` does.

use std::io::{self, Read, Write};

/// The first token of every NAR.
pub const NAR_MAGIC: &str = "nix-archive-1";

/// Writes one NAR. Call `new`, then one node: `regular`, `symlink`, or a directory
/// (`open_directory`, then for each entry `open_entry`, a node, `close_entry`, then
/// `close_directory`).
#[derive(Debug)]
pub struct NarWriter<W: Write> {
    out: W,
}

impl<W: Write> NarWriter<W> {
    /// Starts a NAR by writing its magic.
    pub fn new(out: W) -> io::Result<NarWriter<W>> {
        let mut w = NarWriter { out };
        w.token(NAR_MAGIC.as_bytes())?;
        Ok(w)
    }

    /// The sink, once the NAR is complete.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// A regular file of `size` bytes, read from `contents`.
    pub fn regular(
        &mut self,
        executable: bool,
        size: u64,
        contents: &mut dyn Read,
    ) -> io::Result<()> {
        self.tokens(&["(", "type", "regular"])?;
        if executable {
            self.tokens(&["executable", ""])?;
        }
        self.token(b"contents")?;
        self.out.write_all(&size.to_le_bytes())?;
        let copied = io::copy(&mut contents.take(size), &mut self.out)?;
        if copied != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file changed size while it was being archived",
            ));
        }
        self.pad(size)?;
        self.token(b")")
    }

    /// A symbolic link to `target`.
    pub fn symlink(&mut self, target: &[u8]) -> io::Result<()> {
        self.tokens(&["(", "type", "symlink", "target"])?;
        self.token(target)?;
        self.token(b")")
    }

    pub fn open_directory(&mut self) -> io::Result<()> {
        self.tokens(&["(", "type", "directory"])
    }

    /// Starts the entry `name` of the open directory; its node follows.
    pub fn open_entry(&mut self, name: &[u8]) -> io::Result<()> {
        self.tokens(&["entry", "(", "name"])?;
        self.token(name)?;
        self.token(b"node")
    }

    pub fn close_entry(&mut self) -> io::Result<()> {
        self.token(b")")
    }

    pub fn close_directory(&mut self) -> io::Result<()> {
        self.token(b")")
    }

    fn tokens(&mut self, tokens: &[&str]) -> io::Result<()> {
        for t in tokens {
            self.token(t.as_bytes())?;
        }
        Ok(())
    }

    fn token(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(&(bytes.len() as u64).to_le_bytes())?;
        self.out.write_all(bytes)?;
        self.pad(bytes.len() as u64)
    }

    fn pad(&mut self, len: u64) -> io::Result<()> {
        let rem = (len % 8) as usize;
        if rem != 0 {
            self.out.write_all(&[0u8; 8][..8 - rem])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{HashAlgo, Hasher};

    fn hash_of(build: impl FnOnce(&mut NarWriter<&mut Hasher>) -> io::Result<()>) -> String {
        let mut h = Hasher::new(HashAlgo::Sha256);
        let mut w = NarWriter::new(&mut h).unwrap();
        build(&mut w).unwrap();
        h.finish().to_nix32()
    }

    #[test]
    fn a_file_hashes_as_in_nix() {
        // `nix-hash --type sha256 --base32 FILE` for a file holding "hello".
        let h = hash_of(|w| w.regular(false, 5, &mut &b"hello"[..]));
        assert_eq!(h, "0sg9f58l1jj88w6pdrfdpj5x9b1zrwszk84j81zvby36q9whhhqa");
    }

    #[test]
    fn layout_is_length_prefixed_and_padded() {
        let mut buf = Vec::new();
        let mut w = NarWriter::new(&mut buf).unwrap();
        w.symlink(b"ab").unwrap();
        let expect_token = |s: &[u8]| {
            let mut v = (s.len() as u64).to_le_bytes().to_vec();
            v.extend_from_slice(s);
            v.resize(8 + s.len().div_ceil(8) * 8, 0);
            v
        };
        let mut expected = Vec::new();
        for t in [
            &b"nix-archive-1"[..],
            b"(",
            b"type",
            b"symlink",
            b"target",
            b"ab",
            b")",
        ] {
            expected.extend(expect_token(t));
        }
        assert_eq!(buf, expected);
    }
}
