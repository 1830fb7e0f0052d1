//! One layer: a deterministic tar of store paths or of a customisation tree, gzip-compressed and
//! hashed in one pass into an anonymous temporary file.
//!
//! The tar is GNU-format (what the `tar` crate writes long names with: a `././@LongLink` entry
//! whose own header is fixed), and every header field is set here, never read from the file
//! system except the permission bits, the size and the link target:
//!
//! - entries in depth-first order, the children of a directory sorted by the bytes of their name;
//! - names relative (`nix/store/<hash>-x/bin/sh`), directories with a trailing `/`;
//! - a store-path layer starts with the directories of the store directory (`nix/`,
//!   `nix/store/`, mode 0555), as Docker's own tools expect a layer's parents first;
//! - modification time [`LAYER_MTIME`] for every entry; uid and gid 0 and empty user and group
//!   names; permission bits kept (0444/0555 in a store, whatever the customisation tree was
//!   given; a caller that makes one from a sandboxed builder gets a fixed umask), symbolic links
//!   0777;
//! - symbolic links stay links; hard links are written as separate regular files, so a layer
//!   does not depend on how a store was deduplicated; other file types are an error.
//!
//! The gzip stream has no file name, modification time 0, the "unknown" OS byte (255) and a fixed
//! level, so it depends only on the tar and on the locked version of the compressor.

use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use cairn_store::{HashAlgo, Hasher};
use flate2::{Compression, GzBuilder};

use crate::{Digest, ImageError, Result, read_error};

/// The modification time of every entry of every layer: 1 (1970-01-01T00:00:01Z), as store
/// paths have. It is not the image's `created` time (nixpkgs uses that), so that changing
/// `created` changes only the configuration and layers stay shared between images.
pub const LAYER_MTIME: u64 = 1;

/// The gzip level: the fastest, as `gzip -1`. Layers are written once and pulled many times,
/// but image assembly is on the path of every build; level 1 keeps it near the speed of
/// hashing and writing the bytes.
const GZIP_LEVEL: u32 = 1;

/// What a layer holds.
#[derive(Debug, Clone)]
pub(crate) enum LayerSource {
    /// Store paths, `(logical, physical)`, all in the store directory `store_dir`.
    StorePaths {
        store_dir: String,
        paths: Vec<(String, PathBuf)>,
    },
    /// A directory whose contents become the image's `/`.
    Tree(PathBuf),
}

/// A written layer: its compressed blob, rewound, and what identifies it.
#[derive(Debug)]
pub(crate) struct BuiltLayer {
    pub(crate) blob: File,
    pub(crate) size: u64,
    pub(crate) digest: Digest,
    pub(crate) diff_id: Digest,
}

/// Writes `source` as a compressed layer into an anonymous temporary file.
pub(crate) fn build_layer(source: &LayerSource) -> Result<BuiltLayer> {
    let file = tempfile::tempfile().map_err(ImageError::Output)?;
    let compressed = HashingWriter::new(BufWriter::with_capacity(1 << 16, file));
    let gzip = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(compressed, Compression::new(GZIP_LEVEL));
    let mut tar = tar::Builder::new(HashingWriter::new(gzip));
    write_layer_tar(&mut tar, source)?;
    let uncompressed = tar.into_inner().map_err(ImageError::Output)?;
    let (gzip, diff_id, _) = uncompressed.finish();
    let compressed = gzip.finish().map_err(ImageError::Output)?;
    let (buffered, digest, size) = compressed.finish();
    let mut blob = buffered
        .into_inner()
        .map_err(|e| ImageError::Output(e.into_error()))?;
    blob.seek(SeekFrom::Start(0)).map_err(ImageError::Output)?;
    Ok(BuiltLayer {
        blob,
        size,
        digest,
        diff_id,
    })
}

