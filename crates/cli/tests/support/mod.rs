//! Helpers that the tests share: running the real tools, unpacking an image the way a
//! container runtime would and running what it holds, running `cairn cache serve`, and a
//! registry to push to.
// Each test binary uses some of these.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// Copies the folder `from` to `to` (a checkout somewhere else), without `result` links.
pub(crate) fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with("result") {
            continue;
        }
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else if kind.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

/// A port of 127.0.0.1 that nothing listens on (as far as anyone can tell).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` on 127.0.0.1:port, retried until the server answers (or 20 s pass).
pub(crate) fn get(port: u16, path: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let request = format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n");
            s.write_all(request.as_bytes()).unwrap();
            let mut answer = String::new();
            s.read_to_string(&mut answer).unwrap();
            return answer;
        }
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The command of an image's configuration (`skopeo inspect --config` of `image`, such as
/// `docker-archive:PATH`): its `Entrypoint` then its `Cmd`.
pub(crate) fn image_command(image: &str, skopeo_args: &[&str]) -> Vec<String> {
    let out = Command::new("skopeo")
        .args(["inspect", "--config"])
        .args(skopeo_args)
        .arg(image)
        .output()
        .unwrap();
    let config: serde_json::Value = serde_json::from_str(&ok(&out)).unwrap();
    let mut argv = Vec::new();
    for key in ["Entrypoint", "Cmd"] {
        if let Some(list) = config["config"][key].as_array() {
            argv.extend(list.iter().map(|v| v.as_str().unwrap().to_string()));
        }
    }
    argv
}

/// Runs `argv` from the unpacked root `rootfs` in a user namespace, with `PORT` set, and
/// gives the answers to `GET /` and `GET /healthz`; `None` (said loudly) when user namespaces
/// are not available.
pub(crate) fn run_service(argv: &[String], rootfs: &Path) -> Option<(String, String)> {
    let port = free_port();
    let mut child = Command::new("unshare")
        .args(["-r", "chroot"])
        .arg(rootfs)
        .args(argv)
        .env_clear()
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    if let Ok(Some(_)) = child.try_wait() {
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        if err.contains("unshare") {
            skip("user namespaces are not available to run the image");
            return None;
        }
        panic!("the image's command stopped: {err}");
    }
    let root = get(port, "/");
    let health = get(port, "/healthz");
    let _ = child.kill();
    let _ = child.wait();
    Some((root, health))
}

/// A registry of the CNCF distribution project (Debian's `docker-registry`) on a free port of
/// 127.0.0.1, with its storage in a folder of its own; stopped when dropped.
pub(crate) struct Registry {
    child: Child,
    pub(crate) port: u16,
    pub(crate) storage: PathBuf,
}

impl Registry {
    /// Starts a registry whose files are under `dir`, and waits until it answers. `extra` is
    /// YAML put after `http.addr` in its configuration (empty for none): more of `http`,
    /// indented, such as `  tls: ...`, then other sections, such as `auth: ...`.
    pub(crate) fn start(dir: &Path, extra: &str) -> Registry {
        std::fs::create_dir_all(dir).unwrap();
        let storage = dir.join("storage");
        let port = free_port();
        let config = dir.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    \
                 rootdirectory: {}\nhttp:\n  addr: 127.0.0.1:{port}\n{extra}",
                storage.display()
            ),
        )
        .unwrap();
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("registry.log")).unwrap())
            .spawn()
            .expect("docker-registry starts");
        let registry = Registry {
            child,
            port,
            storage,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the registry does not listen on port {port}: {}",
                std::fs::read_to_string(dir.join("registry.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The bytes of every blob the registry stores (`blobs/sha256/*/*/data`).
    pub(crate) fn blob_bytes(&self) -> u64 {
        fn walk(dir: &Path) -> u64 {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return 0;
            };
            entries
                .map(|e| {
                    let e = e.unwrap();
                    let kind = e.file_type().unwrap();
                    if kind.is_dir() {
                        walk(&e.path())
                    } else if e.file_name() == "data" {
                        e.metadata().unwrap().len()
                    } else {
                        0
                    }
                })
                .sum()
        }
        walk(&self.storage.join("docker/registry/v2/blobs"))
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
