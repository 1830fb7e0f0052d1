//! Binary caches as the store's substituter: `cairn build` asks them for the outputs it lacks
//! before it builds anything, and the evaluator for a pinned host tool.
//!
//! The caches are asked in their priority order (`Priority:` of `nix-cache-info`, lower
//! first; the order given among equals). What a cache answered is remembered for the life of
//! the process, absent paths too, so each path costs one question per cache at most; the
//! questions of a batch go out in parallel. A narinfo is used only when it is trusted: signed
//! by one of the trusted keys, or content-addressed so that its store path proves its NAR hash
//! (a pinned host tool, a source). Its NAR is checked as it is unpacked.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use cairn_store::{
    CopyEvent, HashAlgo, IngestionMethod, LocalStore, StoreDir, StoreError, StorePath,
    Substitutable, Substituter,
};

use crate::copy::{QUERY_JOBS, closure_to_fetch, import, parallel_map};
use crate::{BinaryCache, CacheError, NarInfo, PublicKey};

/// The substituters of a store: binary caches, and the keys trusted to sign what they give.
#[derive(Debug)]
pub struct Substituters {
    dir: StoreDir,
    caches: Vec<BinaryCache>,
    trusted: Vec<PublicKey>,
    check_sigs: bool,
    /// What was found for each path asked: the cache (its index) and narinfo, or why none.
    known: Mutex<HashMap<StorePath, Answer>>,
}

/// What the caches said of a path: the first cache with a trusted narinfo (its index among
/// `caches`) and that narinfo, or why none would do.
type Answer = Result<(usize, NarInfo), String>;

impl Substituters {
    /// The caches at `urls` for paths of `dir`, trusting `trusted` (or anything, without
    /// `check_sigs`). A cache that cannot be opened (unreachable, another store directory) is
    /// left out, and `warn` is told why: a build goes on without it.
    pub fn open(
        urls: &[String],
        dir: &StoreDir,
        trusted: Vec<PublicKey>,
        check_sigs: bool,
        warn: &dyn Fn(String),
    ) -> Substituters {
        let opened = parallel_map(urls, QUERY_JOBS, |url| {
            let cache = BinaryCache::open(url, dir)?;
            let priority = cache.cache_info()?.and_then(|i| i.priority).unwrap_or(50);
            Ok::<_, CacheError>((priority, cache))
        });
        let mut caches = Vec::new();
        for (url, opened) in urls.iter().zip(opened) {
            match opened {
                Ok(c) => caches.push(c),
                Err(e) => warn(format!("ignoring the binary cache `{url}`: {e}")),
            }
        }
        // Stable: equal priorities keep the order given.
        caches.sort_by_key(|(priority, _)| *priority);
        Substituters {
            dir: dir.clone(),
            caches: caches.into_iter().map(|(_, c)| c).collect(),
            trusted,
            check_sigs,
            known: Mutex::new(HashMap::new()),
        }
    }

    /// Whether there is any cache to ask.
    pub fn is_empty(&self) -> bool {
        self.caches.is_empty()
    }

    /// Asks the caches about the paths not asked about yet, in parallel.
    fn look_up(&self, paths: &[StorePath]) {
        let unknown: Vec<StorePath> = {
            let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
            let mut unknown: Vec<StorePath> = paths
                .iter()
                .filter(|p| !known.contains_key(*p))
                .cloned()
                .collect();
            unknown.sort();
            unknown.dedup();
            unknown
        };
        let found = parallel_map(&unknown, QUERY_JOBS, |p| self.ask(p));
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        for (p, f) in unknown.into_iter().zip(found) {
            known.insert(p, f);
        }
    }

