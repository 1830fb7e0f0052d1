//! The compressions of NAR files in a cache: `none`, `xz` (Nix's default) and `zstd` (cairn's),
//! as streams, so a NAR is never held whole in memory.
//!
//! zstd is the default for writing: Nix reads it, and it compresses a Go toolchain (216 MB of
//! NAR) in 4 s where xz takes over two minutes on this class of machine, for files about 1.5
//! times as large, and unpacks several times faster. `?compression=xz` writes what Nix would.
//!
//! Other names Nix knows (`bzip2`, `br`, `lzip`, `lz4`) are read from a narinfo as text and
//! refused when the NAR would have to be unpacked.

use std::io::{self, Read, Write};

/// How a NAR file is compressed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compression {
    None,
    Xz,
    #[default]
    Zstd,
}

/// The xz preset Nix uses (libarchive's default).
const XZ_LEVEL: u32 = 6;
/// zstd's default level, as Nix leaves it.
const ZSTD_LEVEL: i32 = 3;

impl Compression {
    /// The compression a narinfo's `Compression` names; `None` when cairn cannot unpack it.
    pub fn parse(name: &str) -> Option<Compression> {
        match name {
            "none" => Some(Compression::None),
            "xz" => Some(Compression::Xz),
            "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// The name in a narinfo's `Compression` and in a URL's `?compression=`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }

    /// What Nix puts after `.nar` in the file's name.
    pub fn extension(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Xz => ".xz",
            Compression::Zstd => ".zst",
        }
    }

    /// A writer that compresses into `out`; `Compressor::finish` ends the stream.
    pub fn compressor<W: Write>(self, out: W) -> io::Result<Compressor<W>> {
        Ok(match self {
            Compression::None => Compressor::None(out),
            Compression::Xz => Compressor::Xz(liblzma::write::XzEncoder::new(out, XZ_LEVEL)),
            Compression::Zstd => {
                Compressor::Zstd(zstd::stream::write::Encoder::new(out, ZSTD_LEVEL)?)
            }
        })
    }

    /// A reader of what `compressed` holds, uncompressed.
    pub fn decompressor<'a, R: Read + 'a>(self, compressed: R) -> io::Result<Box<dyn Read + 'a>> {
        Ok(match self {
            Compression::None => Box::new(compressed),
            // Several xz streams one after the other are one file, as xz reads them.
            Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(
                io::BufReader::new(compressed),
            )),
            Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(compressed)?),
        })
    }
}

/// A compressing writer (`Compression::compressor`).
pub enum Compressor<W: Write> {
    None(W),
    Xz(liblzma::write::XzEncoder<W>),
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> std::fmt::Debug for Compressor<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Compressor")
    }
}

impl<W: Write> Compressor<W> {
    /// Ends the compressed stream and gives the writer back.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Compressor::None(w) => Ok(w),
            Compressor::Xz(e) => e.finish(),
            Compressor::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Compressor<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Compressor::None(w) => w.write(buf),
            Compressor::Xz(e) => e.write(buf),
            Compressor::Zstd(e) => e.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Compressor::None(w) => w.flush(),
            Compressor::Xz(e) => e.flush(),
            Compressor::Zstd(e) => e.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_compression_round_trips() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        for c in [Compression::None, Compression::Xz, Compression::Zstd] {
            let mut w = c.compressor(Vec::new()).unwrap();
            w.write_all(&data).unwrap();
            let packed = w.finish().unwrap();
            if c != Compression::None {
                assert!(packed.len() < data.len() / 10, "{c:?}");
            }
            let mut back = Vec::new();
            c.decompressor(&packed[..])
                .unwrap()
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data, "{c:?}");
            assert_eq!(Compression::parse(c.name()), Some(c));
        }
        assert_eq!(Compression::parse("bzip2"), None);
    }

    #[test]
    fn corrupt_streams_are_errors() {
        for c in [Compression::Xz, Compression::Zstd] {
            let mut w = c.compressor(Vec::new()).unwrap();
            w.write_all(b"hello hello hello").unwrap();
            let mut packed = w.finish().unwrap();
            let mid = packed.len() / 2;
            packed[mid] ^= 0xff;
            let mut back = Vec::new();
            let read = c
                .decompressor(&packed[..])
                .and_then(|mut r| r.read_to_end(&mut back));
            assert!(
                read.is_err() || back != b"hello hello hello",
                "{c:?} accepted a corrupt stream"
            );
        }
    }
}
