//! The environment a builder gets, exactly as Nix 2.8 makes it (`initEnv`, `initTmpDir`):
//! the derivation's variables (or, for `passAsFile`, files in the build folder named in
//! `<name>Path`), and Nix's own variables. Nothing of the caller's environment, except the
//! `impureEnvVars` of a fixed-output derivation.

use std::collections::BTreeMap;

use cairn_store::{Derivation, Hash, HashAlgo};

/// The build folder inside the sandbox.
pub const BUILD_TOP: &str = "/build";

/// The environment, and the files to write into the build folder first (`passAsFile`):
/// (file name, contents).
pub struct BuildEnv {
    pub vars: BTreeMap<String, String>,
    pub files: Vec<(String, String)>,
}

pub fn build_env(
    drv: &Derivation,
    store_dir: &str,
    cores: usize,
    host_env: &dyn Fn(&str) -> Option<String>,
) -> BuildEnv {
    let mut vars = BTreeMap::new();
    let mut files = Vec::new();
    vars.insert("PATH".into(), "/path-not-set".into());
    vars.insert("HOME".into(), "/homeless-shelter".into());
    vars.insert("NIX_STORE".into(), store_dir.into());
    vars.insert("NIX_BUILD_CORES".into(), cores.to_string());
    let pass_as_file: Vec<&str> = drv
        .env
        .get("passAsFile")
        .map(|v| v.split_whitespace().collect())
        .unwrap_or_default();
    for (name, value) in &drv.env {
        if pass_as_file.contains(&name.as_str()) {
            let file = format!(
                ".attr-{}",
                Hash::digest(HashAlgo::Sha256, name.as_bytes()).to_nix32()
            );
            vars.insert(format!("{name}Path"), format!("{BUILD_TOP}/{file}"));
            files.push((file, value.clone()));
        } else {
            vars.insert(name.clone(), value.clone());
        }
    }
    for name in ["NIX_BUILD_TOP", "TMPDIR", "TEMPDIR", "TMP", "TEMP", "PWD"] {
        vars.insert(name.into(), BUILD_TOP.into());
    }
    vars.insert("NIX_LOG_FD".into(), "2".into());
    vars.insert("TERM".into(), "xterm-256color".into());
    if drv.is_fixed_output()
        && let Some(names) = drv.env.get("impureEnvVars")
    {
        for name in names.split_whitespace() {
            if let Some(v) = host_env(name) {
                vars.insert(name.to_string(), v);
            }
        }
    }
    BuildEnv { vars, files }
}
