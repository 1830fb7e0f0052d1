//! Images from `dockerTools.buildLayeredImage` (`stdlib/pkgs/docker-tools.nix`) built with
//! `cairn build`: the archive is accepted by skopeo and umoci (which check every digest), holds
//! the closure and the contents merged into its root, and is the same byte for byte in another
//! store, under another umask and time zone.
//!
//! Needs the sandbox's `/bin/sh` (Debian's busybox-static) for the application's build, and
//! skopeo and umoci for the checks of the image; without them the tests say they were skipped.

use std::path::{Path, PathBuf};
use std::process::Command;

fn docker_tools() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stdlib/pkgs/docker-tools.nix")
}

fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn skip(why: &str) {
    eprintln!("\n*** SKIPPED: {why} ***\n");
}

fn expression() -> String {
    format!(
        r#"
let
  docker = import {} {{ }};
  app = derivation {{ name = "app"; system = "x86_64-linux"; builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/bin; printf '#!/bin/sh\necho hello\n' > $out/bin/hello; chmod +x $out/bin/hello" ]; }};
  etc = derivation {{ name = "etc"; system = "x86_64-linux"; builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/etc; echo cfg > $out/etc/app.conf" ]; }};
in docker.buildLayeredImage {{
  name = "example.org/hello";
  tag = "latest";
  contents = [ etc ];
  config.Cmd = [ "${{app}}/bin/hello" ];
  config.Env = [ "A=1" ];
}}
"#,
        docker_tools().display()
    )
}

/// Builds the image in a store at `root`, under `umask` and `tz`, and gives the archive's path.
fn build(dir: &Path, root: &Path, umask: &str, tz: &str) -> PathBuf {
    std::fs::write(dir.join("image.nix"), expression()).unwrap();
    let link = dir.join(format!(
        "result-{}",
        root.file_name().unwrap().to_string_lossy()
    ));
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask {umask}; exec \"$0\" build image.nix -q -o \"$1\"",
        ))
        .arg(env!("CARGO_BIN_EXE_cairn"))
        .arg(&link)
        .env("CAIRN_STORE", root)
        .env("TZ", tz)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    link
}

/// Copies the docker-archive `archive` to an OCI layout with skopeo (which checks every digest),
/// unpacks it with umoci under `dir`, and gives the root file system.
fn unpack(archive: &Path, dir: &Path) -> PathBuf {
    let oci = dir.join("oci");
    let copy = Command::new("skopeo")
        .args(["copy", "-q"])
        .arg(format!("docker-archive:{}", archive.display()))
        .arg(format!("oci:{}:latest", oci.display()))
        .output()
        .unwrap();
    assert!(
        copy.status.success(),
        "{}",
        String::from_utf8_lossy(&copy.stderr)
    );
    let bundle = dir.join("bundle");
    let unpack = Command::new("umoci")
        .args(["unpack", "--rootless", "--image"])
        .arg(format!("{}:latest", oci.display()))
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(
        unpack.status.success(),
        "{}",
        String::from_utf8_lossy(&unpack.stderr)
    );
    bundle.join("rootfs")
}

#[test]
fn layered_images_are_valid_and_reproducible() {
    if !Path::new("/bin/busybox").exists() {
        return skip("no /bin/busybox (Debian's busybox-static) for the builds' /bin/sh");
    }
    let tmp = tempfile::tempdir().unwrap();
    let a = build(tmp.path(), &tmp.path().join("store-a"), "022", "UTC");
    let b = build(
        tmp.path(),
        &tmp.path().join("store-b"),
        "077",
        "Pacific/Chatham",
    );
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "the two builds of the image differ"
    );
    if !have("skopeo") || !have("umoci") {
        return skip("skopeo or umoci is missing; the image is not checked by them");
    }
    let inspect = Command::new("skopeo")
        .arg("inspect")
        .arg(format!("docker-archive:{}", a.display()))
        .output()
        .unwrap();
    assert!(
        inspect.status.success(),
        "{}",
        String::from_utf8_lossy(&inspect.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(info["Env"], serde_json::json!(["A=1"]));
    // The closure (app, etc) in layers of their own, and the customisation layer.
    assert_eq!(info["Layers"].as_array().unwrap().len(), 3);
    let rootfs = unpack(&a, tmp.path());
    let conf = std::fs::read_link(rootfs.join("etc/app.conf")).unwrap();
    assert!(
        conf.to_string_lossy().ends_with("-etc/etc/app.conf"),
        "{conf:?}"
    );
    let store: Vec<String> = std::fs::read_dir(rootfs.join("nix/store"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(store.iter().any(|n| n.ends_with("-app")), "{store:?}");
    assert!(store.iter().any(|n| n.ends_with("-etc")), "{store:?}");
    let hello = std::fs::read_dir(rootfs.join("nix/store"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-app"))
        .unwrap()
        .join("bin/hello");
    assert_eq!(
        std::fs::read_to_string(hello).unwrap(),
        "#!/bin/sh\necho hello\n"
    );
}

/// The example of the README: built, unpacked, and its command run from the image's root in a
/// user namespace.
#[test]
fn the_example_image_runs() {
    if !Path::new("/bin/busybox").exists() || !have("skopeo") || !have("umoci") {
        return skip("busybox, skopeo or umoci is missing; the example image is not run");
    }
    let tmp = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hello-image");
    let link = tmp.path().join("result");
    let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["build", "-q", "-o"])
        .arg(&link)
        .arg(&example)
        .env("CAIRN_STORE", tmp.path().join("store"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rootfs = unpack(&link, tmp.path());
    let config = Command::new("skopeo")
        .args(["inspect", "--config"])
        .arg(format!("docker-archive:{}", link.display()))
        .output()
        .unwrap();
    let config: serde_json::Value = serde_json::from_slice(&config.stdout).unwrap();
    let cmd = config["config"]["Cmd"][0].as_str().unwrap().to_string();
    let run = Command::new("unshare")
        .args(["-r", "chroot"])
        .arg(&rootfs)
        .arg(&cmd)
        .output()
        .unwrap();
    if !run.status.success() && String::from_utf8_lossy(&run.stderr).contains("unshare") {
        return skip("user namespaces are not available to run the image");
    }
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        "Hello from a cairn image\n",
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}
