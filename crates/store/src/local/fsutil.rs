//! File-system helpers of the local store: copying a tree in canonical form while hashing its
//! NAR, removing read-only trees, flushing to disk.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::dump;
use crate::hash::{Hash, HashAlgo, Hasher};
use crate::nar::NarWriter;

pub(super) use crate::dump::{hash_file, hash_path};

/// Copies `src` (symbolic links not followed; entries the filter refuses left out) to `dest`
/// in canonical form, and returns the SHA-256 of its NAR and the NAR's size.
pub(super) fn copy_path(
    src: &Path,
    dest: &Path,
    filter: &mut dyn FnMut(&Path) -> bool,
) -> io::Result<(Hash, u64)> {
    dump::copy_path(src, dest, filter, HashAlgo::Sha256)
}

/// Writes a new read-only file.
pub(super) fn write_file(dest: &Path, contents: &[u8]) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(dest)?;
    f.write_all(contents)?;
    drop(f);
    dump::canonicalise(dest)
}

/// The SHA-256 of the NAR of one regular file.
pub(super) fn nar_hash_of_file(contents: &[u8], executable: bool) -> Hash {
    let mut h = Hasher::new(HashAlgo::Sha256);
    let mut nar = NarWriter::new(&mut h).expect("hashing does not fail");
    nar.regular(executable, contents.len() as u64, &mut &contents[..])
        .expect("hashing does not fail");
    h.finish()
}

/// The size of the NAR of one regular file of `size` bytes.
pub(super) fn nar_size_of_file(size: u64, executable: bool) -> u64 {
    // The tokens around the contents: magic, `(`, `type`, `regular`, [`executable`, ``],
    // `contents`, the size, the padded contents, `)`.
    let token = |s: &str| 8 + (s.len() as u64).div_ceil(8) * 8;
    let mut n = token("nix-archive-1") + token("(") + token("type") + token("regular");
    if executable {
        n += token("executable") + token("");
    }
    n + token("contents") + 8 + size.div_ceil(8) * 8 + token(")")
}

/// Removes a tree, read-only directories included; nothing there is not an error.
pub(super) fn remove_tree(path: &Path) -> io::Result<()> {
    dump::make_writable_and_remove(path)
}

/// Flushes the file system holding `path` to disk.
pub(super) fn sync_fs(path: &Path) -> io::Result<()> {
    let f = fs::File::open(path).or_else(|_| fs::File::open(path.parent().unwrap_or(path)))?;
    rustix::fs::syncfs(&f)?;
    Ok(())
}

/// Flushes a directory's entries to disk.
pub(super) fn sync_dir(path: &Path) -> io::Result<()> {
    fs::File::open(path)?.sync_all()
}
