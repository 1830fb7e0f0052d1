//! POSIX extended regular expressions with the exact semantics of Nix 2.8's
//! `builtins.match` and `builtins.split`.
//!
//! Nix 2.8 compiles patterns with `std::regex(re, std::regex::extended)` from
//! libstdc++ (GCC 12 on the reference machine, built with `-std=c++17`, so
//! `__STRICT_ANSI__` is defined) and runs `std::regex_match` (for `match`) or
//! `std::sregex_iterator` (for `split`). This module reproduces that
//! behaviour, which is *not* textbook POSIX:
//!
//! * **Syntax** (`parse`): a port of libstdc++'s scanner and compiler for the
//!   `extended` grammar. Outside brackets only `\.` `\[` `\\` `\(` `\)` `\*`
//!   `\+` `\?` `\{` `\|` `\^` `\$` are valid escapes; anything else (`\d`, `\w`,
//!   `\s`, `\b`, `\]`, `\}`, `\/`, `\n`, a trailing `\`) is an error. `]` and
//!   `}` are ordinary characters, `{` always starts an interval (`a{`, `a{}`,
//!   `a{,2}`, `a{2,1}`, `{` alone are errors). A quantifier needs an atom
//!   before it (`*a`, `^*`, `a|*b` are errors) but may be stacked (`a**`,
//!   `a+?` = `(a+)?`). Empty alternatives and groups are fine (`|`, `()`,
//!   `(|a)`). Inside brackets a backslash is literal, `]` first is literal,
//!   `-` first or last is literal, `[a-b-c]` and `[a--]` are errors, ranges
//!   compare *signed* chars (so `[a-é]` is an error), and the classes
//!   `[:alpha:]` ... `[:xdigit:]` plus `[:w:]` `[:d:]` `[:s:]` (names are
//!   case-insensitive), collating symbols `[[.space.]]` and equivalence
//!   classes `[[=a=]]` use the "C" locale (no byte >= 0x80 is in any class).
//!   Patterns needing more than libstdc++'s 100000 NFA states (`a{1000000}`)
//!   are rejected, as Nix does ("memory limit exceeded"); the state count is
//!   computed exactly as libstdc++ builds its NFA.
//! * **Bytes**: matching works on bytes, like `char` iterators: `.` matches any
//!   byte except NUL (including `\n`), so `(.)` does not match `"é"` but
//!   `(..)` does. Returned ranges are byte offsets and may fall inside a UTF-8
//!   sequence (`builtins.split "" "é"` splits the two bytes of `é`); the
//!   caller must slice bytes, not `str`.
//! * **Anchors**: `^` matches only at offset 0 of the haystack, `$` only at its
//!   end (no multiline), anywhere in the pattern.
//! * **Which match** (`Emulator`): libstdc++ runs a depth-first backtracking
//!   executor. For `regex_match` the result is the first path (in
//!   backtracking priority order: left alternative first, greedy repetition
//!   first) that consumes the whole string, i.e. leftmost-first ("Perl")
//!   submatches: `(a|ab)(c|bcd)(d*)` on `abcd` gives `a`, `bcd`, `""`, and
//!   `(a*)(a*)` on `aaa` gives `aaa`, `""`. For `regex_search` (used by
//!   `split`) the start is the leftmost one, but the end is the longest among
//!   the paths the executor *explores*: at an alternation it explores both
//!   branches, keeping a strictly longer solution, but once a greedy
//!   repetition's "one more" branch found a solution it never tries the
//!   "exit" branch. So `(a|ab)` on `xabx` matches `ab` (longest), while
//!   `a*(ab)?` on `aab` matches `aa`, not the longest `aab`: this is *not*
//!   POSIX leftmost-longest. Repetitions whose body can match the empty
//!   string may re-enter the body without progress (at most twice per
//!   position), so `(a*)*` on `aa` captures the final empty iteration `""`.
//! * **Iteration**: `find_all` follows `std::regex_iterator`: after an empty
//!   match at `p` it first retries at `p` with `match_not_null |
//!   match_continuous`, and otherwise searches again from `p + 1` (one *byte*
//!   further); after a non-empty match it searches again from its end, where
//!   an empty match is allowed (`builtins.split "a*" "bab"` gives
//!   `[ "" [ ] "b" [ ] "" [ ] "b" [ ] "" ]`).
//!
//! # Implementation
//!
//! The pattern is parsed once into a small AST. From it we build
//!
//! 1. an NFA shaped exactly like libstdc++'s and a faithful, iterative
//!    (explicit heap stack, no recursion) port of its DFS executor, the
//!    `Emulator`, which is the reference semantics; and
//! 2. [`regex_automata::meta::Regex`]es compiled from a translation of the AST
//!    into the regex crate's syntax in which every byte is written `\xHH`
//!    (so no POSIX character can be special to the regex crate: `#`, `&`, `~`,
//!    `-`, spaces...), with Unicode and UTF-8 mode off, used as a fast path.
//!
//! The fast path is used only where it gives the same answer:
//!
//! * If no unbounded repetition has a body that can match empty, the NFA has
//!   no empty cycles and the regex crate's leftmost-first result equals the
//!   first path libstdc++ finds (same priority order, same path set). So
//!   `match_full` is one anchored search of the pattern followed by `\z`.
//! * For searches, the leftmost start is the same for every semantics, and
//!   libstdc++'s end lies between the leftmost-first end and the longest end
//!   (found by an anchored `MatchKind::All` search). Without `|` libstdc++
//!   keeps its first solution, i.e. the leftmost-first match; with `|` the
//!   longest end is computed, and only when it differs from the
//!   leftmost-first end is the emulator run, anchored at the known start and
//!   stopping as soon as it reaches the longest end.
//! * Patterns with empty-body loops use the emulator (anchored at the start
//!   found by the regex crate, and only after the regex crate confirmed a
//!   match exists).
//!
//! This was checked against Nix 2.8 directly (the unit tests below), and by
//! differential fuzzing (about 100000 random patterns and haystacks) against
//! a C++ program using the same libstdc++ `std::regex`, itself checked
//! against `nix-instantiate`.
//!
//! # Known differences from Nix
//!
//! * libstdc++'s executor is exponential on some patterns (e.g. `(a|a)*(a|ab)`
//!   or `(a*)*b` on long inputs) and recurses once per input character, so
//!   Nix hangs, or fails with "stack overflow" on strings of about a million
//!   characters. Here the emulator has a step and stack budget; when it is
//!   exhausted the result falls back to the regex crate: leftmost-first
//!   captures for `match_full`; for searches the leftmost-first match, or
//!   with `|` the longest span with leftmost-first captures for that span
//!   (where a `$` inside the pattern could then also match at the span's
//!   end). Spans of `match_full` and of searches without `|` stay exact;
//!   only pathological patterns are affected.
//! * Patterns nested (groups and stacked quantifiers) deeper than 256 levels
//!   are rejected to protect the stack; libstdc++ accepts them. Patterns
//!   nested deeper than 100 levels (counting sequences and alternations too)
//!   skip the regex crate, whose compiler recurses: they run on the emulator
//!   alone, exactly but without a budget and more slowly.
//! * NUL bytes: Nix strings cannot contain them. A NUL in the pattern is an
//!   error (as in libstdc++); in the haystack it is an ordinary byte that `.`
//!   does not match.
//! * The API items are `pub(crate)` rather than `pub`: the workspace denies
//!   warnings and enables `unreachable_pub`.

use std::sync::OnceLock;

use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, MatchKind, meta};

/// `_GLIBCXX_REGEX_STATE_LIMIT`.
const STATE_LIMIT: u64 = 100_000;
/// Maximum nesting of groups and quantifiers (protects our recursion).
const MAX_DEPTH: usize = 256;
/// Deeper patterns skip the regex crate, whose compiler recurses with large
/// frames (regex-syntax's own parser stops at 250).
const FAST_MAX_DEPTH: usize = 100;
/// Emulator steps allowed per search before falling back to the regex crate,
/// plus a per-byte allowance.
const BUDGET_BASE: u64 = 1 << 21;
const BUDGET_PER_BYTE: u64 = 256;
/// Maximum emulator stack (frames), when budgeted; libstdc++ would have
/// overflowed its native stack long before.
const MAX_STACK: usize = 1 << 21;

/// A byte range of the haystack: (start, end).
type Span = (usize, usize);
/// Per-group spans (group 1 first); `None` if the group did not participate.
type Groups = Vec<Option<Span>>;

/// A compiled POSIX ERE, as Nix's `builtins.match`/`builtins.split` use it.
pub(crate) struct PosixRegex {
    groups: usize,
    prog: Prog,
    has_alternation: bool,
    nullable_loop: bool,
    fast: Option<Fast>,
    /// Emulator steps per search, before the per-byte allowance.
    budget_base: u64,
}

impl std::fmt::Debug for PosixRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PosixRegex")
            .field("groups", &self.groups)
            .field("states", &self.prog.states.len())
            .field("has_alternation", &self.has_alternation)
            .field("nullable_loop", &self.nullable_loop)
            .field("fast", &self.fast.is_some())
            .finish()
    }
}

/// The regex-crate side of a pattern.
struct Fast {
    /// The pattern in the regex crate's syntax (see [`Node::to_syntax`]).
    syntax: String,
    /// Leftmost-first, with captures.
    first: meta::Regex,
    /// The pattern followed by `\z`, with captures (anchored full matches).
    full: meta::Regex,
    /// `MatchKind::All`, group 0 only: anchored, it yields the longest end.
    longest: OnceLock<Option<meta::Regex>>,
}

fn build_meta(pattern: &str, kind: MatchKind, captures: WhichCaptures) -> Option<meta::Regex> {
    let syntax = syntax::Config::new()
        .unicode(false)
        .utf8(false)
        .nest_limit(4 * FAST_MAX_DEPTH as u32 + 16);
    let config = meta::Config::new()
        .match_kind(kind)
        .which_captures(captures)
        .utf8_empty(false)
        .nfa_size_limit(Some(64 << 20));
    meta::Builder::new()
        .syntax(syntax)
        .configure(config)
        .build(pattern)
        .ok()
}

impl Fast {
    fn new(syntax: String, groups: usize) -> Option<Fast> {
        let first = build_meta(&syntax, MatchKind::LeftmostFirst, WhichCaptures::All)?;
        let full_syntax = format!("(?:{syntax})\\z");
        let full = build_meta(&full_syntax, MatchKind::LeftmostFirst, WhichCaptures::All)?;
        // Guard against any simplification that would renumber groups.
        if first.captures_len() != groups + 1 || full.captures_len() != groups + 1 {
            return None;
        }
        Some(Fast {
            syntax,
            first,
            full,
            longest: OnceLock::new(),
        })
    }

