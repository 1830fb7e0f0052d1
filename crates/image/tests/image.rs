//! End-to-end tests of image writing: a small store made on disk, its layers planned and
//! written, the archives compared byte for byte across runs and read back by the real tools
//! (`skopeo`, `umoci`) where they are installed. A test that needs a missing tool says so on
//! stderr and passes without checking.

use std::fs;
use std::io::Read;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use cairn_image::{Image, ImageError, ImageSpec, StorePathEntry, plan_layers};
use flate2::read::GzDecoder;

const GLIBC: &str = "/nix/store/0c2rpv9b6cqgy5bbnbsk2lz8mqb3ijjn-glibc-2.40";
const BASH: &str = "/nix/store/1a7b9pzqs8g0hd1z1c5xm6ak3w0qrmsb-bash-5.2";
const APP: &str = "/nix/store/9fq8r2y1xvzb9v7l0m0w4qxkq3r2n6nd-douglas-adams-quotes-1.0.0";
const CACERT: &str = "/nix/store/5sdx0yq6x2mhkdmkh8vp0y4wfy84jfhy-cacert.pem";

const LONG_NAME: &str = "a-file-name-long-enough-that-with-its-store-path-prefix-it-no-longer-fits-in-the-hundred-bytes-of-a-tar-header.txt";

/// A store and a customisation tree under a temporary directory. Directories are made read-only
/// as a store's are, and made writable again on drop so the directory can be removed.
struct Fixture {
    dir: tempfile::TempDir,
    closure: Vec<StorePathEntry>,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        fn writable(p: &Path) {
            if let Ok(meta) = fs::symlink_metadata(p)
                && meta.is_dir()
            {
                let _ = fs::set_permissions(p, fs::Permissions::from_mode(0o755));
                for entry in fs::read_dir(p).into_iter().flatten().flatten() {
                    writable(&entry.path());
                }
            }
        }
        writable(self.dir.path());
    }
}

impl Fixture {
    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    fn physical(&self, logical: &str) -> PathBuf {
        self.store().join(logical.rsplit_once('/').unwrap().1)
    }

    fn customisation(&self) -> PathBuf {
        self.dir.path().join("custom")
    }

    fn roots(&self) -> Vec<String> {
        vec![APP.to_owned(), CACERT.to_owned()]
    }

    fn spec(&self) -> ImageSpec {
        let mut spec = ImageSpec::new("registry.example/douglas-adams-quotes", "latest");
        spec.config.cmd = Some(vec![format!("{APP}/bin/quotes")]);
        spec.config.env = vec!["SSL_CERT_FILE=/etc/ssl/certs/ca-bundle.crt".into()];
        spec.config.exposed_ports.insert("8080/tcp".into());
        spec.config
            .labels
            .insert("org.example.answer".into(), "42".into());
        spec
    }

    fn image(&self, max_layers: usize) -> Image {
        let layers = plan_layers(&self.closure, &self.roots(), max_layers);
        Image::build(
            &self.spec(),
            &self.closure,
            &layers,
            Some(&self.customisation()),
        )
        .unwrap()
    }

    fn docker_archive(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.image(100).write_docker_archive(&mut out).unwrap();
        out
    }
}

fn write(path: &Path, contents: &str, mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, contents).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

fn read_only_dirs(p: &Path) {
    if fs::symlink_metadata(p).unwrap().is_dir() {
        for entry in fs::read_dir(p).unwrap() {
            read_only_dirs(&entry.unwrap().path());
        }
        fs::set_permissions(p, fs::Permissions::from_mode(0o555)).unwrap();
    }
}

