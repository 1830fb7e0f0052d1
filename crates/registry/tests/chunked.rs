//! The library against a real registry (Debian's `docker-registry`), for what the command
//! line does not choose: blobs sent in chunks (`PATCH` with `Content-Range`, then `PUT` with
//! the digest), and pushes by digest. The image is an OCI layout written here, with a layer of
//! a few MiB of bytes that compress badly.
//!
//! Needs `docker-registry`; without it the tests say they were skipped.

use std::path::Path;
use std::sync::Mutex;

use cairn_image::Digest;
use cairn_registry::{
    BlobOutcome, ConnectOptions, ImageSource, PushEvent, PushOptions, Reference, push,
};

// What the command line's tests share: the registry they start, `have` and `skip`.
#[path = "../../cli/tests/support/mod.rs"]
mod support;
use support::{Registry, have, skip};

/// Writes an OCI layout with one layer of `size` bytes and a configuration, into `dir`.
fn layout(dir: &Path, size: usize) -> Digest {
    let blobs = dir.join("blobs/sha256");
    std::fs::create_dir_all(&blobs).unwrap();
    // A generator of bytes (xorshift), so the blob is the same in every run.
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut layer = vec![0x1f, 0x8b];
    while layer.len() < size {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        layer.extend_from_slice(&state.to_le_bytes());
    }
    layer.truncate(size);
    let config =
        br#"{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#;
    let (layer_digest, config_digest) = (Digest::of(&layer), Digest::of(config));
    std::fs::write(blobs.join(layer_digest.hex()), &layer).unwrap();
    std::fs::write(blobs.join(config_digest.hex()), config).unwrap();
    let manifest = cairn_image::oci_manifest(
        (&config_digest, config.len() as u64),
        &[(&layer_digest, layer.len() as u64)],
    );
    let manifest_digest = Digest::of(&manifest);
    std::fs::write(blobs.join(manifest_digest.hex()), &manifest).unwrap();
    std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(
        dir.join("index.json"),
        serde_json::json!({
            "schemaVersion": 2,
            "manifests": [{
                "mediaType": cairn_image::OCI_MANIFEST,
                "digest": manifest_digest.as_str(),
                "size": manifest.len(),
            }],
        })
        .to_string(),
    )
    .unwrap();
    manifest_digest
}

#[test]
fn big_blobs_go_up_in_chunks_and_pushes_by_digest_are_checked() {
    if !have("docker-registry", "--version") {
        skip("no registry to push to (Debian's docker-registry)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let registry = Registry::start(&tmp.path().join("registry"), "");
    let size = 5 * 1024 * 1024 + 123;
    let manifest_digest = layout(&tmp.path().join("layout"), size);
    let source = ImageSource::open(&tmp.path().join("layout")).unwrap();
    let reference = Reference::parse(&format!(
        "docker://{}/chunks@{manifest_digest}",
        registry.host()
    ))
    .unwrap();
    let options = PushOptions {
        chunk_size: Some(1024 * 1024),
        ..PushOptions::default()
    };
    let sent = Mutex::new(Vec::new());
    let events = |e: PushEvent<'_>| {
        if let PushEvent::Sent(blob, n) = e {
            sent.lock().unwrap().push((blob.size, n));
        }
    };
    let report = push(
        &source,
        &reference,
        &ConnectOptions::default(),
        &options,
        &events,
    )
    .unwrap();
    assert_eq!(report.manifest_digest, manifest_digest);
    let layer = &report.blobs[0];
    assert_eq!(layer.outcome, BlobOutcome::Pushed);
    assert_eq!(layer.bytes_sent, size as u64);
    assert_eq!(layer.size, size as u64);
    assert_eq!(
        sent.lock()
            .unwrap()
            .iter()
            .filter(|(s, _)| *s == size as u64)
            .map(|(_, n)| n)
            .sum::<u64>(),
        size as u64
    );
    // The registry has the blob whole: a second push skips it.
    let report = push(
        &source,
        &reference,
        &ConnectOptions::default(),
        &PushOptions::default(),
        &|_| {},
    )
    .unwrap();
    assert!(
        report
            .blobs
            .iter()
            .all(|b| b.outcome == BlobOutcome::Skipped)
    );

    // A digest that is not the image's is refused before anything is sent.
    let wrong = Reference::parse(&format!(
        "docker://{}/chunks@sha256:{}",
        registry.host(),
        "0".repeat(64)
    ))
    .unwrap();
    let e = push(
        &source,
        &wrong,
        &ConnectOptions::default(),
        &options,
        &|_| {},
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("names another manifest"), "{e}");
}
