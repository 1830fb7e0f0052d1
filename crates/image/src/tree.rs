//! What one layer holds: [`Tree`], a directory tree put at the image's `/`, made of store paths
//! (written as they are on disk), folders, symbolic links and files with the modes given here.
//!
//! A tree is assembled in memory and read from disk only when its layer is written, so that the
//! customisation layer needs no temporary folder: the `contents` of an image become links
//! ([`Tree::link_contents`], as nixpkgs' `symlinkJoin`), and a tree made by a build is copied
//! over them with the modes it had before the store made them read-only ([`Tree::overlay`]).
//! Children are kept sorted by the bytes of their names, the order the layer's tar is written in.
//!
//! This module does not write tars (module `layer` walks the tree) and does not serialise trees
//! (module `description` does).

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::{ImageError, Result, read_error, split_store_path};

/// The mode of a folder made to hold links to the contents, and of a folder that a tree entry
/// needs and no entry gives.
const FOLDER_MODE: u32 = 0o755;

/// The mode of the folders of the store directory (`nix/`, `nix/store/`), as a store has them.
const STORE_FOLDER_MODE: u32 = 0o555;

/// A directory tree to put at `/` of an image, in one layer. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    pub(crate) root: BTreeMap<Vec<u8>, Node>,
    store_paths: Vec<String>,
}

/// One entry of a [`Tree`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// A folder with its permission bits and children.
    Directory {
        mode: u32,
        children: BTreeMap<Vec<u8>, Node>,
    },
    /// A symbolic link and its target.
    Symlink(PathBuf),
    /// A regular file whose bytes are read from `source`, with the permission bits `mode`.
    File { mode: u32, source: PathBuf },
    /// A file, folder or symbolic link on disk, written as it is there (modes and all) with
    /// everything below it: a store path, or a child of a folder given as a whole.
    Disk(PathBuf),
}

impl Tree {
    /// An empty tree.
    pub fn new() -> Tree {
        Tree::default()
    }

    /// The tree of the folder `dir`: its children, read as they are on disk when the layer is
    /// written.
    pub fn from_dir(dir: &Path) -> Result<Tree> {
        let meta = fs::metadata(dir).map_err(read_error(dir))?;
        if !meta.is_dir() {
            return Err(ImageError::Read {
                path: dir.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            });
        }
        let mut tree = Tree::new();
        for (name, child) in sorted_children(dir)? {
            tree.root.insert(name, Node::Disk(child));
        }
        Ok(tree)
    }

    /// Whether the tree has no entry.
    pub fn is_empty(&self) -> bool {
        self.root.is_empty()
    }

    /// The logical store paths added with [`Tree::add_store_path`], in the order they were
    /// added.
    pub fn store_paths(&self) -> &[String] {
        &self.store_paths
    }

    /// Adds the store path `logical` (such as `/nix/store/<hash>-x`), whose files are at
    /// `physical`, at its own place: the folders of the store directory are made (mode 0555) and
    /// the path is written as it is on disk.
    pub fn add_store_path(&mut self, logical: &str, physical: &Path) -> Result<()> {
        let (dir, base) = split_store_path(logical)?;
        let mut children = &mut self.root;
        for component in dir.split('/').filter(|c| !c.is_empty()) {
            let node = children
                .entry(component.as_bytes().to_vec())
                .or_insert_with(|| Node::Directory {
                    mode: STORE_FOLDER_MODE,
                    children: BTreeMap::new(),
                });
            match node {
                Node::Directory { children: c, .. } => children = c,
                _ => return Err(ImageError::BadStorePath(logical.to_owned())),
            }
        }
        if children.contains_key(base.as_bytes()) {
            return Err(ImageError::InTwoLayers(logical.to_owned()));
        }
        children.insert(base.as_bytes().to_vec(), Node::Disk(physical.to_owned()));
        self.store_paths.push(logical.to_owned());
        Ok(())
    }

    /// Merges the folder of a store path into the tree as nixpkgs' `symlinkJoin` does: folders
    /// are made (mode 0755), and everything else becomes a symbolic link to its logical path
    /// (`logical` is the store path's name, `physical` where its files are). What is already in
    /// the tree stays, so the first of several contents wins. A store path that is not a folder
    /// adds nothing.
    pub fn link_contents(&mut self, logical: &str, physical: &Path) -> Result<()> {
        let meta = fs::symlink_metadata(physical).map_err(read_error(physical))?;
        if meta.is_dir() {
            link_children(&mut self.root, Path::new(logical), physical)?;
        }
        Ok(())
    }

