//! Reading a file system tree into a NAR (Nix's `dumpPath`): the one place of this crate that
//! touches the file system, kept apart from the format in `nar`.
//!
//! Symbolic links are archived as links, not followed; a file is executable when its owner
//! may execute it; directory entries go in byte order of their names. A filter decides, for
//! every entry below the root, whether it is archived (a directory left out takes its whole
//! subtree with it), as `builtins.filterSource` and `builtins.path` need.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::hash::{Hash, HashAlgo, Hasher};
use crate::nar::NarWriter;

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
        Err(io::Error::other(format!(
            "file '{}' has an unsupported type",
            path.display()
        )))
    }
}

/// The hash of the NAR of `path` and its size in bytes (Nix's `hashPath`).
pub fn hash_path(
    algo: HashAlgo,
    path: &Path,
    filter: &mut dyn FnMut(&Path) -> bool,
) -> io::Result<(Hash, u64)> {
    let mut sink = CountingHasher {
        hasher: Hasher::new(algo),
        bytes: 0,
    };
    let mut nar = NarWriter::new(&mut sink)?;
    dump_path(path, filter, &mut nar)?;
    Ok((sink.hasher.finish(), sink.bytes))
}

/// The hash of the contents of one file, symbolic links followed (Nix's `hashFile`).
pub fn hash_file(algo: HashAlgo, path: &Path) -> io::Result<Hash> {
    let mut h = Hasher::new(algo);
    let mut f = File::open(path).map_err(|e| with_path(e, "opening file", path))?;
    io::copy(&mut f, &mut h).map_err(|e| with_path(e, "reading file", path))?;
    Ok(h.finish())
}

/// Makes a tree canonical as store paths are: files 0444 (0555 when the owner may execute
/// them), directories 0555, modification times 1; anything else is refused.
pub fn canonicalise(path: &Path) -> io::Result<()> {
    let md = fs::symlink_metadata(path).map_err(|e| with_path(e, "getting status of", path))?;
    let ft = md.file_type();
    let mode = if ft.is_symlink() {
        None
    } else if ft.is_dir() {
        for entry in fs::read_dir(path).map_err(|e| with_path(e, "opening directory", path))? {
            canonicalise(&entry?.path())?;
        }
        Some(0o555)
    } else if ft.is_file() {
        Some(if md.permissions().mode() & 0o100 != 0 {
            0o555
        } else {
            0o444
        })
    } else {
        return Err(io::Error::other(format!(
            "file '{}' has an unsupported type",
            path.display()
        )));
    };
    if let Some(mode) = mode {
        fs::set_permissions(path, fs::Permissions::from_mode(mode))
            .map_err(|e| with_path(e, "changing the mode of", path))?;
    }
    let one = rustix::fs::Timestamps {
        last_access: rustix::fs::Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        },
        last_modification: rustix::fs::Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        },
    };
    rustix::fs::utimensat(
        rustix::fs::CWD,
        path,
        &one,
        rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
    )
    .map_err(|e| with_path(e.into(), "changing the times of", path))
}

/// Deletes a tree whose directories may be read-only; nothing at `path` is not an error.
pub fn make_writable_and_remove(path: &Path) -> io::Result<()> {
    let md = match fs::symlink_metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(with_path(e, "getting status of", path)),
    };
    if md.is_dir() {
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            .map_err(|e| with_path(e, "changing the mode of", path))?;
        for entry in fs::read_dir(path).map_err(|e| with_path(e, "opening directory", path))? {
            make_writable_and_remove(&entry?.path())?;
        }
        fs::remove_dir(path).map_err(|e| with_path(e, "removing", path))
    } else {
        fs::remove_file(path).map_err(|e| with_path(e, "removing", path))
    }
}

/// Copies `src` to `dest` in canonical form, leaving out what `filter` refuses, and returns
/// the hash of its NAR and the NAR's size.
pub fn copy_path(
    src: &Path,
    dest: &Path,
    filter: &mut dyn FnMut(&Path) -> bool,
    algo: HashAlgo,
) -> io::Result<(Hash, u64)> {
    copy_tree(src, dest, filter)?;
    let hashed = hash_path(algo, dest, &mut |_| true)?;
    canonicalise(dest)?;
    Ok(hashed)
}

fn copy_tree(src: &Path, dest: &Path, filter: &mut dyn FnMut(&Path) -> bool) -> io::Result<()> {
    let md = fs::symlink_metadata(src).map_err(|e| with_path(e, "getting status of", src))?;
    let ft = md.file_type();
    if ft.is_file() {
        fs::copy(src, dest).map_err(|e| with_path(e, "copying", src))?;
        let exec = md.permissions().mode() & 0o100 != 0;
        fs::set_permissions(
            dest,
            fs::Permissions::from_mode(if exec { 0o755 } else { 0o644 }),
        )
    } else if ft.is_symlink() {
        let target = fs::read_link(src).map_err(|e| with_path(e, "reading link", src))?;
        std::os::unix::fs::symlink(target, dest)
    } else if ft.is_dir() {
        fs::create_dir(dest).map_err(|e| with_path(e, "creating directory", dest))?;
        for entry in fs::read_dir(src).map_err(|e| with_path(e, "opening directory", src))? {
            let entry = entry?;
            let child = entry.path();
            if filter(&child) {
                copy_tree(&child, &dest.join(entry.file_name()), filter)?;
            }
        }
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "file '{}' has an unsupported type",
            src.display()
        )))
    }
}

struct CountingHasher {
    hasher: Hasher,
    bytes: u64,
}

impl Write for CountingHasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.bytes += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An error that names the path, worded as Nix words it (`getting status of '/x': No such
/// file or directory`, without Rust's `(os error 2)`).
fn with_path(e: io::Error, doing: &str, path: &Path) -> io::Error {
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
}
