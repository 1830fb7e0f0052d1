//! Image references as container tools write them: `docker://HOST[:PORT]/REPOSITORY[:TAG]` or
//! `docker://HOST[:PORT]/REPOSITORY@sha256:HEX`.
//!
//! The first component names a registry when it has a `.` or a `:`, or is `localhost`;
//! otherwise the reference is on Docker Hub (`docker://alpine` is
//! `docker.io/library/alpine:latest`), as Docker and skopeo read it. The tag is `latest` when
//! neither a tag nor a digest is given. Repository names follow the distribution
//! specification: lower-case letters and digits, separated by `.`, `_`, `__`, runs of `-`, and
//! `/` between components. This module parses and prints; it does not talk to anything.

use std::fmt;

use cairn_image::Digest;

use crate::RegistryError;

/// The registry Docker Hub's references name.
pub const DOCKER_HUB: &str = "docker.io";

/// Where an image goes in a registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// `host[:port]` as written (`docker.io` for Docker Hub).
    pub registry: String,
    /// The repository, such as `quotes` or `library/alpine`.
    pub repository: String,
    /// The tag or digest the manifest is put under.
    pub target: Target,
}

/// The name a manifest is put under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Tag(String),
    Digest(Digest),
}

impl Reference {
    /// Reads `docker://...`; anything else is an error that says what to write.
    pub fn parse(text: &str) -> Result<Reference, RegistryError> {
        let bad = |reason: String| RegistryError::BadReference {
            reference: text.to_owned(),
            reason,
        };
        let Some(rest) = text.strip_prefix("docker://") else {
            let reason = match text.split_once(':') {
                Some(("oci" | "oci-archive" | "docker-archive" | "dir", _)) => {
                    "only registries (`docker://`) are pushed to; write an OCI layout with \
                     `cairn image export --format oci`"
                        .to_owned()
                }
                _ => format!("it does not start with `docker://` (write `docker://{text}`)"),
            };
            return Err(bad(reason));
        };
        let (name, target) = match rest.split_once('@') {
            Some((name, digest)) => {
                let digest = Digest::parse(digest).ok_or_else(|| {
                    bad(format!(
                        "`{digest}` is not a digest (`sha256:` and 64 lower-case hex digits)"
                    ))
                })?;
                if last_component(name).contains(':') {
                    return Err(bad("give a tag or a digest, not both".to_owned()));
                }
                (name, Target::Digest(digest))
            }
            None => match rest.rsplit_once(':') {
                Some((name, tag)) if !tag.contains('/') => {
                    if !valid_tag(tag) {
                        return Err(bad(format!(
                            "`{tag}` is not a tag (letters, digits, `_`, `.` and `-`, at most \
                             128, not starting with `.` or `-`)"
                        )));
                    }
                    (name, Target::Tag(tag.to_owned()))
                }
                _ => (rest, Target::Tag("latest".to_owned())),
            },
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first.to_owned(), path.to_owned())
            }
            _ => (DOCKER_HUB.to_owned(), name.to_owned()),
        };
        if registry.is_empty() || !valid_host(&registry) {
            return Err(bad(format!(
                "`{registry}` is not a registry host (`HOST[:PORT]`)"
            )));
        }
        let repository = if registry == DOCKER_HUB && !repository.contains('/') {
            format!("library/{repository}")
        } else {
            repository
        };
        if !valid_repository(&repository) {
            return Err(bad(format!(
                "`{repository}` is not a repository name (lower-case letters and digits, \
                 separated by `.`, `_`, `-` or `/`)"
            )));
        }
        Ok(Reference {
            registry,
            repository,
            target,
        })
    }

    /// The host the distribution API is served from: the registry, but for Docker Hub.
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB {
            "registry-1.docker.io"
        } else {
            &self.registry
        }
    }

    /// Whether the registry is on this machine (`localhost`, `127.0.0.0/8`, `::1`), where plain
    /// HTTP is allowed as other container tools allow it.
    pub fn is_local(&self) -> bool {
        let host = match self.registry.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(""),
            None => self.registry.split(':').next().unwrap_or(""),
        };
        host == "localhost"
            || host == "::1"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The tag or digest as the last part of a manifest URL.
    pub fn target_str(&self) -> &str {
        match &self.target {
            Target::Tag(tag) => tag,
            Target::Digest(digest) => digest.as_str(),
        }
    }
}

impl fmt::Display for Reference {
    /// `registry/repository:tag` or `registry/repository@digest`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.target {
            Target::Tag(tag) => write!(f, "{}/{}:{tag}", self.registry, self.repository),
            Target::Digest(d) => write!(f, "{}/{}@{d}", self.registry, self.repository),
        }
    }
}

fn last_component(name: &str) -> &str {
    name.rsplit('/').next().unwrap_or(name)
}

