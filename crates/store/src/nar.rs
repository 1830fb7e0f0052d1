//! The NAR (Nix ARchive) format: a deterministic serialisation of a file, symbolic link or
//! directory tree, which Nix hashes to address sources and outputs.
//!
//! Every token is a string written as its length (a little-endian `u64`), its bytes, and
//! zeros up to a multiple of eight. `NarWriter` writes the tokens to any `Write` (a `Hasher`
//! to hash without buffering, a file, a socket); it does not read the file system and does not
//! sort: the caller gives directory entries in byte order of their names, as `dump` does.
//!
//! `parse` reads a NAR as a stream of events into a `NarSink` (`NarWriter` is one, so a NAR
//! can be copied through the parser). It accepts only the canonical form `NarWriter` writes,
//! so a NAR that parses hashes the same as the tree it describes. Writing a tree to the file
//! system from a NAR is `restore`, in the `restore` module.

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
        self.regular_start(executable, size)?;
        let copied = io::copy(&mut contents.take(size), &mut self.out)?;
        if copied != size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "file changed size while it was being archived",
            ));
        }
        self.regular_end(size)
    }

    /// A regular file up to its contents, which the caller writes to `out_mut`.
    pub(crate) fn regular_start(&mut self, executable: bool, size: u64) -> io::Result<()> {
        self.tokens(&["(", "type", "regular"])?;
        if executable {
            self.tokens(&["executable", ""])?;
        }
        self.token(b"contents")?;
        self.out.write_all(&size.to_le_bytes())
    }

    /// The end of a regular file of `size` bytes, after its contents.
    pub(crate) fn regular_end(&mut self, size: u64) -> io::Result<()> {
        self.pad(size)?;
        self.token(b")")
    }

    /// The sink, to write the contents of a file between `regular_start` and `regular_end`.
    pub(crate) fn out_mut(&mut self) -> &mut W {
        &mut self.out
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

/// What `parse` reports, in the order of the NAR. The calls nest as `NarWriter`'s do: one
/// node, where a directory is `open_directory`, then for each entry `open_entry`, a node,
/// `close_entry`, and last `close_directory`.
pub trait NarSink {
    /// A regular file of `size` bytes; `contents` yields exactly them. What the sink leaves
    /// unread is skipped.
    fn regular(&mut self, executable: bool, size: u64, contents: &mut dyn Read) -> io::Result<()>;
    /// A symbolic link to `target`: not empty, no NUL byte.
    fn symlink(&mut self, target: &[u8]) -> io::Result<()>;
    fn open_directory(&mut self) -> io::Result<()>;
    /// An entry of the open directory: `name` is a valid file name, and the names of one
    /// directory come in strictly increasing byte order.
    fn open_entry(&mut self, name: &[u8]) -> io::Result<()>;
    fn close_entry(&mut self) -> io::Result<()>;
    fn close_directory(&mut self) -> io::Result<()>;
}

impl<W: Write> NarSink for NarWriter<W> {
    fn regular(&mut self, executable: bool, size: u64, contents: &mut dyn Read) -> io::Result<()> {
        NarWriter::regular(self, executable, size, contents)
    }

    fn symlink(&mut self, target: &[u8]) -> io::Result<()> {
        NarWriter::symlink(self, target)
    }

    fn open_directory(&mut self) -> io::Result<()> {
        NarWriter::open_directory(self)
    }

    fn open_entry(&mut self, name: &[u8]) -> io::Result<()> {
        NarWriter::open_entry(self, name)
    }

    fn close_entry(&mut self) -> io::Result<()> {
        NarWriter::close_entry(self)
    }

    fn close_directory(&mut self) -> io::Result<()> {
        NarWriter::close_directory(self)
    }
}

/// The longest entry name `parse` accepts: Linux's `NAME_MAX`.
pub const MAX_NAME_LEN: usize = 255;
/// The longest symbolic link target `parse` accepts: Linux's `PATH_MAX` less its NUL.
pub const MAX_TARGET_LEN: usize = 4095;
/// The default bound on how deep directories nest.
pub const MAX_DEPTH: usize = 1024;

/// How `parse_with` reads.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    /// Directories nested deeper than this are an error.
    pub max_depth: usize,
    /// Whether to read on after the NAR and fail if anything follows. Without it, the parser
    /// reads exactly the bytes of the NAR, so it can read one out of a longer stream.
    pub reject_trailing: bool,
}

