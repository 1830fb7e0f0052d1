//! Differential tests of evaluation against real Nix: an expression is evaluated by
//! `cairn eval --strict -E` and by `nix-instantiate --eval --strict -E`, and the two must agree on
//! whether it evaluates and, when it does, print the same bytes.
//!
//! The cases are data in `tests/eval_oracle/`, one expression per block, blocks separated by a
//! line `---` (a block of only comments is a note):
//!
//! - `corpus.nix-list`: hand-written expressions over the whole language and the pure builtins
//!   that evaluate. They run as one list, one process per program; only when the two outputs
//!   differ does each case run alone, to name every case that differs.
//! - `errors.nix-list`: expressions whose evaluation fails in Nix; cairn must fail too, with
//!   exit 1 (the messages are not compared). Each runs alone, `WORKERS` at a time, since a
//!   failure would end a list.
//! - `known-differences.txt`: expressions on which cairn is known to differ from Nix, each with
//!   both outputs and a diagnosis in comments. They must still differ, so that a fix is noticed
//!   (the case then moves to one of the files above).
//!
//! Besides, random well-typed expressions (proptest) over numbers, strings with escapes,
//! indented strings, lists, sets, `if`, `let`, `with`, functions and the builtins over them run
//! as one list per case, kept clear of the known differences.
//!
//! Both programs run in the same empty temporary folder with `HOME=/fake-home`, `NIX_PATH`
//! unset and `NIX_REMOTE=dummy://`. Nix is required (Debian's `nix-bin`; `scripts/test.sh`
//! installs it): without it these tests fail, as the parser's oracle test does.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;

/// Cases evaluated alone at the same time: each is two short processes that mostly wait.
const WORKERS: usize = 4;

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/eval_oracle")
}

/// An expression of a case file, and the line its code starts on.
struct Case {
    line: usize,
    expr: String,
}

/// Splits a case file into blocks at the lines `---`. A block of nothing but comments and blank
/// lines is a note, not a case.
fn read_cases(file: &str) -> Vec<Case> {
    let path = data_dir().join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut cases = Vec::new();
    let mut block: Vec<(usize, &str)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line == "---" {
            cases.extend(case_of(&block));
            block.clear();
        } else {
            block.push((i + 1, line));
        }
    }
    cases.extend(case_of(&block));
    cases
}

fn case_of(block: &[(usize, &str)]) -> Option<Case> {
    let (line, _) = block.iter().find(|(_, l)| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with('#')
    })?;
    let expr = block.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
    Some(Case { line: *line, expr })
}

#[derive(Clone, Copy)]
enum Program {
    Cairn,
    Nix,
}

/// How an evaluation ended.
enum Outcome {
    /// Exit 0, and the value printed.
    Value(Vec<u8>),
    /// Exit 1: the evaluation failed.
    Error,
    /// Any other exit: an internal error, a panic or a signal.
    Crash(String),
}

/// What one program made of an expression.
struct Verdict {
    outcome: Outcome,
    stderr: String,
}

impl Verdict {
    fn agrees_with(&self, other: &Verdict) -> bool {
        match (&self.outcome, &other.outcome) {
            (Outcome::Value(a), Outcome::Value(b)) => a == b,
            (Outcome::Error, Outcome::Error) => true,
            _ => false,
        }
    }

    fn is_value(&self) -> bool {
        matches!(self.outcome, Outcome::Value(_))
    }

    fn is_error(&self) -> bool {
        matches!(self.outcome, Outcome::Error)
    }

    /// The value printed, or the end of the error message.
    fn describe(&self) -> String {
        let stderr_tail = || {
            let lines: Vec<&str> = self.stderr.lines().collect();
            lines[lines.len().saturating_sub(12)..].join("\n")
        };
        match &self.outcome {
            Outcome::Value(v) => format!("prints:\n{}", String::from_utf8_lossy(v)),
            Outcome::Error => format!("fails:\n{}\n", stderr_tail()),
            Outcome::Crash(how) => format!("crashes ({how}):\n{}\n", stderr_tail()),
        }
    }
}

