//! The standard library bundled into the binary, written out once per version to
//! `$XDG_CACHE_HOME/cairn/stdlib/<hash>` (a folder named by the hash of its contents, so
//! versions never mix), where `<cairn>` finds it.

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use cairn_store::{Hash, HashAlgo};

include!(concat!(env!("OUT_DIR"), "/stdlib.rs"));

/// The folder holding the standard library, written there first if needed.
pub(crate) fn dir() -> anyhow::Result<PathBuf> {
    let mut all = Vec::new();
    for (path, bytes, exec) in FILES {
        all.extend_from_slice(path.as_bytes());
        all.push(0);
        all.push(u8::from(*exec));
        all.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
        all.extend_from_slice(bytes);
    }
    let hash = Hash::digest(HashAlgo::Sha256, &all).to_nix32();
    let base = cache_home().join("cairn/stdlib");
    let dest = base.join(&hash[..32]);
    if dest.is_dir() {
        return Ok(dest);
    }
    std::fs::create_dir_all(&base)?;
    let temp = tempfile::Builder::new().prefix(".tmp-").tempdir_in(&base)?;
    for (path, bytes, exec) in FILES {
        let file = temp.path().join(path);
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, bytes)?;
        let mode = if *exec { 0o555 } else { 0o444 };
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode))?;
    }
    let temp = temp.keep();
    if let Err(e) = std::fs::rename(&temp, &dest) {
        // Another process wrote it first.
        let _ = std::fs::remove_dir_all(&temp);
        if !dest.is_dir() {
            return Err(e.into());
        }
    }
    Ok(dest)
}

/// `$XDG_CACHE_HOME`, or `~/.cache`.
pub(crate) fn cache_home() -> PathBuf {
    match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join(".cache"),
    }
}
