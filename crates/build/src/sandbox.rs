//! The sandbox a builder runs in: Linux user, mount, pid, ipc, uts and (except for
//! fixed-output derivations) network namespaces, and a fresh root that holds only what the
//! build may see.
//!
//! The sandbox is entered in two stages, each a fresh process of the `cairn` binary
//! (`cairn __sandbox stage1|stage2 SPEC`), so that nothing needs `fork` in a threaded process:
//!
//! 1. **stage 1** unshares the namespaces, maps the caller's user and group to root in the new
//!    user namespace (so it needs no privilege), names the host `localhost`, and bind-mounts
//!    into the prepared root the input closure (read-only, at the logical store paths), the
//!    sandbox paths (`/bin/sh`) and the device nodes, then starts stage 2;
//! 2. **stage 2** is process 1 of the new pid namespace: it mounts that namespace's `/proc`,
//!    makes the prepared folder the root (`pivot_root`) and forgets the host's, enters a
//!    nested user namespace in which it is the build user (uid 1000, gid 100, as Nix's
//!    sandbox), and becomes the builder (`exec`) in `/build` with exactly the environment
//!    given. When the builder, process 1, exits, the kernel kills whatever the build left
//!    running.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use nix::mount::{MntFlags, MsFlags, mount, umount2};
use nix::sched::{CloneFlags, unshare};
use nix::sys::statvfs::{FsFlags, statvfs};
use nix::unistd::{pivot_root, sethostname};
use serde::{Deserialize, Serialize};

/// The uid and gid of the build user inside the sandbox, as Nix's.
pub const BUILD_UID: u32 = 1000;
pub const BUILD_GID: u32 = 100;

/// Everything the stages need, written by the parent as JSON.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Spec {
    /// The prepared root: `build/`, `etc/`, the store folder, mount points.
    pub root: PathBuf,
    /// Host paths to bind into the root: (host path, absolute path inside, read-only).
    pub binds: Vec<(PathBuf, String, bool)>,
    /// Whether the build keeps the host's network (fixed-output derivations).
    pub network: bool,
    /// The user and group outside.
    pub uid: u32,
    pub gid: u32,
    pub builder: String,
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
    /// The working directory inside, `/build`.
    pub cwd: String,
    /// The folders inside the root the build may write (`/build`, `/tmp`, the store folder);
    /// the rest of the root is read-only.
    pub writable: Vec<String>,
}

/// Why the sandbox could not be set up (reported by the stages on standard error, and by the
/// parent as the build's failure).
#[derive(Debug, thiserror::Error)]
#[error("sandbox: {0}")]
pub struct SandboxError(pub String);

fn fail(what: impl std::fmt::Display) -> impl FnOnce(nix::Error) -> SandboxError {
    let what = what.to_string();
    move |e| SandboxError(format!("{what}: {e}"))
}

fn io_fail(what: impl std::fmt::Display) -> impl FnOnce(std::io::Error) -> SandboxError {
    let what = what.to_string();
    move |e| SandboxError(format!("{what}: {e}"))
}

pub fn read_spec(path: &Path) -> Result<Spec, SandboxError> {
    let text = fs::read(path).map_err(io_fail(format!("cannot read {}", path.display())))?;
    serde_json::from_slice(&text).map_err(|e| SandboxError(format!("bad spec: {e}")))
}

/// Maps `inside` to `outside` in the user namespace this process has just entered.
fn map_ids(
    uid_inside: u32,
    uid_outside: u32,
    gid_inside: u32,
    gid_outside: u32,
) -> Result<(), SandboxError> {
    fs::write("/proc/self/setgroups", "deny").map_err(io_fail("cannot write setgroups"))?;
    fs::write(
        "/proc/self/uid_map",
        format!("{uid_inside} {uid_outside} 1"),
    )
    .map_err(io_fail("cannot write uid_map"))?;
    fs::write(
        "/proc/self/gid_map",
        format!("{gid_inside} {gid_outside} 1"),
    )
    .map_err(io_fail("cannot write gid_map"))?;
    Ok(())
}

