//! Differential tests of derivations against real Nix: every case is a `.nix` file whose value
//! is a derivation, or lists and sets of them, and `cairn eval` must give the same `.drv` path
//! and the same path for every output as `nix-instantiate --eval` does. One named test per
//! case, run with `cargo test --test drv_oracle -- NAME`.
//!
//! The cases are data in `tests/drv_oracle/`:
//!
//! - `cases/NAME.nix`: both programs evaluate `import ./project.nix (import ./cases/NAME.nix)`
//!   with `--strict --json`; `project.nix` replaces every derivation by its `drvPath`,
//!   `outPath` and the path of each output. The two values must be equal, and hold at least
//!   one derivation.
//! - `errors/NAME.nix`: Nix fails on the case, and cairn must fail too, with exit 1 (the
//!   messages are not compared).
//! - `notyetpassing/NAME.nix`: cases Nix evaluates and cairn does not yet (a comment in each
//!   says why). They must still differ, so that a fix is noticed: the case then moves to
//!   `cases/`.
//!
//! `lib.nix` holds helpers the cases share, `files/` the sources they copy to the store.
//! The whole folder is copied into a temporary folder first, and both programs run there with
//! `HOME=/fake-home`, `NIX_PATH` unset and `NIX_REMOTE=dummy://`, so nothing depends on the
//! checkout's location or on what `/nix/store` holds (the paths of sources depend on their
//! base names and contents only).
//!
//! A case whose text has a line `# nix: --read-write-mode` is evaluated by Nix with that flag
//! and the local store instead: the `.drv` paths of a derivation that refers to another
//! `drvPath` (a `=` context, which brings in the other's whole closure) are only computed by
//! Nix once the closure's `.drv` files are in the store, and Nix writes them only in read-write
//! mode. Those cases write to `/nix/store`.
//!
//! Where Nix can write its store (as root), every case of `cases/` is also instantiated by both
//! programs (`cairn instantiate` into a store of its own, `nix-instantiate --read-write-mode`
//! into `/nix/store`), and every `.drv` file the case names must have the same bytes; a case
//! with the line `# nix: no-drv-files` is left out of this (Nix cannot read its files back).
//!
//! Without `nix-instantiate` every test is skipped, loudly, and the run passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/drv_oracle")
}

#[derive(Clone, Copy, Debug)]
enum Program {
    Cairn,
    Nix,
}

/// How one program's evaluation of a case ended.
struct Run {
    program: Program,
    /// The exit code, `None` for a signal.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn succeeded(&self) -> bool {
        self.code == Some(0)
    }

    /// The projection printed, when the evaluation succeeded.
    fn projection(&self) -> Result<Value, Failed> {
        serde_json::from_str(&self.stdout).map_err(|e| {
            format!("{:?} printed no JSON ({e}):\n{}", self.program, self.stdout).into()
        })
    }

    /// The exit code and the end of stderr, for a failure report.
    fn describe(&self) -> String {
        let lines: Vec<&str> = self.stderr.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        let code = self
            .code
            .map_or("a signal".to_string(), |c| format!("exit {c}"));
        match self.program {
            Program::Cairn => format!("--- cairn ({code}):\n{}{tail}", self.stdout),
            Program::Nix => format!("--- nix-instantiate ({code}):\n{}{tail}", self.stdout),
        }
    }
}

/// The line of a case that makes Nix evaluate it in read-write mode, with the local store.
const READ_WRITE: &str = "# nix: --read-write-mode";

/// The line of a case whose `.drv` files Nix cannot read back (it writes a `system` with quotes
/// unescaped; a source named `*.drv` is taken for a derivation), so that Nix's read-write
/// mode fails on it: its files are not compared.
const NO_DRV_FILES: &str = "# nix: no-drv-files";

/// Evaluates the projection of the case `file` (relative to `dir`, such as `cases/plain.nix`).
fn evaluate(program: Program, file: &str, dir: &Path) -> Run {
    let expr = format!("import ./project.nix (import ./{file})");
    let mut cmd = match program {
        Program::Cairn => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
            c.args(["eval", "--strict", "--json", "--color", "never"]);
            c
        }
        Program::Nix => {
            let text = std::fs::read_to_string(dir.join(file))
                .unwrap_or_else(|e| panic!("cannot read {file}: {e}"));
            let mut c = Command::new("nix-instantiate");
            c.args(["--eval", "--strict", "--json"]);
            if text.lines().any(|l| l.trim() == READ_WRITE) {
                c.arg("--read-write-mode").env_remove("NIX_REMOTE");
            } else {
                c.env("NIX_REMOTE", "dummy://");
            }
            c
        }
    };
    let out = cmd
        .arg("-E")
        .arg(&expr)
        .current_dir(dir)
        .env("HOME", "/fake-home")
        .env("NO_COLOR", "1")
        .env_remove("NIX_PATH")
        .output()
        .unwrap_or_else(|e| panic!("{program:?} does not run: {e}"));
    Run {
        program,
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The `.drv` paths of a projection, in the order they appear: the derivations a case
/// instantiates at its top, whose `.drv` files a comparison of bytes would read.
fn drv_paths(projection: &Value) -> Vec<String> {
    let mut paths = Vec::new();
    collect_drv_paths(projection, &mut paths);
    paths
}

fn collect_drv_paths(v: &Value, paths: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(p)) = map.get("drvPath") {
                paths.push(p.clone());
            } else {
                map.values().for_each(|v| collect_drv_paths(v, paths));
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_drv_paths(v, paths)),
        _ => {}
    }
}

