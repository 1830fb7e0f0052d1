//! Substitution: making store paths valid by fetching them instead of building them.
//!
//! The store knows only the interface; binary caches implement it (`cairn-cache`). A store
//! can carry one `Substituter` (`LocalStore::set_substituter`), which everything that needs a
//! path it lacks asks first: the builder for the outputs of derivations, the evaluator for a
//! pinned host tool.

use std::collections::BTreeMap;

use crate::{LocalStore, StoreError, StorePath};

/// What a substituter knows of a path it can fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Substitutable {
    /// Where it comes from (a cache's URL).
    pub source: String,
    /// The size of its NAR, uncompressed.
    pub nar_size: u64,
    /// The bytes to download, when known.
    pub download_size: Option<u64>,
    /// The paths it refers to, which come with it.
    pub references: std::collections::BTreeSet<StorePath>,
}

/// Something that happens while paths are copied (fetched from a cache, or uploaded to one).
#[derive(Clone, Copy, Debug)]
pub enum CopyEvent<'a> {
    /// How many paths will be copied, and how many bytes (compressed, where known).
    Planned { paths: usize, bytes: u64 },
    /// A path starts being copied.
    Started(&'a StorePath),
    /// A path is copied (valid in the store, or in the cache); the bytes that went over, compressed.
    Done(&'a StorePath, u64),
}

/// A source of store paths: binary caches.
pub trait Substituter: Send + Sync + std::fmt::Debug {
    /// For each of `paths`: whether it can be fetched (and from where), or why not, in words
    /// a user can act on ("no cache has it", "signed by an untrusted key ..."). The answers
    /// may be remembered: asking again costs nothing.
    fn query(&self, paths: &[StorePath]) -> BTreeMap<StorePath, Result<Substitutable, String>>;

    /// Makes `paths` valid in `store` with everything they refer to, fetching what the store
    /// lacks. Every path is checked (its NAR hash, and that it is trusted) before it becomes
    /// valid; on an error, what was fetched before stays valid and nothing else is.
    fn fetch(
        &self,
        store: &LocalStore,
        paths: &[StorePath],
        events: &(dyn Fn(CopyEvent<'_>) + Sync),
    ) -> Result<(), StoreError>;

    /// The sources asked, for messages: "`file:///srv/cache`, `http://cache:5000`".
    fn describe(&self) -> String;

    /// Shows the progress of a fetch that no caller watches (`LocalStore::ensure_valid`, as
    /// the evaluator fetches a host tool); nothing by default.
    fn report(&self, _event: CopyEvent<'_>) {}
}
