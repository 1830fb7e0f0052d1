//! Evaluation errors: what went wrong, where, and the frames that led there.

use std::fmt;

/// A file known to the evaluator, by index into its source table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct FileId(pub u32);

/// A byte range in a source file. `Span::NONE` is "no position".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const NONE: Span = Span {
        file: FileId(u32::MAX),
        start: 0,
        end: 0,
    };

    pub fn is_none(&self) -> bool {
        self.file.0 == u32::MAX
    }
}

/// The classes of errors that behave differently: `tryEval` catches `Throw` and `Assert` only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// `throw`.
    Throw,
    /// `abort`.
    Abort,
    /// A failed `assert`.
    Assert,
    /// A value forced while it was being computed.
    InfiniteRecursion,
    /// Too many nested evaluations.
    StackOverflow,
    /// A value of the wrong type.
    Type,
    /// Anything else: missing attributes, bad arguments, I/O.
    Other,
}

/// One step of the trace: "while evaluating ...".
#[derive(Clone, Debug)]
pub struct Frame {
    pub span: Span,
    pub message: String,
}

/// An evaluation error.
#[derive(Clone, Debug)]
pub struct EvalError {
    pub kind: ErrorKind,
    pub message: String,
    /// Where it happened, when known.
    pub span: Span,
    /// A suggestion, shown as `hint: ...`.
    pub hint: Option<String>,
    /// Innermost first.
    pub trace: Vec<Frame>,
}

impl EvalError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Box<EvalError> {
        Box::new(EvalError {
            kind,
            message: message.into(),
            span: Span::NONE,
            hint: None,
            trace: Vec::new(),
        })
    }

    pub fn other(message: impl Into<String>) -> Box<EvalError> {
        EvalError::new(ErrorKind::Other, message)
    }

    pub fn type_error(message: impl Into<String>) -> Box<EvalError> {
        EvalError::new(ErrorKind::Type, message)
    }

    /// Sets the position if none is set yet.
    pub fn at(mut self: Box<Self>, span: Span) -> Box<EvalError> {
        if self.span.is_none() {
            self.span = span;
        }
        self
    }

    pub fn with_hint(mut self: Box<Self>, hint: impl Into<String>) -> Box<EvalError> {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a frame to the trace.
    pub fn frame(mut self: Box<Self>, span: Span, message: impl Into<String>) -> Box<EvalError> {
        if self.trace.len() < 10_000 {
            self.trace.push(Frame {
                span,
                message: message.into(),
            });
        }
        self
    }

    /// Whether `builtins.tryEval` turns this error into `{ success = false; }`.
    pub fn is_catchable(&self) -> bool {
        matches!(self.kind, ErrorKind::Throw | ErrorKind::Assert)
    }
}

impl fmt::Display for EvalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EvalError {}

pub type Result<T, E = Box<EvalError>> = std::result::Result<T, E>;

/// The name among `candidates` closest to `name`, if one is close enough to be a likely typo.
pub(crate) fn suggest<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = match name.len() {
        0..=2 => 1,
        3..=5 => 2,
        _ => 3,
    };
    candidates
        .filter(|c| *c != name)
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::suggest;

    #[test]
    fn suggestions_pick_the_closest_name() {
        let names = ["version", "pname", "src"];
        assert_eq!(suggest("verison", names.iter().copied()), Some("version"));
        assert_eq!(suggest("pnam", names.iter().copied()), Some("pname"));
        assert_eq!(suggest("completely", names.iter().copied()), None);
    }
}
