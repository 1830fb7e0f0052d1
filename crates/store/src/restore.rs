//! Writing a tree to the file system in the canonical form of a store path: regular files
//! `0444`, or `0555` when executable, directories `0555`, symbolic links as they are, and every
//! modification and access time at 1 (one second after the epoch), as Nix leaves them.
//!
//! `restore` unpacks a NAR this way (Nix's `restorePath` followed by its canonicalisation);
//! `dump::copy_path` uses the same steps to copy a tree. Neither deletes what it wrote when
//! it fails: the caller removes the partial tree (`dump::make_writable_and_remove`).

use std::fs::{self, File, FileTimes, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use crate::dump::with_path;
use crate::nar::{NarError, NarSink, ParseOptions, parse_with};

/// The time Nix gives every file in the store: one second after the epoch.
pub const CANONICAL_MTIME: u64 = 1;

/// Unpacks the NAR read from `r` into `dest`, which must not exist, in canonical form. The
/// NAR must end where `r` does. Wrap `r` in `HashingReader` to hash the NAR on the way.
pub fn restore<R: Read>(r: R, dest: &Path) -> Result<(), NarError> {
    let options = ParseOptions {
        reject_trailing: true,
        ..ParseOptions::default()
    };
    restore_with(r, dest, &options)
}

/// `restore` with the parser's options.
pub fn restore_with<R: Read>(r: R, dest: &Path, options: &ParseOptions) -> Result<(), NarError> {
    let mut sink = RestoreSink {
        path: dest.to_path_buf(),
        buf: Vec::new(),
    };
    parse_with(
        io::BufReader::with_capacity(64 * 1024, r),
        &mut sink,
        options,
    )?;
    Ok(())
}

/// Writes the events of a NAR as a tree at `path`.
struct RestoreSink {
    /// The node being written.
    path: PathBuf,
    buf: Vec<u8>,
}

impl NarSink for RestoreSink {
    fn regular(&mut self, executable: bool, size: u64, contents: &mut dyn Read) -> io::Result<()> {
        let mut file = create_file(&self.path)?;
        if self.buf.is_empty() {
            self.buf.resize(256 * 1024, 0);
        }
        let mut left = size;
        while left > 0 {
            let want = self
                .buf
                .len()
                .min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = contents.read(&mut self.buf[..want])?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            file.write_all(&self.buf[..n])
                .map_err(|e| with_path(e, "writing to file", &self.path))?;
            left -= n as u64;
        }
        finish_file(&file, executable, &self.path)
    }

    fn symlink(&mut self, target: &[u8]) -> io::Result<()> {
        make_symlink(std::ffi::OsStr::from_bytes(target).as_ref(), &self.path)
    }

    fn open_directory(&mut self) -> io::Result<()> {
        create_dir(&self.path)
    }

    fn open_entry(&mut self, name: &[u8]) -> io::Result<()> {
        self.path.push(std::ffi::OsStr::from_bytes(name));
        Ok(())
    }

    fn close_entry(&mut self) -> io::Result<()> {
        self.path.pop();
        Ok(())
    }

    fn close_directory(&mut self) -> io::Result<()> {
        finish_dir(&self.path)
    }
}

/// Creates a new regular file for writing; `finish_file` makes it canonical.
pub(crate) fn create_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| with_path(e, "creating file", path))
}

/// Gives a written file its canonical mode and times.
pub(crate) fn finish_file(file: &File, executable: bool, path: &Path) -> io::Result<()> {
    let mode = if executable { 0o555 } else { 0o444 };
    file.set_permissions(fs::Permissions::from_mode(mode))
        .map_err(|e| with_path(e, "changing the mode of", path))?;
    file.set_times(canonical_times())
        .map_err(|e| with_path(e, "setting the times of", path))
}

/// Creates a new directory, writable until `finish_dir`.
pub(crate) fn create_dir(path: &Path) -> io::Result<()> {
    fs::DirBuilder::new()
        .mode(0o700)
        .create(path)
        .map_err(|e| with_path(e, "creating directory", path))
}

