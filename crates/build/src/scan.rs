//! Reference scanning (Nix's `scanForReferences`): which of a set of candidate store paths
//! an output names, found by searching the NAR serialisation of the output for the candidates'
//! 32-character hash parts. Searching the NAR, not the files, is what Nix does: file contents,
//! symbolic link targets and entry names all count, and so would a hash part that the NAR's
//! framing happens to complete. The same pass hashes the NAR (SHA-256) and counts its bytes,
//! which is what registering an output needs.
//!
//! `RefScanner` is the search alone, a `Write` sink that any stream of bytes can be fed to in
//! pieces of any size: it keeps the last 31 bytes of what it saw, so an occurrence split across
//! two writes is found. This module does not rewrite hashes (self-references of
//! content-addressed outputs) and does not decide which paths are candidates: the build
//! engine passes the closure of the inputs and the outputs, as Nix does.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use aho_corasick::AhoCorasick;
use cairn_store::dump::dump_path;
use cairn_store::hash::{Hash, HashAlgo, Hasher};
use cairn_store::nar::NarWriter;
use cairn_store::store_path::{HASH_PART_LEN, StorePath};

/// How much of the previous write is kept: one byte less than a hash part, the most of one
/// that can lie before a boundary.
const CARRY: usize = HASH_PART_LEN - 1;

/// The NAR is handed to the scanner and the hasher in pieces of about this size.
const CHUNK_SIZE: usize = 64 * 1024;

/// What one pass over an output finds: the candidates it references, and its NAR's SHA-256
/// and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scanned {
    pub references: BTreeSet<StorePath>,
    pub nar_hash: Hash,
    pub nar_size: u64,
}

/// The candidates whose hash part occurs in the NAR of the tree at `path`.
pub fn scan_references(
    path: &Path,
    candidates: &BTreeSet<StorePath>,
) -> io::Result<BTreeSet<StorePath>> {
    let scanner = dump_into(path, RefScanner::new(candidates))?;
    Ok(scanner.finish())
}

/// `scan_references`, and the SHA-256 and size of the same NAR, in one pass over the tree.
pub fn scan_and_hash(path: &Path, candidates: &BTreeSet<StorePath>) -> io::Result<Scanned> {
    let sink = dump_into(
        path,
        ScanAndHash {
            scanner: RefScanner::new(candidates),
            hasher: Hasher::new(HashAlgo::Sha256),
            size: 0,
        },
    )?;
    Ok(Scanned {
        references: sink.scanner.finish(),
        nar_hash: sink.hasher.finish(),
        nar_size: sink.size,
    })
}

/// Writes the NAR of `path` into `sink` in pieces of `CHUNK_SIZE` and gives `sink` back.
fn dump_into<W: Write>(path: &Path, sink: W) -> io::Result<W> {
    let mut nar = NarWriter::new(BufWriter::with_capacity(CHUNK_SIZE, sink))?;
    dump_path(path, &mut |_| true, &mut nar)?;
    nar.into_inner().into_inner().map_err(|e| e.into_error())
}

/// The NAR goes to the scanner and the hasher alike.
struct ScanAndHash {
    scanner: RefScanner,
    hasher: Hasher,
    size: u64,
}

impl Write for ScanAndHash {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.scanner.search(buf);
        self.hasher.update(buf);
        self.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Searches the bytes written to it for the hash parts of a set of store paths, with one
/// automaton over all of them; `finish` tells which occurred.
#[derive(Debug)]
pub struct RefScanner {
    /// `None` when there is nothing to look for.
    automaton: Option<AhoCorasick>,
    /// The paths of each pattern of the automaton: those with that hash part.
    paths: Vec<Vec<StorePath>>,
    found: Vec<bool>,
    /// How many patterns are still unfound; once none, writes are not searched.
    left: usize,
    /// The last `CARRY` bytes written (fewer at the start).
    carry: Vec<u8>,
    /// The carry and the start of the current write, searched for occurrences across them.
    seam: Vec<u8>,
}

impl RefScanner {
    pub fn new(candidates: &BTreeSet<StorePath>) -> RefScanner {
        // Two paths may share a hash part (not in a real store): one pattern finds both.
        let mut by_hash: BTreeMap<&str, Vec<StorePath>> = BTreeMap::new();
        for path in candidates {
            by_hash
                .entry(path.hash_part())
                .or_default()
                .push(path.clone());
        }
        let patterns: Vec<&str> = by_hash.keys().copied().collect();
        let paths: Vec<Vec<StorePath>> = by_hash.values().cloned().collect();
        let automaton = (!patterns.is_empty()).then(|| {
            AhoCorasick::new(&patterns).expect("an automaton of a few thousand hash parts builds")
        });
        RefScanner {
            automaton,
            found: vec![false; paths.len()],
            left: paths.len(),
            paths,
            carry: Vec::with_capacity(2 * CARRY),
            seam: Vec::with_capacity(2 * CARRY),
        }
    }

    /// Searches the next piece of the stream.
    pub fn search(&mut self, data: &[u8]) {
        if self.left == 0 || data.is_empty() {
            return;
        }
        // An occurrence across the boundary starts in the carry and ends in the first
        // `CARRY` bytes of `data`; one inside either alone is too short to be found twice.
        let head = &data[..data.len().min(CARRY)];
        self.seam.clear();
        self.seam.extend_from_slice(&self.carry);
        self.seam.extend_from_slice(head);
        let seam = std::mem::take(&mut self.seam);
        self.mark(&seam);
        self.seam = seam;
        self.mark(data);

        if data.len() >= CARRY {
            self.carry.clear();
            self.carry.extend_from_slice(&data[data.len() - CARRY..]);
        } else {
            self.carry.extend_from_slice(data);
            let excess = self.carry.len().saturating_sub(CARRY);
            self.carry.drain(..excess);
        }
    }

    fn mark(&mut self, haystack: &[u8]) {
        let Some(automaton) = &self.automaton else {
            return;
        };
        if haystack.len() < HASH_PART_LEN {
            return;
        }
        for m in automaton.find_overlapping_iter(haystack) {
            let i = m.pattern().as_usize();
            if !self.found[i] {
                self.found[i] = true;
                self.left -= 1;
                if self.left == 0 {
                    return;
                }
            }
        }
    }

    /// The candidates that occurred in what was written.
    pub fn finish(self) -> BTreeSet<StorePath> {
        self.paths
            .into_iter()
            .zip(self.found)
            .filter(|(_, found)| *found)
            .flat_map(|(paths, _)| paths)
            .collect()
    }
}

impl Write for RefScanner {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.search(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