    /// Copies the folder `physical` over the tree: its folders are merged with those already
    /// there, and its files and symbolic links replace what is there. Files are read from
    /// `logical` joined with their path when the layer is written (so `logical` names where the
    /// folder will be found then: a store path, or `physical` itself). The permission bits of an
    /// entry are `modes(path)` (its path relative to the folder, such as `tmp` or `etc/motd`)
    /// when that gives them, and the entry's own otherwise.
    pub fn overlay(
        &mut self,
        logical: &Path,
        physical: &Path,
        modes: &dyn Fn(&Path) -> Option<u32>,
    ) -> Result<()> {
        let meta = fs::metadata(physical).map_err(read_error(physical))?;
        if !meta.is_dir() {
            return Err(ImageError::Read {
                path: physical.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotADirectory, "not a directory"),
            });
        }
        overlay_children(&mut self.root, logical, physical, Path::new(""), modes)
    }

    /// Every entry but those of [`Node::Disk`] nodes, depth first, parents before their
    /// children: its path relative to `/` and the node (a folder without its children).
    pub(crate) fn entries(&self) -> Vec<(PathBuf, &Node)> {
        fn walk<'a>(
            children: &'a BTreeMap<Vec<u8>, Node>,
            prefix: &Path,
            out: &mut Vec<(PathBuf, &'a Node)>,
        ) {
            for (name, node) in children {
                let path = prefix.join(OsStr::from_bytes(name));
                out.push((path.clone(), node));
                if let Node::Directory { children, .. } = node {
                    walk(children, &path, out);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.root, Path::new(""), &mut out);
        out
    }

    /// Puts `node` at `path` (relative, without `.` or `..`): a folder is merged with a folder
    /// already there (taking the new mode), anything else replaces what is there. Missing
    /// parents are made (mode 0755); a parent that is not a folder is an error.
    pub(crate) fn insert(&mut self, path: &Path, node: Node) -> Result<()> {
        let mut names: Vec<&[u8]> = path
            .components()
            .map(|c| c.as_os_str().as_bytes())
            .collect();
        let Some(last) = names.pop() else {
            return Err(ImageError::Description(
                "a tree entry has an empty path".to_owned(),
            ));
        };
        let mut children = &mut self.root;
        for (i, name) in names.iter().enumerate() {
            let parent = children
                .entry(name.to_vec())
                .or_insert_with(|| Node::Directory {
                    mode: FOLDER_MODE,
                    children: BTreeMap::new(),
                });
            match parent {
                Node::Directory { children: c, .. } => children = c,
                _ => {
                    let parent: PathBuf =
                        names[..=i].iter().map(|n| OsStr::from_bytes(n)).collect();
                    return Err(ImageError::Description(format!(
                        "`{}` is put in `{}`, which is not a folder",
                        path.display(),
                        parent.display()
                    )));
                }
            }
        }
        match (children.get_mut(last), node) {
            (Some(Node::Directory { mode, .. }), Node::Directory { mode: new, .. }) => {
                *mode = new;
            }
            (_, node) => {
                children.insert(last.to_vec(), node);
            }
        }
        Ok(())
    }
}

/// The entries of folder `dir` with their names' bytes, sorted by them.
pub(crate) fn sorted_children(dir: &Path) -> Result<Vec<(Vec<u8>, PathBuf)>> {
    let mut children = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_error(dir))? {
        let entry = entry.map_err(read_error(dir))?;
        children.push((entry.file_name().as_bytes().to_vec(), entry.path()));
    }
    children.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(children)
}

