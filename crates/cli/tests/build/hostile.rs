//! Hostile builders: each tries to see or change the host, or to leave something behind, and
//! writes what it observed into `$out` (or fails), and the test checks that it was blocked.
//! The checks are on what happened, never on how long it took.

use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use super::*;

/// Builds one derivation whose builder runs `script` and gives what it wrote into `$out` (a
/// file), or `None` when the test is skipped.
fn observe(test: &str, script: &str) -> Option<(Env, String)> {
    if !have_busybox(test) {
        return None;
    }
    let env = Env::new();
    env.write("hostile.nix", &one("cairn-hostile", script));
    let out = env.build("hostile.nix");
    let seen = std::fs::read_to_string(env.physical(&out)).unwrap();
    Some((env, seen))
}

#[test]
fn host_files_outside_the_inputs_cannot_be_read() {
    let test = "host_files_outside_the_inputs_cannot_be_read";
    if !have_busybox(test) {
        return;
    }
    let env = Env::new();
    let secret_text = format!("the secret {}", unique());
    let secret = env.write("secret.txt", &secret_text);
    let exe = std::env::current_exe().unwrap();
    let store_root = env.root();
    let targets = [
        secret.to_str().unwrap(),
        "/etc/shadow",
        exe.to_str().unwrap(),
        env!("CARGO_BIN_EXE_cairn"),
        store_root.to_str().unwrap(),
    ];
    let mut script = String::new();
    for t in targets {
        script.push_str(&format!(
            "if cat '{t}' >> $out 2>/dev/null || ls '{t}' >> $out 2>/dev/null; \
             then echo 'read {t}' >> $out; else echo 'blocked {t}' >> $out; fi\n"
        ));
    }
    env.write("hostile.nix", &one("cairn-hostile", &script));
    let out = env.build("hostile.nix");
    let seen = std::fs::read_to_string(env.physical(&out)).unwrap();
    for t in targets {
        assert!(
            seen.lines().any(|l| l == format!("blocked {t}")),
            "{t} was visible to the builder:\n{seen}"
        );
    }
    assert!(!seen.contains(&secret_text), "the secret leaked:\n{seen}");
}

/// A listener on every address of the host, counting the connections it accepts other than
/// the test's own sentinel.
struct Listener {
    port: u16,
    accepted: std::sync::mpsc::Receiver<std::net::SocketAddr>,
}

impl Listener {
    fn start() -> Listener {
        let listener = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if let Ok(peer) = stream.peer_addr()
                    && tx.send(peer).is_err()
                {
                    break;
                }
            }
        });
        Listener { port, accepted: rx }
    }

    /// The connections accepted before a sentinel connection made now: the accept queue is
    /// in order, so once the sentinel is seen, every earlier connection was counted.
    fn others(&self) -> Vec<std::net::SocketAddr> {
        let sentinel = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let me = sentinel.local_addr().unwrap();
        let mut others = Vec::new();
        loop {
            let peer = self.accepted.recv().unwrap();
            if peer == me {
                return others;
            }
            others.push(peer);
        }
    }
}

/// An address of the host other than loopback, when it has one with a route.
fn host_address() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

