//! Pushing an [`ImageSource`] to a registry: each blob is asked for (`HEAD`) and skipped when
//! the repository has it, mounted from another repository of the registry that has it, or
//! uploaded; then the manifest is put under the tag.
//!
//! Blobs go up in parallel, `jobs` at a time, each in one `PUT` after the `POST` that opens its
//! upload (or, past `chunk_size`, in `PATCH`es of that size and a closing `PUT`). A transport
//! error or a `5xx` starts the blob's upload again, three times at most. The manifest goes
//! last, once every blob is in: the OCI manifest first, and the Docker schema 2 manifest of
//! the same blobs when the registry refuses the OCI one as invalid or of an unknown type.
//!
//! Where blobs were seen is remembered in [`Locations`] (a folder of small files, one per
//! registry and digest, listing repositories), which is how a mount finds its source: the
//! repository that shares the longest prefix of path components with the target.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use cairn_image::Digest;

use crate::client::{Body, Client, ConnectOptions, Request, with_query};
use crate::reference::Target;
use crate::source::{Blob, BlobKind, DOCKER_MANIFEST, ImageSource};
use crate::{Reference, RegistryError};

/// How to push.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// How many blobs go up at once.
    pub jobs: usize,
    /// Blobs larger than this go up in chunks of this size; `None` sends every blob whole.
    pub chunk_size: Option<u64>,
    /// The folder where the repositories that hold each blob are remembered (for
    /// cross-repository mounts); `None` remembers nothing.
    pub locations: Option<PathBuf>,
}

impl Default for PushOptions {
    fn default() -> PushOptions {
        PushOptions {
            jobs: 4,
            chunk_size: None,
            locations: None,
        }
    }
}

/// What happened to one blob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobOutcome {
    /// Uploaded.
    Pushed,
    /// The repository had it; nothing was sent.
    Skipped,
    /// The registry linked it from another of its repositories; nothing was sent.
    Mounted { from: String },
}

impl BlobOutcome {
    /// `pushed`, `skipped` or `mounted`.
    pub fn name(&self) -> &'static str {
        match self {
            BlobOutcome::Pushed => "pushed",
            BlobOutcome::Skipped => "skipped",
            BlobOutcome::Mounted { .. } => "mounted",
        }
    }
}

/// One blob's report.
#[derive(Debug, Clone)]
pub struct BlobReport {
    pub kind: BlobKind,
    pub digest: Digest,
    pub size: u64,
    pub outcome: BlobOutcome,
    /// The bytes of the blob sent, retries included.
    pub bytes_sent: u64,
}

/// What a push did.
#[derive(Debug, Clone)]
pub struct PushReport {
    /// Where the image went.
    pub reference: Reference,
    /// The layers, bottom first (each digest once), then the configuration.
    pub blobs: Vec<BlobReport>,
    pub manifest_digest: Digest,
    pub manifest_media_type: String,
    pub manifest_size: u64,
}

impl PushReport {
    /// Every byte of blobs and manifest sent.
    pub fn bytes_sent(&self) -> u64 {
        self.blobs.iter().map(|b| b.bytes_sent).sum::<u64>() + self.manifest_size
    }
}

