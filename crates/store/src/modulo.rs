//! `hashDerivationModulo`: the hash from which the output paths of a derivation are computed.
//!
//! It is the sha256 of the derivation's ATerm text with every input derivation replaced by
//! that input's own hash modulo, so that two derivations differing only in how a fixed-output
//! input was fetched get the same outputs. A fixed-output derivation's hash is that of
//! `fixed:out:<r:>algo:<hex>:<path>`, not of its text. The hashes of the inputs come from the
//! caller, which memoises them per `.drv` path; this module neither reads nor stores
//! derivations.

use std::collections::{BTreeMap, BTreeSet};

use crate::derivation::{Derivation, Output};
use crate::hash::{Hash, HashAlgo};
use crate::store_path::{StoreDir, StorePath};

/// The hashes modulo of a derivation, one per output (equal for all outputs unless the
/// derivation is fixed-output).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DrvHash {
    pub outputs: BTreeMap<String, Hash>,
    /// Whether some output's path cannot be known before a build (content-addressed or impure
    /// derivations, and those depending on them).
    pub deferred: bool,
}

/// Why a hash modulo could not be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModuloError {
    /// The hash of an input derivation is not known (it is neither made in this evaluation
    /// nor readable from the store).
    #[error("path '{0}' is not valid")]
    UnknownInput(String),
    #[error("derivation '{drv}' has no output '{output}'")]
    MissingOutput { drv: String, output: String },
    #[error("{0}")]
    Other(String),
}

/// The hash modulo of `drv`; `mask_outputs` empties its output paths first (as when the
/// outputs are being computed). `input_hash` gives the hash modulo of each input derivation.
pub fn hash_derivation_modulo(
    store: &StoreDir,
    drv: &Derivation,
    mask_outputs: bool,
    input_hash: &mut dyn FnMut(&StorePath) -> Result<DrvHash, ModuloError>,
) -> Result<DrvHash, ModuloError> {
    if drv.is_fixed_output() {
        let mut outputs = BTreeMap::new();
        for (name, out) in &drv.outputs {
            let Output::Fixed { method, hash, path } = out else {
                unreachable!("every output of a fixed-output derivation is fixed")
            };
            let text = format!(
                "fixed:out:{}{}:{}:{}",
                method.prefix(),
                hash.algo(),
                hash.to_base16(),
                store.print(path)
            );
            outputs.insert(name.clone(), Hash::digest(HashAlgo::Sha256, text));
        }
        return Ok(DrvHash {
            outputs,
            deferred: false,
        });
    }
    if drv
        .outputs
        .values()
        .any(|o| matches!(o, Output::Impure { .. }))
    {
        let impure = Hash::digest(HashAlgo::Sha256, "impure");
        return Ok(DrvHash {
            outputs: drv.outputs.keys().map(|k| (k.clone(), impure)).collect(),
            deferred: true,
        });
    }
    let mut deferred = drv
        .outputs
        .values()
        .any(|o| matches!(o, Output::Floating { .. }));
    let mut inputs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, wanted) in &drv.input_drvs {
        let res = input_hash(path)?;
        deferred |= res.deferred;
        for output in wanted {
            let h = res
                .outputs
                .get(output)
                .ok_or_else(|| ModuloError::MissingOutput {
                    drv: store.print(path),
                    output: output.clone(),
                })?;
            inputs
                .entry(h.to_base16())
                .or_default()
                .insert(output.clone());
        }
    }
    let text = drv.write_aterm(store, mask_outputs, Some(&inputs));
    let hash = Hash::digest(HashAlgo::Sha256, text);
    Ok(DrvHash {
        outputs: drv.outputs.keys().map(|k| (k.clone(), hash)).collect(),
        deferred,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    /// `.drv` files written by Nix 2.8 for `test_data/README.md`'s expression.
    const FILES: &[(&str, &str)] = &[
        (
            "9lfyfs4fq8i78kbym01kcacnxxpyppdl-src.tar.gz.drv",
            include_str!("../test_data/src.tar.gz.drv"),
        ),
        (
            "mngb076rcrhyvnk6lwfkppkvyp8x2hyg-vendor.drv",
            include_str!("../test_data/vendor.drv"),
        ),
        (
            "j9k5fm0flas65ii29zn4wsp7y272yqky-lib.drv",
            include_str!("../test_data/lib.drv"),
        ),
        (
            "qgmwgvxgz7wz1din4m6vlwbcbmiqp1m6-app.drv",
            include_str!("../test_data/app.drv"),
        ),
    ];

    #[test]
    fn recomputes_nixs_paths() {
        let store = StoreDir::default();
        let mut memo: HashMap<StorePath, DrvHash> = HashMap::new();
        for (base, text) in FILES {
            let path = StorePath::from_base_name(base).unwrap();
            let drv = Derivation::from_aterm(&store, path.name(), text).unwrap();
            assert_eq!(drv.to_aterm(&store), *text);

            // The output paths follow from the hash modulo of the masked text.
            let mut lookup = |p: &StorePath| {
                memo.get(p)
                    .cloned()
                    .ok_or_else(|| ModuloError::UnknownInput(store.print(p)))
            };
            let masked = hash_derivation_modulo(&store, &drv, true, &mut lookup).unwrap();
            for (name, out) in &drv.outputs {
                let expected = out.path().unwrap();
                let computed = match out {
                    Output::Fixed { method, hash, .. } => store
                        .make_fixed_output_path(*method, hash, &drv.name, &BTreeSet::new(), false)
                        .unwrap(),
                    _ => store
                        .make_output_path(name, &masked.outputs[name], &drv.name)
                        .unwrap(),
                };
                assert_eq!(&computed, expected, "{base} {name}");
            }

            // The `.drv` path is the text path of the unmasked text.
            let drv_path = store
                .text_path_for(path.name(), text, &drv.references())
                .unwrap();
            assert_eq!(drv_path, path);

            let unmasked = hash_derivation_modulo(&store, &drv, false, &mut lookup).unwrap();
            memo.insert(path, unmasked);
        }
    }

    #[test]
    fn unknown_inputs_are_errors() {
        let store = StoreDir::default();
        let (_, text) = FILES[2];
        let drv = Derivation::from_aterm(&store, "lib.drv", text).unwrap();
        let err = hash_derivation_modulo(&store, &drv, true, &mut |p| {
            Err(ModuloError::UnknownInput(store.print(p)))
        })
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "path '/nix/store/9lfyfs4fq8i78kbym01kcacnxxpyppdl-src.tar.gz.drv' is not valid"
        );
    }
}
