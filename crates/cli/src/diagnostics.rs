//! Rendering of diagnostics with miette: syntax errors with labelled source spans, and plain
//! errors with their cause chain. Colour follows `--color`, `NO_COLOR` and whether standard
//! error is a terminal.

use std::io::IsTerminal;
use std::sync::Arc;

use cairn_syntax::SyntaxError;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, Report, SourceCode, SourceSpan, SpanContents,
};

use crate::ColorChoice;

/// Source text with the name it is shown under.
pub(crate) struct Source {
    pub(crate) name: String,
    pub(crate) text: String,
}

/// Lines longer than this are shown as a window around the label.
const LONG_LINE: usize = 400;
/// How much of a long line is shown on each side of a label.
const WINDOW: usize = 100;

/// The source as miette reads it, except that a long line is cut to a window around the label:
/// a snippet stays readable, and miette cannot draw labels past column 65535.
#[derive(Clone)]
struct ClippedSource {
    name: Arc<str>,
    text: Arc<str>,
}

impl SourceCode for ClippedSource {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text: &str = &self.text;
        let start = span.offset().min(text.len());
        let end = (start + span.len()).min(text.len());
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
        if line_end - line_start <= LONG_LINE {
            let contents = text.read_span(span, before, after)?;
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name.to_string(),
                contents.data(),
                *contents.span(),
                contents.line(),
                contents.column(),
                contents.line_count(),
            )));
        }
        let mut from = start.saturating_sub(WINDOW).max(line_start);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = (end.min(start + WINDOW) + WINDOW).min(line_end);
        while !text.is_char_boundary(to) {
            to += 1;
        }
        let line = text[..from].matches('\n').count();
        let column = text[line_start..start].chars().count();
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_string(),
            &text.as_bytes()[from..to],
            (from, to - from).into(),
            line,
            column,
            1,
        )))
    }
}

fn use_color(choice: ColorChoice) -> bool {
    wants_color(choice, std::io::stderr().is_terminal())
}

/// Whether output to a stream is coloured: as `--color` says, and for `auto` when the stream
/// is a terminal and `NO_COLOR` is unset or empty.
pub(crate) fn wants_color(choice: ColorChoice, is_terminal: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && is_terminal
        }
    }
}

fn handler(color: ColorChoice) -> GraphicalReportHandler {
    let theme = if use_color(color) {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    GraphicalReportHandler::new_themed(theme).with_context_lines(2)
}

/// Whether two offsets can be labelled in one snippet: on different lines, or close enough on
/// one line that a clipped window holds both.
fn shown_together(text: &str, a: usize, b: usize) -> bool {
    let (lo, hi) = (a.min(b), a.max(b));
    text[lo..hi].contains('\n') || hi - lo <= WINDOW
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

/// The short text under the caret: what was expected, or where the input ended.
fn label_for(error: &SyntaxError, at_end: bool) -> String {
    if let Some((_, expected)) = error.message.split_once(", expected ") {
        return if at_end {
            format!("the input ends after this, expected {expected}")
        } else {
            format!("expected {expected}")
        };
    }
    if at_end {
        "the input ends here".to_string()
    } else {
        "here".to_string()
    }
}

/// Prints every syntax error of a source as its own diagnostic, then a summary line.
pub(crate) fn print_syntax_errors(source: &Source, errors: &[SyntaxError], color: ColorChoice) {
    let handler = handler(color);
    let clipped = ClippedSource {
        name: source.name.as_str().into(),
        text: source.text.as_str().into(),
    };
    let mut out = String::new();
    // Past this many, more diagnostics bury the first ones, which matter most.
    const SHOWN: usize = 50;
    for error in errors.iter().take(SHOWN) {
        let mut start: usize = error.range.start().into();
        let mut len: usize = error.range.len().into();
        let at_end = start >= source.text.len();
        if at_end {
            // An empty span at the end of the input is not drawn: point at the last visible
            // character instead.
            let visible = source.text.trim_end();
            if let Some(last) = visible.chars().next_back() {
                len = last.len_utf8();
                start = visible.len() - len;
            }
        }
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(label_for(error, at_end)),
            (start, len),
        )];
        let mut help = None;
        if let Some((range, label)) = &error.related {
            let other = usize::from(range.start());
            if shown_together(&source.text, start, other) {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.clone()),
                    (other, usize::from(range.len())),
                ));
            } else {
                // Too far along one long line to draw both: say where in words.
                let (line, column) = line_column(&source.text, other);
                help = Some(format!("{label}: line {line}, column {column}"));
            }
        }
        let mut diagnostic = MietteDiagnostic::new(error.message.clone()).with_labels(labels);
        if let Some(help) = help {
            diagnostic = diagnostic.with_help(help);
        }
        let report = Report::new(diagnostic).with_source_code(clipped.clone());
        if handler.render_report(&mut out, report.as_ref()).is_err() {
            out.push_str(&format!("error: {}\n", error.message));
        }
        out.push('\n');
    }
    let count = errors.len();
    if count > SHOWN {
        out.push_str(&format!(
            "… and {} more errors not shown\n\n",
            count - SHOWN
        ));
    }
    out.push_str(&format!(
        "error: could not parse `{}`: {count} error{}\n",
        source.name,
        if count == 1 { "" } else { "s" }
    ));
    eprint!("{out}");
}