/// The store paths: glibc (with a long file name), bash (a symbolic link), the application (a
/// hard link), and the CA bundle (a store path that is a single file); `quote` is the text of
/// the application's data file, to change one file of one path.
fn fixture_in(dir: tempfile::TempDir, quote: &str) -> Fixture {
    let mut f = Fixture {
        dir,
        closure: Vec::new(),
    };
    let glibc = f.physical(GLIBC);
    write(&glibc.join("lib/libc.so.6"), "\x7fELF libc", 0o555);
    write(&glibc.join("share/doc").join(LONG_NAME), "long", 0o444);
    symlink(
        format!("{GLIBC}/share/doc/{LONG_NAME}"),
        glibc.join("share/long-link"),
    )
    .unwrap();
    let bash = f.physical(BASH);
    write(&bash.join("bin/bash"), "\x7fELF bash", 0o555);
    symlink("bash", bash.join("bin/sh")).unwrap();
    let app = f.physical(APP);
    write(&app.join("bin/quotes"), "\x7fELF quotes", 0o555);
    fs::hard_link(app.join("bin/quotes"), app.join("bin/quotes-again")).unwrap();
    write(&app.join("share/quotes.txt"), quote, 0o444);
    write(&f.physical(CACERT), "-----BEGIN CERTIFICATE-----", 0o444);
    for p in [GLIBC, BASH, APP] {
        read_only_dirs(&f.physical(p));
    }

    let custom = f.customisation();
    fs::create_dir_all(custom.join("etc/ssl/certs")).unwrap();
    symlink(format!("{APP}/bin"), custom.join("bin")).unwrap();
    symlink(CACERT, custom.join("etc/ssl/certs/ca-bundle.crt")).unwrap();
    fs::create_dir(custom.join("tmp")).unwrap();
    fs::set_permissions(custom.join("tmp"), fs::Permissions::from_mode(0o1777)).unwrap();
    for d in ["etc", "etc/ssl", "etc/ssl/certs"] {
        fs::set_permissions(custom.join(d), fs::Permissions::from_mode(0o755)).unwrap();
    }

    let entry = |logical: &str, refs: &[&str]| StorePathEntry {
        logical: logical.to_owned(),
        physical: f.physical(logical),
        references: refs.iter().map(|r| (*r).to_owned()).collect(),
    };
    let closure = vec![
        entry(GLIBC, &[GLIBC]),
        entry(BASH, &[GLIBC, BASH]),
        entry(APP, &[BASH, GLIBC]),
        entry(CACERT, &[]),
    ];
    f.closure = closure;
    f
}

fn fixture() -> Fixture {
    fixture_in(tempfile::tempdir().unwrap(), "Don't panic.")
}

/// The entries of a tar in order: (name, header, contents or link target).
fn tar_entries(bytes: &[u8]) -> Vec<(String, tar::Header, Vec<u8>)> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
            let header = e.header().clone();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            if let Some(target) = e.link_name_bytes() {
                data = target.into_owned();
            }
            (name, header, data)
        })
        .collect()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(bytes).read_to_end(&mut out).unwrap();
    out
}

#[test]
fn layers_follow_the_plan_and_the_customisation_layer_is_last() {
    let f = fixture();
    let image = f.image(100);
    let info = image.info();
    let paths: Vec<Vec<String>> = info.layers.iter().map(|l| l.store_paths.clone()).collect();
    assert_eq!(
        paths,
        vec![
            vec![GLIBC.to_owned()],
            vec![BASH.to_owned()],
            vec![CACERT.to_owned()],
            vec![APP.to_owned()],
            vec![],
        ]
    );
    // With a limit of 3 layers: the dependencies together, the roots together, customisation.
    let image = f.image(3);
    let paths: Vec<Vec<String>> = image
        .info()
        .layers
        .iter()
        .map(|l| l.store_paths.clone())
        .collect();
    assert_eq!(
        paths,
        vec![
            vec![GLIBC.to_owned(), BASH.to_owned()],
            vec![CACERT.to_owned(), APP.to_owned()],
            vec![],
        ]
    );
}