/// What a push is doing, as it goes.
#[derive(Debug)]
pub enum PushEvent<'a> {
    /// The registry answered; `blobs` blobs are to be looked at.
    Connected { blobs: usize },
    /// The blob is being uploaded.
    Uploading(&'a Blob),
    /// `bytes` more bytes of the blob were sent.
    Sent(&'a Blob, u64),
    /// The blob is in the repository.
    Done(&'a BlobReport),
}

/// Pushes `source` to `reference`.
pub fn push(
    source: &ImageSource,
    reference: &Reference,
    connect: &ConnectOptions,
    options: &PushOptions,
    events: &(dyn Fn(PushEvent<'_>) + Sync),
) -> Result<PushReport, RegistryError> {
    let (manifest, manifest_type) = source.manifest();
    if let Target::Digest(wanted) = &reference.target {
        let docker = source.docker_manifest().map(|m| Digest::of(&m));
        if Digest::of(manifest) != *wanted && docker.as_ref() != Some(wanted) {
            return Err(RegistryError::WrongDigest {
                reference: reference.to_string(),
                digest: Digest::of(manifest).to_string(),
            });
        }
    }
    let client = Client::connect(reference, connect)?;
    let locations = options.locations.as_ref().map(|dir| Locations {
        dir: dir.join(&reference.registry),
    });

    // Each digest once, layers first.
    let mut blobs: Vec<&Blob> = Vec::new();
    for blob in source.layers().iter().chain([source.config()]) {
        if !blobs.iter().any(|b| b.digest == blob.digest) {
            blobs.push(blob);
        }
    }
    events(PushEvent::Connected { blobs: blobs.len() });
    let pusher = Pusher {
        client: &client,
        source,
        repository: &reference.repository,
        options,
        locations: locations.as_ref(),
        events,
    };
    let reports = pusher.all(&blobs)?;

    // The manifest, once every blob is in.
    let what = format!("putting the manifest of `{reference}`");
    let url = client.url(&format!(
        "/v2/{}/manifests/{}",
        reference.repository,
        reference.target_str()
    ));
    let scopes = [push_scope(&reference.repository)];
    let put = |bytes: &[u8], media_type: &str| {
        client.send(&Request {
            what: what.clone(),
            method: "PUT",
            url: url.clone(),
            scopes: &scopes,
            headers: vec![("content-type", media_type.to_owned())],
            body: Body::Bytes(bytes),
        })
    };
    let mut sent = (manifest.to_vec(), manifest_type.to_owned());
    let mut answer = put(manifest, manifest_type)?;
    let refused_type = matches!(answer.status, 400 | 415)
        && !answer.has_error_code("MANIFEST_BLOB_UNKNOWN")
        && !answer.has_error_code("BLOB_UNKNOWN");
    if refused_type
        && manifest_type != DOCKER_MANIFEST
        && let Some(docker) = source.docker_manifest()
    {
        answer = put(&docker, DOCKER_MANIFEST)?;
        sent = (docker, DOCKER_MANIFEST.to_owned());
    }
    if !(200..=299).contains(&answer.status) {
        return Err(client.status(&what, &answer));
    }
    let digest = Digest::of(&sent.0);
    if let Some(theirs) = answer.header("docker-content-digest")
        && theirs != digest.as_str()
    {
        return Err(client.protocol(
            &what,
            format!("it stored the manifest `{digest}` as `{theirs}`"),
        ));
    }
    Ok(PushReport {
        reference: reference.clone(),
        blobs: reports,
        manifest_digest: digest,
        manifest_media_type: sent.1,
        manifest_size: sent.0.len() as u64,
    })
}

fn push_scope(repository: &str) -> String {
    format!("repository:{repository}:pull,push")
}

/// `sha256:` and the first 12 hex digits, as messages show a digest.
pub fn short_digest(digest: &Digest) -> String {
    format!("sha256:{}", &digest.hex()[..12])
}

struct Pusher<'a> {
    client: &'a Client,
    source: &'a ImageSource,
    repository: &'a str,
    options: &'a PushOptions,
    locations: Option<&'a Locations>,
    events: &'a (dyn Fn(PushEvent<'_>) + Sync),
}

impl Pusher<'_> {
    /// Every blob, `jobs` at a time; the first error (in blob order) wins, and no blob starts
    /// after an error.
    fn all(&self, blobs: &[&Blob]) -> Result<Vec<BlobReport>, RegistryError> {
        let next = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let results = Mutex::new(Vec::new());
        let workers = self.options.jobs.clamp(1, 16).min(blobs.len().max(1));
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    while !failed.load(Ordering::Relaxed) {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(blob) = blobs.get(i) else { break };
                        let result = self.one(blob);
                        if result.is_err() {
                            failed.store(true, Ordering::Relaxed);
                        }
                        results.lock().expect("results").push((i, result));
                    }
                });
            }
        });
        let mut results = results.into_inner().expect("results");
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().map(|(_, r)| r).collect()
    }

    /// One blob: skipped, mounted or uploaded.
    fn one(&self, blob: &Blob) -> Result<BlobReport, RegistryError> {
        let name = format!("{} {}", blob.kind.name(), blob.digest);
        let scopes = [push_scope(self.repository)];
        let report = |outcome, bytes_sent| BlobReport {
            kind: blob.kind,
            digest: blob.digest.clone(),
            size: blob.size,
            outcome,
            bytes_sent,
        };
        let what = format!("asking for the {name} in `{}`", self.repository);
        let head = self.client.send(&Request {
            what: what.clone(),
            method: "HEAD",
            url: self
                .client
                .url(&format!("/v2/{}/blobs/{}", self.repository, blob.digest)),
            scopes: &scopes,
            headers: Vec::new(),
            body: Body::None,
        })?;
        let done = |r: BlobReport| {
            if let Some(l) = self.locations {
                l.record(&blob.digest, self.repository);
            }
            (self.events)(PushEvent::Done(&r));
            Ok(r)
        };
        match head.status {
            200..=299 => return done(report(BlobOutcome::Skipped, 0)),
            404 => {}
            _ => return Err(self.client.status(&what, &head)),
        }

        let sent = AtomicU64::new(0);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (session, mounted) = self.open_upload(blob, &name)?;
            if let Some(from) = mounted {
                return done(report(BlobOutcome::Mounted { from }, 0));
            }
            (self.events)(PushEvent::Uploading(blob));
            match self.upload(blob, &name, session, &sent) {
                Ok(()) => {
                    return done(report(BlobOutcome::Pushed, sent.load(Ordering::Relaxed)));
                }
                Err(e) if attempt < 3 && e.is_transient() => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Opens an upload of `blob`, or mounts it: the upload's URL, or the repository it was
    /// mounted from.
    fn open_upload(
        &self,
        blob: &Blob,
        name: &str,
    ) -> Result<(String, Option<String>), RegistryError> {
        let uploads = self
            .client
            .url(&format!("/v2/{}/blobs/uploads/", self.repository));
        let candidate = self
            .locations
            .and_then(|l| l.mount_candidate(&blob.digest, self.repository));
        if let Some(from) = candidate {
            let what = format!(
                "mounting the {name} from `{from}` into `{}`",
                self.repository
            );
            let scopes = [
                push_scope(self.repository),
                format!("repository:{from}:pull"),
            ];
            let url = with_query(
                &with_query(&uploads, "mount", blob.digest.as_str()),
                "from",
                &from,
            );
            let answer = self.client.send(&Request {
                what: what.clone(),
                method: "POST",
                url,
                scopes: &scopes,
                headers: Vec::new(),
                body: Body::None,
            });
            match answer {
                Ok(a) if a.status == 201 => return Ok((String::new(), Some(from))),
                Ok(a) if a.status == 202 => return Ok((self.client.location(&a, &what)?, None)),
                Ok(a) => return Err(self.client.status(&what, &a)),
                // No right to read the other repository: upload instead.
                Err(RegistryError::Denied { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let what = format!("starting the upload of the {name} to `{}`", self.repository);
        let answer = self.client.send(&Request {
            what: what.clone(),
            method: "POST",
            url: uploads,
            scopes: &[push_scope(self.repository)],
            headers: Vec::new(),
            body: Body::None,
        })?;
        if answer.status != 202 {
            return Err(self.client.status(&what, &answer));
        }
        Ok((self.client.location(&answer, &what)?, None))
    }

    /// Sends the bytes of `blob` to the upload at `session`, whole or in chunks, and closes it
    /// with the digest.
    fn upload(
        &self,
        blob: &Blob,
        name: &str,
        mut session: String,
        sent: &AtomicU64,
    ) -> Result<(), RegistryError> {
        let what = format!("uploading the {name} to `{}`", self.repository);
        let scopes = [push_scope(self.repository)];
        let octets = ("content-type", "application/octet-stream".to_owned());
        let chunk = self.options.chunk_size.filter(|c| *c > 0 && blob.size > *c);
        let body_from = |offset: u64| {
            move || -> io::Result<Box<dyn Read + '_>> {
                let inner = self.source.open_blob_from(blob, offset)?;
                Ok(Box::new(Counting {
                    inner,
                    blob,
                    sent,
                    events: self.events,
                }))
            }
        };
        if let Some(chunk) = chunk {
            let mut offset = 0;
            while offset < blob.size {
                let len = chunk.min(blob.size - offset);
                let open = body_from(offset);
                let open_chunk = || open().map(|r| Box::new(r.take(len)) as Box<dyn Read + '_>);
                let answer = self.client.send(&Request {
                    what: what.clone(),
                    method: "PATCH",
                    url: session.clone(),
                    scopes: &scopes,
                    headers: vec![
                        octets.clone(),
                        ("content-range", format!("{offset}-{}", offset + len - 1)),
                    ],
                    body: Body::Reader(&open_chunk, len),
                })?;
                if answer.status != 202 {
                    return Err(self.client.status(&what, &answer));
                }
                session = self.client.location(&answer, &what)?;
                // The registry says how much it has: `0-LAST`.
                offset = match answer
                    .header("range")
                    .and_then(|r| r.rsplit_once('-'))
                    .and_then(|(_, last)| last.trim().parse::<u64>().ok())
                {
                    Some(last) => last + 1,
                    None => offset + len,
                };
            }
            let answer = self.client.send(&Request {
                what: what.clone(),
                method: "PUT",
                url: with_query(&session, "digest", blob.digest.as_str()),
                scopes: &scopes,
                headers: vec![octets],
                body: Body::None,
            })?;
            return self.check_created(&what, blob, &answer);
        }
        let open = body_from(0);
        let answer = self.client.send(&Request {
            what: what.clone(),
            method: "PUT",
            url: with_query(&session, "digest", blob.digest.as_str()),
            scopes: &scopes,
            headers: vec![octets],
            body: Body::Reader(&open, blob.size),
        })?;
        self.check_created(&what, blob, &answer)
    }

    fn check_created(
        &self,
        what: &str,
        blob: &Blob,
        answer: &crate::client::Answer,
    ) -> Result<(), RegistryError> {
        if !(200..=299).contains(&answer.status) {
            return Err(self.client.status(what, answer));
        }
        if let Some(theirs) = answer.header("docker-content-digest")
            && theirs != blob.digest.as_str()
        {
            return Err(self.client.protocol(
                what,
                format!("it stored the blob `{}` as `{theirs}`", blob.digest),
            ));
        }
        Ok(())
    }
}

/// Counts the bytes read from a blob as sent, and says so.
struct Counting<'a> {
    inner: Box<dyn Read + 'a>,
    blob: &'a Blob,
    sent: &'a AtomicU64,
    events: &'a (dyn Fn(PushEvent<'_>) + Sync),
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.sent.fetch_add(n as u64, Ordering::Relaxed);
            (self.events)(PushEvent::Sent(self.blob, n as u64));
        }
        Ok(n)
    }
}