/// The builder tries `nc` (busybox's `wget` is not used: the static busybox's `wget` crashes
/// on any URL, in a sandbox or not). The same `nc` run on the host afterwards must reach the
/// server, so that the count of zero means something.
#[test]
fn a_server_on_the_host_cannot_be_reached() {
    let test = "a_server_on_the_host_cannot_be_reached";
    let listener = Listener::start();
    let port = listener.port;
    let mut hosts = vec!["127.0.0.1".to_string()];
    hosts.extend(host_address().map(|ip| ip.to_string()));
    let mut script = String::new();
    for h in &hosts {
        script.push_str(&format!(
            "echo hello | nc -w 2 {h} {port} >/dev/null 2>&1; echo \"nc {h} $?\" >> $out\n"
        ));
    }
    let Some((_env, seen)) = observe(test, &script) else {
        return;
    };
    let reached = listener.others();
    assert!(
        reached.is_empty(),
        "the builder connected to the host's server from {reached:?}; it saw:\n{seen}"
    );
    for h in &hosts {
        let line = seen
            .lines()
            .find(|l| l.starts_with(&format!("nc {h} ")))
            .unwrap_or_else(|| panic!("no nc line for {h}:\n{seen}"));
        assert!(!line.ends_with(" 0"), "`nc` to {h} succeeded:\n{seen}");
    }
    let control = Command::new("/bin/busybox")
        .args(["nc", "-w", "2", "127.0.0.1", &port.to_string()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(control.status.success(), "nc from the host: {control:?}");
    assert_eq!(
        listener.others().len(),
        1,
        "nc from the host was not counted"
    );
}

#[test]
fn only_the_loopback_interface_is_visible() {
    let test = "only_the_loopback_interface_is_visible";
    let Some((_env, seen)) = observe(test, "cat /proc/net/dev > $out") else {
        return;
    };
    let interfaces: Vec<&str> = seen
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(interfaces, ["lo"], "{seen}");
}

#[test]
fn host_processes_are_invisible() {
    let test = "host_processes_are_invisible";
    let me = std::process::id();
    let script = format!(
        "for p in /proc/[0-9]*; do echo \"$p $(tr '\\0' ' ' < $p/cmdline)\" >> $out; done\n\
         echo \"mine $(tr '\\0' ' ' < /proc/{me}/cmdline 2>/dev/null)\" >> $out"
    );
    let Some((_env, seen)) = observe(test, &script) else {
        return;
    };
    let exe = std::env::current_exe().unwrap();
    let exe_name = exe.file_name().unwrap().to_str().unwrap();
    assert!(
        !seen.contains(exe_name),
        "the test's process was visible:\n{seen}"
    );
    assert!(
        !seen.contains(env!("CARGO_BIN_EXE_cairn")),
        "cairn's process was visible:\n{seen}"
    );
    let pids: Vec<&str> = seen.lines().filter(|l| l.starts_with("/proc/")).collect();
    assert!(pids.len() <= 5, "{} processes visible:\n{seen}", pids.len());
    assert!(
        seen.lines().any(|l| l.starts_with("/proc/1 sh -c")),
        "the builder is not process 1:\n{seen}"
    );
}

#[test]
fn the_hostname_is_localhost() {
    let test = "the_hostname_is_localhost";
    let script = "hostname > $out; cat /proc/sys/kernel/hostname >> $out";
    let Some((_env, seen)) = observe(test, script) else {
        return;
    };
    assert_eq!(seen, "localhost\nlocalhost\n");
}

#[test]
fn the_callers_environment_is_not_passed_on() {
    let test = "the_callers_environment_is_not_passed_on";
    if !have_busybox(test) {
        return;
    }
    let env = Env::new();
    let secret = format!("secret-value-{}", unique());
    env.write("hostile.nix", &one("cairn-hostile", "env > $out"));
    let out = env
        .command(&["build", "hostile.nix", "--no-link", "--print-out-paths"])
        .env("CAIRN_TEST_SECRET", &secret)
        .env(
            "PATH",
            std::env::var("PATH").unwrap_or_default() + ":/secret-path",
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let path = String::from_utf8(out.stdout).unwrap();
    let seen = std::fs::read_to_string(env.physical(path.trim())).unwrap();
    assert!(!seen.contains("CAIRN_TEST_SECRET"), "{seen}");
    assert!(!seen.contains(&secret), "{seen}");
    let vars: BTreeSet<&str> = seen.lines().collect();
    for expected in [
        "PATH=/path-not-set",
        "HOME=/homeless-shelter",
        "NIX_BUILD_TOP=/build",
        "TMPDIR=/build",
        "PWD=/build",
    ] {
        assert!(vars.contains(expected), "no {expected} in:\n{seen}");
    }
}

#[test]
fn devices_are_few_and_sys_is_absent() {
    let test = "devices_are_few_and_sys_is_absent";
    let script = "ls -a /dev > $out\n\
        if ls /sys/class > /dev/null 2>&1; then echo 'sys visible' >> $out; fi\n\
        grep -q sysfs /proc/mounts && echo 'sysfs mounted' >> $out\n\
        if mknod /build/disk b 253 0 2>/dev/null && head -c 1 /build/disk > /dev/null 2>&1; \
        then echo 'mknod: allowed' >> $out; else echo 'mknod: blocked' >> $out; fi";
    let Some((_env, seen)) = observe(test, script) else {
        return;
    };
    let allowed = [
        ".", "..", "null", "zero", "full", "random", "urandom", "tty", "shm", "pts", "ptmx", "fd",
        "stdin", "stdout", "stderr",
    ];
    let (mknod, listed): (Vec<&str>, Vec<&str>) =
        seen.lines().partition(|l| l.starts_with("mknod: "));
    assert_eq!(
        mknod,
        ["mknod: blocked"],
        "a block device was made and read"
    );
    let extra: Vec<&str> = listed
        .into_iter()
        .filter(|l| !allowed.contains(l))
        .collect();
    assert!(extra.is_empty(), "unexpected in /dev: {extra:?}\n{seen}");
    for needed in ["null", "zero", "urandom", "shm"] {
        assert!(
            seen.lines().any(|l| l == needed),
            "no /dev/{needed}:\n{seen}"
        );
    }
}

/// As in Nix's sandbox, the root and `/etc` belong to no one the builder is, so it cannot
/// rewrite its users, groups or hosts, nor add folders at the root.
#[test]
fn the_sandbox_root_and_etc_are_not_writable() {
    let test = "the_sandbox_root_and_etc_are_not_writable";
    let mut script = String::from("{\n");
    for (what, command) in [
        ("root", "touch /evil"),
        ("root-dir", "mkdir /evil-dir"),
        ("passwd", "echo x >> /etc/passwd"),
        ("group", "echo x >> /etc/group"),
        ("hosts", "echo x >> /etc/hosts"),
        ("etc", "touch /etc/evil"),
    ] {
        script.push_str(&format!(
            "if {command} 2>/dev/null; then echo 'allowed {what}'; else echo 'blocked {what}'; fi\n"
        ));
    }
    script.push_str("} > $out");
    let Some((_env, seen)) = observe(test, &script) else {
        return;
    };
    let allowed: Vec<&str> = seen
        .lines()
        .filter(|l| !l.starts_with("blocked "))
        .collect();
    assert!(allowed.is_empty(), "{allowed:?}");
}

#[test]
fn writes_outside_out_never_reach_the_store() {
    let test = "writes_outside_out_never_reach_the_store";
    if !have_busybox(test) {
        return;
    }
    let env = Env::new();
    let expr = format!(
        "let {PRELUDE}\n\
         dep = mk \"cairn-victim\" ''mkdir $out; echo original > $out/file'';\n\
         in mk \"cairn-hostile\" ''\n\
           echo x > /nix/store/evil\n\
           mkdir /nix/store/00000000000000000000000000000000-evil\n\
           echo x > ${{dep}}/evil\n\
           echo done > $out\n\
         ''\n"
    );
    env.write("hostile.nix", &expr);
    let out = env.run(&["build", "hostile.nix", "--no-link", "--print-out-paths"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "neither built nor failed: {stderr}"
    );
    let listed = env.valid_paths();
    assert!(
        !listed.iter().any(|p| p.contains("evil")),
        "registered: {listed:?}"
    );
    let on_disk = store_entries(&env.root());
    assert!(
        !on_disk.iter().any(|e| e.contains("evil")),
        "on disk: {on_disk:?}"
    );
    let victim = listed
        .iter()
        .find(|p| p.ends_with("-cairn-victim"))
        .expect("the dependency was built");
    assert!(!env.physical(victim).join("evil").exists());
    env.assert_verifies();
}

#[test]
fn inputs_cannot_be_changed() {
    let test = "inputs_cannot_be_changed";
    if !have_busybox(test) {
        return;
    }
    let env = Env::new();
    env.write("src/a.txt", "source\n");
    let expr = format!(
        "let {PRELUDE}\n\
         dep = mk \"cairn-victim\" ''mkdir $out; echo original > $out/file'';\n\
         in mk \"cairn-hostile\" ''\n\
           try() {{ if \"$@\" 2>/dev/null; then echo \"allowed $*\"; else echo \"blocked $*\"; fi; }}\n\
           {{\n\
           try sh -c 'echo changed > ${{dep}}/file'\n\
           try sh -c 'echo more >> ${{dep}}/file'\n\
           try chmod 777 ${{dep}}/file\n\
           try touch ${{dep}}/new\n\
           try mv ${{dep}}/file ${{dep}}/moved\n\
           try rm ${{dep}}/file\n\
           try sh -c 'echo changed > ${{./src}}/a.txt'\n\
           try rm ${{./src}}/a.txt\n\
           try touch ${{./src}}/new\n\
           try unshare -r -m sh -c 'mount -o remount,bind,rw ${{dep}} && echo changed > ${{dep}}/file'\n\
           try unshare -r -m sh -c 'umount -l ${{dep}} && mkdir -p ${{dep}} && echo changed > ${{dep}}/file'\n\
           }} > $out\n\
         ''\n"
    );
    env.write("hostile.nix", &expr);
    let out = env.build("hostile.nix");
    let seen = std::fs::read_to_string(env.physical(&out)).unwrap();
    let allowed: Vec<&str> = seen
        .lines()
        .filter(|l| !l.starts_with("blocked "))
        .collect();
    assert!(
        allowed.is_empty(),
        "the builder changed inputs: {allowed:?}"
    );
    assert_eq!(seen.lines().count(), 11, "{seen}");
    let listed = env.valid_paths();
    let victim = listed
        .iter()
        .find(|p| p.ends_with("-cairn-victim"))
        .expect("the dependency was built");
    let mut names: Vec<String> = std::fs::read_dir(env.physical(victim))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["file"]);
    assert_eq!(
        std::fs::read_to_string(env.physical(victim).join("file")).unwrap(),
        "original\n"
    );
    let src = listed
        .iter()
        .find(|p| p.ends_with("-src"))
        .expect("the source was added");
    assert_eq!(
        std::fs::read_to_string(env.physical(src).join("a.txt")).unwrap(),
        "source\n"
    );
    env.assert_verifies();
}

#[test]
fn a_process_left_running_does_not_outlive_the_build() {
    let test = "a_process_left_running_does_not_outlive_the_build";
    let marker = format!("9876.{}", unique());
    let script = format!("sleep {marker} &\necho started > $out");
    let Some((_env, seen)) = observe(test, &script) else {
        return;
    };
    assert_eq!(seen, "started\n");
    let left = wait_gone(&format!("sleep {marker}"), Duration::from_secs(5));
    assert!(left.is_empty(), "still running after the build: {left:?}");
}

/// Symlinks a builder leaves to host paths, in `$out` or in its build folder, are taken as
/// symlinks when cairn canonicalises the output and removes the build folder: the host files
/// they point at keep their mode, times and existence.
#[test]
fn symlinks_to_host_paths_are_never_followed() {
    let test = "symlinks_to_host_paths_are_never_followed";
    if !have_busybox(test) {
        return;
    }
    let env = Env::new();
    let victim = env.write("victim/file", "host file\n");
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let victim_dir = env.path("victim");
    let before = std::fs::metadata(&victim).unwrap();
    let links = format!(
        "ln -s {d} /build/dir-link\n\
         ln -s {d}/file /build/file-link\n\
         mkdir /build/ro; ln -s {d} /build/ro/dir-link; chmod 0 /build/ro\n",
        d = victim_dir.display()
    );
    let expr = format!(
        "let {PRELUDE} in {{\n\
           tree = mk \"cairn-links\" ''\n{links}\
             mkdir $out\n\
             ln -s {d} $out/dir-link\n\
             ln -s {d}/file $out/file-link\n\
           '';\n\
           top = mk \"cairn-link-out\" ''\n{links}ln -s {d} $out\n'';\n\
           failed = mk \"cairn-link-failed\" ''\n{links}mkdir $out; ln -s {d} $out/dir-link; exit 1\n'';\n\
         }}\n",
        d = victim_dir.display()
    );
    env.write("links.nix", &expr);
    for attr in ["tree", "top"] {
        env.ok(&["build", "links.nix", "-A", attr, "--no-link"]);
    }
    let out = env.run(&["build", "links.nix", "-A", "failed", "--no-link"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::metadata(&victim).expect("the host file is still there");
    assert_eq!(after.permissions().mode() & 0o7777, 0o644);
    assert_eq!(
        (after.mtime(), after.mtime_nsec()),
        (before.mtime(), before.mtime_nsec())
    );
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "host file\n");
    let dir_mode = std::fs::metadata(&victim_dir).unwrap().permissions().mode();
    assert_ne!(dir_mode & 0o200, 0, "the host folder was made read-only");
    env.assert_verifies();
}

#[test]
fn outputs_lose_setuid_and_setgid_bits_and_are_read_only() {
    let test = "outputs_lose_setuid_and_setgid_bits_and_are_read_only";
    if !have_busybox(test) {
        return;
    }
    let env = Env::new();
    let script = "set -e\n\
        mkdir $out\n\
        echo a > $out/setuid; chmod 4755 $out/setuid\n\
        echo b > $out/setgid; chmod 2755 $out/setgid\n\
        echo c > $out/both; chmod 6644 $out/both\n\
        mkdir $out/dir; chmod 2775 $out/dir\n\
        echo d > $out/dir/inner; chmod 4666 $out/dir/inner";
    env.write("hostile.nix", &one("cairn-hostile", script));
    let out = env.build("hostile.nix");
    let root = env.physical(&out);
    let mode = |rel: &str| {
        std::fs::symlink_metadata(root.join(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(
        [
            ("", mode("")),
            ("setuid", mode("setuid")),
            ("setgid", mode("setgid")),
            ("both", mode("both")),
            ("dir", mode("dir")),
            ("dir/inner", mode("dir/inner")),
        ],
        [
            ("", 0o555),
            ("setuid", 0o555),
            ("setgid", 0o555),
            ("both", 0o444),
            ("dir", 0o555),
            ("dir/inner", 0o444),
        ]
    );
    env.assert_verifies();
}

#[test]
fn a_fixed_output_with_the_wrong_hash_fails_and_registers_nothing() {
    let test = "a_fixed_output_with_the_wrong_hash_fails_and_registers_nothing";
    if !have_busybox(test) {
        return;
    }
    let env = Env::new();
    let expected = sha256(b"what was promised\n");
    let actual = sha256(b"what was built\n");
    let expr = format!(
        "derivation {{\n\
           name = \"cairn-hostile-fixed\";\n\
           system = builtins.currentSystem;\n\
           builder = \"/bin/sh\";\n\
           args = [ \"-c\" \"echo what was built > $out\" ];\n\
           outputHashMode = \"flat\";\n\
           outputHashAlgo = \"sha256\";\n\
           outputHash = \"{}\";\n\
         }}\n",
        hex(&expected)
    );
    env.write("hostile.nix", &expr);
    let out = env.run(&["build", "hostile.nix", "--no-link", "--print-out-paths"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains("hash mismatch"), "{stderr}");
    assert!(
        stderr.contains(&sri(&expected)),
        "no specified hash: {stderr}"
    );
    assert!(stderr.contains(&sri(&actual)), "no actual hash: {stderr}");
    env.assert_nothing_named("cairn-hostile-fixed");
    env.assert_verifies();
}

/// `sha256-<base64>`, as Nix prints hashes.
fn sri(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::from("sha256-");
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
