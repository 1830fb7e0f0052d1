//! Pushing container images to registries that speak the OCI distribution API (the CNCF
//! distribution registry, Docker Hub, GHCR, Quay, cloud registries), sending only the blobs a
//! registry lacks.
//!
//! The pieces, in the order a push uses them:
//!
//! - [`Reference`] (module `reference`) reads `docker://HOST[:PORT]/REPOSITORY[:TAG|@DIGEST]`;
//! - [`ImageSource`] (module `source`) gives an image's blobs and manifest, read where the
//!   build left them: a docker-archive, an OCI layout, or a [`cairn_image::Image`] written from
//!   a description;
//! - [`Credentials`] and the challenges of the registry (module `auth`), and the HTTP client
//!   that answers them (module `client`): anonymous, basic, or bearer tokens per scope;
//! - [`push`] (module `push`) asks for each blob, skips it, mounts it from another
//!   repository, or uploads it, in parallel, then puts the manifest, and reports per blob.
//!
//! This crate knows nothing of evaluation, derivations or the command line: it is given an
//! image and a reference, and returns a [`PushReport`] or a [`RegistryError`]. It never pulls
//! images, and writes nothing but the small record of where blobs were seen
//! ([`PushOptions::locations`]).

mod auth;
mod client;
mod push;
mod reference;
mod source;

use std::path::PathBuf;

pub use crate::auth::{Challenge, Credentials, default_auth_files, parse_challenges};
pub use crate::client::ConnectOptions;
pub use crate::push::{
    BlobOutcome, BlobReport, PushEvent, PushOptions, PushReport, push, short_digest,
};
pub use crate::reference::{DOCKER_HUB, Reference, Target};
pub use crate::source::{Blob, BlobKind, DOCKER_MANIFEST, ImageSource};

/// What went wrong talking to a registry or reading the image to push.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("`{reference}` is not an image reference: {reason}")]
    BadReference { reference: String, reason: String },
    #[error("{0}")]
    BadCredentials(String),
    #[error("cannot read the auth file `{}`: {reason}", path.display())]
    AuthFile { path: PathBuf, reason: String },
    #[error("cannot read `{}`: {reason}", path.display())]
    Source { path: PathBuf, reason: String },
    #[error("cannot reach the registry `{registry}`: {reason}")]
    Unreachable { registry: String, reason: String },
    #[error(
        "the registry `{registry}` refused the credentials of `{username}`\n\
         hint: check the user name and password given with `--creds` or in the auth file"
    )]
    CredentialsRefused { registry: String, username: String },
    #[error(
        "the registry `{registry}` requires credentials\n\
         hint: give them with `--creds USER:PASSWORD`, or log in with `skopeo login` or \
         `docker login`, whose auth files cairn reads"
    )]
    CredentialsNeeded { registry: String },
    #[error(
        "the registry `{registry}` refused {who} while {what}{}{}",
        if explanation.is_empty() { String::new() } else { format!(": {explanation}") },
        if *anonymous { "\nhint: give credentials with `--creds USER:PASSWORD` or in an auth file" } else { "" }
    )]
    Denied {
        registry: String,
        what: String,
        who: String,
        explanation: String,
        anonymous: bool,
    },
    #[error("the registry `{registry}` answered {status} to {what}{}",
        if explanation.is_empty() { String::new() } else { format!(": {explanation}") })]
    Status {
        registry: String,
        what: String,
        status: u16,
        explanation: String,
    },
    #[error("the registry `{registry}` broke the protocol while {what}: {reason}")]
    Protocol {
        registry: String,
        what: String,
        reason: String,
    },
    #[error("the connection to the registry `{registry}` failed while {what}: {error}")]
    Transport {
        registry: String,
        what: String,
        error: String,
    },
    #[error(
        "the reference `{reference}` names another manifest than the image's (`{digest}`)\n\
         hint: push by tag, or give the image's digest"
    )]
    WrongDigest { reference: String, digest: String },
}

impl RegistryError {
    /// Whether trying again may help: a connection that failed, or a `5xx`.
    pub fn is_transient(&self) -> bool {
        matches!(self, RegistryError::Transport { .. })
            || matches!(self, RegistryError::Status { status, .. } if *status >= 500)
    }
}