/// The repositories of one registry known to hold each blob: a file per digest under `dir`,
/// one repository a line. Losing it costs mounts, nothing else, so its errors are ignored.
#[derive(Debug)]
pub(crate) struct Locations {
    pub(crate) dir: PathBuf,
}

impl Locations {
    fn known(&self, digest: &Digest) -> Vec<String> {
        fs::read_to_string(self.dir.join(digest.hex()))
            .map(|text| text.lines().map(str::to_owned).collect())
            .unwrap_or_default()
    }

    fn record(&self, digest: &Digest, repository: &str) {
        if self.known(digest).iter().any(|r| r == repository) {
            return;
        }
        let _ = fs::create_dir_all(&self.dir);
        // One short append: whole lines even when processes write at once.
        if let Ok(mut file) = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(digest.hex()))
        {
            let _ = file.write_all(format!("{repository}\n").as_bytes());
        }
    }

    /// The other repository to mount `digest` from: the one whose name shares the most
    /// leading components with `repository` (then the first by name).
    fn mount_candidate(&self, digest: &Digest, repository: &str) -> Option<String> {
        let shared = |other: &str| {
            other
                .split('/')
                .zip(repository.split('/'))
                .take_while(|(a, b)| a == b)
                .count()
        };
        let mut known: Vec<String> = self
            .known(digest)
            .into_iter()
            .filter(|r| r != repository && !r.is_empty())
            .collect();
        known.sort();
        known.dedup();
        known
            .into_iter()
            .max_by(|a, b| shared(a).cmp(&shared(b)).then_with(|| b.cmp(a)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mount_candidates_share_the_longest_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let locations = Locations {
            dir: dir.path().join("registry"),
        };
        let digest = Digest::of(b"layer");
        assert_eq!(locations.mount_candidate(&digest, "team/app"), None);
        for repository in [
            "zoo",
            "team/app",
            "other/app",
            "team/web",
            "team/api",
            "team/web",
        ] {
            locations.record(&digest, repository);
        }
        assert_eq!(
            locations.known(&digest),
            ["zoo", "team/app", "other/app", "team/web", "team/api"]
        );
        assert_eq!(
            locations.mount_candidate(&digest, "team/app").as_deref(),
            Some("team/api")
        );
        assert_eq!(
            locations.mount_candidate(&digest, "solo").as_deref(),
            Some("other/app")
        );
        assert_eq!(
            locations.mount_candidate(&Digest::of(b"other"), "team/app"),
            None
        );
    }
}