/// Prints an error that has no source span, with its causes.
pub(crate) fn print_error(error: &anyhow::Error, color: ColorChoice) {
    let _ = color;
    let mut text = format!("error: {error}");
    for cause in error.chain().skip(1) {
        text.push_str(&format!("\n  caused by: {cause}"));
    }
    eprintln!("{text}");
}

/// Prints an evaluation error: the message with its source snippet, a hint if there is one,
/// and the trace, innermost frame first (the first `short` frames unless `full`).
pub(crate) fn print_eval_error(
    ev: &cairn_eval::Evaluator,
    error: &cairn_eval::EvalError,
    full: bool,
    short: usize,
    color: ColorChoice,
) {
    let handler = handler(color);
    let mut out = String::new();
    let mut diagnostic = MietteDiagnostic::new(error.message.clone());
    if let Some(hint) = &error.hint {
        diagnostic = diagnostic.with_help(hint.clone());
    }
    let source = ev.source(error.span.file).filter(|_| !error.span.is_none());
    let rendered = match source {
        Some(file) => {
            let start = (error.span.start as usize).min(file.text.len());
            let end = (error.span.end as usize).clamp(start, file.text.len());
            let diagnostic = diagnostic.with_labels(vec![LabeledSpan::new_primary_with_span(
                None,
                (start, end - start),
            )]);
            let clipped = ClippedSource {
                name: file.name.as_str().into(),
                text: file.text.clone(),
            };
            let report = Report::new(diagnostic).with_source_code(clipped);
            handler.render_report(&mut out, report.as_ref()).is_ok()
        }
        None => {
            let report = Report::new(diagnostic);
            handler.render_report(&mut out, report.as_ref()).is_ok()
        }
    };
    if !rendered {
        out = format!("error: {}\n", error.message);
    }
    let frames: Vec<_> = error.trace.iter().collect();
    let shown = if full {
        frames.len()
    } else {
        frames.len().min(short)
    };
    for frame in &frames[..shown] {
        out.push_str(&format!("  … {}", frame.message));
        if !frame.span.is_none() {
            let (file, line, column) = ev.line_col(frame.span);
            out.push_str(&format!("\n      at {file}:{line}:{column}"));
        }
        out.push('\n');
    }
    if shown < frames.len() {
        out.push_str(&format!(
            "  … {} more frame{} (use --show-trace to see them)\n",
            frames.len() - shown,
            if frames.len() - shown == 1 { "" } else { "s" }
        ));
    }
    eprint!("{out}");
}