    fn longest(&self) -> Option<&meta::Regex> {
        self.longest
            .get_or_init(|| build_meta(&self.syntax, MatchKind::All, WhichCaptures::Implicit))
            .as_ref()
    }

    /// End of the longest match starting exactly at `start`.
    fn longest_end(&self, hay: &[u8], start: usize) -> Option<usize> {
        let input = Input::new(hay).range(start..).anchored(Anchored::Yes);
        self.longest()?.search(&input).map(|m| m.end())
    }

    /// Leftmost-first search (anchored at `from` if `anchored`).
    fn search_first(&self, hay: &[u8], from: usize, anchored: bool) -> Option<(Span, Groups)> {
        let mode = if anchored {
            Anchored::Yes
        } else {
            Anchored::No
        };
        let input = Input::new(hay).range(from..).anchored(mode);
        let mut caps = self.first.create_captures();
        self.first.search_captures(&input, &mut caps);
        caps_to_match(&caps)
    }

    /// The answer when the emulator gives up on a search that found `first`
    /// (leftmost-first) and whose longest match ends at `longest`: without
    /// `|`, libstdc++ keeps the first solution it finds, which ends where the
    /// leftmost-first match does; with `|`, take the longest span.
    fn fallback(
        &self,
        hay: &[u8],
        first: (Span, Groups),
        longest: usize,
        has_alternation: bool,
    ) -> Option<(Span, Groups)> {
        if !has_alternation || first.0.1 == longest {
            return Some(first);
        }
        let span = (first.0.0, longest);
        self.span_captures(hay, span).or(Some((span, first.1)))
    }

    /// Leftmost-first captures of a match spanning exactly `span` (used only
    /// as a fallback; a `$` inside the pattern may then also match at
    /// `span.1`).
    fn span_captures(&self, hay: &[u8], span: Span) -> Option<(Span, Groups)> {
        let input = Input::new(&hay[..span.1])
            .range(span.0..span.1)
            .anchored(Anchored::Yes);
        let mut caps = self.full.create_captures();
        self.full.search_captures(&input, &mut caps);
        caps_to_match(&caps)
    }
}

fn caps_to_match(caps: &Captures) -> Option<(Span, Groups)> {
    let m = caps.get_match()?;
    let groups = (1..caps.group_len())
        .map(|i| caps.get_group(i).map(|s| (s.start, s.end)))
        .collect();
    Some(((m.start(), m.end()), groups))
}

impl PosixRegex {
    /// Compiles a POSIX extended regular expression. `Err` carries a reason.
    pub(crate) fn new(pattern: &str) -> Result<PosixRegex, String> {
        let (ast, groups) = parse(pattern.as_bytes())?;
        let (ins, _) = ast.state_counts();
        // subexpr_begin(0) + pattern + subexpr_end(0) + accept.
        if ins.saturating_add(3) > STATE_LIMIT {
            return Err("memory limit exceeded (too many NFA states)".to_string());
        }
        let prog = Prog::new(&ast, groups);
        let fast = if ast.depth() > FAST_MAX_DEPTH {
            None
        } else {
            let mut syntax = String::new();
            ast.to_syntax(&mut syntax);
            Fast::new(syntax, groups)
        };
        Ok(PosixRegex {
            groups,
            prog,
            has_alternation: ast.has_alternation(),
            nullable_loop: ast.has_nullable_loop(),
            fast,
            budget_base: BUDGET_BASE,
        })
    }

    /// Number of capture groups (parenthesised subexpressions).
    #[allow(dead_code)] // part of the module's API even while no builtin needs it
    pub(crate) fn group_count(&self) -> usize {
        self.groups
    }

    /// `builtins.match`: the whole string must match (`std::regex_match`).
    /// `None` if it does not; otherwise one entry per group.
    pub(crate) fn match_full(&self, haystack: &str) -> Option<Vec<Option<(usize, usize)>>> {
        let hay = haystack.as_bytes();
        let Some(fast) = &self.fast else {
            let mut emu = Emulator::new(&self.prog, hay, None);
            return emu
                .run(0, true, false, hay.len())
                .ok()
                .flatten()
                .map(|r| r.1);
        };
        let input = Input::new(hay).anchored(Anchored::Yes);
        if self.nullable_loop {
            if !fast.full.is_match(input.clone()) {
                return None;
            }
            let mut emu = Emulator::new(&self.prog, hay, Some(self.budget(hay)));
            if let Ok(Some((_, groups))) = emu.run(0, true, false, hay.len()) {
                return Some(groups);
            }
        }
        let mut caps = fast.full.create_captures();
        fast.full.search_captures(&input, &mut caps);
        caps_to_match(&caps).map(|m| m.1)
    }

    /// `builtins.split` helper: all successive matches as `std::sregex_iterator`
    /// yields them, each as (whole-match range, group ranges).
    #[allow(clippy::type_complexity)] // the signature the callers expect
    pub(crate) fn find_all(
        &self,
        haystack: &str,
    ) -> Vec<((usize, usize), Vec<Option<(usize, usize)>>)> {
        let hay = haystack.as_bytes();
        let mut emu = Emulator::new(
            &self.prog,
            hay,
            self.fast.as_ref().map(|_| self.budget(hay)),
        );
        let mut out = Vec::new();
        let mut cur = self.search(&mut emu, 0);
        while let Some(m) = cur {
            let (start, end) = m.0;
            out.push(m);
            let mut from = end;
            if start == end {
                if from == hay.len() {
                    break;
                }
                if let Some(m2) = self.retry_not_null(&mut emu, from) {
                    cur = Some(m2);
                    continue;
                }
                from += 1;
            }
            cur = self.search(&mut emu, from);
        }
        out
    }

    fn budget(&self, hay: &[u8]) -> u64 {
        let per_byte = BUDGET_PER_BYTE.saturating_mul(hay.len() as u64);
        self.budget_base.saturating_add(per_byte)
    }

    /// `regex_search` from `from`: leftmost start, libstdc++'s end.
    fn search(&self, emu: &mut Emulator<'_>, from: usize) -> Option<(Span, Groups)> {
        let hay = emu.hay;
        let Some(fast) = &self.fast else {
            return (from..=hay.len())
                .find_map(|s| emu.run(s, false, false, hay.len()).ok().flatten());
        };
        let first = fast.search_first(hay, from, false)?;
        if !self.has_alternation && !self.nullable_loop {
            return Some(first);
        }
        let (start, end1) = first.0;
        let end2 = fast.longest_end(hay, start).unwrap_or(end1);
        if !self.nullable_loop && end1 == end2 {
            return Some(first);
        }
        match emu.run(start, false, false, end2) {
            Ok(Some(m)) => Some(m),
            _ => fast.fallback(hay, first, end2, self.has_alternation),
        }
    }

    /// The `match_not_null | match_continuous` retry at `pos` after an empty match.
    fn retry_not_null(&self, emu: &mut Emulator<'_>, pos: usize) -> Option<(Span, Groups)> {
        let hay = emu.hay;
        let Some(fast) = &self.fast else {
            return emu.run(pos, false, true, hay.len()).ok().flatten();
        };
        let first = fast.search_first(hay, pos, true)?;
        let end1 = first.0.1;
        if end1 > pos && !self.has_alternation && !self.nullable_loop {
            return Some(first);
        }
        let end2 = fast.longest_end(hay, pos).unwrap_or(end1);
        if end2 == pos {
            return None;
        }
        if end1 == end2 && !self.nullable_loop {
            return Some(first);
        }
        match emu.run(pos, false, true, end2) {
            Ok(m) => m,
            Err(Exhausted) if end1 > pos => fast.fallback(hay, first, end2, self.has_alternation),
            Err(Exhausted) => fast.span_captures(hay, (pos, end2)),
        }
    }
}

// ---------------------------------------------------------------------------
// AST
// ---------------------------------------------------------------------------

