//! The derivations an evaluation has instantiated, and how a new one gets its paths.
//!
//! `Registry::instantiate` does what Nix 2.8's `derivationStrict` does after evaluating the
//! attributes: it resolves the string contexts into input derivations and sources, parses the
//! declared hash of a fixed-output derivation, computes the output paths from
//! `hashDerivationModulo`, writes the ATerm text and computes the `.drv` path from it. Nothing
//! is written to a store: of every derivation its hash modulo, output names and references stay
//! in memory, because the derivations that depend on it need them (the whole derivation only
//! when `Registry::keep` says so). A `.drv` that this
//! evaluation did not make is read from the store directory on disk when it is needed.

use std::collections::{BTreeMap, BTreeSet};

use rustc_hash::FxHashMap as HashMap;

use cairn_eval::{Context, DerivationPaths, DerivationRequest};
use cairn_store::{
    Derivation, DrvHash, Hash, HashAlgo, IngestionMethod, ModuloError, Output, StoreDir, StorePath,
    hash_derivation_modulo,
};

/// A derivation this evaluation knows.
#[derive(Debug)]
pub(crate) struct Known {
    /// The whole derivation, kept only when asked (`Registry::keep`), to write its text later;
    /// thousands of derivations would otherwise hold every environment in memory.
    pub(crate) drv: Option<Derivation>,
    /// Its output names, for a `=drv` context.
    pub(crate) outputs: Box<[String]>,
    /// The input derivations and sources, for closures.
    pub(crate) references: Box<[StorePath]>,
    /// Its `hashDerivationModulo` (unmasked), for the derivations that depend on it.
    pub(crate) hash: DrvHash,
}

impl Known {
    fn new(drv: Derivation, hash: DrvHash, keep: bool) -> Known {
        Known {
            outputs: drv.outputs.keys().cloned().collect(),
            references: drv.references().into_iter().collect(),
            drv: keep.then_some(drv),
            hash,
        }
    }
}

/// Every derivation instantiated (or read) so far, by `.drv` path.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    pub(crate) known: HashMap<StorePath, Known>,
    /// Keep whole derivations, for `texts`.
    pub(crate) keep: bool,
    /// Where the store directory's files are, when not at the logical directory itself.
    pub(crate) physical_root: Option<std::path::PathBuf>,
}

impl Registry {
    /// Computes the paths of a derivation and records it. `warn` shows a warning; `write`
    /// is given the complete derivation (to write it to a store).
    pub(crate) fn instantiate(
        &mut self,
        store: &StoreDir,
        req: DerivationRequest,
        warn: &dyn Fn(&str),
        write: &dyn Fn(&Derivation) -> Result<(), String>,
    ) -> Result<DerivationPaths, String> {
        let mut drv = Derivation {
            name: req.name,
            system: req.system,
            builder: req.builder,
            args: req.args,
            env: req.env,
            ..Derivation::default()
        };
        self.add_inputs(store, &mut drv, &req.context)?;

        if let Some(fixed) = &req.fixed_output {
            let algo = HashAlgo::parse(&fixed.algo);
            let (hash, empty) =
                Hash::parse_allow_empty(&fixed.hash, algo).map_err(|e| e.to_string())?;
            if empty {
                warn(&format!(
                    "warning: found empty hash, assuming '{}'",
                    hash.to_sri()
                ));
            }
            let method = if fixed.recursive {
                IngestionMethod::Recursive
            } else {
                IngestionMethod::Flat
            };
            let path = store
                .make_fixed_output_path(method, &hash, &drv.name, &BTreeSet::new(), false)
                .map_err(|e| e.to_string())?;
            drv.env.insert("out".into(), store.print(&path));
            drv.outputs
                .insert("out".into(), Output::Fixed { method, hash, path });
        } else {
            for output in &req.outputs {
                drv.env.insert(output.clone(), String::new());
                drv.outputs.insert(output.clone(), Output::Deferred);
            }
            let masked = self.hash_modulo(store, &drv, true)?;
            for output in &req.outputs {
                let path = store
                    .make_output_path(output, &masked.outputs[output], &drv.name)
                    .map_err(|e| e.to_string())?;
                drv.env.insert(output.clone(), store.print(&path));
                drv.outputs
                    .insert(output.clone(), Output::InputAddressed(path));
            }
        }

        let aterm = drv.to_aterm(store);
        let drv_path = store
            .text_path_for(&format!("{}.drv", drv.name), &aterm, &drv.references())
            .map_err(|e| e.to_string())?;
        let hash = self.hash_modulo(store, &drv, false)?;
        let paths = DerivationPaths {
            drv_path: store.print(&drv_path),
            outputs: drv
                .outputs
                .iter()
                .filter_map(|(name, out)| Some((name.clone(), store.print(out.path()?))))
                .collect(),
        };
        drop(aterm);
        write(&drv)?;
        let keep = self.keep;
        self.known.insert(drv_path, Known::new(drv, hash, keep));
        Ok(paths)
    }