impl Default for ParseOptions {
    fn default() -> ParseOptions {
        ParseOptions {
            max_depth: MAX_DEPTH,
            reject_trailing: false,
        }
    }
}

/// Why a NAR was rejected. Offsets count bytes from the start of the NAR.
#[derive(Debug, thiserror::Error)]
pub enum NarError {
    #[error("could not read the NAR: {0}")]
    Read(#[source] io::Error),
    #[error("the NAR ends early, at byte {offset}")]
    Truncated { offset: u64 },
    #[error("not a NAR: it does not start with `{NAR_MAGIC}`")]
    BadMagic,
    #[error("invalid NAR: expected {expected} at byte {offset}, found {found}")]
    Unexpected {
        offset: u64,
        expected: String,
        found: String,
    },
    #[error("invalid NAR: the {what} at byte {offset} is {len} bytes long, the limit is {max}")]
    TooLong {
        offset: u64,
        what: &'static str,
        len: u64,
        max: usize,
    },
    #[error("invalid NAR: the padding at byte {offset} is not zeros")]
    Padding { offset: u64 },
    #[error("invalid NAR: invalid file name `{name}` at byte {offset}")]
    InvalidName { offset: u64, name: String },
    #[error("invalid NAR: entry `{name}` at byte {offset} comes after `{previous}`, out of order")]
    Unsorted {
        offset: u64,
        name: String,
        previous: String,
    },
    #[error("invalid NAR: entry `{name}` at byte {offset} appears twice in its directory")]
    Duplicate { offset: u64, name: String },
    #[error("invalid NAR: invalid symbolic link target `{target}` at byte {offset}")]
    InvalidTarget { offset: u64, target: String },
    #[error("invalid NAR: directories nest deeper than {max} levels at byte {offset}")]
    TooDeep { offset: u64, max: usize },
    #[error("invalid NAR: data follows its end, at byte {offset}")]
    TrailingData { offset: u64 },
    /// The sink failed; its error says where.
    #[error(transparent)]
    Sink(io::Error),
}

/// Reads one NAR from `r` into `sink`, checking it as Nix does, and returns its size in bytes.
/// It reads exactly the NAR's bytes, in small pieces: give it a `BufReader` over a file or a
/// socket.
pub fn parse<R: Read>(r: R, sink: &mut dyn NarSink) -> Result<u64, NarError> {
    parse_with(r, sink, &ParseOptions::default())
}

/// `parse` with options.
pub fn parse_with<R: Read>(
    r: R,
    sink: &mut dyn NarSink,
    options: &ParseOptions,
) -> Result<u64, NarError> {
    let mut p = Parser {
        src: Source {
            inner: r,
            offset: 0,
        },
        scratch: Vec::new(),
    };
    p.nar(sink, options)?;
    if options.reject_trailing {
        let offset = p.src.offset;
        let mut byte = [0u8; 1];
        if p.src.read_some(&mut byte)? != 0 {
            return Err(NarError::TrailingData { offset });
        }
    }
    Ok(p.src.offset)
}

/// The reader, and how far into it the parser is.
struct Source<R> {
    inner: R,
    offset: u64,
}

impl<R: Read> Source<R> {
    /// One `read`, retried when interrupted.
    fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, NarError> {
        loop {
            match self.inner.read(buf) {
                Ok(n) => {
                    self.offset += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(NarError::Read(e)),
            }
        }
    }

    fn read_exact(&mut self, mut buf: &mut [u8]) -> Result<(), NarError> {
        while !buf.is_empty() {
            match self.read_some(buf)? {
                0 => {
                    return Err(NarError::Truncated {
                        offset: self.offset,
                    });
                }
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    fn u64(&mut self) -> Result<u64, NarError> {
        let mut b = [0u8; 8];
        self.read_exact(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// The zeros after `len` bytes of a token.
    fn padding(&mut self, len: u64) -> Result<(), NarError> {
        let n = ((8 - len % 8) % 8) as usize;
        let mut b = [0u8; 8];
        let offset = self.offset;
        self.read_exact(&mut b[..n])?;
        if b[..n].iter().any(|&x| x != 0) {
            return Err(NarError::Padding { offset });
        }
        Ok(())
    }
}

/// The contents of one regular file, as the sink reads them.
struct Contents<'a, R> {
    src: &'a mut Source<R>,
    remaining: u64,
    /// Why reading failed, when it was the NAR's fault and not the sink's.
    failure: Option<NarError>,
}

impl<R: Read> Read for Contents<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.remaining == 0 || buf.is_empty() {
            return Ok(0);
        }
        let max = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        match self.src.read_some(&mut buf[..max]) {
            Ok(0) => {
                self.failure = Some(NarError::Truncated {
                    offset: self.src.offset,
                });
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the NAR ends inside a file",
                ))
            }
            Ok(n) => {
                self.remaining -= n as u64;
                Ok(n)
            }
            Err(e) => {
                let text = e.to_string();
                self.failure = Some(e);
                Err(io::Error::other(text))
            }
        }
    }
}

/// A directory being read: the last entry name seen.
struct Frame {
    previous: Option<Vec<u8>>,
}

struct Parser<R> {
    src: Source<R>,
    scratch: Vec<u8>,
}

/// Tokens that a choice between keywords reads in full; longer ones are reported by length.
const MAX_KEYWORD_LEN: u64 = 64;

impl<R: Read> Parser<R> {
    fn nar(&mut self, sink: &mut dyn NarSink, options: &ParseOptions) -> Result<(), NarError> {
        match self.keyword(&[NAR_MAGIC]) {
            Ok(_) => {}
            Err(NarError::Read(e)) => return Err(NarError::Read(e)),
            Err(_) => return Err(NarError::BadMagic),
        }
        let mut stack: Vec<Frame> = Vec::new();
        loop {
            // A node.
            self.keyword(&["("])?;
            self.keyword(&["type"])?;
            let mut finished = true;
            match self.keyword(&["regular", "symlink", "directory"])? {
                0 => {
                    let executable = self.keyword(&["executable", "contents"])? == 0;
                    if executable {
                        self.keyword(&[""])?;
                        self.keyword(&["contents"])?;
                    }
                    self.contents(sink, executable)?;
                    self.keyword(&[")"])?;
                }
                1 => {
                    self.keyword(&["target"])?;
                    let offset = self.src.offset;
                    self.token(MAX_TARGET_LEN, "symbolic link target")?;
                    let target = &self.scratch;
                    if target.is_empty() || target.contains(&0) {
                        return Err(NarError::InvalidTarget {
                            offset,
                            target: show(target),
                        });
                    }
                    sink.symlink(target).map_err(NarError::Sink)?;
                    self.keyword(&[")"])?;
                }
                _ => {
                    if stack.len() >= options.max_depth {
                        return Err(NarError::TooDeep {
                            offset: self.src.offset,
                            max: options.max_depth,
                        });
                    }
                    sink.open_directory().map_err(NarError::Sink)?;
                    stack.push(Frame { previous: None });
                    finished = false;
                }
            }
            // Close what the node finished, up to the next entry.
            loop {
                if finished {
                    if stack.is_empty() {
                        return Ok(());
                    }
                    self.keyword(&[")"])?;
                    sink.close_entry().map_err(NarError::Sink)?;
                }
                if self.keyword(&["entry", ")"])? == 1 {
                    sink.close_directory().map_err(NarError::Sink)?;
                    stack.pop();
                    finished = true;
                    continue;
                }
                self.keyword(&["("])?;
                self.keyword(&["name"])?;
                let offset = self.src.offset;
                self.token(MAX_NAME_LEN, "file name")?;
                let name = &self.scratch;
                if !valid_name(name) {
                    return Err(NarError::InvalidName {
                        offset,
                        name: show(name),
                    });
                }
                let frame = stack.last_mut().expect("an entry is inside a directory");
                if let Some(previous) = &mut frame.previous {
                    match name.as_slice().cmp(previous.as_slice()) {
                        std::cmp::Ordering::Greater => {}
                        std::cmp::Ordering::Equal => {
                            return Err(NarError::Duplicate {
                                offset,
                                name: show(name),
                            });
                        }
                        std::cmp::Ordering::Less => {
                            return Err(NarError::Unsorted {
                                offset,
                                name: show(name),
                                previous: show(previous),
                            });
                        }
                    }
                    previous.clear();
                    previous.extend_from_slice(name);
                } else {
                    frame.previous = Some(name.clone());
                }
                self.keyword(&["node"])?;
                sink.open_entry(&self.scratch).map_err(NarError::Sink)?;
                break;
            }
        }
    }