/// A 256-bit byte set.
#[derive(Clone, Debug, PartialEq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    fn contains(&self, b: u8) -> bool {
        self.0[usize::from(b >> 6)] >> (b & 63) & 1 == 1
    }
    fn insert(&mut self, b: u8) {
        self.0[usize::from(b >> 6)] |= 1 << (b & 63);
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Rep {
    /// `*`
    Star,
    /// `+`
    Plus,
    /// `?`
    Opt,
    /// `{min}`, `{min,}` (`extra == None`) or `{min,min+extra}`.
    Range { min: u64, extra: Option<u64> },
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    Byte(u8),
    /// `.`: any byte but NUL.
    Any,
    Set(Box<ByteSet>),
    LineBegin,
    LineEnd,
    Group(usize, Box<Node>),
    /// One alternative: a sequence of terms (possibly empty).
    Concat(Vec<Node>),
    /// `a|b|c`, at least two alternatives, tried left to right.
    Alt(Vec<Node>),
    Repeat(Box<Node>, Rep),
}

impl Node {
    /// (states libstdc++ inserts while compiling this node, states a clone of
    /// it copies), saturating.
    fn state_counts(&self) -> (u64, u64) {
        match self {
            Node::Byte(_) | Node::Any | Node::Set(_) | Node::LineBegin | Node::LineEnd => (1, 1),
            Node::Group(_, inner) => {
                let (i, r) = inner.state_counts();
                (i.saturating_add(2), r.saturating_add(2))
            }
            Node::Concat(terms) => terms.iter().fold((1, 1), |(i, r), t| {
                let (ti, tr) = t.state_counts();
                (i.saturating_add(ti), r.saturating_add(tr))
            }),
            Node::Alt(alts) => alts.iter().enumerate().fold((0, 0), |(i, r), (k, a)| {
                let (ai, ar) = a.state_counts();
                let extra = if k == 0 { 0 } else { 2 };
                (
                    i.saturating_add(ai).saturating_add(extra),
                    r.saturating_add(ar).saturating_add(extra),
                )
            }),
            Node::Repeat(e, rep) => {
                let (ei, er) = e.state_counts();
                match *rep {
                    Rep::Star | Rep::Plus => (ei.saturating_add(1), er.saturating_add(1)),
                    Rep::Opt => (ei.saturating_add(2), er.saturating_add(2)),
                    Rep::Range { min, extra } => {
                        // A dummy start, `min` clones, then either a clone
                        // plus a repeat state, or a dummy end plus `extra`
                        // (clone, repeat state) pairs. The original is kept
                        // (unreachable) in the NFA.
                        let tail = match extra {
                            None => er.saturating_add(1),
                            Some(n) => n.saturating_mul(er.saturating_add(1)).saturating_add(1),
                        };
                        let own = min
                            .saturating_mul(er)
                            .saturating_add(1)
                            .saturating_add(tail);
                        (ei.saturating_add(own), own)
                    }
                }
            }
        }
    }

    /// Whether the node can match the empty string (assertions count as
    /// empty).
    fn nullable(&self) -> bool {
        match self {
            Node::Byte(_) | Node::Any | Node::Set(_) => false,
            Node::LineBegin | Node::LineEnd => true,
            Node::Group(_, inner) => inner.nullable(),
            Node::Concat(terms) => terms.iter().all(Node::nullable),
            Node::Alt(alts) => alts.iter().any(Node::nullable),
            Node::Repeat(e, rep) => match *rep {
                Rep::Star | Rep::Opt => true,
                Rep::Plus => e.nullable(),
                Rep::Range { min, .. } => min == 0 || e.nullable(),
            },
        }
    }

    /// Nesting depth of composite nodes (bounds the regex crate's nesting).
    fn depth(&self) -> usize {
        match self {
            Node::Group(_, inner) | Node::Repeat(inner, _) => inner.depth() + 1,
            Node::Concat(terms) | Node::Alt(terms) => {
                terms.iter().map(Node::depth).max().unwrap_or(0) + 1
            }
            _ => 0,
        }
    }

    fn has_alternation(&self) -> bool {
        match self {
            Node::Alt(_) => true,
            Node::Group(_, inner) | Node::Repeat(inner, _) => inner.has_alternation(),
            Node::Concat(terms) => terms.iter().any(Node::has_alternation),
            _ => false,
        }
    }

    /// Whether some unbounded repetition has a body that can match empty,
    /// i.e. the NFA has empty cycles.
    fn has_nullable_loop(&self) -> bool {
        match self {
            Node::Repeat(e, rep) => {
                let unbounded =
                    matches!(rep, Rep::Star | Rep::Plus | Rep::Range { extra: None, .. });
                (unbounded && e.nullable()) || e.has_nullable_loop()
            }
            Node::Group(_, inner) => inner.has_nullable_loop(),
            Node::Concat(terms) => terms.iter().any(Node::has_nullable_loop),
            Node::Alt(alts) => alts.iter().any(Node::has_nullable_loop),
            _ => false,
        }
    }

    fn has_group(&self) -> bool {
        match self {
            Node::Group(..) => true,
            Node::Repeat(inner, _) => inner.has_group(),
            Node::Concat(terms) | Node::Alt(terms) => terms.iter().any(Node::has_group),
            _ => false,
        }
    }

    /// Translation to the regex crate's syntax, to be compiled with Unicode
    /// and UTF-8 mode off. Every byte is written as `\xHH`, so no character
    /// is ever special to the regex crate; the output is always an "atom"
    /// (safe to concatenate or quantify).
    fn to_syntax(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            Node::Byte(b) => {
                let _ = write!(out, "\\x{b:02X}");
            }
            Node::Any => out.push_str("[\\x01-\\xFF]"),
            Node::Set(set) => {
                // An empty set is written as the empty class `[^\x00-\xFF]`.
                let empty = set.0.iter().all(|w| *w == 0);
                out.push_str(if empty { "[^\\x00-\\xFF" } else { "[" });
                let mut b = 0usize;
                while b < 256 {
                    if set.contains(b as u8) {
                        let lo = b;
                        while b + 1 < 256 && set.contains((b + 1) as u8) {
                            b += 1;
                        }
                        let _ = write!(out, "\\x{lo:02X}-\\x{b:02X}");
                    }
                    b += 1;
                }
                out.push(']');
            }
            Node::LineBegin => out.push_str("\\A"),
            Node::LineEnd => out.push_str("\\z"),
            Node::Group(_, inner) => {
                out.push('(');
                inner.to_syntax(out);
                out.push(')');
            }
            Node::Concat(terms) => {
                out.push_str("(?:");
                for t in terms {
                    t.to_syntax(out);
                }
                out.push(')');
            }
            Node::Alt(alts) => {
                out.push_str("(?:");
                for (i, a) in alts.iter().enumerate() {
                    if i > 0 {
                        out.push('|');
                    }
                    a.to_syntax(out);
                }
                out.push(')');
            }
            Node::Repeat(e, rep) => {
                if *rep
                    == (Rep::Range {
                        min: 0,
                        extra: Some(0),
                    })
                {
                    // `x{0}`: the regex crate would drop the groups inside and
                    // renumber the later ones; keep them, unreachable.
                    if e.has_group() {
                        out.push_str("(?:|[^\\x00-\\xFF]");
                        e.to_syntax(out);
                        out.push(')');
                    } else {
                        out.push_str("(?:)");
                    }
                    return;
                }
                out.push_str("(?:");
                e.to_syntax(out);
                out.push(')');
                let _ = match *rep {
                    Rep::Star => write!(out, "*"),
                    Rep::Plus => write!(out, "+"),
                    Rep::Opt => write!(out, "?"),
                    Rep::Range { min, extra: None } => write!(out, "{{{min},}}"),
                    Rep::Range {
                        min,
                        extra: Some(n),
                    } => write!(out, "{{{min},{}}}", min.saturating_add(n)),
                };
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Parser: a port of libstdc++'s _Scanner and _Compiler for `extended`.
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Tok {
    Eof,
    OrdChar,
    AnyChar,
    LineBegin,
    LineEnd,
    Closure0,
    Closure1,
    Opt,
    Or,
    SubexprBegin,
    SubexprEnd,
    BracketBegin,
    BracketNegBegin,
    BracketEnd,
    BracketDash,
    IntervalBegin,
    IntervalEnd,
    DupCount,
    Comma,
    CollSymbol,
    EquivClassName,
    CharClassName,
}

#[derive(Clone, Copy, PartialEq)]
enum ScanState {
    Normal,
    Bracket,
    Brace,
}

/// Characters special outside brackets in the `extended` grammar.
const SPEC_CHARS: &[u8] = b".[\\()*+?{|^$";

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    state: ScanState,
    at_bracket_start: bool,
    token: Tok,
    value: Vec<u8>,
}

impl Scanner<'_> {
    fn advance(&mut self) -> Result<(), String> {
        if self.pos == self.src.len() {
            self.token = Tok::Eof;
            return Ok(());
        }
        match self.state {
            ScanState::Normal => self.scan_normal(),
            ScanState::Bracket => self.scan_in_bracket(),
            ScanState::Brace => self.scan_in_brace(),
        }
    }

    fn ord(&mut self, c: u8) {
        self.token = Tok::OrdChar;
        self.value = vec![c];
    }

    fn scan_normal(&mut self) -> Result<(), String> {
        let c = self.src[self.pos];
        self.pos += 1;
        if c != 0 && !SPEC_CHARS.contains(&c) {
            self.ord(c);
            return Ok(());
        }
        self.token = match c {
            b'\\' => {
                let Some(&e) = self.src.get(self.pos) else {
                    return Err("invalid escape at end of regular expression".into());
                };
                if e == 0 || !SPEC_CHARS.contains(&e) {
                    return Err(format!("invalid escape '\\{}'", e.escape_ascii()));
                }
                self.pos += 1;
                self.ord(e);
                return Ok(());
            }
            b'(' => Tok::SubexprBegin,
            b')' => Tok::SubexprEnd,
            b'[' => {
                self.state = ScanState::Bracket;
                self.at_bracket_start = true;
                if self.src.get(self.pos) == Some(&b'^') {
                    self.pos += 1;
                    Tok::BracketNegBegin
                } else {
                    Tok::BracketBegin
                }
            }
            b'{' => {
                self.state = ScanState::Brace;
                Tok::IntervalBegin
            }
            0 => return Err("NUL character in regular expression".into()),
            b'^' => Tok::LineBegin,
            b'$' => Tok::LineEnd,
            b'.' => Tok::AnyChar,
            b'*' => Tok::Closure0,
            b'+' => Tok::Closure1,
            b'?' => Tok::Opt,
            _ => Tok::Or, // b'|'
        };
        Ok(())
    }

    fn scan_in_bracket(&mut self) -> Result<(), String> {
        let c = self.src[self.pos];
        self.pos += 1;
        if c == b'-' {
            self.token = Tok::BracketDash;
        } else if c == b'[' {
            match self.src.get(self.pos) {
                None => return Err("incomplete '[[' in bracket expression".into()),
                Some(&k @ (b'.' | b':' | b'=')) => {
                    self.pos += 1;
                    self.token = match k {
                        b'.' => Tok::CollSymbol,
                        b':' => Tok::CharClassName,
                        _ => Tok::EquivClassName,
                    };
                    self.eat_class(k)?;
                }
                Some(_) => self.ord(b'['),
            }
        } else if c == b']' && !self.at_bracket_start {
            self.token = Tok::BracketEnd;
            self.state = ScanState::Normal;
        } else {
            // A backslash is literal inside brackets in POSIX.
            self.ord(c);
        }
        self.at_bracket_start = false;
        Ok(())
    }

    fn eat_class(&mut self, ch: u8) -> Result<(), String> {
        self.value.clear();
        while self.pos < self.src.len() && self.src[self.pos] != ch {
            self.value.push(self.src[self.pos]);
            self.pos += 1;
        }
        // Skip `ch`, then require `]`.
        if self.pos + 1 < self.src.len() && self.src[self.pos + 1] == b']' {
            self.pos += 2;
            Ok(())
        } else if ch == b':' {
            Err("unterminated character class '[:...:]'".into())
        } else {
            Err("unterminated collating element or equivalence class".into())
        }
    }

    fn scan_in_brace(&mut self) -> Result<(), String> {
        let c = self.src[self.pos];
        self.pos += 1;
        if c.is_ascii_digit() {
            self.token = Tok::DupCount;
            self.value = vec![c];
            while let Some(&d) = self.src.get(self.pos).filter(|d| d.is_ascii_digit()) {
                self.value.push(d);
                self.pos += 1;
            }
        } else if c == b',' {
            self.token = Tok::Comma;
        } else if c == b'}' {
            self.state = ScanState::Normal;
            self.token = Tok::IntervalEnd;
        } else {
            return Err("invalid character in '{...}' repetition".into());
        }
        Ok(())
    }
}

/// The state of the previous bracket term (libstdc++'s `_BracketState`).
#[derive(Clone, Copy, PartialEq)]
enum Last {
    None,
    Char(u8),
    Class,
}

/// Bracket expression under construction (libstdc++'s `_BracketMatcher`).
struct Bracket {
    chars: ByteSet,
    /// Inclusive ranges of *signed* chars, as libstdc++ compares `char`.
    ranges: Vec<(i8, i8)>,
    classes: Vec<fn(u8) -> bool>,
    /// Lower-cased equivalence-class characters.
    equiv: Vec<u8>,
}

impl Bracket {
    fn push_char(&mut self, last: &mut Last, c: u8) {
        if let Last::Char(p) = *last {
            self.chars.insert(p);
        }
        *last = Last::Char(c);
    }

    fn push_class(&mut self, last: &mut Last) {
        if let Last::Char(p) = *last {
            self.chars.insert(p);
        }
        *last = Last::Class;
    }

    fn make_range(&mut self, lo: u8, hi: u8) -> Result<(), String> {
        let (lo, hi) = (lo as i8, hi as i8);
        if lo > hi {
            return Err("invalid range in bracket expression".into());
        }
        self.ranges.push((lo, hi));
        Ok(())
    }

    fn finish(self, negate: bool) -> ByteSet {
        let mut set = ByteSet([0; 4]);
        for b in 0..=255u8 {
            let c = b as i8;
            let hit = self.chars.contains(b)
                || self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi)
                || self.classes.iter().any(|f| f(b))
                || self.equiv.contains(&b.to_ascii_lowercase());
            if hit != negate {
                set.insert(b);
            }
        }
        set
    }
}

/// `regex_traits<char>::lookup_classname` in the "C" locale.
fn lookup_class(name: &[u8]) -> Option<fn(u8) -> bool> {
    let f: fn(u8) -> bool = match name.to_ascii_lowercase().as_slice() {
        b"d" | b"digit" => |b| b.is_ascii_digit(),
        b"w" => |b| b.is_ascii_alphanumeric() || b == b'_',
        b"s" | b"space" => |b| matches!(b, b' ' | 9..=13),
        b"alnum" => |b| b.is_ascii_alphanumeric(),
        b"alpha" => |b| b.is_ascii_alphabetic(),
        b"blank" => |b| b == b' ' || b == b'\t',
        b"cntrl" => |b| b < 32 || b == 127,
        b"graph" => |b| (33..=126).contains(&b),
        b"lower" => |b| b.is_ascii_lowercase(),
        b"print" => |b| (32..=126).contains(&b),
        b"punct" => |b| b.is_ascii_punctuation(),
        b"upper" => |b| b.is_ascii_uppercase(),
        b"xdigit" => |b| b.is_ascii_hexdigit(),
        _ => return None,
    };
    Some(f)
}

/// `regex_traits<char>::lookup_collatename`: the names of chars 0..=127.
fn lookup_collate(name: &[u8]) -> Option<u8> {
    const NAMES: [&str; 128] = [
        "NUL",
        "SOH",
        "STX",
        "ETX",
        "EOT",
        "ENQ",
        "ACK",
        "alert",
        "backspace",
        "tab",
        "newline",
        "vertical-tab",
        "form-feed",
        "carriage-return",
        "SO",
        "SI",
        "DLE",
        "DC1",
        "DC2",
        "DC3",
        "DC4",
        "NAK",
        "SYN",
        "ETB",
        "CAN",
        "EM",
        "SUB",
        "ESC",
        "IS4",
        "IS3",
        "IS2",
        "IS1",
        "space",
        "exclamation-mark",
        "quotation-mark",
        "number-sign",
        "dollar-sign",
        "percent-sign",
        "ampersand",
        "apostrophe",
        "left-parenthesis",
        "right-parenthesis",
        "asterisk",
        "plus-sign",
        "comma",
        "hyphen",
        "period",
        "slash",
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "colon",
        "semicolon",
        "less-than-sign",
        "equals-sign",
        "greater-than-sign",
        "question-mark",
        "commercial-at",
        "A",
        "B",
        "C",
        "D",
        "E",
        "F",
        "G",
        "H",
        "I",
        "J",
        "K",
        "L",
        "M",
        "N",
        "O",
        "P",
        "Q",
        "R",
        "S",
        "T",
        "U",
        "V",
        "W",
        "X",
        "Y",
        "Z",
        "left-square-bracket",
        "backslash",
        "right-square-bracket",
        "circumflex",
        "underscore",
        "grave-accent",
        "a",
        "b",
        "c",
        "d",
        "e",
        "f",
        "g",
        "h",
        "i",
        "j",
        "k",
        "l",
        "m",
        "n",
        "o",
        "p",
        "q",
        "r",
        "s",
        "t",
        "u",
        "v",
        "w",
        "x",
        "y",
        "z",
        "left-curly-bracket",
        "vertical-line",
        "right-curly-bracket",
        "tilde",
        "DEL",
    ];
    NAMES
        .iter()
        .position(|n| n.as_bytes() == name)
        .and_then(|i| u8::try_from(i).ok())
}

struct Parser<'a> {
    scanner: Scanner<'a>,
    value: Vec<u8>,
    next_group: usize,
    depth: usize,
}