#[test]
fn docker_archive_layout_and_configuration() {
    let f = fixture();
    let archive = f.docker_archive();
    let image = f.image(100);
    let info = image.info();
    let entries = tar_entries(&archive);
    let names: Vec<&str> = entries.iter().map(|e| e.0.as_str()).collect();
    let mut expected: Vec<String> = info
        .layers
        .iter()
        .map(|l| format!("{}.tar.gz", l.digest.hex()))
        .collect();
    expected.push(format!("{}.json", info.config_digest.hex()));
    expected.push("manifest.json".to_owned());
    assert_eq!(names, expected);
    for (name, header, data) in &entries {
        assert_eq!(header.mtime().unwrap(), 1, "{name}");
        assert_eq!(header.uid().unwrap(), 0, "{name}");
        assert_eq!(header.mode().unwrap(), 0o444, "{name}");
        if let Some(hex) = name.strip_suffix(".tar.gz").or(name.strip_suffix(".json"))
            && hex != "manifest"
        {
            assert_eq!(
                cairn_store::Hash::digest(cairn_store::HashAlgo::Sha256, data).to_base16(),
                hex
            );
        }
    }
    for (layer, (_, _, blob)) in info.layers.iter().zip(&entries) {
        let tar = gunzip(blob);
        assert_eq!(
            format!(
                "sha256:{}",
                cairn_store::Hash::digest(cairn_store::HashAlgo::Sha256, &tar).to_base16()
            ),
            layer.diff_id.as_str()
        );
        assert_eq!(layer.size, blob.len() as u64);
        // gzip: deflate, no flags (no file name), mtime 0, unknown OS.
        assert_eq!(&blob[..8], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0]);
        assert_eq!(blob[9], 255);
    }

    let manifest = &entries.last().unwrap().2;
    let expected_manifest = format!(
        r#"[{{"Config":"{}.json","RepoTags":["registry.example/douglas-adams-quotes:latest"],"Layers":[{}]}}]"#,
        info.config_digest.hex(),
        info.layers
            .iter()
            .map(|l| format!("\"{}.tar.gz\"", l.digest.hex()))
            .collect::<Vec<_>>()
            .join(",")
    );
    assert_eq!(String::from_utf8_lossy(manifest), expected_manifest);

    let config: serde_json::Value = serde_json::from_slice(image.config_json()).unwrap();
    assert_eq!(config["architecture"], "amd64");
    assert_eq!(config["os"], "linux");
    assert_eq!(config["created"], "1970-01-01T00:00:01Z");
    assert_eq!(
        config["config"],
        serde_json::json!({
            "Cmd": [format!("{APP}/bin/quotes")],
            "Env": ["SSL_CERT_FILE=/etc/ssl/certs/ca-bundle.crt"],
            "ExposedPorts": {"8080/tcp": {}},
            "Labels": {"org.example.answer": "42"},
        })
    );
    let diff_ids: Vec<&str> = info.layers.iter().map(|l| l.diff_id.as_str()).collect();
    assert_eq!(config["rootfs"]["type"], "layers");
    assert_eq!(config["rootfs"]["diff_ids"], serde_json::json!(diff_ids));
    assert_eq!(
        config["history"].as_array().unwrap().len(),
        info.layers.len()
    );
    assert_eq!(
        config["history"][0]["comment"],
        format!("store paths: {GLIBC}")
    );
    // Keys are written in one fixed order.
    let text = String::from_utf8(image.config_json().to_vec()).unwrap();
    assert!(
        text.starts_with(r#"{"architecture":"amd64","config":{"Cmd":"#),
        "{text}"
    );
}