/// Stage 1: namespaces and mounts; returns stage 2's exit code.
pub fn stage1(spec_path: &Path) -> Result<i32, SandboxError> {
    // A build whose cairn is killed dies with it.
    die_with_parent()?;
    let spec = read_spec(spec_path)?;
    let mut flags = CloneFlags::CLONE_NEWUSER
        | CloneFlags::CLONE_NEWNS
        | CloneFlags::CLONE_NEWPID
        | CloneFlags::CLONE_NEWIPC
        | CloneFlags::CLONE_NEWUTS;
    if !spec.network {
        flags |= CloneFlags::CLONE_NEWNET;
    }
    unshare(flags).map_err(fail("cannot create the namespaces"))?;
    map_ids(0, spec.uid, 0, spec.gid)?;
    if !spec.network {
        loopback_up()?;
    }
    sethostname("localhost").map_err(fail("cannot set the host name"))?;
    mount(
        None::<&str>,
        "/",
        None::<&str>,
        MsFlags::MS_REC | MsFlags::MS_PRIVATE,
        None::<&str>,
    )
    .map_err(fail("cannot make the mounts private"))?;
    let root = &spec.root;
    // pivot_root needs the new root to be a mount point.
    mount(
        Some(root),
        root,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(fail("cannot bind the root"))?;
    // Every mount point first, while the root can still be written.
    for (host, inside, _) in &spec.binds {
        mount_point(host, &inside_path(root, inside))?;
    }
    // The writable folders become mounts of their own, so that the root around them can be
    // made read-only: the build user owns every file of the root (it is the only user the
    // sandbox maps), and must not change `/etc` or the root itself.
    for inside in &spec.writable {
        let p = inside_path(root, inside);
        mount(
            Some(&p),
            &p,
            None::<&str>,
            MsFlags::MS_BIND | MsFlags::MS_REC,
            None::<&str>,
        )
        .map_err(fail(format!("cannot bind {inside}")))?;
    }
    remount_read_only(root)?;
    for (host, inside, read_only) in &spec.binds {
        bind(host, &inside_path(root, inside), *read_only)?;
    }
    let dev = root.join("dev");
    mount(
        Some("tmpfs"),
        &dev.join("shm"),
        Some("tmpfs"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV,
        Some("mode=1777"),
    )
    .map_err(fail("cannot mount /dev/shm"))?;
    // A private instance of devpts; without it, /dev/pts stays empty.
    let _ = mount(
        Some("devpts"),
        &dev.join("pts"),
        Some("devpts"),
        MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
        Some("newinstance,ptmxmode=0666,mode=0620"),
    );
    let status = Command::new("/proc/self/exe")
        .args(["__sandbox", "stage2"])
        .arg(spec_path)
        .status()
        .map_err(io_fail("cannot start the sandbox's process 1"))?;
    Ok(status.code().unwrap_or(128 + 9))
}

/// Brings up `lo`, the only interface of a new network namespace (index 1), with one
/// `RTM_NEWLINK` netlink request, as `ip link set lo up` does.
fn loopback_up() -> Result<(), SandboxError> {
    use nix::sys::socket::{
        AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto,
        socket,
    };
    let sock = socket(
        AddressFamily::Netlink,
        SockType::Raw,
        SockFlag::SOCK_CLOEXEC,
        SockProtocol::NetlinkRoute,
    )
    .map_err(fail("cannot open a netlink socket"))?;
    const RTM_NEWLINK: u16 = 16;
    const NLM_F_REQUEST: u16 = 1;
    const NLM_F_ACK: u16 = 4;
    const IFF_UP: u32 = 1;
    let mut msg = Vec::with_capacity(32);
    msg.extend_from_slice(&32u32.to_ne_bytes()); // nlmsg_len
    msg.extend_from_slice(&RTM_NEWLINK.to_ne_bytes()); // nlmsg_type
    msg.extend_from_slice(&(NLM_F_REQUEST | NLM_F_ACK).to_ne_bytes()); // nlmsg_flags
    msg.extend_from_slice(&1u32.to_ne_bytes()); // nlmsg_seq
    msg.extend_from_slice(&0u32.to_ne_bytes()); // nlmsg_pid
    msg.extend_from_slice(&[0, 0]); // ifi_family (AF_UNSPEC), padding
    msg.extend_from_slice(&0u16.to_ne_bytes()); // ifi_type
    msg.extend_from_slice(&1i32.to_ne_bytes()); // ifi_index: lo
    msg.extend_from_slice(&IFF_UP.to_ne_bytes()); // ifi_flags
    msg.extend_from_slice(&IFF_UP.to_ne_bytes()); // ifi_change
    sendto(
        std::os::fd::AsRawFd::as_raw_fd(&sock),
        &msg,
        &NetlinkAddr::new(0, 0),
        MsgFlags::empty(),
    )
    .map_err(fail("cannot bring up the loopback interface"))?;
    // The acknowledgement: an NLMSG_ERROR whose error code is 0.
    let mut reply = [0u8; 256];
    let n = recv(
        std::os::fd::AsRawFd::as_raw_fd(&sock),
        &mut reply,
        MsgFlags::empty(),
    )
    .map_err(fail("cannot bring up the loopback interface"))?;
    if n >= 20 {
        let code = i32::from_ne_bytes([reply[16], reply[17], reply[18], reply[19]]);
        if code != 0 {
            return Err(SandboxError(format!(
                "cannot bring up the loopback interface: {}",
                nix::errno::Errno::from_raw(-code)
            )));
        }
    }
    Ok(())
}

fn die_with_parent() -> Result<(), SandboxError> {
    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGKILL)
        .map_err(fail("cannot tie the build to its parent"))
}

fn inside_path(root: &Path, inside: &str) -> PathBuf {
    root.join(inside.trim_start_matches('/'))
}

/// Creates `target` as a file or folder to match `host`, to mount `host` on.
fn mount_point(host: &Path, target: &Path) -> Result<(), SandboxError> {
    let md = fs::metadata(host).map_err(io_fail(format!("cannot bind {}", host.display())))?;
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)
            .map_err(io_fail(format!("cannot create {}", parent.display())))?;
    }
    if md.is_dir() {
        fs::create_dir_all(target)
            .map_err(io_fail(format!("cannot create {}", target.display())))?;
    } else if !target.exists() {
        fs::write(target, "").map_err(io_fail(format!("cannot create {}", target.display())))?;
    }
    Ok(())
}