/// Where two projections differ: one line per leaf, named by its path in the value (such as
/// `.deps[2].outputs.dev`).
fn differences(at: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) if a.len() == b.len() && a.keys().eq(b.keys()) => {
            for (k, v) in a {
                differences(&format!("{at}.{k}"), v, &b[k], out);
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{at}[{i}]"), x, y, out);
            }
        }
        _ if ours == theirs => {}
        _ => out.push(format!(
            "{}: cairn {ours} / nix {theirs}",
            if at.is_empty() { "." } else { at }
        )),
    }
}

/// The most differences shown for one case.
const SHOWN: usize = 20;

/// A case of `cases/`: Nix evaluates it, and cairn gives the same paths.
fn agrees(file: &str, dir: &Path) -> Result<(), Failed> {
    let theirs = evaluate(Program::Nix, file, dir);
    if !theirs.succeeded() {
        return Err(format!(
            "Nix does not evaluate this case; it belongs in errors/\n{}",
            theirs.describe()
        )
        .into());
    }
    let ours = evaluate(Program::Cairn, file, dir);
    if !ours.succeeded() {
        return Err(format!("cairn fails where Nix evaluates\n{}", ours.describe()).into());
    }
    let (ours, theirs) = (ours.projection()?, theirs.projection()?);
    let mut diffs = Vec::new();
    differences("", &ours, &theirs, &mut diffs);
    if !diffs.is_empty() {
        let more = diffs.len().saturating_sub(SHOWN);
        diffs.truncate(SHOWN);
        if more > 0 {
            diffs.push(format!("… and {more} more"));
        }
        return Err(format!("cairn's paths differ from Nix's:\n{}", diffs.join("\n")).into());
    }
    let drvs = drv_paths(&theirs);
    if drvs.is_empty() || drvs.iter().any(|p| !p.ends_with(".drv")) {
        return Err(format!("the case gives no derivation, or odd ones: {drvs:?}").into());
    }
    let text = std::fs::read_to_string(dir.join(file)).map_err(|e| e.to_string())?;
    if WRITABLE_NIX_STORE.get().copied().unwrap_or(false)
        && !text.lines().any(|l| l.trim().starts_with(NO_DRV_FILES))
    {
        same_drv_files(file, dir, &drvs)?;
    }
    Ok(())
}

/// Whether Nix can write its store here, for the comparison of `.drv` files.
static WRITABLE_NIX_STORE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// Both programs write the `.drv` files of the case (`cairn instantiate` into a store of its
/// own, Nix in read-write mode into `/nix/store`), and each file the projection names has the
/// same bytes in both.
fn same_drv_files(file: &str, dir: &Path, drvs: &[String]) -> Result<(), Failed> {
    let projection = format!("import ./project.nix (import ./{file})");
    let theirs = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "--read-write-mode", "-E"])
        .arg(&projection)
        .current_dir(dir)
        .env("HOME", "/fake-home")
        .env_remove("NIX_REMOTE")
        .env_remove("NIX_PATH")
        .output()
        .map_err(|e| format!("nix-instantiate does not run: {e}"))?;
    if !theirs.status.success() {
        return Err(format!(
            "nix-instantiate --read-write-mode fails: {}",
            String::from_utf8_lossy(&theirs.stderr)
        )
        .into());
    }
    // A derivation that depends on everything the projection forces, so that instantiating
    // it writes every `.drv` of the case.
    let probe = format!(
        "derivation {{ name = \"probe\"; builder = \"/bin/sh\"; system = \"x\"; \
         data = builtins.unsafeDiscardStringContext (builtins.toJSON ({projection})); }}"
    );
    let store = dir.join("../cairn-store");
    let ours = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["instantiate", "--color", "never", "-E", &probe])
        .current_dir(dir)
        .env("HOME", "/fake-home")
        .env("CAIRN_STORE", &store)
        .env_remove("CAIRN_STORE_DIR")
        .env_remove("NIX_PATH")
        .output()
        .map_err(|e| format!("cairn does not run: {e}"))?;
    if !ours.status.success() {
        return Err(format!(
            "cairn instantiate fails: {}",
            String::from_utf8_lossy(&ours.stderr)
        )
        .into());
    }
    for drv in drvs {
        let nix_bytes = std::fs::read(drv).map_err(|e| format!("Nix did not write {drv}: {e}"))?;
        let our_file = store.join(drv.trim_start_matches('/'));
        let our_bytes =
            std::fs::read(&our_file).map_err(|e| format!("cairn did not write {drv}: {e}"))?;
        if nix_bytes != our_bytes {
            return Err(format!(
                "the .drv files differ: {drv}\n--- cairn:\n{}\n--- nix:\n{}",
                String::from_utf8_lossy(&our_bytes),
                String::from_utf8_lossy(&nix_bytes)
            )
            .into());
        }
    }
    Ok(())
}

