//! Helpers that the image tests share: running the real tools, and unpacking an image the way
//! a container runtime would.
// Each test binary uses some of these.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Whether `tool ARG` runs and succeeds (`skopeo --version`, `go version`).
pub(crate) fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Says loudly that a test is skipped, past the harness's capture.
pub(crate) fn skip(why: &str) {
    eprintln!("\n*** SKIPPED: {why} ***\n");
}

/// Standard output of a command that must succeed; its output and errors otherwise.
pub(crate) fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Copies the docker-archive `archive` to an OCI layout with skopeo (which checks every digest),
/// unpacks it with umoci under `dir`, and gives the root file system.
pub(crate) fn unpack(archive: &Path, dir: &Path) -> PathBuf {
    let oci = dir.join("oci");
    ok(&Command::new("skopeo")
        .args(["copy", "-q"])
        .arg(format!("docker-archive:{}", archive.display()))
        .arg(format!("oci:{}:latest", oci.display()))
        .output()
        .unwrap());
    umoci_unpack(&format!("{}:latest", oci.display()), &dir.join("bundle"))
}

/// Unpacks the image `image` (`DIR:TAG` of an OCI layout) with umoci into the bundle `bundle`,
/// and gives its root file system.
pub(crate) fn umoci_unpack(image: &str, bundle: &Path) -> PathBuf {
    ok(&Command::new("umoci")
        .args(["unpack", "--rootless", "--image", image])
        .arg(bundle)
        .output()
        .unwrap());
    bundle.join("rootfs")
}