/// Writes the tar entries of `source` (not the end-of-archive blocks).
pub(crate) fn write_layer_tar<W: Write>(
    tar: &mut tar::Builder<W>,
    source: &LayerSource,
) -> Result<()> {
    match source {
        LayerSource::StorePaths { store_dir, paths } => {
            let mut name = PathBuf::new();
            for component in store_dir.split('/').filter(|c| !c.is_empty()) {
                name.push(component);
                append_directory(tar, &name, 0o555)?;
            }
            let mut paths: Vec<&(String, PathBuf)> = paths.iter().collect();
            paths.sort_by(|a, b| a.0.cmp(&b.0));
            for (logical, physical) in paths {
                let relative = logical.trim_start_matches('/');
                append_tree(tar, Path::new(relative), physical)?;
            }
        }
        LayerSource::Tree(root) => {
            let meta = fs::metadata(root).map_err(read_error(root))?;
            if !meta.is_dir() {
                return Err(ImageError::Read {
                    path: root.clone(),
                    source: io::Error::new(io::ErrorKind::NotADirectory, "not a directory"),
                });
            }
            for (child_name, child) in sorted_children(root)? {
                append_tree(tar, Path::new(&child_name), &child)?;
            }
        }
    }
    Ok(())
}

/// The entries of directory `dir`, sorted by the bytes of their names.
fn sorted_children(dir: &Path) -> Result<Vec<(std::ffi::OsString, PathBuf)>> {
    let mut children = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error(dir))? {
        let entry = entry.map_err(read_error(dir))?;
        children.push((entry.file_name(), entry.path()));
    }
    children.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    Ok(children)
}

/// Appends `physical` (not following it if it is a symbolic link) as `name`, and everything below
/// it.
fn append_tree<W: Write>(tar: &mut tar::Builder<W>, name: &Path, physical: &Path) -> Result<()> {
    let meta = fs::symlink_metadata(physical).map_err(read_error(physical))?;
    let kind = meta.file_type();
    let mode = meta.permissions().mode() & 0o7777;
    if kind.is_dir() {
        append_directory(tar, name, mode)?;
        for (child_name, child) in sorted_children(physical)? {
            append_tree(tar, &name.join(child_name), &child)?;
        }
    } else if kind.is_symlink() {
        let target = fs::read_link(physical).map_err(read_error(physical))?;
        let mut header = header(tar::EntryType::Symlink, 0o777, 0);
        tar.append_link(&mut header, name, &target)
            .map_err(ImageError::Output)?;
    } else if kind.is_file() {
        let size = meta.size();
        let file = File::open(physical).map_err(read_error(physical))?;
        let mut contents = TrackedRead {
            inner: file.take(size),
            failed: false,
        };
        let mut header = header(tar::EntryType::Regular, mode, size);
        tar.append_data(&mut header, name, &mut contents)
            .map_err(|source| match contents.failed {
                true => ImageError::Read {
                    path: physical.to_owned(),
                    source,
                },
                false => ImageError::Output(source),
            })?;
        if contents.inner.limit() != 0 {
            return Err(ImageError::Changed {
                path: physical.to_owned(),
            });
        }
    } else {
        return Err(ImageError::UnsupportedFileType {
            path: physical.to_owned(),
        });
    }
    Ok(())
}

fn append_directory<W: Write>(tar: &mut tar::Builder<W>, name: &Path, mode: u32) -> Result<()> {
    let mut header = header(tar::EntryType::Directory, mode, 0);
    let mut with_slash = name.as_os_str().to_owned();
    with_slash.push("/");
    tar.append_data(&mut header, with_slash, io::empty())
        .map_err(ImageError::Output)
}

/// A header with every field fixed but the type, mode and size; the path, link name and checksum
/// are set by the `tar` builder.
pub(crate) fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_size(size);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(LAYER_MTIME);
    header
}

/// A reader that remembers whether it failed, to tell read errors from write errors of a copy.
struct TrackedRead<R> {
    inner: R,
    failed: bool,
}

impl<R: Read> Read for TrackedRead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|_| self.failed = true)
    }
}

/// Passes bytes through to `inner`, hashing (sha256) and counting them.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Hasher,
    count: u64,
}

impl<W> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Hasher::new(HashAlgo::Sha256),
            count: 0,
        }
    }

    /// The inner writer, the digest and the number of bytes written.
    pub(crate) fn finish(self) -> (W, Digest, u64) {
        (
            self.inner,
            Digest::from_hash(&self.hasher.finish()),
            self.count,
        )
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