#[test]
fn layer_tars_are_normalised() {
    let f = fixture();
    let image = f.image(100);
    let oci = tempfile::tempdir().unwrap();
    image.write_oci_layout(oci.path()).unwrap();
    let blob = |i: usize| {
        let digest = &image.info().layers[i].digest;
        gunzip(&fs::read(oci.path().join("blobs/sha256").join(digest.hex())).unwrap())
    };

    // glibc: the store directories first, then the path's tree in sorted order.
    let glibc = tar_entries(&blob(0));
    let base = GLIBC.trim_start_matches('/');
    let names: Vec<&str> = glibc.iter().map(|e| e.0.as_str()).collect();
    let long = format!("{base}/share/doc/{LONG_NAME}");
    assert!(long.len() > 100);
    assert_eq!(
        names,
        vec![
            "nix/".to_owned(),
            "nix/store/".to_owned(),
            format!("{base}/"),
            format!("{base}/lib/"),
            format!("{base}/lib/libc.so.6"),
            format!("{base}/share/"),
            format!("{base}/share/doc/"),
            long,
            format!("{base}/share/long-link"),
        ]
    );
    assert_eq!(glibc[8].1.entry_type(), tar::EntryType::Symlink);
    assert_eq!(
        glibc[8].2,
        format!("{GLIBC}/share/doc/{LONG_NAME}").into_bytes()
    );
    for (name, header, _) in &glibc {
        assert_eq!(header.mtime().unwrap(), 1, "{name}");
        assert_eq!((header.uid().unwrap(), header.gid().unwrap()), (0, 0));
        assert_eq!(header.username_bytes(), Some(&b""[..]));
        assert_eq!(header.groupname_bytes(), Some(&b""[..]));
    }
    let modes: Vec<u32> = glibc.iter().map(|e| e.1.mode().unwrap()).collect();
    assert_eq!(
        modes,
        vec![
            0o555, 0o555, 0o555, 0o555, 0o555, 0o555, 0o555, 0o444, 0o777
        ]
    );
    assert_eq!(glibc[7].2, b"long");

    // bash: the symbolic link is a link.
    let bash = tar_entries(&blob(1));
    let sh = bash.iter().find(|e| e.0.ends_with("bin/sh")).unwrap();
    assert_eq!(sh.1.entry_type(), tar::EntryType::Symlink);
    assert_eq!(sh.1.link_name().unwrap().unwrap().to_str(), Some("bash"));

    // cacert: a store path that is a file.
    let cacert = tar_entries(&blob(2));
    assert_eq!(cacert.len(), 3);
    assert_eq!(cacert[2].0, CACERT.trim_start_matches('/'));
    assert_eq!(cacert[2].1.mode().unwrap(), 0o444);

    // app: hard links are separate regular files.
    let app = tar_entries(&blob(3));
    let quotes: Vec<_> = app.iter().filter(|e| e.0.contains("bin/quotes")).collect();
    assert_eq!(quotes.len(), 2);
    for q in quotes {
        assert_eq!(q.1.entry_type(), tar::EntryType::Regular);
        assert_eq!(q.2, b"\x7fELF quotes");
    }

    // The customisation layer: the tree at `/`, its modes kept.
    let custom = tar_entries(&blob(4));
    let summary: Vec<(String, u32)> = custom
        .iter()
        .map(|e| (e.0.clone(), e.1.mode().unwrap()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("bin".to_owned(), 0o777),
            ("etc/".to_owned(), 0o755),
            ("etc/ssl/".to_owned(), 0o755),
            ("etc/ssl/certs/".to_owned(), 0o755),
            ("etc/ssl/certs/ca-bundle.crt".to_owned(), 0o777),
            ("tmp/".to_owned(), 0o1777),
        ]
    );
}

/// Runs in a child process (see `same_input_gives_identical_archives`): writes the fixture's
/// archive into `$CAIRN_IMAGE_TEST_CHILD/out.tar`.
#[test]
fn child_writes_an_archive() {
    let Some(dir) = std::env::var_os("CAIRN_IMAGE_TEST_CHILD") else {
        return;
    };
    let dir = PathBuf::from(dir);
    let f = fixture_in(tempfile::tempdir_in(&dir).unwrap(), "Don't panic.");
    fs::write(dir.join("out.tar"), f.docker_archive()).unwrap();
}