fn link_children(
    into: &mut BTreeMap<Vec<u8>, Node>,
    logical: &Path,
    physical: &Path,
) -> Result<()> {
    for (name, child) in sorted_children(physical)? {
        let child_logical = logical.join(OsStr::from_bytes(&name));
        let is_dir = fs::symlink_metadata(&child)
            .map_err(read_error(&child))?
            .is_dir();
        match into.get_mut(&name) {
            None if is_dir => {
                let mut children = BTreeMap::new();
                link_children(&mut children, &child_logical, &child)?;
                into.insert(
                    name,
                    Node::Directory {
                        mode: FOLDER_MODE,
                        children,
                    },
                );
            }
            None => {
                into.insert(name, Node::Symlink(child_logical));
            }
            Some(Node::Directory { children, .. }) if is_dir => {
                link_children(children, &child_logical, &child)?;
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn overlay_children(
    into: &mut BTreeMap<Vec<u8>, Node>,
    logical: &Path,
    physical: &Path,
    relative: &Path,
    modes: &dyn Fn(&Path) -> Option<u32>,
) -> Result<()> {
    for (name, child) in sorted_children(physical)? {
        let name_os = OsStr::from_bytes(&name);
        let child_relative = relative.join(name_os);
        let meta = fs::symlink_metadata(&child).map_err(read_error(&child))?;
        let mode = modes(&child_relative).unwrap_or(meta.permissions().mode()) & 0o7777;
        let kind = meta.file_type();
        if kind.is_dir() {
            let mut children = match into.remove(&name) {
                Some(Node::Directory { children, .. }) => children,
                _ => BTreeMap::new(),
            };
            let child_logical = logical.join(name_os);
            overlay_children(
                &mut children,
                &child_logical,
                &child,
                &child_relative,
                modes,
            )?;
            into.insert(name, Node::Directory { mode, children });
        } else if kind.is_symlink() {
            let target = fs::read_link(&child).map_err(read_error(&child))?;
            into.insert(name, Node::Symlink(target));
        } else if kind.is_file() {
            let source = logical.join(name_os);
            into.insert(name, Node::File { mode, source });
        } else {
            return Err(ImageError::UnsupportedFileType { path: child });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn names(tree: &Tree) -> Vec<String> {
        tree.entries()
            .into_iter()
            .map(|(p, n)| {
                let kind = match n {
                    Node::Directory { mode, .. } => format!("dir {mode:o}"),
                    Node::Symlink(t) => format!("-> {}", t.display()),
                    Node::File { mode, source } => format!("file {mode:o} {}", source.display()),
                    Node::Disk(p) => format!("disk {}", p.display()),
                };
                format!("{} {kind}", p.display())
            })
            .collect()
    }

    #[test]
    fn contents_are_linked_first_one_wins_and_the_overlay_is_copied_over_them() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a");
        fs::create_dir_all(a.join("bin")).unwrap();
        fs::write(a.join("bin/sh"), "a").unwrap();
        fs::write(a.join("motd"), "a").unwrap();
        let b = tmp.path().join("b");
        fs::create_dir_all(b.join("bin")).unwrap();
        fs::write(b.join("bin/sh"), "b").unwrap();
        fs::write(b.join("bin/ls"), "b").unwrap();
        let extra = tmp.path().join("extra");
        fs::create_dir_all(extra.join("tmp")).unwrap();
        fs::create_dir_all(extra.join("bin")).unwrap();
        fs::write(extra.join("motd"), "extra").unwrap();
        symlink("sh", extra.join("bin/ls")).unwrap();

        let mut tree = Tree::new();
        tree.link_contents("/nix/store/a", &a).unwrap();
        tree.link_contents("/nix/store/b", &b).unwrap();
        let modes = |p: &Path| (p == Path::new("tmp")).then_some(0o1777);
        tree.overlay(Path::new("/nix/store/e"), &extra, &modes)
            .unwrap();
        let bin_mode = fs::metadata(extra.join("bin"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777;
        let motd_mode = fs::metadata(extra.join("motd"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777;
        assert_eq!(
            names(&tree),
            [
                format!("bin dir {bin_mode:o}"),
                "bin/ls -> sh".to_owned(),
                "bin/sh -> /nix/store/a/bin/sh".to_owned(),
                format!("motd file {motd_mode:o} /nix/store/e/motd"),
                "tmp dir 1777".to_owned(),
            ]
        );
    }

    #[test]
    fn store_paths_get_the_store_folders_and_insert_merges_folders() {
        let mut tree = Tree::new();
        tree.add_store_path("/nix/store/h-x", Path::new("/phys/h-x"))
            .unwrap();
        assert!(matches!(
            tree.add_store_path("/nix/store/h-x", Path::new("/phys/h-x")),
            Err(ImageError::InTwoLayers(_))
        ));
        tree.insert(
            Path::new("nix"),
            Node::Directory {
                mode: 0o700,
                children: BTreeMap::new(),
            },
        )
        .unwrap();
        tree.insert(Path::new("etc/a/b"), Node::Symlink("/x".into()))
            .unwrap();
        assert!(matches!(
            tree.insert(Path::new("etc/a/b/c"), Node::Symlink("/x".into())),
            Err(ImageError::Description(_))
        ));
        assert_eq!(
            names(&tree),
            [
                "etc dir 755",
                "etc/a dir 755",
                "etc/a/b -> /x",
                "nix dir 700",
                "nix/store dir 555",
                "nix/store/h-x disk /phys/h-x",
            ]
        );
        assert_eq!(tree.store_paths(), ["/nix/store/h-x"]);
    }
}
