//! Reading a file system tree into a NAR (Nix's `dumpPath`), copying a tree into the store's
//! canonical form, and the file system side of the store's trees: the one place of this crate
//! that reads the file system, kept apart from the format in `nar` (`restore` writes).
//!
//! Symbolic links are archived as links, not followed; a file is executable when its owner
//! may execute it; directory entries go in byte order of their names. A filter decides, for
//! every entry below the root, whether it is archived (a directory left out takes its whole
//! subtree with it), as `builtins.filterSource` and `builtins.path` need.
//!
//! `hash_path` and `copy_path` read a tree once, on the calling thread, into chunks of NAR that
//! a second thread hashes, so reading and hashing overlap. `dump_path` writes to any `Write`
//! on the calling thread.

use std::ffi::OsString;
use std::fs::{self, File, Metadata};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use crate::hash::{Hash, HashAlgo, Hasher};
use crate::nar::NarWriter;
use crate::restore::{
    CANONICAL_MTIME, create_dir, create_file, finish_dir, finish_file, make_symlink,
    set_canonical_times,
};

/// Writes the NAR of `path` into `nar`; `filter` is asked about every entry below it.
pub fn dump_path<W: Write>(
    path: &Path,
    filter: &mut dyn FnMut(&Path) -> bool,
    nar: &mut NarWriter<W>,
) -> io::Result<()> {
    let md = fs::symlink_metadata(path).map_err(|e| with_path(e, "getting status of", path))?;
    let ft = md.file_type();
    if ft.is_file() {
        let mut f = File::open(path).map_err(|e| with_path(e, "opening file", path))?;
        let executable = md.permissions().mode() & 0o100 != 0;
        nar.regular(executable, md.len(), &mut f)
    } else if ft.is_symlink() {
        let target = fs::read_link(path).map_err(|e| with_path(e, "reading link", path))?;
        nar.symlink(target.as_os_str().as_bytes())
    } else if ft.is_dir() {
        let mut names: Vec<OsString> = fs::read_dir(path)
            .map_err(|e| with_path(e, "opening directory", path))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        nar.open_directory()?;
        for name in names {
            let child = path.join(&name);
            if filter(&child) {
                nar.open_entry(name.as_bytes())?;
                dump_path(&child, filter, nar)?;
                nar.close_entry()?;
            }
        }
        nar.close_directory()
    } else {
        Err(unsupported(path))
    }
}

/// The hash of the NAR of `path` and its size in bytes (Nix's `hashPath`).
pub fn hash_path(
    algo: HashAlgo,
    path: &Path,
    filter: &mut dyn FnMut(&Path) -> bool,
) -> io::Result<(Hash, u64)> {
    walk_hashing(algo, path, None, filter)
}

/// Copies the tree at `path` to `dest`, which must not exist, in the canonical form of a store
/// path (see `restore`), leaving out what `filter` rejects as `dump_path` does. Returns the
/// hash of the NAR of the copy and its size, as `hash_path` of the source gives them; every
/// file is read once. When it fails, `dest` may be left partly written.
pub fn copy_path(
    path: &Path,
    dest: &Path,
    filter: &mut dyn FnMut(&Path) -> bool,
    algo: HashAlgo,
) -> io::Result<(Hash, u64)> {
    walk_hashing(algo, path, Some(dest), filter)
}

/// The hash of the contents of one file, symbolic links followed (Nix's `hashFile`).
pub fn hash_file(algo: HashAlgo, path: &Path) -> io::Result<Hash> {
    let mut h = Hasher::new(algo);
    let mut f = File::open(path).map_err(|e| with_path(e, "opening file", path))?;
    io::copy(&mut f, &mut h).map_err(|e| with_path(e, "reading file", path))?;
    Ok(h.finish())
}

/// Chunks of NAR are this large. Large enough that passing one between threads costs
/// nothing next to hashing it, small enough to stay in the caches.
const CHUNK_SIZE: usize = 256 * 1024;
/// At most this many chunks exist at once: the reader runs this far ahead of the hasher.
const CHUNKS: usize = 8;

struct Chunk {
    buf: Box<[u8]>,
    len: usize,
}

impl Chunk {
    fn new() -> Chunk {
        Chunk {
            buf: vec![0; CHUNK_SIZE].into_boxed_slice(),
            len: 0,
        }
    }
}