    /// The size and contents of a regular file, handed to the sink, then the padding.
    fn contents(&mut self, sink: &mut dyn NarSink, executable: bool) -> Result<(), NarError> {
        let size = self.src.u64()?;
        let mut contents = Contents {
            src: &mut self.src,
            remaining: size,
            failure: None,
        };
        let result = sink.regular(executable, size, &mut contents);
        if let Some(failure) = contents.failure.take() {
            return Err(failure);
        }
        result.map_err(NarError::Sink)?;
        // Skip what the sink did not read.
        if contents.remaining > 0 && io::copy(&mut contents, &mut io::sink()).is_err() {
            return Err(contents.failure.take().unwrap_or(NarError::Truncated {
                offset: contents.src.offset,
            }));
        }
        self.src.padding(size)
    }

    /// Reads a token that must be one of `choices`, and returns which.
    fn keyword(&mut self, choices: &[&'static str]) -> Result<usize, NarError> {
        let offset = self.src.offset;
        let len = self.src.u64()?;
        let found = if len <= MAX_KEYWORD_LEN {
            let mut buf = [0u8; MAX_KEYWORD_LEN as usize];
            let token = &mut buf[..len as usize];
            self.src.read_exact(token)?;
            if let Some(i) = choices.iter().position(|c| c.as_bytes() == token) {
                self.src.padding(len)?;
                return Ok(i);
            }
            format!("`{}`", show(token))
        } else {
            format!("a token of {len} bytes")
        };
        let expected = choices
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(" or ");
        Err(NarError::Unexpected {
            offset,
            expected,
            found,
        })
    }

    /// Reads a token of at most `max` bytes into `scratch`.
    fn token(&mut self, max: usize, what: &'static str) -> Result<(), NarError> {
        let offset = self.src.offset;
        let len = self.src.u64()?;
        if len > max as u64 {
            return Err(NarError::TooLong {
                offset,
                what,
                len,
                max,
            });
        }
        self.scratch.resize(len as usize, 0);
        self.src.read_exact(&mut self.scratch)?;
        self.src.padding(len)
    }
}

/// A name Nix accepts for a directory entry.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name != b"." && name != b".." && !name.contains(&b'/') && !name.contains(&0)
}

/// Bytes from a NAR, shown in a message: ASCII as is, other bytes escaped, long ones cut.
fn show(bytes: &[u8]) -> String {
    const MAX: usize = 64;
    let mut s = bytes[..bytes.len().min(MAX)].escape_ascii().to_string();
    if bytes.len() > MAX {
        s.push_str("...");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{HashAlgo, Hasher};
    use proptest::prelude::*;

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

    /// A tree to write as a NAR.
    #[derive(Clone, Debug)]
    enum Node {
        File(bool, Vec<u8>),
        Link(Vec<u8>),
        Dir(Vec<(Vec<u8>, Node)>),
    }

    fn write_node<W: Write>(w: &mut NarWriter<W>, node: &Node) -> io::Result<()> {
        match node {
            Node::File(x, data) => w.regular(*x, data.len() as u64, &mut &data[..]),
            Node::Link(t) => w.symlink(t),
            Node::Dir(entries) => {
                w.open_directory()?;
                for (name, child) in entries {
                    w.open_entry(name)?;
                    write_node(w, child)?;
                    w.close_entry()?;
                }
                w.close_directory()
            }
        }
    }

    fn nar_of(node: &Node) -> Vec<u8> {
        let mut w = NarWriter::new(Vec::new()).unwrap();
        write_node(&mut w, node).unwrap();
        w.into_inner()
    }

    /// Parses `nar` into a `NarWriter`: what a NAR that parses must give back.
    fn reparse(nar: &[u8], options: &ParseOptions) -> Result<(u64, Vec<u8>), NarError> {
        let mut w = NarWriter::new(Vec::new()).unwrap();
        let mut out = Vec::new();
        // The writer's magic is written already; the parser's events follow it.
        let n = parse_with(nar, &mut w, options)?;
        out.extend(w.into_inner());
        Ok((n, out))
    }

    fn err(nar: &[u8]) -> String {
        let options = ParseOptions {
            reject_trailing: true,
            ..ParseOptions::default()
        };
        reparse(nar, &options).unwrap_err().to_string()
    }

    fn dir(entries: &[(&str, Node)]) -> Node {
        Node::Dir(
            entries
                .iter()
                .map(|(n, c)| (n.as_bytes().to_vec(), c.clone()))
                .collect(),
        )
    }

    fn file(data: &str) -> Node {
        Node::File(false, data.as_bytes().to_vec())
    }

    fn sample() -> Node {
        dir(&[
            ("a.sh", Node::File(true, b"#!/bin/sh\n".to_vec())),
            ("b", dir(&[("c", file("")), ("d", dir(&[]))])),
            ("link", Node::Link(b"../x y".to_vec())),
            ("z", file("hello")),
        ])
    }

    #[test]
    fn a_nar_parses_back_into_itself() {
        for node in [sample(), file("hello"), file(""), Node::Link(b"/".to_vec())] {
            let nar = nar_of(&node);
            let (n, out) = reparse(&nar, &ParseOptions::default()).unwrap();
            assert_eq!(n, nar.len() as u64);
            assert_eq!(out, nar);
        }
    }

    #[test]
    fn the_parser_reads_no_further_than_the_nar() {
        let mut nar = nar_of(&sample());
        let len = nar.len();
        nar.extend_from_slice(b"after");
        let mut r = &nar[..];
        parse(&mut r, &mut NarWriter::new(io::sink()).unwrap()).unwrap();
        assert_eq!(r, b"after");
        assert_eq!(
            err(&nar),
            format!("invalid NAR: data follows its end, at byte {len}")
        );
    }

    #[test]
    fn bad_magic_and_truncation() {
        assert_eq!(
            err(b""),
            "not a NAR: it does not start with `nix-archive-1`"
        );
        assert_eq!(
            err(&nar_of(&file("x"))[..8]),
            "not a NAR: it does not start with `nix-archive-1`"
        );
        let nar = nar_of(&sample());
        for cut in [24, 100, nar.len() - 1] {
            let e = err(&nar[..cut]);
            assert!(e.starts_with("the NAR ends early"), "{cut}: {e}");
        }
        // Cut inside the contents of a file.
        let nar = nar_of(&file("hello world"));
        assert_eq!(
            err(&nar[..nar.len() - 20]),
            "the NAR ends early, at byte 108"
        );
    }

    /// A NAR written token by token, so that it can be wrong.
    fn tokens(ts: &[&[u8]]) -> Vec<u8> {
        let mut out = Vec::new();
        for t in ts {
            out.extend((t.len() as u64).to_le_bytes());
            out.extend(*t);
            out.resize(out.len().next_multiple_of(8), 0);
        }
        out
    }

    fn with_entries(names: &[&[u8]]) -> Vec<u8> {
        let mut ts: Vec<&[u8]> = vec![b"nix-archive-1", b"(", b"type", b"directory"];
        for name in names {
            ts.extend([&b"entry"[..], b"(", b"name", name, b"node"]);
            ts.extend([&b"("[..], b"type", b"symlink", b"target", b"t", b")", b")"]);
        }
        ts.push(b")");
        tokens(&ts)
    }

    #[test]
    fn entry_names_are_checked() {
        assert!(reparse(&with_entries(&[b"a", b"b"]), &ParseOptions::default()).is_ok());
        for bad in [&b""[..], b".", b"..", b"a/b", b"a\0"] {
            let e = err(&with_entries(&[bad]));
            assert!(e.starts_with("invalid NAR: invalid file name"), "{e}");
        }
        assert_eq!(
            err(&with_entries(&[b"b", b"a"])),
            "invalid NAR: entry `a` at byte 320 comes after `b`, out of order"
        );
        assert_eq!(
            err(&with_entries(&[b"a", b"a"])),
            "invalid NAR: entry `a` at byte 320 appears twice in its directory"
        );
        // Byte order, not case-insensitive or locale order.
        assert!(
            reparse(
                &with_entries(&[b"B", b"a", b"\xff"]),
                &ParseOptions::default()
            )
            .is_ok()
        );
        let long = vec![b'x'; MAX_NAME_LEN + 1];
        assert_eq!(
            err(&with_entries(&[&long])),
            "invalid NAR: the file name at byte 128 is 256 bytes long, the limit is 255"
        );
    }

    #[test]
    fn structure_is_checked() {
        let nar = tokens(&[b"nix-archive-1", b"(", b"type", b"fifo", b")"]);
        assert_eq!(
            err(&nar),
            "invalid NAR: expected `regular` or `symlink` or `directory` at byte 56, found `fifo`"
        );
        // The executable marker has an empty value.
        let nar = tokens(&[
            b"nix-archive-1",
            b"(",
            b"type",
            b"regular",
            b"executable",
            b"x",
        ]);
        assert!(err(&nar).contains("expected `` at byte"), "{}", err(&nar));
        // Fields in another order than Nix writes them.
        let nar = tokens(&[b"nix-archive-1", b"(", b"type", b"symlink", b")"]);
        assert!(err(&nar).starts_with("invalid NAR: expected `target`"));
        // A huge length is not read.
        let mut nar = tokens(&[b"nix-archive-1", b"("]);
        nar.extend(u64::MAX.to_le_bytes());
        assert_eq!(
            err(&nar),
            format!(
                "invalid NAR: expected `type` at byte 40, found a token of {} bytes",
                u64::MAX
            )
        );
        let nar = tokens(&[
            b"nix-archive-1",
            b"(",
            b"type",
            b"symlink",
            b"target",
            b"",
            b")",
        ]);
        assert_eq!(
            err(&nar),
            "invalid NAR: invalid symbolic link target `` at byte 88"
        );
    }

    #[test]
    fn padding_must_be_zeros() {
        let mut nar = nar_of(&file("hello"));
        // The contents token: "hello" then three bytes of padding.
        let at = nar.windows(5).position(|w| w == b"hello").unwrap() + 5;
        nar[at + 1] = 1;
        assert_eq!(
            err(&nar),
            format!("invalid NAR: the padding at byte {at} is not zeros")
        );
    }

    #[test]
    fn nesting_is_bounded() {
        let mut node = file("");
        for _ in 0..10 {
            node = dir(&[("d", node)]);
        }
        let nar = nar_of(&node);
        let shallow = ParseOptions {
            max_depth: 5,
            ..ParseOptions::default()
        };
        let e = reparse(&nar, &shallow).unwrap_err().to_string();
        assert!(
            e.starts_with("invalid NAR: directories nest deeper than 5 levels"),
            "{e}"
        );
        assert!(reparse(&nar, &ParseOptions::default()).is_ok());
    }

    #[test]
    fn sink_errors_come_through() {
        /// Fails on files when `fail`, else skips their contents.
        struct Failing(bool);
        impl NarSink for Failing {
            fn regular(&mut self, _: bool, _: u64, _: &mut dyn Read) -> io::Result<()> {
                match self.0 {
                    true => Err(io::Error::other("disk full")),
                    false => Ok(()),
                }
            }
            fn symlink(&mut self, _: &[u8]) -> io::Result<()> {
                Ok(())
            }
            fn open_directory(&mut self) -> io::Result<()> {
                Ok(())
            }
            fn open_entry(&mut self, _: &[u8]) -> io::Result<()> {
                Ok(())
            }
            fn close_entry(&mut self) -> io::Result<()> {
                Ok(())
            }
            fn close_directory(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let nar = nar_of(&sample());
        assert_eq!(
            parse(&nar[..], &mut Failing(false)).unwrap(),
            nar.len() as u64
        );
        let e = parse(&nar[..], &mut Failing(true)).unwrap_err();
        assert!(matches!(e, NarError::Sink(_)));
        assert_eq!(e.to_string(), "disk full");
    }

    fn name() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 1..12).prop_filter("a valid name", |n| valid_name(n))
    }

    fn node() -> impl Strategy<Value = Node> {
        let leaf = prop_oneof![
            (any::<bool>(), proptest::collection::vec(any::<u8>(), 0..40))
                .prop_map(|(x, d)| Node::File(x, d)),
            proptest::collection::vec(1u8..=255, 1..20).prop_map(Node::Link),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            proptest::collection::btree_map(name(), inner, 0..6)
                .prop_map(|m| Node::Dir(m.into_iter().collect()))
        })
    }

    proptest! {
        #[test]
        fn any_tree_round_trips(node in node()) {
            let nar = nar_of(&node);
            let (n, out) = reparse(&nar, &ParseOptions::default()).unwrap();
            prop_assert_eq!(n, nar.len() as u64);
            prop_assert_eq!(out, nar);
        }

        /// Damaged NARs are rejected or, when they still parse, are canonical: what parses
        /// is written back byte for byte.
        #[test]
        fn damaged_nars_never_panic(
            node in node(),
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4),
        ) {
            let mut nar = nar_of(&node);
            for (at, byte, kind) in edits {
                let i = at.index(nar.len() + 1);
                match kind {
                    0 if i < nar.len() => nar[i] = byte,
                    1 => nar.insert(i, byte),
                    _ if i < nar.len() => { nar.remove(i); }
                    _ => {}
                }
            }
            if let Ok((n, out)) = reparse(&nar, &ParseOptions::default()) {
                prop_assert_eq!(&out[..], &nar[..n as usize]);
            }
        }

        #[test]
        fn random_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = reparse(&bytes, &ParseOptions::default());
            let mut nar = tokens(&[b"nix-archive-1"]);
            nar.append(&mut bytes);
            let _ = reparse(&nar, &ParseOptions::default());
        }
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