/// Whether `nix-store --add` works here (root, or a store the user owns).
fn nix_store_writable(dir: &Path) -> bool {
    let probe = dir.join("probe-file");
    std::fs::write(&probe, "probe").is_ok()
        && Command::new("nix-store")
            .arg("--add")
            .arg(&probe)
            .env_remove("NIX_REMOTE")
            .output()
            .is_ok_and(|o| o.status.success())
}

/// A case of `errors/`: both programs fail, cairn with exit 1.
fn fails(file: &str, dir: &Path) -> Result<(), Failed> {
    let theirs = evaluate(Program::Nix, file, dir);
    if theirs.succeeded() {
        return Err(format!(
            "Nix evaluates this case; it belongs in cases/\n{}",
            theirs.describe()
        )
        .into());
    }
    let ours = evaluate(Program::Cairn, file, dir);
    if ours.code != Some(1) {
        return Err(format!(
            "cairn does not fail with exit 1 as Nix fails\n{}\n{}",
            ours.describe(),
            theirs.describe()
        )
        .into());
    }
    Ok(())
}

/// A case of `notyetpassing/`: Nix evaluates it and cairn still does not agree.
fn still_differs(file: &str, dir: &Path) -> Result<(), Failed> {
    if agrees(file, dir).is_ok() {
        return Err("cairn now agrees with Nix on this case; move it to cases/".into());
    }
    let theirs = evaluate(Program::Nix, file, dir);
    if !theirs.succeeded() {
        return Err(format!(
            "Nix does not evaluate this case; it belongs in errors/\n{}",
            theirs.describe()
        )
        .into());
    }
    Ok(())
}

/// Copies a folder, keeping symbolic links and permissions.
fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let ty = entry.file_type()?;
        if ty.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src)?, &dst)?;
        } else if ty.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)?;
        }
    }
    Ok(())
}

/// Why Nix cannot be the oracle here, if it cannot.
fn nix_missing() -> Option<String> {
    match Command::new("nix-instantiate").arg("--version").output() {
        Ok(out) if out.status.success() => None,
        Ok(out) => Some(format!(
            "`nix-instantiate --version` fails ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Err(e) => Some(format!("`nix-instantiate` does not run: {e}")),
    }
}

/// The cases of one folder of the data, sorted by name (none when the folder is absent: git
/// keeps no empty folder).
fn case_files(folder: &str) -> Vec<String> {
    let dir = data_dir().join(folder);
    if !dir.exists() {
        return Vec::new();
    }
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a folder entry").file_name())
        .filter_map(|n| n.into_string().ok())
        .filter(|n| n.ends_with(".nix"))
        .collect();
    names.sort();
    names
}

fn main() {
    let args = Arguments::from_args();
    if let Some(why) = nix_missing() {
        eprintln!(
            "\n\
             ********************************************************************\n\
             * SKIPPED: the derivation oracle tests did not run.\n\
             * {why}\n\
             * Install Nix 2.8 (Debian's nix-bin) to compare cairn's derivations.\n\
             ********************************************************************\n"
        );
        return;
    }
    let work = tempfile::tempdir().expect("a temporary folder");
    let dir = work.path().join("drv_oracle");
    copy_tree(&data_dir(), &dir).expect("the data folder copies");
    let writable = nix_store_writable(work.path());
    if !writable {
        eprintln!(
            "\n*** SKIPPED: Nix cannot write its store here, so the .drv files are not \
             compared byte for byte (the paths still are) ***\n"
        );
    }
    WRITABLE_NIX_STORE.set(writable).expect("set once");

    type Check = fn(&str, &Path) -> Result<(), Failed>;
    let kinds: [(&str, Check); 3] = [
        ("cases", agrees),
        ("errors", fails),
        ("notyetpassing", still_differs),
    ];
    let mut trials = Vec::new();
    for (folder, check) in kinds {
        for name in case_files(folder) {
            let file = format!("{folder}/{name}");
            let dir = dir.clone();
            let test_name = format!("{folder}::{}", name.trim_end_matches(".nix"));
            trials.push(Trial::test(test_name, move || check(&file, &dir)));
        }
    }
    let conclusion = libtest_mimic::run(&args, trials);
    drop(work);
    conclusion.exit();
}
