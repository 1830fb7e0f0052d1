//! `cairn repl`: driven through a pipe as scripts drive it (each result on standard output,
//! errors on standard error, exit code 0 at the end), and once on a terminal under tmux
//! (the prompt, tab completion, lines that go on, history kept between sessions).
//!
//! Every test runs in a temporary folder with a store, a cache and a state folder of its own.
//! The build test needs the host's static busybox at `/bin/busybox` (the sandbox's `/bin/sh`)
//! and the terminal test needs tmux; without them they are skipped with a `SKIPPED` banner on
//! standard error.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, contents: &str) {
        std::fs::write(self.path(rel), contents).unwrap();
    }

    /// The variables every `cairn` here runs with: nothing of the user's.
    fn vars(&self) -> Vec<(&'static str, PathBuf)> {
        vec![
            ("CAIRN_STORE", self.path("store")),
            ("HOME", self.dir.path().to_path_buf()),
            ("XDG_CACHE_HOME", self.path("cache")),
            ("XDG_STATE_HOME", self.path("state")),
        ]
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
        c.args(args)
            .envs(self.vars())
            .env_remove("NIX_PATH")
            .env_remove("CAIRN_STORE_DIR")
            .env_remove("XDG_DATA_HOME")
            .current_dir(self.dir.path());
        c
    }

    /// `cairn repl ARGS` with `input` on standard input.
    fn repl(&self, args: &[&str], input: &str) -> Output {
        let mut child = self
            .command(&[&["repl"], args].concat())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the cairn binary runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    /// `cairn repl` with `input`: exit code 0, and gives standard output and standard error.
    fn session(&self, args: &[&str], input: &str) -> (String, String) {
        let out = self.repl(args, input);
        let stdout = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "cairn repl failed:\n{stdout}\n{stderr}"
        );
        (stdout, stderr)
    }

    /// Standard output of a session with no error.
    fn ok(&self, input: &str) -> String {
        let (stdout, stderr) = self.session(&[], input);
        assert_eq!(stderr, "", "no error expected; standard output:\n{stdout}");
        stdout
    }
}

/// Says loudly that `test` is skipped: straight to standard error, past the test harness's
/// capture, so that a passing run shows it.
fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "\n==== SKIPPED {test}: {why} ====\n");
}

#[test]
fn an_expression_prints_its_value() {
    assert_eq!(Env::new().ok("1 + 1\n"), "2\n");
}

#[test]
fn bindings_are_seen_by_later_lines() {
    let out = Env::new().ok("x = 3\ny = x * 2\n[ x y ]\n");
    assert_eq!(out, "[ 3 6 ]\n");
}

#[test]
fn bindings_are_lazy_and_a_new_binding_shadows_the_old() {
    let out = Env::new().ok("boom = throw \"never\"\nx = 1\nf = x\nx = 2\n[ f x ]\n");
    assert_eq!(out, "[ 1 2 ]\n");
}

#[test]
fn bindings_shadow_globals_and_with_does_not_shadow_bindings() {
    let out = Env::new().ok("true = 1\ntrue\nwith { true = 2; }; true\nlet true = 3; in true\n");
    assert_eq!(out, "1\n1\n3\n");
}

#[test]
fn unfinished_input_goes_on_on_the_next_lines() {
    let input = "{\n  a = 1;\n  b = [\n    2\n  ];\n}\nlet x = 4;\nin x\n\"two\nlines\"\ns = ''\n  a\n''\ns\n:p {\n  c = 1; }\n/* a\ncomment */ 5\n";
    let out = Env::new().ok(input);
    assert_eq!(
        out,
        "{ a = 1; b = [ ... ]; }\n4\n\"two\\nlines\"\n\"a\\n\"\n{ c = 1; }\n5\n"
    );
}

#[test]
fn values_are_printed_one_level_deep_and_deeply_with_p() {
    let env = Env::new();
    let input =
        "v = { a = { b = 1; }; l = [ 1 [ 2 ] ]; s = \"x\"; n = null; e = { }; }\nv\n:p v\nv.l\n";
    assert_eq!(
        env.ok(input),
        "{ a = { ... }; e = { }; l = [ ... ]; n = null; s = \"x\"; }\n\
         { a = { b = 1; }; e = { }; l = [ 1 [ 2 ] ]; n = null; s = \"x\"; }\n\
         [ 1 [ ... ] ]\n"
    );
}

