//! Helpers that the tests share: running the real tools, unpacking an image the way a
//! container runtime would, and running `cairn cache serve`.
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

/// A server process, killed when dropped, so a failing test leaves none behind.
pub(crate) struct Running {
    pub(crate) child: std::process::Child,
    /// Where it serves: `http://127.0.0.1:PORT`.
    pub(crate) url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `cmd`, a `cairn cache serve`, and waits until it says where it serves.
pub(crate) fn serve(mut cmd: Command) -> Running {
    use std::io::BufRead;
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("cairn runs");
    let stderr = child.stderr.take().unwrap();
    let mut running = Running {
        child,
        url: String::new(),
    };
    let mut lines = std::io::BufReader::new(stderr).lines();
    let mut said = String::new();
    running.url = loop {
        let Some(Ok(line)) = lines.next() else {
            panic!("`cairn cache serve` ended before it listened: {said}");
        };
        if line.starts_with("serving '")
            && let Some((_, url)) = line.rsplit_once(" at ")
        {
            break url.to_string();
        }
        said.push_str(&line);
        said.push('\n');
    };
    // Its errors go on being read, so the server never waits on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    running
}