#[test]
fn same_input_gives_identical_archives() {
    let f = fixture();
    let first = f.docker_archive();
    // Twice in this process.
    assert!(first == f.docker_archive());
    // In another directory, in a child process with another umask and time zone.
    let child = tempfile::tempdir().unwrap();
    let status = Command::new("sh")
        .arg("-c")
        .arg(r#"umask 077; exec "$0" --exact child_writes_an_archive --test-threads 1"#)
        .arg(std::env::current_exe().unwrap())
        .env("CAIRN_IMAGE_TEST_CHILD", child.path())
        .env("TZ", "Pacific/Chatham")
        .status()
        .unwrap();
    assert!(status.success());
    let second = fs::read(child.path().join("out.tar")).unwrap();
    assert!(first == second, "the archives differ");
}

#[test]
fn changing_one_file_changes_only_its_layer_the_config_and_the_manifest() {
    let before = fixture().image(100);
    let after = fixture_in(tempfile::tempdir().unwrap(), "Don't Panic!").image(100);
    let (b, a) = (before.info(), after.info());
    assert_eq!(b.layers.len(), a.layers.len());
    for (i, (lb, la)) in b.layers.iter().zip(&a.layers).enumerate() {
        if lb.store_paths == [APP] {
            assert_ne!(lb.digest, la.digest);
            assert_ne!(lb.diff_id, la.diff_id);
        } else {
            assert_eq!(lb, la, "layer {i}");
        }
    }
    assert_ne!(b.config_digest, a.config_digest);
    assert_ne!(b.manifest_digest, a.manifest_digest);
}

#[test]
fn layers_must_partition_the_closure() {
    let f = fixture();
    let spec = f.spec();
    let missing = vec![
        vec![GLIBC.to_owned()],
        vec![BASH.to_owned(), APP.to_owned()],
    ];
    assert!(matches!(
        Image::build(&spec, &f.closure, &missing, None),
        Err(ImageError::InNoLayer(p)) if p == CACERT
    ));
    let twice = vec![
        vec![GLIBC.to_owned(), BASH.to_owned()],
        vec![BASH.to_owned(), APP.to_owned(), CACERT.to_owned()],
    ];
    assert!(matches!(
        Image::build(&spec, &f.closure, &twice, None),
        Err(ImageError::InTwoLayers(p)) if p == BASH
    ));
    let unknown = vec![vec!["/nix/store/zzz-unknown".to_owned()]];
    assert!(matches!(
        Image::build(&spec, &f.closure, &unknown, None),
        Err(ImageError::NotInClosure(_))
    ));
}

// ---- the real tools ----

fn have(tool: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found {
        eprintln!("SKIPPED: `{tool}` is not installed (apt-get install -y skopeo umoci)");
    }
    found
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Unpacks `image` (`DIR:tag`) with umoci and checks the root file system.
fn umoci_unpack_and_check(image: &str, bundle: &Path) {
    let mut cmd = Command::new("umoci");
    cmd.args(["unpack", "--image", image]);
    if run(Command::new("id").arg("-u")).trim() != "0" {
        cmd.arg("--rootless");
    }
    run(cmd.arg(bundle));
    let rootfs = bundle.join("rootfs");
    let app = rootfs.join(APP.trim_start_matches('/'));
    assert_eq!(
        fs::read_to_string(app.join("share/quotes.txt")).unwrap(),
        "Don't panic."
    );
    assert_eq!(
        fs::read_link(rootfs.join("bin")).unwrap(),
        PathBuf::from(format!("{APP}/bin"))
    );
    let long = rootfs
        .join(GLIBC.trim_start_matches('/'))
        .join("share/doc")
        .join(LONG_NAME);
    assert_eq!(fs::read_to_string(long).unwrap(), "long");
    let long_link = rootfs
        .join(GLIBC.trim_start_matches('/'))
        .join("share/long-link");
    assert_eq!(
        fs::read_link(long_link).unwrap(),
        PathBuf::from(format!("{GLIBC}/share/doc/{LONG_NAME}"))
    );
    let tmp = fs::metadata(rootfs.join("tmp")).unwrap();
    assert_eq!(tmp.permissions().mode() & 0o7777, 0o1777);
}

#[test]
fn skopeo_and_umoci_accept_the_docker_archive() {
    if !have("skopeo") || !have("umoci") {
        return;
    }
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let archive = work.path().join("image.tar");
    fs::write(&archive, f.docker_archive()).unwrap();
    let info = f.image(100).info().clone();

    let inspect = run(Command::new("skopeo")
        .arg("inspect")
        .arg(format!("docker-archive:{}", archive.display())));
    let inspect: serde_json::Value = serde_json::from_str(&inspect).unwrap();
    assert_eq!(inspect["Architecture"], "amd64");
    assert_eq!(inspect["Os"], "linux");
    assert_eq!(
        inspect["Layers"].as_array().unwrap().len(),
        info.layers.len()
    );
    assert_eq!(inspect["Labels"]["org.example.answer"], "42");

    // `skopeo copy` checks every blob against its digest on the way.
    let oci = work.path().join("oci");
    run(Command::new("skopeo")
        .arg("copy")
        .arg(format!("docker-archive:{}", archive.display()))
        .arg(format!("oci:{}:latest", oci.display())));
    umoci_unpack_and_check(
        &format!("{}:latest", oci.display()),
        &work.path().join("bundle"),
    );
}

#[test]
fn skopeo_and_umoci_accept_the_oci_layout() {
    if !have("skopeo") || !have("umoci") {
        return;
    }
    let f = fixture();
    let work = tempfile::tempdir().unwrap();
    let oci = work.path().join("oci");
    let image = f.image(100);
    image.write_oci_layout(&oci).unwrap();

    let inspect = run(Command::new("skopeo")
        .arg("inspect")
        .arg(format!("oci:{}:latest", oci.display())));
    let inspect: serde_json::Value = serde_json::from_str(&inspect).unwrap();
    assert_eq!(inspect["Digest"], image.info().manifest_digest.as_str());
    let layers: Vec<&str> = image
        .info()
        .layers
        .iter()
        .map(|l| l.digest.as_str())
        .collect();
    assert_eq!(inspect["Layers"], serde_json::json!(layers));

    // A copy to another layout checks the digests and keeps the image as it is.
    let copy = work.path().join("copy");
    run(Command::new("skopeo")
        .arg("copy")
        .arg(format!("oci:{}:latest", oci.display()))
        .arg(format!("oci:{}:latest", copy.display())));
    umoci_unpack_and_check(
        &format!("{}:latest", oci.display()),
        &work.path().join("bundle"),
    );
}

#[test]
fn closure_entries_reads_a_local_store() {
    use cairn_store::{LocalStore, StoreDir};
    use std::collections::BTreeSet;
    let root = tempfile::tempdir().unwrap();
    let store = LocalStore::open(root.path(), StoreDir::new("/nix/store")).unwrap();
    let lib = store.add_text("lib", b"lib", &BTreeSet::new()).unwrap();
    let app = store
        .add_text("app", b"app", &BTreeSet::from([lib.clone()]))
        .unwrap();
    let entries = cairn_image::closure_entries(&store, std::slice::from_ref(&app)).unwrap();
    let dir = store.store_dir();
    let mut expected = vec![
        StorePathEntry {
            logical: dir.print(&app),
            physical: store.physical(&app),
            references: vec![dir.print(&lib)],
        },
        StorePathEntry {
            logical: dir.print(&lib),
            physical: store.physical(&lib),
            references: vec![],
        },
    ];
    expected.sort_by(|a, b| a.logical.cmp(&b.logical));
    assert_eq!(entries, expected);

    let layers = plan_layers(&entries, &[dir.print(&app)], 100);
    assert_eq!(layers, vec![vec![dir.print(&lib)], vec![dir.print(&app)]]);
    let mut out = Vec::new();
    let image = Image::build(&ImageSpec::new("x", "y"), &entries, &layers, None).unwrap();
    image.write_docker_archive(&mut out).unwrap();
    assert_eq!(image.info().layers.len(), 2);
}

/// Every file under `dir`, by relative path, with its bytes.
fn files(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                out.insert(path.strip_prefix(dir).unwrap().to_owned(), bytes);
            }
        }
    }
    out
}