/// Where full chunks go: to a hashing thread, or hashed at once for trees too small to be
/// worth a thread.
enum ChunkSink {
    Inline(Hasher, u64),
    Thread {
        full: SyncSender<Chunk>,
        empty: Receiver<Chunk>,
        allocated: usize,
    },
}

/// The NAR, written into chunks: small tokens are copied in, file contents are read straight
/// into the chunk's spare room (`spare`, then `commit`).
struct ChunkWriter {
    chunk: Chunk,
    sink: ChunkSink,
}

impl ChunkWriter {
    /// The free part of the current chunk; never empty.
    fn spare(&mut self) -> io::Result<&mut [u8]> {
        if self.chunk.len == self.chunk.buf.len() {
            self.ship()?;
        }
        Ok(&mut self.chunk.buf[self.chunk.len..])
    }

    fn commit(&mut self, n: usize) {
        self.chunk.len += n;
    }

    /// Hands the current chunk on and starts another.
    fn ship(&mut self) -> io::Result<()> {
        match &mut self.sink {
            ChunkSink::Inline(hasher, bytes) => {
                hasher.update(&self.chunk.buf[..self.chunk.len]);
                *bytes += self.chunk.len as u64;
                self.chunk.len = 0;
            }
            ChunkSink::Thread {
                full,
                empty,
                allocated,
            } => {
                let next = match empty.try_recv() {
                    Ok(chunk) => chunk,
                    Err(TryRecvError::Empty) if *allocated < CHUNKS => {
                        *allocated += 1;
                        Chunk::new()
                    }
                    Err(_) => empty.recv().map_err(|_| hasher_gone())?,
                };
                let chunk = std::mem::replace(&mut self.chunk, next);
                full.send(chunk).map_err(|_| hasher_gone())?;
                self.chunk.len = 0;
            }
        }
        Ok(())
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let spare = self.spare()?;
        let n = spare.len().min(buf.len());
        spare[..n].copy_from_slice(&buf[..n]);
        self.commit(n);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn hasher_gone() -> io::Error {
    io::Error::other("internal error: the hashing thread stopped")
}

/// Walks `path` into a NAR that is hashed, copying the tree to `dest` if given. Trees that
/// are a directory or a large file are hashed on a second thread.
fn walk_hashing(
    algo: HashAlgo,
    path: &Path,
    dest: Option<&Path>,
    filter: &mut dyn FnMut(&Path) -> bool,
) -> io::Result<(Hash, u64)> {
    let md = fs::symlink_metadata(path).map_err(|e| with_path(e, "getting status of", path))?;
    let mut walker = Walker { filter, buf: None };
    if !md.is_dir() && md.len() < CHUNK_SIZE as u64 {
        let out = ChunkWriter {
            chunk: Chunk {
                buf: vec![0; 4096].into_boxed_slice(),
                len: 0,
            },
            sink: ChunkSink::Inline(Hasher::new(algo), 0),
        };
        let mut nar = NarWriter::new(out)?;
        walker.node(path, &md, dest, &mut nar)?;
        let mut out = nar.into_inner();
        out.ship()?;
        let ChunkSink::Inline(hasher, bytes) = out.sink else {
            unreachable!("the sink is inline")
        };
        return Ok((hasher.finish(), bytes));
    }
    let (full_tx, full_rx) = sync_channel::<Chunk>(CHUNKS);
    let (empty_tx, empty_rx) = sync_channel::<Chunk>(CHUNKS);
    std::thread::scope(|scope| {
        let hashing = scope.spawn(move || {
            let mut hasher = Hasher::new(algo);
            let mut bytes = 0u64;
            for chunk in full_rx {
                hasher.update(&chunk.buf[..chunk.len]);
                bytes += chunk.len as u64;
                // The reader may be gone already; then the chunk is dropped.
                let _ = empty_tx.send(chunk);
            }
            (hasher.finish(), bytes)
        });
        let out = ChunkWriter {
            chunk: Chunk::new(),
            sink: ChunkSink::Thread {
                full: full_tx,
                empty: empty_rx,
                allocated: 1,
            },
        };
        let walked = NarWriter::new(out).and_then(|mut nar| {
            walker.node(path, &md, dest, &mut nar)?;
            let mut out = nar.into_inner();
            out.ship()
        });
        // Dropping the writer (in `walked` or on error) closes the channel: the hasher ends.
        let hashed = hashing
            .join()
            .map_err(|_| io::Error::other("internal error: the hashing thread panicked"));
        walked?;
        hashed
    })
}

/// Reads a tree into a `ChunkWriter`, and copies it when asked.
struct Walker<'f> {
    filter: &'f mut dyn FnMut(&Path) -> bool,
    /// Names of a directory's entries, reused.
    buf: Option<Vec<OsString>>,
}

impl Walker<'_> {
    fn node(
        &mut self,
        path: &Path,
        md: &Metadata,
        dest: Option<&Path>,
        nar: &mut NarWriter<ChunkWriter>,
    ) -> io::Result<()> {
        let ft = md.file_type();
        if ft.is_file() {
            self.regular(path, md, dest, nar)
        } else if ft.is_symlink() {
            let target = fs::read_link(path).map_err(|e| with_path(e, "reading link", path))?;
            nar.symlink(target.as_os_str().as_bytes())?;
            match dest {
                Some(dest) => make_symlink(&target, dest),
                None => Ok(()),
            }
        } else if ft.is_dir() {
            let mut names = self.buf.take().unwrap_or_default();
            names.clear();
            for entry in fs::read_dir(path).map_err(|e| with_path(e, "opening directory", path))? {
                let entry = entry.map_err(|e| with_path(e, "reading directory", path))?;
                names.push(entry.file_name());
            }
            names.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            if let Some(dest) = dest {
                create_dir(dest)?;
            }
            nar.open_directory()?;
            let mut child = path.to_path_buf();
            let mut child_dest = dest.map(Path::to_path_buf);
            for name in &names {
                child.push(name);
                if (self.filter)(&child) {
                    let md = fs::symlink_metadata(&child)
                        .map_err(|e| with_path(e, "getting status of", &child))?;
                    if let Some(d) = &mut child_dest {
                        d.push(name);
                    }
                    nar.open_entry(name.as_bytes())?;
                    self.node(&child, &md, child_dest.as_deref(), nar)?;
                    nar.close_entry()?;
                    if let Some(d) = &mut child_dest {
                        d.pop();
                    }
                }
                child.pop();
            }
            self.buf = Some(names);
            nar.close_directory()?;
            match dest {
                Some(dest) => finish_dir(dest),
                None => Ok(()),
            }
        } else {
            Err(unsupported(path))
        }
    }