/// Parses a pattern; returns the AST and the number of groups.
fn parse(pattern: &[u8]) -> Result<(Node, usize), String> {
    let mut p = Parser {
        scanner: Scanner {
            src: pattern,
            pos: 0,
            state: ScanState::Normal,
            at_bracket_start: false,
            token: Tok::Eof,
            value: Vec::new(),
        },
        value: Vec::new(),
        next_group: 1,
        depth: 0,
    };
    p.scanner.advance()?;
    let node = p.disjunction()?;
    if p.scanner.token != Tok::Eof {
        return Err("unmatched parenthesis or misplaced operator".into());
    }
    Ok((node, p.next_group - 1))
}

impl Parser<'_> {
    fn match_token(&mut self, t: Tok) -> Result<bool, String> {
        if self.scanner.token != t {
            return Ok(false);
        }
        self.value = std::mem::take(&mut self.scanner.value);
        self.scanner.advance()?;
        Ok(true)
    }

    fn disjunction(&mut self) -> Result<Node, String> {
        let first = self.alternative()?;
        let mut alts = vec![first];
        while self.match_token(Tok::Or)? {
            alts.push(self.alternative()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Node::Concat(Vec::new()))
        } else {
            Node::Alt(alts)
        })
    }

    fn alternative(&mut self) -> Result<Node, String> {
        let mut terms = Vec::new();
        while let Some(t) = self.term()? {
            terms.push(t);
        }
        Ok(Node::Concat(terms))
    }

    fn term(&mut self) -> Result<Option<Node>, String> {
        if self.match_token(Tok::LineBegin)? {
            return Ok(Some(Node::LineBegin));
        }
        if self.match_token(Tok::LineEnd)? {
            return Ok(Some(Node::LineEnd));
        }
        let depth = self.depth;
        let Some(mut atom) = self.atom()? else {
            return Ok(None);
        };
        while let Some(rep) = self.quantifier()? {
            self.enter()?;
            atom = Node::Repeat(Box::new(atom), rep);
        }
        self.depth = depth;
        Ok(Some(atom))
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("regular expression nested too deeply".into());
        }
        Ok(())
    }

    /// `_M_cur_int_value(10)`: accumulate in `long`, return `int`.
    fn int_value(&self) -> i64 {
        let v = self.value.iter().fold(0i64, |v, &d| {
            v.wrapping_mul(10).wrapping_add(i64::from(d - b'0'))
        });
        i64::from(v as i32)
    }

    fn quantifier(&mut self) -> Result<Option<Rep>, String> {
        if self.match_token(Tok::Closure0)? {
            return Ok(Some(Rep::Star));
        }
        if self.match_token(Tok::Closure1)? {
            return Ok(Some(Rep::Plus));
        }
        if self.match_token(Tok::Opt)? {
            return Ok(Some(Rep::Opt));
        }
        if !self.match_token(Tok::IntervalBegin)? {
            return Ok(None);
        }
        if !self.match_token(Tok::DupCount)? {
            return Err("invalid repetition count in '{...}'".into());
        }
        let min = self.int_value();
        let mut infinite = false;
        let mut n = 0i64;
        if self.match_token(Tok::Comma)? {
            if self.match_token(Tok::DupCount)? {
                n = self.int_value() - min;
            } else {
                infinite = true;
            }
        }
        if !self.match_token(Tok::IntervalEnd)? {
            return Err("unterminated '{...}' repetition".into());
        }
        if !infinite && n < 0 {
            return Err("invalid repetition range in '{...}'".into());
        }
        let min = u64::try_from(min).unwrap_or(0);
        let extra = if infinite {
            None
        } else {
            Some(n.unsigned_abs())
        };
        Ok(Some(Rep::Range { min, extra }))
    }

    fn atom(&mut self) -> Result<Option<Node>, String> {
        if self.match_token(Tok::AnyChar)? {
            return Ok(Some(Node::Any));
        }
        if self.match_token(Tok::OrdChar)? {
            return Ok(Some(Node::Byte(self.value[0])));
        }
        if self.match_token(Tok::SubexprBegin)? {
            let depth = self.depth;
            self.enter()?;
            let index = self.next_group;
            self.next_group += 1;
            let inner = self.disjunction()?;
            if !self.match_token(Tok::SubexprEnd)? {
                return Err("unmatched '('".into());
            }
            self.depth = depth;
            return Ok(Some(Node::Group(index, Box::new(inner))));
        }
        let negate = self.match_token(Tok::BracketNegBegin)?;
        if !negate && !self.match_token(Tok::BracketBegin)? {
            return Ok(None);
        }
        self.bracket(negate)
            .map(|set| Some(Node::Set(Box::new(set))))
    }

    fn bracket(&mut self, negate: bool) -> Result<ByteSet, String> {
        let mut m = Bracket {
            chars: ByteSet([0; 4]),
            ranges: Vec::new(),
            classes: Vec::new(),
            equiv: Vec::new(),
        };
        let mut last = Last::None;
        if self.match_token(Tok::OrdChar)? {
            last = Last::Char(self.value[0]);
        } else if self.match_token(Tok::BracketDash)? {
            last = Last::Char(b'-');
        }
        while self.expression_term(&mut last, &mut m)? {}
        if let Last::Char(c) = last {
            m.chars.insert(c);
        }
        Ok(m.finish(negate))
    }

    fn expression_term(&mut self, last: &mut Last, m: &mut Bracket) -> Result<bool, String> {
        if self.match_token(Tok::BracketEnd)? {
            return Ok(false);
        }
        if self.match_token(Tok::CollSymbol)? {
            let c = lookup_collate(&self.value).ok_or("invalid collating element")?;
            m.chars.insert(c);
            m.push_char(last, c);
        } else if self.match_token(Tok::EquivClassName)? {
            m.push_class(last);
            let c = lookup_collate(&self.value).ok_or("invalid equivalence class")?;
            m.equiv.push(c.to_ascii_lowercase());
        } else if self.match_token(Tok::CharClassName)? {
            m.push_class(last);
            m.classes
                .push(lookup_class(&self.value).ok_or("invalid character class")?);
        } else if self.match_token(Tok::OrdChar)? {
            m.push_char(last, self.value[0]);
        } else if self.match_token(Tok::BracketDash)? {
            if self.match_token(Tok::BracketEnd)? {
                m.push_char(last, b'-');
                return Ok(false);
            }
            let Last::Char(lo) = *last else {
                return Err("invalid '-' in bracket expression".into());
            };
            if self.match_token(Tok::OrdChar)? {
                m.make_range(lo, self.value[0])?;
            } else if self.match_token(Tok::BracketDash)? {
                m.make_range(lo, b'-')?;
            } else {
                return Err("invalid end of range in bracket expression".into());
            }
            *last = Last::None;
        } else {
            return Err("unterminated bracket expression".into());
        }
        Ok(true)
    }
}