#[test]
fn functions_derivations_and_errors_inside_a_value_print_as_nix_repl_prints_them() {
    let input = "{ f = x: x; m = map; p = map (x: x); d = derivation { name = \"d\"; system = \"x\"; builder = \"/b\"; }; e = throw \"inner\"; }\n";
    let out = Env::new().ok(input);
    let line = out.trim_end();
    assert!(
        line.starts_with("{ d = «derivation /nix/store/") && line.contains("-d.drv»; "),
        "{line}"
    );
    assert!(
        line.ends_with(
            "e = «error: inner»; f = «lambda @ «string»:1:7»; m = «primop map»; \
             p = «partially applied primop map»; }"
        ),
        "{line}"
    );
}

#[test]
fn t_gives_the_type_as_type_of_does() {
    let out = Env::new().ok(":t 1\n:t { }\n:t x: x\n:t \"s\"\n:t 1.5\n:t [ ]\n:t null\n:t ./.\n");
    assert_eq!(out, "int\nset\nlambda\nstring\nfloat\nlist\nnull\npath\n");
}

#[test]
fn doc_shows_the_documentation_of_builtins() {
    let out = Env::new().ok(":doc map\n:doc builtins.attrNames\n:doc noSuchThing\n");
    assert!(
        out.starts_with("Synopsis: builtins.map f list\n\n    "),
        "{out}"
    );
    assert!(out.contains("Synopsis: builtins.attrNames set\n"), "{out}");
    assert!(
        out.ends_with("no documentation for 'noSuchThing'\n"),
        "{out}"
    );
}

#[test]
fn a_adds_the_attributes_of_a_set() {
    let env = Env::new();
    let (out, err) = env.session(&[], ":a { u = 7; v = 8; w = 0; }\n[ u v ]\n");
    assert_eq!(out, "[ 7 8 ]\n");
    assert_eq!(err, "Added 3 variables.\n");
}

#[test]
fn l_loads_a_file_and_a_function_is_called_with_its_defaults() {
    let env = Env::new();
    env.write("set.nix", "{ a = 1; b = \"x\"; }");
    env.write("fun.nix", "{ n ? 5 }: { n2 = n * 2; }");
    let (out, err) = env.session(&[], ":l set.nix\n:l ./fun.nix\n[ a b n2 ]\n");
    assert_eq!(out, "[ 1 \"x\" 10 ]\n");
    assert_eq!(err, "Added 2 variables.\nAdded 1 variable.\n");
    // The file argument, and `--arg` for its function.
    let (out, _) = env.session(&["fun.nix", "--arg", "n", "21"], "n2\n");
    assert_eq!(out, "42\n");
}

#[test]
fn r_reads_the_files_again() {
    let env = Env::new();
    env.write("first.nix", "{ a = 1; }");
    env.write("second.nix", "{ b = 10; }");
    let mut child = env
        .command(&["repl", "first.nix"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    writeln!(stdin, ":l second.nix\nx = 5\na + b").unwrap();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "11\n");
    env.write("first.nix", "{ a = 2; }");
    env.write("second.nix", "{ b = 20; }");
    writeln!(stdin, ":r\na + b\nx").unwrap();
    drop(stdin);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut rest).unwrap();
    assert_eq!(rest, "22\n");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8(out.stderr).unwrap();
    // `:r` forgets the bindings, as nix repl's does.
    assert!(err.contains("undefined variable 'x'"), "{err}");
}

#[test]
fn errors_print_as_cairn_eval_prints_them_and_the_session_goes_on() {
    let env = Env::new();
    let (out, err) = env.session(&[], "{ a = 1; }.b\n1 + 1\nlet f = x: x.y; in f { }\n2\n");
    assert_eq!(out, "2\n2\n");
    let mut expected = String::new();
    for expr in ["{ a = 1; }.b", "let f = x: x.y; in f { }"] {
        let eval = env.command(&["eval", "-E", expr]).output().unwrap();
        assert_eq!(eval.status.code(), Some(1));
        expected.push_str(&String::from_utf8(eval.stderr).unwrap());
    }
    assert_eq!(err, expected);
}

#[test]
fn an_unfinished_input_at_the_end_is_a_syntax_error() {
    let (out, err) = Env::new().session(&[], "1\n{ a = 1;\n");
    assert_eq!(out, "1\n");
    assert!(err.contains("unexpected end of input"), "{err}");
}