fn evaluate(program: Program, expr: &str, dir: &Path) -> Verdict {
    // nix-instantiate takes an argument starting with `-` for an option, even after `-E`.
    let expr = if expr.starts_with('-') {
        format!(" {expr}")
    } else {
        expr.to_string()
    };
    let mut cmd = match program {
        Program::Cairn => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_cairn"));
            c.args(["eval", "--strict", "--color", "never", "-E"]);
            c
        }
        Program::Nix => {
            let mut c = Command::new("nix-instantiate");
            c.args(["--eval", "--strict", "-E"]);
            c
        }
    };
    let out = cmd
        .arg(&expr)
        .current_dir(dir)
        .env("HOME", "/fake-home")
        .env("NIX_REMOTE", "dummy://")
        .env_remove("NIX_PATH")
        .output();
    let out = match (out, program) {
        (Ok(out), _) => out,
        (Err(e), Program::Cairn) => panic!("the cairn binary does not run: {e}"),
        (Err(e), Program::Nix) => {
            panic!("nix-instantiate does not run (install Debian's nix-bin): {e}")
        }
    };
    let outcome = match out.status.code() {
        Some(0) => Outcome::Value(out.stdout),
        Some(1) => Outcome::Error,
        _ => Outcome::Crash(out.status.to_string()),
    };
    Verdict {
        outcome,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// One list of all the expressions, each in parentheses on lines of its own (it may end in a
/// comment).
fn as_list<'a>(exprs: impl IntoIterator<Item = &'a str>) -> String {
    let mut list = String::from("[\n");
    for e in exprs {
        list.push_str("(\n");
        list.push_str(e);
        list.push_str("\n)\n");
    }
    list.push(']');
    list
}

/// Evaluates every case alone with both programs, `WORKERS` cases at a time; the verdicts of
/// cairn and of Nix, in the order of the cases.
fn evaluate_each(cases: &[Case], dir: &Path) -> Vec<(Verdict, Verdict)> {
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<(Verdict, Verdict)>> = (0..cases.len()).map(|_| None).collect();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..WORKERS)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(case) = cases.get(i) else {
                            return done;
                        };
                        let ours = evaluate(Program::Cairn, &case.expr, dir);
                        let theirs = evaluate(Program::Nix, &case.expr, dir);
                        done.push((i, (ours, theirs)));
                    }
                })
            })
            .collect();
        for worker in workers {
            for (i, verdicts) in worker.join().expect("a worker panicked") {
                results[i] = Some(verdicts);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every case was evaluated"))
        .collect()
}

fn report(file: &str, case: &Case, ours: &Verdict, theirs: &Verdict) -> String {
    format!(
        "{file}:{}:\n{}\n--- cairn {}--- nix-instantiate {}",
        case.line,
        case.expr,
        ours.describe(),
        theirs.describe()
    )
}

/// Where two long outputs first differ, with some context.
fn first_difference(ours: &Verdict, theirs: &Verdict) -> String {
    let (Outcome::Value(a), Outcome::Value(b)) = (&ours.outcome, &theirs.outcome) else {
        return format!(
            "--- cairn {}--- nix-instantiate {}",
            ours.describe(),
            theirs.describe()
        );
    };
    let at = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let around = |v: &[u8]| {
        String::from_utf8_lossy(&v[at.saturating_sub(200)..(at + 200).min(v.len())]).into_owned()
    };
    format!(
        "first difference at byte {at}\n--- cairn: …{}…\n--- nix-instantiate: …{}…",
        around(a),
        around(b)
    )
}

fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary folder")
}

