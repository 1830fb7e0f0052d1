//! Realising derivations: building their outputs in a sandbox and registering them in the
//! store.

pub mod fetchurl;
pub mod scan;

pub use crate::fetchurl::{FetchError, fetchurl};
pub use crate::scan::{RefScanner, Scanned, scan_and_hash, scan_references};