fn valid_tag(tag: &str) -> bool {
    let bytes = tag.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && (bytes[0].is_ascii_alphanumeric() || bytes[0] == b'_')
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

fn valid_host(host: &str) -> bool {
    let (name, port) = if let Some(v6) = host.strip_prefix('[') {
        match v6.split_once(']') {
            Some((addr, rest)) if !addr.is_empty() => (None, rest.strip_prefix(':')),
            _ => return false,
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (Some(name), Some(port)),
            None => (Some(host), None),
        }
    };
    let name_ok = name.is_none_or(|n| {
        !n.is_empty()
            && n.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    });
    let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0));
    name_ok && port_ok
}

/// A repository name of the distribution specification:
/// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, at most 255
/// bytes.
fn valid_repository(name: &str) -> bool {
    name.len() <= 255
        && name.split('/').all(|component| {
            let bytes = component.as_bytes();
            let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
            if bytes.is_empty() || !alnum(&bytes[0]) || !alnum(&bytes[bytes.len() - 1]) {
                return false;
            }
            let mut i = 0;
            while i < bytes.len() {
                if alnum(&bytes[i]) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i < bytes.len() && !alnum(&bytes[i]) {
                    i += 1;
                }
                let sep = &component[start..i];
                let ok = sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-');
                if !ok {
                    return false;
                }
            }
            true
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (reference, registry, repository, tag or digest, printed form)
    const GOOD: &[(&str, &str, &str, &str, &str)] = &[
        (
            "docker://127.0.0.1:5000/quotes:1",
            "127.0.0.1:5000",
            "quotes",
            "1",
            "127.0.0.1:5000/quotes:1",
        ),
        (
            "docker://localhost/a/b",
            "localhost",
            "a/b",
            "latest",
            "localhost/a/b:latest",
        ),
        (
            "docker://registry.fly.io/douglas-adams-quotes:v1.0.0",
            "registry.fly.io",
            "douglas-adams-quotes",
            "v1.0.0",
            "registry.fly.io/douglas-adams-quotes:v1.0.0",
        ),
        (
            "docker://alpine",
            "docker.io",
            "library/alpine",
            "latest",
            "docker.io/library/alpine:latest",
        ),
        (
            "docker://alice/tools:x",
            "docker.io",
            "alice/tools",
            "x",
            "docker.io/alice/tools:x",
        ),
        (
            "docker://[::1]:5000/m__n/o-p.q",
            "[::1]:5000",
            "m__n/o-p.q",
            "latest",
            "[::1]:5000/m__n/o-p.q:latest",
        ),
        (
            "docker://ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io",
            "org/app",
            "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ),
    ];

    /// (reference, a piece of the message)
    const BAD: &[(&str, &str)] = &[
        ("127.0.0.1:5000/quotes", "does not start with `docker://`"),
        ("oci:./dir:tag", "cairn image export --format oci"),
        ("docker://localhost/Quotes", "is not a repository name"),
        ("docker://localhost/a//b", "is not a repository name"),
        ("docker://localhost/a-", "is not a repository name"),
        ("docker://localhost/a:-x", "is not a tag"),
        ("docker://localhost/a:", "is not a tag"),
        ("docker://localhost/a@sha256:12", "is not a digest"),
        (
            "docker://localhost/a:1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "not both",
        ),
        ("docker://local_host.x:5000/a", "is not a registry host"),
        ("docker://host.x:99999/a", "is not a registry host"),
        ("docker://", "is not a repository name"),
    ];

    #[test]
    fn good_references() {
        for (text, registry, repository, target, printed) in GOOD {
            let r = Reference::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(&r.registry, registry, "{text}");
            assert_eq!(&r.repository, repository, "{text}");
            assert_eq!(r.target_str(), *target, "{text}");
            assert_eq!(r.to_string(), *printed, "{text}");
        }
    }

    #[test]
    fn bad_references() {
        for (text, piece) in BAD {
            let e = Reference::parse(text).expect_err(text).to_string();
            assert!(e.contains(piece), "{text}: {e}");
            assert!(e.contains(&format!("`{text}`")), "{text}: {e}");
        }
    }

    #[test]
    fn local_registries() {
        for (text, local) in [
            ("docker://127.0.0.1:5000/a", true),
            ("docker://127.1.2.3/a", true),
            ("docker://localhost:5000/a", true),
            ("docker://[::1]:5000/a", true),
            ("docker://registry.example:5000/a", false),
            ("docker://10.0.0.1:5000/a", false),
        ] {
            assert_eq!(Reference::parse(text).unwrap().is_local(), local, "{text}");
        }
        let hub = Reference::parse("docker://alpine").unwrap();
        assert_eq!(hub.api_host(), "registry-1.docker.io");
    }
}