    fn regular(
        &mut self,
        path: &Path,
        md: &Metadata,
        dest: Option<&Path>,
        nar: &mut NarWriter<ChunkWriter>,
    ) -> io::Result<()> {
        let mut file = File::open(path).map_err(|e| with_path(e, "opening file", path))?;
        let executable = md.mode() & 0o100 != 0;
        let size = md.len();
        let mut copy = dest.map(create_file).transpose()?;
        nar.regular_start(executable, size)?;
        let mut left = size;
        while left > 0 {
            let out = nar.out_mut();
            let spare = out.spare()?;
            let want = spare.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = match file.read(&mut spare[..want]) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!(
                            "file '{}' changed size while it was being read",
                            path.display()
                        ),
                    ));
                }
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(with_path(e, "reading file", path)),
            };
            if let (Some(copy), Some(dest)) = (&mut copy, dest) {
                copy.write_all(&spare[..n])
                    .map_err(|e| with_path(e, "writing to file", dest))?;
            }
            out.commit(n);
            left -= n as u64;
        }
        nar.regular_end(size)?;
        match (&copy, dest) {
            (Some(copy), Some(dest)) => finish_file(copy, executable, dest),
            _ => Ok(()),
        }
    }
}

fn unsupported(path: &Path) -> io::Error {
    io::Error::other(format!("file '{}' has an unsupported type", path.display()))
}

/// Makes the tree at `path` canonical, as Nix leaves a store path: regular files `0444`, or
/// `0555` when their owner may execute them, directories `0555`, and the access and
/// modification times of everything, symbolic links included, at 1. Other bits (setuid,
/// setgid, sticky, group and other write) are cleared. Anything but a regular file, a
/// directory or a symbolic link is an error.
pub fn canonicalise(path: &Path) -> io::Result<()> {
    let md = fs::symlink_metadata(path).map_err(|e| with_path(e, "getting status of", path))?;
    let ft = md.file_type();
    let mode = if ft.is_dir() {
        if md.mode() & 0o700 != 0o700 {
            // Readable and searchable to walk it.
            set_mode(path, 0o700)?;
        }
        let mut child = path.to_path_buf();
        for entry in fs::read_dir(path).map_err(|e| with_path(e, "opening directory", path))? {
            let entry = entry.map_err(|e| with_path(e, "reading directory", path))?;
            child.push(entry.file_name());
            canonicalise(&child)?;
            child.pop();
        }
        Some(0o555)
    } else if ft.is_file() {
        Some(if md.mode() & 0o100 != 0 { 0o555 } else { 0o444 })
    } else if ft.is_symlink() {
        None
    } else {
        return Err(unsupported(path));
    };
    if let Some(mode) = mode
        && (md.mode() & 0o7777 != mode || ft.is_dir())
    {
        set_mode(path, mode)?;
    }
    let t = CANONICAL_MTIME as i64;
    if md.mtime() != t || md.atime() != t || md.mtime_nsec() != 0 || md.atime_nsec() != 0 {
        set_canonical_times(path)?;
    }
    Ok(())
}

fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| with_path(e, "changing the mode of", path))
}

/// Deletes the tree at `path`, making its directories writable first, as store paths are
/// read-only. A path that does not exist is not an error.
pub fn make_writable_and_remove(path: &Path) -> io::Result<()> {
    let md = match fs::symlink_metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(with_path(e, "getting status of", path)),
    };
    if md.is_dir() {
        if md.mode() & 0o700 != 0o700 {
            set_mode(path, md.mode() & 0o7777 | 0o700)?;
        }
        let mut child = path.to_path_buf();
        for entry in fs::read_dir(path).map_err(|e| with_path(e, "opening directory", path))? {
            let entry = entry.map_err(|e| with_path(e, "reading directory", path))?;
            child.push(entry.file_name());
            make_writable_and_remove(&child)?;
            child.pop();
        }
        fs::remove_dir(path).map_err(|e| with_path(e, "removing directory", path))
    } else {
        fs::remove_file(path).map_err(|e| with_path(e, "removing", path))
    }
}

/// An error that names the path, worded as Nix words it (`getting status of '/x': No such
/// file or directory`, without Rust's `(os error 2)`).
pub(crate) fn with_path(e: io::Error, doing: &str, path: &Path) -> io::Error {
    let text = e.to_string();
    let text = match (text.rfind(" (os error "), text.ends_with(')')) {
        (Some(i), true) => &text[..i],
        _ => &text,
    };
    io::Error::new(e.kind(), format!("{doing} '{}': {text}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("src");
        fs::create_dir(&root).unwrap();
        fs::write(root.join("b.txt"), "bee\n").unwrap();
        fs::write(root.join("a.sh"), "#!/bin/sh\necho hi\n").unwrap();
        fs::set_permissions(root.join("a.sh"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::create_dir(root.join("sub")).unwrap();
        fs::write(root.join("sub/c"), "").unwrap();
        std::os::unix::fs::symlink("b.txt", root.join("link")).unwrap();
        dir
    }

    #[test]
    fn trees_hash_as_in_nix() {
        // `nix-hash --type sha256 --base32 DIR` for the tree built by `tree()`.
        let dir = tree();
        let root = dir.path().join("src");
        let (h, size) = hash_path(HashAlgo::Sha256, &root, &mut |_| true).unwrap();
        assert_eq!(
            h.to_nix32(),
            "1mlkxb4vg01zhddzbi3p6afz00g6vl66z3lz571cds3jqfm9zwax"
        );
        assert_eq!(size % 8, 0);
        // Leaving out the subdirectory, as a filter would.
        let (h, _) = hash_path(HashAlgo::Sha256, &root, &mut |p| !p.ends_with("sub")).unwrap();
        assert_eq!(
            h.to_nix32(),
            "03qndbnshz51fid094hkkmfy6wn8vpl6082awkk2dbkb09d98rcg"
        );
    }

    #[test]
    fn errors_name_the_path() {
        let e =
            hash_path(HashAlgo::Sha256, Path::new("/nonexistent/x"), &mut |_| true).unwrap_err();
        assert_eq!(
            e.to_string(),
            "getting status of '/nonexistent/x': No such file or directory"
        );
    }

    #[test]
    fn flat_hashes_read_the_file() {
        let dir = tree();
        let h = hash_file(HashAlgo::Sha256, &dir.path().join("src/b.txt")).unwrap();
        assert_eq!(h, Hash::digest(HashAlgo::Sha256, "bee\n"));
    }

    /// Every entry below `root` with its mode, size and times, and link targets.
    fn listing(root: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(p) = stack.pop() {
            let md = fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            let target = fs::read_link(&p)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            // Not the access time: reading a file sets it.
            out.push(format!(
                "{rel} {:o} {} {} {target}",
                md.mode(),
                if md.is_file() { md.len() } else { 0 },
                md.mtime(),
            ));
            if md.is_dir() {
                for e in fs::read_dir(&p).unwrap() {
                    stack.push(e.unwrap().path());
                }
            }
        }
        out.sort();
        out
    }

    fn big_tree(root: &Path) {
        fs::create_dir(root).unwrap();
        for d in 0..3 {
            let dir = root.join(format!("d{d}"));
            fs::create_dir(&dir).unwrap();
            for f in 0..40 {
                let data: Vec<u8> = (0..f * 997 + d).map(|i| (i * 31 + f) as u8).collect();
                fs::write(dir.join(format!("f{f}")), data).unwrap();
            }
        }
        fs::write(root.join("big"), vec![42u8; 3 * CHUNK_SIZE + 17]).unwrap();
        fs::write(root.join("x"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(root.join("x"), fs::Permissions::from_mode(0o4755)).unwrap();
        fs::create_dir(root.join("empty")).unwrap();
        std::os::unix::fs::symlink("d0/f1", root.join("link")).unwrap();
    }

    /// The NAR of `path` through `dump_path`, on one thread.
    fn dumped(path: &Path, filter: &mut dyn FnMut(&Path) -> bool) -> (Hash, u64) {
        let mut sink = Hasher::new(HashAlgo::Sha256);
        let mut counter = Vec::new();
        let mut nar = NarWriter::new(&mut counter).unwrap();
        dump_path(path, filter, &mut nar).unwrap();
        sink.update(&counter);
        (sink.finish(), counter.len() as u64)
    }

    #[test]
    fn the_threaded_hash_is_the_nar_hash() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        big_tree(&root);
        for path in [
            root.clone(),
            root.join("big"),
            root.join("link"),
            root.join("d1/f3"),
        ] {
            assert_eq!(
                hash_path(HashAlgo::Sha256, &path, &mut |_| true).unwrap(),
                dumped(&path, &mut |_| true),
                "{}",
                path.display()
            );
        }
        let mut filter = |p: &Path| !p.ends_with("d1") && !p.ends_with("big");
        assert_eq!(
            hash_path(HashAlgo::Sha256, &root, &mut filter).unwrap(),
            dumped(&root, &mut filter)
        );
    }

    #[test]
    fn a_copy_is_canonical_and_hashes_as_its_source() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        big_tree(&root);
        let dest = dir.path().join("copy");
        let mut filter = |p: &Path| !p.ends_with("d2");
        let (hash, size) = copy_path(&root, &dest, &mut filter, HashAlgo::Sha256).unwrap();
        assert_eq!((hash, size), dumped(&root, &mut filter));
        assert_eq!((hash, size), dumped(&dest, &mut |_| true));
        assert!(!dest.join("d2").exists());
        // A copy of the tree canonicalised in place looks the same.
        let again = dir.path().join("again");
        copy_path(&root, &again, &mut |_| true, HashAlgo::Sha256).unwrap();
        make_writable_and_remove(&root.join("d2")).unwrap();
        canonicalise(&root).unwrap();
        assert_eq!(listing(&root), listing(&dest));
        let l = listing(&dest);
        assert!(l.contains(&" 40555 0 1 ".to_string()), "{l:#?}");
        assert!(l.contains(&"x 100555 10 1 ".to_string()), "{l:#?}");
        assert!(l.contains(&"d0/f1 100444 997 1 ".to_string()), "{l:#?}");
        assert!(l.contains(&"link 120777 0 1 d0/f1".to_string()), "{l:#?}");
        for tree in [&root, &dest, &again] {
            make_writable_and_remove(tree).unwrap();
            assert!(!tree.exists());
        }
        make_writable_and_remove(&dest).unwrap();
    }

    #[test]
    fn copying_onto_an_existing_path_fails() {
        let dir = tree();
        let root = dir.path().join("src");
        let e = copy_path(&root, dir.path(), &mut |_| true, HashAlgo::Sha256).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("creating directory '{}': File exists", dir.path().display())
        );
    }

    #[test]
    fn other_file_types_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        fs::create_dir(&root).unwrap();
        let sock = root.join("sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let expected = format!("file '{}' has an unsupported type", sock.display());
        assert_eq!(canonicalise(&root).unwrap_err().to_string(), expected);
        let e = hash_path(HashAlgo::Sha256, &root, &mut |_| true).unwrap_err();
        assert_eq!(e.to_string(), expected);
    }
}
