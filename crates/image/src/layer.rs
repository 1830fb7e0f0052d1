//! One layer: a deterministic tar of a [`Tree`] (store paths, a customisation tree, or both),
//! gzip-compressed and hashed in one pass into an anonymous temporary file.
//!
//! The tar is GNU-format (what the `tar` crate writes long names with: a `././@LongLink` entry
//! whose own header is fixed), and every header field is set here, never read from the file
//! system except the permission bits, the size and the link target:
//!
//! - entries in depth-first order, the children of a directory sorted by the bytes of their name;
//! - names relative (`nix/store/<hash>-x/bin/sh`), directories with a trailing `/`;
//! - a store path comes after the directories of the store directory (`nix/`, `nix/store/`,
//!   mode 0555), as Docker's own tools expect a layer's parents first;
//! - modification time [`LAYER_MTIME`] for every entry; uid and gid 0 and empty user and group
//!   names; permission bits as the tree gives them (0444/0555 in a store, 0755 for the folders
//!   of links to the contents, what a build made for a tree copied over them), symbolic links
//!   0777;
//! - symbolic links stay links; hard links are written as separate regular files, so a layer
//!   does not depend on how a store was deduplicated; other file types are an error.
//!
//! The gzip stream has no file name, modification time 0, the "unknown" OS byte (255) and a fixed
//! level, so it depends only on the tar and on the locked version of the compressor.

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use cairn_store::{HashAlgo, Hasher};
use flate2::{Compression, GzBuilder};

use crate::tree::{Node, Tree, sorted_children};
use crate::{Digest, ImageError, Result, read_error};

/// The modification time of every entry of every layer: 1 (1970-01-01T00:00:01Z), as store
/// paths have. It is not the image's `created` time (nixpkgs uses that), so that changing
/// `created` changes only the configuration and layers stay shared between images.
pub const LAYER_MTIME: u64 = 1;

/// The gzip level: the fastest, as `gzip -1`. Layers are written once and pulled many times,
/// but image assembly is on the path of every build; level 1 keeps it near the speed of
/// hashing and writing the bytes.
const GZIP_LEVEL: u32 = 1;

/// A written layer: its compressed blob, rewound, and what identifies it.
#[derive(Debug)]
pub(crate) struct BuiltLayer {
    pub(crate) blob: File,
    pub(crate) size: u64,
    pub(crate) digest: Digest,
    pub(crate) diff_id: Digest,
}

/// Writes `tree` as a compressed layer into an anonymous temporary file.
pub(crate) fn build_layer(tree: &Tree) -> Result<BuiltLayer> {
    let file = tempfile::tempfile().map_err(ImageError::Output)?;
    let compressed = HashingWriter::new(BufWriter::with_capacity(1 << 16, file));
    let gzip = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(compressed, Compression::new(GZIP_LEVEL));
    let mut tar = tar::Builder::new(HashingWriter::new(gzip));
    append_children(&mut tar, Path::new(""), &tree.root)?;
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

/// Appends the nodes of `children` under `prefix`, in the order of their names.
fn append_children<W: Write>(
    tar: &mut tar::Builder<W>,
    prefix: &Path,
    children: &BTreeMap<Vec<u8>, Node>,
) -> Result<()> {
    for (name, node) in children {
        let name = prefix.join(OsStr::from_bytes(name));
        match node {
            Node::Directory { mode, children } => {
                append_directory(tar, &name, *mode)?;
                append_children(tar, &name, children)?;
            }
            Node::Symlink(target) => append_symlink(tar, &name, target)?,
            Node::File { mode, source } => append_regular(tar, &name, source, *mode)?,
            Node::Disk(physical) => append_tree(tar, &name, physical)?,
        }
    }
    Ok(())
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
            append_tree(tar, &name.join(OsStr::from_bytes(&child_name)), &child)?;
        }
    } else if kind.is_symlink() {
        let target = fs::read_link(physical).map_err(read_error(physical))?;
        append_symlink(tar, name, &target)?;
    } else if kind.is_file() {
        append_regular(tar, name, physical, mode)?;
    } else {
        return Err(ImageError::UnsupportedFileType {
            path: physical.to_owned(),
        });
    }
    Ok(())
}

fn append_symlink<W: Write>(tar: &mut tar::Builder<W>, name: &Path, target: &Path) -> Result<()> {
    let mut header = header(tar::EntryType::Symlink, 0o777, 0);
    tar.append_link(&mut header, name, target)
        .map_err(ImageError::Output)
}

/// Appends the regular file at `physical` as `name` with the permission bits `mode`; a file
/// that is not regular, or that changes size while it is read, is an error.
fn append_regular<W: Write>(
    tar: &mut tar::Builder<W>,
    name: &Path,
    physical: &Path,
    mode: u32,
) -> Result<()> {
    let file = File::open(physical).map_err(read_error(physical))?;
    let meta = file.metadata().map_err(read_error(physical))?;
    if !meta.is_file() {
        return Err(ImageError::UnsupportedFileType {
            path: physical.to_owned(),
        });
    }
    let size = meta.size();
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
