//! Nix's wire formats, byte for byte: nixbase32 (`nixbase32`), hashes and their encodings
//! (`hash`), store paths and how they are computed (`store_path`), the NAR serialisation
//! (`nar`, with `dump` to read a tree from the file system into it and `restore` to write one
//! out of it), the `.drv` ATerm (`derivation`) and `hashDerivationModulo` (`modulo`).
//!
//! The format code does no I/O: it works on bytes, reads any `std::io::Read` and writes to any
//! `std::io::Write`. Only `dump` and `restore` touch the file system. The store itself, a
//! directory of paths and a database of their metadata, is `local`. The evaluator does not
//! depend on this crate, `cairn-glue`
//! connects the two.

pub mod derivation;
pub mod dump;
pub mod hash;
pub mod local;
pub mod modulo;
pub mod nar;
pub mod nixbase32;
pub mod restore;
pub mod store_path;
pub mod substitute;

pub use crate::derivation::{Derivation, Output};
pub use crate::hash::{Encoding, Hash, HashAlgo, HashError, Hasher, HashingReader, HashingWriter};
pub use crate::local::{LocalStore, PathInfo, StoreError};
pub use crate::modulo::{DrvHash, ModuloError, hash_derivation_modulo};
pub use crate::nar::{NarError, NarSink, NarWriter, ParseOptions, parse};
pub use crate::restore::restore;
pub use crate::store_path::{
    DRV_EXTENSION, IngestionMethod, StoreDir, StorePath, StorePathError, hash_placeholder,
    output_path_name,
};
pub use crate::substitute::{CopyEvent, Substitutable, Substituter};
