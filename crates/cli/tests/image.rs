//! Images from `dockerTools` (`stdlib/pkgs/docker-tools.nix`) built with `cairn build` and
//! written with `cairn image`: the images are accepted by skopeo and umoci (which check every
//! digest), hold the closure and the contents merged into their root, and are the same byte for
//! byte in another store, under another umask and time zone; a streamed image is the built
//! image; `buildImage` has one layer, `extraCommands` are copied over the contents, the OCI
//! layout is read by skopeo and umoci, and `SSL_CERT_FILE` is set for a certificate bundle.
//!
//! Needs the sandbox's `/bin/sh` (Debian's busybox-static) for the builds, and skopeo and umoci
//! for the checks of the images; without them the tests say they were skipped.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;
use support::{have, skip, umoci_unpack, unpack};

fn stdlib() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stdlib")
}

/// Whether the builds and the checks can run; says why not otherwise.
fn have_tools() -> bool {
    if !Path::new("/bin/busybox").exists() {
        skip("no /bin/busybox (Debian's busybox-static) for the builds' /bin/sh");
        return false;
    }
    if !have("skopeo", "--version") || !have("umoci", "--version") {
        skip("skopeo or umoci is missing; the images are not checked by them");
        return false;
    }
    true
}

/// `body`, a Nix expression, with the standard library's package set `pkgs`, its `dockerTools`,
/// and three small store paths in scope: `app` (a script `bin/hello`), `etc` (a file
/// `etc/app.conf`) and `cacert` (a certificate bundle at `etc/ssl/certs/ca-bundle.crt`).
fn expression(body: &str) -> String {
    format!(
        r#"
let
  pkgs = import {} {{ }};
  inherit (pkgs) dockerTools;
  app = derivation {{ name = "app"; system = "x86_64-linux"; builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/bin; printf '#!/bin/sh\necho hello\n' > $out/bin/hello; chmod +x $out/bin/hello" ]; }};
  etc = derivation {{ name = "etc"; system = "x86_64-linux"; builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/etc; echo cfg > $out/etc/app.conf; echo cfg > $out/etc/other.conf" ]; }};
  cacert = derivation {{ name = "cacert"; system = "x86_64-linux"; builder = "/bin/sh";
    args = [ "-c" "mkdir -p $out/etc/ssl/certs; echo cert > $out/etc/ssl/certs/ca-bundle.crt" ]; }};
in
{body}
"#,
        stdlib().display()
    )
}

/// Runs `cairn` with `args` in `dir`, with the store at `dir/store`, and checks that it
/// succeeded.
fn cairn(dir: &Path, args: &[&str]) -> Output {
    let out = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .env("CAIRN_STORE", dir.join("store"))
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cairn {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Builds the attribute `attr` of `dir/image.nix` into the link `dir/<attr>`, and gives it.
fn build_attr(dir: &Path, attr: &str) -> PathBuf {
    cairn(dir, &["build", "image.nix", "-q", "-A", attr, "-o", attr]);
    dir.join(attr)
}

/// Writes `expression(body)` to `dir/image.nix`.
fn write_expression(dir: &Path, body: &str) {
    std::fs::write(dir.join("image.nix"), expression(body)).unwrap();
}

/// Runs `command` and gives its standard output, which must be JSON.
fn json_of(command: &mut Command) -> serde_json::Value {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `skopeo inspect` of `image` (`docker-archive:PATH`, `oci:DIR:TAG`), with `--config` for the
/// image's configuration.
fn inspect(image: &str, config: bool) -> serde_json::Value {
    let mut command = Command::new("skopeo");
    command.arg("inspect");
    if config {
        command.arg("--config");
    }
    json_of(command.arg(image))
}

/// The file name of the entry of `dir` whose name ends with `suffix`.
fn store_entry(dir: &Path, suffix: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no entry ending with {suffix} in {}", dir.display()))
}

const LAYERED: &str = r#"dockerTools.buildLayeredImage {
  name = "example.org/hello";
  tag = "latest";
  contents = [ etc ];
  config.Cmd = [ "${app}/bin/hello" ];
  config.Env = [ "A=1" ];
}"#;

/// Builds the image `LAYERED` in a store at `root`, under `umask` and `tz`, and gives the
/// archive's path.
fn build(dir: &Path, root: &Path, umask: &str, tz: &str) -> PathBuf {
    write_expression(dir, LAYERED);
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
    if !have("skopeo", "--version") || !have("umoci", "--version") {
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
    store_entry(&rootfs.join("nix/store"), "-etc");
    let hello = store_entry(&rootfs.join("nix/store"), "-app").join("bin/hello");
    assert_eq!(
        std::fs::read_to_string(hello).unwrap(),
        "#!/bin/sh\necho hello\n"
    );
}

/// The example of the README: built, unpacked, and its command run from the image's root in a
/// user namespace.
#[test]
fn the_example_image_runs() {
    if !Path::new("/bin/busybox").exists()
        || !have("skopeo", "--version")
        || !have("umoci", "--version")
    {
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

/// `streamLayeredImage` stores a small description that keeps the image's store paths from
/// garbage collection, and `cairn image stream` writes from it the archive that
/// `buildLayeredImage` builds from the same arguments (default tag included); the
/// configuration takes a string or a list for `Cmd` and `Entrypoint`, and passes the rest.
#[test]
fn streamed_images_are_the_built_images() {
    if !have_tools() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_expression(
        dir,
        r#"let
  args = {
    name = "example.org/hello";
    contents = [ etc ];
    config = {
      Cmd = "--verbose";
      Entrypoint = "${app}/bin/hello";
      Env = [ "A=1" ];
      ExposedPorts."8080/tcp" = { };
      WorkingDir = "/data";
      User = "1000:100";
      Labels."org.example.answer" = "42";
      Volumes."/data" = { };
    };
  };
in
{
  stream = dockerTools.streamLayeredImage args;
  built = dockerTools.buildLayeredImage args;
  tag = (dockerTools.buildLayeredImage args).imageTag;
}"#,
    );
    let stream = build_attr(dir, "stream");
    let built = build_attr(dir, "built");
    let size = std::fs::metadata(&stream).unwrap().len();
    assert!(size < 16 * 1024, "the description has {size} bytes");
    let streamed = dir.join("streamed.tar");
    let out = cairn(dir, &["image", "stream", "stream"]);
    std::fs::write(&streamed, &out.stdout).unwrap();
    assert!(
        out.stdout == std::fs::read(&built).unwrap(),
        "the streamed image is not the built image"
    );

    let archive = format!("docker-archive:{}", streamed.display());
    let info = inspect(&archive, false);
    assert_eq!(info["Layers"].as_array().unwrap().len(), 3);
    let config = inspect(&archive, true)["config"].clone();
    let app = store_entry(&dir.join("store/nix/store"), "-app");
    let app = format!("/nix/store/{}", app.file_name().unwrap().to_string_lossy());
    assert_eq!(config["Cmd"], serde_json::json!(["--verbose"]));
    assert_eq!(
        config["Entrypoint"],
        serde_json::json!([format!("{app}/bin/hello")])
    );
    assert_eq!(config["Env"], serde_json::json!(["A=1"]));
    assert_eq!(config["ExposedPorts"], serde_json::json!({"8080/tcp": {}}));
    assert_eq!(config["WorkingDir"], "/data");
    assert_eq!(config["User"], "1000:100");
    assert_eq!(
        config["Labels"],
        serde_json::json!({"org.example.answer": "42"})
    );
    assert_eq!(config["Volumes"], serde_json::json!({"/data": {}}));

    // The default tag is the hash part of the description, the same for both images.
    let tag = cairn(dir, &["eval", "image.nix", "-A", "tag"]).stdout;
    let tag = String::from_utf8(tag).unwrap();
    let description = std::fs::read_link(&stream).unwrap();
    let hash = description.file_name().unwrap().to_string_lossy()[..32].to_owned();
    assert_eq!(tag.trim(), format!("\"{hash}\""));
    let manifest = Command::new("tar")
        .arg("-xOf")
        .arg(&streamed)
        .arg("manifest.json")
        .output()
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_slice(&manifest.stdout).unwrap();
    assert_eq!(
        manifest[0]["RepoTags"],
        serde_json::json!([format!("example.org/hello:{hash}")])
    );

    // With only the description kept, a collection keeps what the image needs.
    std::fs::remove_file(&built).unwrap();
    cairn(dir, &["store", "gc"]);
    let again = cairn(dir, &["image", "stream", "stream"]).stdout;
    assert!(again == out.stdout, "the image changed after a collection");
    // `cairn image export` writes the same archive, and an OCI layout of it.
    cairn(dir, &["image", "export", "stream", "exported.tar"]);
    assert!(std::fs::read(dir.join("exported.tar")).unwrap() == out.stdout);
    cairn(
        dir,
        &["image", "export", "--format", "oci", "stream", "oci"],
    );
    let oci = inspect(&format!("oci:{}:{hash}", dir.join("oci").display()), true);
    assert_eq!(oci["config"], config);
}

/// `buildImage` puts the closure and the contents in one layer.
#[test]
fn build_image_has_one_layer() {
    if !have_tools() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_expression(
        dir,
        r#"{
  image = dockerTools.buildImage {
    name = "example.org/one";
    tag = "latest";
    contents = etc;
    config.Cmd = [ "${app}/bin/hello" ];
  };
}"#,
    );
    let image = build_attr(dir, "image");
    let info = inspect(&format!("docker-archive:{}", image.display()), false);
    assert_eq!(info["Layers"].as_array().unwrap().len(), 1, "{info}");
    let rootfs = unpack(&image, dir);
    let conf = std::fs::read_link(rootfs.join("etc/app.conf")).unwrap();
    assert!(
        conf.to_string_lossy().ends_with("-etc/etc/app.conf"),
        "{conf:?}"
    );
    let hello = store_entry(&rootfs.join("nix/store"), "-app").join("bin/hello");
    assert_eq!(
        std::fs::read_to_string(hello).unwrap(),
        "#!/bin/sh\necho hello\n"
    );
    store_entry(&rootfs.join("nix/store"), "-etc");
}

/// `extraCommands` run in an empty folder, and what they make is copied over the linked
/// contents, with its modes.
#[test]
fn extra_commands_are_copied_over_the_contents() {
    if !have_tools() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_expression(
        dir,
        r#"{
  image = dockerTools.buildLayeredImage {
    name = "example.org/extra";
    tag = "latest";
    contents = [ etc ];
    extraCommands = ''
      test -z "$(ls -A)"
      mkdir -p tmp etc/empty
      chmod 1777 tmp
      echo replaced > etc/app.conf
      echo hi > etc/motd
      chmod 600 etc/motd
      ln -s motd etc/motd-link
    '';
  };
}"#,
    );
    let image = build_attr(dir, "image");
    let rootfs = unpack(&image, dir);
    let mode = |p: &str| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::symlink_metadata(rootfs.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert!(rootfs.join("tmp").is_dir());
    assert_eq!(mode("tmp"), 0o1777);
    assert!(rootfs.join("etc/empty").is_dir());
    // Copied over the link of the contents, as a file.
    let conf = rootfs.join("etc/app.conf");
    assert!(std::fs::symlink_metadata(&conf).unwrap().is_file());
    assert_eq!(std::fs::read_to_string(&conf).unwrap(), "replaced\n");
    assert_eq!(
        std::fs::read_to_string(rootfs.join("etc/motd")).unwrap(),
        "hi\n"
    );
    assert_eq!(mode("etc/motd"), 0o600);
    assert_eq!(
        std::fs::read_link(rootfs.join("etc/motd-link")).unwrap(),
        Path::new("motd")
    );
    // The rest of the contents stay linked.
    let other = std::fs::read_link(rootfs.join("etc/other.conf")).unwrap();
    assert!(other.to_string_lossy().ends_with("-etc/etc/other.conf"));
    // The tree of the commands is copied, not in the image's store.
    let store: Vec<String> = std::fs::read_dir(rootfs.join("nix/store"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !store.iter().any(|n| n.contains("customisation")),
        "{store:?}"
    );
}

/// `format = "oci"` gives an OCI layout that skopeo and umoci read.
#[test]
fn oci_layouts_are_accepted() {
    if !have_tools() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_expression(
        dir,
        r#"{
  image = dockerTools.buildLayeredImage {
    name = "example.org/hello";
    tag = "v1";
    contents = [ etc ];
    config.Cmd = [ "${app}/bin/hello" ];
    format = "oci";
  };
}"#,
    );
    let image = build_attr(dir, "image");
    assert!(image.join("index.json").is_file());
    let info = inspect(&format!("oci:{}:v1", image.display()), false);
    assert_eq!(info["Layers"].as_array().unwrap().len(), 3, "{info}");
    let rootfs = umoci_unpack(&format!("{}:v1", image.display()), &dir.join("bundle"));
    let hello = store_entry(&rootfs.join("nix/store"), "-app").join("bin/hello");
    assert_eq!(
        std::fs::read_to_string(hello).unwrap(),
        "#!/bin/sh\necho hello\n"
    );
    assert!(
        std::fs::read_link(rootfs.join("etc/app.conf"))
            .unwrap()
            .to_string_lossy()
            .ends_with("-etc/etc/app.conf")
    );
}

/// Contents with a certificate bundle set `SSL_CERT_FILE`, unless `Env` sets it.
#[test]
fn ssl_cert_file_is_set_when_contents_have_the_bundle() {
    if !have_tools() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_expression(
        dir,
        r#"{
  bundle = dockerTools.streamLayeredImage {
    name = "bundle"; contents = [ etc cacert ]; config.Env = [ "A=1" ];
  };
  set = dockerTools.streamLayeredImage {
    name = "set"; contents = [ cacert ]; config.Env = [ "SSL_CERT_FILE=/mine.crt" ];
  };
  without = dockerTools.streamLayeredImage { name = "without"; contents = [ etc ]; };
}"#,
    );
    let env = |attr: &str| {
        build_attr(dir, attr);
        let archive = dir.join(format!("{attr}.tar"));
        std::fs::write(&archive, cairn(dir, &["image", "stream", attr]).stdout).unwrap();
        inspect(&format!("docker-archive:{}", archive.display()), true)["config"]["Env"].clone()
    };
    assert_eq!(
        env("bundle"),
        serde_json::json!(["A=1", "SSL_CERT_FILE=/etc/ssl/certs/ca-bundle.crt"])
    );
    assert_eq!(env("set"), serde_json::json!(["SSL_CERT_FILE=/mine.crt"]));
    assert_eq!(env("without"), serde_json::Value::Null);
}
