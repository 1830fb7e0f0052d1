//! The behaviour every backend must have, as one function each backend's tests call with a
//! fresh, empty cache.

use std::io::Read;

use super::Backend;

fn read(backend: &dyn Backend, path: &str) -> Option<Vec<u8>> {
    let mut r = backend.get(path).unwrap()?;
    let mut out = Vec::new();
    r.read_to_end(&mut out).unwrap();
    Some(out)
}

/// Runs the suite against `backend`, which must start empty.
pub(crate) fn run(backend: &dyn Backend) {
    // Missing files are absent, not errors.
    assert!(!backend.has("nix-cache-info").unwrap());
    assert!(read(backend, "nix-cache-info").is_none());
    assert!(read(backend, "nar/none.nar.xz").is_none());

    // What is put is what is got, in folders too.
    backend
        .put(
            "nix-cache-info",
            &mut &b"StoreDir: /nix/store\n"[..],
            "text/x-nix-cache-info",
        )
        .unwrap();
    assert!(backend.has("nix-cache-info").unwrap());
    assert_eq!(
        read(backend, "nix-cache-info").unwrap(),
        b"StoreDir: /nix/store\n"
    );
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    backend
        .put("nar/big.nar", &mut &big[..], "application/x-nix-nar")
        .unwrap();
    assert_eq!(read(backend, "nar/big.nar").unwrap(), big);

    // A second put replaces the file whole.
    backend
        .put(
            "nix-cache-info",
            &mut &b"StoreDir: /x\n"[..],
            "text/x-nix-cache-info",
        )
        .unwrap();
    assert_eq!(read(backend, "nix-cache-info").unwrap(), b"StoreDir: /x\n");

    // An empty file exists.
    backend
        .put("empty.narinfo", &mut &b""[..], "text/x-nix-narinfo")
        .unwrap();
    assert!(backend.has("empty.narinfo").unwrap());
    assert_eq!(read(backend, "empty.narinfo").unwrap(), b"");

    // Names that would leave the cache are refused by every method.
    for bad in ["../escape", "/etc/passwd", "nar/../../x", ""] {
        assert!(backend.has(bad).is_err(), "{bad}");
        assert!(backend.get(bad).is_err(), "{bad}");
        assert!(
            backend.put(bad, &mut &b"x"[..], "text/plain").is_err(),
            "{bad}"
        );
    }

    // A reader that fails leaves the old file in place.
    struct Failing;
    impl Read for Failing {
        fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("the source broke"))
        }
    }
    assert!(
        backend
            .put("nix-cache-info", &mut Failing, "text/plain")
            .is_err()
    );
    assert_eq!(read(backend, "nix-cache-info").unwrap(), b"StoreDir: /x\n");
}