// ---------------------------------------------------------------------------
// libstdc++-shaped NFA and DFS executor.
// ---------------------------------------------------------------------------

type StateId = u32;

#[derive(Clone, Debug)]
enum Matcher {
    Byte(u8),
    Any,
    Set(Box<ByteSet>),
}

impl Matcher {
    fn matches(&self, b: u8) -> bool {
        match self {
            Matcher::Byte(c) => *c == b,
            Matcher::Any => b != 0,
            Matcher::Set(set) => set.contains(b),
        }
    }
}

/// NFA states after libstdc++'s dummy elimination. For `Alt` and `Repeat`,
/// `alt` is explored first (left alternative / one more iteration).
#[derive(Clone, Debug)]
enum State {
    Match(Matcher, StateId),
    SubBegin(u32, StateId),
    SubEnd(u32, StateId),
    LineBegin(StateId),
    LineEnd(StateId),
    Alt { alt: StateId, next: StateId },
    Repeat { alt: StateId, next: StateId },
    Accept,
}

struct Prog {
    states: Vec<State>,
    start: StateId,
    /// Number of groups including group 0.
    slots: usize,
}

impl Prog {
    fn new(ast: &Node, groups: usize) -> Prog {
        let mut prog = Prog {
            states: Vec::new(),
            start: 0,
            slots: groups + 1,
        };
        let accept = prog.push(State::Accept);
        let end = prog.push(State::SubEnd(0, accept));
        let body = prog.compile(ast, end);
        prog.start = prog.push(State::SubBegin(0, body));
        prog
    }

    fn push(&mut self, s: State) -> StateId {
        self.states.push(s);
        StateId::try_from(self.states.len() - 1).unwrap_or(StateId::MAX)
    }

    /// Compiles `node` so that it continues at `next`; returns its entry.
    fn compile(&mut self, node: &Node, next: StateId) -> StateId {
        match node {
            Node::Byte(b) => self.push(State::Match(Matcher::Byte(*b), next)),
            Node::Any => self.push(State::Match(Matcher::Any, next)),
            Node::Set(set) => self.push(State::Match(Matcher::Set(set.clone()), next)),
            Node::LineBegin => self.push(State::LineBegin(next)),
            Node::LineEnd => self.push(State::LineEnd(next)),
            Node::Group(g, inner) => {
                let g = u32::try_from(*g).unwrap_or(u32::MAX);
                let end = self.push(State::SubEnd(g, next));
                let body = self.compile(inner, end);
                self.push(State::SubBegin(g, body))
            }
            Node::Concat(terms) => terms.iter().rev().fold(next, |cur, t| self.compile(t, cur)),
            Node::Alt(alts) => {
                // `a|b|c` is ((a|b)|c): nested alternation states whose
                // left branch is explored first.
                let mut entry = self.compile(&alts[0], next);
                for alt in &alts[1..] {
                    let right = self.compile(alt, next);
                    entry = self.push(State::Alt {
                        alt: entry,
                        next: right,
                    });
                }
                entry
            }
            Node::Repeat(e, rep) => match *rep {
                Rep::Star => self.star(e, next),
                Rep::Plus => {
                    let r = self.push(State::Repeat { alt: 0, next });
                    let body = self.compile(e, r);
                    self.states[r as usize] = State::Repeat { alt: body, next };
                    body
                }
                Rep::Opt => {
                    let body = self.compile(e, next);
                    self.push(State::Repeat { alt: body, next })
                }
                Rep::Range { min, extra } => {
                    let mut cur = match extra {
                        None => self.star(e, next),
                        Some(n) => {
                            let mut cur = next;
                            for _ in 0..n {
                                let body = self.compile(e, cur);
                                cur = self.push(State::Repeat { alt: body, next });
                            }
                            cur
                        }
                    };
                    for _ in 0..min {
                        cur = self.compile(e, cur);
                    }
                    cur
                }
            },
        }
    }

    fn star(&mut self, e: &Node, next: StateId) -> StateId {
        let r = self.push(State::Repeat { alt: 0, next });
        let body = self.compile(e, r);
        self.states[r as usize] = State::Repeat { alt: body, next };
        r
    }
}

/// The emulator ran out of steps.
#[derive(Debug)]
struct Exhausted;

#[derive(Clone, Copy, Debug)]
struct Sub {
    first: usize,
    second: usize,
    matched: bool,
}

const UNMATCHED: Sub = Sub {
    first: 0,
    second: 0,
    matched: false,
};

/// Continuations of the DFS (what libstdc++ does after a recursive call).
enum Frame {
    Visit(StateId, usize),
    RestoreFirst(u32, usize),
    RestoreSub(u32, Sub),
    RestoreRep(StateId, (usize, u32)),
    DecRep(StateId),
    /// After "one more" iteration: take the exit unless a solution was found.
    RepeatExit(StateId, usize),
    /// After the left alternative: explore the right one too (POSIX).
    AltRight(StateId, usize),
    AltMerge(bool),
}

/// An iterative port of libstdc++'s `_Executor<..., __dfs_mode = true>` for
/// a POSIX (non-ECMAScript) regex.
struct Emulator<'a> {
    prog: &'a Prog,
    hay: &'a [u8],
    /// Steps per run; `None` = unlimited.
    budget: Option<u64>,
    rep: Vec<(usize, u32)>,
    stack: Vec<Frame>,
    cur: Vec<Sub>,
}

impl<'a> Emulator<'a> {
    fn new(prog: &'a Prog, hay: &'a [u8], budget: Option<u64>) -> Emulator<'a> {
        Emulator {
            prog,
            hay,
            budget,
            rep: Vec::new(),
            stack: Vec::new(),
            cur: Vec::new(),
        }
    }

    /// One `_M_main(mode)` run from `begin`: `exact` is `regex_match`
    /// (`_Match_mode::_Exact`), otherwise `_Prefix`. `not_null` is
    /// `match_not_null`. No solution can end after `bound`, so finding one
    /// there ends the run early (the result cannot change any more).
    fn run(
        &mut self,
        begin: usize,
        exact: bool,
        not_null: bool,
        bound: usize,
    ) -> Result<Option<(Span, Groups)>, Exhausted> {
        let hay = self.hay;
        let states = &self.prog.states;
        // `rep` is all (0, 0) between runs: every run unwinds its changes.
        if self.rep.len() != states.len() {
            self.rep = vec![(0, 0); states.len()];
        }
        self.stack.clear();
        self.cur.clear();
        self.cur.resize(self.prog.slots, UNMATCHED);
        let mut results: Option<Vec<Sub>> = None;
        let mut sol_pos: Option<usize> = None;
        let mut has_sol = false;
        let mut steps = 0u64;
        self.stack.push(Frame::Visit(self.prog.start, begin));
        while let Some(frame) = self.stack.pop() {
            steps += 1;
            if self
                .budget
                .is_some_and(|b| steps > b || self.stack.len() > MAX_STACK)
            {
                self.unwind();
                return Err(Exhausted);
            }
            match frame {
                Frame::Visit(s, pos) => match &states[s as usize] {
                    State::Repeat { alt, next } => {
                        // Greedy: `_M_rep_once_more`, then the exit branch.
                        self.stack.push(Frame::RepeatExit(*next, pos));
                        let rc = self.rep[s as usize];
                        if rc.1 == 0 || rc.0 != pos {
                            self.stack.push(Frame::RestoreRep(s, rc));
                            self.rep[s as usize] = (pos, 1);
                            self.stack.push(Frame::Visit(*alt, pos));
                        } else if rc.1 < 2 {
                            self.rep[s as usize].1 += 1;
                            self.stack.push(Frame::DecRep(s));
                            self.stack.push(Frame::Visit(*alt, pos));
                        }
                    }
                    State::Alt { alt, next } => {
                        self.stack.push(Frame::AltRight(*next, pos));
                        self.stack.push(Frame::Visit(*alt, pos));
                    }
                    State::SubBegin(g, next) => {
                        let sub = &mut self.cur[*g as usize];
                        self.stack.push(Frame::RestoreFirst(*g, sub.first));
                        sub.first = pos;
                        self.stack.push(Frame::Visit(*next, pos));
                    }
                    State::SubEnd(g, next) => {
                        let sub = &mut self.cur[*g as usize];
                        self.stack.push(Frame::RestoreSub(*g, *sub));
                        sub.second = pos;
                        sub.matched = true;
                        self.stack.push(Frame::Visit(*next, pos));
                    }
                    State::LineBegin(next) => {
                        if pos == 0 {
                            self.stack.push(Frame::Visit(*next, pos));
                        }
                    }
                    State::LineEnd(next) => {
                        if pos == hay.len() {
                            self.stack.push(Frame::Visit(*next, pos));
                        }
                    }
                    State::Match(m, next) => {
                        if pos < hay.len() && m.matches(hay[pos]) {
                            self.stack.push(Frame::Visit(*next, pos + 1));
                        }
                    }
                    State::Accept => {
                        has_sol = (!exact || pos == hay.len()) && !(not_null && pos == begin);
                        if has_sol && sol_pos.is_none_or(|p| p < pos) {
                            sol_pos = Some(pos);
                            results = Some(self.cur.clone());
                            if exact || pos >= bound {
                                self.unwind();
                                break;
                            }
                        }
                    }
                },
                Frame::RepeatExit(next, pos) => {
                    if !has_sol {
                        self.stack.push(Frame::Visit(next, pos));
                    }
                }
                Frame::AltRight(next, pos) => {
                    self.stack.push(Frame::AltMerge(has_sol));
                    has_sol = false;
                    self.stack.push(Frame::Visit(next, pos));
                }
                Frame::AltMerge(saved) => has_sol |= saved,
                Frame::RestoreFirst(g, first) => self.cur[g as usize].first = first,
                Frame::RestoreSub(g, sub) => self.cur[g as usize] = sub,
                Frame::RestoreRep(s, rc) => self.rep[s as usize] = rc,
                Frame::DecRep(s) => self.rep[s as usize].1 -= 1,
            }
        }
        debug_assert!(self.rep.iter().all(|&r| r == (0, 0)));
        Ok(results.map(|r| {
            let whole = (r[0].first, r[0].second);
            let groups = r[1..]
                .iter()
                .map(|s| s.matched.then_some((s.first, s.second)))
                .collect();
            (whole, groups)
        }))
    }
}