/// The corpus evaluates in one list per program; only when the two differ is each case
/// evaluated alone, to name the ones that differ.
#[test]
fn corpus_evaluates_as_nix_does() {
    let file = "corpus.nix-list";
    let cases = read_cases(file);
    assert!(!cases.is_empty(), "no cases in {file}");
    let dir = temp_dir();
    let list = as_list(cases.iter().map(|c| c.expr.as_str()));
    let ours = evaluate(Program::Cairn, &list, dir.path());
    let theirs = evaluate(Program::Nix, &list, dir.path());
    if theirs.is_value() && ours.agrees_with(&theirs) {
        return;
    }
    let mut problems = Vec::new();
    for (case, (ours, theirs)) in cases.iter().zip(evaluate_each(&cases, dir.path())) {
        if !theirs.is_value() {
            problems.push(format!(
                "{file}:{}: Nix does not evaluate this; it belongs in errors.nix-list\n{}\n--- nix-instantiate {}",
                case.line,
                case.expr,
                theirs.describe()
            ));
        } else if !ours.agrees_with(&theirs) {
            problems.push(report(file, case, &ours, &theirs));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} expressions are wrong:\n\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
    panic!(
        "the list of all cases evaluates differently in cairn and Nix, though no case alone does: {}",
        first_difference(&ours, &theirs)
    );
}

#[test]
fn errors_fail_as_in_nix() {
    let file = "errors.nix-list";
    let cases = read_cases(file);
    assert!(!cases.is_empty(), "no cases in {file}");
    let dir = temp_dir();
    let mut problems = Vec::new();
    for (case, (ours, theirs)) in cases.iter().zip(evaluate_each(&cases, dir.path())) {
        if !theirs.is_error() {
            problems.push(format!(
                "{file}:{}: Nix does not fail on this\n{}\n--- nix-instantiate {}",
                case.line,
                case.expr,
                theirs.describe()
            ));
        } else if !ours.is_error() {
            problems.push(report(file, case, &ours, &theirs));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} expressions are wrong:\n\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

#[test]
fn known_differences_still_differ() {
    let file = "known-differences.txt";
    let cases = read_cases(file);
    let dir = temp_dir();
    let fixed: Vec<String> = cases
        .iter()
        .zip(evaluate_each(&cases, dir.path()))
        .filter(|(_, (ours, theirs))| ours.agrees_with(theirs))
        .map(|(case, (ours, _))| {
            format!(
                "{file}:{}:\n{}\n--- both {}",
                case.line,
                case.expr,
                ours.describe()
            )
        })
        .collect();
    assert!(
        fixed.is_empty(),
        "cairn now agrees with Nix on {} known differences; move them to corpus.nix-list or errors.nix-list:\n\n{}",
        fixed.len(),
        fixed.join("\n")
    );
}

/// Generators of closed, well-typed expressions that evaluate without error in both programs:
/// divisors are non-zero literals, integers stay far from overflow (products have a literal
/// factor), and nothing touches a known difference (no attribute named `if` or containing `$`,
/// no `substring` or regular expression over non-ASCII text, no `.` in a regular expression).
mod generate {
    use proptest::prelude::*;
    use proptest::sample::select;

    /// Expressions of each type, up to some depth.
    #[derive(Clone)]
    pub(super) struct Exprs {
        int: BoxedStrategy<String>,
        float: BoxedStrategy<String>,
        string: BoxedStrategy<String>,
        bool: BoxedStrategy<String>,
        ints: BoxedStrategy<String>,
        list: BoxedStrategy<String>,
        set: BoxedStrategy<String>,
    }

    impl Exprs {
        fn num(&self) -> BoxedStrategy<String> {
            prop_oneof![self.int.clone(), self.float.clone()].boxed()
        }

        pub(super) fn any(&self) -> BoxedStrategy<String> {
            prop_oneof![
                Just("null".to_string()),
                self.int.clone(),
                self.float.clone(),
                self.string.clone(),
                self.bool.clone(),
                self.ints.clone(),
                self.list.clone(),
                self.set.clone(),
            ]
            .boxed()
        }
    }

    /// An integer literal, in parentheses when negative.
    fn int_literal(n: i64) -> String {
        if n < 0 {
            format!("({n})")
        } else {
            n.to_string()
        }
    }

    fn small_int() -> impl Strategy<Value = String> + Clone {
        (-20i64..=20).prop_map(int_literal)
    }

    fn divisor() -> impl Strategy<Value = String> + Clone {
        prop_oneof![(1i64..=9), (-9i64..=-1)].prop_map(int_literal)
    }

    /// A float literal in one of the forms Nix reads: `12.5`, `.5`, `3.`, `1.5e-3`, `2.0E+4`.
    fn float_literal(nonzero: bool) -> impl Strategy<Value = String> + Clone {
        let low = u32::from(nonzero);
        (low..100_000u32, 0u32..=4, 0u8..4, -5i32..=7).prop_map(|(m, decimals, form, exp)| {
            let scale = 10u32.pow(decimals);
            let (int, frac) = (m / scale, m % scale);
            let mut s = match (decimals, form) {
                // `0.` is no float for Nix: `0` and a selection.
                (0, 0) if int > 0 => format!("{int}."),
                (0, _) => format!("{int}.0"),
                (d, 1) if int == 0 => format!(".{frac:0width$}", width = d as usize),
                (d, _) => format!("{int}.{frac:0width$}", width = d as usize),
            };
            match form {
                2 => s.push_str(&format!("e{exp}")),
                3 if exp >= 0 => s.push_str(&format!("E+{exp}")),
                _ => {}
            }
            s
        })
    }

    /// Pieces of a `"..."` string: escapes, dollars that start no interpolation, non-ASCII.
    const STRING_PIECES: &[&str] = &[
        "a", "b", "xy", "z", " ", "\\n", "\\t", "\\r", "\\\"", "\\\\", "\\$", "\\${", "$ ", "$x",
        "\\a", "é", "→", "{", "}", "'", "''",
    ];

    /// Pieces of an indented string line: `''` escapes, a tab, quotes and backslashes kept as
    /// they are. None contains a lone `'`, so no two of them can close the string.
    const INDENTED_PIECES: &[&str] = &[
        "a", "b x", "\"", "\\", "\\n", "''$", "'''", "''\\n", "''\\t", "$ ", "é", "\t", "{ }",
    ];

    /// Regular expressions for `split`, as Nix strings: none has an alternative that is a
    /// prefix of another, nor a `.`, nor matches the empty string (known differences).
    const SPLIT_PATTERNS: &[&str] = &[
        r#""a""#,
        r#""(a)|b""#,
        r#""[[:space:]]+""#,
        r#""x+""#,
        r#""(b)(x)?""#,
        r#""[^a-c]""#,
        r#""\\$""#,
        r#""[{}]""#,
        r#""(\\\\)""#,
    ];

    /// Regular expressions for `match`, whose groups capture the same in any regex engine.
    const MATCH_PATTERNS: &[&str] = &[
        r#""([^a]*)a([^a]*)""#,
        r#""[[:alpha:] ]*""#,
        r#""([[:space:]]*)([^[:space:]]*)""#,
        r#""(x|y)z*""#,
    ];

    /// Attribute names, some of which Nix prints quoted.
    const NAMES: &[&str] = &[
        "a", "b", "c", "x-y", "_u", "a'", "\"q r\"", "\"1\"", "\"\"", "\"é\"",
    ];

    fn string_literal(interpolated: Option<BoxedStrategy<String>>) -> BoxedStrategy<String> {
        let piece = select(STRING_PIECES).prop_map(str::to_string).boxed();
        let piece = match interpolated {
            Some(inner) => {
                prop_oneof![4 => piece, 1 => inner.prop_map(|e| format!("${{{e}}}"))].boxed()
            }
            None => piece,
        };
        prop::collection::vec(piece, 0..6)
            .prop_map(|pieces| format!("\"{}\"", pieces.concat()))
            .boxed()
    }

    fn indented_literal(interpolated: Option<BoxedStrategy<String>>) -> BoxedStrategy<String> {
        let piece = select(INDENTED_PIECES).prop_map(str::to_string).boxed();
        let piece = match interpolated {
            Some(inner) => {
                prop_oneof![4 => piece, 1 => inner.prop_map(|e| format!("${{{e}}}"))].boxed()
            }
            None => piece,
        };
        let line = (0usize..5, prop::collection::vec(piece, 0..4))
            .prop_map(|(indent, pieces)| format!("{}{}", " ".repeat(indent), pieces.concat()));
        (any::<bool>(), prop::collection::vec(line, 1..4), 0usize..4)
            .prop_map(|(newline, lines, closing_indent)| {
                format!(
                    "''{}{}\n{}''",
                    if newline { "\n" } else { "" },
                    lines.join("\n"),
                    " ".repeat(closing_indent)
                )
            })
            .boxed()
    }

    fn set_literal(values: BoxedStrategy<String>) -> BoxedStrategy<String> {
        prop::collection::vec((select(NAMES), values), 0..4)
            .prop_map(|bindings| {
                let mut seen = Vec::new();
                let mut out = String::from("{");
                for (name, value) in bindings {
                    if !seen.contains(&name) {
                        seen.push(name);
                        out.push_str(&format!(" {name} = {value};"));
                    }
                }
                out.push_str(" }");
                out
            })
            .boxed()
    }

    fn list_literal(items: BoxedStrategy<String>) -> BoxedStrategy<String> {
        prop::collection::vec(items, 0..4)
            .prop_map(|items| {
                let mut out = String::from("[");
                for i in items {
                    out.push_str(&format!(" {i}"));
                }
                out.push_str(" ]");
                out
            })
            .boxed()
    }

    /// A string expression as an attribute name: without `$`, which Nix 2.8 escapes in
    /// attribute names (a known difference).
    fn no_dollar(name: &str) -> String {
        format!("(builtins.replaceStrings [ \"$\" ] [ \"S\" ] {name})")
    }

    /// A string expression without the non-ASCII pieces, for the builtins that work on bytes
    /// in Nix and on characters in cairn (known differences): `substring`, regular expressions.
    fn ascii(string: &str) -> String {
        format!("(builtins.replaceStrings [ \"é\" \"→\" ] [ \"e\" \">\" ] {string})")
    }

    pub(super) fn leaves() -> Exprs {
        let int = small_int().boxed();
        let ints = list_literal(int.clone());
        Exprs {
            float: float_literal(false).boxed(),
            string: prop_oneof![3 => string_literal(None), 1 => indented_literal(None)].boxed(),
            bool: select(&["true", "false"][..])
                .prop_map(str::to_string)
                .boxed(),
            list: list_literal(int.clone()),
            set: set_literal(int.clone()),
            int,
            ints,
        }
    }

    /// Expressions one level deeper than `e`'s: either one of those, or an operation on them.
    pub(super) fn deeper(e: &Exprs) -> Exprs {
        let (int, float, string, bool, ints, list, set) = (
            e.int.clone(),
            e.float.clone(),
            e.string.clone(),
            e.bool.clone(),
            e.ints.clone(),
            e.list.clone(),
            e.set.clone(),
        );
        let (num, any) = (e.num(), e.any());
        let name = || select(NAMES);

        let new_int = prop_oneof![
            1 => int.clone(),
            3 => prop_oneof![
                (int.clone(), int.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
                (int.clone(), int.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
                (int.clone(), small_int()).prop_map(|(a, b)| format!("({a} * {b})")),
                (int.clone(), divisor()).prop_map(|(a, b)| format!("({a} / {b})")),
                (int.clone(), divisor()).prop_map(|(a, b)| format!("(builtins.div {a} {b})")),
                int.clone().prop_map(|a| format!("(-{a})")),
                (select(&["bitAnd", "bitOr", "bitXor"][..]), int.clone(), int.clone())
                    .prop_map(|(f, a, b)| format!("(builtins.{f} {a} {b})")),
                list.clone().prop_map(|l| format!("(builtins.length {l})")),
                (string.clone(), string.clone()).prop_map(|(a, b)| {
                    format!("(builtins.compareVersions {} {})", ascii(&a), ascii(&b))
                }),
                string.clone().prop_map(|s| format!("(builtins.stringLength {s})")),
                ints.clone().prop_map(|l| format!("(builtins.foldl' builtins.add 0 {l})")),
                (ints.clone(), int.clone())
                    .prop_map(|(l, a)| format!("(builtins.head ({l} ++ [ {a} ]))")),
                (select(&["ceil", "floor"][..]), float_literal(false))
                    .prop_map(|(f, x)| format!("(builtins.{f} {x})")),
                (bool.clone(), int.clone(), int.clone())
                    .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
                int.clone().prop_map(|a| format!("(let v = {a}; in v + v)")),
                (int.clone(), int.clone())
                    .prop_map(|(a, b)| format!("(with {{ w = {a}; }}; w - {b})")),
                (int.clone(), int.clone()).prop_map(|(a, b)| format!("((x: x * 2 + {a}) {b})")),
                (int.clone(), int.clone())
                    .prop_map(|(a, b)| format!("(({{ p, q ? {a} }}: p - q) {{ p = {b}; }})")),
                (int.clone(), any.clone())
                    .prop_map(|(a, b)| format!("({{ a = {a}; b = {b}; }}.a)")),
                (set.clone(), int.clone()).prop_map(|(s, a)| format!("({s}.zz or {a})")),
            ],
        ]
        .boxed();

        let new_float = prop_oneof![
            1 => float.clone(),
            3 => prop_oneof![
                (num.clone(), float.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
                (float.clone(), num.clone()).prop_map(|(a, b)| format!("({a} - {b})")),
                (float.clone(), prop_oneof![small_int().boxed(), float_literal(false).boxed()])
                    .prop_map(|(a, b)| format!("({a} * {b})")),
                (num.clone(), float_literal(true)).prop_map(|(a, b)| format!("({a} / {b})")),
                (float.clone(), divisor()).prop_map(|(a, b)| format!("({a} / {b})")),
                float.clone().prop_map(|a| format!("(-{a})")),
                (int.clone(), float.clone()).prop_map(|(a, b)| format!("(builtins.mul {a} {b})")),
                (bool.clone(), float.clone(), float.clone())
                    .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
                // `-0` is an integer in Nix's JSON, a float in cairn's (a known difference).
                float
                    .clone()
                    .prop_map(|a| format!("(0.0 + builtins.fromJSON (builtins.toJSON {a}))")),
            ],
        ]
        .boxed();

        let new_string = prop_oneof![
            1 => string.clone(),
            3 => prop_oneof![
                string_literal(Some(string.clone())),
                indented_literal(Some(string.clone())),
                (string.clone(), string.clone()).prop_map(|(a, b)| format!("({a} + {b})")),
                int.clone().prop_map(|a| format!("(toString {a})")),
                float.clone().prop_map(|a| format!("(toString {a})")),
                ints.clone().prop_map(|a| format!("(toString {a})")),
                (0u8..7, -1i8..7, string.clone())
                    .prop_map(|(s, n, a)| format!("(builtins.substring {s} ({n}) {})", ascii(&a))),
                (string.clone(), string.clone(), string.clone())
                    .prop_map(|(sep, a, b)| {
                        format!("(builtins.concatStringsSep {sep} [ {a} {b} ])")
                    }),
                string.clone().prop_map(|a| format!(
                    "(builtins.replaceStrings [ \"a\" \"\\n\" \"$\" ] [ \"\\${{\" \"b\" \"\" ] {a})"
                )),
                any.clone().prop_map(|a| format!("(builtins.toJSON {a})")),
                any.clone().prop_map(|a| format!("(builtins.typeOf {a})")),
                (select(&["md5", "sha1", "sha256", "sha512"][..]), string.clone())
                    .prop_map(|(h, a)| format!("(builtins.hashString \"{h}\" {a})")),
                any.clone().prop_map(|a| format!("(builtins.toXML {a})")),
                set.clone()
                    .prop_map(|s| {
                        format!("(builtins.concatStringsSep \",\" (builtins.attrNames {s}))")
                    }),
                (bool.clone(), string.clone(), string.clone())
                    .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
                string.clone().prop_map(|a| format!("(let v = {a}; in v + \"-\" + v)")),
            ],
        ]
        .boxed();

        let new_bool = prop_oneof![
            1 => bool.clone(),
            3 => prop_oneof![
                (num.clone(), select(&["<", "<=", ">", ">=", "==", "!="][..]), num.clone())
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
                (string.clone(), select(&["<", ">=", "==", "!="][..]), string.clone())
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
                (ints.clone(), select(&["<", ">"][..]), ints.clone())
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
                (any.clone(), any.clone()).prop_map(|(a, b)| format!("({a} == {b})")),
                bool.clone().prop_map(|b| format!("(!{b})")),
                (bool.clone(), select(&["&&", "||", "->"][..]), bool.clone())
                    .prop_map(|(a, op, b)| format!("({a} {op} {b})")),
                (set.clone(), name()).prop_map(|(s, n)| format!("({s} ? {n})")),
                (int.clone(), ints.clone()).prop_map(|(a, l)| format!("(builtins.elem {a} {l})")),
                ints.clone().prop_map(|l| format!("(builtins.all (x: x > 0) {l})")),
                any.clone().prop_map(|a| format!("(builtins.isString {a})")),
                (bool.clone(), bool.clone(), bool.clone())
                    .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
            ],
        ]
        .boxed();

        let new_ints = prop_oneof![
            1 => ints.clone(),
            3 => prop_oneof![
                list_literal(int.clone()),
                (ints.clone(), ints.clone()).prop_map(|(a, b)| format!("({a} ++ {b})")),
                (ints.clone(), small_int())
                    .prop_map(|(l, k)| format!("(builtins.map (x: x * {k}) {l})")),
                (ints.clone(), int.clone())
                    .prop_map(|(l, k)| format!("(builtins.filter (x: x > {k}) {l})")),
                ints.clone().prop_map(|l| format!("(builtins.sort builtins.lessThan {l})")),
                ints.clone().prop_map(|l| format!("(builtins.sort (a: b: a > b) {l})")),
                (0u8..6, small_int())
                    .prop_map(|(n, k)| format!("(builtins.genList (i: i * {k}) {n})")),
                (ints.clone(), ints.clone())
                    .prop_map(|(a, b)| format!("(builtins.concatLists [ {a} {b} ])")),
            ],
        ]
        .boxed();

        let new_list = prop_oneof![
            1 => list.clone(),
            3 => prop_oneof![
                list_literal(any.clone()),
                (list.clone(), list.clone()).prop_map(|(a, b)| format!("({a} ++ {b})")),
                ints.clone().prop_map(|l| format!("(builtins.map (x: [ x ]) {l})")),
                set.clone().prop_map(|s| format!("(builtins.attrValues {s})")),
                set.clone().prop_map(|s| format!("(builtins.attrNames {s})")),
                (select(SPLIT_PATTERNS), string.clone())
                    .prop_map(|(p, s)| format!("(builtins.split {p} {})", ascii(&s))),
                (select(MATCH_PATTERNS), string.clone()).prop_map(|(p, s)| {
                    format!(
                        "(let m = builtins.match {p} {}; in if m == null then [ ] else m)",
                        ascii(&s)
                    )
                }),
                string.clone().prop_map(|s| format!("(builtins.splitVersion {})", ascii(&s))),
                ints.clone()
                    .prop_map(|l| {
                        format!("(builtins.sort builtins.lessThan (builtins.map toString {l}))")
                    }),
                any.clone().prop_map(|v| format!("(let v = {v}; in [ v v ])")),
                (bool.clone(), list.clone(), list.clone())
                    .prop_map(|(c, a, b)| format!("(if {c} then {a} else {b})")),
            ],
        ]
        .boxed();

        let new_set = prop_oneof![
            1 => set.clone(),
            3 => prop_oneof![
                set_literal(any.clone()),
                (set.clone(), set.clone()).prop_map(|(a, b)| format!("({a} // {b})")),
                set.clone().prop_map(|s| format!("(builtins.removeAttrs {s} [ \"a\" \"x-y\" ])")),
                set.clone().prop_map(|s| format!("(builtins.mapAttrs (n: v: n) {s})")),
                (string.clone(), any.clone())
                    .prop_map(|(n, v)| {
                        let n = no_dollar(&n);
                        format!("(builtins.listToAttrs [ {{ name = {n}; value = {v}; }} ])")
                    }),
                (string.clone(), any.clone())
                    .prop_map(|(n, v)| format!("{{ ${{{}}} = {v}; }}", no_dollar(&n))),
                (any.clone(), any.clone())
                    .prop_map(|(a, b)| format!("{{ a.b = {a}; a.c = {b}; }}")),
                (int.clone(), any.clone())
                    .prop_map(|(a, b)| format!("(rec {{ p = {a}; q = p + 1; r = {b}; }})")),
                any.clone()
                    .prop_map(|v| format!("(let v = {v}; in {{ p = v; q = v; inherit v; }})")),
                (set.clone(), set.clone())
                    .prop_map(|(a, b)| format!("(builtins.intersectAttrs {a} {b})")),
                (set.clone(), set.clone())
                    .prop_map(|(a, b)| format!("(builtins.zipAttrsWith (n: vs: vs) [ {a} {b} ])")),
                ints.clone().prop_map(|l| format!(
                    "(builtins.groupBy (x: if x > 0 then \"pos\" else \"neg\") {l})"
                )),
                ints.clone().prop_map(|l| format!("(builtins.partition (x: x > 0) {l})")),
                string.clone().prop_map(|s| format!("(builtins.parseDrvName {})", ascii(&s))),
            ],
        ]
        .boxed();

        Exprs {
            int: new_int,
            float: new_float,
            string: new_string,
            bool: new_bool,
            ints: new_ints,
            list: new_list,
            set: new_set,
        }
    }
}

/// Any generated expression, up to three operations deep.
fn expression() -> impl Strategy<Value = String> {
    let mut exprs = generate::leaves();
    for _ in 0..3 {
        exprs = generate::deeper(&exprs);
    }
    exprs.any()
}

/// The most random expressions in one case; each case runs one process per side.
const MAX_BATCH: usize = 64;

fn proptest_cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(8)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: proptest_cases(),
        max_shrink_iters: 400,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_expressions_evaluate_as_nix_does(
        exprs in prop::collection::vec(expression(), 1..=MAX_BATCH)
    ) {
        let batch = as_list(exprs.iter().map(String::as_str));
        let dir = temp_dir();
        let theirs = evaluate(Program::Nix, &batch, dir.path());
        prop_assert!(
            theirs.is_value(),
            "Nix rejects a generated expression, which the generator promises not to make:\n{batch}\n--- nix-instantiate {}",
            theirs.describe()
        );
        let ours = evaluate(Program::Cairn, &batch, dir.path());
        prop_assert!(
            ours.agrees_with(&theirs),
            "cairn and Nix disagree on\n{batch}\n--- cairn {}--- nix-instantiate {}",
            ours.describe(),
            theirs.describe()
        );
    }
}