#[test]
fn unknown_commands_and_missing_arguments_are_errors() {
    let (out, err) = Env::new().session(&[], ":zz\n:p\n3\n");
    assert_eq!(out, "3\n");
    assert!(err.contains("unknown command ':zz'"), "{err}");
    assert!(err.contains("`:p` needs an expression"), "{err}");
}

#[test]
fn q_ends_the_session() {
    assert_eq!(Env::new().ok("1\n:q\n2\n"), "1\n");
}

#[test]
fn help_lists_the_commands() {
    let out = Env::new().ok(":?\n");
    for command in [
        ":a", ":b", ":doc", ":l", ":lf", ":p", ":q", ":r", ":t", ":?",
    ] {
        assert!(
            out.lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "{command} is missing:\n{out}"
        );
    }
}

#[test]
fn flakes_load_with_lf_and_from_the_command_line() {
    let env = Env::new();
    std::fs::create_dir_all(env.path("app")).unwrap();
    env.write(
        "app/flake.nix",
        "{ inputs.stdlib.url = \"cairn:stdlib\"; outputs = { self, stdlib }: \
         { answer = 42; upper = stdlib.lib.toUpper \"x\"; }; }\n",
    );
    let (out, err) = env.session(&[], ":lf ./app\nanswer\nupper\n:lf github:x/y\n1\n");
    assert_eq!(out, "42\n\"X\"\n1\n");
    assert!(
        err.contains("cannot understand the flake reference"),
        "{err}"
    );
    assert!(env.path("app/flake.lock").is_file());
    let (out, _) = env.session(&["./app"], "answer + 1\n");
    assert_eq!(out, "43\n");
}

#[test]
fn the_standard_library_is_there() {
    let out = Env::new().ok(
        "pkgs = import <cairn> { }\npkgs.lib.strings.toUpper \"abc\"\n:t pkgs.stdenv.mkDerivation\n",
    );
    assert_eq!(out, "\"ABC\"\nlambda\n");
}

#[test]
fn b_builds_a_derivation_and_lists_its_outputs() {
    if !Path::new("/bin/busybox").exists() {
        skip(
            "b_builds_a_derivation_and_lists_its_outputs",
            "no static busybox at /bin/busybox",
        );
        return;
    }
    let env = Env::new();
    let input = "d = derivation { name = \"hi\"; system = builtins.currentSystem; builder = \"/bin/sh\"; args = [ \"-c\" \"echo hello > $out\" ]; }\n:b d\n:b 1\n1\n";
    let (out, err) = env.session(&[], input);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(lines[0], "This derivation produced the following outputs:");
    let path = lines[1]
        .strip_prefix("  out -> ")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        path.starts_with("/nix/store/") && path.ends_with("-hi"),
        "{path}"
    );
    assert_eq!(lines[2], "1");
    let built = env.path("store").join(path.trim_start_matches('/'));
    assert_eq!(std::fs::read_to_string(built).unwrap(), "hello\n");
    assert!(
        err.contains("value is an integer while a derivation was expected"),
        "{err}"
    );
}

/// tmux on a socket of the test's own, with the REPL in a window of `COLUMNS` x 40.
struct Tmux<'e> {
    env: &'e Env,
    socket: PathBuf,
}