impl Emulator<'_> {
    /// Undoes the repetition-count changes of the frames still on the stack.
    fn unwind(&mut self) {
        while let Some(frame) = self.stack.pop() {
            match frame {
                Frame::RestoreRep(s, rc) => self.rep[s as usize] = rc,
                Frame::DecRep(s) => self.rep[s as usize].1 -= 1,
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders a string the way `nix-instantiate --eval` prints it.
    fn nix_str(bytes: &[u8]) -> String {
        let s = String::from_utf8_lossy(bytes);
        let mut out = String::from("\"");
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                '\r' => out.push_str("\\r"),
                '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    fn nix_groups(hay: &[u8], groups: &[Option<Span>]) -> String {
        let mut out = String::from("[ ");
        for g in groups {
            match g {
                Some((s, e)) => out.push_str(&nix_str(&hay[*s..*e])),
                None => out.push_str("null"),
            }
            out.push(' ');
        }
        out.push(']');
        out
    }

    fn compile(pattern: &str) -> Result<PosixRegex, String> {
        PosixRegex::new(pattern).map_err(|e| {
            if e.contains("memory limit") {
                "MEMORY".to_string()
            } else {
                "ERROR".to_string()
            }
        })
    }

    /// `builtins.match pattern hay`, printed like Nix (or ERROR / MEMORY).
    fn nix_match(re: &Result<PosixRegex, String>, hay: &str) -> String {
        match re {
            Err(e) => e.clone(),
            Ok(re) => match re.match_full(hay) {
                None => "null".to_string(),
                Some(groups) => {
                    assert_eq!(groups.len(), re.group_count());
                    nix_groups(hay.as_bytes(), &groups)
                }
            },
        }
    }

    /// `builtins.split pattern hay`, printed like Nix (or ERROR / MEMORY).
    fn nix_split(re: &Result<PosixRegex, String>, hay: &str) -> String {
        let re = match re {
            Err(e) => return e.clone(),
            Ok(re) => re,
        };
        let bytes = hay.as_bytes();
        let mut out = String::from("[ ");
        let mut prev = 0;
        for ((s, e), groups) in re.find_all(hay) {
            assert!(prev <= s && s <= e);
            assert_eq!(groups.len(), re.group_count());
            out.push_str(&nix_str(&bytes[prev..s]));
            out.push(' ');
            out.push_str(&nix_groups(bytes, &groups));
            out.push(' ');
            prev = e;
        }
        out.push_str(&nix_str(&bytes[prev..]));
        out.push_str(" ]");
        out
    }

    /// (pattern, haystack, output of real Nix 2.8), the Nix expression in the
    /// comment above each entry.
    const MATCH_CASES: &[(&str, &str, &str)] = &[
        // builtins.match "(a*)(a*)" "aaa"
        ("(a*)(a*)", "aaa", r#"[ "aaa" "" ]"#),
        // builtins.match "(a|ab)(c|bcd)(d*)" "abcd"
        ("(a|ab)(c|bcd)(d*)", "abcd", r#"[ "a" "bcd" "" ]"#),
        // builtins.match "a.b" "a\nb"
        ("a.b", "a\nb", "[ ]"),
        // builtins.match "(.)" "é"
        ("(.)", "é", "null"),
        // builtins.match "(..)" "é"
        ("(..)", "é", r#"[ "é" ]"#),
        // builtins.match "[^a]" "é"
        ("[^a]", "é", "null"),
        // builtins.match "[^a]+" "é"
        ("[^a]+", "é", "[ ]"),
        // builtins.match "\\d" "1"
        ("\\d", "1", "ERROR"),
        // builtins.match "\\w" "a"
        ("\\w", "a", "ERROR"),
        // builtins.match "\\s" " "
        ("\\s", " ", "ERROR"),
        // builtins.match "a\\b" "a"
        ("a\\b", "a", "ERROR"),
        // builtins.match "\\]" "]"
        ("\\]", "]", "ERROR"),
        // builtins.match "\\}" "}"
        ("\\}", "}", "ERROR"),
        // builtins.match "\\/" "/"
        ("\\/", "/", "ERROR"),
        // builtins.match "\\n" "n"
        ("\\n", "n", "ERROR"),
        // builtins.match "\\" "a"
        ("\\", "a", "ERROR"),
        // builtins.match "\\." "."
        ("\\.", ".", "[ ]"),
        // builtins.match "\\." "a"
        ("\\.", "a", "null"),
        // builtins.match "a\\*" "a*"
        ("a\\*", "a*", "[ ]"),
        // builtins.match "\\(\\)\\[\\{\\|\\^\\$\\+\\?\\\\|()[{" "^$+?\\"
        ("\\(\\)\\[\\{\\|\\^\\$\\+\\?\\\\|()[{", "^$+?\\", "ERROR"),
        // builtins.match "[[:space:]]*" "  \t\n"
        ("[[:space:]]*", "  \t\n", "[ ]"),
        // builtins.match "([^/]*)/(.*)" "foo/bar/baz"
        ("([^/]*)/(.*)", "foo/bar/baz", r#"[ "foo" "bar/baz" ]"#),
        // builtins.match "(.*)\\.(.*)" "foo.tar.gz"
        ("(.*)\\.(.*)", "foo.tar.gz", r#"[ "foo.tar" "gz" ]"#),
        // builtins.match "([^-]*)-(.*)" "hello-2.12.1"
        ("([^-]*)-(.*)", "hello-2.12.1", r#"[ "hello" "2.12.1" ]"#),
        // builtins.match "(.*)-([0-9].*)" "hello-world-2.12.1"
        (
            "(.*)-([0-9].*)",
            "hello-world-2.12.1",
            r#"[ "hello-world" "2.12.1" ]"#,
        ),
        // builtins.match "[[:alpha:]]+" "hello"
        ("[[:alpha:]]+", "hello", "[ ]"),
        // builtins.match "[[:alpha:]]+" "é"
        ("[[:alpha:]]+", "é", "null"),
        // builtins.match "[[:digit:]]+" "0123456789"
        ("[[:digit:]]+", "0123456789", "[ ]"),
        // builtins.match "[[:alnum:]_]+" "ab_12"
        ("[[:alnum:]_]+", "ab_12", "[ ]"),
        // builtins.match "[[:upper:]][[:lower:]]+" "Hello"
        ("[[:upper:]][[:lower:]]+", "Hello", "[ ]"),
        // builtins.match "[[:punct:]]+" "!/:@[`{~"
        ("[[:punct:]]+", "!/:@[`{~", "[ ]"),
        // builtins.match "[[:xdigit:]]+" "09afAF"
        ("[[:xdigit:]]+", "09afAF", "[ ]"),
        // builtins.match "[[:xdigit:]]" "g"
        ("[[:xdigit:]]", "g", "null"),
        // builtins.match "[[:blank:]]+" " \t"
        ("[[:blank:]]+", " \t", "[ ]"),
        // builtins.match "[[:blank:]]" "\n"
        ("[[:blank:]]", "\n", "null"),
        // builtins.match "[[:cntrl:]]" "\t"
        ("[[:cntrl:]]", "\t", "[ ]"),
        // builtins.match "[[:print:]]+" " ~"
        ("[[:print:]]+", " ~", "[ ]"),
        // builtins.match "[[:graph:]]" " "
        ("[[:graph:]]", " ", "null"),
        // builtins.match "[[:ALPHA:]]" "a"
        ("[[:ALPHA:]]", "a", "[ ]"),
        // builtins.match "[[:w:]]+" "a_1"
        ("[[:w:]]+", "a_1", "[ ]"),
        // builtins.match "[[:d:]]+" "12"
        ("[[:d:]]+", "12", "[ ]"),
        // builtins.match "[[:s:]]+" " \t"
        ("[[:s:]]+", " \t", "[ ]"),
        // builtins.match "[[:foo:]]" "a"
        ("[[:foo:]]", "a", "ERROR"),
        // builtins.match "[[:alpha:]" "a"
        ("[[:alpha:]", "a", "ERROR"),
        // builtins.match "[[.space.]]" " "
        ("[[.space.]]", " ", "[ ]"),
        // builtins.match "[[.hyphen.]]" "-"
        ("[[.hyphen.]]", "-", "[ ]"),
        // builtins.match "[[.-.]]" "-"
        ("[[.-.]]", "-", "ERROR"),
        // builtins.match "[[=a=]]+" "aA"
        ("[[=a=]]+", "aA", "[ ]"),
        // builtins.match "[]a]+" "a]"
        ("[]a]+", "a]", "[ ]"),
        // builtins.match "[^]a]+" "bc"
        ("[^]a]+", "bc", "[ ]"),
        // builtins.match "[]" "]"
        ("[]", "]", "ERROR"),
        // builtins.match "[a-]+" "a-"
        ("[a-]+", "a-", "[ ]"),
        // builtins.match "[-a]+" "a-"
        ("[-a]+", "a-", "[ ]"),
        // builtins.match "[--a]+" "-a"
        ("[--a]+", "-a", "[ ]"),
        // builtins.match "[!--]+" "!-"
        ("[!--]+", "!-", "[ ]"),
        // builtins.match "[a-b-c]" "a"
        ("[a-b-c]", "a", "ERROR"),
        // builtins.match "[a--]" "a"
        ("[a--]", "a", "ERROR"),
        // builtins.match "[[]" "["
        ("[[]", "[", "[ ]"),
        // builtins.match "[\\d]+" "\\d"
        ("[\\d]+", "\\d", "[ ]"),
        // builtins.match "[a-é]" "a"
        ("[a-é]", "a", "ERROR"),
        // builtins.match "[[:alpha:]-z]" "a"
        ("[[:alpha:]-z]", "a", "ERROR"),
        // builtins.match "[a-[:alpha:]]" "a"
        ("[a-[:alpha:]]", "a", "ERROR"),
        // builtins.match "*a" "a"
        ("*a", "a", "ERROR"),
        // builtins.match "^*" ""
        ("^*", "", "ERROR"),
        // builtins.match "a|*b" "a"
        ("a|*b", "a", "ERROR"),
        // builtins.match "(*a)" "a"
        ("(*a)", "a", "ERROR"),
        // builtins.match "(a" "a)"
        ("(a", "a)", "ERROR"),
        // builtins.match "a)" "a)"
        ("a)", "a)", "ERROR"),
        // builtins.match "()" ""
        ("()", "", r#"[ "" ]"#),
        // builtins.match "" ""
        ("", "", "[ ]"),
        // builtins.match "|" ""
        ("|", "", "[ ]"),
        // builtins.match "a||b" "b"
        ("a||b", "b", "[ ]"),
        // builtins.match "(|a)" "a"
        ("(|a)", "a", r#"[ "a" ]"#),
        // builtins.match "a**" "aa"
        ("a**", "aa", "[ ]"),
        // builtins.match "a*?" "aa"
        ("a*?", "aa", "[ ]"),
        // builtins.match "a+?" "aa"
        ("a+?", "aa", "[ ]"),
        // builtins.match "a{2}" "aa"
        ("a{2}", "aa", "[ ]"),
        // builtins.match "a{2}" "aaa"
        ("a{2}", "aaa", "null"),
        // builtins.match "a{2,}" "aaaa"
        ("a{2,}", "aaaa", "[ ]"),
        // builtins.match "a{2,3}" "aaaa"
        ("a{2,3}", "aaaa", "null"),
        // builtins.match "a{0}" ""
        ("a{0}", "", "[ ]"),
        // builtins.match "(a){0}" ""
        ("(a){0}", "", "[ null ]"),
        // builtins.match "(a){0,0}b" "b"
        ("(a){0,0}b", "b", "[ null ]"),
        // builtins.match "(a){2}" "aa"
        ("(a){2}", "aa", r#"[ "a" ]"#),
        // builtins.match "(a|b){2,3}" "abb"
        ("(a|b){2,3}", "abb", r#"[ "b" ]"#),
        // builtins.match "{" "{"
        ("{", "{", "ERROR"),
        // builtins.match "a{" "a{"
        ("a{", "a{", "ERROR"),
        // builtins.match "a{}" "a"
        ("a{}", "a", "ERROR"),
        // builtins.match "a{,2}" "a"
        ("a{,2}", "a", "ERROR"),
        // builtins.match "a{2,1}" "a"
        ("a{2,1}", "a", "ERROR"),
        // builtins.match "a{1,2,3}" "a"
        ("a{1,2,3}", "a", "ERROR"),
        // builtins.match "a{ 1}" "a"
        ("a{ 1}", "a", "ERROR"),
        // builtins.match "a{1000000}" "a"
        ("a{1000000}", "a", "MEMORY"),
        // builtins.match "}" "}"
        ("}", "}", "[ ]"),
        // builtins.match "]" "]"
        ("]", "]", "[ ]"),
        // builtins.match "a$b" "ab"
        ("a$b", "ab", "null"),
        // builtins.match "a^b" "ab"
        ("a^b", "ab", "null"),
        // builtins.match "(a$)b*" "a"
        ("(a$)b*", "a", r#"[ "a" ]"#),
        // builtins.match "^abc$" "abc"
        ("^abc$", "abc", "[ ]"),
        // builtins.match "(a)*" ""
        ("(a)*", "", "[ null ]"),
        // builtins.match "(a)?" ""
        ("(a)?", "", "[ null ]"),
        // builtins.match "(a*)*" "aa"
        ("(a*)*", "aa", r#"[ "" ]"#),
        // builtins.match "(a*)+" "aa"
        ("(a*)+", "aa", r#"[ "" ]"#),
        // builtins.match "(a?)+" "aa"
        ("(a?)+", "aa", r#"[ "" ]"#),
        // builtins.match "(a|)*" "aa"
        ("(a|)*", "aa", r#"[ "" ]"#),
        // builtins.match "(|a)*" "aa"
        ("(|a)*", "aa", r#"[ "" ]"#),
        // builtins.match "(a|b)*" "ab"
        ("(a|b)*", "ab", r#"[ "b" ]"#),
        // builtins.match "((a)|b)*" "ab"
        ("((a)|b)*", "ab", r#"[ "b" "a" ]"#),
        // builtins.match "(a)|b" "b"
        ("(a)|b", "b", "[ null ]"),
        // builtins.match "x(a|b)*y" "xabay"
        ("x(a|b)*y", "xabay", r#"[ "a" ]"#),
        // builtins.match "(a*)+b" "aab"
        ("(a*)+b", "aab", r#"[ "" ]"#),
        // builtins.match "a#b c~d&e" "a#b c~d&e"
        ("a#b c~d&e", "a#b c~d&e", "[ ]"),
        // builtins.match "[ ]" " "
        ("[ ]", " ", "[ ]"),
        // builtins.match "(x|xy)(z|yz)" "xyz"
        ("(x|xy)(z|yz)", "xyz", r#"[ "x" "yz" ]"#),
        // builtins.match "(a|ab)(bc|c)" "abc"
        ("(a|ab)(bc|c)", "abc", r#"[ "a" "bc" ]"#),
        // builtins.match ".*" "a\tb"
        (".*", "a\tb", "[ ]"),
        // builtins.match "\\(\\)\\[\\{\\|\\^\\$\\+\\?\\\\\\.\\*" "()[{|^$+?\\.*"
        (
            "\\(\\)\\[\\{\\|\\^\\$\\+\\?\\\\\\.\\*",
            "()[{|^$+?\\.*",
            "[ ]",
        ),
        // builtins.match "[\\]+" "\\\\"
        ("[\\]+", "\\\\", "[ ]"),
        // builtins.match "a[|]b" "a|b"
        ("a[|]b", "a|b", "[ ]"),
        // builtins.match "(a|b|c)*(d|e)" "abcd"
        ("(a|b|c)*(d|e)", "abcd", r#"[ "c" "d" ]"#),
        // builtins.match "[.]" "."
        ("[.]", ".", "[ ]"),
        // builtins.match "[*+?{}()|^$]+" "*+?{}()|^$"
        ("[*+?{}()|^$]+", "*+?{}()|^$", "[ ]"),
        // builtins.match "(^a|b)+" "ab"
        ("(^a|b)+", "ab", r#"[ "b" ]"#),
        // builtins.match "a{1,}b{0,}" "aab"
        ("a{1,}b{0,}", "aab", "[ ]"),
        // builtins.match ".*(x)?.*" "abxcd"
        (".*(x)?.*", "abxcd", "[ null ]"),
        // builtins.match "([a-c]*)\\.nix" "abc.nix"
        ("([a-c]*)\\.nix", "abc.nix", r#"[ "abc" ]"#),
        // builtins.match "[[:alpha:][:digit:]]+" "a1b2"
        ("[[:alpha:][:digit:]]+", "a1b2", "[ ]"),
        // builtins.match "[^[:space:]]+" "abc"
        ("[^[:space:]]+", "abc", "[ ]"),
        // builtins.match "[^[:space:]]+" "a c"
        ("[^[:space:]]+", "a c", "null"),
    ];

    const SPLIT_CASES: &[(&str, &str, &str)] = &[
        // builtins.split "a*" "bab"
        ("a*", "bab", r#"[ "" [ ] "b" [ ] "" [ ] "b" [ ] "" ]"#),
        // builtins.split "(a|ab)" "xabx"
        ("(a|ab)", "xabx", r#"[ "x" [ "ab" ] "x" ]"#),
        // builtins.split "a*(ab)?" "aab"
        (
            "a*(ab)?",
            "aab",
            r#"[ "" [ null ] "" [ null ] "b" [ null ] "" ]"#,
        ),
        // builtins.split "x*" "axxb"
        ("x*", "axxb", r#"[ "" [ ] "a" [ ] "" [ ] "b" [ ] "" ]"#),
        // builtins.split "" "ab"
        ("", "ab", r#"[ "" [ ] "a" [ ] "b" [ ] "" ]"#),
        // builtins.split "a|ab" "ab"
        ("a|ab", "ab", r#"[ "" [ ] "" ]"#),
        // builtins.split "(a*)*" "b"
        ("(a*)*", "b", r#"[ "" [ "" ] "b" [ "" ] "" ]"#),
        // builtins.split "(a*)*" "aab"
        ("(a*)*", "aab", r#"[ "" [ "" ] "" [ "" ] "b" [ "" ] "" ]"#),
        // builtins.split "(a)|b" "xbx"
        ("(a)|b", "xbx", r#"[ "x" [ null ] "x" ]"#),
        // builtins.split "(a)|b" "ab"
        ("(a)|b", "ab", r#"[ "" [ "a" ] "" [ null ] "" ]"#),
        // builtins.split "(a)|(b)" "ab"
        ("(a)|(b)", "ab", r#"[ "" [ "a" null ] "" [ null "b" ] "" ]"#),
        // builtins.split "a?" "baab"
        (
            "a?",
            "baab",
            r#"[ "" [ ] "b" [ ] "" [ ] "" [ ] "b" [ ] "" ]"#,
        ),
        // builtins.split "(a?)" "ba"
        ("(a?)", "ba", r#"[ "" [ "" ] "b" [ "a" ] "" [ "" ] "" ]"#),
        // builtins.split "^a" "aaa"
        ("^a", "aaa", r#"[ "" [ ] "aa" ]"#),
        // builtins.split "^" "aa"
        ("^", "aa", r#"[ "" [ ] "aa" ]"#),
        // builtins.split "$" "aa"
        ("$", "aa", r#"[ "aa" [ ] "" ]"#),
        // builtins.split "a|^" "ba"
        ("a|^", "ba", r#"[ "" [ ] "b" [ ] "" ]"#),
        // builtins.split "(x|xy)*z?" "xyxz"
        ("(x|xy)*z?", "xyxz", r#"[ "" [ "x" ] "" [ null ] "" ]"#),
        // builtins.split "(a|ab)(c|bcd)?" "abcd"
        ("(a|ab)(c|bcd)?", "abcd", r#"[ "" [ "a" "bcd" ] "" ]"#),
        // builtins.split "(a|b)*c" "abcab"
        ("(a|b)*c", "abcab", r#"[ "" [ "b" ] "ab" ]"#),
        // builtins.split "x(a)?" "xaxx"
        (
            "x(a)?",
            "xaxx",
            r#"[ "" [ "a" ] "" [ null ] "" [ null ] "" ]"#,
        ),
        // builtins.split "[[:space:]]+" " foo  bar\tbaz "
        (
            "[[:space:]]+",
            " foo  bar\tbaz ",
            r#"[ "" [ ] "foo" [ ] "bar" [ ] "baz" [ ] "" ]"#,
        ),
        // builtins.split "(,)" "a,b,c"
        ("(,)", "a,b,c", r#"[ "a" [ "," ] "b" [ "," ] "c" ]"#),
        // builtins.split "([[:digit:]]+)" "abc123def45"
        (
            "([[:digit:]]+)",
            "abc123def45",
            r#"[ "abc" [ "123" ] "def" [ "45" ] "" ]"#,
        ),
        // builtins.split "\\." "1.2.3"
        ("\\.", "1.2.3", r#"[ "1" [ ] "2" [ ] "3" ]"#),
        // builtins.split "(-|_)" "foo-bar_baz"
        (
            "(-|_)",
            "foo-bar_baz",
            r#"[ "foo" [ "-" ] "bar" [ "_" ] "baz" ]"#,
        ),
        // builtins.split "a" "xyz"
        ("a", "xyz", r#"[ "xyz" ]"#),
        // builtins.split "." "ab"
        (".", "ab", r#"[ "" [ ] "" [ ] "" ]"#),
        // builtins.split "(a|b)+" "ab|ba"
        ("(a|b)+", "ab|ba", r#"[ "" [ "b" ] "|" [ "a" ] "" ]"#),
        // builtins.split "([a-z]+)([0-9]*)" "abc12 de f3"
        (
            "([a-z]+)([0-9]*)",
            "abc12 de f3",
            r#"[ "" [ "abc" "12" ] " " [ "de" "" ] " " [ "f" "3" ] "" ]"#,
        ),
        // builtins.split "(ab|a)(bc|c)?" "abcabc"
        (
            "(ab|a)(bc|c)?",
            "abcabc",
            r#"[ "" [ "ab" "c" ] "" [ "ab" "c" ] "" ]"#,
        ),
        // builtins.split "(^a|b)" "aab"
        ("(^a|b)", "aab", r#"[ "" [ "a" ] "a" [ "b" ] "" ]"#),
        // builtins.split "(a{0,2})" "aaaaa"
        (
            "(a{0,2})",
            "aaaaa",
            r#"[ "" [ "aa" ] "" [ "aa" ] "" [ "a" ] "" [ "" ] "" ]"#,
        ),
    ];

    /// The same pattern compiled three ways: normal, emulator only, and with
    /// an emulator budget so small that every emulator run falls back.
    fn variants(pattern: &str) -> [Result<PosixRegex, String>; 3] {
        let mut no_fast = compile(pattern);
        if let Ok(re) = &mut no_fast {
            re.fast = None;
        }
        let mut starved = compile(pattern);
        if let Ok(re) = &mut starved {
            re.budget_base = 0;
        }
        [compile(pattern), no_fast, starved]
    }

    #[test]
    fn match_agrees_with_nix() {
        for &(pattern, hay, expected) in MATCH_CASES {
            let [re, no_fast, _] = variants(pattern);
            assert_eq!(
                nix_match(&re, hay),
                expected,
                "builtins.match {pattern:?} {hay:?}"
            );
            assert_eq!(
                nix_match(&no_fast, hay),
                expected,
                "emulator only: {pattern:?} {hay:?}"
            );
        }
    }

    #[test]
    fn split_agrees_with_nix() {
        for &(pattern, hay, expected) in SPLIT_CASES {
            let [re, no_fast, _] = variants(pattern);
            assert_eq!(
                nix_split(&re, hay),
                expected,
                "builtins.split {pattern:?} {hay:?}"
            );
            assert_eq!(
                nix_split(&no_fast, hay),
                expected,
                "emulator only: {pattern:?} {hay:?}"
            );
        }
    }

    #[test]
    fn budget_fallback_keeps_spans_and_match_results() {
        // When the emulator gives up, whether a string matches and (for
        // patterns without empty loops) the match spans stay right.
        for &(pattern, hay, expected) in MATCH_CASES {
            let [re, _, starved] = variants(pattern);
            let got = nix_match(&starved, hay);
            assert_eq!(got == "null", expected == "null", "{pattern:?} {hay:?}");
            if let (Ok(re), Ok(starved)) = (&re, &starved)
                && !re.nullable_loop
            {
                assert_eq!(starved.match_full(hay), re.match_full(hay));
            }
        }
        for &(pattern, hay, _) in SPLIT_CASES {
            let [re, _, starved] = variants(pattern);
            if let (Ok(re), Ok(starved)) = (&re, &starved)
                && !re.has_alternation
            {
                let spans =
                    |r: &PosixRegex| r.find_all(hay).into_iter().map(|m| m.0).collect::<Vec<_>>();
                assert_eq!(spans(starved), spans(re), "{pattern:?} {hay:?}");
            }
        }
    }

    #[test]
    fn split_steps_over_single_bytes() {
        // builtins.split "" "é" => [ "" [ ] "\xc3" [ ] "\xa9" [ ] "" ]
        // (`builtins.length (builtins.split "" "é")` is 7): empty matches at
        // every byte offset, splitting the UTF-8 sequence.
        let re = PosixRegex::new("").unwrap();
        let spans: Vec<_> = re.find_all("é").into_iter().map(|m| m.0).collect();
        assert_eq!(spans, vec![(0, 0), (1, 1), (2, 2)]);
    }

    #[test]
    fn group_count() {
        // builtins.match "(a){0}(b)" "b" => [ null "b" ]
        let re = PosixRegex::new("(a){0}(b)").unwrap();
        assert_eq!(re.group_count(), 2);
        assert_eq!(re.match_full("b"), Some(vec![None, Some((0, 1))]));
        assert_eq!(PosixRegex::new("((a)(b))|()").unwrap().group_count(), 4);
        assert_eq!(PosixRegex::new("\\(a\\)").unwrap().group_count(), 0);
    }

    #[test]
    fn state_limit() {
        // builtins.match "a{99993}" "a" => null
        // builtins.match "a{99994}" "a" => error: memory limit exceeded by regular expression 'a{99994}'
        assert!(PosixRegex::new("a{99993}").is_ok());
        assert!(
            PosixRegex::new("a{99994}")
                .unwrap_err()
                .contains("memory limit")
        );
        // Thresholds measured with libstdc++ 12 (the library Nix 2.8 uses).
        for (template, max) in [
            ("(a|b|)+{K}", 8331),
            ("(a){K}", 24997),
            ("(|){K}", 16664),
            ("a+{K}", 49996),
        ] {
            assert!(
                PosixRegex::new(&template.replace('K', &max.to_string())).is_ok(),
                "{template}"
            );
            assert!(
                PosixRegex::new(&template.replace('K', &(max + 1).to_string())).is_err(),
                "{template}"
            );
        }
    }

    #[test]
    fn pathological_patterns_terminate() {
        // libstdc++ explores 2^n paths here; the budget bounds our work.
        let re = PosixRegex::new("(a|a)*(a|ab)").unwrap();
        let hay = format!("{}b", "a".repeat(40));
        let all = re.find_all(&hay);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].0, (0, 41));
        let re = PosixRegex::new("(a*)*b").unwrap();
        assert_eq!(re.match_full(&"a".repeat(40)), None);
        assert_eq!(
            re.match_full(&format!("{}b", "a".repeat(40)))
                .map(|g| g.len()),
            Some(1)
        );
    }

    #[test]
    fn long_haystacks() {
        // Nix itself overflows its stack on strings of a million characters.
        let hay = "a".repeat(200_000);
        let re = PosixRegex::new("(a*)*").unwrap();
        assert_eq!(re.match_full(&hay), Some(vec![Some((200_000, 200_000))]));
        let re = PosixRegex::new("(.*)").unwrap();
        assert_eq!(re.match_full(&hay), Some(vec![Some((0, 200_000))]));
        let words = "ab cd ".repeat(10_000);
        let re = PosixRegex::new("[[:space:]]+").unwrap();
        assert_eq!(re.find_all(&words).len(), 20_000);
    }

    #[test]
    fn nesting_limits() {
        std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let nested = |n: usize| format!("{}a{}", "(".repeat(n), ")".repeat(n));
                let re = PosixRegex::new(&nested(MAX_DEPTH)).unwrap();
                assert!(re.fast.is_none());
                assert_eq!(re.match_full("a").map(|g| g.len()), Some(MAX_DEPTH));
                // Each group adds a group and a sequence level.
                let re = PosixRegex::new(&nested((FAST_MAX_DEPTH - 1) / 2)).unwrap();
                assert!(re.fast.is_some());
                let stars = format!("(a{})", "*".repeat(FAST_MAX_DEPTH - 3));
                assert!(PosixRegex::new(&stars).unwrap().fast.is_some());
                assert_eq!(re.find_all("aa").len(), 2);
                assert!(PosixRegex::new(&nested(MAX_DEPTH + 1)).is_err());
                let stars = format!("a{}", "*".repeat(MAX_DEPTH - 1));
                assert!(PosixRegex::new(&stars).unwrap().match_full("aaa").is_some());
                let alternatives = format!("({})", vec!["a"; 5000].join("|"));
                assert_eq!(
                    PosixRegex::new(&alternatives)
                        .unwrap()
                        .find_all("aaa")
                        .len(),
                    3
                );
            })
            .unwrap()
            .join()
            .unwrap();
    }

    #[test]
    fn frame_is_small() {
        assert!(std::mem::size_of::<Frame>() <= 40);
    }
}