#[test]
fn oci_layout_is_deterministic_and_complete() {
    let f = fixture();
    let image = f.image(100);
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    image.write_oci_layout(a.path()).unwrap();
    fixture().image(100).write_oci_layout(b.path()).unwrap();
    let (fa, fb) = (files(a.path()), files(b.path()));
    assert!(fa == fb, "the layouts differ");

    let info = image.info();
    let mut expected: Vec<PathBuf> = vec!["index.json".into(), "oci-layout".into()];
    for digest in info
        .layers
        .iter()
        .map(|l| &l.digest)
        .chain([&info.config_digest, &info.manifest_digest])
    {
        expected.push(Path::new("blobs/sha256").join(digest.hex()));
    }
    expected.sort();
    assert_eq!(fa.keys().cloned().collect::<Vec<_>>(), expected);
    let index: serde_json::Value = serde_json::from_slice(&fa[Path::new("index.json")]).unwrap();
    assert_eq!(
        index["manifests"][0]["digest"],
        info.manifest_digest.as_str()
    );
    assert_eq!(
        index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"],
        "latest"
    );
    let manifest_path = Path::new("blobs/sha256").join(info.manifest_digest.hex());
    let manifest: serde_json::Value = serde_json::from_slice(&fa[&manifest_path]).unwrap();
    assert_eq!(manifest["config"]["digest"], info.config_digest.as_str());
    assert_eq!(
        manifest["layers"][0]["mediaType"],
        "application/vnd.oci.image.layer.v1.tar+gzip"
    );

    // A second write into the same folder is refused.
    assert!(matches!(
        image.write_oci_layout(a.path()),
        Err(ImageError::NotEmpty { .. })
    ));
}