    /// Turns the string contexts into input derivations and sources.
    fn add_inputs(
        &mut self,
        store: &StoreDir,
        drv: &mut Derivation,
        context: &Context,
    ) -> Result<(), String> {
        let parse = |p: &str| store.parse(p).map_err(|e| e.to_string());
        for c in context {
            if let Some(path) = c.strip_prefix('=') {
                // The derivation itself is passed to the builder, which can then reach every
                // path of its closure: all of them become inputs, with all their outputs.
                for p in self.closure(store, &parse(path)?)? {
                    if p.is_derivation() {
                        let outputs = self.get(store, &p)?.outputs.iter().cloned().collect();
                        drv.input_drvs.insert(p.clone(), outputs);
                    }
                    drv.input_srcs.insert(p);
                }
            } else if let Some(rest) = c.strip_prefix('!') {
                let Some((output, path)) = rest.split_once('!') else {
                    return Err(format!("invalid string context '{c}'"));
                };
                drv.input_drvs
                    .entry(parse(path)?)
                    .or_default()
                    .insert(output.to_string());
            } else {
                drv.input_srcs.insert(parse(c)?);
            }
        }
        Ok(())
    }

    /// The store paths `path` refers to, directly or not, itself included. Only derivations
    /// have known references; sources this evaluation added refer to nothing.
    fn closure(
        &mut self,
        store: &StoreDir,
        path: &StorePath,
    ) -> Result<BTreeSet<StorePath>, String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![path.clone()];
        while let Some(p) = todo.pop() {
            if !seen.insert(p.clone()) {
                continue;
            }
            if p.is_derivation() {
                todo.extend(self.get(store, &p)?.references.iter().cloned());
            }
        }
        Ok(seen)
    }

    fn hash_modulo(
        &mut self,
        store: &StoreDir,
        drv: &Derivation,
        mask_outputs: bool,
    ) -> Result<DrvHash, String> {
        hash_derivation_modulo(store, drv, mask_outputs, &mut |p| {
            self.get(store, p)
                .map(|k| k.hash.clone())
                .map_err(ModuloError::Other)
        })
        .map_err(|e| e.to_string())
    }

    /// A derivation by path: one made in this evaluation, or else read from the store
    /// directory.
    fn get(&mut self, store: &StoreDir, path: &StorePath) -> Result<&Known, String> {
        if !self.known.contains_key(path) {
            let file = store.print(path);
            let on_disk = match &self.physical_root {
                Some(root) => root.join(file.trim_start_matches('/')),
                None => std::path::PathBuf::from(&file),
            };
            let aterm = std::fs::read_to_string(&on_disk)
                .map_err(|_| format!("path '{file}' is not valid"))?;
            let drv = Derivation::from_aterm(store, path.name(), &aterm)
                .map_err(|e| format!("cannot read '{file}': {e}"))?;
            let hash = self.hash_modulo(store, &drv, false)?;
            let keep = self.keep;
            self.known.insert(path.clone(), Known::new(drv, hash, keep));
        }
        Ok(&self.known[path])
    }

    /// The `.drv` texts, by path, of the derivations kept.
    pub(crate) fn texts(&self, store: &StoreDir) -> BTreeMap<String, String> {
        self.known
            .iter()
            .filter_map(|(p, k)| Some((store.print(p), k.drv.as_ref()?.to_aterm(store))))
            .collect()
    }
}