impl Tmux<'_> {
    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Starts `cairn repl` in the session `name`.
    fn start(&self, name: &str) {
        let mut command = vec!["env".to_string()];
        for (var, value) in self.env.vars() {
            command.push(format!("{var}={}", value.display()));
        }
        command.push(env!("CARGO_BIN_EXE_cairn").to_string());
        command.push("repl".to_string());
        let dir = self.env.dir.path().to_str().unwrap();
        let mut args = vec![
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "100",
            "-y",
            "40",
            "-c",
            dir,
        ];
        args.extend(command.iter().map(String::as_str));
        let out = self.tmux(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn keys(&self, name: &str, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", name];
        args.extend(keys);
        assert!(self.tmux(&args).status.success());
    }

    /// Typed text, sent literally.
    fn type_text(&self, name: &str, text: &str) {
        assert!(
            self.tmux(&["send-keys", "-t", name, "-l", text])
                .status
                .success()
        );
    }

    fn screen(&self, name: &str) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", name]).stdout).into_owned()
    }

    /// Waits until the screen satisfies `ready`, and gives it; fails with the screen when it
    /// does not within a generous bound (a bound on waiting, not an assertion on speed).
    fn wait_for(&self, name: &str, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen(name);
            if ready(&screen) {
                return screen;
            }
            if start.elapsed() > Duration::from_secs(60) {
                panic!("waited for {what}; the screen is:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn running(&self, name: &str) -> bool {
        self.tmux(&["has-session", "-t", name]).status.success()
    }
}

impl Drop for Tmux<'_> {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// The last line of the screen that is not empty.
fn last_line(screen: &str) -> &str {
    screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
}

#[test]
fn on_a_terminal_it_prompts_completes_goes_on_and_remembers() {
    let test = "on_a_terminal_it_prompts_completes_goes_on_and_remembers";
    if Command::new("tmux").arg("-V").output().is_err() {
        skip(test, "no tmux");
        return;
    }
    let env = Env::new();
    let tmux = Tmux {
        env: &env,
        socket: env.path("tmux.sock"),
    };

    tmux.start("one");
    tmux.wait_for("one", "the prompt", |s| last_line(s) == "cairn-repl>");

    // A built-in's name completed after `builtins.`.
    tmux.type_text("one", "builtins.attrN");
    tmux.keys("one", &["Tab"]);
    tmux.wait_for("one", "builtins.attrNames", |s| {
        last_line(s) == "cairn-repl> builtins.attrNames"
    });
    tmux.type_text("one", " { zz = 1; }");
    tmux.keys("one", &["Enter"]);
    tmux.wait_for("one", "the names", |s| s.contains("\n[ \"zz\" ]\n"));

    // An attribute path: the prefix is evaluated, and its names completed.
    tmux.type_text(
        "one",
        "pkgs = { dockerTools = 1; dockerfile = 2; hello = 3; }",
    );
    tmux.keys("one", &["Enter"]);
    tmux.type_text("one", "pkgs.dockerT");
    tmux.keys("one", &["Tab"]);
    tmux.wait_for("one", "pkgs.dockerTools", |s| {
        last_line(s) == "cairn-repl> pkgs.dockerTools"
    });
    tmux.keys("one", &["Enter"]);
    tmux.wait_for("one", "its value", |s| {
        s.contains("cairn-repl> pkgs.dockerTools\n1\n")
    });
    // Two candidates: the common part, then the list.
    tmux.type_text("one", "pkgs.do");
    tmux.keys("one", &["Tab"]);
    tmux.wait_for("one", "pkgs.docker", |s| {
        last_line(s) == "cairn-repl> pkgs.docker"
    });
    tmux.keys("one", &["Tab"]);
    tmux.wait_for("one", "the candidates", |s| {
        s.lines()
            .any(|l| l.split_whitespace().eq(["dockerTools", "dockerfile"]))
    });
    tmux.keys("one", &["C-u"]);

    // An unfinished expression goes on under the continuation prompt.
    tmux.type_text("one", "{ a =");
    tmux.keys("one", &["Enter"]);
    tmux.wait_for("one", "the continuation prompt", |s| {
        last_line(s) == "        ..."
    });
    tmux.type_text("one", "41 + 1; }");
    tmux.keys("one", &["Enter"]);
    tmux.wait_for("one", "the value", |s| s.contains("\n{ a = 42; }\n"));

    tmux.type_text("one", "remembered = \"from the first session\"");
    tmux.keys("one", &["Enter"]);
    tmux.wait_for("one", "the prompt", |s| last_line(s) == "cairn-repl>");
    // Ctrl-D ends the session.
    tmux.keys("one", &["C-d"]);
    let start = Instant::now();
    while tmux.running("one") {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "Ctrl-D does not end the REPL"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // A new session has the history of the first.
    tmux.start("two");
    tmux.wait_for("two", "the prompt", |s| last_line(s) == "cairn-repl>");
    tmux.keys("two", &["Up"]);
    tmux.wait_for("two", "the last line of the first session", |s| {
        last_line(s) == "cairn-repl> remembered = \"from the first session\""
    });
    tmux.keys("two", &["Enter"]);
    tmux.type_text("two", "remembered");
    tmux.keys("two", &["Enter"]);
    tmux.wait_for("two", "the value", |s| {
        s.contains("cairn-repl> remembered\n\"from the first session\"\n")
    });
    tmux.keys("two", &[":q", "Enter"]);
}
