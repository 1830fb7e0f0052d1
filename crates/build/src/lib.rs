//! Realising derivations: building their outputs in a sandbox and registering them in the
//! store.