/// Makes a directory canonical, once its entries are written.
pub(crate) fn finish_dir(path: &Path) -> io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(0o555))
        .map_err(|e| with_path(e, "changing the mode of", path))?;
    set_canonical_times(path)
}

/// Creates a symbolic link with canonical times.
pub(crate) fn make_symlink(target: &Path, path: &Path) -> io::Result<()> {
    std::os::unix::fs::symlink(target, path)
        .map_err(|e| with_path(e, "creating symbolic link", path))?;
    set_canonical_times(path)
}

/// Sets the access and modification times of `path` to the canonical time, without following
/// a symbolic link.
pub(crate) fn set_canonical_times(path: &Path) -> io::Result<()> {
    let t = rustix::fs::Timespec {
        tv_sec: CANONICAL_MTIME as i64,
        tv_nsec: 0,
    };
    let times = rustix::fs::Timestamps {
        last_access: t,
        last_modification: t,
    };
    rustix::fs::utimensat(
        rustix::fs::CWD,
        path,
        &times,
        rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
    )
    .map_err(|e| with_path(e.into(), "setting the times of", path))
}

fn canonical_times() -> FileTimes {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(CANONICAL_MTIME);
    FileTimes::new().set_accessed(t).set_modified(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dump::{dump_path, hash_path};
    use crate::hash::{HashAlgo, HashingReader};
    use crate::nar::NarWriter;
    use std::os::unix::fs::MetadataExt;

    fn nar_of(path: &Path) -> Vec<u8> {
        let mut w = NarWriter::new(Vec::new()).unwrap();
        dump_path(path, &mut |_| true, &mut w).unwrap();
        w.into_inner()
    }

    fn source_tree(root: &Path) {
        fs::create_dir(root).unwrap();
        fs::write(root.join("run"), "#!/bin/sh\n").unwrap();
        fs::set_permissions(root.join("run"), fs::Permissions::from_mode(0o700)).unwrap();
        fs::write(root.join("data"), vec![7u8; 300_000]).unwrap();
        fs::create_dir_all(root.join("d/e")).unwrap();
        fs::write(root.join("d/empty"), "").unwrap();
        std::os::unix::fs::symlink("../nowhere", root.join("d/link")).unwrap();
    }

    #[test]
    fn a_restored_tree_is_canonical_and_dumps_to_the_same_nar() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        source_tree(&src);
        let nar = nar_of(&src);
        let dest = tmp.path().join("out");
        let mut r = HashingReader::new(&nar[..], HashAlgo::Sha256);
        restore(&mut r, &dest).unwrap();
        let (hash, size) = r.finish();
        assert_eq!(
            (hash, size),
            hash_path(HashAlgo::Sha256, &src, &mut |_| true).unwrap()
        );
        for (rel, mode) in [
            ("", 0o40555),
            ("run", 0o100555),
            ("data", 0o100444),
            ("d", 0o40555),
            ("d/e", 0o40555),
            ("d/empty", 0o100444),
        ] {
            let md = fs::symlink_metadata(dest.join(rel)).unwrap();
            assert_eq!(md.mode(), mode, "{rel}");
            assert_eq!((md.mtime(), md.atime()), (1, 1), "{rel}");
        }
        let link = fs::symlink_metadata(dest.join("d/link")).unwrap();
        assert!(link.file_type().is_symlink());
        assert_eq!(link.mtime(), 1);
        assert_eq!(
            fs::read_link(dest.join("d/link")).unwrap(),
            Path::new("../nowhere")
        );
        assert_eq!(nar_of(&dest), nar);
        crate::dump::make_writable_and_remove(&dest).unwrap();
    }

    #[test]
    fn the_destination_must_not_exist() {
        let tmp = tempfile::tempdir().unwrap();
        let nar = {
            let mut w = NarWriter::new(Vec::new()).unwrap();
            w.symlink(b"x").unwrap();
            w.into_inner()
        };
        let e = restore(&nar[..], tmp.path()).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "creating symbolic link '{}': File exists",
                tmp.path().display()
            )
        );
    }

    #[test]
    fn a_bad_nar_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let e = restore(&b"nix-archive-1"[..], &tmp.path().join("x")).unwrap_err();
        assert!(matches!(e, NarError::BadMagic));
    }
}