/// Binds `host` at `target` (a mount point made by `mount_point`), read-only when asked.
fn bind(host: &Path, target: &Path, read_only: bool) -> Result<(), SandboxError> {
    mount(
        Some(host),
        target,
        None::<&str>,
        MsFlags::MS_BIND | MsFlags::MS_REC,
        None::<&str>,
    )
    .map_err(fail(format!("cannot bind {}", host.display())))?;
    if read_only {
        remount_read_only(target)?;
    }
    Ok(())
}

/// Makes the mount at `target` read-only.
fn remount_read_only(target: &Path) -> Result<(), SandboxError> {
    {
        // A remount in a user namespace must keep the flags the mount is locked with.
        let mut flags = MsFlags::MS_BIND | MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY;
        if let Ok(st) = statvfs(target) {
            let f = st.flags();
            for (fs_flag, ms_flag) in [
                (FsFlags::ST_NOSUID, MsFlags::MS_NOSUID),
                (FsFlags::ST_NODEV, MsFlags::MS_NODEV),
                (FsFlags::ST_NOEXEC, MsFlags::MS_NOEXEC),
                (FsFlags::ST_NOATIME, MsFlags::MS_NOATIME),
                (FsFlags::ST_NODIRATIME, MsFlags::MS_NODIRATIME),
                (FsFlags::ST_RELATIME, MsFlags::MS_RELATIME),
            ] {
                if f.contains(fs_flag) {
                    flags |= ms_flag;
                }
            }
        }
        mount(None::<&str>, target, None::<&str>, flags, None::<&str>)
            .map_err(fail(format!("cannot make {} read-only", target.display())))?;
    }
    Ok(())
}