    /// The first cache with a trusted narinfo for `path`, or why there is none.
    fn ask(&self, path: &StorePath) -> Answer {
        let mut refused = Vec::new();
        for (i, cache) in self.caches.iter().enumerate() {
            match cache.narinfo(path) {
                Ok(Some(info)) => match self.trust(&info) {
                    Ok(()) => return Ok((i, info)),
                    Err(e) => refused.push(format!("`{}` has it, but {e}", cache.url())),
                },
                Ok(None) => {}
                Err(e) => refused.push(e.to_string()),
            }
        }
        if self.caches.is_empty() {
            Err("no binary cache could be opened (see the warnings above)".to_string())
        } else if refused.is_empty() {
            Err(format!(
                "no binary cache has it (asked: {})",
                self.describe()
            ))
        } else {
            Err(refused.join("; "))
        }
    }

    /// Whether `info` may be used: signed by a trusted key, or proving itself.
    fn trust(&self, info: &NarInfo) -> Result<(), String> {
        if !self.check_sigs || self.proves_itself(info) {
            return Ok(());
        }
        if self.trusted.is_empty() {
            return Err(format!(
                "no public key is trusted, so its signature cannot be checked (hint: pass \
                 `--trusted-public-keys`); it is {}",
                match info.sigs.iter().next() {
                    Some(sig) => format!("signed by `{}`", sig.split(':').next().unwrap_or("")),
                    None => "not signed".to_string(),
                }
            ));
        }
        info.check_signatures(&self.dir, &self.trusted)
            .map_err(|e| e.to_string())
    }

    /// Whether the store path of `info` is the content-addressed path of its NAR hash (a
    /// tree hashed recursively with SHA-256, as host tools and sources are): then the NAR
    /// checked on import is the one the path names, whoever signed it.
    fn proves_itself(&self, info: &NarInfo) -> bool {
        if info.nar_hash.algo() != HashAlgo::Sha256 {
            return false;
        }
        let self_reference = info.references.contains(&info.path);
        let mut refs = info.references.clone();
        refs.remove(&info.path);
        self.dir
            .make_fixed_output_path(
                IngestionMethod::Recursive,
                &info.nar_hash,
                info.path.name(),
                &refs,
                self_reference,
            )
            .is_ok_and(|p| p == info.path)
    }
}

impl Substituter for Substituters {
    fn query(&self, paths: &[StorePath]) -> BTreeMap<StorePath, Result<Substitutable, String>> {
        self.look_up(paths);
        let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        paths
            .iter()
            .map(|p| {
                let answer = match &known[p] {
                    Ok((i, info)) => Ok(Substitutable {
                        source: self.caches[*i].url().to_string(),
                        nar_size: info.nar_size,
                        download_size: info.file_size,
                        references: info.references.clone(),
                    }),
                    Err(why) => Err(why.clone()),
                };
                (p.clone(), answer)
            })
            .collect()
    }

    fn fetch(
        &self,
        store: &LocalStore,
        paths: &[StorePath],
        events: &(dyn Fn(CopyEvent<'_>) + Sync),
    ) -> Result<(), StoreError> {
        let fail = |e: CacheError| StoreError::Other(e.to_string());
        let (wanted, _) = closure_to_fetch(
            store,
            paths,
            |(_, info): &(usize, NarInfo)| info,
            |batch| {
                self.look_up(batch);
                let known = self.known.lock().unwrap_or_else(|e| e.into_inner());
                batch
                    .iter()
                    .map(|p| {
                        known[p].clone().map_err(|why| CacheError::Unavailable {
                            path: self.dir.print(p),
                            why,
                        })
                    })
                    .collect()
            },
        )
        .map_err(fail)?;
        let wanted: BTreeMap<StorePath, (&BinaryCache, NarInfo)> = wanted
            .into_iter()
            .map(|(p, (i, info))| (p, (&self.caches[i], info)))
            .collect();
        import(store, &wanted, events).map_err(fail)?;
        Ok(())
    }

    fn describe(&self) -> String {
        if self.caches.is_empty() {
            return "no binary cache".to_string();
        }
        let urls: Vec<String> = self
            .caches
            .iter()
            .map(|c| format!("`{}`", c.url()))
            .collect();
        urls.join(", ")
    }
}

#[cfg(test)]
mod tests;