/// Stage 2, process 1 of the build's pid namespace: `/proc`, the new root, the build user,
/// then the builder in its place. Returns only when the builder cannot be started.
pub fn stage2(spec_path: &Path) -> Result<i32, SandboxError> {
    die_with_parent()?;
    let spec = read_spec(spec_path)?;
    let root = &spec.root;
    mount(
        Some("proc"),
        &root.join("proc"),
        Some("proc"),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        None::<&str>,
    )
    .map_err(fail("cannot mount /proc"))?;
    std::env::set_current_dir(root).map_err(io_fail("cannot enter the root"))?;
    let old = root.join(".old-root");
    fs::create_dir_all(&old).map_err(io_fail("cannot create the old root's mount point"))?;
    pivot_root(".", ".old-root").map_err(fail("cannot change the root"))?;
    std::env::set_current_dir("/").map_err(io_fail("cannot enter the new root"))?;
    umount2("/.old-root", MntFlags::MNT_DETACH).map_err(fail("cannot detach the host's root"))?;
    let _ = fs::remove_dir("/.old-root");
    unshare(CloneFlags::CLONE_NEWUSER).map_err(fail("cannot create the build user's namespace"))?;
    map_ids(BUILD_UID, 0, BUILD_GID, 0)?;
    let mut cmd = Command::new(&spec.builder);
    // As Nix: the builder's argv[0] is its base name.
    let arg0 = spec.builder.rsplit('/').next().unwrap_or(&spec.builder);
    std::os::unix::process::CommandExt::arg0(&mut cmd, arg0);
    cmd.args(&spec.args)
        .env_clear()
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .current_dir(&spec.cwd);
    // The builder becomes process 1, as in Nix's sandbox: when it exits, the kernel kills
    // whatever the build left running.
    let e = std::os::unix::process::CommandExt::exec(&mut cmd);
    eprintln!("error: cannot run the builder '{}': {e}", spec.builder);
    Ok(127)
}

/// Prepares the root folder of a build: the mount points, `/etc` with the build user, and an
/// empty store folder the build user can write its outputs into.
pub fn prepare_root(root: &Path, store_dir: &str, network: bool) -> std::io::Result<()> {
    for d in [
        "build",
        "proc",
        "dev/shm",
        "dev/pts",
        "etc",
        "tmp",
        ".old-root",
    ] {
        fs::create_dir_all(root.join(d))?;
    }
    let store = root.join(store_dir.trim_start_matches('/'));
    fs::create_dir_all(&store)?;
    fs::set_permissions(&store, fs::Permissions::from_mode(0o1775))?;
    fs::set_permissions(root.join("tmp"), fs::Permissions::from_mode(0o1777))?;
    fs::set_permissions(root.join("build"), fs::Permissions::from_mode(0o700))?;
    fs::write(
        root.join("etc/passwd"),
        format!(
            "root:x:0:0:Nix build user:/build:/noshell\n\
             nixbld:x:{BUILD_UID}:{BUILD_GID}:Nix build user:/build:/noshell\n\
             nobody:x:65534:65534:Nobody:/:/noshell\n"
        ),
    )?;
    fs::write(
        root.join("etc/group"),
        format!("root:x:0:\nnixbld:!:{BUILD_GID}:\nnogroup:x:65534:\n"),
    )?;
    let hosts = if network {
        fs::read_to_string("/etc/hosts").unwrap_or_default()
    } else {
        "127.0.0.1 localhost\n::1 localhost\n".to_string()
    };
    fs::write(root.join("etc/hosts"), hosts)?;
    for (link, target) in [
        ("dev/ptmx", "pts/ptmx"),
        ("dev/fd", "/proc/self/fd"),
        ("dev/stdin", "/proc/self/fd/0"),
        ("dev/stdout", "/proc/self/fd/1"),
        ("dev/stderr", "/proc/self/fd/2"),
    ] {
        std::os::unix::fs::symlink(target, root.join(link))?;
    }
    Ok(())
}

/// The device nodes a build gets, bound from the host.
pub const DEVICES: [&str; 6] = [
    "/dev/null",
    "/dev/zero",
    "/dev/full",
    "/dev/random",
    "/dev/urandom",
    "/dev/tty",
];
